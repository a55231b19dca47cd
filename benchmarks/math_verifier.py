"""Benchmark `rewards.math` against plain math-verify on the project's equivalence set, side by side in one run.

Reports, on benchmarks/data/math_equivalence.jsonl (human verdicts in `expected`):
- agreement with the human verdicts of: this verifier; plain math-verify (default configuration, gold wrapped in
  `\\boxed{}`); TRL's `accuracy_reward` configuration (gold parsed raw, answer boxed-first latex only);
- throughput in pairs/second of this verifier (`verify_batch`, cold cache, worker pool already started) and of
  plain math-verify (sequential, main thread, its own signal timeouts), on all pairs and on the pairs whose
  baseline run did not hit a timeout;
- the maximum latency of one `verify` call (cold cache) over all pairs.

Usage: python benchmarks/math_verifier.py [--data PATH] [--show-disagreements] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.set_int_max_str_digits(0)  # the baselines must be able to parse >4300-digit integers too

DATA = Path(__file__).parent / "data" / "math_equivalence.jsonl"


def plain_math_verify(gold: str, response: str) -> bool:
    from math_verify import parse, verify

    return bool(verify(parse("\\boxed{" + gold + "}"), parse(response)))


def trl_accuracy_reward(gold: str, response: str) -> bool:
    from latex2sympy2_extended import NormalizationConfig
    from math_verify import LatexExtractionConfig, parse, verify

    gold_parsed = parse(gold, parsing_timeout=10)
    if not gold_parsed:
        return False
    answer = parse(response, extraction_config=[LatexExtractionConfig(
        normalization_config=NormalizationConfig(units=True), boxed_match_priority=0,
        try_extract_without_anchor=False)], extraction_mode="first_match", parsing_timeout=10)
    return bool(verify(gold_parsed, answer, timeout_seconds=5))


def timed(fn, rows) -> tuple[list[bool], list[float]]:
    results, times = [], []
    for r in rows:
        t = time.perf_counter()
        results.append(fn(r["gold"], r["response"]))
        times.append(time.perf_counter() - t)
    return results, times


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--show-disagreements", action="store_true")
    ap.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = ap.parse_args()
    logging.disable(logging.WARNING)

    from rewards.math import verifier

    rows = [json.loads(line) for line in args.data.read_text().splitlines() if line.strip()]
    expected = [r["expected"] for r in rows]
    pairs = [(r["gold"], r["response"]) for r in rows]
    pool, _ = verifier.get_pool()
    pool.start()
    plain_math_verify("1", "1")  # warm imports of the baseline too
    trl_accuracy_reward("1", "\\boxed{1}")

    verifier.CACHE.clear()
    t = time.perf_counter()
    ours = verifier.verify_batch(pairs)
    ours_s = time.perf_counter() - t
    verifier.CACHE.clear()
    latencies = []
    for g, r in pairs:
        t0 = time.perf_counter()
        verifier.verify(g, r)
        latencies.append(time.perf_counter() - t0)
    verifier.CACHE.clear()

    plain, plain_times = timed(plain_math_verify, rows)
    trl, _ = timed(trl_accuracy_reward, rows)

    # throughput on the pairs where plain math-verify did not run into its own 5 s timeouts
    normal = [i for i, s in enumerate(plain_times) if s < 4.5]
    t = time.perf_counter()
    verifier.verify_batch([pairs[i] for i in normal])
    ours_normal_s = time.perf_counter() - t
    plain_normal_s = sum(plain_times[i] for i in normal)

    def agreement(results: list[bool]) -> float:
        return sum(a == b for a, b in zip(results, expected)) / len(rows)

    figures = {
        "pairs": len(rows),
        "cpu_count": os.cpu_count(),
        "workers": pool.size,
        "agreement": {"rewards.math": agreement([v.correct for v in ours]),
                      "math_verify_default_boxed_gold": agreement(plain),
                      "trl_accuracy_reward_config": agreement(trl)},
        "throughput_pairs_per_s": {
            "all": {"rewards.math": len(rows) / ours_s, "math_verify": len(rows) / sum(plain_times)},
            "without_baseline_timeouts": {"pairs": len(normal), "rewards.math": len(normal) / ours_normal_s,
                                          "math_verify": len(normal) / plain_normal_s}},
        "max_latency_s": {"rewards.math": max(latencies), "math_verify": max(plain_times)},
        "reasons": {},
    }
    for v in ours:
        figures["reasons"][v.reason] = figures["reasons"].get(v.reason, 0) + 1
    tp = figures["throughput_pairs_per_s"]
    for key in ("all", "without_baseline_timeouts"):
        tp[key]["speedup"] = tp[key]["rewards.math"] / tp[key]["math_verify"]
    print(json.dumps(figures, indent=2))
    if args.show_disagreements:
        for r, v, p in zip(rows, ours, plain):
            if v.correct != r["expected"]:
                print(f"[{r['category']}] gold={r['gold'][:60]!r} extracted={(v.extracted or '')[:60]!r} "
                      f"reason={v.reason} expected={r['expected']} plain_mv={p}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
