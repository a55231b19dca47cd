"""`code_tests`: run the final fenced code block of each code completion against the row's tests in the sandbox.

Per code row (other tasks get `None`):
- the program is the last fenced block of the answer part (`rewards.code_extract`); its language comes from the
  fence tag, else from the row's `tests.language`. In `stdio` mode any supported language may answer; in `call` and
  `assert` modes only blocks in the row's language are candidates;
- no block, or no answer part (thinking never closed; see `Reward.response_text`) -> 0.0; compile error -> `compile_error_score`;
- otherwise `pass_rate` (passed / total) or `all_pass` (1.0 only if every test passes);
- a row whose `tests` the sandbox rejects (`invalid_request`) is a dataset problem, not a wrong answer: `None`,
  logged and counted under `rewards/code_tests/invalid_rows`;
- sandbox unreachable or `internal_error` -> `None`, reported through `rewards.infra.report_failures`, which raises
  `InfrastructureError` when more than `max_failure_fraction` of the batch's sandbox requests failed.

All completions of a call go to the sandbox at once, concurrently (one `/run` each, spread over the servers).
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from rewards.base import Completion, Reward, answer_part, require_thinking_kwarg
from rewards.code_extract import SUPPORTED_LANGUAGES, extract_final_code, normalize_language
from rewards.infra import failure_fraction_kwarg, report_failures
from rewards.kwargs import kwarg
from rewards.registry import register
from sandbox.client import SANDBOX_URL_ENV, SandboxClient, SandboxUnavailable, parse_urls

logger = logging.getLogger(__name__)

SCORING_MODES = ("pass_rate", "all_pass")


class SandboxNotConfiguredError(RuntimeError):
    """A code row needs the sandbox, but the reward has no server URLs (kwarg `urls`, bound by the pipeline)."""


def parse_tests(raw: Any) -> dict[str, Any]:
    """The row's sandbox request (without `code`) from its `tests` column; `ValueError` when unusable."""
    if raw is None:
        raise ValueError("code row has no `tests`")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as e:
            raise ValueError(f"`tests` is not valid JSON: {e}") from None
    if not isinstance(raw, dict):
        raise ValueError(f"`tests` must be a JSON object (a sandbox request without `code`), got {type(raw).__name__}")
    return raw


@dataclass(frozen=True)
class CodeTestsKwargs:
    scoring: str = kwarg("pass_rate", "pass_rate (passed/total) or all_pass (1.0 only when every test passes)",
                         choices=SCORING_MODES)
    compile_error_score: float = kwarg(0.0, "score of a program that does not compile", ge=-1.0, le=1.0)
    urls: list[str] | str | None = kwarg(None, "sandbox server URLs (a list or a comma-separated string); default: "
                                               "the run's sandbox", convert=parse_urls, need="sandbox_urls",
                                         infra=True)
    http_timeout_s: float = kwarg(60.0, "timeout of one sandbox HTTP request, in seconds", gt=0.0, infra=True)
    retries: int = kwarg(3, "retries of a sandbox request after a connection error or 5xx", ge=0, infra=True)
    max_failure_fraction: float = failure_fraction_kwarg(0.5)
    require_thinking: bool = require_thinking_kwarg()


