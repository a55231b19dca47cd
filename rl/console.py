"""A readable training console: one line per logging step, and a completions sample that fits 100 columns.

- `drop_undefined` drops metrics that are undefined for the logging window (a reward with no row of its task in the
  window: TRL would log `None`, which the loggers warn about), keeping `infra_failures` counters as numbers.
- `step_line` renders the rewards that matter: the total, each reward's mean, the share of groups with no reward
  spread, completion length, infrastructure failures, loss.
- `completions_lines` renders TRL's recent samples as `reward | advantage | prompt -> completion` lines, each cut
  to `width` columns (the full text stays in `<stage>/completions/*.parquet`, and in the run report).
- `CompactProgressBar` / `CompactPrinter` replace transformers' ProgressCallback / PrinterCallback, printing
  `step_line` instead of the raw metrics dict.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

from transformers.trainer_callback import PrinterCallback, ProgressCallback

WIDTH = 100


def drop_undefined(window: dict[str, list[float]]) -> None:
    """Remove, in place, the metrics of a logging window that have no defined value (all NaN); `infra_failures`
    counters stay (their NaNs read as 0)."""
    for key in list(window):
        values = window[key]
        if values and all(isinstance(v, float) and math.isnan(v) for v in values):
            if key.endswith("infra_failures"):
                window[key] = [0.0]
            else:
                del window[key]


def _fmt(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def step_line(logs: dict[str, Any], step: int, max_steps: int) -> str:
    """One console line for a logging step (see the module doc)."""
    parts = [f"step {step}/{max_steps}" if max_steps > 0 else f"step {step}"]
    if "reward" in logs:
        parts.append(f"reward {_fmt(logs['reward'])}")
    for key, value in logs.items():
        if key.startswith("rewards/") and key.endswith("/mean"):
            parts.append(f"{key[len('rewards/'):-len('/mean')]} {_fmt(value)}")
    infra = sum(v for k, v in logs.items() if k.endswith("infra_failures") and isinstance(v, (int, float)))
    named = (("frac_reward_zero_std", "zero-std"), ("completions/mean_length", "len"),
             ("completions/clipped_ratio", "clipped"), ("loss", "loss"), ("kl", "kl"), ("eval_reward", "eval"))
    parts += [f"{label} {_fmt(logs[key])}" for key, label in named if key in logs]
    if infra:
        parts.append(f"INFRA FAILURES {int(infra)}")
    return " | ".join(parts)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _message_text(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(str(m.get("content") or "") for m in value if isinstance(m, dict))
    return str(value)


def completions_lines(prompts: Sequence[Any], completions: Sequence[Any], rewards: dict[str, Sequence[float]],
                      advantages: Sequence[float], n: int | None, width: int = WIDTH) -> list[str]:
    """The last `n` samples as `reward | adv | prompt -> completion` lines of at most `width` columns."""
    count = len(completions) if not n else min(n, len(completions))
    lines = []
    for i in range(len(completions) - count, len(completions)):
        total = sum(r[i] for r in rewards.values() if i < len(r) and not math.isnan(r[i]))
        adv = advantages[i] if i < len(advantages) else float("nan")
        head = f"  r {total:+.2f} a {adv:+.2f} | "
        prompt = _one_line(_message_text(prompts[i]))[-30:]
        body = f"{prompt} -> {_one_line(_message_text(completions[i]))}"
        room = width - len(head)
        lines.append(head + (body if len(body) <= room else body[:room - 1] + "…"))
    return lines


def write(text: str) -> None:
    """Print above any active progress bar (tqdm.write), so bar and text never share a line."""
    from tqdm.auto import tqdm

    tqdm.write(text)


def _summary(logs: dict[str, Any], state: Any) -> str:
    if "train_runtime" in logs:
        return f"train done in {logs['train_runtime']:.1f}s, mean loss {_fmt(logs.get('train_loss', float('nan')))}"
    return step_line(logs, state.global_step, state.max_steps)


class CompactProgressBar(ProgressCallback):
    """transformers' progress bar, with one `step_line` per log instead of the metrics dict."""

    def on_log(self, args, state, control, logs=None, **kwargs):
        if state.is_world_process_zero and self.training_bar is not None and logs:
            self.training_bar.write(_summary(logs, state))


class CompactPrinter(PrinterCallback):
    """transformers' printer (used with `disable_tqdm`), printing one `step_line` per log."""

    def on_log(self, args, state, control, logs=None, **kwargs):
        if state.is_local_process_zero and logs:
            print(_summary(logs, state), flush=True)


def install(callback_handler: Any) -> None:
    """Swap the stock progress/printer callbacks of a trainer's `callback_handler` for the compact ones."""
    for cb in list(callback_handler.callbacks):
        for stock, compact in ((ProgressCallback, CompactProgressBar), (PrinterCallback, CompactPrinter)):
            if type(cb) is stock:
                callback_handler.remove_callback(cb)
                callback_handler.add_callback(compact())
