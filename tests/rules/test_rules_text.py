"""Sentence splitting (nltk Punkt with nltk_data's English parameters), IFEval word counting, all-caps word tokens."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import nltk
import pytest

from rewards.rules.text import PUNKT_DIR, count_words, load_punkt_parameters, split_sentences, word_tokens

# Expected splits recorded from `nltk.sent_tokenize` with nltk_data's punkt_tab/english. Ordinary words that a hand
# abbreviation list tends to hold (miss, no, sun, sat, mass, e.g., etc., approx., fig., deg.) are not abbreviations
# in Punkt's English model, so a period after them ends the sentence.
RECORDED = [
    ("I will miss. Her. She did not. No. It was late.",
     ["I will miss.", "Her.", "She did not.", "No.", "It was late."]),
    ("Say no. Then leave. Miss. Havisham waited. The sun. It set.",
     ["Say no.", "Then leave.", "Miss.", "Havisham waited.", "The sun.", "It set."]),
    ("We met on Sat. The game was great. He sat. Then he stood.",
     ["We met on Sat.", "The game was great.", "He sat.", "Then he stood."]),
    ("Critical mass. Reached at last. The Mass. was held in Mass. on Sunday.",
     ["Critical mass.", "Reached at last.", "The Mass.", "was held in Mass.", "on Sunday."]),
    ("We use e.g. apples, etc. and more.", ["We use e.g.", "apples, etc.", "and more."]),
    ("Use approx. two cups. Stir well.", ["Use approx.", "two cups.", "Stir well."]),
    ("Temperatures hit 40 deg. in the shade. We stayed in.",
     ["Temperatures hit 40 deg.", "in the shade.", "We stayed in."]),
    ("Fig. 3 shows the result. Table 2 lists it.", ["Fig.", "3 shows the result.", "Table 2 lists it."]),
    # Abbreviations the model did learn, initials, and numbers.
    ("Prof. Lee and Dr. Kim arrived at 5 p.m. They left soon after.",
     ["Prof. Lee and Dr. Kim arrived at 5 p.m.", "They left soon after."]),
    ("The U.S. economy grew. The U.K. one did not.", ["The U.S. economy grew.", "The U.K. one did not."]),
    ("He was born on Jan. 5, 1990. He moved in Feb. 2000.", ["He was born on Jan. 5, 1990.", "He moved in Feb. 2000."]),
    ("J. R. R. Tolkien wrote it. A. Smith reviewed it.", ["J. R. R. Tolkien wrote it.", "A. Smith reviewed it."]),
    ("The ok. sign was shown. Everything was ok. We left.", ["The ok. sign was shown.", "Everything was ok. We left."]),
    # Punctuation runs, quotes, brackets, list numbers, layout.
    ("Hello!!! Are you there??? Yes.", ["Hello!!!", "Are you there???", "Yes."]),
    ("Wait... what? I don't know... Maybe.", ["Wait... what?", "I don't know... Maybe."]),
    ('"Stop!" he said. "Now." She stopped.', ['"Stop!"', "he said.", '"Now."', "She stopped."]),
    ("The item (see above.) was sold. Fine.", ["The item (see above.)", "was sold.", "Fine."]),
    ("1. Preheat the oven.\n2. Mix the flour.", ["1.", "Preheat the oven.", "2.", "Mix the flour."]),
    ("Dear Mrs. Brown,\n\nThank you. Best regards,\nJohn", ["Dear Mrs. Brown,\n\nThank you.", "Best regards,\nJohn"]),
    ("", []),
    ("   \n ", []),
]


@pytest.mark.parametrize("text, sentences", RECORDED)
def test_split_sentences_as_recorded_from_nltk(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences


def test_shipped_parameters_are_nltk_datas_english_punkt_tab() -> None:
    """The shipped files hold nltk_data's English model (156 abbreviations, 37 collocations, 39 sentence starters,
    20,366 orthographic-context entries), unedited: the digest is that of the model as nltk_data distributes it."""
    p = load_punkt_parameters()
    assert (len(p.abbrev_types), len(p.collocations), len(p.sent_starters), len(p.ortho_context)) == (
        156, 37, 39, 20366)
    assert not {"miss", "no", "sun", "sat", "mass", "e.g", "etc"} & p.abbrev_types
    assert {"dr", "mr", "mrs", "prof", "u.s", "p.m", "jan", "inc", "ok", ". . "} <= p.abbrev_types
    canon = json.dumps([sorted(p.abbrev_types), sorted(map(list, p.collocations)), sorted(p.sent_starters),
                        sorted(p.ortho_context.items())])
    assert hashlib.sha256(canon.encode()).hexdigest() == (
        "05d1b12e48957bd1e1d458276076802cde540d5f3c0785efbd5c522ad2703023")


PROSE = [text for text, _ in RECORDED] + [
    "It costs $3.50. That is cheap! Isn't it? Yes.",
    "See p. 12 for details. Then read ch. 4.",
    "Inc. and Ltd. firms differ. Co. is short for company.",
    "This is vs. that. Pick one.",
    "Version 2.0. is out. Get it.",
    "He said \"Hi.\" Then left. (Really?) Yes!",
    "The meeting is at 10 a.m. on Mon. We will discuss the Q3 results. Please bring your laptop.",
    "Mr. and Mrs. Smith live on Elm St. in Springfield, Ill. They have two kids.",
    "* First point. It matters.\n* Second point!\n\n- Third: see No. 5.",
    "Section 1. Introduction\nThis paper (cf. Smith et al. 2020) shows X. Section 2. Methods",
    "THE END. REALLY. I MEAN IT!",
    "i.e. this is lower case. e.g. so is this. ok.",
    "Visit www.example.com. Or email a.b@c.org. Thanks.",
    "P.S. Don't forget. P.P.S. Really.",
    "He scored 9.5/10. She scored 10. Both passed.",
]


@pytest.fixture
def nltk_with_shipped_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """nltk's own `sent_tokenize`, loading the shipped files through nltk's data path as if downloaded."""
    shutil.copytree(Path(str(PUNKT_DIR)).parent, tmp_path / "tokenizers" / "punkt_tab")
    monkeypatch.setattr(nltk.data, "path", [str(tmp_path)])
    nltk.tokenize._get_punkt_tokenizer.cache_clear()
    yield nltk
    nltk.tokenize._get_punkt_tokenizer.cache_clear()


def test_sentences_and_words_agree_with_nltk_itself(nltk_with_shipped_data) -> None:
    for text in PROSE:
        assert split_sentences(text) == nltk_with_shipped_data.sent_tokenize(text), text
        assert word_tokens(text) == nltk_with_shipped_data.word_tokenize(text), text


def test_count_words_is_ifeval_w_plus() -> None:
    assert count_words("don't stop-me now, 3.5x") == 7
    assert count_words("naïve café") == 2
    assert count_words("") == 0


def test_word_tokens_split_contractions_and_punctuation() -> None:
    assert word_tokens("I DON'T KNOW, CANNOT say. HELLO-WORLD (AI)") == [
        "I", "DO", "N'T", "KNOW", ",", "CAN", "NOT", "say", ".", "HELLO-WORLD", "(", "AI", ")"]
    assert word_tokens("It's GOING to BE ok") == ["It", "'s", "GOING", "to", "BE", "ok"]
