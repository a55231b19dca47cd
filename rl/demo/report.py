"""The demo's report: `learning.json`, paired-bootstrap rises, the targets, and the plot.

Input: a pipeline run evaluated in-pipeline (`eval:` block; `<run>/eval/results.json` and `samples.parquet`,
shared design section 6): its input model (the cold start), stage 1 and stage 2. A rise between two models is the
mean over prompts of the per-prompt pass@1 difference, with a 95% paired bootstrap interval over prompts (both
models answered the same prompts). The stage-2 gate itself is the pipeline's (`eval.gate`); the "hold" targets
restate it with intervals.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BOOTSTRAP_RESAMPLES = 2000


@dataclass(frozen=True)
class Target:
    """A rise of `benchmark` from model `before` to model `after` (indices into the ordered models) of at least
    `min_rise` with an interval above 0, or, with `max_drop`, a change no worse than -max_drop."""

    benchmark: str
    before: int
    after: int
    min_rise: float | None = None
    max_drop: float | None = None

    def met(self, delta: float, ci: tuple[float, float]) -> bool:
        if self.min_rise is not None:
            return delta >= self.min_rise and ci[0] > 0
        return delta >= -self.max_drop


# Issue 11's targets: stage 1 lifts math and code, stage 2 lifts the rule checks and holds math and code.
TARGETS = (
    Target("math", 0, 1, min_rise=0.15), Target("code", 0, 1, min_rise=0.10), Target("general", 1, 2, min_rise=0.15),
    Target("math", 1, 2, max_drop=0.03), Target("code", 1, 2, max_drop=0.03),
)


def per_prompt_pass1(samples_dir: str | Path, model: str, benchmark: str) -> dict[str, float]:
    """{prompt id: share of its scored samples that passed} for one model and benchmark of an eval output."""
    import pyarrow.parquet as pq

    table = pq.read_table(Path(samples_dir) / "samples.parquet",
                          filters=[("model", "=", model), ("benchmark", "=", benchmark)]).to_pylist()
    counts: dict[str, list[int]] = {}
    for row in table:
        if row.get("score") is None:  # unscored (infrastructure): left out, as in the eval's metrics
            continue
        c = counts.setdefault(str(row["id"]), [0, 0])
        c[0] += bool(row["passed"])
        c[1] += 1
    return {k: p / n for k, (p, n) in counts.items() if n}


def paired_rise(before: dict[str, float], after: dict[str, float], seed: int = 0) -> tuple[float, tuple[float, float]]:
    """Mean per-prompt difference (after - before) over shared prompts, and its 95% paired bootstrap interval."""
    import numpy as np

    ids = sorted(set(before) & set(after))
    if not ids:
        raise ValueError("the two models share no scored prompt")
    diff = np.array([after[i] - before[i] for i in ids])
    rng = np.random.default_rng(seed)
    means = diff[rng.integers(0, len(diff), size=(BOOTSTRAP_RESAMPLES, len(diff)))].mean(axis=1)
    lo, hi = np.percentile(means, [2.5, 97.5])
    return float(diff.mean()), (float(lo), float(hi))


DEMO_LABELS = ("cold start", "stage 1", "stage 2")


def run_models(run_dir: str | Path) -> list[tuple[str, str]]:
    """`[(eval label, model folder), ...]` of a pipeline run: its input model, then every finished stage."""
    from rl.eval.targets import pipeline_models

    chain = pipeline_models(Path(run_dir))
    if len(chain) != len(DEMO_LABELS):
        raise ValueError(f"{run_dir}: expected the input model and 2 finished stages, found "
                         f"{[label for label, _ in chain] or 'no finished stage'}")
    return chain


def evaluate_targets(run_dir: str | Path) -> dict[str, Any]:
    """The learning record of a pipeline run evaluated in-pipeline (`eval:`, results in `<run_dir>/eval/`):
    models and their results under the demo's labels, the paired rises and the targets."""
    chain = run_models(run_dir)
    eval_dir = Path(run_dir) / "eval"
    results = json.loads((eval_dir / "results.json").read_text())
    missing = [label for label, _ in chain if label not in results]
    if missing:
        raise ValueError(f"no eval results for {', '.join(missing)} in {eval_dir}")
    eval_label = {demo: label for demo, (label, _) in zip(DEMO_LABELS, chain)}
    record: dict[str, Any] = {"models": {demo: model for demo, (_, model) in zip(DEMO_LABELS, chain)},
                              "results": {demo: results[eval_label[demo]] for demo in DEMO_LABELS},
                              "targets": []}
    for t in TARGETS:
        a, b = eval_label[DEMO_LABELS[t.before]], eval_label[DEMO_LABELS[t.after]]
        delta, ci = paired_rise(per_prompt_pass1(eval_dir, a, t.benchmark), per_prompt_pass1(eval_dir, b, t.benchmark))
        goal = f">= +{t.min_rise:.2f}, interval > 0" if t.min_rise is not None else f">= -{t.max_drop:.2f}"
        record["targets"].append({"benchmark": t.benchmark, "from": DEMO_LABELS[t.before],
                                  "to": DEMO_LABELS[t.after], "kind": "rise" if t.min_rise is not None else "hold",
                                  "delta": round(delta, 4), "ci95": [round(ci[0], 4), round(ci[1], 4)],
                                  "goal": goal, "met": t.met(delta, ci)})
    record["all_met"] = all(t["met"] for t in record["targets"])
    record["holds_met"] = all(t["met"] for t in record["targets"] if t["kind"] == "hold")
    return record


