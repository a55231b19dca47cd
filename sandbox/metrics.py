"""Process-local counters and histograms, rendered as Prometheus text exposition (format 0.0.4)."""
from __future__ import annotations

import bisect
from collections import Counter

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class Histogram:
    def __init__(self) -> None:
        self.counts = [0] * (len(BUCKETS) + 1)
        self.total = 0.0
        self.n = 0

    def observe(self, value: float) -> None:
        self.counts[bisect.bisect_left(BUCKETS, value)] += 1
        self.total += value
        self.n += 1

    def render(self, name: str) -> list[str]:
        out, acc = [], 0
        for bound, c in zip(BUCKETS, self.counts):
            acc += c
            out.append(f'{name}_bucket{{le="{bound}"}} {acc}')
        out += [f'{name}_bucket{{le="+Inf"}} {self.n}', f"{name}_sum {self.total:.6f}", f"{name}_count {self.n}"]
        return out


class Metrics:
    def __init__(self) -> None:
        self.requests: Counter[tuple[str, int]] = Counter()  # (endpoint, http status)
        self.results: Counter[str] = Counter()  # /run response status
        self.executions: Counter[str] = Counter()  # test status
        self.cache_hits = 0
        self.request_seconds = Histogram()
        self.test_seconds = Histogram()

    def observe_request(self, seconds: float, status: str) -> None:
        self.request_seconds.observe(seconds)
        self.results[status] += 1

    def observe_test(self, status: str, seconds: float) -> None:
        self.executions[status] += 1
        self.test_seconds.observe(seconds)

    def counters(self) -> dict:
        return {"requests": sum(self.requests.values()), "results": dict(self.results),
                "executions": dict(self.executions), "cache_hits": self.cache_hits}

    def render(self, gauges: dict[str, float]) -> str:
        lines = _family("sandbox_http_requests_total", "counter", "HTTP requests by endpoint and status code.",
                        [(f'endpoint="{e}",code="{c}"', n) for (e, c), n in sorted(self.requests.items())])
        lines += _family("sandbox_run_results_total", "counter", "Program runs by response status.",
                         [(f'status="{k}"', n) for k, n in sorted(self.results.items())])
        lines += _family("sandbox_executions_total", "counter", "Test executions by status.",
                         [(f'status="{k}"', n) for k, n in sorted(self.executions.items())])
        lines += _family("sandbox_cache_hits_total", "counter",
                         "Requests answered from the result cache or an identical in-flight run.",
                         [("", self.cache_hits)])
        lines += ["# HELP sandbox_run_duration_seconds Wall time of one program run (all its tests).",
                  "# TYPE sandbox_run_duration_seconds histogram",
                  *self.request_seconds.render("sandbox_run_duration_seconds")]
        lines += ["# HELP sandbox_test_duration_seconds Wall time of one test execution.",
                  "# TYPE sandbox_test_duration_seconds histogram",
                  *self.test_seconds.render("sandbox_test_duration_seconds")]
        for name, value in sorted(gauges.items()):
            lines += _family(f"sandbox_{name}", "gauge", name.replace("_", " ") + ".", [("", value)])
        return "\n".join(lines) + "\n"


def _family(name: str, kind: str, help_text: str, samples: list[tuple[str, float]]) -> list[str]:
    out = [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
    return out + [f"{name}{{{labels}}} {value}" if labels else f"{name} {value}" for labels, value in samples]
