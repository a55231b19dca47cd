"""`python -m rewards.math`: JSON lines `{"gold", "response"}` on stdin -> `{"correct", "extracted", "reason"}`.

One output line per input line, in order. A malformed line gets
`{"correct": false, "extracted": null, "reason": "invalid_input: ..."}` and processing continues. Lines are read
in chunks of `--batch` and graded with `verify_batch` (concurrently, with the cache).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Iterator, TextIO

from rewards.math.verifier import DEFAULT_TIMEOUT_S, Verdict, verify_batch


def _parse_line(line: str) -> tuple[str, str] | str:
    """(gold, response), or an error message."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as e:
        return f"invalid_input: not JSON ({e.msg})"
    if not isinstance(obj, dict):
        return "invalid_input: expected a JSON object"
    gold, response = obj.get("gold"), obj.get("response")
    if not isinstance(gold, str) or not isinstance(response, str):
        return "invalid_input: 'gold' and 'response' must be strings"
    return gold, response


def _chunks(stream: TextIO, size: int) -> Iterator[list[str]]:
    chunk: list[str] = []
    for line in stream:
        chunk.append(line)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def run(stdin: TextIO, stdout: TextIO, timeout_s: float, batch: int) -> None:
    """Grade every line of `stdin` onto `stdout` (see module docstring)."""
    for chunk in _chunks(stdin, batch):
        parsed = [_parse_line(line) for line in chunk]
        good = [p for p in parsed if isinstance(p, tuple)]
        graded = iter(verify_batch(good, timeout_s=timeout_s))
        for p in parsed:
            verdict = next(graded) if isinstance(p, tuple) else Verdict(False, None, p)
            stdout.write(json.dumps(verdict.to_dict(), ensure_ascii=False) + "\n")
        stdout.flush()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m rewards.math", description=__doc__.split("\n")[0])
    ap.add_argument("--timeout-s", type=float, default=DEFAULT_TIMEOUT_S, help="per-pair hard timeout (s)")
    ap.add_argument("--batch", type=int, default=64, help="lines graded together (output is flushed per batch)")
    args = ap.parse_args(argv)
    if args.timeout_s <= 0 or args.batch < 1:
        ap.error("--timeout-s must be > 0 and --batch >= 1")
    run(sys.stdin, sys.stdout, args.timeout_s, args.batch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
