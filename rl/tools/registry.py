"""Tools by name: the built-in `python` tool, and user tools given as `module:function` paths.

A user tool is a plain Python function, as TRL expects: every parameter type-hinted, a Google-style docstring with a
description and an `Args:` entry per parameter (`transformers.utils.get_json_schema` turns them into the JSON schema
the model sees). It may be `async`. It returns a string (anything else is shown as `str(value)`); it raises
`ToolCallError` for arguments it rejects and `ToolUnavailable` when a service it needs is down.

`resolve(entries)` turns a stage's `tools:` list into `Tool`s, checking everything before any model loads: unknown
names (with a suggestion), paths that do not import, functions without hints or docstrings, bad kwargs, duplicates.
"""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass, field
from typing import Any, Callable

from rewards.base import did_you_mean
from rl.tools.python_tool import PythonTool

# name -> the class of a built-in tool: `cls(**kwargs)` is shared by a process, `.session()` is one rollout's state,
# whose method named like the tool is what the model calls. `cls.needs` maps kwargs to run values (rewards.needs).
BUILTIN: dict[str, type] = {"python": PythonTool}
RESERVED = ("reset", "get_reward")


class ToolSpecError(ValueError):
    """A stage's tool entry cannot be used; the message names the entry and what is wrong."""


@dataclass
class Tool:
    """One resolved tool of a stage: its schema function (name, signature, docstring) and how to call it."""

    name: str
    schema_func: Callable            # documented function (or bound method) the JSON schema comes from
    builtin: Any | None = None       # the built-in tool's shared object (per-rollout state via .session())
    func: Callable | None = None     # a user tool
    kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def signature(self) -> inspect.Signature:
        return inspect.signature(self.schema_func)

    @property
    def schema(self) -> dict:
        from transformers.utils import get_json_schema

        return get_json_schema(self.schema_func)


def schema_errors(func: Callable, where: str) -> None:
    """Raise `ToolSpecError` unless TRL can turn `func` into a tool schema (hints, docstring, plain parameters)."""
    from transformers.utils import get_json_schema

    if not callable(func) or not hasattr(func, "__name__"):
        raise ToolSpecError(f"{where}: {func!r} is not a function")
    for p in inspect.signature(func).parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD, p.POSITIONAL_ONLY):
            raise ToolSpecError(f"{where}: parameter {p.name!r} of {func.__name__} must be a plain named parameter "
                                "(no *args, **kwargs or positional-only): the model passes arguments by name")
    try:
        get_json_schema(func)
    except Exception as e:  # TypeHintParsingException, DocstringParsingException
        raise ToolSpecError(f"{where}: {func.__name__} cannot be a tool: {e}. A tool needs a type hint on every "
                            "parameter and a docstring with a description and an 'Args:' line per parameter") from None


def _user_tool(path: str, where: str) -> Callable:
    module_name, _, attr = path.partition(":")
    if not module_name or not attr:
        raise ToolSpecError(f"{where}: {path!r} is not 'module:function'")
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise ToolSpecError(f"{where}: cannot import module {module_name!r} ({e})") from None
    func = getattr(module, attr, None)
    if func is None:
        names = [n for n, v in vars(module).items() if inspect.isfunction(v) and not n.startswith("_")]
        raise ToolSpecError(f"{where}: module {module_name!r} has no function {attr!r}{did_you_mean(attr, names)}")
    if not (inspect.isfunction(func) or inspect.iscoroutinefunction(func)):
        raise ToolSpecError(f"{where}: {path!r} is a {type(func).__name__}, not a function")
    return func


def parse_entry(raw: Any, where: str) -> tuple[str, dict]:
    if isinstance(raw, str):
        return raw, {}
    if isinstance(raw, dict) and isinstance(raw.get("name"), str) and set(raw) <= {"name", "kwargs"}:
        kwargs = raw.get("kwargs") or {}
        if not isinstance(kwargs, dict):
            raise ToolSpecError(f"{where}.kwargs must be a mapping, got {kwargs!r}")
        return raw["name"], dict(kwargs)
    raise ToolSpecError(f"{where} must be a tool name, a 'module:function' path, or {{name, kwargs}}; got {raw!r}")


def resolve_one(raw: Any, where: str = "tools[0]", run_values: dict[str, Any] | None = None) -> Tool:
    """One `tools:` entry as a `Tool`; `run_values` fill the kwargs a built-in tool needs (e.g. `sandbox_urls`)."""
    name, kwargs = parse_entry(raw, where)
    if ":" in name:
        func = _user_tool(name, where)
        if kwargs:
            raise ToolSpecError(f"{where}: a function tool takes no kwargs, got {sorted(kwargs)}")
        schema_errors(func, where)
        tool = Tool(func.__name__, func, func=func)
    elif name in BUILTIN:
        cls = BUILTIN[name]
        for key, need in cls.needs.items():
            if key not in kwargs and (run_values or {}).get(need) is not None:
                kwargs[key] = run_values[need]
        try:
            shared = cls(**kwargs)
        except (TypeError, ValueError) as e:
            raise ToolSpecError(f"{where} ({name}): {e}") from None
        tool = Tool(name, getattr(shared.session(), name), builtin=shared, kwargs=kwargs)
    else:
        raise ToolSpecError(f"{where}: unknown tool {name!r}{did_you_mean(name, BUILTIN)} (built-in tools: "
                            f"{', '.join(sorted(BUILTIN))}; a user tool is a 'module:function' path)")
    if not tool.name.isidentifier() or tool.name.startswith("_") or tool.name in RESERVED:
        raise ToolSpecError(f"{where}: {tool.name!r} cannot be a tool name (reserved or not an identifier)")
    return tool


def resolve(entries: Any, run_values: dict[str, Any] | None = None, where: str = "tools") -> list[Tool]:
    """A stage's `tools:` list as `Tool`s (see module docstring); `ToolSpecError` names the bad entry."""
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise ToolSpecError(f"{where} must be a list of tool names or 'module:function' paths, got {entries!r}")
    tools = [resolve_one(raw, f"{where}[{i}]", run_values) for i, raw in enumerate(entries)]
    seen: set[str] = set()
    for i, tool in enumerate(tools):
        if tool.name in seen:
            raise ToolSpecError(f"{where}[{i}]: a second tool named {tool.name!r} (tool names must be unique)")
        seen.add(tool.name)
    return tools


def needs(entries: Any) -> set[str]:
    """Run values (e.g. `sandbox_urls`) the built-in tools among `entries` need and were not given."""
    out: set[str] = set()
    for i, raw in enumerate(entries or []):
        name, kwargs = parse_entry(raw, f"tools[{i}]")
        cls = BUILTIN.get(name)
        if cls is not None:
            out |= {need for key, need in cls.needs.items() if key not in kwargs}
    return out
