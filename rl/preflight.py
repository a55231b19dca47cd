"""Everything checkable before stage 1 starts: run by `rl train --check`, and by `rl train` before any model loads.

Checked, for every stage (not only the first):
- **Rows.** Each dataset is read, adapted, templated and validated as training will (`rl.data.loading`): a data
  file that does not parse names `file:line` with counts; a source whose rows are all bad (or all too long for
  `max_prompt_tokens`, measured with the input model's tokenizer when it is local) is an error; dropped rows are
  counted with the first reasons. Hub datasets are read by `rl train` (downloaded once, into the datasets cache);
  `--check` only checks that they exist, so it never downloads a dataset.
- **Model references** (`model`, and reward kwargs declared `model_ref`, e.g. `reward_model.model`). A reference
  that looks like a path (`rl.data.sources.looks_local`) must be an existing folder with a `config.json`; a
  reward model's relative path is read from the working directory. Anything else is a hub id: it must be a valid
  id, and found in the local hub cache, or, unless `HF_HUB_OFFLINE` is set, on the hub. The hub is asked once per
  reference, all at once, off the main thread, for at most `HUB_TIMEOUT_S` seconds. A hub that does not answer is
  an error for `rl train`, and only a warning for `--check` (which may run on a machine without the hub).
- **Hub datasets:** the same existence check, as dataset repositories.
- **Tools:** a stage with `tools:` needs a chat template that renders the tools, a Qwen/Hermes tool call and a tool
  result (`rl.tools.parsing.check_chat_template`, on the input model's tokenizer when it is local or cached).
- **output_dir:** it, or the nearest folder above it that exists, must be a writable folder (a file in the way, a
  read-only mount or missing permissions are errors), and its disk must have room for one checkpoint, estimated
  as parameters x bytes per parameter x (1 + 2 Adam states) from the input model's safetensors headers (LoRA:
  the merged model the stage saves at its end). DeepSpeed checkpoints also hold fp32 master weights, so this is a
  lower bound there.

Every problem found is collected; `PreflightError` reports them all on one line.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rewards import registry
from rewards.kwargs import model_ref_kwargs
from rl.checkpoints import human_bytes, safetensors_numel
from rl.failures import raise_on_every_process
from rl.spec import PipelineSpec

logger = logging.getLogger(__name__)

HUB_TIMEOUT_S = 5.0
ADAM_STATES = 2


class PreflightError(ValueError):
    """Something checkable before the run is wrong; the message lists every problem found, on one line."""


@dataclass
class Findings:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class ModelRef:
    where: str          # the config key, e.g. stages[1].rewards[2].kwargs.model
    ref: str
    repo_type: str      # model | dataset
    cwd_only: bool = False   # a relative path is read from the working directory only (reward kwargs)


# ---- model and dataset references -------------------------------------------------------------------------------

def _hub_cached(ref: str, repo_type: str) -> Path | None:
    """The newest snapshot of `ref` in the local hub cache, or None."""
    from huggingface_hub import constants

    snapshots = Path(constants.HF_HUB_CACHE) / f"{repo_type}s--{ref.replace('/', '--')}" / "snapshots"
    found = sorted(snapshots.iterdir(), key=lambda p: p.stat().st_mtime) if snapshots.is_dir() else []
    return found[-1] if found else None


def _probe(ref: str, repo_type: str, timeout_s: float, out: dict[str, str]) -> None:
    from huggingface_hub import HfApi
    from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError

    try:
        HfApi().repo_info(ref, repo_type=repo_type, timeout=timeout_s)
        out[ref] = "ok"
    except GatedRepoError:
        out[ref] = "gated"
    except RepositoryNotFoundError:
        out[ref] = "missing"
    except Exception as e:  # noqa: BLE001  any other failure: the hub did not answer usefully
        out[ref] = f"unreachable ({type(e).__name__}: {str(e)[:120]})"


def probe_hub(refs: list[tuple[str, str]], timeout_s: float) -> dict[str, str]:
    """Ask the hub about every `(ref, repo_type)` at once, each in a daemon thread; `{ref: ok | gated | missing |
    unreachable (...)}` within `timeout_s` (+ 1 s), whatever the network does."""
    import time

    out: dict[str, str] = {}
    threads = [threading.Thread(target=_probe, args=(r, t, timeout_s, out), daemon=True) for r, t in refs]
    for t in threads:
        t.start()
    deadline = time.monotonic() + timeout_s + 1.0
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    return {r: out.get(r, f"unreachable (no answer within {timeout_s:g} s)") for r, _ in refs}


def _local_problem(item: ModelRef, config_dir: Path | None) -> str | None:
    from rl.data.sources import resolve_local

    path = Path(item.ref).expanduser()
    if not path.exists():
        elsewhere = None if item.cwd_only is False or path.is_absolute() else resolve_local(item.ref, config_dir)
        hint = (f" (there is one at {elsewhere}, but this path is read from the working directory {Path.cwd()})"
                if elsewhere else f" (working directory {Path.cwd()})" if not path.is_absolute() else "")
        return f"{item.where}: local {item.repo_type} {item.ref!r} not found{hint}"
    if item.repo_type == "model" and not (path / "config.json").is_file():
        return f"{item.where}: {path} is not a model folder (no config.json)"
    return None


def check_refs(items: list[ModelRef], config_dir: Path | None, findings: Findings, check_only: bool,
               offline: bool, timeout_s: float) -> set[str]:
    """Check local paths and hub ids (see the module doc); returns the hub ids that are usable."""
    from huggingface_hub.utils import HFValidationError, validate_repo_id

    from rl.data.sources import looks_local

    to_probe: dict[str, ModelRef] = {}
    usable: set[str] = set()
    for item in items:
        if looks_local(item.ref):
            if (problem := _local_problem(item, config_dir)) is not None:
                findings.problems.append(problem)
            continue
        try:
            validate_repo_id(item.ref)
        except HFValidationError:
            findings.problems.append(f"{item.where}: {item.ref!r} is neither an existing local path nor a valid "
                                     "hub id")
            continue
        if _hub_cached(item.ref, item.repo_type) is not None:
            findings.notes.append(f"{item.where}: {item.ref} (hub {item.repo_type}, in the local hub cache)")
            usable.add(item.ref)
        elif offline:
            findings.problems.append(f"{item.where}: {item.ref!r} is not a local folder and not in the local hub "
                                     "cache, and HF_HUB_OFFLINE is set (download it first, or give a local path)")
        else:
            to_probe.setdefault(item.ref, item)
    if to_probe:
        answers = probe_hub([(r, i.repo_type) for r, i in to_probe.items()], timeout_s)
        for ref, answer in answers.items():
            item = to_probe[ref]
            if answer == "ok":
                findings.notes.append(f"{item.where}: {ref} (hub {item.repo_type}, found on the hub)")
                usable.add(ref)
            elif answer == "missing":
                findings.problems.append(f"{item.where}: {ref!r} is not a local folder and the hub has no such "
                                         f"{item.repo_type} (or it is private: log in with `hf auth login`)")
            elif answer == "gated":
                findings.problems.append(f"{item.where}: {ref!r} is gated on the hub: accept its terms on its page "
                                         "and log in with `hf auth login`")
            else:
                line = (f"{item.where}: {ref!r} is not in the local hub cache and the hub is {answer}; download it "
                        "where the hub is reachable, or give a local path")
                (findings.warnings if check_only else findings.problems).append(line)
    return usable


def model_refs(pipeline: PipelineSpec) -> list[ModelRef]:
    """Every model the run loads by reference: the input model, and reward kwargs declared `model_ref`."""
    items = [ModelRef("model", str(pipeline.model), "model")]
    for i, stage in enumerate(pipeline.stages):
        for j, spec in enumerate(stage.rewards):
            for key in sorted(model_ref_kwargs(registry.get(spec.name).Kwargs)):
                value = spec.kwargs.get(key)
                if isinstance(value, str):
                    items.append(ModelRef(f"stages[{i}].rewards[{j}].kwargs.{key} ({stage.name})", value, "model",
                                          cwd_only=True))
    return items


def dataset_refs(pipeline: PipelineSpec) -> list[ModelRef]:
    return [ModelRef(f"stages[{i}].datasets[{j}] ({stage.name})", src.source, "dataset")
            for i, stage in enumerate(pipeline.stages) for j, src in enumerate(stage.datasets) if not src.local_path]


# ---- rows -------------------------------------------------------------------------------------------------------

def _tokenizer(model: str, usable_hub: set[str]) -> Any:
    from rl import models

    if Path(model).is_dir() or model in usable_hub:
        try:
            return models.load_tokenizer(model)
        except Exception:  # noqa: BLE001  a broken tokenizer is the trainer's error to report
            return None
    return None


def check_rows(pipeline: PipelineSpec, findings: Findings, check_only: bool, usable_hub: set[str]) -> None:
    """Read, adapt and validate every stage's rows (hub datasets only outside `--check`)."""
    tokenizer = None
    if any(s.max_prompt_tokens is not None for s in pipeline.stages):
        tokenizer = _tokenizer(str(pipeline.model), usable_hub)
    loader_log = logging.getLogger("rl.data.loading")
    level = loader_log.level
    loader_log.setLevel(logging.ERROR)  # its drop warnings are summarised here, once per source
    try:
        _check_stage_rows(pipeline, findings, check_only, usable_hub, tokenizer)
    finally:
        loader_log.setLevel(level)


