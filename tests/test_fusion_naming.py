"""The fusion reasoner's naming rules (`plugins.reasoners.fusion_naming`, moved out of `fusion`, which re-exports them;
the rules' behaviour is tested through the reasoner in test_fusion.py and test_fusion_calibration.py)."""

from __future__ import annotations

from saber_agent.cues import CLEAR_LEAN
from saber_agent.evidence import ModalityCue
from saber_agent.plugins.reasoners import fusion
from saber_agent.plugins.reasoners import fusion_naming as naming


def test_the_old_import_path_gives_the_same_objects():
    for name in ("vote", "renames", "leads", "agreeing", "siding", "weak_lean", "contradicts", "lean_reading", "emotion_of",
                 "silent", "agreeing_modalities", "MODALITY_WEIGHT", "OPEN_LABEL", "SURE", "RENAME_LEAD", "WEAK_CONCLUSION"):
        assert getattr(fusion, name) is getattr(naming, name), name


def test_a_weak_lean_stays_short_of_a_clear_one_for_every_emotion():
    for emotion in naming.OPEN_LABEL:
        assert 0 < naming.weak_lean(emotion) <= naming.WEAK_CONCLUSION < CLEAR_LEAN, emotion


def test_a_voice_reading_torn_between_two_classes_does_not_lead():
    voice = ModalityCue(modality="voice", valence=-0.1, arousal=0.3, emotion="sadness", confidence=0.3, basis="voice")
    assert not naming.leads(voice, {"sadness": 0.27, "neutral": 0.25, "fear": 0.2})
    assert naming.leads(voice, {"sadness": 0.35, "neutral": 0.25, "fear": 0.2})
    assert naming.leads(voice, None)  # no probabilities to tell: the cue's own name stands


def _cue(modality: str, valence: float, emotion: str | None = None, confidence: float = 0.8) -> ModalityCue:
    return ModalityCue(modality=modality, valence=valence, arousal=0.5, emotion=emotion, confidence=confidence, basis=modality)


def test_the_modalities_agree_only_where_every_signed_one_reads_the_conclusion_s_side():
    happy_face, happy_words = _cue("face", 0.6, "happiness"), _cue("words", 0.5, "happiness")
    assert naming.agreeing_modalities({"face": happy_face, "words": happy_words}, 0.55) == ""
    assert naming.agreeing_modalities({"face": happy_face, "words": happy_words, "body": _cue("body", 0.0)}, 0.55) == (
        " (the body's movement carries no sign)")
    # a neutral face beside happy words: not agreement (None, not "", which would read as agreement)
    assert naming.agreeing_modalities({"face": _cue("face", 0.05, "neutral"), "words": happy_words}, 0.4) is None
    assert naming.agreeing_modalities({"face": happy_face}, 0.6) is None  # one signed modality agrees with nothing
    silent_words = _cue("words", 0.0, None, confidence=0.1)  # no emotional word: not weighed
    assert naming.agreeing_modalities({"face": happy_face, "words": silent_words}, 0.6) is None


def test_a_weak_estimate_against_a_clear_lean_names_no_emotion():
    """Trial D podcast.mp3, utterance 20, "No, I'm much calmer and I sleep better.": a voice reading anger at confidence
    0.27 (no finding) beside positive words that name no class. The weighed lean is +0.42; before, the voice's anger named
    the emotion ("angry, uncertain" at valence +0.42). Now the lean names it, as where no cue names one."""
    from saber_agent.cues import find_conflicts
    from saber_agent.evidence import ClipInfo, Evidence
    from saber_agent.reasoning import ReasoningRequest

    voice = ModalityCue(modality="voice", valence=-0.28, arousal=0.73, emotion="anger", confidence=0.27, basis="anger 0.47")
    words = ModalityCue(modality="words", valence=0.66, arousal=0.43, confidence=0.61, basis="calmer (+1.5), better")
    cues = {"voice": voice, "words": words}
    assert naming.vote(cues, 0.42) == (None, 0.0)
    req = ReasoningRequest(evidence=Evidence(), clip=ClipInfo(path="x"), cues=[voice, words], conflicts=find_conflicts([voice, words]))
    a = fusion.FusionReasoner().reason(req)
    assert a.valence > CLEAR_LEAN and a.basic_emotion == "happiness" and a.emotions == ["content"], (a.emotions, a.valence)
    assert "neither is a finding" not in a.reasoning
    # a finding against the lean still names its emotion (then said to be uncertain): the same voice at confidence 0.35
    sure = voice.model_copy(update={"confidence": 0.35})
    assert naming.vote({"voice": sure, "words": words}, 0.42)[0] == "anger"
    # and an emotion of the lean's sign is named whatever its confidence
    assert naming.vote({"voice": voice.model_copy(update={"emotion": "happiness", "valence": 0.3}), "words": words}, 0.42)[0] == "happiness"


def test_a_lean_of_weak_estimates_alone_names_no_emotion_and_says_uncertain():
    """The same voice beside words as weak as it (confidence 0.29): nothing is a finding. The lean names no emotion
    (neutral's calm, `lean_reading`), and the labels carry "uncertain" as the reasoning's "no finding" says (before:
    the voice's anger, "angry, uncertain"; and a lean of weak estimates alone read plain "calm", a finding to a summary)."""
    from saber_agent.cues import find_conflicts
    from saber_agent.evidence import ClipInfo, Evidence
    from saber_agent.reasoning import ReasoningRequest

    voice = ModalityCue(modality="voice", valence=-0.28, arousal=0.73, emotion="anger", confidence=0.27, basis="anger 0.47")
    words = ModalityCue(modality="words", valence=0.66, arousal=0.43, confidence=0.29, basis="calmer (+1.5), better")
    req = ReasoningRequest(evidence=Evidence(), clip=ClipInfo(path="x"), cues=[voice, words], conflicts=find_conflicts([voice, words]))
    a = fusion.FusionReasoner().reason(req)
    assert a.valence > CLEAR_LEAN and a.basic_emotion == "neutral" and "uncertain" in a.emotions, (a.emotions, a.valence)
    assert "no finding" in a.reasoning
