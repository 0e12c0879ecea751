"""One voice-activity decision per clip, shared by every tool that needs to know where the voice is.

The transcript and the prosody tool must agree on whether (and where) someone speaks: music under a
face is not a voice, and a pitch measured on a melody is not a speaker's pitch. The decision is made
once, on first use, and kept in ``clip.extras["voice_activity"]`` (as the face track is shared, see
`saber_agent.plugins.facetrack`), so the two tools running in parallel read the same regions.

The detector is Silero VAD v6 (the ONNX model shipped inside faster-whisper), run as faster-whisper
runs it (512-sample windows at 16 kHz, threshold 0.5, 2 s minimum silence, 0.4 s padding), with one
stricter rule: a region holds speech only when at least `MIN_CONFIDENT_S` of it is heard with a
probability of at least `CONFIDENT_PROB` (Silero briefly fires on the onset of a musical note; a
spoken word holds a high probability for longer). That rule is about pitched sound: Silero, trained
mostly on voiced speech, gives whispered speech only moderate probabilities (0.3-0.7: an espeak-ng
whisper, an EmoFilm whispered line), so it never reached 0.8 and whispers were "no speech". A musical
note is pitched; a whisper is not. So a region that is mostly unpitched (Praat finds F0 in under
`WHISPER_VOICED_SHARE` of its audible 10 ms frames) holds (whispered) speech when Silero heard it at its
own threshold (0.5) for at least `MIN_CONFIDENT_S`, its extent taken at `WHISPER_PROB`; hiss, hum, chords and melodies do not get there
(tests/test_voice_activity.py). A slow espeak-ng whisper (the trial's "I have a secret...", en+whisper at 140 words a
minute) reaches 0.5 for only 64 ms: so when nothing else in the clip is speech, an unpitched region heard at `WHISPER_PROB`
for `FAINT_WHISPER_S` is whispered speech too (the trial's clip: 0.48 s; 60 eight-second and 36 one-minute clips of
synthetic noise, hiss, rain, wind, applause, typing, noise bursts at syllable rate: at most 0.13 s, none taken;
bench/faint_whisper.py), and the decision's note says it was heard faintly.
Without faster-whisper there is no detector: the decision falls back
to "every sounding stretch" and says so.

Shapes and units: times in seconds on the clip's clock; `probabilities` one per 32 ms window.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

import numpy as np

from saber_agent.media_audio import silent

WINDOW = 512  # Silero's window at 16 kHz: 32 ms
CONFIDENT_PROB = 0.8
MIN_CONFIDENT_S = 0.2  # a region needs this much confidently heard speech
HEARD_PROB = 0.5  # Silero's (and faster-whisper's) own speech threshold
WHISPER_VOICED_SHARE = 0.2  # a region pitched in less of its audible frames than this is unvoiced (whispered)
WHISPER_PROB = 0.3  # the threshold a whispered region's extent is taken at (its probabilities: 0.3-0.7)
FAINT_WHISPER_S = 0.3  # with no other speech in the clip, an unpitched region heard at WHISPER_PROB this long is a whisper
FAINT_EXTENT_PROB = 0.15  # a whisper alone in the clip: its extent (Silero's own end threshold for WHISPER_PROB, 0.3 - 0.15)
PAUSE_PROB = 0.35  # inside a region, windows below this are pauses (Silero's negative threshold)
NOISY_SNR_DB = 10.0  # speech less than this above the pauses' level: a loud background under the voice
QUIET_PEAK = 0.5  # quieter audio is amplified up to this peak (at most 40 dB): VAD is level-sensitive
MAX_GAIN = 100.0
DETECTOR = "silero-vad v6 (faster-whisper)"


@dataclass
class VoiceActivity:
    """Where a clip's audio holds a voice."""

    regions: list[tuple[float, float]]  # (start, end) seconds of speech, padded as whisper pads them
    duration_s: float
    detector: str
    gain: float = 1.0  # the level gain applied before detection
    probabilities: np.ndarray | None = None  # (n,) speech probability per WINDOW, None without a detector
    dropped: list[tuple[float, float]] = field(default_factory=list)  # brief firings without confident speech
    snr_db: float | None = None  # speech level over the level of the pauses between words (None: no pause)
    note: str | None = None
    whispered: list[tuple[float, float]] = field(default_factory=list)  # regions kept as unvoiced (whispered) speech

    @property
    def found(self) -> bool:
        return bool(self.regions)

    @property
    def speech_s(self) -> float:
        return round(sum(b - a for a, b in self.regions), 3)

    @property
    def noisy(self) -> bool:
        """A loud background (music, noise) under the voice: pitch and rate measures are unreliable. Read from
        the quiet moments of speech, so a voice that never pauses over music can pass; the prosody tool also
        measures the background without pauses (plugins/prosody_background.py)."""
        return self.snr_db is not None and self.snr_db < NOISY_SNR_DB

    def confident(self, start_s: float, end_s: float) -> bool:
        """Whether at least half of `start_s`-`end_s` is heard as speech with CONFIDENT_PROB or more."""
        if self.probabilities is None or end_s <= start_s:
            return False
        step = WINDOW / 16_000
        window = self.probabilities[int(start_s / step): int(math.ceil(end_s / step))]
        return bool(window.size) and float(np.mean(window >= CONFIDENT_PROB)) >= 0.5

    def measurements(self) -> dict:
        """The decision as slot measurements (JSON-safe)."""
        m = {
            "detector": self.detector, "speech_regions": [[round(a, 2), round(b, 2)] for a, b in self.regions],
            "speech_s": self.speech_s, "duration_s": round(self.duration_s, 3),
        }
        if self.whispered:
            m["whispered_regions"] = [[round(a, 2), round(b, 2)] for a, b in self.whispered]
        if self.dropped:
            m["dropped_regions"] = [[round(a, 2), round(b, 2)] for a, b in self.dropped]
        if self.snr_db is not None:
            m["speech_over_pauses_db"] = round(self.snr_db, 1)
        if self.note:
            m["note"] = self.note
        return m


