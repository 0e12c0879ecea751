from saber_agent.cues import find_conflicts
from saber_agent.evidence import Analysis, ClipInfo, Evidence, ModalityCue, Slot
from saber_agent.plugins.checks import (
    CrossModalAgreement,
    EmotionBacking,
    Grounding,
    LabelEvidenceAgreement,
    UnimodalDominance,
)
from saber_agent.reasoning import ReasoningRequest

SMILE = ModalityCue(modality="face", valence=0.8, confidence=0.9, emotion="happiness")
HOSTILE = ModalityCue(modality="words", valence=-0.8, confidence=0.8, emotion="anger")


def make_request(cues):
    evidence = Evidence(
        facial_exp_desc=Slot(text="The speaker smiles broadly; happiness 0.92.", status="ok"),
        speech_content=Slot(text="I hate this, you ruined everything.", status="ok"),
    )
    return ReasoningRequest(evidence=evidence, clip=ClipInfo(path="x"), cues=cues, conflicts=find_conflicts(cues))


def test_unnamed_conflict_fails_and_named_one_passes():
    req = make_request([SMILE, HOSTILE])
    assert not CrossModalAgreement().check(req, Analysis()).passed
    named = Analysis(conflict_explanation="The face smiles while the words are hostile: sarcasm.")
    assert CrossModalAgreement().check(req, named).passed


def test_grounding_catches_invented_cues():
    req = make_request([SMILE])
    invented = Analysis(reasoning="Her tears show deep sadness.", cues_cited={"face": ["tears streaming down"]})
    outcome = Grounding().check(req, invented)
    assert not outcome.passed and "tears" in outcome.details["invented"]
    grounded = Analysis(reasoning="The speaker smiles broadly.", cues_cited={"face": ["speaker smiles broadly"]})
    assert Grounding().check(req, grounded).passed


def test_unimodal_dominance():
    req = make_request([SMILE, HOSTILE])
    face_only = Analysis(reasoning="She is smiling, so she is happy.", cues_cited={"face": ["smiles"]})
    assert not UnimodalDominance().check(req, face_only).passed
    both = Analysis(reasoning="She smiles but her words are hostile.", cues_cited={"face": ["smiles"], "words": ["I hate this"]})
    assert UnimodalDominance().check(req, both).passed


def test_label_evidence_agreement():
    req = make_request([HOSTILE])
    assert not LabelEvidenceAgreement().check(req, Analysis(valence=0.9)).passed
    assert LabelEvidenceAgreement().check(req, Analysis(valence=-0.6)).passed


def test_grounding_reads_chinese_cues_by_character_bigrams():
    evidence = Evidence(speech_content=Slot(text="你怎么又迟到了？我真的很生气。", status="ok"),
                        facial_exp_desc=Slot(text="说话人眉头紧锁，表情愤怒。", status="ok"))
    req = ReasoningRequest(evidence=evidence, clip=ClipInfo(path="x"))
    quoted = Analysis(reasoning="她很生气。", cues_cited={"words": ["我真的很生气"], "face": ["眉头紧锁"]})
    assert Grounding().check(req, quoted).passed
    invented = Analysis(reasoning="她在哭。", cues_cited={"face": ["泪流满面，放声大哭"]})
    assert not Grounding().check(req, invented).passed


def test_an_explained_conflict_lets_the_conclusion_side_with_a_modality_not_go_past_all():
    smile = ModalityCue(modality="face", valence=0.6, confidence=0.9, emotion="happiness")
    tense = ModalityCue(modality="voice", valence=-0.3, confidence=0.9, emotion="anger")
    req = make_request([smile, tense])
    assert req.conflicts, "the test needs a detected conflict"
    explained = "face vs voice: the smile is polite, the tense voice is the feeling"
    sides_with_voice = LabelEvidenceAgreement().check(req, Analysis(valence=-0.5, conflict_explanation=explained))
    assert sides_with_voice.passed
    past_all = LabelEvidenceAgreement().check(req, Analysis(valence=-0.95, conflict_explanation=explained))
    assert not past_all.passed and past_all.details["modality_range"] == [-0.3, 0.6]
    unexplained = LabelEvidenceAgreement().check(req, Analysis(valence=-0.5))
    assert not unexplained.passed


