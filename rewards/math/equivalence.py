"""Answer equivalence: `quick_decide` (string/number rules, safe in the parent) and `equivalent` (full check with
math-verify and sympy, run only inside worker processes because it can take unbounded time and memory).

Both return a reason: "equal", "mismatch" or "hedged" (`quick_decide` may also return None: undecided).
"""

from __future__ import annotations

import logging
import re

from rewards.math.normalize import (
    bracket_kind,
    choice_letter,
    compact,
    is_set_like,
    normalize,
    split_top_level,
    text_answer,
)
from rewards.math.numbers import REL_TOL, Num, numbers_equal, parse_number, same_integer

MAX_BRACE_DEPTH = 12  # deeper answers are pathological (e.g. 50 nested \\frac): rejected without parsing
_ASSIGN = re.compile(r"^[a-zA-Z](?:_\{?\w+\}?)?\s*=\s*")


def _brace_depth(s: str) -> int:
    depth = deepest = 0
    for ch in s:
        if ch == "{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch == "}":
            depth -= 1
    return deepest


def _unassign(s: str, other: str) -> str:
    """`x = 3` -> `3` when the other side has no equation (so `x=3` matches `3` but `x=1` vs `y=1` stays)."""
    return _ASSIGN.sub("", s, count=1) if "=" not in other and s.count("=") == 1 else s


_INFINITY = {"\\infty": 1, "+\\infty": 1, "\\inf": 1, "-\\infty": -1, "-\\inf": -1}


def _elements(s: str, kind: str | None) -> list[Num | int] | None:
    """Elements of a tuple/interval/set/list of simple numbers (±1 for ±infinity); None if any is not simple."""
    inner = s[2:-2] if kind == "set" else s[1:-1] if kind == "tuple" else s
    out: list[Num | int] = []
    for part in split_top_level(inner):
        part = part.replace(" ", "")
        num = parse_number(part)
        if part in _INFINITY:
            out.append(_INFINITY[part])
        elif num is None or num.percent:
            return None
        else:
            out.append(num)
    return out


def _same_element(a: Num | int, b: Num | int, rel_tol: float) -> bool:
    if isinstance(a, Num) and isinstance(b, Num):
        return numbers_equal(a, b, rel_tol)
    return a == b


def _structured(gold: str, answer: str, rel_tol: float) -> str | None:
    """Tuples/intervals (ordered, brackets matter) and sets/lists (unordered) of simple numbers."""
    gk, ak = bracket_kind(gold), bracket_kind(answer)
    ordered = gk == ak == "tuple"
    unordered = gk != "tuple" and ak != "tuple" and (gk == "set" or is_set_like(gold)) and (
        ak == "set" or is_set_like(answer))
    if not (ordered or unordered) or "\\pm" in gold + answer or "\\mp" in gold + answer:
        return None
    ge, ae = _elements(gold, gk), _elements(answer, ak)
    if ge is None or ae is None:
        return None
    if len(ge) != len(ae) or (ordered and (gold[0], gold[-1]) != (answer[0], answer[-1])):
        return "mismatch"
    if unordered:
        key = lambda e: e.value if isinstance(e, Num) else e * float("inf")  # noqa: E731
        ge, ae = sorted(ge, key=key), sorted(ae, key=key)
    return "equal" if all(_same_element(g, a, rel_tol) for g, a in zip(ge, ae)) else "mismatch"


def quick_decide(gold: str, answer: str, rel_tol: float = REL_TOL) -> str | None:
    """Decide normalised `gold` vs `answer` with string and exact-number rules only; None when undecided."""
    if compact(gold) == compact(answer):
        return "equal"
    if _brace_depth(answer) > MAX_BRACE_DEPTH:
        return "mismatch"
    letter = choice_letter(gold, strict=True)
    if letter is not None:
        parts = split_top_level(answer)
        if len(parts) > 1 and len({choice_letter(p, strict=False) for p in parts}) > 1:
            return "hedged"
        return "equal" if choice_letter(answer, strict=False) == letter else "mismatch"
    kinds = bracket_kind(gold), bracket_kind(answer)
    if None not in kinds and kinds[0] != kinds[1]:
        return "mismatch"  # a set is not a tuple/interval
    if not is_set_like(gold) and is_set_like(answer):
        return "hedged"
    structured = _structured(gold, answer, rel_tol)
    if structured is not None:
        return structured
    g, a = _unassign(gold, answer), _unassign(answer, gold)
    same = same_integer(g, a)
    if same is not None:
        return "equal" if same else "mismatch"
    gn, an = parse_number(g), parse_number(a)
    if gn is not None and an is not None:
        return "equal" if numbers_equal(gn, an, rel_tol) else "mismatch"
    gt, at = text_answer(gold), text_answer(answer)
    if at is not None and (gt is not None or gn is not None):
        return "equal" if gt == at else "mismatch"  # words never equal a number
    return None


# ---- worker side: everything below may be slow; never call it in the trainer process -------------------------

_parse_config = None


def _mv_parse(s: str) -> list:
    """Parse an answer with math-verify (its signal timeout off: the worker pool enforces time)."""
    global _parse_config
    from math_verify import ExprExtractionConfig, LatexExtractionConfig, parse

    if _parse_config is None:
        _parse_config = [LatexExtractionConfig(boxed_match_priority=0), ExprExtractionConfig()]
    return parse("\\boxed{" + s + "}", _parse_config, parsing_timeout=None)  # type: ignore[arg-type]


def _numeric_tolerance(gold, answer, rel_tol: float) -> bool | None:
    """Tolerance rule for numeric sympy values when either contains a decimal literal; None when not applicable."""
    from sympy import Expr, Float

    if not (isinstance(gold, Expr) and isinstance(answer, Expr)):
        return None
    if gold.free_symbols or answer.free_symbols or not (gold.has(Float) or answer.has(Float)):
        return None
    g, a = gold.doit().evalf(30), answer.doit().evalf(30)
    if not (g.is_number and a.is_number):
        return None
    scale = max(abs(g), abs(a))
    return bool(abs(g - a) <= rel_tol * scale)


def equivalent(gold: str, answer: str, rel_tol: float = REL_TOL) -> str:
    """Full equivalence of raw `gold` and extracted `answer`: "equal", "mismatch" or "hedged". Worker-only."""
    from math_verify import verify

    g, a = normalize(gold), normalize(answer)
    decided = quick_decide(g, a, rel_tol)
    if decided is not None:
        return decided
    if is_set_like(g) and bracket_kind(a) is None:  # `1 or 2` / `1 and 2` as a list
        a = ", ".join(split_top_level(a))
        g = g if bracket_kind(g) else ", ".join(split_top_level(g))
    gp, ap = _mv_parse(g), _mv_parse(a)
    if not gp or not ap:
        return "mismatch"
    numeric = _numeric_tolerance(gp[0], ap[0], rel_tol)
    if numeric is not None:
        return "equal" if numeric else "mismatch"
    ok = verify(gp, ap, timeout_seconds=None, allow_set_relation_comp=True)  # type: ignore[arg-type]
    return "equal" if ok else "mismatch"


def warm_up() -> None:
    """Import and exercise math-verify once so the first real verification is fast (called in workers)."""
    logging.getLogger("math_verify").setLevel(logging.ERROR)
    equivalent("\\frac{1}{2}", "x = 0.5")
    equivalent("(1, 2]", "1 < x \\leq 2")
