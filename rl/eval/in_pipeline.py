"""Evaluation inside a pipeline run (`eval:` in the pipeline config): a baseline, every stage, the gate, the release.

- `before: true`: the input model is evaluated once (label `input`) before the first stage.
- After every stage (trained now, or skipped as already finished: its results come from the cache), its model is
  evaluated (label: the stage name); from the second stage on, the `gate` rules compare it with the previous
  stage. A failed gate raises `GateFailed` after recording the verdicts; nothing is deleted.
- `rl.pipeline` writes `<output_dir>/RELEASE.json` (`rl.eval.gate.write_release`) after each stage that passes.
- Results, samples and the cache live in `<output_dir>/eval/` (an `rl eval --out` folder), verdicts in
  `<output_dir>/eval/gates.json`.

Only the main process evaluates; in a multi-process run the others wait at a barrier (see the README).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from rl.eval.gate import GateFailed, append_verdicts, check_gate
from rl.eval.results import Store
from rl.eval.runner import Evaluator, Subject
from rl.eval.suite import Suite, load_suite
from rl.eval.targets import fingerprint

logger = logging.getLogger(__name__)
EVAL_SUBDIR = "eval"


class PipelineEval:
    """The evaluation side of one pipeline run (see the module doc). `gate`: benchmark -> max_drop."""

    def __init__(self, suite: str, output_dir: str | Path, before: bool, gate: dict[str, float]) -> None:
        self.suite: Suite = load_suite(suite)
        self.output_dir = Path(output_dir)
        self.before, self.gate = before, dict(gate)
        self.store = Store(self.output_dir / EVAL_SUBDIR)
        self._evaluator: Evaluator | None = None
        self._last: tuple[str, dict[str, Any]] | None = None   # (label, results) of the previous stage

    def _evaluate(self, label: str, model: str) -> dict[str, Any]:
        if self._evaluator is None:  # benchmarks load once, when first needed
            self._evaluator = Evaluator(self.suite, self.store)
        results = self._evaluator.run([Subject(label=label, fingerprint=fingerprint(model), model=model)])
        for bench, m in results[label].items():
            print(f"[eval {label}] {bench}: pass@1 {m['pass@1']:.3f} [{m['ci95'][0]:.3f}, {m['ci95'][1]:.3f}]",
                  flush=True)
        return results[label]

    def start(self, model: str) -> None:
        """Before the first stage: evaluate the input model when `before`."""
        if self.before:
            self._evaluate("input", model)

    def after_stage(self, stage: str, model: str, first: bool) -> None:
        """Evaluate a finished stage and check its gate (not for the first stage); `GateFailed` when it fails."""
        results = self._evaluate(stage, model)
        if not first and self._last is not None and self.gate:
            previous, prev_results = self._last
            verdicts = check_gate(self.gate, previous, prev_results, stage, results)
            append_verdicts(self.store.root, verdicts)
            failed = [v for v in verdicts if not v.passed]
            for v in verdicts:
                logger.info("gate %s: %s", "passed" if v.passed else "FAILED", v.record())
            if failed:
                raise GateFailed("; ".join(v.message() for v in failed) + f". Stopping; every folder is kept "
                                 f"(release stays {previous}: {self.output_dir / 'RELEASE.json'}).")
        self._last = (stage, results)
