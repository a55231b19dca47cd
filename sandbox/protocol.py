"""Validation of /run requests (design.md section 4). Every problem becomes an `InvalidRequest` with a clear message."""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from typing import Any

LANGUAGES = ("python", "cpp")
MODES = ("stdio", "call", "assert")
COMPARE_MODES = ("lines", "exact", "tokens")
# The compare options each mode supports; any other option is an invalid request, never silently ignored.
# float_tol is shorthand for rel_tol = abs_tol = float_tol. Assert mode compares inside the assertions: none.
COMPARE_OPTIONS = {"stdio": ("mode", "float_tol", "rel_tol", "abs_tol"), "call": ("float_tol", "rel_tol", "abs_tol"),
                   "assert": ()}
MAX_ABS_TOL = 1e9
DEFAULT_LIMITS = {"time_s": 2.0, "memory_mb": 512, "output_bytes": 65536, "total_time_s": 30.0}
MAX_LIMITS = {"time_s": 60.0, "memory_mb": 8192, "output_bytes": 16 << 20, "total_time_s": 600.0}
MIN_MEMORY_MB = 32  # the interpreter itself needs this much address space


class InvalidRequest(ValueError):
    """The request does not follow the contract; the message says what is wrong."""


@dataclass(frozen=True)
class Limits:
    time_s: float
    memory_mb: int
    output_bytes: int
    total_time_s: float


@dataclass(frozen=True)
class Compare:
    """How results are compared.

    ``mode`` (stdio only): ``lines`` (default: trailing whitespace per line and trailing blank lines ignored),
    ``exact`` (byte-for-byte), ``tokens`` (whitespace-separated tokens). ``rel_tol``/``abs_tol``: two numbers, one
    of them a float, are equal when ``math.isclose(got, want, rel_tol=rel_tol, abs_tol=abs_tol)``; two integers
    always compare exactly. They apply to the tokens of stdio ``tokens`` mode and to the floats anywhere in a
    call-mode return value (lists, tuples, dict values)."""

    mode: str = "lines"
    rel_tol: float = 0.0
    abs_tol: float = 0.0

    @property
    def tolerant(self) -> bool:
        return bool(self.rel_tol or self.abs_tol)


@dataclass(frozen=True)
class RunRequest:
    language: str
    code: str
    mode: str
    entry_point: str
    tests: tuple
    limits: Limits
    stop_on_first_failure: bool
    compare: Compare
    key: str  # cache key: hash of every field that can change the result


def _fail(msg: str) -> None:
    raise InvalidRequest(msg)


