"""A gap in the audio stream (packets missing; the decoder fills silence and notes it) and the transcript
(plugins/transcript_gaps.py): no word inside the gap, the speech on either side heard apart, the text broken there.
Whisper-shaped data for the rules; a real .mkv made with ffmpeg and the real offline models for the whole."""

import shutil
import subprocess
from types import SimpleNamespace

import numpy as np
import pytest

from saber_agent.media import decode
from saber_agent.plugins import transcript_gaps, whisper_models
from saber_agent.plugins.transcript import TranscriptTool
from saber_agent.plugins.transcript_segments import assemble
from saber_agent.settings import AnalysisSettings
from saber_agent.testing.synth import speak
from saber_agent.voice_activity import VoiceActivity, speech_signal


def _word(text, start, end, p=0.9):
    return SimpleNamespace(word=text, start=start, end=end, probability=p)


def _segment(words):
    return SimpleNamespace(text="".join(w.word for w in words), start=words[0].start, end=words[-1].end, words=words,
                           no_speech_prob=0.05, avg_logprob=-0.3, compression_ratio=1.2)


def test_the_gaps_are_those_the_decoder_filled_and_long_enough_to_hold_a_word():
    from saber_agent.media_audio import AUDIO_GAPS_KEY
    from saber_agent.testing.synth import audio_clip

    clip = audio_clip(np.full(8 * 16_000, 0.1, np.float32))
    assert transcript_gaps.filled_gaps(clip) == []
    clip.extras[AUDIO_GAPS_KEY] = [(2.5, 3.0), (6.0, 0.021)]  # (at, length): 3 s, and one lost AAC frame (no word fits)
    assert transcript_gaps.filled_gaps(clip) == [(2.5, 5.5)]
    assert transcript_gaps.filled_gaps(clip.window(2.0, 8.0)) == [(0.5, 3.5)]  # a window: its own clock
    activity = VoiceActivity([(0.0, 2.9), (5.1, 8.0)], 8.0, "test")
    assert transcript_gaps.without(activity, [(2.5, 5.5)]).regions == [(0.0, 2.5), (5.5, 8.0)]


def test_the_joined_speech_is_cut_where_a_gap_lies_between_its_regions():
    rate = 16_000
    audio = np.arange(8 * rate, dtype=np.float32)
    activity = VoiceActivity([(0.0, 1.0), (1.5, 2.5), (5.5, 8.0)], 8.0, "test")
    signal = speech_signal(audio, rate, activity, max_gap_s=0.0)
    pieces = transcript_gaps.apart(signal, [(2.5, 5.5)])
    assert [p[0].size for p in pieces] == [2 * rate, int(2.5 * rate)]
    assert pieces[0][1](1.5) == pytest.approx(2.0) and pieces[1][1](0.0) == pytest.approx(5.5)
    assert pieces[1][0][0] == audio[int(5.5 * rate)]  # the second stretch starts after the gap
    assert len(transcript_gaps.apart(signal, [])) == 1


def test_a_word_inside_a_gap_is_dropped_and_the_text_breaks_across_it():
    """The trial's .mkv: the sentences either side of a 3 s gap ran together and an invented "Or" was timed in it."""
    before = _segment([_word(" I", 0.0, 0.2), _word(" waited", 0.2, 0.6), _word(" for", 0.6, 0.9), _word(" an", 0.9, 1.1),
                       _word(" hour", 1.1, 1.6), _word(" Or", 2.6, 5.3, 0.3)])
    after = _segment([_word(" nobody", 5.6, 6.0), _word(" came.", 6.0, 6.5)])
    m = assemble([before, after], "en", gaps=[(2.5, 5.5)])
    assert m["text"] == "I waited for an hour… nobody came." and "Or" not in [w["word"] for w in m["words"]]
    assert any("'Or' (2.60-5.30 s)" in n and "inside a gap" in n for n in m["notes"])
    assert m["segments"][0]["end"] == 1.6
    lone = assemble([_segment([_word(" Or", 2.7, 5.0)]), after], "en", gaps=[(2.5, 5.5)])
    assert lone["text"] == "nobody came." and lone["n_words"] == 2
    assert assemble([before, after], "en")["text"] == "I waited for an hour Or nobody came."  # no gap known: as whisper wrote


needs_tools = pytest.mark.skipif(
    whisper_models.bundled_english() is None or not whisper_models.multilingual_installed() or not shutil.which("ffmpeg")
    or not shutil.which("ffprobe"), reason="the offline whisper models or ffmpeg are not installed")


@needs_tools
def test_a_clip_with_a_gap_in_its_audio_stream_has_no_word_in_it_and_a_break_across_it(tmp_path):
    """espeak-ng speech with its audio packets after 3.0 s moved 3 s later (a .mkv whose audio jumps, as when packets
    are lost): the decoder fills 3.02-6.02 s with silence and notes it. Whisper heard the speech joined: one segment ran
    across the gap (0.00-5.92 s) and its last word, "be." (p 0.17), lay at 3.02-5.92 s, inside it."""
    wav = speak("I waited at the station for an hour and nobody came to pick me up so I walked all the way home alone "
                "in the cold rain", tmp_path / "speech.wav")
    mkv = tmp_path / "gap.mkv"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "color=c=gray:s=160x120:d=9.7", "-i", str(wav),
                    "-filter_complex", "[1:a]aresample=16000,asetnsamples=n=1024,asetpts='if(gte(T,3.0),PTS+3/TB,PTS)'[a]",
                    "-map", "0:v", "-map", "[a]", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "libvorbis", str(mkv)],
                   check=True)
    times = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "a", "-show_entries", "packet=pts_time", "-of", "csv=p=0",
                            str(mkv)], check=True, capture_output=True, text=True).stdout.split()
    assert max(np.diff([float(t.strip(",")) for t in times])) > 2.9  # the audio packets really jump
    clip = decode(mkv)
    assert any("gaps of 3.00 s" in n for n in clip.info.notes), clip.info.notes
    slot = TranscriptTool().perceive(clip, AnalysisSettings(tool_options={"transcript": {"temperature": [0.0]}}))
    m = slot.measurements
    (g0, g1), = transcript_gaps.filled_gaps(clip)
    assert 2.9 < g0 < 3.1 and g1 - g0 >= 2.99
    assert slot.ok and "station" in slot.text and "rain" in slot.text
    assert not [w for w in m["words"] if transcript_gaps.inside(w["start"], w["end"], [(g0, g1)])], m["words"]
    assert not [s for s in m["segments"] if s["start"] < g0 + 0.5 and s["end"] > g1 - 0.5], m["segments"]  # a break
    assert [s for s in m["segments"] if s["end"] <= g0 + 0.05] and [s for s in m["segments"] if s["start"] >= g1 - 0.05]
    assert any("gap filled with silence" in n for n in m["notes"])
