"""Math family: the sum of two 2-digit integers, answered in `\\boxed{}` after a digit-by-digit thinking trace.

The trace adds column by column from the units, one line per column (`7+5=12`, then `4+8+1=13` with the carry),
which a ~1M-parameter model can learn in a few minutes of SFT; the answer is the boxed sum. The space holds 8,100
operand pairs: a held-out set is excluded from training sets by its pairs, but rows drawn with a seed nobody used
share about (rows / 8,100) of their problems with any other draw.
"""

from __future__ import annotations

import random
import re

from rl.demo.tasks import Item

LOW, HIGH = 10, 99
PHRASINGS = ("What is {a} + {b}?", "Compute {a} + {b}.", "Find the sum {a} + {b}.")
_PAIR = re.compile(r"(\d+) \+ (\d+)")


def thinking(a: int, b: int) -> str:
    """The column-addition lines for a + b, units first (`d1+d2[+1]=s`)."""
    lines, carry = [], 0
    xs, ys = str(a)[::-1], str(b)[::-1]
    for i in range(max(len(xs), len(ys))):
        x, y = int(xs[i]) if i < len(xs) else 0, int(ys[i]) if i < len(ys) else 0
        s = x + y + carry
        lines.append(f"{x}+{y}+1={s}" if carry else f"{x}+{y}={s}")
        carry = s // 10
    return "\n".join(lines)


def draw(rng: random.Random) -> Item:
    """One a + b problem, its gold trace and its key (the operand pair)."""
    a, b = rng.randint(LOW, HIGH), rng.randint(LOW, HIGH)
    question = rng.choice(PHRASINGS).format(a=a, b=b)
    completion = f"{thinking(a, b)}\n</think>\n\nThe answer is \\boxed{{{a + b}}}."
    row = {"prompt": [{"role": "user", "content": question}], "task": "math", "answer": str(a + b),
           "tests": None, "constraints": None}
    return Item(row=row, completion=completion, key=f"math:{a}+{b}")


def key(row: dict) -> str:
    """The operand pair of a math row (`math:a+b`); the phrasing does not matter."""
    m = _PAIR.search(row["prompt"][-1]["content"])
    if m is None:
        raise ValueError(f"not a demo math row: {row['prompt'][-1]['content'][:80]!r}")
    return f"math:{int(m.group(1))}+{int(m.group(2))}"
