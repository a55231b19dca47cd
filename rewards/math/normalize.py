"""String-level canonicalisation of final answers, safe to run in the trainer process.

Everything here is plain string work with linear-time regexes (no sympy), so the parent process can use it for
fast paths without risk of hanging. Conventions (documented in the README):

- wrappers are dropped: `$..$`, `\\(..\\)`, a whole-answer `\\boxed{}`, `\\left`/`\\right`, `\\displaystyle`,
  `\\text{}`-style commands (their content is kept), trailing `.`;
- `\\dfrac`/`\\tfrac` become `\\frac`; `^\\circ`/`°` and a trailing unit word after a number are removed;
- thousands separators are removed: `1,000`, `1{,}000`, `1\\,000`, `11,\\! 111,\\! 100` (a comma group counts as a
  separator only when every group after the first has exactly three digits, the first does not start with 0, and
  the number is not an interval end point such as `(12,102)`);
- inline `$` left inside an answer (`$21,16$ or $11$`) is dropped; `\\varnothing`, `\\{\\}`, `∅` become `\\emptyset`;
  `\\sqrt{-1}` becomes `i`; plain-text `sqrt(x)` and `**` become `\\sqrt{x}` and `^`;
- a recognised unit after the value is dropped: `60\\,\\mathrm{km/h}`, `36\\pi\\text{ cm}^3`; after a bare number, up to
  three words that make no statement and do not scale the value (`5 apples`, but not `5 is wrong`, `5 thousand`,
  `5 squared` or `5 tenths`).
  Only units from `UNITS` are dropped after an expression, so `3k` keeps its variable.
"""

from __future__ import annotations

import re

_MATH_WRAPPERS = (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]"), ('"', '"'), ("“", "”"), ("'", "'"))
_TEXT_NAMES = r"(?:text|textbf|textit|textrm|textnormal|textsf|textup|mathrm|mathbf|mathit|mathsf|mbox|emph)"
_TEXT_CMDS = re.compile(rf"\\{_TEXT_NAMES}\s*\{{([^{{}}]*)\}}")
_LEFT_RIGHT = re.compile(r"\\(?:left|right|bigl|bigr|Bigl|Bigr|big|Big)(?=[\\()\[\]|.{}])\.?")
_DEGREES = re.compile(r"\^\s*\{\s*\\circ\s*\}|\^\s*\\circ|°|\\degree|\^\s*\{\s*\\text\{o\}\s*\}")
# inside a trigonometric function a degree mark changes the value: `\\cos 20^\\circ` is cos(20π/180), not cos 20
_TRIG = re.compile(r"\\(?:sin|cos|tan|cot|sec|csc)(?![A-Za-z])")
_DEGREE_NUMBER = re.compile(rf"(\d+(?:\.\d+)?)\s*(?:{_DEGREES.pattern})")
_SPACES = re.compile(r"(?<!\\)\\[,;:! ]|\\q?quad|~")
_THIN_THOUSANDS = re.compile(r"(?<=\d)(?:\\,|\\ |\{,\}|\\!|\\;|,\\!\s*)(?=\d{3}(?!\d))")
_PERCENT_WORD = re.compile(r"\s*(?:\\text\s*\{\s*)?(?:percent(?:age)?|pct)\s*\}?\s*$")
_COMMA_THOUSANDS = re.compile(r"(?<![\d.,(\[])[1-9]\d{0,2}(?:,\d{3})+(?![\d,)\]])")
_INLINE_DOLLAR = re.compile(r"(?<!\\)\$")
# digits grouped by spaces, every group after the first of exactly three digits: `1 000 000` (not `2 3/4`, `1 2`)
_SPACE_THOUSANDS = re.compile(r"(?<!\d )(?<![\d.,])[1-9]\d{0,2}(?: \d{3})+(?![\d/]|[.,]\d{3}| \d)")
_ONE_CHAR_GROUP = re.compile(r"([_^])\{(\w)\}")
_DIGIT_GAP = re.compile(r"(?<=\d)\s+(?=\d)")
_UNICODE_SYMBOLS = str.maketrans({"−": "-", "–": "-", "×": "\\times ", "÷": "\\div ", "·": "\\cdot ", "⋅": "\\cdot ",
                                  "≤": "\\leq ", "≥": "\\geq ", "≠": "\\neq ", "∞": "\\infty ", "π": "\\pi "})