def test_words_read_as_irony_may_reverse_their_own_valence():
    praise = ModalityCue(modality="words", valence=0.5, confidence=0.8, emotion="happiness",
                         mixed="praises a bad event: 'love' with 'wasting'")
    req = make_request([praise])
    assert req.conflicts and req.conflicts[0].modalities == ("words", "words")
    ironic = Analysis(valence=-0.7, conflict_explanation="mixed words (possible irony): love said of wasting time")
    assert LabelEvidenceAgreement().check(req, ironic).passed


# -- emotion_backing: the emotion named is one some modality reads, or a named conflict explains it --------------

SAD_WORDS = ModalityCue(modality="words", valence=-0.6, arousal=0.3, confidence=0.8, emotion="sadness", basis="miss her")
CALM_VOICE = ModalityCue(modality="voice", valence=-0.05, arousal=0.3, confidence=0.5, emotion="neutral", basis="flat")


def smile_over_sad_words():
    """The llama.cpp 1.5B's clip: a smiling face, sad words, a neutral-ish voice; face vs words conflict."""
    req = make_request([SMILE, SAD_WORDS, CALM_VOICE])
    assert [c.modalities for c in req.conflicts] == [("face", "words")], "the case needs the face vs words conflict"
    return req


def test_an_emotion_no_modality_reads_fails_and_says_what_would_back_it():
    req = smile_over_sad_words()
    # the reasoner's answer: anger, the conflict named (so cross_modal_agreement passes) but read as nothing
    anger = Analysis(basic_emotion="anger", emotions=["anger"], valence=-0.5,
                     reasoning="The face smiles but the words are sad.",
                     conflict_explanation="face vs words: a positive face over negative words suggests sarcasm, irony or masking")
    assert CrossModalAgreement().check(req, anger).passed
    outcome = EmotionBacking().check(req, anger)
    assert not outcome.passed
    for said in ("face reads happiness", "words read sadness", "voice reads neutral"):
        assert said in outcome.message, outcome.message
    assert "(happiness, neutral, sadness)" in outcome.message  # what a modality reads: the answers that would pass
    # no sarcasm offered: the round that answers this decodes only `backed_emotions`, which has no anger here
    assert "sarcasm" not in outcome.message
    assert outcome.details["readings"] == {"face": ["happiness"], "voice": ["neutral"], "words": ["sadness"]}


def test_an_emotion_a_modality_reads_passes():
    req = smile_over_sad_words()
    sad = Analysis(basic_emotion="sadness", valence=-0.3, conflict_explanation="face vs words: the smile masks the grief")
    outcome = EmotionBacking().check(req, sad)
    assert outcome.passed and outcome.details["backed_by"] == ["words"]
    # an alias counts: a words cue that says "hostile" reads anger
    hostile = ModalityCue(modality="words", valence=-0.7, confidence=0.8, emotion="hostile")
    assert EmotionBacking().check(make_request([hostile]), Analysis(basic_emotion="anger")).passed


def test_sarcasm_the_analysis_commits_to_passes_and_a_copied_hedge_does_not():
    req = smile_over_sad_words()
    sarcastic = Analysis(basic_emotion="anger", valence=-0.5,
                         conflict_explanation="face vs words: the smile is sarcastic, mocking what she says")
    assert EmotionBacking().check(req, sarcastic).passed
    # the same commitment in the open-vocabulary labels
    labelled = Analysis(basic_emotion="disgust", emotions=["sarcastic"], conflict_explanation="face vs words: smile over grief")
    assert EmotionBacking().check(req, labelled).passed
    # sarcasm read into a conflict the analysis does not name explains nothing
    unnamed = Analysis(basic_emotion="anger", conflict_explanation="the smile is sarcastic")
    assert not EmotionBacking().check(req, unnamed).passed
    # sarcasm backs contempt and annoyance, not fear
    afraid = Analysis(basic_emotion="fear", conflict_explanation="face vs words: the smile is sarcastic")
    assert not EmotionBacking().check(req, afraid).passed


def test_a_word_that_only_contains_an_irony_stem_commits_to_nothing():
    req = smile_over_sad_words()
    # "environment" holds "iron", "hammock" "mock": neither reads the conflict as irony
    for said in ("face vs words: the environment looks calm", "face vs words: she smiles from a hammock"):
        assert not EmotionBacking().check(req, Analysis(basic_emotion="anger", conflict_explanation=said)).passed, said
    # the words themselves, and a Chinese run that holds one (反讽 inside 他在反讽), still commit
    for said in ("face vs words: ironically she smiles", "face vs words: 他在反讽"):
        assert EmotionBacking().check(req, Analysis(basic_emotion="anger", conflict_explanation=said)).passed, said


