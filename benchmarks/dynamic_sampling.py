"""Dynamic sampling on the learning demo's stage 1, with and without, side by side in one run, per seed.

For each seed S (`--seeds`, default 0 1 2):
1. the demo's inputs, drawn as `launch/learn_cpu.sh` draws them (same commands, same per-role seeds): held-out and
   training rows (`python -m rl.demo data`), the calibrated cold start (`python -m rl.demo coldstart`), and the
   held-out suite (`python -m rl.demo suite`) restricted to stage 1's families, math and code;
2. two runs of stage 1 of `configs/pipeline/learn_cpu.yaml` (`python -m rl train`) from that cold start on those
   rows, identical but for `dynamic_sampling: {max_rounds: R}` (metric: the stage's verifiers), each keeping a
   checkpoint every `--eval-every` steps; the two arms run one after the other, so the load they see is close;
3. `python -m rl eval` of the cold start and every checkpoint of both arms on the held-out rows.

Figures per seed and arm: held-out accuracy (mean pass@1 over math and code) at the end and at equal wall time
(the shorter arm's training time; each arm's last checkpoint within it), steps and seconds to a target accuracy
(`--target`, default: the cold start + `--target-gain`), and the costs: generation rounds per step, completions
generated per step, seconds per step (TRL's `step_time`: generation, scoring and update), and TRL's `frac_reward_zero_std` (what the baseline wastes). The wall
time of a checkpoint is its folder's time since the run began (training only: the evaluations run afterwards).

Prints one table and the mean over seeds, with the load average, and writes everything as JSON with `--json`.

Usage: .venv/bin/python benchmarks/dynamic_sampling.py [--seeds 0 1 2] [--steps 200] [--eval-every 25]
       [--max-rounds 4] [--n-heldout 200] [--reuse runs/bench_learning] [--out runs/bench_dynamic_sampling]
       [--json FILE]
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
PIPELINE = ROOT / "configs" / "pipeline" / "learn_cpu.yaml"
PY = sys.executable
FAMILIES = ("math", "code")
ARMS = ("plain", "dynamic")


def sh(cmd: list[str], log: Path) -> float:
    """Run a command from the project root, output to `log`; returns its seconds; raises on failure."""
    start = time.monotonic()
    with log.open("a") as f:
        f.write(f"$ {' '.join(cmd)}\n")
        f.flush()
        proc = subprocess.run(cmd, cwd=ROOT, stdout=f, stderr=subprocess.STDOUT,
                              env={**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "2")})
    if proc.returncode:
        raise RuntimeError(f"{' '.join(cmd[:4])} ... failed ({proc.returncode}); see {log}")
    return time.monotonic() - start


def prepare(seed: int, out: Path, n_heldout: int, n_train: int, sft_max_steps: int, log: Path,
            reuse: Path | None = None) -> Path:
    """Rows, cold start and a math+code suite as launch/learn_cpu.sh makes them (its per-role seeds); with `reuse`,
    the rows and cold start of a learning-demo run of the same seed (linked, not rebuilt)."""
    d = out / "data"
    if (out / "suite.yaml").is_file():
        return out / "suite.yaml"
    if reuse is not None:
        for name in ("data", "cold_start"):
            if not (reuse / name).is_dir():
                raise FileNotFoundError(f"--reuse: {reuse / name} is missing (expected a learn_cpu.sh output)")
            (out / name).symlink_to((reuse / name).resolve(), target_is_directory=True)
        return _suite(out, d, log)
    d.mkdir(parents=True, exist_ok=True)
    s_held, s_calib, s_sft, s_train = (10 * seed + k for k in (1, 2, 3, 4))
    for task in (*FAMILIES, "general"):
        sh([PY, "-m", "rl.demo", "data", "--task", task, "--seed", str(s_held), "--n", str(n_heldout),
            "--out", str(d / f"heldout_{task}.jsonl")], log)
    held = [str(d / f"heldout_{t}.jsonl") for t in (*FAMILIES, "general")]
    for task in FAMILIES:
        sh([PY, "-m", "rl.demo", "data", "--task", task, "--seed", str(s_train), "--n", str(n_train),
            "--out", str(d / f"train_{task}.jsonl"), "--exclude", *held], log)
    sh([PY, "-m", "rl.demo", "coldstart", "--out", str(out / "cold_start"), "--exclude", *held,
        "--sft-seed", str(s_sft), "--calib-seed", str(s_calib), "--seed", str(seed), "--max-steps", str(sft_max_steps)],
       log)
    return _suite(out, d, log)


def _suite(out: Path, d: Path, log: Path) -> Path:
    """The demo's held-out suite on the rows in `d`, restricted to stage 1's families."""
    sh([PY, "-m", "rl.demo", "suite", "--data", str(d), "--out", str(out / "full_suite.yaml")], log)
    suite = yaml.safe_load((out / "full_suite.yaml").read_text())
    suite["benchmarks"] = [b for b in suite["benchmarks"] if b["name"] in FAMILIES]
    (out / "suite.yaml").write_text(yaml.safe_dump(suite, sort_keys=False))
    return out / "suite.yaml"


def arm_config(out: Path, arm: str, seed: int, steps: int, eval_every: int, max_rounds: int) -> Path:
    """Stage 1 of the demo pipeline, pointed at this seed's files, checkpoints kept every `eval_every` steps."""
    config = yaml.safe_load(PIPELINE.read_text())
    stage = config["stages"][0]
    for source in stage["datasets"]:
        source["source"] = str(out / "data" / Path(source["source"]).name)
    stage["grpo"].update(max_steps=steps, save_steps=eval_every, save_total_limit=None)
    if arm == "dynamic":
        stage["dynamic_sampling"] = {"max_rounds": max_rounds}
    config.pop("eval", None)
    config.update(model=str(out / "cold_start"), output_dir=str(out / arm), seed=seed, stages=[stage])
    path = out / f"{arm}.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def train(out: Path, arm: str, seed: int, args: argparse.Namespace, log: Path) -> dict:
    config = arm_config(out, arm, seed, args.steps, args.eval_every, args.max_rounds)
    stage_dir = out / arm / "reasoning"
    start = time.time()
    seconds = sh([PY, "-m", "rl", "train", str(config)], log)
    checkpoints = sorted(stage_dir.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))
    history = json.loads((stage_dir / "trainer_state.json").read_text())["log_history"]
    steps = [e for e in history if "step_time" in e or "reward" in e]
    per_step = lambda key: [e[key] for e in steps if key in e]
    batch = yaml.safe_load(config.read_text())["grpo_defaults"]["per_device_train_batch_size"]
    rounds = per_step("dynamic_sampling/rounds") or [1.0] * len(steps)
    return {
        "train_seconds": seconds,
        "checkpoints": [{"step": int(c.name.split("-")[1]), "model": str(c), "wall_s": c.stat().st_mtime - start}
                        for c in checkpoints],
        "rounds_per_step": statistics.fmean(rounds) if rounds else None,
        "completions_per_step": batch * statistics.fmean(rounds) if rounds else None,
        "seconds_per_step": _mean(per_step("step_time")) or seconds / args.steps,   # TRL's: generation included
        "seconds_per_step_all_in": seconds / args.steps,                           # start-up and saving included
        "frac_reward_zero_std": _mean(per_step("frac_reward_zero_std")),
        "dropped_groups_frac": _mean(per_step("dynamic_sampling/dropped_groups_frac")),
        "capped_steps": sum(per_step("dynamic_sampling/capped")),
    }


