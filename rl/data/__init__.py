"""Training data: sources -> adapters -> templating -> row validation -> length filter -> weighted mix -> split."""

from rl.data.adapters import ADAPTERS, Adapter
from rl.data.schema import ROW_COLUMNS, TASKS, BadRow

__all__ = ["ADAPTERS", "Adapter", "BadRow", "ROW_COLUMNS", "TASKS"]
