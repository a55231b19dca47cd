"""Agreement of `rewards.rules` with the field's reference checkers, case by case, in one run.

- IFEval: Google's checkers (`benchmarks/rules_references.py`) against `rewards.rules.check`, strict and loose, on
  IFEval's prompts with GPT-4's responses from google-research's `instruction_following_eval/data` folder
  (`--ifeval-data DIR`: `input_data.jsonl` and `input_response_data_*.jsonl`), each response also in deterministic
  variants (lower/upper case, commas removed, first paragraph, first half, quoted, markup removed, a postscript
  added, paragraphs split by `***`) so that every instruction is seen passing and failing. Checks where Google's
  checker draws a random value (`reference_is_random`) are tallied apart.
- BFCL: bfcl-eval's AST checker against `tool_call:ast_match`, on every row of bfcl-eval's own data (its wheel
  ships it) in the Python single-turn categories, with calls built from each row's possible answer: the right call
  and mutations of it (reordered, upper-cased strings, integral floats as ints, a wrong value, a dropped param,
  an extra param, a wrong type, a wrong name, a call dropped or duplicated; in Python syntax only: list values as
  tuples, ints written as sums, the first argument given positionally), each in both formats: Hermes
  `<tool_call>` JSON (the reference gets the decoded JSON, as in BFCL's FC mode) and BFCL's prompt-mode Python
  syntax (the reference decodes it with bfcl-eval's own decoder). Positional arguments are a deliberate
  difference: bfcl-eval drops them silently, `rewards.rules` rejects the call.

Usage: python benchmarks/rules_agreement.py [--ifeval-data DIR] [--wheels DIR] [--skip-bfcl] [--json OUT]
"""

from __future__ import annotations

import argparse
import collections
import copy
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Iterator

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from rules_references import BFCL_EVAL, LM_EVAL, ifeval_reference, load_bfcl, load_ifeval, wheel  # noqa: E402

from rewards.rules import ConstraintError, check  # noqa: E402
from rewards.rules.text import PUNKT_DIR  # noqa: E402

BFCL_CATEGORIES = ("simple_python", "multiple", "parallel", "parallel_multiple", "live_simple", "live_multiple",
                   "live_parallel", "live_parallel_multiple")
