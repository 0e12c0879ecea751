"""`compact_answer`: the prompt and answer grammar of a small local model, and the llamacpp reasoner's
look policy (no model loaded here).

The grammar is where a 1.5B model's answer gets its guarantees: each detected conflict named in turn,
cues cited from the evidence's own phrases, no conflict invented, one line of JSON. These tests check
those properties on the schema and on llguidance's grammar built from it (xllamacpp's converter); the
model's use of them is tested in tests/test_llamacpp.py and measured by bench/reasoner_suite.py.
"""

from __future__ import annotations

import re

import pytest

from saber_agent.evidence import Analysis, ClipInfo, Evidence, ModalityCue, Provenance, Slot
from saber_agent.plugins.reasoners.compact_answer import (
    COMPACT_JSON,
    CONFLICT_CHARS,
    LEAN_CHARS,
    _literal,
    compact_messages,
    conflict_label,
    cue_phrases,
    lean_schema,
    look_call_schema,
)
from saber_agent.plugins.reasoners.llamacpp import LlamaCppReasoner
from saber_agent.reasoning import ReasoningRequest
from tests.support.reasoner_cases import hostile_request, sarcasm_request


def _irony_request() -> ReasoningRequest:
    from saber_agent.cues import find_conflicts

    words = ModalityCue(modality="words", valence=0.2, arousal=0.5, emotion="happiness", confidence=0.8,
                        basis="the words read positive: love (+3.2), wasting (-1.9)", mixed="praise of a bad event")
    evidence = Evidence(speech_content=Slot(text="I absolutely love wasting my whole afternoon.", status="ok"))
    return ReasoningRequest(evidence=evidence, clip=ClipInfo(path="x"), cues=[words], conflicts=find_conflicts([words]))


def _answer(request: ReasoningRequest, **fields) -> Analysis:
    base = dict(visual_evidence="v", acoustic_evidence="a", reasoning="r", emotions=["anger"], basic_emotion="anger",
                valence=-0.5, arousal=0.6)
    return Analysis(**{**base, **fields})


def test_each_detected_conflict_must_be_named_in_turn():
    request = sarcasm_request()
    assert request.conflicts
    pattern = lean_schema(256, request)["properties"]["conflict_explanation"]["pattern"]
    names = "; ".join(f"{conflict_label(c)} the smile masks the anger" for c in request.conflicts)
    assert re.fullmatch(pattern, names)
    assert not re.fullmatch(pattern, "The face and the voice disagree.")  # a paraphrase that names no pair
    assert not re.fullmatch(pattern, names.split("; ")[0] + "; " + "x" * (CONFLICT_CHARS + 20))  # bounded
    # what the pattern allows passes the cross-modal check, by construction
    from plugins.checks import CrossModalAgreement

    assert CrossModalAgreement().check(request, _answer(request, conflict_explanation=names)).passed


def test_irony_inside_the_words_is_named_as_such():
    request = _irony_request()
    assert [c.modalities for c in request.conflicts] == [("words", "words")]
    label = conflict_label(request.conflicts[0])
    assert re.fullmatch(lean_schema(256, request)["properties"]["conflict_explanation"]["pattern"], f"{label} it is sarcasm")
    from plugins.checks import CrossModalAgreement

    assert CrossModalAgreement().check(request, _answer(request, conflict_explanation=f"{label} read as praise")).passed


def test_no_conflict_means_no_conflict_explanation():
    request = hostile_request("Get out of my office.")
    assert not request.conflicts
    assert lean_schema(256, request)["properties"]["conflict_explanation"] == {"type": "null"}


def test_cited_cues_are_phrases_of_their_own_modality_and_pass_grounding():
    from plugins.checks import Grounding

    request = sarcasm_request()
    cues = lean_schema(256, request)["properties"]["cues_cited"]
    assert cues["additionalProperties"] is False and set(cues["properties"]) == {"face", "voice", "words"}
    face = cues["properties"]["face"]["items"]["enum"]
    assert "The speaker smiles broadly" in face and not any("furious" in p for p in face)  # no words among the face's
    words = cues["properties"]["words"]["items"]["enum"]
    assert any("ruined everything" in p for p in words)
    for modality, spec in cues["properties"].items():
        for phrase in spec["items"]["enum"]:
            outcome = Grounding().check(request, _answer(request, cues_cited={modality: [phrase]}))
            assert outcome.passed, (modality, phrase, outcome.message)


