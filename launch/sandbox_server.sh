#!/usr/bin/env bash
# Run the sandbox test-execution server standalone, e.g. on a CPU node of a cluster:
#   launch/sandbox_server.sh                      # 0.0.0.0:8080, one warm runner per CPU core
#   SANDBOX_PORT=9000 SANDBOX_WORKERS=32 launch/sandbox_server.sh --max-tests 2000
# then point trainers at it: export SANDBOX_URL=http://<node>:8080[,http://<node2>:8080]
# The API has no authentication: expose it on the cluster's internal network only.
# Env: SANDBOX_HOST (default 0.0.0.0), SANDBOX_PORT (8080), SANDBOX_WORKERS (nproc), PYTHON (.venv/bin/python).
# Extra arguments go to `python -m sandbox serve` (see --help). Needs bubblewrap (launch/setup.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
[ -x "$PYTHON" ] || PYTHON=python3
if ! command -v bwrap >/dev/null 2>&1; then
  echo "[sandbox] bubblewrap (bwrap) is missing: sudo apt-get install bubblewrap (or run launch/setup.sh)" >&2
  exit 1
fi
exec "$PYTHON" -m sandbox serve \
  --host "${SANDBOX_HOST:-0.0.0.0}" --port "${SANDBOX_PORT:-8080}" \
  --workers "${SANDBOX_WORKERS:-$(nproc)}" "$@"
