"""The one vocabulary: CJK range, tokenizer, basic-class mapping, and that every user reads it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from saber_agent import vocab
from saber_agent.evidence import BASIC_EMOTIONS

ROOT = Path(__file__).resolve().parent.parent


def test_cjk_range_covers_chinese_and_nothing_latin_or_punctuation():
    assert all(vocab.is_cjk(ch) for ch in "高兴㐀豈")  # unified, extension A, compatibility ideograph
    assert not any(vocab.is_cjk(ch) for ch in "aZ9 ，。！ひカ한")
    assert vocab.CJK_RUN.findall("我很 happy 高兴") == ["我很", "高兴"]
    assert vocab.written_without_spaces("。") and vocab.written_without_spaces("ひ") and vocab.written_without_spaces("好")
    assert not vocab.written_without_spaces("a") and not vocab.written_without_spaces("")


def test_tokenizer_english_and_chinese():
    text = "I don’t feel light-hearted, 我很高兴！ OK 42"
    assert vocab.tokenize(text) == ["i", "don't", "feel", "light", "hearted", "我很高兴", "ok"]
    assert vocab.tokenize(text, compounds=True, punctuation=True) == [
        "i", "don't", "feel", "light-hearted", ",", "我很高兴", "！", "ok",
    ]
    assert vocab.tokenize("") == [] and vocab.tokenize(None) == []  # type: ignore[arg-type]


def test_to_basic_and_labels():
    assert vocab.to_basic("Furious") == "anger" and vocab.to_basic("开心") == "happiness"
    assert vocab.to_basic("very happy") == "happiness"  # a word inside a short label
    assert vocab.to_basic("愤怒的") is None  # inside a label only words longer than two characters count
    assert vocab.to_basic("I am so very happy about it") is None  # a sentence is no label
    assert vocab.to_basic("qwerty") is None
    assert set(vocab.BASIC_SYNONYMS.values()) == set(BASIC_EMOTIONS)


def test_class_spellings_and_aliases_name_only_basic_classes():
    assert set(vocab.CLASS_SPELLINGS.values()) == set(BASIC_EMOTIONS)
    assert set(vocab.LABEL_ALIASES.values()) <= set(BASIC_EMOTIONS)
    assert vocab.CLASS_SPELLINGS.items() <= vocab.LABEL_ALIASES.items()
    assert set(vocab.ADJECTIVE) == set(BASIC_EMOTIONS)
    assert {s.basic for s in vocab.SECTORS} <= set(BASIC_EMOTIONS)


def test_sector_words_are_lower_case_and_unique():
    english = [w for s in vocab.SECTORS for w in (*s.words, *s.label_words)]
    chinese = [w for s in vocab.SECTORS for w in s.chinese]
    assert all(w == w.lower() for w in english)
    assert len(english) == len(set(english)), "an English word sits in two sectors"
    assert len(chinese) == len(set(chinese)), "a Chinese word sits in two sectors"
    assert all(vocab.CJK_RUN.fullmatch(w) for w in chinese)


def test_curly_apostrophe_negates_like_a_straight_one():
    # the one behaviour change of the shared tokenizer: "isn’t" is the negator "isn't"
    from saber_agent.training.text_emotion import emotion_mentions

    assert emotion_mentions("He isn’t sad.") == [] and emotion_mentions("He isn't sad.") == []
    assert [m.word for m in emotion_mentions("He is sad.")] == ["sad"]


# Modules that used to carry their own word lists or CJK range: they must read vocab now.
USERS = [
    "saber_agent/sed_prompt.py", "saber_agent/eval/emotion_lexicon.py", "saber_agent/checking.py",
    "plugins/text_sentiment.py", "plugins/checks.py", "plugins/face_summary.py", "plugins/face_expression.py",
    "plugins/transcript_segments.py", "training/text_emotion.py", "training/pairs.py", "ui/series.py",
]
_RANGE = re.compile(r"\\u(?:3[0-4]|4[de]|9f|f9|fa)[0-9a-f]{2}", re.I)


@pytest.mark.parametrize("path", USERS)
def test_no_module_writes_its_own_cjk_range(path):
    source = (ROOT / path).read_text(encoding="utf-8")
    assert "saber_agent.vocab import" in source, f"{path} does not read saber_agent.vocab"
    assert not _RANGE.search(source), f"{path} writes a CJK range of its own; use saber_agent.vocab.CJK"


def test_pair_building_imports_no_plugin():
    # the check helpers CA-DPO pairs need live in saber_agent.checking, the word data in saber_agent.vocab
    for name in ("pairs.py", "consistency_score.py", "pair_files.py", "text_emotion.py"):
        assert "saber_agent.plugins" not in (ROOT / "training" / name).read_text(encoding="utf-8"), name
