"""Reasoner "openai": any OpenAI-compatible chat server (vLLM, llama.cpp server, Ollama, OpenAI).

It sends the SED prompt (`saber_agent.sed_prompt`) to ``{base_url}/chat/completions`` and parses the answer.
Transport faults are retried with exponential backoff (refused or reset connections, HTTP 5xx and
429, honouring a short ``Retry-After``); a server that does not answer within the timeout is not
retried (it would only multiply the wait). Unreadable answers are repaired by asking again. Every
failure ends in a `ReasonerError` that says what happened; the graph then records it and falls
back to the evidence-fusion reasoner.

Structured output: with ``json_mode="auto"`` (the default) the request asks for a JSON object
constrained by the answer's JSON Schema, first as ``{"type": "json_schema", ...}`` (OpenAI, vLLM,
Ollama, llama.cpp's own server), then as ``{"type": "json_object", "schema": ...}``
(llama-cpp-python's server), then as a plain ``{"type": "json_object"}``, then with no
``response_format``: each refusal (HTTP 400/422) moves to the next, and what the server accepted is
remembered for the life of the reasoner.

Second looks: while the clip's budget allows one (`ReasoningRequest.looks_left`), the first call of a
round also offers the ``request_perception`` tool (`saber_agent.reperception.request_tool_schema`,
restricted to the tools that filled the evidence) with ``tool_choice="auto"`` and no response_format
(servers differ in how they combine the two). A model that answers instead is read as usual (or asked
again in the structured mode when its answer does not read). A model that calls the tool
gets a tool reply saying the look is scheduled, then answers as usual with the evidence so far; the
validated calls become `Analysis.perception_requests`, which the graph plans against the budget,
takes, and shows in the next round. A server that refuses ``tools`` is remembered and asked without
them; ``request_looks=False`` never offers the tool.

The API key is read from the environment (``OPENAI_API_KEY``, or the variable named by the
``api_key_env`` option), never from the options, so it stays out of settings and logs.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import threading
import time
from typing import Any

from saber_agent import hookimpl
from saber_agent.errors import missing_extra
from saber_agent.evidence import BASIC_EMOTIONS, PERCEPTION_SLOTS, Analysis, PerceptionRequest
from saber_agent.media import Clip
from saber_agent.reasoning import Reasoner, ReasonerError, ReasoningRequest
from saber_agent.reperception import REQUEST_TOOL_NAME, request_from_tool_call, request_tool_schema
from saber_agent.sed_prompt import ANSWER_KEYS, AnalysisParseError, answer_with_repair, build_messages, excerpt, parse_analysis

DEFAULT_BASE_URL = "http://127.0.0.1:8000/v1"
JSON_MODES = ("auto", "schema", "object_schema", "object", "off")
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
_MAX_RETRY_AFTER_S = 30.0

def answer_schema(max_tokens: int = 512) -> dict[str, Any]:
    """The answer's JSON Schema, for servers that constrain decoding to it.

    The string lengths are bounded by the token budget, so that the reasoning (third in SED order)
    is always reached: a small model otherwise fills the first string until the budget runs out
    (a cut-off answer without reasoning). Worst case one token per character (digits), so the two
    evidence strings together take at most 60% of the budget.
    """
    evidence = max(60, int(max_tokens * 0.3))
    cues = {"type": "array", "items": {"type": "string", "maxLength": 80}, "maxItems": 2}
    return {
        "type": "object",
        "properties": {
            "visual_evidence": {"type": "string", "maxLength": evidence},
            "acoustic_evidence": {"type": "string", "maxLength": evidence},
            "reasoning": {"type": "string", "minLength": 1, "maxLength": max(120, int(max_tokens * 0.8))},
            "emotions": {"type": "array", "items": {"type": "string", "maxLength": 30}, "minItems": 1, "maxItems": 4},
            "basic_emotion": {"type": "string", "enum": list(BASIC_EMOTIONS)},
            "valence": {"type": "number"},
            "arousal": {"type": "number"},
            "cues_cited": {
                "type": "object",
                "properties": {m: cues for m in ("face", "voice", "words", "body", "scene")},
            },
            "conflict_explanation": {"type": ["string", "null"], "maxLength": evidence},
        },
        "required": list(ANSWER_KEYS),
    }


def _need_httpx():
    try:
        import httpx
    except ImportError:
        raise ReasonerError(missing_extra("the openai reasoner", "httpx", "openai")) from None
    return httpx


class _HTTPError(ReasonerError):
    """The server answered with an HTTP error status."""


class _Refused(Exception):
    """The server refused the request's response_format (HTTP 400/422)."""


