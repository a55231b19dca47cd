"""Wrong answers that look right, written as real reasoning-model completions: none may be accepted, while the
right answer in the same style still is (so each negative fails for the reason it names, not for its style)."""

import re

import pytest

from rewards.math import verify_batch

SLOW_OK = 20.0
T = "<think>\nLet me work through this carefully, step by step.\n</think>\n\n"

# (gold, completion) pairs that must be rejected
WRONG = [
    # off by one at the end of a long chain, or a chain with one false link
    ("10", T + "Adding the parts: $\\boxed{x = 2+3+4 = 10}$"),
    ("6", T + "So the total is $\\boxed{2 + 3 = 6}$."),
    ("45", T + "The sum $1+2+\\dots+9 = 45 - 1 = \\boxed{44}$."),
    # the right number at the wrong scale or with a word that changes it
    ("5", T + "\\boxed{0.05}"), ("0.05", T + "\\boxed{5}"), ("5\\%", T + "\\boxed{0.5}"), ("5", T + "\\boxed{500}"),
    ("5", T + "\\boxed{5 \\text{ thousand}}"), ("5", T + "\\boxed{5 million}"), ("5", T + "\\boxed{5\\text{ squared}}"),
    ("5", T + "\\boxed{5 \\text{ tenths}}"), ("5", T + "\\boxed{5 dozen}"), ("5", T + "The answer is 5 thousand."),
    ("5", T + "So we get 5 hundred in all."),
    # a relation instead of the value
    ("5", T + "\\boxed{\\geq 5}"), ("5", T + "\\boxed{\\neq 5}"), ("5", T + "\\boxed{< 5}"), ("5", T + "\\boxed{\\sim 5}"),
    ("5", T + "\\boxed{x \\geq 5}"), ("5", T + "\\boxed{\\approx 5}"), ("5", T + "\\boxed{\\neg 5}"),
    ("90\\%", T + "\\boxed{0.9\\%}"), ("0.9\\%", T + "\\boxed{90\\%}"), ("0.9", T + "\\boxed{90}"),
    ("1234567", T + "\\boxed{1234567.5}"), ("100000000", T + "\\boxed{99999950.5}"),
    # empty, truncated, or only inside the thinking
    ("5", T + "The answer is \\boxed{}."), ("5", T + "The answer is \\boxed{ }."), ("5", T + "So the answer is \\boxed{5"),
    ("5", T + "First \\boxed{5}. Let me double-check: \\boxed{\\frac{10"), ("5", "<think>\nThe answer is \\boxed{5}."),
    ("5", "<think>\nSo the answer is \\boxed{5}.\n</think>\n\nI am done."), ("5", "<think>\nthe answer is 5"),
    # several different boxes that are not a self-correction, and hedges
    ("2", T + "\\boxed{2} or \\boxed{3}"), ("2", T + "\\boxed{2}, \\boxed{3}"), ("2", T + "\\boxed{2} \\boxed{3}"),
    ("2", T + "\\boxed{2 \\text{ or } 3}"), ("2", T + "\\boxed{2, 3}"), ("2", T + "\\boxed{\\pm 2}"),
    ("2", T + "The answer is 2 or 3."), ("2", T + "It is probably 2."), ("2", T + "Final answer: 2, or maybe 3"),
    ("2", T + "\\boxed{2}. Final answer: 2 or 3"), ("2", T + '{"answer": "2 or 3"}'),
    ("2", T + " ".join(f"\\boxed{{{k}}}" for k in range(1, 40))),               # a flood of boxes is no answer
    # a later final answer corrects the box
    ("5", T + "\\boxed{5}. Hmm, recomputing. Final answer: $6$"),
    # lists in the wrong count or order
    ("1, 2, 3", T + "\\boxed{1, 2}"), ("1, 2, 3", T + "\\boxed{1, 2, 3, 4}"), ("(1, 2)", T + "\\boxed{(2, 1)}"),
    ("[1, 3)", T + "\\boxed{(1, 3)}"), ("(1,3)", T + "\\boxed{\\{1, 3\\}}"),
    # multiple-choice letters against values and other letters
    ("C", T + "\\boxed{42}"), ("42", T + "\\boxed{C}"), ("C", T + "\\boxed{C, D}"), ("C", T + "\\boxed{A} or \\boxed{C}"),
    ("C", T + "The answer is (C) or (D)."), ("C", T + "\\boxed{ABCD}"), ("C", T + "\\boxed{D}"),
    # approximations and tiny or huge exact values
    ("\\pi", T + "\\boxed{3.14}"), ("\\sqrt{2}", T + "\\boxed{1.41}"), ("\\frac{1}{3}", T + "\\boxed{0.33}"),
    ("\\frac{1}{2^{60}}", T + "\\boxed{0}"), ("\\frac{1}{2^{60}}", T + "\\boxed{8.67 \\times 10^{-19}}"),
    ("1000000", T + "\\boxed{1000001}"), ("e", T + "\\boxed{2.72}"),
    # a condition on the value, a retraction or a correction after the box, several option letters
    ("12", T + "The answer is $12$ if $n$ is even and $13$ otherwise."), ("12", T + "Final answer: 12 when n is even"),
    ("12", T + "\\boxed{12}\n\nWait, I made an error. The correct answer is 13."),
    ("12", T + "Answer: \\boxed{12}\n\nActually no, it's 13."), ("12", T + "\\boxed{12}\n\nHmm, that's wrong."),
    ("A", T + "(A) (B)"), ("A", T + "The answer is (A) (C)."), ("5", T + "(a) \\boxed{3} (b) \\boxed{5}"),
    ("5", T + "<answer>6</answer> The answer is \\boxed{5}"), ("5", T + "<answer>5"),
    # signs and negations
    ("-5", T + "\\boxed{5}"), ("5", T + "\\boxed{-5}"), ("5", T + "The answer is not 5."), ("5", T + "It is 6, not 5."),
    ("5", T + "5 is wrong."), ("7", T + "It's 5, it's 6, it's 7."), ("7", T + "It is not 5, it is 6, it is 7."),
    ("4", T + "\\boxed{4}. The final answer isn't 4."), ("4", T + "\\boxed{4}. Oops, that was a mistake."),
    ("4", T + "Answer: 4\n\nI made a mistake above."),
]

