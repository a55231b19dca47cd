"""Map allenai/RLVR-IFeval `ground_truth` (open-instruct `IF_FUNCTIONS_MAP` calls) to IFEval constraints.

RLVR-IFeval rows carry `ground_truth`: a JSON object `{"func_name": "<open-instruct verifier>", <its args>...}`
where unused args are null (verified by open-instruct's `IFEvalVerifierOld`). Each verifier has an IFEval
instruction id with the same check; where open-instruct's semantics differ from the IFEval id's kwargs, the mapping
keeps open-instruct's meaning using IFEval's relations (`at least` / `less than`):

| func_name | IFEval constraint(s) |
| --- | --- |
| verify_keywords(keyword_list) | keywords:existence {keywords} |
| verify_keyword_frequency(word, N) exactly N | keywords:frequency {keyword, frequency: N, at least} + {N+1, less than} |
| validate_forbidden_words(forbidden_words) | keywords:forbidden_words {forbidden_words} |
| verify_letter_frequency(letter, N) exactly N | keywords:letter_frequency {letter, let_frequency: N, at least} + {N+1, less than} |
| validate_response_language(language) | language:response_language {language} |
| verify_paragraph_count(N) | length_constraints:number_paragraphs {num_paragraphs} |
| validate_word_constraint(N, quantifier) | length_constraints:number_words {num_words, relation} |
| verify_sentence_constraint(N, quantifier) | length_constraints:number_sentences {num_sentences, relation} |
| validate_paragraphs(N, first_word, i) | length_constraints:nth_paragraph_first_word {num_paragraphs, nth_paragraph, first_word} |
| verify_postscript(postscript_marker) | detectable_content:postscript {postscript_marker} |
| validate_placeholders(N) | detectable_content:number_placeholders {num_placeholders} |
| verify_bullet_points(N) | detectable_format:number_bullet_lists {num_bullets} |
| validate_title() | detectable_format:title |
| validate_choice(options) | detectable_format:constrained_response (only IFEval's yes/no/maybe options) |
| validate_highlighted_sections(N) | detectable_format:number_highlighted_sections {num_highlights} |
| validate_sections(N, section_splitter) | detectable_format:multiple_sections {section_spliter, num_sections} |
| validate_json_format() | detectable_format:json_format |
| validate_repeat_prompt(original_prompt) | combination:repeat_prompt {prompt_to_repeat} |
| validate_two_responses() | combination:two_responses |
| validate_uppercase() | change_case:english_capital |
| validate_lowercase() | change_case:english_lowercase |
| validate_frequency_capital_words(N, quantifier) | change_case:capital_word_frequency {capital_frequency, capital_relation} |
| validate_end(end_phrase) | startend:end_checker {end_phrase} |
| validate_quotation() | startend:quotation |
| validate_no_commas() | punctuation:no_comma |

Quantifiers: `at least N` -> at least N; `at most N` -> less than N+1; `around N` -> at least N-t and less than
N+t+1, with open-instruct's tolerance t (words and capital words: max(round(0.1 N), 1); sentences: 1).
Anything else (unknown func_name, missing or mistyped args) raises ValueError: the row is dropped and counted.
"""

from __future__ import annotations

from typing import Any, Callable

Constraint = dict[str, Any]

# IFEval's detectable_format:constrained_response options (instructions.py _CONSTRAINED_RESPONSE_OPTIONS).
CONSTRAINED_RESPONSE_OPTIONS = ("My answer is yes.", "My answer is no.", "My answer is maybe.")


def _int(args: dict, key: str) -> int:
    value = args.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{key}: expected a non-negative integer, got {value!r}")
    return value


def _str(args: dict, key: str) -> str:
    value = args.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(f"{key}: expected a non-empty string, got {value!r}")
    return value


def _str_list(args: dict, key: str) -> list[str]:
    value = args.get(key)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise ValueError(f"{key}: expected a non-empty list of strings, got {value!r}")
    return value


def _c(cid: str, **kwargs: Any) -> Constraint:
    return {"id": cid, "kwargs": kwargs}


def _counted(cid: str, n_key: str, rel_key: str, n: int, quantifier: Any, tol: int, **extra: Any) -> list[Constraint]:
    """IFEval count constraints (relations `at least`/`less than`) for open-instruct's quantifiers."""
    if quantifier == "at least":
        return [_c(cid, **extra, **{n_key: n, rel_key: "at least"})]
    if quantifier == "at most":
        return [_c(cid, **extra, **{n_key: n + 1, rel_key: "less than"})]
    if quantifier == "around":
        return [_c(cid, **extra, **{n_key: max(n - tol, 0), rel_key: "at least"}),
                _c(cid, **extra, **{n_key: n + tol + 1, rel_key: "less than"})]
    raise ValueError(f"quantifier: expected 'at least', 'at most' or 'around', got {quantifier!r}")


