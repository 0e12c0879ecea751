import pytest

from saber_agent.cues import find_conflicts
from saber_agent.evidence import ClipInfo, Evidence, ModalityCue, Slot
from saber_agent.plugins.reasoners.fusion import FusionReasoner
from saber_agent.reasoning import ReasoningRequest


def request(*cues, **slots):
    evidence = Evidence(**{k: Slot(text=v, status="ok") for k, v in slots.items()})
    cues = list(cues)
    return ReasoningRequest(evidence=evidence, clip=ClipInfo(path="x"), cues=cues, conflicts=find_conflicts(cues))


SMILE = ModalityCue(modality="face", valence=0.8, arousal=0.6, emotion="happiness", confidence=0.9, basis="happiness 0.92")
HOSTILE = ModalityCue(modality="words", valence=-0.8, arousal=0.7, emotion="anger", confidence=0.8, basis="hate, ruined, furious")


def test_agreeing_modalities_give_their_emotion():
    warm = ModalityCue(modality="voice", valence=0.4, arousal=0.6, confidence=0.5)
    analysis = FusionReasoner().reason(request(SMILE, warm, facial_exp_desc="A broad smile."))
    assert analysis.basic_emotion == "happiness" and analysis.valence > 0.3
    assert analysis.conflict_explanation is None
    assert "modalities agree" in analysis.reasoning


def test_smile_over_hostile_words_reads_as_sarcasm():
    req = request(SMILE, HOSTILE, facial_exp_desc="A broad smile.", speech_content="I hate this.")
    assert [c.modalities for c in req.conflicts] == [("face", "words")]
    analysis = FusionReasoner().reason(req)
    assert "sarcastic" in analysis.emotions and analysis.valence < 0
    assert "face" in analysis.conflict_explanation and "words" in analysis.conflict_explanation
    assert analysis.weighed and any("face" in w for w in analysis.weighed)


def test_no_cues_is_neutral_and_says_so():
    analysis = FusionReasoner().reason(request())
    assert analysis.basic_emotion == "neutral" and "No modality" in analysis.reasoning


def test_a_near_neutral_voice_does_not_conflict_with_a_smile():
    flat_voice = ModalityCue(modality="voice", valence=-0.06, arousal=0.4, confidence=0.6)
    assert find_conflicts([SMILE, flat_voice]) == []
    analysis = FusionReasoner().reason(request(SMILE, flat_voice))
    assert analysis.valence > 0 and "sarcastic" not in analysis.emotions


BODY = ModalityCue(modality="body", valence=0.0, arousal=0.15, emotion="still", confidence=0.35, basis="still")
SAD_WORDS = ModalityCue(modality="words", valence=-0.93, arousal=0.47, emotion="sadness", confidence=0.82, basis="hopeless")
WEAK_FEAR = ModalityCue(modality="voice", valence=-0.15, arousal=0.45, emotion="fear", confidence=0.35, basis="voice")
FULL_SMILE = ModalityCue(modality="face", valence=0.8, arousal=0.6, emotion="happiness", confidence=1.0, basis="smile")


def test_a_smile_over_sad_words_is_masking_at_the_weighed_valence_not_sarcasm():
    # /tmp/trial2 smile_sad_words.mp4: read "sarcastic, contemptuous (valence -0.56)" though the weights give about 0
    from saber_agent.plugins.checks import CrossModalAgreement, LabelEvidenceAgreement

    req = request(FULL_SMILE, SAD_WORDS, WEAK_FEAR, BODY)
    assert [c.modalities for c in req.conflicts] == [("face", "words")]
    analysis = FusionReasoner().reason(req)
    assert "sarcastic" not in analysis.emotions and "contemptuous" not in analysis.emotions
    assert analysis.emotions == ["bittersweet", "masking sadness"] and analysis.basic_emotion == "sadness"
    weights = [(1.0, 0.8), (0.82, -0.93), (0.8 * 0.35, -0.15), (0.4 * 0.35, 0.0)]
    weighed = sum(w * v for w, v in weights) / sum(w for w, _ in weights)
    assert abs(analysis.valence - weighed) < 0.01
    assert "masking" in analysis.conflict_explanation and "sides with the words" in analysis.conflict_explanation
    assert "over the words' sadness" in analysis.conflict_explanation and "leans nowhere" in analysis.conflict_explanation
    assert CrossModalAgreement().check(req, analysis).passed and LabelEvidenceAgreement().check(req, analysis).passed


