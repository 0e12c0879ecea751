"""The prosody tool's measurements (`acoustic_feat`): pitch, intensity, phrasing and voice quality with Praat (parselmouth).

What is measured (all from one Praat pitch track and one intensity contour, both at 10 ms):

- global pitch (F0) and intensity statistics, voice quality (local jitter and shimmer from a
  cross-correlation point process, mean harmonics-to-noise ratio);
- phrases: the sounding stretches between pauses, found as Praat's "To TextGrid (silences)" does
  (frames more than 25 dB below the loudest are silent; pauses shorter than 0.25 s and sounds
  shorter than 0.1 s are ignored); per phrase its F0 and intensity, its overall pitch slope and its
  final contour (rising, falling or level over its last 0.4 s of voicing), and the pitch and
  loudness shift from one phrase to the next;
- syllable nuclei as in de Jong & Wempe (2009, the Praat "syllable nuclei" script): intensity peaks
  within 25 dB of the top, at least 2 dB above the dip before the next peak, and voiced; they give
  the speech rate and articulation rate (nuclei per second of speech / of phonation), and the
  emphasised syllables (nuclei that stand out in loudness and pitch);
- timelines of F0 and intensity at 10 Hz, and EmoBench-M's six acoustic features (`emobench_m`).

`measure(audio, rate)` takes a mono float signal (samples at `rate` Hz) and returns the JSON-able
measurements: seconds, Hz, semitones (re 100 Hz) and dB as each key names.

Gaps in the audio stream (packets missing; the decoder fills them with silence and notes them, `media_audio`) are not
the speaker's: a silence between phrases that holds one is no pause (its length is not known: the lost audio may have
held speech), and the gap's seconds count neither in the speech rate's span nor in the voiced fraction's frames.
"""

from __future__ import annotations

import math

import numpy as np

from saber_agent.voice_frames import true_runs

PITCH_FLOOR = 75.0  # Praat's defaults: the range when the speaker's own cannot be fitted
PITCH_CEILING = 600.0
FIRST_PASS_RANGE = (40.0, 800.0)  # the first, coarse pass of the two-pass pitch range
FIRST_PASS_STEP_S = 0.02
MIN_VOICED_S = 0.15  # less voiced speech than this is not enough to describe a voice
FRAME_S = 0.01  # pitch and intensity time step
HNR_STEP_S = 0.02  # the mean HNR moves < 0.6 dB from 10 ms frames, at half the cost (the slowest step)
SILENCE_DB = -25.0  # below the loudest (99th percentile) frame by this much is silence
MIN_PAUSE_S = 0.25  # shorter silences are part of speech (stop closures, word gaps)
MIN_SOUNDING_S = 0.1
MIN_DIP_DB = 2.0  # a syllable nucleus rises at least this much above the dip that follows it
FINAL_WINDOW_S = 0.4  # a phrase's final contour: its last stretch of voicing
CONTOUR_ST = 1.5  # a final rise or fall of at least this many semitones
TIMELINE_STEP_S = 0.1  # 10 Hz timelines
TIMELINE_MAX_POINTS = 1200  # longer clips get a coarser timeline, not a bigger one
ENERGY_FRAME_S, ENERGY_HOP_S = 0.025, 0.01


def semitones(hz: np.ndarray, ref: float = 100.0) -> np.ndarray:
    return 12.0 * np.log2(hz / ref)


def pitch_range(sound) -> tuple[float, float]:
    """Pitch floor and ceiling fitted to the speaker, in two passes as Praat users do (De Looze &
    Hirst 2008): a coarse wide pass (40-800 Hz every 20 ms), then 0.75 x its first quartile and
    1.5 x its third quartile. A fixed 75 Hz floor turns a bass voice's ~65 Hz into octave errors.
    The fixed 75-600 Hz range when the first pass hears too little voicing."""
    f0 = sound.to_pitch(time_step=FIRST_PASS_STEP_S, pitch_floor=FIRST_PASS_RANGE[0],
                        pitch_ceiling=FIRST_PASS_RANGE[1]).selected_array["frequency"]
    voiced = f0[f0 > 0]
    if voiced.size * FIRST_PASS_STEP_S < MIN_VOICED_S:
        return PITCH_FLOOR, PITCH_CEILING
    q25, q75 = np.percentile(voiced, [25, 75])
    floor = float(np.clip(0.75 * q25, FIRST_PASS_RANGE[0], 400.0))
    ceiling = float(np.clip(1.5 * q75, floor * 1.5, FIRST_PASS_RANGE[1] + 200.0))
    return round(floor, 1), round(ceiling, 1)


