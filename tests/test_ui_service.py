"""The app's analysis service, without Gradio: settings, the streamed run, downloads and cleanup."""

import json

import pytest

from saber_agent.ui.limits import UploadLimits, UploadRejected
from saber_agent.ui.service import AnalysisFailed, AnalysisService, safe_stem


@pytest.fixture()
def service(tmp_path):
    svc = AnalysisService(UploadLimits(max_duration_s=60))
    yield svc
    svc.close()


def test_lists_what_is_registered(registry, service):
    tools = {t.name: t for t in service.tools()}
    assert "prosody" in tools and tools["prosody"].slot == "acoustic_feat" and tools["prosody"].ready
    assert tools["prosody"].label == "prosody · Acoustic"
    names = [name for name, _ in service.reasoners()]
    assert names[0] == "fusion" and set(names) == set(registry.reasoners)


def test_settings_reject_unknown_names_and_carry_the_limits(registry, service):
    with pytest.raises(UploadRejected, match=r"No perception tool named 'nope'; loaded: .*prosody"):
        service.settings(["nope"], "fusion")
    with pytest.raises(UploadRejected, match=r"No reasoner named 'oracle'; loaded: .*fusion"):
        service.settings(["prosody"], "oracle")
    settings = service.settings(["prosody"], None, 2)
    assert settings.reasoner == "fusion" and settings.max_rounds == 2 and settings.decode.max_duration_s == 60
    assert service.settings(None, "fusion").plugins is None  # None: every registered tool
    assert service.planned(service.settings(["prosody"], "fusion")) == [("prosody", "acoustic_feat")]


def test_no_perception_tool_selected_is_refused_not_run(registry, service):
    """All tools unticked (plugins []): the run must say so and not "succeed" on no evidence (trial B); None is
    every tool, as before. The page and the API endpoint both take their settings from here."""
    for empty in ([], ["", "  "]):
        with pytest.raises(UploadRejected, match=r"No perception tool selected"):
            service.settings(empty, "fusion")
    assert service.settings(None, "fusion").plugins is None


@pytest.mark.parametrize("rounds", [0, -1, 11])
def test_settings_refuse_out_of_range_rounds_like_the_cli(registry, service, rounds):
    """The CLI refuses --max-rounds 0 (AnalysisSettings: 1..10); the app must not quietly run its default."""
    with pytest.raises(UploadRejected, match=r"max_rounds"):
        service.settings(["prosody"], "fusion", rounds)
    assert service.settings(["prosody"], "fusion", None).max_rounds == service.max_rounds  # unset: the default


def test_reasoner_options_are_set_by_the_server_per_reasoner(registry):
    other = sorted(n for n in registry.reasoners if n != "fusion")
    if not other:
        pytest.skip("only the fusion reasoner is registered")
    svc = AnalysisService(reasoner_options={other[0]: {"model": "/srv/models/x"}}, default_reasoner=other[0])
    try:
        assert svc.reasoners()[0][0] == other[0]  # the server's default comes first in the dropdown
        assert svc.settings(None, None).reasoner == other[0]
        assert svc.settings(None, other[0]).reasoner_options == {"model": "/srv/models/x"}
        assert svc.settings(None, "fusion").reasoner_options == {}
    finally:
        svc.close()


def test_stream_ends_with_the_result(registry, service, face_speech_clip):
    views = list(service.stream(str(face_speech_clip), service.settings(["prosody"], "fusion")))
    assert views[0].planned == {"acoustic_feat": "prosody"} and views[0].clip is None
    assert views[-1].finished and views[-1].error is None
    assert views[-1].result.evidence.acoustic_feat.ok
    assert len(views) >= 7  # start, decode, perceive, fuse, reason, check, finish


@pytest.mark.parametrize("content, message", [
    (b"", "The file is empty"),
    (b"this is a text file renamed to .mp4\n" * 10, "upload.mp4 is not a readable video or audio file"),
    # a GIF header opens as a (broken) video stream: the probe passes it and the decoder says what is wrong
    (b"GIF89a not a video at all" * 10, "upload.mp4: is damaged or truncated"),
])
def test_broken_uploads_end_with_a_message_not_an_exception(registry, service, tmp_path, content, message):
    bad = tmp_path / "upload.mp4"
    bad.write_bytes(content)
    views = list(service.stream(str(bad), service.settings(["prosody"], "fusion")))
    assert message in views[-1].error and all(v.error is None for v in views[:-1])
    assert str(tmp_path) not in views[-1].error
    with pytest.raises(AnalysisFailed, match=message):
        service.analyze(str(bad), service.settings(["prosody"], "fusion"))


def test_no_clip_names_the_size_limit(registry):
    """An upload over the size limit is dropped by Gradio before the run (its toast says so): the run then sees no
    clip, and its verdict must name the limit rather than only "No clip was given"."""
    from saber_agent.ui.limits import MB

    small = AnalysisService(UploadLimits(max_bytes=5 * MB))
    try:
        error = list(small.stream(None, small.settings(["prosody"], "fusion")))[-1].error
        assert "No clip was given" in error and "5 MB" in error and "refused at upload" in error, error
    finally:
        small.close()


def test_no_clip_and_a_too_long_clip(registry, tmp_path, face_speech_clip):
    short = AnalysisService(UploadLimits(max_duration_s=2))
    try:
        settings = short.settings(["prosody"], "fusion")
        assert "No clip was given" in list(short.stream(None, settings))[-1].error
        assert "over the 2 s limit" in list(short.stream(str(face_speech_clip), settings))[-1].error
    finally:
        short.close()


def test_a_decoder_error_names_the_file_not_the_server_path(registry, service, tmp_path, face_speech_clip):
    # a truncated MP4 passes the probe (its header is intact) and fails in the graph's decode
    data = face_speech_clip.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 50])
    last = list(service.stream(str(cut), service.settings(["prosody"], "fusion")))[-1]
    assert last.error and str(tmp_path) not in last.error
    assert "cut.mp4" in last.error or "not a readable" in last.error


def test_exports_are_written_and_discarded(registry, service, face_speech_clip):
    result = service.analyze(str(face_speech_clip), service.settings(["prosody"], "fusion"))
    run_dir = service.new_run_dir()
    saber_path, result_path = service.write_exports(result, run_dir, "/tmp/gradio/abc/My clip (1).mp4")
    assert saber_path.name == "My_clip_1.saber.json" and result_path.name == "My_clip_1.result.json"
    saber = json.loads(saber_path.read_text(encoding="utf-8"))
    assert set(saber) == {"video_desc", "audio_desc", "facial_exp_desc", "body_lang_desc", "sentiment_analysis"}
    assert json.loads(result_path.read_text())["evidence"]["acoustic_feat"]["status"] == "ok"
    service.discard(run_dir)
    assert not run_dir.exists() and service.workdir.exists()
    service.close()
    assert not service.workdir.exists()


def test_a_given_workdir_is_left_in_place(tmp_path):
    svc = AnalysisService(workdir=tmp_path / "mine")
    svc.close()
    assert (tmp_path / "mine").is_dir()


@pytest.mark.parametrize("name, stem", [
    ("clip.mp4", "clip"), ("../../etc/passwd", "passwd"), ("a b;rm -rf.webm", "a_b_rm_-rf"), ("", "clip"), ("....", "clip"),
])
def test_safe_stem(name, stem):
    assert safe_stem(name) == stem
