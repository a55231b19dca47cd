"""`tool_call:ast_match`: tool calls checked against ground truth with bfcl-eval's AST-checker semantics.

Calls are parsed from the answer in the constraint's `format` (`rewards.rules.tool_call_formats`): `hermes`
(default) for `<tool_call>{"name": ..., "arguments": {...}}</tool_call>` blocks, `python` for BFCL's prompt-mode
`[f(a=1), g(b="x")]`. Ground truth is BFCL's possible-answer format, `[{"fn_name": {"param": [allowed values]}}]`,
matched in any order (BFCL's parallel no-order checker; with one call it is BFCL's simple checker):

- the number of calls must equal the number of ground-truth entries; the function name must match;
- required params must be present; params unknown to the function spec or absent from the ground truth fail;
- types are checked against the spec (an int is accepted for a float; a tuple for a `tuple` param; array item
  types one level deep; a value of the ground truth's own type is accepted as a "variable", as in BFCL);
- each value must be among the allowed ones, `""` in the list marking the param optional; strings (also inside
  lists and dicts) are compared after BFCL's normalisation: spaces and `,./-_*^` removed, lower-cased, `'` -> `"`;
- a ground-truth param missing from the function spec is accepted, as bfcl-eval accepts it: a call cannot give
  it (the spec does not declare it), so the call matches when it omits it and `""` is among its allowed values
  (a ground truth that requires such a param can never be matched, as in bfcl-eval).

Function specs are JSON-schema function descriptions (`{"name", "parameters": {"properties", "required"}}`, or
OpenAI's `{"type": "function", "function": {...}}`); JSON-schema type names and BFCL's (`dict`, `float`, `tuple`,
`any`) are both understood.
"""

from __future__ import annotations

import re
from typing import Any

from rewards.rules.registry import Default, checker, choice, json_list
from rewards.rules.tool_call_formats import FORMATS, Call

_TYPES: dict[str, type] = {
    "string": str, "any": str, "integer": int, "float": float, "number": float, "boolean": bool,
    "array": list, "tuple": list, "dict": dict, "object": dict,
}
_STANDARDIZE = re.compile(r"[ ,./\-_*^]")


def _param_types(name: str, spec: dict[str, Any]) -> tuple[type, type | None, bool]:
    """(Python type, array item type or None, whether the declared type is `tuple`)."""
    t = spec.get("type") if isinstance(spec, dict) else None
    if t not in _TYPES:
        raise ValueError(f"function {name!r}: unsupported or missing 'type' {t!r} (known: {', '.join(_TYPES)})")
    nested = None
    if t in ("array", "tuple") and isinstance(spec.get("items"), dict) and "type" in spec["items"]:
        item_type = spec["items"]["type"]
        if item_type not in _TYPES:
            raise ValueError(f"function {name!r}: unsupported array item type {item_type!r}")
        nested = _TYPES[item_type]
    return _TYPES[t], nested, t == "tuple"


def _prepare(kw: dict[str, Any]) -> dict[str, Any]:
    specs: dict[str, dict[str, Any]] = {}
    for i, fn in enumerate(kw["functions"]):
        fn = fn.get("function", fn) if isinstance(fn, dict) and fn.get("type") == "function" else fn
        if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
            raise ValueError(f"kwarg 'functions'[{i}]: expected a function spec with a 'name'")
        params = fn.get("parameters") or {}
        props = params.get("properties") or {}
        if not isinstance(props, dict):
            raise ValueError(f"function {fn['name']!r}: 'parameters.properties' must be an object")
        specs[fn["name"]] = {
            "types": {p: _param_types(fn["name"], s) for p, s in props.items()},
            "required": list(params.get("required") or []),
        }
    truth = []
    for i, entry in enumerate(kw["ground_truth"]):
        if not isinstance(entry, dict) or len(entry) != 1:
            raise ValueError(f"kwarg 'ground_truth'[{i}]: expected {{fn_name: {{param: [allowed values]}}}}")
        (name, allowed), = entry.items()
        if name not in specs:
            raise ValueError(f"kwarg 'ground_truth'[{i}]: function {name!r} is not in 'functions'")
        if not isinstance(allowed, dict) or not all(isinstance(v, list) for v in allowed.values()):
            raise ValueError(f"kwarg 'ground_truth'[{i}] ({name}): expected {{param: [allowed values]}}")
        truth.append((name, allowed))
    return {**kw, "functions": specs, "ground_truth": truth}