def test_cue_phrases_are_short_unique_and_bounded():
    request = sarcasm_request(speech="No. " * 3 + "This is " + "very " * 40 + "bad, and I hate it; truly.")
    phrases = cue_phrases(request, "words")
    assert phrases and len(phrases) == len({p.lower() for p in phrases})
    assert all(3 <= len(p) <= 60 for p in phrases)
    assert cue_phrases(request, "body") == []  # no body evidence: nothing to cite


def test_the_answer_is_one_line_of_json_and_has_no_extra_keys():
    schema = lean_schema(256, sarcasm_request())
    assert schema["additionalProperties"] is False and schema["x-guidance"] == COMPACT_JSON


def test_the_schema_compiles_to_llguidance_grammar():
    pytest.importorskip("xllamacpp")
    from saber_agent.plugins.reasoners.compact_answer import schema_grammar

    grammar = schema_grammar(lean_schema(256, _irony_request()))
    assert grammar.startswith("%llguidance") and "whitespace_flexible" in grammar


def test_literal_matches_itself_without_escaped_spaces():
    text = "words (mixed: ironic or not?): a.b [c] {d} x|y ^$*+\\"
    assert re.fullmatch(_literal(text), text) and "\\ " not in _literal(text)


def test_a_look_request_is_the_other_branch_of_the_answer():
    schema = look_call_schema(["face", "prosody"])
    assert schema["properties"]["name"] == {"const": "request_perception"}
    assert schema["properties"]["arguments"]["properties"]["tool"]["enum"] == ["face", "prosody"]


def test_the_prompt_puts_the_face_first_and_keeps_the_scene_short():
    request = hostile_request("Get out of my office.")
    request.evidence.video_desc = Slot(text="A dim room with warm light. " * 20, status="ok")
    text = compact_messages(request)[1]["content"]
    assert text.index("Facial expression") < text.index("Body language") < text.index("Scene")
    scene = next(line for line in text.splitlines() if "Scene" in line)
    assert len(scene) < 140
    assert "request_perception" not in text
    request.looks_left = 1
    assert "request_perception" not in compact_messages(request)[1]["content"]  # looks left, but not offered
    assert "request_perception" in compact_messages(request, looks_offered=True)[1]["content"]


def test_looks_are_offered_after_a_failed_check_by_default():
    reasoner = LlamaCppReasoner.__new__(LlamaCppReasoner)  # the policy alone: no model loaded
    request = sarcasm_request()
    reasoner.looks = "after_failed_check"
    assert not reasoner._offers_look(request)  # no looks left
    request.looks_left = 1
    assert not reasoner._offers_look(request)  # first round: answer first
    request.critique = ["cross_modal_agreement: the conflict face vs words is not named"]
    assert reasoner._offers_look(request)
    reasoner.looks = "every_round"
    request.critique = []
    assert reasoner._offers_look(request)


def test_bad_look_policy_is_a_clear_error():
    from saber_agent.reasoning import ReasonerError

    with pytest.raises(ReasonerError, match="looks must be one of"):
        LlamaCppReasoner(model="smollm2-135m", looks="sometimes")


def test_provenance_makes_the_tools_lookable():
    """Tools that filled the evidence are what a look may ask for (and what every call declares)."""
    from saber_agent.plugins.reasoners.openai_compat import looked_at_by

    request = hostile_request("Get out.")
    request.evidence.facial_exp_desc.provenance = Provenance(plugin="face", version="1")
    assert looked_at_by(request) == ["face"]


def test_a_string_cut_at_its_limit_ends_on_a_whole_word():
    """The grammar stops a string at its character limit, possibly inside a word ("with a mod"): the
    reasoner cuts it back to the last whole word and marks the cut."""
    from saber_agent.plugins.reasoners.compact_answer import trim_cut_strings

    limit = LEAN_CHARS["acoustic_evidence"]
    cut = ("The voice has a low pitch (mean F0 101 Hz, 82-116 Hz) with a moderately varying" * 2)[:limit]
    label = "face vs voice:"
    part = ("the smile over a flat voice reads as a performed expression, not joy" * 2)[:CONFLICT_CHARS]
    analysis = trim_cut_strings(_answer(sarcasm_request(), acoustic_evidence=cut, reasoning="Short and whole.",
                                        conflict_explanation=f"{label} {part}; face vs words: brief"))
    assert analysis.acoustic_evidence.endswith("…") and cut.startswith(analysis.acoustic_evidence[:-1])
    assert analysis.acoustic_evidence[:-1].split()[-1] in cut.split()  # a whole word
    assert analysis.reasoning == "Short and whole."  # under its limit: untouched
    first, second = analysis.conflict_explanation.split("; ")
    assert first.startswith(label) and first.endswith("…") and second == "face vs words: brief"


