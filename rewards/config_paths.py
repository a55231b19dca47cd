"""Where the project's shipped configs are found, in a checkout and in an installed package.

Shipped configs live in the checkout's `configs/<kind>/` (`rewards`, `pipeline`, `eval`, `accelerate`,
`deepspeed`). A wheel installs the same files under `<prefix>/share/rlvr-pipeline/configs/<kind>/` (pyproject's
`data-files`), where `<prefix>` is the environment's data path (the venv, `/usr/local`, or the user scheme).
`config_dirs(kind)` lists the folders searched, in order: the checkout's first, then the installed copies.
"""

from __future__ import annotations

import sysconfig
from pathlib import Path

CHECKOUT_CONFIGS = Path(__file__).resolve().parent.parent / "configs"
INSTALLED_SUBDIR = Path("share") / "rlvr-pipeline" / "configs"
KINDS = ("rewards", "pipeline", "eval", "accelerate", "deepspeed")


def _installed_roots() -> list[Path]:
    prefixes = [sysconfig.get_paths()["data"]]
    try:
        prefixes.append(sysconfig.get_paths(scheme=sysconfig.get_preferred_scheme("user"))["data"])
    except (KeyError, AttributeError):  # no user scheme on this platform
        pass
    return [Path(p) / INSTALLED_SUBDIR for p in prefixes]


def config_dirs(kind: str) -> list[Path]:
    """Existing folders holding the shipped configs of `kind`, checkout first."""
    if kind not in KINDS:
        raise ValueError(f"unknown config kind {kind!r} (kinds: {', '.join(KINDS)})")
    out: list[Path] = []
    for root in (CHECKOUT_CONFIGS, *_installed_roots()):
        folder = (root / kind).resolve()
        if folder.is_dir() and folder not in out:
            out.append(folder)
    return out


def find_config(kind: str, ref: str | Path, suffixes: tuple[str, ...] = (".yaml",)) -> Path | None:
    """`ref` as a path when it is a file, else the shipped config of that name (`math_code` or `math_code.yaml`)
    in the first folder of `config_dirs(kind)` that has it; None when there is none."""
    path = Path(ref)
    if path.is_file():
        return path
    if path.is_absolute() or len(path.parts) != 1:
        return None
    for folder in config_dirs(kind):
        for cand in (folder / path, *(folder / f"{path}{s}" for s in suffixes)):
            if cand.is_file():
                return cand
    return None


def shipped(kind: str, suffixes: tuple[str, ...] = (".yaml",)) -> list[str]:
    """Names (without suffix) of the shipped configs of `kind`."""
    return sorted({p.stem for d in config_dirs(kind) for s in suffixes for p in d.glob(f"*{s}")})