VARIANTS: dict[str, Callable[[str], str]] = {
    "original": lambda r: r,
    "lower": str.lower,
    "upper": str.upper,
    "no_commas": lambda r: r.replace(",", ""),
    "first_paragraph": lambda r: r.split("\n\n")[0],
    "first_half": lambda r: r[: len(r) // 2],
    "quoted": lambda r: f'"{r.strip()}"',
    "no_markup": lambda r: r.replace("*", "").replace("#", ""),
    "postscript": lambda r: r + "\n\nP.S. Thank you for reading.",
    "star_paragraphs": lambda r: r.replace("\n\n", "\n***\n"),
}


class Tally:
    """Agreement counts by key, with the first disagreements kept for display."""

    def __init__(self) -> None:
        self.n: collections.Counter[str] = collections.Counter()
        self.agree: collections.Counter[str] = collections.Counter()
        self.ref_pass: collections.Counter[str] = collections.Counter()
        self.examples: list[dict[str, Any]] = []

    def add(self, keys: list[str], ours: bool | None, ref: bool, example: dict[str, Any]) -> None:
        for key in keys:
            self.n[key] += 1
            self.agree[key] += ours == ref
            self.ref_pass[key] += ref
        if ours != ref and len(self.examples) < 12:
            self.examples.append({**example, "ours": ours, "reference": ref})

    def table(self) -> dict[str, dict[str, float]]:
        return {k: {"n": self.n[k], "agreement": round(self.agree[k] / self.n[k], 5),
                    "reference_pass_rate": round(self.ref_pass[k] / self.n[k], 3)} for k in sorted(self.n)}


# ---- IFEval -------------------------------------------------------------------------------------------------------

def ifeval_rows(folder: Path) -> Iterator[tuple[dict[str, Any], str]]:
    inputs = {}
    for line in (folder / "input_data.jsonl").read_text().splitlines():
        row = json.loads(line)
        inputs[row["prompt"]] = row
    for path in sorted(folder.glob("input_response_data_*.jsonl")):
        for line in path.read_text().splitlines():
            row = json.loads(line)
            if row["prompt"] in inputs:
                yield inputs[row["prompt"]], row["response"]


def reference_is_random(instruction_id: str, kwargs: dict[str, Any]) -> bool:
    """IFEval draws a random letter when `letter` is not an ASCII letter (rows ask for "#" or "!"): its verdict is
    then a coin flip, while `rewards.rules` counts the character asked for. Such checks are tallied apart."""
    letter = kwargs.get("letter")
    return instruction_id == "keywords:letter_frequency" and not (
        isinstance(letter, str) and len(letter) == 1 and "a" <= letter.lower() <= "z")


def run_ifeval(folder: Path, registry: Any) -> Tally:
    tally = Tally()
    for row, response in ifeval_rows(folder):
        ids, kwargs = row["instruction_id_list"], [{k: v for k, v in kw.items() if v} for kw in row["kwargs"]]
        constraints = [{"id": i, "kwargs": kw} for i, kw in zip(ids, kwargs)]
        for variant, transform in VARIANTS.items():
            text = transform(response)
            for loose in (False, True):
                mode = "loose" if loose else "strict"
                ref = ifeval_reference(registry, row["prompt"], ids, kwargs, text, loose)
                try:
                    ours: list[bool | None] = list(check(text, constraints, row["prompt"], loose=loose))
                except ConstraintError:
                    ours = [None] * len(ids)
                for iid, kw, o, r in zip(ids, kwargs, ours, ref):
                    keys = [f"reference_random/{mode}"] if reference_is_random(iid, kw) else [f"all/{mode}",
                                                                                               f"{iid}/{mode}"]
                    tally.add(keys, o, r,
                              {"key": row["key"], "id": iid, "mode": mode, "variant": variant})
    return tally


# ---- BFCL ---------------------------------------------------------------------------------------------------------

def _first(allowed: list[Any]) -> Any:
    return next((a for a in allowed if a != ""), None)


def _pick(value: Any) -> Any:
    """A concrete value from a possible-answer option (dict options hold lists of allowed values per key)."""
    if isinstance(value, dict):
        return {k: _pick(_first(v)) for k, v in value.items() if isinstance(v, list) and _first(v) is not None}
    if isinstance(value, list):
        return [_pick(v) for v in value]
    return value


def right_calls(truth: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    calls = []
    for entry in truth:
        (name, params), = entry.items()
        calls.append((name, {p: _pick(_first(v)) for p, v in params.items() if _first(v) is not None}))
    return calls


def _mutate_value(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    if isinstance(value, str):
        return value + " extra"
    if isinstance(value, list):
        return value + value[:1] if value else [1]
    if isinstance(value, dict):
        return {**value, "extra_key": 1}
    return "changed"


def _map_strings(value: Any, fn: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, list):
        return [_map_strings(v, fn) for v in value]
    if isinstance(value, dict):
        return {k: _map_strings(v, fn) for k, v in value.items()}
    return value


class Source(str):
    """A value written as this Python source text in prompt-mode calls."""

    def __repr__(self) -> str:
        return str(self)


def _positional_first(args: dict[str, Any]) -> dict[str, Any]:
    if not args:
        return args
    first = next(iter(args))
    return {"": args[first], **{k: v for k, v in args.items() if k != first}}


def _first_arg(calls: list, fn: Callable[[str, dict, str], None]) -> list:
    calls = copy.deepcopy(calls)
    for name, args in calls:
        if args:
            fn(name, args, next(iter(args)))
            break
    return calls


MUTATIONS: dict[str, Callable[[list], list]] = {
    "right": lambda c: c,
    "reordered": lambda c: c[::-1],
    "upper_strings": lambda c: [(n, _map_strings(a, str.upper)) for n, a in c],
    "floats_as_ints": lambda c: [(n, {k: int(v) if isinstance(v, float) and v.is_integer() else v
                                      for k, v in a.items()}) for n, a in c],
    "wrong_value": lambda c: _first_arg(c, lambda n, a, k: a.__setitem__(k, _mutate_value(a[k]))),
    "drop_param": lambda c: _first_arg(c, lambda n, a, k: a.pop(k)),
    "extra_param": lambda c: [(n, {**a, "unexpected_param": 1}) for n, a in c],
    "wrong_type": lambda c: _first_arg(c, lambda n, a, k: a.__setitem__(k, json.dumps(a[k]))),
    "wrong_name": lambda c: [(n + "_v2", a) for n, a in c],
    "drop_call": lambda c: c[:-1],
    "duplicate_call": lambda c: c + c[:1],
    "tuples": lambda c: [(n, {k: tuple(v) if isinstance(v, list) else v for k, v in a.items()}) for n, a in c],
    "arithmetic": lambda c: [(n, {k: Source(f"{v - 1} + 1") if type(v) is int else v for k, v in a.items()})
                             for n, a in c],
    "positional": lambda c: [(n, _positional_first(a)) for n, a in c],
}
PYTHON_ONLY = {"tuples", "arithmetic", "positional"}  # no JSON form


def hermes_text(calls: list) -> str:
    return "\n".join(f"<tool_call>\n{json.dumps({'name': n, 'arguments': a})}\n</tool_call>" for n, a in calls)


def python_text(calls: list) -> str:
    return "[" + ", ".join(f"{n}({', '.join(f'{k}={v!r}' if k else repr(v) for k, v in a.items())})"
                           for n, a in calls) + "]"


def run_bfcl(data: Path, checker: Callable[..., dict], language: Any, decode: Callable[[str], list]) -> Tally:
    tally = Tally()
    for category in BFCL_CATEGORIES:
        questions = [json.loads(x) for x in (data / f"BFCL_v4_{category}.json").read_text().splitlines()]
        answers = {(a := json.loads(x))["id"]: a["ground_truth"]
                   for x in (data / "possible_answer" / f"BFCL_v4_{category}.json").read_text().splitlines()}
        for q in questions:
            truth, functions = answers[q["id"]], q["function"]
            for mutation, mutate in MUTATIONS.items():
                calls = mutate(right_calls(truth))
                for fmt in ("hermes", "python"):
                    if fmt == "hermes" and mutation in PYTHON_ONLY:
                        continue
                    text = hermes_text(calls) if fmt == "hermes" else python_text(calls)
                    try:
                        decoded = (json.loads(json.dumps([{n: a} for n, a in calls])) if fmt == "hermes"
                                   else decode(text))
                        ref = bool(checker(functions, decoded, truth, language.PYTHON, category, "bench")["valid"])
                    except Exception:  # noqa: BLE001 - BFCL counts a decoder or checker error as a failure
                        ref = False
                    constraint = [{"id": "tool_call:ast_match",
                                   "kwargs": {"functions": functions, "ground_truth": truth, "format": fmt}}]
                    try:
                        ours: bool | None = check(text, constraint)[0]
                    except ConstraintError:
                        ours = None
                    tally.add([f"all/{fmt}", f"{category}/{fmt}", f"{mutation}/{fmt}"], ours, ref,
                              {"id": q["id"], "mutation": mutation, "format": fmt})
    return tally


def report(name: str, tally: Tally, seconds: float) -> dict[str, Any]:
    table = tally.table()
    print(f"\n== {name} ({seconds:.0f} s)")
    for key, row in table.items():
        print(f"  {key:58s} n={row['n']:6d}  agreement={100 * row['agreement']:7.3f}%"
              f"  (reference passes {100 * row['reference_pass_rate']:5.1f}%)")
    for ex in tally.examples:
        print("  disagreement:", json.dumps(ex, ensure_ascii=False)[:300])
    return {"table": table, "disagreements": tally.examples, "seconds": round(seconds, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ifeval-data", type=Path, help="google-research instruction_following_eval/data folder")
    ap.add_argument("--wheels", type=Path, default=Path.home() / ".cache" / "rlvr-reference-wheels")
    ap.add_argument("--skip-bfcl", action="store_true")
    ap.add_argument("--json", type=Path, help="write the tables here")
    args = ap.parse_args()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if args.ifeval_data:
            registry = load_ifeval(wheel(LM_EVAL, args.wheels), Path(str(PUNKT_DIR)).parent, work)
            start = time.perf_counter()
            tally = run_ifeval(args.ifeval_data, registry)
            results["ifeval"] = report(f"IFEval vs Google's checkers ({LM_EVAL})", tally, time.perf_counter() - start)
        else:
            print("IFEval: skipped (no --ifeval-data)")
        if not args.skip_bfcl:
            bfcl = wheel(BFCL_EVAL, args.wheels)
            checker, language, decode = load_bfcl(bfcl, work)
            start = time.perf_counter()
            tally = run_bfcl(work / "bfcl_ref" / "bfcl_eval" / "data", checker, language, decode)
            results["bfcl"] = report(f"BFCL vs bfcl-eval's AST checker ({BFCL_EVAL})", tally,
                                     time.perf_counter() - start)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
