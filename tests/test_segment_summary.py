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
