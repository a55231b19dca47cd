"""Equivalence categories: parent fast path (`quick_decide`) and the full verifier through worker processes."""

import pytest

from rewards.math import verify, verify_batch
from rewards.math.equivalence import quick_decide
from rewards.math.normalize import normalize
from rewards.math.numbers import numbers_equal, parse_number

BIG = "7" * 4400 + "1"
SLOW_OK = 20.0  # generous limit for correctness checks on a loaded machine (timeouts are tested elsewhere)


def box(answer: str) -> str:
    return "thinking...</think>\n\nThe final answer is $\\boxed{" + answer + "}$."


@pytest.mark.parametrize("gold, answer, reason", [
    ("1000", "1,000", "equal"), ("1000", "1\\,000", "equal"), ("1000", "1{,}000", "equal"),
    ("\\frac{1}{2}", "\\dfrac{1}{2}", "equal"), ("\\frac{1}{2}", "1/2", "equal"), ("\\frac34", "\\tfrac{3}{4}", "equal"),
    ("\\frac{5}{2}", "2\\frac{1}{2}", "equal"), ("\\frac{11}{4}", "2 3/4", "equal"),
    ("\\frac{1}{3}", "0.333", "mismatch"), ("\\frac{1}{3}", "0.333333", "equal"),
    ("4951076", "4951077", "mismatch"), ("4951077", "4951076.0", "mismatch"), ("12", "12.00", "equal"),
    ("0.0000001", "0.0000002", "mismatch"),
    ("25\\%", "25", "equal"), ("25\\%", "0.25", "equal"), ("0.25", "25\\%", "equal"), ("40\\%", "4\\%", "mismatch"),
    ("1500000", "1.5 \\times 10^6", "equal"), ("6.02\\times10^{23}", "6.02e23", "equal"), ("3\\times10^{-4}", "0.003", "mismatch"),
    ("90", "90^\\circ", "equal"), ("5", "5\\text{ cm}^2", "equal"), ("20", "\\$20", "equal"), ("5", "6 \\text{ cm}", "mismatch"),
    ("3", "x=3", "equal"), ("C", "(C)", "equal"), ("C", "\\text{C}", "equal"), ("C", "\\textbf{(C)}", "equal"),
    ("C", "D", "mismatch"), ("C", "A, C", "hedged"), ("\\text{Monday}", "monday", "equal"),
    ("\\text{Monday}", "\\text{Dynamo}", "mismatch"), ("3", "3 \\text{ or } 4", "hedged"), ("3", "3, 4", "hedged"),
    ("2", "\\pm 2", "hedged"), ("(1,2)", "\\{1,2\\}", "mismatch"), (BIG, "0" + BIG, "equal"), (BIG, BIG[:-1] + "2", "mismatch"),
    ("5", "\\text{" + "a" * 5000 + "}", "mismatch"), ("0", "\\frac{" * 20 + "1" + "}{2}" * 20, "mismatch"),
    ("(1,2)", "(2,1)", "mismatch"), ("[1,2)", "[1,2]", "mismatch"), ("(-\\infty, 3]", "(-\\infty,3]", "equal"),
    ("1, 2", "2, 1", "equal"), ("\\{1,2\\}", "\\{2, 1\\}", "equal"), ("1, 2", "1, 2, 3", "mismatch"),
    ("2, -2", "2 \\text{ or } -2", "equal"), ("256", "2^8", "equal"),
])
def test_quick_decide(gold, answer, reason):
    assert quick_decide(normalize(gold), normalize(answer)) == reason


@pytest.mark.parametrize("gold, answer", [("x^2+1", "(x+1)^2"), ("(1,2)", "1<x<2"), ("\\sqrt{8}", "2\\sqrt{2}")])
def test_quick_decide_leaves_hard_cases_to_workers(gold, answer):
    assert quick_decide(normalize(gold), normalize(answer)) is None


def test_tolerance_rule_is_relative_and_only_for_decimal_literals():
    third = parse_number("\\frac{1}{3}")
    assert numbers_equal(third, parse_number("0.333333")) and not numbers_equal(third, parse_number("0.33333"))
    assert numbers_equal(parse_number("123456.789"), parse_number("123456.7891"))
    assert not numbers_equal(parse_number("100000001"), parse_number("100000000"))
    assert parse_number("1" * 500) is None  # too long for the parent: goes to a worker


@pytest.mark.parametrize("gold,answer,same", [
    # a decimal with fewer than 6 significant digits stands only for the value it equals, on either side
    ("1.5\\times 10^6", "1500001", False), ("1500001", "1.5\\times 10^{6}", False), ("2.5", "\\frac{2500001}{1000000}", False),
    ("1.5\\times 10^6", "1500000", True), ("2.50", "\\frac{5}{2}", True), ("50\\%", "\\frac12", True),
    # with 6 or more it may approximate an exact value (0.333333 = 1/3, 2.71828 = e) on either side
    ("0.333333", "\\frac13", True), ("\\frac13", "0.333333", True),
])
def test_a_short_decimal_equals_an_exact_value_only_exactly(gold, answer, same):
    n = parse_number
    assert numbers_equal(n(gold), n(answer)) is same