def test_a_smile_over_sad_words_with_a_hostile_voice_is_still_sarcasm():
    hostile_voice = ModalityCue(modality="voice", valence=-0.5, arousal=0.8, emotion="anger", confidence=0.5, basis="voice")
    analysis = FusionReasoner().reason(request(FULL_SMILE, SAD_WORDS, hostile_voice))
    assert "sarcastic" in analysis.emotions and analysis.valence < 0


def test_a_smile_that_clearly_outweighs_sad_words_sides_with_the_face():
    faint_sad = SAD_WORDS.model_copy(update={"valence": -0.4, "confidence": 0.4})
    analysis = FusionReasoner().reason(request(FULL_SMILE, faint_sad))
    assert analysis.basic_emotion == "happiness" and analysis.emotions == ["happy", "bittersweet"] and analysis.valence > 0.25
    assert "sides with the face" in analysis.conflict_explanation


def test_a_named_emotion_against_the_weighed_lean_is_uncertain_and_says_so():
    # the trial's "I hope you are right": a barely leaning "fear" voice, positive words naming no emotion
    cues = [ModalityCue(modality="voice", valence=-0.1, arousal=0.45, confidence=0.3, emotion="fear"),
            ModalityCue(modality="words", valence=0.4, arousal=0.5, confidence=0.5)]
    a = FusionReasoner().reason(request(*cues))
    assert a.basic_emotion == "fear" and a.valence > 0  # the weak-lean rule keeps both (EmoFilm dev)
    assert "uncertain" in a.emotions
    assert "disagree; neither is a finding" in a.reasoning and "The modalities agree" not in a.reasoning
    assert "reads neutral (fear)" not in a.reasoning and "fear, barely leaning (valence -0.10)" in a.reasoning


def test_a_named_emotion_of_the_leans_sign_is_not_flagged():
    cues = [ModalityCue(modality="voice", valence=-0.3, arousal=0.7, confidence=0.3, emotion="fear"),
            ModalityCue(modality="words", valence=-0.4, arousal=0.5, confidence=0.5)]
    a = FusionReasoner().reason(request(*cues))
    assert a.basic_emotion == "fear" and a.valence < 0 and "disagree" not in a.reasoning


# The new-user trial's two disagreements between the fusion and the emotion_backing check. The words cues carry what
# text_sentiment (VADER) reads: "It was okay I guess." +0.226, "I suppose it is fine." +0.202, no emotion word.
OKAY = ModalityCue(modality="words", valence=0.226, arousal=0.28, confidence=0.552, basis="the words read positive: okay (+0.9)")
FINE = ModalityCue(modality="words", valence=0.202, arousal=0.27, confidence=0.541, basis="the words read positive: fine (+0.8)")
ANGRY_FACE = ModalityCue(modality="face", valence=-0.6, arousal=0.7, emotion="anger", confidence=0.8,
                         basis="anger facial expression, mean probability 0.70")


def _rounds(req, n=3):
    """The fusion's answers and the emotion_backing outcomes over `n` rounds, each round's critique sent back."""
    from saber_agent.plugins.checks import EmotionBacking

    answers = []
    for rnd in range(1, n + 1):
        analysis = FusionReasoner().reason(req)
        outcome = EmotionBacking().check(req, analysis)
        answers.append((analysis, outcome))
        req = req.model_copy(update={"critique": [] if outcome.passed else [outcome.message], "round": rnd + 1})
    return answers


def test_words_that_lean_but_not_clearly_are_neutral_and_the_backing_check_agrees():
    # "It was okay I guess." alone: the check called +0.23 a clear lean (MIN_LEANING 0.2), the fusion neutral (0.25)
    for analysis, outcome in _rounds(request(OKAY, speech_content="It was okay I guess.")):
        assert analysis.basic_emotion == "neutral" and outcome.passed, outcome.message
    # past the one threshold (cues.CLEAR_LEAN) both read a lean: the fusion names happiness, which the check backs
    clear = OKAY.model_copy(update={"valence": 0.27})
    analysis, outcome = _rounds(request(clear, speech_content="It was okay I guess."), 1)[0]
    assert analysis.basic_emotion == "happiness" and outcome.passed


def test_a_lone_unnamed_lean_is_read_alike_by_the_fusion_and_the_check_at_every_valence():
    from saber_agent.plugins.checks import EmotionBacking

    for valence in [x / 100 for x in range(-90, 91, 1)]:
        req = request(OKAY.model_copy(update={"valence": valence}), speech_content="It was okay I guess.")
        analysis = FusionReasoner().reason(req)
        outcome = EmotionBacking().check(req, analysis)
        assert outcome.passed, (valence, analysis.basic_emotion, outcome.message)


