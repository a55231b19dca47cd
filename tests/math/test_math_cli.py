"""`python -m rewards.math`: JSON lines in, one JSON line out per input line, in order."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_cli_grades_lines_in_order_and_survives_bad_lines():
    lines = [
        json.dumps({"gold": "\\frac12", "response": "</think> \\boxed{0.5}"}),
        "not json",
        json.dumps({"gold": "3", "response": "</think> \\boxed{3} or \\boxed{4}"}),
        json.dumps({"gold": 3, "response": "x"}),
        json.dumps(["gold", "response"]),
        json.dumps({"gold": "(1,2]", "response": "</think> The answer is $1 < x \\le 2$."}),
        json.dumps({"gold": "5", "response": "<think> \\boxed{5}"}),
        json.dumps({"gold": "3", "response": "3"}),  # a response that is only an expression is that answer
    ]
    proc = subprocess.run([sys.executable, "-m", "rewards.math", "--timeout-s", "20", "--batch", "3"],
                          input="\n".join(lines) + "\n", capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(out) == len(lines)
    assert out[0] == {"correct": True, "extracted": "0.5", "reason": "equal"}
    assert out[1]["reason"].startswith("invalid_input") and out[1]["correct"] is False and out[1]["extracted"] is None
    assert out[2] == {"correct": False, "extracted": "3 or 4", "reason": "hedged"}  # boxes joined by "or"
    assert out[3]["reason"].startswith("invalid_input") and out[4]["reason"].startswith("invalid_input")
    assert out[5] == {"correct": True, "extracted": "1 < x \\le 2", "reason": "equal"}
    assert out[6] == {"correct": False, "extracted": None, "reason": "no_answer"}
    assert out[7] == {"correct": True, "extracted": "3", "reason": "equal"}
