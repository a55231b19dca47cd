"""Answer equivalence: `quick_decide` (string/number rules, safe in the parent) and `equivalent` (full check with
math-verify and sympy, run only inside worker processes because it can take unbounded time and memory).

Both return a reason: "equal", "mismatch", "hedged", or "resource_limit" for an answer whose numbers are beyond
evaluation (a power tower with more than a million digits); `quick_decide` may also return None: undecided.
"""

from __future__ import annotations

import logging
import re
from collections import Counter

from rewards.math.exact import (
    approximates,
    compare_numbers,
    install_exact_numeric_eq,
    is_infinite,
    is_truth_value,
    same_equation,
)
from rewards.math.normalize import (
    SCALED_NUMBER,
    bracket_kind,
    choice_letter,
    compact,
    is_set_like,
    name_key,
    normalize,
    option_value,
    split_top_level,
    text_answer,
)
from rewards.math.numbers import REL_TOL, Num, numbers_equal, parse_number, same_integer, too_large
from rewards.math.prose import arithmetic_chain
from rewards.math.relations import APPROX, assignment_groups, assignments, claim, inequality_union

_COMMAND = re.compile(r"\\[A-Za-z]+")
_LIST_WORDS = re.compile(r"\b(?:and|or)\b")
_LETTER = re.compile(r"[A-Za-z]")
MAX_BRACE_DEPTH = 12  # deeper answers are pathological (e.g. 50 nested \\frac): rejected without parsing
_ALTERNATIVES = re.compile(r"\bor\b|\band\b|\\lor|\\vee|\\pm|\\mp")
# a comma that cannot be a thousands separator (one or two digits after it, or a leading `0,`): `1,22`, `0,111`;
# not when every digit after it is 0: `-3,0` also lists -3 itself, so it would pass for the gold -3
_DECIMAL_COMMA = re.compile(r"^[+-]?(?:\d+,(?!0+$)\d{1,2}|0,(?!0+$)\d+)$")
# dots that can only group thousands: two groups or more, or before a decimal comma (`1.500.000`, `1.234,56`)
_DOT_THOUSANDS = re.compile(r"^[+-]?[1-9]\d{0,2}(?:(?:\.\d{3}){2,}(?:,\d+)?|\.\d{3},\d+)$")
# an answer that opens with a relation or a negation (`\\geq 5`, `\\neq 5`, `< 5`, `\\neg 5`) states it, not the
# value after it
_LEADING_RELATION = re.compile(r"^(?:<=|>=|<|>|≤|≥|≠|∼|¬|!|\\(?:leqslant|geqslant|leq|geq|le|ge|lt|gt|neq|ne|sim|simeq"
                               r"|propto|approx|equiv|cong|neg|lnot)(?![A-Za-z]))")


def decimal_comma(gold: str, answer: str) -> tuple[str, str]:
    """Read a decimal comma (`1,22` = 1.22), or dots that group thousands (`1.500.000`, `1.234,56` = 1234.56), on one
    side when the other side is one value (no list, no tuple): as a list, `1,22` would be a multi-valued answer that
    a one-value gold never equals."""
    if (_DECIMAL_COMMA.match(answer) or _DOT_THOUSANDS.match(answer)) and not is_set_like(gold) and \
            bracket_kind(gold) is None:
        answer = answer.replace(".", "").replace(",", ".") if _DOT_THOUSANDS.match(answer) else answer.replace(",", ".")
    elif (_DECIMAL_COMMA.match(gold) or _DOT_THOUSANDS.match(gold)) and not is_set_like(answer) and \
            bracket_kind(answer) is None:
        gold = gold.replace(".", "").replace(",", ".") if _DOT_THOUSANDS.match(gold) else gold.replace(",", ".")
    return gold, answer


def _brace_depth(s: str) -> int:
    depth = deepest = 0
    for ch in s:
        if ch == "{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch == "}":
            depth -= 1
    return deepest


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


def _names(s: str) -> set[str]:
    """The names a list of assignments assigns (`x = 1, x = 2` -> {"x"})."""
    return {name_key(claim(item).name) for item in split_top_level(s)}


