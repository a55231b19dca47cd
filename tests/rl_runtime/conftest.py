"""Fixtures for the rl runtime tests (helpers live in rlrun_testlib)."""

from __future__ import annotations

from pathlib import Path

import pytest

import rlrun_testlib  # noqa: F401  (registers the test-only reward for in-process runs)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """A tiny random Qwen2 policy + QwQ-template tokenizer (no SFT: the tests only need it to train)."""
    from rl.smoke.tiny import build_policy, build_tokenizer

    out = tmp_path_factory.mktemp("tiny") / "policy"
    build_policy(out, build_tokenizer(out))
    return out