def _mean(values: list[float]) -> float | None:
    return statistics.fmean(values) if values else None


def evaluate(out: Path, suite: Path, models: list[str], log: Path) -> dict[str, float]:
    """Mean held-out pass@1 over math and code, per model (label = the path given)."""
    sh([PY, "-m", "rl", "eval", *models, "--suite", str(suite), "--out", str(out / "eval")], log)
    results = json.loads((out / "eval" / "results.json").read_text())
    return {m: statistics.fmean(results[m][b]["pass@1"] for b in FAMILIES) for m in models}


def one_seed(seed: int, args: argparse.Namespace) -> dict:
    out = args.out / f"seed{seed}"
    out.mkdir(parents=True, exist_ok=True)
    log = out / "log.txt"
    reuse = args.reuse / f"seed{seed}" if args.reuse else None
    suite = prepare(seed, out, args.n_heldout, args.n_train, args.sft_max_steps, log, reuse)
    arms = {arm: train(out, arm, seed, args, log) for arm in ARMS}
    cold = str(out / "cold_start")
    acc = evaluate(out, suite, [cold] + [c["model"] for a in arms.values() for c in a["checkpoints"]], log)
    target = args.target if args.target is not None else acc[cold] + args.target_gain
    budget = min(a["train_seconds"] for a in arms.values())
    for a in arms.values():
        curve = [(0, 0.0, acc[cold])] + [(c["step"], c["wall_s"], acc[c["model"]]) for c in a["checkpoints"]]
        a["curve"] = curve
        a["final_acc"] = curve[-1][2]
        a["acc_at_equal_wall"] = [x for x in curve if x[1] <= budget + 1e-6][-1][2]
        reached = [x for x in curve if x[2] >= target]
        a["steps_to_target"], a["wall_to_target"] = (reached[0][0], reached[0][1]) if reached else (None, None)
    return {"seed": seed, "cold_start_acc": acc[cold], "target": target, "equal_wall_s": budget, "arms": arms}


