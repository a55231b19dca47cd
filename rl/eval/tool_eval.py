"""Benchmarks with tools: generation continues across tool turns, and the tool record of each sample is kept.

A benchmark with `tools:` (validated as a stage's, `rl.tools.config.parse_tools`) is generated as multi-turn tool
rollouts (`rl.tools.rollout.run_tool_rollouts`): the backend generates until a `</tool_call>` closes or the turn
ends (`Backend.complete`), the calls run on one fresh environment per sample (its own python cells), their results
are rendered through the chat template as tool messages, and generation continues, up to `tool_options.max_calls`
tool turns; `max_new_tokens` caps the tokens generated over all turns of a sample. Each completion is the sample's
message list (assistant, tool, ..., assistant), scored as TRL scores conversational completions: the verifier reads
the final answer after the last tool result. A sample whose tool service was unavailable (`ToolRecord.outage`) is
unscored, never wrong.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from rl.eval.suite import BenchmarkSpec
from rl.tools.base import ToolOptions
from rl.tools.config import bind, unbound_needs
from rl.tools.environment import ToolEnvironment, ToolRecord, environment_class
from rl.tools.registry import resolve
from rl.tools.rollout import run_tool_rollouts

STOP = "</tool_call>"


@dataclass
class ToolGenerated:
    """`completions[p][s]`: sample s of prompt p as messages; `transcripts`, `n_tokens` and `records` alike."""

    completions: list[list[list[dict[str, Any]]]]
    transcripts: list[list[str]]
    n_tokens: list[list[int]]
    records: list[list[dict[str, Any]]]


def needs_sandbox(spec: BenchmarkSpec) -> bool:
    """Whether the benchmark's tools need the run's sandbox (a built-in tool given no `sandbox_urls` of its own)."""
    return "sandbox_urls" in unbound_needs(list(spec.tools))


def environment(spec: BenchmarkSpec, sandbox_urls: list[str] | None) -> type[ToolEnvironment]:
    """The per-sample environment class of the benchmark's tools, bound to the run's sandbox."""
    entries = bind(list(spec.tools), {"sandbox_urls": sandbox_urls})
    tools = resolve([{"name": e["name"], "kwargs": e["kwargs"]} for e in entries],
                    where=f"benchmarks[{spec.name}].tools")
    return environment_class(tools, ToolOptions(**spec.tool_options))


def tool_schemas(env_cls: type[ToolEnvironment]) -> list[dict[str, Any]]:
    """The tools' JSON schemas, as the chat template renders them into the prompt (what TRL passes)."""
    from transformers.utils import get_json_schema

    env = env_cls()
    return [get_json_schema(getattr(env, name)) for name in env_cls._tools]


def generate_with_tools(backend: Any, spec: BenchmarkSpec, prompts: Sequence[list[dict[str, str]]],
                        max_new_tokens: int, sandbox_urls: list[str] | None,
                        progress: Callable[[int], None] | None = None) -> ToolGenerated:
    """`spec.n` tool rollouts per prompt with `backend` (needs `.tokenizer` and `.complete(texts, budgets, stop)`).
    Raises `ValueError` when the model's chat template cannot carry tool calls."""
    from rl.eval.generation import render
    from rl.tools.stage import check_tokenizer

    tokenizer = backend.tokenizer
    check_tokenizer(list(bind(list(spec.tools), {"sandbox_urls": sandbox_urls})), tokenizer,
                    f"benchmarks[{spec.name}]")
    env_cls = environment(spec, sandbox_urls)
    texts = render(tokenizer, prompts, tool_schemas(env_cls))
    jobs = [(p, s) for p in range(len(prompts)) for s in range(spec.n)]

    def generate(batch: list[str], budgets: list[int]) -> list[tuple[str, int]]:
        return backend.complete(batch, budgets, [STOP])

    rollouts = run_tool_rollouts(generate, tokenizer, [texts[p] for p, _ in jobs], env_cls,
                                 max_turns=int(spec.tool_options["max_calls"]), max_new_tokens=max_new_tokens)
    if progress is not None:
        progress(len(jobs))
    out = ToolGenerated([[] for _ in prompts], [[] for _ in prompts], [[] for _ in prompts], [[] for _ in prompts])
    for (p, _), r in zip(jobs, rollouts):
        out.completions[p].append(r.messages)
        out.transcripts[p].append(r.text)
        out.n_tokens[p].append(r.n_tokens)
        out.records[p].append(dataclasses.asdict(r.record))
    return out


def tool_metrics(records: Sequence[Sequence[dict[str, Any]]]) -> dict[str, Any]:
    """Calls per completion, the share of calls that failed or reported an error, and the samples hit by an outage."""
    flat = [ToolRecord(**r) for rs in records for r in rs]
    calls = sum(r.calls for r in flat)
    return {"calls_per_completion": calls / len(flat) if flat else 0.0,
            "error_rate": (sum(r.errors + r.failures for r in flat) / calls) if calls else None,
            "completions_with_calls": sum(r.calls > 0 for r in flat) / len(flat) if flat else 0.0,
            "outages": sum(r.outage is not None for r in flat)}


def unscore_outages(scores: list[list[float | None]], records: Sequence[Sequence[dict[str, Any]]]) -> None:
    """Set the score of every sample whose tool service was unavailable to None (unscored), in place."""
    for sc, rs in zip(scores, records):
        for s, r in enumerate(rs):
            if r.get("outage") is not None:
                sc[s] = None
