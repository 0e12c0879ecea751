"""English negation scopes on top of VADER (plugins/sentiment_en.py), on the real VADER lexicon."""

import string

import pytest

from saber_agent.plugins.sentiment_en import (
    CEASING_VERBS_EN,
    NO_EMOTION,
    RESPONSE_TOKENS,
    SCOPE,
    calls_for_help,
    ceasing_verb,
    is_negator,
    read_english,
)
from saber_agent.plugins.text_sentiment import _vader_analyzer


def _word(reading, word):
    return next(w for w in reading.words if w.word == word)


def test_a_negator_reaches_the_first_sentiment_word_within_its_scope():
    reading = read_english("there is no need to worry")
    worry = _word(reading, "worry")
    assert worry.negated and worry.lexicon < 0 < worry.valence and reading.compound > 0
    assert _word(reading, "no").valence == 0.0  # "no" is a negator, not a negative word


def test_the_scope_ends_at_the_clause_and_at_a_sentiment_word():
    assert not _word(read_english("No. I worry about it."), "worry").negated  # another sentence
    assert not _word(read_english("no, worry about it"), "worry").negated  # another clause
    doubt = read_english("there is no doubt he is happy")
    assert _word(doubt, "doubt").negated and not _word(doubt, "happy").negated  # "doubt" took the negator
    far = "not " + " ".join(["the"] * SCOPE) + " bad"
    assert not _word(read_english(far), "bad").negated  # out of reach


def test_vaders_own_negations_and_intensifiers_are_kept():
    assert _word(read_english("I am not happy"), "happy").valence < 0
    assert _word(read_english("I have never been so happy"), "happy").valence > 2.7  # "never so": stronger, not negated
    assert read_english("I am happy").compound > 0.5 and read_english("").compound == 0.0


def test_negators():
    assert all(is_negator(w) for w in ("no", "not", "never", "don't", "nothing", "without", "isn't"))
    assert not any(is_negator(w) for w in ("know", "note", "now"))


def test_words_with_no_emotion_of_their_own_keep_their_lexicon_entry_but_no_valence():
    reading = read_english("Please, honestly, I'm not sure. Okay, it looks like rain as well.")
    for word in ("please", "honestly", "sure", "okay", "like", "well"):
        w = _word(reading, word)
        assert w.lexicon and w.valence == 0.0 and not w.negated, word
    assert reading.compound == 0.0
    assert all(w in NO_EMOTION for w in ("please", "yes", "yeah", "sure", "honestly")) and "okay" in RESPONSE_TOKENS
    assert _word(read_english("I am okay"), "okay").valence > 0 and _word(read_english("I like it"), "like").valence > 0


def test_calls_for_help():
    calls = ([], ["please"], ["oh", "god", "somebody"], ["i", "need"], ["we", "need", "your"], ["cry", "for"], ["send", "some"],
             ["can", "you"], ["could", "you", "please"])
    assert all(calls_for_help(before) for before in calls)
    offers = (["thanks", "for", "your"], ["you", "were", "a", "great"], ["i", "can"], ["your"], ["happy", "to"],
              ["thank", "you", "for", "the"])
    assert not any(calls_for_help(before) for before in offers)
    reading = read_english("Help me, I'm scared")
    assert _word(reading, "help").lexicon and _word(reading, "help").valence == 0.0 and reading.compound < -0.3


def test_pretty_and_super_as_adverbs_of_degree_have_no_valence_of_their_own():
    """VADER scores the adjectives ("pretty" +2.2, "super" +2.9): "I'm pretty sad" read +0.03 and "Pretty much." +0.49."""
    for text, word in (("I'm pretty sad.", "pretty"), ("Pretty much.", "pretty"), ("That was a pretty good idea.", "pretty"),
                       ("I'm super tired.", "super")):
        w = _word(read_english(text), word)
        assert w.lexicon and w.valence == 0.0, text
    assert read_english("I'm pretty sad.").compound < -0.3 and read_english("I'm super tired.").compound < -0.3
    for text, word in (("She's pretty.", "pretty"), ("What a pretty dress.", "pretty"), ("She's pretty and smart.", "pretty"),
                       ("You look so pretty tonight.", "pretty"), ("That's super!", "super")):
        assert _word(read_english(text), word).valence > 0, text  # the adjective


