"""Fixtures for the dynamic-sampling tests (helpers in dslib)."""

from __future__ import annotations

from pathlib import Path

import pytest

import dslib  # noqa: F401  (registers the test-only rewards)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """A tiny random Qwen2 policy + QwQ-template tokenizer."""
    from rl.smoke.tiny import build_policy, build_tokenizer

    out = tmp_path_factory.mktemp("tiny") / "policy"
    build_policy(out, build_tokenizer(out))
    return out
