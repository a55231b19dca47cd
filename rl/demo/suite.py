"""The demo's eval suite for one run: `configs/eval/learn_cpu.yaml` with each benchmark's source in the run's data
folder (`heldout_<benchmark>.jsonl`), so the pipeline's `eval:` block evaluates that run's held-out rows."""

from __future__ import annotations

from pathlib import Path

import yaml

SUITE = Path(__file__).resolve().parents[2] / "configs" / "eval" / "learn_cpu.yaml"


def write_suite(data_dir: str | Path, out: str | Path) -> Path:
    """Write the suite with sources `<data_dir>/heldout_<name>.jsonl` (each must exist); returns its path."""
    suite = yaml.safe_load(SUITE.read_text())
    for bench in suite["benchmarks"]:
        source = Path(data_dir).resolve() / f"heldout_{bench['name']}.jsonl"
        if not source.is_file():
            raise ValueError(f"{source}: no held-out rows for benchmark {bench['name']!r}")
        bench["source"] = str(source)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    header = f"# {SUITE.name} with the sources of {data_dir} (rl.demo suite)\n"
    out.write_text(header + yaml.safe_dump(suite, sort_keys=False))
    return out