def _check_stage_rows(pipeline: PipelineSpec, findings: Findings, check_only: bool, usable_hub: set[str],
                      tokenizer: Any) -> None:
    from rl.data.loading import DataError, source_rows
    from rl.data.sources import DataFileError

    for i, stage in enumerate(pipeline.stages):
        for j, src in enumerate(stage.datasets):
            where = f"stages[{i}].datasets[{j}] ({stage.name})"
            if not src.local_path and (check_only or src.source not in usable_hub):
                if check_only and src.source in usable_hub:
                    findings.notes.append(f"{where}: {src.source}: rows are checked when `rl train` starts")
                continue
            max_tokens = stage.max_prompt_tokens if tokenizer is not None else None
            try:
                got = source_rows(src, stage.system_prompt, tokenizer, max_tokens)
            except (DataError, DataFileError) as e:
                findings.problems.append(f"{where}: {e}")
                continue
            except (OSError, ValueError) as e:
                findings.problems.append(f"{where}: {src.source}: cannot be read ({type(e).__name__}: {e})")
                continue
            line = f"{where}: {src.source}: {len(got.rows)} of {got.raw} rows usable"
            if got.bad.count:
                line += f"; {got.bad.count} bad, e.g. {'; '.join(got.bad.reasons)}"
            if got.too_long:
                line += f"; {got.too_long} longer than max_prompt_tokens={stage.max_prompt_tokens}"
            (findings.warnings if got.bad.count or got.too_long else findings.notes).append(line)


