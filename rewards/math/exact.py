"""Comparison of sympy values under this package's rules (worker-only: sympy work can take unbounded time).

- exact values are compared exactly, at 60 significant digits relative to their magnitude, never with an absolute
  tolerance near 0 (`1/2^60 != 1/2^61`);
- the decimal-tolerance rule applies only when a decimal was written (`numbers.REL_TOL`, and the decimal must be the
  value to the digits it shows); a decimal with fewer than `numbers.APPROX_DIGITS` significant digits must equal an
  exact value exactly;
- `install_exact_numeric_eq` makes math-verify's own number comparison (inside tuples, sets, intervals, matrices
  and differences of symbolic answers) follow these rules;
- `approximates` decides a claimed `value \\approx d`;
- what math-verify reads wrongly is no match: an equation without unknowns is a truth value, not a value
  (`is_truth_value`), an infinity equals only an infinity (`is_infinite`), and two equations are the same only up
  to a constant factor or with the same nonempty solutions (`same_equation`).
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

from rewards.math.numbers import APPROX_DIGITS, FLOAT_NOISE, REL_TOL, significant_digits

EXACT_REL_TOL = 1e-40  # exact values compared at 60 significant digits: only rounding noise is tolerated
_DECIMAL_LITERAL = re.compile(r"^[+-]?\d*\.(\d+)$|^[+-]?\d+$")


def compare_numbers(gold, answer, rel_tol: float) -> bool | None:
    """Numeric sympy values (no free symbols): exact values exactly, at 60 significant digits, never with an
    absolute tolerance (1/2^60 != 1/2^61); when a decimal was written (2.718281828 vs e), within `rel_tol` of the
    larger magnitude. Infinities and undefined values (`1/0`) match only themselves. None when either side is not
    a number."""
    from sympy import Expr, Float

    if not (isinstance(gold, Expr) and isinstance(answer, Expr)) or gold.free_symbols or answer.free_symbols:
        return None
    if not (gold.is_number and answer.is_number):
        return None
    written = [side for side in (gold, answer) if side.has(Float)]
    if len(written) == 1 and all(_short(f) for f in written[0].atoms(Float)):
        gold, answer = _as_written(gold), _as_written(answer)  # a short decimal must equal an exact value
    tol = rel_tol if answer.has(Float) or gold.has(Float) else EXACT_REL_TOL
    g, a = gold.doit().evalf(60), answer.doit().evalf(60)
    if not (g.is_number and a.is_number):
        return None
    if not (g.is_finite and a.is_finite):  # oo, -oo, zoo (1/0), nan: only identical values match
        return bool(g.is_finite is False and a.is_finite is False and g == a and g.is_comparable)
    scale, diff = max(abs(g), abs(a)), abs(g - a)
    if not diff <= tol * scale:
        return False
    units = [_digit_unit(f) for f in gold.atoms(Float) | answer.atoms(Float)]
    unit = max((u for u in units if u is not None), default=None)  # the less precise decimal
    return bool(unit is None or diff < unit or diff <= FLOAT_NOISE * scale)


def _digit_unit(f) -> float | None:
    """One unit of the last digit of a decimal as written (1234567.5 -> 0.1), from its shortest float form."""
    from decimal import Decimal

    x = float(f)
    if not math.isfinite(x) or x == 0:
        return None
    return 10.0 ** Decimal(repr(x)).as_tuple().exponent


def _short(f) -> bool:
    """Whether a decimal shows fewer than `APPROX_DIGITS` significant digits (too few to stand for a value it only
    approximates; its shortest float form is what was written)."""
    unit = _digit_unit(f)
    return unit is not None and significant_digits(Fraction(repr(float(f))), Fraction(repr(unit))) < APPROX_DIGITS


def _as_written(expr):
    """`expr` with each decimal replaced by the exact rational it shows (1.5 -> 3/2; 0.1 -> 1/10, not the binary
    float)."""
    from sympy import Float, Rational

    return expr.xreplace({f: Rational(repr(float(f))) for f in expr.atoms(Float)})


def _negligible(difference) -> bool:
    """Whether an exact numeric difference is zero up to rounding noise, relative to its own terms' magnitude."""
    from sympy import Add

    terms = [abs(t.evalf(60)) for t in Add.make_args(difference)]
    scale = max(terms) if terms else 0
    return bool(scale == 0 or abs(difference.evalf(60)) <= EXACT_REL_TOL * scale)


