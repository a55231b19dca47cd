"""Answer-marker and rejection vocabulary for prose in languages other than English (pure data and regexes).

The word for "answer" follows lighteval's per-language translation literals
(`lighteval/tasks/templates/utils/translation_literals.py`, field `answer`), with the copula that follows it
("la réponse est 5", "die Antwort ist 5", "الإجابة هي 5", "答案是 5"); a colon after the word marks an answer in
every language listed. Each language also lists its negations ("n'est pas", "nicht", "ليس", "नहीं", "不") and its
hedges and conditions ("ou", "vielleicht", "أو", "शायद", "si"), so that a negated or hedged answer in that
language is rejected exactly as an English one is. A few negations of other Latin-script languages are listed
too: prose in a Latin script is read with the English rules, and its negations must never pass as a statement.

Prose in a script with no vocabulary here (Thai, Korean, ...) is never read as an answer (`UNKNOWN_SCRIPT`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Vocabulary:
    """One language's words: `answer` (lighteval's literal and its common forms), `copula` (the "is" that may
    follow it), `negations` and `hedges` (alternatives, doubt, conditions)."""

    answer: tuple[str, ...]
    copula: tuple[str, ...]
    negations: tuple[str, ...]
    hedges: tuple[str, ...]


LANGUAGES: dict[str, Vocabulary] = {
    "french": Vocabulary(("réponse", "reponse"), ("est",),
                         ("ne", "n'", "n’", "pas", "non(?!-)", "jamais", "aucun", "aucune", "ni", "faux", "fausse",
                          "incorrecte"),
                         ("ou", "peut-être", "peut-etre", "probablement", "possiblement", "si", "supposons",
                          "environ")),
    "german": Vocabulary(("antwort",), ("ist", "lautet"),
                         ("nicht", "kein", "keine", "keinen", "keiner", "nie", "niemals", "falsch"),
                         ("oder", "vielleicht", "wahrscheinlich", "möglicherweise", "wenn", "angenommen",
                          "ungefähr")),
    "spanish": Vocabulary(("respuesta",), ("es",),
                          ("no", "nunca", "ni", "tampoco", "ningún", "ninguno", "ninguna", "falso", "falsa",
                           "incorrecto", "incorrecta"),
                          ("o", "quizás", "quizá", "tal vez", "probablemente", "posiblemente", "si", "supongamos",
                           "aproximadamente")),
    "portuguese": Vocabulary(("resposta",), ("é",),
                             ("não", "nunca", "nem", "nenhum", "nenhuma", "errado", "errada", "falso", "falsa"),
                             ("ou", "talvez", "provavelmente", "possivelmente", "se", "suponha",
                              "aproximadamente")),
    "italian": Vocabulary(("risposta",), ("è",),
                          ("non(?!-)", "mai", "né", "nessun", "nessuno", "nessuna", "sbagliato", "sbagliata", "errato",
                           "errata"),
                          ("o", "oppure", "forse", "probabilmente", "possibilmente", "se", "supponiamo",
                           "circa")),
    "russian": Vocabulary(("ответ",), ("равен", "—"),
                          ("не", "нет", "ни", "никогда", "неверно", "неправильно", "неверный"),
                          ("или", "либо", "может", "возможно", "наверное", "вероятно", "если", "примерно")),
    "arabic": Vocabulary(("إجابة", "الإجابة", "الجواب", "جواب"), ("هي", "هو"),
                         ("لا", "ليس", "ليست", "ليسا", "لم", "لن", "غير", "خطأ", "خاطئ", "خاطئة"),
                         ("أو", "ربما", "قد", "لعل", "يحتمل", "إذا", "إن", "لو", "تقريبا", "تقريباً")),
    "hindi": Vocabulary(("उत्तर", "जवाब"), (),
                        ("नहीं", "न", "ना", "मत", "गलत", "ग़लत"),
                        ("या", "शायद", "संभवतः", "संभवत", "अगर", "यदि", "लगभग")),
    "chinese": Vocabulary(("答案", "最终答案", "回答", "答え"), ("是", "为", "為", "は"),
                          (), ()),  # CJK negations and hedges are characters, not words: `CJK_REFUSAL`
    # Latin-script negations of languages without a marker here: they must not read as English statements
    "other_latin": Vocabulary((), (),
                              ("niet", "geen", "nooit", "nie", "není", "değil", "yok", "tidak", "bukan", "không",
                               "chẳng", "ikke", "inte", "ej", "aldrig", "hapana"),
                              ("misschien", "atau", "mungkin", "veya", "belki", "hoặc", "có lẽ", "kanske")),
}

# what may touch a word: letters, digits and the combining marks of Arabic and Devanagari (`\b` misses those)
_WORD_CHAR = r"[\w\u0610-\u061a\u064b-\u065f\u0670\u0900-\u0903\u093a-\u094f\u0951-\u0957\u0962\u0963]"
_ARABIC_CLITIC = r"(?:[وف](?=[\u0600-\u06ff]))?"  # "وليس" is "and not"


def _words(words: list[str]) -> str:
    """One alternation of `words`, each standing alone (not inside a longer word)."""
    # a word of up to three letters is matched in lower case only ("o", "si", "mai"; never "O", "SI", "Mai")
    body = "|".join(w if len(w) > 3 else f"(?-i:{w})" for w in sorted(words, key=len, reverse=True))
    return rf"(?<!{_WORD_CHAR}){_ARABIC_CLITIC}(?:{body})(?!{_WORD_CHAR})"


def _all(field: str) -> list[str]:
    return [w for v in LANGUAGES.values() for w in getattr(v, field)]


# negations and hedges of every language above, for the rejection rules of `rewards.math.prose`
FOREIGN_NEGATION = _words(_all("negations"))
FOREIGN_HEDGE = _words(_all("hedges"))
# negations, and alternatives, questions and hedges, written in Chinese or Japanese characters (no word boundaries)
CJK_NEGATION = r"[不没沒非否错錯无無]"
CJK_HEDGE = r"[或吗嗎呢？]|可能|如果|假设|假設|也许|也許"
# a final-answer marker in another language: the answer word, then its copula or a colon ("réponse est",
# "Antwort:", "الإجابة هي", "उत्तर:", "答案是")
# (a CJK answer word needs no boundary before it, and a copula may touch what follows it: "所以答案是5", "答案是A")
_CJK_ANSWER = "|".join(LANGUAGES["chinese"].answer)
_ANSWER_WORDS = "|".join(w for w in _all("answer") if w not in LANGUAGES["chinese"].answer)
_CJK_COPULA = "|".join(LANGUAGES["chinese"].copula)
_COPULA = "|".join(w for w in _all("copula") if w not in LANGUAGES["chinese"].copula)
FOREIGN_MARKER = (rf"(?:(?<!{_WORD_CHAR})(?:{_ANSWER_WORDS})(?:\s+finale?)?|{_CJK_ANSWER})[*_]*\s*"
                  rf"(?:(?:{_COPULA})(?![^\W\d_])|{_CJK_COPULA}|[:：=])")
# a letter of a script with no vocabulary here: Latin, Greek, Cyrillic, Arabic, Devanagari and CJK are known
UNKNOWN_SCRIPT = re.compile(r"[^\W\d_\u0000-\u024f\u0370-\u03ff\u0400-\u04ff\u0600-\u06ff\u0900-\u097f"
                            r"\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]")
