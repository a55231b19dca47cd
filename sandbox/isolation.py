"""How a runner process is started: inside bubblewrap (default) or, explicitly unsafe, bare."""
from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from sandbox import seccomp

RUNNER_SOURCE = (Path(__file__).with_name("runner_script.py")).read_text()
NOBODY = 65534


class IsolationUnavailable(RuntimeError):
    """bubblewrap (or a working system python for the sandbox) is missing."""


def sandbox_python() -> str:
    """The interpreter run inside the sandbox: the system python (its files live under /usr)."""
    for cand in ("/usr/bin/python3", os.path.realpath(sys.executable)):
        if cand.startswith("/usr/") and os.access(cand, os.X_OK):
            return cand
    raise IsolationUnavailable("no python3 under /usr to run inside the sandbox (install python3)")


@dataclass
class RunnerSpec:
    """Everything needed to spawn one runner; bwrap itself is exec'd with an EMPTY environment."""

    isolated: bool = True
    tmp_mb: int = 64
    max_procs: int = 16
    file_mb: int = 16
    _tmp_dirs: list[str] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        if self.isolated and shutil.which("bwrap") is None:
            raise IsolationUnavailable(
                "bubblewrap (bwrap) not found: install the Debian/Ubuntu 'bubblewrap' package, "
                "or pass --unsafe-no-isolation (NOT safe for untrusted code)")
        self.python = sandbox_python() if self.isolated else os.path.realpath(sys.executable)

    @contextlib.contextmanager
    def launch(self) -> Iterator[tuple[list[str], dict]]:
        """(argv, Popen kwargs) for one runner; the seccomp filter travels to bwrap through an inherited pipe."""
        if not self.isolated or not seccomp.supported():
            yield self._argv(None), self._popen_kwargs()
            return
        r, w = os.pipe()
        try:
            os.write(w, seccomp.program())
            os.close(w)
            yield self._argv(r), {**self._popen_kwargs(), "pass_fds": (r,)}
        finally:
            os.close(r)

    def _argv(self, seccomp_fd: int | None) -> list[str]:
        opts = ["--tmp-mb", str(self.tmp_mb), "--max-procs", str(self.max_procs), "--file-mb", str(self.file_mb)]
        if not self.isolated:
            tmp = tempfile.mkdtemp(prefix="sandbox-unsafe-")
            self._tmp_dirs.append(tmp)
            return [self.python, "-I", "-c", RUNNER_SOURCE, "--no-ns", "--tmp", tmp, *opts]
        bwrap = shutil.which("bwrap")
        return [
            bwrap, "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent", "--new-session",
            "--uid", str(NOBODY), "--gid", str(NOBODY), "--cap-drop", "ALL", "--cap-add", "CAP_SYS_ADMIN",
            "--ro-bind", "/usr", "/usr", "--tmpfs", "/usr/local", "--remount-ro", "/usr/local",
            "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
            "--symlink", "usr/bin", "/bin", "--symlink", "usr/sbin", "/sbin",
            "--proc", "/proc", "--dev", "/dev", "--remount-ro", "/dev",
            "--tmpfs", "/tmp",  # the runner mounts its own size-capped tmpfs here
            "--remount-ro", "/",
            *(["--seccomp", str(seccomp_fd)] if seccomp_fd is not None else []),
            self.python, "-I", "-c", RUNNER_SOURCE, *opts,
        ]

    def _popen_kwargs(self) -> dict:
        """Empty environment for bwrap itself; drop to an unprivileged uid when the server runs as root."""
        kw: dict = {"env": {}, "close_fds": True}
        if self.isolated and os.geteuid() == 0:
            kw.update(user=NOBODY, group=NOBODY, extra_groups=[])
        return kw

    def cleanup(self) -> None:
        for tmp in self._tmp_dirs:
            shutil.rmtree(tmp, ignore_errors=True)
        self._tmp_dirs.clear()
