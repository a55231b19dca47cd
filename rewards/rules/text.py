"""Text segmentation for the IFEval checkers: nltk's own tokenizers, with Punkt's English parameters shipped here.

IFEval counts sentences with nltk's pretrained English Punkt model (`sent_tokenize`, i.e. `PunktTokenizer("english")`
reading nltk_data's `punkt_tab/english`), words with `RegexpTokenizer(r"\\w+")`, and all-caps words over
`nltk.word_tokenize`. nltk's data is a run-time download, so the four English `punkt_tab` files (abbreviations,
collocations, sentence starters, orthographic context) ship in `punkt_tab/english/` beside this module (nltk_data,
Apache 2.0; see `punkt_tab/README.md`). They are read with nltk's own `PunktDecoder`, exactly as nltk's
`load_punkt_params` reads them, into nltk's `PunktSentenceTokenizer`: the splits are `nltk.sent_tokenize`'s.
"""

from __future__ import annotations

import functools
import re
from importlib import resources

from nltk.tabdata import PunktDecoder
from nltk.tokenize.destructive import NLTKWordTokenizer
from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

PUNKT_DIR = resources.files("rewards.rules") / "punkt_tab" / "english"


def load_punkt_parameters() -> PunktParameters:
    """Punkt's English parameters from the shipped `punkt_tab` files (nltk's `load_punkt_params`, minus nltk's
    data-path lookup, which would refuse a directory outside nltk's data roots)."""
    params = PunktParameters()
    dec = PunktDecoder()
    with (PUNKT_DIR / "collocations.tab").open(encoding="utf-8") as f:
        params.collocations = set(dec.tab2tups(f))
    with (PUNKT_DIR / "sent_starters.txt").open(encoding="utf-8") as f:
        params.sent_starters = dec.txt2set(f)
    with (PUNKT_DIR / "abbrev_types.txt").open(encoding="utf-8") as f:
        params.abbrev_types = dec.txt2set(f)
    with (PUNKT_DIR / "ortho_context.tab").open(encoding="utf-8") as f:
        params.ortho_context = dec.tab2intdict(f)
    return params


@functools.cache
def _sentence_tokenizer() -> PunktSentenceTokenizer:
    return PunktSentenceTokenizer(load_punkt_parameters())


def split_sentences(text: str) -> list[str]:
    """Sentences as `nltk.sent_tokenize(text)` (English Punkt) splits them."""
    return _sentence_tokenizer().tokenize(text)


def count_sentences(text: str) -> int:
    """IFEval's sentence count: the number of English Punkt sentences."""
    return len(split_sentences(text))


_WORD = re.compile(r"\w+")


def count_words(text: str) -> int:
    """IFEval's word count: runs of `\\w` characters (so "don't" is 2 words and "3.5" is 2)."""
    return len(_WORD.findall(text))


_TREEBANK = NLTKWordTokenizer()


@functools.lru_cache(maxsize=8192)
def _sentence_tokens(sentence: str) -> tuple[str, ...]:
    # ~0.3 ms a call whatever the length (some 30 regex passes): memoised, since short sentences repeat
    return tuple(_TREEBANK.tokenize(sentence))


def word_tokens(text: str) -> list[str]:
    """`nltk.word_tokenize(text)`: Punkt sentences, each split by nltk's improved Treebank word tokenizer."""
    return [token for sentence in split_sentences(text) for token in _sentence_tokens(sentence)]