def test_a_cut_reasoning_keeps_its_last_complete_sentence():
    """The trial's vfr.mp4 answer ran into the reasoning's limit at "... moderate intonation. The words, voice":
    the reasoning keeps its complete sentence and adds nothing; with none, it is cut to a whole word and "…"."""
    from saber_agent.plugins.reasoners.compact_answer import trim_cut_strings

    limit = LEAN_CHARS["reasoning"]
    first = ("The visual evidence shows the face is consistently neutral, while the acoustic evidence "
             "indicates a moderate pitch and moderate intonation.")
    cut = (first + " The words, voice and face together read " + "x" * limit)[:limit]
    assert trim_cut_strings(_answer(sarcasm_request(), reasoning=cut)).reasoning == first
    # a number is no sentence end ("0.52"), nor a full stop at the cut right after a digit ("arousal 0.")
    tail = " at arousal 0."  # the cut falls right after "0." (of "0.60")
    numbers = ("The nose is 0.52 shoulder widths above the shoulders and" + " the face reads neutral" * 10)[: limit - len(tail)] + tail
    kept = trim_cut_strings(_answer(sarcasm_request(), reasoning=numbers)).reasoning
    assert len(numbers) == limit and kept.endswith(" at arousal…") and "0.52" in kept
    ends_at_cut = ("w " * limit)[: limit - 1] + "."  # a sentence that ends exactly at the limit stays whole
    assert trim_cut_strings(_answer(sarcasm_request(), reasoning=ends_at_cut)).reasoning == ends_at_cut
    assert trim_cut_strings(_answer(sarcasm_request(), reasoning="Short, no full stop")).reasoning == "Short, no full stop"


def test_emotion_words_are_said_once():
    """The grammar bounds the emotion list's length, not its repeats: the 1.5B wrote "neutral, neutral"."""
    from saber_agent.plugins.reasoners.compact_answer import tidy_answer

    analysis = tidy_answer(_answer(sarcasm_request(), emotions=["neutral", "Neutral ", "calm"], basic_emotion="neutral"))
    assert analysis.emotions == ["neutral", "calm"]
    assert tidy_answer(_answer(sarcasm_request(), emotions=["happy", "surprised"])).emotions == ["happy", "surprised"]


def test_no_cue_at_all_is_undetermined_without_asking_the_model():
    """Music with no face and no voice (the trial's music_noface.mp4): no modality gave an estimate, so the
    llamacpp reasoner concludes what fusion does ("undetermined", no finding of calm) and asks no model
    (here none is loaded: a call would fail on the missing engine)."""
    from saber_agent.plugins.checks import EmotionBacking, LabelEvidenceAgreement
    from saber_agent.plugins.reasoners.fusion import FusionReasoner

    evidence = Evidence(video_desc=Slot(text="The scene is dimly lit (mean brightness 60/255). No face is visible.", status="ok"))
    request = ReasoningRequest(evidence=evidence, clip=ClipInfo(path="music.mp4"))
    reasoner = LlamaCppReasoner.__new__(LlamaCppReasoner)  # no engine: the model must not be asked
    reasoner.model = "Qwen2.5-Coder-1.5B"
    analysis = reasoner.reason(request)
    fusion = FusionReasoner().reason(request)
    assert analysis.emotions == fusion.emotions == ["undetermined"]
    assert (analysis.basic_emotion, analysis.valence, analysis.arousal) == (fusion.basic_emotion, fusion.valence, fusion.arousal)
    assert analysis.reasoning == fusion.reasoning and "was not asked" in analysis.weighed[0]
    assert EmotionBacking().check(request, analysis).passed and LabelEvidenceAgreement().check(request, analysis).passed


def test_cue_phrases_keep_numbers_whole():
    request = hostile_request("Get out.")
    request.evidence.facial_exp_desc = Slot(text="The head moves 0.10 face widths per second. Lips part 1.5 s.", status="ok")
    phrases = cue_phrases(request, "face")
    assert "The head moves 0.10 face widths per second" in phrases
    assert not any(p.startswith(("10 ", "5 s")) for p in phrases)


# -- a round that answers a failed emotion_backing: only the emotions the evidence backs --------------------------


def _retry(request: ReasoningRequest, *critique: str) -> ReasoningRequest:
    return request.model_copy(update={"critique": list(critique), "round": 2})


def _backing_critique(request: ReasoningRequest, emotion: str = "anger") -> str:
    """The critique the graph sends after `emotion_backing` failed on an answer naming `emotion` (the real check)."""
    from plugins.checks import EmotionBacking

    label = "; ".join(f"{conflict_label(c)} the two disagree here" for c in request.conflicts) or None
    failed = EmotionBacking().check(request, _answer(request, basic_emotion=emotion, emotions=[emotion], conflict_explanation=label))
    assert not failed.passed, failed.message
    return f"{failed.name}: {failed.message}"


