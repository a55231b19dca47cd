"""HTTP server for a reward model on its own GPU: `python -m rewards.model.server --model PATH --port P`.

API:
- `GET /health` -> 200 `{"status": "ok", "model": ..., "device": ..., "max_length": ..., "batch_size": ...}`
- `POST /score` `{"prompts": [str | [{"role", "content"}, ...]], "responses": [str, ...]}` -> `{"scores": [float]}`
  (same order; thinking is stripped from responses, see `rewards.model.scorer`).
- Bad requests get a 4xx `{"status": "invalid_request", "error": "..."}`; the server keeps serving.

Pairs from concurrent requests are micro-batched: a single worker collects queued pairs (up to `--batch-size`,
waiting at most `--max-wait-ms` for more after the first) and scores them in one forward pass.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Sequence

from aiohttp import web

from rewards.model.scorer import Prompt, RewardModelScorer, resolve_device

logger = logging.getLogger(__name__)
MAX_REQUEST_BYTES = 256 * 1024 * 1024


class BadRequest(ValueError):
    pass


def parse_score_request(body: Any) -> tuple[list[Prompt], list[str]]:
    """Validate a /score body; raise BadRequest naming the problem."""
    if not isinstance(body, dict):
        raise BadRequest("body must be a JSON object with 'prompts' and 'responses'")
    unknown = set(body) - {"prompts", "responses"}
    if unknown:
        raise BadRequest(f"unknown key(s) {sorted(unknown)}; expected 'prompts' and 'responses'")
    prompts, responses = body.get("prompts"), body.get("responses")
    if not isinstance(prompts, list) or not isinstance(responses, list):
        raise BadRequest("'prompts' and 'responses' must both be lists")
    if len(prompts) != len(responses):
        raise BadRequest(f"{len(prompts)} prompts but {len(responses)} responses")
    for i, r in enumerate(responses):
        if not isinstance(r, str):
            raise BadRequest(f"responses[{i}] must be a string, got {type(r).__name__}")
    for i, p in enumerate(prompts):
        if isinstance(p, str):
            continue
        if not isinstance(p, list) or not p or not all(
                isinstance(m, dict) and isinstance(m.get("role"), str) and isinstance(m.get("content"), str)
                for m in p):
            raise BadRequest(f"prompts[{i}] must be a string or a non-empty list of {{'role': str, 'content': str}} "
                             "messages")
    return prompts, responses


class MicroBatcher:
    """Queues encoded pairs from concurrent requests and scores them together, one forward batch at a time.

    Pairs are encoded (chat template, truncation) per request before queueing, so a request the reward model's
    template rejects fails alone with a 400 instead of failing the batch it would have shared.
    """

    def __init__(self, scorer: RewardModelScorer, batch_size: int, max_wait_s: float) -> None:
        self.scorer, self.batch_size, self.max_wait_s = scorer, batch_size, max_wait_s
        self.queue: asyncio.Queue[tuple[list[int], asyncio.Future]] = asyncio.Queue()
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rm-score")
        self.encoder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rm-encode")
        self.task: asyncio.Task | None = None
        self.batches = 0

    def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)
        for pool in (self.executor, self.encoder):
            pool.shutdown(wait=False, cancel_futures=True)

    def _encode_all(self, prompts: Sequence[Prompt], responses: Sequence[str]) -> list[list[int]]:
        encoded = []
        for i, (p, r) in enumerate(zip(prompts, responses)):
            try:
                encoded.append(self.scorer.encode(p, r))
            except Exception as e:  # noqa: BLE001 - template errors come in many types (jinja2, ValueError, ...)
                raise BadRequest(f"pair {i}: the reward model's chat template failed: {type(e).__name__}: {e}") from e
        return encoded

    async def score(self, prompts: Sequence[Prompt], responses: Sequence[str]) -> list[float]:
        """Scores of one request's pairs; raises BadRequest when a pair cannot be encoded."""
        loop = asyncio.get_running_loop()
        encoded = await loop.run_in_executor(self.encoder, self._encode_all, prompts, responses)
        futures = [loop.create_future() for _ in encoded]
        for ids, f in zip(encoded, futures):
            self.queue.put_nowait((ids, f))
        return list(await asyncio.gather(*futures))

    async def _collect(self) -> list[tuple[list[int], asyncio.Future]]:
        items = [await self.queue.get()]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.max_wait_s
        while len(items) < self.batch_size:
            if not self.queue.empty():
                items.append(self.queue.get_nowait())
                continue
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            try:
                items.append(await asyncio.wait_for(self.queue.get(), remaining))
            except asyncio.TimeoutError:
                break
        return [it for it in items if not it[1].done()]  # drop pairs of requests that were cancelled

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            items = await self._collect()
            if not items:
                continue
            try:
                scores = await loop.run_in_executor(self.executor, self.scorer.score_encoded, [it[0] for it in items])
            except Exception as e:  # noqa: BLE001 - reported to every waiting request as a 500
                logger.exception("scoring failed")
                for _, future in items:
                    if not future.done():
                        future.set_exception(e)
                continue
            self.batches += 1
            for (_, future), value in zip(items, scores):
                if not future.done():
                    future.set_result(value)


