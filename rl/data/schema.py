"""The training-row schema (shared design, section 1): normalisation and validation of one row.

Columns are exactly `prompt, task, answer, tests, constraints`. `tests` and `constraints` are JSON strings (objects
arriving from a dataset are serialised), so mixed-task datasets keep one Arrow schema. Columns a task does not use
are set to None.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from rewards.base import TASKS

ROW_COLUMNS = ("prompt", "task", "answer", "tests", "constraints")
# The column each task reads besides prompt/task (None: no extra column required).
TASK_COLUMN = {"math": "answer", "code": "tests", "general": "constraints"}
ROLES = ("system", "user", "assistant", "tool")


class BadRow(ValueError):
    """A row that cannot be trained on; the message says why (it is logged and the row dropped)."""


def as_json(value: Any, column: str) -> str | None:
    """A JSON-string column value: strings are kept, objects serialised, None stays None."""
    if value is None or isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError) as e:
        raise BadRow(f"{column}: not JSON-serialisable ({e})") from None


def normalize_messages(prompt: Any) -> list[dict[str, str]]:
    """A prompt as a list of `{role, content}` messages (a bare string becomes one user message)."""
    if isinstance(prompt, str):
        prompt = [{"role": "user", "content": prompt}]
    if not isinstance(prompt, list) or not prompt:
        raise BadRow(f"prompt: expected a non-empty list of messages, got {type(prompt).__name__}")
    messages = []
    for i, m in enumerate(prompt):
        if not isinstance(m, dict) or not isinstance(m.get("role"), str) or not isinstance(m.get("content"), str):
            raise BadRow(f"prompt[{i}]: expected {{'role': str, 'content': str}}, got {str(m)[:80]!r}")
        if m["role"] not in ROLES:
            raise BadRow(f"prompt[{i}]: unknown role {m['role']!r} (allowed: {', '.join(ROLES)})")
        messages.append({"role": m["role"], "content": m["content"]})
    return messages


def normalize_row(row: dict[str, Any]) -> dict[str, Any]:
    """Exactly the schema columns: messages normalised, JSON columns serialised, unused columns None."""
    task = row.get("task")
    if task not in TASKS:
        raise BadRow(f"task: expected one of {', '.join(TASKS)}, got {task!r}")
    out: dict[str, Any] = {"prompt": normalize_messages(row.get("prompt")), "task": task,
                           "answer": None, "tests": None, "constraints": None}
    column = TASK_COLUMN[task]
    value = row.get(column)
    if column == "answer":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        out["answer"] = value
    else:
        out[column] = as_json(value, column)
    return out


def validate_tests(text: Any) -> dict[str, Any]:
    """Parse a `tests` JSON string into a sandbox `/run` request without `code`; raise BadRow if malformed.

    The shape is checked by the sandbox's own request parser (`sandbox.protocol`), so a row that passes here is a
    request the server accepts (the number of tests is left to the server's `--max-tests` setting).
    """
    from sandbox.protocol import InvalidRequest, parse_run_request

    if not isinstance(text, str) or not text.strip():
        raise BadRow("tests: code rows need a tests JSON string")
    try:
        req = json.loads(text)
    except json.JSONDecodeError as e:
        raise BadRow(f"tests: invalid JSON ({e})") from None
    if not isinstance(req, dict):
        raise BadRow(f"tests: expected a JSON object, got {type(req).__name__}")
    if "code" in req:
        raise BadRow("tests: must not contain 'code' (the code comes from the completion)")
    try:
        parse_run_request({**req, "code": ""}, max_tests=sys.maxsize)
    except InvalidRequest as e:
        raise BadRow(f"tests: {e}") from None
    return req


def validate_constraints_json(text: Any) -> list[dict[str, Any]]:
    """Parse a `constraints` JSON string and check every id and its kwargs with the rule checkers."""
    from rewards.rules import validate_constraints

    try:
        constraints = json.loads(text)
    except (TypeError, json.JSONDecodeError) as e:
        raise BadRow(f"constraints: invalid JSON ({e})") from None
    if not isinstance(constraints, list) or not constraints:
        raise BadRow("constraints: expected a non-empty JSON list of {id, kwargs}")
    try:
        validate_constraints(constraints)
    except (ValueError, TypeError, KeyError) as e:
        raise BadRow(f"constraints: {e}") from None
    return constraints


def validate_row(row: dict[str, Any]) -> None:
    """Raise BadRow unless `row` (already normalised) can be trained on."""
    prompt = row["prompt"]
    if prompt[-1]["role"] not in ("user", "tool"):
        raise BadRow(f"prompt: the last message must be from the user (or a tool), not {prompt[-1]['role']!r}")
    if not any(m["role"] == "user" and m["content"].strip() for m in prompt):
        raise BadRow("prompt: no non-empty user message")
    task = row["task"]
    if task == "math":
        if not isinstance(row["answer"], str) or not row["answer"].strip():
            raise BadRow("answer: math rows need a non-empty gold answer")
    elif task == "code":
        validate_tests(row["tests"])
    elif row["constraints"] is not None:
        validate_constraints_json(row["constraints"])
