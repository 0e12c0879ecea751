"""Text sentiment of transcripts, English (VADER) and Chinese (HowNet + DUTIR lexicons), on real lexicons."""

import pytest

from saber_agent.plugins import text_sentiment
from saber_agent.plugins.text_sentiment import SentimentUnavailable, analyze, language_of
from tests.conftest import CHEERFUL, HOSTILE

HOSTILE_ZH = "我恨这个。你毁了一切，我对你非常愤怒。"
CHEERFUL_ZH = "我真的很高兴你今天来了。这是个好消息。"


@pytest.mark.parametrize("text", [HOSTILE, HOSTILE_ZH, "I hate this. You ruined everything and I am furious with you."])
def test_hostile_words_read_clearly_negative_and_angry(text):
    s = analyze(text)
    assert s.valence < -0.6 and s.label == "negative"
    assert s.emotion == "anger" and s.confidence >= 0.6 and s.arousal > 0.5
    assert s.evidence  # the words behind the score are named


@pytest.mark.parametrize("text", [CHEERFUL, CHEERFUL_ZH, "I am really glad you came today. This is wonderful news."])
def test_cheerful_words_read_clearly_positive_and_happy(text):
    s = analyze(text)
    assert s.valence > 0.6 and s.label == "positive" and s.emotion == "happiness" and s.confidence >= 0.6


@pytest.mark.parametrize("text", ["The meeting starts at three o'clock in room four.", "会议在三点钟开始。"])
def test_plain_statements_read_neutral(text):
    s = analyze(text)
    assert abs(s.valence) < 0.15 and s.emotion == "neutral" and s.confidence <= 0.3


@pytest.mark.parametrize("text", ["I am not happy about this.", "我不高兴。"])
def test_negation_flips_the_polarity(text):
    assert analyze(text).valence < -0.15


# English negation scopes (plugins/sentiment_en.py): (sentence, sign of the valence, a word of the evidence)
NEGATED_EN = [
    ("That is fine. We can talk about it calmly, there is no need to worry.", 1, "not worry (+1.4)"),
    ("There is no need to worry.", 1, "not worry (+1.4)"),
    ("It is not bad at all.", 1, "not bad (+1.9)"),
    ("Don't worry, everything will be okay.", 1, "not worry (+1.4)"),
    ("I am never sad.", 1, "not sad (+1.6)"),
    ("No one was happy with the result.", -1, "not happy (-2.0)"),
]
PLAIN_EN = [
    ("I worry about him every day.", -1, "worry (-1.9)"),
    ("That was bad.", -1, "bad (-2.5)"),
    ("I am sad.", -1, "sad (-2.1)"),
    ("I have never been so happy!", 1, "happy (+2.7)"),  # "never so": VADER's intensifier, not a negation
    ("There is no doubt he is happy.", 1, "happy (+2.7)"),  # "no" is taken by "doubt", not carried to "happy"
]


@pytest.mark.parametrize(("text", "sign", "word"), NEGATED_EN + PLAIN_EN)
def test_english_negation_scopes_and_the_evidence_sign(text, sign, word):
    s = analyze(text, "en")
    assert s.valence * sign > 0.15 and word in s.evidence, (s.valence, s.evidence)
    assert not any(e.startswith("no ") for e in s.evidence)  # "no" is a negator, not a negative word


def test_a_negated_emotion_word_does_not_name_the_emotion():
    assert analyze("There is no need to worry.", "en").emotion != "fear"
    assert analyze("I am never sad.", "en").emotion != "sadness"
    assert analyze("I worry about him every day.", "en").emotion == "fear"


def test_other_emotions_are_named():
    assert analyze("I am so scared, I am worried he will not come back.").emotion == "fear"
    assert analyze("我很害怕，我担心他不会回来了。").emotion == "fear"
    assert analyze("我很难过。").emotion == "sadness"
    assert analyze("This is so sad, I miss her and I cry every night.").emotion == "sadness"


def test_language_follows_the_script_or_the_given_code():
    assert language_of(HOSTILE) == "en" and language_of(HOSTILE_ZH) == "zh"
    assert analyze(HOSTILE_ZH).language == "zh" and "HowNet" in analyze(HOSTILE_ZH).backend
    assert analyze(HOSTILE).language == "en" and "VADER" in analyze(HOSTILE).backend
    assert analyze(CHEERFUL_ZH, language="zh").valence > 0.6
    with pytest.raises(SentimentUnavailable, match="no sentiment lexicon for language 'fr'"):
        analyze("Je suis très content.", language="fr")


def test_event_marks_are_not_words():
    marked = analyze("I hate this. <laughter> You ruined everything and I am furious with you.")
    assert marked.valence == analyze(HOSTILE).valence and marked.evidence == analyze(HOSTILE).evidence
    assert analyze("<music>").emotion == "neutral"


def test_the_chinese_lexicon_keeps_its_own_tokenizer():
    import jieba

    lex = text_sentiment._chinese_lexicon()
    assert "毁了" in lex.tokenizer.lcut("你毁了一切")
    assert "对" not in lex.polarity and "是" not in lex.polarity  # HowNet's function words do not score
    assert lex.tokenizer is not jieba.dt  # the process-wide jieba dictionary is left alone


def test_results_are_json_able():
    import json

    assert json.loads(json.dumps(analyze(HOSTILE_ZH).as_dict(), ensure_ascii=False))["language"] == "zh"
