"""The Python interpreter that runs programs inside the sandbox, and exactly what of the host it needs to see.

The default is the system ``/usr/bin/python3``: its files all live under ``/usr``, which every sandbox sees
read-only. ``serve --python PATH`` picks another interpreter, for example a venv with numpy. It is probed once, on
the host, with the flags the runner uses (``-I``). The sandbox then sees, read-only and at the same paths:
- its prefix (a venv's own directory, with its site-packages);
- its base prefix (the installation the venv was made from) and the exec prefixes;
- the executable's symlink chain (a hop outside those directories is recreated as a symlink).

Nothing else of the host becomes visible. ``sys.path`` entries outside those directories (a ``.pth`` file or an
editable install pointing elsewhere) stay hidden; they are listed in ``hidden`` and logged at start-up.
"""
from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass

MIN_VERSION = (3, 9)  # the runner uses os.pidfd_open and os.waitstatus_to_exitcode
PROBE_TIMEOUT_S = 30.0
# Host places an interpreter may not live in: the sandbox replaces them (/tmp is private) or they are the host.
_FORBIDDEN = ("/tmp", "/proc", "/dev", "/sys", "/run")
_PROBE = ("import json, sys; print(json.dumps({'version': list(sys.version_info[:3]), 'prefix': sys.prefix, "
          "'base_prefix': sys.base_prefix, 'exec_prefix': sys.exec_prefix, "
          "'base_exec_prefix': sys.base_exec_prefix, 'path': sys.path}))")


class InterpreterError(ValueError):
    """The interpreter given for the sandbox is missing, broken, too old, or lives where the sandbox cannot see it."""


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def _always_visible(path: str) -> bool:
    """Every sandbox sees /usr read-only, except /usr/local, which is masked by an empty tmpfs."""
    return _under(path, "/usr") and not _under(path, "/usr/local")


@dataclass(frozen=True)
class Interpreter:
    """A probed interpreter: the path the runner is started with, and the host paths the sandbox must see."""

    executable: str  # absolute, not resolved: a venv is recognised by the pyvenv.cfg next to it
    version: str
    roots: tuple[str, ...]  # host directories bound read-only at the same path
    symlinks: tuple[tuple[str, str], ...]  # (path, target): symlink hops outside the roots, recreated inside
    files: tuple[str, ...]  # the executable's file itself, when it lies outside the roots
    hidden: tuple[str, ...]  # sys.path entries that stay invisible inside the sandbox

    def visible(self, path: str) -> bool:
        return _always_visible(path) or any(_under(path, r) for r in self.roots)

    def bwrap_args(self) -> list[str]:
        """bwrap options that make the interpreter visible; they go after /usr/local's tmpfs, before remount-ro."""
        args: list[str] = []
        for root in self.roots:
            args += ["--ro-bind", root, root]
        for path in self.files:
            args += ["--ro-bind", path, path]
        for path, target in self.symlinks:
            args += ["--symlink", target, path]
        return args

    def describe(self) -> dict:
        """What /health reports."""
        return {"executable": self.executable, "version": self.version, "visible": list(self.roots)}


def _showable(path: str, what: str) -> str:
    if path == "/" or any(_under(path, f) for f in _FORBIDDEN):
        raise InterpreterError(f"the interpreter's {what} {path!r} cannot be made visible in the sandbox "
                               f"(it may not be '/' or lie under {', '.join(_FORBIDDEN)}); install it elsewhere, "
                               "e.g. python3 -m venv /opt/sandbox-python")
    return path


def _roots(candidates: list[str]) -> tuple[str, ...]:
    """The directories to bind: absolute, not already visible, not forbidden, none inside another."""
    out: list[str] = []
    for path in sorted({os.path.normpath(p) for p in candidates}, key=len):
        _showable(path, "prefix")
        if not _always_visible(path) and not any(_under(path, r) for r in out):
            out.append(path)
    return tuple(out)


def probe(path: str, as_uid: int | None = None) -> Interpreter:
    """Run `path` once on the host (as `as_uid`, the sandbox's user, when given) to learn its prefixes;
    `InterpreterError` with the reason when it is unusable."""
    exe = os.path.abspath(path)
    who = {} if as_uid is None else {"user": as_uid, "group": as_uid, "extra_groups": []}
    as_who = "" if as_uid is None else (f" as uid {as_uid}, the sandbox's user, who must be able to read and run "
                                        "it and its prefixes")
    if not (os.path.isfile(exe) and os.access(exe, os.X_OK)):
        raise InterpreterError(f"sandbox interpreter {exe!r} is not an executable file")
    try:
        res = subprocess.run([exe, "-I", "-c", _PROBE], env={}, stdin=subprocess.DEVNULL, capture_output=True,
                             timeout=PROBE_TIMEOUT_S, text=True, **who)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise InterpreterError(f"sandbox interpreter {exe!r} could not be run{as_who}: {e}") from None
    try:
        info = json.loads(res.stdout) if res.returncode == 0 else None
    except ValueError:
        info = None
    if not isinstance(info, dict):
        raise InterpreterError(f"sandbox interpreter {exe!r} is not a working Python{as_who} (exit {res.returncode}): "
                               f"{res.stderr.strip()[-500:]}")
    if tuple(info["version"]) < MIN_VERSION:
        raise InterpreterError(f"sandbox interpreter {exe!r} is Python {'.'.join(map(str, info['version']))}; "
                               f"the sandbox needs >= {'.'.join(map(str, MIN_VERSION))}")
    roots = _roots([info[k] for k in ("prefix", "base_prefix", "exec_prefix", "base_exec_prefix")])
    seen = Interpreter(exe, "", roots, (), (), ())
    symlinks, hop = [], exe
    for _ in range(40):  # the kernel's own limit on symlink hops
        if not os.path.islink(hop):
            break
        target = os.readlink(hop)
        if not seen.visible(hop):
            symlinks.append((_showable(hop, "symlink"), target))
        hop = os.path.normpath(os.path.join(os.path.dirname(hop), target))
    files = () if seen.visible(hop) else (_showable(hop, "executable"),)
    hidden = tuple(p for p in info["path"] if p and os.path.exists(p) and not seen.visible(p))
    return Interpreter(exe, ".".join(map(str, info["version"])), roots, tuple(symlinks), files, hidden)
