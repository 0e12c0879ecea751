"""An utterance's language decided with its clip's evidence (segment mode, ``--segment utterances``).

Each utterance is transcribed on its own window, and whisper's language detection on ~2 s of speech goes wrong
without doubt: trial H's Spanish film lines (EmoFilm male speakers) read one utterance as Finnish at 0.58
("Kylhääruppuudessa kreeskellä, mete jo!", status ok) and another as Portuguese, while the whole clip is Spanish.

- `clip_language`: the segment run detects the language once on the whole clip's speech (its first 30 s, the
  voice-activity regions joined; `transcript_decoding.detect_language`) and leaves it in each utterance's clip
  (``clip.extras[CLIP_LANGUAGE]``, as the clip's voice-activity decision is shared).
- `choose`: an utterance keeps its own detection where it agrees with the clip's, is sure of another language
  (at least `OWN_SURE`: an English line in a Spanish conversation) or is surer than the clip's, else it is
  transcribed in the clip's language.
- `check_words`: where the language the utterance is transcribed in is not sure on the utterance's own evidence (the
  clip's language taken over its own, or its own under `OWN_SURE`) and its words are not credible
  (`transcript_credible.DOUBTFUL_LOGPROB`), it is decoded in its other candidates (its own detection, the clip's,
  its next candidate; at most `transcript_credible.CANDIDATES`) and the likeliest credible decode is kept; where none is
  credible and no detection of the language kept is sure, its words are left out (the slot is unavailable: no
  invented words read as status ok).

Units: probabilities 0..1; log-probabilities (natural log); seconds.
"""

from __future__ import annotations

from typing import Any

import numpy as np

CLIP_LANGUAGE = "clip_language"  # the key of the whole clip's detection in an utterance's `clip.extras`
# An utterance's own detection at or above this keeps its language against the clip's. Measured (whisper base, the
# utterance's speech padded to 10 s): trial H's Spanish EmoFilm lines read wrong at 0.58 (fi) and below; espeak-ng
# English and Spanish sentences in a mixed conversation read right at 0.9 or more (docs/transcript.md).
OWN_SURE = 0.8
MIN_SPEECH_S = 1.0  # a clip with less speech than this gives no clip-wide language (no better than an utterance's)


def clip_language(clip, settings, activity) -> dict[str, Any] | None:
    """The language detected on the whole clip's speech (`activity`: its voice-activity decision), for its utterances:
    {"language", "probability", "candidates": [[code, p], ...] (top 3), "speech_s"}; None where the transcript tool
    does not run, detects no language (a language or a model set in its options) or cannot (no multilingual model,
    under `MIN_SPEECH_S` of speech)."""
    from pydantic import ValidationError

    from saber_agent.plugins import whisper_models
    from saber_agent.plugins.transcript_decoding import detect_language
    from saber_agent.plugins.transcript_options import TranscriptOptions, cpu_threads
    from saber_agent.registry import get_registry
    from saber_agent.voice_activity import level

    if "transcript" not in {t.name for t in get_registry().tools_for(settings)} or not activity.regions:
        return None
    try:
        options = TranscriptOptions.model_validate(settings.options_for("transcript"))
    except ValidationError:  # the tool says so in its own slot
        return None
    if options.language or options.model != "auto" or not options.vad or not whisper_models.multilingual_installed():
        return None
    rate = clip.sample_rate
    audio, _ = level(clip.audio)
    speech = np.concatenate([audio[int(a * rate): int(b * rate)] for a, b in activity.regions])
    if speech.size < MIN_SPEECH_S * rate:
        return None
    try:
        device, index, _ = whisper_models.resolve_device(settings.device)
        spec = whisper_models.bundled_multilingual()
        if spec is None:
            return None
        model = whisper_models.load(spec, device, index, options.compute_type or whisper_models.default_compute_type(device),
                                    cpu_threads(options), settings.allow_cpu_fallback)
        language, probability, ranked = detect_language(model, speech, options.detect_window_s, rate)
    except (RuntimeError, ValueError, OSError, ImportError):  # no model here: each utterance detects its own
        return None
    return {"language": language, "probability": round(float(probability), 3), "model": spec.name,
            "candidates": [[code, round(float(p), 3)] for code, p in ranked[:3]],
            "speech_s": round(min(speech.size / rate, 30.0), 2)}


