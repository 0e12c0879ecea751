"""The run view without a server: graph updates folded into what the page shows, line by line."""

import json

from saber_agent.graphs import graph
from saber_agent.settings import AnalysisSettings
from saber_agent.ui import render, views
from tests.support.ui_runs import CLIP, FACE_SLOT, PLANNED, fold, perceive, sarcasm_events, slot_statuses


def test_progress_has_a_line_per_tool_as_it_finishes_then_each_round():
    final = fold(sarcasm_events())[-1]
    stages = [line.stage for line in final.lines]
    assert stages == ["decode", "decode", "perceive", "perceive", "perceive", "perceive", "fuse",
                      "reason", "check", "reason", "check", "finish"]
    texts = [line.text for line in final.lines]
    assert texts[1].startswith("Decoded a 6.3 s clip: video 320×240, 13 frames sampled at 2 fps")
    assert texts[3:6] == ["prosody → Acoustic: ok in 0.50 s", "body → Body language: unavailable in 0.50 s (no body visible)",
                          "face → Facial expression: ok in 0.50 s"]
    assert "1 conflict: face vs voice" in texts[6]
    assert texts[7].startswith("Round 1: fusion reads happy (happiness), valence +0.50")
    assert "critique sent back to the reasoner (cross_modal_agreement)" in texts[8]
    assert texts[10] == "Round 2 checks: 2/2 passed"
    html = render.progress_html(final)
    assert html.count("<li") == len(final.lines)  # finished: no "working…" line
    assert 'saber-line-warn" data-stage="perceive"' in html  # the unavailable slot is flagged


def test_views_are_immutable_and_garbage_is_ignored():
    view = views.new_run(PLANNED)
    folded = views.apply_update(view, sarcasm_events()[0])
    assert view.clip is None and folded.clip == CLIP
    for chunk in (None, [], "decode", {"__interrupt__": ()}):
        assert views.apply_update(folded, chunk) is folded or views.apply_update(folded, chunk) == folded
    other = views.apply_update(folded, {"summarize": None})
    assert other.lines[-1].text == "summarize finished" and other.lines[-1].stage == "other"


def test_updates_arriving_as_plain_dicts_are_validated():
    chunk = perceive("face", "facial_exp_desc", FACE_SLOT)
    as_json = json.loads(json.dumps({"perceive": {"slots": {"facial_exp_desc": FACE_SLOT.model_dump(mode="json")},
                                                  "tool_runs": [r.model_dump(mode="json") for r in chunk["perceive"]["tool_runs"]]}}))
    view = views.apply_update(views.new_run(PLANNED), as_json)
    assert view.slots["facial_exp_desc"].confidence == 0.9 and view.tool_runs[0].tool == "face"


def test_second_looks_are_reported():
    look = {"request": {"tool": "face", "start_s": 1.0, "end_s": 2.0}, "asked_by": "reasoner fusion", "status": "done",
            "note": "the smile holds at 8 fps"}
    view = views.apply_update(fold(sarcasm_events())[5], {"reperceive": {"slots": {"facial_exp_desc": FACE_SLOT}, "reperceptions": [look]}})
    assert view.lines[-1].stage == "reperceive"
    assert view.lines[-1].text == "Second look asked by reasoner fusion: face, done (the smile holds at 8 fps)"
    assert "Second looks" in render.consistency_html(view)


def test_folding_the_real_graph_stream(registry, face_speech_clip):
    """The real compiled graph's update events on a real clip fold into a finished view."""
    settings = AnalysisSettings(plugins=["prosody"])
    view = views.new_run([("prosody", "acoustic_feat")])
    for chunk in graph.stream({"clip_path": str(face_speech_clip)}, context=settings, stream_mode="updates"):
        view = views.apply_update(view, chunk)
    assert view.finished and view.result.evidence.acoustic_feat.ok
    stages = [line.stage for line in view.lines]
    assert stages[:3] == ["decode", "decode", "perceive"] and stages[-1] == "finish"
    assert stages.count("reason") == view.result.rounds >= 1
    assert any(line.text.startswith("prosody → Acoustic: ok in") for line in view.lines)
    statuses = slot_statuses(render.slots_html(view))
    assert statuses["acoustic_feat"] == "ok" and statuses["sentiment_analysis"] == "ok"
    assert statuses["facial_exp_desc"] == "unavailable"  # not selected: the result says why
