"""Gaps in the audio stream and the transcript: no word inside a filled gap, a break in the text across it.

Where a file's audio packets jump (lost in a broadcast, a damaged stretch), the decoder fills the missing time with
silence so that later sound keeps its time against the picture, and notes it ("the audio had gaps of 3.00 s in all
(3.00 s at 2.58 s), filled with silence ...": `media_audio.AudioTrack16k.gap_note`). Whisper hears the speech regions
joined (`voice_activity.speech_signal`): the speech on either side of the gap came out as one sentence, and a word
invented where the two met was timed across the gap (an .mkv trial's "Or"; espeak-ng speech with 3 s of packets
missing after "... came to": "be." at 3.02-5.92 s, p 0.17, over a gap at 3.02-6.02 s).

`filled_gaps` reads the gaps the decoder filled (`clip.extras`, `media_audio.AUDIO_GAPS_KEY`). `without` takes them
out of the voice-activity regions, `decode_apart` has whisper hear the speech on either side of each gap apart (a
decode per stretch between gaps), and `assemble` (transcript_segments) drops a word that still lies mostly inside a gap
and ends the text before a gap with "…" where whisper wrote no full stop, so that the sentences either side are read
apart (`sentiment_mixed.sentences`).

Units: seconds on the clip's clock.
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np

from saber_agent.voice_activity import SpeechSignal, VoiceActivity

MIN_GAP_S = 0.25  # a shorter gap (a lost frame or two, 21 ms each in AAC) holds no word: the speech is not cut there
MIN_PIECE_S = 0.05  # a region's piece left beside a gap shorter than this is dropped
TEXT_BREAK = "…"  # ends a segment's text before a gap where whisper wrote no full stop
_ENDED = re.compile(r"[.!?…。！？]\W*$")


def filled_gaps(clip) -> list[tuple[float, float]]:
    """(start, end) seconds of the gaps the decoder filled with silence (`clip.extras[media_audio.AUDIO_GAPS_KEY]`:
    (at, length) on the clip's clock, a window's own part of them), those of at least `MIN_GAP_S`."""
    from saber_agent.media_audio import AUDIO_GAPS_KEY

    return [(round(at, 3), round(at + n, 3)) for at, n in clip.extras.get(AUDIO_GAPS_KEY) or () if n >= MIN_GAP_S]


def without(activity: VoiceActivity, gaps: list[tuple[float, float]]) -> VoiceActivity:
    """`activity` with its regions cut where they overlap a gap (the rest of the decision unchanged)."""
    if not gaps:
        return activity
    regions = list(activity.regions)
    for g0, g1 in gaps:
        regions = [(x, y) for a, b in regions for x, y in ((a, min(b, g0)), (max(a, g1), b)) if y - x >= MIN_PIECE_S]
    return replace(activity, regions=regions)


def whole(audio: np.ndarray, rate: int, gaps: list[tuple[float, float]]) -> SpeechSignal:
    """The whole clip as whisper hears it without voice-activity detection: its audio less the gaps."""
    from saber_agent.voice_activity import speech_signal

    duration = audio.size / rate
    return speech_signal(audio, rate, without(VoiceActivity([(0.0, duration)], duration, "none"), gaps), max_gap_s=0.0)


def apart(signal: SpeechSignal, gaps: list[tuple[float, float]]) -> list[tuple[np.ndarray, object]]:
    """The joined speech `signal` cut where a gap lies between two of its regions: [(audio, its seconds -> the clip's)]
    per stretch (the whole signal, one stretch, without a gap in it)."""
    if not gaps:
        return [(signal.audio, signal.clip_time)]
    s, c = signal.signal_knots, signal.clip_knots
    cuts = [k for k in range(1, len(s) - 1, 2) if any(c[k] - 0.01 <= g0 and g1 <= c[k + 1] + 0.01 for g0, g1 in gaps)]
    out = []
    for lo, hi in zip([0, *[k + 1 for k in cuts]], [*cuts, len(s) - 1], strict=True):
        a, b = int(round(s[lo] * signal.rate)), int(round(s[hi] * signal.rate))
        knots, clock = s[lo: hi + 1] - s[lo], c[lo: hi + 1]
        out.append((signal.audio[a:b], lambda t, knots=knots, clock=clock: np.interp(t, knots, clock)))
    return out


def decode_apart(signal: SpeechSignal, gaps: list[tuple[float, float]], decode) -> tuple[list, object]:
    """Whisper's segments of `signal`, each stretch between gaps decoded alone (`apart`): `decode(audio, clip_time)` ->
    (segments on the clip's clock, info); the segments in time order and the first stretch's info."""
    segments, infos = [], []
    for audio, clock in [p for p in apart(signal, gaps) if p[0].size] or [(signal.audio, signal.clip_time)]:
        found, info = decode(audio, clock)
        segments += list(found)
        infos.append(info)
    return segments, infos[0]


def inside(start: float, end: float, gaps: list[tuple[float, float]]) -> tuple[float, float] | None:
    """The gap holding most of `start`-`end` (a word), or None."""
    for g0, g1 in gaps:
        if min(end, g1) - max(start, g0) > 0.5 * max(end - start, 1e-3):
            return (g0, g1)
    return None


def before_gap(end: float, next_start: float, gaps: list[tuple[float, float]]) -> bool:
    """Whether a gap lies between a segment ending at `end` and the next starting at `next_start`."""
    return any(end - 0.05 <= g0 and g1 <= next_start + 0.05 for g0, g1 in gaps)


def ended(text: str) -> str:
    """`text` ended with `TEXT_BREAK` unless it ends a sentence already."""
    return text if not text or _ENDED.search(text) else text.rstrip(" ,;:-") + TEXT_BREAK


def strip(segment, gaps: list[tuple[float, float]]):
    """(`segment` without its words that lie mostly inside a gap, its text their text; None when no word is left,
    [the words dropped])."""
    import copy

    words = list(getattr(segment, "words", None) or [])
    lost = [w for w in words if inside(w.start, w.end, gaps)]
    if not lost:
        return segment, []
    kept = [w for w in words if not inside(w.start, w.end, gaps)]
    if not kept:
        return None, lost
    out = copy.copy(segment)
    out.words, out.text, out.start, out.end = kept, "".join(w.word for w in kept), kept[0].start, kept[-1].end
    return out, lost


def note(gaps: list[tuple[float, float]]) -> str:
    """The transcript's note of the gaps it heard apart."""
    where = ", ".join(f"{a:.2f}-{b:.2f} s" for a, b in gaps[:3]) + (f" and {len(gaps) - 3} more" if len(gaps) > 3 else "")
    return (f"the audio stream has {'gaps' if len(gaps) > 1 else 'a gap'} filled with silence ({where}): the speech on "
            "either side is transcribed apart and the text breaks there; no word is kept inside a gap")