def _bad(error: str, status: int = 400) -> web.Response:
    return web.json_response({"status": "invalid_request", "error": error}, status=status)


def build_app(scorer: RewardModelScorer, batch_size: int, max_wait_s: float = 0.005) -> web.Application:
    """The aiohttp application serving `scorer` (which should already be loaded)."""
    app = web.Application(client_max_size=MAX_REQUEST_BYTES)
    batcher = MicroBatcher(scorer, batch_size, max_wait_s)

    async def on_startup(_: web.Application) -> None:
        batcher.start()

    async def on_cleanup(_: web.Application) -> None:
        await batcher.stop()

    async def health(_: web.Request) -> web.Response:
        return web.json_response({
            "status": "ok", "model": scorer.model_name, "device": resolve_device(scorer.device),
            "max_length": scorer.max_length, "batch_size": batch_size, "batches": batcher.batches,
        })

    async def score(request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            return _bad(f"body is not valid JSON: {e}")
        try:
            scores = await batcher.score(*parse_score_request(body))
        except BadRequest as e:
            return _bad(str(e))
        except Exception as e:  # noqa: BLE001 - model failure: the request is fine, the server is not
            return web.json_response({"status": "internal_error", "error": f"{type(e).__name__}: {e}"}, status=500)
        return web.json_response({"scores": scores})

    app.on_startup.append(on_startup)
    app.on_cleanup.append(on_cleanup)
    app.router.add_get("/health", health)
    app.router.add_post("/score", score)
    return app


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m rewards.model.server", description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True, help="local path or hub id of a sequence-classification RM")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1", help="bind address (0.0.0.0 to serve other machines)")
    parser.add_argument("--batch-size", type=int, default=32, help="pairs per forward pass")
    parser.add_argument("--max-length", type=int, default=4096, help="tokens per pair (prompt cut from the left)")
    parser.add_argument("--dtype", default="auto", choices=["auto", "float32", "bfloat16", "float16"])
    parser.add_argument("--device", default="auto", help="'auto' (first GPU, else CPU), 'cpu', 'cuda:1', ...")
    parser.add_argument("--max-wait-ms", type=float, default=5.0, help="wait for more pairs after the first")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        scorer = RewardModelScorer(args.model, max_length=args.max_length, batch_size=args.batch_size,
                                   dtype=args.dtype, device=args.device)
    except (TypeError, ValueError) as e:
        parser.error(str(e))
    if args.max_wait_ms < 0:
        parser.error(f"--max-wait-ms must be >= 0, got {args.max_wait_ms}")
    scorer.load()  # fail before binding the port, and make /health mean "ready"
    web.run_app(build_app(scorer, args.batch_size, args.max_wait_ms / 1000), host=args.host, port=args.port,
                print=lambda msg: logger.info("%s", msg))


if __name__ == "__main__":
    main()