def test_mixed_words_named_as_irony_back_anger():
    praise = ModalityCue(modality="words", valence=0.5, confidence=0.8, emotion="happiness",
                         mixed="praises a bad event: 'love' with 'wasting'")
    req = make_request([praise])
    ironic = Analysis(basic_emotion="anger", valence=-0.6,
                      conflict_explanation="mixed words (possible irony): love said of wasting time")
    assert EmotionBacking().check(req, ironic).passed
    assert not EmotionBacking().check(req, Analysis(basic_emotion="anger", valence=-0.6)).passed


def test_words_of_opposite_sentences_named_do_not_back_anger_as_irony():
    """Love in one sentence and hate in the next (plugins/sentiment_mixed.py) are mixed feelings or two speakers, not
    one clause's irony: naming that conflict does not back an anger answer (it did: any mixed words passed)."""
    from saber_agent.cues import MIXED_SENTENCES

    both = ModalityCue(modality="words", valence=0.03, confidence=0.45, emotion=None,
                       mixed=f"{MIXED_SENTENCES}: 'I love you so much' (happiness) and 'I hate you' (anger)")
    req = make_request([both])
    named = Analysis(basic_emotion="anger", valence=-0.6, conflict_explanation="mixed words (opposite sentences): love, then hate")
    outcome = EmotionBacking().check(req, named)
    assert not outcome.passed and "read as sarcasm or irony" not in outcome.message


def test_a_lean_without_a_named_emotion_backs_emotions_of_its_sign():
    tense = ModalityCue(modality="voice", valence=-0.4, arousal=0.8, confidence=0.6, emotion="agitated", basis="loud")
    req = make_request([tense])
    weighed = Analysis(basic_emotion="anger", reasoning="The voice is loud and tense.")
    assert EmotionBacking().check(req, weighed).passed
    assert not EmotionBacking().check(req, Analysis(basic_emotion="happiness", reasoning="The voice is loud.")).passed
    # the lean counts only where the analysis says it weighed that modality
    assert not EmotionBacking().check(req, Analysis(basic_emotion="anger", reasoning="She is angry.")).passed


def test_neutral_needs_backing_only_where_a_modality_leans():
    faint = ModalityCue(modality="face", valence=0.1, confidence=0.9, emotion="surprise")
    assert EmotionBacking().check(make_request([faint]), Analysis(basic_emotion="neutral")).passed
    outcome = EmotionBacking().check(make_request([SMILE]), Analysis(basic_emotion="neutral"))
    assert not outcome.passed and "face reads happiness" in outcome.message
    # opposite leans of a named conflict may cancel out
    req = make_request([SMILE, HOSTILE])
    balanced = Analysis(basic_emotion="neutral", conflict_explanation="face vs words: the smile and the words cancel")
    assert EmotionBacking().check(req, balanced).passed


def test_no_cue_is_not_applicable_not_a_failure():
    outcome = EmotionBacking().check(make_request([]), Analysis(basic_emotion="anger"))
    assert outcome.passed and outcome.details["applicable"] is False and "not applicable" in outcome.message


def test_emotion_backing_runs_by_default():
    from saber_agent.registry import get_registry

    assert isinstance(get_registry().checks.get("emotion_backing"), EmotionBacking)


def test_backed_emotions_are_the_ones_the_check_passes():
    from saber_agent.plugins.checks import backed_emotions

    req = smile_over_sad_words()
    # the answer a grammar can guarantee (the conflict named by its label, read as nothing): what a modality reads
    assert backed_emotions(req) == ["happiness", "neutral", "sadness"]
    # an analysis given: its own words count, so one that commits to sarcasm is backed in anger too
    sarcastic = Analysis(conflict_explanation="face vs words: the smile is sarcastic")
    assert backed_emotions(req, sarcastic) == ["anger", "disgust", "happiness", "neutral", "sadness"]
    for emotion in ("anger", "fear", "surprise"):
        assert not EmotionBacking().check(req, Analysis(basic_emotion=emotion, conflict_explanation="face vs words: x")).passed
    assert backed_emotions(make_request([])) == ["anger", "disgust", "fear", "happiness", "neutral", "sadness", "surprise"]


