"""Task families of the learning demo. Each module exposes `draw(rng) -> Item` and `key(row) -> str`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Item:
    """One drawn task instance: its row (row schema, before templating), a gold completion in the QwQ format
    (opens inside `<think>`, as the chat template's generation prompt does), and its content key (equal keys mean
    the same problem: held-out items are excluded from training sets by key).

    `flawed` is a plausible wrong completion of the same problem (a lapse a partly competent model makes, e.g. one
    constraint forgotten or the wrong program picked), or None: the cold-start SFT trains on it for a set fraction
    of a family's examples, so the cold start's competence comes from its data, not from when its SFT stopped."""

    row: dict[str, Any]
    completion: str
    key: str
    flawed: str | None = None
