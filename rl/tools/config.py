"""A stage's `tools:` and `tool_options:` keys: validated when the pipeline config loads, bound to the run's
sandbox like rewards are (`rewards.needs`), and what of them determines a stage's output (its hash).

```yaml
stages:
  - name: tir
    tools: [python]                        # or {name: python, kwargs: {time_s: 5}}, or 'my_pkg.tools:search'
    tool_options: {max_calls: 8, max_output_chars: 4000, timeout_s: 30}
    grpo: {max_tool_calling_iterations: 8}   # TRL's cap on tool turns (default: tool_options.max_calls)
```
"""

from __future__ import annotations

import dataclasses
from typing import Any

from rl.tools.base import ToolOptions
from rl.tools.registry import BUILTIN, ToolSpecError, parse_entry, resolve

# kwargs that say how to reach a service, not what the tool does: left out of stage hashes
INFRA_KWARGS = ("sandbox_urls", "retries")


def parse_tools(raw: Any, raw_options: Any, run_values: dict[str, Any], where: str) -> tuple[list[dict], dict]:
    """(`[{name, kwargs, bound}]`, tool options) of a stage; raises `ValueError` naming the key. Built-in tools get
    the run values they need (e.g. `sandbox_urls`) unless given; `bound` lists the kwargs filled in that way."""
    if raw is None:
        if raw_options is not None:
            raise ValueError(f"{where}.tool_options: given, but the stage has no tools")
        return [], {}
    try:
        options = ToolOptions.from_dict(raw_options)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{where}.{e}" if str(e).startswith("tool_options") else f"{where}.tool_options: {e}") \
            from None
    if not isinstance(raw, list) or not raw:
        raise ValueError(f"{where}.tools: expected a non-empty list of tool names or 'module:function' paths, "
                         f"got {raw!r}")
    entries = []
    for i, item in enumerate(raw):
        try:
            name, kwargs = parse_entry(item, f"{where}.tools[{i}]")
        except ToolSpecError as e:
            raise ValueError(str(e)) from None
        bound = []
        for key, need in getattr(BUILTIN.get(name), "needs", {}).items():
            if key not in kwargs and run_values.get(need):
                kwargs[key], bound = run_values[need], [*bound, key]
        entries.append({"name": name, "kwargs": kwargs, "bound": bound})
    try:
        resolve([{"name": e["name"], "kwargs": e["kwargs"]} for e in entries], where=f"{where}.tools")
    except ToolSpecError as e:
        raise ValueError(str(e)) from None
    return entries, dataclasses.asdict(options)


def unbound_needs(entries: list[dict]) -> set[str]:
    """Run values the stage's built-in tools still need (e.g. `sandbox_urls`: an embedded server is started)."""
    out: set[str] = set()
    for e in entries:
        out |= {need for key, need in getattr(BUILTIN.get(e["name"]), "needs", {}).items() if key not in e["kwargs"]}
    return out


def bind(entries: list[dict], values: dict[str, Any]) -> list[dict]:
    """`entries` with the run values in `values` filled into the built-in tools that need them and lack them."""
    out = []
    for e in entries:
        kwargs, bound = dict(e["kwargs"]), list(e["bound"])
        for key, need in getattr(BUILTIN.get(e["name"]), "needs", {}).items():
            if key not in kwargs and values.get(need) is not None:
                kwargs[key], bound = values[need], [*bound, key]
        out.append({"name": e["name"], "kwargs": kwargs, "bound": bound})
    return out


def hash_payload(entries: list[dict], options: dict) -> dict[str, Any]:
    """What of a stage's tools determines its output (service addresses left out)."""
    return {"tools": [{"name": e["name"], "kwargs": {k: v for k, v in e["kwargs"].items() if k not in INFRA_KWARGS}}
                      for e in entries], "tool_options": options}
