"""Unit tests: checkpoint completeness, disk-full errors, the stage record's change rules, SIGTERM decisions and the
exit statuses of user errors."""

from __future__ import annotations

import errno
import json
import logging
import os
import signal
import time
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from rl.checkpoints import (DiskFullError, checkpoint_problem, disk_full_error, disk_full_named, newest_complete,
                            safetensors_numel)
from rl.failures import run_reporting, user_error_kind
from rl.signals import SigtermStop, sigterm_stop
from rl.spec import SigtermOptions
from rl.stage_record import RESUMABLE, changes


def make_checkpoint(folder: Path, step: int) -> Path:
    """A checkpoint folder shaped as Trainer writes one: weights, optimizer, scheduler, RNG, trainer state."""
    folder.mkdir(parents=True)
    save_file({"w": torch.randn(64, 64), "b": torch.zeros(64)}, str(folder / "model.safetensors"))
    torch.save({"state": {0: {"exp_avg": torch.randn(64, 64)}}}, folder / "optimizer.pt")
    torch.save({"last_epoch": step}, folder / "scheduler.pt")
    torch.save({"python": [1, 2, 3]}, folder / "rng_state.pth")
    (folder / "trainer_state.json").write_text(json.dumps({"global_step": step}))
    return folder


def truncate(path: Path, keep: float = 0.6) -> None:
    data = path.read_bytes()
    path.write_bytes(data[:int(len(data) * keep)])


def test_a_complete_checkpoint_passes(tmp_path):
    folder = make_checkpoint(tmp_path / "checkpoint-4", 4)
    assert checkpoint_problem(folder) is None
    assert safetensors_numel(folder / "model.safetensors") == 64 * 64 + 64


@pytest.mark.parametrize("damage, expected", [
    (lambda f: (f / "trainer_state.json").unlink(), "no trainer_state.json"),
    (lambda f: (f / "trainer_state.json").write_text('{"global_st'), "trainer_state.json is unreadable"),
    (lambda f: truncate(f / "optimizer.pt"), "optimizer.pt: not a complete torch archive"),
    (lambda f: truncate(f / "optimizer.pt", 0.999), "optimizer.pt: not a complete torch archive"),
    (lambda f: truncate(f / "model.safetensors"), "model.safetensors: truncated"),
    (lambda f: truncate(f / "model.safetensors", 0.0001), "model.safetensors:"),
    (lambda f: (f / "rng_state.pth").write_bytes(b""), "rng_state.pth: not a complete torch archive"),
])
def test_a_half_written_checkpoint_is_incomplete(tmp_path, damage, expected):
    folder = make_checkpoint(tmp_path / "checkpoint-4", 4)
    damage(folder)
    problem = checkpoint_problem(folder)
    assert problem is not None and problem.startswith(expected), problem


def test_resume_falls_back_to_the_newest_complete_checkpoint_with_a_warning(tmp_path, caplog):
    for step in (2, 4, 6):
        make_checkpoint(tmp_path / f"checkpoint-{step}", step)
    truncate(tmp_path / "checkpoint-6" / "optimizer.pt")
    (tmp_path / "checkpoint-4" / "trainer_state.json").unlink()
    (tmp_path / "checkpoint-10-tmp").mkdir()  # not a checkpoint name: ignored
    with caplog.at_level(logging.WARNING, logger="rl.checkpoints"):
        chosen, skipped = newest_complete(tmp_path)
    assert chosen == str(tmp_path / "checkpoint-2")
    assert [p.name for p, _ in skipped] == ["checkpoint-6", "checkpoint-4"]
    assert "checkpoint-6 is incomplete (optimizer.pt" in caplog.text
    assert newest_complete(tmp_path / "missing") == (None, [])


def test_disk_full_errors_name_the_folder_and_the_space_needed(tmp_path):
    folder = tmp_path / "s1" / "checkpoint-12"
    error = disk_full_error(OSError(errno.ENOSPC, "No space left on device"), folder, 3 << 30)
    assert isinstance(error, DiskFullError) and error.errno == errno.ENOSPC
    assert str(error).startswith(f"no room to save {folder}: ")
    assert "a checkpoint needs about 3.0 GiB" in str(error) and "rerun the same command to resume" in str(error)
    # torch's stream errors carry no errno: a full disk is blamed only when the disk has less room than needed.
    stream = RuntimeError("[enforce fail at inline_container.cc:664] . PytorchStreamWriter failed writing file "
                          "data/3: file write failed")
    assert disk_full_error(stream, folder, 1 << 60) is not None
    assert disk_full_error(stream, folder, 1) is None
    assert disk_full_error(ValueError("something else"), folder, 1 << 60) is None


