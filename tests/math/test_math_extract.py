"""Extraction policy for reasoning-model completions (pure string work, no workers)."""

import pytest

from rewards.math.extract import boxes, extract_answer

T = "reasoning...\n</think>\n\n"


@pytest.mark.parametrize("completion, answer", [
    (T + "so $\\boxed{5}$.", "5"),
    (T + "\\boxed{\\frac{\\sqrt{3}}{2}}", "\\frac{\\sqrt{3}}{2}"),
    (T + "\\fbox{7}", "7"),
    (T + "Thus $\\boxed 5$.", "5"),
    ("thinking \\boxed{4}</think>\n\\boxed{5}", "5"),          # only the answer part counts
    ("no think tags at all: \\boxed{12}", "12"),
    (T + "\\boxed{7}\n\nThe answer is 8.", "7"),               # box has priority over markers
    (T + "The answer is $5$.", "5"),
    (T + "**Final Answer:** 5", "5"),
    (T + "Answer: 3.5", "3.5"),
    (T + "The answer is 5 because 2+3=5.", "5"),
    (T + "The answer is 6.\n\nRechecking, the answer is 7.", "7"),
    (T + "The final answer is $\\frac{1}{2}$. I hope it is correct.", "\\frac{1}{2}"),
    (T + '{"reasoning": "...", "answer": "C"}', "C"),
    (T + '```json\n{"answer": 42}\n```', "42"),
])
def test_extracts_final_answer(completion, answer):
    assert extract_answer(completion).answer == answer


@pytest.mark.parametrize("completion", [
    "<think>\nthe answer is \\boxed{5} and then the output was trunc",   # unclosed think
    "The answer is \\boxed{5}.</think>\n\nI computed it.",               # only inside thinking
    T + "The answer is \\boxed{}",                                      # empty box
    T + "So the answer is \\boxed{5",                                   # truncated box
    T + "First \\boxed{5} and finally \\boxed{\\frac{10",                # last box truncated
    T + "After simplifying we obtain 5.",                               # no box, no marker
    T,
    "",
])
def test_no_answer(completion):
    assert extract_answer(completion).answer is None


def test_every_box_is_a_candidate():
    ext = extract_answer(T + "either \\boxed{3} or \\boxed{4}")
    assert ext.answer == "4" and ext.candidates == ("3", "4") and ext.source == "box"


def test_boxes_skip_escaped_braces_and_flag_truncation():
    assert boxes("\\boxed{\\{1, 2\\}}") == (["\\{1, 2\\}"], False)
    assert boxes("\\boxed{1} \\boxed{2") == (["1"], True)


def test_linear_time_on_long_adversarial_text():
    import time

    text = T + "the answer is " + "{" * 200_000 + "\\boxed{" * 20_000
    t = time.perf_counter()
    assert extract_answer(text).answer is None
    assert time.perf_counter() - t < 2.0
