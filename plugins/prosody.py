"""Prosody -> `acoustic_feat`: pitch, intensity, phrasing and voice quality measured with Praat (parselmouth).

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
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from saber_agent import hookimpl
from saber_agent.evidence import ModalityCue, Slot, SlotStatus, Timeline, TimelineEvent
from saber_agent.media import Clip
from saber_agent.perception import Availability, PerceptionTool, missing_modules
from saber_agent.plugins.voice_emotion import read_voice, voice_cue
from saber_agent.settings import AnalysisSettings
from saber_agent.voice_activity import speech_signal, voice_activity

PITCH_FLOOR = 75.0  # Praat's defaults: the range when the speaker's own cannot be fitted
PITCH_CEILING = 600.0
FIRST_PASS_RANGE = (40.0, 800.0)  # the first, coarse pass of the two-pass pitch range
FIRST_PASS_STEP_S = 0.02
MAX_GAP_S = 2.0  # longer silences between speech regions are shortened in the measured signal
MIN_VOICED_S = 0.15  # less voiced speech than this is not enough to describe a voice
FRAME_S = 0.01  # pitch and intensity time step
HNR_STEP_S = 0.02  # the mean HNR moves < 0.6 dB from 10 ms frames, at half the cost (the slowest step)
SILENCE_DB = -25.0  # below the loudest (99th percentile) frame by this much is silence
MIN_PAUSE_S = 0.25  # shorter silences are part of speech (stop closures, word gaps)
MIN_SOUNDING_S = 0.1
MIN_DIP_DB = 2.0  # a syllable nucleus rises at least this much above the dip that follows it
FINAL_WINDOW_S = 0.4  # a phrase's final contour: its last stretch of voicing
CONTOUR_ST = 1.5  # a final rise or fall of at least this many semitones
SHIFT_ST, SHIFT_DB = 2.0, 3.0  # phrase-to-phrase changes worth a mention
TIMELINE_STEP_S = 0.1  # 10 Hz timelines
TIMELINE_MAX_POINTS = 1200  # longer clips get a coarser timeline, not a bigger one
ENERGY_FRAME_S, ENERGY_HOP_S = 0.025, 0.01
# a clip too short for the detector's confidence rule (at least 0.2 s heard with probability 0.8) is
# measured over its tentative speech when that covers at least this share of it: Silero fired over
# most of a short utterance (EmoFilm: 25 of 296 clips of 0.5-3 s), not on a musical note's onset
TENTATIVE_COVER = 0.5


def voice_signal(clip: Clip):
    """The signal the voice is measured and read on, shared by the prosody tool and `saber-agent train
    voice` (a trained model sees at run time the signal it was trained on): the speech cut out by the
    shared voice-activity decision, pauses inside it muted and gaps shortened to `MAX_GAP_S`. When the
    detector kept no region but its brief, unconfident firings cover `TENTATIVE_COVER` of the clip (a
    short utterance), those are used instead and the third value says so. Returns (activity, speech,
    tentative); speech is None when the clip holds no voice."""
    activity = voice_activity(clip)
    tentative = False
    regions = activity
    if not activity.found:
        heard = sum(b - a for a, b in activity.dropped)
        if not activity.dropped or heard < TENTATIVE_COVER * max(activity.duration_s, 1e-9):
            return activity, None, False
        regions, tentative = replace(activity, regions=list(activity.dropped)), True
    speech = speech_signal(clip.audio, clip.sample_rate, regions, MAX_GAP_S, mute_pauses_s=MIN_PAUSE_S)
    return activity, (speech if speech.audio.size else None), tentative


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


def measure(audio: np.ndarray, rate: int, clock=None, duration: float | None = None) -> dict:
    """Praat's prosody and voice-quality measures of a mono signal (see the module docstring).

    `clock` maps the signal's seconds to the clip's (when `audio` is the speech cut out of a longer
    clip, see `saber_agent.voice_activity.speech_signal`); `duration` is then the clip's length.
    """
    import parselmouth
    from parselmouth.praat import call

    sound = parselmouth.Sound(audio.astype(np.float64), sampling_frequency=rate)
    floor_hz, ceiling_hz = pitch_range(sound)
    pitch = sound.to_pitch(time_step=FRAME_S, pitch_floor=floor_hz, pitch_ceiling=ceiling_hz)
    f0 = pitch.selected_array["frequency"]
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
        "voiced_fraction": round(len(voiced) / max(1, len(f0)), 4),
        "intensity_mean_db": _round(db.mean()) if db.size else None,
        "intensity_sd_db": _round(db.std()) if db.size else None,
    }
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
    m["pauses"] = _pauses(phrases)
    phonation = sum(b - a for a, b in phrases)
    span = (phrases[-1][1] - phrases[0][0]) if phrases else 0.0
    m["syllables"] = len(nuclei)
    m["speech_rate_syl_s"] = _round(len(nuclei) / span) if span > 0 else None
    m["articulation_rate_syl_s"] = _round(len(nuclei) / phonation) if phonation > 0 else None
    m["phonation_s"] = _round(phonation)
    m["emphasis"] = emphasis(nuclei, phrases)
    m["contour"] = timeline(f0_times, f0, db_times, db_all, m["duration_s"])
    m["emobench_m"] = emobench_m(audio, rate, voiced, phrases, m["jitter_local"], m["shimmer_local"], clock)
    return m


def _round(value: float, digits: int = 2) -> float:
    return round(float(value), digits)


def _finite(value: float) -> float | None:
    return _round(value, 4) if value is not None and math.isfinite(value) else None


# --- phrasing -------------------------------------------------------------------------------------


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) index of each run of True."""
    if not mask.any():
        return []
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1, strict=False))


