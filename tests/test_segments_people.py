"""Conversations with several people (`--segment utterances`), the defects of new-user trial B, each on a
clip made here: espeak-ng voices in front of drawn faces whose mouths open with their own voice
(`saber_agent.testing.talking_faces`), so MediaPipe's face mesh sees who speaks.

- an off-screen speaker got the on-screen listener's body (the face was withheld, the body was not);
- an utterance with no finding read "neutral" in the per-speaker summary;
- two voices talking at once were one utterance with no word of it;
- an utterance the whole-clip voice activity found read "no speech" inside its own window;
- the face tool reading another face than the identified speaker's was worded "not identified".
"""

from __future__ import annotations

import numpy as np
import pytest

from saber_agent.segments import analyze_segments
from saber_agent.settings import AnalysisSettings
from saber_agent.testing.talking_faces import Line, talking_clip

pytest.importorskip("mediapipe")  # the face mesh measures the mouths

FEMALE, MALE = ("en+f3", 70), ("en+m3", 35)
FILM = [Line("A", "Tell me, what did you think of the film?", *FEMALE),
        Line("B", "It was boring and terrible, I wanted to leave.", *MALE, gap_s=0.8),
        Line("A", "Really? I loved it, I was laughing the whole time.", *FEMALE, gap_s=0.8)]


@pytest.fixture(scope="module")
def offscreen(tmp_path_factory):
    """A's face on screen, her mouth moving as she speaks; B is never on screen."""
    return talking_clip(tmp_path_factory.mktemp("people") / "offscreen.mp4", FILM, ["A"])


def test_an_off_screen_speaker_gets_neither_the_listener_s_face_nor_body(offscreen):
    """Before: B's face slot was withheld (the one face on screen does not move its mouth) but the body
    tool still read that face's person, and B's fusion weighed the listener's posture."""
    from saber_agent.segment_summary import render

    path, _ = offscreen
    result = analyze_segments(path, AnalysisSettings(plugins=["face", "body", "prosody"], max_rounds=1))
    assert [s.speaker for s in result.segments] == ["A", "B", "A"]
    assert [s.speaker_face for s in result.segments] == ["F1", None, "F1"]
    off = result.segments[1]
    assert off.face_note.startswith("the one face on screen is not the speaker's")
    body = off.result.evidence.body_lang_desc
    assert body.status == "unavailable" and body.reason.startswith("no body language is given for the speaker")
    assert "body" not in [r.tool for r in off.result.tool_runs] and "face" not in [r.tool for r in off.result.tool_runs]
    assert all(c.modality not in ("face", "body") for c in off.result.cues)
    for on in (result.segments[0], result.segments[2]):  # the speaker on screen keeps both
        assert on.face_note is None
        assert on.result.evidence.body_lang_desc.status == "ok" and on.result.evidence.facial_exp_desc.status == "ok"
    assert "no face or body cue" in render(result)


def test_an_utterance_with_no_finding_is_undetermined_not_neutral(offscreen):
    """With the face tool alone, the off-screen speaker B has no cue at all: fusion's "undetermined"
    (basic class neutral, standing for no finding). Before, the summary said "Speaker B: neutral"."""
    path, _ = offscreen
    result = analyze_segments(path, AnalysisSettings(plugins=["face"], max_rounds=1))
    emotions = [s.emotion for s in result.segments]
    assert emotions[1] == "undetermined" and result.segments[1].undetermined
    assert emotions[0] != "undetermined" and emotions[2] != "undetermined"
    summary = result.summary
    assert summary.by_speaker["B"]["most_often"] == "undetermined"
    assert summary.by_speaker["B"]["mean_valence"] is None and summary.by_speaker["B"]["undetermined"] == 1
    assert summary.by_speaker["A"]["undetermined"] == 0 and summary.by_speaker["A"]["mean_valence"] is not None
    assert "Speaker B: undetermined" in summary.text and "Speaker B: neutral" not in summary.text
    assert all(1 not in (c.before, c.after) for c in summary.changes)  # no "change" into or out of no finding
    assert summary.trajectory.labels["emotion"][1] == "undetermined"


def test_two_voices_at_once_are_noted_with_their_times(tmp_path):
    """B cuts in 1.2 s before A's first line ends: no pause, so the voice-activity split gives one utterance; it is
    cut where the voice changes (`voice_changes`), A's line and B's each their own voice's, and the note says where
    the two speak at once and which voice each pitch is nearest (trial G: B's line was A's, and no note said so)."""
    lines = [Line("A", "I told you yesterday that the meeting was cancelled and you did not listen.", *MALE),
             Line("B", "That is a lie, you never told me anything about it.", *FEMALE, gap_s=-1.2),
             Line("A", "Well I never got it.", *MALE, gap_s=0.8)]
    path, truth = talking_clip(tmp_path / "overlap.mp4", lines, ["A", "B"])
    both = (truth[1][1], truth[0][2])  # B starts, A still speaking
    result = analyze_segments(path, AnalysisSettings(plugins=["prosody"], max_rounds=1))
    assert [s.speaker for s in result.segments] == ["A", "B", "A"]
    first, second = result.segments[:2]
    assert first.end_s == second.start_s and both[0] - 0.5 <= second.start_s <= both[1]  # cut inside the overlap's reach
    noted = [(s.index, note) for s in result.segments for note in s.notes]
    assert [index for index, _ in noted] == [0, 1], noted  # both sides of the cut, nothing else
    for (k, note), voice in zip(noted, "AB", strict=True):
        where = note.removeprefix("overlapping speech at ").split(":")[0]
        if where.startswith(("its end", "its start")):  # read across the cut, lying past this side: said at its edge
            assert where == f"its {'end' if k == 0 else 'start'} (across its cut at {second.start_s:.1f} s)", note
        else:  # the times within this side (trial H: an utterance cited an overlap after its own end)
            t1, t2 = (float(t) for t in where.split(" s")[0].split("\u2013"))
            span = result.segments[k]
            assert both[0] - 0.5 <= t1 < t2 <= both[1] + 0.5 and span.start_s - 0.05 <= t1 < t2 <= span.end_s + 0.05
        assert "the lower is nearest voice A's pitch, the higher voice B's" in note and f"this side is voice {voice}'s" in note
    assert noted[0][1].split("(about")[1].split(")")[0] == noted[1][1].split("(about")[1].split(")")[0]  # one span, read once


