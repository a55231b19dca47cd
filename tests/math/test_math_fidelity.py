"""Fidelity classes of issue 8: no wrong answer accepted, right answers in other notations accepted, and no false
positive on the negative pairs of the reference suites (benchmarks/data/math_reference.jsonl)."""

import json
from pathlib import Path

import pytest

from rewards.math import verify_batch
from rewards.math.normalize import normalize

SLOW_OK = 20.0
REFERENCE = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "math_reference.jsonl"
# Reference expectations that encode the reference grader's string matching rather than a wrong answer:
# hendrycks' is_equiv compares strings, so it rejects a reordered list of solutions; we compare lists as sets.
DISPUTED = {("10, 4, -2", "4, 10, -2"), ("0.1, 4, 2", "4, .1, 2")}


def box(answer: str) -> str:
    return "thinking...</think>\n\nThe final answer is $\\boxed{" + answer + "}$."


WRONG = [
    # a relation inside the box: only `name = value` reduces to the value
    ("2", "5 = 2"), ("2", "2 \\approx 3"), ("7", "3 = 7"), ("10", "2+3 = 10"), ("4", "\\sqrt{16} = 5"),
    ("2", "x = 2 \\approx 5"), ("\\frac13", "x=\\frac13\\approx 1.3"), ("11", "x = 5+5+1 = 7 = 11"),
    # exact values compared exactly, never with an absolute tolerance near 0
    ("\\frac{1}{2^{60}}", "\\frac{1}{2^{61}}"), ("\\frac{1}{100!}", "\\frac{1}{102!}"),
    ("\\frac{1}{4\\cdot 3^{50}}", "\\frac{3^{51}+1}{4\\cdot 3^{50}}"), ("10^{-20}", "2\\cdot 10^{-20}"),
    ("\\frac{1}{3^{40}}", "0"), ("10^{30}+1", "10^{30}"), ("e", "2.718"),
    # a decimal within 1e-6 relative that is another value at the digit it shows
    ("1234567", "1234567.5"), ("123456789", "123456700.5"), ("1234567", "1234567.2 + 0"), ("(1234567, 1)", "(1234567.5, 1)"),
    ("1000000\\sqrt{2}", "1414213.1"), ("1234567\\pi", "3878506.1"),
    ("(\\frac{1}{2^{60}}, 1)", "(\\frac{1}{2^{61}}, 1)"), ("\\{\\frac{1}{100!}, 2\\}", "\\{\\frac{1}{102!}, 2\\}"),
    ("[0, \\frac{1}{2^{60}}]", "[0, \\frac{1}{2^{61}}]"), ("x+\\frac{1}{2^{60}}", "x+\\frac{1}{2^{61}}"),
    # a gold with a variable is not a bare number (unless the letter is a unit)
    ("3k", "3"), ("2n", "2"), ("5x", "5"), ("3", "3k"),
    # infinities and undefined values match only themselves
    ("1", "\\infty"), ("5", "\\frac{10}{0}"),
    # notations that look alike but differ
    ("(2,12) \\cup (12,102)", "(2,12) \\cup (12,103)"), ("(-\\infty,-1)\\cup[3,\\infty)", "x \\le -1 \\text{ or } x \\ge 3"),
    ("(3,-2)", "x=-2, y=3"), ("\\emptyset", "\\{0\\}"),
    # a decimal comma only where the comma cannot be a thousands separator
    ("p=5,q=2;p=7,q=2", "(2,5),(7,2)"), ("p=5,q=2;p=7,q=2", "(5,2)"), ("p=5,q=2;q=7,p=2", "(5,2),(7,2)"),
    ("(5,2)", "p=5,q=2 \\text{ or } p=7,q=2"), ("p=5,q=2 \\text{ and } p=7,q=2", "p=5,q=2 \\text{ and } p=7,q=3"),
    ("C. x = 42", "D"), ("C. x = 42", "B, C"), ("C Cecile", "D"), ("C Cecile", "(C) (D)"),
    ("(1,3)", "3, 1"), ("(1,3)", "1, 3, 5"), ("(1,3)", "1 \\text{ or } 3"), ("[1,3]", "1, 3"), ("1.3", "(1,3)"),
    ("1.2", "1,200"), ("1.22", "1,23"), ("0.111", "0,112"), ("12.5", "1,25"), ("1, 22", "1.22"),
]
RIGHT = [
    ("11111100", "11,\\! 111,\\! 100"), ("32349", "32,\\! 349"), ("(12,102) \\cup (2,12)", "(2,12) \\cup (12,102)"),
    ("\\varnothing", "\\emptyset"), ("\\emptyset", "\\{\\}"), ("\\varnothing", "\\{ \\}"),
    ("i", "\\sqrt{-1}"), ("2i", "2\\sqrt{-1}"),
    ("(-\\infty,-1]\\cup[3,\\infty)", "x \\le -1 \\text{ or } x \\ge 3"), ("(-\\infty,2)\\cup(5,\\infty)", "x<2 \\text{ or } x>5"),
    ("(-\\infty,-2)\\cup(1,4]", "x < -2 \\text{ or } 1 < x \\leq 4"),
    ("(3,-2)", "x=3, y=-2"), ("(1,2,3)", "a=1, b=2, c=3"),
    ("60", "60\\,\\mathrm{km/h}"), ("36\\pi", "36\\pi\\text{ cm}^3"), ("12", "12 \\text{ inches}"), ("3", "3\\text{ km}"),
    ("e", "2.718281828"), ("\\pi", "3.14159"), ("\\sqrt{2}", "1.414214"), ("2.718281828", "e"),
    ("1000000\\sqrt{2}", "1414213.56"), ("1234567\\pi", "3878506.6"), ("\\frac{3}{10}", "0.30000000000000004"),
    ("2", "f(3) = 2"), ("2", "x = 2"), ("\\frac{\\sqrt3}{3}", "\\frac{\\sqrt{3}}{3} \\approx 0.577"), ("5", "x = 2+3 = 5"),
    ("74^\\circ", "\\angle APC = 74^\\circ"), ("19", "a_{37} = 19"), ("(3,4)", "(x, y) = (3, 4)"),
    ("(5, 8), (8, 5)", "(x, y) = (5, 8) \\text{ and } (8, 5)"), ("(11,7)or(7,11)", "(7,11), (11,7)"),
    ("(1,3)", "1, 3"), ("(1, 2, 3)", "1,2,3"),  # a bare list is the tuple it lists
    ("p=5,q=2;p=7,q=2", "(5,2),(7,2)"), ("(7,2),(5,2)", "p=5,q=2;p=7,q=2"),  # groups of assignments are tuples
    ("p = 5, q = 2 \\quad \\text{and} \\quad p = 7, q = 2", "p=5,q=2;p=7,q=2"),   # ... also joined by "and"
    ("C. x = 42", "C"), ("(B) 17", "(B)"), ("C Cecile", "C"),                  # a gold option led by its letter
    ("1.22", "1,22"), ("1,22", "1.22"), ("0,111", "0.111"), ("1000.99", "1000,99"), ("-2.5", "-2,5"), ("1, 2", "1,2"),
]


