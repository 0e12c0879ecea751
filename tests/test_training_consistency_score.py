"""The consistency score of an answer: the weighted share of checks passed, minus the penalties."""

import pytest

from saber_agent.checking import ConsistencyCheck
from saber_agent.cues import find_conflicts
from saber_agent.evidence import Analysis, ClipInfo, Evidence, ModalityCue, Slot
from saber_agent.reasoning import ReasoningRequest
from saber_agent.training import consistency_score as scoring
from saber_agent.training import pairs
from saber_agent.training.consistency_score import consistency_score, run_checks


class Passes(ConsistencyCheck):
    name = "passes"

    def check(self, request, analysis):
        return self.outcome(True)


class Fails(ConsistencyCheck):
    name = "fails"

    def check(self, request, analysis):
        return self.outcome(False, "wrong", invented=["tears", "fist"], ungrounded=["blush", "sigh"])


class Raises(ConsistencyCheck):
    name = "raises"

    def check(self, request, analysis):
        raise ValueError("no evidence to check")


def conflicting_request() -> ReasoningRequest:
    evidence = Evidence(
        speech_content=Slot(text="I hate this.", status="ok"),
        facial_exp_desc=Slot(text="A broad smile.", status="ok"),
    )
    cues = [
        ModalityCue(modality="face", valence=0.7, arousal=0.5, emotion="happiness", confidence=0.8, basis="smile"),
        ModalityCue(modality="words", valence=-0.8, arousal=0.7, emotion="anger", confidence=0.8, basis="hate"),
    ]
    return ReasoningRequest(evidence=evidence, clip=ClipInfo(path="x.mp4"), cues=cues, conflicts=find_conflicts(cues))


def test_a_check_that_raises_counts_as_failed_with_its_error():
    outcomes = run_checks(conflicting_request(), Analysis(), [Passes(), Raises()])
    assert [(o.name, o.passed) for o in outcomes] == [("passes", True), ("raises", False)]
    assert outcomes[1].message == "check raised ValueError: no evidence to check"


def test_share_is_weighted_and_penalties_are_subtracted():
    request = conflicting_request()
    assert request.conflicts, "a smile over hostile words must conflict"
    face_only = Analysis(reasoning="The smile shows happiness.", cues_cited={"face": ["A broad smile."]})
    score = consistency_score(request, face_only, [Passes(), Fails()], weights={"passes": 3.0})
    assert score.share == 0.75 and not score.passed and [o.name for o in score.failed] == ["fails"]
    # words unused (0.05), the conflict unnamed (0.1), four invented/ungrounded cues capped at 0.3
    assert score.penalties == {"unused_modalities": 0.05, "unnamed_conflicts": 0.1, "invented_cues": 0.3}
    assert score.score == pytest.approx(0.75 - 0.45)


def test_an_answer_naming_both_modalities_and_the_conflict_has_no_penalty():
    both = Analysis(
        reasoning="The face smiles while the words are hostile.",
        cues_cited={"face": ["A broad smile."], "words": ["I hate this."]},
        conflict_explanation="The face smiles but the words say anger: sarcasm.",
    )
    score = consistency_score(conflicting_request(), both, [Passes()])
    assert (score.score, score.share, score.penalties, score.passed) == (1.0, 1.0, {}, True)


def test_no_check_is_a_full_share():
    assert consistency_score(conflicting_request(), Analysis(reasoning="face and words"), []).share == 1.0


def test_the_old_import_path_gives_the_same_names():
    for name in ("ConsistencyScore", "consistency_score", "run_checks", "INVENTED_CUE_PENALTY_MAX"):
        assert getattr(pairs, name) is getattr(scoring, name)
