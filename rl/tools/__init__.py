"""Tools a policy can call during GRPO rollouts (shared design, section 8): the sandboxed `python` tool and user
function tools, handed to TRL's GRPOTrainer as one environment per rollout.

Modules: `base` (errors, options, counters), `python_tool`, `registry` (names, `module:function` paths, checks),
`environment` (per-rollout state and call accounting), `parsing` (Qwen/Hermes tool calls, chat-template checks),
`trainer` (the GRPOTrainer mixin: malformed calls, outage exclusion, metrics), `config` (a stage's `tools:` keys),
`stage` (wiring into a stage's trainer), `rollout` (the multi-turn loop outside the trainer), `smoke` (the tool
smoke's cold start), `__main__` (`run NAME`, `build-smoke`).
"""
