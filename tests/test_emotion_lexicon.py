"""The emotion-wheel lexicon: extraction from English and Chinese text, sectors, basic classes."""

from collections import Counter

from saber_agent.eval.emotion_lexicon import (
    SECTOR_NAMES,
    SECTORS,
    basic_of,
    extract_emotions,
    sector_of,
    sectors_of_labels,
    sectors_of_text,
)
from saber_agent.evidence import BASIC_EMOTIONS


def test_every_word_belongs_to_one_sector_and_every_sector_to_a_basic_class():
    words = Counter(w for s in SECTORS for w in (*s.words, *s.label_words, *s.chinese))
    assert [w for w, n in words.items() if n > 1] == []
    assert {s.basic for s in SECTORS} <= set(BASIC_EMOTIONS)
    assert len(SECTOR_NAMES) == 9 and "neutral" in SECTOR_NAMES


def test_english_extraction_skips_negated_mentions():
    text = "She is not angry, but she looks sad and slightly worried; he isn't happy at all. No sign of fear."
    assert extract_emotions(text) == ["sad", "worried"]
    assert sectors_of_text("He is furious and at ease at once.") == {"anger", "neutral"}
    # words that are emotions only as labels are not found in prose
    assert extract_emotions("The speech content stresses the second syllable in a warm room.") == []


def test_the_published_saber_records_yield_their_emotions():
    english = ("The overall sentiment of the clip is neutral and inquisitive. There is no indication of negative "
               "or positive emotion; it's a simple, lighthearted moment of inquiry. The atmosphere is calm.")
    assert extract_emotions(english) == ["neutral", "inquisitive", "lighthearted", "calm"]
    chinese = "该视频片段中的说话人主要表达了极其诚挚的感激和高度的尊敬。他并不生气，也没有不满，但显得有点不高兴。"
    assert extract_emotions(chinese) == ["诚挚", "感激", "尊敬", "不高兴"]
    assert sectors_of_text(chinese) == {"trust", "sadness"}


def test_labels_map_to_sectors_and_basic_classes():
    assert sector_of("Sarcastic") == "disgust" and sector_of("content") == "joy" and sector_of("slightly annoyed") == "anger"
    assert sector_of("table") is None and sector_of("") is None and sector_of("恐惧") == "fear"
    assert sectors_of_labels(["happy", "excited", "calm", "chair"]) == {"joy", "neutral"}
    assert [basic_of(x) for x in ("joy", "worried", "angry", "contemptuous", "calm", "惊讶", "chair")] == [
        "happiness", "fear", "anger", "disgust", "neutral", "surprise", None,
    ]
