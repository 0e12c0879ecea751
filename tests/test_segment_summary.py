"""The whole-clip summary of segment mode (saber_agent/segment_summary.py), on made-up utterance results (no decode)."""

from saber_agent.evidence import Analysis, ClipInfo, Evidence, Result
from saber_agent.segment_summary import summarise
from saber_agent.segments import UNDETERMINED, Segment, Speaker


def _segment(i: int, speaker: str, emotions: list[str], basic: str, valence: float, arousal: float,
             span: tuple[float, float] | None = None) -> Segment:
    analysis = Analysis(emotions=emotions, basic_emotion=basic, valence=valence, arousal=arousal)
    result = Result(clip=ClipInfo(path="talk.mp4"), evidence=Evidence(), analysis=analysis)
    start, end = span or (2.0 * i, 2.0 * i + 1.5)
    return Segment(index=i, start_s=start, end_s=end, speaker=speaker, result=result)


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
    # the uncertain anger leans away from both findings: counted, and outnumbered by them (2 to 1)
    assert "Speaker A: happiness, then sadness (mean valence +0.17; uncertain in 1 of 3 utterance(s), 1 leaning elsewhere)" \
        in mixed.text, mixed.text
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
    both_unsure = _segment(1, "B", ["happy", "uncertain"], "happiness", 0.5, 0.6)  # no finding either side: no change
    assert summarise([a, both_unsure], speakers).changes == []
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


def test_no_change_is_claimed_between_two_uncertain_readings():
    """Trial H turns08_gio001_ans007 (EmoFilm lines of two male speakers, every utterance uncertain, most at fusion's
    fixed weak lean +-0.24 or -0.20): the summary said "The feeling changed at 2.6 s (A to B): uncertain (+0.24) to
    uncertain (-0.34)" and twice more. Neither side is a finding: the evidence cannot tell."""
    talk = [_segment(0, "A", ["happy", "uncertain"], "happiness", 0.24, 0.36, (0.0, 1.9)),
            _segment(1, "B", ["angry", "uncertain"], "anger", -0.34, 0.74, (2.6, 4.5)),
            _segment(2, "A", ["neutral", "uncertain"], "neutral", -0.2, 0.29, (5.1, 6.6)),
            _segment(3, "B", ["happy", "uncertain"], "happiness", 0.24, 0.61, (7.2, 10.2)),
            _segment(4, "B", ["afraid", "uncertain"], "fear", -0.24, 0.47, (10.8, 12.4))]
    speakers = [Speaker(label="A", segments=[0, 2]), Speaker(label="B", segments=[1, 3, 4])]
    summary = summarise(talk, speakers)
    assert summary.changes == [] and "changed at" not in summary.text, summary.text
    assert summary.text.endswith("The evidence cannot tell whether the feeling changed: no utterance gave a finding (5 uncertain).")
    # one finding elsewhere, the large moves between uncertain readings only: still no change, and no "did not change"
    lone = talk + [_segment(5, "A", ["sad"], "sadness", -0.3, 0.3, (13.0, 14.0))]
    text = summarise(lone, [speakers[0].model_copy(update={"segments": [0, 2, 5]}), speakers[1]]).text
    assert "did not change" not in text and "changed at" not in text, text
    assert "cannot tell whether the feeling changed: the valence moved only between uncertain utterances (at 2.6, 7.2, " \
           "10.8 s), no finding (5 uncertain of 6)." in text, text


def test_a_weak_lean_counts_as_the_balance_it_may_stand_for():
    """Fusion puts a weighed balance under 0.15 at a fixed weak lean of 0.24 (trial H turns08_rab006_rab029, 4.1 s:
    the anger voice at -0.43 against positive words weighed +0.04, said +0.24); next to a found anger at -0.26 the
    summary said "uncertain (+0.24) to anger (-0.26)", a move of 0.50, where the balance moved 0.30 at most."""
    lean = _segment(0, "A", ["angry", "uncertain"], "anger", 0.24, 0.41)
    speakers = [Speaker(label="A", segments=[0]), Speaker(label="B", segments=[1])]
    assert summarise([lean, _segment(1, "B", ["angry"], "anger", -0.26, 0.58)], speakers).changes == []
    far = summarise([lean, _segment(1, "B", ["angry"], "anger", -0.5, 0.8)], speakers)  # 0.5 from any such balance
    assert [c.said for c in far.changes] == ["at 2.0 s (A to B): uncertain (+0.24) to anger (-0.50)"]
    read = _segment(0, "A", ["angry", "uncertain"], "anger", 0.4, 0.41)  # over a weak lean: its valence is a reading
    assert len(summarise([read, _segment(1, "B", ["angry"], "anger", -0.26, 0.58)], speakers).changes) == 1