def measure(audio: np.ndarray, rate: int, clock=None, duration: float | None = None, not_the_voice=None,
            gaps=()) -> dict:
    """Praat's prosody and voice-quality measures of a mono signal (see the module docstring).

    `clock` maps the signal's seconds to the clip's (when `audio` is the speech cut out of a longer
    clip, see `saber_agent.voice_activity.speech_signal`); `duration` is then the clip's length.
    `not_the_voice(f0, times)` (Hz and signal seconds per pitch frame) returns a bool mask of the frames
    whose F0 is not the voice's (background music, `prosody_background`): they count as unvoiced in every
    pitch figure, and "f0_background_frames" counts them.
    `gaps`: (at, length) seconds on the clip's clock of the audio stream's gaps filled with silence (the decoder's,
    ``clip.extras[media_audio.AUDIO_GAPS_KEY]``): no pause there, and no time of the speech rate or voiced fraction.
    """
    import parselmouth
    from parselmouth.praat import call

    sound = parselmouth.Sound(audio.astype(np.float64), sampling_frequency=rate)
    floor_hz, ceiling_hz = pitch_range(sound)
    pitch = sound.to_pitch(time_step=FRAME_S, pitch_floor=floor_hz, pitch_ceiling=ceiling_hz)
    f0 = pitch.selected_array["frequency"]
    background_frames = not_the_voice(f0, pitch.xs()) if not_the_voice is not None else None
    if background_frames is not None:
        f0 = np.where(background_frames, 0.0, f0)
    f0_times = pitch.xs() if clock is None else clock(pitch.xs())
    voiced = f0[f0 > 0]
    intensity = sound.to_intensity(minimum_pitch=floor_hz, time_step=FRAME_S)
    db_times = intensity.xs() if clock is None else clock(intensity.xs())
    db_all = intensity.values[0].copy()
    finite = np.isfinite(db_all) & (db_all > -200)  # Praat writes -300 dB for digital silence
    floor = db_all[finite].min() if finite.any() else 0.0
    db_all[~finite] = floor
    db = db_all[finite]
    if db.size:  # pauses and silence (Praat gives them very low values) would drag the mean down
        db = db[db >= db.max() - 35.0]
    m: dict = {
        "duration_s": round(sound.duration if duration is None else duration, 3),
        "pitch_floor_hz": floor_hz,
        "pitch_ceiling_hz": ceiling_hz,
        "voiced_s": round(len(voiced) * FRAME_S, 3),
        # a frame inside a filled gap is neither voiced nor unvoiced speech: the stream had no audio there
        "voiced_fraction": round(len(voiced) / max(1, len(f0) - int(_in_gaps(f0_times, gaps).sum())), 4),
        "intensity_mean_db": _round(db.mean()) if db.size else None,
        "intensity_sd_db": _round(db.std()) if db.size else None,
    }
    if background_frames is not None:
        m["f0_background_frames"] = int(np.sum(background_frames))
    if len(voiced) * FRAME_S < MIN_VOICED_S:
        return m
    st = semitones(voiced)
    m.update(
        f0_mean_hz=_round(voiced.mean()),
        f0_sd_hz=_round(voiced.std()),
        f0_min_hz=_round(np.percentile(voiced, 5)),
        f0_max_hz=_round(np.percentile(voiced, 95)),
        f0_range_st=_round(np.percentile(st, 95) - np.percentile(st, 5)),
        f0_sd_st=_round(st.std()),
    )
    points = call(sound, "To PointProcess (periodic, cc)", floor_hz, ceiling_hz)
    m["jitter_local"] = _finite(call(points, "Get jitter (local)", 0, 0, 0.0001, 0.02, 1.3))
    m["shimmer_local"] = _finite(call([sound, points], "Get shimmer (local)", 0, 0, 0.0001, 0.02, 1.3, 1.6))
    harmonicity = sound.to_harmonicity_cc(time_step=HNR_STEP_S, minimum_pitch=floor_hz)
    m["hnr_db"] = _finite(call(harmonicity, "Get mean", 0, 0))

    # F0 on the intensity frames' clock (nearest pitch frame), 0 where unvoiced
    f0_on_db = f0[np.clip(np.searchsorted(f0_times, db_times), 0, len(f0) - 1)] if len(f0) else np.zeros_like(db_all)
    phrases = sounding_intervals(db_times, db_all)
    nuclei = syllable_nuclei(db_times, db_all, f0_on_db, phrases)
    m["phrases"] = [_phrase(a, b, f0_times, f0, db_times, db_all, nuclei) for a, b in phrases]
    m["phrase_shifts"] = _shifts(m["phrases"])
    m["pauses"] = _pauses(phrases, gaps)
    phonation = sum(b - a for a, b in phrases)
    span = (phrases[-1][1] - phrases[0][0]) if phrases else 0.0
    span -= sum(_overlap(phrases[0][0], phrases[-1][1], at, at + n) for at, n in gaps) if phrases else 0.0
    m["syllables"] = len(nuclei)
    m["speech_rate_syl_s"] = _round(len(nuclei) / span) if span > 0 else None
    m["articulation_rate_syl_s"] = _round(len(nuclei) / phonation) if phonation > 0 else None
    m["phonation_s"] = _round(phonation)
    m["emphasis"] = emphasis(nuclei, phrases)
    m["contour"] = timeline(f0_times, f0, db_times, db_all, m["duration_s"])
    m["emobench_m"] = emobench_m(audio, rate, voiced, phrases, m["jitter_local"], m["shimmer_local"], clock)
    return m