def window_activity(activity: VoiceActivity, start_s: float, end_s: float, rate: int = 16_000, what: str = "this utterance",
                    clock: str = "the clip") -> VoiceActivity:
    """A clip's voice-activity decision seen through one window of it (`start_s`-`end_s`, seconds on the clip's
    clock), on the window's clock: its regions, whispered and dropped spans cut to the window, its per-32-ms
    probabilities resampled (nearest window) from start_s; `what` and `clock` name the window and the clip in its
    note. A window's tools read this instead of a new detection on the window alone, which can differ (Silero's
    state starts afresh at the window's edge, the level gain is the window's): an utterance the whole-clip pass
    found must not then read "no speech" (the trial's EmoFilm dialogue, its first line). Used by the segment run
    (`saber_agent.segments_run`, each utterance) and by second looks on a window (`saber_agent.reperception.clip_for`)."""
    from dataclasses import replace

    start_s, end_s = float(start_s), float(end_s)

    def cut(spans):
        return [(round(float(max(a, start_s) - start_s), 3), round(float(min(b, end_s) - start_s), 3))
                for a, b in spans if b > start_s and a < end_s]

    probabilities = None
    if activity.probabilities is not None and len(activity.probabilities):
        step = WINDOW / rate
        at = start_s + np.arange(int(math.ceil((end_s - start_s) / step))) * step
        probabilities = activity.probabilities[np.clip(np.rint(at / step).astype(int), 0, len(activity.probabilities) - 1)]
    note = f"the whole clip's voice-activity decision, cut to {what} ({start_s:.2f}-{end_s:.2f} s of {clock})"
    return replace(activity, regions=cut(activity.regions), duration_s=round(end_s - start_s, 3), probabilities=probabilities,
                   dropped=cut(activity.dropped), whispered=cut(activity.whispered),
                   note=f"{activity.note}; {note}" if activity.note else note)


