"""Fixtures for the fail-early tests (helpers live in failearly_testlib)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """A tiny random Qwen2 policy + QwQ-template tokenizer."""
    from rl.smoke.tiny import build_policy, build_tokenizer

    out = tmp_path_factory.mktemp("tiny") / "policy"
    build_policy(out, build_tokenizer(out))
    return out


@pytest.fixture
def fake_model(tmp_path) -> Path:
    """A folder that passes the config's model check (a config.json) without weights: for checks that load none."""
    folder = tmp_path / "fake_model"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    return folder
