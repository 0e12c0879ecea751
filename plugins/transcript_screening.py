"""A chunk's language screened on whisper's encoder output: whisper's language ranking of a stretch of the speech alone.

`screen` gives the ranking of one chunk of the joined speech (`transcript_languages.chunks`): its encoder frames (one
per 20 ms of the joined speech), followed by the frames of the window's padding, given to whisper's language detector
alone, one decoder step per chunk (about 20 ms). The frames are the encoder output that the clip's language detection
already computed (`transcript_decoding.detect_language`, kept with `keep`); where that output has no padding after the
speech (more than 29 s of speech; `transcript_decoding.DETECT_TAIL_S`), the speech is encoded again for the
screening, in windows of `SCREEN_S` with `TAIL_S` of padding (one encoder pass per 20 s). Moved out of
`transcript_languages`, which decides from the ranking which chunks are another language.

Units: seconds of the joined speech; probabilities 0..1.
"""

from __future__ import annotations

import math

import numpy as np

ENCODER_FRAME_S = 0.02  # whisper's encoder output: one frame per two 10 ms mel frames
WINDOW_S = 30  # whisper's window (the clip's detection holds at most this much speech)
MIN_TAIL_S = 0.5  # the clip's detection output is reused for the screening when its speech is followed by this much padding
SCREEN_S = 20  # else the speech is encoded again in windows of this much speech ...
TAIL_S = 5.0  # ... each followed by this much padding


def screen(model, audio: np.ndarray, encoded, sa: float, sb: float, rate: int, windows: dict) -> list[tuple[str, float]]:
    """Whisper's language ranking [(code, probability)], likeliest first, of the joined speech's `sa`-`sb` (seconds)
    alone (`_screen_frames`: `audio` is the joined speech, `encoded` the clip's detection output, `windows` the
    screening windows encoded so far, filled here)."""
    return _ranked(model, _screen_frames(model, audio, encoded, sa, sb, rate, windows))


def _frames(encoded) -> np.ndarray:
    """A CTranslate2 encoder output (1, frames, width), on any device, as an array on the CPU (its own dtype)."""
    import ctranslate2

    if getattr(encoded, "device", "cpu") != "cpu":
        encoded = encoded.to_device(ctranslate2.Device.cpu)
    return np.asarray(encoded)


def _screen_frames(model, audio: np.ndarray, encoded, sa: float, sb: float, rate: int, windows: dict) -> np.ndarray:
    """The encoder frames of the joined speech's `sa`-`sb` (seconds), followed by the frames of the window's padding
    after its speech: whisper detects a language on speech followed by padding (the chunk's frames alone read Spanish
    chunks of an EmoFilm clip as en, zh, sk, ca; with the padding's frames they read es at 0.44-0.94). The clip's
    detection output `encoded` is reused when it ends with `MIN_TAIL_S` of padding (then it holds all the speech);
    else windows of `SCREEN_S` of speech are encoded, each padded by `TAIL_S` (at least 10 s), once (`windows`)."""
    speech_s = audio.size / rate
    if not windows and encoded is not None:
        frames = _frames(encoded)
        if frames.shape[1] * ENCODER_FRAME_S - min(speech_s, WINDOW_S) >= MIN_TAIL_S:
            windows[-1] = (frames, 0.0, speech_s)
    if -1 in windows:
        frames, start, end = windows[-1]
    else:
        k = int(sa // SCREEN_S)
        if k not in windows:
            piece = audio[int(k * SCREEN_S * rate): int((k + 1) * SCREEN_S * rate)]
            windows[k] = (_frames(_encode(model, piece, TAIL_S)), k * SCREEN_S, k * SCREEN_S + piece.size / rate)
        frames, start, end = windows[k]
    lo, hi, tail = sa - start, min(sb, end) - start, int(math.ceil((end - start) / ENCODER_FRAME_S))
    return np.concatenate([frames[:, int(lo / ENCODER_FRAME_S): int(math.ceil(hi / ENCODER_FRAME_S))], frames[:, tail:]], axis=1)


def _encode(model, audio: np.ndarray, tail_s: float):
    """Whisper's encoder output of `audio` padded with at least `tail_s` of silence (10 s at least, 30 s at most)."""
    from faster_whisper.audio import pad_or_trim

    features = model.feature_extractor(audio)
    return model.encode(pad_or_trim(features, int(min(3000, max(1000, features.shape[-1] + 100 * tail_s)))))


def _ranked(model, frames: np.ndarray) -> list[tuple[str, float]]:
    """Whisper's language ranking of some encoder frames (1, n, width) alone."""
    import ctranslate2

    view = ctranslate2.StorageView.from_array(np.ascontiguousarray(frames))
    if model.model.device != "cpu":
        view = view.to_device(ctranslate2.Device.cuda)
    return [(token[2:-2], float(p)) for token, p in model.model.detect_language(view)[0]]
