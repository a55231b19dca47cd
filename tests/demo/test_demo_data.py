"""`python -m rl.demo data`: rows valid through the project's loader, gold traces that score 1 with the real
scorers, determinism, fresh rows for every seed, and held-out problems kept out of training draws."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from rl.data.loading import prepare_rows
from rl.demo.data import FAMILIES, draw_items, keys_of, row_key
from rl.demo.tasks.general import CONSTRAINTS

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rl.demo", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize("task", sorted(FAMILIES))
def test_cli_rows_pass_the_pipeline_row_validation(task, tmp_path):
    out = tmp_path / f"{task}.jsonl"
    proc = run_cli("data", "--task", task, "--seed", "7", "--n", "60", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 60
    good, dropped = prepare_rows(rows, "rows", None)  # the loader's own path: adapter, normalise, template, validate
    assert len(good) == 60 and not dropped.count, dropped
    assert {r["task"] for r in good} == {task}
    assert len({row_key(r) for r in rows}) == 60  # distinct problems inside one draw


@pytest.mark.parametrize("task", sorted(FAMILIES))
def test_same_seed_same_rows_other_seed_fresh_rows(task):
    a, b = draw_items(task, 11, 80), draw_items(task, 11, 80)
    assert [x.row for x in a] == [y.row for y in b]
    other = draw_items(task, 12, 80)
    shared = {x.key for x in a} & {y.key for y in other}
    # each seed is its own stream over a large space of problems (general, the smallest: ~3,800 prompts, so two
    # streams of 80 share 1.7 by chance)
    assert len(shared) <= 6, shared
    assert [x.row for x in a[:40]] == [x.row for x in draw_items(task, 11, 40)]  # a prefix does not depend on n


@pytest.mark.parametrize("task", sorted(FAMILIES))
def test_excluded_problems_never_drawn(task, tmp_path):
    held = tmp_path / "held.jsonl"
    assert run_cli("data", "--task", task, "--seed", "1", "--n", "150", "--out", str(held)).returncode == 0
    train = tmp_path / "train.jsonl"
    proc = run_cli("data", "--task", task, "--seed", "4", "--n", "300", "--out", str(train), "--exclude", str(held))
    assert proc.returncode == 0, proc.stderr
    assert not keys_of([held]) & keys_of([train])


def test_math_key_ignores_phrasing():
    row = {"prompt": [{"role": "user", "content": "Compute 123 + 456."}], "task": "math", "answer": "579"}
    same = {"prompt": [{"role": "user", "content": "What is 123 + 456?"}], "task": "math", "answer": "579"}
    assert row_key(row) == row_key(same) == "math:123+456"


def test_code_constant_is_one_digit_and_in_prompt_and_gold_program():
    """K is copied from the wording into the program: one digit (a tiny model copies two digits a digit off)."""
    from rl.demo.tasks.code import TEMPLATES

    wordings = {w.split("{k}")[0]: t for t in TEMPLATES if t.uses_k for w in t.wordings}
    seen = set()
    for item in draw_items("code", 7, 400):
        text = item.row["prompt"][-1]["content"]
        lead = next((lead for lead in wordings if text.startswith(lead)), None)
        if lead is None:
            continue
        t, k = wordings[lead], re.match(re.escape(lead) + r"(\d+)", text).group(1)
        assert len(k) == 1 and 2 <= int(k) <= 9, text
        assert t.body.format(k=k) in item.completion
        seen.add(t.name)
    assert seen == {"add", "multiply", "subtract", "remainder"}


def test_gold_traces_score_one_with_the_real_scorers():
    from rewards import registry
    from rewards.math import verify
    from sandbox.local import start_local_server

    math_items = draw_items("math", 5, 40)
    assert all(verify(i.row["answer"], i.completion).correct for i in math_items)
    general = draw_items("general", 5, 60)
    rules = registry.create("rule_checks", mode="all")
    scores = rules(prompts=[i.row["prompt"] for i in general], completions=[i.completion for i in general],
                   constraints=[i.row["constraints"] for i in general], task=["general"] * len(general))
    assert scores == [1.0] * len(general)
    flawed = rules(prompts=[i.row["prompt"] for i in general], completions=[i.flawed for i in general],
                   constraints=[i.row["constraints"] for i in general], task=["general"] * len(general))
    assert flawed == [0.0] * len(general)  # the cold start's lapses really miss a constraint
    drawn = [json.loads(i.row["constraints"]) for i in general]
    assert all(len(c) == 1 for c in drawn)  # one constraint per prompt: the tiny model never learned two at once
    assert {c[0]["id"] for c in drawn} == {c.rule for c in CONSTRAINTS}
    code = draw_items("code", 5, 40)
    with start_local_server(workers=2) as server:
        reward = registry.create("code_tests", scoring="all_pass", urls=[server.url])

        async def score(completions):
            return await reward(completions=completions, tests=[i.row["tests"] for i in code],
                                task=["code"] * len(code))

        async def all_three():
            try:  # gold programs pass; a neighbour's program mostly fails; the flawed trace always fails
                return (await score([i.completion for i in code]), await score(
                    [code[(j + 1) % len(code)].completion for j in range(len(code))]),
                    await score([i.flawed or i.completion for i in code]))
            finally:
                await reward.aclose()

        gold, shifted, flawed = asyncio.run(all_three())
    assert gold == [1.0] * len(code)
    assert all(i.flawed for i in code) and flawed == [0.0] * len(code)  # the wrong program fails
    assert sum(shifted) <= len(code) / 4


def test_forgetting_a_length_constraint_writes_the_default_sentence_which_fails_it():
    """A word-count constraint is a behaviour the prompt switches on, like every other constraint: "less than" N asks
    for the short sentence (3 words under the default one), and the trace that forgets it writes the default
    sentence, which fails it; so no policy passes it by never changing length."""
    from rewards.base import answer_part
    from rewards.rules import check

    def words(trace: str) -> int:
        return len(re.findall(r"\w+", answer_part(trace)))

    seen = 0
    for item in draw_items("general", 9, 400):
        length = [c for c in json.loads(item.row["constraints"]) if c["id"] == "length_constraints:number_words"]
        if not length:
            continue
        seen += 1
        assert length[0]["kwargs"]["relation"] == "less than"
        assert words(item.flawed) - words(item.completion) == 3, (item.completion, item.flawed)
        answer = answer_part(item.flawed).strip()
        assert check(answer, length, item.row["prompt"][-1]["content"]) == [False], answer
        gold = answer_part(item.completion).strip()
        assert check(gold, length, item.row["prompt"][-1]["content"]) == [True], gold
    assert seen >= 20


@pytest.mark.parametrize("args, message", [
    (["--task", "poetry", "--seed", "1", "--n", "3"], "invalid choice"),
    (["--task", "math", "--seed", "1", "--n", "-1"], "non-negative"),
    (["--task", "math", "--seed", "x", "--n", "3"], "invalid int"),
])
def test_bad_arguments_fail_early(args, message, tmp_path):
    out = tmp_path / "rows.jsonl"
    proc = run_cli("data", *args, "--out", str(out))
    assert proc.returncode == 2 and message in proc.stderr
    assert not out.exists()


def test_sft_pool_shows_flawed_traces_at_the_configured_rate():
    from rl.demo.coldstart import ColdStartConfig, sft_dataset
    from rl.demo.data import sft_example

    cfg = ColdStartConfig(pool_per_task=200, mix={"math": 1.0, "code": 1.0, "general": 1.0},
                          flaw_rate={"code": 0.3, "general": 0.5})
    data = sft_dataset(cfg, exclude=set())
    items = {sft_example(it)["prompt"][-1]["content"]: it for t in FAMILIES for it in draw_items(t, cfg.sft_seed, 200)}
    counts = {t: 0 for t in FAMILIES}
    for ex in data:
        item = items[next(m["content"] for m in ex["prompt"] if m["role"] == "user")]
        text = ex["completion"][0]["content"].removeprefix("<think>\n")
        assert text in (item.completion, item.flawed)
        counts[item.row["task"]] += text == item.flawed
    assert len(data) == 600
    assert counts["math"] == 0 and 40 <= counts["code"] <= 80 and 80 <= counts["general"] <= 120, counts


def test_calibration_counts_one_sample_off_a_band_as_inside():
    """A 32-row pass rate one sample outside a band is noise: the build keeps that checkpoint; two samples out is
    not inside, and the first point within the tolerance wins over a later exact one."""
    from rl.demo.coldstart import ColdStartConfig, _Calibration

    cal = _Calibration(ColdStartConfig(calib_n=32), tokenizer=None, rows={}, sandbox_url="")
    assert cal.inside(0.0) and cal.inside(1 / 32) and cal.inside(0.625 - 0.60)
    assert not cal.inside(2 / 32) and not cal.inside(0.05)
    cal.history = [{"step": 50, "band_distance": 0.1}, {"step": 100, "band_distance": 2 / 32},
                   {"step": 150, "band_distance": 1 / 32}, {"step": 200, "band_distance": 0.0}]
    assert cal.best()["step"] == 150
    strict = _Calibration(ColdStartConfig(calib_n=32, band_tolerance_samples=0), None, {}, "")
    strict.history = cal.history
    assert strict.best()["step"] == 200


def test_every_completion_cap_fits_the_longest_gold_trace(tmp_path):
    """A cap below a family's longest gold trace truncates every correct answer (reward 0, silently): the training
    caps of configs/pipeline/learn_cpu.yaml, the eval suite's and the calibration's must all leave room for it, in
    the demo's own tokenizer, with the end-of-turn token."""
    import yaml

    from rl.demo.calibrate import MAX_NEW_TOKENS
    from rl.demo.coldstart import ColdStartConfig, tokenizer_corpus
    from rl.smoke.tiny import build_tokenizer

    tokenizer = build_tokenizer(tmp_path, corpus=tokenizer_corpus(ColdStartConfig().sft_seed))
    longest = {t: 1 + max(len(tokenizer(i.completion)["input_ids"]) for i in draw_items(t, 11, 1500))
               for t in FAMILIES}
    pipeline = yaml.safe_load((ROOT / "configs/pipeline/learn_cpu.yaml").read_text())
    for stage in pipeline["stages"]:
        tasks = {Path(d["source"]).stem.removeprefix("train_") for d in stage["datasets"]}
        assert stage["grpo"]["max_completion_length"] >= max(longest[t] for t in tasks), (stage["name"], longest)
    suite = yaml.safe_load((ROOT / "configs/eval/learn_cpu.yaml").read_text())
    for bench in suite["benchmarks"]:
        assert bench["max_new_tokens"] >= longest[bench["name"]], (bench["name"], longest)
        assert MAX_NEW_TOKENS[bench["name"]] == bench["max_new_tokens"]  # calibration scores as rl eval does
