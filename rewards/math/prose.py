"""Reading prose: the vocabulary that tells a statement from a hedge, a negation, a plan, a condition or a label,
and the prose fallback (`prose_answer`, rule 5 of `rewards.math.extract`): the last clause of the last sentence with
math, when it can only state one answer. Pure string work, linear time.
"""

from __future__ import annotations

import re

from rewards.math.languages import CJK_HEDGE, CJK_NEGATION, FOREIGN_HEDGE, FOREIGN_NEGATION, UNKNOWN_SCRIPT

MATH_SPAN = re.compile(r"\$\$.*?\$\$|\$[^$]*\$|\\\(.*?\\\)|\\\[.*?\\\]", re.DOTALL)
PROSE_WORD = re.compile(r"(?<![\\A-Za-z])(?!(?:or|and)\b)[A-Za-z]{2,}")
# a word in a script other than Latin or Greek (Chinese, Arabic, Cyrillic, ...): prose, never math
FOREIGN_WORD = re.compile(r"[^\W\d_A-Za-z\u00c0-\u024f\u0370-\u03ff]{2,}")
# prose in Chinese or Japanese is read like English prose, with its own negations and hedges (not, none, wrong,
# or, question particles, maybe, if, suppose), and so is prose in the other scripts of `rewards.math.languages`
# (Arabic, Devanagari, Cyrillic), with their words; prose in other scripts gives no answer: its negations are unknown
_CJK_REFUSAL = re.compile(f"{CJK_NEGATION}|{CJK_HEDGE}")
# negations and hedges in English, and in the languages of `rewards.math.languages` (a French "n'est pas" or an
# Arabic "ليس" rejects as "not" does)
NEGATION = re.compile(rf"\b(?:not|no|never|neither|nor|cannot|can't|isn't|wrong|incorrect)\b|{FOREIGN_NEGATION}"
                      rf"|{CJK_NEGATION}", re.IGNORECASE)
HEDGE = re.compile(rf"\b(?:or|either|maybe|perhaps|possibly|probably)\b|{FOREIGN_HEDGE}|{CJK_HEDGE}", re.IGNORECASE)
_PROSE_HEDGE = re.compile(r"\b(?:or|either|maybe|perhaps|possibly|probably|might|could|sure|unsure|likely"
                          rf"|unlikely)\b|[?؟]|{FOREIGN_HEDGE}", re.IGNORECASE)
# a condition on the stated value ("12 when n is even", "13 otherwise")
CONDITION = re.compile(r"\b(?:when|whenever|unless|otherwise|provided|depending)\b", re.IGNORECASE)
# a sentence that tries, tests or supposes a value rather than stating it (also refused as a bare expression)
TENTATIVE = re.compile(r"\b(?:guess(?:es|ed|ing)?|think|wait|if|whether|check(?:s|ed|ing)?|test(?:s|ed|ing)?"
                       r"|let\s+(?:me|us)|let's|consider(?:s|ed|ing)?|candidates?|verif(?:y|ies|ied|ying)|recheck"
                       r"|double[- ]check|ask(?:s|ed)?"
                       r"|suppos(?:e|es|ed|ing)|assum(?:e|es|ed|ing)|need(?:s|ed)?|tr(?:y|ies|ied|ying)"
                       r"|attempt(?:s|ed|ing)?)\b",
                       re.IGNORECASE)
# a prose clause that rejects its value: the marker negations and verbs of failure
PROSE_NEGATION = re.compile(r"\b(?:doesn't|don't|didn't|won't|aren't|wasn't|weren't|fails?|failed|invalid"
                            r"|impossible|false|contradiction|excluded|rejected)\b", re.IGNORECASE)
_PROSE_SENTENCE_END = re.compile(r"(?<!\d)\.(?!\d)|(?<=\d)\.(?=\s|$)|[!?\n。！？।؟]"
                                 r"|(?=\b(?:Therefore|Thus|Hence|So)\b)")