def test_disk_full_named_rewraps_only_disk_full_failures(tmp_path):
    with pytest.raises(DiskFullError, match="no room to save"):
        with disk_full_named(tmp_path / "checkpoint-2", lambda: 10):
            raise RuntimeError("failed") from OSError(errno.ENOSPC, "No space left on device")
    with pytest.raises(KeyError):
        with disk_full_named(tmp_path / "checkpoint-2", lambda: 10):
            raise KeyError("unrelated")


def test_stage_record_changes_and_what_may_change_on_resume():
    old = {"grpo": {"max_steps": 8, "learning_rate": 1e-6}, "rewards": [{"name": "a", "kwargs": {}}], "seed": 1}
    new = {"grpo": {"max_steps": 12, "learning_rate": 1e-6}, "rewards": [{"name": "b", "kwargs": {"x": 1}}],
           "seed": 1}
    assert changes(old, new) == {"grpo.max_steps": (8, 12), "rewards[0].kwargs.x": (None, 1),
                                 "rewards[0].kwargs": ({}, None), "rewards[0].name": ("a", "b")}
    assert "grpo.max_steps" in RESUMABLE and "grpo.learning_rate" not in RESUMABLE


def test_sigterm_save_decision_follows_the_grace_time():
    stop = SigtermStop(SigtermOptions(save=True, grace_s=30), received_at=time.monotonic())
    assert stop.should_save(checkpoint_bytes=100 << 20)          # ~1.5 s at the assumed write speed
    assert not stop.should_save(checkpoint_bytes=400 << 30)       # a 400 GB checkpoint: no time for it
    assert "a save takes about" in stop.why_not_saved
    stop.longest_save_s = 2.0                                      # measured saves win over the size estimate
    assert stop.should_save(checkpoint_bytes=400 << 30)
    assert not SigtermStop(SigtermOptions(save=False), received_at=time.monotonic()).should_save(1)


def test_sigterm_outside_training_interrupts_at_once():
    with sigterm_stop(SigtermOptions()) as stop:
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)
    assert stop.line().startswith("stopped by SIGTERM before a step ended")
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL or callable(signal.getsignal(signal.SIGTERM))


def test_sigterm_during_a_step_that_outlasts_the_grace_time_interrupts_it(capfd):
    with sigterm_stop(SigtermOptions(grace_s=3.5)) as stop:
        stop.training = True
        start = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(10)  # a step that does not end: interrupted grace_s - MARGIN_S (0.5 s) after SIGTERM
        assert time.monotonic() - start < 3
    assert "[signal] SIGTERM: stopping after the current step" in capfd.readouterr().err
    assert "the step did not end within 0.5 s" in stop.line()


def test_overdue_step_is_interrupted_even_where_sigint_is_ignored():
    # A run started in the background by a non-interactive shell (`cmd &`) inherits SIGINT ignored.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with sigterm_stop(SigtermOptions(grace_s=3.5)) as stop:
            stop.training = True
            start = time.monotonic()
            with pytest.raises(KeyboardInterrupt):
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(10)
            assert time.monotonic() - start < 3
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN  # restored after the block
    finally:
        signal.signal(signal.SIGINT, previous)


def test_user_errors_are_one_line_with_status_2(capsys):
    from rl.data.loading import DataError
    from rl.pipeline import StageChangedError

    def fail(exc):
        def body():
            raise exc
        return body

    assert run_reporting(fail(DataError("dataset 'x': all 3 rows are bad,\n e.g. ...")), False, lambda: None) == 2
    assert capsys.readouterr().err == "data error: dataset 'x': all 3 rows are bad, e.g. ...\n"
    assert user_error_kind(StageChangedError("x")) == "stage changed"
    assert user_error_kind(DiskFullError("x")) == "disk full"
    assert run_reporting(fail(KeyboardInterrupt()), False, lambda: None) == 130
    assert capsys.readouterr().err.startswith("interrupted: rerun the same command")
    with pytest.raises(ZeroDivisionError):  # a bug keeps its traceback (exit status 1)
        run_reporting(fail(ZeroDivisionError()), False, lambda: None)