_UNICODE_ROOT = re.compile(r"√\s*(\d+(?:\.\d+)?|[A-Za-z]|\([^()]{1,40}\)|\{[^{}]{1,40}\})")
_VULGAR_FRACTIONS = {"½": (1, 2), "⅓": (1, 3), "⅔": (2, 3), "¼": (1, 4), "¾": (3, 4), "⅕": (1, 5), "⅖": (2, 5),
                     "⅗": (3, 5), "⅘": (4, 5), "⅙": (1, 6), "⅚": (5, 6), "⅛": (1, 8), "⅜": (3, 8), "⅝": (5, 8),
                     "⅞": (7, 8)}
_VULGAR = re.compile(f"(\\d*)\\s*([{''.join(_VULGAR_FRACTIONS)}])")
_SUPERSCRIPT_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_SUPERSCRIPT = re.compile("[⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺]+")
_EMPTY_SET = re.compile(r"\\varnothing|\\emptyset|∅|\\\{\s*\\\}|^\{\s*\}$")
# units dropped after any value when written as the answer's last token: in \text/\mathrm or after whitespace
UNITS = ("mm|cm|dm|m|km|in|inch|inches|ft|feet|foot|yd|yards?|mi|miles?|mg|g|kg|grams?|kilograms?|lb|lbs|pounds?|oz"
         "|ounces?|s|sec|seconds?|min|minutes?|h|hr|hrs|hours?|days?|weeks?|months?|years?|ml|mL|l|L|liters?|litres?"
         "|gallons?|mph|kmh|km/h|m/s|cm/s|ft/s|km/hr|miles/hour|units?|square\\s+units|sq\\s+units|degrees?|rad|radians"
         "|dollars?|cents?|euros?|meters?|metres?|centimeters?|kilometers?|millimeters?|Hz|Pa")
_TEXT_UNIT = rf"\\(?:{_TEXT_NAMES}|rm)\s*\{{\s*(?:~|\\[,;: ])?\s*(?:{UNITS})\s*\}}"  # `\mathrm{~km}`
_UNIT_POWER = r"(?:\s*\^\s*\{?-?[1-3]\}?)?"
# a unit, or a compound of units (`\text{ km}/\text{h}`, `\mathrm{~m} \cdot \mathrm{s}^{-2}`, `km / h`), at the end
_UNIT_AFTER_VALUE = re.compile(
    rf"(?<=\S)(?<![-+*/^=(\[{{])(?<!(?<!\\),)(?<!\\cdot)(?<!\\times)\s*(?:{_TEXT_UNIT}|[\s~](?:{UNITS})){_UNIT_POWER}"
    rf"(?:\s*(?:/|\\cdot|\\[,;: ]|~)?\s*{_TEXT_UNIT}{_UNIT_POWER}|\s*/\s*(?:{UNITS}){_UNIT_POWER})*\s*\.?$")
MAX_UNIT_CHARS = 200  # a unit is read in the answer's last characters only (bounded regex work)
_DOLLAR = re.compile(r"\\\$|^\$(?=\d)")
_NUMBER_PREFIX = r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:\\%|%)?"
# a unit is a word of >=2 letters (or a one-letter SI unit) with an optional ^2/^3, after a number and a space
_UNIT_WORD = r"(?:[a-zA-Z]{2,}|[mgsL])(?:\s*\^\s*\{?[23]\}?)?\.?"
_UNIT_TAIL = re.compile(rf"^({_NUMBER_PREFIX})\s+{_UNIT_WORD}(?:\s+{_UNIT_WORD}){{0,2}}$")
# words that make a tail after a number a statement ("5 is wrong"), not a unit or a counted noun ("5 apples")
_SCALE_WORDS = ("hundred thousand million billion trillion dozen score kilo mega giga lakh crore k squared cubed "
                "factorial half halves third thirds quarter quarters fourth fourths fifth fifths sixth sixths seventh "
                "sevenths eighth eighths ninth ninths tenth tenths hundredth hundredths thousandth thousandths "
                "millionth millionths hundreds thousands millions billions trillions dozens "
                # a constant, a function or an operation named in words: "5 pi" is 5π, never 5
                "pi tau phi theta alpha beta gamma delta lambda sigma omega inverse reciprocal sqrt log ln exp sin cos "
                "tan mod modulo choose").split()
# a number followed by a word that scales or changes it: "5 thousand", "5 \\text{ squared}", "5 tenths", "5 pi"
SCALED_NUMBER = re.compile(rf"\d\s*(?:\\(?:text|mathrm|mbox)\s*\{{\s*)?(?:{'|'.join(_SCALE_WORDS)})\b", re.IGNORECASE)
_NOT_UNIT = frozenset("is are was were be not no nor never wrong incorrect false true maybe perhaps probably possibly "
                      "or and but if then than except minus plus times less more at least most about approximately "
                      "roughly nearly almost over under".split()) | frozenset(_SCALE_WORDS)