def _std(value: str) -> str:
    return _STANDARDIZE.sub("", value).lower().replace("'", '"')


def _std_all(values: Any) -> list[Any]:
    values = values if isinstance(values, list) else []  # BFCL iterates "" as an empty sequence
    return [_std(v) if isinstance(v, str) else v for v in values]


def _type_ok(value: Any, allowed: list[Any], expected: type, nested: type | None) -> tuple[bool, bool]:
    """BFCL's type checker: (valid, is_variable)."""
    answer_type = next((type(a) for a in allowed if a != ""), None)
    is_variable = answer_type is not None and answer_type != expected
    if type(value) == expected:
        if nested is None:
            return True, is_variable
        for item in allowed:
            if not isinstance(item, list) or all(_type_ok(v, item, nested, None)[0] for v in value):
                return True, is_variable
        return False, False
    if answer_type is not None and type(value) == answer_type:
        return True, True
    return False, False


def _dict_ok(value: dict[str, Any], allowed: list[Any]) -> bool:
    for option in allowed:
        if option == "" or not isinstance(option, dict):
            continue
        values_ok = all(
            k in option and (_std(v) if isinstance(v, str) else v) in _std_all(option[k]) for k, v in value.items()
        )
        if values_ok and all(k in value or "" in v for k, v in option.items()):
            return True
    return False


def _list_of_dicts_ok(value: list[Any], allowed: list[Any]) -> bool:
    for option in allowed:
        option = option if isinstance(option, list) else []
        if len(option) == len(value) and all(
            isinstance(v, dict) and _dict_ok(v, [o]) for v, o in zip(value, option)
        ):
            return True
    return False


def _call_ok(spec: dict[str, Any], name: str, call: Call, allowed: dict[str, list]) -> bool:
    called, args = call
    if called != name or any(p not in args for p in spec["required"]):
        return False
    for param, value in args.items():
        if param not in spec["types"] or param not in allowed:
            return False
        expected, nested, is_tuple = spec["types"][param]
        if expected is float and type(value) is int:
            value = float(value)
        elif is_tuple and type(value) is tuple:
            value = list(value)
        valid, is_variable = _type_ok(value, allowed[param], expected, nested)
        if not valid:
            return False
        if not is_variable:
            if expected is dict:
                ok = _dict_ok(value, allowed[param])
            elif expected is list and nested is dict:
                ok = _list_of_dicts_ok(value, allowed[param])
            elif expected is str:
                ok = _std(value) in [_std(a) for a in allowed[param] if isinstance(a, str)]
            elif expected is list:
                ok = _std_all(value) in [_std_all(a) for a in allowed[param]]
            else:
                ok = value in allowed[param]
            if not ok:
                return False
        elif value not in allowed[param]:
            return False
    return all(p in args or "" in v for p, v in allowed.items())


@checker(
    "tool_call:ast_match",
    ifeval=False,
    functions=json_list,
    ground_truth=json_list,
    format=Default(choice(*FORMATS), "hermes"),
    prepare=_prepare,
)
def ast_match(value: str, *, functions: dict[str, Any], ground_truth: list[tuple[str, dict]], format: str) -> bool:
    calls = FORMATS[format](value)
    if calls is None or len(calls) != len(ground_truth):
        return False
    unmatched = list(range(len(calls)))
    for name, allowed in ground_truth:
        hit = next((i for i in unmatched if _call_ok(functions[name], name, calls[i], allowed)), None)
        if hit is None:
            return False
        unmatched.remove(hit)
    return True