def test_the_critique_offers_only_what_the_restricted_round_can_answer():
    """The critique of a failed emotion_backing and the emotions a structured reasoner's next round may name
    (`backed_emotions(request)`) agree: every emotion the critique calls backed is in that list, and no option
    the list closes (sarcasm over a cross-modal conflict) is offered."""
    from saber_agent.evidence import BASIC_EMOTIONS
    from saber_agent.plugins.checks import backed_emotions

    req = smile_over_sad_words()
    backed = backed_emotions(req)
    for emotion in set(BASIC_EMOTIONS) - set(backed):
        outcome = EmotionBacking().check(req, Analysis(basic_emotion=emotion, conflict_explanation="face vs words: x"))
        assert not outcome.passed
        named = outcome.message.split("an emotion a modality reads (", 1)[1].split(")", 1)[0].split(", ")
        assert set(named) <= set(backed), (emotion, outcome.message)
        assert "sarcasm" not in outcome.message and "irony" not in outcome.message, outcome.message


def test_neutral_is_ruled_out_only_by_a_clear_lean_the_fusions_threshold():
    # the new-user trial: "It was okay I guess." (VADER +0.226, no emotion word) alone, which the fusion reads neutral;
    # the check called any lean of MIN_LEANING (0.2) or more clear and failed it in every round
    from saber_agent.cues import CLEAR_LEAN, MIN_LEANING

    assert MIN_LEANING < 0.226 <= CLEAR_LEAN
    okay = ModalityCue(modality="words", valence=0.226, arousal=0.28, confidence=0.552, basis="okay (+0.9)")
    assert EmotionBacking().check(make_request([okay]), Analysis(basic_emotion="neutral")).passed
    clear = okay.model_copy(update={"valence": 0.27})
    outcome = EmotionBacking().check(make_request([clear]), Analysis(basic_emotion="neutral"))
    assert not outcome.passed and "leans clearly (|valence| > 0.25)" in outcome.message
    # a lean below the clear one still backs an emotion of its sign where the analysis weighed it
    assert EmotionBacking().check(make_request([okay]), Analysis(basic_emotion="happiness", reasoning="The words read okay.")).passed


def test_an_angry_face_over_grudging_words_backs_anger_not_sadness():
    # the trial's angry face (FER anger 0.8) over "I suppose it is fine." (VADER +0.202, no emotion word): the fusion
    # answered sadness from the valence and arousal alone, which nothing reads
    from saber_agent.plugins.checks import backed_emotions

    face = ModalityCue(modality="face", valence=-0.6, arousal=0.7, emotion="anger", confidence=0.8, basis="anger 0.70")
    fine = ModalityCue(modality="words", valence=0.202, arousal=0.27, confidence=0.541, basis="fine (+0.8)")
    req = make_request([face, fine])
    assert [c.modalities for c in req.conflicts] == [("face", "words")]
    explained = Analysis(conflict_explanation="face vs words: the conclusion sides with the face", reasoning="the face and words")
    assert not EmotionBacking().check(req, explained.model_copy(update={"basic_emotion": "sadness"})).passed
    assert EmotionBacking().check(req, explained.model_copy(update={"basic_emotion": "anger"})).passed
    assert "anger" in backed_emotions(req) and "sadness" not in backed_emotions(req)


def test_a_still_body_does_not_back_neutral_against_an_angry_face():
    """The body's cue names no emotion (its activity word "calm" is in the basis): it backs no neutral reading."""
    from saber_agent.plugins.body import BodyTool

    angry = ModalityCue(modality="face", valence=-0.7, confidence=0.8, emotion="anger")
    measured = {"regions": {"upper_body": {"level": "slight", "energy_mean": 0.8}}, "head": {"gestures": []}}
    still = BodyTool().cues(Slot(text="body", status="ok", confidence=0.5, measurements=measured))[0]
    assert still.emotion is None and "calm" in still.basis
    req = make_request([angry, still])
    outcome = EmotionBacking().check(req, Analysis(basic_emotion="neutral", valence=0.0))
    assert not outcome.passed and "body" not in outcome.details.get("backed_by", [])
    assert EmotionBacking().check(req, Analysis(basic_emotion="anger", valence=-0.6)).passed
    # a calm voice still backs neutral where nothing leans clearly
    calm_voice = ModalityCue(modality="voice", valence=0.0, confidence=0.4, emotion="neutral")
    assert EmotionBacking().check(make_request([calm_voice, still]), Analysis(basic_emotion="neutral")).passed


# -- neutral is a finding, not the fallback for unsure (issue 17): a confident clear lean to another emotion rules it out