def _fmt(x, spec: str = ".3f") -> str:
    return "-" if x is None else format(x, spec)


def report(rows: list[dict]) -> str:
    head = (f"{'seed':>4} {'arm':>8} {'cold':>6} {'final':>6} {'@eqwall':>8} {'target':>6} {'steps→t':>8} "
            f"{'s→t':>6} {'rounds':>6} {'compl/st':>8} {'s/step':>7} {'zero_std':>8} {'dropped':>7} {'capped':>6}")
    lines = [head]
    for r in rows:
        for arm, a in r["arms"].items():
            lines.append(f"{r['seed']:>4} {arm:>8} {r['cold_start_acc']:>6.3f} {a['final_acc']:>6.3f} "
                         f"{a['acc_at_equal_wall']:>8.3f} {r['target']:>6.3f} {_fmt(a['steps_to_target'], 'd'):>8} "
                         f"{_fmt(a['wall_to_target'], '.0f'):>6} {a['rounds_per_step']:>6.2f} "
                         f"{a['completions_per_step']:>8.0f} {a['seconds_per_step']:>7.2f} "
                         f"{_fmt(a['frac_reward_zero_std'], '.2f'):>8} {_fmt(a['dropped_groups_frac'], '.2f'):>7} "
                         f"{a['capped_steps']:>6.0f}")
    for arm in ARMS:
        pick = lambda k: [r["arms"][arm][k] for r in rows if r["arms"][arm][k] is not None]
        lines.append(f"mean {arm:>8}: final {_fmt(_mean(pick('final_acc')))}, at equal wall "
                     f"{_fmt(_mean(pick('acc_at_equal_wall')))}, s/step {_fmt(_mean(pick('seconds_per_step')), '.2f')}, "
                     f"rounds/step {_fmt(_mean(pick('rounds_per_step')), '.2f')}, target reached in "
                     f"{len(pick('steps_to_target'))}/{len(rows)} seeds")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--steps", type=int, default=200, help="stage-1 steps per arm (the demo's 200)")
    p.add_argument("--eval-every", type=int, default=25, help="checkpoint (and evaluate) every N steps")
    p.add_argument("--max-rounds", type=int, default=4)
    p.add_argument("--n-heldout", type=int, default=200, help="held-out prompts per family (4 samples each)")
    p.add_argument("--n-train", type=int, default=2000, help="training rows per family")
    p.add_argument("--sft-max-steps", type=int, default=1200, help="cold-start SFT budget (learn_cpu.sh's)")
    p.add_argument("--target", type=float, default=None, help="target held-out accuracy (default: cold + gain)")
    p.add_argument("--target-gain", type=float, default=0.05)
    p.add_argument("--reuse", type=Path, default=None, metavar="DIR",
                   help="take each seed's rows and cold start from DIR/seedS (benchmarks/learning.py --out DIR)")
    p.add_argument("--out", type=Path, default=ROOT / "runs" / "bench_dynamic_sampling")
    p.add_argument("--json", type=Path, default=None)
    args = p.parse_args()
    load_before = os.getloadavg()
    rows = [one_seed(s, args) for s in args.seeds]
    text = report(rows)
    load = f"load average before {load_before[0]:.1f}, after {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)"
    print(text + "\n" + load)
    if args.json:
        args.json.write_text(json.dumps({"seeds": rows, "load": load, "args": {k: str(v) for k, v in vars(args).items()}},
                                        indent=1))


if __name__ == "__main__":
    main()
