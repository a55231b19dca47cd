"""`rl eval --score`: every adapter's benchmark scored from known-correct and known-wrong completions, through the
real scorers (math verifier, sandbox, rule checks, BFCL AST match); the cache; bad SAMPLES input."""

from __future__ import annotations

import json
import pyarrow.parquet as pq
import pytest

from evaltest_lib import benchmark_entries, samples_lines, write_suite
from rl.cli import main
from rl.eval.benchmarks import load_benchmark
from rl.eval.suite import load_suite


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    """Score [correct, wrong] for every row of every adapter's benchmark, once for the module."""
    tmp = tmp_path_factory.mktemp("score")
    suite_path = write_suite(tmp / "suite.yaml", benchmark_entries())
    suite = load_suite(suite_path)
    benchmarks = {b.name: load_benchmark(b) for b in suite.benchmarks}
    samples = tmp / "samples.jsonl"
    samples.write_text("".join(json.dumps(line) + "\n" for line in samples_lines(benchmarks)))
    out = tmp / "out"
    assert main(["eval", "--score", str(samples), "--suite", str(suite_path), "--out", str(out)]) == 0
    return {"suite": suite_path, "samples": samples, "out": out, "benchmarks": benchmarks,
            "results": json.loads((out / "results.json").read_text())["samples"]}


def test_every_adapter_scores_correct_and_wrong(scored):
    results, benchmarks = scored["results"], scored["benchmarks"]
    assert set(results) == set(benchmarks)
    for name, m in results.items():
        assert m["pass@1"] == pytest.approx(0.5), (name, m)
        assert m["pass@k"] == {"2": pytest.approx(1.0)}, name
        assert m["unscored"] == 0 and m["n_samples"] == 2 and m["n_prompts"] == len(benchmarks[name].rows)
        lo, hi = m["ci95"]
        assert lo == hi == pytest.approx(0.5)  # every prompt has c/n = 1/2
    assert {n: results[n]["maj@n"] for n in ("aime24", "aime25", "math500", "gpqa")} == {
        "aime24": 1.0, "aime25": 1.0, "math500": 1.0, "gpqa": 1.0}  # a 1-1 tie goes to the first sample
    assert results["ifeval"]["ifeval"]["prompt_strict"] == pytest.approx(0.5)
    assert results["bfcl"]["ast_accuracy"] == pytest.approx(0.5)
    assert results["bfcl"]["n_prompts"] == 24 and results["humaneval"]["n_prompts"] == 3


def test_samples_parquet_one_row_per_completion(scored):
    rows = pq.read_table(scored["out"] / "samples.parquet").to_pylist()
    assert len(rows) == 2 * sum(len(b.rows) for b in scored["benchmarks"].values())
    first = [r for r in rows if r["benchmark"] == "humaneval" and r["id"] == "HumanEval/0"]
    assert [(r["sample"], r["score"], r["passed"]) for r in first] == [(0, 1.0, True), (1, 0.0, False)]


def test_rerun_is_served_from_the_cache(scored, monkeypatch, capsys):
    from rl.eval import scoring

    def boom(*args, **kwargs):
        raise AssertionError("a cached benchmark was scored again")

    monkeypatch.setattr(scoring, "score_benchmark", boom)
    assert main(["eval", "--score", str(scored["samples"]), "--suite", str(scored["suite"]),
                 "--out", str(scored["out"])]) == 0
    assert "humaneval" in capsys.readouterr().out


def test_ifeval_loose_differs_from_strict(tmp_path):
    suite_path = write_suite(tmp_path / "s.yaml", [b for b in benchmark_entries() if b["name"] == "ifeval"], n=1)
    # a first line that breaks lowercase: strict fails, loose (first line removed) passes
    line = {"benchmark": "ifeval", "id": "1001", "completions": ["</think>Here Is My Poem:\nthe moon is round"]}
    samples = tmp_path / "s.jsonl"
    samples.write_text(json.dumps(line) + "\n")
    assert main(["eval", "--score", str(samples), "--suite", str(suite_path), "--out", str(tmp_path / "o")]) == 0
    acc = json.loads((tmp_path / "o" / "results.json").read_text())["s"]["ifeval"]["ifeval"]
    assert acc["prompt_strict"] == 0.0 and acc["prompt_loose"] == 1.0


@pytest.mark.parametrize("line, message", [
    ({"benchmark": "aime42", "id": "60", "completions": ["a", "b"]},
     "unknown benchmark 'aime42'; did you mean 'aime25', 'aime24'"),
    ({"benchmark": "aime24", "id": "6", "completions": ["a", "b"]}, "no row with id '6'"),
    ({"benchmark": "aime24", "id": 60, "completions": ["a"]}, "takes n=2 completions per prompt, got 1"),
    ({"benchmark": "aime24", "id": "60", "completions": "ab"}, "completions must be a list of strings"),
    ({"benchmark": "aime24", "id": "60"}, "expected exactly the keys"),
])
def test_bad_samples_lines_name_the_line(tmp_path, capsys, line, message):
    suite_path = write_suite(tmp_path / "s.yaml", benchmark_entries()[:2])
    samples = tmp_path / "s.jsonl"
    good = {"benchmark": "aime24", "id": "61", "completions": ["x", "y"]}
    samples.write_text(json.dumps(good) + "\n\n" + json.dumps(line) + "\n")
    assert main(["eval", "--score", str(samples), "--suite", str(suite_path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert f"{samples}:3:" in err and message in err, err
    assert not (tmp_path / "o" / "results.json").exists()


def test_duplicate_id_is_an_error(tmp_path, capsys):
    suite_path = write_suite(tmp_path / "s.yaml", benchmark_entries()[:1])
    samples = tmp_path / "s.jsonl"
    line = json.dumps({"benchmark": "aime24", "id": "60", "completions": ["x", "y"]})
    samples.write_text(f"{line}\n{line}\n")
    assert main(["eval", "--score", str(samples), "--suite", str(suite_path), "--out", str(tmp_path / "o")]) == 2
    assert "s.jsonl:2: aime24 id '60' appears twice" in capsys.readouterr().err


def test_sandbox_outage_fails_the_eval_without_a_number(tmp_path, capsys):
    """Code scored against a sandbox that is down: every sample unscored -> exit 1, no pass rate anywhere."""
    bench = [{**b, "scorer": {"name": "code_tests", "kwargs": {"scoring": "all_pass", "retries": 0,
                                                                 "http_timeout_s": 2.0}}}
             for b in benchmark_entries() if b["name"] == "lcb"]
    suite_path = write_suite(tmp_path / "s.yaml", bench, n=1, sandbox={"urls": ["http://127.0.0.1:9"]})
    samples = tmp_path / "s.jsonl"
    line = {"benchmark": "lcb", "id": "abc999_a", "completions": ["</think>```python\nprint(3)\n```"]}
    samples.write_text(json.dumps(line) + "\n")
    assert main(["eval", "--score", str(samples), "--suite", str(suite_path), "--out", str(tmp_path / "o")]) == 1
    captured = capsys.readouterr()
    assert "1 of 1 samples could not be scored" in captured.err and "max_unscored_fraction=0.05" in captured.err
    assert "pass@1" not in captured.out
    assert not (tmp_path / "o" / "results.json").exists()
