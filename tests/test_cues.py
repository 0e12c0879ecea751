"""Cross-modal conflicts (saber_agent.cues): which disagreements are named, and how each side is described."""

from saber_agent.cues import _describe, find_conflicts
from saber_agent.evidence import ClipInfo, Evidence, ModalityCue
from saber_agent.plugins.reasoners.fusion import FusionReasoner
from saber_agent.reasoning import ReasoningRequest

# /tmp/trial2 convo_still.mp4 utterance 1, "Good morning.": a neutral face (anger second) that leans a little negative
NEUTRAL_FACE = ModalityCue(modality="face", valence=-0.21, arousal=0.38, emotion="neutral", confidence=0.65, basis="neutral")
GOOD_MORNING = ModalityCue(modality="words", valence=0.64, arousal=0.42, confidence=0.66, basis="good (+1.9)")


def _reason(*cues):
    cues = list(cues)
    request = ReasoningRequest(evidence=Evidence(), clip=ClipInfo(path="x.mp4"), cues=cues, conflicts=find_conflicts(cues))
    return FusionReasoner().reason(request)


def test_a_neutral_face_is_no_sarcasm_conflict_with_friendly_words():
    assert find_conflicts([NEUTRAL_FACE, GOOD_MORNING]) == []
    analysis = _reason(NEUTRAL_FACE, GOOD_MORNING)
    assert analysis.conflict_explanation is None and "sarcasm" not in analysis.reasoning
    assert "negative (neutral)" not in analysis.reasoning


def test_a_leaning_face_that_names_an_emotion_still_conflicts():
    angry_face = NEUTRAL_FACE.model_copy(update={"emotion": "anger", "valence": -0.5})
    [conflict] = find_conflicts([angry_face, GOOD_MORNING])
    assert conflict.modalities == ("face", "words") and "face reads negative (anger)" in conflict.description


def test_a_neutral_cue_is_described_as_neutral_not_negative():
    assert _describe(NEUTRAL_FACE) == "neutral (leaning negative, valence -0.21)"
    assert _describe(NEUTRAL_FACE.model_copy(update={"valence": 0.05})) == "neutral"
    assert _describe(GOOD_MORNING) == "positive"


def test_the_voice_caveat_is_said_only_when_a_voice_cue_took_part():
    # --plugins face,body,scene: no voice at all, yet the caveat about the voice was printed
    unsure_face = ModalityCue(modality="face", valence=-0.3, arousal=0.5, emotion="fear", confidence=0.2, basis="face")
    still = ModalityCue(modality="body", valence=0.0, arousal=0.15, emotion="still", confidence=0.35, basis="still")
    without = _reason(unsure_face, still)
    assert "uncertain" in without.emotions and "low confidence" in without.reasoning
    assert "the voice alone" not in without.reasoning
    weak_voice = ModalityCue(modality="voice", valence=-0.2, arousal=0.6, emotion="fear", confidence=0.15, basis="voice")
    with_voice = _reason(weak_voice)
    assert "uncertain" in with_voice.emotions and "the voice alone tells arousal better" in with_voice.reasoning


def test_a_clear_lean_is_beyond_the_minimal_one():
    from saber_agent.cues import CLEAR_LEAN, MIN_LEANING, leans_clearly

    assert MIN_LEANING < CLEAR_LEAN
    assert not leans_clearly(0.226) and not leans_clearly(-CLEAR_LEAN) and not leans_clearly(0.0)
    assert leans_clearly(0.27) and leans_clearly(-0.26)
    # the fusion's neutral is exactly the valences that do not lean clearly
    from saber_agent.plugins.reasoners.fusion import emotion_of

    for v in (-0.3, -0.26, -0.25, -0.1, 0.0, 0.2, 0.25, 0.251, 0.4):
        assert (emotion_of(v, 0.3)[1] == "neutral") == (not leans_clearly(v)), v