NEUTRAL_FACE = ModalityCue(modality="face", valence=0.0, arousal=0.3, emotion="neutral", confidence=0.7, basis="neutral 0.70")
NEUTRAL_VOICE = ModalityCue(modality="voice", valence=0.02, arousal=0.3, emotion="neutral", confidence=0.35, basis="flat")
HAPPY_WORDS = ModalityCue(modality="words", valence=0.93, arousal=0.6, emotion="happiness", confidence=0.8, basis="wonderful")


def voice_request(cues, probabilities):
    """`make_request` with the voice reading's probabilities in the acoustic slot, where the checks read them."""
    req = make_request(cues)
    acoustic = Slot(text="A loud, harsh voice.", status="ok", measurements={"voice_emotion": {"probabilities": probabilities}})
    return req.model_copy(update={"evidence": req.evidence.model_copy(update={"acoustic_feat": acoustic})})


def test_neutral_fails_over_confident_happy_words_whatever_else_reads_neutral():
    """The trial's 1.5B answer: "neutral" for "Oh wonderful, I am so happy to see you" (words happiness +0.93 at
    confidence 0.80) over a neutral face and voice. It passed: a modality reading neutral backed neutral first."""
    from saber_agent.plugins.checks import backed_emotions

    req = make_request([NEUTRAL_FACE, NEUTRAL_VOICE, HAPPY_WORDS])
    assert not req.conflicts  # a neutral reading opposes nothing: no conflict to name could explain the words away
    outcome = EmotionBacking().check(req, Analysis(basic_emotion="neutral", reasoning="The face, voice and words are calm."))
    assert not outcome.passed and outcome.details["against"] == ["words"]
    # the critique says what rules neutral out and what would pass, offers no neutral, and says how to answer unsure
    assert "the words read happiness at valence +0.93, confidence 0.80" in outcome.message, outcome.message
    assert "an emotion a modality reads (happiness)" in outcome.message and "say you are uncertain" in outcome.message
    assert EmotionBacking().check(req, Analysis(basic_emotion="happiness")).passed
    assert "neutral" not in backed_emotions(req) and "happiness" in backed_emotions(req)


def test_neutral_fails_over_a_confident_angry_voice_unless_the_voice_reads_neutral_too():
    angry = ModalityCue(modality="voice", valence=-0.5, arousal=0.85, emotion="anger", confidence=0.6, basis="anger 0.62")
    sure = {"anger": 0.62, "neutral": 0.1, "sadness": 0.1, "happiness": 0.06, "fear": 0.06, "disgust": 0.03, "surprise": 0.03}
    req = voice_request([NEUTRAL_FACE, angry], sure)
    outcome = EmotionBacking().check(req, Analysis(basic_emotion="neutral"))
    assert not outcome.passed and outcome.details["against"] == ["voice"]
    assert "the voice reads anger at valence -0.50, confidence 0.60" in outcome.message, outcome.message
    assert EmotionBacking().check(req, Analysis(basic_emotion="anger")).passed
    # a voice torn between anger and neutral (neutral at least RUNNER_UP_SHARE of the top) reads neutral too
    torn = {**sure, "anger": 0.4, "neutral": 0.3}
    assert EmotionBacking().check(voice_request([NEUTRAL_FACE, angry], torn), Analysis(basic_emotion="neutral")).passed
    # a voice reading under MIN_CONFIDENCE (the default reader's weak ones) is no finding: it rules nothing out
    weak = angry.model_copy(update={"confidence": 0.25})
    assert EmotionBacking().check(voice_request([NEUTRAL_FACE, weak], sure), Analysis(basic_emotion="neutral")).passed


def test_neutral_passes_where_the_evidence_reads_neutral():
    calm_words = ModalityCue(modality="words", valence=0.1, emotion="neutral", confidence=0.6, basis="balanced wording")
    outcome = EmotionBacking().check(make_request([NEUTRAL_FACE, NEUTRAL_VOICE, calm_words]), Analysis(basic_emotion="neutral"))
    assert outcome.passed and outcome.details["backed_by"] == ["face", "voice", "words"] and outcome.details["against"] == []
    # a lean that is weak (confidence under MIN_CONFIDENCE) or not clear (|valence| <= CLEAR_LEAN) leaves neutral backed
    for faint in (HAPPY_WORDS.model_copy(update={"confidence": 0.29}), HAPPY_WORDS.model_copy(update={"valence": 0.25})):
        assert EmotionBacking().check(make_request([NEUTRAL_FACE, faint]), Analysis(basic_emotion="neutral")).passed, faint
    # words whose own reading is neutral ("calm") back it even where they lean
    calm = ModalityCue(modality="words", valence=0.3, emotion="calm", confidence=0.6, basis="calm")
    assert EmotionBacking().check(make_request([calm]), Analysis(basic_emotion="neutral")).passed