def sounding_intervals(times: np.ndarray, db: np.ndarray, threshold_db: float = SILENCE_DB,
                       min_pause: float = MIN_PAUSE_S, min_sounding: float = MIN_SOUNDING_S) -> list[tuple[float, float]]:
    """The (start, end) seconds of each phrase: sounding stretches separated by real pauses."""
    if db.size == 0:
        return []
    step = float(times[1] - times[0]) if len(times) > 1 else FRAME_S
    top = float(np.percentile(db, 99))  # a click should not set the reference
    runs = [[times[i] - step / 2, times[j] + step / 2] for i, j in _runs(db >= top + threshold_db)]
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
        "intensity_mean_db": _round(loud.mean(), 1) if loud.size else None,
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


def _pauses(phrases: list[tuple[float, float]]) -> dict:
    gaps = [(round(a[1], 2), round(b[0], 2)) for a, b in zip(phrases, phrases[1:], strict=False)]
    lengths = [b - a for a, b in gaps]
    return {
        "count": len(gaps),
        "total_s": _round(sum(lengths)),
        "mean_s": _round(np.mean(lengths)) if lengths else 0.0,
        "longest_s": _round(max(lengths)) if lengths else 0.0,
        "at": [list(g) for g in gaps],
    }


# --- timelines and EmoBench-M features ------------------------------------------------------------


def prosody_timeline(m: dict) -> Timeline:
    """The slot's `prosody` timeline (see `Timeline`): F0 (Hz, None when unvoiced) and intensity (dB)
    per bin, pauses between phrases as spans and emphasised syllables as moments."""
    contour = m["contour"]
    events = [TimelineEvent(start_s=a, end_s=b, label="pause", kind="pause") for a, b in m["pauses"]["at"]]
    events += [TimelineEvent(start_s=e["t"], label="emphasis", kind="emphasis") for e in m["emphasis"]]
    return Timeline(
        times_s=contour["t"], step_s=contour["step_s"],
        series={"f0_hz": contour["f0_hz"], "intensity_db": contour["intensity_db"]},
        units={"f0_hz": "Hz", "intensity_db": "dB"}, events=sorted(events, key=lambda e: e.start_s),
    )


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


# --- words ----------------------------------------------------------------------------------------


