"""`python -m sandbox serve ...` / `rlvr-sandbox serve ...`: run the sandbox HTTP server."""
from __future__ import annotations

import argparse
import logging
import os
import signal
import sys

UNSAFE_BANNER = """
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
!!  WARNING: --unsafe-no-isolation: programs run WITHOUT bubblewrap, as this user, with     !!
!!  access to the network and every file this user can read. NEVER use it for untrusted    !!
!!  (model-written) code. Install the 'bubblewrap' package and drop the flag instead.       !!
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
"""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="rlvr-sandbox", description="Sandboxed test-execution server (HTTP API v1).")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="run the HTTP server")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8080)
    s.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                   help="warm sandboxed runners = programs executed in parallel (default: CPU count)")
    s.add_argument("--python", metavar="PATH",
                   help="Python interpreter for programs, e.g. a venv's bin/python with numpy (default: the system "
                        "/usr/bin/python3); the sandbox sees its prefixes read-only and nothing else of the host")
    s.add_argument("--unsafe-no-isolation", action="store_true",
                   help="run without bubblewrap (DANGEROUS; for machines without user namespaces only)")
    s.add_argument("--max-body-mb", type=float, default=16.0, help="request body cap (default 16 MiB)")
    s.add_argument("--max-tests", type=int, default=1000, help="tests per request cap")
    s.add_argument("--cache-tests", type=int, default=100_000,
                   help="LRU result cache size, in test results (0 = off)")
    s.add_argument("--tmp-mb", type=int, default=64,
                   help="size cap of /tmp, the only writable place (emptied after every run)")
    s.add_argument("--max-procs", type=int, default=16, help="processes/threads a test may create")
    s.add_argument("--file-mb", type=int, default=16, help="largest file a test may write")
    s.add_argument("--ignore-sigterm", action="store_true",
                   help="ignore SIGTERM, in the server and its runners; stop with SIGINT. For a server owned by a "
                        "training run: Slurm signals every process of a job step, and the run needs its sandbox "
                        "while it saves a last checkpoint (the run stops it, and it dies with the run anyway)")
    s.add_argument("--log-level", default="INFO")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from aiohttp import web

    from sandbox.isolation import IsolationUnavailable
    from sandbox.server import SandboxApp, ServerConfig

    if args.unsafe_no_isolation:
        print(UNSAFE_BANNER, file=sys.stderr, flush=True)
    cfg = ServerConfig(workers=args.workers, isolated=not args.unsafe_no_isolation,
                       max_body_bytes=int(args.max_body_mb * (1 << 20)), max_tests=args.max_tests,
                       cache_tests=args.cache_tests, tmp_mb=args.tmp_mb, max_procs=args.max_procs,
                       file_mb=args.file_mb, python=args.python)
    if args.ignore_sigterm:  # before the runners start: they inherit the ignored disposition across exec
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        app = SandboxApp(cfg).build()
    except (IsolationUnavailable, ValueError) as e:
        print(f"rlvr-sandbox: {e}", file=sys.stderr)
        return 2
    web.run_app(app, host=args.host, port=args.port, print=lambda msg: print(msg, flush=True),
                access_log=None, shutdown_timeout=5, handle_signals=not args.ignore_sigterm)
    return 0