def expand_pm(s: str) -> str:
    """A list whose items hold one `\\pm` (or `\\mp`) as the list of both values (`\\frac{-1 \\pm \\sqrt{13}}{4}` ->
    `\\frac{-1 + \\sqrt{13}}{4}, \\frac{-1 - \\sqrt{13}}{4}`): math-verify can't parse a `\\pm` inside a fraction."""
    if bracket_kind(s) is not None or ("\\pm" not in s and "\\mp" not in s):
        return s
    out = []
    for item in split_top_level(s):
        if item.count("\\pm") + item.count("\\mp") == 1:
            out += [item.replace("\\pm", "+").replace("\\mp", "-"), item.replace("\\pm", "-").replace("\\mp", "+")]
        else:
            out.append(item)
    return ", ".join(out)


def _parsed_whole(parsed: list, s: str) -> bool:
    """Whether math-verify's parse of `s` reads all of it: a list of n values must give a collection of at most n
    (math-verify falls back to the first part it can parse: `x = \\frac{1}{2}, x = \\frac{-1 \\pm 3}{4}` gave 1/2)."""
    from sympy import FiniteSet, Tuple, Union

    items = len(split_top_level(s)) if bracket_kind(s) is None else 1
    value = parsed[0]
    if items < 2:
        return True
    size = len(value.args) if isinstance(value, Union) else len(value) if isinstance(
        value, (FiniteSet, Tuple, list, tuple, set)) else items + 1
    return size <= items


def _letters(s: str) -> Counter:
    """The letters of an answer outside LaTeX commands and the words "and"/"or"."""
    return Counter(_LETTER.findall(_LIST_WORDS.sub(" ", _COMMAND.sub(" ", s))))


def _dropped_letters(s: str, parsed: list) -> bool:
    """Whether math-verify's parse of `s` left letters of it out: it takes trailing letters for units (`2 \\pi a b` was
    read as 2π, `-9.8 t` as -9.8, `\\sin 8 t` as `\\sin 8`)."""
    return len(parsed) > 1 and isinstance(parsed[1], str) and bool(_letters(s) - _letters(parsed[1]))


def prepare(gold: str, answer: str) -> tuple[str, str, tuple[tuple[str, str], ...]] | str:
    """Relations resolved on normalised strings: inequalities joined by "or" become interval unions, groups of
    assignments (`p=5,q=2;p=7,q=2`) become tuples (`(5, 2), (7, 2)`), lists of assignments (`x=3, y=-2`) their
    values (a tuple when the gold is one), and an answer `x = v` claims `v` (see `relations.claim`). Returns
    (gold, answer, checks the answer's claim needs) or a verdict: "mismatch" for an equation answer against a
    value, or an assignment to another name."""
    gold = inequality_union(gold) or assignment_groups(gold) or gold
    answer = inequality_union(answer) or assignment_groups(answer) or answer
    gv, av = assignments(gold), assignments(answer)
    if av is not None and gv is None:
        answer = f"({', '.join(av)})" if bracket_kind(gold) == "tuple" else ", ".join(av)
    elif gv is not None and av is None:
        gold = ", ".join(gv)
    elif gv is None and bracket_kind(gold) == "tuple" and gold[0] == "(" and bracket_kind(answer) is None and not \
            _ALTERNATIVES.search(answer) and len(split_top_level(answer)) == len(split_top_level(gold[1:-1])):
        answer = f"({answer})"  # a bare list `1, 3` is the tuple `(1, 3)` it lists, as math-verify reads it
    if gv is not None and av is not None:
        if len(_names(gold) | _names(answer)) == 1:  # `x = 1/2, x = 3`: the solutions of one unknown, a set
            return ", ".join(gv), ", ".join(av), ()
        return gold, answer, ()
    gc, ac = claim(gold), claim(answer)
    if ac.equation:  # an equation equals an equation, or an assignment as one (`2x + y = 3` for `y = 3 - 2x`)
        return (gold, answer, ()) if gc.equation or (gc.name and not gc.checks) else "mismatch"
    if gc.equation:
        return gold, (ac.value if not ac.name else answer), ac.checks
    if ac.name and gc.name and name_key(ac.name) != name_key(gc.name):
        return "mismatch"
    return gc.value, ac.value, ac.checks


def _half_open_value(s: str) -> bool:
    """Whether `s` is one value in a half-open pair of brackets, `[v)` or `(v]`: an interval without its comma."""
    if len(s) < 3 or s[0] + s[-1] not in ("[)", "(]"):
        return False
    depth = 0
    for i, ch in enumerate(s):
        depth += ch in "([{"
        depth -= ch in ")]}"
        if depth == 0 and i < len(s) - 1:
            return False  # the first bracket closes before the end: `(a)(b]`
    return len(split_top_level(s[1:-1])) == 1


