"""Extraction policy for reasoning-model completions (pure string work, linear time).

1. Only the answer part counts: text after the last `</think>` (`rewards.base.answer_part`); an unclosed `<think>`
   means no answer, and an answer that appears only inside the thinking is not an answer.
2. Boxes (`\\boxed{}`, `\\fbox{}`, also `\\boxed 5`). An empty last box, or a last box that is never closed
   (truncated output), means no answer. Boxes joined only by separators (commas, semicolons, `and`, `or`,
   `\\quad`, math delimiters, a few words ending in "and": "\\boxed{1} papers and \\boxed{2} bins", or a name
   and `=` before the next box: "$y_1 = \\boxed{..}$ and $y_2 = \\boxed{..}$") form one group; the final answer is
   the last group. Earlier boxes separated from it by any other text are earlier attempts (a self-correction:
   "\\boxed{12}. Wait, ... \\boxed{15}" answers 15).
   A group of several boxes is one multi-valued answer: `\\boxed{2} and \\boxed{5}` reads `2, 5`, and
   `\\boxed{3} or \\boxed{4}` reads `3 or 4` (alternatives: hedging against a one-value gold).
   A "final answer" (or "correct answer") marker after the last box and followed by math restates or corrects it
   ("\\boxed{255} ... Final Answer: The final answer is $10,455$" answers 10,455), and a retraction right after the
   last box ("Hmm, that's wrong.") leaves no answer.
3. Without a box: the last explicit final-answer marker: "the answer is X", "final answer: X", a line starting
   with "Answer: X" (or "Answer" and a math span), its translation ("la réponse est X", "Antwort: X", "الإجابة هي X",
   "उत्तर: X", "答案是X"; `rewards.math.languages`, whose negations and hedges reject as English ones do), or a JSON
   field `"answer": "C"` / `"answer": 42`. An option letter that X opens with, followed only by reasons that
   discard the other letters ("for sure D, it can't be A or B"), is X (`rewards.math.choices`). X runs to the
   end of its line or sentence; when that sentence is prose ("The largest $n$ is 34"), the answer is the math
   after its last word (34), and a negated sentence ("the answer is not 5") gives no answer. A leading math span is
   X only when the rest of its sentence holds no hedge or condition ("$12$ if $n$ is even and $13$ otherwise"); a
   doubt or retraction right after it ("Answer: 12\nActually wait") leaves no answer.
4. Without a box or marker: a response that opens with an option letter and only explains it ("D. it can't be A or
   B", "B。不是 A"; `rewards.math.choices`) is that letter; an answer part that is only an expression (`3`, `x+3y-4=0`, `$\\frac12$`, one math
   display, or a single token such as `\\text{odd}`) is that answer: at most two words of prose, and a digit, a
   math symbol or a single token, and no negation, failure verb ("fails"), tentative word ("trying", "if") or
   question mark.
5. Otherwise, math-verify's own fallback (the last math in the prose), narrowed to what cannot be a hedge: the last
   sentence of the answer part that holds math (a `$..$` display or a number; a capitalised "Therefore", "Thus",
   "Hence" or "So" also starts a sentence) gives its last clause (after the
   last `;`, `which` or `but`), which must hold exactly one math item (displays and numbers separated only by
   spaces count as one; a short display without digits that names the next item, "the pair $(x, y)$ that solves
   it is $(7, 6)$", does not count) and no negation; the sentence must hold no hedge word. That clause (source
   "prose") is parsed in a worker with math-verify's default extraction, and the math it finds is the answer:
   "Therefore $x \\geq 5$ is the solution." gives `x \\geq 5`; "5 is wrong", "It is 3 or maybe 4" and
   "The roots are 2 and 5" give none. Numbers that label a step, case or list item ("Step 4", "Case 2", "1.") are
   no values; headings, planning sentences ("Let me compute this in 2 steps", "x = 5 is a candidate"), conditions
   after the value ("12 when n is even") and an answer part cut off mid-sentence ("The area is 12 and") give none.
   Chinese prose is read with its own negations and hedges; prose in other non-Latin scripts gives none.
   A bare expression with prose words, or a marker sentence with no math after its last word ("Final Answer: Jane
   started growing Sphere 3 hours ago"), that also passes these checks is read whole first, and as prose when the
   whole is not the gold (source "expression_or_prose" or "marker_or_prose").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rewards.base import answer_part
from rewards.math.choices import leading_choice, marked_choice
from rewards.math.languages import CJK_HEDGE, FOREIGN_HEDGE, FOREIGN_MARKER, UNKNOWN_SCRIPT
from rewards.math.prose import (
    CONDITION,
    FOREIGN_WORD,
    HEADING,
    HEDGE,
    LABEL,
    MATH_SPAN,
    NEGATION,
    PROSE_NEGATION,
    PROSE_WORD,
    TENTATIVE,
    prose_answer,
)

_BOX = re.compile(r"\\(?:boxed|fbox|beginboxed)\b\s*")  # (`\beginboxed{}`: as models misspell a box)
_MARKERS = re.compile(
    r"(?:(?:final|correct|right)\s+answer|(?:correct|right)\s+(?:option|choice)"
    r"|(?:the|so|thus|hence|therefore)\s+answer)[*_]*\s*"
    r"(?:is(?![A-Za-z'’])|:|=)\s*:?"
    r"|^[ \t>*#_]*answer[*_]*\s*(?:[:：]|(?=\$|\\\(|\\\[))"
    rf"|{FOREIGN_MARKER}\s*:?"  # "la réponse est", "Antwort:", "الإجابة هي", "उत्तर:", "答案是"
    , re.IGNORECASE | re.MULTILINE)
_FINAL_MARKER = re.compile(r"(?:final|correct|right)\s+answer[*_]*\s*(?:is(?![A-Za-z'’])|:|=)", re.IGNORECASE)
# a sentence after the last box that retracts it ("Hmm, that's wrong.", "Actually no, it's 13")
_DOUBT = re.compile(r"\b(?:wait|hmm+|recheck|re-check|double[- ]check|reconsider)\b", re.IGNORECASE)
# (it retracts the answer itself: "A is wrong because ..." after "Answer: B" explains, it does not retract)
_RETRACTION = re.compile(r"\b(?:(?:that|this|it|which)(?:'s|\s+is|\s+was)\s+(?:wrong|incorrect|not\s+right"
                         r"|not\s+correct|a\s+mistake)|made\s+an?\s+(?:error|mistake)|my\s+mistake|actually,?\s+no|oops"
                         r"|(?:answer|it)\s+(?:isn't|is\s+not))\b", re.IGNORECASE)
# a next sentence that corrects the answer: "The answer is 12. Not 12 though, ...", "... Actually 13."
_CORRECTION = re.compile(r"\s*(?:not\s+(?:\$?[-+]?\d|\(?[A-J]\b)|actually\b)", re.IGNORECASE)
# a value contrasted with another: "B, not A", "5 (not 6)"
_CONTRAST = re.compile(r"^\s*([^,;()]+?)\s*(?:,\s*|\(\s*)not\s+([^,;]+?)\)?\s*$", re.IGNORECASE)
_EMPHASIS = re.compile(r"^(?:\*\*|__)([^*_]+)(?:\*\*|__)$")
_MATH_START = re.compile(r"[\s*_:]*(?:\$|\\\(|\\\[|[-+]?\.?\d)")
_JSON_ANSWER = re.compile(r"\"answer\"\s*:\s*(?:\"((?:[^\"\\\n]|\\.){0,200})\"|(-?\d[\d.,/eE+-]{0,60}))")
_LEADING_MATH = re.compile(r"^(\$\$?|\\\(|\\\[)")
_SENTENCE_END = re.compile(r"(?<!\d)\.(?!\d)|(?<=\d)\.(?=\s|$)|[。！？]|\s+(?:because|since|as|which)\s")
_SENTENCE_CUT = re.compile(r"(?<!\d)\.(?!\d)|(?<=\d)\.(?=\s|$)|[!?\n]")
_UNESCAPED_DOLLAR = re.compile(r"(?<!\\)\$")
_UNESCAPED_DOLLARS = re.compile(r"(?<!\\)\$\$")
_CLOSERS = {"$$": "$$", "$": "$", "\\(": "\\)", "\\[": "\\]"}
# what may stand between two boxes of one multi-valued answer; `or` makes the values alternatives
_JOINER = re.compile(r"(?:\s|\$|\\[()\[\]]|[,;&~]|\\\\|\\q?quad|\\[,;: !]|\band\b|\bor\b|\\(?:lor|vee)"
                     r"|\\(?:text|textrm|mbox|mathrm)\s*\{\s*(?:and|or|,)?\s*\})*")
# a few words ending in "and" label the values of one answer: "\\boxed{1} papers and \\boxed{2} bins",
# "\\boxed{(3, 3)} \\text{ for part (a) and } \\boxed{(1, 1)}"; letters, spaces and parentheses only (no sentence)
_LABEL_JOINER = re.compile(r"[\s$]*(?:\\text\s*\{)?(?![^{}]*\b(?:no|not|never|wrong|incorrect|mistake|oops|sorry"
                           r"|wait|actually|instead|rather|or)\b)[A-Za-z() ]{1,40}\band\s*\}?[\s$]*")
# a name and `=`, or a part label, that label the next box of the group: "$y_1 = \\boxed{..}$ and $y_2 = \\boxed{..}$",
# "(a) \\boxed{3} (b) \\boxed{5}"
_BOX_LABEL = re.compile(r"(?:(?<![A-Za-z\\])[A-Za-z](?:_\{?\w{1,3}\}?)?'?\s*="
                        r"|(?:\bpart\s*)?\(\s*(?:[a-h]|i{1,3}|iv|v|vi)\s*\)\s*:?)(?:\s|\$|\\[(\[])*$", re.IGNORECASE)
_OR = re.compile(r"\bor\b|\\lor|\\vee")
# text between two boxes that offers the second as an alternative under a condition, not as a correction
_ALTERNATIVE_ANSWER = re.compile(r"\b(?:if|would|alternatively|otherwise|in\s+case|could\s+also|might)\b",
                                 re.IGNORECASE)
_CORRECTED = re.compile(r"\b(?:wait|wrong|mistakes?|actually|errors?|incorrect|recomput\w*|correct(?:ed|ion|ing)"
                        r"|instead|oops|sorry)\b", re.IGNORECASE)
# after a doubt ("Wait, let me reconsider."), a revision of the last box: "Actually, I think it should be 6"
_REVISION = re.compile(r"\b(?:actually|should\s+be|instead|rather)\b", re.IGNORECASE)
# a reason in parentheses after a marked value: "The answer is 5 (since x > 0)"
_REASON_ASIDE = re.compile(r"\s*\((?:since|because|as|assuming|given|i\.e\.|e\.g\.)\b[^()]*\)\s*$",
                           re.IGNORECASE)
# a run of letters (with their combining marks) of a script other than Latin: a word of prose
_FOREIGN_LETTERS = re.compile(r"(?:[^\W\d_A-Za-z\u00c0-\u024f\u0370-\u03ff]|[\u0610-\u061a\u064b-\u065f\u0670\u0900-\u0903"
                              r"\u093a-\u094f\u0951-\u0957\u0962\u0963])+")
_FOREIGN_HEDGE = re.compile(f"{FOREIGN_HEDGE}|{CJK_HEDGE}", re.IGNORECASE)
_MATH_CHAR = re.compile(r"[\d\\$^_=+*/()\[\]{}<>|]")
RETRACTION_CHARS = 200  # a retraction or doubt right after the final answer (within this many characters) voids it
MAX_EXPRESSION_CHARS = 1000
MAX_JOINER_CHARS = 200


@dataclass(frozen=True)
class Extraction:
    """The final answer of a completion. `answer` is None when there is none; `candidates` lists every complete
    box of the final group (or just the marker answer), in order."""

    answer: str | None
    candidates: tuple[str, ...] = ()
    # "box", "marker", "json", "expression", "choice", "prose", "expression_or_prose" / "marker_or_prose" (read whole, else
    # as prose) or "none"
    source: str = "none"


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


def _box_spans(text: str) -> tuple[list[tuple[str, int, int]], bool]:
    """(content, start, end) of every complete non-empty box, and whether the last box is truncated or empty."""
    found: list[tuple[str, int, int]] = []
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
            found.append((content, m.start(), pos))


def boxes(text: str) -> tuple[list[str], bool]:
    """Contents of every complete box in `text`, and whether the last box is truncated or empty."""
    spans, last_bad = _box_spans(text)
    return [c for c, _, _ in spans], last_bad


def _last_group(text: str, spans: list[tuple[str, int, int]]) -> Extraction:
    """The last run of boxes joined only by separators, as one answer (module docstring, rule 2)."""
    first, alternatives = len(spans) - 1, False
    while first > 0:
        between = text[spans[first - 1][2]:spans[first][1]]
        if len(between) > MAX_JOINER_CHARS:
            break
        label = _BOX_LABEL.search(between)
        between = between[:label.start()] if label else between
        if not (_JOINER.fullmatch(between) or _LABEL_JOINER.fullmatch(between)):
            break
        alternatives = alternatives or bool(_OR.search(between))
        first -= 1
    group = tuple(dict.fromkeys(c for c, _, _ in spans[first:]))  # a repeated box is one value
    if first > 0 and len(group) == 1:
        before = text[spans[first - 1][2]:spans[first][1]]
        if _ALTERNATIVE_ANSWER.search(before) and not _CORRECTED.search(before):
            # "\\boxed{5}. However, if only integers count, the answer would be \\boxed{4}": two answers
            both = tuple(dict.fromkeys((spans[first - 1][0], group[0])))
            return Extraction(" or ".join(both), both, "box")
    return Extraction((" or " if alternatives else ", ").join(group), group, "box")


def _after_last_word(value: str) -> str:
    """In a prose sentence ("The largest $n$ is 34"), the math after its last word; else `value` unchanged."""
    masked = MATH_SPAN.sub(lambda m: "#" * len(m.group(0)), value)
    if UNKNOWN_SCRIPT.search(masked):
        return ""  # a script whose negations are unknown states nothing that can be checked
    if _FOREIGN_HEDGE.search(masked):
        return ""  # "7 oder 8", "12 o 13", "ربما 92": read as alternatives only in English
    words = sorted(list(PROSE_WORD.finditer(masked)) + list(_FOREIGN_LETTERS.finditer(masked)), key=lambda m: m.end())
    if not words:
        return value
    contrast = _CONTRAST.match(masked)
    if contrast and not PROSE_WORD.search(contrast.group(1) + " " + contrast.group(2)) and not HEDGE.search(masked):
        return value[:contrast.end(1)].strip()  # "B, not A" states B ("5, not sure" does not)
    if NEGATION.search(masked):
        return ""  # "the answer is not 5" states no answer
    if HEDGE.search(masked):
        return value  # "5 or maybe 6": kept whole, so it reads as alternatives
    tail = value[words[-1].end():].strip(" \t:,;")
    return tail if tail.strip("$ ") else value


def _marker_value(tail: str) -> str:
    tail = tail.lstrip(" \t*_:")
    choice = marked_choice(tail.split("\n", 1)[0][:MAX_EXPRESSION_CHARS])
    if choice is not None:
        return choice  # "for sure D, it can't be A or B" states D
    m = _LEADING_MATH.match(tail)
    if m:
        closer = _CLOSERS[m.group(1)]
        if closer.startswith("$"):  # an escaped `\\$` is a dollar sign, not the closing delimiter
            found = (_UNESCAPED_DOLLARS if closer == "$$" else _UNESCAPED_DOLLAR).search(tail, m.end())
            end = found.start() if found else -1
        else:
            end = tail.find(closer, m.end())
        inline = closer in ("$", "\\)")
        rest = tail[end + len(closer):].split("\n", 1)[0][:MAX_EXPRESSION_CHARS]
        sentence_rest = rest[:_SENTENCE_END.search(rest + ".").start()]
        # "$5$ or maybe $6$", "$12$ if $n$ is even and $13$ otherwise"
        hedged = HEDGE.search(sentence_rest) or TENTATIVE.search(sentence_rest) or CONDITION.search(sentence_rest)
        if end > m.end() and not (inline and "\n" in tail[m.end():end]) and not hedged:  # inline math: one line
            return tail[m.end():end].strip()
    line = tail.split("\n", 1)[0][:MAX_EXPRESSION_CHARS]  # a final-answer sentence is short: bounded work
    cut = _SENTENCE_END.search(line)
    if cut:
        line = line[: cut.start()]
    line = _REASON_ASIDE.sub("", line)
    return _after_last_word(line.strip().strip("*_").strip())


def expression_only(text: str) -> str | None:
    """The whole answer part when it is only an expression (module docstring, rule 4), else None."""
    text = _EMPHASIS.sub(r"\1", text.strip())  # "**(B)**": markdown emphasis around the whole answer
    if not text or len(text) > MAX_EXPRESSION_CHARS:
        return None
    span = MATH_SPAN.fullmatch(text)
    if span:
        return text
    if "\n" in text:
        return None
    prose = MATH_SPAN.sub(" ", text)
    if len(PROSE_WORD.findall(prose)) > 2 or FOREIGN_WORD.search(prose) or NEGATION.search(prose) or "?" in prose:
        return None
    if PROSE_NEGATION.search(prose) or TENTATIVE.search(prose) or HEADING.match(prose) or any(
            m.group(1) for m in LABEL.finditer(prose)):
        return None
    if not (_MATH_CHAR.search(text) or " " not in text):
        return None
    return text


def gold_answer(gold: str) -> str:
    """The gold's final answer: its last box group when the gold is a worked solution with boxes (every box of the
    math display that holds the last box, when there are more of those: `$\\boxed{35} ++ \\boxed{4}$` is `35, 4`, as
    math-verify reads a gold); else, when the gold is prose with a final-answer marker ("Final Answer: The final
    answer is $28\\%$"), the marker's answer; else the gold itself."""
    if "\\boxed" not in gold and "\\fbox" not in gold:
        if expression_only(gold) is not None:
            return gold
        markers = list(_MARKERS.finditer(gold))
        return (_marker_value(gold[markers[-1].end():]) or gold) if markers else gold
    spans, _ = _box_spans(gold)
    if not spans:
        return gold
    group = _last_group(gold, spans)
    display = next((m for m in MATH_SPAN.finditer(gold) if m.start() <= spans[-1][1] < m.end()), None)
    inside = tuple(dict.fromkeys(c for c, start, _ in spans if display and display.start() <= start < display.end()))
    return ", ".join(inside) if len(inside) > len(group.candidates) else group.answer  # type: ignore[return-value]


def _doubted(text: str, start: int) -> bool:
    """Whether the text after the sentence that starts at `start` doubts, retracts or corrects it ("Answer: 12\n
    Actually wait", "The answer is 12. But wait, let me recheck", "The answer is 12. Actually 13.")."""
    cut = _SENTENCE_CUT.search(text, start)
    return bool(cut and (_DOUBT.search(text, cut.end(), cut.end() + RETRACTION_CHARS)
                         or _RETRACTION.search(text, cut.end(), cut.end() + RETRACTION_CHARS)
                         or _CORRECTION.match(text, cut.end())))


def _marker_answer(text: str, after: int = 0) -> Extraction | None:
    """The last final-answer marker or JSON answer field that starts at or after `after` (module docstring, rule
    3); NO_ANSWER when its value is empty (negated), None when there is none."""
    marker = json = None
    for marker in _MARKERS.finditer(text, after):  # only the last one is read: linear time
        pass
    for json in _JSON_ANSWER.finditer(text, after):
        pass
    if marker is None and json is None:
        return None
    if json is not None and (marker is None or json.start() > marker.start()):
        value = json.group(1) if json.group(1) is not None else json.group(2).rstrip(".,")
        best = (json.start(), value.replace('\\"', '"').replace("\\\\", "\\").strip(), "json")
    else:
        best = (marker.start(), _marker_value(text[marker.end():]), "marker")  # type: ignore[union-attr]
    if not best[1] or (best[2] == "marker" and _doubted(text, marker.end())):  # type: ignore[union-attr]
        return NO_ANSWER
    words = best[2] == "marker" and PROSE_WORD.search(MATH_SPAN.sub(" ", best[1]))
    source = "marker_or_prose" if words and prose_answer(best[1]) else best[2]
    return Extraction(best[1], (best[1],), source)


def extract_answer(completion: str) -> Extraction:
    """Apply the extraction policy (module docstring) to a completion's full text."""
    text = answer_part(completion)
    if text is None:
        return NO_ANSWER
    tagged = text.rfind("<answer>")
    if tagged >= 0:  # an `<answer>..</answer>` block holds the answer part; an unclosed one is cut off
        closed = text.find("</answer>", tagged)
        if closed < 0:
            return NO_ANSWER
        text = text[tagged + len("<answer>"):closed]
    spans, last_bad = _box_spans(text)
    if last_bad:
        return NO_ANSWER
    if spans:
        # a "final answer" marker after the last box, followed by math, restates or corrects it as a later box would
        final = next(reversed(list(_FINAL_MARKER.finditer(text, spans[-1][2]))), None)
        later = _marker_answer(text, final.start()) if final else None
        if later is not None and later.answer and _MATH_START.match(text, final.end()):
            return later
        end = spans[-1][2]
        doubt = _DOUBT.search(text, end, end + RETRACTION_CHARS)
        if _RETRACTION.search(text, end, end + RETRACTION_CHARS) or (
                doubt and _REVISION.search(text, doubt.end(), end + RETRACTION_CHARS)):
            return NO_ANSWER
        return _last_group(text, spans)
    marked = _marker_answer(text)
    if marked is not None:
        return marked
    alone = expression_only(text)
    if alone is not None:
        words = PROSE_WORD.search(MATH_SPAN.sub(" ", alone))
        return Extraction(alone, (alone,), "expression_or_prose" if words and prose_answer(alone) else "expression")
    letter = leading_choice(text)
    if letter is not None:
        return Extraction(letter, (letter,), "choice")
    clause = prose_answer(text)
    return NO_ANSWER if clause is None else Extraction(clause, (clause,), "prose")