def voice_pitch(audio: np.ndarray, rate: int, spans: list[tuple[float, float]]) -> dict:
    """One voice's pitch over its utterances (`spans`, seconds of `audio`): the speech seconds, voiced seconds, the
    median F0 (Hz) and its SD (semitones) of Praat's pitch track with the range fitted to that voice alone
    (`pitch_range`); the F0 figures are None with less than `MIN_VOICED_S` voiced. For a clip of several voices, whose
    pooled F0 SD is the switch from one voice to the other (trial C two_voices.wav: 9.6 st pooled, ~2 st each)."""
    import parselmouth

    parts = [audio[int(a * rate): int(b * rate)] for a, b in spans]
    x = np.concatenate(parts).astype(np.float64) if parts else np.zeros(0)
    out = {"speech_s": _round(x.size / rate), "voiced_s": 0.0, "f0_median_hz": None, "f0_sd_st": None}
    if x.size < int(0.1 * rate):
        return out
    sound = parselmouth.Sound(x, sampling_frequency=rate)
    floor_hz, ceiling_hz = pitch_range(sound)
    f0 = sound.to_pitch(time_step=FRAME_S, pitch_floor=floor_hz, pitch_ceiling=ceiling_hz).selected_array["frequency"]
    voiced = f0[f0 > 0]
    out["voiced_s"] = _round(voiced.size * FRAME_S)
    if voiced.size * FRAME_S >= MIN_VOICED_S:
        out.update(f0_median_hz=_round(np.median(voiced), 1), f0_sd_st=_round(semitones(voiced).std(), 1))
    return out


def _round(value: float, digits: int = 2) -> float:
    return round(float(value), digits)


def _finite(value: float) -> float | None:
    return _round(value, 4) if value is not None and math.isfinite(value) else None


# --- phrasing -------------------------------------------------------------------------------------


def _overlap(a: float, b: float, c: float, d: float) -> float:
    """Seconds that [a, b] and [c, d] share."""
    return max(0.0, min(b, d) - max(a, c))


def _in_gaps(times: np.ndarray, gaps) -> np.ndarray:
    """(len(times),) bool: the times inside a filled gap of the audio stream (`gaps`: (at, length) seconds)."""
    inside = np.zeros(len(times), bool)
    for at, length in gaps:
        inside |= (times >= at) & (times < at + length)
    return inside


def sounding_intervals(times: np.ndarray, db: np.ndarray, threshold_db: float = SILENCE_DB,
                       min_pause: float = MIN_PAUSE_S, min_sounding: float = MIN_SOUNDING_S) -> list[tuple[float, float]]:
    """The (start, end) seconds of each phrase: sounding stretches separated by real pauses."""
    if db.size == 0:
        return []
    step = float(times[1] - times[0]) if len(times) > 1 else FRAME_S
    top = float(np.percentile(db, 99))  # a click should not set the reference
    runs = [[times[i] - step / 2, times[j - 1] + step / 2] for i, j in true_runs(db >= top + threshold_db)]
    merged: list[list[float]] = []
    for run in runs:
        if merged and run[0] - merged[-1][1] < min_pause:
            merged[-1][1] = run[1]
        else:
            merged.append(run)
    return [(round(max(0.0, float(a)), 3), round(float(b), 3)) for a, b in merged if b - a >= min_sounding]


