"""The validated pipeline, as typed specs: what `rl.config.load_pipeline_config` returns and every stage consumes.

This module holds data only (no validation, no heavy imports), so any part of `rl` can import the specs without an
import cycle. `rl.config` builds them; `rl.stage`, `rl.pipeline` and `rl.data` read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rewards.config import RewardSpec


@dataclass
class DatasetSource:
    """One dataset of a stage: a hub id or a local path, the adapter mapping it into the row schema, and its share."""

    source: str                      # hub id or local path (as written)
    adapter: str = "rows"
    weight: float = 1.0
    split: str = "train"
    subset: str | None = None        # hub config name
    max_samples: int | None = None   # keep the first N raw rows
    local_path: str | None = None    # resolved absolute path for local sources, None for hub ids


@dataclass
class LoraOptions:
    r: int = 16
    alpha: int = 32
    dropout: float = 0.05
    target_modules: str | list[str] = "all-linear"


@dataclass
class ModelOptions:
    """How the policy is loaded and trained (shared by every stage)."""

    dtype: str = "auto"
    lora: LoraOptions | None = None
    activation_checkpointing: bool = False   # recompute each layer's activations in the backward
    rope_scaling: dict[str, Any] | None = None
    attn_implementation: str | None = None

    @property
    def gradient_checkpointing(self) -> bool:
        """The deprecated name of `activation_checkpointing` (transformers 5.24 renamed the training argument)."""
        return self.activation_checkpointing


@dataclass
class SandboxOptions:
    """The run's sandbox servers. `urls` come from the config's `sandbox.urls`, else from `$SANDBOX_URL` read once
    when the config is loaded (`source` says which); empty means a reward that needs a sandbox gets an embedded
    server for the run, `workers` wide."""

    urls: list[str] = field(default_factory=list)
    workers: int | None = None
    source: str = ""                 # "sandbox.urls", "$SANDBOX_URL", or "" (none given: embedded when needed)


@dataclass
class DynamicSamplingOptions:
    """A stage's `dynamic_sampling` block (`rl.dynamic_sampling`): drop GRPO groups whose `metric` rewards (reward
    names of the stage; by default its accuracy rewards) have zero variance, and refill the batch from new prompts,
    up to `max_rounds` generation rounds per step."""

    enabled: bool = True
    metric: list[str] = field(default_factory=list)
    max_rounds: int = 4


@dataclass
class StageSpec:
    """One GRPO stage, fully validated.

    `grpo` holds the user's GRPOConfig keys (`grpo_defaults` merged under the stage's own). `grpo_args` holds every
    GRPOConfig keyword argument the stage trains with, computed once by `rl.grpo.grpo_args` (pipeline defaults,
    the user's keys, and the pipeline-owned settings: output folder, run name, reward weights, precision,
    evaluation schedule); only `model_init_kwargs`, which depend on the input model, are added when the stage runs.
    `rewards` have the run values they declare as needs already bound (`rewards.needs`).
    """

    name: str
    datasets: list[DatasetSource]
    rewards: list[RewardSpec]
    reward_source: str               # reward config name or path (as written), or "inline"
    grpo: dict[str, Any] = field(default_factory=dict)
    grpo_args: dict[str, Any] = field(default_factory=dict)
    system_prompt: str | None = None
    max_prompt_tokens: int | None = None
    eval_fraction: float = 0.0
    dynamic_sampling: DynamicSamplingOptions | None = None
    tools: list[dict[str, Any]] = field(default_factory=list)  # [{name, kwargs, bound}] (rl.tools.config)
    tool_options: dict[str, Any] = field(default_factory=dict)

    @property
    def evaluates(self) -> bool:
        """Whether the trainer evaluates on a held-out split during this stage."""
        return self.grpo_args.get("eval_strategy", "no") != "no"


@dataclass
class EvalOptions:
    """Evaluation inside the run (`rl.eval.in_pipeline`): the suite (resolved path), whether the input model is
    evaluated first, and the gate: benchmark -> max_drop of pass@1 against the previous stage."""

    suite: str
    before: bool = True
    gate: dict[str, float] = field(default_factory=dict)


@dataclass
class SigtermOptions:
    """What SIGTERM does (`rl.signals`): stop after the current step, saving a checkpoint first when `save` is set
    and the save is expected to end within `grace_s` (Slurm's KillWait: 30 s by default)."""

    save: bool = True
    grace_s: float = 30.0


@dataclass
class PipelineSpec:
    """A whole pipeline: the input model, where stages write, the stages in order, and run-wide options."""

    model: str
    output_dir: str
    stages: list[StageSpec]
    seed: int = 42
    report_to: list[str] = field(default_factory=list)
    model_options: ModelOptions = field(default_factory=ModelOptions)
    sandbox: SandboxOptions = field(default_factory=SandboxOptions)
    eval: EvalOptions | None = None
    on_sigterm: SigtermOptions = field(default_factory=SigtermOptions)
    source_path: str | None = None   # the YAML file it was loaded from (absolute)

    def stage_dir(self, stage: StageSpec) -> Path:
        """`<output_dir>/<stage name>/`, where a stage writes its checkpoints and final model."""
        return Path(self.output_dir) / stage.name
