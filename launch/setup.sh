#!/usr/bin/env bash
# Set up everything the project needs on a fresh Debian/Ubuntu machine:
#   system packages (bubblewrap for the sandbox, g++ for C++ programs, chromium for the report's screenshot test,
#   the shell linter `shellcheck` for the launch scripts' lint test),
#   a virtual environment in .venv with torch installed first, then this package.
# Idempotent: rerunning only installs what is missing.
# Env: TORCH_SPEC (default torch==2.13.0, the CPU build), VENV (default .venv), EXTRAS (default dev).
#      GPU=1: the pinned GPU stack (README, "GPU stack"): EXTRAS defaults to dev,gpu (vLLM 0.27-0.30, DeepSpeed)
#      on a CUDA build of torch 2.13.0 (PyPI's Linux wheel; TORCH_INDEX_URL picks another CUDA build, e.g.
#      https://download.pytorch.org/whl/cu130). flash-attn is never installed here (README: "FlashAttention-2").
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
TORCH_SPEC=${TORCH_SPEC:-torch==2.13.0}
GPU=${GPU:-0}
if [ "$GPU" = 1 ]; then EXTRAS=${EXTRAS:-dev,gpu}; else EXTRAS=${EXTRAS:-dev}; fi
torch_index=(); [ -z "${TORCH_INDEX_URL:-}" ] || torch_index=(--index-url "$TORCH_INDEX_URL")

need_apt=()
command -v bwrap >/dev/null 2>&1 || need_apt+=(bubblewrap)
command -v g++ >/dev/null 2>&1 || need_apt+=(g++)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)  # the run report's screenshot test (headless)
command -v shellcheck >/dev/null 2>&1 || need_apt+=(shellcheck)  # the launch scripts' lint test
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "[setup] apt-get install ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "[setup] missing system packages: ${need_apt[*]} (run: sudo apt-get install ${need_apt[*]})" >&2
    exit 1
  fi
fi

PY=${PYTHON:-python3}
if [ ! -x "$VENV/bin/python" ]; then
  echo "[setup] creating $VENV"
  "$PY" -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
fi
# torch first, so no dependency pulls a multi-GB CUDA build on CPU machines.
if ! "$VENV/bin/python" -c "import torch" >/dev/null 2>&1; then
  echo "[setup] pip install $TORCH_SPEC"
  "$VENV/bin/pip" install -q "$TORCH_SPEC" ${torch_index[@]+"${torch_index[@]}"}
fi
if [ "$GPU" = 1 ] && ! "$VENV/bin/python" -c "import sys, torch; sys.exit(torch.version.cuda is None)"; then
  echo "[setup] GPU=1, but $VENV has a CPU-only torch; the GPU stack needs a CUDA build of torch 2.13.0:" >&2
  echo "        $VENV/bin/pip install --force-reinstall --no-deps torch==2.13.0 (or set VENV to a fresh folder)" >&2
  exit 1
fi
stamp="$VENV/.installed-$(sha1sum pyproject.toml | cut -c1-12)-$EXTRAS"
if [ ! -f "$stamp" ]; then
  echo "[setup] pip install -e .[$EXTRAS]"
  "$VENV/bin/pip" install -q -e ".[$EXTRAS]"
  touch "$stamp"
fi
echo "[setup] ok: $("$VENV/bin/python" -c 'import torch, trl, transformers; print(f"torch {torch.__version__}, trl {trl.__version__}, transformers {transformers.__version__}")')"
