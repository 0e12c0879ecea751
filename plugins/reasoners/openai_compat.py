"""Reasoner "openai": any OpenAI-compatible chat server (vLLM, llama.cpp server, Ollama, OpenAI).

It sends the SED prompt (`saber_agent.sed_prompt`) to ``{base_url}/chat/completions`` through the
`openai` client, which does the transport (``stream=true`` reads its server-sent events). Retries are
`saber_agent.plugins.reasoners.http_retries.send`'s, not the client's: ``retries`` more attempts after a
connection that could not be made or HTTP 408/409/429/5xx, none after a read timeout (a server that took
``timeout_s`` once will take it again), and one request, retries included, within ``timeout_s``.
Unreadable answers are repaired by asking again. Every failure ends in a `ReasonerError` that says
what happened; the graph then records it and falls back to the evidence-fusion reasoner.

Structured output: with ``json_mode="auto"`` (the default) the request asks for a JSON object
constrained by the answer's JSON Schema, first as ``{"type": "json_schema", ...}`` (OpenAI, vLLM,
Ollama, llama.cpp's own server), then as ``{"type": "json_object", "schema": ...}``
(llama-cpp-python's server), then as a plain ``{"type": "json_object"}``, then with no
``response_format``: each refusal (HTTP 400/422) moves to the next, and what the server accepted is
remembered for the life of the reasoner. In a round that answers a failed ``emotion_backing`` check,
the schema sent lists only the emotions the evidence backs (`request_schema`), as the llamacpp grammar does.
The schema and each mode's ``response_format`` are in `saber_agent.plugins.reasoners.structured_output`
(re-exported here).

Second looks: while the clip's budget allows one (`ReasoningRequest.looks_left`), the first call of a
round also offers the ``request_perception`` tool (`saber_agent.reperception.request_tool_schema`,
restricted to the tools that filled the evidence) with ``tool_choice="auto"`` and no response_format
(servers differ in how they combine the two). A model that answers instead is read as usual (or asked
again in the structured mode when its answer does not read). A model that calls the tool
gets a tool reply saying the look is scheduled, then answers as usual with the evidence so far; the
validated calls become `Analysis.perception_requests`, which the graph plans against the budget,
takes, and shows in the next round. A server that refuses ``tools`` is remembered and asked without
them; ``request_looks=False`` never offers the tool. The tool exchange itself is in
`saber_agent.plugins.reasoners.look_requests` (re-exported here).

The API key is read from the environment (``OPENAI_API_KEY``, or the variable named by the
``api_key_env`` option), never from the options, so it stays out of settings and logs.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from saber_agent import hookimpl
from saber_agent.errors import missing_extra
from saber_agent.evidence import BASIC_EMOTIONS, Analysis, PerceptionRequest
from saber_agent.media import Clip
from saber_agent.plugins.reasoners.http_retries import connect_timeout, send
from saber_agent.plugins.reasoners.look_requests import looked_at_by, schedule_looks, tool_call_in_text
from saber_agent.plugins.reasoners.structured_output import JSON_MODES, answer_schema, request_schema, response_format
from saber_agent.reasoning import Reasoner, ReasonerError, ReasoningRequest
from saber_agent.reperception import request_tool_schema
from saber_agent.sed_prompt import AnalysisParseError, answer_with_repair, build_messages, excerpt, parse_analysis

DEFAULT_BASE_URL = "http://127.0.0.1:8000/v1"


def _need_openai():
    try:
        import openai
    except ImportError:
        raise ReasonerError(missing_extra("the openai reasoner", "openai", "openai")) from None
    return openai


class _HTTPError(ReasonerError):
    """The server answered with an HTTP error status."""


class _Refused(Exception):
    """The server refused the request's response_format (HTTP 400/422)."""


