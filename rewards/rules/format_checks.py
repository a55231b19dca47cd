"""Format checks beyond IFEval: well-formed thinking (`format:think_tags`) and JSON Schema answers.

A schema's regular expressions (`pattern`, `patternProperties`, and `additionalProperties` next to
`patternProperties`) are matched as `TimedPattern`s, under the check's time limit, through overrides of those
keywords on the schema's own validator class. A schema that combines `patternProperties` with
`unevaluatedProperties` is refused, since jsonschema matches the patterns for the latter itself, without a limit.
"""

from __future__ import annotations

import functools
import json
from typing import Any, Iterator

from rewards.base import THINK_CLOSE, THINK_OPEN
from rewards.rules.ifeval_structure import strip_json_fence
from rewards.rules.patterns import TimedPattern
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


@functools.lru_cache(maxsize=1024)
def _timed(pattern: str) -> TimedPattern:
    return TimedPattern(pattern)


def _pattern(validator: Any, pattern: str, instance: Any, schema: dict) -> Iterator[Any]:
    from jsonschema import ValidationError

    if validator.is_type(instance, "string") and not _timed(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(validator: Any, patterns: dict, instance: Any, schema: dict) -> Iterator[Any]:
    if validator.is_type(instance, "object"):
        for pattern, subschema in patterns.items():
            for key, value in instance.items():
                if _timed(pattern).search(key):
                    yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _additional_properties(validator: Any, extra_schema: Any, instance: Any, schema: dict) -> Iterator[Any]:
    from jsonschema import ValidationError

    if not validator.is_type(instance, "object"):
        return
    declared, patterns = schema.get("properties", {}), list(schema.get("patternProperties", {}))
    extras = [k for k in instance if k not in declared and not any(_timed(p).search(k) for p in patterns)]
    if validator.is_type(extra_schema, "object"):
        for key in extras:
            yield from validator.descend(instance[key], extra_schema, path=key)
    elif not extra_schema and extras:
        yield ValidationError(f"additional properties are not allowed ({', '.join(map(repr, sorted(extras)))})")


_TIMED_KEYWORDS = {"pattern": _pattern, "patternProperties": _pattern_properties,
                   "additionalProperties": _additional_properties}


def _keywords_used(node: Any) -> set[str]:
    if isinstance(node, dict):
        return set(node).union(*(_keywords_used(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_keywords_used(v) for v in node))
    return set()


@functools.lru_cache(maxsize=256)
def _validator(schema_json: str) -> Any:
    import jsonschema  # imported lazily: costly, and only rows with this check need it

    schema = json.loads(schema_json)
    cls = jsonschema.validators.validator_for(schema)
    try:
        cls.check_schema(schema)
    except jsonschema.SchemaError as e:
        raise ValueError(f"invalid JSON Schema: {e.message}") from None
    if {"patternProperties", "unevaluatedProperties"} <= _keywords_used(schema):
        raise ValueError("a JSON Schema combining 'patternProperties' with 'unevaluatedProperties' is not supported "
                         "(its patterns could not be matched under a time limit)")
    overrides = {k: fn for k, fn in _TIMED_KEYWORDS.items() if k in cls.VALIDATORS}
    return jsonschema.validators.extend(cls, overrides)(schema)


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