def choose(detection: dict[str, Any], prior: dict[str, Any]) -> bool:
    """The utterance's detection (`options.choose_model`'s measurements, changed in place) given the clip's (`prior`,
    `clip_language`): its own kept where it agrees or is sure (`OWN_SURE`), else the clip's where the clip's is likelier
    than the utterance's own; "utterance_language" and "clip_language" keep both. True where the clip's was taken."""
    own, p = detection["language"], float(detection["language_probability"])
    detection["utterance_language"] = {"language": own, "probability": p, "candidates": detection.get("language_candidates", [])}
    detection["clip_language"] = {k: prior[k] for k in ("language", "probability", "speech_s")}
    if own == prior["language"] or p >= OWN_SURE or prior["probability"] <= p:
        return False
    detection.update(language=prior["language"], language_probability=prior["probability"],
                     language_source=f"detected by {prior.get('model', 'base')} on the whole clip's speech")
    return True


def note(detection: dict[str, Any]) -> str | None:
    """The note on the language of an utterance transcribed in the clip's language rather than its own detection's, or
    in a language whose words were credible where the first one's were not (`check_words`), else None (in its place,
    `transcript_decoding.language_note` or `language_named`: one note on the language)."""
    from saber_agent.plugins.transcript_decoding import LANGUAGE_OPTION

    own, clip = detection.get("utterance_language"), detection.get("clip_language")
    if not own or not clip:
        return None
    if detection.get("redecoded_from"):
        said = ", ".join(f"{c} {v:.2f}" for c, v in detection.get("words_logprob", {}).items())
        return (f"decoded in {detection['language']}: its words were not credible in {detection['redecoded_from']} (their "
                f"words' mean log-probability: {said}; this utterance alone read {own['language']} at {own['probability']:.0%}, "
                f"the whole clip {clip['language']} at {clip['probability']:.0%}); if that is wrong, set it with {LANGUAGE_OPTION}")
    if own["language"] == detection["language"]:
        return None
    return (f"transcribed in the clip's language, {clip['language']} (detected on the whole clip's {clip['speech_s']:.1f} s of "
            f"speech, {clip['probability']:.0%}): this utterance alone read {own['language']} at {own['probability']:.0%}, "
            f"under the {OWN_SURE:.0%} that keeps an utterance's own language; if that is wrong, set it with {LANGUAGE_OPTION}")


def check_words(segments: list, detection: dict[str, Any], decoder, part) -> tuple[list, str | None]:
    """(segments, why their words are left out or None) for an utterance decoded in `detection["language"]` (changed in
    place where another language's decode is kept: language, language_probability, redecoded_from, words_logprob).
    `decoder(part, language)`: the utterance's speech (`part`, a `transcript_languages.Part`) decoded in a language."""
    from saber_agent.plugins.transcript_credible import CANDIDATES, DOUBTFUL_LOGPROB, words_logprob

    own, clip = detection.get("utterance_language"), detection.get("clip_language")
    if not own or not clip:
        return segments, None
    chosen = detection["language"]

    def support(code: str) -> float:  # how sure a detection (the utterance's own, or the clip's) is of `code`
        mine = dict((c["language"], c["probability"]) if isinstance(c, dict) else c for c in own["candidates"])
        return max(mine.get(code, 0.0), own["probability"] if own["language"] == code else 0.0,
                   clip["probability"] if clip["language"] == code else 0.0)

    tried = {chosen: words_logprob(segments)}
    own_sure = own["language"] == chosen and own["probability"] >= OWN_SURE
    if tried[chosen] >= DOUBTFUL_LOGPROB or own_sure:
        detection["words_logprob"] = {chosen: round(tried[chosen], 3)} if np.isfinite(tried[chosen]) else {}
        return segments, None
    ranked = [c["language"] if isinstance(c, dict) else c[0] for c in own["candidates"]]
    others = [c for c in dict.fromkeys([own["language"], clip["language"], *ranked]) if c != chosen][:CANDIDATES]
    decoded = {chosen: segments}
    for code in others:
        decoded[code] = decoder(part, code)
        tried[code] = words_logprob(decoded[code])
    best = max(tried, key=tried.get)
    detection["words_logprob"] = {c: round(v, 3) for c, v in tried.items() if np.isfinite(v)}
    if tried[best] >= DOUBTFUL_LOGPROB:
        if best != chosen:
            detection.update(redecoded_from=chosen, language=best, language_probability=round(support(best), 3))
        return decoded[best], None
    if support(chosen) >= OWN_SURE:  # the clip's language is sure: its words are kept, as a whole clip's would be
        return segments, None
    said = ", ".join(f"{c} {v:.2f}" for c, v in tried.items() if np.isfinite(v)) or "no words"
    return [], (f"whisper could not make out this utterance's words in any of {', '.join(tried)} (their words' mean "
                f"log-probability: {said}; credible from {DOUBTFUL_LOGPROB}), and no detection of its language is sure "
                f"(this utterance alone: {own['language']} {own['probability']:.0%}; the whole clip: {clip['language']} "
                f"{clip['probability']:.0%})")
