"""`python -m rl.tools run NAME`: JSON lines in, one `{"result"}` per line out, in order."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(args, lines, timeout=120):
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{ROOT}:{Path(__file__).parent}"}
    p = subprocess.run([sys.executable, "-m", "rl.tools", "run", *args], input="".join(l + "\n" for l in lines),
                       capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=env)
    return p.returncode, [json.loads(l) for l in p.stdout.splitlines()], p.stderr


def test_python_lines_in_order_fresh_rollout_per_line(sandbox_url):
    lines = [json.dumps({"arguments": {"code": "x = 2\nx ** 10"}}), json.dumps({"arguments": {"code": "print(x)"}}),
             "not json", json.dumps({"arguments": {"cmd": "ls"}}), json.dumps({"code": "1"}),
             json.dumps({"arguments": [1]})]
    rc, out, err = _run(["python", "--sandbox-url", sandbox_url], lines)
    assert rc == 0, err
    assert out[0] == {"result": "1024\n"}
    assert "NameError" in out[1]["result"]
    assert "error" in out[2] and "result" not in out[2]
    assert out[3]["result"].startswith("{'error':") and "unknown argument(s) 'cmd'" in out[3]["result"]
    assert "error" in out[4]
    assert "must be a JSON object" in out[5]["result"] and out[5]["result"].startswith("{'error':")
    assert len(out) == 6


def test_session_keeps_state(sandbox_url):
    lines = [json.dumps({"arguments": {"code": "x = 2"}}), json.dumps({"arguments": {"code": "print(x + 1)"}})]
    rc, out, _ = _run(["python", "--session", "--sandbox-url", sandbox_url], lines)
    assert rc == 0 and out == [{"result": "(no output)"}, {"result": "3\n"}]


def test_user_tool_and_bad_names():
    rc, out, _ = _run(["sample_user_tools:add"], [json.dumps({"arguments": {"a": 1, "b": 2}})])
    assert rc == 0 and out == [{"result": "3"}]
    rc, out, err = _run(["pyton"], [])
    assert rc == 2 and "did you mean 'python'" in err
