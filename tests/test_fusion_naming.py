"""The fusion reasoner's naming rules (`plugins.reasoners.fusion_naming`, moved out of `fusion`, which re-exports them;
the rules' behaviour is tested through the reasoner in test_fusion.py and test_fusion_calibration.py)."""

from __future__ import annotations

from saber_agent.cues import CLEAR_LEAN
from saber_agent.evidence import ModalityCue
from saber_agent.plugins.reasoners import fusion
from saber_agent.plugins.reasoners import fusion_naming as naming


def test_the_old_import_path_gives_the_same_objects():
    for name in ("vote", "renames", "leads", "agreeing", "siding", "weak_lean", "contradicts", "lean_reading", "emotion_of",
                 "silent", "MODALITY_WEIGHT", "OPEN_LABEL", "SURE", "RENAME_LEAD", "WEAK_CONCLUSION"):
        assert getattr(fusion, name) is getattr(naming, name), name


def test_a_weak_lean_stays_short_of_a_clear_one_for_every_emotion():
    for emotion in naming.OPEN_LABEL:
        assert 0 < naming.weak_lean(emotion) <= naming.WEAK_CONCLUSION < CLEAR_LEAN, emotion


def test_a_voice_reading_torn_between_two_classes_does_not_lead():
    voice = ModalityCue(modality="voice", valence=-0.1, arousal=0.3, emotion="sadness", confidence=0.3, basis="voice")
    assert not naming.leads(voice, {"sadness": 0.27, "neutral": 0.25, "fear": 0.2})
    assert naming.leads(voice, {"sadness": 0.35, "neutral": 0.25, "fear": 0.2})
    assert naming.leads(voice, None)  # no probabilities to tell: the cue's own name stands
