"""The whole-clip summary of segment mode (saber_agent/segment_summary.py), on made-up utterance results (no decode)."""

from saber_agent.evidence import Analysis, ClipInfo, Evidence, Result
from saber_agent.segment_summary import summarise
from saber_agent.segments import UNDETERMINED, Segment, Speaker


def _segment(i: int, speaker: str, emotions: list[str], basic: str, valence: float, arousal: float) -> Segment:
    analysis = Analysis(emotions=emotions, basic_emotion=basic, valence=valence, arousal=arousal)
    result = Result(clip=ClipInfo(path="talk.mp4"), evidence=Evidence(), analysis=analysis)
    return Segment(index=i, start_s=2.0 * i, end_s=2.0 * i + 1.5, speaker=speaker, result=result)


def test_an_undetermined_utterance_is_a_gap_in_the_trajectory_not_a_neutral_point():
    """Fusion's "no finding" answer carries the defaults valence 0.0 and arousal 0.5 beside "undetermined": the
    trajectory plotted them as a neutral, mid-arousal utterance (labelled "undetermined") between two findings."""
    segments = [_segment(0, "A", ["happy"], "happiness", 0.6, 0.7),
                _segment(1, "B", [UNDETERMINED], "neutral", 0.0, 0.5),  # fusion's answer where no modality gave a cue
                _segment(2, "A", ["sad"], "sadness", -0.5, 0.3)]
    summary = summarise(segments, [Speaker(label="A", segments=[0, 2]), Speaker(label="B", segments=[1])])
    trajectory = summary.trajectory
    assert trajectory.labels["emotion"] == ["happiness", UNDETERMINED, "sadness"]
    assert trajectory.series["valence"] == [0.6, None, -0.5] and trajectory.series["arousal"] == [0.7, None, 0.3]
    assert [e.value for e in trajectory.events] == [0.6, None, -0.5]
    assert summary.by_speaker["B"]["mean_valence"] is None and [c.after for c in summary.changes] == [2]


def test_an_uncertain_label_is_no_emotion_felt_nor_a_change():
    """Trial D podcast.mp3: an utterance answered "angry, uncertain" (valence +0.42) read "speaker B: anger (+0.42)" on
    its progress line, and the summary said "Speaker B: happiness, then fear, then anger" and "at 72.5 s (C to B):
    sadness (-0.55) to anger (+0.42)" with no caveat. An emotion the answer flags uncertain is said so on the progress
    line, counts towards no emotion felt nor a change (its valence still counts), and the summary says how many."""
    segments = [_segment(0, "A", ["happy"], "happiness", 0.6, 0.7),
                _segment(1, "B", ["angry", "uncertain"], "anger", 0.42, 0.5),
                _segment(2, "A", ["sad"], "sadness", -0.5, 0.3),
                _segment(3, "B", ["afraid", "uncertain"], "fear", 0.1, 0.5)]
    assert [s.uncertain for s in segments] == [False, True, False, True]
    assert segments[1].said == "anger, uncertain (+0.42)" and segments[0].said == "happiness (+0.60)"
    summary = summarise(segments, [Speaker(label="A", segments=[0, 2]), Speaker(label="B", segments=[1, 3])])
    assert [c.after for c in summary.changes] == [2]  # happiness to sadness, A to A; nothing to or from B's labels
    assert "anger" not in summary.text and "fear" not in summary.text, summary.text
    assert "Speaker B: no emotion found (uncertain in 2 of 2 utterance(s); mean valence +0.26)" in summary.text
    assert summary.by_speaker["B"]["most_often"] == "uncertain" and summary.by_speaker["B"]["uncertain"] == 2
    assert summary.by_speaker["B"]["mean_valence"] == 0.26
    one_voice = [s.model_copy(update={"speaker": "A"}) for s in segments[:3]]  # one voice, one label of three uncertain
    mixed = summarise(one_voice, [Speaker(label="A", segments=[0, 1, 2])])
    assert "Speaker A: happiness, then sadness (mean valence +0.17; uncertain in 1 of 3 utterance(s))" in mixed.text, mixed.text
    undetermined = _segment(4, "B", [UNDETERMINED], "neutral", 0.0, 0.5)
    assert not undetermined.uncertain and undetermined.said == UNDETERMINED
