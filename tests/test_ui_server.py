"""The app served for real on loopback, driven by gradio_client and plain HTTP."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest

pytest.importorskip("gradio", reason="the ui extra (gradio) is not installed")
gradio_client = pytest.importorskip("gradio_client", reason="the test extra (gradio-client) is not installed")
httpx = pytest.importorskip("httpx")

from gradio_client import Client, handle_file  # noqa: E402
from gradio_client.exceptions import AppError  # noqa: E402

from saber_agent.evidence import SLOT_NAMES  # noqa: E402
from saber_agent.ui.app import build_app, launch  # noqa: E402
from saber_agent.ui.limits import MB, UploadLimits  # noqa: E402
from saber_agent.ui.service import AnalysisService  # noqa: E402

SABER_KEYS = {"video_desc", "audio_desc", "facial_exp_desc", "body_lang_desc", "sentiment_analysis"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(**build):
    service = AnalysisService(UploadLimits(max_bytes=2 * MB, max_duration_s=30))
    demo = build_app(service=service, **build)
    _, url = launch(demo, port=free_port(), prevent_thread_lock=True, quiet=True)
    return SimpleNamespace(url=url, demo=demo, service=service)


@pytest.fixture(scope="module")
def server():
    app = serve()
    yield app
    app.demo.close()
    app.service.close()


@pytest.fixture(scope="module")
def client(server):
    return Client(server.url, verbose=False)


def analyze(client, path, plugins=None, reasoner="fusion", rounds=3):
    return client.predict(handle_file(str(path)), plugins, reasoner, rounds, api_name="/analyze")


def test_serves_on_loopback_with_one_public_endpoint(server, client):
    assert server.url.startswith("http://127.0.0.1:")
    api = client.view_api(return_format="dict", print_info=False)
    assert list(api["named_endpoints"]) == ["/analyze"]  # the page's own events are private
    assert [p["label"] for p in api["named_endpoints"]["/analyze"]["parameters"]] == ["clip", "plugins", "reasoner", "max_rounds"]


def test_client_gets_all_six_slots(client, face_speech_clip):
    payload = analyze(client, face_speech_clip)  # every registered tool
    evidence = payload["result"]["evidence"]
    assert set(evidence) == set(SLOT_NAMES)
    for name in SLOT_NAMES:
        slot = evidence[name]
        assert slot["status"] in {"ok", "unavailable", "failed"}
        assert slot["text"] if slot["status"] == "ok" else slot["reason"]  # filled, or says why not
    assert evidence["acoustic_feat"]["status"] == "ok" and evidence["sentiment_analysis"]["status"] == "ok"
    assert set(payload["saber"]) == SABER_KEYS
    assert payload["saber"]["audio_desc"]["acoustic_feat"] == evidence["acoustic_feat"]["text"]
    assert payload["result"]["rounds"] >= 1 and payload["result"]["checks"]


def test_plugins_and_reasoner_are_chosen_by_name(client, face_speech_clip):
    payload = analyze(client, face_speech_clip, plugins="prosody", rounds=1)
    assert [r["tool"] for r in payload["result"]["tool_runs"]] == ["prosody"]
    assert payload["result"]["evidence"]["video_desc"]["reason"] == "no selected plugin fills this slot"
    with pytest.raises(AppError, match="No reasoner named 'oracle'; loaded: "):
        analyze(client, face_speech_clip, reasoner="oracle")
    with pytest.raises(AppError, match="No perception tool named 'nope'; loaded: "):
        analyze(client, face_speech_clip, plugins=["nope"])
    with pytest.raises(AppError, match="No perception tool selected"):  # every box unticked: refused, not run
        analyze(client, face_speech_clip, plugins=[])


def saber_texts(record: dict) -> dict[str, str]:
    audio = record["audio_desc"]
    return {**{k: v for k, v in record.items() if k != "audio_desc"}, **audio}


def test_slots_not_run_say_so_in_the_saber_record(client, face_speech_clip):
    """Prosody alone: the scene, face, body and speech slots were not run. The record says so, as the
    evidence marks them, instead of '' (which reads as "nothing found")."""
    payload = analyze(client, face_speech_clip, plugins="prosody", rounds=1)
    texts, evidence = saber_texts(payload["saber"]), payload["result"]["evidence"]
    assert set(texts) == set(SLOT_NAMES) and all(texts.values())  # no empty string anywhere
    for name in ("video_desc", "speech_content", "facial_exp_desc", "body_lang_desc"):
        assert evidence[name]["status"] == "unavailable"
        assert texts[name] == "[unavailable: no selected plugin fills this slot]"
    assert texts["acoustic_feat"] == evidence["acoustic_feat"]["text"] and not texts["acoustic_feat"].startswith("[")
    assert texts["sentiment_analysis"] == evidence["sentiment_analysis"]["text"]


def test_broken_uploads_get_a_clear_error_and_the_server_keeps_serving(client, tmp_path, face_speech_clip):
    text = tmp_path / "renamed.mp4"
    text.write_text("I am a text file, not a video.\n" * 50)
    with pytest.raises(AppError, match=r"renamed.mp4 is not a readable video or audio file .*: upload a video \(MP4"):
        analyze(client, text)
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(AppError, match=r"The file is empty \(0 bytes\)"):
        analyze(client, empty)
    # the next good request is served as usual
    assert analyze(client, face_speech_clip, plugins=["prosody"])["result"]["evidence"]["acoustic_feat"]["status"] == "ok"


def test_size_limit_at_upload(server, client, tmp_path):
    big = tmp_path / "big.mp4"
    big.write_bytes(b"\0" * (3 * MB))  # over the server's 2 MB limit
    with pytest.raises(ValueError, match="exceeds the maximum file size of 2097152 bytes"):
        analyze(client, big)  # the client reads the limit from the server's config
    # and the server refuses it too, for a client that does not look
    with open(big, "rb") as handle:
        response = httpx.post(server.url.rstrip("/") + "/gradio_api/upload", files={"files": ("big.mp4", handle)}, timeout=30)
    assert response.status_code == 413


def test_zero_rounds_is_refused_like_the_cli(client, face_speech_clip):
    with pytest.raises(AppError, match=r"max_rounds"):
        analyze(client, face_speech_clip, plugins=["prosody"], rounds=0)


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg makes the long clip")
def test_duration_limit(client, tmp_path):
    long_clip = tmp_path / "long.m4a"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "sine=frequency=220:duration=40",
                    "-c:a", "aac", "-b:a", "16k", str(long_clip)], check=True)
    with pytest.raises(AppError, match="The clip is 40 s long, over the 30 s limit: trim it and try again"):
        analyze(client, long_clip)


@pytest.mark.parametrize("route", [
    "/gradio_api/file=/etc/passwd",
    "/gradio_api/file=../../../../../../etc/passwd",
    "/gradio_api/file=%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/gradio_api/file=//etc/passwd",
    "/file=/etc/passwd",
    "/gradio_api/file=/proc/self/environ",
])
def test_no_file_outside_the_upload_area_through_the_file_route(server, route):
    response = httpx.get(server.url.rstrip("/") + route, timeout=10)
    assert response.status_code in (403, 404), response.status_code
    assert "root:" not in response.text


def test_no_file_outside_the_upload_area_through_the_api(server):
    base = server.url.rstrip("/")
    stolen = {"path": "/etc/passwd", "orig_name": "passwd.mp4", "meta": {"_type": "gradio.FileData"}}
    start = httpx.post(f"{base}/gradio_api/call/analyze", json={"data": [stolen, None, "fusion", 1]}, timeout=10)
    assert start.status_code == 200
    stream = httpx.get(f"{base}/gradio_api/call/analyze/{start.json()['event_id']}", timeout=60).text
    assert "event: error" in stream and "root:" not in stream
    assert "event: complete" not in stream


def test_concurrent_users_queue(client, face_speech_clip):
    """Two requests at once run one after the other (concurrency limit 1): their tool runs do not overlap."""
    with ThreadPoolExecutor(2) as pool:
        jobs = [pool.submit(analyze, client, face_speech_clip, ["prosody"], "fusion", 1) for _ in range(2)]
        results = [job.result(timeout=120)["result"] for job in jobs]
    spans = sorted((min(r["started"] for r in res["tool_runs"]), max(r["finished"] for r in res["tool_runs"])) for res in results)
    assert spans[0][1] <= spans[1][0]  # perf_counter times of one process: directly comparable


def test_no_temp_files_left_by_api_calls(server):
    assert list(server.service.workdir.iterdir()) == []


def test_uploads_are_deleted_by_the_cache_cleaner(tmp_path, face_speech_clip):
    app = serve(delete_cache=(1, 1))
    try:
        client = Client(app.url, verbose=False)
        analyze(client, face_speech_clip, plugins=["prosody"], rounds=1)
        uploaded = set().union(*app.demo.temp_file_sets)
        assert uploaded, "the upload should be tracked for deletion"
        deadline = time.time() + 15
        while time.time() < deadline and any(os.path.exists(p) for p in uploaded):
            time.sleep(0.5)
        assert not [p for p in uploaded if os.path.exists(p)]
    finally:
        app.demo.close()
        app.service.close()


def test_the_page_is_served_with_the_app(server):
    page = httpx.get(server.url, timeout=10)
    assert page.status_code == 200 and "SABER Agent" in page.text
    config = httpx.get(server.url.rstrip("/") + "/config", timeout=10).json()
    assert "saber-slots" in json.dumps(config)
