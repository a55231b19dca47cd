"""Fast unit tests: request validation, judging rules, metrics rendering, the seccomp program."""
from __future__ import annotations

import json
import signal
import struct

import pytest

from sandbox import seccomp
from sandbox.metrics import Metrics
from sandbox.protocol import Compare, InvalidRequest, parse_run_request
from sandbox.verdict import json_equal, judge, stdout_matches

BASE = {"language": "python", "code": "print(1)", "mode": "stdio", "tests": [{"input": "", "output": "1"}]}


def test_defaults_and_cache_key():
    req = parse_run_request(BASE, max_tests=10)
    assert req.limits.time_s == 2.0 and req.limits.memory_mb == 512 and not req.stop_on_first_failure
    assert req.key == parse_run_request(dict(BASE), 10).key
    assert req.key != parse_run_request({**BASE, "limits": {"time_s": 3}}, 10).key
    assert req.key != parse_run_request({**BASE, "code": "print(2)"}, 10).key
    assert req.key != parse_run_request({**BASE, "tests": [{"input": "x", "output": "1"}]}, 10).key


@pytest.mark.parametrize("patch, fragment", [
    ({"tests": []}, "non-empty"),
    ({"tests": [{"input": 1, "output": ""}]}, "tests[0].input must be a string"),
    ({"code": 5}, "code must be a string"),
    ({"code": "a\x00b"}, "NUL"),
    ({"stop_on_first_failure": "yes"}, "boolean"),
    ({"limits": {"memory_mb": 1}}, "limits.memory_mb"),
    ({"limits": {"time_s": True}}, "limits.time_s"),
    ({"compare": {"mode": "fuzzy"}}, "compare.mode"),
    ({"compare": {"float_tol": 0.1}}, "requires compare.mode 'tokens'"),
    ({"compare": {"mode": "tokens", "rel_tol": 2}}, "compare.rel_tol must be in [0, 1]"),
    ({"compare": {"mode": "tokens", "abs_tol": -1e-9}}, "compare.abs_tol must be in"),
    ({"compare": [1]}, "compare must be an object"),
    ({"mode": "call", "entry_point": "f", "tests": [{"expected": 1}], "compare": {"mode": "exact"}},
     "compare.mode is not supported in mode 'call'"),
    ({"mode": "assert", "tests": [{"input": "assert 1"}], "compare": {"abs_tol": 0.1}},
     "compare.abs_tol is not supported in mode 'assert'"),
    ({"extra": 1}, "unknown fields"),
    ({"mode": "call", "entry_point": "not valid", "tests": [{"expected": 1}]}, "identifier"),
    ({"mode": "call", "entry_point": "f", "tests": [{"args": {}, "expected": 1}]}, "args must be a list"),
])
def test_validation_errors(patch, fragment):
    with pytest.raises(InvalidRequest) as e:
        parse_run_request({**BASE, **patch}, max_tests=10)
    assert fragment in str(e.value)


def test_stdout_rules():
    lines = Compare()
    assert stdout_matches(b"1 2  \r\n3\n\n\n", "1 2\n3", lines)
    assert not stdout_matches(b" 1 2\n3", "1 2\n3", lines)
    assert not stdout_matches(b"1\n\n2", "1\n2", lines)  # inner blank lines count
    assert not stdout_matches(b"\xff", "\ufffd", lines)  # invalid UTF-8 never equals valid text
    assert stdout_matches(b"a\n", "a\n", Compare("exact")) and not stdout_matches(b"a", "a\n", Compare("exact"))
    assert stdout_matches(b"0.3333 x", "0.33333333\nx", Compare("tokens", 1e-3))
    assert not stdout_matches(b"0.3 x", "0.33333333 x", Compare("tokens", 1e-3))
    assert not stdout_matches(b"1000001", "1000000", Compare("tokens", 1e-3, 1e-3))  # integers stay exact
    assert stdout_matches(b"1000000.5", "1000000", Compare("tokens", 1e-6))
    assert not stdout_matches(b"1e400", "1e500", Compare("tokens", 0.5))  # both overflow to inf: still different
    assert stdout_matches(b"1e-12", "0", Compare("tokens", 0.0, 1e-9)) and not stdout_matches(
        b"1e-12", "0", Compare("tokens", 1e-9, 0.0))


def test_compare_options_per_mode():
    call = {**BASE, "mode": "call", "entry_point": "f", "tests": [{"expected": 1}]}
    assert parse_run_request({**call, "compare": {"float_tol": 1e-6}}, 10).compare == Compare("lines", 1e-6, 1e-6)
    assert parse_run_request({**call, "compare": {"abs_tol": 1e-3}}, 10).compare == Compare("lines", 0.0, 1e-3)
    assert parse_run_request({**call, "compare": {}}, 10).compare == Compare()
    stdio = parse_run_request({**BASE, "compare": {"mode": "tokens", "rel_tol": 1e-4}}, 10)
    assert stdio.compare == Compare("tokens", 1e-4, 0.0)
    assert stdio.key != parse_run_request({**BASE, "compare": {"mode": "tokens", "abs_tol": 1e-4}}, 10).key


