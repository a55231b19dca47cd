"""Text segmentation for the IFEval checkers, without nltk or its data files.

IFEval counts words with nltk's `RegexpTokenizer(r"\\w+")` (reproduced exactly), sentences with nltk's pretrained
English Punkt model, and capital words with `nltk.word_tokenize` (Treebank rules). Punkt's pretrained
parameters are a download, so `split_sentences` re-implements Punkt's decision procedure (its word tokenizer,
its first pass on sentence-end punctuation, abbreviations and ellipses, its second pass on initials, numbers
and abbreviations followed by a likely sentence starter, and its boundary realignment of closing quotes and
brackets) with hand-written parameters in place of the learned ones:

- abbreviations: `ABBREVIATIONS` below (titles, months, states, e.g./i.e./etc./vs. ...) instead of the ~150
  types learned from the WSJ corpus;
- orthographic context: only `COMMON_WORDS` are known to occur in lower case, so a capitalised common word
  after an abbreviation or ellipsis starts a sentence, while an unknown capitalised word after an initial does
  not; no collocations.

So the sentence counts agree with nltk on ordinary prose, list items ("1. Item" counts "1." as a sentence, as
in nltk), questions and exclamations; they can differ after rare abbreviations nltk learned and this list lacks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_MULTI_CHAR = r"(?:-{2,}|\.{2,}|(?:\.\s){2,}\.)"
_NON_WORD = r"""(?:[)";}\]*:@'({\[!?])"""
_WORD_START = r"""[^("`{\[:;&#*@)}\]\-,]"""
_TOKEN = re.compile(
    rf"{_MULTI_CHAR}"
    rf"|(?={_WORD_START})\S+?(?=\s|$|{_NON_WORD}|{_MULTI_CHAR}|,(?=$|\s|{_NON_WORD}|{_MULTI_CHAR}))"
    r"|\S"
)
_NON_WORD_CHAR = set(""")";}]*:@'({[!?""")
_NUMERIC = re.compile(r"^-?[.,]?\d[\d,.-]*\.?$")
_INITIAL = re.compile(r"[^\W\d]\.$")
_ELLIPSIS = re.compile(r"\.\.+$")
_REALIGN = re.compile(r"""["')\]}]+?(?:\s+|(?=--)|$)""")
_SENT_END = {".", "?", "!"}
_LAST_END_IN_RUN = re.compile(r"\S+")

ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sr jr st mt ft rev gen col lt sgt capt cmdr adm gov sen rep pres supt messrs mme
    inc ltd co corp bros llc dept univ assn assoc est
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thurs fri sat sun
    ala ariz ark calif colo conn del fla ga ill ind kan ky la md mass mich minn miss mo mont neb nev okla ore pa
    tenn tex va vt wash wis wyo
    e.g i.e etc vs v cf al approx no nos vol vols fig figs p pp ch sec op ed eds ca esp
    a.m p.m u.s u.s.a u.k u.n n.y d.c l.a ph.d b.a m.a m.d b.s""".split()
)

COMMON_WORDS = frozenset(
    """a an the this that these those there here it its i we you he she they my our your his her their
    but and or so yet if when while then thus however therefore also in on at for from to with by as of
    after before since because although though what which who how why where let please note first second
    finally overall one some many most all each every no not do does did is are was were be can will
    would should could may might""".split()
)


@dataclass
class _Token:
    tok: str
    end: int  # index just past the token in the text
    next_start: int  # index of the next token (len(text) when last)
    sentbreak: bool = False
    abbr: bool = False
    ellipsis: bool = False

    @property
    def type(self) -> str:
        return _NUMERIC.sub("##number##", self.tok.lower())

    @property
    def type_no_period(self) -> str:
        t = self.type
        return t[:-1] if len(t) > 1 and t[-1] == "." else t

    @property
    def first_upper(self) -> bool:
        return self.tok[0].isupper()

    @property
    def first_lower(self) -> bool:
        return self.tok[0].islower()


def _ortho_says_starter(tok: _Token) -> bool | None:
    """Punkt's orthographic heuristic with the approximated context: True / False / None (unknown)."""
    if tok.tok in ";:,.!?":
        return False
    if tok.first_upper and tok.type_no_period in COMMON_WORDS:
        return True
    if tok.first_lower:
        return False
    return None


def _annotate(text: str) -> list[_Token]:
    matches = list(_TOKEN.finditer(text))
    toks = [
        _Token(m.group(), m.end(), matches[i + 1].start() if i + 1 < len(matches) else len(text))
        for i, m in enumerate(matches)
    ]
    for t in toks:  # first pass
        if t.tok in _SENT_END:
            t.sentbreak = True
        elif _ELLIPSIS.match(t.tok):
            t.ellipsis = True
        elif t.tok.endswith(".") and not t.tok.endswith(".."):
            stem = t.tok[:-1].lower()
            if stem in ABBREVIATIONS or stem.split("-")[-1] in ABBREVIATIONS:
                t.abbr = True
            else:
                t.sentbreak = True
    for t1, t2 in zip(toks, toks[1:]):  # second pass
        if not t1.tok.endswith("."):
            continue
        initial = bool(_INITIAL.match(t1.tok))
        if (t1.abbr or t1.ellipsis) and not initial:
            if _ortho_says_starter(t2):
                t1.sentbreak = True
            continue
        if initial or t1.type_no_period == "##number##":
            starter = _ortho_says_starter(t2)
            if starter is False or (
                starter is None and initial and t2.first_upper and t2.type_no_period not in COMMON_WORDS
            ):
                t1.sentbreak, t1.abbr = False, True
    return toks


def split_sentences(text: str) -> list[str]:
    """Sentences as Punkt (English) splits them, approximated as described in the module docstring."""
    toks = _annotate(text)
    bounds: list[tuple[int, int]] = []
    start = 0
    runs = iter(_LAST_END_IN_RUN.finditer(text))
    run_end, last_end = -1, -1
    for t in toks[:-1]:
        while run_end < t.end:  # the whitespace-free run holding this token, and its last end mark
            run = next(runs)
            run_end, last_end = run.end(), run.start() + max(map(run.group().rfind, _SENT_END))
        # Punkt only breaks where the end punctuation is followed by whitespace or a non-word character, and
        # merges adjacent candidates ("?!", "!!!"): only the last end mark before whitespace can break.
        follow = text[t.end] if t.end < len(text) else ""
        if t.sentbreak and (follow.isspace() or follow in _NON_WORD_CHAR) and last_end < t.end:
            bounds.append((start, t.end))
            start = t.end if not follow.isspace() else t.next_start
    bounds.append((start, len(text.rstrip())))
    sentences: list[str] = []
    realign = 0
    for i, (s, e) in enumerate(bounds):
        s += realign
        realign = 0
        if i + 1 < len(bounds):
            m = _REALIGN.match(text, bounds[i + 1][0], bounds[i + 1][1])
            if m:
                e = bounds[i + 1][0] + len(m.group().rstrip())
                realign = m.end() - bounds[i + 1][0]
        if text[s:e]:
            sentences.append(text[s:e])
    return sentences


def count_sentences(text: str) -> int:
    return len(split_sentences(text))


_WORD = re.compile(r"\w+")


def count_words(text: str) -> int:
    """IFEval's word count: runs of `\\w` characters (so "don't" is 2 words and "3.5" is 2)."""
    return len(_WORD.findall(text))


# Treebank-style word tokenisation, as far as it changes which tokens are all-caps: punctuation that nltk pads
# into separate tokens, and contractions it splits ("DON'T" -> "DO", "N'T"; "CANNOT" -> "CAN", "NOT").
_TREEBANK_SUBS = [
    (re.compile(r"""([;@#$%&?!\[\](){}<>"]|--|\.\.\.)"""), r" \1 "),
    (re.compile(r"([:,])([^\d])"), r" \1 \2"),
    (re.compile(r"([:,])$"), r" \1 "),
    (re.compile(r"([^'])' "), r"\1 ' "),
    (re.compile(r"^'"), r" ' "),
    (re.compile(r"(?i)([^' ])('s|'m|'d|') "), r"\1 \2 "),
    (re.compile(r"(?i)([^' ])('ll|'re|'ve|n't) "), r"\1 \2 "),
    (re.compile(r"(?i)\b(can)(not)\b"), r"\1 \2"),
    (re.compile(r"(?i)\b(d)('ye)\b"), r"\1 \2"),
    (re.compile(r"(?i)\b(gim|lem)(me)\b"), r"\1 \2"),
    (re.compile(r"(?i)\b(gon|wan)(na)\b"), r"\1 \2"),
    (re.compile(r"(?i)\b(got)(ta)\b"), r"\1 \2"),
    (re.compile(r"(?i)\b(more)('n)\b"), r"\1 \2"),
]


def word_tokens(text: str) -> list[str]:
    """Word tokens approximating `nltk.word_tokenize` (Treebank) closely enough to count all-caps words."""
    text = " " + text + " "
    for pattern, repl in _TREEBANK_SUBS:
        text = pattern.sub(repl, text)
    return text.split()
