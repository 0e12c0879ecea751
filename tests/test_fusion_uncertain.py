"""When the fusion reasoner says "uncertain" (`fusion_naming.FINDING`, `backed`, `founded`) and what its caveat says the
label rests on (`fusion_text.resting_on`). Fresh-user trial: (a) a covered mouth, clearly negative words and a voice
reading of fear at 0.35 read as a plain "afraid"; (b) a covered face, sad words at 0.63, a weak voice and the body read
"sad, uncertain", with the voice's caveat although the label was the words'."""

from __future__ import annotations

from saber_agent.plugins.reasoners import fusion_naming as naming
from tests.support.fusion_cues import cue as _cue
from tests.support.fusion_cues import reason as _reason

VOICE_CAVEAT = "the voice alone tells arousal better than which emotion"


# what the perception tools wrote for the trial's clips (a covered mouth's face is weighted down to ~0.04, face_live)
COVERED_FACE = _cue("face", "happiness", 0.2, 0.036, 0.64)
BODY = _cue("body", None, 0.0, 0.35, 0.15)


def test_a_weak_voice_reading_alone_names_its_label_as_uncertain():
    # (a): negative words that name no class ("Get out of my house like hell", VADER -0.68) and the default voice
    # reading at its ceiling of 0.35: the label rests on the voice alone, which is no finding of which emotion
    words = _cue("words", None, -0.68, 0.59, 0.44)
    answer = _reason(words, _cue("voice", "fear", -0.23, 0.35, 0.59), COVERED_FACE, BODY)
    assert answer.basic_emotion == "fear" and answer.emotions == ["afraid", "uncertain"]
    assert f"it rests on the voice, confidence 0.35: {VOICE_CAVEAT}" in answer.reasoning
    assert _reason(_cue("voice", "anger", -0.4, 0.35, 0.8)).emotions == ["angry", "uncertain"]
    # a trained voice reading that is a finding names its label plainly
    assert _reason(_cue("voice", "anger", -0.4, 0.6, 0.8)).emotions == ["angry"]
    # a calm voice keeps the vote's rule: neutral tells low arousal, and "neutral, uncertain" would be no finding
    assert _reason(_cue("voice", "neutral", 0.0, 0.35, 0.3)).emotions == ["neutral"]


def test_a_weak_voice_reading_does_not_override_clearly_angry_words():
    for voice in (_cue("voice", "fear", -0.23, 0.35, 0.59), _cue("voice", "fear", -0.28, 0.35, 0.43)):
        answer = _reason(_cue("words", "anger", -0.81, 0.78, 0.68), voice, COVERED_FACE, BODY)
        assert answer.basic_emotion == "anger" and answer.emotions == ["angry"], voice


def test_a_weak_voice_whose_arousal_renames_words_says_its_label_is_uncertain():
    # the arousal rule stays (EmoFilm dev m_rab047, anger: sad words, a voice at arousal 0.80), but the label it gives
    # rests on the weak voice: "I am furious with you" said flatly by espeak-ng (voice sadness 0.35, arousal 0.23)
    answer = _reason(_cue("words", "anger", -0.81, 0.78, 0.68), _cue("voice", "sadness", -0.22, 0.35, 0.23), COVERED_FACE, BODY)
    assert answer.emotions == ["sad", "uncertain"] and f"it rests on the voice, confidence 0.35: {VOICE_CAVEAT}" in answer.reasoning


def test_a_label_a_finding_names_is_said_plainly_where_weak_or_signless_cues_pull_the_balance_short():
    # (b): the words' sadness at 0.63 is a finding; the weak voice and the body's signless movement pull the weighed
    # valence under a clear lean, which no longer makes the label uncertain, and no caveat blames the voice
    for voice in (_cue("voice", "neutral", 0.05, 0.35, 0.4), _cue("voice", "fear", -0.12, 0.35, 0.4)):
        answer = _reason(_cue("words", "sadness", -0.3, 0.63, 0.3), voice, BODY, COVERED_FACE)
        assert answer.basic_emotion == "sadness" and answer.emotions == ["sad"], voice
        assert -0.25 <= answer.valence < -0.15 and "voice alone" not in answer.reasoning
        assert "should not be read as a finding" not in answer.reasoning


def test_a_label_another_finding_disputes_stays_uncertain():
    sad_words = _cue("words", "sadness", -0.45, 0.63, 0.3)
    # a confidently neutral face: a finding of neutral, which pulls the balance short of a clear lean
    answer = _reason(sad_words, _cue("face", "neutral", 0.0, 0.8, 0.3))
    assert answer.basic_emotion == "sadness" and "uncertain" in answer.emotions
    assert "it rests on the words' reading, confidence 0.63" in answer.reasoning and "voice" not in answer.reasoning
    # words and face name different negative emotions, each a finding, with a weak voice beside: the vote is split
    split = _reason(_cue("words", "sadness", -0.5, 0.5), _cue("face", "anger", -0.5, 0.5), _cue("voice", "fear", -0.3, 0.35))
    assert "uncertain" in split.emotions


def test_the_caveat_names_what_an_uncertain_label_rests_on():
    weak_words = _reason(_cue("words", "fear", -0.4, 0.32), _cue("voice", "neutral", 0.0, 0.2))
    assert weak_words.emotions == ["afraid", "uncertain"]
    assert "it rests on the words' reading, confidence 0.32" in weak_words.reasoning and VOICE_CAVEAT not in weak_words.reasoning
    # a lean named from a face that names no class: no modality names the label
    lean = _reason(_cue("face", None, -0.5, 0.35, 0.3))
    assert "uncertain" in lean.emotions and "no modality names it: it is read from the weighed lean" in lean.reasoning


def test_backed_and_founded():
    sad = _cue("words", "sadness", -0.45, 0.63)
    weak_voice = _cue("voice", "fear", -0.2, 0.35)
    assert naming.backed({"words": sad}, "sadness") and not naming.backed({"voice": weak_voice}, "fear")
    assert naming.founded({"words": sad, "voice": weak_voice, "body": BODY}, "sadness") is sad
    assert naming.founded({"words": sad, "face": _cue("face", "anger", -0.4, 0.5)}, "sadness") is None  # disputed
    assert naming.founded({"words": sad, "face": _cue("face", None, 0.4, 0.5)}, "sadness") is None  # leans against it
    assert naming.founded({"words": _cue("words", "sadness", -0.2, 0.63)}, "sadness") is None  # does not lean clearly
    assert naming.founded({"voice": weak_voice}, "fear") is None  # only a weak estimate names it
    assert naming.FINDING > 0.35  # the default voice reading's ceiling (`voice_emotion.default_reading`)
