"""Every adapter on sample rows in its public dataset's real shape, plus the rows it must reject."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rewards.rules import check, validate_constraints
from rl.data.adapters import ADAPTERS
from rl.data.ifeval_map import FUNC_MAP, ground_truth_to_constraints
from rl.data.loading import prepare_rows
from rl.data.schema import BadRow, ROW_COLUMNS

SAMPLES = Path(__file__).resolve().parents[2] / "rl" / "samples"


def raw_rows(name: str) -> list[dict]:
    return [json.loads(line) for line in (SAMPLES / name).read_text().splitlines()]


def test_openr1_math_shape():
    rows, bad = prepare_rows(raw_rows("openr1_math.jsonl"), "openr1_math", None)
    assert bad.count == 1 and "('proof')" in bad.reasons[0]  # the proof row has no verifiable answer
    assert [r["answer"] for r in rows] == ["6", "10", "B", "385", "\\frac{1}{6}"]
    assert all(set(r) == set(ROW_COLUMNS) and r["task"] == "math" and r["tests"] is None for r in rows)
    first = rows[0]["prompt"]
    assert first == [{"role": "user", "content": "Find the value of $x$ such that $2^{x} = 64$.\n\n"
                                                 "Please reason step by step, and put your final answer within \\boxed{}."}]
    # the MCQ row (inline "(A) ..." options, gold "B") gets the JSON-answer instruction instead of \boxed{}
    mcq = rows[2]["prompt"][0]["content"]
    assert mcq.endswith('Please show your choice in the `answer` field with only the choice letter, e.g., `"answer": "C"`.')
    assert "boxed" not in mcq


def test_openr1_math_rejects():
    convert = ADAPTERS["openr1_math"].convert
    with pytest.raises(BadRow, match="no non-empty problem"):
        convert({"problem": "  ", "answer": "1"})
    with pytest.raises(BadRow, match="no verifiable final answer"):
        convert({"problem": "Show that...", "answer": ""})
    with pytest.raises(BadRow, match="proofs"):
        convert({"problem": "Show that x > 0.", "answer": "x>0", "question_type": "proof"})
    assert convert({"problem": "1+1?", "answer": 2})["answer"] == "2"  # DeepScaleR-style numeric answers


def test_verifiable_coding_shape():
    rows, bad = prepare_rows(raw_rows("verifiable_coding.jsonl"), "verifiable_coding", None)
    assert bad.count == 0 and len(rows) == 3
    tests = json.loads(rows[0]["tests"])
    assert tests == {"language": "python", "mode": "stdio",
                     "tests": [{"input": "8\n", "output": "YES\n"}, {"input": "2\n", "output": "NO\n"},
                               {"input": "7\n", "output": "NO\n"}]}
    # verification_info given as a JSON string (PrimeIntellect's original) is parsed the same way
    assert json.loads(rows[2]["tests"])["tests"][0] == {"input": "3\n1 1 0\n1 1 1\n1 0 0\n", "output": "2\n"}
    content = rows[0]["prompt"][0]["content"]
    assert content.startswith("Pete and Billy") and "standard input" in content and "```python" in content
    assert all(r["task"] == "code" and r["answer"] is None and r["constraints"] is None for r in rows)


@pytest.mark.parametrize("info, reason", [
    ({"language": "javascript", "test_cases": [{"input": "1", "output": "1", "type": "stdin_stdout"}]},
     "unsupported 'javascript'"),
    ({"language": "python", "test_cases": [{"fn_name": "f", "input": "[1]", "output": "[1]", "type": "function_call"}]},
     "unsupported test type 'function_call'"),
    ({"language": "python", "test_cases": []}, "non-empty list"),
    ({"language": "python", "test_cases": [{"input": ["1"], "output": "1", "type": "stdin_stdout"}]},
     "must be strings"),
    ("{not json", "invalid JSON"),
])
def test_verifiable_coding_rejects(info, reason):
    with pytest.raises(BadRow, match=reason):
        ADAPTERS["verifiable_coding"].convert({"problem_statement": "p", "verification_info": info})


def test_ifeval_rlvr_shape():
    rows, bad = prepare_rows(raw_rows("ifeval_rlvr.jsonl"), "ifeval_rlvr", None)
    assert bad.count == 0 and len(rows) == 7
    by_first = {json.loads(r["constraints"])[0]["id"]: json.loads(r["constraints"]) for r in rows}
    assert by_first["change_case:english_lowercase"] == [{"id": "change_case:english_lowercase", "kwargs": {}}]
    assert by_first["length_constraints:number_words"] == [
        {"id": "length_constraints:number_words", "kwargs": {"num_words": 101, "relation": "less than"}}]
    assert by_first["keywords:existence"][0]["kwargs"] == {"keywords": ["birdsong", "moss"]}
    assert rows[0]["prompt"][0]["role"] == "user" and rows[0]["task"] == "general"


def test_ifeval_rlvr_unknown_func_name_is_a_bad_row():
    raw = {"messages": [{"role": "user", "content": "hi"}],
           "ground_truth": json.dumps({"func_name": "validate_rhymes", "N": None})}
    rows, bad = prepare_rows([raw], "ifeval_rlvr", None)
    assert rows == [] and bad.count == 1 and "unknown func_name 'validate_rhymes'" in bad.reasons[0]


# One open-instruct call per verifier, with the args RLVR-IFeval stores for it.
FUNC_ARGS = {
    "verify_keywords": {"keyword_list": ["apple", "pie"]},
    "verify_keyword_frequency": {"word": "queen", "N": 3},
    "validate_forbidden_words": {"forbidden_words": ["bad"]},
    "verify_letter_frequency": {"letter": "z", "N": 2},
    "validate_response_language": {"language": "en"},
    "verify_paragraph_count": {"N": 2},
    "validate_word_constraint": {"N": 20, "quantifier": "around"},
    "verify_sentence_constraint": {"N": 3, "quantifier": "at least"},
    "validate_paragraphs": {"N": 2, "first_word": "hello", "i": 2},
    "verify_postscript": {"postscript_marker": "P.S."},
    "validate_placeholders": {"N": 2},
    "verify_bullet_points": {"N": 3},
    "validate_title": {},
    "validate_choice": {"options": "('My answer is yes.', 'My answer is no.', 'My answer is maybe.')"},
    "validate_highlighted_sections": {"N": 2},
    "validate_sections": {"N": 3, "section_splitter": "Section"},
    "validate_json_format": {},
    "validate_repeat_prompt": {"original_prompt": "Say hi."},
    "validate_two_responses": {},
    "validate_uppercase": {},
    "validate_lowercase": {},
    "validate_frequency_capital_words": {"N": 5, "quantifier": "at most"},
    "validate_end": {"end_phrase": "Bye."},
    "validate_quotation": {},
    "validate_no_commas": {},
}


def test_every_open_instruct_verifier_maps_to_valid_constraints():
    assert set(FUNC_ARGS) == set(FUNC_MAP)
    for name, args in FUNC_ARGS.items():
        constraints = ground_truth_to_constraints({"func_name": name, "N": None, "quantifier": None, **args})
        validate_constraints(constraints)  # the rule checkers accept every id and kwarg we produce


def test_exact_count_semantics_are_kept():
    constraints = ground_truth_to_constraints({"func_name": "verify_keyword_frequency", "word": "queen", "N": 3})
    assert check("queen " * 3, constraints) == [True, True]
    assert not all(check("queen " * 2, constraints)) and not all(check("queen " * 4, constraints))
    around = ground_truth_to_constraints({"func_name": "validate_word_constraint", "N": 20, "quantifier": "around"})
    assert [all(check("word " * n, around)) for n in (17, 18, 22, 23)] == [False, True, True, False]
    at_most = ground_truth_to_constraints({"func_name": "validate_word_constraint", "N": 5, "quantifier": "at most"})
    assert [all(check("word " * n, at_most)) for n in (5, 6)] == [True, False]


@pytest.mark.parametrize("gt, reason", [
    ({"func_name": "validate_word_constraint", "N": 5, "quantifier": "roughly"}, "quantifier"),
    ({"func_name": "verify_bullet_points", "N": None}, "N: expected a non-negative integer"),
    ({"func_name": "validate_choice", "options": "red, blue"}, "options"),
    ({"N": 3}, "unknown func_name None"),
])
def test_ifeval_mapping_rejects(gt, reason):
    with pytest.raises(ValueError, match=reason):
        ground_truth_to_constraints(gt)


def test_rows_adapter_serialises_objects_and_renders_options():
    raw = [
        {"prompt": [{"role": "user", "content": "Add."}], "task": "code",
         "tests": {"language": "python", "mode": "stdio", "tests": [{"input": "1 2", "output": "3"}]}, "answer": "x"},
        {"prompt": "Pick the even number.", "task": "math", "answer": "B", "options": {"A": "3", "B": "4"}},
        {"prompt": [{"role": "user", "content": "Be brief."}], "task": "general",
         "constraints": [{"id": "punctuation:no_comma", "kwargs": {}}], "extra": "ignored"},
    ]
    rows, bad = prepare_rows(raw, "rows", None)
    assert bad.count == 0
    code, mc, general = rows
    assert json.loads(code["tests"])["tests"] == [{"input": "1 2", "output": "3"}]
    assert code["answer"] is None  # columns a task does not use are null
    assert mc["prompt"][0]["content"].startswith("Pick the even number.\n\nA) 3\nB) 4\n\nPlease show your choice")
    assert general["constraints"] == '[{"id": "punctuation:no_comma", "kwargs": {}}]' and set(general) == set(ROW_COLUMNS)
