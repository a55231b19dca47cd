"""Synthetic reasoning traces in the QwQ format, for the cold-start SFT of the tiny smoke policy.

Each example is a prompt-completion pair of chat messages shaped like the smoke datasets' rows (rl/samples/). The
completion opens with `<think>\\n` (the chat template's generation prompt opens the thinking the same way), closes
it, and then answers: `\\boxed{}` for math, one ```python fenced stdin/stdout program for code, plain text that
follows the prompt's instruction for general prompts.
"""

from __future__ import annotations

import random
from typing import Any, Callable

MATH_INSTRUCTION = "Please reason step by step, and put your final answer within \\boxed{}."
CODE_INSTRUCTION = ("Write a complete Python 3 program that reads the input from standard input and writes the answer "
                    "to standard output. Put the whole program in a single ```python code block at the end of your "
                    "answer.")
READ_INTS = "nums = list(map(int, sys.stdin.read().split()))"
# (task statement, plan, program body after `import sys`)
PROGRAMS = (
    ("Read two integers a and b on one line and print their sum.", "Add the two integers.",
     f"{READ_INTS}\nprint(nums[0] + nums[1])"),
    ("Read two integers and print their product.", "Multiply the two integers.",
     f"{READ_INTS}\nprint(nums[0] * nums[1])"),
    ("The first line holds n. The second line holds n integers. Print the largest of them.",
     "Skip n, then take the maximum.", f"{READ_INTS}\nprint(max(nums[1:]))"),
    ("The first line holds n. The second line holds n integers. Print their sum.",
     "Skip n, then add the rest.", f"{READ_INTS}\nprint(sum(nums[1:]))"),
    ("Read a string s and print it reversed.", "Reverse the line.", "s = sys.stdin.readline().strip()\nprint(s[::-1])"),
    ("Read one line of text and print the number of words in it.", "Split on spaces and count.",
     "print(len(sys.stdin.readline().split()))"),
)
TOPICS = ("the sea", "a city", "music", "the moon", "a forest", "rain", "a library", "coffee")
SENTENCE = "{t} is calm and bright and it makes the day feel new."
# (instruction, plan, how to render the sentence)
STYLES: tuple[tuple[str, str, Callable[[str], str]], ...] = (
    ("Your entire response should be in English, and in all lowercase letters.", "Lowercase only.", str.lower),
    ("Your entire response should be in English, and in all capital letters.", "Capital letters only.", str.upper),
    ("Do not use any commas in your response.", "No commas.", lambda s: s[0].upper() + s[1:]),
    ("Wrap your entire response with double quotation marks.", "Quote it.", lambda s: f'"{s[0].upper()}{s[1:]}"'),
)


def _math(rng: random.Random) -> tuple[str, str]:
    a, b = rng.randint(0, 20), rng.randint(0, 20)
    sym, op, value = rng.choice([("+", "+", a + b), ("-", "-", a - b), ("\\times", "*", a * b)])
    question = rng.choice([f"What is {a} {op} {b}?", f"Compute {a} {sym} {b}."])
    return (f"{question} {MATH_INSTRUCTION}",
            f"<think>\nWe need {a} {op} {b}.\nComputing it gives {value}.\n</think>\n\n"
            f"The answer is \\boxed{{{value}}}.")


def _code(rng: random.Random) -> tuple[str, str]:
    task, plan, body = rng.choice(PROGRAMS)
    return (f"{task}\n\n{CODE_INSTRUCTION}",
            f"<think>\n{plan}\n</think>\n\n```python\nimport sys\n{body}\n```")


def _general(rng: random.Random) -> tuple[str, str]:
    topic = rng.choice(TOPICS)
    instruction, plan, render = rng.choice(STYLES)
    return (f"Write one sentence about {topic}. {instruction}",
            f"<think>\nOne short sentence. {plan}\n</think>\n\n{render(SENTENCE.format(t=topic))}")


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
