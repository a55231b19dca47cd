"""Benchmarks with tools: suite validation, tool rollouts scored on the final answer (real sandbox, scripted
generator), outages unscored, cache keys, and the hf backend's turn-by-turn generation on a tiny model."""
from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from evaltest_lib import write_suite
from rl.config_checks import ConfigError
from rl.eval import generation
from rl.eval.results import Store, generation_key
from rl.eval.runner import EvalError, Evaluator, Subject
from rl.eval.suite import load_suite, parse_suite

ROOT = Path(__file__).resolve().parents[2]
MATH = {"name": "m", "source": str(ROOT / "rl" / "samples" / "math.jsonl"), "adapter": "rows",
        "scorer": "math_accuracy"}
ROWS = [("What is 17 * 23?", "391"), ("What is 12 * 13?", "156"), ("What is 2 + 2?", "4")]


@pytest.mark.parametrize("extra, message", [
    ({"tools": ["pyton"]}, r"benchmarks\[m\]\.tools\[0\]: unknown tool 'pyton'; did you mean 'python'\?"),
    ({"tools": "python"}, r"benchmarks\[m\]\.tools: expected a non-empty list"),
    ({"tools": ["no_such_module:fn"]}, r"benchmarks\[m\]\.tools\[0\]"),
    ({"tool_options": {"max_calls": 2}}, r"benchmarks\[m\]\.tool_options: given, but"),
    ({"tools": ["python"], "tool_options": {"max_cals": 2}}, r"benchmarks\[m\]\.tool_options: unknown .*max_cals"),
    ({"tools": ["python"], "tool_options": {"max_calls": 0}}, r"benchmarks\[m\]\.tool_options"),
    ({"tools": [{"name": "python", "kwargs": {"bogus": 1}}]}, r"benchmarks\[m\]\.tools"),
])
def test_bad_tools_are_config_errors(extra, message):
    with pytest.raises(ConfigError, match=message):
        parse_suite({"benchmarks": [{**MATH, **extra}]}, "s")


def test_shipped_suites_have_tool_benchmarks():
    qwq, smoke = load_suite("qwq"), load_suite("smoke_cpu")
    assert [t["name"] for t in qwq.benchmark("aime24_python").tools] == ["python"]
    assert qwq.benchmark("aime24_python").source == qwq.benchmark("aime24").source
    assert smoke.benchmark("math_python").tool_options["max_calls"] == 2


def test_cache_key_covers_tools_and_options_not_service_addresses():
    base = parse_suite({"benchmarks": [MATH]}, "s")
    gen, plain = base.generation, base.benchmarks[0]
    keys = {generation_key("fp", parse_suite({"benchmarks": [{**MATH, **extra}]}, "s").benchmarks[0], gen)
            for extra in ({}, {"tools": ["python"]}, {"tools": ["python"], "tool_options": {"max_calls": 3}})}
    assert len(keys) == 3
    with_url = parse_suite({"benchmarks": [{**MATH, "tools": [
        {"name": "python", "kwargs": {"sandbox_urls": ["http://10.0.0.1:8080"]}}]}]}, "s").benchmarks[0]
    assert generation_key("fp", with_url, gen) == generation_key(
        "fp", parse_suite({"benchmarks": [{**MATH, "tools": ["python"]}]}, "s").benchmarks[0], gen)
    assert generation_key("fp", plain, gen) == generation_key("fp", dataclasses.replace(plain), gen)


