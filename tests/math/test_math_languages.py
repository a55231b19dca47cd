"""Multiple-choice answers stated with their reasons, and marked answers in other languages (issue 8): the stated
letter or value is read, and a negated, hedged or doubted one never is."""

import pytest

from rewards.math import verify_batch
from rewards.math.choices import leading_choice, marked_choice
from rewards.math.extract import extract_answer

T = "reasoning...\n</think>\n\n"
SLOW_OK = 20.0


def reasons(pairs: list[tuple[str, str]]) -> list[str]:
    return [v.reason for v in verify_batch(pairs, timeout_s=SLOW_OK)]


# a leading option letter whose explanation only discards the other letters (lighteval / GPQA / MMLU styles)
CHOICE_RIGHT = [
    ("D", "D. it can't be A or B"),
    ("D", "The answer is for sure D, it can't be A or B"),
    ("D", "The answer: D, it doesn't make sense for it to be A or B"),
    ("C", "Answer: (C) because B fails"),
    ("B", "The answer is B, since A and C are wrong"),
    ("B", "**B**. Not A, C, or D."),
    ("D", "D. A, B and C are wrong"),
    ("C", "(C) A and B contradict the data, and D is ruled out by the second condition."),
    ("A", "A. The other options are wrong: B is excluded, C fails and D makes no sense."),
    ("C", "réponse est C non A"),
    ("B", "B。不是 A"),
    ("B", "B不是 A"),
    ("C", "La réponse est C, pas A ni B."),
    ("B", "Die Antwort ist B, nicht A."),
    ("A", "答案是A"), ("A", "الإجابة هي A"),
]

CHOICE_WRONG = [
    ("A", "The answer is A or B", "hedged"),
    ("A", "The answer is either A or C", "hedged"),
    ("A", "The answer is A, B", "hedged"),
    ("D", "The answer is not D", "no_answer"),
    ("D", "The answer is D. Not D though, it's A.", "no_answer"),
    ("D", "D. A is also right.", "no_answer"),
    ("A", "The answer is A. B is also correct.", "no_answer"),  # another letter named after the answer: a hedge
    ("A", "Answer: A, B and C are wrong.", "no_answer"),  # the letter is one of the discarded list
    ("A", "Answer: (A), B and C are wrong.", "no_answer"),
    ("D", "The answer is D, although A is not wrong", "no_answer"),  # a concession is no discard
    ("D", "D, but B works too", "no_answer"),
    ("D", "D. Maybe B.", "no_answer"),
    ("D", "The answer is D, or maybe A", "no_answer"),
    ("D", "D. I think it's not A, but wait.", "no_answer"),
    ("A", "A good approach is to compare B with C.", "no_answer"),  # the article "A" is no option
    ("A", "It can't be B or C, so it is not A either.", "no_answer"),  # A only as a discarded alternative
    ("A", "B. it can't be A", "mismatch"),  # A only inside the discarded alternative
    ("C", "réponse est A non C", "mismatch"),
    ("B", "A。不是 B", "mismatch"),
    ("A", "La réponse est A ou B", "no_answer"), ("A", "答案是A或B", "no_answer"),
]


@pytest.mark.parametrize("gold, response", CHOICE_RIGHT)
def test_leading_choice_with_reasons_is_the_answer(gold, response):
    assert reasons([(gold, T + response)]) == ["equal"]


def test_hedged_negated_or_doubted_choices_are_rejected():
    got = reasons([(g, T + r) for g, r, _ in CHOICE_WRONG])
    assert got == [want for _, _, want in CHOICE_WRONG]


def test_choice_reader_contract():
    assert marked_choice(" for sure D, it can't be A or B") == "D"
    assert marked_choice(" A or B") is None          # no single letter: the other rules read the hedge
    assert marked_choice(" D. Not D, though") == ""  # the stated letter negated: no answer
    assert marked_choice(" 42") is None
    assert leading_choice("A good approach") is None  # a response must open with `A.`, `(A)`, `**A**`, `A:` ...
    assert leading_choice("(B) since A fails") == "B"
    assert leading_choice("C. " + "It is not A. " * 200) is None  # an explanation has a bounded length


# marked answers in other languages (lighteval's answer literals): read when stated, rejected when negated/hedged
MARKED_RIGHT = [
    ("5", "La réponse est 5."), ("42", "Réponse : 42"), ("3", "la réponse finale est $3$"),
    ("7", "Die Antwort ist 7."), ("7", "Antwort: 7"), ("12", "La respuesta es 12."), ("3", "A resposta é 3."),
    ("4", "La risposta è 4."), ("5", "Ответ: 5"), ("92", "الإجابة هي 92"), ("92", "الإجابة: 92"),
    ("67", "उत्तर: 67"), ("5", "所以答案是 5。"), ("5", "答案是5"), ("5", "最终答案：5"),
    ("105", "réponse est (35 + 70 = 105)."),
]

MARKED_WRONG = [
    ("5", "La réponse n'est pas 5."), ("5", "Ce n'est pas 5."), ("5", "Réponse : pas 5"),
    ("5", "Il y a peut-être 5 pommes."), ("7", "Die Antwort ist nicht 7."), ("7", "Antwort: nicht 7"),
    ("7", "Antwort: 7 oder 8"), ("7", "Es sind vielleicht 7."), ("12", "La respuesta no es 12."),
    ("3", "A resposta não é 3."), ("4", "La risposta non è 4."), ("5", "Ответ: не 5"),
    ("92", "الإجابة ليست 92"), ("92", "Answer: ليس 92"), ("92", "الإجابة هي ربما 92"),
    ("67", "उत्तर: 67 नहीं"), ("67", "Answer: शायद 67"), ("5", "答案：不是 5"), ("5", "Answer: 不是 5"),
    ("5", "Answer: ไม่ใช่ 5"),  # a script without a vocabulary here: never read
    ("12", "La respuesta es 12 o 13"), ("13", "Réponse : 12 ou 13"),
]


@pytest.mark.parametrize("gold, response", MARKED_RIGHT)
def test_marked_answer_in_another_language_is_read(gold, response):
    assert reasons([(gold, T + response)]) == ["equal"]


def test_negated_or_hedged_marked_answers_in_other_languages_are_rejected():
    verdicts = verify_batch([(g, T + r) for g, r in MARKED_WRONG], timeout_s=SLOW_OK)
    assert [(r, v.correct) for (_, r), v in zip(MARKED_WRONG, verdicts) if v.correct] == []


def test_a_correction_right_after_a_marked_answer_voids_it():
    pairs = [("12", T + "The answer is 12. Not 12 though, it is 13."), ("12", T + "The answer is 12. Actually 13."),
             ("12", T + "The answer is 12. It is even.")]
    assert reasons(pairs) == ["no_answer", "no_answer", "equal"]


def test_letters_that_are_variables_or_headings_are_no_choice():
    assert extract_answer(T + "The answer is B = 5").answer == "B = 5"  # a variable, not option B
    assert leading_choice("I. Introduction. Here we go.") is None  # a heading numeral
    assert leading_choice("A. First compute 2+3. The value is 5.") is None  # numbers: a worked solution
    assert reasons([("5", T + "A. First compute 2+3. The value is 5.")]) == ["equal"]


def test_english_words_that_look_foreign_still_read():
    assert extract_answer(T + "The smallest non-negative value is 0.").answer is not None
    assert extract_answer(T + "Answer: $\\pi/2$").answer == "\\pi/2"
    assert extract_answer(T + "The distance from O is 5.").answer is not None  # "o" is Spanish "or" in lower case
    assert extract_answer(T + "In SI units the mass is 5 kg.").answer is not None
