"""The `python` tool: the model's code runs in the project's sandbox, with state kept across one completion's calls.

State is kept by replay: each call sends the completion's earlier cells that ran without error as `setup_cells`
to the sandbox's `POST /execute` (their output discarded), then the new cell. Nothing lives between calls on the
server, so a rollout holds no process, and every call has the isolation and limits of a code reward's run (no
network, read-only filesystem, rlimits, its own PID namespace). A cell whose replay fails later (it read the clock
or a random number) is reported to the model, never hidden.

What the model sees: stdout, then stderr, cut to `max_output_chars`; a traceback for an exception; one short line
for a timeout, the memory limit or an output flood. A sandbox outage raises `ToolUnavailable`: the rollout is then
excluded from training (`rl.tools.trainer`), never scored on it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Sequence

from rl.tools.base import ToolCallError, ToolText, ToolUnavailable
from sandbox.client import SandboxClient, SandboxUnavailable, parse_urls


@dataclass(frozen=True)
class PythonToolConfig:
    """kwargs of the `python` tool (a stage's `tools: [{name: python, kwargs: {...}}]`)."""

    sandbox_urls: list[str] = field(default_factory=list)  # bound from the run's sandbox when not given
    time_s: float = 5.0              # wall-clock cap of one call, replay included
    memory_mb: int = 512
    output_bytes: int = 65536        # a cell printing more is stopped (the model sees the head and a note)
    retries: int = 2                 # sandbox client retries before the call counts as an outage

    def __post_init__(self) -> None:
        if self.sandbox_urls:
            object.__setattr__(self, "sandbox_urls", parse_urls(self.sandbox_urls))
        checks = (("time_s", 0.05, 60.0), ("memory_mb", 32, 8192), ("output_bytes", 1, 16 << 20), ("retries", 0, 10))
        for key, lo, hi in checks:
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
                raise ValueError(f"python tool: {key} must be a number in [{lo}, {hi}], got {value!r}")
        for key in ("memory_mb", "output_bytes", "retries"):
            if not isinstance(getattr(self, key), int):
                raise ValueError(f"python tool: {key} must be an integer, got {getattr(self, key)!r}")

    @property
    def limits(self) -> dict[str, Any]:
        return {"time_s": self.time_s, "memory_mb": self.memory_mb, "output_bytes": self.output_bytes,
                "total_time_s": self.time_s + 1.0}


class PythonTool:
    """The tool's shared part (config and sandbox client, one per process); `session()` gives one rollout's state."""

    name = "python"
    needs = {"sandbox_urls": "sandbox_urls"}

    def __init__(self, **kwargs: Any):
        self.config = PythonToolConfig(**kwargs)
        self._client: SandboxClient | None = None

    def __getstate__(self) -> dict:
        return {"config": self.config, "_client": None}

    @property
    def client(self) -> SandboxClient:
        if not self.config.sandbox_urls:
            raise ToolUnavailable("python tool: no sandbox server configured")
        if self._client is None:
            self._client = SandboxClient(self.config.sandbox_urls, timeout_s=self.config.time_s + 15.0,
                                         retries=self.config.retries)
        return self._client

    def session(self) -> "PythonSession":
        return PythonSession(self)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()


def render(response: dict, config: PythonToolConfig) -> tuple[str, bool]:
    """(the text the model sees, whether the cell ran without error) for one /execute response."""
    out, err, status = response.get("stdout") or "", response.get("stderr") or "", response.get("status")
    text = out + (("\n" if out and not out.endswith("\n") else "") + err if err else "")
    if status == "ok":
        return (text or "(no output)"), True
    notes = {
        "timeout": f"TimeoutError: the code ran longer than the {config.time_s:g} s limit and was stopped.",
        "output_limit": f"OutputLimitError: the code printed more than {config.output_bytes} bytes and was stopped.",
        "memory_limit": f"MemoryError: the code used more than the {config.memory_mb} MB memory limit.",
        "setup_error": (f"StateError: re-running an earlier cell (cell {int(response.get('failed_cell') or 0) + 1}) "
                        "failed, so the state of this conversation could not be restored; this cell did not run. "
                        "Define what you need again in one cell."),
    }
    note = notes.get(status)
    if note is None and status == "error" and not err:
        note = f"Error: the code exited with status {response.get('exit_code')}."
    return (text + ("\n" if text and not text.endswith("\n") else "") + note if note else text), False


class PythonSession:
    """One completion's Python state: the cells that ran without error, replayed before each new cell."""

    def __init__(self, tool: PythonTool):
        self.tool = tool
        self.cells: list[str] = []
        self._lock: asyncio.Lock | None = None  # parallel calls of one turn run in order

    async def python(self, code: str) -> str:
        """Run Python 3 code in a sandbox and return what it printed (stdout, then stderr).

        Variables, functions and imports persist across calls in this conversation. As in a notebook, the value of
        the last expression is shown. There is no network access, and each call has a time and memory limit.

        Args:
            code: The Python code to run.
        """
        if not isinstance(code, str):
            raise ToolCallError(f"python: 'code' must be a string, got {type(code).__name__}")
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            return await self._run(code)

    async def _run(self, code: str) -> str:
        config = self.tool.config
        setup: Sequence[str] = self.cells  # at most tool_options.max_calls - 1 (<= 255): /execute takes 256
        try:
            response = await self.tool.client.aexecute(code, setup, config.limits)
        except SandboxUnavailable as e:
            raise ToolUnavailable(str(e)) from None
        status = response.get("status")
        if status == "invalid_request":
            raise ToolCallError(f"python: {response.get('error', 'invalid code')}")
        if status not in ("ok", "error", "timeout", "output_limit", "memory_limit", "setup_error"):
            raise ToolUnavailable(f"sandbox answered {status!r}: {response.get('error', '')}")
        text, ok = render(response, config)
        if ok:
            self.cells.append(code)
        return ToolText(text, ok=ok)
