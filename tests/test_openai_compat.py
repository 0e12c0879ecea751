"""The OpenAI-compatible reasoner: transport faults against small HTTP servers written here, on loopback.

Each server below is a real ``http.server`` on 127.0.0.1 that misbehaves in one scripted way
(refuses, hangs, 5xx, 429, malformed bodies, unreadable model content, refusing response_format,
streaming). They stand in for the failure modes of a real vLLM / llama.cpp / Ollama server, which
cannot be made to fail on cue; the real server is exercised in test_openai_llamacpp.py.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

pytest.importorskip("openai")

from saber_agent.api import analyze  # noqa: E402
from saber_agent.cues import find_conflicts  # noqa: E402
from saber_agent.evidence import ClipInfo, Evidence, ModalityCue, PerceptionRequest, Provenance, Slot  # noqa: E402
from saber_agent.plugins.reasoners.openai_compat import OpenAICompatReasoner  # noqa: E402
from saber_agent.reasoning import ReasonerError, ReasoningRequest  # noqa: E402
from saber_agent.sed_prompt import ANSWER_KEYS  # noqa: E402

GOOD = {
    "visual_evidence": "The speaker smiles broadly.", "acoustic_evidence": "The words are hostile.",
    "reasoning": "A smile over hostile words reads as sarcasm.", "emotions": ["sarcastic"],
    "basic_emotion": "anger", "valence": -0.5, "arousal": 0.7,
    "cues_cited": {"face": ["smiles broadly"], "words": ["I hate this"]},
    "conflict_explanation": "face vs words: sarcasm",
}


def completion(content) -> dict:
    return {"id": "x", "object": "chat.completion", "model": "scripted",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}]}


def make_request() -> ReasoningRequest:
    cues = [ModalityCue(modality="face", valence=0.8, confidence=0.9, emotion="happiness"),
            ModalityCue(modality="words", valence=-0.8, confidence=0.8, emotion="anger")]
    evidence = Evidence(facial_exp_desc=Slot(text="The speaker smiles broadly.", status="ok"),
                        speech_content=Slot(text="I hate this.", status="ok"))
    return ReasoningRequest(evidence=evidence, clip=ClipInfo(path="x"), cues=cues, conflicts=find_conflicts(cues))


class _QuietServer(ThreadingHTTPServer):
    """The fake server: a client that gave up (a timeout test) makes the late reply a broken pipe, not a traceback."""

    def handle_error(self, request, client_address):
        import sys

        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)

class Scripted:
    """A loopback HTTP server whose POST /v1/chat/completions answers come from `respond(body, n)`."""

    def __init__(self, respond, models=("scripted-model",)):
        self.respond, self.models = respond, models
        self.requests: list[dict] = []
        self.headers: list[dict] = []
        self.release = threading.Event()  # lets a hanging handler go at teardown
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                if self.path.rstrip("/") == "/v1/models" and owner.models is not None:
                    self._send(200, {"object": "list", "data": [{"id": m, "object": "model"} for m in owner.models]})
                else:
                    self._send(404, {"error": "not found"})

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
                owner.requests.append(body)
                owner.headers.append(dict(self.headers))
                status, payload, extra = owner.respond(body, len(owner.requests), owner)
                self._send(status, payload, extra)

            def _send(self, status, payload, extra=None):
                if isinstance(payload, list):  # server-sent events
                    self.send_response(status)
                    self.send_header("content-type", "text/event-stream")
                    self.end_headers()
                    for event in payload:
                        if event is None:  # the stream stalls here
                            owner.release.wait(30)
                            return
                        self.wfile.write(f"data: {event}\n\n".encode())
                        self.wfile.flush()
                    return
                raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                for key, value in (extra or {}).items():
                    self.send_header(key, value)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@contextlib.contextmanager
def closed_port_url():
    """A loopback URL where nothing listens, for as long as the block runs: the port stays bound and never listens, so
    a connection is refused. Closed at once, the port was free again: a server another test process started while the
    clip was perceived (tests run side by side on one machine) could take it, and answer."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/v1"


