"""Eval suites: YAML -> dataclasses, with `--set` overrides, validated in one place before any model loads.

A suite is a path, or the name of a shipped suite (`qwq` or `qwq.yaml`, from `configs/eval/`). Every error is a `ConfigError` naming the
key path (`benchmarks[aime24].scorer: unknown reward 'math_acc'; did you mean 'math_accuracy'?`).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence


from rewards import registry
from rewards.base import did_you_mean
from rewards.config_paths import find_config, shipped
from rl.config_checks import ConfigError, check_keys, choice, integer, mapping, number, read_config_file, string
from rl.data.adapters import ADAPTERS
from rl.data.sources import looks_local, resolve_local

BACKEND_NAMES = ("hf", "vllm")
DTYPES = ("auto", "bfloat16", "float16", "float32")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class GenerationSettings:
    """Sampling and backend settings shared by every benchmark of a suite (a benchmark may override
    `max_new_tokens`)."""

    temperature: float = 0.6
    top_p: float = 0.95
    top_k: int = 20                  # 0 or -1: no top-k filtering
    max_new_tokens: int = 32768
    backend: str = "hf"
    seed: int = 0
    batch_size: int = 16             # hf: sequences per generate() call
    dtype: str = "auto"
    tensor_parallel_size: int = 1    # vllm
    gpu_memory_utilization: float = 0.9  # vllm
    max_model_len: int | None = None     # vllm


@dataclass(frozen=True)
class ScorerSpec:
    name: str
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BenchmarkSpec:
    name: str
    source: str
    adapter: str
    scorer: ScorerSpec
    n: int = 1
    k: tuple[int, ...] = (1,)
    pass_threshold: float = 1.0
    split: str = "test"
    subset: str | None = None
    max_samples: int | None = None
    system_prompt: str | None = None
    max_new_tokens: int | None = None   # overrides generation.max_new_tokens for this benchmark
    local_path: str | None = None       # resolved local source, None for hub ids
    tools: tuple[dict[str, Any], ...] = ()   # `rl.tools.config.parse_tools` entries ({name, kwargs, bound})
    tool_options: dict[str, Any] = field(default_factory=dict)  # `ToolOptions` fields (empty without tools)


@dataclass(frozen=True)
class SandboxSettings:
    urls: tuple[str, ...] = ()      # empty: a local sandbox server is started when a scorer runs code
    workers: int | None = None


@dataclass(frozen=True)
class Suite:
    name: str
    generation: GenerationSettings
    benchmarks: tuple[BenchmarkSpec, ...]
    max_unscored_fraction: float = 0.05
    bootstrap_resamples: int = 1000
    sandbox: SandboxSettings = SandboxSettings()
    source_path: str | None = None

    def benchmark(self, name: str) -> BenchmarkSpec:
        for b in self.benchmarks:
            if b.name == name:
                return b
        names = [b.name for b in self.benchmarks]
        raise KeyError(f"unknown benchmark {name!r}{did_you_mean(name, names)} (suite {self.name}: {', '.join(names)})")


def _names(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)]


SUITE_KEYS = ("generation", "benchmarks", "max_unscored_fraction", "bootstrap_resamples", "sandbox")
BENCH_KEYS = tuple(k for k in _names(BenchmarkSpec) if k != "local_path")


def parse_generation(data: Any) -> GenerationSettings:
    data = mapping(data, "generation")
    check_keys(data, _names(GenerationSettings), "generation")
    g = GenerationSettings(**data)
    number(g.temperature, "generation.temperature", 0.0, 10.0)
    number(g.top_p, "generation.top_p", 0.0, 1.0)
    if g.top_p == 0:
        raise ConfigError("generation.top_p: must be > 0")
    integer(g.top_k, "generation.top_k", -1)
    integer(g.max_new_tokens, "generation.max_new_tokens", 1)
    choice(g.backend, BACKEND_NAMES, "generation.backend")
    integer(g.seed, "generation.seed")
    integer(g.batch_size, "generation.batch_size", 1)
    choice(g.dtype, DTYPES, "generation.dtype")
    integer(g.tensor_parallel_size, "generation.tensor_parallel_size", 1)
    number(g.gpu_memory_utilization, "generation.gpu_memory_utilization", 0.05, 1.0)
    integer(g.max_model_len, "generation.max_model_len", 1, none_ok=True)
    return g


def parse_scorer(data: Any, where: str) -> ScorerSpec:
    """A registered reward, by name or `{name, kwargs}`; constructing it validates the kwargs (cheap)."""
    if isinstance(data, str):
        data = {"name": data}
    data = mapping(data, where, none_ok=False)
    check_keys(data, ("name", "kwargs"), where)
    spec = ScorerSpec(name=string(data.get("name"), f"{where}.name"),
                      kwargs=dict(mapping(data.get("kwargs"), f"{where}.kwargs")))
    try:
        registry.get(spec.name)
    except registry.UnknownRewardError as e:
        raise ConfigError(f"{where}: {e}") from None
    return spec


def check_scorer(bench: BenchmarkSpec, gen: GenerationSettings, where: str) -> None:
    """Build the scorer as the eval will (run values bound; a sandbox URL stands in for the one of the run)."""
    from rl.eval.scoring import build_scorer, run_values

    try:
        build_scorer(bench.scorer, run_values(bench, gen, ["http://127.0.0.1:1"]))
    except (TypeError, ValueError) as e:
        raise ConfigError(f"{where}.scorer ({bench.scorer.name}): bad kwargs: {e}") from None


def parse_benchmark_tools(data: dict[str, Any], where: str) -> tuple[tuple[dict[str, Any], ...], dict[str, Any]]:
    """A benchmark's `tools:` / `tool_options:` keys, validated as a stage's are (`rl.tools.config.parse_tools`);
    built-in tools get the run's sandbox when the eval runs (`rl.eval.tool_eval`)."""
    from rl.tools.config import parse_tools

    try:
        entries, options = parse_tools(data.get("tools"), data.get("tool_options"), {}, where)
    except ValueError as e:
        raise ConfigError(str(e)) from None
    return tuple(entries), options