def test_json_equal():
    assert json_equal([1, {"a": 2.0}], [1.0, {"a": 2}])
    assert not json_equal(True, 1) and not json_equal(0, False) and not json_equal([1], [1, 2])
    assert json_equal(float("nan"), float("nan")) and not json_equal("1", 1) and not json_equal(None, 0)
    tol = Compare(rel_tol=1e-6, abs_tol=1e-9)
    assert not json_equal([0.1 + 0.2], [0.3]) and json_equal([0.1 + 0.2], [0.3], tol)
    assert json_equal({"a": [[1.0000001e6]]}, {"a": [[1e6]]}, tol) and not json_equal({"a": [1.1]}, {"a": [1]}, tol)
    assert not json_equal(10**6 + 1, 10**6, tol) and not json_equal(True, 1.0, tol)  # ints exact, bools not numbers
    assert not json_equal(10**400, 1e308, tol) and json_equal(float("inf"), float("inf"), tol)
    assert json_equal(float("nan"), float("nan"), tol) and not json_equal(float("inf"), 1e308, tol)


def _judge(report, stdout=b"", stderr=b"", result=b"", mode="stdio", language="python", nonce=None):
    test = {"stdio": {"input": "", "output": "ok"}, "call": {"expected": [1]}, "assert": {"input": ""}}[mode]
    base = {"exit_code": 0, "signal": None, "timed_out": False, "output_exceeded": False, "cpu_s": 0.0, "time_s": 0.1}
    return judge({**base, **report}, stdout, stderr, result, language=language, mode=mode, test=test,
                 compare=Compare(), time_limit_s=1.0, nonce=nonce)["status"]


def test_judge_precedence_and_modes():
    assert _judge({"timed_out": True, "output_exceeded": True}) == "timeout"
    assert _judge({"signal": signal.SIGKILL, "exit_code": None, "cpu_s": 2.0}) == "timeout"  # CPU hard limit
    assert _judge({"signal": signal.SIGKILL, "exit_code": None, "cpu_s": 0.1}) == "runtime_error"
    assert _judge({"output_exceeded": True}) == "output_limit"
    assert _judge({"exit_code": 1}, result=b'{"kind":"file_limit"}') == "output_limit"
    assert _judge({"exit_code": 1}, result=b'{"kind":"memory"}') == "memory_limit"
    assert _judge({"signal": 6, "exit_code": None}, stderr=b"std::bad_alloc", language="cpp") == "memory_limit"
    assert _judge({"exit_code": 3}, stdout=b"ok") == "runtime_error"
    assert _judge({}, stdout=b"ok\n") == "passed" and _judge({}, stdout=b"no") == "wrong_answer"
    assert _judge({}, result=b'{"kind":"return","value":[1]}', mode="call") == "passed"
    assert _judge({}, result=b'{"kind":"return","value":[true]}', mode="call") == "wrong_answer"
    assert _judge({}, result=b"garbage", mode="call") == "wrong_answer"
    assert _judge({}, result=b'{"kind":"unserialisable","type":"set","error":"x"}', mode="call") == "wrong_answer"
    assert _judge({}, result=b'{"kind":"nonce","nonce":"abc"}', mode="assert", nonce="abc") == "passed"
    assert _judge({}, result=b'{"kind":"nonce","nonce":"abd"}', mode="assert", nonce="abc") == "wrong_answer"
    assert _judge({}, mode="assert", nonce="abc") == "wrong_answer"  # exited 0 without proof
    assert _judge({"exit_code": 1}, result=b'{"kind":"assert_failed"}', mode="assert", nonce="x") == "wrong_answer"


def test_return_values_as_json():
    """The runner's serialisation of call-mode return values (runner_python.py is plain stdlib code)."""
    import numpy as np

    from sandbox.runner_python import return_message

    def msg(value):
        return json.loads(return_message("f", value))

    assert msg((1, [2.5, None], {"a": True})) == {"kind": "return", "value": [1, [2.5, None], {"a": True}]}
    assert msg({1: "x"}) == {"kind": "return", "value": {"1": "x"}}
    assert msg([np.int64(3), np.float64(0.5), np.bool_(True), np.arange(3)]) == {
        "kind": "return", "value": [3, 0.5, True, [0, 1, 2]]}
    for bad in ({1, 2}, object(), {1: "a", "1": "b"}, {(1, 2): 3}, iter([1]), [frozenset()]):
        assert msg(bad)["kind"] == "unserialisable", bad
    loop: list = []
    loop.append(loop)
    assert msg(loop)["kind"] == "unserialisable"


def test_metrics_render():
    m = Metrics()
    m.requests[("/run", 200)] += 2
    m.observe_request(0.003, "ok")
    m.observe_test("passed", 0.002)
    text = m.render({"workers": 2})
    assert 'sandbox_http_requests_total{endpoint="/run",code="200"} 2' in text
    assert 'sandbox_run_duration_seconds_bucket{le="0.005"} 1' in text and "sandbox_workers 2" in text
    assert 'sandbox_executions_total{status="passed"} 1' in text


def test_seccomp_program_shape():
    for prog in (seccomp.bwrap_filter(), seccomp.after_setup_filter()):
        assert len(prog) % 8 == 0 and len(prog) // 8 < 256
        last = struct.unpack("=HBBI", prog[-8:])
        assert last == (0x06, 0, 0, 0x7FFF0000)  # default: allow


def test_prelude_runs_before_the_program_and_is_validated():
    req = parse_run_request({**BASE, "prelude": "from math import *"}, 10)
    assert req.code == "from math import *\nprint(1)"
    assert req.key != parse_run_request(BASE, 10).key
    for bad in (5, "import os\x00"):
        with pytest.raises(InvalidRequest, match="prelude must be a string"):
            parse_run_request({**BASE, "prelude": bad}, 10)
