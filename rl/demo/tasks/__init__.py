"""Task families of the learning demo. Each module exposes `draw(rng) -> Item` and `key(row) -> str`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Item:
    """One drawn task instance: its row (row schema, before templating), a gold completion in the QwQ format
    (opens inside `<think>`, as the chat template's generation prompt does), and its content key (equal keys mean
    the same problem: held-out items are excluded from training sets by key)."""

    row: dict[str, Any]
    completion: str
    key: str
