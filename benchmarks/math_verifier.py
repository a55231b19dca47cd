"""Benchmark `rewards.math` against plain math-verify and TRL's `accuracy_reward`, side by side in one run.

Data sets (each line: gold, response, expected verdict):
- `own`: benchmarks/data/math_equivalence.jsonl, this project's equivalence categories (human verdicts);
- `reference`: benchmarks/data/math_reference.jsonl, cases from other projects' grader test suites (Math-Verify,
  lighteval, hendrycks MATH, NeMo-Skills, inspect_ai, Qwen2.5-Math, open-r1, TRL; see
  benchmarks/build_math_reference.py), reported separately for its `tune` split and its `heldout` split (the
  README's notes say which held-out cases informed tuning).

Rows may carry a `note`: why this verifier disagrees with the expectation on purpose ("by design: ...") or why the
case is broken ("malformed: ..."); such disagreements still count against the agreement, and are also counted as
`disagreements_with_note`.

Reports, per data set and split (and, for the reference cases, per source repository, e.g. `huggingface/Math-Verify`:
Math-Verify's own test suite), for this verifier, plain
math-verify (default configuration, gold wrapped in `\\boxed{}`; and unboxed, both sides parsed as math-verify's
own tests do) and TRL's `trl.rewards.accuracy_reward`: agreement with the expected verdicts, and false positives
(wrong answers accepted). Also:
- throughput in pairs/second of this verifier (`verify_batch`, cold cache, worker pool already started) and of
  plain math-verify (sequential, main thread, its own signal timeouts), on all pairs and on the pairs whose
  baseline run did not hit a timeout;
- the maximum latency of one `verify` call (cold cache) over all pairs, and the load average during the run.

Usage: python benchmarks/math_verifier.py [--show-disagreements] [--show-heldout] [--json OUT]
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

DATA_DIR = Path(__file__).parent / "data"
DATASETS = {"own": DATA_DIR / "math_equivalence.jsonl", "reference": DATA_DIR / "math_reference.jsonl"}
VERIFIERS = ("rewards.math", "math_verify_default_boxed_gold", "math_verify_default", "trl_accuracy_reward")


def plain_math_verify(gold: str, response: str) -> bool:
    from math_verify import parse, verify

    return bool(verify(parse("\\boxed{" + gold + "}"), parse(response)))


def unboxed_math_verify(gold: str, response: str) -> bool:
    """math-verify as its own test suite calls it: both sides parsed with the default configuration."""
    from math_verify import parse, verify

    return bool(verify(parse(gold), parse(response)))


def trl_accuracy_reward(gold: str, response: str) -> bool:
    from trl.rewards import accuracy_reward

    return accuracy_reward([[{"role": "assistant", "content": response}]], [gold])[0] == 1.0


def timed(fn, rows) -> tuple[list[bool], list[float]]:
    results, times = [], []
    for r in rows:
        t = time.perf_counter()
        results.append(fn(r["gold"], r["response"]))
        times.append(time.perf_counter() - t)
    return results, times


def load_rows() -> list[dict]:
    """Every case of every data set, tagged with `set` (own, reference/tune, reference/heldout)."""
    rows = []
    for name, path in DATASETS.items():
        for line in path.read_text().splitlines():
            if line.strip():
                row = json.loads(line)
                rows.append({**row, "set": f"{name}/{row['split']}" if "split" in row else name})
    return rows


def _source_repo(row: dict) -> str | None:
    return row["source"].split("@")[0] if "source" in row else None


def scores(rows: list[dict], results: dict[str, list[bool]], by: str = "set") -> dict:
    """Agreement and false positives of each verifier on each set (`by="source"`: on each source repository of the
    reference cases)."""
    key = (lambda r: r["set"]) if by == "set" else _source_repo
    out = {}
    for name in sorted({key(r) for r in rows} - {None}):
        idx = [i for i, r in enumerate(rows) if key(r) == name]
        out[name] = {"pairs": len(idx), "negatives": sum(not rows[i]["expected"] for i in idx)}
        for verifier, got in results.items():
            agree = sum(got[i] == rows[i]["expected"] for i in idx)
            out[name][verifier] = {"agreement": round(agree / len(idx), 4),
                                   "false_positives": sum(got[i] and not rows[i]["expected"] for i in idx)}
        ours = results["rewards.math"]
        out[name]["rewards.math"]["disagreements_with_note"] = sum(  # by design or malformed: the row's `note`
            ours[i] != rows[i]["expected"] and "note" in rows[i] for i in idx)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--show-disagreements", action="store_true", help="print this verifier's disagreements "
                                                                        "(held-out cases only with --show-heldout)")
    ap.add_argument("--show-heldout", action="store_true")
    ap.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = ap.parse_args()
    logging.disable(logging.WARNING)

    from rewards.math import verifier

    rows = load_rows()
    pairs = [(r["gold"], r["response"]) for r in rows]
    load_before = os.getloadavg()
    pool, _ = verifier.get_pool()
    pool.start()
    plain_math_verify("1", "1")  # warm imports of the baselines too
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
    unboxed, _ = timed(unboxed_math_verify, rows)
    trl, _ = timed(trl_accuracy_reward, rows)

    # throughput on the pairs where plain math-verify did not run into its own 5 s timeouts
    normal = [i for i, s in enumerate(plain_times) if s < 4.5]
    t = time.perf_counter()
    verifier.verify_batch([pairs[i] for i in normal])
    ours_normal_s = time.perf_counter() - t
    plain_normal_s = sum(plain_times[i] for i in normal)

    results = dict(zip(VERIFIERS, ([v.correct for v in ours], plain, unboxed, trl)))
    slowest = max(range(len(rows)), key=latencies.__getitem__)
    figures = {
        "date": time.strftime("%Y-%m-%d"),
        "pairs": len(rows),
        "cpu_count": os.cpu_count(),
        "workers": pool.size,
        "load_average_1min": {"before": round(load_before[0], 2), "after": round(os.getloadavg()[0], 2)},
        "sets": scores(rows, results),
        "reference_by_source": scores(rows, results, by="source"),
        "throughput_pairs_per_s": {
            "all": {"rewards.math": len(rows) / ours_s, "math_verify": len(rows) / sum(plain_times)},
            "without_baseline_timeouts": {"pairs": len(normal), "rewards.math": len(normal) / ours_normal_s,
                                          "math_verify": len(normal) / plain_normal_s}},
        "max_latency_s": {"rewards.math": max(latencies), "math_verify": max(plain_times),
                          "slowest_pair": {"gold": rows[slowest]["gold"][:80],
                                           "response": rows[slowest]["response"][-80:]}},
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
            if v.correct != r["expected"] and (args.show_heldout or not r["set"].endswith("heldout")):
                print(f"[{r['set']}] gold={r['gold'][:60]!r} extracted={(v.extracted or '')[:60]!r} "
                      f"reason={v.reason} expected={r['expected']} plain_mv={p}"
                      + (f" note={r['note']!r}" if "note" in r else ""))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
