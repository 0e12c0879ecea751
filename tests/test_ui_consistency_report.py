"""The consistency report rendered without a server: rounds, agreements, conflicts, checks, estimates."""

import dataclasses

from saber_agent.evidence import ModalityCue
from saber_agent.ui import consistency_report, render
from tests.support.ui_runs import CUES, fold, sarcasm_events


def test_consistency_report_rounds_agreements_conflicts_checks():
    html = consistency_report.consistency_html(fold(sarcasm_events())[-1])
    assert "<b>Round 1</b> failed: cross_modal_agreement" in html and "<b>Round 2</b> all checks passed" in html
    assert "voice and body both read negative (hostile / negative)" in html
    assert "face vs voice" in html and "severity 0.70" in html
    assert "How the reasoning resolves it:</b> face vs voice: the smile is performed" in html
    assert html.count('<span class="saber-badge saber-badge-ok">pass</span>') == 2
    assert "What the reasoner weighed" in html and "voice: valence -0.60" in html
    assert "appears here" in consistency_report.consistency_html(None)


def test_agreements_need_the_same_direction():
    assert consistency_report.agreements(CUES) == ["voice and body both read negative (hostile / negative)"]
    assert consistency_report.agreements([]) == []


def test_untrusted_cue_text_is_escaped():
    cue = ModalityCue(modality="face", valence=0.5, arousal=0.5, emotion="<b>x</b>", confidence=0.5, basis="<script>bad()</script>")
    html = consistency_report.consistency_html(dataclasses.replace(fold(sarcasm_events())[-1], cues=(cue,)))
    assert "<script>" not in html and "&lt;script&gt;bad()&lt;/script&gt;" in html and "&lt;b&gt;x&lt;/b&gt;" in html


def test_the_old_import_path_gives_the_same_functions():
    assert render.consistency_html is consistency_report.consistency_html
    assert render.agreements is consistency_report.agreements
