"""Training curves of one stage as a PNG (matplotlib, headless), returned as base64 for inlining.

Four panels from `log_history`: each reward's mean (`rewards/<name>/mean`) and the total `reward`;
`frac_reward_zero_std` (groups with no reward spread: no learning signal); completion length (mean, and max when
logged); infrastructure failures per reward (`rewards/<name>/infra_failures`).
"""

from __future__ import annotations

import base64
import io
from typing import Any


def series(history: list[dict[str, Any]], key: str) -> tuple[list[int], list[float]]:
    """(steps, values) of `key` over the logged training steps (entries without it, or with None, skipped)."""
    steps, values = [], []
    for entry in history:
        value = entry.get(key)
        if isinstance(value, (int, float)) and "step" in entry:
            steps.append(int(entry["step"]))
            values.append(float(value))
    return steps, values


def _keys(history: list[dict[str, Any]], prefix: str, suffix: str) -> list[str]:
    found: list[str] = []
    for entry in history:
        found += [k for k in entry if k.startswith(prefix) and k.endswith(suffix) and k not in found]
    return found


def stage_png(history: list[dict[str, Any]], title: str) -> str:
    """The stage's 2x2 panel figure as base64 PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(10, 6), dpi=90)
    panels = [
        (axes[0][0], "rewards (mean)", ["reward"] + _keys(history, "rewards/", "/mean")),
        (axes[0][1], "frac_reward_zero_std", ["frac_reward_zero_std"]),
        (axes[1][0], "completion length (tokens)", ["completions/mean_length", "completions/max_length"]),
        (axes[1][1], "infrastructure failures", _keys(history, "rewards/", "/infra_failures")),
    ]
    for ax, name, keys in panels:
        drawn = False
        for key in keys:
            steps, values = series(history, key)
            if steps:
                label = key.removeprefix("rewards/").removesuffix("/mean").removesuffix("/infra_failures")
                ax.plot(steps, values, marker="o", markersize=3, linewidth=1.5, label=label)
                drawn = True
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("step", fontsize=8)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
        if drawn:
            ax.legend(fontsize=7, loc="best")
        else:
            ax.text(0.5, 0.5, "not logged", ha="center", va="center", transform=ax.transAxes, color="gray")
    fig.suptitle(title, fontsize=12)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")
