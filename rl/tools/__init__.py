"""Tools a policy can call during GRPO rollouts (shared design, section 8): the sandboxed `python` tool and user
function tools, handed to TRL's GRPOTrainer as one environment per rollout.

Modules: `base` (errors, options, counters), `python_tool`, `registry` (names, `module:function` paths, checks),
`environment` (per-rollout state and call accounting), `parsing` (Qwen/Hermes tool calls, chat-template checks),
`trainer` (the GRPOTrainer mixin: malformed calls, outage exclusion, metrics), `__main__` (`run NAME`).
"""
