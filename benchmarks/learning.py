"""Does the pipeline learn, and is it the verifiers? The CPU learning demo and its constant-reward control, per seed.

For each seed S (`--seeds`, default 0 1 2):
1. demo: `SEED=S bash launch/learn_cpu.sh OUT/seedS` (rows, calibrated cold start, stage 1, stage 2, held-out eval,
   OUT/seedS/learning.json);
2. control: stage 1 of `configs/pipeline/learn_cpu.yaml` again, from the same cold start on the same rows with the
   same steps, sampling and settings, but with `math_accuracy` and `code_tests` replaced by the `constant` reward,
   evaluated in-pipeline on the same held-out rows with the same suite. Its rise over the cold start (paired
   bootstrap over prompts) must not be significant: the demo's gain comes from the verifiers, not from the steps.
A constant reward gives every completion of a group the same value, so every advantage is 0: stage 1 has no other
reward, so the control's weights do not move, and its evaluation measures the noise floor of re-sampling the cold
start. (An earlier demo kept a light `think_format` shaping in stage 1; with group-std scaling its near-constant
values became full-size advantages and the control drifted by up to 7 points either way.)

Prints one row per seed and the mean and spread (sample standard deviation, min..max) of every figure, with the
load average, and writes them as JSON with `--json`.

Usage: .venv/bin/python benchmarks/learning.py [--seeds 0 1 2] [--out runs/bench_learning] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PIPELINE = ROOT / "configs" / "pipeline" / "learn_cpu.yaml"
VERIFIERS = ("math_accuracy", "code_tests")
PY = sys.executable


def control_config(run: Path) -> Path:
    """Stage 1 of the demo pipeline with the verifiers replaced by `constant`, pointed at the demo's files."""
    config = yaml.safe_load(PIPELINE.read_text())
    stage = config["stages"][0]
    stage["rewards"] = [r for r in stage["rewards"] if r["name"] not in VERIFIERS]
    stage["rewards"].insert(0, {"name": "constant", "weight": 1.0, "kwargs": {"value": 1.0, "tasks": ["math", "code"]}})
    for source in stage["datasets"]:
        source["source"] = str(run / "data" / Path(source["source"]).name)
    config.update(model=str(run / "cold_start"), output_dir=str(run / "control"), stages=[stage],
                  eval={"suite": str(run / "eval_suite.yaml"), "before": False})
    path = run / "control.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def run(cmd: list[str], env: dict | None = None, ok: tuple[int, ...] = (0,)) -> float:
    """Run a command from the project root (output streamed); returns its seconds; raises unless its exit status
    is in `ok`."""
    start = time.monotonic()
    rc = subprocess.run(cmd, cwd=ROOT, env={**os.environ, **(env or {})}).returncode
    if rc not in ok:
        raise subprocess.CalledProcessError(rc, cmd)
    return time.monotonic() - start


def one_seed(seed: int, out: Path) -> dict:
    from rl.demo.report import paired_rise, per_prompt_pass1

    run_dir = out / f"seed{seed}"
    demo_s = run(["bash", "launch/learn_cpu.sh", str(run_dir)], {"SEED": str(seed), "SKIP_SETUP": "1"},
                 ok=(0, 3))  # 3: stage 2 failed its gate; the seed still counts, with its figures
    learning = json.loads((run_dir / "learning.json").read_text())
    control_s = run([PY, "-m", "rl", "train", str(control_config(run_dir)), "--set", f"seed={seed}"])
    demo_eval, control_eval = run_dir / "run" / "eval", run_dir / "control" / "eval"
    control = {}
    for bench in ("math", "code"):  # the control's stage against the demo's evaluation of the same cold start
        delta, ci = paired_rise(per_prompt_pass1(demo_eval, "input", bench),
                                per_prompt_pass1(control_eval, "reasoning", bench))
        control[bench] = {"delta": round(delta, 4), "ci95": [round(ci[0], 4), round(ci[1], 4)],
                          "significant": ci[0] > 0}
    figures = {f"{t['benchmark']} {t['from']}->{t['to']}": t for t in learning["targets"]}
    return {"seed": seed, "demo_seconds": round(demo_s), "control_seconds": round(control_s),
            "all_targets_met": learning["all_met"], "targets": figures, "control": control,
            "pass@1": {lab: {b: r["pass@1"] for b, r in res.items()} for lab, res in learning["results"].items()}}


def spread(values: list[float]) -> str:
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):+.3f} ± {sd:.3f} [{min(values):+.3f}, {max(values):+.3f}]"


def table(rows: list[dict]) -> str:
    names = list(rows[0]["targets"])
    head = "| seed | " + " | ".join(names) + " | control math | control code | targets met |"
    lines = [head, "|" + " --- |" * (len(names) + 4)]
    fmt = lambda d: f"{d['delta']:+.3f} [{d['ci95'][0]:+.3f}, {d['ci95'][1]:+.3f}]"
    for r in rows:
        cells = [fmt(r["targets"][n]) for n in names] + [fmt(r["control"]["math"]), fmt(r["control"]["code"])]
        lines.append(f"| {r['seed']} | " + " | ".join(cells) + f" | {r['all_targets_met']} |")
    means = [spread([r["targets"][n]["delta"] for r in rows]) for n in names]
    means += [spread([r["control"][b]["delta"] for r in rows]) for b in ("math", "code")]
    lines.append("| mean ± sd [min, max] | " + " | ".join(means) + f" | {sum(r['all_targets_met'] for r in rows)}"
                 f"/{len(rows)} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--out", default="runs/bench_learning")
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args()
    out = (ROOT / args.out) if not Path(args.out).is_absolute() else Path(args.out)
    load_before = os.getloadavg()
    rows = [one_seed(seed, out) for seed in args.seeds]
    load_after = os.getloadavg()
    print(table(rows))
    print(f"load average before {load_before[0]:.1f}, after {load_after[0]:.1f}; demo seconds per seed: "
          + ", ".join(str(r["demo_seconds"]) for r in rows))
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": rows, "load_average": [load_before, load_after]}, indent=2))


if __name__ == "__main__":
    main()
