"""Simple numbers (integers, decimals, fractions, mixed numbers, repeating decimals, percentages, scientific
notation, small integer powers) and the
tolerance rule, decided exactly with `fractions.Fraction` and without sympy.

Tolerance rule: two exact values (integers, fractions, mixed numbers, and decimals whose fractional digits are all
zero) must be equal. When either side is a decimal literal, they match within a relative tolerance
(`|a - b| <= rel_tol * max(|a|, |b|)`, default 1e-6), and the decimal must be the other value to the digits it
shows: the difference is under one unit of its last digit (or within 1e-9 relative: float noise such as
0.30000000000000004). So 0.333 != 1/3, 0.333333 == 1/3, 4951076 != 4951077, 4951076.0 != 4951077, and
1234567.5 != 1234567 (within 1e-6 relative, but a different value to the digit shown). A decimal that shows fewer
than `APPROX_DIGITS` significant digits cannot stand for a value it does not equal: against an exact value it is
compared exactly (1.5\times 10^6 != 1500001, though within 1e-6 relative). A percentage `p%` also matches the
plain number `p` and the fraction `p/100`.

Sizes are capped (`MAX_DIGITS`, `MAX_EXPONENT`) so parsing never stalls the caller; longer inputs return None
and go to a worker. Pure integers of any length compare as digit strings (`same_integer`), so integers with more
than 4,300 digits never meet Python's int/str conversion limit.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction

REL_TOL = 1e-6
MAX_DIGITS = 400
MAX_EXPONENT = 400
MAX_POWER_DIGITS = 10**6  # a power tower with more digits than this is beyond evaluation (answer's fault)
_TOWER = re.compile(r"(?<!\d)\d++(?:\s*+\^\s*+\{?\s*+\d++)+")  # possessive: linear time

_INT = re.compile(r"^([+-]?)(\d+)$")
_DEC = r"[+-]?(?:\d+\.?\d*|\.\d+)"
_DECIMAL = re.compile(rf"^({_DEC})$")
_SCI_E = re.compile(rf"^({_DEC})[eE]([+-]?\d+)$")
_SCI_TIMES = re.compile(rf"^({_DEC})\s*(?:\\times|\\cdot|×|\*|x)\s*10\s*\^\s*\{{?\s*([+-]?\d+)\s*\}}?$")
_POWER = re.compile(r"^(\d{1,6})\s*\^\s*\{?\s*(\d{1,4})\s*\}?$")
_POW10 = re.compile(r"^10\s*\^\s*\{?\s*([+-]?\d+)\s*\}?$")
_FRAC_ARGS = r"(?:\{\s*(\d+)\s*\}|(\d))\s*(?:\{\s*(\d+)\s*\}|(\d))"
_LATEX_FRAC = re.compile(rf"^([+-]?)\s*(\d+\s*)?\\frac\s*{_FRAC_ARGS}$")
_LATEX_NEG_FRAC = re.compile(rf"^\\frac\s*\{{\s*-\s*(\d+)\s*\}}\s*\{{\s*(\d+)\s*\}}$")
_SLASH = re.compile(r"^([+-]?)(\d+\s+)?(\d+)\s*/\s*(\d+)$")
# a repeating decimal, exact: `0.\overline{3}` = 1/3, `0.1\overline{6}` = 1/6, `0.\dot{3}`
_REPEATING = re.compile(r"^([+-]?)(\d*)\.(\d*)\\(?:overline\s*\{(\d{1,40})\}|dot\s*\{?(\d)\}?)$")
_PERCENT = re.compile(r"\s*(?:\\%|%|\\text\{\s*percent\s*\}|percent)$")


@dataclass(frozen=True)
class Num:
    """An exactly parsed number: `value`, whether it is `exact` (not a decimal literal), and the `%` flag."""

    value: Fraction
    exact: bool
    percent: bool = False
    unit: Fraction | None = None  # one unit of the last digit a decimal literal shows (None when exact)


def same_integer(a: str, b: str) -> bool | None:
    """Compare two integer literals of any length as digit strings; None when either is not an integer."""
    ma, mb = _INT.match(a), _INT.match(b)
    if not (ma and mb):
        return None
    da, db = ma.group(2).lstrip("0") or "0", mb.group(2).lstrip("0") or "0"
    sa = "-" if ma.group(1) == "-" and da != "0" else ""
    sb = "-" if mb.group(1) == "-" and db != "0" else ""
    return sa == sb and da == db


def _log10(digits: str) -> float:
    """log10 of a non-negative integer literal of any length, without converting it (-inf for 0)."""
    d = digits.lstrip("0")
    return math.log10(float(d[:17])) + max(len(d) - 17, 0) if d else -math.inf


def _tower_digits(tower: str) -> float:
    """Decimal digits of `a^{b^{c...}}` (right-associative), in log space (inf when astronomically large)."""
    nums = re.findall(r"\d+", tower)
    if _log10(nums[0]) < math.log10(2):
        return 0.0
    exp_log = _log10(nums[-1])  # log10 of the exponent of the level below
    for base in reversed(nums[1:-1]):
        if exp_log > 300:
            return math.inf
        exp_log = 10.0 ** exp_log * _log10(base)
        if math.isnan(exp_log):
            exp_log = 0.0
    return math.inf if exp_log > 300 else 10.0 ** exp_log * _log10(nums[0])


def too_large(s: str) -> bool:
    """Whether `s` contains an integer power tower with more than `MAX_POWER_DIGITS` digits (`9^{9^{9}}`)."""
    return any(_tower_digits(m.group(0)) > MAX_POWER_DIGITS for m in _TOWER.finditer(s))


def _decimal(text: str) -> tuple[Fraction, bool, Fraction]:
    frac_digits = text.split(".")[1] if "." in text else ""
    return Fraction(text), not frac_digits.strip("0"), Fraction(1, 10 ** len(frac_digits))


def parse_number(s: str) -> Num | None:
    """Parse a normalised answer that is a simple number; None for anything else (or anything too large)."""
    s = s.strip()
    if len(s) > MAX_DIGITS or not s:
        return None
    percent = False
    m = _PERCENT.search(s)
    if m:
        s, percent = s[: m.start()].strip(), True
    value = _parse_plain(s)
    if value is None:
        return None
    return Num(value[0], value[1], percent, None if value[1] else value[2])


def _parse_plain(s: str) -> tuple[Fraction, bool, Fraction] | None:
    """(value, exact, unit of the last digit shown) of a simple number."""
    if _DECIMAL.match(s):
        return _decimal(s)
    m = _SCI_E.match(s) or _SCI_TIMES.match(s)
    if m:
        exp = int(m.group(2))
        if abs(exp) > MAX_EXPONENT:
            return None
        mantissa, exact, unit = _decimal(m.group(1))
        return mantissa * Fraction(10) ** exp, exact, unit * Fraction(10) ** exp
    m = _POW10.match(s)
    if m and abs(int(m.group(1))) <= MAX_EXPONENT:
        return Fraction(10) ** int(m.group(1)), True, Fraction(1)
    m = _POWER.match(s)
    if m and len(m.group(1)) * int(m.group(2)) <= MAX_DIGITS:
        return Fraction(int(m.group(1)) ** int(m.group(2))), True, Fraction(1)
    m = _LATEX_FRAC.match(s)
    if m:
        sign, whole, n1, n2, d1, d2 = m.groups()
        return _fraction(sign, whole, n1 or n2, d1 or d2)
    m = _LATEX_NEG_FRAC.match(s)
    if m:
        return _fraction("-", None, m.group(1), m.group(2))
    m = _REPEATING.match(s)
    if m and len(m.group(3)) <= MAX_DIGITS // 2:
        sign, whole, fixed, repeated = m.group(1), m.group(2), m.group(3), m.group(4) or m.group(5)
        value = int(whole or "0") + Fraction(int(fixed or "0"), 10 ** len(fixed)) + Fraction(
            int(repeated), 10 ** len(fixed) * (10 ** len(repeated) - 1))
        return (-value if sign == "-" else value), True, Fraction(1)
    m = _SLASH.match(s)
    if m:
        return _fraction(m.group(1), m.group(2), m.group(3), m.group(4))
    return None


def _fraction(sign: str, whole: str | None, num: str, den: str) -> tuple[Fraction, bool, Fraction] | None:
    if int(den) == 0:
        return None
    value = Fraction(int(num), int(den)) + (int(whole) if whole else 0)
    return (-value if sign == "-" else value), True, Fraction(1)


FLOAT_NOISE = Fraction(1, 10**9)  # relative difference that is float noise, whatever the digits shown
APPROX_DIGITS = 6  # significant digits a decimal needs to stand for an exact value it only approximates


def significant_digits(value: Fraction, unit: Fraction) -> int:
    """Significant digits a decimal shows, from its value and one unit of its last digit (1.5e6 with unit 1e5: 2;
    0.333333: 6; 2.50: 3); a large count for 0, which has no magnitude to approximate."""
    return len(str(round(abs(value) / unit))) if value else APPROX_DIGITS + 1


def close(a: Fraction, b: Fraction, exact: bool, rel_tol: float = REL_TOL, unit: Fraction | None = None) -> bool:
    """Equality under the tolerance rule: exact when `exact`, else within `rel_tol` relative and, when `unit` (one
    unit of the last digit a decimal shows) is given, less than one unit apart or within float noise."""
    if exact:
        return a == b
    diff, scale = abs(a - b), max(abs(a), abs(b))
    return diff <= Fraction(str(rel_tol)) * scale and (unit is None or diff < unit or diff <= FLOAT_NOISE * scale)


def numbers_equal(gold: Num, answer: Num, rel_tol: float = REL_TOL) -> bool:
    """Whether two simple numbers are equivalent (tolerance rule and percentages, see module docstring)."""
    def forms(n: Num) -> list[tuple[Fraction, Fraction | None]]:
        return [(n.value, n.unit)] + ([(n.value / 100, n.unit and n.unit / 100)] if n.percent else [])

    exact = gold.exact and answer.exact
    if gold.exact != answer.exact:  # a decimal against an exact value: a short decimal must equal it exactly
        decimal = answer if gold.exact else gold
        exact = decimal.unit is not None and significant_digits(decimal.value, decimal.unit) < APPROX_DIGITS
    if gold.percent and answer.percent:  # p% and q%: p == q (never 0.9% == 90%)
        return close(gold.value, answer.value, exact, rel_tol, max((u for u in (gold.unit, answer.unit)
                                                                     if u is not None), default=None))
    return any(close(g, a, exact, rel_tol, max((u for u in (gu, au) if u is not None), default=None))
               for g, gu in forms(gold) for a, au in forms(answer))