_LETTER = re.compile(r"^\(?([A-J])\)?$|^\(([a-j])\)$")
_PLAIN_SQRT = re.compile(r"(?<![\\A-Za-z])sqrt\s*\(([^()]{1,100})\)")
_SQRT_MINUS_ONE = re.compile(r"\\sqrt\s*\{\s*-\s*1\s*\}")
_GOLD_LETTER_LEAD = re.compile(r"^([A-J])\s+(?=[A-Z][a-z])")  # a gold option "C Cecile"
_OTHER_LETTER = re.compile(r"(?<![A-Za-z\\])\(?[A-J]\)?(?![A-Za-z])")
_LETTER_LEAD = re.compile(r"^\(?([A-J])(?:\)|:|\.)\s")
_TEXT_ANSWER = re.compile(r"^[A-Za-z][A-Za-z' -]*[A-Za-z]$")
_VOWEL = re.compile(r"[aeiouyAEIOUY]")
_ALT_WORDS = re.compile(r"\s+(?:or|and)\s+|(?<=[)\]}])\s*(?:or|and)\s*(?=[(\[{\\])|\\lor|\\vee"
                        r"|\\text\{\s*(?:or|and)\s*\}|\\quad\s*(?:or|and)\b")


def strip_wrappers(s: str) -> str:
    """Remove math delimiters, quotes and a box around the whole string (repeatedly)."""
    prev = None
    while prev != s:
        prev = s
        s = s.strip()
        for open_, close in _MATH_WRAPPERS:
            if len(s) >= len(open_) + len(close) and s.startswith(open_) and s.endswith(close):
                s = s[len(open_):-len(close)]
                break
        for cmd in ("\\boxed", "\\fbox"):
            if s.startswith(cmd):
                inner = _whole_group(s[len(cmd):].lstrip())
                if inner is not None:
                    s = inner
    return s.strip()


def _whole_group(s: str) -> str | None:
    """Content of `{...}` when the braces enclose the whole of `s`, else None."""
    if not s.startswith("{"):
        return None
    depth = 0
    for i, ch in enumerate(s):
        depth += ch == "{"
        depth -= ch == "}"
        if depth == 0:
            return s[1:i] if i == len(s) - 1 else None
    return None


def _drop_unit(s: str) -> str:
    """`s` without a recognised unit (or compound of units) at its end."""
    tail = len(s) - min(len(s), MAX_UNIT_CHARS)
    m = _UNIT_AFTER_VALUE.search(s, tail)
    return s[:m.start()] if m else s


def _unicode_math(s: str) -> str:
    """Unicode math written as LaTeX: `−` `×` `÷` `·` `≤` `≥` `≠` `∞` `π`, `√2`, `½` (and `1½` as a mixed number),
    superscript digits (`x²`, `10⁶`)."""
    if s.isascii():
        return s
    s = s.translate(_UNICODE_SYMBOLS)
    s = _UNICODE_ROOT.sub(lambda m: f"\\sqrt{{{m.group(1).strip('(){}')}}}", s)
    s = _VULGAR.sub(lambda m: "{}\\frac{{{}}}{{{}}}".format(m.group(1), *_VULGAR_FRACTIONS[m.group(2)]), s)
    return _SUPERSCRIPT.sub(lambda m: "^{" + m.group(0).translate(_SUPERSCRIPT_DIGITS) + "}", s)


def normalize(s: str) -> str:
    """Canonical string form of an answer (see module docstring). Idempotent."""
    s = _unicode_math(strip_wrappers(s))
    s = _INLINE_DOLLAR.sub(" ", s)
    s = _drop_unit(s.strip())
    s = _PERCENT_WORD.sub(r"\\%", s)
    s = _THIN_THOUSANDS.sub("", s)
    s = s.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac").replace("\\displaystyle", "")
    s = s.replace("\\!", "").replace("\n", " ")
    s = _LEFT_RIGHT.sub("", s)
    if _TRIG.search(s):
        s = _DEGREE_NUMBER.sub(r"(\1\\pi/180)", s)
    s = _DEGREES.sub("", s)
    s = _THIN_THOUSANDS.sub("", s)
    s = s.replace("{,}", ",")
    s = _EMPTY_SET.sub(r"\\emptyset", s)
    s = _SQRT_MINUS_ONE.sub("i", s)
    s = _PLAIN_SQRT.sub(r"\\sqrt{\1}", s).replace("**", "^")
    prev = None
    while prev != s:  # nested \text{\textbf{..}}
        prev = s
        s = _TEXT_CMDS.sub(r" \1 ", s)
    s = _SPACES.sub(" ", s)
    s = _DOLLAR.sub("", s)
    s = _COMMA_THOUSANDS.sub(lambda m: m.group(0).replace(",", ""), s)
    s = " ".join(s.split())
    s = _SPACE_THOUSANDS.sub(lambda m: m.group(0).replace(" ", ""), s)
    s = s.rstrip(".\\").strip()
    m = _UNIT_TAIL.match(s)
    if m and not _NOT_UNIT.intersection(s[m.end(1):].lower().replace(".", " ").split()):
        s = m.group(1)
    if s.startswith("{") and _whole_group(s) is not None:
        s = _whole_group(s).strip()  # type: ignore[union-attr]
    return s


