"""Voice-emotion models: the files `saber-agent train voice` writes and the Hugging Face models the voice cue
can run, and how each is loaded (moved out of `plugins.voice_emotion`, which re-exports every name here).

- `LinearVoiceModel`: StandardScaler + multinomial logistic regression stored as plain JSON (no pickle), over
  one of `FEATURE_SETS`; a damaged or foreign file is refused (`VoiceModelUnavailable`), never half-used.
- `HFVoiceModel`: any `AutoModelForAudioClassification` (wav2vec2 / HuBERT / WavLM / emotion2vec style) by
  hub id or local folder; weights that are not on this machine raise `VoiceModelUnavailable`.
- `egemaps`: openSMILE eGeMAPS v02 functionals (88 numbers, Eyben et al. 2016), one feature set of the linear models.
- `load_model`: either, by a path or id, once per process.
"""

from __future__ import annotations

import json
import math
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from saber_agent.errors import missing_extra

# "whisper": the Whisper base encoder's output pooled over the speech (`plugins.whisper_features`);
# "whisper_l1": the same of its first encoder layer (`plugins.whisper_layers`), nearer the sound;
# "a+b": both sets side by side
FEATURE_SETS = ("egemaps", "prosody", "whisper", "whisper_l1", "whisper+whisper_l1", "whisper+egemaps")
MODEL_FORMAT = "saber-agent/voice-linear/2"  # 2: eGeMAPS computed at EGEMAPS_RATE (1: at the 16 kHz of the clip)
# openSMILE's eGeMAPS config is tuned for 44.1-48 kHz audio: on 16 kHz input its functionals shift (an
# EmoFilm dev-split grouped 5-fold UAR of 0.57 at 16 kHz against 0.63 on the same audio upsampled to
# 44.1 kHz), so the 16 kHz signal is upsampled first; the band above 8 kHz stays empty either way
EGEMAPS_RATE = 44_100


@dataclass
class LinearVoiceModel:
    """StandardScaler + multinomial logistic regression, stored as plain JSON."""

    feature_set: str
    feature_names: list[str]
    classes: list[str]
    mean: list[float]
    scale: list[float]
    coef: list[list[float]]
    intercept: list[float]
    meta: dict = field(default_factory=dict)

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """Class probabilities, shape (n, len(classes)), for feature rows x of shape (n, len(feature_names))."""
        z = (np.atleast_2d(x) - np.array(self.mean)) / np.array(self.scale)
        z = np.nan_to_num(z)
        logits = z @ np.array(self.coef).T + np.array(self.intercept)
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        return p / p.sum(axis=1, keepdims=True)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"format": MODEL_FORMAT, **asdict(self)}, indent=1) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path) -> LinearVoiceModel:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:  # ValueError: not JSON, or not UTF-8 text at all
            raise VoiceModelUnavailable(f"cannot read the voice model {path}: {exc}") from None
        found = data.pop("format", None) if isinstance(data, dict) else None
        if found == "saber-agent/voice-linear/1":
            raise VoiceModelUnavailable(f"{path} was written by an older `saber-agent train voice` (eGeMAPS at 16 kHz, "
                                        "no longer computed so): train it again")
        if found != MODEL_FORMAT:
            raise VoiceModelUnavailable(f"{path} is not a voice model written by `saber-agent train voice`")
        try:
            model = cls(**data)
        except TypeError as exc:  # a field missing or one too many: an edited or truncated file
            raise VoiceModelUnavailable(f"{path} is not a complete voice model ({exc}): train it again") from None
        if problem := model.shape_problem():
            raise VoiceModelUnavailable(f"{path} is a damaged voice model ({problem}): train it again")
        return model

    def shape_problem(self) -> str | None:
        """What makes the stored arrays unusable together, or None: `predict_proba` broadcasts a short `coef` or
        `intercept` silently, so a damaged file would give a reading over the wrong classes instead of an error."""
        n = len(self.feature_names) if isinstance(self.feature_names, list) else -1
        if self.feature_set not in FEATURE_SETS:
            return f"unknown feature set {self.feature_set!r}"
        if n < 1 or not isinstance(self.classes, list) or len(self.classes) < 2:
            return "needs at least one feature and two classes"
        names, classes = self.feature_names, self.classes
        if not all(isinstance(x, str) for x in [*names, *classes]) or len(set(names)) < n or len(set(classes)) < len(classes):
            return "its feature names and classes are not distinct strings"  # a list among them crashed the reading
        try:
            mean, scale = np.asarray(self.mean, dtype=float), np.asarray(self.scale, dtype=float)
            coef, intercept = np.asarray(self.coef, dtype=float), np.asarray(self.intercept, dtype=float)
        except (TypeError, ValueError):
            return "its numbers are not numeric arrays"
        want = {"mean": (n,), "scale": (n,), "coef": (len(self.classes), n), "intercept": (len(self.classes),)}
        for name, array in (("mean", mean), ("scale", scale), ("coef", coef), ("intercept", intercept)):
            if array.shape != want[name]:
                return f"{name} has shape {array.shape}, expected {want[name]} for {len(self.classes)} classes and {n} features"
        # json reads NaN and Infinity: a NaN weight gives NaN probabilities (and a made-up top emotion); a scale of 0 divides by 0
        if not all(np.isfinite(a).all() for a in (mean, scale, coef, intercept)) or (scale <= 0).any():
            return "its numbers are not all finite, or a scale is not positive"
        return None


