"""An utterance's voice notes (trial H, EmoFilm male film lines joined into conversations): two voices in turn that
the voice-change test leaves uncut (`voice_changes.Peak`, `utterance_notes.two_voices_note`) and the window marked
as holding them (`voices_heard.mark_several`), an overlap read across a cut said within the utterance
(`utterance_notes.overlap_where`), why an utterance has no speaker (`utterance_notes.unknown_note`), and no pitch
register stated from a few voiced frames (plugins/prosody_text.py)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from saber_agent.evidence import ClipInfo
from saber_agent.speech_overlap import Overlap
from saber_agent.utterance_notes import overlap_note, overlap_where, segment_terms, two_voices_note, unknown_note
from saber_agent.voice_changes import CHANGE_FUSED, MAYBE_FUSED, MIN_SIDE_VOICED_S, Peak, peak_of
from saber_agent.voice_frames import PITCH_STEP_S, UtterancePitch
from saber_agent.voices_heard import VoicesHeard, is_window, mark_several, mixed_speakers_note, voices_heard

RATE = 16_000


def test_the_peak_is_the_strongest_change_with_enough_voice_each_side():
    scores = {1.0: (2.5, 9.0, 0.6),  # strongest, but a side under MIN_SIDE_VOICED_S: not counted
              2.0: (1.9, 3.0, MIN_SIDE_VOICED_S), 3.0: (1.2, 8.0, 1.5)}
    peak = peak_of(scores, 0.0, 4.0)
    assert (peak.distance, peak.at_s) == (1.9, 2.0) and peak.two_voices
    assert not peak_of({3.0: (1.2, 8.0, 1.5)}, 0.0, 4.0).two_voices
    assert peak_of({1.0: (2.5, 9.0, 0.6)}, 0.0, 4.0) == Peak(0.0, 4.0)  # no candidate: no distance
    assert MAYBE_FUSED < CHANGE_FUSED


def test_each_span_gets_its_peak_on_the_clip_clock():
    pytest.importorskip("parselmouth")
    from saber_agent.testing.talking_faces import Line, script_audio
    from saber_agent.voice_changes import voice_turns

    lines = [Line("A", "I am quite calm and I am telling you a story about my day.", "en+m3", 50),
             Line("A", "And now I am telling you the rest of it, slowly and quietly.", "en+m3", 50, gap_s=0.2)]
    audio, _, _ = script_audio(lines, lead_s=0.1, tail_s=0.1)
    silence = np.zeros(RATE, np.float32)
    spans = [(0.0, 0.5), (1.0, 1.0 + audio.size / RATE)]
    turns = voice_turns(np.concatenate([silence, audio]), RATE, spans)
    assert len(turns.peaks) == len(turns.spans) == 2 and turns.peaks[0].distance is None  # silence: no voice either side
    peak = turns.peaks[1]
    assert (peak.start_s, peak.end_s) == (1.0, round(spans[1][1], 3))
    assert peak.distance is not None and spans[1][0] < peak.at_s < spans[1][1] and not peak.two_voices  # one voice


def test_two_voices_note_and_the_window_marked_as_a_clip_of_two_voices():
    peak = Peak(0.02, 6.95, 1.96, 5.2)
    note = two_voices_note(peak, "A")
    assert note.startswith("this utterance likely holds two voices: its voice changes most at 5.2 s (its two sides 1.96 apart")
    assert "one voice label (A) stands for both" in note and "no voice emotion is read" in note

    class Window:  # a decoded window: its info notes say where it sits, extras hold what its tools share
        def __init__(self):
            self.info = ClipInfo(path="x.mp4", has_audio=True, notes=["window 0.02-6.95 s of the file; times are seconds "
                                                                      "after the window's start"])
            self.extras: dict = {}
            self.has_audio, self.audio_is_silent = True, False

        def shared(self, key, compute):
            return self.extras[key] if key in self.extras else self.extras.setdefault(key, compute())

    clip = Window()
    assert is_window(clip.info)  # a window: the whole-clip count is not run on it
    heard = VoicesHeard(2, [(0.0, 5.18), (5.18, 6.93)], ["to 5.2 s", "from 5.2 s"], {"to 5.2 s": 5.18, "from 5.2 s": 1.75})
    mark_several(clip, heard, "its voice changes most at 5.2 s")
    assert not is_window(clip.info) and voices_heard(clip) is heard  # counted as the segment pass found it
    mark_several(clip, heard, "again")
    from saber_agent.utterance_notes import mark_two_voices

    other = Window()
    mark_two_voices(other, peak, (0.02, 6.95))  # the sides on the window's clock, as the prosody tool measures them
    assert other.extras["voices_heard"].spans == [(0.0, 5.18), (5.18, 6.93)] and not is_window(other.info)
    assert other.info.notes[-1].endswith("its voice changes most at 5.2 s (its two sides 1.96 apart by the speakers' fused "
                                         "distance; the utterance's notes say more)")
    later = Window()  # an utterance 10 s into the clip: its window's labels and note on the window's clock too
    mark_two_voices(later, Peak(10.0, 16.93, 1.96, 15.18), (10.0, 16.93))
    assert later.extras["voices_heard"].labels == ["1, to 5.2 s", "2, from 5.2 s"]
    assert later.extras["voices_heard"].spans == [(0.0, 5.18), (5.18, 6.93)] and "at 5.2 s" in later.info.notes[-1]
    assert sum(n.startswith("segment mode's speaker pass hears 2 voices") for n in clip.info.notes) == 1
    said = segment_terms(f"{mixed_speakers_note(2)} Perceived first.", 2)
    assert said.startswith("2 voices heard in this utterance") and "--segment" not in said and said.endswith(" Perceived first.")
    from saber_agent.segments_run import without_mixed

    assert without_mixed((None, None), 1) == (None, "no F0: 1 utterance likely holding two voices left out, and no other "
                                                    "utterance gives the voice's own pitch")
    assert without_mixed((150.0, None), 2) == (150.0, "2 utterances likely holding two voices left out")
    assert without_mixed((150.0, None), 0) == (150.0, None)


def test_an_overlap_across_a_cut_is_said_within_the_utterance():
    """Trial H: an utterance 0.14-5.94 s cited overlap 'at 6.0-6.5 s', after its own end."""
    after = Overlap(6.0, 6.5, 101, 157)
    assert overlap_where(after, (0.14, 5.94)) == "at its end (across its cut at 5.9 s)"
    assert overlap_where(after, (5.94, 9.0)) == "at 6.0–6.5 s"
    assert overlap_where(Overlap(5.5, 6.3, 101, 157), (5.94, 9.0)) == "at 5.9–6.3 s"  # cut to the utterance
    assert overlap_where(Overlap(5.5, 5.9, 101, 157), (5.94, 9.0)) == "at its start (across its cut at 5.9 s)"
    note = overlap_note(after, "A", {"A": 101.5}, cuts=[5.94], span=(0.14, 5.94))
    assert note.startswith("overlapping speech at its end (across its cut at 5.9 s): two voices") and "6.0" not in note


def test_an_unknown_speaker_says_why():
    times = np.arange(0, 1.7, PITCH_STEP_S)
    f0 = np.zeros(times.size)
    f0[:18] = 546.0  # 0.18 s voiced (trial H single_gio022: 11% voiced frames, HNR 1.6 dB)
    pitch = UtterancePitch(times=times, f0=f0)
    note = unknown_note(pitch, (0.0, 1.7))
    assert note.startswith("speaker unknown: too little voiced speech to measure its voice (0.18 s voiced, at least 0.3 s")
    assert "no pitch could be measured" in unknown_note(None, (0.0, 0.2))
    # a 0.25 s utterance with a pitch track: measured, but too short to give the 0.3 s its voice needs
    short = unknown_note(UtterancePitch(times=times[:25], f0=np.full(25, 120.0)), (0.0, 0.25))
    assert short.startswith("speaker unknown: the utterance is too short to measure its voice (0.25 s long, at least 0.3 s")
    assert "no pitch could be measured" not in short
    # 0.5 s voiced and still no speaker: said without claiming too little voiced speech
    enough = unknown_note(UtterancePitch(times=times, f0=np.where(times < 0.5, 120.0, 0.0)), (0.0, 1.7))
    assert enough.startswith("speaker unknown: 0.50 s of it is voiced (at least 0.3 s needed), but no voice was measured")
    assert "too little" not in enough
    assert "instrument" in unknown_note(replace(pitch, notes=True), (0.0, 1.7))


def test_no_pitch_register_from_a_few_voiced_frames():
    from saber_agent.plugins.prosody_text import describe

    m = {"f0_mean_hz": 546.0, "f0_sd_st": 3.9, "f0_min_hz": 400.0, "f0_max_hz": 700.0, "f0_range_st": 9.0,
         "voiced_fraction": 0.11, "voiced_s": 0.18}
    text = describe(m)
    assert text.startswith("Too little of the voice is voiced (0.18 s) to state its pitch or intonation: the F0 measured "
                           "(mean 546 Hz) is unreliable.") and "high pitch" not in text
    ending = [{"final_contour": "rising", "final_change_st": 4.0}]  # nor the intonation it says it cannot state
    assert "the pitch rises" not in describe({**m, "phrases": ending}).lower()
    assert "the pitch rises at the end" in describe({**m, "voiced_s": 1.2, "phrases": ending}).lower()
    assert "high pitch (mean F0 546 Hz" in describe({**m, "voiced_s": 1.2})
