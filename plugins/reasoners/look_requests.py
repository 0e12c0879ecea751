"""Second looks asked through a chat API: the ``request_perception`` tool offered, its calls read and answered.

A chat reasoner (`openai`, and the in-process `llamacpp` one) may offer the model the tool
(`saber_agent.reperception.request_tool_schema`) restricted to `looked_at_by(request)`: the
perception tools that filled this request's evidence (by the slots' provenance) and are registered.
`tool_call_in_text` reads a call that a small model wrote as JSON in its answer (in a code fence or
<tool_call> tags) instead of a tool call; only a call to our tool is read. `schedule_looks` answers
the calls: the exchange (the calls, a tool reply for each saying whether it was scheduled, the
request to answer now) appended to the messages, the valid `PerceptionRequest`s, and notes on the
invalid ones. Moved out of `saber_agent.plugins.reasoners.openai_compat`, which re-exports them.
"""

from __future__ import annotations

import json
import re
from typing import Any

from saber_agent.evidence import PERCEPTION_SLOTS, PerceptionRequest
from saber_agent.reasoning import ReasoningRequest
from saber_agent.reperception import REQUEST_TOOL_NAME, request_from_tool_call


def schedule_looks(messages: list[dict[str, Any]], calls: list[dict[str, Any]], said: str = ""
                   ) -> tuple[list[dict[str, Any]], list[PerceptionRequest], list[str]]:
    """The model's `request_perception` calls answered: the messages with the exchange (the calls, a tool
    reply for each saying whether it was scheduled, and the request to answer now) appended, the valid
    requests, and notes on the invalid ones."""
    asked, notes, replies = [], [], []
    for i, call in enumerate(calls):
        function = call.get("function") or {}
        call_id = str(call.get("id") or f"call_{i}")
        if function.get("name") != REQUEST_TOOL_NAME:
            reply = f"There is no tool named {function.get('name')!r}."
        else:
            try:
                look = request_from_tool_call(function.get("arguments") or "{}")
                asked.append(look)
                reply = (f"Scheduled: {look.tool} on {look.scope()}. It runs after your answer; "
                         "the next round shows what it found.")
            except ValueError as exc:
                notes.append(f"an invalid {REQUEST_TOOL_NAME} call was ignored: {exc}")
                reply = f"Not scheduled: {exc}"
        replies.append({"role": "tool", "tool_call_id": call_id, "content": reply})
    exchange = [{"role": "assistant", "content": said, "tool_calls": calls}, *replies]
    ask = {"role": "user", "content": "Now answer from the evidence so far, with the JSON object only."}
    return [*messages, *exchange, ask], asked, notes


def looked_at_by(request: ReasoningRequest) -> list[str]:
    """The perception tools a second look can ask for: those that filled this request's evidence."""
    from saber_agent.registry import get_registry

    known = get_registry().tools
    names = {slot.provenance.plugin for name in PERCEPTION_SLOTS
             if (slot := request.evidence.slot(name)).provenance is not None}
    return sorted(n for n in names if n in known)


def tool_call_in_text(content: Any) -> dict[str, Any] | None:
    """A `request_perception` call that a model wrote as text instead of a tool call, or None.

    Small models whose chat template offers tools often answer with the call as a JSON object (in a
    code fence or <tool_call> tags) that the server did not parse: {"name": ..., "arguments": {...}}.
    Only a call to our tool is read; anything else stays an answer.
    """
    if not isinstance(content, str) or REQUEST_TOOL_NAME not in content:
        return None
    text = re.sub(r"</?tool_call>|```(?:json)?", " ", content).strip()
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("name") != REQUEST_TOOL_NAME:
        return None
    arguments = data.get("arguments", data.get("parameters", {}))
    if not isinstance(arguments, str):
        arguments = json.dumps(arguments)
    return {"id": "call_text_0", "type": "function", "function": {"name": REQUEST_TOOL_NAME, "arguments": arguments}}
