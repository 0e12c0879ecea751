"""The fusion reasoner's wording (`plugins.reasoners.fusion_text`, moved out of `fusion`, which re-exports it): the
reasoning text says what the rules concluded, the weighed values beside the concluded ones, and a failed round's
critique; the evidence fields and citations quote the slots. Through the real reasoner, as in test_fusion.py."""

from saber_agent.evidence import ClipInfo, Evidence, ModalityCue
from saber_agent.plugins.reasoners import fusion, fusion_text
from saber_agent.plugins.reasoners.fusion import FusionReasoner
from saber_agent.reasoning import ReasoningRequest
from tests.test_fusion import HOSTILE, SMILE, request


def test_the_old_import_path_gives_the_same_objects():
    for name in ("first_sentence", "reasoning_text", "slots_text", "cite"):
        assert getattr(fusion, name) is getattr(fusion_text, name), name


def test_the_evidence_fields_and_citations_quote_each_slots_first_sentence():
    assert fusion_text.first_sentence("  A broad   smile. Then a frown.") == "A broad smile."
    assert fusion_text.first_sentence("x" * 300, limit=10) == "x" * 9 + "…"
    analysis = FusionReasoner().reason(request(SMILE, facial_exp_desc="A broad smile. Eyes narrow.", speech_content="I hate this. Go."))
    assert analysis.visual_evidence == "A broad smile." and analysis.acoustic_evidence == '"I hate this."'
    assert analysis.cues_cited["face"] == ["A broad smile.", SMILE.basis]
    empty = ReasoningRequest(evidence=Evidence(), clip=ClipInfo(path="x"), cues=[])
    assert fusion_text.slots_text(empty.evidence, ("video_desc",)) == "No evidence was available for these modalities."
    assert fusion_text.cite(empty, {}) == {}


def test_critique_is_answered():
    req = request(SMILE).model_copy(update={"critique": ["grounding: cite the evidence"], "round": 2})
    assert "grounding: cite the evidence" in FusionReasoner().reason(req).reasoning


def test_a_critique_is_reported_as_failed_checks_not_as_a_revision():
    req = request(SMILE).model_copy(update={"critique": ["grounding: cite the evidence"], "round": 2})
    reasoning = FusionReasoner().reason(req).reasoning
    assert "failed the consistency checks: grounding: cite the evidence" in reasoning and "Revised" not in reasoning


def test_no_estimate_says_which_evidence_there_was():
    # /tmp/trial53 music_noface.mp4: the scene slot alone holds evidence ("1 evidence slot(s)" beside the check's "0 modality")
    analysis = FusionReasoner().reason(request(video_desc="A dim room."))
    assert "slot(s)" not in analysis.reasoning and "scene" in analysis.reasoning
    assert "no evidence" in FusionReasoner().reason(request()).reasoning


# Trial B: the reasoning stated "Weighing these by confidence gives valence +0.24" where the weights gave +0.05 and the
# weak-lean rule set +0.24; and "The modalities agree." beside "Neutral is ruled out" or beside a lean flagged uncertain.
FAINT_HAPPY_VOICE = ModalityCue(modality="voice", valence=0.05, arousal=0.5, emotion="happiness", confidence=0.5, basis="voice")
NO_WORD = ModalityCue(modality="words", valence=0.0, arousal=0.3, emotion="neutral", confidence=0.2, basis="no emotional word")


def test_a_weak_lean_states_the_weighed_valence_and_the_one_used():
    analysis = FusionReasoner().reason(request(FAINT_HAPPY_VOICE, NO_WORD))
    assert analysis.valence == 0.24 and analysis.emotions == ["happy", "uncertain"]  # the weak lean of happiness
    text = analysis.reasoning
    assert "gives valence +0.05 and arousal 0.50" in text and "gives valence +0.24" not in text
    assert "the conclusion takes valence +0.24 instead, by a weak lean" in text and "read as happy, uncertain" in text
    assert "The modalities agree" not in text  # an uncertain lean is no agreement
    assert analysis.weighed[-1].startswith("conclusion: valence +0.24, arousal 0.50, not the weighed +0.05, 0.50: a weak lean")


def test_sarcasm_states_the_weighed_values_and_the_ones_concluded():
    analysis = FusionReasoner().reason(request(SMILE, HOSTILE, facial_exp_desc="A broad smile.", speech_content="I hate this."))
    assert "gives valence +0.05 and arousal 0.65" in analysis.reasoning
    assert "takes valence -0.48 and arousal 0.70 instead, by sarcasm" in analysis.reasoning
