"""Spanish words cue, and mixed polarity inside the words (possible irony) through cues, fusion and checks."""

from __future__ import annotations

import pytest

from saber_agent.plugins import text_sentiment
from saber_agent.plugins.sentiment_es import ceasing_verb_es, fold, score_spanish


def test_fold_strips_accents_but_keeps_n_tilde():
    assert fold("¡Lárgate, Señor!") == "¡largate, señor!"


@pytest.mark.parametrize("text, emotion, sign", [
    ("¡Te odio! ¡Lárgate de aquí, maldito cobarde!", "anger", -1),
    ("Estoy muy feliz, ¡qué maravilla!", "happiness", 1),
    ("Tengo miedo, ¡socorro!", "fear", -1),
    ("Me duele tanto, no dejo de llorar", "sadness", -1),
    ("Me das asco", "disgust", -1),
    ("¡Ja, ja, ja! Qué guay, es una pasada", "happiness", 1),  # laughter as whisper writes it, colloquial praise
])
def test_spanish_emotion_words(text, emotion, sign):
    result = text_sentiment.analyze(text, "es")
    assert result.language == "es" and result.emotion == emotion
    assert result.valence * sign > 0.3 and result.confidence > 0.5


def test_negation_flips_and_weakens_and_plain_words_are_neutral():
    negated = text_sentiment.analyze("No estoy contento", "es")
    assert negated.valence < 0 and negated.emotion is None
    plain = text_sentiment.analyze("La mesa es de madera", "es")
    assert plain.emotion == "neutral" and plain.valence == 0 and plain.confidence <= 0.3
    total, counts, evidence, n_words, _ = score_spanish("no estoy contento")
    assert evidence == ["no contento (-0.5)"] and n_words == 3


def test_another_language_is_still_unavailable():
    with pytest.raises(text_sentiment.SentimentUnavailable, match="Spanish"):
        text_sentiment.analyze("Je suis très content", "fr")


def test_praise_of_a_bad_event_is_mixed_polarity():
    result = text_sentiment.analyze("I absolutely love wasting my whole afternoon", "en")
    assert result.mixed and "love" in result.mixed and "wasting" in result.mixed and "irony" in result.mixed
    assert text_sentiment.analyze("I love this, it is wonderful", "en").mixed is None
    assert text_sentiment.analyze("Me encanta perder toda la tarde, qué maravilla de desgracia", "es").mixed


def test_mixed_words_are_a_conflict_the_fusion_and_the_checks_address():
    from saber_agent.cues import find_conflicts, within_modality
    from saber_agent.evidence import ClipInfo, Evidence, ModalityCue
    from saber_agent.plugins.checks import CrossModalAgreement
    from saber_agent.plugins.reasoners.fusion import FusionReasoner
    from saber_agent.reasoning import ReasoningRequest

    mixed = text_sentiment.analyze("I absolutely love wasting my whole afternoon", "en")
    words = ModalityCue(modality="words", valence=mixed.valence, arousal=mixed.arousal, emotion=mixed.emotion,
                        confidence=mixed.confidence, basis="the words read positive", mixed=mixed.mixed)
    voice = ModalityCue(modality="voice", valence=-0.1, arousal=0.6, emotion="anger", confidence=0.3, basis="voice")
    conflicts = find_conflicts([words, voice])
    assert [c.modalities for c in conflicts] == [("words", "words")] and within_modality(conflicts[0])
    request = ReasoningRequest(evidence=Evidence(), clip=ClipInfo(path="x.wav"), cues=[words, voice], conflicts=conflicts)
    analysis = FusionReasoner().reason(request)
    assert "ironic" in analysis.emotions and analysis.valence < 0
    assert "irony" in analysis.conflict_explanation and "modalities agree" not in analysis.reasoning
    check = CrossModalAgreement()
    assert check.check(request, analysis).passed
    unaddressed = analysis.model_copy(update={"conflict_explanation": "The words are positive."})
    outcome = check.check(request, unaddressed)
    assert not outcome.passed and "mixed words (possible irony)" in outcome.message


def test_the_llm_words_reader_refuses_empty_words_and_is_an_option_of_the_transcript():
    from saber_agent.plugins.transcript import TranscriptOptions

    with pytest.raises(text_sentiment.SentimentUnavailable, match="empty"):
        text_sentiment.analyze_with_llm("  <laughter> ", "es")
    assert TranscriptOptions(words_reader="llm").words_reader == "llm"
    with pytest.raises(ValueError):
        TranscriptOptions(words_reader="oracle")


@pytest.mark.parametrize("text, word", [
    ("no puedo dejar de llorar", "llorar"),
    ("no paro de llorar", "llorar"),  # before: "no llorar (+0.5)"
    ("no cesa de llorar", "llorar"),
    ("no puedo evitar llorar", "llorar"),
    ("no he dejado de sonreir", "sonreir"),
    ("sin parar de reir", "reir"),
])
def test_a_negated_verb_of_ceasing_does_not_reach_what_follows(text, word):
    _, _, evidence, _, _ = score_spanish(text)
    assert any(e.startswith(word + " (") for e in evidence) and not any(e.startswith("no ") for e in evidence), evidence


def test_ceasing_verbs_in_spanish_need_de_except_evitar():
    assert ceasing_verb_es(["paro", "de", "llorar"], 0) and ceasing_verb_es(["evitar", "llorar"], 0)
    assert not ceasing_verb_es(["para", "llorar"], 0)  # the preposition: "no es para llorar" stays negated
    assert not ceasing_verb_es(["parte", "de", "mi"], 0) and not ceasing_verb_es(["contento"], 0)
    assert score_spanish("no es para llorar")[2] == ["no llorar (+0.5)"]
