"""launch/gpu_check.sh and its Python steps, as far as a machine without a GPU can check them: SKIP rows and exit 0
without a GPU, FAIL rows and exit 1 when a step fails, and the steps' own verdicts."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest
import torch

from rl import gpu_check
from rl.gpu_check import FAIL, PASS, SKIP

ROOT = Path(__file__).resolve().parents[2]
ROWS = ["versions", "build-models", "bf16-smoke", "flash-attention-2", "zero3-lora-rm", "vllm-colocate",
        "vllm-serve", "vllm-weight-push", "rl-eval-vllm"]


def _table(out: Path) -> dict[str, str]:
    lines = (out / "gpu_check.md").read_text().splitlines()
    rows = [line.removeprefix("| ").split(" | ") for line in lines if line.startswith("| ")]
    return {cells[0]: cells[1] for cells in rows[2:]}  # after the header and the separator


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU: run launch/gpu_check.sh itself")
def test_without_a_gpu_every_gpu_row_skips_and_exits_0(tmp_path):
    start = time.monotonic()
    proc = subprocess.run(["bash", "launch/gpu_check.sh", str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
                          timeout=180)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert time.monotonic() - start < 120
    table = _table(tmp_path)
    assert list(table) == ROWS
    assert table["versions"] == "PASS" and all(table[row] == "SKIP" for row in ROWS[1:])
    assert "no CUDA GPU" in (tmp_path / "gpu_check.md").read_text()


def test_a_failing_step_is_a_fail_row_and_exit_1(tmp_path):
    fake = tmp_path / "python"
    fake.write_text('#!/usr/bin/env bash\n[ "$3" = versions ] && { echo "torch 2.10.0 is not 2.13.0"; exit 1; }\n'
                    'exit 1\n')  # `-c "...cuda..."`: no GPU
    fake.chmod(0o755)
    proc = subprocess.run(["bash", "launch/gpu_check.sh", str(tmp_path / "out")], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, env={**os.environ, "PYTHON": str(fake)})
    assert proc.returncode == 1
    assert _table(tmp_path / "out")["versions"] == "FAIL"
    assert "torch 2.10.0 is not 2.13.0" in (tmp_path / "out" / "gpu_check.md").read_text()


@pytest.mark.parametrize("vllm, status", [(None, PASS), ("0.30.0", PASS), ("0.27.1", PASS), ("0.31.0", FAIL),
                                          ("0.33.0", FAIL), ("0.19.1", FAIL)])
def test_versions_step_holds_the_pinned_matrix(monkeypatch, capsys, vllm, status):
    real = gpu_check._version
    monkeypatch.setattr(gpu_check, "_version", lambda p: vllm if p == "vllm" else real(p))
    assert gpu_check.main(["versions"]) == status
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert ("outside" in last) == (status == FAIL)


def test_check_run_needs_every_stage_done_in_bf16(tmp_path, capsys):
    for stage, dtype in (("reasoning", "bfloat16"), ("general", "float32")):
        (tmp_path / stage).mkdir()
        (tmp_path / stage / "config.json").write_text(json.dumps({"dtype": dtype}))
        (tmp_path / stage / "STAGE_DONE.json").write_text("{}")
    assert gpu_check.main(["check-run", str(tmp_path), "reasoning"]) == PASS
    assert gpu_check.main(["check-run", str(tmp_path), "reasoning", "general"]) == FAIL
    assert "saved in float32" in capsys.readouterr().out
    (tmp_path / "reasoning" / "STAGE_DONE.json").unlink()
    assert gpu_check.main(["check-run", str(tmp_path), "reasoning"]) == FAIL


def test_flash_attention_is_skipped_when_not_installed(monkeypatch, capsys):
    monkeypatch.setattr(gpu_check.importlib.util, "find_spec", lambda name: None)
    assert gpu_check.main(["flash-attn", "unused"]) == SKIP
    assert capsys.readouterr().out.startswith("SKIP: flash-attn is not installed")
    assert gpu_check.main(["no-such-step"]) == 2


@pytest.mark.slow
def test_vllm_model_is_qwen2_5_0_5b_shaped_with_the_smoke_tokenizer(tmp_path):
    from transformers import AutoConfig, AutoTokenizer

    from rl.plan.shapes import KNOWN
    from rl.smoke.tiny import build_tokenizer

    build_tokenizer(tmp_path / "tok")
    assert gpu_check.main(["build-vllm-model", str(tmp_path / "model"), str(tmp_path / "tok")]) == PASS
    config = AutoConfig.from_pretrained(tmp_path / "model")
    tok = AutoTokenizer.from_pretrained(tmp_path / "model")
    shape = KNOWN["qwen2.5-0.5b"]
    assert config.hidden_size // config.num_attention_heads == 64  # the head size vLLM accepts
    assert (config.num_hidden_layers, config.hidden_size, config.num_key_value_heads) == (24, shape.hidden, 2)
    assert len(tok) <= config.vocab_size < len(tok) + 64 and tok.chat_template
    assert json.loads((tmp_path / "model" / "config.json").read_text())["dtype"] == "bfloat16"


def _vllm_serve_flags(script: Path) -> set[str]:
    """The --flags of every `trl vllm-serve` command in a launch script (continuation lines included)."""
    flags, lines = set(), script.read_text().splitlines()
    for i, line in enumerate(lines):
        if "vllm-serve --" not in line:
            continue
        command = line
        while command.rstrip().endswith("\\"):
            i += 1
            command = command.rstrip()[:-1] + lines[i]
        flags |= set(re.findall(r"(?<=\s)--([a-z][a-z-]*)", command[command.index("vllm-serve"):].split(">")[0]))
    return flags


@pytest.mark.parametrize("script", ["gpu_check.sh", "vllm_server.sh", "slurm_multinode.sbatch"])
def test_vllm_serve_flags_are_trls_own(script):
    """Flags `trl vllm-serve` does not know would be passed on to `vllm serve` unchecked."""
    import dataclasses

    from trl.scripts.vllm_serve import ScriptArguments

    flags = _vllm_serve_flags(ROOT / "launch" / script)
    assert "model" in flags and "port" in flags
    fields = {f.name for f in dataclasses.fields(ScriptArguments)}
    assert {f.replace("-", "_") for f in flags} <= fields


def test_gpu_check_pipeline_overrides_are_valid_configs(tmp_path, monkeypatch):
    """Every `--set` the GPU check passes to `rl train` validates on the smoke config (all at once, world size 1)."""
    from rl.config import load_pipeline_config
    from rl.eval.suite import load_suite

    text = (ROOT / "launch" / "gpu_check.sh").read_text()
    sets = [(a or b or c).rstrip(")") for a, b, c in re.findall(r'--set (?:"([^"]+)"|\'([^\']+)\'|(\S+))', text)]
    eval_sets = [s for s in sets if s.startswith("generation.")]  # the eval suite's, not the pipeline's
    assert load_suite("smoke_cpu", eval_sets).generation.backend == "vllm"
    sets = [s.replace("$OUT", str(tmp_path)).replace("$VLLM_MODEL", str(tmp_path / "qwen05_random"))
            for s in sets if s not in eval_sets]
    for folder in ("smoke_ckpt/cold_start", "smoke_ckpt/reward_model", "qwen05_random"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "config.json").write_text("{}")
    monkeypatch.setenv("WORLD_SIZE", "1")
    config = load_pipeline_config(ROOT / "configs" / "pipeline" / "smoke_cpu.yaml", sets)
    grpo = config.stages[0].grpo_args
    assert grpo["use_vllm"] and grpo["vllm_mode"] == "colocate" and grpo["vllm_max_model_length"] == 1024
    assert config.model_options.dtype == "bfloat16" and config.model_options.lora.r == 8
    rm = next(s for s in config.stages[1].rewards if s.name == "reward_model")
    assert rm.kwargs["device"] == "auto" and rm.kwargs["dtype"] == "bfloat16"