def name_key(name: str) -> str:
    """A name as compared: without spaces, or braces around a one-character index (`a_{n}` and `a_n` are alike)."""
    return _ONE_CHAR_GROUP.sub(r"\1\2", compact(name))


def compact(s: str) -> str:
    """Whitespace-free form used for literal string equality; a space between two digits is kept (`1 2` is not `12`,
    and the mixed number `2 3/4` is not `23/4`)."""
    return "\0".join("".join(part.split()) for part in _DIGIT_GAP.split(s))


def choice_letter(s: str, strict: bool) -> str | None:
    """Multiple-choice letter of a normalised answer: `C`, `(C)`, `(c)`, a capital letter leading its option's text
    (`C. x = 42`, `(C) 42`, `C: 42`; a gold (`strict`) also `C Cecile`). A bare lower-case `c` is none, as lighteval
    reads letters (it is a variable or a constant as often), and a gold `e` or `i` is a number. An answer that names
    several options (`(A) (B)`) is none."""
    m = _LETTER.match(s)
    if m:
        return next(g for g in m.groups() if g).upper()
    m = _LETTER_LEAD.match(s) or (_GOLD_LETTER_LEAD.match(s) if strict else None)
    if m and not strict and _OTHER_LETTER.search(s, m.end()):
        return None  # "(A) (B)": more than one option
    return m.group(1) if m else None


def option_value(gold: str, answer: str) -> str:
    """A gold option led by its letter (`(C) 12`, `C. x = 42`, `C Cecile`) against an answer that names no letter is
    graded by the option's own text (`12`); any other gold is returned unchanged."""
    m = _LETTER_LEAD.match(gold) or _GOLD_LETTER_LEAD.match(gold)
    if m is None or choice_letter(answer, strict=False) is not None or not gold[m.end():].strip():
        return gold
    return gold[m.end():].strip()


def text_answer(s: str) -> str | None:
    """Lower-cased words when a normalised answer is short text (e.g. `Monday`, `no solution`), else None.

    Needs at least 3 characters and a vowel, so products of variables such as `xy` or `ab` stay expressions.
    """
    if len(s) >= 3 and _TEXT_ANSWER.match(s) and _VOWEL.search(s):
        return " ".join(s.lower().replace("-", " ").split())
    return None


def split_top_level(s: str) -> list[str]:
    """Split at commas/semicolons outside brackets and at the words `or`/`and` (`\\lor`, `\\text{ or }`).

    `1, 2` -> ['1', '2']; `(1, 2)` -> ['(1, 2)']; `3 or 4` -> ['3', '4']. Used for hedging and answer lists.
    """
    s = _ALT_WORDS.sub(",", s)
    parts, depth, start, i = [], 0, 0, 0
    while i < len(s):
        ch = s[i]
        if ch == "\\" and i + 1 < len(s) and s[i + 1] in "{}":
            depth += 1 if s[i + 1] == "{" else -1
            i += 2
            continue
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch in ",;" and depth == 0:
            parts.append(s[start:i])
            start = i + 1
        i += 1
    parts.append(s[start:])
    return [p.strip() for p in parts if p.strip()]


def is_set_like(s: str) -> bool:
    """Whether a gold answer lists several values (`1, 2`, `\\{1,2\\}`, `\\pm 2`, `3 or 4`)."""
    return len(split_top_level(s)) > 1 or "\\pm" in s or "\\mp" in s or (s.startswith("\\{") and "," in s)


def bracket_kind(s: str) -> str | None:
    """`set` for `\\{..\\}`, `tuple` for a `(..)`/`[..]` with a top-level comma, else None."""
    if s.startswith("\\{") and s.endswith("\\}"):
        return "set"
    if len(s) > 2 and s[0] in "([" and s[-1] in ")]" and "," in s and len(split_top_level(s)) == 1:
        return "tuple"
    return None
