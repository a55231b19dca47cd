"""The `math_accuracy` TRL reward: routing, scores, infrastructure failures, kwargs validation, pickling."""

import asyncio
import pickle
from concurrent.futures import ThreadPoolExecutor

import pytest

from rewards import registry
from rewards.infra import InfrastructureError
from rewards.math import verifier
from rewards.math.pool import VerifierPool
from rewards.math_reward import MathAccuracy


def run(reward, **kwargs):
    return asyncio.run(reward(**kwargs))


def conv(text):
    return [{"role": "assistant", "content": text}]


def test_scores_routes_and_accepts_conversational_completions():
    reward = registry.create("math_accuracy", verify_timeout_s=15.0)
    metrics = []
    out = run(reward,
              prompts=[[{"role": "user", "content": "q"}]] * 4,
              completions=[conv("..</think>\\boxed{\\frac12}"), conv("..</think>\\boxed{3}"),
                           conv("print(1)"), conv("<think>never closed \\boxed{2}")],
              answer=["0.5", "4", None, "2"], task=["math", "math", "code", "math"],
              log_metric=lambda name, value: metrics.append((name, value)))
    assert out == [1.0, 0.0, None, 0.0]
    assert metrics == [("rewards/math_accuracy/verify_timeouts", 0.0), ("rewards/math_accuracy/infra_failures", 0.0)]
    assert reward.__name__ == "math_accuracy"


def test_timeout_is_a_wrong_answer_with_its_own_metric():
    """A pathological answer scores 0 (never None), so a policy that emits them is penalised and can't stop the
    run through max_failure_fraction."""
    reward = MathAccuracy(verify_timeout_s=0.5, max_failure_fraction=0.0)
    metrics = []
    completions = ["</think>\\boxed{\\int_0^1 x^{x^{x^{x}}} dx}", "</think>\\boxed{1}", "</think>\\boxed{2}"]
    out = run(reward, completions=completions, answer=["1", "1", "1"], task=["math"] * 3,
              log_metric=lambda name, value: metrics.append((name, value)))
    assert out == [0.0, 1.0, 0.0]
    assert metrics == [("rewards/math_accuracy/verify_timeouts", 1.0), ("rewards/math_accuracy/infra_failures", 0.0)]


def test_dead_pool_is_an_infrastructure_failure(monkeypatch):
    """No worker can run (the pool is closed): None, counted, and fatal past max_failure_fraction."""
    dead = VerifierPool(size=1)
    dead.close()
    executor = ThreadPoolExecutor(max_workers=1)
    monkeypatch.setattr(verifier, "get_pool", lambda: (dead, executor))
    verifier.CACHE.clear()
    metrics = []
    completions = ["</think>\\boxed{\\sqrt{16}}", "</think>\\boxed{4}"]  # the first needs a worker
    out = run(MathAccuracy(max_failure_fraction=0.5), completions=completions, answer=["4", "4"],
              task=["math", "math"], log_metric=lambda name, value: metrics.append((name, value)))
    assert out == [None, 1.0]
    assert ("rewards/math_accuracy/infra_failures", 1.0) in metrics
    with pytest.raises(InfrastructureError):
        run(MathAccuracy(max_failure_fraction=0.2), completions=completions, answer=["4", "4"], task=["math"] * 2)
    executor.shutdown()


def test_runs_concurrently_with_other_coroutines():
    reward = MathAccuracy(verify_timeout_s=1.0, max_failure_fraction=1.0)
    ticks = []

    async def ticker():
        for _ in range(5):
            ticks.append(1)
            await asyncio.sleep(0.05)

    async def both():
        return await asyncio.gather(reward(completions=["</think>\\boxed{\\int_0^1 x^{x^{x^{x}}} dx}"], answer=["1"],
                                           task=["math"]), ticker())

    out, _ = asyncio.run(both())
    assert out == [0.0] and len(ticks) == 5


def test_missing_gold_is_a_clear_error():
    with pytest.raises(ValueError, match="answer"):
        run(MathAccuracy(), completions=["\\boxed{1}"], task=["math"])
    assert run(MathAccuracy(), completions=["x"], task=["general"]) == [None]


@pytest.mark.parametrize("kwargs", [{"verify_timeout_s": 0}, {"verify_timeout_s": "2"}, {"max_failure_fraction": 1.5},
                                    {"verify_timeout_s": float("nan")}, {"bogus": 1}])
def test_bad_kwargs_rejected(kwargs):
    with pytest.raises((ValueError, TypeError)):
        MathAccuracy(**kwargs)


def test_picklable_after_use():
    reward = MathAccuracy(verify_timeout_s=3.0)
    assert run(reward, completions=["</think>\\boxed{2}"], answer=["2"], task=["math"]) == [1.0]
    clone = pickle.loads(pickle.dumps(reward))
    assert (clone.verify_timeout_s, clone.max_failure_fraction) == (3.0, 0.5)
    assert run(clone, completions=["</think>\\boxed{3}"], answer=["2"], task=["math"]) == [0.0]
