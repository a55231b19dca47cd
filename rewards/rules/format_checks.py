"""Format checks beyond IFEval: well-formed thinking (`format:think_tags`) and JSON Schema answers."""

from __future__ import annotations

import functools
import json
from typing import Any

from rewards.base import THINK_CLOSE, THINK_OPEN
from rewards.rules.ifeval_structure import strip_json_fence
from rewards.rules.registry import checker, json_object


def think_tags_ok(completion_text: str) -> bool:
    """Well-formed thinking followed by an answer.

    True when the completion has exactly one `</think>`, at most one `<think>` (which must come first, with only
    whitespace before it, since the chat template normally supplies it), and non-blank text after `</think>`.
    """
    if completion_text.count(THINK_CLOSE) != 1 or completion_text.count(THINK_OPEN) > 1:
        return False
    head, answer = completion_text.split(THINK_CLOSE)
    if THINK_OPEN in answer or (THINK_OPEN in head and head.split(THINK_OPEN)[0].strip()):
        return False
    return bool(answer.strip())


@checker("format:think_tags", ifeval=False, scope="completion")
def think_tags(value: str) -> bool:
    return think_tags_ok(value)


@functools.lru_cache(maxsize=256)
def _validator(schema_json: str) -> Any:
    import jsonschema  # imported lazily: costly, and only rows with this check need it

    schema = json.loads(schema_json)
    cls = jsonschema.validators.validator_for(schema)
    try:
        cls.check_schema(schema)
    except jsonschema.SchemaError as e:
        raise ValueError(f"invalid JSON Schema: {e.message}") from None
    return cls(schema)


def _prepare_schema(kw: dict[str, Any]) -> dict[str, Any]:
    try:
        key = json.dumps(kw["schema"], sort_keys=True)
    except (TypeError, ValueError) as e:
        raise ValueError(f"kwarg 'schema' is not JSON-serialisable: {e}") from None
    return {"schema": _validator(key)}


@checker("detectable_format:json_schema", ifeval=False, schema=json_object, prepare=_prepare_schema)
def json_schema(value: str, *, schema: Any) -> bool:
    """The answer, with a ```json fence stripped, parses as JSON and validates against the schema."""
    try:
        data = json.loads(strip_json_fence(value))
    except (ValueError, RecursionError):
        return False
    return bool(schema.is_valid(data))
