"""Wiring a stage's tools into TRL's GRPOTrainer: what `rl.stage.run_stage` calls when a stage has `tools:`."""

from __future__ import annotations

import logging
from typing import Any

from rl.tools.base import ToolOptions
from rl.tools.environment import environment_class
from rl.tools.parsing import ChatTemplateError, check_chat_template, install_parser
from rl.tools.registry import resolve
from rl.tools.trainer import ToolTrainerMixin

logger = logging.getLogger(__name__)


def check_tokenizer(entries: list[dict], tokenizer: Any, where: str) -> None:
    """Raise `ValueError` (naming the stage) unless `tokenizer`'s chat template can carry the stage's tools."""
    tools = resolve([{"name": e["name"], "kwargs": e["kwargs"]} for e in entries], where=f"{where}.tools")
    env = environment_class(tools)()
    from transformers.utils import get_json_schema

    try:
        check_chat_template(tokenizer, [get_json_schema(getattr(env, t.name)) for t in tools])
    except ChatTemplateError as e:
        raise ValueError(f"{where}.tools: {e}") from None


def tool_trainer(trainer_cls: type, entries: list[dict], options: dict, tokenizer: Any, args: Any,
                 where: str) -> tuple[type, dict[str, Any]]:
    """(the trainer class with `ToolTrainerMixin`, extra GRPOTrainer kwargs) for a stage with tools. Checks the chat
    template, makes TRL parse tool calls with `rl.tools.parsing`, and caps tool turns at `max_calls` unless
    `grpo.max_tool_calling_iterations` is set."""
    check_tokenizer(entries, tokenizer, where)
    install_parser(tokenizer)
    opts = ToolOptions(**options)
    tools = resolve([{"name": e["name"], "kwargs": e["kwargs"]} for e in entries], where=f"{where}.tools")
    if args.max_tool_calling_iterations is None:
        args.max_tool_calling_iterations = opts.max_calls
    logger.info("%s: tools %s (max %d calls per completion, %d tool turns)", where,
                ", ".join(t.name for t in tools), opts.max_calls, args.max_tool_calling_iterations)
    cls = type(f"Tool{trainer_cls.__name__}", (ToolTrainerMixin, trainer_cls),
               {"max_outage_fraction": opts.max_outage_fraction})
    return cls, {"environment_factory": environment_class(tools, opts)}



def template_problems(stages: list[Any], tokenizer: Any) -> list[str]:
    """For `rl.preflight`: why `tokenizer` (the input model's) cannot carry each tool stage's tools; [] when it can
    or is unknown (None)."""
    problems = []
    for i, stage in enumerate(stages):
        if stage.tools and tokenizer is not None:
            try:
                check_tokenizer(stage.tools, tokenizer, f"stages[{i}] ({stage.name})")
            except ValueError as e:
                problems.append(str(e))
    return problems