def fast(url, **options) -> OpenAICompatReasoner:
    return OpenAICompatReasoner(base_url=url, timeout_s=5, **options)


def test_a_good_answer_is_parsed_and_the_request_is_well_formed():
    with Scripted(lambda body, n, s: (200, completion(json.dumps(GOOD)), None)) as server:
        analysis = fast(server.url).reason(make_request())
    assert analysis.basic_emotion == "anger" and analysis.emotions == ["sarcastic"]
    body = server.requests[0]
    assert body["model"] == "scripted-model"  # discovered from GET /v1/models
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert "<transcript>" in body["messages"][1]["content"]
    schema = body["response_format"]["json_schema"]["schema"]
    assert body["response_format"]["type"] == "json_schema" and schema["required"] == list(ANSWER_KEYS)


def test_api_key_comes_from_the_named_environment_variable(monkeypatch):
    monkeypatch.setenv("MY_SERVER_KEY", "sk-test-123")
    with Scripted(lambda body, n, s: (200, completion(json.dumps(GOOD)), None), models=None) as server:
        reasoner = fast(server.url, api_key_env="MY_SERVER_KEY")
        reasoner.reason(make_request())
    sent = {k.lower(): v for k, v in server.headers[0].items()}  # header names are case-insensitive
    assert sent.get("authorization") == "Bearer sk-test-123"
    monkeypatch.delenv("MY_SERVER_KEY")
    with Scripted(lambda body, n, s: (200, completion(json.dumps(GOOD)), None), models=None) as server:
        fast(server.url, api_key_env="MY_SERVER_KEY").reason(make_request())
    assert "authorization" not in {k.lower() for k in server.headers[0]}  # no key: no header at all
    assert server.requests[0]["model"] == "default"  # no /models endpoint: the server's one model


def test_refused_connection_is_retried_then_reported():
    with closed_port_url() as url:
        reasoner = fast(url, retries=2)
        start = time.perf_counter()
        with pytest.raises(ReasonerError, match="refused the connection after 3 attempt"):
            reasoner.reason(make_request())
    assert 1.0 <= time.perf_counter() - start < 5  # two backoffs: 0.5 s then 1 s, each less up to 25% jitter


@pytest.mark.parametrize("retries", [0, 2])
def test_a_hanging_server_is_asked_once_whatever_the_retries(retries):
    """A read timeout is not retried (http_retries; docs/reasoners.md): the server has the request and took
    timeout_s; asking again would take as long again (trial E: 3 x 120 s). One request, about timeout_s."""
    def hang(body, n, server):
        server.release.wait(30)
        return 200, completion(json.dumps(GOOD)), None

    with Scripted(hang) as server:
        reasoner = OpenAICompatReasoner(base_url=server.url, model="m", timeout_s=1, retries=retries)
        start = time.perf_counter()
        with pytest.raises(ReasonerError, match=r"did not answer within 1 s \(timeout_s\), 1 attempt\(s\); a read timeout is not retried"):
            reasoner.reason(make_request())
        elapsed = time.perf_counter() - start
    assert len(server.requests) == 1
    assert 1 <= elapsed < 1.7


def test_retries_of_a_failing_server_stay_within_timeout_s():
    """A server answering 503 at once with Retry-After 0.4 s: retried while the wait ends before the request's
    timeout_s deadline (1 s), so 3 requests (at ~0, 0.4, 0.8 s), not retries + 1 = 11, and under ~1 s in all."""
    def busy(body, n, server):
        return 503, {"error": "loading model"}, {"Retry-After": "0.4"}

    with Scripted(busy) as server:
        reasoner = OpenAICompatReasoner(base_url=server.url, model="m", timeout_s=1, retries=10)
        start = time.perf_counter()
        with pytest.raises(ReasonerError, match=r"HTTP 503"):
            reasoner.reason(make_request())
        elapsed = time.perf_counter() - start
    assert 2 <= len(server.requests) <= 3
    assert elapsed < 1.3


