"""The cue, second-look and answer models (saber_agent/evidence_analysis.py)."""

from saber_agent import evidence, evidence_analysis
from saber_agent.evidence_analysis import Analysis, valence_label


def test_the_evidence_module_still_exports_the_analysis_models():
    # the old import path (reasoners, checks, the graph, the UI) reads the same classes and functions
    for name in ("ModalityCue", "Conflict", "valence_label", "PerceptionRequest", "Analysis", "CheckOutcome", "ToolRun",
                 "SlotSummary", "Reperception", "LookResult"):
        assert getattr(evidence, name) is getattr(evidence_analysis, name)
        assert name in evidence.__all__


def test_valence_labels():
    assert valence_label(0.5) == "positive"
    assert valence_label(-0.5) == "negative"
    assert valence_label(0.05) == "neutral"


def test_analysis_normalises_emotion_labels():
    assert Analysis(emotions=[" Happy ", "", "JOY"]).emotions == ["happy", "joy"]
