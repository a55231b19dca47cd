"""`python -m rewards.model.server` as a subprocess, the async client, and the reward's remote path (incl. outages)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from aiohttp import web

from rewards import infra
from rewards.model.scorer import RewardModelScorer
from rewards.model.client import RMClient, RMRequestError
from rewards.model.reward import RewardModelReward
from rewards.model.server import build_app

ROOT = Path(__file__).resolve().parents[2]
P1 = [{"role": "user", "content": "Write a title for a paragraph about python code."}]
P2 = "What is 12 + 30?"
ANSWERS = ["a title about code", "Python Code Title", "the answer is a long title about lists", "x"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(url: str, body: bytes | None = None) -> tuple[int, dict[str, Any]]:
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


@contextlib.contextmanager
def rm_server(model: Path, *extra: str) -> Iterator[tuple[str, subprocess.Popen]]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "rewards.model.server", "--model", str(model), "--port", str(port), "--device", "cpu",
         "--dtype", "float32", *extra],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"rm_server exited: {proc.stderr.read().decode()[-2000:]}")
            with contextlib.suppress(OSError):
                if http(f"{url}/health")[0] == 200:
                    break
            if time.monotonic() > deadline:
                raise TimeoutError("rm_server did not become healthy in 90 s")
            time.sleep(0.2)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def server(tiny_rm) -> Iterator[str]:
    with rm_server(tiny_rm, "--batch-size", "16", "--max-wait-ms", "300") as (url, _):
        yield url


@pytest.fixture(scope="module")
def local_scores(tiny_rm) -> list[float]:
    return RewardModelScorer(str(tiny_rm), device="cpu", dtype="float32").score([P1, P1, P2, P2], ANSWERS)


def test_health_and_score_match_local_scoring(server, tiny_rm, local_scores):
    status, health = http(f"{server}/health")
    assert status == 200 and health["status"] == "ok" and health["model"] == str(tiny_rm)
    body = json.dumps({"prompts": [P1, P1, P2, P2], "responses": ANSWERS}).encode()
    status, out = http(f"{server}/score", body)
    assert status == 200 and out["scores"] == pytest.approx(local_scores, abs=1e-5)
    # thinking is stripped server-side too
    body = json.dumps({"prompts": [P1], "responses": ["hmm\n</think>\n\n" + ANSWERS[0]]}).encode()
    assert http(f"{server}/score", body)[1]["scores"] == pytest.approx(local_scores[:1], abs=1e-5)


def test_concurrent_requests_are_micro_batched(server, local_scores):
    before = http(f"{server}/health")[1]["batches"]

    async def go() -> list[list[float]]:
        client = RMClient(server, batch_size=1, max_concurrency=8)
        return await asyncio.gather(*(client.score([p], [a]) for p, a in zip([P1, P1, P2, P2] * 2, ANSWERS * 2)))

    results = asyncio.run(go())
    assert [r[0] for r in results] == pytest.approx(local_scores * 2, abs=1e-5)
    batches = http(f"{server}/health")[1]["batches"] - before
    assert 1 <= batches < 8  # eight one-pair requests shared forward passes


@pytest.mark.parametrize("body, message", [
    (b"{not json", "not valid JSON"),
    (b"[1, 2]", "JSON object"),
    (json.dumps({"prompts": ["a"]}).encode(), "must both be lists"),
    (json.dumps({"prompts": ["a", "b"], "responses": ["x"]}).encode(), "2 prompts but 1 responses"),
    (json.dumps({"prompts": ["a"], "responses": [3]}).encode(), r"responses\[0\]"),
    (json.dumps({"prompts": [[{"role": "user"}]], "responses": ["x"]}).encode(), r"prompts\[0\]"),
    (json.dumps({"prompts": [], "responses": [], "extra": 1}).encode(), "unknown key"),
    (json.dumps({"prompts": ["ok", [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "",
                 "tool_calls": [{"function": {"name": 5, "arguments": {}}}]}]], "responses": ["x", "y"]}).encode(),
     "pair 1: the reward model's chat template failed"),
])
def test_bad_requests_get_4xx_and_the_server_keeps_serving(server, body, message):
    status, out = http(f"{server}/score", body)
    assert (status, out["status"]) == (400, "invalid_request")
    assert re.search(message, out["error"], re.IGNORECASE), out["error"]
    assert http(f"{server}/health")[0] == 200


def test_client_raises_request_error_on_4xx_without_retrying(server):
    with pytest.raises(RMRequestError, match="400"):
        asyncio.run(RMClient(server, max_retries=3, backoff_s=5.0).score([123], ["x"]))


def test_remote_reward_matches_local_reward(server, tiny_rm):
    prompts = [P1, P1, P2, P2]
    completions = [f"thinking...\n</think>\n\n{a}" for a in ANSWERS]
    kwargs: dict[str, Any] = {"normalize": "group_zscore", "clip": 1.5}
    columns = {"task": ["general"] * 4}
    remote = asyncio.run(RewardModelReward(url=server, batch_size=3, **kwargs)(
        prompts=prompts, completions=completions, **columns))
    local = asyncio.run(RewardModelReward(model=str(tiny_rm), device="cpu", **kwargs)(
        prompts=prompts, completions=completions, **columns))
    assert remote == pytest.approx(local, abs=1e-4)


@contextlib.contextmanager
def inprocess_server(scorer: RewardModelScorer) -> Iterator[tuple[str, Callable[[], None]]]:
    """`rewards.model.server`'s app served from a background thread; yields (url, stop) where stop() takes it down."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    runner = web.AppRunner(build_app(scorer, batch_size=8))
    port = free_port()

    async def start() -> None:
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()

    def stop() -> None:
        if not loop.is_closed() and loop.is_running():
            asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=10)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=10)

    asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=10)
    try:
        yield f"http://127.0.0.1:{port}", stop
    finally:
        stop()


def test_server_that_goes_down_gives_none_counted_then_threshold_error(tiny_rm):
    prompts, completions = [P1] * 3, [f"ok\n</think>\n{a}" for a in ANSWERS[:3]]
    columns = {"task": ["general"] * 3}
    scorer = RewardModelScorer(str(tiny_rm), device="cpu")
    with inprocess_server(scorer) as (url, stop):
        reward = RewardModelReward(url=url, retries=1, backoff_s=0.05, http_timeout_s=5, max_failure_fraction=1.0)
        up = asyncio.run(reward(prompts=prompts, completions=completions, **columns))
        assert up == pytest.approx(scorer.score(prompts, ANSWERS[:3]), abs=1e-5)
        stop()
        failures_before = infra.FAILURES["reward_model"]
        metrics: dict[str, float] = {}
        down = asyncio.run(reward(prompts=prompts, completions=completions, log_metric=metrics.__setitem__,
                                  **columns))
        assert down == [None, None, None]  # never 0
        assert infra.FAILURES["reward_model"] - failures_before == 3
        assert metrics["rewards/reward_model/infra_failures"] == 3.0
        strict = RewardModelReward(url=url, retries=0, max_failure_fraction=0.5)
        with pytest.raises(infra.InfrastructureError, match="reward_model: 3/3"):
            asyncio.run(strict(prompts=prompts, completions=completions, **columns))
