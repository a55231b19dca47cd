"""`python -m rl.tools run NAME`: run one tool on JSON lines, for debugging and checks (shared design, section 3).

Each input line is `{"arguments": {...}}`, the arguments as a model's tool call gives them; each output line is
`{"result": str}`, exactly the text the model would see (an error text for a malformed call), in the same order.
Arguments that are not an object get the error text a model's call would get. A line that is not a JSON object
with `arguments` gets `{"error": "..."}` and processing continues. Every line is a fresh rollout,
unless `--session` keeps one rollout's state (the `python` tool's variables, the call cap) across the lines.
NAME is a built-in tool (`python`) or a `module:function` path. The `python` tool uses `--sandbox-url`, else
`$SANDBOX_URL`, else a sandbox server started for the run.

`python -m rl.tools build-smoke OUT [--steps N] [--force]` builds the tool smoke's tiny cold start (`rl.tools.smoke`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
from typing import Any, TextIO

from rl.tools.base import ToolOptions, failure_text
from rl.tools.environment import MALFORMED_NAME, close_tools, environment_class
from rl.tools.parsing import parse_call
from rl.tools.registry import ToolSpecError, needs, resolve


async def run_lines(env_cls: type, name: str, lines: TextIO, out: TextIO, session: bool) -> None:
    env = env_cls()
    env.reset()
    for line in lines:
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            if not isinstance(item, dict) or "arguments" not in item:
                raise ValueError('each line must be a JSON object {"arguments": {...}}')
        except ValueError as e:
            out.write(json.dumps({"error": str(e)}) + "\n")
            out.flush()
            continue
        if not session:
            env.reset()
        call = parse_call(json.dumps({"name": name, "arguments": item["arguments"]}))["function"]
        try:  # arguments that are not an object read as the model's malformed call would
            if call["name"] == MALFORMED_NAME:
                env._malformed(**call["arguments"])
            result: Any = str(await getattr(env, name)(**call["arguments"]))
        except Exception as e:  # what TRL shows the model for a call that raised
            result = failure_text(e)
        out.write(json.dumps({"result": result}, ensure_ascii=False) + "\n")
        out.flush()
    await close_tools(env_cls)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rl.tools", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run one tool on JSON lines from stdin")
    run.add_argument("name", help="a built-in tool (python) or a module:function path")
    run.add_argument("--session", action="store_true", help="keep one rollout's state across the lines")
    run.add_argument("--sandbox-url", default=None, help="sandbox server(s), comma-separated")
    run.add_argument("--max-output-chars", type=int, default=ToolOptions.max_output_chars)
    run.add_argument("--max-calls", type=int, default=ToolOptions.max_calls)
    build = sub.add_parser("build-smoke", help="build the tiny cold start of configs/pipeline/smoke_tools_cpu.yaml")
    build.add_argument("out_dir", help="e.g. runs/smoke_tools_ckpt (cold_start/ is written there)")
    build.add_argument("--steps", type=int, default=80, help="SFT steps on synthetic python-call traces")
    build.add_argument("--seed", type=int, default=0)
    build.add_argument("--force", action="store_true", help="rebuild even if already built")
    args = parser.parse_args(argv)
    if args.command == "build-smoke":
        from rl.tools.smoke import build_tool_cold_start

        build_tool_cold_start(args.out_dir, steps=args.steps, seed=args.seed, force=args.force)
        return 0
    with contextlib.ExitStack() as stack:
        run_values: dict[str, Any] = {}
        try:
            if "sandbox_urls" in needs([args.name]):
                urls = args.sandbox_url or os.environ.get("SANDBOX_URL")
                if not urls:
                    from sandbox.local import start_local_server

                    urls = stack.enter_context(start_local_server()).url
                run_values["sandbox_urls"] = urls
            tools = resolve([args.name], run_values)
            options = ToolOptions(max_calls=args.max_calls, max_output_chars=args.max_output_chars)
        except (ToolSpecError, ValueError) as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        asyncio.run(run_lines(environment_class(tools, options), tools[0].name, sys.stdin, sys.stdout, args.session))
    return 0


if __name__ == "__main__":
    sys.exit(main())
