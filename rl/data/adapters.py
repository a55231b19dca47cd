"""Adapters: map one raw row of a public dataset into the training-row schema (`rl.data.schema`).

Each adapter declares the raw columns it reads (`inputs`; others are not loaded), the tasks of the rows it makes
(empty: read from the data) and the schema columns it fills besides prompt/task (empty: whatever the data has).
`convert` raises `BadRow` for a row it cannot map; the loader drops and counts those.

| adapter | dataset shape | task |
| --- | --- | --- |
| `rows` | already the row schema; `tests`/`constraints` may be objects; optional `options`/`choices` | from `task` |
| `openr1_math` | open-r1/OpenR1-Math-220k, agentica-org/DeepScaleR-Preview-Dataset: `problem`, `answer` | math |
| `verifiable_coding` | open-r1/verifiable-coding-problems-python: `problem_statement` (or `prompt`), `verification_info` {language, test_cases: [{input, output, type: stdin_stdout}]} | code |
| `ifeval_rlvr` | allenai/RLVR-IFeval: `messages`, `ground_truth` JSON {func_name, args} | general |

Benchmark adapters (`rl.data.bench_adapters`, `rl.data.bfcl`) are registered here too: `aime`, `math500`, `gpqa`,
`humaneval`, `livecodebench`, `ifeval` and `bfcl` (see the README's evaluation section for their hub ids).
An adapter may name the raw columns holding a row's id (`id_columns`; the first present wins, else the row's index
is its id) and bring its own raw-row reader (`read`) for file layouts `rl.data.sources.read_raw_rows` does not
read (BFCL's JSON-lines `.json` files with separate possible answers, HumanEval's `.jsonl.gz`).
"""

from __future__ import annotations

from typing import Any

from rl.data import ifeval_map
from rl.data.adapter_base import Adapter, parse_json as _parse_json, text as _text, with_options as _with_options
from rl.data.schema import ROW_COLUMNS, BadRow, normalize_messages

CODE_INSTRUCTION = ("Write a complete {language} program that reads the input from standard input and writes the "
                    "answer to standard output. Put the whole program in a single ```{fence} code block at the end "
                    "of your answer.")
# OpenR1-Math marks problems without a checkable final answer with these answers / question types.
UNVERIFIABLE_ANSWERS = {"", "proof", "notfound", "none", "n/a"}


def convert_rows(raw: dict[str, Any]) -> dict[str, Any]:
    row = {c: raw.get(c) for c in ROW_COLUMNS}
    if raw.get("options", raw.get("choices")) is not None:
        messages = normalize_messages(row["prompt"])
        users = [m for m in messages if m["role"] == "user"]
        if not users:
            raise BadRow("options given but the prompt has no user message")
        users[-1]["content"] = _with_options(raw, users[-1]["content"])
        row["prompt"] = messages
    return row


def convert_openr1_math(raw: dict[str, Any]) -> dict[str, Any]:
    question = _text(raw, "problem", "question")
    answer = raw.get("answer")
    if isinstance(answer, (int, float)) and not isinstance(answer, bool):
        answer = str(answer)
    if not isinstance(answer, str) or answer.strip().lower() in UNVERIFIABLE_ANSWERS:
        raise BadRow(f"answer: no verifiable final answer ({answer!r})")
    if str(raw.get("question_type") or "").lower() == "proof":
        raise BadRow("question_type: proofs have no verifiable final answer")
    return {"prompt": [{"role": "user", "content": _with_options(raw, question)}], "task": "math", "answer": answer}


def _stdio_test(i: int, case: Any) -> dict[str, str]:
    if not isinstance(case, dict):
        raise BadRow(f"verification_info.test_cases[{i}]: expected a mapping")
    if case.get("type", "stdin_stdout") != "stdin_stdout":
        raise BadRow(f"verification_info.test_cases[{i}]: unsupported test type {case.get('type')!r} "
                     "(only stdin_stdout)")
    if not isinstance(case.get("input"), str) or not isinstance(case.get("output"), str):
        raise BadRow(f"verification_info.test_cases[{i}]: input and output must be strings")
    return {"input": case["input"], "output": case["output"]}


def convert_verifiable_coding(raw: dict[str, Any]) -> dict[str, Any]:
    info = _parse_json(raw.get("verification_info"), "verification_info")
    if not isinstance(info, dict):
        raise BadRow("verification_info: expected a mapping with language and test_cases")
    language = str(info.get("language") or "").lower()
    language = {"python3": "python", "c++": "cpp"}.get(language, language)
    if language not in ("python", "cpp"):
        raise BadRow(f"verification_info.language: unsupported {info.get('language')!r} (python or cpp)")
    cases = info.get("test_cases")
    if not isinstance(cases, list) or not cases:
        raise BadRow("verification_info.test_cases: expected a non-empty list")
    tests = {"language": language, "mode": "stdio", "tests": [_stdio_test(i, c) for i, c in enumerate(cases)]}
    if isinstance(raw.get("prompt"), str) and raw["prompt"].strip():
        content = raw["prompt"]  # PrimeIntellect's prompt already carries the stdin/stdout instruction
    else:
        statement = _text(raw, "problem_statement")
        name = "Python 3" if language == "python" else "C++"
        content = f"{statement.rstrip()}\n\n{CODE_INSTRUCTION.format(language=name, fence=language)}"
    return {"prompt": [{"role": "user", "content": content}], "task": "code", "tests": tests}


def convert_ifeval_rlvr(raw: dict[str, Any]) -> dict[str, Any]:
    ground_truth = _parse_json(raw.get("ground_truth"), "ground_truth")
    if not isinstance(ground_truth, dict):
        raise BadRow("ground_truth: expected a JSON object with func_name")
    try:
        constraints = ifeval_map.ground_truth_to_constraints(ground_truth)
    except ValueError as e:
        raise BadRow(f"ground_truth: {e}") from None
    return {"prompt": raw.get("messages"), "task": "general", "constraints": constraints}


ADAPTERS: dict[str, Adapter] = {
    a.name: a
    for a in (
        Adapter("rows", ROW_COLUMNS + ("options", "choices"), (), (), convert_rows),
        Adapter("openr1_math", ("problem", "question", "answer", "question_type", "options", "choices"),
                ("math",), ("answer",), convert_openr1_math),
        Adapter("verifiable_coding", ("problem_statement", "prompt", "verification_info"), ("code",), ("tests",),
                convert_verifiable_coding),
        Adapter("ifeval_rlvr", ("messages", "ground_truth"), ("general",), ("constraints",), convert_ifeval_rlvr),
    )
}


def _register_benchmarks() -> None:
    from rl.data.bench_adapters import BENCHMARK_ADAPTERS
    from rl.data.bfcl import BFCL_ADAPTER

    for adapter in (*BENCHMARK_ADAPTERS, BFCL_ADAPTER):
        ADAPTERS[adapter.name] = adapter


_register_benchmarks()
