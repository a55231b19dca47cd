"""`POST /execute`: run one Python cell after replaying earlier cells, for stateful code tools (notebook style).

Request:  ``{"language": "python", "code": str, "setup_cells": [str, ...], "limits": {...}}``
  - ``setup_cells`` (optional) run first, in order, in the same namespace, with their output discarded: this is
    how a tool keeps state across calls (replay, no long-lived interpreter). At most `MAX_SETUP_CELLS`.
  - ``limits`` as in ``/run`` (``time_s`` is the wall-clock cap of the whole execution, replay included;
    ``output_bytes`` caps stdout: a program that prints more is killed and reported ``output_limit``).
Response: ``{"status", "stdout", "stderr", "exit_code", "time_s", "failed_cell"}`` where ``status`` is
  ``ok`` (the cell ran to the end), ``error`` (it raised or exited non-zero: the traceback is in ``stderr``),
  ``timeout``, ``output_limit``, ``memory_limit``, ``setup_error`` (a replayed cell failed; ``failed_cell`` is its
  index), ``invalid_request`` (HTTP 400) or ``internal_error``.
As in Jupyter, the value of a cell's last expression is printed (its ``repr``) when it is not ``None``.

Isolation is exactly ``/run``'s: the cell runs on a warm sandboxed runner as one stdio-mode program (a fixed
driver that reads the cells from stdin), so namespaces, rlimits, seccomp and the per-run PID namespace all apply.
"""
from __future__ import annotations

import json
import logging
import signal
from typing import Any

from sandbox.executor import WATCHDOG_GRACE_S
from sandbox.pool import RunnerFailed, RunnerPool
from sandbox.protocol import InvalidRequest, parse_run_request

log = logging.getLogger("sandbox.execute")
MAX_SETUP_CELLS = 256
STATUSES = ("ok", "error", "timeout", "output_limit", "memory_limit", "setup_error", "invalid_request",
            "internal_error")

# The driver the runner executes. It reads {"setup": [...], "cell": str} from stdin, replays the setup cells with
# fds 1 and 2 pointed at /dev/null, then runs the cell. Markers for the server go to the runner's result channel
# (fd 3): {"kind": "setup_error", "cell": i} or {"kind": "cell_error"}. Tracebacks show only the cells' frames.
DRIVER = r'''
def _rlvr_driver():
    import _ast, builtins, json, os, sys  # cheap: builtin or already loaded in the warm runner
    request = json.loads(sys.stdin.read())
    sys.stdin = open(os.devnull)
    ns = {"__name__": "__main__", "__builtins__": builtins}

    def mark(message):
        try:
            os.write(3, json.dumps(message).encode())
        except OSError:
            pass

    def show(exc):
        import traceback
        tb = exc.__traceback__
        while tb is not None and not tb.tb_frame.f_code.co_filename.startswith("<cell"):
            tb = tb.tb_next
        traceback.print_exception(type(exc), exc, tb, file=sys.stderr)

    def run(source, name, echo):
        tree = compile(source, name, "exec", 0x400, True)  # 0x400: ast.PyCF_ONLY_AST
        last = tree.body.pop() if echo and tree.body and isinstance(tree.body[-1], _ast.Expr) else None
        exec(compile(tree, name, "exec"), ns)
        if last is not None:
            value = eval(compile(_ast.Expression(last.value), name, "eval"), ns)
            if value is not None:
                print(repr(value))

    sys.stdout.flush()
    saved = os.dup(1), os.dup(2)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    failed = None
    for i, source in enumerate(request["setup"]):
        try:
            run(source, "<cell %d>" % (i + 1), False)
        except BaseException:
            failed = i
            break
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:
        pass
    os.dup2(saved[0], 1)
    os.dup2(saved[1], 2)
    for fd in (*saved, null):
        os.close(fd)
    if failed is not None:
        mark({"kind": "setup_error", "cell": failed})
        raise SystemExit(3)
    try:
        run(request["cell"], "<cell %d>" % (len(request["setup"]) + 1), True)
    except SystemExit:
        raise
    except BaseException as exc:
        try:
            sys.stdout.flush()
        except BaseException:
            pass
        mark({"kind": "memory"} if isinstance(exc, MemoryError) else {"kind": "cell_error"})
        show(exc)
        raise SystemExit(1)


_rlvr_driver()
'''


