"""Prosody -> `acoustic_feat`: the prosody tool, its options and its voice cue.

The voice is measured on the clip's speech only (`voice_signal`, shared with `saber-agent train voice`):
Praat's pitch, intensity, phrasing and voice-quality measurements live in plugins/prosody_measure.py,
the text that cites them in plugins/prosody_text.py, and the voice's emotion reading in
plugins/voice_emotion.py. Music or noise under a voice that never pauses (no pause to measure the
background in) is found by plugins/prosody_background.py: the slot then says the voice is measured over
background music or noise, gives no voice cue, and leaves the pitch frames that follow the music out of
every pitch figure (unavailable when too little of the voice's own pitch remains). Plucked or struck notes that the
background estimate misses are found by their sustained partials (plugins/prosody_music.py): music too, and no voice
emotion is read ("singing / music"). A clipped recording (plugins/prosody_clipping.py) states no HNR, jitter or
shimmer and halves the confidence. A whole clip of several voices
(`saber_agent.voices_heard`) keeps the count (``voices_heard``), each voice's own pitch (``voices``: label -> speech
and voiced seconds, median F0 in Hz, F0 SD in semitones; none over background music or noise) and no pooled voice
reading (``voice_emotion_withheld`` says why); its text does not describe the voices as one, and it gives no voice cue.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from saber_agent import hookimpl
from saber_agent.evidence import ModalityCue, Slot, SlotStatus, Timeline, TimelineEvent
from saber_agent.media import Clip
from saber_agent.media_audio import AUDIO_GAPS_KEY
from saber_agent.perception import Availability, PerceptionTool, missing_modules
from saber_agent.plugins.prosody_background import Background, spectrogram
from saber_agent.plugins.prosody_clipping import clipping
from saber_agent.plugins.prosody_measure import FRAME_S, MIN_PAUSE_S, MIN_VOICED_S, measure, voice_pitch
from saber_agent.plugins.prosody_music import MusicUnderVoice, music_under_voice
from saber_agent.plugins.prosody_text import describe
from saber_agent.plugins.voice_emotion import read_voice, voice_cue
from saber_agent.settings import AnalysisSettings
from saber_agent.voice_activity import WHISPER_VOICED_SHARE, VoiceActivity, speech_signal, voice_activity, voiced_share
from saber_agent.voices_heard import MIN_VOICE_S, SEGMENT_HINT, is_window, voices_heard_or_none

# the names other modules and tests import from here (the measurements and the text moved out of this module)
__all__ = ["MIN_VOICED_S", "ProsodyOptions", "ProsodyTool", "describe", "looks_like_a_path", "measure",
           "prosody_timeline", "voice_signal"]

MAX_GAP_S = 2.0  # longer silences between speech regions are shortened in the measured signal
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


def _background(level: tuple[float, float] | None, m: dict) -> Background:
    """The background under the voice from its level and flatness and the count of pitch frames that were its."""
    frames = m.get("f0_background_frames")
    voiced = (m.get("voiced_s") or 0.0) / FRAME_S + (frames or 0)
    share = round(frames / voiced, 3) if frames and voiced else (0.0 if frames is not None else None)
    return Background(*(level or (None, None)), pitch_frames_share=share)


def _music_withheld(partials: float) -> str:
    """Why no voice emotion is read over an instrument's notes or a sung melody (`prosody_music`)."""
    return (f"singing / music (an instrument's sustained notes sound under the voice in {partials:.0%} of the speech's "
            "frames; a sung or accompanied melody's pitch is the tune's, not the speaker's emotion)")


def _each_voice(clip: Clip, heard) -> dict[str, dict]:
    """Each voice's own pitch (`prosody_measure.voice_pitch`) over its utterances (`VoicesHeard` spans and labels),
    for the voices heard long enough to count (`MIN_VOICE_S`), by label."""
    out = {}
    for label in sorted(v for v, s in heard.seconds.items() if s >= MIN_VOICE_S):
        spans = [span for span, v in zip(heard.spans, heard.labels, strict=True) if v == label]
        out[label] = voice_pitch(clip.audio, clip.sample_rate, spans)
    return out


