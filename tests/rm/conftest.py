"""Shared fixtures: a tiny local reward model (no hub access) built once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def tiny_rm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Path of a tiny Qwen2ForSequenceClassification with the project's tiny tokenizer and chat template."""
    from rl.smoke.tiny import build_reward_model, build_tokenizer

    root = tmp_path_factory.mktemp("tiny_rm")
    tokenizer = build_tokenizer(root / "tokenizer")
    build_reward_model(root / "rm", tokenizer)
    return root / "rm"
