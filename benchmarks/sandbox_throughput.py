"""Sandbox throughput vs the naive baseline, side by side in one run (design.md section 5).

Workload: 64 distinct correct Python programs x 10 stdin/stdout tests.
- sandbox: POST /run_batch to a local, fully isolated server (bubblewrap, warm runners, fork per test);
- naive:   one process of this project's interpreter (the venv's python) per test, as many at a time as
           there are cores, no isolation, output compared in the parent (also shown: the system python3).
The three run interleaved in chunks of --chunk programs, so machine load hits them alike. Also reports the
per-test added latency of the sandbox: each test's wall time in the runner (fork, namespaces,
limits, program, teardown) minus the same program's own run time in-process, and the end-to-end latency of
single-test /run requests on an idle server.

Usage: .venv/bin/python benchmarks/sandbox_throughput.py [--programs 64] [--tests 10] [--workers N] [--repeat 3]
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from sandbox.client import SandboxClient  # noqa: E402
from sandbox.local import start_local_server  # noqa: E402
from sandbox.verdict import stdout_matches  # noqa: E402
from sandbox.protocol import Compare  # noqa: E402

TEMPLATES = [
    "import sys\nnums = list(map(int, sys.stdin.read().split()))\nprint(sum(nums) + {k} - {k})\n",
    "a = input().split()\nprint(sum(int(x) for x in a) * {k} // {k})\n",
    "import sys\ndata = sys.stdin.read().split()\ntotal = 0\nfor x in data:\n    total += int(x)\nprint(total + 0 * {k})\n",
    "def solve(s):\n    return sum(map(int, s.split()))\nprint(solve(input()) + ({k} - {k}))\n",
]


def make_requests(n_programs: int, n_tests: int, salt: int) -> list[dict]:
    reqs = []
    for p in range(n_programs):
        code = TEMPLATES[p % len(TEMPLATES)].format(k=p + 1000 * salt + 1)
        tests = []
        for t in range(n_tests):
            nums = [(p * 31 + t * 17 + i * 7) % 1000 for i in range(5 + t)]
            tests.append({"input": " ".join(map(str, nums)) + "\n", "output": f"{sum(nums)}\n"})
        reqs.append({"language": "python", "code": code, "mode": "stdio", "tests": tests})
    return reqs


def post_batch(url: str, reqs: list[dict]) -> tuple[float, list[dict]]:
    body = json.dumps({"requests": reqs}).encode()
    start = time.perf_counter()
    req = urllib.request.Request(url + "/run_batch", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(req, timeout=600) as r:
        results = json.loads(r.read())["results"]
    return time.perf_counter() - start, results


def naive(python: str, reqs: list[dict], parallel: int) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as d:
        jobs = []
        for i, r in enumerate(reqs):
            path = Path(d, f"p{i}.py")
            path.write_text(r["code"])
            jobs += [(str(path), t) for t in r["tests"]]

        def one(job):
            path, test = job
            out = subprocess.run([python, path], input=test["input"].encode(), capture_output=True, timeout=30)
            return out.returncode == 0 and stdout_matches(out.stdout, test["output"], Compare())

        start = time.perf_counter()
        with ThreadPoolExecutor(parallel) as pool:
            ok = sum(pool.map(one, jobs))
        return time.perf_counter() - start, ok


def own_time(code: str, stdin: str, reps: int = 20) -> float:
    """The program's own run time in-process (best of `reps`): what is left when every overhead is removed."""
    compiled = compile(code, "main.py", "exec")
    best = float("inf")
    for _ in range(reps):
        out = io.StringIO()
        sys.stdin = io.StringIO(stdin)
        start = time.perf_counter()
        with contextlib.redirect_stdout(out):
            exec(compiled, {"__name__": "__main__"})
        best = min(best, time.perf_counter() - start)
    sys.stdin = sys.__stdin__
    return best


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--programs", type=int, default=64)
    ap.add_argument("--tests", type=int, default=10)
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    ap.add_argument("--repeat", type=int, default=3, help="rounds, each over fresh programs (no cache hits)")
    ap.add_argument("--chunk", type=int, default=16, help="programs per interleaving step")
    args = ap.parse_args()
    cores = os.cpu_count()
    n = args.programs * args.tests
    print(f"machine: {cores} cores, load average before: {loadavg()}; {args.programs} programs x {args.tests} tests")
    with start_local_server(workers=args.workers) as srv:
        post_batch(srv.url, make_requests(8, 2, salt=999))  # warm-up (different programs: no cache hits later)
        rows = []
        for rnd in range(args.repeat):
            reqs = make_requests(args.programs, args.tests, salt=rnd)
            t_box = t_venv = t_sys = 0.0
            passed = ok_venv = 0
            # Interleave the three in chunks so that all of them see the same (shared, noisy) machine.
            for c in range(0, len(reqs), args.chunk):
                chunk = reqs[c:c + args.chunk]
                dt, results_chunk = post_batch(srv.url, chunk)
                t_box += dt
                passed += sum(r["passed"] for r in results_chunk)
                dt, ok = naive(sys.executable, chunk, cores)
                t_venv, ok_venv = t_venv + dt, ok_venv + ok
                t_sys += naive("/usr/bin/python3", chunk, cores)[0]
                results = results_chunk if c == 0 else results + results_chunk
            rows.append((t_box, t_venv, t_sys))
            print(f"round {rnd}: sandbox {n / t_box:7.1f} tests/s ({passed}/{n} passed) | naive venv python "
                  f"{n / t_venv:6.1f} tests/s ({ok_venv}/{n}) -> {t_venv / t_box:5.1f}x | naive /usr/bin/python3 "
                  f"{n / t_sys:6.1f} tests/s -> {t_sys / t_box:5.1f}x | load {loadavg()}")
            assert passed == n and ok_venv == n, "every program is correct: all tests must pass"
        added = []
        for req, res in zip(reqs, results):
            for test, entry in zip(req["tests"], res["tests"]):
                added.append(entry["time_s"] - own_time(req["code"], test["input"], reps=3))
        client = SandboxClient(srv.url)
        e2e = []
        for i in range(200):
            req = make_requests(1, 1, salt=10_000 + i)[0]
            start = time.perf_counter()
            client.run(req)
            e2e.append(time.perf_counter() - start)
        client.close()
    speedups = sorted(v / b for b, v, _ in rows)
    print(f"\nthroughput vs naive venv python: median {statistics.median(speedups):.1f}x "
          f"(rounds: {', '.join(f'{s:.1f}x' for s in speedups)})")
    print(f"added per-test latency in the runner (last round, {len(added)} tests): "
          f"p50 {pct(added, 50) * 1000:.2f} ms, p99 {pct(added, 99) * 1000:.2f} ms")
    print(f"end-to-end single-test /run on an idle server (client->server->sandbox->client, 200 requests): "
          f"p50 {pct(e2e, 50) * 1000:.2f} ms, p99 {pct(e2e, 99) * 1000:.2f} ms")
    print(f"load average after: {loadavg()}")


if __name__ == "__main__":
    main()
