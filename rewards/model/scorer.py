"""Local reward-model scoring: any `AutoModelForSequenceClassification` checkpoint (path or hub id).

`RewardModelScorer` scores (prompt, response) pairs the way reward models such as Skywork-Reward-V2 expect:

- thinking is stripped: only the text after the last `</think>` (whitespace-trimmed) is scored; a response
  without `</think>` is scored whole (the policy's template opens thinking in the prompt, so only the caller
  knows whether such a response is an unfinished thought; the `reward_model` reward never sends those);
- the conversation (prompt messages + one assistant turn holding the answer) is rendered with the reward
  model's *own* chat template and tokenised without extra special tokens (the template already has them);
- sequences longer than `max_length` lose tokens from the LEFT: the prompt is cut first, and the end of the
  answer (plus the template's closing tokens, where the classifier reads the score) is always kept; a
  leading BOS token is kept too;
- pairs are scored in batches of `batch_size`, sorted by length to limit padding; the score is logit 0.

The model and tokenizer load lazily on first use and are dropped when pickled.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Any, Iterator, Sequence

from rewards.base import THINK_CLOSE

logger = logging.getLogger(__name__)

DTYPES = ("auto", "float32", "bfloat16", "float16")
Prompt = str | list[dict[str, Any]]


def strip_thinking(response: str) -> str:
    """Text after the last `</think>` (else the response whole), stripped of surrounding whitespace."""
    close = response.rfind(THINK_CLOSE)
    return (response[close + len(THINK_CLOSE):] if close >= 0 else response).strip()


def conversation(prompt: Prompt, answer: str) -> list[dict[str, Any]]:
    """Prompt messages (a plain-text prompt becomes one user turn) followed by the assistant's answer."""
    messages = [{"role": "user", "content": prompt}] if isinstance(prompt, str) else [dict(m) for m in prompt]
    return messages + [{"role": "assistant", "content": answer}]


def resolve_device(device: str) -> str:
    """`auto` is this process's device under accelerate/DeepSpeed (`PartialState().device`): the local GPU of
    a distributed rank, else the first GPU, else the CPU. Anything else is passed to torch as is."""
    if device != "auto":
        return device
    from accelerate import PartialState

    return str(PartialState().device)


@contextlib.contextmanager
def _without_zero3_init() -> Iterator[None]:
    """Load a whole (unpartitioned) model even while a ZeRO-3 trainer is configured.

    Once ZeRO-3 training arguments exist, transformers' `from_pretrained` partitions new models across ranks
    (`deepspeed.zero.Init`), which only a DeepSpeed engine can run. The reward model is inference-only and not
    wrapped by DeepSpeed, so each rank loads a full copy on its own device.
    """
    from transformers.integrations import deepspeed as hf_ds

    ref = hf_ds._hf_deepspeed_config_weak_ref
    config = ref() if ref is not None else None
    if config is None:
        yield
        return
    hf_ds.unset_hf_deepspeed_config()
    try:
        yield
    finally:
        hf_ds.set_hf_deepspeed_config(config)


def validate_scorer_options(max_length: Any, batch_size: Any, dtype: Any, device: Any) -> None:
    """Raise ValueError/TypeError on bad scorer options (the scorer, and so the server, check them)."""
    if isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 8:
        raise ValueError(f"max_length must be an integer >= 8, got {max_length!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {DTYPES}, got {dtype!r}")
    if not isinstance(device, str) or not device:
        raise TypeError(f"device must be a non-empty string such as 'auto', 'cpu' or 'cuda:0', got {device!r}")


class RewardModelScorer:
    """Scores (prompt, response) pairs with a sequence-classification reward model; thread-safe.

    `model` is a local path or hub id; `dtype` is `auto` (the checkpoint's), `float32`, `bfloat16` or `float16`;
    `device` is `auto` (see `resolve_device`) or a torch device string.
    """

    def __init__(self, model: str, max_length: int = 4096, batch_size: int = 8, dtype: str = "auto",
                 device: str = "auto") -> None:
        if not isinstance(model, str) or not model:
            raise TypeError(f"model must be a non-empty path or hub id, got {model!r}")
        validate_scorer_options(max_length, batch_size, dtype, device)
        self.model_name, self.max_length, self.batch_size = model, max_length, batch_size
        self.dtype, self.device = dtype, device
        self._model: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()  # model loading and forward passes
        self._tok_lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.update(_model=None, _tokenizer=None, _lock=None, _tok_lock=None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock, self._tok_lock = threading.Lock(), threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> None:
        """Load tokenizer and model (idempotent)."""
        if self._model is not None:  # no lock once loaded: encoding must not wait for a forward pass
            return
        with self._lock:
            if self._model is None:
                self._load()

    def _load(self) -> None:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(self.model_name)
        if tokenizer.chat_template is None:
            raise ValueError(f"reward model {self.model_name!r} has no chat template; it cannot score conversations")
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token
        dtype = self.dtype if self.dtype == "auto" else getattr(torch, self.dtype)
        device = resolve_device(self.device)
        with _without_zero3_init():
            model = AutoModelForSequenceClassification.from_pretrained(self.model_name, dtype=dtype)
        if model.config.num_labels < 1:
            raise ValueError(f"reward model {self.model_name!r} has no output logits")
        if model.config.pad_token_id is None:
            model.config.pad_token_id = tokenizer.pad_token_id
        model.to(device).eval()
        logger.info("reward model %s loaded on %s (%s)", self.model_name, device, model.dtype)
        self._tokenizer, self._model = tokenizer, model

    def encode(self, prompt: Prompt, response: str) -> list[int]:
        """Token ids scored for one pair: chat-templated prompt + answer, left-truncated to `max_length`."""
        self.load()
        tok = self._tokenizer
        with self._tok_lock:  # fast tokenizers are not safe to call from several threads at once
            text = tok.apply_chat_template(conversation(prompt, strip_thinking(response)), tokenize=False)
            ids = tok(text, add_special_tokens=False)["input_ids"]
        if len(ids) <= self.max_length:
            return ids
        keep_bos = tok.bos_token_id is not None and ids[0] == tok.bos_token_id
        return ids[:1] + ids[len(ids) - self.max_length + 1:] if keep_bos else ids[len(ids) - self.max_length:]

    def score(self, prompts: Sequence[Prompt], responses: Sequence[str]) -> list[float]:
        """One score (logit 0) per pair, in input order."""
        if len(prompts) != len(responses):
            raise ValueError(f"{len(prompts)} prompts but {len(responses)} responses")
        return self.score_encoded([self.encode(p, r) for p, r in zip(prompts, responses)])

    def score_encoded(self, encoded: Sequence[list[int]]) -> list[float]:
        """One score per sequence of token ids from `encode`, in input order (batched, sorted by length)."""
        if not encoded:
            return []
        import torch

        self.load()
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
        scores = [0.0] * len(encoded)
        pad = self._tokenizer.pad_token_id
        with self._lock:
            device = self._model.device
            for start in range(0, len(order), self.batch_size):
                chunk = order[start:start + self.batch_size]
                width = max(len(encoded[i]) for i in chunk)
                ids = torch.full((len(chunk), width), pad, dtype=torch.long)
                mask = torch.zeros((len(chunk), width), dtype=torch.long)
                for row, i in enumerate(chunk):
                    ids[row, :len(encoded[i])] = torch.tensor(encoded[i], dtype=torch.long)
                    mask[row, :len(encoded[i])] = 1
                with torch.inference_mode():
                    logits = self._model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits
                for row, i in enumerate(chunk):
                    scores[i] = float(logits[row, 0].float())
        return scores
