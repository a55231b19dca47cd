"""Generation with the hf backend on a tiny model, `rl eval MODEL` end to end, and MODEL resolution (pipeline
output_dir -> input model + finished stages)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evaltest_lib import write_suite
from rl.cli import main
from rl.eval.suite import GenerationSettings
from rl.eval.targets import TargetError, resolve_targets

SAMPLES = Path(__file__).resolve().parents[2] / "rl" / "samples"


PROMPTS = [[{"role": "user", "content": "What is 2 + 2?"}],
           [{"role": "user", "content": "Write a long poem about the sea and the sky and the stars, please."}],
           [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]]


def test_left_padded_batches_match_one_prompt_at_a_time(tiny_model):
    """Greedy decoding: a batch of prompts of different lengths gives exactly what each prompt gives alone."""
    from rl.eval.generation import HFBackend

    settings = GenerationSettings(temperature=0.0, batch_size=8, max_new_tokens=12)
    backend = HFBackend(str(tiny_model), settings)
    batched = backend.generate(PROMPTS, n=1, max_new_tokens=12)
    alone = [backend.generate([p], n=1, max_new_tokens=12) for p in PROMPTS]
    assert batched.texts == [a.texts[0] for a in alone]
    assert batched.token_ids == [a.token_ids[0] for a in alone]
    assert all(0 < len(ids[0]) <= 12 for ids in batched.token_ids)


def test_sampling_is_seeded(tiny_model):
    from rl.eval.generation import HFBackend

    progress = []
    backend = HFBackend(str(tiny_model), GenerationSettings(seed=5, batch_size=4))
    first = backend.generate(PROMPTS, n=3, max_new_tokens=10, progress=progress.append)
    assert backend.generate(PROMPTS, n=3, max_new_tokens=10).texts == first.texts
    assert sum(progress) == 9 and [len(t) for t in first.texts] == [3, 3, 3]
    other = HFBackend(str(tiny_model), GenerationSettings(seed=6, batch_size=4)).generate(PROMPTS, 3, 10)
    assert other.texts != first.texts


def test_eval_model_end_to_end_and_rerun_skips(tiny_model, tmp_path, capsys, monkeypatch):
    suite = write_suite(tmp_path / "s.yaml", [
        {"name": "math", "source": str(SAMPLES / "math.jsonl"), "adapter": "rows", "max_samples": 3,
         "scorer": "math_accuracy"},
        {"name": "ifeval", "source": str(SAMPLES / "ifeval.jsonl"), "adapter": "ifeval",
         "scorer": {"name": "rule_checks", "kwargs": {"mode": "all"}}}])
    out = tmp_path / "out"
    assert main(["eval", str(tiny_model), "--suite", str(suite), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    results = json.loads((out / "results.json").read_text())[str(tiny_model)]
    assert set(results) == {"math", "ifeval"} and results["math"]["n_prompts"] == 3
    assert "maj@n" in results["math"] and set(results["ifeval"]["ifeval"]) == {
        "prompt_strict", "prompt_loose", "instruction_strict", "instruction_loose"}
    assert printed.splitlines()[-5].split()[:2] == ["benchmark", str(tiny_model)]

    from rl.eval import generation

    def no_model(*a, **k):
        raise AssertionError("the model was loaded although everything is cached")

    monkeypatch.setattr(generation, "load_backend", no_model)
    assert main(["eval", str(tiny_model), "--suite", str(suite), "--out", str(out)]) == 0
    # another setting is another key: it needs the model again
    with pytest.raises(AssertionError, match="was loaded"):
        main(["eval", str(tiny_model), "--suite", str(suite), "--out", str(out), "--set", "generation.top_k=5"])


def _done(folder: Path, input_model: Path) -> None:
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{}")
    (folder / "STAGE_DONE.json").write_text(json.dumps({"config_hash": "x", "input_model": str(input_model)}))


def test_pipeline_output_dir_expands_to_input_and_finished_stages(tiny_model, tmp_path):
    run = tmp_path / "run"
    _done(run / "reasoning", tiny_model)
    _done(run / "general", run / "reasoning")
    (run / "third").mkdir()  # started, not finished: left out
    targets = resolve_targets([str(run)])
    assert [(t.label, t.model) for t in targets] == [
        ("run/input", str(tiny_model)), ("run/reasoning", str((run / "reasoning").resolve())),
        ("run/general", str((run / "general").resolve()))]
    assert len({t.fingerprint for t in targets}) == 3
    assert [t.label for t in resolve_targets(["Qwen/QwQ-32B"])] == ["Qwen/QwQ-32B"]


def test_bad_models_are_config_errors(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    for ref, message in ((str(tmp_path / "empty"), "neither a model folder"), ("./nope/model", "no such model folder")):
        with pytest.raises(TargetError, match=message):
            resolve_targets([ref])
    assert main(["eval", "./nope/model", "--suite", "smoke_cpu"]) == 2
    assert "config error: ./nope/model: no such model folder" in capsys.readouterr().err
