"""Close-match hints for error messages ("did you mean ...?"), shared by every name lookup in the project."""

from __future__ import annotations

import difflib
from typing import Any


def did_you_mean(name: Any, choices: Any, n: int = 3) -> str:
    """`"; did you mean 'x'?"` naming the choices closest to `name`, or `""` when none is close."""
    close = difflib.get_close_matches(str(name), [str(c) for c in choices], n=n, cutoff=0.6)
    return f"; did you mean {', '.join(map(repr, close))}?" if close else ""
