"""One pipeline stage: build GRPOConfig + GRPOTrainer, train (resuming from the last checkpoint), save, summarise.

Output layout of a stage, `<output_dir>/<stage>/`: `checkpoint-N/` (full trainer state, for resume), `completions/`
(sampled completions per logging step, parquet), `runs/` (tensorboard), and at the end the HF model, tokenizer and
`trainer_state.json` (with LoRA: the merged model, plus the adapter in `adapter/`).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rl import models, signals
from rl.checkpoints import disk_full_named, live_checkpoint_bytes
from rl.spec import PipelineSpec, StageSpec

logger = logging.getLogger(__name__)

@dataclass
class StageResult:
    name: str
    output_dir: str
    global_step: int
    resumed_from: str | None
    seconds: float
    metrics: dict[str, float] = field(default_factory=dict)
    infra_failures: dict[str, tuple[int, int]] = field(default_factory=dict)

    def summary_line(self) -> str:
        """One human-readable line: steps, resume point, time, final reward metrics, infra failures, output."""
        resumed = f" (resumed from {Path(self.resumed_from).name})" if self.resumed_from else ""
        metrics = " ".join(f"{k}={v:.3g}" for k, v in self.metrics.items()) or "no metrics logged"
        infra = ", ".join(f"{k} {f}/{n}" for k, (f, n) in sorted(self.infra_failures.items())) or "none counted"
        return (f"[stage {self.name}] done: {self.global_step} steps{resumed} in {self.seconds:.1f}s | "
                f"stage means: {metrics} | infra failures: {infra} | model -> {self.output_dir}")


def last_checkpoint(stage_dir: str | Path) -> str | None:
    """The newest complete `checkpoint-N` folder in `stage_dir`, or None; newer incomplete ones (a save that died
    half-way) are skipped with a warning (`rl.checkpoints`)."""
    from rl.checkpoints import newest_complete

    return newest_complete(stage_dir)[0]


def stage_metrics(log_history: list[dict[str, Any]]) -> dict[str, float]:
    """Reward metrics (total and per reward) and completion length, averaged over the stage's logged steps."""
    wanted = lambda k: k in ("reward", "completions/mean_length") or (k.startswith("rewards/") and k.endswith("/mean")) \
        or k.startswith("tools/")
    values: dict[str, list[float]] = {}
    for entry in log_history:
        for k, v in entry.items():
            if wanted(k) and isinstance(v, (int, float)):
                values.setdefault(k, []).append(float(v))
    return {k.removeprefix("rewards/").removesuffix("/mean"): sum(v) / len(v) for k, v in values.items()}


def _gathered_infra(accelerator, before: tuple[Counter, Counter]) -> dict[str, tuple[int, int]]:
    """Infra-failure counters of this stage (failed, attempted) per reward, summed over all processes."""
    from accelerate.utils import gather_object

    from rewards import infra

    local = {k: (infra.FAILURES[k] - before[0][k], infra.SCORED[k] - before[1][k]) for k in infra.SCORED}
    merged: dict[str, tuple[int, int]] = {}
    for part in gather_object([local]) if accelerator.num_processes > 1 else [local]:
        for k, (f, n) in part.items():
            pf, pn = merged.get(k, (0, 0))
            merged[k] = (pf + f, pn + n)
    return merged


def run_stage(pipeline: PipelineSpec, stage: StageSpec, model: str) -> StageResult:
    """Train `stage` starting from `model` (path or hub id); returns its result once saved to `<output_dir>/<stage>/`.

    Resumes from the newest checkpoint in the stage folder (optimizer, scheduler, RNG and data position included).
    """
    from accelerate import PartialState

    from rewards import infra
    from rewards.config import build_rewards
    from rl.data import DataError, load_stage_datasets
    from rl.grpo import grpo_config
    from rl.dynamic_sampling.trainer import with_dynamic_sampling
    from rl.trainer import PipelineGRPOTrainer

    start = time.monotonic()
    stage_dir = pipeline.stage_dir(stage)
    funcs, _ = build_rewards(stage.rewards, f"stages[{stage.name}].rewards")
    args = grpo_config(stage, model, pipeline.model_options)
    tokenizer = models.load_tokenizer(model)
    with PartialState().main_process_first():
        train_ds, eval_ds = load_stage_datasets(stage, tokenizer, pipeline.seed)
    if stage.evaluates and eval_ds is None:
        raise DataError(f"stage {stage.name}: eval_fraction {stage.eval_fraction} held out no rows (every source "
                        "has fewer than 2 rows); set eval_fraction to 0 or add rows")
    trainer_cls = with_dynamic_sampling(PipelineGRPOTrainer, stage.dynamic_sampling)
    extra: dict[str, Any] = {}
    if stage.tools:
        from rl.tools.stage import tool_trainer

        trainer_cls, extra = tool_trainer(trainer_cls, stage.tools, stage.tool_options, tokenizer, args,
                                          f"stages[{stage.name}]")
    trainer = trainer_cls(
        model=model,
        reward_funcs=funcs,
        args=args,
        train_dataset=train_ds,
        eval_dataset=eval_ds,
        processing_class=tokenizer,
        peft_config=models.lora_config(pipeline.model_options),
        **extra,
    )
    if (stop := signals.current()) is not None:
        trainer.add_callback(signals.StopOnSigterm(stop, trainer))
    resume = last_checkpoint(stage_dir)
    if resume:
        logger.info("stage %s: resuming from %s", stage.name, resume)
    before = (infra.FAILURES.copy(), infra.SCORED.copy())
    try:
        trainer.train(resume_from_checkpoint=resume)
    finally:
        trainer.close_rewards()
    signals.check_stopped()  # SIGTERM: the stage is not finished; a rerun resumes it
    with disk_full_named(stage_dir, lambda: live_checkpoint_bytes(trainer.model, None)):
        _save(trainer, tokenizer, pipeline, model, stage_dir)
    result = StageResult(
        name=stage.name,
        output_dir=str(stage_dir),
        global_step=trainer.state.global_step,
        resumed_from=resume,
        seconds=time.monotonic() - start,
        metrics=stage_metrics(trainer.state.log_history),
        infra_failures=_gathered_infra(trainer.accelerator, before),
    )
    if trainer.accelerator.is_main_process:
        print(result.summary_line(), flush=True)
    return result


def _save(trainer, tokenizer, pipeline: PipelineSpec, model: str, stage_dir: Path) -> None:
    """Save the final model (merged when LoRA), tokenizer and trainer_state.json into `stage_dir`."""
    if pipeline.model_options.lora is not None:
        adapter_dir = stage_dir / "adapter"
        trainer.save_model(str(adapter_dir))  # gathers ZeRO-3 shards; main process writes
        if trainer.accelerator.is_main_process:
            models.merge_lora(model, adapter_dir, stage_dir, pipeline.model_options)
    else:
        trainer.save_model(str(stage_dir))
    trainer.save_state()
    if trainer.accelerator.is_main_process:
        tokenizer.save_pretrained(stage_dir)
    trainer.accelerator.wait_for_everyone()
