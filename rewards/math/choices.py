"""Multiple-choice answers stated with their reasons: "D. it can't be A or B", "The answer is B, since A and C are
wrong", "réponse est C non A", "B。不是 A" (pure string work, linear time).

A leading option letter is the answer when everything after it only explains it, as lighteval's extractive match
and simple-evals' `ANSWER_PATTERN_MULTICHOICE` read such responses (the first option letter after the answer word,
or at the very start of the response), narrowed so that no hedge passes:
- the letter (`D`, `(D)`, `**D**`) comes first, after at most a few words of certainty ("for sure", "clearly",
  "option"); at the start of a response it must be followed by a delimiter (`D.`, `(D)`, `D:`, `D,`) so that the
  article "A" never reads as an option;
- every clause after it that names another letter rejects it: a negation or a verb of failure in any language of
  `rewards.math.languages` ("can't be A or B", "A and C are wrong", "non A", "不是 A", "B fails");
- no clause names another letter without rejecting it ("D. A is also right", "D, but B works too"), none doubts
  or hedges ("maybe", "probably", "I think", "wait"), and none negates the stated letter ("D. Not D, though").
"A or B", "either A or C" and "A, B" state no single letter here; the other extraction rules read them (as a
hedge).
"""

from __future__ import annotations

import re

from rewards.math.prose import NEGATION, PROSE_NEGATION

# a few words of certainty before the letter: "for sure D", "clearly (C)", "option B"
_FILLER = r"(?i:(?:for\s+sure|definitely|clearly|certainly|obviously|surely|indeed|option|choice|letter)[\s,:]+){0,2}"
# a letter followed by a relation or an operator is a variable: "B = 5", "A + B"
_NO_MATH = r"(?![\s*_]*[=<>+\-*/^_{\\≤≥≠])"
_LETTER = r"(?:\*\*|__)?(?:\(([A-J])\)|([A-J]))(?:\*\*|__)?"
# after a marker the letter may be followed by a space ("réponse est C non A"); at the start of a response only by
# a delimiter, or by a character of another script ("B。不是 A", "B不是 A")
_MARKED = re.compile(rf"[\s*_:]*{_FILLER}{_LETTER}(?=$|[\s.,:;!)。，：；]|[^\W\d_A-Za-z\u00c0-\u024f]){_NO_MATH}")
# (a bare "I" opening a response is a heading numeral: "I. Introduction")
_LEADING = re.compile(r"[\s>#*_]*(?:\(([A-J])\)|\*\*([A-J])\*\*"
                      rf"|([A-HJ])(?=[.,:;)。，：；]|$|[^\W\d_A-Za-z\u00c0-\u024f])){_NO_MATH}")
# another option letter in the explanation: a capital standing alone ("I think", "I'm" are the pronoun)
_OTHER = re.compile(r"(?<![A-Za-z\\'’])\(?([A-J])\)?(?![A-Za-z'’])")
_PRONOUN = re.compile(r"\s+[a-z]")
# a clause boundary: a sentence end, a semicolon, a contrast, or a comma before a new clause (not before a listed
# letter: "not A, B, or C" is one clause)
_CONTRAST_WORDS = r"but|however|though|although|whereas|while|yet"
_CLAUSE = re.compile(rf"[.!?;\n。！？；]|\b(?:{_CONTRAST_WORDS})\b"
                     r"|[,，](?!\s*(?:(?:or|and|nor|ou|et|oder|und|o|y)\s+)?\(?[A-J]\)?\s*(?:[,，.;]|or\b|and\b|$))",
                     re.IGNORECASE)
# doubt, hedge or retraction anywhere in the explanation
_DOUBT = re.compile(r"\b(?:maybe|perhaps|possibly|probably|might|could|likely|unlikely|sure|unsure|guess|think"
                    r"|believe|wait|hmm+|actually|reconsider|recheck|oops|mistake|or\s+rather)\b"
                    r"|可能|也许|也許|吗|嗎|\?|？", re.IGNORECASE)
_ALTERNATIVE = re.compile(r"\b(?:or|either|ou|o|oder|или)\b|或|أو|या", re.IGNORECASE)
_DISCARD = re.compile(r"\b(?:eliminated?|ruled?\s+out|excluded?|rather\s+than|instead\s+of|contradicts?|makes?\s+no"
                      r"\s+sense)\b", re.IGNORECASE)
_DIGIT = re.compile(r"\d")
_CONTRAST = re.compile(_CONTRAST_WORDS, re.IGNORECASE)
# another letter listed right after the stated one: "A, B and C are wrong", "A or B"
_LISTED = re.compile(r"(?:(?:and|or|nor|et|ou|und|oder|y|o|e|&)\s+)?\(?[A-J]\)?(?![A-Za-z'’])")
_SENTENCE_END = re.compile(r"[.!?;。！？；]")
MAX_EXPLANATION_CHARS = 1000


def _rejects(clause: str) -> bool:
    return bool(NEGATION.search(clause) or PROSE_NEGATION.search(clause) or _DISCARD.search(clause))


def _explained(letter: str, after: str, labelled: bool) -> str | None:
    """`letter` when the text `after` it only explains it (module docstring); "" when that text doubts or negates
    it, or names another letter without rejecting it after a sentence end ("A. B is also right"); None when it
    names another letter right after it ("A or B", "A, B": the other rules read the hedge). A `labelled` letter
    (`(C)`, `**C**`) ends its statement as a sentence end does."""
    rest = after.lstrip(".,:;)。，：；*_ ")
    stated = ((labelled and not after.lstrip(" ").startswith((",", "，")))
              or bool(_SENTENCE_END.search(after, 0, len(after) - len(rest))))
    if len(rest) > MAX_EXPLANATION_CHARS or _DOUBT.search(rest):
        return ""
    if not stated and _LISTED.match(rest):
        return None  # "A, B and C are wrong": the letter is one of a list
    bounds = list(_CLAUSE.finditer(rest))
    cuts = [0] + [m.end() for m in bounds] + [len(rest)]
    contrasts = [False] + [bool(_CONTRAST.fullmatch(m.group(0))) for m in bounds]
    for a, b, contrast in zip(cuts, cuts[1:], contrasts):
        clause = rest[a:b]
        named = {m.group(1) for m in _OTHER.finditer(clause)
                 if not (m.group(0) == "I" and _PRONOUN.match(clause, m.end()))}
        if not named:
            if _ALTERNATIVE.search(clause):
                return None  # "D, or rather ..." / "A or B"
            continue
        if contrast or not _rejects(clause):
            return "" if stated or a > 0 else None  # "D, although A is not wrong": a concession
        if letter in named:
            return ""  # "D. Not D, though"
    return letter


def marked_choice(value: str) -> str | None:
    """The option letter stated first in a final-answer marker's value ("for sure D, it can't be A or B"), "" when
    its explanation doubts or negates it, None when the value states no single leading letter."""
    m = _MARKED.match(value)
    if m is None:
        return None
    letter = m.group(1) or m.group(2)
    return _explained(letter, value[m.end():], m.group(0).endswith((")", "*", "_")))


def leading_choice(text: str) -> str | None:
    """The option letter that opens a response ("D. it can't be A or B", "B。不是 A") when the rest only explains
    it, without numbers; None otherwise."""
    m = _LEADING.match(text)
    if m is None:
        return None
    letter = next(g for g in m.groups() if g)
    if _DIGIT.search(text, m.end()):
        return None  # an explanation with numbers may be a worked solution ("A. First, 2 + 3 = 5 ..."): prose reads it
    return _explained(letter, text[m.end():], m.group(0).endswith((")", "*", "_"))) or None
