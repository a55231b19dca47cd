"""Code family: small stdin/stdout Python programs, chosen among templates from the wording.

Each problem is one of ten templates (add, multiply, subtract or take the remainder by a constant K named in the
wording; sum, maximum or minimum of a list; reverse, count the words of, or upper-case a line), in one of two
wordings, with a worked example and four stdio tests run by the sandbox. A ~1M-parameter model cannot write new
programs; it can learn which template the wording asks for and copy K into it. K is one digit: with two-digit K, add,
multiply and subtract stayed under 10 % through both stages on a seed (K copied a digit off), so those templates
gave GRPO almost no signal (README, tuning notes). The key is the prompt text (template, wording, K and example).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Callable

from rl.demo.tasks import Item

INSTRUCTION = "Write a Python 3 program that reads standard input and prints the answer, in one ```python block."
LIST_INPUT = "The first line holds n and the second line holds n integers."
WORDS = ("apple", "river", "stone", "cloud", "green", "table", "light", "music", "paper", "tiger", "ocean", "bread")
K_RANGE = (2, 9)                   # one digit (module docstring)
N_TESTS = 4


def _int_input(rng: random.Random) -> str:
    return f"{rng.randint(-1000, 1000)}\n"


def _nonneg_input(rng: random.Random) -> str:
    return f"{rng.randint(0, 100000)}\n"


def _list_input(rng: random.Random) -> str:
    nums = [rng.randint(-100, 100) for _ in range(rng.randint(1, 6))]
    return f"{len(nums)}\n{' '.join(map(str, nums))}\n"


def _text_input(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 5))) + "\n"


def _ints(text: str) -> list[int]:
    return [int(t) for t in text.split()]


@dataclass(frozen=True)
class Template:
    name: str
    wordings: tuple[str, str]          # may contain {k}
    plan: str                          # the thinking line; may contain {k}
    body: str                          # the program; may contain {k}
    make_input: Callable[[random.Random], str]
    solve: Callable[[str, int], str]   # (input, k) -> output line
    uses_k: bool = False


TEMPLATES = (
    Template("add", ("Read an integer x and print x + {k}.", "Given an integer, print it increased by {k}."),
             "Add {k} to x.", "x = int(input())\nprint(x + {k})", _int_input, lambda s, k: str(int(s) + k), True),
    Template("multiply", ("Read an integer x and print x * {k}.", "Given an integer, print it multiplied by {k}."),
             "Multiply x by {k}.", "x = int(input())\nprint(x * {k})", _int_input, lambda s, k: str(int(s) * k), True),
    Template("subtract", ("Read an integer x and print x - {k}.", "Given an integer, print it decreased by {k}."),
             "Subtract {k} from x.", "x = int(input())\nprint(x - {k})", _int_input, lambda s, k: str(int(s) - k),
             True),
    Template("remainder", ("Read a non-negative integer x and print x mod {k}.",
                           "Given a non-negative integer, print its remainder when divided by {k}."),
             "Take x mod {k}.", "x = int(input())\nprint(x % {k})", _nonneg_input, lambda s, k: str(int(s) % k),
             True),
    Template("sum", (f"{LIST_INPUT} Print their sum.", f"{LIST_INPUT} Print the total of the numbers."),
             "Sum the n numbers.", "input()\nnums = list(map(int, input().split()))\nprint(sum(nums))",
             _list_input, lambda s, k: str(sum(_ints(s)[1:]))),
    Template("max", (f"{LIST_INPUT} Print the largest of them.", f"{LIST_INPUT} Print the maximum value."),
             "Take the largest number.", "input()\nnums = list(map(int, input().split()))\nprint(max(nums))",
             _list_input, lambda s, k: str(max(_ints(s)[1:]))),
    Template("min", (f"{LIST_INPUT} Print the smallest of them.", f"{LIST_INPUT} Print the minimum value."),
             "Take the smallest number.", "input()\nnums = list(map(int, input().split()))\nprint(min(nums))",
             _list_input, lambda s, k: str(min(_ints(s)[1:]))),
    Template("reverse", ("Read a line of text and print it reversed.",
                         "Given a string, print its characters in reverse order."),
             "Reverse the line.", "s = input()\nprint(s[::-1])", _text_input, lambda s, k: s.rstrip("\n")[::-1]),
    Template("count_words", ("Read a line of text and print the number of words in it.",
                             "Given a sentence, print how many words it has."),
             "Count the words.", "print(len(input().split()))", _text_input, lambda s, k: str(len(s.split()))),
    Template("upper", ("Read a line of text and print it in upper case.",
                       "Given a string, print it with every letter capitalised."),
             "Upper-case the line.", "print(input().upper())", _text_input, lambda s, k: s.rstrip("\n").upper()),
)


def draw(rng: random.Random) -> Item:
    """One program-choice problem: prompt with a worked example, sandbox stdio tests, gold trace, key."""
    t = rng.choice(TEMPLATES)
    k = rng.randint(*K_RANGE) if t.uses_k else 0
    wording = rng.choice(t.wordings).format(k=k)
    example = t.make_input(rng)
    prompt = (f"{wording}\n\nExample input:\n{example}Example output:\n{t.solve(example, k)}\n\n{INSTRUCTION}")
    tests = []
    for _ in range(N_TESTS):
        given = t.make_input(rng)
        tests.append({"input": given, "output": t.solve(given, k) + "\n"})
    request = {"language": "python", "mode": "stdio", "tests": tests}
    row = {"prompt": [{"role": "user", "content": prompt}], "task": "code", "answer": None,
           "tests": json.dumps(request), "constraints": None}
    return Item(row=row, completion=_completion(t, k), key=key(row), flawed=_flawed(rng, t, k, tests))


def _completion(t: Template, k: int) -> str:
    return f"{t.plan.format(k=k)}\n</think>\n\n```python\n{t.body.format(k=k)}\n```"


def _flawed(rng: random.Random, t: Template, k: int, tests: list[dict[str, str]]) -> str | None:
    """The trace of another template that reads the same input (the wrong program for the wording), when it fails
    at least one of the tests; else None."""
    other = rng.choice([o for o in TEMPLATES if o.make_input is t.make_input and o is not t]
                       or [o for o in TEMPLATES if o.uses_k == t.uses_k and o is not t])
    if all(other.solve(test["input"], k) + "\n" == test["output"] for test in tests):
        return None
    return _completion(other, k)


def key(row: dict) -> str:
    """The prompt text of a code row (template, wording, K and example)."""
    return "code:" + row["prompt"][-1]["content"]