class OpenAICompatReasoner(Reasoner):
    """Reasons through an OpenAI-compatible ``/chat/completions`` endpoint."""

    name = "openai"

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        model: str | None = None,
        api_key_env: str = "OPENAI_API_KEY",
        timeout_s: float = 120.0,
        connect_timeout_s: float = 5.0,
        retries: int = 2,
        backoff_s: float = 0.5,
        parse_retries: int = 1,
        stream: bool = False,
        json_mode: str = "auto",
        max_tokens: int = 512,
        temperature: float = 0.0,
        seed: int | None = 0,
        request_looks: bool = True,
    ) -> None:
        httpx = _need_httpx()
        if json_mode not in JSON_MODES:
            raise ReasonerError(f"json_mode must be one of {', '.join(JSON_MODES)}, not {json_mode!r}")
        if not str(base_url).startswith(("http://", "https://")):
            raise ReasonerError(f"base_url must be an http(s) URL such as {DEFAULT_BASE_URL}, not {base_url!r}")
        self.base_url = str(base_url).rstrip("/")
        self.requested_model = model
        self.timeout_s, self.retries, self.backoff_s = float(timeout_s), max(0, int(retries)), float(backoff_s)
        self.parse_retries, self.stream = max(0, int(parse_retries)), bool(stream)
        self.max_tokens, self.temperature, self.seed = int(max_tokens), float(temperature), seed
        self.json_modes = list(JSON_MODES[1:]) if json_mode == "auto" else [json_mode]
        self.schema = answer_schema(self.max_tokens)
        self.request_looks = bool(request_looks)  # offer the request_perception tool; off once a server refuses it
        self.model = model or self.base_url  # provenance; refined once the server names its model
        headers = {"Accept": "application/json"}
        key = os.environ.get(api_key_env, "") if api_key_env else ""
        if key:
            headers["Authorization"] = f"Bearer {key}"
        self._client = httpx.Client(
            headers=headers,
            timeout=httpx.Timeout(self.timeout_s, connect=float(connect_timeout_s)),
            follow_redirects=True,
            # proxies from the environment serve remote servers; a loopback server must not go through one
            trust_env=httpx.URL(self.base_url).host not in ("127.0.0.1", "localhost", "::1"),
        )
        self._lock = threading.Lock()
        self._draws = itertools.count()  # sampled calls so far: call i sends seed + i
        self._model_id: str | None = model

    # -- the reasoner ------------------------------------------------------------------------------

    def reason(self, request: ReasoningRequest, clip: Clip | None = None) -> Analysis:
        model = self.model_id()
        messages = self.messages(request)
        asked: list[PerceptionRequest] = []
        notes: list[str] = []
        if self.request_looks and request.looks_left > 0:
            messages, asked, notes, said = self._offer_looks(messages, request)
            if said:  # the model answered instead of calling the tool: use that answer when it reads
                try:
                    return parse_analysis(said)
                except AnalysisParseError:
                    pass  # asked again below, in the structured mode
        analysis, attempts = answer_with_repair(
            self._complete, messages, retries=self.parse_retries, source=f"model {model!r} at {self.base_url}"
        )
        if attempts > 1:
            analysis.weighed.append(f"answer read on attempt {attempts} after a repair request")
        analysis.weighed.extend(notes)
        analysis.perception_requests = asked[: request.looks_left]
        return analysis

    def messages(self, request: ReasoningRequest) -> list[dict[str, Any]]:
        """The chat messages of one round: the SED prompt (`saber_agent.sed_prompt.build_messages`)."""
        return build_messages(request)

    def _offer_looks(
        self, messages: list[dict[str, Any]], request: ReasoningRequest
    ) -> tuple[list[dict[str, Any]], list[PerceptionRequest], list[str], str]:
        """One call offering `request_perception`. Returns the messages to answer from (with the tool
        exchange appended when the model called it), the valid requests, notes on invalid calls, and
        what the model said instead when it called no tool."""
        tools = looked_at_by(request)
        if not tools:
            return messages, [], [], ""
        payload: dict[str, Any] = {
            "model": self.model_id(), "messages": messages, "max_tokens": self.max_tokens,
            "temperature": self.temperature, "tools": [request_tool_schema(tools)], "tool_choice": "auto",
        }
        if self.seed is not None:
            payload["seed"] = self._next_seed()
        try:
            body = self._chat(payload, refusable=True)
        except _Refused:
            self.request_looks = False  # remembered: this server is asked without tools from now on
            return messages, [], [], ""
        message = _message(body, self.base_url)
        calls = [c for c in message.get("tool_calls") or [] if isinstance(c, dict)]
        if not calls and (call := tool_call_in_text(message.get("content"))):
            calls, message = [call], {**message, "content": ""}
        if not calls:
            return messages, [], [], str(message.get("content") or "")
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
        exchange = [{"role": "assistant", "content": message.get("content") or "", "tool_calls": calls}, *replies]
        ask = {"role": "user", "content": "Now answer from the evidence so far, with the JSON object only."}
        return [*messages, *exchange, ask], asked, notes, ""

    def _next_seed(self) -> int:
        """Greedy calls send the seed; sampled call i sends seed + i, so K samples of one request
        differ and a reasoner with the same seed asks for the same sequence again."""
        return self.seed if self.temperature <= 0 else self.seed + next(self._draws)

    def model_id(self) -> str:
        """The model to ask for: the option, else the first one the server lists, else "default"."""
        with self._lock:
            if self._model_id is None:
                try:
                    body = self._send("GET", "/models", None).json()
                    listed = [m.get("id") for m in body.get("data", []) if isinstance(m, dict) and m.get("id")]
                except (_HTTPError, ValueError, AttributeError):
                    listed = []  # a server without /models serves one model anyway
                self._model_id = str(listed[0]) if listed else "default"
                self.model = self._model_id
            return self._model_id

    def close(self) -> None:
        self._client.close()

    # -- one chat completion -------------------------------------------------------------------------

    def complete(self, prompt: str) -> str:
        """Free text for one user prompt (no structured output): e.g. for an LLM judge."""
        return self._complete([{"role": "user", "content": prompt}], structured=False)

    def _complete(self, messages: list[dict[str, str]], structured: bool = True) -> str:
        """The assistant's text for `messages`, trying the structured-output modes the server accepts."""
        while True:
            mode = self.json_modes[0] if structured else "off"
            payload: dict[str, Any] = {
                "model": self.model_id(), "messages": messages, "max_tokens": self.max_tokens,
                "temperature": self.temperature, "stream": self.stream,
            }
            if self.seed is not None:
                payload["seed"] = self._next_seed()
            if mode == "schema":
                payload["response_format"] = {
                    "type": "json_schema",
                    "json_schema": {"name": "sed_analysis", "schema": self.schema, "strict": False},
                }
            elif mode == "object_schema":  # llama-cpp-python's spelling of a schema constraint
                payload["response_format"] = {"type": "json_object", "schema": self.schema}
            elif mode == "object":
                payload["response_format"] = {"type": "json_object"}
            try:
                return self._stream(payload) if self.stream else self._once(payload)
            except _Refused as exc:
                if len(self.json_modes) == 1 or not structured:
                    raise ReasonerError(
                        f"the server at {self.base_url} refused response_format {mode!r}: {exc}; "
                        "use json_mode=auto or json_mode=off"
                    ) from None
                self.json_modes.pop(0)  # remembered: later requests start from what was accepted

    def _once(self, payload: dict[str, Any]) -> str:
        return _message_text(self._chat(payload, refusable="response_format" in payload), self.base_url)

    def _chat(self, payload: dict[str, Any], refusable: bool = False) -> Any:
        """One non-streamed chat completion: the response body. Raises ReasonerError, or _Refused when
        `refusable` and the server turned down the request's response_format or tools. (The one
        transport method: the in-process `llamacpp` reasoner overrides it.)"""
        return self._body_json(self._send("POST", "/chat/completions", payload, refusable=refusable))

    def _body_json(self, response) -> Any:
        try:
            return response.json()
        except ValueError:
            raise ReasonerError(
                f"the server at {self.base_url} returned a malformed body (not JSON): {excerpt(response.text, 200)!r}"
            ) from None

    def _body_text(self, response) -> str:
        return _message_text(self._body_json(response), self.base_url)

    def _stream(self, payload: dict[str, Any]) -> str:
        """Read a server-sent-events answer, chunk by chunk, within the overall timeout."""
        httpx = _need_httpx()
        deadline = time.monotonic() + self.timeout_s
        for attempt in range(self.retries + 1):
            try:
                with self._client.stream("POST", self.base_url + "/chat/completions", json=payload) as response:
                    if response.status_code >= 400:
                        response.read()
                        self._raise_for_status(response, attempt, refusable="response_format" in payload)
                        continue  # retryable status: back off and try again
                    if "application/json" in response.headers.get("content-type", ""):
                        response.read()  # a server that ignores stream=true answers in one body
                        return self._body_text(response)
                    parts: list[str] = []
                    for line in response.iter_lines():
                        if time.monotonic() > deadline:
                            raise ReasonerError(
                                f"the server at {self.base_url} did not finish streaming within {self.timeout_s:g} s"
                            )
                        if not line.startswith("data:"):
                            continue  # comments, event names, keep-alives
                        data = line[5:].strip()
                        if data == "[DONE]":
                            break
                        try:
                            chunk = json.loads(data)
                        except ValueError:
                            raise ReasonerError(
                                f"the server at {self.base_url} streamed a malformed event: {excerpt(data, 200)!r}"
                            ) from None
                        parts.append(_delta_text(chunk, self.base_url))
                    return "".join(parts)
            except httpx.TimeoutException:
                raise ReasonerError(self._timeout_message()) from None
            except httpx.TransportError as exc:
                self._transport_failed(exc, attempt)
        raise ReasonerError(f"the server at {self.base_url} kept failing after {self.retries + 1} attempt(s)")

    # -- transport -----------------------------------------------------------------------------------

    def _send(self, method: str, path: str, payload: dict | None, refusable: bool = False):
        """One request with retries on transport faults, 5xx and 429; raises ReasonerError or _Refused."""
        httpx = _need_httpx()
        for attempt in range(self.retries + 1):
            try:
                response = self._client.request(method, self.base_url + path, json=payload)
            except httpx.TimeoutException:
                raise ReasonerError(self._timeout_message()) from None
            except httpx.TransportError as exc:
                self._transport_failed(exc, attempt)
                continue
            if response.status_code < 400:
                return response
            self._raise_for_status(response, attempt, refusable)
        raise ReasonerError(f"the server at {self.base_url} kept failing after {self.retries + 1} attempt(s)")

    def _raise_for_status(self, response, attempt: int, refusable: bool) -> None:
        """Raise for a final HTTP error; return (after backing off) when the status is worth a retry."""
        status = response.status_code
        detail = excerpt(response.text, 200)
        # a refused response_format: 400/422, or a 500 naming it (llama-cpp-python's validation errors)
        if refusable and (status in (400, 422) or (status >= 500 and "response_format" in response.text)):
            raise _Refused(f"HTTP {status}: {detail}")
        if status in _RETRY_STATUS and attempt < self.retries:
            time.sleep(self._delay(attempt, response.headers.get("retry-after")))
            return
        hint = {
            401: "check the API key in the environment (api_key_env)",
            403: "check the API key in the environment (api_key_env)",
            404: f"check base_url (it should end in /v1) and the model name {self._model_id!r}",
            429: "the server is rate-limiting; try again later",
        }.get(status, "see the server's log")
        raise _HTTPError(f"the server at {self.base_url} answered HTTP {status}: {detail!r}; {hint}")

    def _transport_failed(self, exc: Exception, attempt: int) -> None:
        if attempt < self.retries:
            time.sleep(self._delay(attempt, None))
            return
        httpx = _need_httpx()
        what = "refused the connection" if isinstance(exc, httpx.ConnectError) else f"failed ({type(exc).__name__}: {exc})"
        raise ReasonerError(
            f"the server at {self.base_url} {what} after {self.retries + 1} attempt(s); is it running? "
            "(set the base_url option)"
        ) from None

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        if retry_after:
            try:
                return min(_MAX_RETRY_AFTER_S, max(0.0, float(retry_after)))
            except ValueError:
                pass
        return self.backoff_s * (2**attempt)

    def _timeout_message(self) -> str:
        return f"the server at {self.base_url} did not answer within {self.timeout_s:g} s (timeout_s)"


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


