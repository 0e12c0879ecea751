"""The openai reasoner's retry policy (plugins/reasoners/http_retries.py): what is retried, and the time bound.
The server-level behaviour (a sleeping loopback server) is tested in test_openai_compat.py."""

from __future__ import annotations

import time

import httpx2
import openai
import pytest

from saber_agent.plugins.reasoners.http_retries import retry_delay, send

REQUEST = httpx2.Request("POST", "http://127.0.0.1:1/v1/chat/completions")


def timeout(cause: type[Exception]) -> openai.APITimeoutError:
    try:
        try:
            raise cause("timed out")
        except Exception as exc:
            raise openai.APITimeoutError(request=REQUEST) from exc
    except openai.APITimeoutError as exc:
        return exc


def status(code: int, **headers: str) -> openai.APIStatusError:
    response = httpx2.Response(code, headers=headers, json={"error": "x"}, request=REQUEST)
    return openai.APIStatusError("x", response=response, body=None)


def test_a_read_timeout_is_not_retried_a_connect_timeout_is():
    assert retry_delay(timeout(httpx2.ReadTimeout), 0) is None
    assert retry_delay(timeout(httpx2.WriteTimeout), 0) is None
    assert 0.375 <= retry_delay(timeout(httpx2.ConnectTimeout), 0) <= 0.5
    assert 0.375 <= retry_delay(openai.APIConnectionError(request=REQUEST), 0) <= 0.5


@pytest.mark.parametrize(("code", "headers", "delay"), [
    (400, {}, None), (404, {}, None), (422, {}, None),
    (503, {"retry-after": "2"}, 2.0), (429, {"retry-after-ms": "250"}, 0.25), (503, {"x-should-retry": "false"}, None),
])
def test_statuses(code, headers, delay):
    assert retry_delay(status(code, **headers), 0) == delay


def test_the_backoff_doubles_up_to_8_s():
    exc = openai.APIConnectionError(request=REQUEST)
    assert 0.75 <= retry_delay(exc, 1) <= 1.0 and 6.0 <= retry_delay(exc, 10) <= 8.0


def test_send_stops_at_the_deadline_and_counts_attempts():
    sent, waits = [], []

    def refused(timeout):
        sent.append(timeout.read)
        raise status(503, **{"retry-after": "0.3"})

    start = time.monotonic()
    with pytest.raises(openai.APIStatusError) as raised:
        send(refused, retries=10, timeout_s=1.0, connect_timeout_s=5, sleep=lambda s: (waits.append(s), time.sleep(s)))
    # at ~0, 0.3, 0.6, 0.9 s (3 on a machine slow enough to push the fourth wait past the deadline); not 11
    assert 3 <= len(sent) <= 4 and raised.value.saber_attempts == len(sent)
    assert sent[0] == pytest.approx(1.0, abs=0.05) and sent[-1] < 0.45  # each attempt's read timeout is the time left
    assert time.monotonic() - start < 1.1


def test_send_does_not_retry_what_the_caller_handles():
    sent = []

    def refusal(timeout):
        sent.append(1)
        raise status(500)

    with pytest.raises(openai.APIStatusError):
        send(refusal, retries=3, timeout_s=5, connect_timeout_s=5, no_retry=lambda exc: True)
    assert sent == [1]
