"""A Whisper model that stops after its first encoder layers: the output of an inner encoder layer.

CTranslate2 returns only the encoder's last layer (`Whisper.encode`), but the layers of a speech
encoder differ in what they keep: the first ones stay close to the sound (pitch, loudness, voice
quality), the last ones move towards the words (layer-wise probes of wav2vec 2.0 / HuBERT / Whisper
for emotion: Pasad, Chou & Livescu 2021; Chen et al. 2022, "WavLM"; the Whisper encoder probes of
EmoBox, Ma et al., Interspeech 2024). CTranslate2 builds as many encoder layers as the model file
holds (``encoder/layer_0`` ... in ``model.bin``), so a copy of the model file without the layers
from `layers` on is a model whose encoder output is layer ``layers - 1`` passed through the
encoder's final layer norm (a per-frame affine normalisation: pooled statistics keep what the layer
holds). The decoder is kept unchanged (CTranslate2 needs one to load a Whisper model).

The copy is written once into the user cache beside the bundled model it comes from
(``<model folder>-encoder<layers>``), atomically (a staging folder renamed into place), and reuses
the bundled model's config, tokenizer and vocabulary. ``model.bin`` format: CTranslate2's
`ModelSpec._serialize` (binary version 6 here): header (version, spec name, revision), then each
variable (name, rank, dims, dtype id, byte count, bytes), then the aliases.
"""

from __future__ import annotations

import shutil
import struct
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from saber_agent.plugins.whisper_models import ModelSpec, ModelUnavailable

_lock = threading.Lock()


@dataclass
class CT2Model:
    """The parsed contents of a CTranslate2 ``model.bin``: variables keep their raw bytes."""

    version: int
    spec: str
    revision: int
    variables: list[tuple[str, list[int], int, bytes]]  # name, shape, dtype id, data
    aliases: list[tuple[str, str]]  # alias, variable name

    def encoder_layers(self) -> int:
        """How many encoder layers the model holds (``encoder/layer_<i>/...`` variables)."""
        return len({layer for name, *_ in self.variables if (layer := _encoder_layer(name)) is not None})


def _encoder_layer(name: str) -> int | None:
    parts = name.split("/")
    if len(parts) > 2 and parts[0] == "encoder" and parts[1].startswith("layer_") and parts[1][6:].isdigit():
        return int(parts[1][6:])
    return None


def read_model(path: str | Path) -> CT2Model:
    """Parse a CTranslate2 ``model.bin`` (binary version 5 or 6). Raises ValueError on another file."""
    data = Path(path).read_bytes()
    at = 0

    def number(fmt: str) -> int:
        nonlocal at
        (value,) = struct.unpack_from(fmt, data, at)
        at += struct.calcsize(fmt)
        return value

    def string() -> str:
        nonlocal at
        n = number("H")
        value = data[at: at + n - 1].decode("utf-8")
        at += n
        return value

    try:
        version = number("I")
        if version not in (5, 6):
            raise ValueError(f"{path}: CTranslate2 model binary version {version}, not 5 or 6")
        spec, revision = string(), number("I")
        variables = []
        for _ in range(number("I")):
            name = string()
            shape = [number("I") for _ in range(number("B"))]
            dtype, size = number("B"), number("I")
            variables.append((name, shape, dtype, data[at: at + size]))
            at += size
        aliases = [(string(), string()) for _ in range(number("I"))]
    except (struct.error, UnicodeDecodeError) as exc:
        raise ValueError(f"{path} is not a CTranslate2 model file: {exc}") from None
    if at != len(data):
        raise ValueError(f"{path}: {len(data) - at} bytes after the model's last entry")
    return CT2Model(version, spec, revision, variables, aliases)


def write_model(model: CT2Model, path: str | Path) -> None:
    """Write `model` as CTranslate2 reads it (the inverse of `read_model`)."""
    with open(path, "wb") as out:
        def string(value: str) -> None:
            raw = value.encode("utf-8")
            out.write(struct.pack("H", len(raw) + 1) + raw + b"\0")

        out.write(struct.pack("I", model.version))
        string(model.spec)
        out.write(struct.pack("=II", model.revision, len(model.variables)))
        for name, shape, dtype, raw in model.variables:
            string(name)
            out.write(struct.pack("B", len(shape)) + b"".join(struct.pack("I", d) for d in shape))
            out.write(struct.pack("=BI", dtype, len(raw)) + raw)
        out.write(struct.pack("I", len(model.aliases)))
        for alias, name in model.aliases:
            string(alias)
            string(name)


def first_layers(model: CT2Model, layers: int) -> CT2Model:
    """A copy of `model` with encoder layers ``0 .. layers-1`` only (1 <= layers <= its encoder layers)."""
    held = model.encoder_layers()
    if not 1 <= layers <= held:
        raise ValueError(f"the model has {held} encoder layers; cannot keep {layers}")
    kept = [v for v in model.variables if (_encoder_layer(v[0]) or 0) < layers]
    return CT2Model(model.version, model.spec, model.revision, kept, model.aliases)


def truncated(spec: ModelSpec, layers: int) -> ModelSpec:
    """`spec`'s model cut after its first `layers` encoder layers, written once beside it in the cache.

    Raises ModelUnavailable when the model file cannot be read or has fewer layers."""
    source = Path(spec.path)
    target = source.parent / f"{source.name}-encoder{layers}"
    with _lock:
        if not (target / "model.bin").is_file():
            try:
                cut = first_layers(read_model(source / "model.bin"), layers)
            except (OSError, ValueError) as exc:
                raise ModelUnavailable(f"cannot cut the whisper model {source} after {layers} encoder layers: {exc}") from None
            staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
            try:
                write_model(cut, staging / "model.bin")
                for extra in source.iterdir():
                    if extra.is_file() and extra.name != "model.bin":
                        shutil.copy(extra, staging / extra.name)
                staging.rename(target)
            except OSError as exc:
                if not (target / "model.bin").is_file():  # else another process finished first
                    raise ModelUnavailable(f"cannot write the cut whisper model {target}: {exc}") from None
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    return ModelSpec(f"{spec.name}-encoder{layers}", str(target), spec.multilingual, spec.source)


__all__ = ["CT2Model", "first_layers", "read_model", "truncated", "write_model"]
