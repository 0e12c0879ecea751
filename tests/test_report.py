"""The readable terminal report (`saber_agent.report.render`)."""

from __future__ import annotations

from saber_agent.evidence import Analysis, ClipInfo, Evidence, Result, Slot
from saber_agent.report import render


def _result(**analysis) -> Result:
    base = dict(visual_evidence="A broad smile.", acoustic_evidence="A harsh voice.", reasoning="The smile masks anger.",
                emotions=["angry"], basic_emotion="anger", valence=-0.6, arousal=0.8)
    evidence = Evidence(facial_exp_desc=Slot(text="The speaker smiles broadly.", status="ok"))
    return Result(clip=ClipInfo(path="clip.mp4", duration_s=2.0), evidence=evidence, analysis=Analysis(**{**base, **analysis}),
                  rounds=1, reasoner="llamacpp")


def test_the_conclusion_shows_the_reasoners_conflict_explanation_and_cited_cues():
    text = render(_result(conflict_explanation="face vs words: the smile is sarcastic",
                          cues_cited={"face": ["smiles broadly"], "words": ["ruined"], "voice": []}))
    conclusion = text[text.index("Conclusion"):]
    assert "conflicts explained: face vs words: the smile is sarcastic" in conclusion
    assert "cues cited: face: smiles broadly; words: ruined" in conclusion and "voice:" not in conclusion


def test_an_analysis_without_them_says_nothing_of_them():
    text = render(_result())
    assert "conflicts explained" not in text and "cues cited" not in text
    assert "emotions: angry  (basic: anger; valence -0.60 negative; arousal 0.80)" in text


def test_long_cited_cues_are_shortened():
    long_cue = "The voice has a low pitch (mean F0 106 Hz, 86-123 Hz) with a moderately varying intonation (F0 SD 1.9 semitones)"
    text = render(_result(cues_cited={"voice": [long_cue, "harsh"]}))
    line = text[text.index("cues cited"):].split("\n    weighed")[0]
    assert "voice: The voice has a low pitch" in line and "…" in line and " | harsh" in line and "semitones)" not in line


def test_several_voices_are_noted_in_the_conclusion_and_beside_the_conflicts():
    from saber_agent.evidence import Conflict

    note = "2 voices heard: the emotion mixes speakers; use segment mode (--segment utterances)."
    result = _result(voices_heard=2, notes=[note])
    result.conflicts = [Conflict(modalities=("face", "words"), description="face reads positive but words reads negative: "
                                 "a positive face over negative words (or the reverse) suggests sarcasm, irony or masking")]
    text = render(result)
    assert "note: 2 voices heard: the emotion mixes speakers" in text[text.index("Conclusion"):]
    assert "(2 voices heard: a conflict here may be different people disagreeing" in text[text.index("\nConflicts"):]
    assert "voices heard" not in render(_result())


def test_a_second_looks_note_ends_its_sentence_before_why():
    """trial I: "... sampling it at 6 fps finds nothing new Why: a brief expression" ran on without a full stop."""
    from saber_agent.evidence_analysis import PerceptionRequest, Reperception

    request = PerceptionRequest(tool="face", fps=6.0, reason="a brief expression may fall between frames")
    refused = Reperception(request=request, asked_by="check", round=1, status="refused",
                           note="the clip is a single still image: sampling it at 6 fps finds nothing new")
    done = Reperception(request=request, asked_by="check", round=1, status="done", note="the slot changed (new).")
    text = " ".join(render(_result().model_copy(update={"reperceptions": [refused, done]})).split())
    assert "finds nothing new. Why: a brief expression may fall between frames" in text
    assert "the slot changed (new). Why:" in text and "(new).. Why" not in text
