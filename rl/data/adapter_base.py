"""The adapter record and the small helpers adapters share (see `rl.data.adapters` for the registry)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from rl.data.schema import BadRow
from rl.data.templating import render_options

# read(ref, local path or None, split, subset, columns) -> raw rows (see `rl.data.sources.read_raw_rows`)
Reader = Callable[[str, Any, str, "str | None", Sequence[str]], list[dict[str, Any]]]


@dataclass(frozen=True)
class Adapter:
    name: str
    inputs: tuple[str, ...]
    tasks: tuple[str, ...]
    columns: tuple[str, ...]
    convert: Callable[[dict[str, Any]], dict[str, Any]]
    id_columns: tuple[str, ...] = ("id",)
    read: Reader | None = None

    def read_raw(self, ref: str, path: Any, split: str, subset: str | None,
                 columns: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """The source's raw rows (`columns`, default the adapter's inputs), through the adapter's own reader when
        it has one (file layouts `rl.data.sources.read_raw_rows` does not know), else `read_raw_rows`."""
        from rl.data.sources import read_raw_rows
        return (self.read or read_raw_rows)(ref, path, split, subset, tuple(columns or self.inputs))


def text(raw: dict[str, Any], *keys: str) -> str:
    for key in keys:
        value = raw.get(key)
        if isinstance(value, str) and value.strip():
            return value
    raise BadRow(f"no non-empty {' / '.join(keys)} text")


def with_options(raw: dict[str, Any], question: str) -> str:
    options = raw.get("options", raw.get("choices"))
    if options is None:
        return question
    try:
        return render_options(question, options)
    except ValueError as e:
        raise BadRow(str(e)) from None


def parse_json(value: Any, column: str) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError as e:
            raise BadRow(f"{column}: invalid JSON ({e})") from None
    return value