class OpenAICompatReasoner(Reasoner):
    """Reasons through an OpenAI-compatible ``/chat/completions`` endpoint."""

    name = "openai"

    def __init__(
        self, base_url: str = DEFAULT_BASE_URL, model: str | None = None, api_key_env: str = "OPENAI_API_KEY",
        timeout_s: float = 120.0, connect_timeout_s: float = 5.0, retries: int = 2, parse_retries: int = 1,
        stream: bool = False, json_mode: str = "auto", max_tokens: int = 512, temperature: float = 0.0,
        seed: int | None = 0, request_looks: bool = True,
    ) -> None:
        openai = _need_openai()
        if json_mode not in JSON_MODES:
            raise ReasonerError(f"json_mode must be one of {', '.join(JSON_MODES)}, not {json_mode!r}")
        if not str(base_url).startswith(("http://", "https://")):
            raise ReasonerError(f"base_url must be an http(s) URL such as {DEFAULT_BASE_URL}, not {base_url!r}")
        self.base_url = str(base_url).rstrip("/")
        self.requested_model = model
        self.timeout_s, self.retries = float(timeout_s), max(0, int(retries))
        self.parse_retries, self.stream = max(0, int(parse_retries)), bool(stream)
        self.max_tokens, self.temperature, self.seed = int(max_tokens), float(temperature), seed
        self.json_modes = list(JSON_MODES[1:]) if json_mode == "auto" else [json_mode]
        self.schema = answer_schema(self.max_tokens)
        self.request_looks = bool(request_looks)  # offer the request_perception tool; off once a server refuses it
        self.model = model or self.base_url  # provenance; refined once the server names its model
        key = os.environ.get(api_key_env, "") if api_key_env else ""
        self._headers = {} if key else {"Authorization": openai.omit}  # no key: no Authorization header at all
        loopback = urlsplit(self.base_url).hostname in ("127.0.0.1", "localhost", "::1")
        self.connect_timeout_s = float(connect_timeout_s)
        self._client = openai.OpenAI(  # no retries of its own: they are http_retries.send's (a read timeout is not retried)
            base_url=self.base_url, api_key=key or "unused", max_retries=0,
            timeout=openai.Timeout(self.timeout_s, connect=float(connect_timeout_s)),
            # proxies from the environment serve remote servers; a loopback server must not go through one
            http_client=openai.DefaultHttpxClient(trust_env=not loopback),
        )
        self._lock = threading.Lock()
        self._draws = itertools.count()  # sampled calls so far: call i sends seed + i
        self._model_id: str | None = model

    # -- the reasoner ------------------------------------------------------------------------------

    def reason(self, request: ReasoningRequest, clip: Clip | None = None) -> Analysis:
        from saber_agent.plugins.reasoners.fusion import undetermined_answer

        if (undetermined := undetermined_answer(request, clip, self.model)) is not None:
            return undetermined  # no cue at all: the model is not asked
        model = self.model_id()
        messages = self.messages(request)
        schema = request_schema(self.schema, request)  # this round's own copy: threads share the reasoner
        allowed = schema["properties"]["basic_emotion"].get("enum", BASIC_EMOTIONS)
        asked: list[PerceptionRequest] = []
        notes: list[str] = []
        if self.request_looks and request.looks_left > 0:
            messages, asked, notes, said = self._offer_looks(messages, request)
            if said:  # the model answered instead of calling the tool: use that answer when it reads
                try:
                    analysis = parse_analysis(said)
                    if analysis.basic_emotion in allowed:  # else asked again below, with the schema limiting it
                        return analysis
                except AnalysisParseError:
                    pass  # asked again below, in the structured mode
        analysis, attempts = answer_with_repair(
            lambda history: self._complete(history, schema=schema), messages, retries=self.parse_retries,
            source=f"model {model!r} at {self.base_url}",
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
        payload = self._payload(messages, tools=[request_tool_schema(tools)], tool_choice="auto")
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
        return (*schedule_looks(messages, calls, message.get("content") or ""), "")

    def _payload(self, messages: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
        """The request body of one call: the model, the messages, the sampling options and the seed."""
        payload = {"model": self.model_id(), "messages": messages, "max_tokens": self.max_tokens,
                   "temperature": self.temperature, **extra}
        if self.seed is not None:
            payload["seed"] = self._next_seed()
        return payload

    def _next_seed(self) -> int:
        """Greedy calls send the seed; sampled call i sends seed + i, so K samples of one request
        differ and a reasoner with the same seed asks for the same sequence again."""
        return self.seed if self.temperature <= 0 else self.seed + next(self._draws)

    def model_id(self) -> str:
        """The model to ask for: the option, else the first one the server lists, else "default"."""
        with self._lock:
            if self._model_id is None:
                try:
                    with self._errors():
                        raw = self._send(lambda t: self._client.models.with_raw_response.list(extra_headers=self._headers, timeout=t))
                    body = raw.http_response.json()
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

    def _complete(self, messages: list[dict[str, str]], structured: bool = True, schema: dict[str, Any] | None = None) -> str:
        """The assistant's text for `messages`, trying the structured-output modes the server accepts, with
        `schema` (default `self.schema`) as the constraint."""
        schema = self.schema if schema is None else schema
        while True:
            mode = self.json_modes[0] if structured else "off"
            payload = self._payload(messages, stream=self.stream)
            if (constraint := response_format(mode, schema)) is not None:
                payload["response_format"] = constraint
            try:
                if self.stream:
                    return self._stream(payload)
                return _message_text(self._chat(payload, refusable="response_format" in payload), self.base_url)
            except _Refused as exc:
                if len(self.json_modes) == 1 or not structured:
                    raise ReasonerError(
                        f"the server at {self.base_url} refused response_format {mode!r}: {exc}; "
                        "use json_mode=auto or json_mode=off"
                    ) from None
                self.json_modes.pop(0)  # remembered: later requests start from what was accepted

    def _chat(self, payload: dict[str, Any], refusable: bool = False) -> Any:
        """One non-streamed chat completion: the response body. Raises ReasonerError, or _Refused when
        `refusable` and the server turned down the request's response_format or tools. (The one
        transport method: the in-process `llamacpp` reasoner overrides it.)"""
        with self._errors(refusable):
            raw = self._send(lambda t: self._client.chat.completions.with_raw_response.create(
                **payload, extra_headers=self._headers, timeout=t), refusable)
        return self._body_json(raw.http_response)

    def _send(self, request, refusable: bool = False):
        """`request(timeout)` with the retry policy of `http_retries.send` (a refusal is not retried)."""
        return send(request, self.retries, self.timeout_s, self.connect_timeout_s,
                    no_retry=lambda exc: refusable and _refusal(exc))

    def _body_json(self, response) -> Any:
        try:
            return response.json()
        except ValueError:
            raise ReasonerError(
                f"the server at {self.base_url} returned a malformed body (not JSON): {excerpt(response.text, 200)!r}"
            ) from None

    def _stream(self, payload: dict[str, Any]) -> str:
        """Read a server-sent-events answer (the client's `Stream`), chunk by chunk, within timeout_s overall."""
        deadline, parts, openai = time.monotonic() + self.timeout_s, [], _need_openai()
        with self._errors(refusable="response_format" in payload):
            raw = self._send(lambda t: self._client.chat.completions.with_raw_response.create(
                **payload, extra_headers=self._headers, timeout=t), "response_format" in payload)
            if "application/json" in raw.headers.get("content-type", ""):
                raw.http_response.read()  # a server that ignores stream=true answers in one body
                return _message_text(self._body_json(raw.http_response), self.base_url)
            try:
                with raw.parse() as events:
                    for chunk in events:
                        if time.monotonic() > deadline:
                            raise ReasonerError(f"the server at {self.base_url} did not finish streaming "
                                                f"within {self.timeout_s:g} s (timeout_s)")
                        choices = getattr(chunk, "choices", None)
                        if choices is None:
                            raise ValueError(json.dumps(chunk.to_dict()))
                        if choices:  # none in e.g. a final usage-only chunk
                            parts.append(str(getattr(getattr(choices[0], "delta", None), "content", None) or ""))
            except ValueError as exc:  # an event that is not JSON, or has no choices
                raise ReasonerError(f"the server at {self.base_url} streamed a malformed event: "
                                    f"{excerpt(getattr(exc, 'doc', None) or str(exc), 200)!r}") from None
            except openai.APIConnectionError as exc:  # a broken or stalled stream: the client does not retry it
                raise ReasonerError(f"the server at {self.base_url} stopped streaming: {type(exc.__cause__ or exc).__name__} "
                                    f"(a read waits up to timeout_s = {self.timeout_s:g} s)") from None
        return "".join(parts)

    @contextlib.contextmanager
    def _errors(self, refusable: bool = False):
        """Map the client's exceptions (after its retries) to a ReasonerError that says what to do, or to _Refused when
        `refusable` and the server turned down response_format or tools (HTTP 400/422, or a 5xx naming response_format)."""
        import httpx2  # the openai client's transport (its errors are the causes of the client's)

        openai = _need_openai()
        try:
            yield
        except openai.APITimeoutError as exc:
            tries = f"{getattr(exc, 'saber_attempts', 1)} attempt(s)"
            if connect_timeout(exc):
                raise ReasonerError(f"the server at {self.base_url} could not be reached (connect timeout) "
                                    f"after {tries}; is it running? (set the base_url option)") from None
            raise ReasonerError(
                f"the server at {self.base_url} did not answer within {self.timeout_s:g} s (timeout_s), {tries}; "
                "a read timeout is not retried: raise timeout_s for a slow model"
            ) from None
        except openai.APIConnectionError as exc:
            tries = f"{getattr(exc, 'saber_attempts', 1)} attempt(s)"
            cause = exc.__cause__ or exc
            what = ("refused the connection" if isinstance(cause, httpx2.ConnectError)
                    else f"failed ({type(cause).__name__}: {cause})")
            raise ReasonerError(
                f"the server at {self.base_url} {what} after {tries}; is it running? (set the base_url option)"
            ) from None
        except openai.APIStatusError as exc:
            status, text = exc.status_code, exc.response.text
            if refusable and _refusal(exc):
                raise _Refused(f"HTTP {status}: {excerpt(text, 200)}") from None
            hint = ("check the API key in the environment (api_key_env)" if status in (401, 403) else
                    f"check base_url (it should end in /v1) and the model name {self._model_id!r}" if status == 404 else
                    "the server is rate-limiting; try again later" if status == 429 else "see the server's log")
            raise _HTTPError(f"the server at {self.base_url} answered HTTP {status}: {excerpt(text, 200)!r}; {hint}") from None
        except openai.APIError as exc:  # e.g. an error event in a stream
            raise ReasonerError(f"the server at {self.base_url} reported an error: {excerpt(str(exc), 200)!r}") from None


def _refusal(exc: BaseException) -> bool:
    """An HTTP 400/422, or a 5xx naming response_format (llama-cpp-python's validation error): the server
    turned down the request's response_format or tools, which the caller answers by asking otherwise."""
    status, text = getattr(exc, "status_code", None), getattr(getattr(exc, "response", None), "text", "")
    return status in (400, 422) or (isinstance(status, int) and status >= 500 and "response_format" in (text or ""))


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


@hookimpl
def register_reasoners(register):
    register(
        "openai", OpenAICompatReasoner,
        "An OpenAI-compatible chat server (vLLM, llama.cpp, Ollama): options base_url, model, timeout_s, stream.",
    )