def test_a_slow_answer_then_a_timeout_is_not_asked_again():
    """A server that answers the look offer slowly but within timeout_s, then hangs: the round ends at the
    first read timeout (one request each), about 2 x timeout_s here, the per-round bound in docs/reasoners.md."""
    def slow_then_hang(body, n, server):
        if n == 1:
            time.sleep(0.8)
            return 200, completion(json.dumps(GOOD)), None
        server.release.wait(30)
        return 200, completion(json.dumps(GOOD)), None

    with Scripted(slow_then_hang) as server:
        reasoner = OpenAICompatReasoner(base_url=server.url, model="m", timeout_s=1, retries=2, parse_retries=1)
        start = time.perf_counter()
        reasoner.complete("first")  # 0.8 s: within timeout_s
        with pytest.raises(ReasonerError, match="did not answer within 1 s"):
            reasoner.complete("second")
        elapsed = time.perf_counter() - start
    assert len(server.requests) == 2 and 1.8 <= elapsed < 2.6


def test_5xx_and_429_are_retried_with_backoff():
    def flaky(body, n, server):
        if n == 1:
            return 503, {"error": "loading model"}, None
        if n == 2:
            return 429, {"error": "slow down"}, {"Retry-After": "0"}
        return 200, completion(json.dumps(GOOD)), None

    with Scripted(flaky) as server:
        analysis = fast(server.url, model="m", retries=2).reason(make_request())
    assert analysis.reasoning and len(server.requests) == 3


def test_persistent_5xx_is_reported_with_the_status():
    with Scripted(lambda body, n, s: (500, {"error": "CUDA out of memory"}, None)) as server:
        with pytest.raises(ReasonerError, match=r"HTTP 500.*CUDA out of memory"):
            fast(server.url, model="m", retries=1).reason(make_request())
        assert len(server.requests) == 2


def test_a_malformed_body_is_reported():
    with Scripted(lambda body, n, s: (200, b"<html>proxy error</html>", None)) as server:
        with pytest.raises(ReasonerError, match=r"malformed body \(not JSON\).*proxy error"):
            fast(server.url, model="m").reason(make_request())
    with Scripted(lambda body, n, s: (200, {"result": "ok"}, None)) as server:
        with pytest.raises(ReasonerError, match=r"malformed body \(no choices"):
            fast(server.url, model="m").reason(make_request())


def test_unreadable_model_content_is_repaired_then_reported():
    with Scripted(lambda body, n, s: (200, completion("They look happy to me!"), None)) as server:
        with pytest.raises(ReasonerError, match=r"no usable analysis in 2 attempt.*They look happy to me"):
            fast(server.url, model="m", parse_retries=1).reason(make_request())
    repair = server.requests[1]["messages"]
    assert repair[-2] == {"role": "assistant", "content": "They look happy to me!"}
    assert repair[-1]["role"] == "user" and "could not be read" in repair[-1]["content"]


def test_a_repaired_answer_is_accepted():
    answers = iter(["Sure! The person is", json.dumps(GOOD)])
    with Scripted(lambda body, n, s: (200, completion(next(answers)), None)) as server:
        analysis = fast(server.url, model="m").reason(make_request())
    assert analysis.emotions == ["sarcastic"] and "attempt 2" in analysis.weighed[-1]


def test_response_format_refusal_falls_back_and_is_remembered():
    def picky(body, n, server):
        if body.get("response_format", {}).get("type") == "json_schema":
            return 400, {"error": "response_format json_schema is not supported"}, None
        return 200, completion(json.dumps(GOOD)), None

    with Scripted(picky) as server:
        reasoner = fast(server.url, model="m")
        reasoner.reason(make_request())
        reasoner.reason(make_request())
    kinds = [(r.get("response_format") or {}).get("type") for r in server.requests]
    assert kinds == ["json_schema", "json_object", "json_object"]
    assert "schema" in server.requests[1]["response_format"] and "schema" in server.requests[2]["response_format"]


def test_a_server_refusing_every_response_format_is_asked_without_one():
    def plain(body, n, server):
        if "response_format" in body:
            return 422, {"error": "unknown field"}, None
        return 200, completion(json.dumps(GOOD)), None

    with Scripted(plain) as server:
        fast(server.url, model="m").reason(make_request())
    formats = [r.get("response_format") for r in server.requests]
    assert [f["type"] if f else None for f in formats] == ["json_schema", "json_object", "json_object", None]


