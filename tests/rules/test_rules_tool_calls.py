"""`tool_call:ast_match`: ground-truth params missing from the spec (bfcl-eval's semantics) and BFCL's prompt-mode
Python call syntax (`format: python`), parsed with `ast`, never evaluated."""

from __future__ import annotations

import time

import pytest

from rewards.rules import ConstraintError, check, validate_constraints
from rewards.rules.tool_call_formats import parse_python

BANK = {"name": "bank.calculate_balance", "parameters": {"type": "dict", "properties": {
    "account": {"type": "string"}, "transactions": {"type": "array", "items": {"type": "dict"}},
    "rate": {"type": "float"}, "point": {"type": "tuple", "items": {"type": "integer"}},
    "tags": {"type": "array", "items": {"type": "string"}}, "options": {"type": "dict"}}, "required": ["account"]}}
TRAIN = {"name": "find_trains", "parameters": {"type": "dict", "properties": {"to": {"type": "string"}},
                                               "required": ["to"]}}


def ast_match(truth: list, fmt: str | None = None, functions: list | None = None) -> list[dict]:
    kwargs = {"functions": functions or [BANK, TRAIN], "ground_truth": truth}
    if fmt is not None:
        kwargs["format"] = fmt
    return [{"id": "tool_call:ast_match", "kwargs": kwargs}]


def passes(answer: str, truth: list, fmt: str | None = None) -> bool:
    return check(answer, ast_match(truth, fmt))[0]


# ---- ground-truth params the function spec lacks (BFCL parallel_multiple_26, live_multiple_862 ...) ------------

OPTIONAL_UNDECLARED = [{"bank.calculate_balance": {"account": ["A1"], "type": ["credit", ""]}}]
REQUIRED_UNDECLARED = [{"find_trains": {"to": ["Boston"], "journey_start_time": ["09:00"]}}]


def test_undeclared_ground_truth_param_is_accepted_at_validation() -> None:
    validate_constraints(ast_match(OPTIONAL_UNDECLARED))
    validate_constraints(ast_match(REQUIRED_UNDECLARED))


def test_undeclared_param_is_optional_when_the_ground_truth_allows_omitting_it() -> None:
    assert passes('<tool_call>{"name": "bank.calculate_balance", "arguments": {"account": "A1"}}</tool_call>',
                  OPTIONAL_UNDECLARED)
    # A call cannot give a param its function does not declare (bfcl-eval: "Unexpected parameter").
    assert not passes('<tool_call>{"name": "bank.calculate_balance", "arguments": {"account": "A1", "type": '
                      '"credit"}}</tool_call>', OPTIONAL_UNDECLARED)


def test_undeclared_param_the_ground_truth_requires_never_matches() -> None:
    for args in ('{"to": "Boston"}', '{"to": "Boston", "journey_start_time": "09:00"}'):
        assert not passes(f'<tool_call>{{"name": "find_trains", "arguments": {args}}}</tool_call>',
                          REQUIRED_UNDECLARED)


# ---- BFCL prompt-mode calls --------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "answer, calls",
    [
        ('[f(a=1), g(b="x")]', [("f", {"a": 1}), ("g", {"b": "x"})]),
        ("f(a=1)", [("f", {"a": 1})]),  # one bare call
        ("[f(a=1)", [("f", {"a": 1})]),  # a missing bracket is added, as bfcl-eval adds it
        ("```\n[math.factorial(n=5)]\n```", [("math.factorial", {"n": 5})]),  # backticks stripped; dotted names
        ("[a.b.c(x=[1, 2.5, 'y'], y={'k': [True, None]}, z=(1, 2))]",
         [("a.b.c", {"x": [1, 2.5, "y"], "y": {"k": [True, None]}, "z": (1, 2)})]),
        ("[f(n=-3, m=2*3, r=1/4, p=2**10, q=+1.5)]", [("f", {"n": -3, "m": 6, "r": 0.25, "p": 1024, "q": 1.5})]),
        ("[f(x=outer(y=1), s=math.sqrt(2), v=var, i=arr[0])]",
         [("f", {"x": {"outer": {"y": 1}}, "s": "math.sqrt(2)", "v": "var", "i": "arr[0]"})]),
        ("[]", []),
        ("", []),
    ],
)
def test_python_calls_are_read_as_bfcl_reads_them(answer: str, calls: list) -> None:
    assert parse_python(answer) == calls


