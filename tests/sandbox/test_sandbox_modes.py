"""Call and assert semantics through the real server: the module name, compare options per mode, unjudged
output, and return values that JSON cannot hold."""
from __future__ import annotations

import json

import pytest
from sandbox_testlib import http, py

DEMO = '''
def add(a, b):
    return a + b


if __name__ == "__main__":
    a, b = map(int, input().split())  # stdin is empty in call and assert modes: EOFError if this block ran
    print(add(a, b))
'''


def statuses(res: dict) -> list[str]:
    assert res["status"] == "ok", res
    return [t["status"] for t in res["tests"]]


def test_demo_block_does_not_run_in_call_and_assert_modes(client):
    call = client.run(py(DEMO, [{"args": [2, 3], "expected": 5}], mode="call", entry_point="add"))
    assert statuses(call) == ["passed"], call
    check = client.run(py(DEMO, [{"input": "assert add(2, 3) == 5"}], mode="assert"))
    assert statuses(check) == ["passed"], check
    stdio = client.run(py(DEMO, [{"input": "2 3", "output": "5"}]))  # stdio keeps __main__: the block is the program
    assert statuses(stdio) == ["passed"], stdio


def test_module_name_per_mode(client):
    code = "import sys\nNAME = __name__\ndef name():\n    return [NAME, sys.modules[NAME].__name__]\nprint(NAME)"
    call = client.run(py(code, [{"expected": ["solution", "solution"]}], mode="call", entry_point="name"))
    assert statuses(call) == ["passed"], call
    check = client.run(py(code, [{"input": "assert name() == ['solution', 'solution']"}], mode="assert"))
    assert statuses(check) == ["passed"], check
    stdio = client.run(py(code, [{"input": "", "output": "__main__"}]))
    assert statuses(stdio) == ["passed"], stdio


def test_pickling_a_class_defined_by_the_program(client):
    code = ("import pickle\nclass P:\n    def __init__(self, v):\n        self.v = v\n"
            "def f(v):\n    return pickle.loads(pickle.dumps(P(v))).v\n")
    assert statuses(client.run(py(code, [{"args": [7], "expected": 7}], mode="call", entry_point="f"))) == ["passed"]


def test_call_mode_float_tolerance_nested_anywhere(client):
    code = "def f():\n    return [0.1 + 0.2, (1e-9, {'k': [2.0000001]}), 3, True]\n"
    exact = [{"expected": [0.3, [1e-9, {"k": [2.0]}], 3, True]}]
    assert statuses(client.run(py(code, exact, mode="call", entry_point="f"))) == ["wrong_answer"]
    loose = client.run(py(code, exact, mode="call", entry_point="f", compare={"float_tol": 1e-6}))
    assert statuses(loose) == ["passed"], loose
    rel_only = client.run(py(code, [{"expected": [0.3, [0.0, {"k": [2.0]}], 3, True]}], mode="call", entry_point="f",
                             compare={"rel_tol": 1e-6}))
    assert statuses(rel_only) == ["wrong_answer"]  # 1e-9 vs 0.0 needs an absolute tolerance
    both = client.run(py(code, [{"expected": [0.3, [0.0, {"k": [2.0]}], 3, True]}], mode="call", entry_point="f",
                         compare={"rel_tol": 1e-6, "abs_tol": 1e-6}))
    assert statuses(both) == ["passed"]
    wrong = [{"expected": [0.3, [1e-9, {"k": [2.0]}], 4, True]}, {"expected": [0.3, [1e-9, {"k": [2.0]}], 3, 1]},
             {"expected": [0.31, [1e-9, {"k": [2.0]}], 3, True]}]  # ints stay exact, True is not 1, 0.31 is off
    loose = client.run(py(code, wrong, mode="call", entry_point="f", compare={"float_tol": 1e-6}))
    assert statuses(loose) == ["wrong_answer"] * 3


@pytest.mark.parametrize("mode, compare, fragment", [
    ("call", {"mode": "tokens"}, "compare.mode is not supported in mode 'call'"),
    ("assert", {"float_tol": 1e-6}, "compare.float_tol is not supported in mode 'assert'"),
    ("call", {"float_tol": 1e-6, "abs_tol": 1e-9}, "give float_tol, or rel_tol and/or abs_tol"),
    ("call", {"tolerance": 1e-6}, "unknown compare option 'tolerance'"),
    ("stdio", {"rel_tol": 1e-6}, "requires compare.mode 'tokens'"),
])
def test_unsupported_compare_options_get_400(server, mode, compare, fragment):
    tests = {"call": [{"expected": 1}], "assert": [{"input": "assert True"}], "stdio": [{"input": "", "output": ""}]}
    req = py("def f():\n    return 1", tests[mode], mode=mode, compare=compare,
             **({"entry_point": "f"} if mode == "call" else {}))
    code, text = http(server.url + "/run", json.dumps(req).encode())
    assert code == 400 and fragment in json.loads(text)["error"], text


@pytest.mark.parametrize("mode", ["call", "assert"])
def test_prints_do_not_fail_call_and_assert_modes(client, mode):
    code = ("import sys\ndef f(n):\n    for i in range(n):\n        print('debug line', i)\n"
            "        print('progress', i, file=sys.stderr)\n    return n\n")
    tests = ([{"args": [200_000], "expected": 200_000}] if mode == "call"
             else [{"input": "assert f(200_000) == 200_000"}])
    res = client.run(py(code, tests, mode=mode, entry_point="f" if mode == "call" else None,
                        limits={"output_bytes": 1000, "time_s": 10}))
    assert statuses(res) == ["passed"], res
    t = res["tests"][0]
    assert t["stdout"].startswith("debug line 0\n") and len(t["stdout"]) <= 1024


def test_stdio_mode_keeps_the_output_limit(client):
    res = client.run(py("for i in range(100_000):\n    print(i)", [{"input": "", "output": ""}],
                        limits={"output_bytes": 1000}))
    assert statuses(res) == ["output_limit"]


@pytest.mark.parametrize("value, kind", [
    ("{1, 2}", "set"), ("object()", "object"), ("(x for x in [1, 2])", "generator"),
    ("{1: 'a', '1': 'b'}", "dict"), ("{(1, 2): 3}", "dict"), ("frozenset([1])", "frozenset"),
    ("[1, {2}]", "list"),
])
def test_unserialisable_return_is_wrong_answer_with_a_message(client, value, kind):
    res = client.run(py(f"def f():\n    return {value}\n", [{"expected": [1, 2]}], mode="call", entry_point="f"))
    assert statuses(res) == ["wrong_answer"], res
    assert f"the return value of f() ({kind}) cannot be compared" in res["tests"][0]["stderr"], res


def test_json_normalisation_of_returns(client):
    """Expected values are JSON: a tuple is a list, int dict keys are strings, None/bool/str exact."""
    code = "def f():\n    return (1, [2, (3,)], {1: None, 'b': 'x'}, 2.0)\n"
    tests = [{"expected": [1, [2, [3]], {"1": None, "b": "x"}, 2]}, {"expected": [1, [2, [3]], {"1": 0, "b": "x"}, 2]}]
    assert statuses(client.run(py(code, tests, mode="call", entry_point="f"))) == ["passed", "wrong_answer"]
