"""The project's rule-check case set (tests/rules/cases.jsonl): every id with passing and failing responses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rewards.rules import available, check

CASES = [json.loads(line) for line in (Path(__file__).parent / "cases.jsonl").read_text().splitlines() if line]


def test_case_set_covers_every_id_both_ways() -> None:
    assert len(CASES) >= 120
    assert len({c["name"] for c in CASES}) == len(CASES), "case names must be unique"
    outcomes: dict[str, set[bool]] = {cid: set() for cid in available()}
    for case in CASES:
        for constraint, expected in zip(case["constraints"], case["expected"], strict=True):
            outcomes[constraint["id"]].add(expected)
    assert {cid: seen for cid, seen in outcomes.items() if seen != {True, False}} == {}


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case: dict) -> None:
    got = check(case["response"], case["constraints"], case.get("prompt"), loose=case.get("loose", False))
    assert got == case["expected"], case.get("note", "")
