"""Transcript -> `speech_content`: verbatim speech (faster-whisper), sound events as <laughter> marks,
and the text's sentiment as the "words" cue of the cross-modal stage.

The options and the model they choose (``"auto"``: the bundled offline models, ``tiny.en`` for English and
``base`` for the rest, the language detected first) live in plugins/transcript_options.py.

Against hallucinated text on silence, music or noise: the voice activity detector (Silero, shipped
in faster-whisper) must find speech first, and whisper segments that look like no speech (high
no-speech probability with low log-probability or word probability, very low log-probability, or
repetitive text; the log-probability is the segment's own words', not whisper's window-wide avg_logprob) are
dropped. A clip left without spoken words is `unavailable` ("no speech detected").
A last word that whisper may have guessed at the clip's cut (it ends at the clip's end and is implausibly
short or unlikely: "mad." 30 ms at p 0.58 ending a 0.5 s clip) stays in the text, marked "uncertain" in
the words, and is dropped from the text the words cue reads (`transcript_segments.cut_last_word`, `words_cue_text`).

The padding and the language detection live in plugins/transcript_decoding.py, the segments' words,
sound events and hallucination guards in plugins/transcript_segments.py, a clip in several languages in
plugins/transcript_languages.py, words not credible in the language they were decoded in in
plugins/transcript_credible.py, gaps in the audio stream (silence the decoder filled in) in plugins/transcript_gaps.py;
this module holds the tool and its words cue.
"""

from __future__ import annotations

import math
import os
import threading
import time
from typing import Any

import numpy as np
from pydantic import ValidationError

from saber_agent import hookimpl
from saber_agent.errors import missing_extra
from saber_agent.evidence import ModalityCue, Slot, SlotStatus
from saber_agent.media import Clip
from saber_agent.perception import Availability, PerceptionTool, missing_modules
from saber_agent.plugins import transcript_credible, transcript_gaps, transcript_languages, transcript_utterance, whisper_models
from saber_agent.plugins.transcript_decoding import (
    LANGUAGE_OPTION,
    detect_language,
    language_named,
    language_note,
    language_said,
    pad_silence,
    unpadded_clock,
)
from saber_agent.plugins.transcript_options import NoOfflineModel, TranscriptOptions, choose_model, cpu_threads
from saber_agent.plugins.transcript_segments import (
    assemble,
    compression_ratio,
    event_name,
    hallucination,
    is_spoken,
    normalise_events,
    transcript_timeline,
    without_marks,
    words_cue_text,
)
from saber_agent.plugins.whisper_models import ModelSpec, ModelUnavailable
from saber_agent.settings import AnalysisSettings
from saber_agent.voice_activity import detect as voice_detect
from saber_agent.voice_activity import level as voice_level
from saber_agent.voice_activity import speech_signal, voice_activity

# the names other modules and tests import from here (the decoding pieces, the segments and the options moved out)
__all__ = [
    "TranscriptOptions", "TranscriptTool", "assemble", "compression_ratio", "detect_language", "event_name", "hallucination",
    "is_spoken", "language_note", "normalise_events", "pad_silence", "speech_regions", "transcript_timeline",
    "unpadded_clock",
]


