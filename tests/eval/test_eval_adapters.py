"""Benchmark adapters on rows in their hubs' shapes, their rejections, and suite validation errors."""

from __future__ import annotations

import base64
import json
import pickle
import zlib
from pathlib import Path

import pytest

from evaltest_lib import DATA, SAMPLES, benchmark_entries, humaneval_file, write_suite
from rl.config_checks import ConfigError
from rl.data.adapters import ADAPTERS
from rl.data.bench_adapters import decode_lcb_tests
from rl.data.schema import BadRow
from rl.eval.benchmarks import load_benchmark
from rl.eval.suite import load_suite


def _suite(tmp_path: Path, names: list[str], **extra):
    entries = [{**b, **extra} for b in benchmark_entries() if b["name"] in names]
    suite = load_suite(write_suite(tmp_path / "s.yaml", entries))
    return {b.name: load_benchmark(b) for b in suite.benchmarks}


def test_math_adapters_ids_answers_and_instruction(tmp_path):
    b = _suite(tmp_path, ["aime24", "aime25", "math500"])
    assert b["aime24"].ids == ["60", "61"] and [r["answer"] for r in b["aime24"].rows] == ["204", "113"]
    assert b["aime25"].ids == ["0", "1"] and b["aime25"].rows[0]["answer"] == "70"  # int answers become strings
    assert b["math500"].ids == ["test/precalculus/807.json", "test/algebra/2592.json"]
    assert all(r["prompt"][-1]["content"].endswith("within \\boxed{}.") for x in b.values() for r in x.rows)


def test_gpqa_shuffles_options_by_record_id(tmp_path):
    rows = _suite(tmp_path, ["gpqa"])["gpqa"].rows
    first = rows[0]["prompt"][0]["content"]
    letter = rows[0]["answer"]
    assert f"{letter}) Photon" in first and first.endswith('e.g., `"answer": "C"`.')
    letters = {r["answer"] for r in rows[:2]}
    convert = ADAPTERS["gpqa"].convert
    raw = json.loads((DATA / "gpqa.jsonl").read_text().splitlines()[0])
    assert convert(raw) == convert(dict(raw))  # deterministic
    assert convert({**raw, "Record ID": "other"})["answer"] in "ABCD"
    assert rows[2]["answer"] == "C" and "C) 7" in rows[2]["prompt"][0]["content"]
    assert letters <= set("ABCD")
    with pytest.raises(BadRow, match="four non-empty strings"):
        convert({**raw, "Incorrect Answer 3": ""})


def test_humaneval_from_the_package_data(tmp_path):
    bench = _suite(tmp_path, ["humaneval"])["humaneval"]
    assert bench.ids == ["HumanEval/0", "HumanEval/1", "HumanEval/2"]
    tests = json.loads(bench.rows[0]["tests"])
    assert tests["mode"] == "assert" and tests["tests"][0]["input"].rstrip().endswith("check(has_close_elements)")
    assert "def has_close_elements" in bench.rows[0]["prompt"][0]["content"]
    assert humaneval_file().name == "HumanEval.jsonl.gz"


def test_livecodebench_stdin_and_functional(tmp_path):
    bench = _suite(tmp_path, ["lcb"])["lcb"]
    stdin, functional = (json.loads(r["tests"]) for r in bench.rows)
    assert stdin["mode"] == "stdio" and [t["output"] for t in stdin["tests"]] == ["3\n", "6\n", "2000000000\n"]
    assert functional["mode"] == "assert" and len(functional["tests"]) == 2
    assert "Solution().twoSum(*_lcb_args)" in functional["tests"][0]["input"]
    assert "starter code" in bench.rows[1]["prompt"][0]["content"]


def test_livecodebench_private_tests_never_unpickle_objects(tmp_path):
    class Evil:
        def __reduce__(self):
            return (Path.touch, (tmp_path / "pwned",))

    for payload in (pickle.dumps(Evil()), pickle.dumps({"input": "1", "output": "2"}), b"not a pickle"):
        packed = base64.b64encode(zlib.compress(payload)).decode()
        with pytest.raises(BadRow):
            decode_lcb_tests(packed)
    assert not (tmp_path / "pwned").exists()
    good = [{"input": "1\n", "output": "1\n", "testtype": "stdin"}]
    assert decode_lcb_tests(base64.b64encode(zlib.compress(pickle.dumps(json.dumps(good)))).decode()) == good
    assert decode_lcb_tests(json.dumps(good)) == good


def test_ifeval_drops_none_kwargs(tmp_path):
    rows = _suite(tmp_path, ["ifeval"])["ifeval"].rows
    assert json.loads(rows[1]["constraints"]) == [
        {"id": "punctuation:no_comma", "kwargs": {}},
        {"id": "length_constraints:number_words", "kwargs": {"relation": "less than", "num_words": 60}}]
    with pytest.raises(BadRow, match="same non-zero length"):
        ADAPTERS["ifeval"].convert({"prompt": "x", "instruction_id_list": ["a", "b"], "kwargs": [{}]})