# clause boundaries; "it's"/"it is" starts one only after a negation and before math: "not 10, it's 12" gives "12"
_PROSE_CLAUSE = re.compile(r";|\bwhich\b|\bbut\b|(?-i:\btherefore\b)|\b(?P<restate>it's|it\s+is)\b"
                           r"|因此|所以|因而|于是|答案[:：]?"
                           # "therefore" in the other languages of `rewards.math.languages`
                           r"|(?<!\w)(?:لذا|لذلك|إذن|وبالتالي|इसलिए|अतः|поэтому|итак|следовательно|donc|daher|deshalb"
                           r"|quindi|portanto|por\s+lo\s+tanto)(?!\w)", re.IGNORECASE)
# a copula that states the value after it ("is", "est de", "هو", "是"); the value must follow it directly
_STATES = re.compile(r"(?:(?<![^\W\d_])(?:is(?:\s+equal\s+to)?|are|was|equals|becomes|amounts\s+to|comes\s+to|est|sont"
                     r"|vaut|ist|beträgt|es|son|é|è|равно|равен|равна|составляет)(?![^\W\d_])|هو|هي|يساوي|是|为|等于)"
                     r"[\s*_:]*(?:(?:de|di|of)\s+)?[\s*_]*", re.IGNORECASE)
# a note, check or aside after the answer ("(Note: 10 of them are symmetric.)", "Check: 3 + 4 = 7.")
_NOTE = re.compile(r"\s*(?:\(|(?:note|remark|check|verification|sanity\s+check|p\.?\s?s\.?)\b)", re.IGNORECASE)
_SUBJECT_WORD = re.compile(rf"{PROSE_WORD.pattern}|{FOREIGN_WORD.pattern}")
_NOT_SUBJECT = frozenset("so thus hence therefore then and now finally clearly also it this that which here we".split())
_ASSIGNED = re.compile(r"=[\s*_]*$")
_ASIDE = re.compile(r"\([^()\d\x00]{0,80}\)|（[^（）\d\x00]{0,80}）")
_RESTATE = re.compile(r"\b(?:it's|it\s+is)\b", re.IGNORECASE)
# what joins the numbers of a computation: "3 + 10 = 13", "5 \\times 3 = 15"
_CHAIN_GAP = re.compile(r"(?:\s|[-+*/×÷=^()]|\\times|\\cdot|\\div)*")
# a copula as the last link of a computation: "the result of 79 * 2 - 66 is 92", "79 * 2 - 66 هو **92**"
_COPULA_GAP = re.compile(r"[\s*_]*(?:\b(?:is(?:\s+equal\s+to)?|equals|est|ist|es|é|è|равно|равен|равна)\b|هو|هي|是|为)"
                         r"[\s*_:]*", re.IGNORECASE)
# a math item of prose: a math display, a number, or a bare LaTeX fraction or root ("each part is \\frac{2}{5}")
_PROSE_ITEM = re.compile(r"\x00+|[-+]?\\[dt]?frac\s*\{[^{}]{1,40}\}\s*\{[^{}]{1,40}\}|[-+]?\\sqrt\s*\{[^{}]{1,40}\}"
                         r"|[-+]?(?<![A-Za-z])\d(?:[\d.,/^]*\d)?%?")
# a number that labels a step, case or part ("Step 4", "Case 2"), or numbers a list item or heading: never an answer
LABEL = re.compile(r"\b(?:step|case|part|stage|phase|method|option|example|problem|question|exercise|section"
                   r"|chapter|lemma|theorem|claim|equation|figure|table|line|round|iteration|attempt|approach"
                   r"|subcase|scenario)\s*#?\s*(\d+)|^[ \t>*#-]*(\d+)[.)](?=[ \t]+\S)", re.IGNORECASE | re.MULTILINE)
# an answer part cut off mid-sentence (a dangling function word, or unbalanced braces) states no answer
_DANGLING = re.compile(r"\b(?:and|or|the|a|an|of|to|by|with|for|is|are|was|we|then|so|but|that|which|in|on|at"
                       r"|from|as|into|gives|get|equals)\s*$", re.IGNORECASE)
