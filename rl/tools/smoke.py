"""The tool smoke's cold start: a tiny policy taught, by SFT on synthetic traces, to call `python` for arithmetic.

Each arithmetic question gives two SFT rows, exactly as TRL's tool loop builds the token stream of a rollout
(prompt + generated turn + the template's tool-result suffix + the next generated turn):
1. prompt = the question rendered with the `python` tool's schema; completion = a Hermes `<tool_call>` that prints
   the expression (made while thinking, as in tool-integrated reasoning);
2. prompt = all of that + the tool result `"<value>\\n"`; completion = a thought, `</think>` and `\\boxed{value}`.
`python -m rl.tools build-smoke OUT` writes `OUT/cold_start/` (policy + tokenizer) for
`configs/pipeline/smoke_tools_cpu.yaml`.
"""

from __future__ import annotations

import json
import logging
import random
import time
from pathlib import Path
from typing import Any

from rl.tools.rollout import tool_suffix

logger = logging.getLogger(__name__)
MARKER = "BUILD_DONE"
MATH_INSTRUCTION = "Please reason step by step, and put your final answer within \\boxed{}."
# The fixed JSON around a python call, added to the smoke tokenizer as two tokens: the tiny BPE (trained on a small
# corpus) would split it into ~40 pieces, too many for a 2-layer model to learn in a short SFT.
CALL_FRAME = ('{"name": "python", "arguments": {"code": "print(', ')"}}\n</tool_call>')


def _tail(tokenizer: Any, text: str, max_tokens: int) -> str:
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    return text if len(ids) <= max_tokens else tokenizer.decode(ids[-max_tokens:])


def tool_traces(n: int, tokenizer: Any, schemas: list[dict], seed: int = 0,
                max_prompt_tokens: int | None = None) -> list[dict[str, str]]:
    """`2 * n` string prompt-completion rows (see module docstring) for `n` random arithmetic questions. With
    `max_prompt_tokens`, prompts keep only their last tokens (the tools' system prompt is long and the same in
    every row: cutting it makes the SFT several times cheaper, and the completions only need the question)."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        a, b = rng.randint(0, 99), rng.randint(0, 99)
        sym, op, value = rng.choice([("+", "+", a + b), ("-", "-", a - b), ("\\times", "*", a * b)])
        question = rng.choice([f"What is {a} {op} {b}?", f"Compute {a} {sym} {b}."])
        prompt = tokenizer.apply_chat_template([{"role": "user", "content": f"{question} {MATH_INSTRUCTION}"}],
                                               tools=schemas, tokenize=False, add_generation_prompt=True)
        call = json.dumps({"name": "python", "arguments": {"code": f"print({a} {op} {b})"}})
        turn1 = f"<tool_call>\n{call}\n</tool_call>"
        turn2 = f"The code printed {value}.\n</think>\n\nThe answer is \\boxed{{{value}}}."
        result = [{"role": "tool", "name": "python", "content": f"{value}\n"}]
        second = prompt + turn1 + tokenizer.eos_token + tool_suffix(tokenizer, result)
        if max_prompt_tokens:
            prompt, second = _tail(tokenizer, prompt, max_prompt_tokens), _tail(tokenizer, second, max_prompt_tokens)
        rows.append({"prompt": prompt, "completion": turn1})
        rows.append({"prompt": second, "completion": turn2})
    return rows


def build_tool_cold_start(out_dir: str | Path, steps: int = 80, seed: int = 0, force: bool = False,
                          batch_size: int = 8, max_prompt_tokens: int = 160) -> Path:
    """Build (or reuse) `out_dir/cold_start/`: the tiny tokenizer and policy, SFT'd on `tool_traces`."""
    from datasets import Dataset
    from trl import SFTConfig, SFTTrainer

    from rl.smoke.tiny import build_policy, build_tokenizer
    from rl.tools.environment import environment_class
    from rl.tools.registry import resolve

    out = Path(out_dir)
    if (out / MARKER).is_file() and not force:
        logger.info("tool cold start already built in %s", out)
        return out
    start = time.monotonic()
    policy_dir = out / "cold_start"
    tokenizer = build_tokenizer(policy_dir, seed=seed)
    tokenizer.add_tokens(list(CALL_FRAME))  # before the policy is built: its vocabulary includes them
    build_policy(policy_dir, tokenizer, seed=seed)
    from transformers.utils import get_json_schema

    env = environment_class(resolve(["python"]))()
    schemas = [get_json_schema(env.python)]
    rows = tool_traces(steps * batch_size // 2, tokenizer, schemas, seed=seed, max_prompt_tokens=max_prompt_tokens)
    args = SFTConfig(output_dir=str(policy_dir / "sft"), max_steps=steps, per_device_train_batch_size=batch_size,
                     learning_rate=1e-2, lr_scheduler_type="cosine", warmup_steps=max(1, steps // 20),
                     logging_steps=max(1, steps // 10), save_strategy="no", report_to="none", use_cpu=True,
                     bf16=False, gradient_checkpointing=False, seed=seed, disable_tqdm=True, dataset_num_proc=None)
    trainer = SFTTrainer(model=str(policy_dir), args=args, train_dataset=Dataset.from_list(rows),
                         processing_class=tokenizer)
    trainer.train()
    trainer.save_model(str(policy_dir))
    tokenizer.save_pretrained(policy_dir)
    losses = [e["loss"] for e in trainer.state.log_history if "loss" in e]
    (out / MARKER).write_text(f"sft_steps={steps} final_loss={losses[-1] if losses else float('nan'):.4f}\n")
    print(f"[smoke-tools] cold start -> {policy_dir} (SFT {steps} steps, final loss "
          f"{losses[-1] if losses else float('nan'):.3f}), {time.monotonic() - start:.0f}s", flush=True)
    return out
