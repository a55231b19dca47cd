"""Local reward-model scoring: template, thinking stripping, left truncation, batching, dtype, pickling."""

from __future__ import annotations

import pickle

import pytest
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from rewards.model.scorer import RewardModelScorer, strip_thinking

PROMPTS = [
    [{"role": "user", "content": "What is 2 + 3?"}],
    [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Write a title in lowercase."}],
    "Please reason step by step: what is 17 + 25?",
    [{"role": "user", "content": "Respond in json with field letter."}],
    [{"role": "user", "content": "List three bullet points about python code."}],
    [{"role": "user", "content": "What is 999 + 1?"}],
]
ANSWERS = ["The answer is 5.", "a short title", "We get 42, so the answer is \\boxed{42}.",
           '{"letter": "B"}', "* first\n* second\n* third point about lists and strings", "1000"]


@pytest.fixture(scope="module")
def scorer(tiny_rm):
    s = RewardModelScorer(str(tiny_rm), max_length=512, batch_size=4, dtype="float32", device="cpu")
    s.load()
    return s


def test_score_is_logit_of_chat_templated_pair(scorer, tiny_rm):
    tok = AutoTokenizer.from_pretrained(tiny_rm)
    model = AutoModelForSequenceClassification.from_pretrained(tiny_rm, dtype=torch.float32).eval()
    messages = PROMPTS[0] + [{"role": "assistant", "content": ANSWERS[0]}]
    ids = tok(tok.apply_chat_template(messages, tokenize=False), add_special_tokens=False)["input_ids"]
    with torch.inference_mode():
        expected = model(input_ids=torch.tensor([ids])).logits[0, 0].item()
    assert scorer.encode(PROMPTS[0], ANSWERS[0]) == ids
    assert scorer.score(PROMPTS[:1], ANSWERS[:1])[0] == pytest.approx(expected, abs=1e-5)


def test_deterministic_and_batched_equals_unbatched(scorer, tiny_rm):
    batched = scorer.score(PROMPTS, ANSWERS)
    assert scorer.score(PROMPTS, ANSWERS) == batched
    single = RewardModelScorer(str(tiny_rm), max_length=512, batch_size=1, dtype="float32", device="cpu")
    assert single.score(PROMPTS, ANSWERS) == pytest.approx(batched, abs=1e-4)
    assert len(set(round(s, 6) for s in batched)) == len(batched)  # different pairs, different scores
    assert scorer.score([], []) == []
    with pytest.raises(ValueError, match="2 prompts but 1 responses"):
        scorer.score(PROMPTS[:2], ANSWERS[:1])


def test_thinking_is_stripped(scorer):
    prompt = PROMPTS[0]
    with_thinking = "Let me add 2 and 3.\nThat is 5.\n</think>\n\nThe answer is 5."
    assert strip_thinking(with_thinking) == "The answer is 5."
    assert strip_thinking("<think>a</think>b</think>\nc ") == "c"
    assert scorer.encode(prompt, with_thinking) == scorer.encode(prompt, "The answer is 5.")
    tok = scorer._tokenizer
    assert "Let me add" not in tok.decode(scorer.encode(prompt, with_thinking))
    s_think, s_plain, s_other = scorer.score([prompt] * 3, [with_thinking, "The answer is 5.", "Let me add 2"])
    assert s_think == pytest.approx(s_plain, abs=1e-5)
    assert s_think != pytest.approx(s_other, abs=1e-5)


def test_truncation_cuts_prompt_from_the_left_and_keeps_answer_end(tiny_rm):
    long_prompt = [{"role": "user", "content": " ".join(f"word{i}" for i in range(300))}]
    answer = "so the final answer is 42"
    full = RewardModelScorer(str(tiny_rm), max_length=100_000, device="cpu").encode(long_prompt, answer)
    short = RewardModelScorer(str(tiny_rm), max_length=64, device="cpu")
    ids = short.encode(long_prompt, answer)
    assert len(full) > 64 and len(ids) == 64
    assert ids == full[-64:]
    tok = short._tokenizer
    answer_ids = tok(answer, add_special_tokens=False)["input_ids"]
    suffix = tok("<|im_end|>\n", add_special_tokens=False)["input_ids"]
    assert ids[-len(suffix):] == suffix and ids[-len(suffix) - len(answer_ids):-len(suffix)] == answer_ids
    assert "word0 " not in tok.decode(ids) and "word299" in tok.decode(ids)
    # an answer longer than max_length loses its beginning, never its end
    long_answer = " ".join(f"step{i}" for i in range(200)) + " done"
    ids = short.encode(PROMPTS[0], long_answer)
    assert len(ids) == 64 and tok.decode(ids).endswith("done<|im_end|>\n")
    assert short.score([long_prompt], [answer])[0] == pytest.approx(short.score([long_prompt], [answer])[0])


def test_truncation_keeps_a_leading_bos(tiny_rm):
    s = RewardModelScorer(str(tiny_rm), max_length=32, device="cpu")
    s.load()
    tok = s._tokenizer
    tok.bos_token = "<|endoftext|>"
    tok.chat_template = "{{ bos_token }}" + tok.chat_template
    ids = s.encode([{"role": "user", "content": "x " * 200}], "the end")
    assert len(ids) == 32 and ids[0] == tok.bos_token_id
    assert tok.decode(ids[1:]).endswith("the end<|im_end|>\n")


def test_dtype_option(tiny_rm, scorer):
    bf16 = RewardModelScorer(str(tiny_rm), max_length=512, dtype="bfloat16", device="cpu")
    bf16.load()
    assert bf16._model.dtype == torch.bfloat16 and scorer._model.dtype == torch.float32
    assert bf16.score(PROMPTS, ANSWERS) == pytest.approx(scorer.score(PROMPTS, ANSWERS), abs=0.1)


def test_auto_device_is_the_process_device(tiny_rm):
    from accelerate import PartialState

    s = RewardModelScorer(str(tiny_rm), device="auto")
    s.load()
    assert s._model.device == PartialState().device


@pytest.mark.parametrize("kwargs, message", [
    ({"max_length": 0}, "max_length"), ({"batch_size": 0}, "batch_size"), ({"dtype": "fp8"}, "dtype"),
    ({"device": ""}, "device"), ({"model": ""}, "model"),
])
def test_bad_options(tiny_rm, kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        RewardModelScorer(**{"model": str(tiny_rm), **kwargs})


def test_missing_model_fails_at_load(tmp_path):
    s = RewardModelScorer(str(tmp_path / "nope"), device="cpu")
    with pytest.raises(OSError):
        s.load()


def test_pickling_drops_the_model(scorer):
    clone = pickle.loads(pickle.dumps(scorer))
    assert scorer.loaded and not clone.loaded
    assert len(pickle.dumps(scorer)) < 2000
    assert clone.score(PROMPTS, ANSWERS) == pytest.approx(scorer.score(PROMPTS, ANSWERS), abs=1e-6)


def test_loads_a_whole_model_while_a_zero3_trainer_is_configured(tiny_rm):
    from transformers.integrations import HfDeepSpeedConfig
    from transformers.integrations.deepspeed import is_deepspeed_zero3_enabled

    ds_config = HfDeepSpeedConfig({"zero_optimization": {"stage": 3}, "train_micro_batch_size_per_gpu": 1})
    try:
        assert is_deepspeed_zero3_enabled()
        s = RewardModelScorer(str(tiny_rm), device="cpu", dtype="float32")
        s.load()
        assert is_deepspeed_zero3_enabled()  # the trainer's setting is restored
        assert not any(hasattr(p, "ds_id") for p in s._model.parameters())
        assert all(p.numel() > 0 for p in s._model.parameters())
        assert s.score(PROMPTS[:2], ANSWERS[:2]) == pytest.approx(
            RewardModelScorer(str(tiny_rm), device="cpu", dtype="float32").score(PROMPTS[:2], ANSWERS[:2]), abs=1e-6)
    finally:
        from transformers.integrations.deepspeed import unset_hf_deepspeed_config

        unset_hf_deepspeed_config()
        del ds_config
