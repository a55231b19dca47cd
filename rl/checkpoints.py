"""Checkpoint completeness, the newest complete checkpoint to resume from, and disk-full save failures.

A `checkpoint-N/` folder is complete when:
- `trainer_state.json` is present and parses (the Trainer writes it after the weights, optimizer, scheduler and RNG
  states, so a save that died half-way has none);
- every `*.safetensors` file is whole: its 8-byte header length, its JSON header and the largest tensor end add up
  to the file size;
- every torch file (`*.pt`, `*.pth`, `*.bin`: optimizer, scheduler, RNG, DeepSpeed shards) is a zip archive whose
  central directory, written last, is intact and whose members all lie inside the file.

Only headers and directories are read, never the tensors, so checking a 100 GB checkpoint takes milliseconds.
`newest_complete(stage_dir)` returns the newest complete checkpoint and logs a warning for every newer one it
skips. A save that fails because the disk is full becomes `DiskFullError`, naming the folder, the space left and
the space a checkpoint needs.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import re
import shutil
import struct
import zipfile
from pathlib import Path
from typing import Any, Callable, Iterator

logger = logging.getLogger(__name__)

CHECKPOINT_RE = re.compile(r"^checkpoint-(\d+)$")
STATE_FILE = "trainer_state.json"
TORCH_SUFFIXES = (".pt", ".pth", ".bin")
# What torch, safetensors and the C++ stream layers say when a write hits a full disk without an errno.
DISK_FULL_TEXT = ("no space left", "file write failed", "basic_ios::clear", "iostream error", "enospc",
                  "disk quota exceeded")


class DiskFullError(OSError):
    """A save failed because the disk holding it is full; the message names the folder and the space needed."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.errno = errno.ENOSPC


def human_bytes(n: float) -> str:
    """`1536` -> `1.5 KiB`."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"


def safetensors_header(path: Path) -> dict[str, Any]:
    """The JSON header of a safetensors file; raises ValueError when the file is shorter than its header says."""
    size = path.stat().st_size
    with path.open("rb") as f:
        head = f.read(8)
        if len(head) < 8:
            raise ValueError(f"{size} bytes, shorter than the 8-byte header length")
        (n,) = struct.unpack("<Q", head)
        if 8 + n > size:
            raise ValueError(f"header of {n} bytes runs past the end of the {size}-byte file")
        try:
            header = json.loads(f.read(n))
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ValueError(f"unreadable header ({e})") from None
    end = max((t["data_offsets"][1] for k, t in header.items() if k != "__metadata__"), default=0)
    if 8 + n + end != size:
        raise ValueError(f"truncated: {size} bytes, its header describes {8 + n + end}")
    return header


def safetensors_numel(path: Path) -> int:
    """Number of tensor elements stored in a (complete) safetensors file, from its header alone."""
    total = 0
    for key, t in safetensors_header(path).items():
        if key != "__metadata__":
            count = 1
            for dim in t["shape"]:
                count *= dim
            total += count
    return total


def _check_torch_zip(path: Path) -> None:
    size = path.stat().st_size
    try:
        with zipfile.ZipFile(path) as z:
            for info in z.infolist():
                if info.header_offset + info.compress_size > size:
                    raise ValueError(f"member {info.filename} runs past the end of the file")
    except zipfile.BadZipFile as e:
        raise ValueError(f"not a complete torch archive ({e}; {size} bytes)") from None


def checkpoint_problem(folder: str | Path) -> str | None:
    """Why `folder` is not a complete checkpoint (the first problem found), or None when it is complete."""
    folder = Path(folder)
    state = folder / STATE_FILE
    if not state.is_file():
        return f"no {STATE_FILE} (the save did not finish)"
    try:
        json.loads(state.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        return f"{STATE_FILE} is unreadable ({e})"
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        try:
            if path.suffix == ".safetensors":
                safetensors_header(path)
            elif path.suffix in TORCH_SUFFIXES:
                _check_torch_zip(path)
        except (OSError, ValueError) as e:
            return f"{path.relative_to(folder)}: {e}"
    return None


def checkpoints(stage_dir: str | Path) -> list[Path]:
    """The `checkpoint-N` folders of `stage_dir`, newest (highest N) first."""
    stage_dir = Path(stage_dir)
    if not stage_dir.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in stage_dir.iterdir() if p.is_dir() and (m := CHECKPOINT_RE.match(p.name))]
    return [p for _, p in sorted(found, reverse=True)]


def newest_complete(stage_dir: str | Path) -> tuple[str | None, list[tuple[Path, str]]]:
    """(the newest complete checkpoint or None, the newer incomplete ones skipped with why). Each skipped one is
    logged as a warning; nothing is deleted (the Trainer overwrites the folder when it saves that step again)."""
    skipped = []
    for folder in checkpoints(stage_dir):
        problem = checkpoint_problem(folder)
        if problem is None:
            return str(folder), skipped
        skipped.append((folder, problem))
        logger.warning("checkpoint %s is incomplete (%s); resuming from an earlier one", folder, problem)
    return None, skipped


def folder_bytes(folder: str | Path) -> int:
    """Total size of the files under `folder`."""
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())


def live_checkpoint_bytes(model: Any, optimizer: Any) -> int:
    """Bytes a checkpoint of this live model and optimizer takes: every parameter, plus every optimizer state."""
    import torch

    total = sum(p.numel() * p.element_size() for p in model.parameters())
    if optimizer is not None:
        for state in optimizer.state_dict().get("state", {}).values():
            total += sum(v.numel() * v.element_size() for v in state.values() if isinstance(v, torch.Tensor))
    return total


def _disk_full_evidence(exc: BaseException) -> str | None:
    """`errno` when an ENOSPC/EDQUOT OSError is in the exception chain, `text` when only a message says so."""
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    found = None
    while stack:
        e = stack.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT):
            return "errno"
        if any(t in str(e).lower() for t in DISK_FULL_TEXT):
            found = "text"
        stack += [e.__cause__, e.__context__]
    return found


def disk_full_error(exc: BaseException, folder: str | Path, needed: int | None) -> DiskFullError | None:
    """A `DiskFullError` for a save of `folder` that failed with `exc`, or None when `exc` is not a full disk.

    An errno ENOSPC/EDQUOT anywhere in the exception chain counts; so does a stream error without an errno (torch's
    `file write failed`, `basic_ios::clear: iostream error`) when the disk has less room left than `needed`."""
    folder = Path(folder)
    probe = next((p for p in (folder, *folder.parents) if p.exists()), Path("/"))
    free = shutil.disk_usage(probe).free
    evidence = _disk_full_evidence(exc)
    if evidence is None or (evidence == "text" and needed is not None and free >= needed):
        return None
    need = f"; a checkpoint needs about {human_bytes(needed)}" if needed else ""
    return DiskFullError(f"no room to save {folder}: {human_bytes(free)} left on the disk holding {probe}"
                         f"{need}; free space or move output_dir, then rerun the same command to resume from the "
                         "last complete checkpoint")


@contextlib.contextmanager
def disk_full_named(folder: str | Path, needed: Callable[[], int | None]) -> Iterator[None]:
    """Turn a failure of the save inside the block that a full disk caused into `DiskFullError` (`disk_full_error`;
    `needed()` gives the bytes the save needs). Any other failure propagates unchanged."""
    try:
        yield
    except DiskFullError:
        raise
    except Exception as e:
        error = disk_full_error(e, folder, needed())
        if error is None:
            raise
        raise error from e
