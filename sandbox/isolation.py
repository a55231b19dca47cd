"""How a runner process is started: inside bubblewrap (default) or, explicitly unsafe, bare."""
from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from sandbox import seccomp
from sandbox.interpreter import Interpreter, probe

# The runner: one -c program, the Python-program part first (runner_script.py calls its python_child).
RUNNER_SOURCE = "\n".join(Path(__file__).with_name(f).read_text() for f in ("runner_python.py", "runner_script.py"))
NOBODY = 65534
SYSTEM_PYTHON = "/usr/bin/python3"
log = logging.getLogger("sandbox.isolation")


class IsolationUnavailable(RuntimeError):
    """bubblewrap (or a working system python for the sandbox) is missing."""


def sandbox_python() -> str:
    """The default interpreter inside the sandbox: the system python (its files live under /usr)."""
    for cand in (SYSTEM_PYTHON, os.path.realpath(sys.executable)):
        if cand.startswith("/usr/") and os.access(cand, os.X_OK):
            return cand
    raise IsolationUnavailable("no python3 under /usr to run inside the sandbox (install python3, or pass --python)")


@dataclass
class RunnerSpec:
    """Everything needed to spawn one runner; bwrap itself is exec'd with an EMPTY environment."""

    isolated: bool = True
    python: str | None = None  # interpreter for programs (default: the system python); see sandbox.interpreter
    tmp_mb: int = 64
    max_procs: int = 16
    file_mb: int = 16
    _tmp_dirs: list[str] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        if self.isolated and shutil.which("bwrap") is None:
            raise IsolationUnavailable(
                "bubblewrap (bwrap) not found: install the Debian/Ubuntu 'bubblewrap' package, "
                "or pass --unsafe-no-isolation (NOT safe for untrusted code)")
        chosen = self.python is not None
        if not chosen:
            self.python = sandbox_python() if self.isolated else os.path.realpath(sys.executable)
        # probed as the user the sandbox runs as: it, not the server's user, must be able to read its files
        self.interpreter: Interpreter = probe(self.python, self._user().get("user"))
        if self.interpreter.hidden:  # the default's are /usr/local's site dirs, masked as always: no warning
            log.log(logging.WARNING if chosen else logging.INFO,
                    "sys.path entries of %s outside its prefixes stay hidden in the sandbox: %s",
                    self.interpreter.executable, ", ".join(self.interpreter.hidden))

    @contextlib.contextmanager
    def launch(self) -> Iterator[tuple[list[str], dict]]:
        """(argv, Popen kwargs) for one runner; the seccomp filter travels to bwrap through an inherited pipe."""
        if not self.isolated or not seccomp.supported():
            yield self._argv(None), self._popen_kwargs()
            return
        r, w = os.pipe()
        try:
            os.write(w, seccomp.bwrap_filter())
            os.close(w)
            yield self._argv(r), {**self._popen_kwargs(), "pass_fds": (r,)}
        finally:
            os.close(r)

    def _argv(self, seccomp_fd: int | None) -> list[str]:
        opts = ["--tmp-mb", str(self.tmp_mb), "--max-procs", str(self.max_procs), "--file-mb", str(self.file_mb)]
        python = self.interpreter.executable
        if not self.isolated:
            tmp = tempfile.mkdtemp(prefix="sandbox-unsafe-")
            self._tmp_dirs.append(tmp)
            return [python, "-I", "-c", RUNNER_SOURCE, "--no-ns", "--tmp", tmp, *opts]
        if seccomp_fd is not None:  # the second filter, installed by the runner once its setup is done
            opts += ["--seccomp-after-setup", seccomp.after_setup_filter().hex()]
        bwrap = shutil.which("bwrap")
        return [
            bwrap, "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent", "--new-session",
            "--uid", str(NOBODY), "--gid", str(NOBODY), "--cap-drop", "ALL", "--cap-add", "CAP_SYS_ADMIN",
            "--ro-bind", "/usr", "/usr", "--tmpfs", "/usr/local", *self.interpreter.bwrap_args(),
            "--remount-ro", "/usr/local",
            "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
            "--symlink", "usr/bin", "/bin", "--symlink", "usr/sbin", "/sbin",
            "--proc", "/proc", "--dev", "/dev", "--remount-ro", "/dev",
            "--tmpfs", "/tmp",  # the runner mounts its own size-capped tmpfs here
            "--remount-ro", "/",
            *(["--seccomp", str(seccomp_fd)] if seccomp_fd is not None else []),
            python, "-I", "-c", RUNNER_SOURCE, *opts,
        ]

    def _popen_kwargs(self) -> dict:
        """Empty environment for bwrap itself; drop to an unprivileged uid when the server runs as root."""
        return {"env": {}, "close_fds": True, **self._user()}

    def _user(self) -> dict:
        """Popen kwargs that drop to an unprivileged uid when the server runs as root (isolated mode)."""
        if self.isolated and os.geteuid() == 0:
            return {"user": NOBODY, "group": NOBODY, "extra_groups": []}
        return {}

    def cleanup(self) -> None:
        for tmp in self._tmp_dirs:
            shutil.rmtree(tmp, ignore_errors=True)
        self._tmp_dirs.clear()
