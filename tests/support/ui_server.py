"""The real app served on loopback and Debian's headless Chromium driven by Playwright, shared by the browser tests
(tests/test_ui_browser.py, tests/test_ui_page.py; not a test module). Gradio and Playwright are imported only when
used, so a test module can skip first when they are missing.

Timeouts are generous: CI runs the whole suite on a loaded 2-core machine, where Playwright's default 30 s for a
page load or a click was seen to run out (a wait on a condition returns as soon as it holds, so a long limit costs
nothing when the machine is idle)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]
VIEWPORT = {"width": 1400, "height": 1000}
WAIT_MS = 120_000  # default limit of every Playwright wait and action on a page opened here (ms)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve(max_duration_s: float = 120) -> Iterator[tuple[str, object]]:
    """The app built in-process and served on a free loopback port: yields (url, its AnalysisService)."""
    from saber_agent.ui.app import build_app, launch
    from saber_agent.ui.limits import UploadLimits
    from saber_agent.ui.service import AnalysisService

    service = AnalysisService(UploadLimits(max_duration_s=max_duration_s))
    demo = build_app(service=service)
    try:
        _, url = launch(demo, port=free_port(), prevent_thread_lock=True, quiet=True)
        yield url, service
    finally:
        demo.close()
        service.close()


@contextmanager
def chromium():
    """Debian's headless Chromium (no browser download), closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser, url: str, **context_options):
    """A page in a fresh browser context, with WAIT_MS as its default limit, once the app's Analyse button is
    there. Close it with `page.context.close()`."""
    context = browser.new_context(viewport=VIEWPORT, **context_options)
    context.set_default_timeout(WAIT_MS)
    context.set_default_navigation_timeout(WAIT_MS)
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("#saber-run")
    return page


def player_change_answer(page, name: str):
    """Wait for the app's answer to the video player's change event for the upload called `name`: the event that sets
    the note under the player (ui/preview.py), which Gradio posts, without the queue, to /gradio_api/run/predict once
    the upload has landed and the player holds it. A Playwright EventContextManager: use it in a `with` around the
    upload; its `.value` is the response (its JSON "data" holds the note's HTML)."""
    return page.expect_response(
        lambda r: r.url.endswith("/gradio_api/run/predict") and name in (r.request.post_data or ""), timeout=WAIT_MS)