def _number(where: str, value: Any, lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        _fail(f"{where} must be a number, got {value!r}")
    if not lo <= value <= hi:
        _fail(f"{where} must be in [{lo:g}, {hi:g}], got {value!r}")
    return value


def _limits(raw: Any) -> Limits:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        _fail(f"limits must be an object, got {type(raw).__name__}")
    unknown = set(raw) - set(DEFAULT_LIMITS)
    if unknown:
        _fail(f"unknown limits {sorted(unknown)}; allowed: {sorted(DEFAULT_LIMITS)}")
    merged = {**DEFAULT_LIMITS, **raw}
    return Limits(
        time_s=float(_number("limits.time_s", merged["time_s"], 0.01, MAX_LIMITS["time_s"])),
        memory_mb=int(_number("limits.memory_mb", merged["memory_mb"], MIN_MEMORY_MB, MAX_LIMITS["memory_mb"])),
        output_bytes=int(_number("limits.output_bytes", merged["output_bytes"], 1, MAX_LIMITS["output_bytes"])),
        total_time_s=float(_number("limits.total_time_s", merged["total_time_s"], 0.01, MAX_LIMITS["total_time_s"])),
    )


def _compare(raw: Any, mode: str) -> Compare:
    if raw is None:
        return Compare()
    known = COMPARE_OPTIONS["stdio"]
    if not isinstance(raw, dict):
        _fail(f"compare must be an object with optional keys {list(known)}")
    for key in raw:
        if key not in known:
            _fail(f"unknown compare option {key!r}; known: {list(known)}")
        if key not in COMPARE_OPTIONS[mode]:
            supported = COMPARE_OPTIONS[mode]
            _fail(f"compare.{key} is not supported in mode {mode!r} "
                  + (f"(it supports {list(supported)})" if supported else
                     "(assert mode compares inside the assertions; it takes no compare options)"))
    cmode = raw.get("mode", "lines")
    if cmode not in COMPARE_MODES:
        _fail(f"compare.mode must be one of {list(COMPARE_MODES)}, got {cmode!r}")
    if "float_tol" in raw and ("rel_tol" in raw or "abs_tol" in raw):
        _fail("compare.float_tol sets both rel_tol and abs_tol: give float_tol, or rel_tol and/or abs_tol")
    tol = _number("compare.float_tol", raw.get("float_tol", 0.0), 0.0, 1.0)
    rel = float(_number("compare.rel_tol", raw.get("rel_tol", tol), 0.0, 1.0))
    abs_ = float(_number("compare.abs_tol", raw.get("abs_tol", tol), 0.0, MAX_ABS_TOL))
    if (rel or abs_) and mode == "stdio" and cmode != "tokens":
        _fail("compare tolerances (float_tol, rel_tol, abs_tol) in stdio mode: requires compare.mode 'tokens'")
    return Compare(cmode, rel, abs_)


def _test(mode: str, i: int, t: Any) -> dict:
    where = f"tests[{i}]"
    if not isinstance(t, dict):
        _fail(f"{where} must be an object, got {type(t).__name__}")
    required = {"stdio": ("input", "output"), "call": ("expected",), "assert": ("input",)}[mode]
    missing = [k for k in required if k not in t]
    if missing:
        _fail(f"{where} is missing {missing} (mode {mode!r} tests need {list(required)})")
    if mode == "stdio":
        for k in ("input", "output"):
            if not isinstance(t[k], str):
                _fail(f"{where}.{k} must be a string")
        return {"input": t["input"], "output": t["output"]}
    if mode == "assert":
        if not isinstance(t["input"], str):
            _fail(f"{where}.input must be a string of Python assertion code")
        return {"input": t["input"]}
    args, kwargs = t.get("args", []), t.get("kwargs", {})
    if not isinstance(args, list):
        _fail(f"{where}.args must be a list")
    if not isinstance(kwargs, dict):
        _fail(f"{where}.kwargs must be an object")
    return {"args": args, "kwargs": kwargs, "expected": t["expected"]}


def parse_run_request(raw: Any, max_tests: int) -> RunRequest:
    """Validate one /run request body (already JSON-decoded) and fill in defaults."""
    if not isinstance(raw, dict):
        _fail(f"request must be a JSON object, got {type(raw).__name__}")
    known = {"language", "code", "prelude", "mode", "entry_point", "tests", "limits", "stop_on_first_failure",
             "compare"}
    unknown = set(raw) - known
    if unknown:
        _fail(f"unknown fields {sorted(unknown)}")
    for k in ("language", "code", "mode", "tests"):
        if k not in raw:
            _fail(f"missing field {k!r}")
    language, mode, code = raw["language"], raw["mode"], raw["code"]
    if language not in LANGUAGES:
        _fail(f"language must be one of {list(LANGUAGES)}, got {language!r}")
    if mode not in MODES:
        _fail(f"mode must be one of {list(MODES)}, got {mode!r}")
    if language != "python" and mode != "stdio":
        _fail(f"mode {mode!r} is only supported for python (use stdio for {language})")
    if not isinstance(code, str):
        _fail("code must be a string")
    if "\x00" in code:
        _fail("code contains a NUL byte")
    prelude = raw.get("prelude", "")
    if not isinstance(prelude, str) or "\x00" in prelude:
        _fail("prelude must be a string without NUL bytes (code run before the program, e.g. an import header)")
    if prelude:  # part of the program (and of the cache key), as a harness that prepends a header runs it
        code = f"{prelude}\n{code}"
    entry = raw.get("entry_point") or ""
    if mode == "call" and not (isinstance(entry, str) and entry.isidentifier()):
        _fail(f"mode 'call' needs entry_point, a Python identifier; got {entry!r}")
    tests = raw["tests"]
    if not isinstance(tests, list) or not tests:
        _fail("tests must be a non-empty list")
    if len(tests) > max_tests:
        _fail(f"too many tests: {len(tests)} > {max_tests}")
    parsed = tuple(_test(mode, i, t) for i, t in enumerate(tests))
    sofs = raw.get("stop_on_first_failure", False)
    if not isinstance(sofs, bool):
        _fail("stop_on_first_failure must be a boolean")
    limits, compare = _limits(raw.get("limits")), _compare(raw.get("compare"), mode)
    canon = json.dumps([language, code, mode, entry, parsed, limits.__dict__, sofs, compare.__dict__],
                       sort_keys=True, ensure_ascii=False, allow_nan=True)
    key = hashlib.sha256(canon.encode("utf-8", "surrogatepass")).hexdigest()
    return RunRequest(language, code, mode, entry if mode == "call" else "", parsed, limits, sofs, compare, key)
