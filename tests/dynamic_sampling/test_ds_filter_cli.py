"""`python -m rl filter`: pass rates from real scorers, selection by range, reuse without generation, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rl.cli import main
from rl.filter import passrate

ROOT = Path(__file__).resolve().parents[2]
MATH = {"prompt": [{"role": "user", "content": "What is 2 + 2?"}], "task": "math", "answer": "4"}
GENERAL_FREE = {"prompt": [{"role": "user", "content": "Say hello."}], "task": "general"}


def _lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text().splitlines()]


def test_pass_rates_from_the_real_verifier():
    from rewards.registry import create

    scorers = {"math": create("math_accuracy")}
    completions = [["</think>\n\\boxed{4}", "</think>\n\\boxed{5}", "</think>\nThe answer is 4.", "never closed \\boxed{4}"],
                   ["</think>\nhello"]]
    out = passrate.score_rows([MATH, {**GENERAL_FREE, "answer": None}], completions, scorers, 1.0)
    assert out == [(0.5, 4), (None, None)]   # 2 right of 4 (a box inside unclosed thinking is no answer); no verifier


def test_select_by_range_counts_what_it_leaves_out():
    rows = [{"pass_rate": r, "pass_rate_scored": 8} for r in (0.0, 0.125, 0.5, 0.875, 1.0)]
    rows += [{"pass_rate": None, "pass_rate_scored": 0}, {"pass_rate": None, "pass_rate_scored": None}]
    sel = passrate.select(rows, 0.1, 0.9)
    assert [r["pass_rate"] for r in sel.kept] == [0.125, 0.5, 0.875, None]
    assert (sel.below, sel.above, sel.unscored, sel.unjudged) == (1, 1, 1, 1)
    assert len(passrate.select(rows, 0.1, 0.9, drop_unjudged=True).kept) == 3
    assert len(passrate.select(rows, 0.0, 0.0).kept) == 2   # inclusive bounds


@pytest.mark.parametrize("text", ["0.9:0.1", "0.1", "a:b", "-0.1:0.5", "0:1.5"])
def test_bad_ranges_are_refused(text):
    with pytest.raises(passrate.FilterError, match="--keep"):
        passrate.parse_range(text)


def test_round_trip_reuses_pass_rates_and_refilters_without_generating(tiny_model, tmp_path, monkeypatch, capsys):
    data = tmp_path / "data.jsonl"
    rows = _lines(ROOT / "rl" / "samples" / "math.jsonl")[:3] + [GENERAL_FREE, {"task": "math", "prompt": "x"}]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    base = ["filter", "--model", str(tiny_model), "--n", "2", "--max-new-tokens", "6", "--temperature", "1.0"]
    assert main([*base, str(data), "--keep", "0:1", "--out", str(tmp_path / "all.jsonl")]) == 0
    scored = _lines(tmp_path / "all.scored.jsonl")
    assert len(scored) == 4                           # the row without an answer is unusable, as in training
    for row in scored[:3]:
        assert row["pass_rate"] in (0.0, 0.5, 1.0) and row["pass_rate_scored"] == 2
        assert json.loads(row["pass_rate_by"])["n"] == 2
        assert row["answer"] and row["prompt"][0]["content"] in {r["prompt"][0]["content"] for r in rows[:3]}
    assert scored[3]["pass_rate"] is None and scored[3]["pass_rate_scored"] is None   # no verifier for it
    assert "What is 17 + 25?" == scored[0]["prompt"][0]["content"]   # raw rows: not templated twice

    def no_generation(*a, **k):
        raise AssertionError("the pass rates should have been reused")

    monkeypatch.setattr("rl.eval.generation.load_backend", no_generation)
    capsys.readouterr()
    out = tmp_path / "narrow.jsonl"
    assert main([*base, str(tmp_path / "all.scored.jsonl"), "--keep", "0.3:0.7", "--out", str(out)]) == 0
    assert "no generation" in capsys.readouterr().out
    kept = _lines(out)
    assert [r["pass_rate"] for r in kept] == [r["pass_rate"] for r in scored if r["pass_rate"] is None
                                               or 0.3 <= r["pass_rate"] <= 0.7]
    # other settings: the existing rates are not trusted, generation is needed
    with pytest.raises(AssertionError, match="reused"):
        main([*["filter", "--model", str(tiny_model), "--n", "4", "--max-new-tokens", "6"],
              str(tmp_path / "all.scored.jsonl"), "--out", str(tmp_path / "x.jsonl")])


def test_filtered_rows_load_as_a_pipeline_source(tmp_path):
    from rl.data.sources import read_raw_rows
    from rl.filter.cli import _schema_rows, write_rows

    path = tmp_path / "f.jsonl"
    write_rows(path, [{**MATH, "pass_rate": 0.5, "pass_rate_scored": 8, "pass_rate_by": "{}"}])
    raw = read_raw_rows(str(path), path, "train", None, ("prompt", "task", "answer", "tests", "constraints"))
    assert _schema_rows(raw, "rows", None)[0]["answer"] == "4"


def test_bad_input_exits_2_before_any_model_loads(tmp_path, capsys):
    data = tmp_path / "d.jsonl"
    data.write_text(json.dumps(MATH) + "\n")
    assert main(["filter", str(data), "--model", str(tmp_path), "--out", str(tmp_path / "o.jsonl")]) == 2
    assert "not a model folder" in capsys.readouterr().err
    assert main(["filter", str(tmp_path / "none.jsonl"), "--model", "m", "--out", str(tmp_path / "o.jsonl")]) == 2
    assert main(["filter", str(data), "--model", "m", "--out", str(tmp_path / "o.csv")]) == 2
    assert main(["filter", str(data), "--model", "m", "--keep", "1:0", "--out", str(tmp_path / "o.jsonl")]) == 2