def level(audio: np.ndarray) -> tuple[np.ndarray, float]:
    """Quiet audio amplified to a usable peak (VAD and whisper are level-sensitive); the gain applied."""
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if peak <= 0 or peak >= QUIET_PEAK:
        return audio.astype(np.float32, copy=False), 1.0
    gain = min(MAX_GAIN, QUIET_PEAK / peak)
    return (audio * gain).astype(np.float32), gain


def voice_activity(clip) -> VoiceActivity:
    """The clip's voice-activity decision, made on first call and kept in ``clip.extras``."""
    return clip.shared("voice_activity", lambda: detect(clip.audio, clip.sample_rate))


def detect(audio: np.ndarray, rate: int = 16_000) -> VoiceActivity:
    """Decide where `audio` (mono float, `rate` Hz; the detector needs 16 kHz) holds a voice."""
    duration = audio.size / rate if rate else 0.0
    if silent(audio):  # the clip's one silence rule (Clip.audio_is_silent): no voice is looked for in it
        return VoiceActivity([], duration, DETECTOR, note="the audio is silent")
    levelled, gain = level(audio)
    try:
        os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")  # before onnxruntime's first import (no .ses file)
        from faster_whisper.vad import VadOptions, get_speech_timestamps, get_vad_model
    except ImportError:
        return _sounding(levelled, rate, gain)
    if rate != 16_000:
        raise ValueError(f"voice activity detection needs 16 kHz audio, not {rate} Hz")
    chunks = get_speech_timestamps(levelled, VadOptions(), sampling_rate=rate)
    probs = np.asarray(get_vad_model()(np.pad(levelled, (0, WINDOW - levelled.size % WINDOW))), np.float32).reshape(-1)
    kept, dropped = [], []
    for chunk in chunks:
        a, b = chunk["start"] / rate, chunk["end"] / rate
        (kept if _heard_s(probs, chunk, CONFIDENT_PROB, rate) >= MIN_CONFIDENT_S else dropped).append((a, b))
    # a faint whisper needs FAINT_WHISPER_S heard at WHISPER_PROB in the clip as a whole (else no second Silero pass)
    faint_possible = not kept and float(np.sum(probs >= WHISPER_PROB)) * WINDOW / rate >= FAINT_WHISPER_S
    whispered, faint = _whispered(levelled, rate, probs, kept) if dropped or faint_possible else ([], [])
    if whispered:
        dropped = [d for d in dropped if not any(_overlap(d, w) for w in whispered)]
        kept = sorted(kept + whispered)
    note = None
    if faint:
        note = (f"whispered speech the voice detector heard only faintly (its probability over {WHISPER_PROB}, under "
                f"{HEARD_PROB} but for moments), in {', '.join(f'{a:.2f}-{b:.2f} s' for a, b in faint)}")
    return VoiceActivity(kept, duration, DETECTOR, gain, probs, dropped, _snr(levelled, probs, kept, rate), note=note,
                         whispered=whispered)