def _as_json(request: ReasoningRequest, schema: dict, emotion: str) -> dict:
    """An answer as the schema's grammar could write it: `emotion`, each conflict named by its label and read as
    nothing more, the first cue phrase of each modality the schema lists."""
    cues = {m: [spec["items"]["enum"][0]] for m, spec in schema["properties"]["cues_cited"]["properties"].items()}
    label = "; ".join(f"{conflict_label(c)} the two disagree here" for c in request.conflicts) or None
    return dict(visual_evidence="v", acoustic_evidence="a", reasoning="r", emotions=[emotion], basic_emotion=emotion,
                valence=0.0, arousal=0.5, cues_cited=cues, conflict_explanation=label)


def test_a_round_after_failed_emotion_backing_offers_only_the_backed_emotions():
    jsonschema = pytest.importorskip("jsonschema")
    from plugins.checks import EmotionBacking, backed_emotions
    from saber_agent.evidence import BASIC_EMOTIONS
    from tests.support.reasoner_cases import smile_over_sad_words_request

    request = smile_over_sad_words_request()
    first = lean_schema(256, request)
    # round 1: the model's own judgement, every class and free emotion words (the 1.5B answered anger here)
    assert first["properties"]["basic_emotion"]["enum"] == list(BASIC_EMOTIONS)
    assert "enum" not in first["properties"]["emotions"]["items"]
    jsonschema.validate(_as_json(request, first, "anger"), first)

    retry = lean_schema(256, _retry(request, _backing_critique(request)))
    props = retry["properties"]
    # what a modality reads: face happiness, words sadness, voice neutral (neutral kept: the check allows it)
    assert props["basic_emotion"]["enum"] == ["happiness", "neutral", "sadness"] == backed_emotions(request)
    assert props["emotions"]["items"]["enum"] == ["happiness", "neutral", "sadness"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(_as_json(request, retry, "anger"), retry)
    # each answer the retry schema allows passes the check, by construction (one cue from each modality required)
    assert set(props["cues_cited"]["required"]) == {"face", "voice", "words"}
    for emotion in props["basic_emotion"]["enum"]:
        answer = _as_json(request, retry, emotion)
        jsonschema.validate(answer, retry)
        assert EmotionBacking().check(request, Analysis(**answer)).passed, emotion


def test_neutral_stays_only_where_the_check_allows_it_and_irony_backs_anger_only_inside_a_modality():
    from plugins.checks import backed_emotions

    # a smile over hostile words: the named conflict's sides may cancel (neutral); anger is what the words read
    sarcasm = sarcasm_request()
    retry = lean_schema(256, _retry(sarcasm, _backing_critique(sarcasm, "sadness")))
    assert retry["properties"]["basic_emotion"]["enum"] == ["anger", "happiness", "neutral"] == backed_emotions(sarcasm)
    # face and voice both angry, no conflict: neutral would fail the check, so the grammar leaves it out
    angry = hostile_request("Get out.")
    retry = lean_schema(256, _retry(angry, _backing_critique(angry, "neutral")))
    assert retry["properties"]["basic_emotion"]["enum"] == ["anger"]
    # praise of a bad event: the grammar names the mixed words as possible irony, which backs anger and disgust
    irony = _irony_request()
    retry = lean_schema(256, _retry(irony, _backing_critique(irony, "sadness")))
    assert {"anger", "disgust", "happiness"} <= set(retry["properties"]["basic_emotion"]["enum"])
    assert "sadness" not in retry["properties"]["basic_emotion"]["enum"]


def test_another_check_failing_leaves_the_emotion_free():
    from saber_agent.evidence import BASIC_EMOTIONS

    request = _retry(sarcasm_request(), "grounding: cited cues not found in the evidence: face: 'grin'",
                     "emotion_backing_extra: not this check")
    props = lean_schema(256, request)["properties"]
    assert props["basic_emotion"]["enum"] == list(BASIC_EMOTIONS) and "required" not in props["cues_cited"]


def test_the_retry_schema_compiles_to_llguidance_grammar():
    pytest.importorskip("xllamacpp")
    from saber_agent.plugins.reasoners.compact_answer import schema_grammar
    from tests.support.reasoner_cases import smile_over_sad_words_request

    request = smile_over_sad_words_request()
    grammar = schema_grammar(lean_schema(256, _retry(request, _backing_critique(request))))
    assert grammar.startswith("%llguidance") and '"sadness"' in grammar and '"anger"' not in grammar
