"""Tool rollout benchmark: the `python` tool's added latency per call, and a tool stage's step time against the same
stage without tools, side by side.

1. **Latency per call.** Rollouts of `--calls-per-rollout` calls each (so later calls replay earlier cells), through
   the per-rollout environment exactly as TRL calls it (argument checks, sandbox client, HTTP, `/execute`, isolated
   run, result rendering). Reports median and p99 over all calls, and by replay depth. Target: p99 < 50 ms.
2. **Step time.** TRL's GRPOTrainer on the tool smoke's cold start (`python -m rl.tools build-smoke`), the same rows,
   seed and settings, with `tools: [python]` and without; rounds alternate so machine load hits both alike. Reports
   the median seconds per step of each and their ratio, plus the share of a tool step spent inside tool calls (the
   rest of the overhead is generating the turns after each tool result, which is the point of tools).

    .venv/bin/python benchmarks/tool_rollout.py [--ckpt runs/smoke_tools_ckpt] [--rounds 3] [--steps 4]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def latency(url: str, rollouts: int, per_rollout: int) -> dict:
    from rl.tools.base import ToolOptions
    from rl.tools.environment import close_tools, environment_class
    from rl.tools.registry import resolve

    from sandbox.client import SandboxClient

    env_cls = environment_class(resolve(["python"], {"sandbox_urls": url}), ToolOptions(max_calls=per_rollout))
    by_depth: dict[int, list[float]] = {}
    raw: list[float] = []
    client = SandboxClient(url)

    async def go() -> None:
        env = env_cls()
        for r in range(rollouts + 1):
            env.reset()
            for k in range(per_rollout):
                code = f"x{k} = {k} * {r}\nprint(x{k} + 1)" if k % 2 else f"import math\nprint(math.sqrt({k + r}))"
                start = time.perf_counter()
                out = await env.python(code=code)
                took = time.perf_counter() - start
                assert out.ok, out
                # baseline, interleaved: the same code as one plain /run test (fresh code: no cache hit)
                start = time.perf_counter()
                await client.arun({"language": "python", "code": f"{code}\n# {r} {k}", "mode": "stdio",
                                   "tests": [{"input": "", "output": ""}]})
                if r:  # round 0 warms the client and the runners
                    by_depth.setdefault(k, []).append(took)
                    raw.append(time.perf_counter() - start)
        await close_tools(env_cls)
        await client.aclose()

    asyncio.run(go())
    every = sorted(t for ts in by_depth.values() for t in ts)
    q = lambda xs, p: xs[min(len(xs) - 1, int(p * len(xs)))]
    raw.sort()
    return {"calls": len(every), "median_ms": 1000 * statistics.median(every), "p99_ms": 1000 * q(every, 0.99),
            "plain_run_median_ms": 1000 * statistics.median(raw), "plain_run_p99_ms": 1000 * q(raw, 0.99),
            "median_ms_by_replayed_cells": {k: round(1000 * statistics.median(v), 1) for k, v in by_depth.items()}}


def step_times(ckpt: str, url: str, rounds: int, steps: int) -> dict:
    os.environ["TRL_EXPERIMENTAL_SILENCE"] = "1"
    import logging

    from datasets import Dataset
    from transformers import AutoTokenizer
    from transformers.utils import logging as hf_logging
    from trl import GRPOConfig

    from rl.trainer import PipelineGRPOTrainer
    from rl.tools.stage import tool_trainer

    hf_logging.set_verbosity_error()
    logging.getLogger("rl").setLevel(logging.WARNING)
    rows = [json.loads(line) for line in (ROOT / "rl" / "samples" / "math.jsonl").read_text().splitlines()]
    for row in rows:
        row["prompt"][-1]["content"] += " Please reason step by step, and put your final answer within \\boxed{}."
    data = Dataset.from_list([{"prompt": r["prompt"], "task": "math", "answer": r["answer"]} for r in rows])

    def reward(completions, **_):  # cheap and the same for both variants
        return [float("\\boxed" in str(c)) for c in completions]

    def one(tools: bool, seed: int) -> tuple[float, float, float]:
        args = GRPOConfig(output_dir=str(ROOT / "runs" / "bench_tools"), max_steps=steps, per_device_train_batch_size=8,
                          num_generations=4, max_completion_length=96, temperature=0.6, top_p=0.95, top_k=20,
                          report_to="none", use_cpu=True, logging_steps=1, save_strategy="no", seed=seed,
                          disable_tqdm=True)
        tokenizer = AutoTokenizer.from_pretrained(ckpt)
        cls, extra = PipelineGRPOTrainer, {}
        if tools:
            entries = [{"name": "python", "kwargs": {"sandbox_urls": [url]}, "bound": []}]
            cls, extra = tool_trainer(cls, entries, {"max_calls": 2, "max_output_chars": 500}, tokenizer, args,
                                      "bench")
        trainer = cls(model=ckpt, reward_funcs=[reward], args=args, train_dataset=data, processing_class=tokenizer,
                      **extra)
        start = time.perf_counter()
        trainer.train()
        seconds = (time.perf_counter() - start) / steps
        logs = trainer.state.log_history
        in_tools = sum(e.get("tools/seconds", 0.0) for e in logs) / steps
        calls = statistics.mean(e["tools/call_frequency"] for e in logs if "tools/call_frequency" in e) if tools \
            else 0.0
        trainer.close_rewards()
        return seconds, in_tools, calls

    plain, tool, in_tools, calls = [], [], [], []
    for r in range(rounds):
        for use in ((False, True) if r % 2 == 0 else (True, False)):
            s, t, c = one(use, seed=r)
            (tool if use else plain).append(s)
            if use:
                in_tools.append(t)
                calls.append(c)
    return {"rounds": rounds, "steps_per_round": steps, "plain_s_per_step": statistics.median(plain),
            "tools_s_per_step": statistics.median(tool), "ratio": statistics.median(tool) / statistics.median(plain),
            "tool_call_s_per_step": statistics.median(in_tools), "calls_per_completion": statistics.median(calls),
            "all_plain": [round(x, 2) for x in plain], "all_tools": [round(x, 2) for x in tool]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ckpt", default="runs/smoke_tools_ckpt", help="built by `python -m rl.tools build-smoke`")
    parser.add_argument("--rollouts", type=int, default=40)
    parser.add_argument("--calls-per-rollout", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--skip-steps", action="store_true", help="latency only")
    args = parser.parse_args()
    from sandbox.local import start_local_server

    print(f"load average before: {os.getloadavg()}", flush=True)
    with start_local_server(workers=2) as server:
        result = {"latency": latency(server.url, args.rollouts, args.calls_per_rollout)}
        print(json.dumps(result, indent=1), flush=True)
        if not args.skip_steps:
            from rl.tools.smoke import build_tool_cold_start

            ckpt = build_tool_cold_start(args.ckpt) / "cold_start"
            result["step_time"] = step_times(str(ckpt), server.url, args.rounds, args.steps)
    result["load_average_after"] = os.getloadavg()
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
