"""A gap in the audio stream is no pause of the speaker's (plugins/prosody_measure.py, the prosody tool).

The clip of the report: two espeak-ng sentences in one Opus stream in Matroska, the second's packets' timestamps
moved 3 s later (ffmpeg's setts bitstream filter), as packets lost in a broadcast leave it. The decoder fills the
gap with silence so that later sound keeps its time, and notes it (saber_agent/media_audio.py); the prosody tool read
the filled silence as the speaker's pause: "longest 3.4 s" for a 0.4 s pause, 3.56 syllables per second for 4.78.
"""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

from saber_agent.media import decode
from saber_agent.media_audio import AUDIO_GAPS_KEY
from saber_agent.plugins.prosody import ProsodyTool, prosody_timeline
from saber_agent.plugins.prosody_measure import _pauses
from saber_agent.settings import AnalysisSettings

pytest.importorskip("parselmouth")
GAP_S = 3.0
FIRST = "The weather was lovely this morning, and we walked along the river for an hour."
SECOND = "Then it started to rain, so we went home and made some tea."


def _run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    """(the clip with the gap, the same audio without it, where the second sentence starts in the stream)."""
    if not all(shutil.which(tool) for tool in ("espeak-ng", "ffmpeg", "ffprobe")):
        pytest.skip("espeak-ng and ffmpeg are needed to make the clips")
    folder = tmp_path_factory.mktemp("gaps")
    for name, text in (("a", FIRST), ("b", SECOND)):
        _run("espeak-ng", "-v", "en-us", "-s", "150", "-w", str(folder / f"{name}.wav"), text)
    both = folder / "ab.mka"
    _run("ffmpeg", "-loglevel", "error", "-y", "-i", str(folder / "a.wav"), "-i", str(folder / "b.wav"), "-filter_complex",
         "[0:a][1:a]concat=n=2:v=0:a=1", "-c:a", "libopus", "-b:a", "48k", str(both))
    first_s = float(_run("ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(folder / "a.wav")))
    shift = f"if(gte(PTS,{first_s}/TB),PTS+{GAP_S}/TB,PTS)"
    gap, plain = folder / "gap.mkv", folder / "nogap.mkv"
    _run("ffmpeg", "-loglevel", "error", "-y", "-i", str(both), "-c", "copy", "-bsf:a",
         f"setts=pts='{shift}':dts='{shift.replace('PTS', 'DTS')}'", str(gap))
    _run("ffmpeg", "-loglevel", "error", "-y", "-i", str(both), "-c", "copy", str(plain))
    return gap, plain, first_s


def test_the_stream_s_packets_jump_and_the_decode_notes_where(clips):
    gap, plain, first_s = clips
    times = np.array([float(t.strip(",")) for t in _run("ffprobe", "-v", "error", "-select_streams", "a", "-show_entries",
                                             "packet=pts_time", "-of", "csv=p=0", str(gap)).split()])
    jumps = np.flatnonzero(np.diff(times) > 1.0)
    assert len(jumps) == 1 and abs(np.diff(times)[jumps[0]] - GAP_S) < 0.1  # one 3 s jump between packets (20 ms apart)
    clip = decode(gap)
    assert any(n.startswith(f"the audio had gaps of {GAP_S:.2f} s") for n in clip.info.notes), clip.info.notes
    ((at, length),) = clip.extras[AUDIO_GAPS_KEY]
    assert abs(at - first_s) < 0.05 and abs(length - GAP_S) < 0.05
    assert AUDIO_GAPS_KEY not in decode(plain).extras
    # a window keeps its own part of the gap, on its own clock
    ((start, part),) = clip.window(at + 1.0, at + GAP_S + 2.0).extras[AUDIO_GAPS_KEY]
    assert start == 0.0 and abs(part - (length - 1.0)) < 1e-6
    assert AUDIO_GAPS_KEY not in clip.window(0.0, at - 0.5).extras


def test_a_filled_gap_is_no_pause_and_no_speaking_time(clips):
    """Before: "in 2 phrases separated by 1 pause (longest 3.4 s)", speech rate 3.56 against the clip without the gap's 4.78."""
    gap, plain, _ = clips
    tool = ProsodyTool()
    with_gap = tool.perceive(decode(gap), AnalysisSettings())
    without = tool.perceive(decode(plain), AnalysisSettings())
    m, clean = with_gap.measurements, without.measurements
    assert with_gap.ok and without.ok
    assert clean["pauses"]["count"] == 1 and clean["pauses"]["longest_s"] < 1.0  # the sentences' real pause
    assert m["pauses"]["count"] == 0 and m["pauses"]["longest_s"] == 0.0 and m["pauses"]["at"] == []
    assert len(m["pauses"]["in_audio_gaps"]) == 1 and abs(m["pauses"]["audio_gap_s"] - GAP_S) < 0.05
    assert "in_audio_gaps" not in clean["pauses"]  # no gap, the measurements as before
    assert abs(m["speech_rate_syl_s"] - clean["speech_rate_syl_s"]) < 0.3
    assert abs(m["voiced_fraction"] - clean["voiced_fraction"]) < 0.05
    assert "a silence holding a 3.0 s gap in the audio stream is not counted as a pause" in with_gap.text
    assert "longest 3." not in with_gap.text and "gap" not in without.text
    kinds = [e.kind for e in prosody_timeline(m).events]
    assert "audio_gap" in kinds and "pause" not in kinds
    # the detector's speech regions reach into the filled silence: neither speech nor sound (trial I: "Only the speech
    # is described: 4.1 s of the 6.5 s audio" for 3.5 s of sound, all of it speech)
    activity = m["voice_activity"]
    assert abs(activity["audio_gaps_s"] - GAP_S) < 0.05 and 0.0 < activity["in_audio_gaps_s"] < GAP_S
    assert "Only the speech is described" not in with_gap.text
    assert "audio_gaps_s" not in clean["voice_activity"]


def test_only_the_silences_that_hold_a_gap_are_left_out():
    phrases = [(0.0, 1.0), (1.5, 2.0), (5.0, 6.0)]
    assert _pauses(phrases) == _pauses(phrases, [(7.0, 1.0)])  # a gap outside every silence changes nothing
    pauses = _pauses(phrases, [(2.5, 2.0)])
    assert pauses["count"] == 1 and pauses["at"] == [[1.0, 1.5]] and pauses["longest_s"] == 0.5
    assert pauses["in_audio_gaps"] == [[2.0, 5.0]] and pauses["audio_gap_s"] == 2.0
