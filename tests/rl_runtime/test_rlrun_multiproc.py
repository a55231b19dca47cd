"""Two CPU processes (torchrun, gloo): one training run, one embedded sandbox server shared by the node."""

from __future__ import annotations

import json
import re

from rl.pipeline import DONE_FILE

from rlrun_testlib import PYTHON, SAMPLES, pipeline_dict, run, write_config


def test_two_process_run_shares_one_embedded_sandbox(tiny_model, tmp_path):
    data = pipeline_dict(tiny_model, tmp_path / "out")
    stage = data["stages"][0]
    stage["datasets"].append({"source": str(SAMPLES / "code.jsonl"), "adapter": "rows"})
    stage["rewards"].append({"name": "code_tests", "kwargs": {"max_failure_fraction": 1.0}})
    config = write_config(tmp_path / "p.yaml", data)
    proc = run(timeout=150, cmd=[PYTHON, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                "-m", "rl", "train", str(config)])
    assert proc.returncode == 0, proc.stderr[-3000:]
    # Both ranks got the same local server URL; only the local main process started one.
    urls = re.findall(r"embedded sandbox server at (\S+)", proc.stderr)
    assert len(urls) == 2 and urls[0] == urls[1], urls
    assert proc.stdout.count("[stage s1] done: 2 steps") == 1  # summary printed once, by the main process
    done = json.loads((tmp_path / "out" / "s1" / DONE_FILE).read_text())
    assert done["num_processes"] == 2 and done["global_step"] == 2
    state = json.loads((tmp_path / "out" / "s1" / "trainer_state.json").read_text())
    assert any("rewards/code_tests/mean" in e for e in state["log_history"])
