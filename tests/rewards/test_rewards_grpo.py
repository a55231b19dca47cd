"""The rewards driven by the real caller: TRL's GRPOTrainer, two steps on CPU with a tiny local policy.

The policy is first overfit to one short completion per task (a boxed answer, a fenced program, a repetitive
reply), so every reward sees scorable completions and its logged mean has a known value. This proves the adapters
against TRL itself: keyword arguments, the async code reward on TRL's event-loop thread reaching a real sandbox,
`None` for other tasks (averaged as missing, not as 0), `completion_ids`, and the `rewards/<name>/mean` metric names.
"""

from __future__ import annotations

import json
import math

import pytest

from rewards.config import build_rewards, load_reward_config
from rewards.needs import bind
from sandbox.local import start_local_server

pytestmark = pytest.mark.slow

ROWS = [  # (prompt, task, answer, tests, memorised completion)
    ("What is 1 + 2?", "math", "3", None, "</think>\nThe answer is \\boxed{3}."),
    ("Write a program that prints 3.", "code", None,
     json.dumps({"language": "python", "mode": "stdio", "tests": [{"input": "", "output": "3"}]}),
     "</think>\n```python\nprint(3)\n```"),
    ("Say 3, four times.", "general", None, None, "</think>\n3 3 3 3"),
]
MAX_LEN = 16
REWARDS = [
    {"name": "math_accuracy", "weight": 1.0},
    {"name": "code_tests", "weight": 1.0, "kwargs": {"scoring": "all_pass", "retries": 1}},
    {"name": "think_format", "weight": 0.1},
    {"name": "overlong_penalty", "weight": 1.0, "kwargs": {"max_completion_length": MAX_LEN, "cache_length": 8}},
    {"name": "repetition_penalty", "weight": 0.5, "kwargs": {"ngram_size": 1, "tasks": ["general"]}},
]


def _overfit_policy(out_dir, tokenizer):
    """Save a tiny policy that answers each ROWS prompt with its memorised completion (near-greedy sampling)."""
    import torch

    from rl.smoke.tiny import build_policy

    model = build_policy(out_dir, tokenizer)
    seqs = []
    for prompt, *_, completion in ROWS:
        p = list(tokenizer.apply_chat_template([{"role": "user", "content": prompt}], add_generation_prompt=True,
                                               tokenize=True)["input_ids"])
        c = tokenizer(completion + "<|im_end|>", add_special_tokens=False)["input_ids"]
        seqs.append((p, c))
    width = max(len(p) + len(c) for p, c in seqs)
    ids = torch.full((len(seqs), width), tokenizer.pad_token_id)
    labels = torch.full((len(seqs), width), -100)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for r, (p, c) in enumerate(seqs):
        ids[r, :len(p) + len(c)] = torch.tensor(p + c)
        labels[r, len(p):len(p) + len(c)] = torch.tensor(c)
        mask[r, :len(p) + len(c)] = 1
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(300):
        loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
        if loss.item() < 0.01:
            break
        loss.backward()
        opt.step()
        opt.zero_grad()
    assert loss.item() < 0.01, f"tiny policy did not memorise its completions (loss {loss.item():.3f})"
    model.save_pretrained(out_dir)
    return [len(c) for _, c in seqs]


@pytest.fixture
def one_torch_thread():
    """On a shared 2-core machine, torch's default 2 intra-op threads make tiny models ~15x slower."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_grpo_trainer_runs_with_the_rewards(tmp_path, monkeypatch, one_torch_thread):
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    from rl.smoke.tiny import build_tokenizer

    specs = load_reward_config(REWARDS)  # validated before the sandbox exists: its URL is bound once it runs
    tokenizer = build_tokenizer(tmp_path / "policy")
    lengths = _overfit_policy(tmp_path / "policy", tokenizer)
    dataset = Dataset.from_list([{"prompt": [{"role": "user", "content": p}], "task": t, "answer": a, "tests": x}
                                 for p, t, a, x, _ in ROWS])
    args = GRPOConfig(output_dir=str(tmp_path / "out"), use_cpu=True, per_device_train_batch_size=6,
                      num_generations=2, max_completion_length=MAX_LEN, temperature=0.1, max_steps=2,
                      logging_steps=1, learning_rate=1e-6, report_to="none", save_strategy="no", seed=0)
    funcs, weights = build_rewards(specs)
    args.reward_weights = weights
    with start_local_server(workers=2) as server:
        funcs, _ = build_rewards(bind(specs, {"sandbox_urls": [server.url]}))  # the run's sandbox, bound once
        trainer = GRPOTrainer(model=str(tmp_path / "policy"), reward_funcs=funcs, args=args, train_dataset=dataset,
                              processing_class=tokenizer)
        trainer.train()

    logs = [h for h in trainer.state.log_history if "rewards/code_tests/mean" in h]
    assert len(logs) == 2
    code_len = lengths[1]  # memorised program + <|im_end|>, counted by TRL's completion_ids
    expected_overlong = sum(min(0.0, (MAX_LEN - 8 - n) / 8) for n in lengths) / len(lengths)
    for log in logs:
        # Each reward's mean is over the rows it scores: None rows (other tasks) are missing, not zeros.
        assert log["rewards/math_accuracy/mean"] == 1.0
        assert log["rewards/code_tests/mean"] == 1.0, f"code completion of {code_len} tokens did not pass"
        assert log["rewards/think_format/mean"] == 1.0
        assert log["rewards/repetition_penalty/mean"] == pytest.approx(-(1 - 2 / 5))  # 5 words, 2 distinct
        assert log["rewards/overlong_penalty/mean"] == pytest.approx(expected_overlong)
        assert log["rewards/code_tests/infra_failures"] == 0.0
        assert log["rewards/code_tests/invalid_rows"] == 0.0
        assert math.isfinite(log["reward"])