def test_an_angry_face_over_grudging_words_is_anger_the_face_names_not_sadness():
    req = request(ANGRY_FACE, FINE, facial_exp_desc="The face looks angry.", speech_content="I suppose it is fine.")
    assert [c.modalities for c in req.conflicts] == [("face", "words")]
    for analysis, outcome in _rounds(req):
        assert analysis.basic_emotion == "anger" and analysis.emotions == ["angry"] and analysis.valence < -0.25
        assert outcome.passed, outcome.message
        assert "sides with the face, which reads anger" in analysis.conflict_explanation


def test_a_conflict_whose_side_names_no_emotion_falls_back_to_the_valence_and_arousal():
    # the negative voice names nothing: emotion_of's reading of the weighed valence and arousal stands
    loud = ModalityCue(modality="voice", valence=-0.7, arousal=0.8, confidence=0.8, basis="loud, rough")
    glad = ModalityCue(modality="words", valence=0.5, arousal=0.5, emotion="happiness", confidence=0.35, basis="glad")
    req = request(loud, glad)
    assert [c.modalities for c in req.conflicts] == [("voice", "words")]
    analysis = FusionReasoner().reason(req)
    assert analysis.valence < -0.25 and analysis.basic_emotion == "anger" and analysis.emotions == ["angry"]
    assert "sides with" not in analysis.conflict_explanation
    # a weak weighed lean names no side's emotion: the opposite leans cancel
    even = FusionReasoner().reason(request(loud.model_copy(update={"valence": -0.5, "confidence": 0.5}), glad))
    assert abs(even.valence) <= 0.25 and even.basic_emotion == "neutral"


def _failed_checks(req, analysis) -> list[str]:
    from saber_agent.plugins.checks import CrossModalAgreement, EmotionBacking, Grounding, LabelEvidenceAgreement, UnimodalDominance

    checks = (CrossModalAgreement(), Grounding(), UnimodalDominance(), LabelEvidenceAgreement(), EmotionBacking())
    return [f"{c.name}: {o.message}" for c in checks if not (o := c.check(req, analysis)).passed]


def _body_cue(level="little"):
    from saber_agent.plugins.body import BodyTool

    measured = {"regions": {"upper_body": {"level": level, "energy_mean": 0.5}}, "head": {"gestures": []}}
    return BodyTool().cues(Slot(text="body", status="ok", confidence=0.7, measurements=measured))[0]


def test_an_open_vocabulary_emotion_word_is_read_as_its_class_like_the_checks_do():
    # "frustrated" is anger in vocab: fusion said "sad" (it read only the seven class names), which no check backs
    frustrated = ModalityCue(modality="words", valence=-0.8, arousal=0.45, emotion="frustrated", confidence=0.45, basis="ugh")
    req = request(frustrated, _body_cue(), speech_content="Ugh, not again.")
    analysis = FusionReasoner().reason(req)
    assert analysis.basic_emotion == "anger" and not _failed_checks(req, analysis)
    assert "frustrated" in analysis.reasoning  # the word as the tool wrote it is what the reasoning says
    # a word that is no emotion ("tense") is no class: the lean names the emotion as before
    tense = frustrated.model_copy(update={"emotion": "tense"})
    assert FusionReasoner().reason(request(tense)).basic_emotion in ("anger", "sadness")


def test_a_lean_only_weak_estimates_give_names_no_emotion():
    # under MIN_CONFIDENCE an estimate is no finding (no conflict is named on it, and it backs no emotion): "sad" was
    # named from a lone weak lean, and failed emotion_backing in every round
    weak = ModalityCue(modality="words", valence=-0.65, arousal=0.3, confidence=0.28, basis="bad")
    req = request(weak, speech_content="Bad.")
    analysis = FusionReasoner().reason(req)
    assert analysis.basic_emotion == "neutral" and analysis.valence == -0.65 and not _failed_checks(req, analysis)
    assert "Only weak estimates" in analysis.reasoning
    # the same lean at a confident estimate names sadness, as before
    sure = FusionReasoner().reason(request(weak.model_copy(update={"confidence": 0.6})))
    assert sure.basic_emotion == "sadness" and "Only weak estimates" not in sure.reasoning


