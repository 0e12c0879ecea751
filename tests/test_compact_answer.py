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


def test_cue_phrases_keep_numbers_whole():
    request = hostile_request("Get out.")
    request.evidence.facial_exp_desc = Slot(text="The head moves 0.10 face widths per second. Lips part 1.5 s.", status="ok")
    phrases = cue_phrases(request, "face")
    assert "The head moves 0.10 face widths per second" in phrases
    assert not any(p.startswith(("10 ", "5 s")) for p in phrases)