def parse_execute_request(raw: Any) -> tuple[Any, bytes]:
    """Validate an /execute body; returns (the run request for the driver, its stdin). Raises `InvalidRequest`."""
    if not isinstance(raw, dict):
        raise InvalidRequest(f"request must be a JSON object, got {type(raw).__name__}")
    unknown = set(raw) - {"language", "code", "setup_cells", "limits"}
    if unknown:
        raise InvalidRequest(f"unknown fields {sorted(unknown)}")
    if raw.get("language", "python") != "python":
        raise InvalidRequest(f"/execute supports language 'python' only, got {raw.get('language')!r}")
    code, setup = raw.get("code"), raw.get("setup_cells", [])
    if not isinstance(code, str):
        raise InvalidRequest("missing field 'code' (a string)" if code is None else "code must be a string")
    if not isinstance(setup, list) or not all(isinstance(c, str) for c in setup):
        raise InvalidRequest("setup_cells must be a list of strings")
    if len(setup) > MAX_SETUP_CELLS:
        raise InvalidRequest(f"too many setup_cells: {len(setup)} > {MAX_SETUP_CELLS}")
    if any("\x00" in c for c in (code, *setup)):
        raise InvalidRequest("code contains a NUL byte")
    req = parse_run_request({"language": "python", "code": DRIVER, "mode": "stdio",
                             "tests": [{"input": "", "output": ""}], "limits": raw.get("limits")}, 1)
    stdin = json.dumps({"setup": setup, "cell": code}, ensure_ascii=False).encode("utf-8", "surrogatepass")
    return req, stdin


def _status(report: dict, marker: dict) -> str:
    sig, kind = report.get("signal"), marker.get("kind")
    if report.get("timed_out") or sig == signal.SIGXCPU:
        return "timeout"
    if report.get("output_exceeded") or sig == signal.SIGXFSZ or kind == "file_limit":
        return "output_limit"
    if kind == "setup_error":
        return "setup_error"
    if kind == "memory":
        return "memory_limit"
    if sig is not None or report.get("exit_code") != 0:
        return "error"
    return "ok"


async def execute(pool: RunnerPool, raw: Any) -> dict:
    """Run one /execute request (already JSON-decoded) on a runner from `pool`; the response dict."""
    try:
        req, stdin = parse_execute_request(raw)
    except InvalidRequest as e:
        return {"status": "invalid_request", "error": str(e)}
    lim = req.limits
    code = req.code.encode("utf-8")
    header = {"op": "run", "lang": "python", "mode": "stdio", "entry_point": "", "compile_time_s": lim.total_time_s,
              "compile_memory_mb": lim.memory_mb, "total_time_s": lim.total_time_s, "code_len": len(code),
              "tests": [{"time_s": lim.time_s, "memory_mb": lim.memory_mb, "output_bytes": lim.output_bytes,
                         "stdin_len": len(stdin)}]}
    runner = await pool.acquire()
    try:
        await runner.send(header, code + stdin)
        report: dict = {}
        body = b""
        while True:
            frame, data = await runner.recv(lim.time_s + WATCHDOG_GRACE_S)
            if "compile_error" in frame:  # the driver is fixed code: this is never the model's fault
                raise RunnerFailed(f"driver failed to load: {frame['compile_error']}")
            if frame.get("done"):
                break
            report, body = frame, data
    except RunnerFailed as e:
        log.error("internal error: %s", e)
        return {"status": "internal_error", "error": str(e)}
    finally:
        await pool.release(runner)
    if not report:  # total_time_s elapsed before the run started
        return {"status": "timeout", "stdout": "", "stderr": "", "exit_code": None, "time_s": 0.0,
                "failed_cell": None}
    n_out, n_err, n_res = report["lens"]
    try:
        marker = json.loads(body[n_out + n_err:n_out + n_err + n_res] or b"{}")
    except ValueError:
        marker = {}
    marker = marker if isinstance(marker, dict) else {}
    status = _status(report, marker)
    sig = report.get("signal")
    return {
        "status": status,
        "stdout": body[:min(n_out, lim.output_bytes)].decode("utf-8", "replace"),
        "stderr": body[n_out:n_out + n_err].decode("utf-8", "replace"),
        "exit_code": -sig if sig is not None else report.get("exit_code"),
        "time_s": round(float(report.get("time_s") or 0.0), 4),
        "failed_cell": marker.get("cell") if status == "setup_error" else None,
    }
