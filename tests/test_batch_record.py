"""The batch results line of one clip (`batch.results.clip_record`): the several-voices flag and the conflicts'
speakers caveat (trial C: multi-voice clips could not be filtered, and their conflicts still read as sarcasm)."""

from __future__ import annotations

from saber_agent.batch.results import clip_record, encode_line
from saber_agent.cues import SPEAKERS_MARK, find_conflicts, several_speakers
from saber_agent.evidence import Analysis, ClipInfo, Evidence, ModalityCue, Result
from saber_agent.voices_heard import mixed_speakers_note

CUES = [ModalityCue(modality="face", valence=0.7, arousal=0.4, emotion="happiness", confidence=0.8, basis="smile"),
        ModalityCue(modality="words", valence=-0.7, arousal=0.7, emotion="anger", confidence=0.8, basis="hate")]


def _result(voices: int | None) -> Result:
    notes = [mixed_speakers_note(voices)] if voices and voices > 1 else []
    analysis = Analysis(emotions=["sarcastic", "contemptuous"], basic_emotion="anger", valence=-0.4, arousal=0.7,
                        voices_heard=voices, notes=notes)
    return Result(clip=ClipInfo(path="c.mp4"), evidence=Evidence(), cues=CUES, conflicts=find_conflicts(CUES), analysis=analysis)


def test_the_prediction_carries_the_voices_heard_and_the_notes():
    record = clip_record(_result(2))
    assert record["prediction"]["voices_heard"] == 2
    assert record["prediction"]["notes"] == [mixed_speakers_note(2)] and "2 voices heard" in record["prediction"]["notes"][0]
    one = clip_record(_result(None))
    assert one["prediction"]["voices_heard"] is None and one["prediction"]["notes"] == []
    assert b'"voices_heard": 2' in encode_line(record)


def test_several_voices_make_the_conflict_description_name_different_speakers():
    many = clip_record(_result(3))["conflicts"]
    assert len(many) == 1 and "3 voices are heard" in many[0]["description"] and "different speakers" in many[0]["description"]
    assert "suggests sarcasm" not in many[0]["description"]
    one = clip_record(_result(None))["conflicts"]
    assert "suggests sarcasm, irony or masking" in one[0]["description"] and SPEAKERS_MARK not in one[0]["description"]


def test_find_conflicts_with_a_count_and_the_rewrite_agree_and_the_rewrite_is_idempotent():
    counted = find_conflicts(CUES, voices=2)
    assert several_speakers(find_conflicts(CUES), 2) == counted == several_speakers(counted, 2)
    assert find_conflicts(CUES, voices=1) == find_conflicts(CUES)
    mixed = ModalityCue(modality="words", valence=0.3, arousal=0.5, emotion="happiness", confidence=0.6, basis="w",
                        mixed="praise of a bad event may be irony or sarcasm")
    [within] = find_conflicts([mixed], voices=2)
    assert within.description.startswith("within the words: praise") and "different speakers' words" in within.description
