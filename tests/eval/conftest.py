"""Fixtures for the eval tests (helpers live in evaltest_lib)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """A tiny random Qwen2 policy with the QwQ-template tokenizer (built once per session)."""
    from rl.smoke.tiny import build_policy, build_tokenizer

    out = tmp_path_factory.mktemp("tiny") / "policy"
    build_policy(out, build_tokenizer(out))
    return out