def test_streaming_reads_server_sent_events():
    text = json.dumps(GOOD)
    pieces = [text[i : i + 7] for i in range(0, len(text), 7)]
    events = [json.dumps({"choices": [{"index": 0, "delta": {"content": p}}]}) for p in pieces] + ["[DONE]"]
    with Scripted(lambda body, n, s: (200, events, None)) as server:
        analysis = fast(server.url, model="m", stream=True).reason(make_request())
    assert analysis.basic_emotion == "anger" and server.requests[0]["stream"] is True


def test_a_server_that_ignores_stream_is_read_as_one_body():
    with Scripted(lambda body, n, s: (200, completion(json.dumps(GOOD)), None)) as server:
        assert fast(server.url, model="m", stream=True).reason(make_request()).basic_emotion == "anger"


def test_a_malformed_stream_event_is_reported():
    with Scripted(lambda body, n, s: (200, ["{not json"], None)) as server:
        with pytest.raises(ReasonerError, match="streamed a malformed event.*not json"):
            fast(server.url, model="m", stream=True).reason(make_request())
    with Scripted(lambda body, n, s: (200, ['{"result": "ok"}'], None)) as server:  # JSON, but no choices
        with pytest.raises(ReasonerError, match="streamed a malformed event.*result"):
            fast(server.url, model="m", stream=True).reason(make_request())


def test_a_stalled_stream_is_reported_without_a_retry():
    first = json.dumps({"choices": [{"index": 0, "delta": {"content": "{"}}]})
    with Scripted(lambda body, n, s: (200, [first, None], None)) as server:
        start = time.perf_counter()
        with pytest.raises(ReasonerError, match=r"stopped streaming: ReadTimeout.*timeout_s = 0.5 s"):
            OpenAICompatReasoner(base_url=server.url, model="m", stream=True, timeout_s=0.5).reason(make_request())
        assert time.perf_counter() - start < 3 and len(server.requests) == 1


def test_bad_options_are_clear_errors():
    with pytest.raises(ReasonerError, match="json_mode must be one of"):
        OpenAICompatReasoner(json_mode="xml")
    with pytest.raises(ReasonerError, match="base_url must be an http"):
        OpenAICompatReasoner(base_url="localhost:8000")


# -- through the graph: every fault ends in a recorded error and the fusion fallback -----------------


def _hang_server():
    def hang(body, n, server):
        server.release.wait(30)
        return 200, completion(json.dumps(GOOD)), None

    return Scripted(hang)


@pytest.mark.parametrize("fault, message", [
    ("refused", "refused the connection"),
    ("hang", "did not answer within"),
    ("not_json", "malformed body"),
    ("prose", "no usable analysis"),
])
def test_faults_fall_back_to_fusion_with_the_error_recorded(registry, face_speech_clip, fault, message):
    servers = {
        "hang": _hang_server,
        "not_json": lambda: Scripted(lambda b, n, s: (200, b"Internal Server Error", None)),
        "prose": lambda: Scripted(lambda b, n, s: (200, completion("happy happy happy"), None)),
    }
    options = {"model": "m", "timeout_s": 1, "retries": 1}
    if fault == "refused":
        with closed_port_url() as url:
            options["base_url"] = url
            result = analyze(face_speech_clip, plugins=["prosody"], reasoner="openai", reasoner_options=options, max_rounds=1)
    else:
        with servers[fault]() as server:
            options["base_url"] = server.url
            result = analyze(face_speech_clip, plugins=["prosody"], reasoner="openai", reasoner_options=options, max_rounds=1)
    assert result.reasoner == "fusion (fallback from openai)"
    assert result.analysis is not None and result.evidence.sentiment_analysis.ok
    assert any("reasoner 'openai' failed" in e and message in e for e in result.errors), result.errors


def test_the_plugins_command_lists_the_llm_reasoners(registry, capsys):
    from saber_agent.cli import main

    assert main(["plugins", "--json"]) == 0
    reasoners = {r["name"]: r for r in json.loads(capsys.readouterr().out)["reasoners"]}
    assert {"fusion", "transformers", "openai"} <= set(reasoners)
    assert reasoners["openai"]["plugin"] == "openai" and "base_url" in reasoners["openai"]["description"]


