"""Regular expressions from dataset kwargs: IFEval's semantics for ordinary patterns, a hard time limit for hostile
ones (a catastrophic-backtracking row fails its check promptly instead of hanging the worker)."""

from __future__ import annotations

import random
import re
import threading
import time

import pytest

from rewards.rules import ConstraintError, check, core, validate_constraints

EVIL = r"(x+x+)+y"  # exponential backtracking in `re` on a long run of x without a y
TEXT = "x" * 5000


def one(cid: str, **kwargs: object) -> list[dict]:
    return [{"id": cid, "kwargs": kwargs}]


HOSTILE = {
    "existence": (one("keywords:existence", keywords=["ok", EVIL]), TEXT),
    "frequency": (one("keywords:frequency", keyword=EVIL, frequency=1, relation="less than"), TEXT),
    "forbidden": (one("keywords:forbidden_words", forbidden_words=[EVIL]), TEXT),
    "postscript": (one("detectable_content:postscript", postscript_marker=EVIL), TEXT),
    "sections": (one("detectable_format:multiple_sections", section_spliter=EVIL, num_sections=0), TEXT),
    "schema-pattern": (one("detectable_format:json_schema", schema={"type": "string", "pattern": EVIL}),
                       f'"{TEXT}"'),
    "schema-pattern-properties": (one("detectable_format:json_schema", schema={
        "type": "object", "patternProperties": {EVIL: {"type": "integer"}}}), f'{{"{TEXT}": "s"}}'),
    "schema-additional-properties": (one("detectable_format:json_schema", schema={
        "type": "object", "patternProperties": {EVIL: {}}, "additionalProperties": False}), f'{{"{TEXT}": 1}}'),
    "schema-property-names": (one("detectable_format:json_schema", schema={
        "type": "object", "propertyNames": {"pattern": EVIL}}), f'{{"{TEXT}": 1}}'),
}


CORRECT = {"existence": False, "frequency": True, "forbidden": True, "postscript": False, "sections": True,
           "schema-pattern": False, "schema-pattern-properties": True, "schema-additional-properties": False,
           "schema-property-names": False}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_catastrophic_pattern_fails_promptly(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(core, "PATTERN_BUDGET_S", 0.2)  # the default (0.5 s) works the same, only slower
    constraints, response = HOSTILE[name]
    result: list = []
    worker = threading.Thread(target=lambda: result.append(check(response, constraints)), daemon=True)
    start = time.perf_counter()
    worker.start()
    worker.join(timeout=10)
    assert not worker.is_alive(), f"{name}: the check is still running after 10 s"
    # Either the match finished (`regex` avoids some backtracking) with the right answer (the pattern matches
    # nowhere), or it ran out of time and the check fails: no reward for what could not be checked in time.
    assert result in ([[False]], [[CORRECT[name]]]), name
    assert time.perf_counter() - start < 5


def test_ordinary_patterns_match_as_ifeval_matches_them() -> None:
    """The timed patterns give `re`'s results (IFEval's own calls) on ordinary and regex-like keywords."""
    rng = random.Random(0)
    words = ["cat", "dog", "the", "a.m", "U.S.", "x+", "e-mail", "co-op", "naïve", "ÉCOLE", "[a-z]at", "d.g"]
    alphabet = list("catdogxUS.+-é ÉnaïveCOLE\n") + [" the ", " cat ", "Dog", "U.S.", "e-mail"]
    for _ in range(150):
        text = "x" + "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))  # an empty answer fails
        for w in words:
            assert check(text, one("keywords:existence", keywords=[w])) == [
                bool(re.search(w, text, flags=re.IGNORECASE))], (w, text)
            count = len(re.findall(w, text, flags=re.IGNORECASE))
            assert check(text, one("keywords:frequency", keyword=w, frequency=count, relation="at least")) == [True]
            assert check(text, one("keywords:frequency", keyword=w, frequency=count + 1, relation="at least")) == [
                False]
            assert check(text, one("keywords:forbidden_words", forbidden_words=[w])) == [
                not re.search(r"\b" + w + r"\b", text, flags=re.IGNORECASE)], (w, text)


def test_invalid_pattern_is_matched_literally() -> None:
    assert check("We call f(x here.", one("keywords:existence", keywords=["f(x"])) == [True]
    assert check("We call f x here.", one("keywords:existence", keywords=["f(x"])) == [False]


def test_schema_patterns_keep_their_meaning() -> None:
    schema = {"type": "object", "properties": {"id": {"type": "string", "pattern": "^[A-Z]{2}-\\d+$"}},
              "patternProperties": {"^x-": {"type": "integer"}}, "additionalProperties": False}
    row = one("detectable_format:json_schema", schema=schema)
    assert check('{"id": "AB-12", "x-n": 3}', row) == [True]
    assert check('{"id": "AB-12x"}', row) == [False]  # pattern
    assert check('{"id": "AB-12", "x-n": "3"}', row) == [False]  # patternProperties subschema
    assert check('{"id": "AB-12", "y": 3}', row) == [False]  # additional property


def test_pattern_properties_with_unevaluated_properties_is_refused() -> None:
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
              "patternProperties": {"^a": {}}, "unevaluatedProperties": False}
    with pytest.raises(ConstraintError, match="unevaluatedProperties"):
        validate_constraints(one("detectable_format:json_schema", schema=schema))
