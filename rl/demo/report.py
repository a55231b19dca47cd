"""The demo's report: `learning.json`, paired-bootstrap rises, the targets, the stage-2 gate, and the plot.

Inputs are `rl eval` outputs (`results.json` and `samples.parquet`, shared design section 6) for the models in
order: cold start, stage 1, stage 2. A rise between two models is the mean over prompts of the per-prompt pass@1
difference, with a 95% paired bootstrap interval over prompts (both models answered the same prompts).
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


def load_results(eval_dirs: list[str | Path]) -> tuple[dict[str, Any], dict[str, Path]]:
    """Merged `results.json` of the eval folders, and which folder holds each model's samples."""
    results, where = {}, {}
    for d in eval_dirs:
        data = json.loads((Path(d) / "results.json").read_text())
        results.update(data)
        where.update({label: Path(d) for label in data})
    return results, where


def evaluate_targets(models: dict[str, str], eval_dirs: list[str | Path]) -> dict[str, Any]:
    """The learning record: models, their eval results (by demo label), the rises and the targets."""
    results, where = load_results(eval_dirs)
    labels = list(models)
    missing = [models[lab] for lab in labels if models[lab] not in results]
    if missing:
        raise ValueError(f"no eval results for {', '.join(missing)} in {', '.join(map(str, eval_dirs))}")
    record: dict[str, Any] = {"models": models, "results": {lab: results[models[lab]] for lab in labels},
                              "targets": []}
    for t in TARGETS:
        a, b = models[labels[t.before]], models[labels[t.after]]
        delta, ci = paired_rise(per_prompt_pass1(where[a], a, t.benchmark), per_prompt_pass1(where[b], b, t.benchmark))
        goal = f">= +{t.min_rise:.2f}, interval > 0" if t.min_rise is not None else f">= -{t.max_drop:.2f}"
        record["targets"].append({"benchmark": t.benchmark, "from": labels[t.before], "to": labels[t.after],
                                  "delta": round(delta, 4), "ci95": [round(ci[0], 4), round(ci[1], 4)],
                                  "goal": goal, "met": t.met(delta, ci)})
    record["all_met"] = all(t["met"] for t in record["targets"])
    return record


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


def write_report(out_dir: str | Path, models: dict[str, str], eval_dirs: list[str | Path]) -> dict[str, Any]:
    """Write `learning.json` and `learning.png` into `out_dir`; returns the record."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    record = evaluate_targets(models, eval_dirs)
    (out / "learning.json").write_text(json.dumps(record, indent=2) + "\n")
    plot(record, out / "learning.png")
    return record