def _message(body: Any, base_url: str) -> dict[str, Any]:
    try:
        message = body["choices"][0]["message"]
        if not isinstance(message, dict):
            raise TypeError
        return message
    except (KeyError, IndexError, TypeError):
        raise ReasonerError(
            f"the server at {base_url} returned a malformed body (no choices[0].message): "
            f"{excerpt(json.dumps(body)[:400], 200)!r}"
        ) from None


def _message_text(body: Any, base_url: str) -> str:
    content = _message(body, base_url).get("content")
    if content is None:
        return ""
    if isinstance(content, list):  # content parts
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return str(content)


def _delta_text(chunk: Any, base_url: str) -> str:
    try:
        choices = chunk["choices"]
    except (KeyError, TypeError):
        raise ReasonerError(
            f"the server at {base_url} streamed a malformed event (no choices): {excerpt(json.dumps(chunk), 200)!r}"
        ) from None
    if not choices:
        return ""  # e.g. a final usage-only chunk
    delta = choices[0].get("delta") or {}
    return str(delta.get("content") or "")


@hookimpl
def register_reasoners(register):
    register(
        "openai", OpenAICompatReasoner,
        "An OpenAI-compatible chat server (vLLM, llama.cpp, Ollama): options base_url, model, timeout_s, stream.",
    )
