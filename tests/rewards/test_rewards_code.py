"""`code_tests` against a real local sandbox server (sandbox.local), including the server dying mid-batch."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import pickle
import signal
from collections import defaultdict

import pytest

from rewards.code_extract import SUPPORTED_LANGUAGES
from rewards.code_reward import CodeTests, SandboxNotConfiguredError
from rewards.infra import InfrastructureError
from sandbox.client import SANDBOX_URL_ENV
from sandbox.local import start_local_server
from sandbox.protocol import LANGUAGES

ADD = json.dumps({"language": "python", "mode": "stdio",
                  "tests": [{"input": "1 2\n", "output": "3\n"}, {"input": "5 5\n", "output": "10\n"}]})
CALL = json.dumps({"language": "python", "mode": "call", "entry_point": "add",
                   "tests": [{"args": [1, 2], "expected": 3}, {"args": [2, 2], "expected": 4}]})
PY_ADD = "</think>\n```python\na, b = map(int, input().split())\nprint(a + b)\n```"
PY_FIRST_ONLY = "</think>\n```python\ninput()\nprint(3)\n```"  # passes the first test only
CPP_ADD = "</think>\n```cpp\n#include <iostream>\nint main(){long a,b;std::cin>>a>>b;std::cout<<a+b<<\"\\n\";}\n```"
CPP_BROKEN = "</think>\n```c++\nint main() { return }\n```"


class Metrics(defaultdict):
    def __init__(self):
        super().__init__(list)

    def __call__(self, name: str, value: float) -> None:
        self[name].append(value)


def score(reward: CodeTests, completions, tests, task=None, metrics=None):
    async def go():
        try:
            return await reward(completions=completions, tests=tests, task=task or ["code"] * len(completions),
                                log_metric=metrics)
        finally:
            if reward._client is not None:
                await reward.client().aclose()

    return asyncio.run(go())


@pytest.fixture(scope="module")
def server():
    with start_local_server(workers=2) as srv:
        yield srv


def test_extraction_languages_match_the_sandbox():
    assert SUPPORTED_LANGUAGES == frozenset(LANGUAGES)


def test_scoring_modes_and_languages(server):
    completions = [PY_ADD, PY_FIRST_ONLY, CPP_ADD, CPP_BROKEN, "</think>\nno code here", "```python\nprint(3)\n```"
                   "<think>unclosed", "```\nprint(3)\n```\n</think>\n```\nimport sys\nprint(sum(map(int, "
                   "sys.stdin.read().split())))\n```", PY_ADD.replace("</think>", "") + "\n</think>\nSee above."]
    tests = [ADD] * len(completions)
    metrics = Metrics()
    rate = score(CodeTests(urls=server.url, compile_error_score=-0.5), completions, tests, metrics=metrics)
    assert rate == [1.0, 0.5, 1.0, -0.5, 0.0, 0.0, 1.0, 0.0]  # code only inside the thinking is no submission
    assert metrics["rewards/code_tests/infra_failures"] == [0.0]
    assert metrics["rewards/code_tests/invalid_rows"] == [0.0]
    assert metrics["rewards/code_tests/no_code_frac"] == [pytest.approx(3 / 8)]
    assert metrics["rewards/code_tests/compile_error_frac"] == [pytest.approx(1 / 8)]
    strict = score(CodeTests(urls=server.url, scoring="all_pass"), completions, tests)
    assert strict == [1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0]


def test_call_mode_uses_only_blocks_in_the_rows_language(server):
    py = "</think>\n```python\ndef add(a, b):\n    return a + b\n```\n```cpp\nint add(int a, int b){return a+b;}\n```"
    wrong = "</think>\n```python\ndef add(a, b):\n    return a * b\n```"
    assert score(CodeTests(urls=server.url), [py, wrong], [CALL, CALL]) == [1.0, 0.5]


def test_other_tasks_get_none_and_never_reach_the_sandbox(monkeypatch):
    monkeypatch.delenv(SANDBOX_URL_ENV, raising=False)
    reward = CodeTests()  # no URL anywhere: fine, since no code row needs the sandbox
    assert score(reward, [PY_ADD, PY_ADD], [None, None], task=["math", "general"]) == [None, None]
    assert reward._client is None


def test_urls_come_from_binding_never_from_the_environment(server, monkeypatch):
    from rewards.config import RewardSpec, build_rewards
    from rewards.needs import bind

    monkeypatch.setenv(SANDBOX_URL_ENV, server.url)  # user input for rl.config, never read by the reward itself
    reward = CodeTests()  # constructed (config validated) before any server exists
    with pytest.raises(SandboxNotConfiguredError, match=f"urls.*{SANDBOX_URL_ENV}.*local server"):
        score(reward, [PY_ADD], [ADD])
    [spec] = bind([RewardSpec("code_tests")], {"sandbox_urls": [server.url]})
    assert spec.kwargs == {"urls": [server.url]} and spec.bound == ("urls",)
    (bound,), _ = build_rewards([spec])
    assert score(bound, [PY_ADD], [ADD]) == [1.0]
    # A URL the user gave the reward wins over the run's sandbox.
    [own] = bind([RewardSpec("code_tests", kwargs={"urls": "http://elsewhere:1"})], {"sandbox_urls": [server.url]})
    assert own.kwargs == {"urls": "http://elsewhere:1"} and own.bound == ()


def test_invalid_rows_are_none_counted_and_logged_as_data_problems(server, caplog):
    no_language = json.dumps({"mode": "stdio", "tests": [{"input": "", "output": "3"}]})
    no_tests = json.dumps({"language": "python", "mode": "stdio", "tests": []})
    metrics = Metrics()
    with caplog.at_level(logging.WARNING, logger="rewards.code_reward"):
        out = score(CodeTests(urls=server.url), ["</think>```\nprint(3)\n```"] * 5,
                    ["{not json", None, json.dumps([1]), no_language, no_tests], metrics=metrics)
    assert out == [None] * 5
    assert metrics["rewards/code_tests/invalid_rows"] == [5.0]
    assert metrics["rewards/code_tests/infra_failures"] == [0.0]  # a data problem is not an outage
    assert "5 code row(s)" in caplog.text and "dataset problem, not a wrong answer" in caplog.text


def test_reward_pickles_after_use(server):
    reward = CodeTests(urls=server.url, scoring="all_pass")
    assert score(reward, [PY_ADD], [ADD]) == [1.0]
    reward.client()  # a live client is not part of the pickled state
    clone = pickle.loads(pickle.dumps(reward))
    assert clone._client is None and clone.scoring == "all_pass" and clone.__name__ == "code_tests"
    assert score(clone, [PY_FIRST_ONLY], [ADD]) == [0.0]


def test_server_down_is_none_and_raises_above_the_threshold():
    with start_local_server(workers=1) as srv:
        url = srv.url
    metrics = Metrics()
    tolerant = CodeTests(urls=url, retries=1, max_failure_fraction=1.0)
    assert score(tolerant, [PY_ADD, "no code", PY_ADD], [ADD] * 3, metrics=metrics) == [None, 0.0, None]
    assert metrics["rewards/code_tests/infra_failures"] == [2.0]
    with pytest.raises(InfrastructureError, match=r"code_tests: 2/2 samples .*max_failure_fraction=0.5"):
        score(CodeTests(urls=url, retries=0), [PY_ADD, PY_ADD], [ADD] * 2)


@pytest.mark.timeout(120)
def test_server_crash_mid_batch_keeps_finished_rows():
    """Slow programs are in flight when the server is killed: they get None; fast ones, done before, keep scores."""
    slow_tests = json.dumps({"language": "python", "mode": "stdio", "limits": {"time_s": 30, "total_time_s": 60},
                             "tests": [{"input": "", "output": "3"}]})
    slow = "</think>\n```python\nimport time\ntime.sleep(25)\nprint(3)\n```"
    fast = "</think>\n```python\nprint(3)\n```"
    metrics = Metrics()

    async def go(srv):
        reward = CodeTests(urls=srv.url, retries=1, max_failure_fraction=0.5)
        call = asyncio.create_task(reward(completions=[slow, slow, fast, fast], tests=[slow_tests] * 4,
                                          task=["code"] * 4, log_metric=metrics))
        await asyncio.sleep(6.0)  # fast ones are done (generous for a loaded CI box); slow ones sleep 25 s
        assert not call.done()
        os.killpg(srv.process.pid, signal.SIGKILL)  # a crash, not a graceful shutdown
        try:
            return await asyncio.wait_for(call, 30)
        finally:
            await reward.client().aclose()

    with start_local_server(workers=4) as srv:
        out = asyncio.run(go(srv))
    assert out == [None, None, 1.0, 1.0]
    assert metrics["rewards/code_tests/infra_failures"] == [2.0]  # 2/4 = 0.5: at the threshold, not above it


@pytest.mark.parametrize("kwargs", [{"scoring": "partial"}, {"compile_error_score": 2}, {"http_timeout_s": 0},
                                    {"retries": -1}, {"retries": 1.5}, {"max_failure_fraction": -0.1},
                                    {"urls": "localhost:1"}, {"urls": []}])
def test_bad_kwargs_fail_at_construction(kwargs):
    with pytest.raises(ValueError):
        CodeTests(**kwargs)
