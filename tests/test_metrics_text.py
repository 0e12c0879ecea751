"""Word and character error rates."""

import pytest

from saber_agent.eval.metrics_text import (
    character_error_rate,
    corpus_word_error_rate,
    normalise,
    word_error_rate,
)


def test_normalise_drops_case_punctuation_and_marks_and_spells_out_contractions():
    assert normalise("Hello, everyone!  <laughter> I'm GLAD.") == "hello everyone i am glad"
    assert normalise("“Quoted”, 'single'") == "quoted single"
    assert normalise("We can't, they won't, it's John's") == "we can not they will not it's john's"
    assert word_error_rate("I am furious", "I'm furious.") == 0.0


def test_word_error_rate_counts_substitutions_deletions_and_insertions():
    ref = "the cat sat on the mat"
    assert word_error_rate(ref, "The cat sat on the mat.") == 0.0
    assert word_error_rate(ref, "the cat sat on mat") == pytest.approx(1 / 6)  # deletion
    assert word_error_rate(ref, "the dog sat on the mat") == pytest.approx(1 / 6)  # substitution
    assert word_error_rate(ref, "the cat sat down on the mat") == pytest.approx(1 / 6)  # insertion
    assert word_error_rate("", "") == 0.0 and word_error_rate("", "noise") == 1.0
    assert corpus_word_error_rate([(ref, ref), ("a b", "a c")]) == pytest.approx(1 / 8)
    # corpus WER is total errors over total reference words, not the mean of the per-pair rates
    assert corpus_word_error_rate([("a", "b"), ("a b c d e f g h i", "a b c d e f g h i")]) == pytest.approx(1 / 10)
    # an empty reference adds its hypothesis' words as insertions and no reference words
    assert corpus_word_error_rate([("", "uh huh"), ("a b", "a b")]) == pytest.approx(2 / 2)
    assert corpus_word_error_rate([]) == 0.0 and corpus_word_error_rate([("", "")]) == 0.0


def test_character_error_rate_for_chinese():
    assert character_error_rate("我真的很高兴。", "我真的很高兴") == 0.0
    assert character_error_rate("我真的很高兴", "我真的很高线") == pytest.approx(1 / 6)
