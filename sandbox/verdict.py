"""Server-side judging: turn a runner's raw report for one test into a contract test status.

Expected outputs never enter the sandbox: stdout, call-mode return values (as JSON) and assert-mode nonces are
compared here. Status precedence: timeout > output_limit > memory_limit > runtime_error > wrong_answer/passed.
"""
from __future__ import annotations

import json
import math
import signal
from typing import Any

from sandbox.protocol import Compare

PREVIEW_BYTES = 1024


def _lines(text: str) -> list[str]:
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _is_int(token: str) -> bool:
    try:
        int(token)
    except ValueError:
        return False
    return True


def _close(x: float, y: float, compare: Compare) -> bool:
    """Finite numbers within the tolerances; otherwise equal only if equal (inf == inf, NaN == NaN)."""
    if math.isfinite(x) and math.isfinite(y):
        return math.isclose(x, y, rel_tol=compare.rel_tol, abs_tol=compare.abs_tol)
    return x == y or (math.isnan(x) and math.isnan(y))


def _token_equal(a: str, b: str, compare: Compare) -> bool:
    if a == b:
        return True
    if not compare.tolerant or (_is_int(a) and _is_int(b)):
        return False
    try:
        x, y = float(a), float(b)
    except ValueError:
        return False
    # a token beyond any float (1e400) is no infinity; "inf" == "inf" was handled as text above
    return math.isfinite(x) and math.isfinite(y) and _close(x, y, compare)


def stdout_matches(actual: bytes, expected: str, compare: Compare) -> bool:
    """Compare program output with the expected text (invalid UTF-8 never matches valid text)."""
    if compare.mode == "exact":
        return actual == expected.encode("utf-8", "surrogatepass")
    text = actual.decode("utf-8", "surrogateescape")
    if compare.mode == "lines":
        return _lines(text) == _lines(expected)
    got, want = text.split(), expected.split()
    return len(got) == len(want) and all(_token_equal(g, w, compare) for g, w in zip(got, want))


def json_equal(a: Any, b: Any, compare: Compare = Compare()) -> bool:
    """Equality of JSON values: bools are not numbers, 1 == 1.0, NaN == NaN, lists/objects compared deeply.
    With tolerances, two numbers of which one is a float compare with `math.isclose`; two ints stay exact."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if compare.tolerant and (isinstance(a, float) or isinstance(b, float)):
            try:
                return _close(float(a), float(b), compare)
            except OverflowError:  # an int beyond any float: no float is close to it
                return False
        return a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y, compare) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k], compare) for k in a)
    return type(a) is type(b) and a == b


def _result_message(raw: bytes) -> dict:
    try:
        msg = json.loads(raw.decode("utf-8")) if raw else {}
    except (UnicodeDecodeError, ValueError, RecursionError):
        return {}
    return msg if isinstance(msg, dict) else {}


def judge(report: dict, stdout: bytes, stderr: bytes, result: bytes, *, language: str, mode: str, test: dict,
          compare: Compare, time_limit_s: float, nonce: str | None) -> dict:
    """One contract test entry from the runner's report and the captured streams."""
    sig, code = report.get("signal"), report.get("exit_code")
    msg = _result_message(result)
    kind = msg.get("kind")
    cpu = report.get("cpu_s") or 0.0
    if report.get("timed_out") or sig == signal.SIGXCPU or (sig == signal.SIGKILL and cpu >= time_limit_s):
        status = "timeout"
    elif report.get("output_exceeded") or sig == signal.SIGXFSZ or kind == "file_limit":
        status = "output_limit"
    elif kind == "memory" or (language == "cpp" and code != 0 and b"std::bad_alloc" in stderr):
        status = "memory_limit"
    elif kind in ("assert_failed", "unserialisable"):
        status = "wrong_answer"
    elif sig is not None or code != 0:
        status = "runtime_error"
    elif mode == "stdio":
        status = "passed" if stdout_matches(stdout, test["output"], compare) else "wrong_answer"
    elif mode == "call":
        ok = kind == "return" and "value" in msg and json_equal(msg["value"], _normalise(test["expected"]), compare)
        status = "passed" if ok else "wrong_answer"
    else:  # assert: only the fresh nonce, printed after the assertion ran, proves a pass
        status = "passed" if kind == "nonce" and msg.get("nonce") == nonce else "wrong_answer"
    return {
        "status": status,
        "time_s": round(float(report.get("time_s") or 0.0), 4),
        "exit_code": -sig if sig is not None else code,
        "stdout": stdout[:PREVIEW_BYTES].decode("utf-8", "replace"),
        "stderr": stderr[:PREVIEW_BYTES].decode("utf-8", "replace"),
    }


def _normalise(value: Any) -> Any:
    return json.loads(json.dumps(value))


def skipped() -> dict:
    return {"status": "skipped", "time_s": 0.0, "exit_code": None, "stdout": "", "stderr": ""}