def describe(m: dict) -> str:
    """SABER-style `acoustic_feat` text that cites the measurements."""
    mean, sd_st = m["f0_mean_hz"], m["f0_sd_st"]
    register = "low" if mean < 120 else "high" if mean > 220 else "moderate"
    variation = "flat, monotone" if sd_st < 1.5 else "expressive, strongly varying" if sd_st > 3.5 else "moderately varying"
    parts = [
        f"The voice has a {register} pitch (mean F0 {mean:.0f} Hz, {m['f0_min_hz']:.0f}-{m['f0_max_hz']:.0f} Hz) "
        f"with a {variation} intonation (F0 SD {sd_st:.1f} semitones, range {m['f0_range_st']:.1f} semitones)."
    ]
    if m.get("intensity_mean_db") is not None:
        level = m["intensity_mean_db"]
        loudness = "quiet" if level < 55 else "loud" if level > 72 else "conversational"
        parts.append(f"Its volume is {loudness} (mean intensity {level:.0f} dB, SD {m['intensity_sd_db']:.1f} dB).")
    if pace := _describe_pace(m):
        parts.append(pace)
    if contours := _describe_contours(m):
        parts.append(contours)
    if stress := _describe_emphasis(m):
        parts.append(stress)
    quality = []
    if m.get("hnr_db") is not None:
        hnr = m["hnr_db"]
        quality.append(("clear" if hnr > 12 else "somewhat breathy or rough" if hnr > 6 else "rough, noisy") + f" (HNR {hnr:.1f} dB")
    if m.get("jitter_local") is not None and m.get("shimmer_local") is not None:
        quality.append(f"jitter {m['jitter_local'] * 100:.1f}%, shimmer {m['shimmer_local'] * 100:.1f}%)")
    elif quality:
        quality[-1] += ")"
    if quality:
        parts.append("Voice quality is " + ", ".join(quality) + ".")
    parts.append(_describe_coverage(m))
    if m.get("background_under_voice"):
        snr = (m.get("voice_activity") or {}).get("speech_over_pauses_db")
        parts.append("A loud background (music or noise) sounds under the voice"
                     + (f" (speech only {snr:.0f} dB above it)" if snr is not None else "")
                     + ": these pitch, rate and voice-quality figures are unreliable.")
    return " ".join(parts)


def _describe_coverage(m: dict) -> str:
    activity = m.get("voice_activity") or {}
    voiced = f"Voiced sound covers {m['voiced_fraction'] * 100:.0f}% of the speech"
    speech, duration = activity.get("speech_s"), activity.get("duration_s") or m.get("duration_s")
    if speech is None or not duration:
        return voiced + "."
    if speech < 0.9 * duration:
        regions = activity.get("speech_regions") or []
        where = f", from {regions[0][0]:.1f} s to {regions[-1][1]:.1f} s" if regions else ""
        return (f"Only the speech is described: {speech:.1f} s of the {duration:.1f} s audio{where}. "
                f"{voiced}.")
    return voiced + "."


def _describe_pace(m: dict) -> str:
    rate, pauses = m.get("articulation_rate_syl_s"), m.get("pauses") or {}
    if not rate:
        return ""
    pace = "slow" if rate < 3.5 else "fast" if rate > 6.0 else "moderate"
    text = f"The delivery is {pace} (about {rate:.1f} syllables per second while speaking"
    if pauses.get("count"):
        n = pauses["count"]
        text += (f"), in {n + 1} phrases separated by {n} pause{'s' if n > 1 else ''} "
                 f"(longest {pauses['longest_s']:.1f} s).")
    else:
        text += ") in one continuous phrase, without pauses."
    return text


def _describe_contours(m: dict) -> str:
    all_phrases = m.get("phrases") or []
    shaped = [(i, p) for i, p in enumerate(all_phrases) if p.get("final_contour")]
    sentences = []
    if len(all_phrases) == 1 and shaped:
        p = shaped[0][1]
        sentences.append(_ending(p["final_contour"], p["final_change_st"], "the phrase"))
    elif shaped:
        kinds = {p["final_contour"] for _, p in shaped}
        if len(kinds) == 1:
            which = "each phrase" if len(shaped) == len(all_phrases) else f"{len(shaped)} of the {len(all_phrases)} phrases"
            changes = ", ".join(f"{p['final_change_st']:+.1f}" for _, p in shaped)
            sentences.append(_ending(kinds.pop(), None, which) + f" ({changes} semitones)")
        else:
            described = [f"the {_ORDINAL.get(i, f'phrase {i + 1}')} {_VERB[p['final_contour']]} ({p['final_change_st']:+.1f} st)"
                         for i, p in shaped]
            sentences.append("phrase endings differ: " + ", ".join(described))
    shifts = []
    for shift in m.get("phrase_shifts") or []:
        said = []
        if shift["f0_change_st"] is not None and abs(shift["f0_change_st"]) >= SHIFT_ST:
            said.append(f"{'higher' if shift['f0_change_st'] > 0 else 'lower'} ({shift['f0_change_st']:+.1f} st)")
        if shift["intensity_change_db"] is not None and abs(shift["intensity_change_db"]) >= SHIFT_DB:
            said.append(f"{'louder' if shift['intensity_change_db'] > 0 else 'softer'} ({shift['intensity_change_db']:+.1f} dB)")
        if said:
            shifts.append(f"phrase {shift['to'] + 1} is {' and '.join(said)} than phrase {shift['from'] + 1}")
    if len(shifts) > 3:
        shifts = shifts[:3] + [f"{len(shifts) - 3} more shifts"]
    sentences += shifts
    if not sentences:
        return ""
    text = "; ".join(sentences)
    return text[0].upper() + text[1:] + "."