HEADING = re.compile(r"^[ \t]*#", re.MULTILINE)
MAX_PROSE_CHARS = 4000
MAX_LABEL_CHARS = 40  # read this much before the window too, so a label the window cuts is still a label
MAX_NAME_CHARS = 16
_LIST_WORD = re.compile(r"\b(?:and|or|nor|vs|versus)\b|[,&/+*=<>-]")


def _is_name(item: str, until_next: str) -> bool:
    """Whether a math item of a prose clause only names what the next one gives ("the pair $(x, y)$ that solves
    the system is $(7, 6)$"): a short display without digits, not listed with the next item."""
    return (item.startswith(("$", "\\(")) and len(item) <= MAX_NAME_CHARS and not re.search(r"\d", item)
            and not _LIST_WORD.search(until_next))


def _unlabel(m: re.Match) -> str:
    """A label's number blanked out, keeping the length: "Step 4" -> "Step _"."""
    g = 1 if m.group(1) else 2
    return m.group(0)[:m.start(g) - m.start()] + "_" * len(m.group(g)) + m.group(0)[m.end(g) - m.start():]


def _chain_end(gaps: list[str]) -> str | None:
    """How the gaps between a clause's math items end a computation: "=" ("3 + 10 = 13"), "copula" (an operator
    before it, then "is": "79 * 2 - 66 is 92"), or None when they form none."""
    if not gaps or not all(_CHAIN_GAP.fullmatch(g) for g in gaps[:-1]):
        return None
    if _CHAIN_GAP.fullmatch(gaps[-1]) and "=" in gaps[-1]:
        return "="
    return "copula" if _COPULA_GAP.fullmatch(gaps[-1]) and any(g.strip(" ()") for g in gaps[:-1]) else None


def _joined(clause: str, items: list[re.Match]) -> bool:
    """Whether a clause's math items form one item: separated only by spaces, or a computation whose last link is
    `=` or a copula ("3 + 10 = 13", "79 * 2 - 66 is 92")."""
    gaps = [clause[a.end():b.start()] for a, b in zip(items, items[1:])]
    return all(not g.strip() for g in gaps) or _chain_end(gaps) is not None


def arithmetic_chain(clause: str) -> str | None:
    """The computation a prose clause states, "3 + 10 = 13" in "so there are 3 + 10 = 13 birds": its math items
    joined only by arithmetic operators, the last link `=`. None when the clause is no such chain. Its links must
    all hold for the clause to state its last value."""
    masked = MATH_SPAN.sub(lambda m: "\x00" * len(m.group(0)), clause)
    items = list(_PROSE_ITEM.finditer(masked))
    gaps = [masked[a.end():b.start()] for a, b in zip(items, items[1:])]
    end = _chain_end(gaps)
    if end is None:
        return None
    if end == "copula":  # "79 * 2 - 66 is 92" states "79 * 2 - 66 = 92"
        return f"{clause[items[0].start():items[-2].end()]} = {clause[items[-1].start():items[-1].end()]}"
    return clause[items[0].start():items[-1].end()]


def _restates(sentence: str, m: re.Match) -> bool:
    """Whether "it's"/"it is" at `m` corrects a negated value before it ("not 10, it's 12"): math follows it, and
    the text since the previous "it's" holds a negation (so "it's 5, it's 6, it's 7" stays one hedged clause)."""
    since = max((p.end() for p in _RESTATE.finditer(sentence, 0, m.start())), default=0)
    return bool(_PROSE_ITEM.search(sentence, m.end()) and NEGATION.search(sentence, since, m.start()))


def _items(text: str, clause: str, offset: int) -> list[re.Match]:
    """The math items of a (masked) clause that starts at `offset` of `text`, less a short display that only names
    the next item ("the pair $(x, y)$ that solves the system is $(7, 6)$")."""
    found = list(_PROSE_ITEM.finditer(clause))
    return [m for m, after in zip(found, found[1:] + [None])
            if after is None or not _is_name(text[offset + m.start():offset + m.end()], clause[m.end():after.start()])]


