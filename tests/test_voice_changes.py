"""A turn taken without a pause (`saber_agent.voice_changes`): new-user trial G's two defects, on espeak-ng voices
placed here on one timeline (`saber_agent.testing.talking_faces.script_audio`)."""

from __future__ import annotations

import numpy as np
import pytest

from saber_agent.speakers import cluster_voices, measure_voice, voice_between
from saber_agent.testing.talking_faces import Line, script_audio
from saber_agent.voice_changes import voice_changes, voice_turns
from saber_agent.voice_frames import voice_track

pytest.importorskip("parselmouth")
RATE = 16_000
SAD, HAPPY, ANGRY = ("en+f2", 50), ("en+m7", 50), ("en+m3", 50)  # the trial's voices


def one_utterance(lines):
    audio, _, truth = script_audio(lines, lead_s=0.1, tail_s=0.1)
    return audio, truth, [(0.0, audio.size / RATE)]


def test_a_female_voice_running_into_a_male_one_is_cut_where_it_changes():
    """Trial G conv3_faces.mp4: the sad voice's last words and the happy voice's first ones with no pause between
    (the happy line starts 0.2 s before the sad one ends): one utterance, given a voice between the two."""
    lines = [Line("B", "I cannot stop crying. Everything feels hopeless.", *SAD),
             Line("C", "Oh wow, this is wonderful. I am so happy we won the prize.", *HAPPY, gap_s=-0.2),
             Line("B", "I miss him so much.", *SAD, gap_s=1.0)]
    audio, _, truth = script_audio(lines)
    spans = [(truth[0][1] - 0.1, truth[1][2] + 0.1), (truth[2][1] - 0.1, truth[2][2] + 0.1)]
    turns = voice_turns(audio, RATE, spans)
    assert len(turns.cuts) == 1 and abs(turns.cuts[0] - truth[1][1]) < 0.4, (turns.cuts, truth)
    assert turns.spans[0] == (spans[0][0], turns.cuts[0]) and turns.spans[1] == (turns.cuts[0], spans[0][1])
    assert cluster_voices(turns.voices) == ["A", "B", "A"]  # the last words go with the sad voice's other line
    assert len(turns.pitches) == 3 and all(p is not None for p in turns.pitches)


@pytest.mark.parametrize("lines", [
    [Line("A", "I am quite calm and I am telling you a story about my day.", *ANGRY),
     Line("A", "And now I am shouting because I am really angry with you!", ANGRY[0], 75, gap_s=0.2)],
    [Line("A", "My dear old friend died yesterday and I cannot stop crying.", *SAD),
     Line("A", "Everything feels hopeless and I do not know what to do.", *SAD, gap_s=0.1)],
])
def test_one_voice_is_not_cut(lines):
    """One voice, calm then raised (about 4 semitones up), or two sentences run together: no cut."""
    audio, _, spans = one_utterance(lines)
    turns = voice_turns(audio, RATE, spans)
    assert turns.cuts == [] and turns.spans == spans and turns.overlaps == []


def test_a_voice_starting_over_the_end_of_another_is_cut_and_the_overlap_read_across_the_cut():
    """Trial G conv3b_overlap_mf.mp4: the female voice starts 0.45 s before the male one's last word ends. Before,
    her line was the male voice's (one utterance) and no note said two voices spoke: the overlap reading needs
    0.75 s of talk over each other inside one utterance."""
    lines = [Line("A", "You lied to me again. Get out of my house right now.", *ANGRY),
             Line("B", "I am so lonely and sad, nobody cares about me.", *SAD, gap_s=-0.45)]
    audio, truth, spans = one_utterance(lines)
    turns = voice_turns(audio, RATE, spans)
    assert len(turns.cuts) == 1 and truth[1][1] - 0.4 < turns.cuts[0] < truth[0][2] + 0.4, (turns.cuts, truth)
    assert cluster_voices(turns.voices) == ["A", "B"]
    assert len(turns.overlaps) == 1
    overlap = turns.overlaps[0]
    assert truth[1][1] - 0.5 <= overlap.start_s < overlap.end_s <= truth[0][2] + 0.5
    assert overlap.low_hz < 130 < 150 < overlap.high_hz  # the male voice's pitch and the female one's


def test_the_voice_of_a_part_is_measured_as_an_utterance_s():
    """`voice_between` over the whole track is `measure_voice`; a part of it has its own (fewer) voiced frames."""
    audio, _, _ = script_audio([Line("A", "I am so happy we won the prize, this is the best day of my life.", *HAPPY)])
    whole = measure_voice(audio, RATE)
    track = voice_track(audio, RATE)
    same = voice_between(track)
    assert np.array_equal(whole.features, same.features) and whole.voiced_s == same.voiced_s
    assert np.array_equal(whole.frames, same.frames) and np.array_equal(whole.formants, same.formants)
    half = voice_between(track, 0.0, audio.size / RATE / 2)
    assert half.voiced_s < whole.voiced_s and len(half.frames) < len(whole.frames)
    assert voice_between(track, 0.0, 0.2) is None  # under MIN_VOICED_S voiced
    assert voice_changes(track) == []


def test_silence_or_no_pitch_gives_no_cut():
    noise = np.random.default_rng(0).normal(0, 0.05, RATE * 3).astype(np.float32)
    turns = voice_turns(np.concatenate([np.zeros(RATE, np.float32), noise]), RATE, [(0.0, 1.0), (1.0, 4.0)])
    assert turns.cuts == [] and turns.spans == [(0.0, 1.0), (1.0, 4.0)] and turns.voices == [None, None]


def test_the_overlap_note_names_the_voices_and_what_the_label_stands_for():
    from saber_agent.segments_run import overlap_note
    from saber_agent.speech_overlap import Overlap

    both = Overlap(6.0, 6.5, 101, 157)
    f0s = {"A": 101.5, "B": 162.0, "C": 128.6}
    cut = overlap_note(both, "B", f0s, cuts=[6.1])
    assert cut.startswith("overlapping speech at 6.0–6.5 s: two voices of distinct pitch at once (about 101 and 157 Hz; "
                          "the lower is nearest voice A's pitch, the higher voice B's)")
    assert cut.endswith("the utterance is cut there, this side is voice B's")
    kept = overlap_note(both, "A", f0s, cuts=[])
    assert kept.endswith("one utterance with one voice label (A): the other voice's words are in it too")
    assert "nearest" not in overlap_note(Overlap(1.0, 2.0, 70, 300), "A", f0s, cuts=[])  # no voice within 3 semitones


def test_the_public_names_include_the_constants_other_modules_import():
    from saber_agent import voice_changes as vc

    assert "NEAR_S" in vc.__all__  # saber_agent.segments_run and saber_agent.utterance_notes import it
    assert all(hasattr(vc, name) for name in vc.__all__)
