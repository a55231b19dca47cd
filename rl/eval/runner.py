"""Evaluating models (generate, then score) or existing completions (`--score`) on a suite: one code path.

For each model and benchmark: reuse the cached result if its key matches; else reuse cached completions or generate
them (the model loads only when something must be generated), score them with the benchmark's reward, check the
share of unscored samples against `max_unscored_fraction` (past it: `EvalError`, no number is reported), compute
the metrics and cache them. A local sandbox server is started for the run when a scorer runs code or a benchmark's
tools need one (`python`) and no sandbox URL is configured. A benchmark with `tools:` is generated as tool rollouts
(`rl.eval.tool_eval`): its samples are message lists, a sample hit by a tool outage is unscored (and its benchmark's
completions are not cached, so a rerun regenerates them), and its metrics add `tools` (calls per completion, error
rate, outages).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from rewards.base import prompt_text
from rewards.infra import InfrastructureError
from rl.eval import metrics, scoring, tool_eval
from rl.eval.benchmarks import LoadedBenchmark, load_benchmark
from rl.eval.results import Store, generation_key, result_key
from rl.eval.suite import Suite

logger = logging.getLogger(__name__)


class EvalError(RuntimeError):
    """The evaluation cannot report a trustworthy number (too many unscored samples, a scorer failure)."""


@dataclass
class Subject:
    """What is evaluated: a model to generate with, or completions given per benchmark (`--score`)."""

    label: str
    fingerprint: str
    model: str | None = None
    given: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # benchmark -> id -> completions


def _progress(total: int, desc: str) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="sample", dynamic_ncols=True, leave=False)


@contextlib.contextmanager
def sandbox_for(suite: Suite) -> Iterator[list[str] | None]:
    """The sandbox URLs for scorers that run code: the suite's `sandbox.urls`, else `$SANDBOX_URL`, else a local
    server started for the block (None when no scorer needs one)."""
    if not any(scoring.needs_sandbox(b.scorer) or tool_eval.needs_sandbox(b) for b in suite.benchmarks):
        yield None
    elif suite.sandbox.urls:
        yield list(suite.sandbox.urls)
    elif os.environ.get("SANDBOX_URL"):
        from sandbox.client import parse_urls

        yield parse_urls(os.environ["SANDBOX_URL"])
    else:
        from sandbox.local import start_local_server

        server = start_local_server(workers=suite.sandbox.workers)
        try:
            logger.info("local sandbox server at %s", server.url)
            yield [server.url]
        finally:
            server.stop()


def benchmark_metrics(bench: LoadedBenchmark, rows: list[dict[str, Any]], completions: list[list[str]],
                      scores: list[list[float | None]], reward: Any, suite: Suite) -> dict[str, Any]:
    """Every metric of one benchmark from its scores (see `rl.eval.metrics`); `EvalError` past the unscored
    threshold."""
    spec = bench.spec
    total = sum(len(s) for s in scores)
    unscored = sum(x is None for s in scores for x in s)
    if total == 0 or unscored / total > suite.max_unscored_fraction:
        raise EvalError(f"benchmark {spec.name}: {unscored} of {total} samples could not be scored (infrastructure "
                        f"failures), above max_unscored_fraction={suite.max_unscored_fraction:g}; no pass rate is "
                        "reported. Fix the service (sandbox, verifier) and rerun: completions are cached.")
    outcomes = [[x >= spec.pass_threshold for x in s if x is not None] for s in scores]
    per_prompt = metrics.per_prompt_pass1(outcomes)
    ci = metrics.bootstrap_ci(per_prompt, suite.bootstrap_resamples, seed=suite.generation.seed)
    out: dict[str, Any] = {
        "pass@1": sum(per_prompt) / len(per_prompt),
        "pass@k": {str(k): metrics.mean_pass_at_k(outcomes, k) for k in spec.k if k > 1},
        "ci95": list(ci) if ci else None,
        "n_prompts": len(per_prompt), "n_samples": spec.n, "unscored": unscored,
        "mean_score": sum(x for s in scores for x in s if x is not None) / (total - unscored),
        "dropped_rows": bench.dropped,
    }
    out.update(_extra_metrics(rows, completions, scores, reward))
    return out


def _extra_metrics(rows: list[dict[str, Any]], completions: list[list[str]], scores: list[list[float | None]],
                   reward: Any) -> dict[str, Any]:
    """maj@n for math rows; IFEval accuracies for IFEval constraints; AST accuracy for tool calls."""
    from rewards.rules.registry import CHECKERS

    scored = [[c for c, x in zip(cs, s) if x is not None] for cs, s in zip(completions, scores)]
    tasks = {r["task"] for r in rows}
    if tasks == {"math"} and len(completions[0]) > 1:
        hits = []
        for row, cs in zip(rows, scored):
            answers, correct = scoring.math_answers(reward, row, cs)
            best = metrics.majority_index(answers, scoring.math_equivalent)
            hits.append(best is not None and correct[best])
        return {"maj@n": sum(hits) / len(hits)}
    if tasks != {"general"} or any(r["constraints"] is None for r in rows):
        return {}
    ids = {c["id"] for r in rows for c in json.loads(r["constraints"])}
    if ids == {"tool_call:ast_match"}:
        passed = [all(s) for row, cs in zip(rows, scored) for s in scoring.constraint_results(reward, row, cs)[0]]
        return {"ast_accuracy": sum(passed) / len(passed)} if passed else {}
    if all(i in CHECKERS and CHECKERS[i].ifeval for i in ids):
        strict, loose = [], []
        for row, cs in zip(rows, scored):
            s, lo = scoring.constraint_results(reward, row, cs)
            strict += s
            loose += lo
        return {"ifeval": metrics.ifeval_accuracies(strict, loose)}
    return {}


def _samples(label: str, bench: LoadedBenchmark, positions: list[int], completions: list[list[Any]],
             scores: list[list[float | None]], n_tokens: list[list[int | None]],
             tools: dict[str, Any] | None) -> list[dict[str, Any]]:
    spec = bench.spec
    out = [{"model": label, "benchmark": spec.name, "id": bench.ids[p], "prompt": prompt_text(bench.rows[p]["prompt"]),
            "sample": s, "completion": c, "score": x, "passed": None if x is None else x >= spec.pass_threshold,
            "n_tokens": t}
           for p, cs, xs, ts in zip(positions, completions, scores, n_tokens)
           for s, (c, x, t) in enumerate(zip(cs, xs, ts))]
    if tools is not None:  # the transcript as the model saw it, and what its tool calls did
        flat = [(text, r) for ts, rs in zip(tools["transcripts"], tools["records"]) for text, r in zip(ts, rs)]
        for row, (text, r) in zip(out, flat):
            row.update(completion=text, tool_calls=r["calls"], tool_errors=r["errors"] + r["failures"],
                       tool_outage=r["outage"])
    return out


class Evaluator:
    """Runs subjects over a suite's benchmarks into a `Store` (see the module doc)."""

    def __init__(self, suite: Suite, store: Store, benchmarks: dict[str, LoadedBenchmark] | None = None) -> None:
        self.suite, self.store = suite, store
        self.benchmarks = benchmarks or {b.name: load_benchmark(b) for b in suite.benchmarks}
        self._backend: Any = None  # the current subject's model, loaded on first use

    def run(self, subjects: list[Subject], on_result: Callable[[str, str, dict], None] | None = None
            ) -> dict[str, dict[str, dict[str, Any]]]:
        """Evaluate every subject on every benchmark it covers; returns `{label: {benchmark: metrics}}` and writes
        `results.json` / `samples.parquet`."""
        results: dict[str, dict[str, dict[str, Any]]] = {}
        keys: list[tuple[str, str, str]] = []
        try:
            self._run(subjects, results, keys, on_result)
        finally:  # what finished is written even when a later benchmark fails (its own numbers never are)
            if results:
                self.store.write_outputs(results, keys)
        return results

    def _run(self, subjects: list[Subject], results: dict, keys: list, on_result: Callable | None) -> None:
        with sandbox_for(self.suite) as urls:
            for subject in subjects:
                self._backend = None
                try:
                    for name, bench in self.benchmarks.items():
                        if subject.model is None and name not in subject.given:
                            continue
                        key, metrics_ = self._one(subject, bench, urls)
                        results.setdefault(subject.label, {})[name] = metrics_
                        keys.append((subject.label, name, key))
                        if on_result is not None:
                            on_result(subject.label, name, metrics_)
                finally:
                    if self._backend is not None:
                        self._backend.close()
                        self._backend = None

    def _one(self, subject: Subject, bench: LoadedBenchmark, urls: list[str] | None) -> tuple[str, dict]:
        spec, gen = bench.spec, self.suite.generation
        gen_key = generation_key(subject.fingerprint, spec, gen)
        key = result_key(gen_key, spec, self.suite)
        cached = self.store.load_result(key)
        if cached is not None:
            logger.info("%s / %s: already evaluated (cache %s)", subject.label, spec.name, key)
            return key, cached
        start = time.monotonic()
        positions, completions, ids, n_tokens, tools = self._completions(subject, bench, gen_key, urls)
        rows = [bench.rows[p] for p in positions]
        reward = scoring.build_scorer(spec.scorer, scoring.run_values(spec, self.suite.generation, urls))
        bar = _progress(sum(len(c) for c in completions), f"score {subject.label} {spec.name}")
        try:
            scored = scoring.score_benchmark(reward, rows, completions, ids, progress=bar.update)
        except InfrastructureError as e:
            raise EvalError(f"{subject.label} / {spec.name}: {e}") from None
        finally:
            bar.close()
        if tools is not None:
            tool_eval.unscore_outages(scored.scores, tools["records"])
        m = benchmark_metrics(bench, rows, completions, scored.scores, reward, self.suite)
        if tools is not None:
            m["tools"] = tool_eval.tool_metrics(tools["records"])
        m["seconds"] = round(time.monotonic() - start, 3)
        self.store.save_result(key, m, _samples(subject.label, bench, positions, completions, scored.scores, n_tokens,
                                                tools))
        return key, m

    def _completions(self, subject: Subject, bench: LoadedBenchmark, gen_key: str, urls: list[str] | None):
        """(prompt positions, completions, token ids or None, token counts, tool transcripts and records or None)
        from `--score` input, the generation cache, or the model."""
        spec = bench.spec
        if subject.model is None:
            given = subject.given[spec.name]
            index = bench.index_of()
            positions = [index[i] for i in given]
            return positions, [given[i] for i in given], None, [[None] * len(c) for c in given.values()], None
        positions = list(range(len(bench.rows)))
        cached = self.store.load_generations(gen_key)
        if cached is not None:
            logger.info("%s / %s: completions from the cache", subject.label, spec.name)
            tools = ({"transcripts": [r["transcripts"] for r in cached], "records": [r["tool_records"] for r in cached]}
                     if spec.tools else None)
            return positions, [r["completions"] for r in cached], None, [r["n_tokens"] for r in cached], tools
        if self._backend is None:
            from rl.eval.generation import load_backend

            self._backend = load_backend(subject.model, self.suite.generation)
        if spec.tools:
            return (positions, *self._tool_rollouts(subject, bench, gen_key, urls))
        bar = _progress(len(positions) * spec.n, f"generate {subject.label} {spec.name}")
        try:
            out = self._backend.generate([r["prompt"] for r in bench.rows], spec.n,
                                   spec.max_new_tokens or self.suite.generation.max_new_tokens, progress=bar.update)
        finally:
            bar.close()
        n_tokens = [[len(t) for t in ids] for ids in out.token_ids]
        self.store.save_generations(gen_key, [{"id": i, "completions": c, "n_tokens": t}
                                              for i, c, t in zip(bench.ids, out.texts, n_tokens)])
        return positions, out.texts, out.token_ids, n_tokens, None

    def _tool_rollouts(self, subject: Subject, bench: LoadedBenchmark, gen_key: str, urls: list[str] | None):
        """(completions, None, token counts, tools) of a benchmark with tools, cached unless a tool outage hit."""
        spec = bench.spec
        bar = _progress(len(bench.rows) * spec.n, f"generate {subject.label} {spec.name} (tools)")
        try:
            out = tool_eval.generate_with_tools(self._backend, spec, [r["prompt"] for r in bench.rows],
                                                spec.max_new_tokens or self.suite.generation.max_new_tokens, urls,
                                                progress=bar.update)
        except ValueError as e:  # the model's chat template cannot carry tool calls
            raise EvalError(f"{subject.label} / {spec.name}: {e}") from None
        finally:
            bar.close()
        tools = {"transcripts": out.transcripts, "records": out.records}
        if any(r["outage"] is not None for rs in out.records for r in rs):
            logger.warning("%s / %s: tool service outages; those samples are unscored and the completions are not "
                           "cached", subject.label, spec.name)
        else:
            self.store.save_generations(gen_key, [
                {"id": i, "completions": c, "n_tokens": t, "transcripts": tr, "tool_records": rec}
                for i, c, t, tr, rec in zip(bench.ids, out.completions, out.n_tokens, out.transcripts, out.records)])
        return out.completions, None, out.n_tokens, tools