class TranscriptTool(PerceptionTool):
    name = "transcript"
    slot = "speech_content"
    needs = frozenset({"audio"})
    # 0.2.0: the audio whisper hears is padded with 0.5 s of silence (a first word at sample 0 was lost); 0.3.0: whispered
    # speech is speech (voice_activity), every transcript names its language, a dropped one is not "no speech"
    # 0.4.0: a last word guessed at the clip's cut is kept out of the words cue; 0.5.0: a words-cue text left with no word
    # is unavailable, sentences (and clauses) of opposite strong polarity read mixed (sentiment_mixed: label 'mixed',
    # courtesy sentences left out of the mean, irony split at 'and then'); 0.6.0: a clip in several languages is
    # transcribed part by part (transcript_languages), a faint lone whisper is speech; 0.7.0: segments judged by their own
    # words (not the window's avg_logprob), doubtful words screened for another language and a part unsure of its language
    # re-decoded or left out (transcript_credible), one note on the languages, no word in a filled gap (transcript_gaps)
    version = "0.7.0"
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
        gaps = transcript_gaps.filled_gaps(clip)  # silence the decoder filled in where the audio stream had a gap
        if options.vad:  # the clip's one voice-activity decision, shared with the prosody tool
            activity = voice_activity(clip)
            regions = activity.regions
            m["speech_regions"] = [[round(a, 2), round(b, 2)] for a, b in regions]
            m["speech_s"] = activity.speech_s
            m["voice_activity"] = activity.measurements()
            if not regions:
                return Slot(status=SlotStatus.unavailable, reason=NO_VOICE_FOUND, measurements=m, provenance=provenance)
            activity = transcript_gaps.without(activity, gaps)  # whisper hears no filled gap
            if not activity.regions:  # the voice detector's speech lay inside the filled (silent) gaps only
                return Slot(status=SlotStatus.unavailable, reason=NO_VOICE_FOUND, measurements=m, provenance=provenance)
            regions = activity.regions
            # whisper hears the speech regions joined, as faster-whisper's own VAD filter feeds it
            speech = speech_signal(audio, clip.sample_rate, activity, max_gap_s=0.0)
        else:
            regions = [(0.0, audio.size / clip.sample_rate)]

        started = time.perf_counter()
        keep: dict[str, Any] = {}  # the language detection's encoder output and model, for each part's language
        try:
            spec, language, detection = choose_model(
                audio, clip.sample_rate, regions, options, device, index, settings.allow_cpu_fallback, keep
            )
        except NoOfflineModel as exc:
            return Slot.unavailable(str(exc), provenance)
        except ModelUnavailable as exc:
            return Slot.failed(str(exc), provenance)
        # an utterance of a segment run: the whole clip's language unless its own detection is sure (transcript_utterance)
        prior = clip.extras.get(transcript_utterance.CLIP_LANGUAGE) if detection and options.vad else None
        if prior and transcript_utterance.choose(detection, prior):
            language = detection["language"]
            spec = (whisper_models.bundled_english() if language == "en" else None) or whisper_models.bundled_multilingual() or spec
        compute_type = options.compute_type or whisper_models.default_compute_type(device)
        try:
            model = whisper_models.load(spec, device, index, compute_type, cpu_threads(options), settings.allow_cpu_fallback)
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

        def decode(spec, model, heard, to_clip, language):
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
            return [_on_clip_clock(seg, unpadded_clock(to_clip, heard.size / clip.sample_rate)) for seg in segments], info

        def part(language, heard, to_clip):  # one language's part of a clip in several (transcript_languages)
            part_spec = whisper_models.bundled_english() if language == "en" else None
            part_spec = part_spec or whisper_models.bundled_multilingual()
            loaded = whisper_models.load(part_spec, device, index, compute_type, cpu_threads(options), settings.allow_cpu_fallback)
            return decode(part_spec, loaded, heard, to_clip, language)[0]

        decoder = transcript_languages.PartDecoder(activity, audio, clip.sample_rate, part, gaps) if speech else None
        try:  # a failed screening leaves the clip in its one detected language, with a note
            found = transcript_languages.parts(
                keep["detector"], speech, activity, detection["language"], detection["language_probability"], keep["encoded"],
                clip.sample_rate, options.detect_window_s, decoder) if "encoded" in keep and speech else []
        except (RuntimeError, ValueError, TypeError) as exc:
            found = []
            notes.append(f"each part's language could not be screened ({exc}); the clip is transcribed in one language")
        heard_in: list = []  # several languages: (part, its text for the words cue, its number of words)
        if len(found) <= 1:  # one language; the speech on either side of a filled gap heard apart
            segments, info = transcript_gaps.decode_apart(
                speech or transcript_gaps.whole(audio, clip.sample_rate, gaps), gaps, lambda a, t: decode(spec, model, a, t, language))
            if decoder is not None and "detector" in keep:  # doubtful words: another language there? (transcript_credible)
                found = transcript_credible.doubtful_parts(
                    keep["detector"], speech, activity, detection["language"], detection["language_probability"], segments,
                    options.detect_window_s, clip.sample_rate, decoder) or found
        unclear, not_made_out = None, []  # an utterance's words not credible in any language tried (transcript_utterance)
        if prior and decoder is not None and len(found) <= 1:
            whole = transcript_languages.Part(activity.regions[0][0], activity.regions[-1][1], detection["language"],
                                              detection["language_probability"], "the clip's")
            kept, unclear = transcript_utterance.check_words(segments, detection, decoder, whole)
            segments, not_made_out = kept, (segments if unclear else [])
            m.update(detection)
        if len(found) > 1:
            result, heard_in = transcript_languages.transcribe(
                found, decoder, lambda segments, lang, last: assemble(
                    segments, lang, options.chinese_script, activity.confident, clip_end_s=m["duration_s"] if last else None,
                    gaps=gaps))
            notes.append(transcript_languages.note(found))
        m["transcribe_s"] = round(time.perf_counter() - started, 3)
        if not detection:
            m["language"] = info.language
            m["language_probability"] = round(float(info.language_probability), 3)
            m["language_source"] = (
                "given" if language else ("detected by " + spec.name if spec.multilingual else "assumed: English-only model")
            )
        if not heard_in:  # a last word guessed at the clip's cut is not read as a cue
            result = assemble(segments, m["language"], options.chinese_script, activity.confident if options.vad else None,
                              clip_end_s=m["duration_s"], gaps=gaps)
        result["dropped_segments"] += [{"start": round(s.start, 2), "end": round(s.end, 2), "text": s.text.strip(),
                                        "why": f"not made out: {unclear}"} for s in not_made_out]
        notes += result.pop("notes") + ([transcript_gaps.note(gaps)] if gaps else [])
        text, spoken = result.pop("text"), result.pop("text_for_sentiment")
        m.update(result)
        if not heard_in:  # every transcript names its language (one in several: the parts' note names each)
            notes.append(transcript_utterance.note(detection or {}) or language_note(m) or language_named(m))
        m["notes"] = notes
        if not m["n_words"]:
            if unclear:
                reason = f"speech was heard ({m['speech_s']:.2f} s) but its words were not made out: {unclear}"
            elif m["events"]:
                reason = f"no speech detected (only {', '.join(dict.fromkeys('<' + e['event'] + '>' for e in m['events']))})"
            elif m["dropped_segments"] and options.vad:  # the voice detector heard speech: the words are what failed
                reason = (f"speech was heard ({m['speech_s']:.2f} s) but the transcript is unreliable ({language_said(m)}) "
                          f"and was dropped; if the language is wrong, set it with {LANGUAGE_OPTION}")
            elif m["dropped_segments"]:
                reason = f"no speech detected (whisper's output looked like a hallucination and was dropped; {language_said(m)})"
            else:
                reason = "no speech detected"
            return Slot(status=SlotStatus.unavailable, reason=reason, measurements=m, provenance=provenance)

        reader = options.words_reader
        m["sentiment"] = _read_parts(heard_in, reader) if heard_in else _sentiment(spoken, m["language"], reader)
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

    def corrected(self, slot: Slot, previous: Slot, settings: AnalysisSettings) -> Slot:
        """`slot` after a person replaced the transcript text (`Review.correct`): the sentiment is read
        again from the corrected text, by the same reader as `perceive`, and what whisper derived from
        the old text (segments, word timings, the transcript timeline) is dropped, as it no longer holds.

        A clip transcribed in several languages (`measurements["languages"]`) keeps its per-part reading while its
        text is unchanged; a changed text no longer maps to the parts (their times and words were whisper's), so it
        is read whole in the clip's language (`measurements["language"]`, detected on the whole clip) and a note
        names the parts in other languages that this reading cannot tell apart (a lexicon of the clip's language
        may find nothing in them). "languages" stays: it describes the audio, not the text."""
        if not slot.text or slot.text == previous.text:
            return slot
        m = {k: v for k, v in slot.measurements.items() if k not in _FROM_THE_WHISPERED_TEXT}
        try:
            reader = TranscriptOptions.model_validate(settings.options_for(self.name)).words_reader
        except ValidationError:
            reader = "lexicon"
        language = m.get("language") or "en"
        m["sentiment"] = _sentiment(without_marks(slot.text), language, reader)
        m["notes"] = [*(m.get("notes") or []), "text corrected by hand: sentiment read from the corrected text; "
                      "whisper's segments and word timings were dropped (they were of the old text)"]
        others = [f"{p['language']} ({p['start']:.2f}-{p['end']:.2f} s)" for p in m.get("languages") or []
                  if p["language"] != language and not p.get("unclear")]
        if len(m.get("languages") or []) > 1 and others:
            m["notes"].append(f"the corrected text is read in {language} only (the clip's language): the parts in other "
                              f"languages, {', '.join(others)}, are no longer read each in its own")
        return slot.model_copy(update={"measurements": m, "timelines": {
            k: v for k, v in slot.timelines.items() if k != "transcript"}})

    # -- whisper's suppressed tokens --------------------------------------------------------------

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