def _k_list(value: Any, n: int, where: str) -> tuple[int, ...]:
    items = [value] if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(items, list) or not items:
        raise ConfigError(f"{where}: expected a list of integers, got {value!r}")
    for k in items:
        integer(k, where, 1)
        if k > n:
            raise ConfigError(f"{where}: pass@{k} needs k <= n (n = {n} samples per prompt)")
    return tuple(sorted(set(items)))


def parse_benchmark(data: Any, i: int, config_dir: Path | None) -> BenchmarkSpec:
    data = mapping(data, f"benchmarks[{i}]", none_ok=False)
    name = data.get("name")
    where = f"benchmarks[{name}]" if isinstance(name, str) and name else f"benchmarks[{i}]"
    check_keys(data, BENCH_KEYS, where)
    name = string(name, f"{where}.name")
    if not _NAME.match(name):
        raise ConfigError(f"{where}.name: {name!r} must be letters, digits, '_', '-' or '.'")
    for key in ("source", "adapter", "scorer"):
        if key not in data:
            raise ConfigError(f"{where}.{key}: missing required key")
    adapter = choice(data["adapter"], sorted(ADAPTERS), f"{where}.adapter")
    scorer = parse_scorer(data["scorer"], f"{where}.scorer")
    tasks, served = ADAPTERS[adapter].tasks, registry.get(scorer.name).tasks
    if tasks and served and not set(tasks) & set(served):
        raise ConfigError(f"{where}.scorer: {scorer.name} scores {'/'.join(served)} rows, but adapter {adapter} "
                          f"makes {'/'.join(tasks)} rows")
    n = integer(data.get("n", 1), f"{where}.n", 1)
    spec = BenchmarkSpec(
        name=name, source=string(data["source"], f"{where}.source"), adapter=adapter, scorer=scorer, n=n,
        k=_k_list(data.get("k", [1]), n, f"{where}.k"),
        pass_threshold=number(data.get("pass_threshold", 1.0), f"{where}.pass_threshold", -1e9, 1e9),
        split=string(data.get("split", "test"), f"{where}.split"),
        subset=string(data.get("subset"), f"{where}.subset", none_ok=True),
        max_samples=integer(data.get("max_samples"), f"{where}.max_samples", 1, none_ok=True),
        system_prompt=string(data.get("system_prompt"), f"{where}.system_prompt", none_ok=True),
        max_new_tokens=integer(data.get("max_new_tokens"), f"{where}.max_new_tokens", 1, none_ok=True),
    )
    tools, tool_options = parse_benchmark_tools(data, where)
    spec = dataclasses.replace(spec, tools=tools, tool_options=tool_options)
    if looks_local(spec.source):
        path = resolve_local(spec.source, config_dir)
        if path is None:
            raise ConfigError(f"{where}.source: local dataset {spec.source!r} not found (looked in {Path.cwd()}"
                              + (f", {config_dir}" if config_dir else "") + " and the project root)")
        spec = dataclasses.replace(spec, local_path=str(path))
    return spec


