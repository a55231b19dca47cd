"""Synthetic reasoning traces in the QwQ format, for the cold-start SFT of the tiny smoke policy.

Each example is a prompt-completion pair of chat messages. The completion opens with `<think>\\n` (the chat
template's generation prompt opens the thinking the same way), closes it, and then answers:
`\\boxed{}` for math, one ```python fenced stdin/stdout program for code, plain text for general prompts.
"""

from __future__ import annotations

import random
from typing import Any

MATH_INSTRUCTION = "Please reason step by step, and put your final answer within \\boxed{}."
PROGRAMS = {
    "sum": ("the sum of the integers", "print(sum(nums))"),
    "product": ("the product of the two integers", "print(nums[0] * nums[1])"),
    "maximum": ("the largest of the integers", "print(max(nums))"),
    "minimum": ("the smallest of the integers", "print(min(nums))"),
}
TOPICS = ("the sea", "a city", "music", "the moon", "a forest", "rain", "a library", "coffee")


def _math(rng: random.Random) -> tuple[str, str]:
    a, b = rng.randint(0, 20), rng.randint(0, 20)
    op, value = rng.choice([("+", a + b), ("-", a - b), ("*", a * b)])
    return (f"What is {a} {op} {b}? {MATH_INSTRUCTION}",
            f"<think>\nWe need {a} {op} {b}.\nComputing it gives {value}.\n</think>\n\n"
            f"The answer is \\boxed{{{value}}}.")


def _code(rng: random.Random) -> tuple[str, str]:
    name, (what, line) = rng.choice(sorted(PROGRAMS.items()))
    program = f"import sys\nnums = list(map(int, sys.stdin.read().split()))\n{line}"
    return (f"Write a Python program that reads integers from standard input and prints {what}.",
            f"<think>\nRead all integers from stdin, then print {what}.\n</think>\n\n```python\n{program}\n```")


def _general(rng: random.Random) -> tuple[str, str]:
    topic = rng.choice(TOPICS)
    sentence = f"{topic} is calm and bright, and it makes the day feel new."
    if rng.random() < 0.5:
        return (f"Write one sentence about {topic} in all lowercase letters.",
                f"<think>\nOne short sentence, lowercase only.\n</think>\n\n{sentence.lower()}")
    return (f"Write one sentence about {topic}.",
            f"<think>\nOne short sentence.\n</think>\n\n{sentence[0].upper()}{sentence[1:]}")


def synthetic_traces(n: int, seed: int = 0) -> list[dict[str, Any]]:
    """`n` prompt-completion rows cycling through math, code and general tasks."""
    rng = random.Random(seed)
    makers = (_math, _code, _general)
    rows = []
    for i in range(n):
        prompt, completion = makers[i % len(makers)](rng)
        rows.append({"prompt": [{"role": "user", "content": prompt}],
                     "completion": [{"role": "assistant", "content": completion}]})
    return rows
