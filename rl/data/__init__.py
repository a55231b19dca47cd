"""Training data: sources -> adapters -> templating -> row validation -> length filter -> weighted mix -> split."""

from rl.data.adapters import ADAPTERS, Adapter
from rl.data.loading import DataError, load_stage_datasets
from rl.data.schema import ROW_COLUMNS, TASKS, BadRow

__all__ = ["ADAPTERS", "Adapter", "BadRow", "DataError", "ROW_COLUMNS", "TASKS", "load_stage_datasets"]