def _value_after_copula(clause: str, items: list[re.Match]) -> int | None:
    """Where the value a clause states about a subject begins: its last item, right after its last copula ("the
    probability of a number above 3 is 25%", "... est de **25%**"), when no earlier item is itself stated by a copula
    or `=` ("x is 2 and y is 7", "x = 2 and the area is 7" state two values), and the subject names something: a
    word besides openers and pronouns ("the number of ways to pick 2 of 4 is 6"; not "So 3 is 5", an equation, nor
    "6, it is 7" after a restatement). None otherwise."""
    copulas = list(_STATES.finditer(clause))
    if len(items) < 2 or not copulas or copulas[-1].end() != items[-1].start():
        return None
    starts = {m.start() for m in items}
    subject = [w.group(0).lower() for w in _SUBJECT_WORD.finditer(clause, 0, copulas[-1].start())]
    if not set(subject) - _NOT_SUBJECT or any(c.end() in starts for c in copulas[:-1]) or any(
            _ASSIGNED.search(clause, max(0, m.start() - 20), m.start()) for m in items):
        return None
    return copulas[-1].end()


def prose_answer(text: str) -> str | None:
    """The last clause of the last sentence with math, when it can only state one answer (module docstring,
    rule 5); None otherwise. Linear time: only the last `MAX_PROSE_CHARS` characters are read."""
    text = LABEL.sub(_unlabel, text[-MAX_PROSE_CHARS - MAX_LABEL_CHARS:])[-MAX_PROSE_CHARS:]
    if _DANGLING.search(text):
        return None
    masked = MATH_SPAN.sub(lambda m: "\x00" * len(m.group(0)), text)
    end = len(masked)
    for cut in reversed([0] + [m.end() for m in _PROSE_SENTENCE_END.finditer(masked)]):
        sentence = masked[cut:end]
        if _PROSE_ITEM.search(sentence) and not _NOTE.match(sentence):  # a note after the answer is no answer
            break
        end = cut
    else:
        return None
    if text.count("{", cut) != text.count("}", cut):
        return None  # cut off inside math ("The area is $\\frac{1")
    clauses = [m for m in _PROSE_CLAUSE.finditer(sentence) if not m.group("restate") or _restates(sentence, m)]
    start = clauses[-1].end() if clauses else 0
    clause = sentence[start:]
    items = _items(text, clause, cut + start)
    negated = NEGATION.search(clause) or PROSE_NEGATION.search(clause)
    # an aside without math in a clause before the stated one ("3 birds (assuming none left), so 3 + 10 = 13") is
    # no hedge on it
    checked = _ASIDE.sub(" ", sentence[:start]) + clause
    joined = _joined(clause, items)
    stated_at = None if joined else _value_after_copula(clause, items)
    if stated_at is not None:  # "the probability of more than 3 is 25%" states 25%
        start += stated_at
        clause = sentence[start:]
        items, joined = _items(text, clause, cut + start), True
    offset = cut + start
    if FOREIGN_WORD.search(sentence) and (UNKNOWN_SCRIPT.search(sentence) or _CJK_REFUSAL.search(checked)):
        return None
    conditioned = items and CONDITION.search(clause, items[-1].end())
    if HEADING.match(masked, masked.rfind("\n", 0, cut + 1) + 1):
        return None  # a heading ("## Step 5: Compute the area") is not an answer
    if not items or not joined or _PROSE_HEDGE.search(checked) or TENTATIVE.search(checked) or negated or conditioned:
        return None
    gaps = [clause[a.end():b.start()] for a, b in zip(items, items[1:])]
    if _chain_end(gaps) == "copula":  # the copula as `=`, so that the computation is read and checked as one
        stated = f"{text[cut + start:offset + items[-2].end()]} = {text[offset + items[-1].start():end]}"
    else:
        stated = text[cut + start:end]
    # markdown emphasis and a dollar sign (`\\$12`) are no math
    stated = FOREIGN_WORD.sub(" ", stated).replace("**", " ").replace("__", " ").replace("\\$", " ")
    return stated.strip().rstrip(".!。।").strip() or None
