"""What whisper decodes: the audio padded with silence (and the clock back to the clip), and the spoken language.

`pad_silence` adds `PAD_S` seconds of silence around the float32 signal at `rate` Hz (whisper drops a
first word that starts at the first sample) and `unpadded_clock` maps the padded signal's seconds
back to the clip's. `detect_language` asks the multilingual model's encoder for the language on a
short window of the speech, `language_note` says when that detection was unsure and `language_named`
names the language of every transcript (a wrong language read with 56-75% went unmentioned).
"""

from __future__ import annotations

from typing import Any

import numpy as np

# Seconds of silence before and after the audio whisper hears (see `pad_silence`). Corpus WER of tiny.en on the
# 9 espeak-ng trial sentences (/tmp/trial2): pad 0 s 0.049 (loses "What"), 0.1-0.3 s 0.042-0.056, 0.5 s 0.035.
PAD_S = 0.5
SURE_LANGUAGE = 0.5  # a short-window language detection below this is redone on Whisper's 30 s window
DETECT_TAIL_S = 1.0  # speech longer than the detection window is still followed by this much padding (within 30 s)
LANGUAGE_OPTION = "--tool-option transcript.language=CODE"  # how a user sets the language (named in notes and reasons)


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


def detect_language(model, speech: np.ndarray, window_s: float = 10.0, rate: int = 16_000,
                    keep: dict | None = None) -> tuple[str, float, list]:
    """(language, probability, ranked candidates) from the multilingual model's encoder on `speech`.

    faster-whisper always pads to a 30 s window; the encoder's cost grows with the window, and a
    clip's speech padded to `window_s` (at least, 30 s at most) mostly gives the same top language at
    a fraction of the cost (docs/transcript.md has the comparison). An unsure answer (below
    `SURE_LANGUAGE`) is asked again with the standard 30 s window. With `keep` (a dict), the encoder's output
    (a CTranslate2 StorageView, (1, frames / 2, width): one frame per 20 ms of `speech` from its start) is left in
    `keep["encoded"]`, for each part's language (`transcript_languages`).
    """
    from faster_whisper.audio import pad_or_trim

    features = model.feature_extractor(speech[: 30 * rate])
    for window in ((window_s, 30.0) if window_s < 30 else (30.0,)):
        # 100 mel frames per second; whisper reads speech followed by padding, and each part's language is screened
        # on this output's frames followed by its padding's (transcript_languages)
        frames = int(min(3000, max(window * 100, features.shape[-1] + DETECT_TAIL_S * 100)))
        encoded = model.encode(pad_or_trim(features, frames))
        ranked = [(token[2:-2], float(p)) for token, p in model.model.detect_language(encoded)[0]]
        if ranked[0][1] >= SURE_LANGUAGE:
            break
    if keep is not None:
        keep["encoded"] = encoded
    return ranked[0][0], ranked[0][1], ranked


def language_note(m: dict[str, Any]) -> str | None:
    """A note for the readable report and the UI when the detected language is unsure (the
    transcript may be in the wrong language), else None."""
    probability = m.get("language_probability")
    if not (m.get("language_source") or "").startswith("detected") or probability is None or probability >= SURE_LANGUAGE:
        return None
    return (f"the language was detected as {m.get('language')} with low confidence ({probability:.0%}); "
            f"if that is wrong, set it with {LANGUAGE_OPTION}")


def language_said(m: dict[str, Any]) -> str:
    """The transcript's language as the slot says it: "language es, p 0.85" (detected), "language es (given)" or
    "language en (assumed: English-only model)"."""
    source = m.get("language_source") or ""
    if source.startswith("detected") and m.get("language_probability") is not None:
        return f"language {m.get('language')}, p {m['language_probability']:.2f}"
    return f"language {m.get('language')} ({source or 'unknown'})"


def language_named(m: dict[str, Any]) -> str:
    """The note every transcript carries: its language and how sure the detection was (with the option that sets
    it when detected); `language_note` replaces it when the detection was unsure."""
    said = f"spoken {language_said(m)}"
    return f"{said}; if that is wrong, set it with {LANGUAGE_OPTION}" if (m.get("language_source") or "").startswith(
        "detected") else said