class Scripted:
    """A backend that calls a tool for 'a * b' questions and boxes the last tool result; '+' gets a wrong answer
    without tools. Records every text and budget it is given."""

    tool = "python"
    seen: list[tuple[str, int]] = []

    def __init__(self, model: str, settings) -> None:
        self.tokenizer = TOKENIZER

    def complete(self, texts, budgets, stop):
        assert list(stop) == ["</tool_call>"]
        out = []
        for text, budget in zip(texts, budgets):
            Scripted.seen.append((text, budget))
            results = re.findall(r"<tool_response>\n(.*?)\n</tool_response>", text, re.S)
            a, op, b = re.findall(r"What is (\d+) ([*+]) (\d+)\?", text)[-1]
            if results:
                value = results[-1].strip()
                out.append(f"The tool says {value}.\n</think>\n\nThe answer is $\\boxed{{{value}}}$.")
            elif op == "+":
                out.append("Easy.\n</think>\n\n$\\boxed{5}$")
            else:
                args = {"code": f"print({a} * {b})"} if self.tool == "python" else {"a": int(a), "b": int(b)}
                out.append("Let me compute.\n<tool_call>\n" + json.dumps({"name": self.tool, "arguments": args})
                           + "\n</tool_call>")
        return [(t, len(self.tokenizer(t, add_special_tokens=False)["input_ids"]) + 1) for t in out]

    def close(self) -> None:
        pass


TOKENIZER = None


@pytest.fixture()
def scripted(tmp_path_factory, monkeypatch):
    global TOKENIZER
    from rl.smoke.tiny import build_tokenizer

    if TOKENIZER is None:
        TOKENIZER = build_tokenizer(tmp_path_factory.mktemp("tok"))
    Scripted.seen = []
    monkeypatch.setitem(generation.BACKENDS, "hf", Scripted)
    monkeypatch.delenv("SANDBOX_URL", raising=False)
    return Scripted


def _data(tmp_path: Path) -> str:
    path = tmp_path / "arith.jsonl"
    path.write_text("".join(json.dumps({"prompt": [{"role": "user", "content": q}], "task": "math", "answer": a}) + "\n"
                            for q, a in ROWS))
    return str(path)


def test_python_tool_eval_end_to_end(scripted, tmp_path, monkeypatch):
    """A call, its result from the real sandbox, a final boxed answer scored; cached on rerun."""
    bench = {"name": "arith", "source": _data(tmp_path), "adapter": "rows", "scorer": "math_accuracy",
             "tools": ["python"], "tool_options": {"max_calls": 2}, "max_new_tokens": 300}
    suite = load_suite(write_suite(tmp_path / "s.yaml", [bench], n=2, max_unscored_fraction=0.0))
    store = Store(tmp_path / "out")
    results = Evaluator(suite, store).run([Subject("tiny", "fp", model="tiny")])
    m = results["tiny"]["arith"]
    assert m["pass@1"] == pytest.approx(2 / 3) and m["unscored"] == 0
    assert m["tools"] == {"calls_per_completion": pytest.approx(4 / 6), "error_rate": 0.0,
                          "completions_with_calls": pytest.approx(4 / 6), "outages": 0}
    first = scripted.seen[0][0]
    assert '"name": "python"' in first and first.endswith("<|im_start|>assistant\n<think>\n")
    assert all(0 < budget <= 300 for _, budget in scripted.seen)
    later = [b for t, b in scripted.seen if "<tool_response>" in t]
    assert later and max(later) < 300  # the budget is for all turns of a sample
    import pyarrow.parquet as pq

    rows = pq.read_table(tmp_path / "out" / "samples.parquet").to_pylist()
    row = next(r for r in rows if r["id"] == rows[0]["id"] and "17 * 23" in r["prompt"])
    assert "<tool_call>" in row["completion"] and "<tool_response>\n391\n" in row["completion"]
    assert row["completion"].endswith("\\boxed{391}$.") and row["tool_calls"] == 1 and row["score"] == 1.0
    assert {r["tool_calls"] for r in rows if "2 + 2" in r["prompt"]} == {0}

    from rl.eval.results import format_table

    assert "calls=0.67" in format_table(results)
    monkeypatch.setitem(generation.BACKENDS, "hf", None)  # everything is cached: no model is loaded
    assert Evaluator(suite, Store(tmp_path / "out")).run([Subject("tiny", "fp", model="tiny")]) == results


