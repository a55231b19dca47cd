"""Generation backends: `n` sampled completions per prompt, rendered with the model's chat template.

Prompts are rendered with `apply_chat_template(..., add_generation_prompt=True)` (QwQ's template opens the
assistant turn with `<think>\\n`, so completions start inside the thinking, as in training). Completions are decoded
without special tokens (`<think>`/`</think>` are ordinary added tokens and survive).

- `hf`: transformers `generate`, batched and left-padded, on the GPU when there is one, else the CPU. Prompts are
  sorted by length so a batch pads little; each batch is seeded from (seed, batch index), so results do not depend
  on anything but the settings.
- `vllm`: `vllm.LLM` with tensor parallelism and `SamplingParams(n, temperature, top_p, top_k, seed)` (imported
  only when used).

`complete(texts, budgets, stop)` continues raw texts, one sample each, until a stop string (kept) or the end of
the turn, within each text's token budget, and returns (text, tokens generated) pairs: the turn-by-turn generation
of a benchmark with tools (`rl.eval.tool_eval`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Protocol, Sequence

from rl.eval.suite import GenerationSettings

Messages = list[dict[str, str]]


@dataclass
class Generated:
    """`texts[p][s]` and `token_ids[p][s]`: sample s of prompt p."""

    texts: list[list[str]]
    token_ids: list[list[list[int]]]


class Backend(Protocol):
    tokenizer: Any

    def generate(self, prompts: Sequence[Messages], n: int, max_new_tokens: int,
                 progress: Callable[[int], None] | None = None) -> Generated: ...

    def complete(self, texts: Sequence[str], budgets: Sequence[int],
                 stop: Sequence[str]) -> list[tuple[str, int]]: ...

    def close(self) -> None: ...


def render(tokenizer: Any, prompts: Sequence[Messages], tools: list[dict] | None = None) -> list[str]:
    """Prompts as text through the model's chat template, with the generation prompt (and the tools' JSON schemas,
    when given)."""
    extra = {"tools": tools} if tools else {}
    return [tokenizer.apply_chat_template(p, add_generation_prompt=True, tokenize=False, **extra) for p in prompts]


class HFBackend:
    """transformers `generate` (see the module doc)."""

    def __init__(self, model: str, settings: GenerationSettings) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.settings = settings
        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        self.tokenizer = AutoTokenizer.from_pretrained(model)
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        dtype = "auto" if settings.dtype == "auto" else getattr(torch, settings.dtype)
        self.model = AutoModelForCausalLM.from_pretrained(model, dtype=dtype).to(self.device).eval()
        self._calls = 0  # complete() calls so far (seeds each turn differently)

    def generate(self, prompts: Sequence[Messages], n: int, max_new_tokens: int,
                 progress: Callable[[int], None] | None = None) -> Generated:
        import torch
        from transformers import set_seed

        s = self.settings
        texts = render(self.tokenizer, prompts)
        lengths = [len(self.tokenizer(t, add_special_tokens=False)["input_ids"]) for t in texts]
        jobs = sorted(((p, i) for p in range(len(prompts)) for i in range(n)), key=lambda j: (lengths[j[0]], j))
        out_text: list[list[str]] = [[""] * n for _ in prompts]
        out_ids: list[list[list[int]]] = [[[] for _ in range(n)] for _ in prompts]
        sample = s.temperature > 0
        for b, start in enumerate(range(0, len(jobs), s.batch_size)):
            batch = jobs[start:start + s.batch_size]
            enc = self.tokenizer([texts[p] for p, _ in batch], return_tensors="pt", padding=True,
                                 add_special_tokens=False).to(self.device)
            set_seed(s.seed * 1_000_003 + b)
            with torch.inference_mode():
                gen = self.model.generate(
                    **enc, max_new_tokens=max_new_tokens, do_sample=sample,
                    pad_token_id=self.tokenizer.pad_token_id,
                    **({"temperature": s.temperature, "top_p": s.top_p, "top_k": max(s.top_k, 0)} if sample else {}))
            new = gen[:, enc["input_ids"].shape[1]:].tolist()
            for (p, i), ids in zip(batch, new):
                ids = self._trim(ids)
                out_ids[p][i] = ids
                out_text[p][i] = self.tokenizer.decode(ids, skip_special_tokens=True)
            if progress is not None:
                progress(len(batch))
        return Generated(out_text, out_ids)

    def complete(self, texts: Sequence[str], budgets: Sequence[int], stop: Sequence[str]) -> list[tuple[str, int]]:
        """One sample per text (see the module doc); each call draws new seeds (a turn of a tool rollout)."""
        import torch
        from transformers import set_seed

        s = self.settings
        self._calls += 1
        lengths = [len(self.tokenizer(t, add_special_tokens=False)["input_ids"]) for t in texts]
        order = sorted(range(len(texts)), key=lambda i: (lengths[i], i))
        out = [("", 0)] * len(texts)
        sample = s.temperature > 0
        for b, start in enumerate(range(0, len(order), s.batch_size)):
            batch = [i for i in order[start:start + s.batch_size] if budgets[i] > 0]
            if not batch:
                continue
            enc = self.tokenizer([texts[i] for i in batch], return_tensors="pt", padding=True,
                                 add_special_tokens=False).to(self.device)
            set_seed(s.seed * 1_000_003 + self._calls * 10_007 + b)
            with torch.inference_mode():
                gen = self.model.generate(
                    **enc, max_new_tokens=max(budgets[i] for i in batch), do_sample=sample,
                    pad_token_id=self.tokenizer.pad_token_id, stop_strings=list(stop), tokenizer=self.tokenizer,
                    **({"temperature": s.temperature, "top_p": s.top_p, "top_k": max(s.top_k, 0)} if sample else {}))
            for i, ids in zip(batch, gen[:, enc["input_ids"].shape[1]:].tolist()):
                ids = self._trim(ids)[:budgets[i]]
                out[i] = (self.tokenizer.decode(ids, skip_special_tokens=True), len(ids))
        return out

    def _trim(self, ids: list[int]) -> list[int]:
        """Drop the padding after the end of a finished sequence (the end-of-turn token is kept)."""
        pad = self.tokenizer.pad_token_id
        while ids and ids[-1] == pad:
            ids = ids[:-1]
        return ids

    def close(self) -> None:
        import gc

        import torch

        del self.model
        gc.collect()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()


class VLLMBackend:
    """vLLM offline inference with tensor parallelism (GPU)."""

    def __init__(self, model: str, settings: GenerationSettings) -> None:
        from vllm import LLM

        self.settings = settings
        self.llm = LLM(model=model, tensor_parallel_size=settings.tensor_parallel_size, seed=settings.seed,
                       dtype=settings.dtype, gpu_memory_utilization=settings.gpu_memory_utilization,
                       max_model_len=settings.max_model_len)
        self.tokenizer = self.llm.get_tokenizer()
        self._calls = 0  # complete() calls so far (seeds each turn differently)

    def generate(self, prompts: Sequence[Messages], n: int, max_new_tokens: int,
                 progress: Callable[[int], None] | None = None) -> Generated:
        from vllm import SamplingParams

        s = self.settings
        params = SamplingParams(n=n, temperature=s.temperature, top_p=s.top_p, top_k=s.top_k if s.top_k > 0 else -1,
                                max_tokens=max_new_tokens, seed=s.seed)
        outputs = self.llm.generate(render(self.tokenizer, prompts), params, use_tqdm=False)
        if progress is not None:
            progress(len(prompts) * n)
        return Generated([[c.text for c in o.outputs] for o in outputs],
                         [[list(c.token_ids) for c in o.outputs] for o in outputs])

    def complete(self, texts: Sequence[str], budgets: Sequence[int], stop: Sequence[str]) -> list[tuple[str, int]]:
        """One sample per text (see the module doc), each request seeded by (seed, call, index): copies of one
        prompt sample differently."""
        from vllm import SamplingParams

        s = self.settings
        self._calls += 1
        live = [i for i, b in enumerate(budgets) if b > 0]
        params = [SamplingParams(n=1, temperature=s.temperature, top_p=s.top_p, top_k=s.top_k if s.top_k > 0 else -1,
                                 max_tokens=budgets[i], stop=list(stop), include_stop_str_in_output=True,
                                 seed=s.seed * 1_000_003 + self._calls * 10_007 + i) for i in live]
        outputs = self.llm.generate([texts[i] for i in live], params, use_tqdm=False) if live else []
        out = [("", 0)] * len(texts)
        for i, o in zip(live, outputs):
            out[i] = (o.outputs[0].text, len(o.outputs[0].token_ids))
        return out

    def close(self) -> None:
        del self.llm


BACKENDS: dict[str, Callable[[str, GenerationSettings], Backend]] = {"hf": HFBackend, "vllm": VLLMBackend}


def load_backend(model: str, settings: GenerationSettings) -> Backend:
    """The suite's backend, loaded with `model` (a hub id or a local model folder)."""
    return BACKENDS[settings.backend](model, settings)
