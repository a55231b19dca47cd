"""The HTTP API v1 through the real isolated server: modes, languages, comparison, limits, batch, errors, cache."""
from __future__ import annotations

import json
import time

import pytest
from sandbox_testlib import http, py


def statuses(res: dict) -> list[str]:
    return [t["status"] for t in res["tests"]]


def test_stdio_python_and_comparison_rule(client):
    code = "n = int(input())\nprint(n * 2, '  ')\nprint()\nprint()"
    res = client.run(py(code, [{"input": "4", "output": "8"}, {"input": "5", "output": "11"},
                               {"input": "6", "output": "12\n\n"}, {"input": "7", "output": " 14"}]))
    assert res["status"] == "ok" and res["passed"] == 2 and res["total"] == 4
    assert statuses(res) == ["passed", "wrong_answer", "passed", "wrong_answer"]
    assert res["tests"][0]["stdout"] == "8   \n\n\n" and res["tests"][0]["exit_code"] == 0


def test_compare_modes(client):
    code = "print('1.0000001 2')"
    exact = client.run(py(code, [{"input": "", "output": "1.0000001 2"}], compare={"mode": "exact"}))
    assert statuses(exact) == ["wrong_answer"]  # the newline is missing from the expected text
    tokens = client.run(py(code, [{"input": "", "output": "1   2\n"}], compare={"mode": "tokens", "float_tol": 1e-6}))
    assert statuses(tokens) == ["passed"]
    strict = client.run(py(code, [{"input": "", "output": "1 2"}], compare={"mode": "tokens"}))
    assert statuses(strict) == ["wrong_answer"]


def test_cpp_stdio_and_compile_error(client):
    code = "#include <iostream>\nint main(){ long a, b; std::cin >> a >> b; std::cout << a + b << '\\n'; }"
    res = client.run({"language": "cpp", "code": code, "mode": "stdio",
                      "tests": [{"input": "2 3", "output": "5"}, {"input": "10 -4", "output": "6"}]})
    assert res["status"] == "ok" and res["passed"] == 2, res
    bad = client.run({"language": "cpp", "code": "int main() { return undefined_name; }", "mode": "stdio",
                      "tests": [{"input": "", "output": ""}]})
    assert bad["status"] == "compile_error" and "undefined_name" in bad["compile_output"]
    assert bad["passed"] == 0 and statuses(bad) == ["skipped"]


def test_python_syntax_error_is_compile_error(client):
    res = client.run(py("def f(:\n    pass", [{"input": "", "output": ""}]))
    assert res["status"] == "compile_error" and "SyntaxError" in res["compile_output"]


def test_call_mode_json_normalised_in_the_server(client):
    code = ("def f(a, b=0):\n    return (a + b, [a], {'k': None})\n"
            "def g():\n    return True\n"
            "class Sneaky:\n    def __eq__(self, other):\n        return True\n"
            "def h():\n    return Sneaky()\n")
    res = client.run(py(code, [{"args": [1], "kwargs": {"b": 2}, "expected": [3, [1], {"k": None}]},
                               {"args": [1], "expected": [1, [1], {"k": None}]},
                               {"args": [2], "expected": [3, [1], {"k": None}]}], mode="call", entry_point="f"))
    assert statuses(res) == ["passed", "passed", "wrong_answer"], res
    res = client.run(py(code, [{"expected": 1}, {"expected": True}], mode="call", entry_point="g"))
    assert statuses(res) == ["wrong_answer", "passed"]  # True is not 1 in JSON
    res = client.run(py(code, [{"expected": {}}], mode="call", entry_point="h"))
    assert statuses(res) == ["wrong_answer"] and "Sneaky) cannot be compared" in res["tests"][0]["stderr"]
    res = client.run(py(code, [{"expected": 1}], mode="call", entry_point="missing"))
    assert statuses(res) == ["runtime_error"] and "KeyError" in res["tests"][0]["stderr"]


def test_assert_mode(client):
    code = "def add(a, b):\n    return a + b\n"
    res = client.run(py(code, [{"input": "assert add(1, 2) == 3"}, {"input": "assert add(1, 2) == 4"},
                               {"input": "raise ValueError('boom')"}], mode="assert"))
    assert statuses(res) == ["passed", "wrong_answer", "runtime_error"], res