def prosody_timeline(m: dict) -> Timeline:
    """The slot's `prosody` timeline (see `Timeline`): F0 (Hz, None when unvoiced) and intensity (dB)
    per bin, pauses between phrases as spans, silences that hold a gap of the audio stream (no pause: its length is
    not known) as "audio_gap" spans, and emphasised syllables as moments."""
    contour = m["contour"]
    events = [TimelineEvent(start_s=a, end_s=b, label="pause", kind="pause") for a, b in m["pauses"]["at"]]
    events += [TimelineEvent(start_s=a, end_s=b, label="gap in the audio stream, filled with silence", kind="audio_gap")
               for a, b in m["pauses"].get("in_audio_gaps", [])]
    events += [TimelineEvent(start_s=e["t"], label="emphasis", kind="emphasis") for e in m["emphasis"]]
    return Timeline(
        times_s=contour["t"], step_s=contour["step_s"],
        series={"f0_hz": contour["f0_hz"], "intensity_db": contour["intensity_db"]},
        units={"f0_hz": "Hz", "intensity_db": "dB"}, events=sorted(events, key=lambda e: e.start_s),
    )


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
    vad: bool = Field(True, description="measure only where the shared voice-activity decision hears speech; false: "
                                        "the whole clip (sound the detector did not accept as speech is measured too)")

    @field_validator("voice_model")
    @classmethod
    def _trained_model_exists(cls, value: str | None) -> str | None:
        """A `train voice` file that is not there is a mistake to report before the run (a Hugging Face
        id cannot be checked here: weights that are absent leave the default reading, with the reason)."""
        if value and value.lower().endswith(".json") and not Path(value).expanduser().is_file():
            raise ValueError(f"no such voice model file: {value} (make one with `saber-agent train voice`)")
        if value and value.lower().endswith(".json"):
            # a file that is there but no usable model (not JSON, another program's JSON, damaged) is as much a
            # mistake as a missing one: said now, not a default reading that only the measurements explain
            from saber_agent.plugins.voice_emotion import LinearVoiceModel, VoiceModelUnavailable

            try:
                LinearVoiceModel.load(Path(value).expanduser())
            except VoiceModelUnavailable as exc:
                raise ValueError(str(exc)) from None
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
    # default axes (spectral balance, no articulation rate) and Whisper features for trained models; 0.4.1: whispered
    # regions are speech (voice_activity), the option vad=false measures the whole clip; 0.5.0: background music or
    # noise found without pauses, pitch frames that follow the music left out (prosody_background); 0.6.0: several voices
    # heard are described each on its own with no pooled voice reading, phrase loudness from the active frames' energy;
    # 0.7.0: music from sustained partials (prosody_music), clipping (prosody_clipping), the music left out of the voice
    # count's features, a recording heard again counted once, a faint lone whisper is speech; 0.7.1: a silence holding a
    # gap of the audio stream (filled by the decoder) is no pause, the gap's seconds out of the speech rate and voiced
    # fraction; the music decision one function with segment mode's (prosody_music.music_under_voice)
    version = "0.7.1"
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
        if settings.options_for(self.name).get("vad", True) is False:  # the user overrides the decision
            duration = clip.audio.size / clip.sample_rate
            activity = VoiceActivity([(0.0, duration)], duration, "none", note="voice activity detection off "
                                     "(--tool-option prosody.vad=false): the whole clip is measured")
            speech, tentative = speech_signal(clip.audio, clip.sample_rate, activity, MAX_GAP_S), False
        else:
            activity, speech, tentative = voice_signal(clip)
        if speech is None:
            return Slot(status=SlotStatus.unavailable, provenance=provenance, reason=(
                f"no voice: audible sound that the voice detector did not accept as speech ({activity.detector}); "
                "to measure it anyway, set --tool-option prosody.vad=false"),
                measurements={"voice_activity": activity.measurements()})
        # music under the voice, the one decision segment mode makes per utterance too (plugins/prosody_music.py): a
        # tonal background's pitch frames, left out of every pitch figure, and an instrument's sustained partials; made
        # on the pitch track as measured (no second Praat pass)
        spec = spectrogram(speech.audio, clip.sample_rate)
        found: dict = {}

        def not_the_voice(f0, times):
            found["music"] = music_under_voice(spec, f0, times)
            return found["music"].pitch_frames  # None without a tonal background (only one has a pitch to follow)

        # the audio stream's gaps the decoder filled with silence are no pause of the speaker's (prosody_measure)
        m = measure(speech.audio, clip.sample_rate, clock=speech.clip_time, duration=clip.audio.size / clip.sample_rate,
                    not_the_voice=not_the_voice, gaps=clip.extras.get(AUDIO_GAPS_KEY, ()))
        music = found.get("music", MusicUnderVoice())
        level = music.level
        m["voice_activity"] = activity.measurements()
        if gaps := clip.extras.get(AUDIO_GAPS_KEY, ()):  # silence the decoder filled: neither speech nor sound
            m["voice_activity"]["audio_gaps_s"] = round(sum(n for _, n in gaps), 3)
            m["voice_activity"]["in_audio_gaps_s"] = round(  # the detector's speech regions over them
                sum(max(0.0, min(b, at + n) - max(a, at)) for a, b in activity.regions for at, n in gaps), 3)
        if tentative:
            m["voice_activity"]["tentative"] = ("a short utterance: measured over the detector's brief, unconfident "
                                                "speech regions, at half the confidence")
        background = _background(level, m)
        m["background"] = background.measurements(loud=activity.noisy)
        m["background_under_voice"] = activity.noisy or background.under_voice
        # plucked or struck notes decay and change pitch, so the quantile estimate misses them: their sustained
        # partials that are not the voice's harmonics (plugins/prosody_music.py) say music sounds under the voice
        partials = music.partials_share
        m["background"]["sustained_partials_share"] = partials
        notes = music.notes
        if notes:
            m["background"]["kind"] = "music"
            m["background_under_voice"] = True
        # a clipped recording (plugins/prosody_clipping.py): HNR, jitter and shimmer would measure the flat tops
        clipped = clipping(speech.audio)
        if clipped is not None and clipped["clipped"]:
            quality = ("hnr_db", "jitter_local", "shimmer_local")
            clipped["measured_through_clipping"] = {k: m.get(k) for k in quality}
            m.update({k: None for k in quality if k in m})
            if "emobench_m" in m:
                m["emobench_m"].update(jitter=None, shimmer=None)
        if clipped is not None:
            m["clipping"] = clipped
        if "f0_mean_hz" not in m and background.pitch_frames_share:
            kind = background.kind or "music"
            return Slot(status=SlotStatus.unavailable, provenance=provenance, measurements=m, reason=(
                f"the voice is measured over background {kind}: the pitch track follows the {kind} "
                f"({background.pitch_frames_share:.0%} of the voiced frames) and too little of the voice's own pitch "
                f"remains ({m['voiced_s']:.2f} s, at least {MIN_VOICED_S} s needed)"))
        if "f0_mean_hz" not in m:
            # whispered: regions the detector kept only as unpitched (activity.whispered), or speech it heard
            # confidently (an espeak-ng whisper can reach Silero's 0.8) that is just as unpitched
            share = voiced_share(speech.audio, clip.sample_rate)
            whisper = bool(activity.whispered) or (share is not None and share < WHISPER_VOICED_SHARE)
            why = "whispered (unvoiced) speech: no pitch to measure" if whisper else "no voiced speech found"
            return Slot(status=SlotStatus.unavailable, provenance=provenance, measurements=m, reason=(
                f"{why} ({m['voiced_s']:.2f} s voiced, at least {MIN_VOICED_S} s needed)"))
        # a whole clip: its voices (saber_agent.voices_heard; counted once per clip and shared with the reasoner), kept
        # in the slot so a rerun from the evidence cache keeps the flag; none where the speaker pass cannot run here
        heard = voices_heard_or_none(clip) if not is_window(clip.info) else None
        if heard is not None:
            m["voices_heard"] = heard.count
        if heard is not None and heard.several:
            # several voices: the pooled pitch figures are the switch between them (trial C two_voices.wav: F0 SD 9.6 st
            # pooled, ~2 st each), so each voice's own pitch is measured, and no pooled voice reading is made
            if not m["background_under_voice"]:
                m["voices"] = _each_voice(clip, heard)
            m["voice_emotion_withheld"] = _music_withheld(partials) if notes else (
                f"one reading over the {heard.count} voices heard would mix the speakers "
                f"(each speaker's own: {SEGMENT_HINT})")
        elif notes:  # an instrument's notes under the voice (they may also be counted as a second "voice", above)
            m["voice_emotion_withheld"] = _music_withheld(partials)
        else:
            # the voice read from the speech alone (the same cut-out the measurements came from)
            m["voice_emotion"] = read_voice(speech.audio, clip.sample_rate, m, settings.options_for(self.name))
        confidence = min(1.0, m["voiced_s"] / 2.0)  # more voiced speech, steadier estimates
        confidence = round(confidence * (0.5 if activity.noisy else 1.0) * (0.5 if tentative else 1.0)
                           * (0.5 if m.get("clipping", {}).get("clipped") else 1.0), 3)
        return Slot(text=describe(m), status=SlotStatus.ok, measurements=m, confidence=confidence,
                    timelines={"prosody": prosody_timeline(m)}, provenance=provenance)

    def cues(self, slot: Slot) -> list[ModalityCue]:
        """Arousal from pitch variation and loudness; valence only weakly (prosody alone is ambiguous)."""
        m = slot.measurements
        if "f0_sd_st" not in m or m.get("background_under_voice"):
            return []  # no voice, or one measured through loud music or noise: no cue
        if (m.get("voices_heard") or 0) > 1:
            return []  # several voices: a pooled reading mixes the speakers (`voice_emotion_withheld` says so)
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