# the right answer in the same styles, accepted
RIGHT = [
    ("10", T + "Adding the parts: $\\boxed{x = 2+3+5 = 10}$"), ("5", T + "\\boxed{5}"), ("5", T + "\\boxed{5 apples}"),
    ("5000", T + "\\boxed{5000}"), ("2, 3", T + "\\boxed{2} and \\boxed{3}"), ("6", T + "\\boxed{5}. Final answer: $6$"),
    ("5", T + "\\boxed{12}. Wait, that was wrong; recomputing gives \\boxed{5}."), ("C", T + "\\boxed{C}"),
    ("\\pi", T + "\\boxed{3.14159265}"), ("5", T + "It is not 6, it is 5."), ("\\geq 5", T + "\\boxed{\\geq 5}"),
    ("x \\geq 5", T + "\\boxed{x \\geq 5}"), ("13", T + "\\boxed{12}\n\nWait, I made an error. The correct answer is 13."),
    ("A", T + "(A) John"), ("12", T + "When we simplify, we get $12$."), ("90\\%", T + "\\boxed{0.9}"),
    ("90\\%", T + "\\boxed{90}"), ("0.9", T + "\\boxed{90\\%}"), ("1234567", T + "\\boxed{1.234567 \\times 10^{6}}"),
    ("6", T + "The answer isn't 5, it's 6."), ("B", T + "Answer: B\n\nExplanation: A is wrong because it fails."),
    ("B", T + "**(B)**"), ("12", T + "\\boxed{12}\n\nA common mistake is to forget the carry."),
]


def test_adversarial_wrong_answers_are_rejected():
    verdicts = verify_batch(WRONG, timeout_s=SLOW_OK)
    accepted = [(g, r[len(T):] if r.startswith(T) else r, v.reason) for (g, r), v in zip(WRONG, verdicts) if v.correct]
    assert accepted == []


def test_same_styles_with_the_right_answer_are_accepted():
    verdicts = verify_batch(RIGHT, timeout_s=SLOW_OK)
    rejected = [(g, r[len(T):], v.reason) for (g, r), v in zip(RIGHT, verdicts) if not v.correct]
    assert rejected == []


@pytest.mark.parametrize("gold, completion, reason", [
    ("2", T + "\\boxed{2} \\boxed{3}", "hedged"),
    ("5", T + "\\boxed{\\geq 5}", "mismatch"),
    ("5", T + "The answer is \\boxed{}.", "no_answer"),
    ("5", "<think>\nthe answer is 5", "no_answer"),
])
def test_adversarial_reasons(gold, completion, reason):
    assert verify_batch([(gold, completion)], timeout_s=SLOW_OK)[0].reason == reason


def _mutations(gold: str) -> set[str]:
    """Wrong answers one edit away from `gold`: each number off by one or times ten, the sign flipped, a pair
    swapped or re-bracketed, a term added, a variable renamed."""
    out = set()
    for m in re.finditer(r"\d+", gold):
        n = int(m.group())
        out |= {gold[:m.start()] + str(v) + gold[m.end():] for v in (n + 1, n - 1, n * 10) if v > 0}
    out.add(gold[1:] if gold.startswith("-") else "-" + gold)
    if gold.startswith("(") and "," in gold:
        a, b = gold[1:-1].split(",", 1)
        out |= {f"({b.strip()}, {a.strip()})", "[" + gold[1:-1] + "]", "\\{" + gold[1:-1] + "\\}"}
    out |= {gold + " + 1", "2\\cdot " + gold, gold.replace("x", "y")}
    out.discard(gold)
    return out


MUTATED_GOLDS = ["5", "12", "-3", "2024", "\\frac{3}{4}", "2\\sqrt{3}", "\\frac{\\pi}{4}", "3+2\\sqrt{2}", "(3, -2)",
                 "[1, 3)", "x^2+1", "12\\%", "10^{6}"]


def test_answers_one_edit_from_the_gold_are_rejected():
    templates = [T + "So the final answer is $\\boxed{%s}$.", T + "Therefore the answer is $%s$."]
    pairs = [(g, t % w) for g in MUTATED_GOLDS for w in sorted(_mutations(g)) for t in templates]
    assert len(pairs) > 150
    verdicts = verify_batch(pairs + [(g, t % g) for g in MUTATED_GOLDS for t in templates], timeout_s=SLOW_OK)
    accepted = [(g, r[len(T):]) for (g, r), v in zip(pairs, verdicts) if v.correct]
    assert accepted == []
    assert all(v.correct for v in verdicts[len(pairs):])       # the gold itself, in the same templates
