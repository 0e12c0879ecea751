"""A face that is a still picture under a voice (`face_live.still_under_speech`) names no emotion against the voice or
the words (`fusion_naming.against_still`). Trial H: EmoFilm speech over a photo of a smiling face, segment mode: an
angry line (voice anger at 0.12, the photo's smile discounted to 0.10, words with no emotional word) read "happy,
uncertain" while the Speakers section said the picture was still."""

from __future__ import annotations

from saber_agent.evidence import ModalityCue, Slot, SlotStatus
from saber_agent.plugins.face import FaceTool
from saber_agent.plugins.face_live import DISCOUNT
from saber_agent.plugins.reasoners import fusion_naming as naming
from tests.support.fusion_cues import cue as _cue
from tests.support.fusion_cues import reason as _reason

NOT_TAKEN = "the still picture's expression was not taken as the speaker's"


def _face(dominant: str, probability: float, still: bool, confidence: float = 1.0) -> ModalityCue:
    """The face tool's own cue (`FaceTool.cues`) of a slot's measurements, marked a still cover under a voice or not."""
    rest = (1.0 - probability) / 6
    mean = {e: rest for e in ("anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral")}
    mean[dominant] = probability
    m = {"mean_probabilities": mean, "dominant": dominant,
         "dominant_probability": probability, "frames_with_face": 3, "still_image": False,
         "not_live": ({"frames_in_speech": 3, "speech_s": 1.6, "picture_still": True, "factor": DISCOUNT["still_under_speech"]}
                      if still else None), "mouth_hidden": None}
    slot = Slot(text="face evidence", status=SlotStatus.ok, measurements=m, confidence=confidence)
    return FaceTool().cues(slot)[0]


# trial H utterance 2's other cues, as the tools wrote them
ANGRY_VOICE = _cue("voice", "anger", -0.47, 0.124, 1.0)
NO_EMOTION_WORDS = _cue("words", "neutral", 0.0, 0.251, 0.2)
BODY = _cue("body", None, 0.0, 0.35, 0.15)


def test_the_face_tool_marks_a_still_cover_and_the_fusion_reads_the_mark():
    still, live = _face("happiness", 1.0, still=True), _face("happiness", 1.0, still=False, confidence=0.1)
    assert still.confidence == live.confidence == 0.1  # the same weight: only the mark tells them apart
    assert naming.still_cover(still) and not naming.still_cover(live)


def test_a_still_smile_names_nothing_against_an_angry_voice():
    answer = _reason(_face("happiness", 1.0, still=True), ANGRY_VOICE, NO_EMOTION_WORDS, BODY)
    assert answer.basic_emotion == "anger" and answer.emotions == ["angry", "uncertain"] and answer.valence < 0
    assert NOT_TAKEN in answer.reasoning and "the voice's negative reading" in answer.reasoning
    assert any(line.startswith("face: a still picture under a voice") for line in answer.weighed)
    # a live face of the same weight still weighs and names: the rule reads the mark, not the confidence
    live = _reason(_face("happiness", 1.0, still=False, confidence=0.1), ANGRY_VOICE, NO_EMOTION_WORDS, BODY)
    assert live.basic_emotion == "happiness" and NOT_TAKEN not in live.reasoning


def test_a_still_smile_names_nothing_over_negative_words_that_name_no_emotion():
    words = _cue("words", None, -0.6, 0.5, 0.4)
    answer = _reason(_face("happiness", 1.0, still=True, confidence=0.4), words, BODY)
    assert answer.basic_emotion != "happiness" and answer.valence < 0 and NOT_TAKEN in answer.reasoning
    assert "the words' negative reading" in answer.reasoning


def test_a_still_face_of_the_voices_sign_or_with_nothing_heard_against_it_stays():
    # it agrees with the voice: context, weighed as before
    sad = _reason(_face("sadness", 0.9, still=True), _cue("voice", "sadness", -0.4, 0.3, 0.3), BODY)
    assert sad.basic_emotion == "sadness" and NOT_TAKEN not in sad.reasoning
    assert any(line.startswith("face: valence") for line in sad.weighed)
    # words with no emotional word and no voice reading: nothing reads against it, so it is what there is to read
    alone = _reason(_face("happiness", 1.0, still=True), NO_EMOTION_WORDS, BODY)
    assert alone.basic_emotion == "happiness" and "uncertain" in alone.emotions and NOT_TAKEN not in alone.reasoning
