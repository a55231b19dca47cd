"""SIGTERM as a clean stop: what Slurm, Kubernetes and systemd send before they SIGKILL (Slurm's KillWait, 30 s by
default; Kubernetes' terminationGracePeriodSeconds, 30 s by default).

`sigterm_stop(options)` installs the handler for the run (main thread only). On the first SIGTERM:
- during training, the current step finishes; then, when `on_sigterm.save` is set and the save is expected to fit in
  what is left of `on_sigterm.grace_s`, a checkpoint is saved; then the trainer stops, the rewards are closed, and
  `Terminated` is raised (the stage is not marked finished, so a rerun resumes it);
- if the step has not ended `MARGIN_S` seconds before the grace time runs out, or outside training (loading,
  between stages), the run is interrupted as by SIGINT (KeyboardInterrupt), without saving;
- a second SIGTERM interrupts at once.

Processes of a multi-process run agree on the decision at every step end (an all-gather, only while more than one
process runs), so all of them save, or none does. A save is expected to take 1.5 x the longest save seen in this
run, or, before any, the checkpoint's size at `ASSUMED_WRITE_BYTES_PER_S`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from dataclasses import dataclass
from typing import Any, Iterator

from transformers import TrainerCallback

from rl.spec import SigtermOptions

MARGIN_S = 3.0
ASSUMED_WRITE_BYTES_PER_S = 200e6


class Terminated(Exception):
    """The run stopped on SIGTERM; the message says at which step and whether a checkpoint was saved."""


@dataclass
class SigtermStop:
    """The process's SIGTERM state (one per run; `current()`)."""

    options: SigtermOptions
    received_at: float | None = None
    training: bool = False
    step: int | None = None
    saved: bool | None = None
    why_not_saved: str = ""
    longest_save_s: float | None = None
    output_dir: str = ""

    def handle(self, signum: int, frame: Any) -> None:
        if self.received_at is not None or not self.training:
            self.received_at = self.received_at or time.monotonic()
            raise KeyboardInterrupt("SIGTERM")
        self.received_at = time.monotonic()
        line = (f"[signal] SIGTERM: stopping after the current step (grace {self.options.grace_s:g} s"
                f"{', saving first if it fits' if self.options.save else ', without saving'})\n")
        os.write(2, line.encode())  # unbuffered, to fd 2: the handler may interrupt a write to stderr
        # The overdue interrupt is a real SIGINT: make sure it raises even where SIGINT is ignored (a job started in
        # the background by a non-interactive shell inherits SIG_IGN). Handlers run on the main thread, so this may
        # set it; sigterm_stop restores the previous one.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        timer = threading.Timer(max(0.0, self.options.grace_s - MARGIN_S), self._overdue)
        timer.daemon = True
        timer.start()

    def _overdue(self) -> None:
        if self.step is None:  # the step did not end in time: stop as SIGINT does, without saving
            self.why_not_saved = f"the step did not end within {self.options.grace_s - MARGIN_S:g} s"
            signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)  # a real signal ends blocking waits

    def left_s(self) -> float:
        return self.options.grace_s - MARGIN_S - (time.monotonic() - (self.received_at or time.monotonic()))

    def should_save(self, checkpoint_bytes: int) -> bool:
        """Whether a save is expected to end before the grace time does (sets `why_not_saved` when not)."""
        if not self.options.save:
            self.why_not_saved = "on_sigterm.save is false"
            return False
        expected = (1.5 * self.longest_save_s if self.longest_save_s is not None
                    else 1.0 + checkpoint_bytes / ASSUMED_WRITE_BYTES_PER_S)
        if expected > self.left_s():
            self.why_not_saved = f"a save takes about {expected:.0f} s and {max(0.0, self.left_s()):.0f} s were left"
            return False
        return True

    def line(self) -> str | None:
        """The one line a run SIGTERM stopped ends with, or None when no SIGTERM arrived."""
        return None if self.received_at is None else self.outcome()

    def outcome(self) -> str:
        """The one line the run ends with."""
        if self.step is None:
            return (f"stopped by SIGTERM before a step ended ({self.why_not_saved or 'outside training'}); rerun "
                    "the same command to resume from the last complete checkpoint")
        if self.saved:
            return (f"stopped by SIGTERM after step {self.step}; saved {self.output_dir}/checkpoint-{self.step}; rerun the "
                    "same command to resume from it")
        return (f"stopped by SIGTERM after step {self.step} without saving ({self.why_not_saved}); rerun the same "
                "command to resume from the last complete checkpoint")


_CURRENT: SigtermStop | None = None


def current() -> SigtermStop | None:
    """The installed SIGTERM state, or None outside `sigterm_stop`."""
    return _CURRENT


@contextlib.contextmanager
def sigterm_stop(options: SigtermOptions) -> Iterator[SigtermStop]:
    """Handle SIGTERM as a clean stop inside the block (see the module doc); the previous handler is restored."""
    global _CURRENT
    stop = SigtermStop(options)
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    previous = signal.signal(signal.SIGTERM, stop.handle)
    previous_int = signal.getsignal(signal.SIGINT)
    _CURRENT = stop
    try:
        yield stop
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)
        _CURRENT = None


class StopOnSigterm(TrainerCallback):
    """Ends training after the step during which SIGTERM arrived, saving first when it fits (all processes agree)."""

    def __init__(self, stop: SigtermStop, trainer: Any) -> None:
        self.stop, self.trainer = stop, trainer
        self._step_end: float | None = None

    def on_train_begin(self, args, state, control, **kwargs):
        self.stop.training = True

    def on_train_end(self, args, state, control, **kwargs):
        self.stop.training = False

    def on_step_end(self, args, state, control, **kwargs):
        self._step_end = time.monotonic()
        decision = None
        if self.stop.received_at is not None:
            from rl.checkpoints import live_checkpoint_bytes

            decision = self.stop.should_save(live_checkpoint_bytes(self.trainer.model, self.trainer.optimizer))
        accelerator = self.trainer.accelerator
        if accelerator.num_processes > 1:
            from accelerate.utils import gather_object

            votes = [v for v in gather_object([decision]) if v is not None]
            decision = all(votes) if votes else None
        if decision is not None:
            self.stop.step, self.stop.saved, self.stop.output_dir = state.global_step, decision, args.output_dir
            control.should_training_stop = True
            control.should_save = decision
        return control

    def on_save(self, args, state, control, **kwargs):
        if self._step_end is not None:
            took = time.monotonic() - self._step_end
            self.stop.longest_save_s = max(took, self.stop.longest_save_s or 0.0)


def check_stopped() -> None:
    """Raise `Terminated` when SIGTERM stopped the training that just returned."""
    stop = current()
    if stop is not None and stop.received_at is not None:
        raise Terminated(stop.outcome())