def test_the_cli_selects_the_backend_with_its_options(registry, capsys, face_speech_clip):
    from saber_agent.cli import main

    with Scripted(lambda body, n, s: (200, completion(json.dumps(GOOD)), None)) as server:
        code = main(["analyze", str(face_speech_clip), "--plugins", "prosody", "--reasoner", "openai",
                     "-o", f"base_url={server.url}", "-o", "model=served-model", "-o", "max_tokens=99", "--json"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    # the server's answer parsed; it cites a smile and words that a prosody-only run has not (grounding fails in
    # the last round), so the fusion answer replaces it and the server's answer is kept as `rejected`
    assert result["reasoner"] == "fusion (fallback from openai)" and result["rejected"]["emotions"] == ["sarcastic"]
    assert not any("failed in round" in e for e in result["errors"]), result["errors"]
    assert server.requests[0]["model"] == "served-model" and server.requests[0]["max_tokens"] == 99


def test_complete_is_free_text_without_response_format():
    """`complete(prompt)` serves an LLM judge (saber_agent.eval.metrics): plain text, no schema forced on it."""
    with Scripted(lambda body, n, s: (200, completion("score: 7"), None)) as server:
        assert fast(server.url, model="m").complete("Rate the prediction from 1 to 10.") == "score: 7"
    assert "response_format" not in server.requests[0]
    assert server.requests[0]["messages"] == [{"role": "user", "content": "Rate the prediction from 1 to 10."}]


def test_the_schema_bounds_strings_by_the_token_budget():
    """A small model fills a string until the budget runs out; the bounds keep the reasoning reachable."""
    from saber_agent.plugins.reasoners.openai_compat import answer_schema

    for budget in (128, 320, 512, 2048):
        props = answer_schema(budget)["properties"]
        before_reasoning = props["visual_evidence"]["maxLength"] + props["acoustic_evidence"]["maxLength"]
        assert before_reasoning <= max(120, 0.6 * budget) and props["reasoning"]["minLength"] == 1


# -- second looks through the request_perception tool -------------------------------------------

VOICE_ONLY = {**GOOD, "visual_evidence": "", "cues_cited": {"voice": ["low pitch"]}, "conflict_explanation": None}


def tool_call(arguments: dict | str, name: str = "request_perception") -> dict:
    args = arguments if isinstance(arguments, str) else json.dumps(arguments)
    message = {"role": "assistant", "content": None,
               "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": name, "arguments": args}}]}
    return {"id": "x", "object": "chat.completion", "model": "scripted",
            "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls"}]}


def calls_then_answers(arguments: dict, answer: dict):
    """A scripted model that calls request_perception whenever the tool is offered, else answers."""
    def respond(body, n, server):
        return 200, tool_call(arguments) if "tools" in body else completion(json.dumps(answer)), None
    return respond


def looking_request(looks_left: int = 1) -> ReasoningRequest:
    request = make_request()
    request.evidence.acoustic_feat = Slot(text="Low pitch.", status="ok", provenance={"plugin": "prosody"})
    request.evidence.facial_exp_desc.provenance = Provenance(plugin="face")
    request.looks_left = looks_left
    return request


def test_a_model_asks_for_a_second_look_through_the_tool(registry):
    look = {"tool": "prosody", "start_s": 3.1, "end_s": 5.5, "reason": "the tone seems to change"}
    with Scripted(calls_then_answers(look, GOOD)) as server:
        analysis = fast(server.url).reason(looking_request())
    assert analysis.perception_requests == [PerceptionRequest.model_validate(look)]
    assert analysis.basic_emotion == "anger"  # the round still ends in an answer from the evidence so far
    offered, answered = server.requests
    (tool,) = offered["tools"]
    assert tool["function"]["name"] == "request_perception" and offered["tool_choice"] == "auto"
    assert tool["function"]["parameters"]["properties"]["tool"]["enum"] == ["face", "prosody"]  # what filled slots
    assert "response_format" not in offered and "tools" not in answered
    roles = [m["role"] for m in answered["messages"]]
    assert roles == ["system", "user", "assistant", "tool", "user"]
    assert answered["messages"][2]["tool_calls"][0]["id"] == answered["messages"][3]["tool_call_id"] == "call_1"
    assert "Scheduled: prosody on 3.1-5.5 s" in answered["messages"][3]["content"]


