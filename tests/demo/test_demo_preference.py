"""The demo's reward model (`rl.demo.preference`): its preference pairs prefer the gold answer over a worse one of
each kind, and a RewardTrainer run on them yields a model that ranks fresh pairs through the pipeline's scorer."""

from __future__ import annotations

import json
import re

import pytest

from rewards.rules import check
from rewards.shaping import RepetitionPenalty
from rl.demo.data import draw_items
from rl.demo.preference import REJECTIONS, preference_pairs


_ITEMS = draw_items("general", 11, 40)  # the items preference_pairs(11, 40) is built from, in order


def _passes(item, answer: str) -> bool:
    return all(check(answer, json.loads(item.row["constraints"]), item.row["prompt"][-1]["content"]))


def test_pairs_cycle_through_the_kinds_and_prefer_gold():
    pairs = preference_pairs(11, 40)
    assert len(pairs) == 40
    gold = {it.completion.split("</think>")[-1].strip() for it in _ITEMS}
    repetition = RepetitionPenalty(ngram_size=3)
    for i, (item, pair) in enumerate(zip(_ITEMS, pairs)):
        kind = REJECTIONS[i % len(REJECTIONS)]
        chosen, rejected = pair["chosen"][0]["content"], pair["rejected"][0]["content"]
        assert chosen in gold and "</think>" not in chosen + rejected and rejected != chosen
        assert item.row["prompt"][-1]["content"] in pair["prompt"][-1]["content"] and _passes(item, chosen)
        if kind == "flawed":
            assert not _passes(item, rejected)
        elif kind == "off_topic":
            assert rejected in gold
        elif kind == "loop":
            assert repetition.score(rejected, None) < 0 == repetition.score(chosen, None)
        else:
            assert re.search(r"(.)\1{5}", rejected) and len(rejected.split()) <= len(chosen.split())


def test_pairs_are_deterministic_and_skip_excluded_prompts():
    assert preference_pairs(11, 12) == preference_pairs(11, 12)
    excluded = {it.key for it in _ITEMS[:5]}
    prompts = [p["prompt"][-1]["content"] for p in preference_pairs(11, 12, excluded)]
    assert not any(it.row["prompt"][-1]["content"] in p for it in _ITEMS[:5] for p in prompts)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_trained_reward_model_ranks_fresh_pairs(tmp_path):
    from rewards.model.scorer import RewardModelScorer
    from rl.demo.coldstart import ColdStartConfig, tokenizer_corpus
    from rl.demo.preference import train_reward_model
    from rl.smoke.tiny import build_tokenizer

    tokenizer = build_tokenizer(tmp_path / "tok", corpus=tokenizer_corpus(ColdStartConfig().sft_seed, per_task=200))
    record = train_reward_model(tmp_path / "rm", tokenizer, preference_pairs(3, 800), steps=100)
    assert record["accuracy"] > 0.7
    scorer = RewardModelScorer(str(tmp_path / "rm"), max_length=256, batch_size=64, dtype="float32", device="cpu")
    fresh = preference_pairs(5, 200)
    prompts = [p["prompt"] for p in fresh]
    chosen = scorer.score(prompts, [p["chosen"][0]["content"] for p in fresh])
    rejected = scorer.score(prompts, [p["rejected"][0]["content"] for p in fresh])
    wins = {kind: [] for kind in REJECTIONS}
    for i, (c, r) in enumerate(zip(chosen, rejected)):
        wins[REJECTIONS[i % len(REJECTIONS)]].append(c > r)
    rate = {kind: sum(w) / len(w) for kind, w in wins.items()}
    assert rate["loop"] > 0.9 and rate["stutter"] > 0.9, rate
    assert sum(sum(w) for w in wins.values()) / len(fresh) > 0.75, rate
