"""IFEval checkers on words, letters, case, language and the start/end of the response.

Semantics follow google-research `instruction_following_eval/instructions.py` exactly, quirks included: keywords
are regular expressions matched as substrings, case-insensitively ("cat" is found in "concatenate");
forbidden words match on word boundaries; the end checker strips surrounding double quotes before comparing.
Patterns built from kwargs are `TimedPattern`s (`rewards.rules.patterns`): matched under a hard time limit, and
literally where IFEval would crash on a keyword that is not a valid regular expression.
"""

from __future__ import annotations

import collections
from typing import Any

import regex

from rewards.rules.language import detect, language_code, same_language
from rewards.rules.patterns import TimedPattern
from rewards.rules.registry import (
    checker, compare, non_negative_int, nonempty_str, relation, stripped, text_list,
)
from rewards.rules.text import word_tokens


def _prepare_keywords(kw: dict[str, Any]) -> dict[str, Any]:
    return {"keywords": [TimedPattern(k, regex.IGNORECASE) for k in sorted(kw["keywords"])]}


@checker("keywords:existence", keywords=text_list, prepare=_prepare_keywords)
def keywords_existence(value: str, *, keywords: list[TimedPattern]) -> bool:
    return all(k.search(value) for k in keywords)


def _prepare_frequency(kw: dict[str, Any]) -> dict[str, Any]:
    return {**kw, "keyword": TimedPattern(kw["keyword"].strip(), regex.IGNORECASE)}


@checker(
    "keywords:frequency",
    keyword=nonempty_str,
    frequency=non_negative_int,
    relation=relation,
    prepare=_prepare_frequency,
)
def keywords_frequency(value: str, *, keyword: TimedPattern, frequency: int, relation: str) -> bool:
    return compare(len(keyword.findall(value)), relation, frequency)


def _prepare_forbidden(kw: dict[str, Any]) -> dict[str, Any]:
    words = sorted(set(kw["forbidden_words"]))
    try:
        patterns = [TimedPattern(rf"\b{w}\b", regex.IGNORECASE, literal_fallback=False) for w in words]
    except ValueError:  # IFEval would crash; here every word is then matched literally
        patterns = [TimedPattern(rf"\b{regex.escape(w)}\b", regex.IGNORECASE) for w in words]
    return {"forbidden_words": patterns}


@checker("keywords:forbidden_words", forbidden_words=text_list, prepare=_prepare_forbidden)
def keywords_forbidden_words(value: str, *, forbidden_words: list[TimedPattern]) -> bool:
    return not any(p.search(value) for p in forbidden_words)


def letter(value: Any) -> str:
    """Kwarg kind: exactly one character (IFEval picks a random letter otherwise), lower-cased."""
    if not isinstance(value, str) or len(value) != 1:
        raise ValueError(f"expected a single letter, got {value!r}")
    return value.strip().lower()


@checker("keywords:letter_frequency", letter=letter, let_frequency=non_negative_int, let_relation=relation)
def keywords_letter_frequency(value: str, *, letter: str, let_frequency: int, let_relation: str) -> bool:
    return compare(collections.Counter(value.lower())[letter], let_relation, let_frequency)


@checker("language:response_language", language=language_code)
def response_language(value: str, *, language: str) -> bool:
    """langdetect's top language equals `language`; text with no detectable features passes (as in IFEval)."""
    code = detect(value)
    return code is None or same_language(code, language)


@checker("change_case:english_capital")
def english_capital(value: str) -> bool:
    if not value.isupper():
        return False
    code = detect(value)
    return code is None or code == "en"


@checker("change_case:english_lowercase")
def english_lowercase(value: str) -> bool:
    if not value.islower():
        return False
    code = detect(value)
    return code is None or code == "en"


@checker("change_case:capital_word_frequency", capital_frequency=non_negative_int, capital_relation=relation)
def capital_word_frequency(value: str, *, capital_frequency: int, capital_relation: str) -> bool:
    """Counts Treebank tokens that are all caps ("I" and "N'T" count; hyphenated words count once)."""
    count = sum(1 for w in word_tokens(value) if w.isupper())
    return compare(count, capital_relation, capital_frequency)


@checker("punctuation:no_comma")
def no_comma(value: str) -> bool:
    return "," not in value


def count_placeholders(value: str) -> int:
    r"""Matches of IFEval's `\[.*?\]` (a `[` and the next `]` on the same line), counted in linear time."""
    count = 0
    for line in value.split("\n"):
        pos = line.find("[")
        while pos >= 0:
            close = line.find("]", pos + 1)
            if close < 0:
                break
            count += 1
            pos = line.find("[", close + 1)
    return count


@checker("detectable_content:number_placeholders", num_placeholders=non_negative_int)
def number_placeholders(value: str, *, num_placeholders: int) -> bool:
    return count_placeholders(value) >= num_placeholders


def _prepare_postscript(kw: dict[str, Any]) -> dict[str, Any]:
    # IFEval searches `\s*<marker>.*$` (MULTILINE). Its `\s*` may match nothing and `.*$` always matches, so it
    # finds a match exactly where `<marker>` alone does; searching for the marker alone avoids the quadratic
    # backtracking of the leading `\s*` on long runs of whitespace.
    marker = kw["postscript_marker"]
    if marker == "P.P.S":
        return {"postscript_marker": TimedPattern(r"p\.\s?p\.\s?s")}
    if marker == "P.S.":
        return {"postscript_marker": TimedPattern(r"p\.\s?s\.")}
    return {"postscript_marker": TimedPattern(marker.lower(), regex.MULTILINE)}


@checker("detectable_content:postscript", postscript_marker=stripped, prepare=_prepare_postscript)
def postscript(value: str, *, postscript_marker: TimedPattern) -> bool:
    """The marker appears anywhere in the lower-cased response (IFEval's `findall` is unanchored)."""
    return bool(postscript_marker.search(value.lower()))


@checker("startend:end_checker", end_phrase=stripped)
def end_checker(value: str, *, end_phrase: str) -> bool:
    return value.strip().strip('"').lower().endswith(end_phrase.lower())


@checker("startend:quotation")
def quotation(value: str) -> bool:
    value = value.strip()
    return len(value) > 1 and value[0] == '"' and value[-1] == '"'


@checker("combination:two_responses")
def two_responses(value: str) -> bool:
    """Exactly two non-empty responses separated by "******" (empty parts only at either end)."""
    parts = value.split("******")
    valid = []
    for i, part in enumerate(parts):
        if part.strip():
            valid.append(part)
        elif 0 < i < len(parts) - 1:
            return False
    return len(valid) == 2 and valid[0].strip() != valid[1].strip()


@checker("combination:repeat_prompt", prompt_to_repeat=nonempty_str)
def repeat_prompt(value: str, *, prompt_to_repeat: str) -> bool:
    return value.strip().lower().startswith(prompt_to_repeat.strip().lower())
