"""`--set key.path=value` overrides applied to a parsed YAML config before validation.

A key path is dot-separated. Mapping keys that do not exist yet are created (so `model_options.lora.r=8` works
when `lora` is null); list items are addressed by index (`stages.0.grpo.max_steps=5`) or, for a list of mappings
with a `name`, by that name (`stages.reasoning.grpo.max_steps=5`). The value is parsed as a YAML scalar or flow
collection: `5` is an int, `1.0e-6` and `1e-6` floats, `true` a bool, `null` None, `[a, b]` a list, `{r: 8}` a mapping.
"""

from __future__ import annotations

import re
from typing import Any, Sequence

import yaml


_FLOAT = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+$")


class OverrideError(ValueError):
    """A `--set` override is malformed or addresses something that does not exist."""


def parse_override(text: str) -> tuple[list[str], Any]:
    """Split `a.b.0.c=value` into (["a", "b", "0", "c"], parsed value)."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise OverrideError(f"--set {text!r}: expected KEY=VALUE, e.g. stages.0.grpo.max_steps=10")
    parts = key.split(".")
    if any(not p for p in parts):
        raise OverrideError(f"--set {text!r}: empty component in key path {key!r}")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError as e:
        raise OverrideError(f"--set {text!r}: value is not valid YAML: {e}") from None
    if isinstance(value, str) and _FLOAT.match(value.strip()):
        value = float(value)  # YAML 1.1 reads `1e-6` (no dot) as a string; on a command line it means a number
    return parts, value


def _list_index(node: list, part: str, done: str, text: str) -> int:
    if part.lstrip("-").isdigit():
        i = int(part)
        if not -len(node) <= i < len(node):
            raise OverrideError(f"--set {text!r}: index {i} out of range for {done or 'the config'} "
                                f"(it has {len(node)} item(s))")
        return i
    names = [item.get("name") for item in node if isinstance(item, dict)]
    if part in names:
        return names.index(part)
    raise OverrideError(f"--set {text!r}: {done or 'the config'} is a list; use an index 0..{len(node) - 1}"
                        + (f" or a name among {names}" if any(names) else ""))


def apply_override(config: dict, text: str) -> None:
    """Apply one `KEY=VALUE` override to `config` in place."""
    parts, value = parse_override(text)
    node: Any = config
    done = ""
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        if isinstance(node, dict):
            if last:
                node[part] = value
                return
            if node.get(part) is None:
                node[part] = {}
            node = node[part]
        elif isinstance(node, list):
            i = _list_index(node, part, done, text)
            if last:
                node[i] = value
                return
            node = node[i]
        else:
            raise OverrideError(f"--set {text!r}: {done} is {node!r}, not a mapping or a list; "
                                f"it has no key {part!r}")
        done = f"{done}.{part}" if done else part


def apply_overrides(config: dict, overrides: Sequence[str]) -> dict:
    """Apply every override in order (later ones win) and return `config`."""
    for text in overrides:
        apply_override(config, text)
    return config