class VoiceModelUnavailable(RuntimeError):
    """The voice model cannot be loaded here (missing file, weights not downloaded, missing package)."""


def egemaps(audio: np.ndarray, rate: int) -> dict[str, float]:
    """openSMILE eGeMAPS v02 functionals (88 named numbers) of a mono signal, computed at `EGEMAPS_RATE`
    (the signal is resampled to it first, see there)."""
    try:
        import opensmile
    except ImportError:
        raise VoiceModelUnavailable(missing_extra("eGeMAPS features", "opensmile", "voice")) from None
    if rate != EGEMAPS_RATE:
        from scipy.signal import resample_poly

        g = math.gcd(EGEMAPS_RATE, int(rate))
        audio, rate = resample_poly(np.asarray(audio, dtype=np.float64), EGEMAPS_RATE // g, int(rate) // g), EGEMAPS_RATE
    smile = _smile(opensmile)
    frame = smile.process_signal(np.asarray(audio, dtype=np.float32), rate)
    return {name: float(v) for name, v in zip(frame.columns, frame.values[0], strict=True)}


_lock = threading.Lock()
_cache: dict = {}


def _smile(opensmile):
    with _lock:
        if "smile" not in _cache:
            _cache["smile"] = opensmile.Smile(feature_set=opensmile.FeatureSet.eGeMAPSv02,
                                              feature_level=opensmile.FeatureLevel.Functionals)
        return _cache["smile"]


class HFVoiceModel:
    """Any `AutoModelForAudioClassification` (wav2vec2, HuBERT, WavLM ...) by hub id or local folder."""

    def __init__(self, model_id: str, device: str = "cpu", local_files_only: bool | None = None):
        try:
            import torch  # noqa: F401
            from transformers import AutoFeatureExtractor, AutoModelForAudioClassification
        except ImportError:
            raise VoiceModelUnavailable(missing_extra("a Hugging Face voice model", "torch and transformers", "transformers")) from None
        local = Path(model_id).exists() if local_files_only is None else local_files_only
        try:
            self.extractor = AutoFeatureExtractor.from_pretrained(model_id, local_files_only=local)
            self.model = AutoModelForAudioClassification.from_pretrained(model_id, local_files_only=local).to(device).eval()
        except OSError as exc:
            raise VoiceModelUnavailable(f"the voice model {model_id!r} is not available here "
                                        f"(no local copy and no hub access): {str(exc).splitlines()[0]}") from None
        self.model_id, self.device = model_id, device
        self.labels = [self.model.config.id2label[i] for i in range(self.model.config.num_labels)]

    def probabilities(self, audio: np.ndarray, rate: int) -> dict[str, float]:
        """Softmax over the model's labels for one mono clip (resampled to the extractor's rate)."""
        import torch

        want = getattr(self.extractor, "sampling_rate", rate)
        if want != rate:
            from scipy.signal import resample_poly

            g = math.gcd(int(want), int(rate))
            audio = resample_poly(audio, int(want) // g, int(rate) // g)
        inputs = self.extractor(np.asarray(audio, dtype=np.float32), sampling_rate=want, return_tensors="pt")
        with torch.no_grad():
            logits = self.model(**{k: v.to(self.device) for k, v in inputs.items()}).logits[0]
        return dict(zip(self.labels, torch.softmax(logits.float(), -1).cpu().tolist(), strict=True))


def load_model(spec: str, device: str = "cpu"):
    """A trained `.json` model, or a Hugging Face model by id / folder (``~`` expanded, as the option check
    does); cached per process."""
    if str(spec).startswith("~"):
        spec = str(Path(spec).expanduser())
    key = (spec, device)
    with _lock:
        if key not in _cache:
            _cache[key] = LinearVoiceModel.load(spec) if str(spec).endswith(".json") else HFVoiceModel(spec, device)
        return _cache[key]


__all__ = ["EGEMAPS_RATE", "FEATURE_SETS", "HFVoiceModel", "LinearVoiceModel", "MODEL_FORMAT", "VoiceModelUnavailable",
           "egemaps", "load_model"]