def syllable_nuclei(times: np.ndarray, db: np.ndarray, f0: np.ndarray, phrases: list[tuple[float, float]]) -> list[dict]:
    """Syllable nuclei (de Jong & Wempe 2009): voiced intensity peaks that stand out from the dip after them."""
    if db.size < 3 or not phrases:
        return []
    top = float(np.percentile(db, 99))
    peaks = np.flatnonzero((db[1:-1] > db[:-2]) & (db[1:-1] >= db[2:])) + 1
    peaks = peaks[db[peaks] >= top + SILENCE_DB]
    nuclei = []
    for k, p in enumerate(peaks):
        nxt = peaks[k + 1] if k + 1 < len(peaks) else len(db) - 1
        dip = float(db[p:nxt + 1].min())
        if db[p] - dip <= MIN_DIP_DB or f0[p] <= 0:
            continue
        t = float(times[p])
        if any(a <= t <= b for a, b in phrases):
            nuclei.append({"t": round(t, 2), "intensity_db": _round(db[p], 1), "f0_hz": _round(f0[p], 1)})
    return nuclei


def emphasis(nuclei: list[dict], phrases: list[tuple[float, float]]) -> list[dict]:
    """Nuclei that stand out within their phrase: louder than its other syllables (1 SD, at least
    1.5 dB) and not lower-pitched, or 3 semitones above its median pitch."""
    out = []
    for start, end in phrases:
        inside = [n for n in nuclei if start <= n["t"] <= end]
        if len(inside) < 3:
            continue
        loud = np.array([n["intensity_db"] for n in inside])
        pitch = semitones(np.array([n["f0_hz"] for n in inside]))
        sd = max(float(loud.std()), 1.5)
        for n, db, st in zip(inside, loud, pitch, strict=False):
            louder = float((db - loud.mean()) / sd)
            higher = float(st - np.median(pitch))
            if (louder > 1.0 and higher >= 0) or higher > 3.0:
                by = "pitch and loudness" if louder > 1.0 and higher > 1.0 else "loudness" if louder > 1.0 else "pitch"
                out.append({"t": n["t"], "by": by, "pitch_above_phrase_st": _round(higher, 1), "loudness_z": _round(louder, 1)})
    return out


def _phrase(start, end, f0_times, f0, db_times, db, nuclei) -> dict:
    inside = (f0_times >= start) & (f0_times <= end) & (f0 > 0)
    t, hz = f0_times[inside], f0[inside]
    loud = db[(db_times >= start) & (db_times <= end)]
    phrase = {
        "start": start, "end": end, "duration_s": _round(end - start),
        "intensity_mean_db": _round(energy_mean_db(loud), 1) if loud.size else None,
        "intensity_max_db": _round(loud.max(), 1) if loud.size else None,
        "syllables": sum(1 for n in nuclei if start <= n["t"] <= end),
        "f0_mean_hz": None, "f0_range_st": None, "f0_slope_st_s": None, "final_contour": None, "final_change_st": None,
    }
    if len(hz) < 5:
        return phrase
    st = semitones(hz)
    phrase.update(f0_mean_hz=_round(hz.mean(), 1), f0_range_st=_round(np.percentile(st, 95) - np.percentile(st, 5), 1))
    if t[-1] - t[0] > 0.05:
        phrase["f0_slope_st_s"] = _round(np.polyfit(t, st, 1)[0], 2)
    tail = t >= t[-1] - FINAL_WINDOW_S
    if tail.sum() >= 5 and t[tail][-1] - t[tail][0] > 0.05:
        slope = np.polyfit(t[tail], st[tail], 1)[0]
        change = float(slope * (t[tail][-1] - t[tail][0]))
        phrase["final_change_st"] = _round(change, 1)
        phrase["final_contour"] = "rising" if change >= CONTOUR_ST else "falling" if change <= -CONTOUR_ST else "level"
    return phrase


def energy_mean_db(db: np.ndarray, active_db: float = SILENCE_DB) -> float:
    """The level (dB) of the mean energy of the active intensity frames: 10 log10 of the mean of 10^(dB/10) over
    the frames within `active_db` of the loudest. Quiet and digitally silent frames inside a phrase (a stop closure,
    a word gap a codec zeroed: Praat's floor) neither count nor dilute it; the mean of every frame's dB did (trial C
    memo_sad.m4a: phrase 2 "+17.9 dB" louder than phrase 1 for a 0.6 dB RMS difference, +8.5 dB on the same
    audio as WAV, +6.1 dB as Opus)."""
    top = float(np.max(db))
    active = db[db >= top + active_db]
    return top + 10.0 * math.log10(float(np.mean(10.0 ** ((active - top) / 10.0))))


