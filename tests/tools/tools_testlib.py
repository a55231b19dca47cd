"""Helpers shared by the tool tests (a uniquely named module; never import conftest by name)."""
from __future__ import annotations

import asyncio
from pathlib import Path

from rl.tools.base import ToolOptions, failure_text
from rl.tools.environment import environment_class
from rl.tools.registry import resolve

CANARY = "rlvr-tool-canary-51c7e0"  # in the sandbox server's environment; must never reach the model


def python_env(url: str, options: ToolOptions | None = None, **kwargs):
    """A fresh rollout environment with the `python` tool on the sandbox at `url`."""
    tools = resolve([{"name": "python", "kwargs": {"sandbox_urls": [url], **kwargs}}])
    env = environment_class(tools, options)()
    env.reset()
    return env


def call(env, name: str = "python", **arguments) -> str:
    """One tool call as TRL makes it: the result text, or the error text TRL shows when the call raises."""
    async def go():
        try:
            return str(await getattr(env, name)(**arguments))
        except Exception as e:
            return failure_text(e)
        finally:
            for tool in env._tools.values():
                if tool.builtin is not None:
                    await tool.builtin.aclose()
    return asyncio.run(go())


def processes_with(marker: str) -> list[int]:
    """Pids of live processes whose command line contains `marker`."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    out.append(int(entry.name))
            except OSError:
                pass
    return out