@pytest.mark.parametrize("gold,answer,same", [
    ("1.5 \\cdot 10^{6} + \\sqrt{2}", "1500001+\\sqrt2", False), ("(0.5, 1500000)", "(0.5, 1500001)", False),
    ("0.5\\sqrt{3}", "\\frac{\\sqrt{3}}{2} + 10^{-8}", False),
    ("\\frac{\\pi}{10}", "0.1\\pi", True), ("\\frac{\\sqrt2}{2}", "0.5\\sqrt{2}", True), ("e", "2.71828", True),
])
def test_a_short_decimal_inside_an_expression_is_exact(gold, answer, same):
    """The sympy path: the decimals of a side are the rationals they show when they are too short to approximate."""
    assert verify(gold, "\\boxed{" + answer + "}").correct is same


def test_a_decimal_must_be_the_value_to_the_digits_it_shows():
    n = parse_number
    # within 1e-6 relative, but a different value at the digit shown
    assert not numbers_equal(n("1234567"), n("1234567.5")) and not numbers_equal(n("1234567.5"), n("1234567"))
    assert not numbers_equal(n("123456789"), n("123456700.5")) and not numbers_equal(n("1000000"), n("1000000.4"))
    assert not numbers_equal(n("1234567"), n("1.2345675 \\times 10^{6}")) and not numbers_equal(n("12"), n("12.00001"))
    # the value rounded or truncated to the digits shown, float noise, and two decimals of different precision
    assert numbers_equal(n("\\frac{1}{7}"), n("0.142857")) and numbers_equal(n("\\frac{1}{7}"), n("0.1428572"))
    assert numbers_equal(n("\\frac{3}{10}"), n("0.30000000000000004"))
    assert numbers_equal(n("1234567"), n("1.234567 \\times 10^{6}")) and numbers_equal(n("1.5"), n("1.5000001"))
    assert numbers_equal(n("5\\%"), n("0.05")) and not numbers_equal(n("5\\%"), n("0.0500001"))


EQUAL = [
    ("2\\sqrt{2}", "\\sqrt{8}"), ("\\frac{\\sqrt{2}}{2}", "\\frac{1}{\\sqrt{2}}"), ("x^2+2x+1", "(x+1)^2"),
    ("\\frac{\\pi}{2}", "\\pi/2"), ("\\pi", "3.14159265"), ("\\frac{\\sqrt{3}}{2}", "0.8660254"), ("y=2x+1", "2x+1"),
    ("(1,2)", "1<x<2"), ("[2,5]", "2\\le x\\le 5"), ("(-\\infty,3)", "x<3"), ("\\{1,2\\}", "\\{2,1\\}"), ("1, 2", "2, 1"),
    ("-2, 2", "\\pm 2"), ("1, 5", "x=1 \\text{ or } x=5"), ("(\\frac12, 2)", "(0.5, 2)"),
    ("\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}", "\\begin{bmatrix}1&2\\\\3&4\\end{bmatrix}"),
    ("3+4i", "4i+3"), ("\\frac{1}{2}+\\frac{\\sqrt{3}}{2}i", "\\frac{1+i\\sqrt{3}}{2}"),
    ("2" + "0" * 5000, "2\\times10^{5000}"),
]
DIFFERENT = [
    ("\\sqrt{3}", "\\sqrt{2}"), ("\\pi", "3.14"), ("x=3", "y=3"), ("[1,2)", "[1,2]"), ("(1,2]", "(1,2)"),
    ("[3,\\infty)", "x>3"), ("(1,2)", "(2,1)"), ("(1,2,3)", "(1,3,2)"), ("\\{1,2,3\\}", "\\{1,2\\}"),
    ("\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}", "\\begin{pmatrix}1&3\\\\2&4\\end{pmatrix}"), ("3+4i", "3-4i"),
    ("\\frac{3\\pi}{4}", "135"),
]


def test_full_verifier_categories():
    verdicts = verify_batch([(g, box(a)) for g, a in EQUAL + DIFFERENT], timeout_s=SLOW_OK)
    got = [(g, a, v.reason) for (g, a), v in zip(EQUAL + DIFFERENT, verdicts)]
    want = [(g, a, "equal") for g, a in EQUAL] + [(g, a, "mismatch") for g, a in DIFFERENT]
    assert got == want


def test_hedging_and_policy_verdicts():
    v = verify("3", "</think> either \\boxed{3} or \\boxed{4}")
    assert (v.correct, v.extracted, v.reason) == (False, "3 or 4", "hedged")
    assert verify("10", "</think> $\\boxed{10}$, i.e. $\\boxed{10.0}$").reason == "equal"
    assert verify("3", "<think>the answer is \\boxed{3}</think>\n\nnot sure").reason == "no_answer"
    assert verify("3", "<think>the answer is \\boxed{3}").to_dict() == {"correct": False, "extracted": None,
                                                                         "reason": "no_answer"}
    assert verify("", box("3")).reason == "invalid_gold"


def test_batch_validates_input():
    with pytest.raises(TypeError):
        verify_batch([("1", None)])  # type: ignore[list-item]
    with pytest.raises(ValueError):
        verify("1", "\\boxed{1}", timeout_s=0)