def test_no_tool_is_offered_when_the_budget_is_spent_or_looks_are_off(registry):
    with Scripted(lambda body, n, s: (200, completion(json.dumps(GOOD)), None)) as server:
        fast(server.url).reason(looking_request(looks_left=0))
        fast(server.url, request_looks=False).reason(looking_request())
    assert len(server.requests) == 2 and not any("tools" in r for r in server.requests)


def test_a_model_that_answers_instead_of_calling_the_tool_is_read_in_one_call(registry):
    with Scripted(lambda body, n, s: (200, completion(json.dumps(GOOD)), None)) as server:
        analysis = fast(server.url).reason(looking_request())
    assert analysis.basic_emotion == "anger" and analysis.perception_requests == []
    assert len(server.requests) == 1 and "tools" in server.requests[0]


def test_a_model_that_declines_the_tool_is_asked_for_the_structured_answer(registry):
    with Scripted(lambda body, n, s: (200, completion("I see no need for a second look."), None)) as server:
        with pytest.raises(ReasonerError):  # the free-text answers never parse ...
            fast(server.url).reason(looking_request())
    assert "tools" in server.requests[0] and "response_format" in server.requests[1]  # ... but it was asked


def test_a_server_that_refuses_tools_is_remembered(registry):
    def respond(body, n, server):
        if "tools" in body:
            return 400, {"error": {"message": "tools are not supported"}}, None
        return 200, completion(json.dumps(GOOD)), None

    with Scripted(respond) as server:
        reasoner = fast(server.url)
        assert reasoner.reason(looking_request()).perception_requests == []
        reasoner.reason(looking_request())
    assert ["tools" in r for r in server.requests] == [True, False, False]


def test_a_tool_call_written_as_text_is_read_as_a_call(registry):
    """Small models (Qwen2.5-Coder-1.5B measured) often write the call as JSON in the answer instead of a tool
    call; a call to our tool is read as one, and anything else stays an answer."""
    from saber_agent.plugins.reasoners.openai_compat import tool_call_in_text

    look = {"tool": "prosody", "start_s": 1.0, "end_s": 2.0}
    written = '```json\n{"name": "request_perception", "arguments": ' + json.dumps(look) + '}\n```'

    def respond(body, n, server):
        return 200, completion(written if "tools" in body else json.dumps(GOOD)), None

    with Scripted(respond) as server:
        analysis = fast(server.url).reason(looking_request())
    assert analysis.perception_requests == [PerceptionRequest.model_validate(look)]
    assert server.requests[1]["messages"][3]["role"] == "tool"
    assert tool_call_in_text('<tool_call>{"name": "request_perception", "arguments": "{}"}</tool_call>')
    assert tool_call_in_text('{"name": "other_tool", "arguments": {}}') is None
    assert tool_call_in_text(json.dumps(GOOD)) is None and tool_call_in_text(None) is None


def test_an_invalid_tool_call_is_reported_not_taken(registry):
    bad = {"tool": "prosody", "start_s": 5, "end_s": 2}
    with Scripted(calls_then_answers(bad, GOOD)) as server:
        analysis = fast(server.url).reason(looking_request())
    assert analysis.perception_requests == []
    assert any("invalid request_perception call" in w for w in analysis.weighed)
    assert server.requests[1]["messages"][3]["content"].startswith("Not scheduled:")


