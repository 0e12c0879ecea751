"""Second looks through a chat API: which tools may be asked, calls written as text, calls answered."""

from __future__ import annotations

import json

from saber_agent.evidence import ClipInfo, Evidence, PerceptionRequest, Provenance, Slot
from saber_agent.plugins.reasoners import look_requests, openai_compat
from saber_agent.plugins.reasoners.look_requests import looked_at_by, schedule_looks, tool_call_in_text
from saber_agent.reasoning import ReasoningRequest

LOOK = {"tool": "prosody", "start_s": 1.0, "end_s": 2.0}
ASKED = [{"role": "user", "content": "What does the speaker feel?"}]


def call(name: str, arguments, call_id: str | None = "c1") -> dict:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def test_a_valid_call_is_scheduled_and_the_model_asked_to_answer_now():
    calls = [call("request_perception", json.dumps(LOOK))]
    messages, asked, notes = schedule_looks(ASKED, calls, said="Let me listen again.")
    assert asked == [PerceptionRequest.model_validate(LOOK)] and notes == []
    assert [m["role"] for m in messages] == ["user", "assistant", "tool", "user"]
    assert messages[1] == {"role": "assistant", "content": "Let me listen again.", "tool_calls": calls}
    assert messages[2]["tool_call_id"] == "c1" and messages[2]["content"].startswith("Scheduled: prosody on 1-2 s.")
    assert messages[3]["content"] == "Now answer from the evidence so far, with the JSON object only."
    assert ASKED == [{"role": "user", "content": "What does the speaker feel?"}]  # the caller's list is not changed


def test_invalid_calls_are_answered_and_noted_never_scheduled():
    bad = call("request_perception", {"tool": "prosody", "start_s": 5, "end_s": 2}, call_id=None)
    messages, asked, notes = schedule_looks(ASKED, [bad, call("other_tool", "{}", "c2")])
    assert asked == [] and len(notes) == 1 and notes[0].startswith("an invalid request_perception call was ignored:")
    replies = [m for m in messages if m["role"] == "tool"]
    assert replies[0]["tool_call_id"] == "call_0" and replies[0]["content"].startswith("Not scheduled:")
    assert replies[1] == {"role": "tool", "tool_call_id": "c2", "content": "There is no tool named 'other_tool'."}


def test_a_call_written_as_text_is_read_only_when_it_calls_our_tool():
    fenced = '```json\n{"name": "request_perception", "arguments": ' + json.dumps(LOOK) + "}\n```"
    found = tool_call_in_text(fenced)
    assert found["function"]["name"] == "request_perception" and json.loads(found["function"]["arguments"]) == LOOK
    tagged = tool_call_in_text('<tool_call>{"name": "request_perception", "parameters": {"tool": "face"}}</tool_call>')
    assert json.loads(tagged["function"]["arguments"]) == {"tool": "face"}
    assert tool_call_in_text('{"name": "other_tool", "arguments": {}}') is None
    assert tool_call_in_text("I think request_perception would help, but here is my answer.") is None
    assert tool_call_in_text(None) is None and tool_call_in_text(["request_perception"]) is None


def test_only_registered_tools_that_filled_the_evidence_can_be_looked_at(registry):
    evidence = Evidence(
        facial_exp_desc=Slot(text="A smile.", status="ok", provenance=Provenance(plugin="face")),
        acoustic_feat=Slot(text="Low pitch.", status="ok", provenance=Provenance(plugin="no-such-plugin")),
        speech_content=Slot(text="Hello.", status="ok"),
    )
    request = ReasoningRequest(evidence=evidence, clip=ClipInfo(path="x.mp4"))
    assert looked_at_by(request) == ["face"]


def test_the_old_import_path_gives_the_same_functions():
    for name in ("looked_at_by", "schedule_looks", "tool_call_in_text"):
        assert getattr(openai_compat, name) is getattr(look_requests, name)
