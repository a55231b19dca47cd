"""Where a dataset source lives (local file/folder or hub id) and reading its raw rows.

A source is local when it exists, or looks like a path: it starts with `/`, `.` or `~`, has a data-file suffix
(.jsonl, .json, .parquet, .csv, .arrow), or has more than one `/`. Anything else (`org/name`) is a hub id.
Relative local paths are looked up in the working directory, then next to the pipeline config, then in the
project root (so the shipped `rl/samples/...` resolve from anywhere).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator, Sequence

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DATA_SUFFIXES = (".jsonl", ".json", ".parquet", ".csv", ".arrow")


def looks_local(ref: str) -> bool:
    """True when `ref` names a local path rather than a hub id."""
    return (Path(ref).expanduser().exists() or ref.startswith(("/", ".", "~")) or ref.endswith(DATA_SUFFIXES)
            or ref.count("/") > 1)


def resolve_local(ref: str, config_dir: Path | None = None) -> Path | None:
    """The existing local path `ref` refers to (see the module doc for the search order), or None."""
    path = Path(ref).expanduser()
    if path.is_absolute():
        return path if path.exists() else None
    for base in (Path.cwd(), config_dir, PROJECT_ROOT):
        if base is not None and (base / path).exists():
            return (base / path).resolve()
    return None


class DataFileError(ValueError):
    """A local data file does not parse; the message names the file and line, with counts and the first reasons."""


def _json_file_rows(path: Path) -> list[Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise DataFileError(f"{path}: not valid JSON ({e})") from None
    rows = data if isinstance(data, list) else data.get("data") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        raise DataFileError(f"{path}: expected a JSON list of rows (or {{'data': [...]}})")
    return rows


def _iter_json(path: Path, strict: bool = True) -> Iterator[dict[str, Any]]:
    """Rows of a .jsonl file (or a .json file holding a list of rows), parsed with `json` so that columns holding
    objects of varying shape never hit Arrow type inference.

    A .jsonl line that is not JSON (or not UTF-8) raises `DataFileError` after the whole file is read, naming the
    first bad `file:line` with how many lines are bad and the first reasons; with `strict=False` bad lines are
    skipped."""
    if path.suffix == ".json":
        yield from _json_file_rows(path)
        return
    bad: list[str] = []
    count = 0
    with path.open("rb") as f:
        for lineno, raw in enumerate(f, 1):
            if not raw.strip():
                continue
            count += 1
            try:
                row = json.loads(raw.decode("utf-8"))
            except (json.JSONDecodeError, UnicodeDecodeError) as e:
                bad.append(f"line {lineno}: {e}")
                continue
            if not bad or not strict:
                yield row
    if bad and strict:
        first = bad[0].split(":", 1)[0].removeprefix("line ")
        raise DataFileError(f"{path}:{first}: {len(bad)} of {count} lines are not JSON, e.g. "
                            + "; ".join(bad[:3]))


def peek_rows(path: Path, n: int = 32) -> list[dict[str, Any]]:
    """The first `n` rows of a local data file (empty for folders and formats read only through `datasets`)."""
    if path.is_file() and path.suffix in (".jsonl", ".json"):
        rows = []
        for row in _iter_json(path, strict=False):
            rows.append(row)
            if len(rows) >= n:
                break
        return rows
    if path.is_file() and path.suffix == ".parquet":
        import pyarrow.parquet as pq

        batch = next(pq.ParquetFile(path).iter_batches(batch_size=n), None)
        return batch.to_pylist() if batch is not None else []
    return []


def read_raw_rows(ref: str, path: Path | None, split: str, subset: str | None,
                  columns: Sequence[str]) -> list[dict[str, Any]]:
    """Every raw row of a source, restricted to `columns` that exist (the adapter's inputs).

    Local .jsonl/.json files are parsed with `json`; other local files, folders (data files, or a dataset saved
    with `save_to_disk`) and hub ids go through `datasets` (`split`, and `subset` as the config name).
    """
    if path is not None and path.is_file() and path.suffix in (".jsonl", ".json"):
        wanted = set(columns)
        return [{k: v for k, v in row.items() if k in wanted} for row in _iter_json(path)]
    import datasets

    if path is not None and path.is_dir() and (path / "dataset_info.json").exists():
        ds = datasets.load_from_disk(str(path))
        if isinstance(ds, datasets.DatasetDict):
            ds = ds[split]
    elif path is not None and path.is_file():
        builder = {".parquet": "parquet", ".csv": "csv", ".arrow": "arrow"}.get(path.suffix)
        if builder is None:
            raise ValueError(f"{path}: unsupported file type (use {', '.join(DATA_SUFFIXES)})")
        ds = datasets.load_dataset(builder, data_files=str(path), split="train")
    else:
        ds = datasets.load_dataset(str(path) if path is not None else ref, subset, split=split)
    keep = [c for c in ds.column_names if c in set(columns)]
    return ds.select_columns(keep).to_list()