def test_bfcl_categories_prompt_and_constraints(tmp_path):
    bench = _suite(tmp_path, ["bfcl"])["bfcl"]
    assert len(bench.rows) == 24 and bench.ids[0] == "simple_python_97"
    assert {i.split("_")[0] for i in bench.ids} == {"simple", "multiple", "parallel", "live"}
    row = bench.rows[0]
    system = row["prompt"][0]
    assert system["role"] == "system" and "<tools>" in system["content"] and '"type": "object"' in system["content"]
    (constraint,) = json.loads(row["constraints"])
    assert constraint["id"] == "tool_call:ast_match" and constraint["kwargs"]["ground_truth"]
    with pytest.raises(BadRow, match="single-turn"):
        ADAPTERS["bfcl"].convert({"question": [[], []], "function": [{}], "ground_truth": [{}]})


def test_bfcl_unknown_category_names_what_exists(tmp_path, capsys):
    from rl.cli import main

    entries = [{**b, "subset": "simple_pyton"} for b in benchmark_entries() if b["name"] == "bfcl"]
    path = write_suite(tmp_path / "s.yaml", entries)
    samples = tmp_path / "x.jsonl"
    samples.write_text("{}\n")
    assert main(["eval", "--score", str(samples), "--suite", str(path)]) == 2
    assert "no BFCL question file for category 'simple_pyton'" in capsys.readouterr().err


@pytest.mark.parametrize("override, message", [
    ("benchmarks.aime24.scorer=math_acc", "benchmarks[aime24].scorer: unknown reward 'math_acc'; did you mean"),
    ("benchmarks.aime24.adapter=aim", "benchmarks[aime24].adapter: 'aim' is not one of"),
    ("benchmarks.aime24.k=[1, 4]", "pass@4 needs k <= n (n = 2"),
    ("benchmarks.aime24.nn=2", "benchmarks[aime24].nn: unknown key; did you mean 'n'?"),
    ("generation.backend=vlm", "generation.backend: 'vlm' is not one of hf, vllm; did you mean 'vllm'?"),
    ("benchmarks.aime24.scorer=rule_checks", "rule_checks scores general rows, but adapter aime makes math rows"),
    ("benchmarks.aime24.source=./missing.jsonl", "local dataset './missing.jsonl' not found"),
    ("max_unscored_fraction=2", "max_unscored_fraction: 2 is outside"),
])
def test_suite_errors_before_any_model_loads(tmp_path, override, message):
    path = write_suite(tmp_path / "s.yaml", benchmark_entries()[:1])
    with pytest.raises(ConfigError, match=None) as e:
        load_suite(path, [override])
    assert message in str(e.value)


def test_shipped_suites_validate():
    for name in ("smoke_cpu", "qwq"):
        suite = load_suite(name)
        assert suite.benchmarks
    assert load_suite("qwq").benchmark("aime24").n == 64
    with pytest.raises(ConfigError, match="did you mean 'qwq'"):
        load_suite("qwk")
    assert (SAMPLES / "bfcl" / "LICENSE").is_file()


# LiveCodeBench's `import_string` (lcb_runner/evaluation/testing_util.py), copied verbatim as the reference.
LCB_IMPORT_STRING = "from string import *\nfrom re import *\nfrom datetime import *\nfrom collections import *\nfrom heapq import *\nfrom bisect import *\nfrom copy import *\nfrom math import *\nfrom random import *\nfrom statistics import *\nfrom itertools import *\nfrom functools import *\nfrom operator import *\nfrom io import *\nfrom sys import *\nfrom json import *\nfrom builtins import *\nfrom typing import *\nimport string\nimport re\nimport datetime\nimport collections\nimport heapq\nimport bisect\nimport copy\nimport math\nimport random\nimport statistics\nimport itertools\nimport functools\nimport operator\nimport io\nimport sys\nimport json\nsys.setrecursionlimit(50000)\n"  # noqa: E501


def test_livecodebench_solutions_get_lcbs_import_header(tmp_path):
    from rl.data.bench_adapters import LCB_PRELUDE
    from sandbox.client import SandboxClient
    from sandbox.local import start_local_server

    assert LCB_PRELUDE == LCB_IMPORT_STRING
    stdin, functional = (json.loads(r["tests"]) for r in _suite(tmp_path, ["lcb"])["lcb"].rows)
    # as graded by LiveCodeBench: names from its header (List, defaultdict, reduce, add) need no import
    two_sum = ("class Solution:\n    def twoSum(self, nums: List[int], target: int) -> List[int]:\n"
               "        seen = defaultdict(int)\n        for i, x in enumerate(nums):\n"
               "            if target - x in seen:\n                return [seen[target - x], i]\n"
               "            seen[x] = i\n")
    a_plus_b = "print(reduce(add, map(int, input().split())))\n"  # functools.reduce, operator.add
    with start_local_server(workers=1) as server:
        client = SandboxClient([server.url], timeout_s=60)
        assert client.run({**functional, "code": two_sum})["passed"] == len(functional["tests"])
        assert client.run({**stdin, "code": a_plus_b})["passed"] == len(stdin["tests"])
        broken = client.run({**functional, "code": two_sum.replace("defaultdict(int)", "undefined_name()")})
        assert broken["passed"] == 0
        without = {k: v for k, v in functional.items() if k != "prelude"}
        assert client.run({**without, "code": two_sum})["status"] in ("ok", "compile_error")
        assert client.run({**without, "code": two_sum})["passed"] == 0  # `List` is undefined without the header