# ---- output_dir -------------------------------------------------------------------------------------------------

def checkpoint_estimate(pipeline: PipelineSpec, usable_hub: set[str]) -> int | None:
    """Bytes of one checkpoint of the input model (see the module doc), or None when its size is unknown."""
    from rl.models import resolve_dtype

    model = str(pipeline.model)
    folder = Path(model) if Path(model).is_dir() else _hub_cached(model, "model") if model in usable_hub else None
    files = sorted(folder.glob("*.safetensors")) if folder is not None else []
    if not files:
        return None
    try:
        numel = sum(safetensors_numel(f) for f in files)
    except (OSError, ValueError):
        return None
    per_param = resolve_dtype(pipeline.model_options.dtype).itemsize
    return numel * per_param * (1 if pipeline.model_options.lora is not None else 1 + ADAM_STATES)


def output_dir_problem(output_dir: str, needed: int | None) -> str | None:
    """Why `output_dir` cannot hold the run (not a writable folder, or not room for `needed` bytes), or None."""
    path = Path(output_dir).expanduser().absolute()
    if path.exists() and not path.is_dir():
        return f"output_dir {output_dir}: exists and is not a folder"
    base = next(p for p in (path, *path.parents) if p.exists())
    if not base.is_dir():
        return f"output_dir {output_dir}: cannot be created, {base} is a file"
    try:
        with tempfile.TemporaryFile(dir=base):
            pass
    except OSError as e:
        return f"output_dir {output_dir}: cannot write in {base} ({e.strerror or e})"
    free = shutil.disk_usage(base).free
    if needed is not None and free < needed:
        return (f"output_dir {output_dir}: {human_bytes(free)} free on its disk, but one checkpoint needs about "
                f"{human_bytes(needed)}; free space or choose another output_dir")
    return None


# ---- all of it --------------------------------------------------------------------------------------------------

def preflight(pipeline: PipelineSpec, check_only: bool, timeout_s: float = HUB_TIMEOUT_S) -> Findings:
    """Run every check (see the module doc); returns the findings. Raises `PreflightError` naming every problem."""
    from huggingface_hub import constants

    findings = Findings()
    config_dir = Path(pipeline.source_path).parent if pipeline.source_path else None
    offline = bool(constants.HF_HUB_OFFLINE)
    usable = check_refs(model_refs(pipeline) + dataset_refs(pipeline), config_dir, findings, check_only, offline,
                        timeout_s)
    check_rows(pipeline, findings, check_only, usable)
    if any(stage.tools for stage in pipeline.stages):  # the chat template must carry tool calls and results
        from rl.tools.stage import template_problems

        findings.problems.extend(template_problems(pipeline.stages, _tokenizer(str(pipeline.model), usable)))
    needed = checkpoint_estimate(pipeline, usable)
    if (problem := output_dir_problem(pipeline.output_dir, needed)) is not None:
        findings.problems.append(problem)
    elif needed is not None:
        findings.notes.append(f"output_dir {pipeline.output_dir}: writable, room for a checkpoint (about "
                              f"{human_bytes(needed)})")
    if findings.problems:
        count = len(findings.problems)
        raise PreflightError((f"{count} problems: " if count > 1 else "") + " | ".join(findings.problems))
    return findings


def check_before_run(pipeline: PipelineSpec, state: Any) -> None:
    """`preflight` on the main process before stage 1 (warnings logged); every process raises `PreflightError`
    when it fails, so no process starts training."""
    message = None
    if state.is_main_process:
        try:
            for line in preflight(pipeline, check_only=False).warnings:
                logger.warning("%s", line)
        except PreflightError as e:
            message = str(e)
    raise_on_every_process(message, state, PreflightError)