def _exactly(cid: str, n_key: str, rel_key: str, n: int, **extra: Any) -> list[Constraint]:
    return [_c(cid, **extra, **{n_key: n, rel_key: "at least"}), _c(cid, **extra, **{n_key: n + 1, rel_key: "less than"})]


def _tolerance(n: int) -> int:
    return max(round(n * 0.1), 1)


def _choice(a: dict) -> list[Constraint]:
    options = a.get("options")
    if isinstance(options, str):
        found = tuple(o for o in CONSTRAINED_RESPONSE_OPTIONS if o in options)
    else:
        found = tuple(options) if isinstance(options, (list, tuple)) else ()
    if sorted(found) != sorted(CONSTRAINED_RESPONSE_OPTIONS):
        raise ValueError(f"options: only IFEval's {list(CONSTRAINED_RESPONSE_OPTIONS)} map to "
                         f"detectable_format:constrained_response, got {options!r}")
    return [_c("detectable_format:constrained_response")]


FUNC_MAP: dict[str, Callable[[dict], list[Constraint]]] = {
    "verify_keywords": lambda a: [_c("keywords:existence", keywords=_str_list(a, "keyword_list"))],
    "verify_keyword_frequency": lambda a: _exactly("keywords:frequency", "frequency", "relation", _int(a, "N"),
                                                   keyword=_str(a, "word")),
    "validate_forbidden_words": lambda a: [_c("keywords:forbidden_words",
                                              forbidden_words=_str_list(a, "forbidden_words"))],
    "verify_letter_frequency": lambda a: _exactly("keywords:letter_frequency", "let_frequency", "let_relation",
                                                  _int(a, "N"), letter=_str(a, "letter")),
    "validate_response_language": lambda a: [_c("language:response_language", language=_str(a, "language"))],
    "verify_paragraph_count": lambda a: [_c("length_constraints:number_paragraphs", num_paragraphs=_int(a, "N"))],
    "validate_word_constraint": lambda a: _counted("length_constraints:number_words", "num_words", "relation",
                                                   _int(a, "N"), a.get("quantifier"), _tolerance(_int(a, "N"))),
    "verify_sentence_constraint": lambda a: _counted("length_constraints:number_sentences", "num_sentences",
                                                     "relation", _int(a, "N"), a.get("quantifier"), 1),
    "validate_paragraphs": lambda a: [_c("length_constraints:nth_paragraph_first_word", num_paragraphs=_int(a, "N"),
                                         nth_paragraph=_int(a, "i"), first_word=_str(a, "first_word"))],
    "verify_postscript": lambda a: [_c("detectable_content:postscript",
                                       postscript_marker=_str(a, "postscript_marker"))],
    "validate_placeholders": lambda a: [_c("detectable_content:number_placeholders", num_placeholders=_int(a, "N"))],
    "verify_bullet_points": lambda a: [_c("detectable_format:number_bullet_lists", num_bullets=_int(a, "N"))],
    "validate_title": lambda a: [_c("detectable_format:title")],
    "validate_choice": _choice,
    "validate_highlighted_sections": lambda a: [_c("detectable_format:number_highlighted_sections",
                                                   num_highlights=_int(a, "N"))],
    "validate_sections": lambda a: [_c("detectable_format:multiple_sections",
                                       section_spliter=_str(a, "section_splitter"), num_sections=_int(a, "N"))],
    "validate_json_format": lambda a: [_c("detectable_format:json_format")],
    "validate_repeat_prompt": lambda a: [_c("combination:repeat_prompt",
                                            prompt_to_repeat=_str(a, "original_prompt"))],
    "validate_two_responses": lambda a: [_c("combination:two_responses")],
    "validate_uppercase": lambda a: [_c("change_case:english_capital")],
    "validate_lowercase": lambda a: [_c("change_case:english_lowercase")],
    "validate_frequency_capital_words": lambda a: _counted("change_case:capital_word_frequency",
                                                           "capital_frequency", "capital_relation", _int(a, "N"),
                                                           a.get("quantifier"), _tolerance(_int(a, "N"))),
    "validate_end": lambda a: [_c("startend:end_checker", end_phrase=_str(a, "end_phrase"))],
    "validate_quotation": lambda a: [_c("startend:quotation")],
    "validate_no_commas": lambda a: [_c("punctuation:no_comma")],
}


def ground_truth_to_constraints(ground_truth: dict[str, Any]) -> list[Constraint]:
    """IFEval constraints for one RLVR-IFeval `ground_truth` object; ValueError when it cannot be mapped."""
    args = {k: v for k, v in ground_truth.items() if v is not None}
    name = args.pop("func_name", None)
    if name not in FUNC_MAP:
        raise ValueError(f"unknown func_name {name!r}")
    try:
        return FUNC_MAP[name](args)
    except ValueError as e:
        raise ValueError(f"{name}: {e}") from None
