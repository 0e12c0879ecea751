#!/usr/bin/env bash
# GPU check, one command: the `gpu` test subset, then the end-to-end benchmark on CUDA next to the
# CPU figures from the same run. On a machine without a GPU the gpu tests skip with the reason.
#   scripts/gpu_check.sh            (after `make test` or scripts/install.sh all,test)
set -uo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"
"$PY" - <<'PYEOF'
import torch
print("torch", torch.__version__, "cuda available:", torch.cuda.is_available())
if torch.cuda.is_available():
    print("device:", torch.cuda.get_device_name(0), f"{torch.cuda.get_device_properties(0).total_memory / 2**30:.0f} GiB")
PYEOF
"$PY" -m pytest -q -m gpu -rs tests/
status=$?
"$PY" bench/e2e.py --lengths "${LENGTHS:-10,60}" --devices cpu,cuda || status=1
exit $status