@pytest.mark.parametrize(
    "answer",
    [
        "[f(1, b=2)]",  # positional args (bfcl-eval would silently drop them)
        "[f(**opts)]",
        "[f(a=1), 3]",  # not a call
        "[f(a=lambda: 1)]",
        "[f(a=math.pi)]",
        "[f(a=[x for x in y])]",
        "[f(a=f'{x}')]",
        "[f(a=1 < 2)]",
        "[f(a=9**9**9)]",  # no unbounded arithmetic
        "[f(a=10**4000*10**4000)]",
        "[f(a=1/0)]",
        "[f(a=(-8)**0.5)]",
        "[f(a={[1]: 2})]",
        "The call is [f(a=1)]",  # only the call list, as in BFCL
        "[" * 5000 + "]" * 5000,
    ],
)
def test_python_calls_reject_what_is_not_a_plain_call_list(answer: str) -> None:
    start = time.perf_counter()
    assert parse_python(answer) is None
    assert time.perf_counter() - start < 1.0


def test_python_values_are_never_evaluated(tmp_path) -> None:
    marker = tmp_path / "ran"
    answer = f"[f(a=open({str(marker)!r}, 'w').write('x'), b=__import__('os').system('touch {marker}'))]"
    assert parse_python(answer) is not None
    assert not marker.exists()


@pytest.mark.parametrize(
    "answer, expected",
    [
        ('[bank.calculate_balance(account="a1", rate=2, point=(1, 2), tags=["X y"])]', True),
        ('[bank.calculate_balance(account="A-1", rate=2.0, point=[1, 2], tags=["x,y"])]', True),
        ('[bank.calculate_balance(account="A1", rate=3, point=(1, 2), tags=["x y"])]', False),  # value
        ('[bank.calculate_balance(account="A1", rate=2, point=(1, 2), tags=("x y",))]', False),  # tuple for array
        ('[bank.calculate_balance(account="A1", rate=2, point=(1, 2), tags=["x y"], type="credit")]', False),
        ('[bank.calculate_balance(rate=2, point=(1, 2), tags=["x y"])]', False),  # required param missing
        ('[bank.calculate_balance("A1", rate=2, point=(1, 2), tags=["x y"])]', False),  # positional
        ('[find_trains(to="Boston"), bank.calculate_balance(account="A1", rate=2, point=(1, 2), tags=["x y"])]',
         False),  # one call too many
        ('<tool_call>{"name": "bank.calculate_balance", "arguments": {"account": "A1", "rate": 2, '
         '"point": [1, 2], "tags": ["x y"]}}</tool_call>', False),  # Hermes blocks are not this format
    ],
)
def test_python_format_is_checked_like_hermes(answer: str, expected: bool) -> None:
    truth = [{"bank.calculate_balance": {"account": ["A1"], "rate": [2.0], "point": [[1, 2]], "tags": [["x y"]],
                                         "type": ["credit", ""]}}]
    assert passes(answer, truth, "python") is expected


def test_format_defaults_to_hermes_and_is_validated() -> None:
    truth = [{"find_trains": {"to": ["Boston"]}}]
    assert not passes('[find_trains(to="Boston")]', truth)
    assert passes('<tool_call>{"name": "find_trains", "arguments": {"to": "Boston"}}</tool_call>', truth, "hermes")
    assert passes('[find_trains(to="Boston")]', truth, "python")
    with pytest.raises(ConstraintError, match="kwarg 'format'"):
        validate_constraints(ast_match(truth, "json"))
