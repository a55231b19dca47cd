"""Sentence splitting (nltk-free Punkt approximation), IFEval word counting and all-caps word tokens."""

from __future__ import annotations

import pytest

from rewards.rules.text import count_words, split_sentences, word_tokens


@pytest.mark.parametrize(
    "text, sentences",
    [
        ("Hello world. This is a test! Is it? Yes.", ["Hello world.", "This is a test!", "Is it?", "Yes."]),
        ("Mr. Smith went to Washington. He was happy.", ["Mr. Smith went to Washington.", "He was happy."]),
        ("We use e.g. apples, etc. and more.", ["We use e.g. apples, etc. and more."]),
        ("J. K. Rowling wrote it. It sold.", ["J. K. Rowling wrote it.", "It sold."]),
        ('He said "Hi." Then left.', ['He said "Hi."', "Then left."]),  # closing quote realigned
        ("(really?) Yes it is.", ["(really?)", "Yes it is."]),
        ("Really?! Yes.", ["Really?!", "Yes."]),  # adjacent end marks make one break
        ("Wait... what happened? I do not know... The end.",
         ["Wait... what happened?", "I do not know...", "The end."]),
        ("1. First item\n2. Second item", ["1.", "First item\n2.", "Second item"]),  # as nltk's punkt
        ("Pi is 3.14. Nice.", ["Pi is 3.14.", "Nice."]),
        ("Visit example.com today. Ok.", ["Visit example.com today.", "Ok."]),
        ("the value is 5. then we stop", ["the value is 5. then we stop"]),  # number + lower-case word
        ("No end punctuation", ["No end punctuation"]),
        ("", []),
        ("   \n ", []),
    ],
)
def test_split_sentences(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences


def test_count_words_is_ifeval_w_plus() -> None:
    assert count_words("don't stop-me now, 3.5x") == 7
    assert count_words("naïve café") == 2
    assert count_words("") == 0


def test_word_tokens_split_contractions_and_punctuation() -> None:
    assert word_tokens("I DON'T KNOW, CANNOT say. HELLO-WORLD (AI)") == [
        "I", "DO", "N'T", "KNOW", ",", "CAN", "NOT", "say.", "HELLO-WORLD", "(", "AI", ")"]
    assert word_tokens("It's GOING to BE ok") == ["It", "'s", "GOING", "to", "BE", "ok"]
