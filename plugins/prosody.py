"""Prosody -> `acoustic_feat`: pitch, intensity and voice quality measured with Praat (parselmouth)."""

from __future__ import annotations

import math

import numpy as np

from saber_agent import hookimpl
from saber_agent.evidence import ModalityCue, Slot, SlotStatus
from saber_agent.media import Clip
from saber_agent.perception import Availability, PerceptionTool, missing_modules
from saber_agent.settings import AnalysisSettings

PITCH_FLOOR = 75.0
PITCH_CEILING = 600.0
MIN_VOICED_S = 0.15  # less voiced speech than this is not enough to describe a voice


def semitones(hz: np.ndarray, ref: float = 100.0) -> np.ndarray:
    return 12.0 * np.log2(hz / ref)


def measure(audio: np.ndarray, rate: int) -> dict:
    """Praat's global prosody and voice-quality measures of a mono signal."""
    import parselmouth
    from parselmouth.praat import call

    sound = parselmouth.Sound(audio.astype(np.float64), sampling_frequency=rate)
    pitch = sound.to_pitch(time_step=0.01, pitch_floor=PITCH_FLOOR, pitch_ceiling=PITCH_CEILING)
    f0 = pitch.selected_array["frequency"]
    voiced = f0[f0 > 0]
    intensity = sound.to_intensity(minimum_pitch=PITCH_FLOOR)
    db = intensity.values[0]
    db = db[np.isfinite(db)]
    if db.size:  # pauses and silence (Praat gives them very low values) would drag the mean down
        db = db[db >= db.max() - 35.0]
    m: dict = {
        "duration_s": round(sound.duration, 3),
        "voiced_s": round(len(voiced) * 0.01, 3),
        "voiced_fraction": round(len(voiced) / max(1, len(f0)), 4),
        "intensity_mean_db": _round(db.mean()) if db.size else None,
        "intensity_sd_db": _round(db.std()) if db.size else None,
    }
    if len(voiced) * 0.01 < MIN_VOICED_S:
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
    points = call(sound, "To PointProcess (periodic, cc)", PITCH_FLOOR, PITCH_CEILING)
    m["jitter_local"] = _finite(call(points, "Get jitter (local)", 0, 0, 0.0001, 0.02, 1.3))
    m["shimmer_local"] = _finite(call([sound, points], "Get shimmer (local)", 0, 0, 0.0001, 0.02, 1.3, 1.6))
    harmonicity = sound.to_harmonicity_cc(time_step=0.01, minimum_pitch=PITCH_FLOOR)
    m["hnr_db"] = _finite(call(harmonicity, "Get mean", 0, 0))
    return m


def _round(value: float, digits: int = 2) -> float:
    return round(float(value), digits)


def _finite(value: float) -> float | None:
    return _round(value, 4) if value is not None and math.isfinite(value) else None


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
    parts.append(f"Voiced speech covers {m['voiced_fraction'] * 100:.0f}% of the audio.")
    return " ".join(parts)


def _scale(value: float | None, low: float, high: float) -> float:
    if value is None:
        return 0.5
    return float(min(1.0, max(0.0, (value - low) / (high - low))))


class ProsodyTool(PerceptionTool):
    name = "prosody"
    slot = "acoustic_feat"
    needs = frozenset({"audio"})
    version = "0.1.0"
    description = "Pitch, intensity and voice quality (Praat via parselmouth)."

    def availability(self) -> Availability:
        missing = missing_modules("parselmouth")
        return Availability(not missing, f"install praat-parselmouth ({', '.join(missing)} missing)" if missing else "")

    def perceive(self, clip: Clip, settings: AnalysisSettings) -> Slot:
        provenance = self.provenance(backend="praat-parselmouth")
        if clip.audio_is_silent:
            return Slot.unavailable("the audio is silent", provenance)
        m = measure(clip.audio, clip.sample_rate)
        if "f0_mean_hz" not in m:
            return Slot.unavailable(
                f"no voiced speech found ({m['voiced_s']:.2f} s voiced, at least {MIN_VOICED_S} s needed)", provenance
            )
        confidence = round(min(1.0, m["voiced_s"] / 2.0), 3)  # more voiced speech, steadier estimates
        return Slot(text=describe(m), status=SlotStatus.ok, measurements=m, confidence=confidence, provenance=provenance)

    def cues(self, slot: Slot) -> list[ModalityCue]:
        """Arousal from pitch variation and loudness; valence only weakly (prosody alone is ambiguous)."""
        m = slot.measurements
        if "f0_sd_st" not in m:
            return []
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
