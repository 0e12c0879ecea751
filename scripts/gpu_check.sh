#!/usr/bin/env bash
# GPU check, one command: the `gpu` test subset, then the end-to-end benchmark on CUDA next to the
# CPU figures from the same run (per-stage seconds side by side, and where each model ran).
# On a machine without a GPU the gpu tests skip with the reason and the CUDA benchmark is skipped.
#   scripts/gpu_check.sh            (after `make test` or scripts/install.sh all,test, plus the gpu extra)
#   LENGTHS=10 scripts/gpu_check.sh (clip lengths of the benchmark, seconds; default 10,60)
set -uo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"
export HF_HUB_OFFLINE=1 PYTHONWARNINGS=ignore
"$PY" - <<'PYEOF'
import torch
print("torch", torch.__version__, "(CUDA", torch.version.cuda, ") cuda available:", torch.cuda.is_available())
if torch.cuda.is_available():
    p = torch.cuda.get_device_properties(0)
    print("device:", torch.cuda.get_device_name(0), f"{p.total_memory / 2**30:.0f} GiB")
try:
    import ctranslate2
    from saber_agent.plugins.whisper_models import preload_cublas

    print("ctranslate2", ctranslate2.__version__, "sees", ctranslate2.get_cuda_device_count(), "GPU(s);",
          "cuBLAS 12 from the nvidia-cublas-cu12 wheel" if preload_cublas() else
          "no nvidia-cublas-cu12 wheel (faster-whisper on CUDA needs libcublas.so.12: install saber-agent[gpu])")
except ImportError as exc:
    print("faster-whisper's engine is not installed:", exc)
PYEOF
"$PY" -m pytest -q -m gpu -rs -p no:cacheprovider tests/
status=$?
"$PY" bench/e2e.py --lengths "${LENGTHS:-10,60}" --devices cpu,cuda || status=1
exit $status