_ORDINAL = {0: "first", 1: "second", 2: "third", 3: "fourth", 4: "fifth"}
_VERB = {"rising": "rises", "falling": "falls", "level": "stays level"}


def _ending(kind: str, change: float | None, what: str) -> str:
    amount = f" ({change:+.1f} semitones)" if change is not None else ""
    if kind == "rising":
        return f"the pitch rises at the end of {what}{amount}, which sounds questioning or unfinished"
    if kind == "falling":
        return f"the pitch falls at the end of {what}{amount}, a settled, declarative close"
    return f"the pitch stays level at the end of {what}{amount}"


def _describe_emphasis(m: dict) -> str:
    stressed = m.get("emphasis") or []
    if not stressed:
        return ""
    shown = stressed[:4]
    times = ", ".join(f"{e['t']:.1f} s ({e['by']})" for e in shown)
    more = f" and {len(stressed) - len(shown)} more" if len(stressed) > len(shown) else ""
    if len(stressed) == 1:
        return f"One syllable stands out with emphasis, at {times}."
    return f"Emphasis falls on {len(stressed)} syllables that stand out, at {times}{more}."


def _scale(value: float | None, low: float, high: float) -> float:
    if value is None:
        return 0.5
    return float(min(1.0, max(0.0, (value - low) / (high - low))))


class ProsodyOptions(BaseModel):
    """The prosody tool's options (``AnalysisSettings.tool_options["prosody"]``), checked before a run;
    `plugins.voice_emotion.read_voice` reads them."""

    model_config = ConfigDict(extra="forbid")  # a misspelt option is an error, not silently ignored

    voice_model: str | None = Field(
        None, description="the voice emotion model: a `train voice` .json file, or a Hugging Face audio classifier id "
                    "(owner/name) or folder; a path that is not there is an error")
    voice_model_device: str = Field("cpu", pattern=r"^(cpu|cuda(:\d+)?)$", description="where a Hugging Face voice model runs")

    @field_validator("voice_model")
    @classmethod
    def _trained_model_exists(cls, value: str | None) -> str | None:
        """A `train voice` file that is not there is a mistake to report before the run (a Hugging Face
        id cannot be checked here: weights that are absent leave the default reading, with the reason)."""
        if value and value.lower().endswith(".json") and not Path(value).expanduser().is_file():
            raise ValueError(f"no such voice model file: {value} (make one with `saber-agent train voice`)")
        if value and looks_like_a_path(value) and not Path(value).expanduser().exists():
            raise ValueError(f"no such voice model file or folder: {value} (a Hugging Face model is named owner/name)")
        return value


# file extensions that make an owner/name value a path, not a Hugging Face id
_MODEL_FILE_SUFFIXES = frozenset({".json", ".joblib", ".pkl", ".pickle", ".bin", ".pt", ".pth", ".onnx", ".safetensors",
                                  ".ckpt", ".h5", ".npz", ".npy", ".zip", ".gz", ".tar", ".yaml", ".yml", ".txt"})


def looks_like_a_path(value: str) -> bool:
    """Whether a model option names a local file or folder rather than a Hugging Face id ("owner/name"):
    absolute, starting with ./ ../ or ~, a Windows path, more than one "/", a bare name with a file
    extension ("x.joblib"), or an owner/name with a model-file extension ("me/voice.pkl")."""
    if value.startswith(("/", "./", "../", "~", ".\\", "..\\")) or "\\" in value or value.count("/") > 1:
        return True
    suffix = Path(value).suffix.lower()
    if "/" not in value:
        return bool(re.fullmatch(r"\.[a-z][a-z0-9]{0,11}", suffix))
    return suffix in _MODEL_FILE_SUFFIXES


