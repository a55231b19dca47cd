"""Constraint validation: clear, early errors naming the constraint, id and kwarg; fast on repeated rows."""

from __future__ import annotations

import json
import time

import pytest

from rewards.rules import ConstraintError, check, parse_constraints, validate_constraints


def one(cid: str, **kwargs: object) -> list[dict]:
    return [{"id": cid, "kwargs": kwargs}]


@pytest.mark.parametrize(
    "constraints, message",
    [
        (one("keywords:existance", keywords=["a"]), "did you mean 'keywords:existence'"),
        (one("no_such:thing"), "unknown constraint id 'no_such:thing'"),
        (one("keywords:frequency", keyword="a", relation="at least"), "missing kwarg(s) ['frequency']"),
        (one("punctuation:no_comma", strict=True), "unexpected kwarg(s) ['strict']"),
        (one("keywords:frequency", keyword="a", frequency="3", relation="at least"), "kwarg 'frequency'"),
        (one("keywords:frequency", keyword="a", frequency=2, relation="at most"), "kwarg 'relation'"),
        (one("length_constraints:number_words", num_words=-1, relation="at least"), "non-negative"),
        (one("length_constraints:number_words", num_words=True, relation="at least"), "kwarg 'num_words'"),
        (one("keywords:existence", keywords="cat"), "expected a list of strings"),
        (one("keywords:existence", keywords=[]), "non-empty list"),
        (one("keywords:letter_frequency", letter="ab", let_frequency=1, let_relation="at least"), "single letter"),
        (one("language:response_language", language="english"), "unsupported language code 'english'"),
        (one("length_constraints:nth_paragraph_first_word", num_paragraphs=2, nth_paragraph=3, first_word="a"),
         "exceeds 'num_paragraphs'"),
        (one("length_constraints:nth_paragraph_first_word", num_paragraphs=2, nth_paragraph=0, first_word="a"),
         "kwarg 'nth_paragraph'"),
        (one("detectable_format:json_schema", schema={"type": "no-such-type"}), "invalid JSON Schema"),
        (one("tool_call:ast_match", functions=[{"name": "f", "parameters": {"properties": {"x": {"type": "int"}}}}],
             ground_truth=[]), "unsupported or missing 'type' 'int'"),
        (one("tool_call:ast_match", functions=[{"name": "f", "parameters": {"properties": {}}}],
             ground_truth=[{"g": {}}]), "function 'g' is not in 'functions'"),
        (one("tool_call:ast_match", functions=[{"name": "f", "parameters": {"properties": {}}}],
             ground_truth=[{"f": {}}], format="xml"), "kwarg 'format': expected one of ['hermes', 'python']"),
        ([{"id": "punctuation:no_comma", "kwargs": {}, "extra": 1}], "unexpected field(s) ['extra']"),
        ([{"kwargs": {}}], "'id' must be a string"),
        (["punctuation:no_comma"], "expected an object"),
    ],
)
def test_bad_constraints_name_the_problem(constraints: list, message: str) -> None:
    with pytest.raises(ConstraintError) as err:
        validate_constraints(constraints)
    assert message in str(err.value)
    assert "constraint 0" in str(err.value)


def test_error_names_the_failing_constraint_index() -> None:
    bad = one("punctuation:no_comma") + one("startend:quotation", x=1)
    with pytest.raises(ConstraintError, match=r"constraint 1 \('startend:quotation'\)"):
        validate_constraints(bad)


def test_null_kwargs_are_absent_and_integral_floats_are_ints() -> None:
    # HF IFEval rows carry every kwarg name, unused ones null; pandas turns ints into floats.
    row = one("length_constraints:number_words", num_words=3.0, relation="at least", keywords=None, language=None)
    validate_constraints(row)
    assert check("one two three", row) == [True]
    with pytest.raises(ConstraintError, match="kwarg 'num_words'"):
        validate_constraints(one("length_constraints:number_words", num_words=2.5, relation="at least"))


def test_json_string_input_and_empty_rows() -> None:
    validate_constraints(json.dumps(one("punctuation:no_comma")))
    assert parse_constraints(None) is None
    assert parse_constraints("") is None
    assert parse_constraints("[]") is None
    with pytest.raises(ConstraintError, match="not valid JSON"):
        parse_constraints("[{")
    with pytest.raises(ConstraintError, match="expected a JSON list"):
        parse_constraints('{"id": "x"}')


def test_consistency_needs_a_prompt() -> None:
    with pytest.raises(ConstraintError, match="no prompt"):
        check("Hello there.", one("language:consistency"))


def test_validation_of_repeated_rows_is_fast() -> None:
    rows = [json.dumps(one("keywords:frequency", keyword=f"w{i % 50}", frequency=2, relation="at least"))
            for i in range(5000)]
    start = time.perf_counter()
    for row in rows:
        validate_constraints(row)
    assert time.perf_counter() - start < 2.0  # ~50 distinct rows; the rest are cache hits