def test_stop_on_first_failure_and_total_time_cap(client):
    code = "import time\nx = int(input())\ntime.sleep(x / 10)\nprint(x)"
    tests = [{"input": "1", "output": "1"}, {"input": "2", "output": "0"}, {"input": "3", "output": "3"}]
    res = client.run(py(code, tests, stop_on_first_failure=True))
    assert statuses(res) == ["passed", "wrong_answer", "skipped"] and res["passed"] == 1 and res["total"] == 3
    res = client.run(py(code, [{"input": "3", "output": "3"}] * 5, limits={"total_time_s": 0.5, "time_s": 2}))
    assert statuses(res)[0] == "passed" and statuses(res)[-1] == "skipped", res


def test_run_batch_order_invalid_items_and_parallelism(server):
    sleeper = py("import time\ntime.sleep(0.6)\nprint(input())", [{"input": "x", "output": "x"}])
    reqs = [dict(sleeper, code=sleeper["code"] + f"\n# {i}") for i in range(4)]
    reqs.insert(2, {"language": "cobol", "code": "", "mode": "stdio", "tests": []})
    start = time.monotonic()
    code, body = http(server.url + "/run_batch", json.dumps({"requests": reqs}).encode())
    elapsed = time.monotonic() - start
    results = json.loads(body)["results"]
    assert code == 200 and [r["status"] for r in results] == ["ok", "ok", "invalid_request", "ok", "ok"]
    assert "cobol" in results[2]["error"]
    assert elapsed < 4 * 0.6  # two workers ran the four sleepers concurrently


@pytest.mark.parametrize("body, fragment", [
    (b"{not json", "not valid JSON"),
    (b"[]", "must be a JSON object"),
    (json.dumps({"language": "java", "code": "", "mode": "stdio", "tests": [{}]}).encode(), "language"),
    (json.dumps({"language": "python", "code": "", "mode": "repl", "tests": [{}]}).encode(), "mode"),
    (json.dumps({"language": "python", "mode": "stdio", "tests": [{"input": "", "output": ""}]}).encode(),
     "missing field 'code'"),
    (json.dumps(py("", [{"input": ""}])).encode(), "missing ['output']"),
    (json.dumps(py("", [{"input": "", "output": ""}], mode="call")).encode(), "entry_point"),
    (json.dumps({"language": "cpp", "code": "", "mode": "call", "entry_point": "f", "tests": [{"expected": 1}]}).encode(),
     "only supported for python"),
    (json.dumps(py("", [{"input": "", "output": ""}] * 1001)).encode(), "too many tests"),
    (json.dumps(py("", [{"input": "", "output": ""}], limits={"time_s": -1})).encode(), "limits.time_s"),
    (json.dumps(py("", [{"input": "", "output": ""}], limits={"cpu": 1})).encode(), "unknown limits"),
])
def test_bad_requests_get_4xx_with_clear_error(server, client, body, fragment):
    code, text = http(server.url + "/run", body)
    assert code == 400, text
    data = json.loads(text)
    assert data["status"] == "invalid_request" and fragment in data["error"], data
    assert "Traceback" not in text
    assert client.health()["status"] == "ok"


def test_oversized_body_and_unknown_routes(server, client):
    code, text = http(server.url + "/run", b'{"code": "' + b"x" * (17 << 20) + b'"}')
    assert code == 413 and "cap" in json.loads(text)["error"]
    code, text = http(server.url + "/run_batch", json.dumps({"requests": "nope"}).encode())
    assert code == 400 and "requests" in json.loads(text)["error"]
    code, text = http(server.url + "/nope")
    assert code == 404 and json.loads(text)["status"] == "invalid_request"
    code, text = http(server.url + "/run", method="GET")
    assert code == 405
    assert client.run(py("print(1)", [{"input": "", "output": "1"}]))["passed"] == 1


def test_health_metrics_and_cache(server, client):
    req = py("print(sum(map(int, input().split())))", [{"input": "40 2", "output": "42"}] * 3)
    first = client.run(req)
    hits = client.health()["counters"]["cache_hits"]
    assert client.run(req) == first
    health = client.health()
    assert health["counters"]["cache_hits"] == hits + 1
    assert health["isolated"] is True and health["workers"] == 2 and health["queue"] == 0
    code, text = http(server.url + "/metrics")
    assert code == 200
    for needle in ('sandbox_executions_total{status="passed"}', "sandbox_run_duration_seconds_bucket",
                   'sandbox_http_requests_total{endpoint="/run",code="200"}', "sandbox_cache_hits_total"):
        assert needle in text