@register("code_tests")
class CodeTests(Reward):
    """Execution reward for code rows; see the module docstring; kwargs in `CodeTestsKwargs`. Async: GRPOTrainer
    awaits it on its event loop."""

    tasks = ("code",)
    columns = ("tests",)
    unscored_excludes_row = True
    accuracy = True
    Kwargs = CodeTestsKwargs
    renamed = {"sandbox_url": "urls", "timeout_s": "http_timeout_s"}
    scoring: str
    compile_error_score: float
    urls: list[str] | None
    http_timeout_s: float
    retries: int
    max_failure_fraction: float

    def setup(self) -> None:
        self._client: SandboxClient | None = None

    # -- lifecycle -------------------------------------------------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_client"] = None
        return state

    def client(self) -> SandboxClient:
        """The sandbox client, created at first use (it keeps one HTTP session per event loop)."""
        if self._client is None:
            if not self.urls:
                raise SandboxNotConfiguredError(
                    f"{self.name}: no sandbox server configured. Give the reward kwarg `urls` (e.g. after `python -m "
                    "sandbox serve --host 127.0.0.1 --port 8080`); the rl pipeline binds the run's sandbox "
                    f"(sandbox.urls, else ${SANDBOX_URL_ENV} read when the config loads, else an embedded local "
                    "server).")
            self._client = SandboxClient(self.urls, timeout_s=self.http_timeout_s, retries=self.retries)
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    async def _run(self, requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Every request concurrently; a request that exhausted its retries yields an `internal_error` result.

        Unlike `SandboxClient.arun_batch` (all or nothing), rows scored before a server went down keep their score.
        """
        client = self.client()
        results = await asyncio.gather(*(client.arun(r) for r in requests), return_exceptions=True)
        out = []
        for result in results:
            if isinstance(result, SandboxUnavailable):
                result = {"status": "internal_error", "error": str(result)}
            elif isinstance(result, BaseException):
                raise result
            out.append(result)
        return out

    # -- scoring ---------------------------------------------------------------------------------------------------
    def _request(self, completion: Completion, row: dict[str, Any]) -> dict[str, Any] | None:
        """The sandbox request for one completion, or `None` when it submits no usable code block."""
        answer = answer_part(self.response_text(completion))
        if answer is None:
            return None
        row_language = normalize_language(str(row.get("language", "")))
        allowed = SUPPORTED_LANGUAGES if row.get("mode", "stdio") == "stdio" or row_language is None else {row_language}
        block = extract_final_code(answer, allowed)
        if block is None or "\x00" in block.code:  # a NUL byte cannot be a program (the sandbox rejects it)
            return None
        language = block.language or row_language or row.get("language")
        return {**row, "code": block.code, "language": language, "stop_on_first_failure": self.scoring == "all_pass"}

    def _score(self, result: dict[str, Any]) -> float | None:
        if result.get("status") == "compile_error":
            return self.compile_error_score
        passed, total = result.get("passed"), result.get("total")
        if not isinstance(passed, int) or not isinstance(total, int) or total <= 0:
            return None
        if self.scoring == "all_pass":
            return 1.0 if passed == total else 0.0
        return passed / total

    async def __call__(
        self,
        completions: Sequence[Completion],
        tests: Sequence[Any] | None = None,
        task: Sequence[str | None] | None = None,
        log_metric: Callable[[str, float], None] | None = None,
        **_: Any,
    ) -> list[float | None]:
        out: list[float | None] = [None] * len(completions)
        rows = self.routed(completions, task)
        if not rows:
            return out
        if tests is None:
            raise ValueError(f"{self.name}: the dataset has code rows but no `tests` column")
        invalid: list[str] = []
        pending: list[tuple[int, dict[str, Any]]] = []
        no_code = 0
        parsed: dict[Any, dict[str, Any] | ValueError] = {}  # the G completions of a prompt share its tests
        for i in rows:
            key = tests[i] if isinstance(tests[i], str) else id(tests[i])
            if key not in parsed:
                try:
                    parsed[key] = parse_tests(tests[i])
                except ValueError as e:
                    parsed[key] = e
            row = parsed[key]
            if isinstance(row, ValueError):
                invalid.append(str(row))
                continue
            request = self._request(completions[i], row)
            if request is None:
                out[i], no_code = 0.0, no_code + 1
            else:
                pending.append((i, request))

        failed, detail, compile_errors = 0, "", 0
        if pending:
            results = await self._run([req for _, req in pending])
            for (i, _req), result in zip(pending, results, strict=True):
                status = result.get("status")
                if status == "invalid_request":
                    invalid.append(str(result.get("error", "sandbox rejected the request")))
                elif status in ("ok", "compile_error"):
                    out[i] = self._score(result)
                    compile_errors += status == "compile_error"
                    if out[i] is None:
                        invalid.append(f"sandbox reported {result.get('passed')!r}/{result.get('total')!r} tests")
                else:  # internal_error, or anything this client version does not know
                    failed += 1
                    detail = detail or str(result.get("error") or f"sandbox status {status!r}")

        if invalid:
            logger.warning(
                "%s: %d code row(s) not scored because their `tests` are invalid (a dataset problem, not a wrong "
                "answer; fix the data). First error: %s", self.name, len(invalid), invalid[0])
        if log_metric is not None:
            log_metric(f"rewards/{self.name}/invalid_rows", float(len(invalid)))
            log_metric(f"rewards/{self.name}/no_code_frac", no_code / len(rows))
            log_metric(f"rewards/{self.name}/compile_error_frac", compile_errors / len(rows))
        report_failures(self.name, failed, len(pending), self.max_failure_fraction, log_metric, detail)
        return out