def install_exact_numeric_eq() -> None:
    """Make math-verify's number comparison (used inside tuples, sets, intervals, matrices and for `a - b` of
    symbolic answers) follow this module's rules instead of rounding to 6 decimals or chopping tiny differences
    to 0, so `(2^{-60}, 1) != (2^{-61}, 1)` and `x + 2^{-60} != x + 2^{-61}`. Idempotent; worker-only."""
    from math_verify import grader
    from sympy import Expr, Float, MatrixBase
    from sympy.matrices.expressions import MatrixExpr

    original = grader.sympy_numeric_eq
    if getattr(original, "exact_rules", False):
        return

    def numeric_eq(a, b, float_rounding, numeric_precision):
        if (isinstance(a, (MatrixBase, MatrixExpr)) or isinstance(b, (MatrixBase, MatrixExpr))
                or grader.get_pct_val(a) is not None or grader.get_pct_val(b) is not None):
            return original(a, b, float_rounding, numeric_precision)
        same = compare_numbers(a, b, REL_TOL)
        if same is not None:
            return same
        if isinstance(a, Expr) and isinstance(b, Expr) and not (a.has(Float) or b.has(Float)):
            difference = a - b
            if not difference.free_symbols and difference.is_number:
                return _negligible(difference)
        return original(a, b, float_rounding, numeric_precision)

    numeric_eq.exact_rules = True  # type: ignore[attr-defined]
    grader.sympy_numeric_eq = numeric_eq


def approximates(value, written: str, parsed) -> bool:
    """Whether the decimal `written` (claimed `value \\approx written`) is `value` rounded (to the nearest) or
    truncated to the digits it shows (an integer: rounded); a non-literal approximation must be within 1 %."""
    m = _DECIMAL_LITERAL.match(written.strip())
    v, w = value.doit().evalf(30), parsed.doit().evalf(30)
    if not (v.is_number and w.is_number):
        return False
    if m is None:
        return bool(abs(v - w) <= 0.01 * max(abs(v), abs(w)))
    digits = len(m.group(1)) if m.group(1) else 0
    unit = 10.0 ** -digits
    rounded = abs(v - w) <= unit / 2 * (1 + 1e-9)  # 0.577 for 0.57735 (not 0.578)
    truncated = digits > 0 and v * w >= 0 and abs(w) <= abs(v) < abs(w) + unit  # 0.66 for 2/3
    return bool(rounded or truncated)


def is_truth_value(parsed) -> bool:
    """Whether a parse is a bare truth value: an equation without unknowns (`\\lim_{n\\to\\infty} \\frac1n = 0`, `5 = 2`),
    which math-verify would find equal to any other true (or false) one."""
    from sympy.logic.boolalg import BooleanAtom

    return isinstance(parsed, BooleanAtom)


def is_infinite(parsed) -> bool:
    """Whether a parse is an infinity (`\\infty`, `-\\infty`, `\\frac10`): equal only to an infinity."""
    from sympy import Expr

    return isinstance(parsed, Expr) and parsed.is_infinite is True


def same_equation(gold, answer) -> bool:
    """For two equations that math-verify found equal, whether they are the same equation: one side minus the other
    is a nonzero constant multiple (`y = -2x + 3` and `4x + 2y = 6`), or in one unknown the same nonempty solutions
    (math-verify also finds `x^2+121=0` and `x^2+18x+86=0` equal: neither has a real solution). Anything else is
    left to math-verify."""
    from sympy import Eq, simplify, solve

    if not (isinstance(gold, Eq) and isinstance(answer, Eq)):
        return True
    g, a = gold.lhs - gold.rhs, answer.lhs - answer.rhs
    ratio = simplify(g / a)
    if not ratio.free_symbols and ratio != 0 and ratio.is_finite:
        return True
    unknowns = g.free_symbols | a.free_symbols
    if len(unknowns) != 1:
        return False
    x = unknowns.pop()
    roots_g, roots_a = solve(g, x), solve(a, x)
    return bool(roots_g) and len(roots_g) == len(roots_a) and all(
        any(simplify(r - q) == 0 for q in roots_a) for r in roots_g)