def test_a_speaker_is_not_named_by_a_minority_finding_against_its_leans():
    """Trial H turns08_rab006_rab029 (every line anger): "Speaker A: happiness (mean valence +0.04; uncertain in 2 of 3
    utterance(s))" from one found happiness, both uncertain utterances naming anger. The speaker's emotion is named
    where its findings outnumber the leans elsewhere; an uncertain disgust beside a found anger leans its way."""
    talk = [_segment(0, "A", ["angry", "uncertain"], "anger", -0.41, 0.76, (0.0, 1.8)),
            _segment(1, "B", ["disgusted", "uncertain"], "disgust", -0.2, 0.26, (2.4, 3.5)),
            _segment(2, "A", ["angry", "uncertain"], "anger", 0.24, 0.41, (4.1, 5.8)),
            _segment(3, "B", ["angry"], "anger", -0.26, 0.58, (6.4, 9.4)),
            _segment(4, "A", ["happy"], "happiness", 0.31, 0.58, (10.0, 11.4)),
            _segment(5, "B", ["angry", "uncertain"], "anger", -0.36, 0.73, (12.1, 14.5))]
    speakers = [Speaker(label="A", segments=[0, 2, 4]), Speaker(label="B", segments=[1, 3, 5])]
    summary = summarise(talk, speakers)
    assert "Speaker A: happiness" not in summary.text, summary.text
    assert ("Speaker A: mixed, cannot tell (found happiness in 1 of 3 utterance(s); uncertain in 2, 2 of them leaning "
            "elsewhere; mean valence +0.05).") in summary.text, summary.text
    assert "Speaker B: anger (mean valence -0.27; uncertain in 2 of 3 utterance(s))." in summary.text, summary.text
    assert summary.by_speaker["A"]["named"] == "mixed" and summary.by_speaker["A"]["leaning_elsewhere"] == 2
    assert summary.by_speaker["B"]["named"] == "anger" and summary.by_speaker["B"]["leaning_elsewhere"] == 0
    # was four changes, two between uncertain readings and one from a weak lean; the findings' own two stay
    assert [(c.before, c.after) for c in summary.changes] == [(3, 4), (4, 5)], summary.text


def test_a_change_across_an_uncertain_stretch_names_what_it_compares():
    """Trial H: "at 18.2 s (A to C): anger (-0.71) to happiness (+0.69)" where B spoke, uncertain, from 7.4 to 18.2 s:
    it read as if A spoke just before C. The change names each side's speaker and time, and B's stretch between."""
    talk = [_segment(0, "A", ["angry"], "anger", -0.71, 0.8, (0.1, 6.6)),
            _segment(1, "B", ["sad", "uncertain"], "sadness", -0.2, 0.3, (7.4, 12.0)),
            _segment(2, "B", ["happy", "uncertain"], "happiness", 0.24, 0.5, (12.5, 17.9)),
            _segment(3, "C", ["happy"], "happiness", 0.69, 0.5, (18.2, 25.0))]
    speakers = [Speaker(label=x, segments=[i]) for x, i in (("A", 0), ("B", 1), ("C", 3))]
    summary = summarise(talk, speakers)
    assert "(A to C)" not in summary.text, summary.text
    assert [c.said for c in summary.changes] == [
        "at 18.2 s: from A's anger (-0.71, to 6.6 s) to C's happiness (+0.69), with 2 uncertain utterance(s) of B "
        "between (7.4-17.9 s)"], summary.text
    neighbours = summarise([talk[0], talk[3]], [speakers[0], speakers[2]])  # nothing between: the short form stays
    assert [c.said for c in neighbours.changes] == ["at 18.2 s (A to C): anger (-0.71) to happiness (+0.69)"]