# measurements of whisper's own text, which a hand-corrected transcript no longer matches (`corrected`)
_FROM_THE_WHISPERED_TEXT = frozenset({
    "segments", "dropped_segments", "words", "n_words", "mean_word_probability", "speech_rate_wps", "speech_rate_cps",
})
NO_VOICE_FOUND = ("no speech detected (voice activity detection found none: audible sound that the voice detector did not "
                  "accept as speech; to transcribe it anyway, set --tool-option transcript.vad=false)")


def _on_clip_clock(segment, clip_time):
    """A whisper segment (and its words) with times mapped from the joined speech to the clip's clock."""
    from dataclasses import replace

    words = [replace(w, start=float(clip_time(w.start)), end=float(clip_time(w.end))) for w in segment.words or []]
    return replace(segment, start=float(clip_time(segment.start)), end=float(clip_time(segment.end)),
                   words=words if segment.words is not None else None)


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


def reread_words(text: str, m: dict[str, Any], reader: str = "lexicon") -> dict[str, Any]:
    """The words cue read again from a stored transcript slot (its `text` and measurements `m`; a cached slot read by
    another reader), as `perceive` read it: sound marks and a last word guessed at the clip's cut left out; a clip
    transcribed in several languages part by part, each part in its own language
    (`transcript_languages.spoken_parts`, `combine`), else the whole text in the clip's language."""
    heard_in = transcript_languages.spoken_parts(m)
    if heard_in:
        return _read_parts(heard_in, reader)
    return _sentiment(words_cue_text(text or "", m.get("words") or []), m.get("language") or "en", reader)


def _read_parts(heard_in: list, reader: str) -> dict[str, Any]:
    """The words cue of a clip in several languages: [(part, its text, its number of words)] each read in its part's
    language, combined (`transcript_languages.combine`)."""
    return transcript_languages.combine([
        (p, _sentiment(t, p.language, reader) if n else {"unavailable": "no word kept in this part"}, n, t) for p, t, n in heard_in])


def _sentiment(text: str, language: str, reader: str = "lexicon") -> dict[str, Any]:
    """The words cue's reading of `text` (the transcript without a last word guessed at the clip's cut), or
    {"unavailable": why}. A text left with no word (its only word set aside) is no reading, not a "neutral" one."""
    from saber_agent.plugins import text_sentiment

    if not any(ch.isalnum() for ch in without_marks(text or "")):
        return {"unavailable": "no word to read: the transcript's only word may have been guessed at the clip's cut"}
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
