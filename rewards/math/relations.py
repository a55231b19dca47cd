"""Relations inside a final answer (string work, linear time, safe in the trainer process).

- `claim(s)`: an answer such as `x = 2`, `f(3) = 2`, `x = \\frac13 \\approx 0.33` or `\\frac{\\sqrt3}{3} \\approx 0.577`
  is reduced to the value it claims plus the side conditions that must hold for the claim to be true. The left side
  is dropped only when it is a name: a bare variable (`x`, `a_n`, `x'`, `\\alpha`), a function application
  (`f(3)`, `P(x, y)`), a tuple of variables (`(x, y) = (3, 4)`), or a geometric name (`AB`, `\\angle APC`).
  A computation without letters (`2+3 = 5`) claims its last value when every link holds (`5 = 2` is false).
  `x+3y-4 = 0` stays an equation, which equals only an equation.
- `assignments(s)`: `x=3, y=-2` -> the values `['3', '-2']` (every item assigns a name).
- `inequality_union(s)`: `x \\le -1 \\text{ or } x \\ge 3` -> `(-\\infty,-1] \\cup [3,\\infty)`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rewards.math.normalize import split_top_level

EQ, APPROX = "=", "~"
_REL = re.compile(r"\\approxeq|\\approx|\\simeq|\\doteq|\\thickapprox|≈|(?<![<>!:\\=])=(?!=)")
_GREEK = (r"alpha|beta|gamma|delta|epsilon|varepsilon|zeta|eta|theta|vartheta|iota|kappa|lambda|mu|nu|xi|rho|sigma"
          r"|tau|upsilon|phi|varphi|chi|psi|omega|Gamma|Delta|Theta|Lambda|Xi|Sigma|Phi|Psi|Omega")
_SUB = r"(?:_\s*(?:\{[^{}]{1,20}\}|\w))?(?:'{1,3}|\^\s*\{?\*\}?)?"
_NAME = re.compile(
    rf"^(?:[A-Za-z]{_SUB}"                                   # x, a_n, x_{12}, f'
    rf"|\\(?:{_GREEK}){_SUB}"                                # \alpha, \theta_1
    rf"|[A-Z]{{2,4}}"                                        # AB, ABC (segments, angles, areas)
    rf"|(?:m\s*)?\\angle\s*\{{?[A-Z]{{1,3}}\}}?"             # \angle APC, m\angle A
    rf"|\\(?:overline|overrightarrow|vec)\s*\{{[A-Za-z]{{1,3}}\}}"
    rf"|\|[A-Z]{{2}}\|"                                      # |AB|
    rf"|\(\s*[A-Za-z]{_SUB}(?:\s*,\s*[A-Za-z]{_SUB})+\s*\)"     # (x, y), (a, b, c)
    rf"|(?:[A-Za-z]|\\(?:{_GREEK})){_SUB}\s*\([^()=]{{1,40}}\)"  # f(3), P(x, y), g'(0)
    rf")$")
_INEQ = r"<=|>=|\\leqslant|\\geqslant|\\leq|\\geq|\\le|\\ge|\\lt|\\gt|<|>"
_VAR = r"[A-Za-z](?:_\{?\w+\}?)?"
_ONE_SIDED = re.compile(rf"^\s*({_VAR})\s*({_INEQ})\s*(.+?)\s*$|^\s*(.+?)\s*({_INEQ})\s*({_VAR})\s*$")
_TWO_SIDED = re.compile(rf"^\s*(.+?)\s*({_INEQ})\s*({_VAR})\s*({_INEQ})\s*(.+?)\s*$")
_LESS = {"<", "\\lt"}
_LESS_EQ = {"<=", "\\le", "\\leq", "\\leqslant"}
_GREATER = {">", "\\gt"}
_GREATER_EQ = {">=", "\\ge", "\\geq", "\\geqslant"}
MAX_UNION_CHARS = 400  # inequality answers are short; bounds the regex work on long answers
_COMMANDS = re.compile(r"\\[A-Za-z]+")
_LETTERS = re.compile(r"[A-Za-z]")
_GROUP_WORD = re.compile(r"\s+(?:and|or)\s+")
_CONJUNCTION = re.compile(r"\band\b|\\land|\\wedge|\\cap")


@dataclass(frozen=True)
class Claim:
    """What an answer asserts: its `value`, the `name` it assigns (or ""), the `checks` [(op, expr)] that must hold
    for the statement to be true (each `expr` equals (`=`) or approximates (`~`) the value), and `equation`: the
    answer is an equation or relation that is not an assignment (compare it whole)."""

    value: str
    name: str = ""
    checks: tuple[tuple[str, str], ...] = ()
    equation: bool = False


def _split_chain(s: str) -> tuple[list[str], list[str]]:
    """Top-level parts and relation operators (`=` or `~`) of `a = b \\approx c`."""
    parts, ops, depth, start = [], [], 0, 0
    i = 0
    while i < len(s):
        ch = s[i]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif depth == 0 and ch in "=\\≈":
            m = _REL.match(s, i)
            if m:
                parts.append(s[start:i].strip())
                ops.append(EQ if m.group(0) == "=" else APPROX)
                i = start = m.end()
                continue
        i += 1
    parts.append(s[start:].strip())
    return parts, ops


def is_name(s: str) -> bool:
    """Whether `s` names a quantity (variable, function application, geometric name) rather than being a value."""
    s = s.strip()
    return bool(_NAME.match(s)) and s not in ("e", "i", "\\pi")


def claim(s: str) -> Claim:
    """Reduce a normalised answer to what it claims (see module docstring)."""
    parts, ops = _split_chain(s)
    if len(parts) == 1 or not all(parts):
        return Claim(s, equation=len(parts) > 1)
    name = ""
    if is_name(parts[0]):
        name, parts, ops = parts[0], parts[1:], ops[1:]
    elif len(parts) == 2 and ops == [EQ] and is_name(parts[1]):
        name, parts, ops = parts[1], parts[:1], []
    elif set(ops) == {EQ} and not any(_LETTERS.search(_COMMANDS.sub("", p)) for p in parts):
        # a computation (`2 + 3 = 5`, `\\frac{1}{2} \\cdot 10 = 5`) claims its last value, if every link holds
        return Claim(parts[-1], "", tuple((EQ, p) for p in parts[:-1]))
    elif EQ in ops:
        return Claim(s, equation=True)
    return Claim(parts[0], name, tuple(zip(ops, parts[1:])))


def assignments(s: str) -> list[str] | None:
    """The values of a list in which every item assigns a name (`x=3, y=-2`), else None."""
    items = split_top_level(s)
    if len(items) < 2:
        return None
    values = []
    for item in items:
        c = claim(item)
        if not c.name or c.checks or c.equation:
            return None
        values.append(c.value)
    return values


def assignment_groups(s: str) -> str | None:
    """Groups of assignments separated by `;` (`p=5,q=2;p=7,q=2`) or by the words "and"/"or" (`p=5,q=2 and p=7,q=2`),
    each to the same names, as the list of their tuples (`(5, 2), (7, 2)`); else None."""
    groups = _top_level_semicolons(s)
    if len(groups) < 2:
        groups = [g.strip() for g in _GROUP_WORD.split(s) if g.strip()] if len(s) <= MAX_UNION_CHARS else []
    if len(groups) < 2:
        return None
    names, tuples = None, []
    for group in groups:
        items = split_top_level(group)
        values = assignments(group)
        if values is None:
            return None
        group_names = [claim(item).name for item in items]
        if names is not None and group_names != names:
            return None
        names = group_names
        tuples.append(f"({', '.join(values)})")
    return ", ".join(tuples)


def _top_level_semicolons(s: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(s):
        depth += ch in "([{"
        depth -= ch in ")]}"
        if ch == ";" and depth == 0:
            parts.append(s[start:i])
            start = i + 1
    return [p.strip() for p in parts + [s[start:]] if p.strip()]


def _interval(m_one: re.Match | None, m_two: re.Match | None) -> tuple[str, str] | None:
    """(variable, interval) for one simple inequality."""
    if m_two:
        lo, op1, var, op2, hi = m_two.groups()
        if op1 in _LESS | _LESS_EQ and op2 in _LESS | _LESS_EQ:
            return var, f"{'(' if op1 in _LESS else '['}{lo}, {hi}{')' if op2 in _LESS else ']'}"
        if op1 in _GREATER | _GREATER_EQ and op2 in _GREATER | _GREATER_EQ:
            return var, f"{'(' if op2 in _GREATER else '['}{hi}, {lo}{')' if op1 in _GREATER else ']'}"
        return None
    if m_one is None:
        return None
    if m_one.group(1):
        var, op, bound = m_one.group(1), m_one.group(2), m_one.group(3)
    else:  # `3 < x` reads as `x > 3`
        bound, op, var = m_one.group(4), m_one.group(5), m_one.group(6)
        op = {**{o: ">" for o in _LESS}, **{o: ">=" for o in _LESS_EQ}, **{o: "<" for o in _GREATER},
              **{o: "<=" for o in _GREATER_EQ}}[op]
    if op in _LESS | _LESS_EQ:
        return var, f"(-\\infty, {bound}{')' if op in _LESS else ']'}"
    return var, f"{'(' if op in _GREATER else '['}{bound}, \\infty)"


def inequality_union(s: str) -> str | None:
    """`x < -1 \\text{ or } x > 3` (several inequalities in one variable, joined by or/commas) as a union of
    intervals; None for anything else (a single inequality is left to math-verify)."""
    if len(s) > MAX_UNION_CHARS or _CONJUNCTION.search(s):
        return None
    items = split_top_level(s)
    if len(items) < 2:
        return None
    var, intervals = None, []
    for item in items:
        if _REL.search(item):
            return None
        got = _interval(_ONE_SIDED.match(item), _TWO_SIDED.match(item))
        if got is None or (var is not None and got[0] != var):
            return None
        var = got[0]
        intervals.append(got[1])
    return " \\cup ".join(intervals)