def test_through_the_graph_the_look_is_taken_and_shown_in_the_next_round(registry, tmp_path):
    """A real clip, the real prosody plugin, the graph's planning; only the model's choices are scripted."""
    import numpy as np

    from saber_agent.media import decode
    from saber_agent.testing import synth

    high = synth.speak("What a lovely surprise, thank you so much.", tmp_path / "high.wav", pitch=90, speed=160)
    # one speaker at two pitch settings: at pitch 25 the voice-change cut (saber_agent.voice_changes) hears a second
    # voice, and one voice reading over two speakers is withheld
    low = synth.speak("Get out of my room right now.", tmp_path / "low.wav", pitch=70, speed=190)
    split = decode(high).info.duration_s
    wav = synth.write_wav(tmp_path / "two.wav", np.concatenate([decode(high).audio, decode(low).audio]))
    clip = synth.make_clip(tmp_path / "two.m4a", None, wav)
    look = {"tool": "prosody", "start_s": round(split, 2), "reason": "the second voice sounds different"}
    with Scripted(calls_then_answers(look, VOICE_ONLY)) as server:
        result = analyze(clip, plugins=["prosody"], reasoner="openai", max_rounds=2,
                         reasoner_options={"base_url": server.url, "timeout_s": 10})
    assert result.reasoner == "openai", result.errors
    (taken,) = result.reperceptions
    assert taken.status == "done" and taken.asked_by == "reasoner openai" and taken.request.start_s == round(split, 2)
    assert f"Between {round(split, 2):g} s" in result.evidence.acoustic_feat.text  # merged with provenance
    prompts = [r["messages"][1]["content"] for r in server.requests]
    assert "Second looks" not in prompts[0] and "## Second looks at the clip so far\n- prosody on" in prompts[-1]
    # round 2 may not ask again: the budget (2 looks) has room, but no round would be left to use it
    assert "tools" not in server.requests[-1] and result.rounds == 2


def test_sampled_calls_send_successive_seeds_greedy_ones_the_same():
    with Scripted(lambda body, n, s: (200, completion(json.dumps(GOOD)), None)) as server:
        sampler = fast(server.url, temperature=0.8, seed=5)
        greedy = fast(server.url, seed=5)
        for reasoner in (sampler, sampler, sampler, greedy, greedy):
            reasoner.reason(make_request())
    assert [r["seed"] for r in server.requests] == [5, 6, 7, 5, 5]


# -- a round that answers a failed emotion_backing: the schema sent lists only the backed emotions ----------------
# The server is the same real loopback `Scripted` server, which records each request body: it does not decode
# under the schema (a real server would), so the tests read the schema it was sent, and check it with jsonschema.


def _after_failed_backing(request: ReasoningRequest) -> ReasoningRequest:
    """`request` in round 2, with the critique the real check gives an answer naming anger (no modality reads it)."""
    from saber_agent.evidence import Analysis
    from saber_agent.plugins.checks import EmotionBacking

    failed = EmotionBacking().check(request, Analysis(basic_emotion="anger", conflict_explanation="face vs words: x"))
    assert not failed.passed, failed.message
    return request.model_copy(update={"critique": [f"{failed.name}: {failed.message}"], "round": 2})


def _sent_schema(body: dict) -> dict:
    return body["response_format"]["json_schema"]["schema"]


BACKED = {**GOOD, "basic_emotion": "happiness", "emotions": ["wistful"], "conflict_explanation": "face vs words: a brave smile"}


def test_a_round_after_failed_emotion_backing_sends_only_the_backed_emotions():
    from saber_agent.evidence import BASIC_EMOTIONS
    from saber_agent.plugins.checks import backed_emotions
    from tests.support.reasoner_cases import smile_over_sad_words_request

    first = smile_over_sad_words_request()
    retry = _after_failed_backing(first)
    with Scripted(lambda body, n, s: (200, completion(json.dumps(BACKED)), None)) as server:
        reasoner = fast(server.url)
        reasoner.reason(first)
        assert reasoner.reason(retry).basic_emotion == "happiness"
    round_1, round_2 = (_sent_schema(b) for b in server.requests)
    assert round_1["properties"]["basic_emotion"]["enum"] == list(BASIC_EMOTIONS)  # round 1: the model's own judgement
    assert round_2["properties"]["basic_emotion"]["enum"] == backed_emotions(retry) == ["happiness", "neutral", "sadness"]
    assert set(round_2["required"]) == set(round_1["required"])
    # one cue from each modality with evidence required (what backed_emotions assumes of the answer)
    assert set(round_2["properties"]["cues_cited"]["required"]) == {"face", "voice", "words"}
    assert all(round_2["properties"]["cues_cited"]["properties"][m]["minItems"] == 1 for m in ("face", "voice", "words"))
    # the emotion words stay open (not an enum in this schema); the reasoner's own schema is left as it was
    assert "enum" not in round_2["properties"]["emotions"]["items"]
    assert reasoner.schema["properties"]["basic_emotion"]["enum"] == list(BASIC_EMOTIONS)
    assert "required" not in reasoner.schema["properties"]["cues_cited"]
    jsonschema = pytest.importorskip("jsonschema")
    anger = {**BACKED, "basic_emotion": "anger", "cues_cited": {"face": ["smiles"], "voice": ["flat"], "words": ["miss"]}}
    jsonschema.validate(anger, round_1)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(anger, round_2)
    jsonschema.validate({**anger, "basic_emotion": "sadness"}, round_2)


