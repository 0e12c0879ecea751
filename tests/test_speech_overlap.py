"""Two voices at once in one utterance (`saber_agent.speech_overlap`), on espeak-ng voices mixed here."""

from __future__ import annotations

import numpy as np
import pytest

from saber_agent.speech_overlap import overlaps, pitch_track, track_overlaps
from saber_agent.testing.talking_faces import Line, script_audio

pytest.importorskip("parselmouth")
RATE = 16_000
MALE, FEMALE = ("en+m3", 35), ("en+f3", 70)


def test_a_female_voice_over_a_male_one_is_found_where_both_speak():
    lines = [Line("A", "I told you yesterday that the meeting was cancelled and you did not listen.", *MALE),
             Line("B", "That is a lie, you never told me anything about it.", *FEMALE, gap_s=-1.5)]
    audio, _, truth = script_audio(lines)
    (found,) = overlaps(audio, RATE, offset_s=10.0)  # times on the clip's clock, with each voice's pitch inside it
    t1, t2 = found.start_s, found.end_s
    assert truth[1][1] + 10.0 - 0.5 <= t1 < t2 <= truth[0][2] + 10.0 + 0.5 and t2 - t1 >= 0.75
    assert found.low_hz < 140 < 180 < found.high_hz
    times, f0 = track = pitch_track(audio, RATE)
    assert track_overlaps(track, offset_s=10.0) == [found]  # the track already made reads the same
    # the higher voice's frames left out (as background music's are): one voice, no overlap
    assert track_overlaps((times, np.where(f0 > 180, 0.0, f0)), offset_s=10.0) == []


@pytest.mark.parametrize("lines", [
    [Line("A", "I am so happy today, this is wonderful news and I love it.", *MALE)],
    [Line("A", "My dear old friend died last night, I miss him terribly.", *FEMALE)],
    # two voices in turn with no pause between them: one turn change, not talk over each other
    [Line("A", "I told you yesterday that the meeting was cancelled.", *MALE),
     Line("B", "That is a lie, you never told me anything about it.", *FEMALE, gap_s=0.0)],
])
def test_one_voice_or_turns_without_a_pause_are_not_overlap(lines):
    audio, _, _ = script_audio(lines)
    assert overlaps(audio, RATE) == []


def test_short_or_unvoiced_audio_gives_no_span():
    assert overlaps(np.zeros(1000, np.float32), RATE) == []
    noise = np.random.default_rng(0).normal(0, 0.1, RATE * 2).astype(np.float32)
    assert overlaps(noise, RATE) == []
    assert track_overlaps((np.zeros(0), np.zeros(0))) == []  # an empty track