def _shifts(phrases: list[dict]) -> list[dict]:
    shifts = []
    for i in range(1, len(phrases)):
        a, b = phrases[i - 1], phrases[i]
        shift = {"from": i - 1, "to": i, "f0_change_st": None, "intensity_change_db": None}
        if a["f0_mean_hz"] and b["f0_mean_hz"]:
            shift["f0_change_st"] = _round(12 * math.log2(b["f0_mean_hz"] / a["f0_mean_hz"]), 1)
        if a["intensity_mean_db"] is not None and b["intensity_mean_db"] is not None:
            shift["intensity_change_db"] = _round(b["intensity_mean_db"] - a["intensity_mean_db"], 1)
        shifts.append(shift)
    return shifts


def _pauses(phrases: list[tuple[float, float]], gaps=()) -> dict:
    """The silences between phrases (start, end s) as pauses: count, total, mean and longest seconds, and where; a
    silence that holds a filled gap of the audio stream (`gaps`: (at, length) s) is no pause of the speaker's and is
    listed apart ("in_audio_gaps", only when there is one) with the gap's seconds ("audio_gap_s")."""
    between = [(round(a[1], 2), round(b[0], 2)) for a, b in zip(phrases, phrases[1:], strict=False)]
    held = [sum(_overlap(a, b, at, at + n) for at, n in gaps) for a, b in between]
    pauses = [g for g, h in zip(between, held, strict=True) if not h]
    lengths = [b - a for a, b in pauses]
    out = {
        "count": len(pauses),
        "total_s": _round(sum(lengths)),
        "mean_s": _round(np.mean(lengths)) if lengths else 0.0,
        "longest_s": _round(max(lengths)) if lengths else 0.0,
        "at": [list(g) for g in pauses],
    }
    if len(pauses) < len(between):
        out["in_audio_gaps"] = [list(g) for g, h in zip(between, held, strict=True) if h]
        out["audio_gap_s"] = _round(sum(held))
    return out


# --- timelines and EmoBench-M features ------------------------------------------------------------


def timeline(f0_times, f0, db_times, db, duration: float) -> dict:
    """F0 (median of voiced frames, None when unvoiced) and intensity (mean dB) per 0.1 s bin."""
    step = max(TIMELINE_STEP_S, duration / TIMELINE_MAX_POINTS)
    n = max(1, int(math.ceil(duration / step)))
    f0_bins = np.minimum((f0_times / step).astype(int), n - 1)
    db_bins = np.minimum((db_times / step).astype(int), n - 1)
    f0_out, db_out = [], []
    for k in range(n):
        v = f0[(f0_bins == k) & (f0 > 0)]
        f0_out.append(_round(np.median(v), 1) if v.size >= 2 else None)
        d = db[db_bins == k]
        db_out.append(_round(d.mean(), 1) if d.size else None)
    return {"step_s": round(step, 3), "t": [round((k + 0.5) * step, 3) for k in range(n)], "f0_hz": f0_out, "intensity_db": db_out}


def emobench_m(audio: np.ndarray, rate: int, voiced_hz: np.ndarray, phrases, jitter, shimmer, clock=None) -> dict:
    """EmoBench-M's six acoustic features: F0 mean and variance (Hz, voiced frames), energy mean and
    variance (short-time RMS amplitude of 25 ms frames every 10 ms, over the phrases), jitter and shimmer (local)."""
    frame, hop = int(ENERGY_FRAME_S * rate), int(ENERGY_HOP_S * rate)
    x = audio.astype(np.float64)
    if x.size >= frame:
        windows = np.lib.stride_tricks.sliding_window_view(x, frame)[::hop]
        rms = np.sqrt(np.mean(windows**2, axis=1))
        centres = (np.arange(len(rms)) * hop + frame / 2) / rate
        if clock is not None:  # the phrases are on the clip's clock
            centres = clock(centres)
        speech = np.zeros(len(rms), bool)
        for a, b in phrases:
            speech |= (centres >= a) & (centres <= b)
        rms = rms[speech] if speech.any() else rms
    else:
        rms = np.array([np.sqrt(np.mean(x**2))]) if x.size else np.zeros(1)
    return {
        "f0_mean_hz": _round(voiced_hz.mean()),
        "f0_var_hz2": _round(voiced_hz.var()),
        "energy_mean": float(f"{rms.mean():.6g}"),
        "energy_var": float(f"{rms.var():.6g}"),
        "jitter": jitter,
        "shimmer": shimmer,
    }
