"""IFEval checkers on length and layout: sentences, words, paragraphs, bullets, highlights, sections, JSON, titles.

Semantics follow google-research `instruction_following_eval/instructions.py` exactly, quirks included: words are
`\\w+` runs; a bullet is a line starting with `*` not followed by another `*` (so a `**bold**` line is not a
bullet) or any line starting with `-` (so a `---` rule is one); `*x*` and `**x**` both count as highlights;
paragraphs are split on `***` (number_paragraphs) or on blank lines (nth_paragraph_first_word). Sentences come
from `rewards.rules.text.count_sentences`: nltk's Punkt with its English model, as IFEval counts them.
"""

from __future__ import annotations

import json
import re
from typing import Any

import regex

from rewards.rules.patterns import TimedPattern
from rewards.rules.registry import (
    checker, compare, non_negative_int, nonempty_str, positive_int, relation, stripped,
)
from rewards.rules.text import count_sentences, count_words


@checker("length_constraints:number_sentences", num_sentences=non_negative_int, relation=relation)
def number_sentences(value: str, *, num_sentences: int, relation: str) -> bool:
    return compare(count_sentences(value), relation, num_sentences)


@checker("length_constraints:number_words", num_words=non_negative_int, relation=relation)
def number_words(value: str, *, num_words: int, relation: str) -> bool:
    return compare(count_words(value), relation, num_words)


@checker("length_constraints:number_paragraphs", num_paragraphs=non_negative_int)
def number_paragraphs(value: str, *, num_paragraphs: int) -> bool:
    """Paragraphs separated by `***`; an empty paragraph is allowed only at either end."""
    paragraphs = re.split(r"\s?\*\*\*\s?", value)
    count = len(paragraphs)
    for i, paragraph in enumerate(paragraphs):
        if not paragraph.strip():
            if i in (0, len(paragraphs) - 1):
                count -= 1
            else:
                return False
    return count == num_paragraphs


def _prepare_nth(kw: dict[str, Any]) -> dict[str, Any]:
    if kw["nth_paragraph"] > kw["num_paragraphs"]:
        nth, num = kw["nth_paragraph"], kw["num_paragraphs"]
        raise ValueError(f"kwarg 'nth_paragraph' ({nth}) exceeds 'num_paragraphs' ({num})")
    return {**kw, "first_word": kw["first_word"].lower()}


@checker(
    "length_constraints:nth_paragraph_first_word",
    num_paragraphs=non_negative_int,
    nth_paragraph=positive_int,
    first_word=nonempty_str,
    prepare=_prepare_nth,
)
def nth_paragraph_first_word(value: str, *, num_paragraphs: int, nth_paragraph: int, first_word: str) -> bool:
    """`num_paragraphs` non-empty paragraphs separated by "\\n\\n", and the nth (counting empty ones, as IFEval
    indexes the raw split) starts with `first_word`, ignoring case, leading quotes and trailing punctuation."""
    paragraphs = value.split("\n\n")
    count = sum(1 for p in paragraphs if p.strip())
    if nth_paragraph > count:
        return False
    paragraph = paragraphs[nth_paragraph - 1].strip()
    if not paragraph:
        return False
    word = paragraph.split()[0].strip().lstrip("'").lstrip('"')
    first = ""
    for ch in word:
        if ch in {".", ",", "?", "!", "'", '"'}:
            break
        first += ch.lower()
    return count == num_paragraphs and first == first_word


# IFEval's patterns are `^\s*\*[^\*].*$` and `^\s*-.*$`. Their `\s*` can run across blank lines, which only moves
# a match's start back to an earlier line start: the same matches are found when it stops at a newline, without
# quadratic backtracking on long whitespace runs.
_BULLET_STAR = re.compile(r"^[^\S\n]*\*[^\*].*$", re.MULTILINE)
_BULLET_DASH = re.compile(r"^[^\S\n]*-.*$", re.MULTILINE)


@checker("detectable_format:number_bullet_lists", num_bullets=non_negative_int)
def number_bullet_lists(value: str, *, num_bullets: int) -> bool:
    return len(_BULLET_STAR.findall(value)) + len(_BULLET_DASH.findall(value)) == num_bullets


CONSTRAINED_RESPONSES = ("My answer is yes.", "My answer is no.", "My answer is maybe.")


@checker("detectable_format:constrained_response")
def constrained_response(value: str) -> bool:
    """One of the three options appears anywhere in the response (a substring test)."""
    value = value.strip()
    return any(option in value for option in CONSTRAINED_RESPONSES)


_HIGHLIGHT = re.compile(r"\*[^\n\*]*\*")
_DOUBLE_HIGHLIGHT = re.compile(r"\*\*[^\n\*]*\*\*")


@checker("detectable_format:number_highlighted_sections", num_highlights=non_negative_int)
def number_highlighted_sections(value: str, *, num_highlights: int) -> bool:
    count = sum(1 for h in _HIGHLIGHT.findall(value) if h.strip("*").strip())
    count += sum(1 for h in _DOUBLE_HIGHLIGHT.findall(value) if h.removeprefix("**").removesuffix("**").strip())
    return count >= num_highlights


def _prepare_sections(kw: dict[str, Any]) -> dict[str, Any]:
    spliter = kw["section_spliter"]
    try:
        pattern = TimedPattern(r"\s?" + spliter + r"\s?\d+\s?", literal_fallback=False)
    except ValueError:  # IFEval would crash; the splitter is then matched literally
        pattern = TimedPattern(r"\s?" + regex.escape(spliter) + r"\s?\d+\s?")
    return {**kw, "section_spliter": pattern}


@checker(
    "detectable_format:multiple_sections",
    section_spliter=stripped,
    num_sections=non_negative_int,
    prepare=_prepare_sections,
)
def multiple_sections(value: str, *, section_spliter: TimedPattern, num_sections: int) -> bool:
    """At least `num_sections` occurrences of "<spliter> <number>" (case-sensitive, anywhere in the text)."""
    return len(section_spliter.split(value)) - 1 >= num_sections


def strip_json_fence(value: str) -> str:
    """IFEval's fence stripping: surrounding ```json / ```Json / ```JSON / ``` and ``` removed."""
    value = value.strip()
    for prefix in ("```json", "```Json", "```JSON", "```"):
        value = value.removeprefix(prefix)
    return value.removesuffix("```").strip()


@checker("detectable_format:json_format")
def json_format(value: str) -> bool:
    try:
        json.loads(strip_json_fence(value))
    except (ValueError, RecursionError):  # IFEval would crash on JSON nested too deeply for Python
        return False
    return True


@checker("detectable_format:title")
def title(value: str) -> bool:
    """A non-blank title in `<<...>>`. IFEval's greedy `<<[^\n]+>>` matches, per line, from the first `<<` to the
    last `>>` (with at least one character between); found here by string search, in linear time."""
    for line in value.split("\n"):
        start, end = line.find("<<"), line.rfind(">>")
        if start >= 0 and end >= start + 3 and line[start : end + 2].lstrip("<").rstrip(">").strip():
            return True
    return False