def test_a_confident_clear_lean_pulled_under_by_weak_or_signless_cues_names_its_emotion():
    glad = ModalityCue(modality="words", valence=0.44, arousal=0.5, confidence=0.35, basis="nice")
    busy = ModalityCue(modality="voice", valence=-0.51, arousal=0.6, emotion="engaged", confidence=0.26, basis="F0")
    req = request(glad, busy)
    analysis = FusionReasoner().reason(req)
    assert abs(analysis.valence) < 0.25 and analysis.basic_emotion == "happiness" and not _failed_checks(req, analysis)
    assert "the words, a confident estimate, leans clearly" in analysis.reasoning
    # a still body's zero is no reading of neutral: it pulled "It went badly" to neutral
    bad = ModalityCue(modality="words", valence=-0.35, arousal=0.3, confidence=0.31, basis="badly")
    req = request(bad, _body_cue())
    analysis = FusionReasoner().reason(req)
    assert analysis.basic_emotion == "sadness" and not _failed_checks(req, analysis)
    # a modality that reads neutral no longer keeps the balance neutral against a confident clear lean (neutral is a
    # finding, not the fallback for unsure: `checking.against_neutral`): the lean names its emotion, said uncertain
    calm_face = ModalityCue(modality="face", valence=0.0, arousal=0.2, emotion="neutral", confidence=0.9, basis="neutral face")
    req = request(bad, calm_face)
    analysis = FusionReasoner().reason(req)
    assert analysis.basic_emotion == "sadness" and "uncertain" in analysis.emotions and not _failed_checks(req, analysis)
    assert abs(analysis.valence) < 0.25 and "does not outweigh a confident clear lean" in analysis.reasoning
    # ... and keeps it neutral where the lean is not confident (under MIN_CONFIDENCE) or not clear (|valence| <= CLEAR_LEAN)
    for faint in (bad.model_copy(update={"confidence": 0.29}), bad.model_copy(update={"valence": -0.25})):
        req = request(faint, calm_face)
        analysis = FusionReasoner().reason(req)
        assert analysis.basic_emotion == "neutral" and not _failed_checks(req, analysis), faint


def test_a_neutral_face_and_voice_do_not_outvote_confidently_happy_words():
    """Neutral is a finding, not the fallback for unsure (issue 17): a neutral face and voice outvoted happy words
    (+0.4 at confidence 0.6) into "neutral", which the emotion_backing check now fails (`checking.against_neutral`).
    The fusion names the words' happiness and, as the balance (+0.16) does not lean clearly, says it is uncertain."""
    from saber_agent.plugins.checks import EmotionBacking

    face = ModalityCue(modality="face", valence=0.0, arousal=0.3, emotion="neutral", confidence=0.7, basis="neutral 0.70")
    voice = ModalityCue(modality="voice", valence=0.02, arousal=0.3, emotion="neutral", confidence=0.35, basis="flat")
    nice = ModalityCue(modality="words", valence=0.4, arousal=0.5, emotion="happiness", confidence=0.6, basis="nice")
    req = request(face, voice, nice)
    analysis = FusionReasoner().reason(req)
    assert analysis.basic_emotion == "happiness" and "uncertain" in analysis.emotions and 0 < analysis.valence < 0.25
    assert not _failed_checks(req, analysis) and "should not be read as a finding" in analysis.reasoning
    assert "Neutral is ruled out: the words lean clearly (valence +0.40, confidence 0.60)" in analysis.reasoning
    assert not EmotionBacking().check(req, analysis.model_copy(update={"basic_emotion": "neutral"})).passed
    # where the words read neutral too, neutral is the finding
    calm = nice.model_copy(update={"valence": 0.1, "emotion": "neutral"})
    req = request(face, voice, calm)
    analysis = FusionReasoner().reason(req)
    assert analysis.basic_emotion == "neutral" and "uncertain" not in analysis.emotions and not _failed_checks(req, analysis)


def test_a_surprised_face_over_a_sad_voice_is_surprise_not_a_smile():
    # a positive face that reads surprise, clearly outweighing a sad voice: fusion named happiness and wrote
    # "the smile", which the face never showed (grounding) and no modality reads (emotion_backing)
    surprised = ModalityCue(modality="face", valence=0.87, arousal=0.5, emotion="surprise", confidence=0.79, basis="surprise")
    sad = ModalityCue(modality="voice", valence=-0.42, arousal=0.3, emotion="sadness", confidence=0.315, basis="low")
    req = request(surprised, sad, facial_exp_desc="Raised brows, open mouth.")
    assert [c.modalities for c in req.conflicts] == [("face", "voice")]
    analysis = FusionReasoner().reason(req)
    assert analysis.basic_emotion == "surprise" and not _failed_checks(req, analysis)
    weak = sad.model_copy(update={"valence": -0.7, "confidence": 0.9})  # the voice not outweighed: masking sadness
    masked = FusionReasoner().reason(request(surprised, weak, facial_exp_desc="Raised brows."))
    assert masked.basic_emotion == "sadness" and "smile" not in masked.conflict_explanation
    assert "positive face" in masked.conflict_explanation
    smiled = FusionReasoner().reason(request(SMILE, weak, facial_exp_desc="A broad smile."))
    assert "the smile" in smiled.conflict_explanation  # where the evidence shows one, it is said


