"""The `bfcl` adapter: Berkeley Function Calling Leaderboard single-turn categories as `tool_call:ast_match` rows.

BFCL keeps questions and answers apart, as JSON lines in files named `.json`: `BFCL_v4_<category>.json` holds
`{"id", "question": [[messages]], "function": [specs]}` and `possible_answer/BFCL_v4_<category>.json` holds
`{"id", "ground_truth": [{fn_name: {param: [allowed values]}}]}`. The reader joins them by `id`.

Sources (the benchmark's `source`; `subset` names the categories, comma-separated, e.g.
`simple_python,multiple,parallel,parallel_multiple,live_simple,live_multiple,live_parallel,live_parallel_multiple`;
BFCL v3 calls `simple_python` just `simple`):
- a folder laid out like BFCL's data folder: the `bfcl-eval` package's `bfcl_eval/data/` (read its files; the
  package need not be importable), a download of the hub dataset, or the subset shipped in `rl/samples/bfcl/`;
- one question file (its answers are looked up in `possible_answer/` next to it);
- the hub id `gorilla-llm/Berkeley-Function-Calling-Leaderboard` (files fetched with `huggingface_hub`).

The prompt is a system message listing the functions in the Qwen/QwQ tool format (the same text their chat
template renders for `tools=`; BFCL's type names `dict`/`float`/`tuple`/`any` shown as JSON-schema types), then the
question's messages. The checker keeps BFCL's own specs. Multi-turn and irrelevance categories are not supported.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Sequence

from rl.data.adapter_base import Adapter
from rl.data.schema import BadRow, normalize_messages

TOOLS_PROMPT = ("# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided "
                "with function signatures within <tools></tools> XML tags:\n<tools>{tools}\n</tools>\n\nFor each "
                "function call, return a json object with function name and arguments within <tool_call></tool_call> "
                "XML tags:\n<tool_call>\n{{\"name\": <function-name>, \"arguments\": <args-json-object>}}\n</tool_call>")
JSON_SCHEMA_TYPES = {"dict": "object", "float": "number", "tuple": "array", "any": "string"}
V3_NAMES = {"simple_python": "simple"}
_FILE = re.compile(r"^BFCL_v\d+_(\w+)\.json$")


def _schema_types(node: Any) -> Any:
    """A copy of a BFCL function spec with BFCL's type names replaced by JSON-schema ones (for the prompt only)."""
    if isinstance(node, dict):
        out = {k: _schema_types(v) for k, v in node.items()}
        if isinstance(out.get("type"), str):
            out["type"] = JSON_SCHEMA_TYPES.get(out["type"], out["type"])
        return out
    if isinstance(node, list):
        return [_schema_types(v) for v in node]
    return node


def tools_system_prompt(functions: list[dict[str, Any]], system: str | None = None) -> str:
    """The system message listing `functions` as Qwen's chat template does for `tools=` (after `system`, if any)."""
    tools = "".join("\n" + json.dumps({"type": "function", "function": _schema_types(f)}, ensure_ascii=False)
                    for f in functions)
    head = f"{system}\n\n" if system else ""
    return head + TOOLS_PROMPT.format(tools=tools)


def convert_bfcl(raw: dict[str, Any]) -> dict[str, Any]:
    question, functions, truth = raw.get("question"), raw.get("function"), raw.get("ground_truth")
    if not isinstance(question, list) or len(question) != 1 or not isinstance(question[0], list):
        raise BadRow("question: only single-turn BFCL entries ([[messages]]) are supported")
    if not isinstance(functions, list) or not functions:
        raise BadRow("function: expected a non-empty list of function specs")
    if not isinstance(truth, list) or not truth:
        raise BadRow("ground_truth: missing (no possible answer for this id) or empty")
    messages = normalize_messages(question[0])
    system = "\n\n".join(m["content"] for m in messages if m["role"] == "system") or None
    prompt = [{"role": "system", "content": tools_system_prompt(functions, system)}]
    prompt += [m for m in messages if m["role"] != "system"]
    constraints = [{"id": "tool_call:ast_match", "kwargs": {"functions": functions, "ground_truth": truth}}]
    return {"prompt": prompt, "task": "general", "constraints": constraints}


def _json_lines(path: Path) -> list[dict[str, Any]]:
    rows = []
    with path.open(encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as e:
                    raise ValueError(f"{path}:{lineno}: invalid JSON line ({e})") from None
    return rows


def _names(category: str) -> set[str]:
    return {category, V3_NAMES.get(category, category)}


def _category_of(filename: str) -> str | None:
    """`simple_python` for `BFCL_v4_simple_python.json` (None for other names)."""
    m = _FILE.match(filename)
    return m.group(1) if m else None


def category_file(folder: Path, category: str) -> Path:
    """The newest `BFCL_v*_<category>.json` question file in `folder` (v3's `simple` for `simple_python` too)."""
    found = sorted((p for p in folder.glob("BFCL_v*_*.json") if _category_of(p.name) in _names(category)),
                   key=lambda p: p.name)
    if not found:
        have = sorted(p.name for p in folder.glob("BFCL_v*_*.json"))
        raise ValueError(f"{folder}: no BFCL question file for category {category!r} (found: {', '.join(have)})")
    return found[-1]


def _join(questions: Path, answers: Path) -> list[dict[str, Any]]:
    if not answers.is_file():
        raise ValueError(f"{questions}: no possible answers at {answers}")
    truth = {row.get("id"): row.get("ground_truth") for row in _json_lines(answers)}
    return [{**row, "ground_truth": truth.get(row.get("id"))} for row in _json_lines(questions)]


def _hub_files(repo: str, category: str) -> tuple[Path, Path]:
    from huggingface_hub import hf_hub_download, list_repo_files

    files = list_repo_files(repo, repo_type="dataset")
    found = sorted(f for f in files if "/" not in f and _category_of(f) in _names(category))
    if not found:
        raise ValueError(f"{repo}: no BFCL question file for category {category!r}")
    fetch = lambda f: Path(hf_hub_download(repo, f, repo_type="dataset"))  # noqa: E731
    return fetch(found[-1]), fetch(f"possible_answer/{found[-1]}")


def read_bfcl(ref: str, path: Path | None, split: str, subset: str | None,
              columns: Sequence[str]) -> list[dict[str, Any]]:
    """Question rows joined with their `ground_truth`, for every category in `subset` (see the module doc)."""
    if path is not None and path.is_file():
        return _join(path, path.parent / "possible_answer" / path.name)
    categories = [c.strip() for c in (subset or "").split(",") if c.strip()]
    if not categories:
        raise ValueError(f"BFCL source {ref!r}: set `subset` to the categories, e.g. simple_python,multiple")
    rows: list[dict[str, Any]] = []
    for category in categories:
        if path is not None:
            questions = category_file(path, category)
            rows += _join(questions, path / "possible_answer" / questions.name)
        else:
            rows += _join(*_hub_files(ref, category))
    return rows


BFCL_ADAPTER = Adapter("bfcl", ("id", "question", "function", "ground_truth"), ("general",), ("constraints",),
                       convert_bfcl, read=read_bfcl)