def test_comment_clauses_of_candour_have_no_valence_of_their_own():
    """"to be honest" (+0.51 in VADER) opposed a sad clause; "trust me" likewise. The words keep their sense elsewhere."""
    for text, word in (("To be honest, I'm tired.", "honest"), ("I'm tired, if I'm honest.", "honest"),
                       ("Trust me, it's late.", "trust"), ("I'm tired, trust me.", "trust"), ("To be fair, it was late.", "fair")):
        w = _word(read_english(text), word)
        assert w.lexicon and w.valence == 0.0, text
    for text, word in (("Be honest with me.", "honest"), ("You can trust me.", "trust"), ("He was honest and kind.", "honest")):
        assert _word(read_english(text), word).valence > 0, text


# --- negated verbs of ceasing or avoiding (trial G: "I cannot stop crying." read +0.53, `not crying (+1.6)`) -------------

@pytest.mark.parametrize("text, word, verb", [
    ("I cannot stop crying.", "crying", "stop"),  # before: +0.53, "not crying (+1.6)"
    ("I can't stop laughing!", "laughing", "stop"),  # before: -0.26
    ("My dear old friend died yesterday, and I cannot stop crying.", "crying", "stop"),  # before: +0.69
    ("I couldn't stop crying.", "crying", "stop"),
    ("She never stopped crying.", "crying", "stopped"),
    ("I didn't stop smiling.", "smiling", "stop"),
    ("Don't stop smiling.", "smiling", "stop"),
    ("I can't stop the pain.", "pain", "stop"),  # a noun complement: the pain goes on
    ("I can't help laughing.", "laughing", "help"),  # before: -0.60, "not help (-1.3)", "not laughing"
    ("I could not help laughing.", "laughing", "help"),
    ("I can't help but laugh.", "laugh", "help"),
    ("I can't quit smiling.", "smiling", "quit"),
    ("I can't resist laughing.", "laughing", "resist"),
    ("I couldn't keep from crying.", "crying", "keep"),
    ("It never fails to amaze me.", "amaze", "fails"),  # a negative implicative: "not fail to X" entails X
    ("I won't refrain from laughing.", "laughing", "refrain"),
])
def test_a_negated_verb_of_ceasing_or_avoiding_asserts_what_follows(text, word, verb):
    reading = read_english(text)
    w = _word(reading, word)
    assert not w.negated and w.valence == pytest.approx(w.lexicon), text  # its own valence, VADER's flip undone
    assert _word(reading, verb).valence == 0.0  # "not stop" (+0.9 in VADER) is no feeling of the speaker's
    assert reading.compound * w.lexicon > 0, (text, reading.compound)


def test_ceasing_verb_needs_its_negation_and_a_complement():
    plain = lambda text: [t.strip(string.punctuation) or t for t in text.lower().split()]  # noqa: E731
    lexicon = _vader_analyzer().lexicon
    for text, v in (("I can't stop crying", 2), ("I couldn't help smiling", 2), ("I couldn't keep from crying", 2)):
        assert ceasing_verb(plain(text), [0] * len(plain(text)), v, lexicon), text
    for text, v in (("Stop crying", 0), ("I stopped crying", 1), ("I can't stop", 2), ("I can't help you", 2),
                    ("I don't stop to cry", 2), ("I couldn't keep smiling", 2), ("Please help me cry", 1)):
        assert not ceasing_verb(plain(text), [0] * len(plain(text)), v, lexicon), text
    assert "stop" in CEASING_VERBS_EN and "help" not in CEASING_VERBS_EN  # "help" only in "cannot help (but)"


@pytest.mark.parametrize("text, word, sign", [
    ("I'm not happy.", "happy", -1),
    ("I don't love this.", "love", -1),
    ("I'm not sad.", "sad", 1),
    ("There is no need to worry.", "worry", 1),
    ("I can't help you.", "help", -1),  # the verb of assistance, negated as before
    ("I didn't fail the exam.", "fail", 1),  # no lexicon word follows: VADER's "not fail" kept
    ("I can't stop.", "stop", 1),
    ("I don't stop to cry.", "cry", 1),  # "stop to": an infinitive of purpose, the negation reaches "cry"
    ("I couldn't keep smiling.", "smiling", -1),  # "keep" is continuing: the smiling stopped
    ("I can't stop not crying.", "crying", 1),  # a negator after the verb starts its own scope
    ("Stop worrying.", "worrying", -1),  # no negation: as VADER reads it
])
def test_plain_negation_is_unchanged_beside_the_ceasing_verbs(text, word, sign):
    assert _word(read_english(text), word).valence * sign > 0, text
