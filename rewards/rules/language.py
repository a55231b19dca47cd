"""Language identification with langdetect (ships its profiles; no download), seeded for determinism, and the
`language:consistency` check."""

from __future__ import annotations

import functools
import os
import threading

import langdetect
from langdetect import DetectorFactory, LangDetectException

from rewards.rules.registry import checker

DetectorFactory.seed = 0
_LOCK = threading.Lock()  # langdetect's lazy profile loading is not thread-safe


@functools.lru_cache(maxsize=1)
def supported_languages() -> frozenset[str]:
    """langdetect's language codes (ISO 639-1, plus zh-cn / zh-tw), and "zh" for either Chinese variant."""
    profiles = os.path.join(os.path.dirname(langdetect.__file__), "profiles")
    return frozenset(os.listdir(profiles)) | {"zh"}


def detect(text: str) -> str | None:
    """The most likely language code of `text`, or None when langdetect finds no features (no letters)."""
    with _LOCK:
        try:
            return langdetect.detect(text)
        except LangDetectException:
            return None


def same_language(code: str, expected: str) -> bool:
    """`code == expected`, except that "zh" matches both "zh-cn" and "zh-tw"."""
    return code == expected or (expected == "zh" and code.startswith("zh-"))


def language_code(value: object) -> str:
    """Kwarg kind: a language code langdetect can return (IFEval uses ISO 639-1 codes, e.g. "en", "fr")."""
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO 639-1 language code string, got {type(value).__name__}")
    if value not in supported_languages():
        raise ValueError(f"unsupported language code {value!r}; supported: {', '.join(sorted(supported_languages()))}")
    return value


def _family(code: str) -> str:
    return "zh" if code.startswith("zh-") else code


@checker("language:consistency", ifeval=False, needs_prompt=True)
def consistency(value: str, *, prompt: str) -> bool:
    """The answer is in the prompt's language (both identified by langdetect; Chinese variants are one language).

    Modelled on DeepSeek-R1's language-consistency reward, as a pass/fail check on the answer. Passes when either
    side has no identifiable language (only digits, symbols or code-free math): nothing is inconsistent.
    """
    want, got = detect(prompt), detect(value)
    return want is None or got is None or _family(want) == _family(got)