def test_an_utterance_the_whole_clip_voice_activity_found_is_not_no_speech_in_its_window(tmp_path):
    """A whispered line, then a spoken one 0.7 s later: the whole-clip detector hears one stretch of speech
    (the spoken line makes it confident) and the splitter cuts the whisper out as an utterance; the
    detector run again on the whisper's window alone accepted nothing, so its prosody slot read "no voice"
    (trial B: the EmoFilm dialogue's first line). The window now reads the whole clip's decision."""
    from saber_agent.media import clip_cache, decode
    from saber_agent.voice_activity import detect

    lines = [Line("A", "Oh, I see, maybe so.", "en+whisper"), Line("B", "That is a lie, you never told me anything about it.",
                                                                   *FEMALE, gap_s=0.7)]
    path, _ = talking_clip(tmp_path / "whisper.mp4", lines, ["B"])
    clip_cache.clear()
    result = analyze_segments(path, AnalysisSettings(plugins=["prosody"], max_rounds=1))
    first = result.segments[0]
    audio = decode(path).audio
    alone = detect(audio[int(first.start_s * 16_000): int(first.end_s * 16_000)])
    assert not alone.found  # the window alone: no speech (what the tools used to read)
    slot = first.result.evidence.acoustic_feat
    activity = slot.measurements["voice_activity"]
    assert activity["speech_regions"] and "whole clip's voice-activity decision" in activity["note"]
    assert not (slot.reason or "").startswith("no voice")
    assert np.isclose(activity["duration_s"], first.end_s - first.start_s, atol=0.01)


def test_the_identified_speaker_s_face_is_named_when_the_face_tool_reads_another():
    """Two faces of one size; the speaker's face F2 is identified but the face tool's main face is F1.
    Before: the slot and the report said "the speaker's face is not identified"."""
    from saber_agent.plugins.facetrack import FaceTrack
    from saber_agent.plugins.speaker_faces import FaceTracks, main_face_elsewhere
    from saber_agent.segment_summary import render
    from saber_agent.segments import Segment, SegmentedResult, SegmentSummary
    from saber_agent.segments_run import face_context

    times = np.arange(6) * 0.5
    left, right = np.tile([10.0, 10.0, 60.0, 60.0], (6, 1)), np.tile([200.0, 10.0, 60.0, 60.0], (6, 1))
    faces = FaceTracks(times, {"F1": left, "F2": right})
    main = FaceTrack(times, left.copy(), np.full(6, 2), "test")  # the tool's main face: F1 (a tie, the first)
    note = main_face_elsewhere(main, faces, "F2", 0.0, 3.0)
    assert "the speaker's face is F2" in note and "reads F1" in note and "largest face, which" not in note
    reads = {"F1": "listener: happiness (0.90)", "F2": "speaker: sadness (0.70)"}
    slot = face_context(note, reads, "face", speaker_face="F2")
    assert slot.status == "unavailable" and slot.measurements["speaker_face"] == "F2"
    assert slot.text.startswith("The speaker's face is F2") and "not identified" not in slot.text + slot.reason
    segment = Segment(index=0, start_s=0.0, end_s=3.0, speaker="A", speaker_face="F2", face_note=note, error="not run")
    from saber_agent.evidence import ClipInfo, Timeline

    shown = render(SegmentedResult(clip=ClipInfo(path="two.mp4"), segments=[segment], speakers=[],
                                   summary=SegmentSummary(trajectory=Timeline(times_s=[]))))
    assert "speaker's face F2 not read here" in shown and "not identified" not in shown


def test_an_utterance_s_own_moving_mouth_comes_before_its_voice_s_link(tmp_path):
    """Two like male voices (espeak-ng en-us and en-us+m3, 5 pitch points apart) the speaker pass keeps as
    one voice: its one linked face was every utterance's speaker face, so B's lines were given A's face.
    Each utterance's own mouth evidence now names its face, and a note says it differs from the voice's."""
    lines = [Line("A", "I love this beautiful sunny morning, everything is great.", "en-us", 50),
             Line("B", "I hate mornings, they are awful and I am angry.", "en-us+m3", 55, gap_s=0.8),
             Line("A", "Come on, it is wonderful outside.", "en-us", 50, gap_s=0.8),
             Line("B", "Leave me alone, this is terrible.", "en-us+m3", 55, gap_s=0.8)]
    path, truth = talking_clip(tmp_path / "alike.mp4", lines, ["A", "B"])
    result = analyze_segments(path, AnalysisSettings(plugins=["prosody"], max_rounds=1))
    assert len(result.segments) == 4
    by_mouth = {"A": "F1", "B": "F2"}
    for segment, (who, _, _) in zip(result.segments, truth, strict=True):
        assert segment.speaker_face in (by_mouth[who], None)  # never the other person's face
    assert sum(s.speaker_face is not None for s in result.segments) >= 3
    if len({s.speaker for s in result.segments}) == 1:  # one voice: its link cannot be both faces
        moved = [s for s in result.segments if s.speaker_face and s.speaker_face != result.speakers[0].face]
        assert moved and all(any("mouth moves in this utterance" in n for n in s.notes) for s in moved)
