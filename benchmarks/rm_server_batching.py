"""Reward-model server: micro-batching vs one pair per forward pass, side by side in one run.

Serves the same model twice in this process (rewards.rm_server.build_app): once with `--batch-size B` and once
with batch size 1, then sends N concurrent one-pair requests (the worst case for a server without batching,
as many trainer ranks each send small requests) and reports pairs/s and the ratio.

    .venv/bin/python benchmarks/rm_server_batching.py [--model PATH] [--pairs 256] [--batch-size 32]

Without --model it builds the tiny local reward model from rl/smoke/tiny.py (CPU-friendly, no hub access).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from pathlib import Path

from aiohttp import web

from rewards.model.scorer import RewardModelScorer
from rewards.model.client import RMClient
from rewards.model.server import build_app


def pairs(n: int, seed: int = 0) -> tuple[list[list[dict[str, str]]], list[str]]:
    rng = random.Random(seed)
    words = "the answer is sum of two numbers write a function that returns value list string python code".split()
    prompts = [[{"role": "user", "content": " ".join(rng.choices(words, k=rng.randint(10, 60)))}] for _ in range(n)]
    answers = [" ".join(rng.choices(words, k=rng.randint(20, 120))) for _ in range(n)]
    return prompts, answers


async def throughput(scorer: RewardModelScorer, batch_size: int, prompts: list, answers: list[str]) -> float:
    runner = web.AppRunner(build_app(scorer, batch_size=batch_size, max_wait_s=0.002))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    client = RMClient(url, batch_size=1, max_concurrency=len(prompts))
    try:
        await client.score(prompts[:4], answers[:4])  # warm-up
        start = time.perf_counter()
        await asyncio.gather(*(client.score([p], [a]) for p, a in zip(prompts, answers)))
        return len(prompts) / (time.perf_counter() - start)
    finally:
        await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", help="reward model path or hub id (default: a tiny local one)")
    parser.add_argument("--pairs", type=int, default=256)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--device", default="auto")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        model = args.model
        if model is None:
            from rl.smoke.tiny import build_reward_model, build_tokenizer

            build_reward_model(Path(tmp) / "rm", build_tokenizer(Path(tmp) / "tok"))
            model = str(Path(tmp) / "rm")
        scorer = RewardModelScorer(model, batch_size=args.batch_size, device=args.device)
        scorer.load()
        prompts, answers = pairs(args.pairs)
        single = RewardModelScorer(model, batch_size=1, device=args.device)
        single.load()
        unbatched = asyncio.run(throughput(single, 1, prompts, answers))
        batched = asyncio.run(throughput(scorer, args.batch_size, prompts, answers))
    print(f"model={model} device={scorer._model.device} pairs={args.pairs} (concurrent one-pair requests)")
    print(f"batch size 1:  {unbatched:8.1f} pairs/s")
    print(f"batch size {args.batch_size}: {batched:8.1f} pairs/s")
    print(f"micro-batching speed-up: {batched / unbatched:.2f}x")


if __name__ == "__main__":
    main()