def test_tool_outage_is_unscored_not_wrong(scripted, tmp_path, monkeypatch):
    """A call that hits an outage (12 * 13) makes its samples unscored; past the threshold no number is reported."""
    monkeypatch.syspath_prepend(str(Path(__file__).parent))
    monkeypatch.setattr(Scripted, "tool", "multiply")
    bench = {"name": "arith", "source": _data(tmp_path), "adapter": "rows", "scorer": "math_accuracy",
             "tools": ["eval_tool_fns:multiply"], "max_new_tokens": 300}
    suite = load_suite(write_suite(tmp_path / "s.yaml", [bench], n=1, max_unscored_fraction=0.4))
    m = Evaluator(suite, Store(tmp_path / "a")).run([Subject("tiny", "fp", model="tiny")])["tiny"]["arith"]
    assert m["unscored"] == 1 and m["pass@1"] == pytest.approx(1 / 2) and m["tools"]["outages"] == 1
    assert not list((tmp_path / "a" / "cache").glob("gen-*"))  # a rerun regenerates the hit samples
    strict = load_suite(write_suite(tmp_path / "t.yaml", [bench], n=1, max_unscored_fraction=0.2))
    with pytest.raises(EvalError, match="1 of 3 samples could not be scored"):
        Evaluator(strict, Store(tmp_path / "b")).run([Subject("tiny", "fp", model="tiny")])


def test_hf_backend_generates_tool_rollouts(tiny_model, tmp_path, monkeypatch):
    """The real hf backend turn by turn (a random tiny model: whatever it writes, the loop and budgets hold)."""
    monkeypatch.delenv("SANDBOX_URL", raising=False)
    from rl.eval.generation import HFBackend
    from rl.eval.suite import GenerationSettings
    from rl.eval.tool_eval import generate_with_tools

    backend = HFBackend(str(tiny_model), GenerationSettings(temperature=1.0, max_new_tokens=24, batch_size=4))
    texts = backend.complete(["<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"] * 3, [5, 1, 24],
                             ["</tool_call>"])
    assert all(0 < n <= b for (_, n), b in zip(texts, [5, 1, 24])) and texts[1][1] == 1
    spec = parse_suite({"benchmarks": [{**MATH, "n": 2, "tools": ["python"]}]}, "s").benchmarks[0]
    out = generate_with_tools(backend, spec, [[{"role": "user", "content": "What is 2 + 3?"}]], 24,
                              ["http://127.0.0.1:9"])
    assert len(out.completions[0]) == 2 and all(0 < n <= 24 for n in out.n_tokens[0])
    assert all(m[0]["role"] == "assistant" for m in out.completions[0])


@pytest.mark.slow
def test_tool_smoke_cold_start_calls_python_in_eval(tmp_path, monkeypatch):
    """smoke_cpu's math_python with the tiny tool-smoke cold start (SFT'd to call python; ~20 s to build), greedy,
    on questions phrased as in its SFT: real calls, real sandbox results in the transcript, final answers scored."""
    from rl.tools.smoke import MATH_INSTRUCTION, build_tool_cold_start

    monkeypatch.delenv("SANDBOX_URL", raising=False)
    model = build_tool_cold_start(tmp_path / "ckpt") / "cold_start"
    data = tmp_path / "q.jsonl"
    data.write_text("".join(json.dumps({"prompt": [{"role": "user", "content": f"{q} {MATH_INSTRUCTION}"}],
                                        "task": "math", "answer": a}) + "\n" for q, a in ROWS))
    smoke = load_suite("smoke_cpu", ["generation.temperature=0", "generation.max_new_tokens=96"])
    spec = dataclasses.replace(smoke.benchmark("math_python"), source=str(data), local_path=str(data), n=1, k=(1,))
    suite = dataclasses.replace(smoke, benchmarks=(spec,))
    m = Evaluator(suite, Store(tmp_path / "out")).run([Subject("smoke", "fp", model=str(model))])["smoke"][spec.name]
    assert m["unscored"] == 0 and m["n_prompts"] == 3 and m["tools"]["calls_per_completion"] > 0
    import pyarrow.parquet as pq

    rows = pq.read_table(tmp_path / "out" / "samples.parquet").to_pylist()
    called = [r for r in rows if r["tool_calls"]]
    assert called and all("<tool_response>" in r["completion"] for r in called)
    assert all(0 < r["n_tokens"] <= 96 for r in rows)
