"""The run report: collected from a run folder, rendered as one self-contained page, checked in headless Chromium
(screenshot not blank, the page's own image check says ok; a corrupted plot or a truncated page is detected)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from rl.cli import main
from rl.report.collect import collect

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _history(steps: int, reward0: float) -> list[dict]:
    return [{"step": s, "reward": reward0 + 0.05 * s, "rewards/math_accuracy/mean": reward0 + 0.04 * s,
             "rewards/think_format/mean": 0.5 + 0.02 * s, "rewards/math_accuracy/infra_failures": float(s == 3),
             "frac_reward_zero_std": 0.5 - 0.03 * s, "completions/mean_length": 100 + 5 * s, "loss": 0.01}
            for s in range(1, steps + 1)]


@pytest.fixture()
def run_dir(tmp_path) -> Path:
    root = tmp_path / "run"
    for name, inp, r0 in (("reasoning", str(tmp_path / "cold"), 0.1), ("general", str(root / "reasoning"), 0.3)):
        (root / name).mkdir(parents=True)
        (root / name / "STAGE_DONE.json").write_text(json.dumps({"config_hash": "h", "input_model": inp}))
        (root / name / "trainer_state.json").write_text(json.dumps({"log_history": _history(6, r0)}))
    (tmp_path / "cold").mkdir()
    (root / "eval").mkdir()
    metric = lambda p: {"pass@1": p, "pass@k": {"4": p + 0.1}, "ci95": [p - 0.1, p + 0.1], "n_prompts": 8,  # noqa
                        "n_samples": 4, "unscored": 0}
    results = {"input": {"math": metric(0.2)}, "reasoning": {"math": metric(0.5)}, "general": {"math": metric(0.3)}}
    (root / "eval" / "results.json").write_text(json.dumps(results))
    (root / "eval" / "gates.json").write_text(json.dumps([
        {"model": "general", "previous": "reasoning", "benchmark": "math", "previous_pass@1": 0.5, "pass@1": 0.3,
         "drop": 0.2, "max_drop": 0.05, "passed": False}]))
    (root / "RELEASE.json").write_text(json.dumps({"stage": "reasoning", "model": str(root / "reasoning")}))
    rows = [{"model": "general", "benchmark": "math", "id": str(i), "prompt": f"What is {i}+{i}? <b>", "sample": 0,
             "completion": f"The answer is \\boxed{{{2 * i}}} <script>", "score": float(i % 2), "passed": bool(i % 2),
             "n_tokens": 10} for i in range(4)]
    pq.write_table(pa.Table.from_pylist(rows), root / "eval" / "samples.parquet")
    return root


def test_collect_reads_stages_in_order_results_gates_release(run_dir):
    data = collect(run_dir)
    assert [s.name for s in data.stages] == ["reasoning", "general"] and all(s.finished for s in data.stages)
    assert list(data.results) == ["input", "reasoning", "general"]
    assert data.release["stage"] == "reasoning" and data.gates[0]["passed"] is False
    assert [(s["kind"], s["score"]) for s in data.samples] == [("best", 1.0), ("worst", 0.0)]


def test_a_running_stage_shows_its_newest_checkpoint(run_dir):
    for step in (2, 10):
        folder = run_dir / "s3" / f"checkpoint-{step}"
        folder.mkdir(parents=True)
        (folder / "trainer_state.json").write_text(json.dumps({"log_history": _history(step, 0.0)}))
    stages = collect(run_dir).stages
    assert [(s.name, s.finished, len(s.history)) for s in stages] == [
        ("reasoning", True, 6), ("general", True, 6), ("s3", False, 10)]


def test_report_page_is_self_contained_and_escaped(run_dir, capsys):
    assert main(["report", str(run_dir)]) == 0
    page = (run_dir / "report.html").read_text()
    assert page.count("data:image/png;base64,") == 2  # one figure per stage
    assert "src='http" not in page and "href=" not in page  # nothing external
    assert "gate FAILED" in page and "Release: <b>reasoning</b>" in page
    assert "&lt;script&gt;" in page and "<b>\"" not in page  # sample texts are escaped
    assert main(["report", str(run_dir / "nothing")]) == 2
    assert "no such folder" in capsys.readouterr().err


def _chromium(*args: str, timeout: float = 90) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", *args],
                          capture_output=True, text=True, timeout=timeout, start_new_session=True)


def _status(page: Path) -> str:
    dom = _chromium("--virtual-time-budget=5000", "--dump-dom", page.as_uri()).stdout
    marker = 'data-report-status="'
    return dom.split(marker, 1)[1].split('"', 1)[0] if marker in dom else "no status (page did not render)"


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium not installed (Debian package `chromium`; "
                                              "launch/setup.sh installs it)")
def test_report_renders_in_headless_chromium(run_dir, tmp_path):
    from matplotlib.image import imread

    assert main(["report", str(run_dir)]) == 0
    page = run_dir / "report.html"
    shot = tmp_path / "shot.png"
    _chromium("--window-size=1200,1400", f"--screenshot={shot}", page.as_uri())
    pixels = imread(str(shot))
    assert pixels.shape[0] >= 1000 and pixels.shape[1] >= 1000
    assert pixels[..., :3].std() > 0.05  # not a blank page
    assert _status(page) == "ok"

    broken = tmp_path / "broken.html"
    html = page.read_text()
    start = html.index("base64,") + len("base64,")
    broken.write_text(html[:start] + "AAAA" + html[start + 40:])  # a corrupted plot
    assert _status(broken).startswith("broken: curves of stage")
    truncated = tmp_path / "truncated.html"
    truncated.write_text(html[: html.index("<h2>Evaluation")])  # the page's script never arrives
    assert _status(truncated) == "loading"
