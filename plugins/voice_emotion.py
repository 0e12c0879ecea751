"""Voice emotion: what the voice says about emotion, for the "voice" cue of the cross-modal stage.

Three readers, one output (`VoiceReading`: a probability per basic emotion, arousal, valence,
confidence, and how it was reached):

- **default** (no trained model): a calibrated reading of three speaker-robust axes: vocal effort
  (spectral tilt: the alpha ratio, energy above 1 kHz over energy below it, in dB, over the loud
  frames), pace (articulation rate) and pitch variation in semitones (Juslin & Laukka 2003,
  Scherer 2003); the absolute pitch, which differs between sexes, is not used. Arousal is not
  valence: a lively voice may be joy, anger or fear, so each emotion gets a probability from its
  distance to where it usually sits (`PROTOTYPES`), the valence is the probability-weighted mean,
  and the confidence stays low: the voice alone is a weak guide.
- **trained** (`saber-agent train voice MANIFEST`): a scikit-learn logistic regression over
  Whisper base encoder embeddings of its last and first layers by default (1024 numbers each,
  `plugins.whisper_features`, `plugins.whisper_layers`), or one of them, or the last beside openSMILE
  eGeMAPS v02 functionals (88 numbers, Eyben et al. 2016), eGeMAPS alone, or our prosody features
  (the model file names its set; the tool computes the same at run time), saved as JSON
  (scaler, coefficients, classes: no pickle). Its probabilities are mixed 60/40 with the
  default reading's, so an emotion the model never saw (a manifest without sadness) can still win
  where the default reading is sure of it.
- **hf**: any Hugging Face audio-classification model (wav2vec2 / HuBERT / emotion2vec style) by hub
  id or local path, through `AutoFeatureExtractor` + `AutoModelForAudioClassification`; weights
  that are not on this machine make the reading `unavailable`, never an invented one.

Options (`--tool-option prosody.voice_model=PATH`): a `.json` file is a trained model, anything
else a Hugging Face id or folder; `prosody.voice_model_device=cpu|cuda`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from saber_agent.cues import AROUSAL_OF, VALENCE_OF  # each emotion's usual valence and arousal: the one table
from saber_agent.evidence import ModalityCue
from saber_agent.plugins.voice_models import (  # noqa: F401  (re-exported: the model files moved there)
    EGEMAPS_RATE,
    FEATURE_SETS,
    MODEL_FORMAT,
    HFVoiceModel,
    LinearVoiceModel,
    VoiceModelUnavailable,
    egemaps,
    load_model,
)

EMOTIONS = ("anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral")
# label names of common corpora and models -> our basic emotions
ALIASES = {
    "joy": "happiness", "happy": "happiness", "hap": "happiness", "gio": "happiness", "angry": "anger", "ang": "anger",
    "rab": "anger", "sad": "sadness", "tri": "sadness", "fearful": "fear", "ans": "fear", "fea": "fear",
    "disgusted": "disgust", "contempt": "disgust", "dis": "disgust", "surprised": "surprise", "sur": "surprise",
    "neu": "neutral", "calm": "neutral",
}


def basic_emotion(label: str) -> str | None:
    """Our basic emotion for a corpus or model label (``"joy"``, ``"ang"``, ``"contempt"``), or None."""
    name = str(label).strip().lower()
    name = ALIASES.get(name, name)
    return name if name in EMOTIONS else None


@dataclass
class VoiceReading:
    """One voice-emotion estimate: probabilities over `EMOTIONS`, arousal 0..1, valence -1..1."""

    probabilities: dict[str, float]
    arousal: float
    valence: float
    confidence: float
    reader: str  # "default", "trained:<file>", "hf:<id>"
    note: str = ""
    features: dict[str, float] = field(default_factory=dict)

    @property
    def emotion(self) -> str:
        return max(self.probabilities, key=self.probabilities.get)

    def as_dict(self) -> dict:
        return asdict(self) | {"emotion": self.emotion}


# --- speaker-robust features from the prosody measurements and the audio ---------------------------


def alpha_ratio_db(audio: np.ndarray, rate: int, frame_s: float = 0.04) -> float | None:
    """Energy in 1-5 kHz over energy in 50 Hz-1 kHz, in dB, over the loudest half of the frames
    (eGeMAPS' alpha ratio, on plain FFT bands). Higher (less negative) = more vocal effort."""
    n = int(frame_s * rate)
    x = np.asarray(audio, dtype=np.float64)
    if x.size < 4 * n:
        return None
    frames = np.lib.stride_tricks.sliding_window_view(x, n)[:: n // 2] * np.hanning(n)
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    freqs = np.fft.rfftfreq(n, 1.0 / rate)
    low = power[:, (freqs >= 50) & (freqs < 1000)].sum(1)
    high = power[:, (freqs >= 1000) & (freqs < min(5000, rate / 2))].sum(1)
    energy = low + high
    loud = energy >= np.median(energy)
    if not loud.any() or low[loud].sum() <= 0 or high[loud].sum() <= 0:
        return None
    return round(float(10 * np.log10(high[loud].sum() / low[loud].sum())), 2)


def spectral_balance(audio: np.ndarray, rate: int, frame_s: float = 0.04) -> dict[str, float]:
    """Two more sex-robust voice-quality numbers over the loudest half of the frames (as `alpha_ratio_db`):
    ``mid_over_low_db``, the energy in 500-1500 Hz over that in 50-500 Hz (dB; the low-frequency energy share
    falls with vocal effort, Banse & Scherer 1996), and ``alpha_sd_db``, the SD across frames of the alpha
    ratio (dB; effort that comes and goes, as in laughter and lively speech, against a steadily pressed or
    steadily soft voice). Empty for a signal under four frames."""
    n = int(frame_s * rate)
    x = np.asarray(audio, dtype=np.float64)
    if x.size < 4 * n:
        return {}
    frames = np.lib.stride_tricks.sliding_window_view(x, n)[:: n // 2] * np.hanning(n)
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    freqs = np.fft.rfftfreq(n, 1.0 / rate)
    low = power[:, (freqs >= 50) & (freqs < 1000)].sum(1)
    high = power[:, (freqs >= 1000) & (freqs < min(5000, rate / 2))].sum(1)
    loud = (low + high) >= np.median(low + high)
    spectrum = power[loud].mean(0)
    below, mid = spectrum[(freqs >= 50) & (freqs < 500)].sum(), spectrum[(freqs >= 500) & (freqs < 1500)].sum()
    out = {}
    if below > 0 and mid > 0:
        out["mid_over_low_db"] = round(float(10 * np.log10(mid / below)), 2)
    ok = loud & (low > 0) & (high > 0)
    if ok.sum() >= 3:
        out["alpha_sd_db"] = round(float(np.std(10 * np.log10(high[ok] / low[ok]))), 2)
    return out


def prosody_features(m: dict, audio: np.ndarray | None = None, rate: int = 16_000) -> dict[str, float]:
    """The numbers the default reading and `prosody`-feature models use (sex-independent where possible)."""
    out = {
        "f0_sd_st": m.get("f0_sd_st"), "f0_range_st": m.get("f0_range_st"), "hnr_db": m.get("hnr_db"),
        "jitter_local": m.get("jitter_local"), "shimmer_local": m.get("shimmer_local"),
        "articulation_rate_syl_s": m.get("articulation_rate_syl_s"), "intensity_sd_db": m.get("intensity_sd_db"),
        "voiced_fraction": m.get("voiced_fraction"),
    }
    if audio is not None:
        out["alpha_ratio_db"] = alpha_ratio_db(audio, rate)
    return {k: float(v) for k, v in out.items() if v is not None and math.isfinite(float(v))}


# --- the calibrated default ------------------------------------------------------------------------

# Four speaker-robust axes, each scaled to 0..1 over its (low, high) range (about the 10th to 90th
# percentile of the EmoFilm male, dev, clips): vocal effort (alpha ratio, dB), mid-frequency energy
# (500-1500 Hz over 50-500 Hz, dB; Banse & Scherer 1996), pitch variation (F0 SD, semitones) and
# effort variation (SD of the alpha ratio across frames, dB). All four are spectral or relative to
# the speaker's own pitch: on the dev clips moved to the other sex (Praat "Change gender") they keep
# a correlation of 0.87-0.97 with the originals. The articulation rate is not used: Praat's syllable
# count on the same clips fell from 7.4 to 5.6 syllables/s with the sex shift alone (correlation
# 0.68), and a female speaker read as slow is read as calm or sad whatever she feels. The shift is
# only a proxy: it moves pitch and formants, not the voice source, and these axes, placed on male
# clips, still transfer poorly to the female test speakers (EmoFilm test UAR 0.29, joy mostly read as
# sadness; an alternative on within-clip axes, as good on dev, did worse there: UAR 0.25).
AXES = {"effort": ("alpha_ratio_db", -7.6, 1.0), "mid_energy": ("mid_over_low_db", -4.5, 7.0),
        "variation": ("f0_sd_st", 2.0, 8.0), "effort_variation": ("alpha_sd_db", 4.0, 9.7)}
AROUSAL_AXES = ("effort", "mid_energy")
# Where each emotion usually sits on (effort, mid_energy, variation, effort_variation). Anger,
# fear, joy and disgust at the medians of the EmoFilm male (dev) split, which follow the
# literature (Juslin & Laukka 2003, Banse & Scherer 1996: anger the most effortful, with the least
# low-frequency energy and a flat pitch; fear tense but less effortful; joy between them with more
# pitch and effort variation; contempt soft and varied). Sadness, neutral and surprise where the
# literature puts them (the dev split has none): sadness soft, dark, flat and steady; surprise
# effortful with the widest pitch movement. Four numbers per emotion, no trained model.
PROTOTYPES = {
    "anger": (0.82, 0.70, 0.23, 0.23), "fear": (0.41, 0.63, 0.21, 0.31), "happiness": (0.47, 0.45, 0.31, 0.43),
    "disgust": (0.29, 0.28, 0.39, 0.43), "sadness": (0.10, 0.10, 0.15, 0.30), "neutral": (0.30, 0.30, 0.30, 0.40),
    "surprise": (0.70, 0.70, 1.00, 0.60),
}
SPREAD = 0.25  # width of each emotion's region on the axes
# Where the reading's valence is measured from. With four negative prototypes against one positive, a
# probability-weighted mean leans negative before any evidence: a reading that cannot tell the
# emotions apart (equal probabilities) sits at -0.21. The point that best separates joy from the
# other emotions (most balanced accuracy) lies a little above it: -0.14 on the dev clips, -0.11 on
# their sex-shifted copies; -0.12 between them.
VALENCE_CENTRE = -0.12


def _ramp(value: float, low: float, high: float) -> float:
    return float(min(1.0, max(0.0, (value - low) / (high - low))))


def default_reading(features: dict[str, float]) -> VoiceReading:
    """A probability per emotion from its distance to `PROTOTYPES` on the measured axes (a Gaussian
    of width `SPREAD`); arousal from `AROUSAL_AXES`; valence the probability-weighted mean measured
    from `VALENCE_CENTRE`, so it stays near zero when emotions of both signs fit equally. Confidence
    stays at or below 0.35."""
    axes = {a: _ramp(features[k], lo, hi) for a, (k, lo, hi) in AXES.items() if k in features}
    if not axes:
        return VoiceReading({e: round(1 / len(EMOTIONS), 4) for e in EMOTIONS}, 0.5, 0.0, 0.05, "default",
                            "no measurement to read the voice from", features)
    names = list(AXES)
    fit = {}
    for emotion, where in PROTOTYPES.items():
        d2 = sum((axes[a] - where[names.index(a)]) ** 2 for a in axes)
        fit[emotion] = math.exp(-d2 / (2 * SPREAD**2))
    norm = sum(fit.values())
    probs = {e: round(v / norm, 4) for e, v in fit.items()}
    arousal_axes = [axes[a] for a in AROUSAL_AXES if a in axes] or [0.5]
    arousal = sum(arousal_axes) / len(arousal_axes)
    valence = max(-1.0, min(1.0, sum(VALENCE_OF[e] * p for e, p in probs.items()) - VALENCE_CENTRE))
    spread = sorted(probs.values(), reverse=True)
    confidence = round(min(0.35, 0.1 + 1.5 * (spread[0] - spread[1]) + 0.05 * len(axes)), 3)
    level = "high" if arousal > 0.6 else "low" if arousal < 0.35 else "moderate"
    # positions on the 0-1 axes (not measurements: "pitch variation 0.00" is an F0 SD at or under 2 st)
    shown = [f"{word} {axes[a]:.2f}" + (f" (F0 SD {features['f0_sd_st']:.1f} st)" if a == "variation" else "")
             for a, word in (("effort", "effort"), ("mid_energy", "mid energy"), ("variation", "pitch variation")) if a in axes]
    note = (f"{level} arousal; axes 0-1: {', '.join(shown)}; the voice alone is a weak guide to which emotion")
    return VoiceReading(probs, round(arousal, 3), round(valence, 3), confidence, "default", note,
                        features | {f"axis_{a}": round(v, 3) for a, v in axes.items()})


# --- a trained model's features and reading (the model files: `plugins.voice_models`) ---------------


def features_for(feature_set: str, audio: np.ndarray, rate: int, prosody: dict | None = None) -> dict[str, float]:
    """The named features of one clip for `feature_set` (one of `FEATURE_SETS`; "a+b" joins both sets)."""
    if feature_set == "whisper+whisper_l1":  # both from one log-mel (`whisper_features`)
        from saber_agent.plugins.whisper_features import WhisperFeaturesUnavailable, whisper_features

        try:
            return whisper_features(audio, rate, layers=(None, 1))
        except WhisperFeaturesUnavailable as exc:
            raise VoiceModelUnavailable(str(exc)) from None
    if "+" in feature_set and feature_set in FEATURE_SETS:
        out: dict[str, float] = {}
        for part in feature_set.split("+"):
            out |= features_for(part, audio, rate, prosody)
        return out
    if feature_set in ("whisper", "whisper_l1"):
        from saber_agent.plugins.whisper_features import WhisperFeaturesUnavailable, whisper_features

        try:
            return whisper_features(audio, rate, layers=1 if feature_set == "whisper_l1" else None)
        except WhisperFeaturesUnavailable as exc:
            raise VoiceModelUnavailable(str(exc)) from None
    if feature_set == "egemaps":
        return egemaps(audio, rate)
    if feature_set == "prosody":
        if prosody is None:
            from saber_agent.plugins.prosody import measure

            prosody = measure(audio, rate)
        return prosody_features(prosody, audio, rate)
    raise ValueError(f"unknown feature set {feature_set!r}; use one of {', '.join(FEATURE_SETS)}")


MODEL_WEIGHT = 0.6  # a model's share of the combined reading; the calibrated default keeps the rest


def combine(model_probs: dict[str, float], prior: VoiceReading, weight: float = MODEL_WEIGHT) -> dict[str, float]:
    """A mixture: `weight` x the model's probabilities (its labels mapped to basic emotions) plus the
    rest x the default reading's. The model decides among the emotions it knows; an emotion it never
    saw (a manifest without sadness) wins only where the default reading is sure of it."""
    out = {e: (1 - weight) * p for e, p in prior.probabilities.items()}
    for label, p in model_probs.items():
        name = basic_emotion(label) or label
        out[name] = out.get(name, 0.0) + weight * p
    total = sum(out.values()) or 1.0
    return {e: round(p / total, 4) for e, p in out.items()}


def trained_reading(model: LinearVoiceModel, features: dict[str, float], prior: VoiceReading, name: str) -> VoiceReading:
    row = np.array([features.get(f, np.nan) for f in model.feature_names], dtype=np.float64)
    missing = int(np.isnan(row).sum())
    row = np.where(np.isnan(row), np.array(model.mean), row)  # a missing feature counts as average
    probs = dict(zip(model.classes, model.predict_proba(row)[0].tolist(), strict=True))
    return _reading_from(combine(probs, prior), prior, f"trained:{name}", missing)


def _reading_from(probs: dict[str, float], prior: VoiceReading, reader: str, missing: int = 0) -> VoiceReading:
    valence = sum(VALENCE_OF.get(e, 0.0) * p for e, p in probs.items())
    arousal = 0.5 * prior.arousal + 0.5 * sum(AROUSAL_OF.get(e, 0.5) * p for e, p in probs.items())
    top = sorted(probs.values(), reverse=True) + [0.0]
    confidence = min(0.8, 0.3 + (top[0] - top[1]))
    note = f"read by {reader}"
    if missing:
        confidence *= 0.5
        note += f"; {missing} feature(s) missing"
    return VoiceReading(probs, round(arousal, 3), round(valence, 3), round(confidence, 3), reader, note)


# --- what the prosody tool calls ------------------------------------------------------------------


def read_voice(audio: np.ndarray, rate: int, prosody: dict, options: dict | None = None) -> dict:
    """The voice reading of one clip as plain data for the slot's measurements (never raises for a
    missing model: the default reading is kept and the reason recorded)."""
    options = options or {}
    prior = default_reading(prosody_features(prosody, audio, rate) | spectral_balance(audio, rate))
    spec = options.get("voice_model")
    if not spec:
        return prior.as_dict()
    try:
        model = load_model(str(spec), str(options.get("voice_model_device", "cpu")))
        if isinstance(model, LinearVoiceModel):
            reading = trained_reading(model, features_for(model.feature_set, audio, rate, prosody), prior, Path(spec).name)
        else:
            probs = model.probabilities(audio, rate)
            known = {k: v for k, v in probs.items() if basic_emotion(k)}
            if not known:
                raise VoiceModelUnavailable(f"the model's labels {list(probs)[:6]} name no basic emotion")
            reading = _reading_from(combine(known, prior), prior, f"hf:{spec}")
    except VoiceModelUnavailable as exc:
        return prior.as_dict() | {"model_unavailable": str(exc)}
    return reading.as_dict()


def voice_cue(reading: dict, reliability: float = 1.0) -> ModalityCue | None:
    """The "voice" ModalityCue of a stored reading."""
    if not reading or "probabilities" not in reading:
        return None
    probs = reading["probabilities"]
    top = sorted(probs, key=probs.get, reverse=True)
    basis = (f"voice reading ({reading['reader']}): " + ", ".join(f"{e} {probs[e]:.2f}" for e in top[:3])
             + f", arousal {reading['arousal']:.2f}")
    if reading.get("note"):
        basis += f"; {reading['note']}"
    return ModalityCue(
        modality="voice", valence=max(-1.0, min(1.0, reading["valence"])), arousal=reading["arousal"],
        emotion=top[0], confidence=round(reading["confidence"] * reliability, 3), basis=basis,
    )


__all__ = ["EMOTIONS", "HFVoiceModel", "LinearVoiceModel", "VoiceModelUnavailable", "VoiceReading", "basic_emotion",
           "default_reading", "egemaps", "features_for", "prosody_features", "read_voice", "spectral_balance",
           "voice_cue"]
