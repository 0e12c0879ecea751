import numpy as np
import pytest

from saber_agent.media import decode
from saber_agent.plugins.prosody import ProsodyTool
from saber_agent.settings import AnalysisSettings
from saber_agent.testing.synth import make_clip, speak, write_wav


def test_speech_gives_text_measurements_and_a_voice_cue(face_speech_clip):
    tool = ProsodyTool()
    slot = tool.perceive(decode(face_speech_clip), AnalysisSettings())
    assert slot.ok and slot.provenance.backend == "praat-parselmouth"
    for key in ("f0_mean_hz", "f0_sd_hz", "f0_range_st", "intensity_mean_db", "jitter_local", "shimmer_local", "hnr_db", "voiced_fraction"):
        assert slot.measurements[key] is not None, key
    assert f"{slot.measurements['f0_mean_hz']:.0f} Hz" in slot.text
    (cue,) = tool.cues(slot)
    assert cue.modality == "voice" and -1 <= cue.valence <= 1


def test_silence_is_unavailable(silent_clip):
    slot = ProsodyTool().perceive(decode(silent_clip), AnalysisSettings())
    assert slot.status.value == "unavailable" and "silent" in slot.reason


def test_noise_without_voicing_is_unavailable(tmp_path):
    noise = np.random.default_rng(0).normal(0, 0.05, 16_000 * 2).astype(np.float32)
    clip = decode(make_clip(tmp_path / "noise.m4a", None, write_wav(tmp_path / "noise.wav", noise)))
    slot = ProsodyTool().perceive(clip, AnalysisSettings())
    assert slot.status.value == "unavailable" and "no voice" in slot.reason


# --- the signal the voice is read on (shared with `saber-agent train voice`) -----------------------


def _with_activity(clip, regions, dropped):
    from saber_agent.voice_activity import VoiceActivity

    duration = clip.audio.size / clip.sample_rate
    clip.extras["voice_activity"] = VoiceActivity(regions, duration, "test decision", dropped=dropped)
    return clip


def test_a_short_utterance_the_detector_was_unsure_of_is_still_read_at_half_confidence(tmp_path):
    # the decision is set by hand (Silero's own, on a real short film line, kept no region: its
    # firings over the whole clip had under 0.2 s of confident speech); the measurement is real
    wav = speak("No way.", tmp_path / "short.wav")
    duration = decode(wav).audio.size / 16_000
    tool = ProsodyTool()
    unsure = tool.perceive(_with_activity(decode(wav), [], [(0.0, duration)]), AnalysisSettings())
    assert unsure.ok and "tentative" in unsure.measurements["voice_activity"]
    assert unsure.measurements["voice_emotion"]["probabilities"]
    sure = tool.perceive(_with_activity(decode(wav), [(0.0, duration)], []), AnalysisSettings())
    assert sure.ok and "tentative" not in sure.measurements["voice_activity"]
    assert unsure.confidence == pytest.approx(sure.confidence / 2, abs=0.002)
    # a brief firing over a small part of the clip (a musical onset) is still no voice
    brief = tool.perceive(_with_activity(decode(wav), [], [(0.0, 0.2 * duration)]), AnalysisSettings())
    assert brief.status.value == "unavailable" and "no voice" in brief.reason


def test_train_voice_reads_the_same_speech_cut_out_as_the_prosody_tool(tmp_path):
    from saber_agent.plugins.prosody import voice_signal
    from training.voice import clip_audio

    speech = speak("I told you twice already.", tmp_path / "s.wav")
    padded = np.concatenate([np.zeros(16_000, np.float32), decode(speech).audio, np.zeros(16_000, np.float32)])
    wav = write_wav(tmp_path / "padded.wav", padded)
    audio, rate = clip_audio(str(wav))
    _, cut, _ = voice_signal(decode(wav))
    assert rate == 16_000 and np.array_equal(audio, cut.audio)
    assert audio.size < padded.size - 8_000  # the 2 s of silence around the voice, less the detector's padding
    with pytest.raises(ValueError, match="no speech"):
        clip_audio(str(write_wav(tmp_path / "silent.wav", np.zeros(16_000, np.float32))))


# --- audible sound the detector rejects, and whispers ------------------------------------------------


def test_audible_sound_the_detector_rejects_says_so_and_the_override_measures_it(tmp_path):
    """A chord is audible but no voice: the reason says the detector did not accept it as speech and names the option
    that measures the clip anyway; with that option a real voice the decision missed (set by hand) is measured."""
    t = np.arange(16_000 * 4) / 16_000
    chord = sum(0.15 * np.sin(2 * np.pi * f * t) for f in (196.0, 247.0, 294.0)).astype(np.float32)
    slot = ProsodyTool().perceive(decode(write_wav(tmp_path / "chord.wav", chord)), AnalysisSettings())
    assert slot.status.value == "unavailable" and slot.reason.startswith("no voice")
    assert "audible sound that the voice detector did not accept as speech" in slot.reason
    assert "--tool-option prosody.vad=false" in slot.reason
    wav = speak("I told you twice already.", tmp_path / "s.wav")
    missed = ProsodyTool().perceive(_with_activity(decode(wav), [], []), AnalysisSettings())
    assert missed.status.value == "unavailable" and "no voice" in missed.reason
    off = ProsodyTool().perceive(_with_activity(decode(wav), [], []), AnalysisSettings(tool_options={"prosody": {"vad": False}}))
    assert off.ok and off.measurements["f0_mean_hz"] and "prosody.vad=false" in off.measurements["voice_activity"]["note"]


def test_whispered_speech_is_heard_but_has_no_pitch_to_measure(tmp_path):
    """A whisper is speech (the shared decision keeps it) without an F0: the reason says whispered, not "no voice"."""
    wav = speak("Please be quiet. Someone is in the house, and I am so scared.", tmp_path / "w.wav", voice="en-us+whisper",
                speed=175)
    slot = ProsodyTool().perceive(decode(wav), AnalysisSettings())
    assert slot.status.value == "unavailable" and slot.measurements["voice_activity"]["whispered_regions"]
    assert "whispered" in slot.reason and "no pitch" in slot.reason and not slot.reason.startswith("no voice")
    assert ProsodyTool().cues(slot) == []


def test_whisper_the_detector_heard_confidently_is_still_whispered(tmp_path):
    """An espeak-ng whisper that Silero hears at 0.8 or more is kept as plain speech (no `whispered_regions`,
    trial 61: 4.57 s heard, none pitched); the reason must still say whispered, not "no voiced speech found"."""
    wav = speak("I can't believe you did this to me. I trusted you, and now everything is ruined.", tmp_path / "w2.wav",
                voice="en-us+whisper", speed=175)
    slot = ProsodyTool().perceive(decode(wav), AnalysisSettings())
    activity = slot.measurements["voice_activity"]
    assert activity["speech_s"] > 3.0 and "whispered_regions" not in activity  # the path this test is about
    assert slot.status.value == "unavailable" and slot.reason.startswith("whispered (unvoiced) speech: no pitch"), slot.reason
    assert ProsodyTool().cues(slot) == []