def quick_decide(gold: str, answer: str, rel_tol: float = REL_TOL) -> str | None:
    """Decide normalised `gold` vs `answer` with string and exact-number rules only; None when undecided."""
    if compact(gold) == compact(answer):
        return "equal"
    gold = option_value(gold, answer)
    if _brace_depth(answer) > MAX_BRACE_DEPTH:
        return "mismatch"
    relation, gold_relation = _LEADING_RELATION.match(answer), _LEADING_RELATION.match(gold)
    if relation and (gold_relation is None or relation.group(0) != gold_relation.group(0)):
        return "mismatch"
    if _half_open_value(answer) and not _half_open_value(gold):
        return "mismatch"  # `[\\frac{1}{3})` is no value (math-verify drops the brackets)
    if too_large(answer) and not too_large(gold):
        return "resource_limit"  # beyond evaluation (`9^{9^{9}}`): a wrong answer, counted with the timeouts
    letter = choice_letter(gold, strict=True)
    if letter is not None:
        parts = split_top_level(answer)
        if len(parts) > 1 and len({choice_letter(p, strict=False) for p in parts}) > 1:
            return "hedged"
        return "equal" if choice_letter(answer, strict=False) == letter else "mismatch"
    gold, answer = decimal_comma(gold, answer)
    prepared = prepare(gold, answer)
    if isinstance(prepared, str):
        return prepared
    gold, answer, checks = prepared
    if checks:
        return None  # the claim's side conditions need sympy
    if compact(gold) == compact(answer):
        return "equal"
    kinds = bracket_kind(gold), bracket_kind(answer)
    if None not in kinds and kinds[0] != kinds[1]:
        return "mismatch"  # a set is not a tuple/interval
    if not is_set_like(gold) and is_set_like(answer):
        return "hedged"
    structured = _structured(gold, answer, rel_tol)
    if structured is not None:
        return structured
    same = same_integer(gold, answer)
    if same is not None:
        return "equal" if same else "mismatch"
    gn, an = parse_number(gold), parse_number(answer)
    if gn is not None and an is not None:
        return "equal" if numbers_equal(gn, an, rel_tol) else "mismatch"
    gt, at = text_answer(gold), text_answer(answer)
    if at is not None and (gt is not None or gn is not None):
        return "equal" if gt == at else "mismatch"  # words never equal a number
    return None


# ---- worker side: everything below may be slow; never call it in the trainer process -------------------------

_parse_config = None
_prose_config = None


def _mv_parse(s: str) -> list:
    """Parse an answer with math-verify (its signal timeout off: the worker pool enforces time)."""
    global _parse_config
    from latex2sympy2_extended import NormalizationConfig
    from math_verify import ExprExtractionConfig, LatexExtractionConfig, parse

    if _parse_config is None:  # units are this package's (`normalize`): math-verify's drop any trailing letter it
        # takes for a unit (`2 \\pi a b` read as 2π, `-9.8 t` as -9.8)
        _install_case_sensitive_symbols()
        normalization = NormalizationConfig(basic_latex=True, units=False, malformed_operators=True, nits=True,
                                            boxed="all", equations=False)
        _parse_config = [LatexExtractionConfig(boxed_match_priority=0, normalization_config=normalization),
                         ExprExtractionConfig()]
    return parse("\\boxed{" + s + "}", _parse_config, parsing_timeout=None)  # type: ignore[arg-type]


def _install_case_sensitive_symbols() -> None:
    """Make math-verify's LaTeX parser keep the case of symbols: it lowercases them, so `R - r` was 0 and `\\pi R^2`
    was `\\pi r^2`. Idempotent; worker-only."""
    from latex2sympy2_extended.latex2sympy2 import ConversionConfig
    from math_verify import parser

    original = parser.latex2sympy
    if getattr(original, "case_sensitive", False):
        return

    def latex2sympy(*args, **kwargs):
        kwargs.setdefault("conversion_config", ConversionConfig(lowercase_symbols=False))
        return original(*args, **kwargs)

    latex2sympy.case_sensitive = True  # type: ignore[attr-defined]
    parser.latex2sympy = latex2sympy
    parser.parse_latex_cached.cache_clear()


