"""`python -m rewards.rules [--loose] [--mode fraction|all]`: check responses against constraints.

Reads JSON lines `{"response": str, "constraints": [{"id", "kwargs"}], "prompt": str (optional)}` on stdin and
writes one line per input line, in order: `{"passed": [bool, ...], "score": float}` (`score` is the fraction
passed, or all-or-nothing with `--mode all`). A malformed line gives `{"passed": [], "score": 0.0, "error": "..."}`
and processing continues.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from rewards.rules import check, score


def process_line(line: str, loose: bool = False, mode: str = "fraction") -> dict[str, Any]:
    """The output object for one input line."""
    try:
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise ValueError(f"invalid JSON line: {e}") from None
        if not isinstance(row, dict):
            raise ValueError(f"expected a JSON object, got {type(row).__name__}")
        response, constraints, prompt = row.get("response"), row.get("constraints"), row.get("prompt")
        if not isinstance(response, str):
            raise ValueError("'response' must be a string")
        if not isinstance(constraints, list):
            raise ValueError("'constraints' must be a list of {'id', 'kwargs'} objects")
        if prompt is not None and not isinstance(prompt, str):
            raise ValueError("'prompt' must be a string when given")
        passed = check(response, constraints, prompt, loose=loose)
    except ValueError as e:  # includes JSON errors and ConstraintError
        return {"passed": [], "score": 0.0, "error": str(e)}
    return {"passed": passed, "score": score(passed, mode)}


def run(stdin: TextIO, stdout: TextIO, loose: bool = False, mode: str = "fraction") -> None:
    for line in stdin:
        stdout.write(json.dumps(process_line(line, loose, mode)) + "\n")
        stdout.flush()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m rewards.rules", description=__doc__.split("\n\n")[0])
    parser.add_argument("--loose", action="store_true", help="IFEval loose mode for the IFEval checks")
    parser.add_argument("--mode", choices=("fraction", "all"), default="fraction", help="how 'score' aggregates")
    args = parser.parse_args(argv)
    run(sys.stdin, sys.stdout, args.loose, args.mode)


if __name__ == "__main__":
    main()
