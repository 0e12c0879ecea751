from saber_agent.cues import find_conflicts
from saber_agent.evidence import ClipInfo, Evidence, ModalityCue, Slot
from saber_agent.plugins.reasoners.fusion import FusionReasoner
from saber_agent.reasoning import ReasoningRequest


def request(*cues, **slots):
    evidence = Evidence(**{k: Slot(text=v, status="ok") for k, v in slots.items()})
    cues = list(cues)
    return ReasoningRequest(evidence=evidence, clip=ClipInfo(path="x"), cues=cues, conflicts=find_conflicts(cues))


SMILE = ModalityCue(modality="face", valence=0.8, arousal=0.6, emotion="happiness", confidence=0.9, basis="happiness 0.92")
HOSTILE = ModalityCue(modality="words", valence=-0.8, arousal=0.7, emotion="anger", confidence=0.8, basis="hate, ruined, furious")


def test_agreeing_modalities_give_their_emotion():
    warm = ModalityCue(modality="voice", valence=0.4, arousal=0.6, confidence=0.5)
    analysis = FusionReasoner().reason(request(SMILE, warm, facial_exp_desc="A broad smile."))
    assert analysis.basic_emotion == "happiness" and analysis.valence > 0.3
    assert analysis.conflict_explanation is None
    assert "modalities agree" in analysis.reasoning


def test_smile_over_hostile_words_reads_as_sarcasm():
    req = request(SMILE, HOSTILE, facial_exp_desc="A broad smile.", speech_content="I hate this.")
    assert [c.modalities for c in req.conflicts] == [("face", "words")]
    analysis = FusionReasoner().reason(req)
    assert "sarcastic" in analysis.emotions and analysis.valence < 0
    assert "face" in analysis.conflict_explanation and "words" in analysis.conflict_explanation
    assert analysis.weighed and any("face" in w for w in analysis.weighed)


def test_no_cues_is_neutral_and_says_so():
    analysis = FusionReasoner().reason(request())
    assert analysis.basic_emotion == "neutral" and "No modality" in analysis.reasoning


def test_critique_is_answered():
    req = request(SMILE).model_copy(update={"critique": ["grounding: cite the evidence"], "round": 2})
    assert "grounding: cite the evidence" in FusionReasoner().reason(req).reasoning


def test_a_near_neutral_voice_does_not_conflict_with_a_smile():
    flat_voice = ModalityCue(modality="voice", valence=-0.06, arousal=0.4, confidence=0.6)
    assert find_conflicts([SMILE, flat_voice]) == []
    analysis = FusionReasoner().reason(request(SMILE, flat_voice))
    assert analysis.valence > 0 and "sarcastic" not in analysis.emotions
