"""Our tools inside TRL's real tool loop (GRPOTrainer._generate_and_score_completions), with scripted generations:
a malformed call and a good one in the same batch, the results fed back, the final answers scored."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    from rl.smoke.tiny import build_policy, build_tokenizer

    path = tmp_path_factory.mktemp("tiny")
    tokenizer = build_tokenizer(path)
    build_policy(path, tokenizer)
    return str(path)


def test_malformed_and_good_calls_in_one_batch(tiny, sandbox_url, monkeypatch):
    monkeypatch.setenv("TRL_EXPERIMENTAL_SILENCE", "1")
    from datasets import Dataset
    from transformers import AutoTokenizer
    from trl import GRPOConfig

    from rewards.registry import create
    from rl.tools.stage import tool_trainer
    from rl.trainer import PipelineGRPOTrainer

    tokenizer = AutoTokenizer.from_pretrained(tiny)
    args = GRPOConfig(output_dir=str(tiny) + "/out", per_device_train_batch_size=2, num_generations=2,
                      max_completion_length=600, use_cpu=True, report_to="none", max_steps=1, save_strategy="no")
    entries = [{"name": "python", "kwargs": {"sandbox_urls": [sandbox_url]}, "bound": []}]
    cls, extra = tool_trainer(PipelineGRPOTrainer, entries, {"max_calls": 3}, tokenizer, args, "t")
    row = {"prompt": [{"role": "user", "content": "What is 6 * 7?"}], "task": "math", "answer": "42"}
    trainer = cls(model=tiny, reward_funcs=[create("math_accuracy"), create("tool_use")], args=args,
                  train_dataset=Dataset.from_list([row] * 2), processing_class=tokenizer, **extra)
    eos = tokenizer.eos_token
    first = ['<tool_call>\n{"name": "python", "arguments": {"code": "print(6 * 7)"</tool_call>',  # bad JSON
             '<tool_call>\n{"name": "python", "arguments": {"code": "print(6 * 7)"}}\n</tool_call>']
    seen = []

    def scripted(prompt_ids, images, multimodal_fields, num_generations, has_tool_images=False):
        texts = first if not seen else ["It is 42.\n</think>\n\nThe answer is \\boxed{42}."] * len(prompt_ids)
        seen.append([tokenizer.decode(p) for p in prompt_ids])
        return [tokenizer(t + eos, add_special_tokens=False)["input_ids"] for t in texts], None

    monkeypatch.setattr(trainer, "_generate_single_turn", scripted)
    trainer.model.train()
    out = trainer._generate_and_score_completions([dict(row) for _ in range(2)])
    assert len(seen) == 2 and len(seen[1]) == 2  # both samples got a tool turn and a continuation
    assert "does not parse" in seen[1][0] and "<tool_response>\n42\n\n</tool_response>" in seen[1][1]
    m = {k: v[-1] for k, v in trainer._metrics["train"].items()}
    assert m["tools/call_frequency"] == 1.0 and m["tools/failure_frequency"] == 0.5
    assert m["rewards/math_accuracy/mean"] == 1.0 and m["rewards/tool_use/mean"] == pytest.approx(0.25)
    records = [env.record for env in trainer.environments]
    assert (records[0].failures, records[0].ok, records[1].failures, records[1].ok) == (1, 0, 0, 1)
    mask = out["tool_mask"]
    assert (mask == 0).any(dim=1).all()  # tool-result tokens are masked out of the loss in both samples
    trainer.close_rewards()