def test_a_voice_renames_only_to_a_class_it_reads_nearly_as_much_as_its_top_one():
    # the conclusion leans positive against the voice's "fear": renamed to the voice's most probable positive class
    # only where that class has at least half the top probability (the check's runner-up rule), else kept, uncertain
    probs = {"fear": 0.5, "happiness": 0.05, "neutral": 0.45, "anger": 0.0, "disgust": 0.0, "sadness": 0.0, "surprise": 0.0}
    voice = ModalityCue(modality="voice", valence=-0.18, arousal=0.8, emotion="fear", confidence=0.34, basis="voice reading")
    face = ModalityCue(modality="face", valence=0.9, arousal=0.8, emotion="surprise", confidence=0.24, basis="surprise")

    def req(p):
        evidence = Evidence(acoustic_feat=Slot(text="voice", status="ok", measurements={"voice_emotion": {"probabilities": p}}),
                            facial_exp_desc=Slot(text="face", status="ok"))
        return ReasoningRequest(evidence=evidence, clip=ClipInfo(path="x"), cues=[voice, face], conflicts=find_conflicts([voice, face]))

    kept = FusionReasoner().reason(req(probs))
    assert kept.valence > 0.25 and kept.basic_emotion == "fear" and "uncertain" in kept.emotions
    assert not _failed_checks(req(probs), kept)
    torn = dict(probs, happiness=0.3, neutral=0.2)
    renamed = FusionReasoner().reason(req(torn))
    assert renamed.basic_emotion == "happiness" and not _failed_checks(req(torn), renamed)


def test_a_weak_lean_stays_short_of_a_clear_one():
    from saber_agent.cues import CLEAR_LEAN, VALENCE_OF, leans_clearly
    from saber_agent.plugins.reasoners.fusion import weak_lean

    assert {e: weak_lean(e) for e in VALENCE_OF} == {"anger": 0.24, "disgust": 0.2, "fear": 0.24, "happiness": 0.24,
                                                     "sadness": 0.24, "surprise": 0.2, "neutral": 0.2}
    assert not any(leans_clearly(weak_lean(e)) for e in VALENCE_OF) and max(map(weak_lean, VALENCE_OF)) < CLEAR_LEAN


def test_no_agreement_beside_neutral_ruled_out():
    face = ModalityCue(modality="face", valence=0.0, arousal=0.3, emotion="neutral", confidence=0.9, basis="neutral 0.90")
    glad = ModalityCue(modality="words", valence=0.5, arousal=0.5, emotion="happiness", confidence=0.6, basis="glad")
    analysis = FusionReasoner().reason(request(face, glad))
    assert "Neutral is ruled out" in analysis.reasoning and "uncertain" in analysis.emotions
    assert "The modalities agree" not in analysis.reasoning


def test_agreement_only_where_every_signed_modality_reads_the_conclusions_side():
    neutral_face = ModalityCue(modality="face", valence=0.0, arousal=0.3, emotion="neutral", confidence=0.9, basis="neutral")
    happy_words = ModalityCue(modality="words", valence=0.6, arousal=0.5, emotion="happiness", confidence=0.8, basis="glad")
    analysis = FusionReasoner().reason(request(neutral_face, happy_words))
    assert analysis.basic_emotion == "happiness" and "The modalities agree" not in analysis.reasoning
    warm = ModalityCue(modality="voice", valence=0.4, arousal=0.6, confidence=0.5)
    analysis = FusionReasoner().reason(request(SMILE, warm, BODY))  # the body's movement has no sign: set aside
    assert "The modalities agree (the body's movement carries no sign)." in analysis.reasoning


def _heard(req, voices: int):
    """`req` with the acoustic slot's measured voice count (`saber_agent.voices_heard`)."""
    slot = Slot(text="The voice has a moderate pitch.", status="ok", measurements={"voices_heard": voices})
    return req.model_copy(update={"evidence": req.evidence.with_slots({"acoustic_feat": slot})})