def _heard_s(probs: np.ndarray, chunk: dict, threshold: float, rate: int) -> float:
    """Seconds of the chunk (sample bounds "start", "end") heard with at least `threshold`."""
    inside = probs[int(chunk["start"] // WINDOW): int(math.ceil(chunk["end"] / WINDOW))]
    return float(np.sum(inside >= threshold)) * WINDOW / rate


def _overlap(x: tuple[float, float], y: tuple[float, float]) -> bool:
    return x[0] < y[1] and y[0] < x[1]


def _whispered(levelled: np.ndarray, rate: int, probs: np.ndarray, kept: list) -> tuple[list, list]:
    """(whispered regions, those of them heard only faintly). Unpitched regions heard at Silero's own threshold for
    `MIN_CONFIDENT_S` are whispered speech; when `kept` is empty (no other speech in the clip), so are unpitched regions
    heard at `WHISPER_PROB` for `FAINT_WHISPER_S` (faint). Their extent is taken at `WHISPER_PROB` (a whisper's
    probabilities stay around 0.3-0.7, so at 0.5 only its loudest syllables would be kept), and with no other speech in
    the clip at `FAINT_EXTENT_PROB` (the trial's whisper ends in 1.2 s heard at 0.1-0.25, "I am scared they will find
    out", which a region taken at 0.3 left out); regions overlapping voiced speech already kept are left to it."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    found, faint = [], []
    for chunk in get_speech_timestamps(levelled, VadOptions(threshold=WHISPER_PROB), sampling_rate=rate):
        a, b = chunk["start"] / rate, chunk["end"] / rate
        if any(_overlap((a, b), k) for k in kept):
            continue
        heard = _heard_s(probs, chunk, HEARD_PROB, rate) >= MIN_CONFIDENT_S
        if not heard and (kept or _heard_s(probs, chunk, WHISPER_PROB, rate) < FAINT_WHISPER_S):
            continue
        share = voiced_share(levelled[chunk["start"]: chunk["end"]], rate)
        if share is not None and share < WHISPER_VOICED_SHARE:
            found.append((a, b))
            if not heard:
                faint.append((a, b))
    if found and not kept:  # a whisper alone in the clip: its extent at FAINT_EXTENT_PROB (its quiet end is still the whisper)
        wide = [(c["start"] / rate, c["end"] / rate)
                for c in get_speech_timestamps(levelled, VadOptions(threshold=FAINT_EXTENT_PROB), sampling_rate=rate)]
        faint = _merged(faint + [w for w in wide if any(_overlap(w, f) for f in faint)])
        found = _merged(found + [w for w in wide if any(_overlap(w, f) for f in found)])
    return found, faint


def _merged(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Overlapping (start, end) spans joined, in time order."""
    out: list[tuple[float, float]] = []
    for a, b in sorted(spans):
        if out and a < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def voiced_share(audio: np.ndarray, rate: int = 16_000) -> float | None:
    """The share of `audio`'s audible 10 ms frames (within 30 dB of its loudest) in which Praat's pitch
    tracker (autocorrelation, 60-600 Hz, its default voicing threshold) finds an F0: near 1 for a voice
    or a note, near 0 for a whisper or noise. None without parselmouth or for audio under 0.1 s."""
    try:
        import parselmouth
    except ImportError:
        return None
    hop = rate // 100
    n = audio.size // hop
    if n < 10:
        return None
    f0 = parselmouth.Sound(audio.astype(np.float64), rate).to_pitch(time_step=0.01, pitch_floor=60.0, pitch_ceiling=600.0)
    voiced = f0.selected_array["frequency"] > 0
    times = f0.xs()
    db = 10 * np.log10(np.mean(audio[: n * hop].reshape(n, hop).astype(np.float64) ** 2, axis=1) + 1e-12)
    frames = np.clip((times * rate / hop).astype(int), 0, n - 1)
    audible = db[frames] >= db.max() - 30.0
    return float(np.mean(voiced[audible])) if audible.any() else None


def _snr(audio: np.ndarray, probs: np.ndarray, regions, rate: int) -> float | None:
    """Inside the regions, the level of the loud windows (90th percentile of 32 ms energies) over the
    floor (15th percentile: the pauses and weak consonants of clean speech, the background of speech
    over music), in dB. None when the regions are too short to tell."""
    if not regions:
        return None
    n = audio.size // WINDOW
    energy = np.mean(audio[: n * WINDOW].reshape(n, WINDOW).astype(np.float64) ** 2, axis=1)
    centres = (np.arange(n) + 0.5) * WINDOW / rate
    inside = np.zeros(n, bool)
    for a, b in regions:
        inside |= (centres >= a) & (centres <= b)
    if inside.sum() < 30:  # under a second
        return None
    loud, floor = np.percentile(energy[inside], [90, 15])
    return float(10 * np.log10(max(loud, 1e-12) / max(floor, 1e-12)))


def _sounding(audio: np.ndarray, rate: int, gain: float) -> VoiceActivity:
    """No detector installed: every stretch within 30 dB of the loudest 50 ms is taken as voice."""
    hop = max(1, int(0.05 * rate))
    n = audio.size // hop
    duration = audio.size / rate
    note = "no voice activity detector (install faster-whisper): every sounding stretch is taken as voice"
    if n == 0:
        return VoiceActivity([], duration, "energy", gain, note=note)
    db = 10 * np.log10(np.mean(audio[: n * hop].reshape(n, hop).astype(np.float64) ** 2, axis=1) + 1e-12)
    loud = db >= db.max() - 30.0
    regions: list[list[float]] = []
    for i in np.flatnonzero(loud):
        a, b = i * hop / rate, (i + 1) * hop / rate
        if regions and a - regions[-1][1] < 0.5:
            regions[-1][1] = b
        else:
            regions.append([a, b])
    return VoiceActivity([(a, b) for a, b in regions], duration, "energy", gain, note=note)


@dataclass
class SpeechSignal:
    """The speech of a clip cut out of it: regions kept, what lies between them muted and long gaps
    shortened. `clip_time` maps a time in `audio` back to the clip's clock."""

    audio: np.ndarray  # (m,) float32
    rate: int
    signal_knots: np.ndarray  # piecewise-linear map: signal seconds ...
    clip_knots: np.ndarray  # ... -> clip seconds

    def clip_time(self, t):
        """Signal seconds (a number or an array) as seconds on the clip's clock."""
        return np.interp(t, self.signal_knots, self.clip_knots)


def speech_signal(audio: np.ndarray, rate: int, activity: VoiceActivity, max_gap_s: float = 1.0,
                  mute_pauses_s: float | None = None) -> SpeechSignal:
    """The regions of `activity` as one signal: gaps between regions muted and at most `max_gap_s`
    long. With `mute_pauses_s`, stretches inside a region where the detector hears no voice
    (probability under PAUSE_PROB) for at least that long are muted too (music between phrases)."""
    pieces: list[np.ndarray] = []
    signal_knots: list[float] = []
    clip_knots: list[float] = []
    at = 0
    for a, b in activity.regions:
        i, j = int(a * rate), min(audio.size, int(math.ceil(b * rate)))
        if j <= i:
            continue
        if pieces:
            gap = min(int(max_gap_s * rate), max(0, i - int(clip_knots[-1] * rate)))
            pieces.append(np.zeros(gap, np.float32))
            at += gap
        piece = audio[i:j].astype(np.float32, copy=True)
        if mute_pauses_s is not None and activity.probabilities is not None:
            _mute_pauses(piece, i, activity.probabilities, rate, mute_pauses_s)
        pieces.append(piece)
        signal_knots += [at / rate, (at + piece.size) / rate]
        clip_knots += [i / rate, j / rate]
        at += piece.size
    if not pieces:
        return SpeechSignal(np.zeros(0, np.float32), rate, np.zeros(1), np.zeros(1))
    return SpeechSignal(np.concatenate(pieces), rate, np.asarray(signal_knots), np.asarray(clip_knots))


def _mute_pauses(piece: np.ndarray, offset: int, probs: np.ndarray, rate: int, min_s: float) -> None:
    first = offset // WINDOW
    windows = probs[first: first + int(math.ceil(piece.size / WINDOW)) + 1]
    quiet = windows < PAUSE_PROB
    if not quiet.any():
        return
    edges = np.diff(np.concatenate([[0], quiet.astype(np.int8), [0]]))
    for s, e in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True):
        if (e - s) * WINDOW / rate >= min_s:
            a = max(0, (first + s) * WINDOW - offset)
            b = min(piece.size, (first + e) * WINDOW - offset)
            piece[a:b] = 0.0


__all__ = ["SpeechSignal", "VoiceActivity", "detect", "level", "speech_signal", "voice_activity", "voiced_share", "window_activity"]
