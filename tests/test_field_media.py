"""Field media (issue 14): what phones, browsers and broadcasters record, decoded and perceived truthfully.

Every input is made here from the bundled sample clip with ffmpeg / espeak-ng (`saber_agent.testing.corpus`);
each kind has the instance the issue names and at least one more of the same kind.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from saber_agent.errors import UsageError
from saber_agent.evidence import ClipInfo
from saber_agent.media import DecodeSettings, MediaError, decode
from saber_agent.plugins.prosody import ProsodyTool
from saber_agent.plugins.transcript import TranscriptTool, assemble, is_spoken
from saber_agent.settings import AnalysisSettings
from saber_agent.testing import corpus
from saber_agent.testing.synth import speak, write_wav
from saber_agent.voice_activity import voice_activity


@pytest.fixture(scope="module")
def field(tmp_path_factory):
    folder = tmp_path_factory.mktemp("field")
    return {case.name: case.path for case in corpus.field_cases(folder, long_s=180.0)}


@pytest.fixture(scope="module")
def sample():
    return decode(corpus.SAMPLE)


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x.astype(np.float64) ** 2)))


def _onset(audio: np.ndarray, rate: int = 16_000) -> float:
    return float(np.argmax(np.abs(audio) > 0.05)) / rate


# --- 1. rotation -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name, rotation", [("rotated_270.mp4", -90), ("rotated_90.mp4", 90)])
def test_display_matrix_turns_frames_upright(field, sample, name, rotation):
    clip = decode(field[name])
    assert clip.info.rotation == rotation and (clip.info.width, clip.info.height) == (240, 320)
    assert clip.frames.shape[1:3] == (320, 240)  # rows = displayed height
    upright = sample.frames[0][:, 40:280]  # the sample's centre, cropped as the phone clip was
    assert np.mean(np.abs(clip.frames[0].astype(int) - upright)) < 12  # the same picture, the same way up
    sideways = np.rot90(clip.frames[0])
    assert np.mean(np.abs(sideways[:240, :240].astype(int) - upright[:240, :240])) > 30  # the check can fail


def test_upside_down_clip_is_turned_back(field, sample):
    clip = decode(field["rotated_180.mp4"])
    assert clip.info.rotation == -180 and any("180 degrees" in n for n in clip.info.notes)
    assert np.mean(np.abs(clip.frames[0].astype(int) - sample.frames[0])) < 12


# --- 2. several audio streams ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["two_tracks.mkv", "two_tracks_no_default.mkv"])
def test_the_track_with_sound_is_analysed_and_the_others_listed(field, sample, name):
    clip = decode(field[name])
    assert clip.info.audio_track == 1 and not clip.audio_is_silent
    assert abs(20 * np.log10(_rms(clip.audio) / _rms(sample.audio))) < 1.0
    tracks = clip.info.audio_tracks
    assert [t.index for t in tracks] == [0, 1] and [t.analysed for t in tracks] == [False, True]
    assert tracks[1].silent is False and tracks[0].silent is not False  # None: not decoded (the default had sound)


def test_an_option_picks_the_track(field):
    chosen = decode(field["two_tracks.mkv"], DecodeSettings(audio_track=0))
    assert chosen.info.audio_track == 0 and chosen.audio_is_silent and "the audio track is silent" in chosen.info.notes
    with pytest.raises(MediaError, match="has 2 audio track") as raised:
        decode(field["two_tracks.mkv"], DecodeSettings(audio_track=2))
    # a bad option, not a bad file (the CLI exits 2, a usage error): the message names the tracks there are
    assert isinstance(raised.value, UsageError) and "track 0 (" in str(raised.value) and "track 1 (" in str(raised.value)
    assert "can be chosen with --audio-track N" in " ".join(decode(field["two_tracks.mkv"]).info.notes)


# --- 3. phase-inverted stereo ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["phase_inverted_aac.mp4", "phase_inverted_pcm.mkv", "phase_inverted_left.wav"])
def test_a_phase_inverted_downmix_falls_back_to_a_channel(field, sample, name):
    clip = decode(field[name])
    assert not clip.audio_is_silent and abs(20 * np.log10(_rms(clip.audio) / _rms(sample.audio))) < 1.5
    assert any("cancel" in n and "phase" in n for n in clip.info.notes)


def test_ordinary_stereo_keeps_the_mono_mix(tmp_path, sample):
    stereo = tmp_path / "stereo.mkv"
    corpus._ffmpeg("-i", str(corpus.SAMPLE), "-af", "pan=stereo|c0=c0|c1=0.5*c0", "-c:v", "copy", "-c:a", "pcm_s16le", str(stereo))
    clip = decode(stereo)
    assert clip.info.audio_channels == 2 and not any("cancel" in n for n in clip.info.notes)


# --- 4. no declared duration -----------------------------------------------------------------------


def test_a_clip_without_duration_is_sampled_to_its_end(field):
    path = field["no_duration.webm"]
    clip = decode(path)
    last = float(subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v", "-show_entries", "packet=pts_time",
                                 "-of", "csv=p=0", str(path)], capture_output=True, text=True).stdout.split()[-1])
    assert not clip.info.duration_declared and last > 125
    assert clip.frame_times[-1] > last - 2.0 and clip.info.n_frames <= 240  # the whole clip, within the budget
    assert abs(clip.info.duration_s - last) < 2.0
    assert any("declares no duration" in n and "every 1 s" in n for n in clip.info.notes)
    small = decode(path, DecodeSettings(max_frames=30))  # another budget: the same rule, sparser
    assert small.info.n_frames <= 30 and small.frame_times[-1] > last - 8.0


# --- 5. one clock ----------------------------------------------------------------------------------


def test_delayed_audio_stays_delayed(field, sample):
    clip = decode(field["audio_delayed_3s.mp4"])
    assert abs(_onset(clip.audio) - (_onset(sample.audio) + 3.0)) < 0.1
    assert not any("truncated" in n for n in clip.info.notes)


def test_delayed_video_starts_late(tmp_path, sample):
    late = tmp_path / "video_late.mp4"
    corpus._ffmpeg("-itsoffset", "2", "-i", str(corpus.SAMPLE), "-i", str(corpus.SAMPLE), "-map", "0:v", "-map", "1:a",
                   "-c", "copy", str(late))
    clip = decode(late)
    assert 1.9 < clip.frame_times[0] < 2.1 and abs(_onset(clip.audio) - _onset(sample.audio)) < 0.05


def test_transport_stream_timestamps_are_rebased(field, sample):
    clip = decode(field["mpeg2_interlaced.ts"])
    assert clip.info.time_origin_s > 1.0
    assert clip.frame_times[0] < 0.1 and abs(_onset(clip.audio) - _onset(sample.audio)) < 0.1


# --- 6. cover art ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["cover_art.mp3", "cover_art.m4a"])
def test_cover_art_is_not_video(field, name):
    clip = decode(field[name])
    assert not clip.has_video and clip.info.has_audio and clip.info.n_frames == 0


def test_the_cli_picks_a_track_and_refuses_one_that_is_not_there(field):
    def run(track: str):
        return subprocess.run([sys.executable, "-m", "saber_agent.cli", "analyze", str(field["two_tracks.mkv"]), "--json",
                               "--plugins", "prosody", "--audio-track", track], capture_output=True, text=True, timeout=300)

    chosen = run("0")
    assert chosen.returncode == 0, chosen.stderr[-800:]
    assert json.loads(chosen.stdout)["clip"]["audio_track"] == 0
    missing = run("5")
    # the trial's broadcast.ts --audio-track 5 exited 3 ("cannot read input"): a bad option is a usage error, exit 2
    assert missing.returncode == 2 and "audio track 5 does not exist" in missing.stderr and "Traceback" not in missing.stderr
    assert "track 0 (" in missing.stderr and "track 1 (" in missing.stderr and "cannot read input" not in missing.stderr


# --- 7. file names that are not UTF-8 --------------------------------------------------------------


def test_a_latin1_file_name_works_in_json_and_the_cli(registry, field, tmp_path):
    path = field[corpus.LATIN1_NAME]
    info = decode(path).info
    assert info.path.endswith("caf\\xe9 latin-1.mp4") and json.loads(info.model_dump_json())["path"] == info.path
    assert ClipInfo(path=os.fsdecode(b"/x/\xff.mp4")).path == "/x/\\xff.mp4"
    out = tmp_path / "r.json"
    proc = subprocess.run([sys.executable, "-m", "saber_agent.cli", "analyze", os.fsencode(path), "--json",
                           "--out", str(out), "--plugins", "prosody"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr[-800:]
    assert json.loads(proc.stdout)["clip"]["path"].endswith("caf\\xe9 latin-1.mp4")
    assert json.loads(out.read_text()) == json.loads(proc.stdout)


# --- 8. music is not a voice -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def chord(tmp_path_factory):
    """Another kind of music: a steady chord of three sine tones (no melody, no onsets)."""
    t = np.arange(16_000 * 6) / 16_000
    wave = sum(0.15 * np.sin(2 * np.pi * f * t) for f in (196.0, 247.0, 294.0))
    return write_wav(tmp_path_factory.mktemp("chord") / "chord.wav", wave.astype(np.float32))


@pytest.mark.parametrize("which", ["music_only.mp4", "chord"])
def test_music_alone_is_no_voice_for_both_audio_tools(field, chord, which):
    clip = decode(field[which] if which != "chord" else chord)
    prosody = ProsodyTool().perceive(clip, AnalysisSettings())
    speech = TranscriptTool().perceive(clip, AnalysisSettings())
    assert prosody.status.value == "unavailable" and prosody.reason.startswith("no voice")
    assert speech.status.value == "unavailable" and "no speech" in speech.reason
    assert ProsodyTool().cues(prosody) == []
    # one decision: both slots carry the same voice-activity record, computed once for the clip
    assert prosody.measurements["voice_activity"] == speech.measurements["voice_activity"]
    assert clip.extras["voice_activity"].regions == []


def test_music_before_speech_is_not_measured(field):
    clip = decode(field["music_then_speech.m4a"])
    slot = ProsodyTool().perceive(clip, AnalysisSettings())
    regions = slot.measurements["voice_activity"]["speech_regions"]
    assert slot.ok and regions and regions[0][0] > 19.0
    assert all(p["start"] > 19.0 for p in slot.measurements["phrases"])
    assert 95 < slot.measurements["f0_mean_hz"] < 120  # the speaker's ~106 Hz, not the melody's 220-440 Hz
    assert "Only the speech is described" in slot.text


def test_speech_under_loud_music_is_flagged_and_gives_no_voice_cue(field):
    tool = ProsodyTool()
    slot = tool.perceive(decode(field["speech_under_music.mp4"]), AnalysisSettings())
    assert slot.measurements["background_under_voice"] and "unreliable" in slot.text
    assert tool.cues(slot) == []
    clean = tool.perceive(decode(corpus.SAMPLE), AnalysisSettings())
    assert not clean.measurements["background_under_voice"] and len(tool.cues(clean)) == 1


# --- 9. pitch range fitted to the speaker ----------------------------------------------------------


@pytest.mark.parametrize("voice, pitch, band", [("en", 0, (40, 120)), ("en+f5", 99, (150, 700)), ("en", 25, (50, 160))])
def test_pitch_within_ten_percent_on_low_and_high_voices(tmp_path, voice, pitch, band):
    import parselmouth

    wav = speak("I told you already. This is not what we agreed on, and I am tired of waiting for you.",
                tmp_path / "v.wav", pitch=pitch, voice=voice)
    clip = decode(wav)
    # the reference: Praat with a range set by hand around this voice
    ref = parselmouth.Sound(clip.audio.astype(np.float64), 16_000).to_pitch(0.01, band[0], band[1])
    ref_f0 = ref.selected_array["frequency"]
    truth = float(np.median(ref_f0[ref_f0 > 0]))
    m = ProsodyTool().perceive(clip, AnalysisSettings()).measurements
    assert abs(m["f0_mean_hz"] - truth) / truth < 0.10, (m["f0_mean_hz"], truth)
    assert m["pitch_floor_hz"] < truth < m["pitch_ceiling_hz"] < 4 * truth
    assert m["f0_max_hz"] < 1.6 * truth  # no octave jumps at the top


# --- 10. speech that is a tiny share of a long clip ------------------------------------------------


def _late_speech_checks(slot, start_after: float):
    m = slot.measurements
    assert slot.ok and m["voice_activity"]["speech_regions"][0][0] > start_after
    assert m["articulation_rate_syl_s"] > 3.0 and len(m["phrases"]) >= 2 and m["pauses"]["longest_s"] < 2.0
    assert "one continuous phrase" not in slot.text and "Only the speech is described" in slot.text


def test_pace_and_phrases_come_from_the_speech_in_a_long_clip(field):
    clip = decode(field["speech_at_end_180s.m4a"])
    _late_speech_checks(ProsodyTool().perceive(clip, AnalysisSettings()), 160.0)


@pytest.mark.slow
def test_twenty_minutes_with_eight_seconds_of_speech(tmp_path):
    path = tmp_path / "long.m4a"
    corpus._late_speech(str(corpus.SAMPLE), path, 1200.0)
    _late_speech_checks(ProsodyTool().perceive(decode(path), AnalysisSettings()), 1180.0)


# --- 12. every script ------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["el", "ar"])
def test_greek_and_arabic_transcripts_are_kept(field, language):
    clip = decode(field[f"speech_{language}.m4a"])
    slot = TranscriptTool().perceive(clip, AnalysisSettings(tool_options={"transcript": {"language": language}}))
    assert slot.ok and slot.measurements["n_words"] >= 5, (slot.reason, slot.measurements.get("dropped_segments"))
    assert slot.measurements["language"] == language


def test_words_of_any_script_count():
    from faster_whisper.transcribe import Segment, Word

    hindi = ["नमस्ते", "आज", "का", "दिन", "बहुत", "अच्छा", "है।"]
    words = [Word(start=i * 0.4, end=i * 0.4 + 0.35, word=" " + w, probability=0.8) for i, w in enumerate(hindi)]
    segment = Segment(id=0, seek=0, start=0.0, end=2.8, text=" " + " ".join(hindi), tokens=[], avg_logprob=-0.3,
                      compression_ratio=1.2, no_speech_prob=0.05, words=words, temperature=0.0)
    m = assemble([segment], "hi")
    assert m["n_words"] == 7 and m["text"].startswith("नमस्ते")
    assert all(is_spoken(w) for w in ("Καλημέρα", "مرحبا", "שלום", "ሰላም", "வணக்கம்", "42"))
    assert not any(is_spoken(w) for w in ("♪", " ...", "(", "—"))


def test_a_low_language_confidence_is_said_in_the_report_and_the_ui():
    from saber_agent.evidence import Evidence, Result, Slot
    from saber_agent.plugins.transcript import language_note
    from saber_agent.report import render
    from saber_agent.ui.views import RunView

    try:  # the page's renderers are moving out of views.py
        from saber_agent.ui.render import transcript_html
    except ImportError:
        from saber_agent.ui.views import transcript_html

    m = {"language": "el", "language_probability": 0.31, "language_source": "detected by base"}
    note = language_note(m)
    assert note and "low confidence (31%)" in note
    assert language_note({**m, "language_probability": 0.9}) is None
    assert language_note({**m, "language_source": "given"}) is None
    slot = Slot(text="Καλημέρα σας", status="ok", measurements={**m, "notes": [note]})
    result = Result(clip=ClipInfo(path="x.mp4"), evidence=Evidence(speech_content=slot))
    assert "note: the language was detected as el with low confidence" in render(result)
    assert "low confidence (31%)" in transcript_html(RunView(slots={"speech_content": slot}))


# --- the shared decision ---------------------------------------------------------------------------


def test_prosody_and_transcript_share_one_voice_activity_decision(sample):
    clip = decode(corpus.SAMPLE)
    first = voice_activity(clip)
    TranscriptTool().perceive(clip, AnalysisSettings())
    ProsodyTool().perceive(clip, AnalysisSettings())
    assert clip.extras["voice_activity"] is first and first.found and first.speech_s > 5


# --- 13. a second look over the first window -------------------------------------------------------


def test_a_look_over_the_first_window_replaces_or_merges_never_duplicates():
    from saber_agent.evidence import PerceptionRequest, Slot
    from saber_agent.reperception import merge

    words = [{"word": "hello", "start": 0.1, "end": 0.5}, {"word": "everyone", "start": 0.6, "end": 1.3}]
    before = Slot(text="hello everyone", status="ok", confidence=0.4,
                  measurements={"speech_regions": [[0.0, 1.5]], "words": words})
    again = Slot(text="hello everyone", status="ok", confidence=0.45, measurements={"words": words})
    window = PerceptionRequest(tool="transcript", start_s=0, end_s=1.54)
    slot, kept = merge(before, again, window, None)
    assert kept == "new" and slot.text == "Between 0 s and 1.54 s: hello everyone"
    # the acoustic text differs in its numbers, but the window held all its evidence: replaced
    voice = Slot(text="The voice has a low pitch (mean F0 106 Hz).", status="ok", confidence=0.3,
                 measurements={"voice_activity": {"speech_regions": [[0.2, 1.4]]}})
    closer = Slot(text="The voice has a low pitch (mean F0 104 Hz).", status="ok", confidence=0.3)
    slot, _ = merge(voice, closer, window, None)
    assert slot.text.count("The voice has") == 1 and slot.text.endswith("104 Hz).")
    # part of the evidence: told after the earlier text; the same words again: not repeated
    longer = Slot(text="hello everyone I am glad", status="ok", confidence=0.4,
                  measurements={"words": [*words, {"word": "glad", "start": 3.0, "end": 3.4}]})
    slot, _ = merge(longer, again, window, None)
    assert slot.text == "hello everyone I am glad"
    slot, _ = merge(longer, Slot(text="hello, every one", status="ok"), window, None)
    assert slot.text == "hello everyone I am glad Between 0 s and 1.54 s: hello, every one"


def test_a_real_prosody_look_over_the_speech_window_is_not_told_twice(sample):
    from saber_agent.evidence import PerceptionRequest
    from saber_agent.reperception import merge

    clip = decode(corpus.SAMPLE)
    tool = ProsodyTool()
    whole = tool.perceive(clip, AnalysisSettings())
    start, end = whole.measurements["voice_activity"]["speech_regions"][0]
    look = tool.perceive(clip.window(start, end + 0.1), AnalysisSettings())
    slot, kept = merge(whole, look, PerceptionRequest(tool="prosody", start_s=start, end_s=round(end + 0.1, 2)), None)
    assert kept == "new" and slot.text.count("The voice has") == 1 and slot.text.startswith("Between ")
