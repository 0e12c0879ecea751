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
    # happiness to sadness (A to A), then sadness to B's uncertain +0.10 (a valence move of 0.60): B's labels unnamed
    assert [c.after for c in summary.changes] == [2, 3] and summary.changes[1].emotions == ("sadness", "uncertain")
    assert "anger" not in summary.text and "fear" not in summary.text, summary.text
    assert "Speaker B: no emotion found (uncertain in 2 of 2 utterance(s); mean valence +0.26)" in summary.text
    assert summary.by_speaker["B"]["most_often"] == "uncertain" and summary.by_speaker["B"]["uncertain"] == 2
    assert summary.by_speaker["B"]["mean_valence"] == 0.26
    one_voice = [s.model_copy(update={"speaker": "A"}) for s in segments[:3]]  # one voice, one label of three uncertain
    mixed = summarise(one_voice, [Speaker(label="A", segments=[0, 1, 2])])
    assert "Speaker A: happiness, then sadness (mean valence +0.17; uncertain in 1 of 3 utterance(s))" in mixed.text, mixed.text
    undetermined = _segment(4, "B", [UNDETERMINED], "neutral", 0.0, 0.5)
    assert not undetermined.uncertain and undetermined.said == UNDETERMINED


def test_a_valence_move_into_or_out_of_an_uncertain_utterance_is_a_change():
    """Conversation trial (two voices, overlapping speech): A's utterance "uncertain" at -0.20, B's at +0.50; the
    summary said "Speaker A: no emotion found (uncertain in 1 of 1 ...)" and then "The feeling did not change
    markedly", since a change was sought between findings only. A move of 0.70 is named, with who and when, and
    the uncertain side names no emotion."""
    a = _segment(0, "A", ["sad", "uncertain"], "sadness", -0.2, 0.4)
    b = _segment(1, "B", ["happy"], "happiness", 0.5, 0.6)
    speakers = [Speaker(label="A", segments=[0]), Speaker(label="B", segments=[1])]
    summary = summarise([a, b], speakers)
    assert [(c.before, c.after, c.speakers) for c in summary.changes] == [(0, 1, ("A", "B"))]
    assert "did not change" not in summary.text, summary.text
    assert "The feeling changed at 2.0 s (A to B): uncertain (-0.20) to happiness (+0.50)." in summary.text, summary.text
    assert "sadness" not in summary.text  # the label flagged uncertain is still not named
    both_unsure = _segment(1, "B", ["happy", "uncertain"], "happiness", 0.5, 0.6)
    assert "at 2.0 s (A to B): uncertain (-0.20) to uncertain (+0.50)" in summarise([a, both_unsure], speakers).text
    close = _segment(1, "B", ["happy"], "happiness", 0.05, 0.6)  # a move of 0.25: under CHANGE_VALENCE
    assert summarise([a, close], speakers).changes == []


def test_with_no_finding_the_summary_does_not_say_the_feeling_held():
    """Where every utterance is uncertain or undetermined, "did not change markedly" was a claim the evidence does not
    make: the summary says it cannot tell. With findings and gaps it says how many gave none."""
    speakers = [Speaker(label="A", segments=[0, 2]), Speaker(label="B", segments=[1])]
    none = [_segment(0, "A", ["sad", "uncertain"], "sadness", -0.2, 0.4),
            _segment(1, "B", [UNDETERMINED], "neutral", 0.0, 0.5),
            _segment(2, "A", ["afraid", "uncertain"], "fear", -0.1, 0.5)]
    text = summarise(none, speakers).text
    assert "did not change" not in text and summarise(none, speakers).changes == []
    assert "The evidence cannot tell whether the feeling changed: no utterance gave a finding (2 uncertain, 1 undetermined)." in text
    one = [none[0], none[1], _segment(2, "A", ["sad"], "sadness", -0.3, 0.3)]  # one finding, one uncertain reading
    assert "did not change markedly between utterances (1 uncertain, 1 undetermined of 3 utterance(s) gave no finding)." \
        in summarise(one, speakers).text
    lone = [_segment(0, "A", ["sad"], "sadness", -0.3, 0.3), none[1]]  # one reading only: nothing to compare it with
    assert "cannot tell whether the feeling changed: only one utterance gave a reading (1 undetermined)" in summarise(lone, speakers).text
    steady = [_segment(0, "A", ["sad"], "sadness", -0.3, 0.3), _segment(1, "B", ["sad"], "sadness", -0.4, 0.3)]
    assert summarise(steady, speakers).text.endswith("The feeling did not change markedly between utterances.")
