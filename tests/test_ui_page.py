"""Trial G's page defects, checked on the real app (built in-process, served on loopback) in Debian's headless Chromium
driven by Playwright: a clip with no finding, a failing Utterances run, a cut-off MP4, an HEVC preview."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess

import numpy as np
import pytest

CHROMIUM = "/usr/bin/chromium"
if not os.path.exists(CHROMIUM) or shutil.which("ffmpeg") is None:
    pytest.skip(f"{CHROMIUM} or ffmpeg is missing (scripts/install.sh installs chromium for the test extra)",
                allow_module_level=True)
pytest.importorskip("gradio", reason="the ui extra (gradio) is not installed")
playwright = pytest.importorskip("playwright.sync_api", reason="the test extra (playwright) is not installed")

from saber_agent.testing.corpus import melody  # noqa: E402
from saber_agent.testing.synth import make_clip, write_wav  # noqa: E402
from saber_agent.ui import segments_view  # noqa: E402
from saber_agent.ui.app import build_app, launch  # noqa: E402
from saber_agent.ui.limits import UploadLimits  # noqa: E402
from saber_agent.ui.service import AnalysisService  # noqa: E402

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]
TIMEOUT_MS = 180_000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ffmpeg(*args: str) -> None:
    subprocess.run([shutil.which("ffmpeg"), "-y", "-loglevel", "error", *args], check=True)


@pytest.fixture(scope="module")
def server():
    service = AnalysisService(UploadLimits(max_duration_s=120))
    demo = build_app(service=service)
    _, url = launch(demo, port=free_port(), prevent_thread_lock=True, quiet=True)
    yield url
    demo.close()
    service.close()


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(server)
    page.wait_for_selector("#saber-run")
    yield page
    context.close()


def upload(page, path) -> None:
    page.locator("#saber-video input[type=file]").set_input_files(str(path))
    page.wait_for_selector("#saber-video video", state="attached", timeout=30_000)


def choose_tools(page, names: set[str]) -> None:
    labels = page.locator("#saber-plugins label")
    for i in range(labels.count()):
        label = labels.nth(i)
        box = label.locator("input[type=checkbox]")
        if (label.inner_text().split(" · ")[0].strip() in names) != box.is_checked():
            box.click()


def test_music_only_reads_no_emotion_found_with_no_scale_position(page, tmp_path):
    """Trial G: music with no voice and no face showed the badge "Neutral" and arousal 0.50 on the bar."""
    wav = write_wav(tmp_path / "tune.wav", melody(6.0))
    clip = make_clip(tmp_path / "music_only.mp4", np.full((240, 320, 3), (90, 30, 110), np.uint8), wav, motion=False)
    upload(page, clip)
    choose_tools(page, {"prosody", "face"})
    page.click("#saber-run")
    page.wait_for_selector('#saber-slots [data-slot="sentiment_analysis"][data-status="ok"]', timeout=TIMEOUT_MS)
    verdict = page.locator("#saber-verdict")
    assert "No emotion found" in verdict.inner_text() and "no modality gave an emotion estimate" in verdict.inner_text()
    assert verdict.locator(".saber-scale-mark").count() == 0 and "Neutral" not in verdict.inner_text()
    progress = page.locator("#saber-progress").inner_text()
    assert "fusion finds no emotion" in progress
    assert "--tool-option" not in progress and "which this app does not offer" in progress


def test_a_failing_utterance_run_says_why_and_leaves_the_other_boxes(page, tmp_path, monkeypatch):
    """Trial G: when the Utterances handler raised, every box showed a bare red "Error"; it now says why in the
    progress box (as the main Analyse button does) and the timeline and utterance boxes keep what they held."""
    def broken(path, settings):
        yield ["Splitting the clip into utterances and finding the speakers…"], None, None
        raise RuntimeError("the speaker pass broke")

    monkeypatch.setattr(segments_view, "stream_segments", broken)
    clip = tmp_path / "tone.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=160x120:rate=10", "-f", "lavfi", "-i", "sine=frequency=300:sample_rate=16000",
           "-t", "2", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", str(clip))
    upload(page, clip)
    page.get_by_role("tab", name="Utterances").click()
    before = page.locator("#saber-segments").inner_text()
    page.click("#saber-run-segments")
    alert = page.locator("#saber-segments-progress [role=alert]")
    alert.wait_for(timeout=60_000)
    assert "The analysis by utterance failed: RuntimeError: the speaker pass broke" in alert.inner_text()
    page.wait_for_timeout(1000)
    assert page.locator("#saber-segments").inner_text() == before  # nothing lost
    for box in ("#saber-segments-progress", "#saber-segments", "#saber-segment-pick", "#saber-segment-slots"):
        assert page.locator(f"{box} .error").count() == 0, box  # no bare "Error" status
    # the button works again, and the server still serves
    assert page.locator("#saber-run-segments").is_enabled()


def test_a_cut_off_mp4_gets_the_decoders_reason(page, tmp_path):
    """Trial G: the app said "not a readable video or audio file ... upload a video (MP4...)" for a recording cut off
    before its index, where batch and the CLI name the missing moov box."""
    whole = tmp_path / "recording.mp4"  # moov written last, as a recorder does
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=160x120:rate=10", "-t", "3", "-c:v", "libx264", "-pix_fmt", "yuv420p",
           str(whole))
    cut = tmp_path / "cut_off.mp4"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    page.locator("#saber-video input[type=file]").set_input_files(str(cut))
    page.wait_for_timeout(2000)
    page.click("#saber-run")
    alert = page.locator("#saber-verdict [role=alert]")
    alert.wait_for(timeout=60_000)
    said = alert.inner_text()
    assert "cut_off.mp4: is an MP4/MOV file cut off before its index (the moov box) was written" in said
    assert "not a readable video or audio file" not in said


def test_an_hevc_upload_gets_a_note_under_the_player(page, tmp_path):
    """Trial G: an iPhone's HEVC .mov showed a blank preview in Chromium; an H.264 one needs no note."""
    hevc = tmp_path / "phone.mov"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=160x120:rate=10", "-t", "1", "-c:v", "libx265", "-x265-params",
           "log-level=error", "-tag:v", "hvc1", "-pix_fmt", "yuv420p", str(hevc))
    upload(page, hevc)
    note = page.locator("#saber-video-note .saber-preview-note")
    note.wait_for(timeout=30_000)
    assert "HEVC (H.265)" in note.inner_text() and "The analysis is not affected" in note.inner_text()
    page.locator("#saber-video button[aria-label='Clear']").first.dispatch_event("click")
    page.wait_for_function("!document.querySelector('#saber-video-note .saber-preview-note')", timeout=30_000)
    h264 = tmp_path / "camera.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=160x120:rate=10", "-t", "1", "-c:v", "libx264", "-pix_fmt", "yuv420p", str(h264))
    upload(page, h264)
    page.wait_for_timeout(1500)
    assert page.locator("#saber-video-note .saber-preview-note").count() == 0
