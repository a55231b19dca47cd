"""One environment per rollout: how a stage's tools reach TRL's GRPOTrainer (`environment_factory=`).

TRL makes one instance per rollout (pooled, `reset(**row)` before each use) and exposes its public methods as the
tools, so per-completion state lives here: the `python` tool's cells, the call count (capped by
`ToolOptions.max_calls`), and a `ToolRecord` that rewards (`environments=` kwarg) and the trainer read: calls, failed
calls, calls that reported an error, and whether the tool's service was unavailable (`outage`: the rollout is then
excluded from training, never scored).

Every tool, built-in or user function, becomes an `async` method with the tool's name, signature and docstring
(what the model sees in the tools schema); the method checks the arguments before the tool runs, so a call with
missing, unknown or mistyped arguments fails with a clear `ToolCallError` instead of a Python `TypeError`.
"""

from __future__ import annotations

import asyncio
import inspect
import time
import typing
from dataclasses import dataclass
from typing import Any, ClassVar

from rl.tools.base import ToolCallError, ToolOptions, ToolText, ToolUnavailable, truncate
from rl.tools.registry import Tool

# A call the parser could not read (bad JSON, no name) reaches the tools under this name (see `rl.tools.parsing`),
# with the reason in the argument `MALFORMED_KEY`.
MALFORMED_NAME = "invalid_tool_call"
MALFORMED_KEY = "__reason__"
UNAVAILABLE_TEXT = "Error: the tool is unavailable right now (infrastructure failure)."
_SIMPLE_TYPES = {str: (str,), int: (int,), float: (int, float), bool: (bool,), list: (list,), dict: (dict,)}


@dataclass
class ToolRecord:
    """What one rollout's tool calls did."""

    calls: int = 0
    failures: int = 0        # malformed calls (bad JSON, unknown tool, wrong arguments, over the cap)
    errors: int = 0          # calls that ran and reported an error (a traceback, a timeout)
    ok: int = 0              # calls that ran without error
    outage: str | None = None  # why the tool's service was unavailable, if it was
    seconds: float = 0.0     # wall time spent in tool calls


def _type_error(name: str, value: Any, hint: Any) -> str | None:
    origin = typing.get_origin(hint) or hint
    allowed = _SIMPLE_TYPES.get(origin)
    if allowed is None:
        return None  # unions, literals, models: left to the tool
    if isinstance(value, bool) and bool not in allowed:
        return f"argument {name!r} must be {origin.__name__}, got a boolean"
    if not isinstance(value, allowed):
        return f"argument {name!r} must be {origin.__name__}, got {type(value).__name__}"
    return None


class ToolEnvironment:
    """Base of the per-stage environment classes built by `environment_class`."""

    _tools: ClassVar[dict[str, Tool]] = {}
    _options: ClassVar[ToolOptions] = ToolOptions()

    def __init__(self) -> None:
        self._sessions: dict[str, Any] = {}
        self.record = ToolRecord()

    def reset(self, **row: Any) -> None:
        """A fresh rollout: new sessions (no cells), a new record. Adds nothing to the prompt."""
        self._sessions = {name: t.builtin.session() for name, t in self._tools.items() if t.builtin is not None}
        self.record = ToolRecord()

    def _malformed(self, **arguments: Any) -> str:
        """Called (by `rl.tools.trainer`) for a tool call the parser could not read: counted, then raised."""
        self.record.calls += 1
        self.record.failures += 1
        raise ToolCallError(str(arguments.get(MALFORMED_KEY) or "the tool call could not be parsed"))

    def _check(self, tool: Tool, arguments: dict) -> None:
        if MALFORMED_KEY in arguments:
            raise ToolCallError(str(arguments[MALFORMED_KEY]))
        if self.record.calls > self._options.max_calls:
            raise ToolCallError(f"tool call limit reached: at most {self._options.max_calls} tool calls per answer; "
                                "continue without tools")
        sig = tool.signature
        takes = ", ".join(f"{p.name}" + ("" if p.default is p.empty else "=...") for p in sig.parameters.values())
        unknown = sorted(set(arguments) - set(sig.parameters))
        if unknown:
            raise ToolCallError(f"{tool.name}() got unknown argument(s) {', '.join(map(repr, unknown))}; it takes "
                                f"({takes})")
        try:
            sig.bind(**arguments)
        except TypeError as e:
            raise ToolCallError(f"{tool.name}(): {e}; it takes ({takes})") from None
        hints = typing.get_type_hints(tool.schema_func)
        for key, value in arguments.items():
            problem = _type_error(key, value, hints.get(key))
            if problem:
                raise ToolCallError(f"{tool.name}(): {problem}")

    async def _invoke(self, tool: Tool, arguments: dict) -> Any:
        if tool.builtin is not None:  # built-in tools bound their own time (the sandbox client's timeouts)
            return await getattr(self._sessions[tool.name], tool.name)(**arguments)
        timeout = self._options.timeout_s
        if inspect.iscoroutinefunction(tool.func):
            return await asyncio.wait_for(tool.func(**arguments), timeout)
        return await asyncio.wait_for(asyncio.to_thread(tool.func, **arguments), timeout)

    async def _call(self, name: str, arguments: dict) -> ToolText:
        tool, record = self._tools[name], self.record
        if not self._sessions and any(t.builtin is not None for t in self._tools.values()):
            self.reset()
        record.calls += 1
        start = time.monotonic()
        try:
            self._check(tool, arguments)
            result = await self._invoke(tool, arguments)
        except ToolUnavailable as e:
            record.outage = record.outage or str(e)
            return ToolText(UNAVAILABLE_TEXT, ok=False)
        except asyncio.TimeoutError:
            record.errors += 1
            return ToolText(f"Error: {name} did not answer within {self._options.timeout_s:g} s.", ok=False)
        except Exception:  # ToolCallError, or a user tool rejecting its arguments: TRL shows and counts it
            record.failures += 1
            raise
        finally:
            record.seconds += time.monotonic() - start
        ok = bool(getattr(result, "ok", True))
        record.ok += ok
        record.errors += not ok
        return ToolText(truncate(str(result), self._options.max_output_chars), ok=ok)


async def close_tools(env_cls: type[ToolEnvironment]) -> None:
    """Release what the built-in tools hold on the running event loop (HTTP sessions)."""
    for tool in env_cls._tools.values():
        if tool.builtin is not None:
            await tool.builtin.aclose()


def _method(tool: Tool):
    name = tool.name

    async def method(self: ToolEnvironment, **arguments: Any) -> ToolText:
        return await self._call(name, arguments)

    sig = tool.signature
    method.__name__ = method.__qualname__ = name
    method.__doc__ = tool.schema_func.__doc__
    method.__signature__ = sig.replace(parameters=[
        inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD), *sig.parameters.values()])
    method.__annotations__ = typing.get_type_hints(tool.schema_func)
    return method


def environment_class(tools: list[Tool], options: ToolOptions | None = None) -> type[ToolEnvironment]:
    """The environment class (TRL's `environment_factory`) whose methods are `tools`."""
    attrs: dict[str, Any] = {t.name: _method(t) for t in tools}
    attrs["_tools"] = {t.name: t for t in tools}
    attrs["_options"] = options or ToolOptions()
    return type("ToolEnvironment", (ToolEnvironment,), attrs)
