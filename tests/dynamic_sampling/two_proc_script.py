"""Run under torchrun (2 CPU processes, gloo) by test_ds_multiproc.py: a tiny dynamic-sampling run; each rank writes
what it trained on and logged to `<out>/rank<r>.json`. Usage: two_proc_script.py MODEL OUT MAX_ROUNDS N_FLAT N_MIXED"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dslib import MIXED, build_trainer, ds_logs, rows  # noqa: E402


def main() -> None:
    model, out, max_rounds, n_flat, n_mixed = sys.argv[1], Path(sys.argv[2]), *map(int, sys.argv[3:6])
    trainer = build_trainer(Path(model), out, rows(n_flat, n_mixed), max_rounds=max_rounds)
    trainer.train()
    tok = trainer.processing_class
    report = {
        "rank": trainer.accelerator.process_index,
        "world": trainer.accelerator.num_processes,
        "batches": [{
            "rows": int(b["completion_ids"].shape[0]),
            "num_items_in_batch": int(b["num_items_in_batch"]),
            "local_loss_tokens": int((b["completion_mask"] * b.get("tool_mask", 1)).sum()),
            "weighted_rows": [bool(w) for w in (b["tool_mask"].amax(dim=1) if "tool_mask" in b
                                                 else b["completion_mask"].new_ones(len(b["advantages"])))],
            "mixed": [MIXED in tok.decode(ids[m.bool()]) for ids, m in zip(b["prompt_ids"], b["prompt_mask"])],
        } for b in trainer.batches],
        "logs": ds_logs(trainer),
        "global_step": trainer.state.global_step,
    }
    (out / f"rank{report['rank']}.json").write_text(json.dumps(report))


if __name__ == "__main__":
    main()
