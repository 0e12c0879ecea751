"""The page in a real headless Chromium (Debian's, driven by Playwright; no browser download)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.support.ui_server import CHROMIUM, WAIT_MS, chromium, new_page, player_change_answer, serve

if not os.path.exists(CHROMIUM):
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium; scripts/install.sh does it for the test extra)",
                allow_module_level=True)
pytest.importorskip("gradio", reason="the ui extra (gradio) is not installed")
pytest.importorskip("playwright.sync_api", reason="the test extra (playwright) is not installed")

DOCS_SCREENSHOT = Path(__file__).resolve().parents[1] / "docs" / "ui_screenshot.png"
SLOTS = ["video_desc", "speech_content", "acoustic_feat", "facial_exp_desc", "body_lang_desc", "sentiment_analysis"]
DONE = '#saber-slots [data-slot="sentiment_analysis"][data-status="ok"]'
TIMEOUT_MS = 180_000  # a whole analysis on a loaded 2-core machine


@pytest.fixture(scope="module")
def server():
    with serve() as (url, service):
        yield url, service


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


@pytest.fixture()
def page(browser, server):
    page = new_page(browser, server[0], accept_downloads=True)
    yield page
    page.context.close()


def upload(page, path, target="#saber-video"):
    page.locator(f"{target} input[type=file]").set_input_files(str(path))
    page.wait_for_selector(f"{target} video, {target} audio, {target} .waveform-container, {target} [data-testid='waveform-Audio clip']",
                           state="attached", timeout=WAIT_MS)


def choose_tools(page, names: set[str]) -> None:
    """Tick exactly the perception tools in `names` (labels read "tool · Slot")."""
    labels = page.locator("#saber-plugins label")
    for i in range(labels.count()):
        label = labels.nth(i)
        box = label.locator("input[type=checkbox]")
        if (label.inner_text().split(" · ")[0].strip() in names) != box.is_checked():
            box.click()


def keep_for_docs(screenshot: Path, limit: int = 300_000) -> None:
    """With SABER_AGENT_REFRESH_SCREENSHOT=1, a palette copy of the screenshot for the docs, if it stays
    under `limit` bytes (off by default, so a test run never changes the working tree)."""
    if os.environ.get("SABER_AGENT_REFRESH_SCREENSHOT") != "1":
        return
    from PIL import Image

    small = screenshot.with_name("ui_small.png")
    with Image.open(screenshot) as image:
        image.convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(small, optimize=True)
    if small.stat().st_size < limit:
        DOCS_SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copyfile(small, DOCS_SCREENSHOT)


def slot_statuses(page) -> dict[str, str]:
    cards = page.locator("#saber-slots [data-slot]")
    return {cards.nth(i).get_attribute("data-slot"): cards.nth(i).get_attribute("data-status") for i in range(cards.count())}


WATCH_SLOTS = """() => {
  window.saberSeen = [];
  const status = (name) => document.querySelector(`#saber-slots [data-slot="${name}"]`)?.dataset.status;
  new MutationObserver(() => window.saberSeen.push(status("acoustic_feat") + "|" + status("sentiment_analysis")))
    .observe(document.querySelector("#saber-slots"), {subtree: true, childList: true, attributes: true});
}"""


def test_upload_analyse_six_slots_a_plot_and_a_screenshot(page, server, face_speech_clip, tmp_path):
    upload(page, face_speech_clip)
    page.evaluate(WATCH_SLOTS)
    page.click("#saber-run")
    page.wait_for_selector(DONE, timeout=TIMEOUT_MS)
    seen = page.evaluate("window.saberSeen")
    # the page changed while the graph ran: tools running or done before the reasoning slot was filled
    assert {"running|waiting", "ok|waiting"} & set(seen), seen

    statuses = slot_statuses(page)
    assert list(statuses) == SLOTS
    assert statuses["acoustic_feat"] == "ok"
    assert set(statuses.values()) <= {"ok", "unavailable", "failed"}
    progress = page.locator("#saber-progress li")
    stages = [progress.nth(i).get_attribute("data-stage") for i in range(progress.count())]
    assert stages[0] == "decode" and "perceive" in stages and stages[-1] == "finish"
    assert stages.index("reason") < stages.index("check")
    assert page.locator("#saber-verdict .saber-basic").is_visible()

    screenshot = tmp_path / "ui.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 20_000
    keep_for_docs(screenshot)
    print(f"screenshot: {screenshot}")

    page.get_by_role("tab", name="Timelines").click()
    plot = page.locator("#saber-plot-cues img")
    plot.wait_for(state="visible", timeout=30_000)
    assert plot.evaluate("img => img.complete && img.naturalWidth") > 300  # a decoded image, not a broken link
    page.screenshot(path=str(tmp_path / "timelines.png"), full_page=True)

    page.get_by_role("tab", name="Consistency").click()
    assert page.locator("#saber-report").get_by_text("Reasoning rounds").is_visible()
    assert page.locator("#saber-report .saber-table").first.is_visible()

    page.get_by_role("tab", name="Export").click()
    with page.expect_download() as download_info:
        page.click("#saber-download-saber")
    saved = tmp_path / "saber.json"
    download_info.value.save_as(saved)
    record = json.loads(saved.read_text(encoding="utf-8"))
    assert set(record) == {"video_desc", "audio_desc", "facial_exp_desc", "body_lang_desc", "sentiment_analysis"}
    assert record["audio_desc"]["acoustic_feat"]
    assert list(server[1].workdir.iterdir()) == []  # the app's own copies were removed after the run


def test_a_broken_upload_shows_a_message_and_the_app_keeps_serving(page, browser, server, tmp_path, face_speech_clip):
    fake = tmp_path / "holiday.mp4"
    fake.write_text("this is a text file renamed to .mp4\n" * 30)
    choose_tools(page, {"prosody"})  # this test is about the message, not the evidence
    with player_change_answer(page, "holiday.mp4"):  # the browser cannot play it, but the upload itself lands
        page.locator("#saber-video input[type=file]").set_input_files(str(fake))
    page.click("#saber-run")
    alert = page.locator("#saber-verdict [role=alert]")
    alert.wait_for(timeout=60_000)
    assert "The clip could not be analysed" in alert.inner_text()
    assert "holiday.mp4 is not a readable video or audio file" in alert.inner_text()
    assert set(slot_statuses(page).values()) == {"stopped"}
    assert page.locator('#saber-progress li[data-stage="error"]').count() == 1
    assert page.locator("#saber-run").is_enabled()

    # the server still serves a good clip, in a fresh page
    other = new_page(browser, server[0])
    try:
        choose_tools(other, {"prosody"})
        upload(other, face_speech_clip)
        other.click("#saber-run")
        other.wait_for_selector(DONE, timeout=TIMEOUT_MS)
        assert slot_statuses(other)["acoustic_feat"] == "ok"
    finally:
        other.context.close()


def test_audio_only_upload(page, audio_only_clip):
    choose_tools(page, {"prosody", "face"})
    page.get_by_role("tab", name="Audio only").click()
    upload(page, audio_only_clip, "#saber-audio")
    page.click("#saber-run")
    page.wait_for_selector(DONE, timeout=TIMEOUT_MS)
    statuses = slot_statuses(page)
    assert statuses["acoustic_feat"] == "ok"
    face = page.locator('#saber-slots [data-slot="facial_exp_desc"]')
    if face.count() and "face" in page.locator("#saber-plugins").inner_text():
        assert statuses["facial_exp_desc"] == "unavailable" and "no video" in face.inner_text()
    assert statuses["video_desc"] == "unavailable"  # not selected
    assert "audio 16 kHz mono" in page.locator("#saber-progress").inner_text()


def test_a_gif_on_the_video_tab_is_analysed_and_a_refused_file_leaves_a_note(page, browser, server, tmp_path):
    # trial D: a GIF dropped on the Video tab vanished (a toast "Only video/x-m4v,video/* allowed." faded), then
    # Analyse said "No clip was given"; ui/upload_guard.py hands it to the file picker, which takes pictures
    import subprocess

    gif = tmp_path / "anim.gif"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10", "-frames:v", "10",
                    str(gif)], check=True)
    choose_tools(page, {"scene"})
    page.locator("#saber-video input[type=file]").set_input_files(str(gif))
    note = page.locator("#saber-upload-note")
    note.wait_for(state="visible", timeout=10_000)
    assert "“anim.gif”" in note.inner_text() and "moved to the “Picture or other file” tab" in note.inner_text()
    page.wait_for_selector("#saber-file :text('anim')", timeout=30_000)  # the file picker holds it, uploaded
    page.click("#saber-run")
    page.wait_for_selector('#saber-slots [data-slot="video_desc"][data-status="ok"]', timeout=TIMEOUT_MS)
    assert "Decoded a 1.0 s clip: video 160×120" in page.locator("#saber-progress").inner_text()

    notes = tmp_path / "notes.txt"
    notes.write_text("not a clip\n")
    other = new_page(browser, server[0])
    try:
        other.get_by_role("tab", name="Picture or other file").click()
        other.locator("#saber-file input[type=file]").set_input_files(str(notes))
        note = other.locator("#saber-upload-note")
        note.wait_for(state="visible", timeout=10_000)
        text = note.inner_text()
        assert "“notes.txt” was not uploaded: it is not a media file" in text and "GIF" in text and "MXF" in text
        other.wait_for_timeout(6000)  # a toast would have faded by now: the note stays
        assert note.is_visible() and "notes.txt" in note.inner_text()
    finally:
        other.context.close()