def summary(record: dict[str, Any]) -> str:
    """Human-readable lines: pass@1 per model and benchmark, then each target with its interval."""
    labels = list(record["models"])
    benches = list(record["results"][labels[0]])
    lines = ["model        " + "".join(f"{b:>22}" for b in benches)]
    for lab in labels:
        cells = []
        for b in benches:
            m = record["results"][lab][b]
            ci = m.get("ci95") or [m["pass@1"], m["pass@1"]]
            cells.append(f"{m['pass@1']:.3f} [{ci[0]:.3f}, {ci[1]:.3f}]".rjust(22))
        lines.append(f"{lab:<13}" + "".join(cells))
    for t in record["targets"]:
        lines.append(f"{t['benchmark']:>8} {t['from']} -> {t['to']}: {t['delta']:+.3f} "
                     f"[{t['ci95'][0]:+.3f}, {t['ci95'][1]:+.3f}] (goal {t['goal']}): "
                     + ("met" if t["met"] else "NOT met"))
    return "\n".join(lines)


def plot(record: dict[str, Any], path: str | Path) -> None:
    """Held-out pass@1 per benchmark across the models, with the eval's 95% intervals."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = list(record["models"])
    benches = list(record["results"][labels[0]])
    fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=120)
    for j, bench in enumerate(benches):
        xs = [i + (j - (len(benches) - 1) / 2) * 0.06 for i in range(len(labels))]
        ys = [record["results"][lab][bench]["pass@1"] for lab in labels]
        cis = [record["results"][lab][bench].get("ci95") or [y, y] for lab, y in zip(labels, ys)]
        err = [[y - c[0] for y, c in zip(ys, cis)], [c[1] - y for y, c in zip(ys, cis)]]
        ax.errorbar(xs, ys, yerr=err, marker="o", capsize=4, label=bench)
    ax.set_xticks(range(len(labels)), labels)
    ax.set_ylim(0, 1)
    ax.set_ylabel("held-out pass@1 (95% interval)")
    ax.set_title("GRPO on CPU: cold start -> stage 1 -> stage 2")
    ax.grid(axis="y", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def write_report(out_dir: str | Path, run_dir: str | Path) -> dict[str, Any]:
    """Write `learning.json` and `learning.png` into `out_dir` for the pipeline run in `run_dir`; returns the
    record."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    record = evaluate_targets(run_dir)
    (out / "learning.json").write_text(json.dumps(record, indent=2) + "\n")
    plot(record, out / "learning.png")
    return record
