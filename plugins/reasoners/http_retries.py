"""The `openai` reasoner's retry policy: which failed requests are sent again, and the time they may take.

The `openai` client's own retries (``max_retries``) send a request again after *any* timeout, a read
timeout included: a local llama.cpp server that needed more than ``timeout_s`` to answer is asked the
same question again, and will most likely need as long again (trial E: SmolLM2-135M on two busy cores,
"did not answer within 120 s (timeout_s), 3 attempt(s)", 6 min 17 s before the fusion fallback).
So the reasoner builds its client with ``max_retries=0`` and sends each request through `send`:

- retried (at most ``retries`` times): a connection that could not be made (refused, reset, a
  *connect* timeout, no connection free in the pool) and HTTP 408, 409, 429 and 5xx (a llama.cpp server
  answers 503 while it loads its model); a server's ``x-should-retry: false`` is obeyed;
- not retried: a *read* (or write) timeout, where the server has the request and did not answer in
  time; and a refusal the caller handles itself (`no_retry`: a 5xx naming ``response_format``);
- bounded: one request, its retries and their waits included, takes about ``timeout_s`` at most: each
  attempt's timeouts (read, write, pool; connect at most ``connect_timeout_s``) are the time left, and a
  retry whose wait would end past the deadline is not made;
- the wait before retry k (from 0) is the client's backoff, 0.5 s x 2^k up to 8 s less up to 25 % jitter,
  or the server's ``Retry-After`` / ``retry-after-ms`` when it fits in the time left.

A failed request's exception carries ``saber_attempts`` (the requests sent) for the error message.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

INITIAL_DELAY_S, MAX_DELAY_S = 0.5, 8.0
RETRY_STATUSES = frozenset({408, 409, 429})


def retry_delay(exc: BaseException, attempt: int) -> float | None:
    """The wait in seconds before sending again after `exc` on attempt `attempt` (0-based), or None when
    `exc` is not worth a retry (a read timeout, a 4xx other than 408/409/429, anything unknown)."""
    import openai

    if isinstance(exc, openai.APITimeoutError):  # a subclass of APIConnectionError: tested first
        if not connect_timeout(exc):
            return None  # the server had the request and did not answer within the read timeout
    elif isinstance(exc, openai.APIStatusError):
        headers = exc.response.headers
        if headers.get("x-should-retry") == "false":
            return None
        if exc.status_code not in RETRY_STATUSES and exc.status_code < 500:
            return None
        if (after := _retry_after(headers)) is not None:
            return after
    elif not isinstance(exc, openai.APIConnectionError):
        return None
    return min(INITIAL_DELAY_S * 2.0**attempt, MAX_DELAY_S) * (1 - 0.25 * random.random())


def connect_timeout(exc: BaseException) -> bool:
    """Whether a client timeout `exc` came before a connection was made (connect or pool timeout), not while
    the server had the request (read or write timeout)."""
    import httpx2

    return isinstance(exc.__cause__, (httpx2.ConnectTimeout, httpx2.PoolTimeout))


def _retry_after(headers: Any) -> float | None:
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            value = float(headers.get(name, "")) * scale
        except ValueError:  # absent, or an HTTP date: the backoff applies
            continue
        if value >= 0:
            return value
    return None


def send(
    request: Callable[[Any], T], retries: int, timeout_s: float, connect_timeout_s: float,
    no_retry: Callable[[BaseException], bool] = lambda exc: False, sleep: Callable[[float], None] = time.sleep,
) -> T:
    """`request(timeout)` (an `openai.Timeout` for the client call's ``timeout=``), sent again on the faults
    above while `retries` and the ``timeout_s`` deadline allow. Raises the last attempt's exception."""
    import openai

    deadline = time.monotonic() + timeout_s
    attempt = 0
    while True:
        left = max(deadline - time.monotonic(), 0.001)
        try:
            return request(openai.Timeout(left, connect=min(connect_timeout_s, left)))
        except Exception as exc:
            delay = None if attempt >= retries or no_retry(exc) else retry_delay(exc, attempt)
            if delay is None or time.monotonic() + delay >= deadline:
                exc.saber_attempts = attempt + 1  # type: ignore[attr-defined]
                raise
            sleep(delay)
            attempt += 1
