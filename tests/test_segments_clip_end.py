"""Utterances end within the clip (`saber_agent.segments.within_clip`): AAC pads its last frame, so a 1.0 s .m4a
decodes to 1.02 s of audio, and the voice activity's region and the no-speech segment reached into that tail
(1.022 s for a 1.0 s clip). Real 1 s AAC files made here with espeak-ng and ffmpeg."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from saber_agent.media import clip_cache
from saber_agent.segments import analyze_segments, segment_decode, within_clip
from saber_agent.settings import AnalysisSettings

pytestmark = pytest.mark.skipif(not shutil.which("ffmpeg"), reason="needs ffmpeg")


def _aac(path, *source: str) -> str:
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", *source, "-t", "1.0", "-c:a", "aac", str(path)], check=True)
    return str(path)


def test_spans_end_at_the_clip_s_end():
    assert within_clip([(0.0, 0.5), (0.6, 1.022), (1.01, 1.022)], 1.0) == [(0.0, 0.5), (0.6, 1.0)]
    assert within_clip([(0.0, 0.9)], 1.0) == [(0.0, 0.9)]


@pytest.mark.parametrize("kind", ["speech", "tone"])
def test_a_one_second_aac_clip_s_utterances_end_by_one_second(tmp_path, kind):
    if kind == "speech":  # speech to the clip's end: the voice activity's region runs to the audio's end
        if not shutil.which("espeak-ng"):
            pytest.skip("needs espeak-ng")
        wav = tmp_path / "speech.wav"
        subprocess.run(["espeak-ng", "-v", "en+m3", "-s", "200", "-w", str(wav), "hello there my friend how are you"],
                       check=True)
        path = _aac(tmp_path / "speech.m4a", "-i", str(wav))
    else:  # no speech: the whole clip is one segment
        path = _aac(tmp_path / "tone.m4a", "-f", "lavfi", "-i", "sine=frequency=220:duration=1")
    clip = clip_cache.get(path, segment_decode(path, AnalysisSettings().decode.whole()))
    assert clip.duration_s == pytest.approx(1.0, abs=1e-3) and clip.audio.size / clip.sample_rate > 1.01  # the padded tail
    result = analyze_segments(path, AnalysisSettings(plugins=["prosody"]))
    assert result.segments and all(s.end_s <= clip.duration_s for s in result.segments)
    assert result.segments[-1].end_s == pytest.approx(clip.duration_s)
    assert ("note" in result.split) == (kind == "tone")
