"""Extraction policy for reasoning-model completions (pure string work, linear time).

1. Only the answer part counts: text after the last `</think>` (`rewards.base.answer_part`); an unclosed `<think>`
   means no answer, and an answer that appears only inside the thinking is not an answer.
2. The final answer is the last `\\boxed{}` / `\\fbox{}` (also `\\boxed 5`). An empty box, or a last box that is
   never closed (truncated output), means no answer. Every complete box is returned so the caller can reject
   hedging across boxes that disagree.
3. Without a box: the last explicit final-answer marker: "the answer is X", "final answer: X", a line starting
   with "Answer: X", or a JSON field `"answer": "C"` / `"answer": 42`. X runs to the end of its line or sentence.
4. Nothing else is extracted (no "last number in the text" guessing).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rewards.base import answer_part

_BOX = re.compile(r"\\(?:boxed|fbox)\b\s*")
_MARKERS = re.compile(
    r"(?:final\s+answer|the\s+answer)[*_]*\s*(?:is|:|=)\s*:?"
    r"|^[ \t>*#_]*answer[*_]*\s*[:：]"
    , re.IGNORECASE | re.MULTILINE)
_JSON_ANSWER = re.compile(r"\"answer\"\s*:\s*(?:\"((?:[^\"\\\n]|\\.){0,200})\"|(-?\d[\d.,/eE+-]{0,60}))")
_LEADING_MATH = re.compile(r"^(\$\$?|\\\(|\\\[)")
_SENTENCE_END = re.compile(r"(?<!\d)\.(?!\d)|(?<=\d)\.(?=\s|$)|\s+(?:because|since|as|which)\s")
_CLOSERS = {"$$": "$$", "$": "$", "\\(": "\\)", "\\[": "\\]"}


@dataclass(frozen=True)
class Extraction:
    """The final answer of a completion. `answer` is None when there is none; `candidates` lists every complete
    box in the answer part (or just the marker answer), in order."""

    answer: str | None
    candidates: tuple[str, ...] = ()
    source: str = "none"  # "box", "marker", "json" or "none"


NO_ANSWER = Extraction(None)


def _group(text: str, start: int) -> tuple[str, int] | None:
    """Brace group starting at text[start] == '{': (content, index after it), None when never closed."""
    depth = 0
    for i in range(start, len(text)):
        ch = text[i]
        if ch == "\\":
            continue
        if ch == "{" and text[i - 1] != "\\":
            depth += 1
        elif ch == "}" and text[i - 1] != "\\":
            depth -= 1
            if depth == 0:
                return text[start + 1:i], i + 1
    return None


def boxes(text: str) -> tuple[list[str], bool]:
    """Contents of every complete box in `text`, and whether the last box is truncated or empty."""
    found: list[str] = []
    last_bad = False
    pos = 0
    while True:
        m = _BOX.search(text, pos)
        if m is None:
            return found, last_bad
        end = m.end()
        if end < len(text) and text[end] == "{":
            group = _group(text, end)
            if group is None:
                return found, True
            content, pos = group
        else:  # `\boxed 5`: one token up to whitespace or `$`
            token = re.match(r"[^\s$]+", text[end:])
            content, pos = (token.group(0), end + token.end()) if token else ("", end)
        content = content.strip()
        last_bad = not content
        if content:
            found.append(content)


def _marker_value(tail: str) -> str:
    tail = tail.lstrip(" \t*_:")
    m = _LEADING_MATH.match(tail)
    if m:
        closer = _CLOSERS[m.group(1)]
        end = tail.find(closer, m.end())
        if end > m.end():
            return tail[m.end():end].strip()
    line = tail.split("\n", 1)[0]
    cut = _SENTENCE_END.search(line)
    if cut:
        line = line[: cut.start()]
    return line.strip().strip("*_").strip()


def extract_answer(completion: str) -> Extraction:
    """Apply the extraction policy (module docstring) to a completion's full text."""
    text = answer_part(completion)
    if text is None:
        return NO_ANSWER
    found, last_bad = boxes(text)
    if found or last_bad:
        return NO_ANSWER if last_bad else Extraction(found[-1], tuple(found), "box")
    best: tuple[int, str, str] | None = None
    for m in _MARKERS.finditer(text):
        best = (m.start(), _marker_value(text[m.end():]), "marker")
    for m in _JSON_ANSWER.finditer(text):
        if best is None or m.start() > best[0]:
            value = m.group(1) if m.group(1) is not None else m.group(2)
            best = (m.start(), value.replace('\\"', '"').replace("\\\\", "\\").strip(), "json")
    if best is None or not best[1]:
        return NO_ANSWER
    return Extraction(best[1], (best[1],), best[2])
