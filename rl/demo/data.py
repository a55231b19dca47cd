"""Seeded rows of the demo's task families (`python -m rl.demo data`), their gold traces, and content keys.

- A draw is a pure function of (task, seed, n, excluded keys): the same arguments give the same rows, and every
  seed is its own random stream over the same distribution, so any new seed draws fresh rows.
- Rows inside one draw have distinct content keys, and rows whose key is in `exclude` (e.g. the held-out rows'
  keys) are skipped, so held-out problems never reach an SFT or RL training set.
- Rows are in the row schema (`rl.data.schema`) before templating: the pipeline's loader and `rl eval` add the
  task instructions exactly as for any dataset.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from types import ModuleType
from typing import Any, Iterable

from rl.demo.tasks import Item
from rl.demo.tasks import code as code_family
from rl.demo.tasks import general as general_family
from rl.demo.tasks import math as math_family

FAMILIES: dict[str, ModuleType] = {"math": math_family, "code": code_family, "general": general_family}
MAX_TRIES_PER_ROW = 200


def family(task: str) -> ModuleType:
    """The family module of `task`; unknown names raise ValueError listing the families."""
    try:
        return FAMILIES[task]
    except KeyError:
        raise ValueError(f"unknown demo task {task!r} (families: {', '.join(FAMILIES)})") from None


def row_key(row: dict[str, Any]) -> str:
    """The content key of a demo row (the same problem has the same key whatever its seed or phrasing)."""
    return family(row["task"]).key(row)


def draw_items(task: str, seed: int, n: int, exclude: Iterable[str] = ()) -> list[Item]:
    """`n` items of `task` with distinct keys not in `exclude`, from the seed's own stream."""
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an integer, got {seed!r}")
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"n must be a non-negative integer, got {n!r}")
    draw = family(task).draw
    rng = random.Random(f"rl.demo:{task}:{seed}")
    seen, items = set(exclude), []
    for _ in range(n * MAX_TRIES_PER_ROW):
        if len(items) == n:
            break
        item = draw(rng)
        if item.key not in seen:
            seen.add(item.key)
            items.append(item)
    if len(items) < n:
        raise ValueError(f"{task}: only {len(items)} distinct rows outside the excluded keys after "
                         f"{n * MAX_TRIES_PER_ROW} draws (asked for {n})")
    return items


def read_rows(paths: Iterable[str | Path]) -> list[dict[str, Any]]:
    """Rows of JSON-lines files."""
    rows = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            rows.extend(json.loads(line) for line in f if line.strip())
    return rows


def keys_of(paths: Iterable[str | Path]) -> set[str]:
    """Content keys of every row in the given JSON-lines files (rows of any demo task)."""
    return {row_key(row) for row in read_rows(paths)}


def write_rows(path: str | Path, items: Iterable[Item]) -> int:
    """Write the items' rows as JSON lines; returns the count."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with open(path, "w", encoding="utf-8") as f:
        for item in items:
            f.write(json.dumps(item.row, ensure_ascii=False) + "\n")
            count += 1
    return count


def sft_example(item: Item, completion: str | None = None) -> dict[str, Any]:
    """A TRL prompt-completion example: the row's prompt templated as the pipeline does, and `completion` (default:
    the gold trace)."""
    from rl.data.templating import apply_template

    prompt = apply_template(item.row)["prompt"]
    content = item.completion if completion is None else completion
    return {"prompt": prompt, "completion": [{"role": "assistant", "content": content}]}
