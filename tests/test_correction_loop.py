"""Perceive, reason, check and correct, end to end on a real clip: a smiling face over hostile words.

The clip is the astronaut photograph (a real smile) speaking "I hate this. You ruined everything and
I am furious with you." (espeak-ng). The face, transcript and prosody plugins perceive it with their
real models; the evidence-fusion reasoner reasons; the real consistency checks judge.
"""

from __future__ import annotations

import pytest

from saber_agent import hookimpl
from saber_agent.api import analyze
from saber_agent.evidence import Analysis
from saber_agent.plugins.reasoners.fusion import FusionReasoner

PLUGINS = ["face", "transcript", "prosody"]


def _need_perception(registry):
    missing = [name for name in PLUGINS if name not in registry.tools]
    if missing:
        pytest.skip(f"perception tool(s) {', '.join(missing)} not registered yet")
    not_ready = [f"{n}: {registry.tools[n].availability().detail}" for n in PLUGINS if not registry.tools[n].availability().ready]
    if not_ready:
        pytest.skip("perception tool(s) not ready here: " + "; ".join(not_ready))


@pytest.fixture(scope="module")
def perceived(smile_hostile_clip):
    """Perception of the sarcasm clip, done once for this module (tools load their models once)."""
    return smile_hostile_clip


def test_smile_over_hostile_words_is_a_named_conflict_that_the_analysis_addresses(registry, perceived):
    _need_perception(registry)
    result = analyze(perceived, plugins=PLUGINS, reasoner="fusion")
    ev = result.evidence
    assert ev.facial_exp_desc.ok and ev.speech_content.ok and ev.acoustic_feat.ok, result.tool_runs
    assert "hate" in ev.speech_content.text.lower()
    cues = {c.modality: c for c in result.cues}
    assert cues["face"].valence > 0 and cues["words"].valence < 0
    # the conflict is named between the face and the words ...
    pairs = [set(c.modalities) for c in result.conflicts]
    assert {"face", "words"} in pairs
    # ... and the analysis addresses it: names both sides, reads it as sarcasm, leans negative
    analysis = result.analysis
    explanation = analysis.conflict_explanation.lower()
    assert "face" in explanation and "words" in explanation
    assert "sarcastic" in analysis.emotions and analysis.valence < 0
    checks = {c.name: c for c in result.checks}
    assert checks["cross_modal_agreement"].passed and checks["unimodal_dominance"].passed
    assert result.checks_passed and 1 <= result.rounds <= 3


class FaceOnlyFirstDraft(FusionReasoner):
    """The fusion reasoner, except that its first draft is unimodal-dominant ("she smiles, so she is
    happy"), the failure SABER's checks exist to catch. Later rounds are the real fusion answer to the
    critique. It tests the real checks and the real correction loop, not the reasoner."""

    name = "face_first"
    drafts: list[int] = []

    def reason(self, request, clip=None):
        type(self).drafts.append(request.round)
        if request.round == 1:
            face = request.evidence.facial_exp_desc.text
            return Analysis(
                visual_evidence=face, reasoning="The speaker smiles, so the speaker is happy.",
                emotions=["happy"], basic_emotion="happiness", valence=0.8, arousal=0.5,
                cues_cited={"face": [face[:80]]},
            )
        return super().reason(request, clip)


class DraftPlugin:
    @hookimpl
    def register_reasoners(self, register):
        register("face_first", FaceOnlyFirstDraft, "test: a unimodal first draft, then fusion")


def test_the_correction_loop_catches_a_unimodal_draft_and_stops(registry, perceived):
    _need_perception(registry)
    registry.register_module(DraftPlugin(), "draft")
    FaceOnlyFirstDraft.drafts = []
    result = analyze(perceived, plugins=PLUGINS, reasoner="face_first", max_rounds=3)
    # round 1 failed the checks, the critique went back, round 2 answered it and the loop stopped
    assert FaceOnlyFirstDraft.drafts == [1, 2] and result.rounds == 2
    assert result.checks_passed, [c.message for c in result.checks if not c.passed]
    assert "The previous round failed the consistency checks" in result.analysis.reasoning
    for name in ("cross_modal_agreement", "unimodal_dominance"):
        assert name in result.analysis.reasoning  # the critique of round 1 named these checks
    assert "sarcastic" in result.analysis.emotions and result.analysis.valence < 0


def test_the_loop_stops_at_max_rounds_when_the_reasoner_never_corrects(registry, perceived):
    _need_perception(registry)

    class Stubborn(FaceOnlyFirstDraft):
        name = "stubborn"

        def reason(self, request, clip=None):
            return super().reason(request.model_copy(update={"round": 1}), clip)

    class Plugin:
        @hookimpl
        def register_reasoners(self, register):
            register("stubborn", Stubborn, "test: never corrects")

    registry.register_module(Plugin(), "stubborn")
    result = analyze(perceived, plugins=PLUGINS, reasoner="stubborn", max_rounds=2)
    assert result.rounds == 2 and not result.checks_passed
    failed = {c.name for c in result.checks if not c.passed}
    assert {"cross_modal_agreement", "unimodal_dominance"} <= failed