def test_wrong_answers_are_rejected():
    verdicts = verify_batch([(g, box(a)) for g, a in WRONG], timeout_s=SLOW_OK)
    accepted = [(g, a, v.reason) for (g, a), v in zip(WRONG, verdicts) if v.correct]
    assert accepted == []


def test_right_answers_in_other_notations_are_accepted():
    verdicts = verify_batch([(g, box(a)) for g, a in RIGHT], timeout_s=SLOW_OK)
    rejected = [(g, a, v.reason) for (g, a), v in zip(RIGHT, verdicts) if not v.correct]
    assert rejected == []


def test_interval_end_points_are_not_thousands():
    assert normalize("(2,12) \\cup (12,102)") == "(2,12) \\cup (12,102)"
    assert normalize("[1,000, 2,000]") == "[1,000, 2,000]"
    assert normalize("1,000,000") == "1000000"


@pytest.mark.parametrize("gold, response, reason", [
    ("34", "</think>Final answer: The largest $n$ is 34.", "equal"),
    ("\\frac{3}{2}", "</think>**Final answer:** the minimum value is $\\frac{3}{2}$.", "equal"),
    ("15", "</think>So $\\boxed{12}$. Wait, that was wrong; recomputing gives $\\boxed{15}$.", "equal"),
    ("12", "</think>So $\\boxed{12}$. Wait, that was wrong; recomputing gives $\\boxed{15}$.", "mismatch"),
    ("2, 5", "</think>The solutions are \\boxed{2} and \\boxed{5}.", "equal"),
    ("5, 2", "</think>$\\boxed{2}$, $\\boxed{5}$", "equal"),
    ("2", "</think>The solutions are \\boxed{2} and \\boxed{5}.", "hedged"),       # multi-valued vs one value
    ("2", "</think>It is \\boxed{2} or \\boxed{5}.", "hedged"),
    ("2, 5, 7", "</think>\\boxed{2} and \\boxed{5}", "mismatch"),                  # a list, but a different one
    ("3", "</think>3", "equal"),                                                  # a bare expression is the answer
    ("3", "3", "equal"),
    ("x+3y-4=0", "</think>\n\nx+3y-4=0", "equal"),
    ("x+3y-4=0", "</think>\n\n2x+6y-8=0", "equal"),
    ("4", "</think>The perimeter is 4 units long, I think", "no_answer"),        # a hedged prose sentence
    # prose without box or marker: the math of the last single-answer clause, found by math-verify's extraction
    ("x \\geq 5", "</think>Therefore $x \\geq 5$ is the solution.", "equal"),
    ("x < 3", "</think>We find that $x \\lt 3$.", "equal"),
    ("42", "</think>42 because geometry proves it", "equal"),
    ("1000.99", "</think>the number is not 10 which is 1,000.99€", "equal"),
    ("2.74", "</think>Soucis : 2,74 $ a..", "equal"),
    ("\\frac{2}{3}", "</think>So P(A) = 2/3. Therefore, the probability that Alice wins is 2/3. <|im_start|>", "equal"),
    ("6", "</think>After simplifying we obtain 5.", "mismatch"),
    # a computation in the last prose clause states its result when every link holds
    ("8", "</think>So she has 5 + 3 = 8 apples.", "equal"), ("192", "</think>we get 66 + 126 = 192 kg.", "equal"),
    ("3000", "</think>Total: 1,000 + 2,000 = 3,000 dollars.", "equal"),
    ("9", "</think>So she has 5 + 3 = 9 apples.", "mismatch"), ("8", "</think>So she has 5 + 3 = 9 apples.", "mismatch"),
    ("7", "</think>We have 2 + 3 = 5, so 7", "no_answer"),
    ("\\frac{2}{5}", "</think>So each part is \\frac{2}{5} of a ton.", "equal"),     # a bare LaTeX fraction in prose
    ("\\frac{2}{5}", "</think>So each part is \\frac{2}{5} or \\frac{3}{5} of a ton.", "no_answer"),
    ("192", "</think>66公斤 + 126公斤 = 192公斤 因此，体重是192公斤。", "equal"),      # Chinese "therefore" starts a clause
    ("192", "</think>66公斤 + 126公斤 = 192公斤 因此，体重不是192公斤。", "no_answer"),
    ("3", "</think>Final Answer: Jane started growing Sphere 3 hours ago. I hope it is correct.", "equal"),
    ("8", "</think>Final Answer: Jane started growing Sphere 3 hours ago. I hope it is correct.", "mismatch"),
    ("3", "</think>Final Answer: it took 3 hours, maybe 8.", "hedged"),
    ("(7,6)", "</think>So, the ordered pair $(x, y)$ that solves the system is $(7, 6)$.", "equal"),
    ("(x, y)", "</think>So, the ordered pair $(x, y)$ that solves the system is $(7, 6)$.", "mismatch"),
    ("11", "</think>So we get $x = 5+5+1 = 7 = 11$ here.", "mismatch"),           # stricter rules still apply
    ("5", "</think>It is 3 or maybe 5.", "no_answer"),
    ("5", "</think>The roots are 2 and 5.", "no_answer"),
    ("5", "</think>It is not 5.", "no_answer"),
    ("5", "5 is the answer in my thoughts</think>I computed it.", "no_answer"),
    ("5", "</think>The value is well defined at this point, 7 (Section 5) aside", "mismatch"),  # a label is no value
    ("3k", "</think>3", "mismatch"),                                              # a variable is not a unit
    ("3k", "</think>The answer is $3$.", "mismatch"),
    ("3k", "</think>k=3", "mismatch"),
    ("5", "</think>The answer is not 5.", "no_answer"),                          # negated statements
    ("5", "</think>5 is wrong", "no_answer"),
    ("5", "</think>\\boxed{5 \\text{ is wrong}}", "mismatch"),
    ("5", "</think>\\boxed{5 \\text{ apples}}", "equal"),
    ("6", "</think>The answer is $x = 5$ or maybe $6$.", "hedged"),                # hedging in a marker sentence
    ("6", "</think>Final answer: either 5 or 6", "hedged"),
    ("6", "</think>5 or maybe 6", "hedged"),
])
def test_extraction_classes(gold, response, reason):
    assert verify_batch([(gold, response)], timeout_s=SLOW_OK)[0].reason == reason


def test_no_false_positive_on_reference_negative_pairs():
    """Every pair that another project's grader test suite marks wrong is rejected (fast subset: short pairs)."""
    rows = [json.loads(line) for line in REFERENCE.read_text().splitlines()]
    negatives = [(r["gold"], r["response"]) for r in rows
                 if not r["expected"] and (r["gold"], r["response"]) not in DISPUTED and len(r["response"]) < 300]
    assert len(negatives) >= 60
    verdicts = verify_batch(negatives, timeout_s=3.0)  # a timeout is a rejection too
    accepted = [(g, a) for (g, a), v in zip(negatives, verdicts) if v.correct]
    assert accepted == []


def test_relation_rules_take_linear_time_on_long_answers():
    import time

    from rewards.math.equivalence import quick_decide

    for answer in ["x<" * 50_000 + "1, 2", "x" + " < 1 or x > " * 20_000, "= " * 50_000, "x=1, " * 20_000]:
        t = time.perf_counter()
        quick_decide("1", normalize(answer))
        assert time.perf_counter() - t < 5.0, answer[:20]