def prose_math(clause: str) -> str | None:
    """The math math-verify's default extraction finds in a prose clause (`prose.prose_answer`), as the string it
    matched, or None. Worker-only."""
    global _prose_config
    from math_verify import ExprExtractionConfig, LatexExtractionConfig, parse

    if _prose_config is None:
        _prose_config = [LatexExtractionConfig(), ExprExtractionConfig()]
    parsed = parse(clause, _prose_config, parsing_timeout=None)  # type: ignore[arg-type]
    return parsed[1] if len(parsed) > 1 and isinstance(parsed[1], str) and parsed[1].strip() else None


def _chain_holds(chain: str, rel_tol: float) -> bool:
    """Every link of a numeric computation `a = b = c` (from `prose.arithmetic_chain`) is true."""
    values = []
    for part in chain.split("="):
        parsed = _mv_parse(normalize(part)) if part.strip() else []
        if not parsed:
            return False
        values.append(parsed[0])
    return all(compare_numbers(v, values[-1], rel_tol) for v in values[:-1])


def _claim_holds(value, checks: tuple[tuple[str, str], ...], rel_tol: float) -> bool:
    """Every side condition of a claim (`x = 1/3 \\approx 0.33`, `2+3 = 5`) is true."""
    from math_verify import verify

    for op, expr in checks:
        parsed = _mv_parse(expr)
        if not parsed:
            return False
        if op == APPROX:
            if not approximates(value, expr, parsed[0]):
                return False
            continue
        same = compare_numbers(value, parsed[0], rel_tol)
        if same is None:
            same = verify([value], parsed, timeout_seconds=None)  # type: ignore[arg-type]
        if not same:
            return False
    return True


def equivalent(gold: str, answer: str, rel_tol: float = REL_TOL, prose: bool = False) -> str:
    """Full equivalence of raw `gold` and extracted `answer`: "equal", "mismatch" or "hedged". With `prose`, the
    answer is a prose clause: read whole, and when that is not "equal", the math `prose_math` finds in it is the
    answer ("no_answer" when it finds none). Worker-only."""
    from math_verify import verify

    if prose:
        whole = equivalent(gold, answer, rel_tol)
        found = None if whole == "equal" else prose_math(answer)
        if found is None:
            return whole if whole == "equal" else "no_answer"
        if SCALED_NUMBER.search(answer):
            return "mismatch"  # "the answer is 5 thousand": the math found is not the value stated
        chain = arithmetic_chain(answer)
        if chain is not None and not _chain_holds(chain, rel_tol):
            return "mismatch"  # "so the total is 5 + 3 = 9": a false computation states no value
        answer = found
    install_exact_numeric_eq()
    g, a = normalize(gold), normalize(answer)
    g = option_value(g, a)
    decided = quick_decide(g, a, rel_tol)
    if decided is not None:
        return decided
    g, a = decimal_comma(g, a)
    prepared = prepare(g, a)
    if isinstance(prepared, str):
        return prepared
    g, a, checks = prepared
    if is_set_like(g) and bracket_kind(a) is None:  # `1 or 2` / `1 and 2` as a list
        a = ", ".join(split_top_level(a))
        g = g if bracket_kind(g) else ", ".join(split_top_level(g))
    g, a = expand_pm(g), expand_pm(a)
    gp, ap = _mv_parse(g), _mv_parse(a)
    if not gp or not ap or not (_parsed_whole(gp, g) and _parsed_whole(ap, a)) or _dropped_letters(g, gp) or \
            _dropped_letters(a, ap):
        return "mismatch"
    if checks and not _claim_holds(ap[0], checks, rel_tol):
        return "mismatch"  # a false equation or an approximation of another value
    numeric = compare_numbers(gp[0], ap[0], rel_tol)
    if numeric is not None:
        return "equal" if numeric else "mismatch"
    if is_truth_value(gp[0]) or is_truth_value(ap[0]) or is_infinite(gp[0]) != is_infinite(ap[0]):
        return "mismatch"
    ok = verify(gp, ap, timeout_seconds=None, allow_set_relation_comp=True)  # type: ignore[arg-type]
    return "equal" if ok and same_equation(gp[0], ap[0]) else "mismatch"


def warm_up() -> None:
    """Import and exercise math-verify once so the first real verification is fast (called in workers)."""
    logging.getLogger("math_verify").setLevel(logging.ERROR)
    equivalent("\\frac{1}{2}", "x = 0.5")
    equivalent("(1, 2]", "1 < x \\leq 2")
    equivalent("5", "so the total is 5", prose=True)
