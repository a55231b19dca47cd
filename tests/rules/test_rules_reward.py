"""The `rule_checks` reward, the gating helper `rules_pass`, loose variants and the `python -m rewards.rules` CLI."""

from __future__ import annotations

import io
import json
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from rewards.rules import ConstraintError, rules_pass, score, think_tags_ok
from rewards.rules.__main__ import run
from rewards.rules.core import loose_variants
from rewards.rules_reward import RuleChecks

ROOT = Path(__file__).resolve().parents[2]
NO_COMMA = {"id": "punctuation:no_comma", "kwargs": {}}
QUOTED = {"id": "startend:quotation", "kwargs": {}}
CONSISTENT = {"id": "language:consistency", "kwargs": {}}


def call(reward: RuleChecks, completions: list, constraints: list, task: list, prompts: list | None = None) -> list:
    default = [{"role": "user", "content": "Say something nice about the weather today."}]
    prompts = prompts or [default] * len(completions)
    return reward(prompts=prompts, completions=completions, constraints=constraints, task=task,
                  completion_ids=[[0]] * len(completions), log_metric=lambda *a, **k: None)


def test_fraction_all_and_routing() -> None:
    both = json.dumps([NO_COMMA, QUOTED])
    completions = [
        [{"role": "assistant", "content": 'ok, thinking</think>"no commas here"'}],  # both pass
        [{"role": "assistant", "content": 'thinking</think>"yes, a comma"'}],  # quotation only
        [{"role": "assistant", "content": "<think>never closed"}],  # no answer: both fail
        [{"role": "assistant", "content": "x</think>irrelevant"}],  # math row
        [{"role": "assistant", "content": "x</think>no constraints"}],  # general row without constraints
    ]
    constraints = [both, both, both, None, None]
    task = ["general", "general", "general", "math", "general"]
    assert call(RuleChecks(), completions, constraints, task) == [1.0, 0.5, 0.0, None, None]
    assert call(RuleChecks(mode="all"), completions, constraints, task) == [1.0, 0.0, 0.0, None, None]
    assert call(RuleChecks(), completions, None, task) == [None] * 5  # column absent from the dataset


def test_loose_option_and_prompt_passed_for_consistency() -> None:
    completion = ["x</think>Here it is:\n\"Quoted\""]
    assert call(RuleChecks(), completion, [json.dumps([QUOTED])], ["general"]) == [0.0]
    assert call(RuleChecks(loose=True), completion, [json.dumps([QUOTED])], ["general"]) == [1.0]
    french = [[{"role": "user", "content": "Que devrions-nous faire aujourd'hui ? Propose une activité agréable."}]]
    english = ["x</think>We should take a long walk in the park and enjoy the sunshine together."]
    assert call(RuleChecks(), english, [json.dumps([CONSISTENT])], ["general"], french) == [0.0]


def test_constructor_validates_and_reward_pickles() -> None:
    with pytest.raises(ValueError, match="'mode' must be one of"):
        RuleChecks(mode="mean")
    with pytest.raises(TypeError, match="'loose' must be a bool"):
        RuleChecks(loose="yes")
    reward = pickle.loads(pickle.dumps(RuleChecks(mode="all", loose=True)))
    assert (reward.mode, reward.loose, reward.__name__) == ("all", True, "rule_checks")


def test_malformed_row_raises_naming_the_row() -> None:
    bad = json.dumps([{"id": "punctuation:no_coma", "kwargs": {}}])
    with pytest.raises(ConstraintError, match=r"row 1: .*did you mean 'punctuation:no_comma'"):
        call(RuleChecks(), ["a</think>b", "a</think>b"], [None, bad], ["general", "general"])


def test_rules_pass_gating_helper() -> None:
    assert rules_pass("t</think>no commas", json.dumps([NO_COMMA])) is True
    assert rules_pass("t</think>a, b", json.dumps([NO_COMMA])) is False
    assert rules_pass("t</think>a, b", None) is None
    assert rules_pass("t</think>a, b", "[]") is None


def test_think_tags_ok_helper() -> None:
    assert think_tags_ok("plan</think> answer")
    assert not think_tags_ok("<think>plan</think><think>again</think>answer")
    assert not think_tags_ok("answer only")


def test_score_and_loose_variants() -> None:
    assert score([True, False, True, True]) == 0.75
    assert score([True, False], "all") == 0.0
    variants = loose_variants("first\n*mid*\nlast")
    assert len(variants) == 8
    assert variants[:5] == ["first\n*mid*\nlast", "first\nmid\nlast", "*mid*\nlast", "first\n*mid*", "*mid*"]


def test_cli_in_process_keeps_going_after_bad_lines() -> None:
    lines = [
        json.dumps({"response": "t</think>a, b", "constraints": [NO_COMMA, QUOTED]}),
        "not json",
        json.dumps({"response": "t</think>x", "constraints": [{"id": "nope", "kwargs": {}}]}),
        json.dumps({"response": "x", "constraints": [CONSISTENT]}),
        json.dumps({"response": "t</think>\"quoted\"", "constraints": [NO_COMMA, QUOTED], "prompt": "hi"}),
    ]
    out = io.StringIO()
    run(io.StringIO("\n".join(lines) + "\n"), out)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(rows) == 5
    assert rows[0] == {"passed": [False, False], "score": 0.0}
    assert rows[1]["passed"] == [] and "invalid JSON line" in rows[1]["error"]
    assert "unknown constraint id 'nope'" in rows[2]["error"]
    assert "no prompt" in rows[3]["error"]
    assert rows[4] == {"passed": [True, True], "score": 1.0}


def test_cli_subprocess() -> None:
    line = json.dumps({"response": "t</think>\"a, b\"", "constraints": [NO_COMMA, QUOTED]})
    proc = subprocess.run([sys.executable, "-m", "rewards.rules", "--mode", "all"], input=line + "\n",
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"passed": [False, True], "score": 0.0}


def test_loose_mode_drops_the_first_line_of_text_after_thinking() -> None:
    from rewards.rules import check
    lowercase = [{"id": "change_case:english_lowercase", "kwargs": {}}]
    response = "plan</think>\n\nTitle Line\nhello world, all lowercase"
    assert check(response, lowercase) == [False]
    assert check(response, lowercase, loose=True) == [True]  # the blank lines after </think> are not "the first line"