def parse_sandbox(data: Any) -> SandboxSettings:
    data = mapping(data, "sandbox")
    check_keys(data, ("urls", "workers"), "sandbox")
    urls = data.get("urls") or []
    urls = [urls] if isinstance(urls, str) else urls
    if not isinstance(urls, list) or not all(isinstance(u, str) and u.startswith(("http://", "https://"))
                                             for u in urls):
        raise ConfigError(f"sandbox.urls: expected a list of http(s) URLs, got {urls!r}")
    return SandboxSettings(urls=tuple(urls), workers=integer(data.get("workers"), "sandbox.workers", 1, none_ok=True))


def parse_suite(data: Any, name: str, source_path: str | None = None) -> Suite:
    """Validate parsed suite YAML (see `load_suite`)."""
    data = mapping(data, "suite", none_ok=False)
    check_keys(data, SUITE_KEYS, "")
    config_dir = Path(source_path).resolve().parent if source_path else None
    raw = data.get("benchmarks")
    if not isinstance(raw, list) or not raw:
        raise ConfigError("benchmarks: expected a non-empty list of benchmarks")
    benchmarks = tuple(parse_benchmark(b, i, config_dir) for i, b in enumerate(raw))
    generation = parse_generation(data.get("generation"))
    for b in benchmarks:
        check_scorer(b, generation, f"benchmarks[{b.name}]")
    names = [b.name for b in benchmarks]
    for i, n in enumerate(names):
        if names.index(n) != i:
            raise ConfigError(f"benchmarks[{i}].name: {n!r} is used twice")
    frac = number(data.get("max_unscored_fraction", 0.05), "max_unscored_fraction", 0.0, 1.0)
    return Suite(name=name, generation=generation, benchmarks=benchmarks,
                 max_unscored_fraction=frac,
                 bootstrap_resamples=integer(data.get("bootstrap_resamples", 1000), "bootstrap_resamples", 10),
                 sandbox=parse_sandbox(data.get("sandbox")), source_path=source_path)


def resolve_suite_path(ref: str | Path) -> Path:
    """A path as given, else the shipped suite of that name (`configs/eval/<ref>.yaml`, or installed configs)."""
    found = find_config("eval", ref)
    if found is None:
        names = shipped("eval")
        raise ConfigError(f"suite {str(ref)!r} not found (not a file, nor a shipped suite: {', '.join(names) or 'none'}"
                          f"{did_you_mean(Path(ref).stem, names)})")
    return found


def load_suite(ref: str | Path, overrides: Sequence[str] = ()) -> Suite:
    """Read a suite, apply `--set key.path=value` overrides (`benchmarks.aime24.n=4`), validate everything."""
    path = resolve_suite_path(ref)
    data = read_config_file(path, overrides)
    return parse_suite(data, path.stem, str(path.resolve()))
