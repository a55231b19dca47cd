"""Tiny local checkpoints for CPU smoke runs and tests (no hub access needed).

- `build_tokenizer`: a byte-level BPE trained with `tokenizers`, using Qwen2's normaliser and pre-tokenizer, saved
  as a transformers `Qwen2Tokenizer` with a QwQ-style chat template (the assistant turn opens with `<think>\\n`).
- `build_policy`: a tiny randomly initialised `Qwen2ForCausalLM` with the seeds' sampling defaults.
- `build_reward_model`: a tiny `Qwen2ForSequenceClassification` (one logit) sharing that tokenizer.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Iterable, Iterator

from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

# Qwen2's pre-tokenisation regex (transformers.models.qwen2.tokenization_qwen2.PRETOKENIZE_REGEX).
QWEN2_PRETOKENIZE_REGEX = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
)
SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
# Added (non-special) tokens, as in QwQ: they survive decoding with skip_special_tokens=True.
ADDED_TOKENS = ["<think>", "</think>", "<tool_call>", "</tool_call>"]

# QwQ-32B's template, reduced to what the pipeline uses: optional system prompt and tools, history turns with
# the thinking stripped, tool calls/responses, and a generation prompt that opens the thinking.
CHAT_TEMPLATE = (
    "{%- if tools %}"
    "{{- '<|im_start|>system\\n' }}"
    "{%- if messages[0]['role'] == 'system' %}{{- messages[0]['content'] + '\\n\\n' }}{%- endif %}"
    "{{- '# Tools\\n\\nYou may call one or more functions to assist with the user query.\\n\\n"
    "You are provided with function signatures within <tools></tools> XML tags:\\n<tools>' }}"
    "{%- for tool in tools %}{{- '\\n' }}{{- tool | tojson }}{%- endfor %}"
    "{{- '\\n</tools>\\n\\nFor each function call, return a json object with function name and arguments within "
    "<tool_call></tool_call> XML tags:\\n<tool_call>\\n{\"name\": <function-name>, \"arguments\": "
    "<args-json-object>}\\n</tool_call><|im_end|>\\n' }}"
    "{%- elif messages[0]['role'] == 'system' %}"
    "{{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}"
    "{%- endif %}"
    "{%- for message in messages %}"
    "{%- if message['role'] == 'user' or (message['role'] == 'system' and not loop.first) %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{%- elif message['role'] == 'assistant' %}"
    "{%- set content = message['content'] or '' %}"
    "{%- if not loop.last %}{%- set content = content.split('</think>')[-1].lstrip('\\n') %}{%- endif %}"
    "{{- '<|im_start|>assistant\\n' + content }}"
    "{%- for tc in message.get('tool_calls') or [] %}"
    "{%- set fn = tc['function'] if tc['function'] is defined else tc %}"
    "{{- '\\n<tool_call>\\n{\"name\": \"' + fn['name'] + '\", \"arguments\": ' + (fn['arguments'] | tojson) "
    "+ '}\\n</tool_call>' }}"
    "{%- endfor %}"
    "{{- '<|im_end|>\\n' }}"
    "{%- elif message['role'] == 'tool' %}"
    "{{- '<|im_start|>user\\n<tool_response>\\n' + message['content'] + '\\n</tool_response><|im_end|>\\n' }}"
    "{%- endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n<think>\\n' }}{%- endif %}"
)


def synthetic_corpus(n: int = 3000, seed: int = 0) -> Iterator[str]:
    """Short English/math/code/markup lines covering what smoke prompts and completions contain."""
    rng = random.Random(seed)
    words = ("the answer is sum of two numbers write a function that returns program reads input prints output "
             "please reason step by step and put your final within boxed respond in json with field letter "
             "option question solve compute value integer list string python code test case first then finally "
             "so we get therefore check all lowercase words paragraph title highlight bullet points language").split()
    for i in range(n):
        a, b = rng.randint(0, 999), rng.randint(0, 999)
        kind = i % 5
        if kind == 0:
            yield f"What is {a} + {b}? Please reason step by step, and put your final answer within \\boxed{{}}."
        elif kind == 1:
            yield f"<think>\nWe add {a} and {b} to get {a + b}.\n</think>\n\nThe answer is \\boxed{{{a + b}}}."
        elif kind == 2:
            yield f"```python\nimport sys\na, b = map(int, sys.stdin.read().split())\nprint(a + b)\n```\n{a} {b}"
        elif kind == 3:
            yield " ".join(rng.choice(words) for _ in range(rng.randint(5, 20))).capitalize() + "."
        else:
            yield f'{{"answer": "{"ABCD"[i % 4]}"}} \\frac{{{a}}}{{{b + 1}}} x^2 = {a}, (1, 2] <tool_call> *bold*'


def build_tokenizer(out_dir: str | Path, vocab_size: int = 1024, seed: int = 0, corpus: Iterable[str] | None = None):
    """Train a Qwen2-compatible byte-level BPE and save it as a transformers tokenizer; returns the tokenizer.

    `corpus` is the training text (default: `synthetic_corpus(seed=seed)`, what smoke prompts and completions
    contain); a model trained on other text (e.g. the learning demo's tasks) passes its own."""
    from transformers import Qwen2Tokenizer

    raw = Tokenizer(models.BPE())
    raw.normalizer = normalizers.NFC()
    raw.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(QWEN2_PRETOKENIZE_REGEX), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    raw.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    raw.train_from_iterator(synthetic_corpus(seed=seed) if corpus is None else corpus, trainer=trainer)
    model_state = json.loads(raw.to_str())["model"]
    vocab, merges = model_state["vocab"], [tuple(m) for m in model_state["merges"]]
    tok = Qwen2Tokenizer(vocab=vocab, merges=merges, eos_token="<|im_end|>", pad_token="<|endoftext|>")
    tok.add_special_tokens({"additional_special_tokens": SPECIAL_TOKENS[1:]})
    tok.add_tokens(ADDED_TOKENS)
    tok.chat_template = CHAT_TEMPLATE
    tok.model_max_length = 4096
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tok.save_pretrained(out)
    return tok


def _qwen2_config(tokenizer, **overrides):
    from transformers import Qwen2Config

    cfg = dict(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=4096,
        tie_word_embeddings=True,
        bos_token_id=None,
        eos_token_id=tokenizer.convert_tokens_to_ids("<|im_end|>"),
        pad_token_id=tokenizer.pad_token_id,
    )
    cfg.update(overrides)
    return Qwen2Config(**cfg)


def build_policy(out_dir: str | Path, tokenizer, seed: int = 0, **config_overrides):
    """Save a tiny random Qwen2 causal LM (fp32) with the seeds' sampling defaults next to `tokenizer`."""
    import torch
    from transformers import GenerationConfig, Qwen2ForCausalLM

    torch.manual_seed(seed)
    model = Qwen2ForCausalLM(_qwen2_config(tokenizer, **config_overrides))
    model.generation_config = GenerationConfig(
        do_sample=True,
        temperature=0.6,
        top_p=0.95,
        top_k=20,
        eos_token_id=[tokenizer.convert_tokens_to_ids("<|im_end|>"), tokenizer.convert_tokens_to_ids("<|endoftext|>")],
        pad_token_id=tokenizer.pad_token_id,
    )
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    return model


def build_reward_model(out_dir: str | Path, tokenizer, seed: int = 0, **config_overrides):
    """Save a tiny random Qwen2 sequence classifier with one output (a reward model) next to `tokenizer`."""
    import torch
    from transformers import Qwen2ForSequenceClassification

    torch.manual_seed(seed)
    model = Qwen2ForSequenceClassification(_qwen2_config(tokenizer, num_labels=1, **config_overrides))
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    return model
