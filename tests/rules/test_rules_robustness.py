"""Linear-time rewrites of IFEval's regexes agree with the originals, and no check is slow on degenerate text."""

from __future__ import annotations

import json
import random
import re
import time
from pathlib import Path

import pytest

from rewards.rules import available, check
from rewards.rules.ifeval_content import count_placeholders, postscript
from rewards.rules.ifeval_structure import number_bullet_lists, title
from rewards.rules.registry import CHECKERS, validate_kwargs

ALPHABET = ["[", "]", "<<", ">>", "<", ">", "\n", " ", "\t", "*", "**", "-", "a", "p.", "s.", "p", ".", "s", "x"]


def random_texts(n: int = 3000, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 25))) for _ in range(n)]


def test_linear_rewrites_match_ifeval_regexes() -> None:
    ps = validate_kwargs(CHECKERS["detectable_content:postscript"], {"postscript_marker": "P.S."}, "t")
    pps = validate_kwargs(CHECKERS["detectable_content:postscript"], {"postscript_marker": "P.P.S"}, "t")
    for text in random_texts():
        assert count_placeholders(text) == len(re.findall(r"\[.*?\]", text)), text
        assert title(text) == any(t.lstrip("<").rstrip(">").strip() for t in re.findall(r"<<[^\n]+>>", text)), text
        bullets = len(re.findall(r"^\s*\*[^\*].*$", text, re.M)) + len(re.findall(r"^\s*-.*$", text, re.M))
        for n in (bullets - 1, bullets, bullets + 1):
            assert number_bullet_lists(text, num_bullets=n) == (bullets == n), text
        low = text.lower()
        assert postscript(text, **ps) == bool(re.findall(r"\s*p\.\s?s\..*$", low, re.M)), text
        assert postscript(text, **pps) == bool(re.findall(r"\s*p\.\s?p\.\s?s.*$", low, re.M)), text


EXAMPLES = {}  # one constraint per id, and per tool-call format
for _line in (Path(__file__).parent / "cases.jsonl").read_text().splitlines():
    for _c in json.loads(_line)["constraints"]:
        EXAMPLES.setdefault(_c["id"] + ":" + _c["kwargs"].get("format", ""), _c)

N = 20000
DEGENERATE = {
    "brackets": "[" * N, "angles": "<<" * (N // 2), "bangs": "!" * N, "newlines": "\n" * N,
    "space-lines": " \n" * (N // 2) + "x", "stars": "*" * N, "dots": ". " * (N // 2), "quotes": "'" * N,
    "initials": "A. " * (N // 3), "tool-open": "<tool_call>" * (N // 11), "nested-json": "[" * N,
    "calls": "f(a=[" * (N // 5), "flat-calls": "[" + "f(a=1), " * (N // 8) + "]",
}


@pytest.mark.parametrize("cid", sorted(EXAMPLES))
def test_no_check_is_slow_on_degenerate_text(cid: str) -> None:
    for name, text in DEGENERATE.items():
        start = time.perf_counter()
        check(text, [EXAMPLES[cid]], prompt="What should we do today?")
        assert time.perf_counter() - start < 3.0, f"{cid} on {name!r} took {time.perf_counter() - start:.1f}s"


def test_examples_cover_every_id() -> None:
    assert {c["id"] for c in EXAMPLES.values()} == set(available())
    assert "tool_call:ast_match:python" in EXAMPLES