def test_mixed_words_are_addressed_only_by_a_word_that_reads_them_as_irony():
    praise = ModalityCue(modality="words", valence=0.5, confidence=0.8, emotion="happiness",
                         mixed="praises a bad event: 'love' with 'wasting'")
    req = make_request([praise])
    assert req.conflicts and req.conflicts[0].modalities == ("words", "words")
    environment = Analysis(conflict_explanation="the words praise the environment")  # holds "iron", reads nothing
    assert not CrossModalAgreement().check(req, environment).passed
    ironic = Analysis(conflict_explanation="the words praise a wasted afternoon: ironic")
    assert CrossModalAgreement().check(req, ironic).passed


def test_one_irony_word_list_reads_mixed_words_and_backs_anger():
    """`COMMITTED_IRONY` is the one list: its words both address mixed words and commit to irony; "mixed" and
    "ambivalent" address them without committing."""
    from saber_agent.plugins.checks import commits_to_irony, reads_mixed

    praise = ModalityCue(modality="words", valence=0.5, confidence=0.8, emotion="happiness", mixed="praises a bad event")
    req = make_request([praise])
    for said in ("the words are contemptuous", "the words: 讽刺", "the words sneer", "the words: mixed feelings"):
        assert CrossModalAgreement().check(req, Analysis(conflict_explanation=said)).passed, said
    assert all(commits_to_irony(w) for w in ("ironic", "sarcastic", "mocking", "contemptuous", "反讽"))
    assert not any(commits_to_irony(w) for w in ("mixed", "ambivalent", "environment", "hammock"))
    assert reads_mixed("mixed") and reads_mixed("ambivalent") and reads_mixed("ironic") and not reads_mixed("environment")


def test_the_critique_format_is_written_and_read_in_one_place():
    """`checking.critique_of` writes the critique the graph sends back; `failed_checks` reads it (what
    `compact_answer.answers_failed` asks); a message may hold colons, a check that raised is not sent back."""
    from saber_agent.checking import critique_of, failed_checks
    from saber_agent.evidence import CheckOutcome
    from saber_agent.plugins.reasoners.compact_answer import answers_failed

    outcomes = [CheckOutcome(name="grounding", passed=False, message="cited cues not found: face: 'tears'"),
                CheckOutcome(name="emotion_backing", passed=True, message="ok"),
                CheckOutcome(name="broken", passed=False, message="check raised KeyError: 'x'", details={"error": True})]
    critique = critique_of(outcomes)
    assert critique == ["grounding: cited cues not found: face: 'tears'"]
    assert failed_checks(critique) == {"grounding"}
    req = make_request([SMILE]).model_copy(update={"critique": critique})
    assert answers_failed(req, "grounding") and not answers_failed(req, "emotion_backing") and not answers_failed(req, "face")


def test_unimodal_dominance_says_what_was_available_and_what_gave_an_estimate():
    # /tmp/trial53 music_noface.mp4: only the scene slot holds evidence, and scene context is no modality here
    scene_only = ReasoningRequest(evidence=Evidence(video_desc=Slot(text="A dim room.", status="ok")), clip=ClipInfo(path="x"))
    message = UnimodalDominance().check(scene_only, Analysis(reasoning="No modality gave an emotion estimate.")).message
    assert "only 0" not in message and "no modality" in message and "scene" in message
    # narrowband.3gp: a transcript with no words estimate is cited, not weighed: "uses" names only what gave one
    face = SMILE.model_copy(update={"basis": "smiles"})
    voice = ModalityCue(modality="voice", valence=-0.17, confidence=0.34, emotion="sadness", basis="voice reading")
    req = ReasoningRequest(evidence=Evidence(facial_exp_desc=Slot(text="smiles", status="ok"),
                                             acoustic_feat=Slot(text="low pitch", status="ok"),
                                             speech_content=Slot(text="E poi muote", status="ok")),
                           clip=ClipInfo(path="x"), cues=[face, voice])
    cited = Analysis(reasoning="The face reads happiness; the voice reads sadness.",
                     cues_cited={"face": ["smiles"], "voice": ["low pitch"], "words": ["E poi muote"]})
    outcome = UnimodalDominance().check(req, cited)
    assert outcome.passed and outcome.message.startswith("uses face, voice;")
    assert "words" in outcome.message and "no estimate" in outcome.message