def test_several_voices_flag_the_whole_clip_and_no_conflict_is_one_persons_sarcasm():
    # trial B offscreen.mp4: a smiling speaker and an off-screen one saying hostile things, read "sarcastic, contemptuous"
    from saber_agent.plugins.checks import CrossModalAgreement, EmotionBacking, Grounding, LabelEvidenceAgreement

    req = _heard(request(SMILE, HOSTILE, facial_exp_desc="A broad smile.", speech_content="I hate this."), 2)
    analysis = FusionReasoner().reason(req)
    assert analysis.voices_heard == 2 and analysis.notes and analysis.notes[0].startswith("2 voices heard: the emotion mixes")
    assert "--segment utterances" in analysis.notes[0] and analysis.reasoning.startswith(analysis.notes[0])
    assert "sarcastic" not in analysis.emotions and "contemptuous" not in analysis.emotions
    assert "different people's" in analysis.conflict_explanation and "by sarcasm" not in analysis.reasoning
    for check in (CrossModalAgreement(), EmotionBacking(), Grounding(), LabelEvidenceAgreement()):
        assert check.check(req, analysis).passed, check.name
    one = FusionReasoner().reason(_heard(request(SMILE, HOSTILE, facial_exp_desc="A broad smile."), 1))
    assert "sarcastic" in one.emotions and one.voices_heard is None and one.notes == [] and "voices heard" not in one.reasoning


def test_several_voices_read_mixed_words_as_mixed_not_irony():
    mixed = ModalityCue(modality="words", valence=0.3, arousal=0.5, emotion="happiness", confidence=0.6, basis="love waiting",
                        mixed="praise of waiting")
    analysis = FusionReasoner().reason(_heard(request(mixed), 3))
    assert analysis.emotions != ["ironic", "annoyed"] and "read as mixed" in analysis.conflict_explanation
    assert analysis.reasoning.startswith("3 voices heard")
    assert FusionReasoner().reason(request(mixed)).emotions == ["ironic", "disgusted"]  # no count: as before (arousal 0.5)


@pytest.mark.parametrize("reading", ["sarcasm", "irony"])
def test_one_label_set_names_one_basic_class_whatever_the_arousal(reading):
    # trial C half_silent.mp4: "sarcastic, contemptuous" was disgust as a whole clip (arousal under 0.6) and anger
    # for its one utterance (over it): the basic class followed the arousal and the labels did not
    from saber_agent.vocab import to_basic

    seen: dict[tuple[str, ...], set[str]] = {}
    for arousal in (0.2, 0.45, 0.55, 0.65, 0.9):
        if reading == "sarcasm":
            cues = [ModalityCue(modality="face", valence=0.7, arousal=0.3, emotion="happiness", confidence=0.8, basis="smile"),
                    ModalityCue(modality="words", valence=-0.7, arousal=arousal, emotion=None, confidence=0.8, basis="go away")]
        else:
            cues = [ModalityCue(modality="words", valence=0.3, arousal=arousal, emotion="happiness", confidence=0.6,
                                basis="love waiting", mixed="praise of waiting")]
        request = ReasoningRequest(evidence=Evidence(), clip=ClipInfo(path="x.wav"), cues=cues, conflicts=find_conflicts(cues))
        analysis = FusionReasoner().reason(request)
        seen.setdefault(tuple(analysis.emotions), set()).add(analysis.basic_emotion)
        assert analysis.basic_emotion in {to_basic(e) for e in analysis.emotions}  # the set holds a word of its class
    assert len(seen) == 2 and all(len(b) == 1 for b in seen.values()), seen


@pytest.mark.parametrize("hostile", ["anger", "disgust"])
def test_sarcasm_names_the_class_the_hostile_words_name_whatever_the_arousal(hostile):
    # trial C half_silent.mp4: a smile over "I am furious" (words: anger) read disgust as a whole clip (arousal 0.58)
    # and anger for its one utterance (0.62)
    for arousal in (0.4, 0.58, 0.62, 0.9):
        cues = [ModalityCue(modality="face", valence=0.7, arousal=0.3, emotion="happiness", confidence=0.8, basis="smile"),
                ModalityCue(modality="words", valence=-0.53, arousal=arousal, emotion=hostile, confidence=0.65, basis="furious")]
        analysis = FusionReasoner().reason(request(*cues))
        assert analysis.basic_emotion == hostile and analysis.emotions[0] == "sarcastic", (arousal, analysis.emotions)