def test_another_failed_check_leaves_the_schema_as_it_is():
    from tests.support.reasoner_cases import smile_over_sad_words_request

    request = smile_over_sad_words_request().model_copy(
        update={"critique": ["grounding: cited cues not found in the evidence: face: 'grin'"], "round": 2})
    with Scripted(lambda body, n, s: (200, completion(json.dumps(BACKED)), None)) as server:
        reasoner = fast(server.url)
        reasoner.reason(request)
    assert _sent_schema(server.requests[0]) == reasoner.schema


def test_concurrent_rounds_each_send_their_own_schema():
    """One reasoner serving threads (the batch runner does): a limited round's schema never leaks into another's."""
    from concurrent.futures import ThreadPoolExecutor

    from saber_agent.evidence import BASIC_EMOTIONS
    from tests.support.reasoner_cases import smile_over_sad_words_request

    first = smile_over_sad_words_request()
    retry = _after_failed_backing(first)
    with Scripted(lambda body, n, s: (200, completion(json.dumps(BACKED)), None)) as server:
        reasoner = fast(server.url)
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(reasoner.reason, [first, retry] * 8))
    assert len(server.requests) == 16
    for body in server.requests:
        limited = "emotion_backing:" in body["messages"][1]["content"]
        expected = ["happiness", "neutral", "sadness"] if limited else list(BASIC_EMOTIONS)
        assert _sent_schema(body)["properties"]["basic_emotion"]["enum"] == expected
    assert sum("emotion_backing:" in b["messages"][1]["content"] for b in server.requests) == 8


def test_a_free_answer_naming_an_unbacked_emotion_is_asked_again_with_the_limit(registry):
    """With a second look on offer, the first call has no response_format; in a limited round an answer it gives
    naming an emotion the evidence does not back is not taken: the structured call follows, with the limit."""
    from tests.support.reasoner_cases import smile_over_sad_words_request

    def respond(body, n, server):  # the free call answers anger (as the 1.5B did); the structured one what it may
        return 200, completion(json.dumps(GOOD if "tools" in body else BACKED)), None

    first = smile_over_sad_words_request()
    first.evidence.facial_exp_desc.provenance = Provenance(plugin="face")
    first.looks_left = 1
    with Scripted(respond) as server:
        assert fast(server.url).reason(first).basic_emotion == "anger"  # round 1: the free answer is taken
        assert len(server.requests) == 1
        analysis = fast(server.url).reason(_after_failed_backing(first))
    assert analysis.basic_emotion == "happiness"
    offered, answered = server.requests[1:]
    assert "tools" in offered and "response_format" not in offered
    assert _sent_schema(answered)["properties"]["basic_emotion"]["enum"] == ["happiness", "neutral", "sadness"]


def test_no_cue_at_all_is_undetermined_without_asking_the_server():
    """Music only: no modality gave an estimate, so no server is asked (none listens at the URL: a call would
    fail with a refused connection) and the answer is fusion's "undetermined"."""
    from tests.support.reasoner_cases import check_undetermined_without_the_model

    with closed_port_url() as url:
        check_undetermined_without_the_model(fast(url, retries=0), url)
