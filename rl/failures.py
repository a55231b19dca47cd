"""How `rl train` ends when it does not succeed: one line on stderr and a documented exit status.

| exit | what | line |
| --- | --- | --- |
| 2 | a user error: config, data, a changed stage, preflight, a full disk | `<kind>: <what is wrong>` |
| 3 | a failed eval gate (`rl.eval.gate`) | `gate failed: ...` |
| 130 | SIGINT (Ctrl-C) | `interrupted: ...` |
| 143 | SIGTERM (`rl.signals`) | `stopped by SIGTERM ...` |
| 1 | anything else (a bug, an infrastructure failure past its threshold): the traceback | |

`--debug` prints the traceback of a user error too. User errors are matched by class name along the exception's
MRO (`USER_ERRORS`), so this module imports none of the heavy modules that define them.
"""

from __future__ import annotations

import sys
import traceback
from typing import Any, Callable

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130
EXIT_SIGTERM = 143  # 128 + SIGTERM, what a shell reports for a process SIGTERM ended
TERMINATED = "rl.signals.Terminated"

# Exception class (module.qualname) -> the word the one-line message starts with.
USER_ERRORS = {
    "rl.config_checks.ConfigError": "config error",
    "rl.data.loading.DataError": "data error",
    "rl.data.sources.DataFileError": "data error",
    "rl.pipeline.StageChangedError": "stage changed",
    "rl.stage_record.StageConfigChangedError": "stage changed",
    "rl.preflight.PreflightError": "preflight",
    "rl.checkpoints.DiskFullError": "disk full",
}


def _names(exc: BaseException) -> list[str]:
    return [f"{cls.__module__}.{cls.__qualname__}" for cls in type(exc).__mro__]


def user_error_kind(exc: BaseException) -> str | None:
    """The kind of user error `exc` is (`USER_ERRORS`), or None."""
    return next((USER_ERRORS[n] for n in _names(exc) if n in USER_ERRORS), None)


def run_reporting(body: Callable[[], int], debug: bool, sigterm_outcome: Callable[[], str | None]) -> int:
    """Run `body`; a user error, SIGINT or SIGTERM becomes one line on stderr and its exit status (module doc).
    `sigterm_outcome()` is the SIGTERM line when SIGTERM arrived, else None."""
    try:
        return body()
    except KeyboardInterrupt:
        outcome = sigterm_outcome()
        if debug:
            traceback.print_exc()
        if outcome is not None:
            print(outcome, file=sys.stderr, flush=True)
            return EXIT_SIGTERM
        print("interrupted: rerun the same command to resume from the last complete checkpoint", file=sys.stderr,
              flush=True)
        return EXIT_INTERRUPTED
    except Exception as e:
        if TERMINATED in _names(e):
            print(str(e), file=sys.stderr, flush=True)
            return EXIT_SIGTERM
        kind = user_error_kind(e)
        if kind is None:
            raise
        if debug:
            traceback.print_exc()
        print(f"{kind}: {' '.join(str(e).split())}", file=sys.stderr, flush=True)
        return EXIT_USER_ERROR


def raise_on_every_process(message: str | None, state: Any, error: type[Exception]) -> None:
    """Raise `error(message)` on every process when the main process's `message` is set: the message is broadcast
    (a no-op with one process), so no process goes on alone after a check that only the main process ran."""
    if state.num_processes > 1:
        from accelerate.utils import broadcast_object_list

        message = broadcast_object_list([message])[0]
    if message:
        raise error(message)