class ProsodyTool(PerceptionTool):
    name = "prosody"
    slot = "acoustic_feat"
    needs = frozenset({"audio"})
    # 0.3.1: short utterances the detector was unsure of are read (tentative); 0.4.0: the voice reading's
    # default axes (spectral balance, no articulation rate) and Whisper features for trained models
    version = "0.4.0"
    description = "Pitch, intensity, phrasing, speech rate and voice quality (Praat via parselmouth)."
    options_model = ProsodyOptions

    def availability(self) -> Availability:
        missing = missing_modules("parselmouth")
        return Availability(not missing, f"install praat-parselmouth ({', '.join(missing)} missing)" if missing else "")

    def perceive(self, clip: Clip, settings: AnalysisSettings) -> Slot:
        provenance = self.provenance(backend="praat-parselmouth")
        if clip.audio_is_silent:
            return Slot.unavailable("the audio is silent", provenance)
        # only the speech is described: the voice-activity decision the transcript shares
        activity, speech, tentative = voice_signal(clip)
        if speech is None:
            return Slot(status=SlotStatus.unavailable, provenance=provenance,
                        reason=f"no voice: the audio holds sound but no speech ({activity.detector} found none)",
                        measurements={"voice_activity": activity.measurements()})
        m = measure(speech.audio, clip.sample_rate, clock=speech.clip_time, duration=clip.audio.size / clip.sample_rate)
        m["voice_activity"] = activity.measurements()
        if tentative:
            m["voice_activity"]["tentative"] = ("a short utterance: measured over the detector's brief, unconfident "
                                                "speech regions, at half the confidence")
        m["background_under_voice"] = activity.noisy
        if "f0_mean_hz" not in m:
            return Slot(status=SlotStatus.unavailable, provenance=provenance, measurements=m, reason=(
                f"no voiced speech found ({m['voiced_s']:.2f} s voiced, at least {MIN_VOICED_S} s needed)"))
        # the voice read from the speech alone (the same cut-out the measurements came from)
        m["voice_emotion"] = read_voice(speech.audio, clip.sample_rate, m, settings.options_for(self.name))
        confidence = min(1.0, m["voiced_s"] / 2.0)  # more voiced speech, steadier estimates
        confidence = round(confidence * (0.5 if activity.noisy else 1.0) * (0.5 if tentative else 1.0), 3)
        return Slot(text=describe(m), status=SlotStatus.ok, measurements=m, confidence=confidence,
                    timelines={"prosody": prosody_timeline(m)}, provenance=provenance)

    def cues(self, slot: Slot) -> list[ModalityCue]:
        """Arousal from pitch variation and loudness; valence only weakly (prosody alone is ambiguous)."""
        m = slot.measurements
        if "f0_sd_st" not in m or m.get("background_under_voice"):
            return []  # no voice, or one measured through loud music or noise: no cue
        if cue := voice_cue(m.get("voice_emotion"), reliability=slot.confidence or 0.5):
            return [cue]  # the voice-emotion reading (plugins/voice_emotion.py); below: older slots without one
        arousal = 0.5 * _scale(m["f0_sd_st"], 1.0, 5.0) + 0.5 * _scale(m.get("intensity_mean_db"), 50.0, 80.0)
        # a rough, loud, low voice leans hostile; a clear, varied one leans warm
        harsh = _scale(-(m.get("hnr_db") or 15.0), -10.0, -3.0)  # HNR from 10 dB down to 3 dB
        valence = round(float(np.clip(0.3 * (_scale(m["f0_sd_st"], 1.0, 4.0) - 0.5) - 0.6 * harsh, -1.0, 1.0)), 3)
        emotion = "agitated" if arousal > 0.65 else "calm" if arousal < 0.35 else "engaged"
        return [
            ModalityCue(
                modality="voice", valence=valence, arousal=round(arousal, 3), emotion=emotion,
                confidence=round(0.35 * (slot.confidence or 0.5), 3),
                basis=f"F0 SD {m['f0_sd_st']:.1f} st, intensity {m.get('intensity_mean_db')} dB, HNR {m.get('hnr_db')} dB",
            )
        ]


@hookimpl
def register_perception_tools(register):
    register(ProsodyTool())
