"""The face tool on real clips: a smiling face, no face, two faces, a face that leaves, one frame."""

from __future__ import annotations

import importlib.util
import json

import cv2
import numpy as np
import pytest

from saber_agent import media
from saber_agent.api import analyze
from saber_agent.devices import cuda_available
from saber_agent.evidence import BASIC_EMOTIONS, SlotStatus
from saber_agent.plugins.face import DeepFaceExpressions, FaceTool, choose_backend
from saber_agent.settings import AnalysisSettings
from saber_agent.testing import synth

skimage_data = pytest.importorskip("skimage.data")


def write_video(path, frames: list[np.ndarray], fps: int = 10):
    """An H.264 MP4 of RGB frames, encoded with PyAV."""
    import av

    h, w = frames[0].shape[:2]
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        for frame in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def fit(image: np.ndarray, size=(320, 240)) -> np.ndarray:
    """The whole image letterboxed into a frame (nothing cropped, so a face stays whole)."""
    w, h = size
    scale = min(w / image.shape[1], h / image.shape[0])
    small = cv2.resize(image, (int(image.shape[1] * scale), int(image.shape[0] * scale)), interpolation=cv2.INTER_AREA)
    canvas = np.full((h, w, 3), 40, np.uint8)
    y, x = (h - small.shape[0]) // 2, (w - small.shape[1]) // 2
    canvas[y : y + small.shape[0], x : x + small.shape[1]] = small
    return canvas


@pytest.fixture(scope="module")
def tool():
    return FaceTool()


@pytest.fixture(scope="module")
def settings():
    return AnalysisSettings()


@pytest.fixture(scope="module")
def no_face_clip(media_dir):
    return synth.make_clip(media_dir / "coffee.mp4", skimage_data.coffee(), None, seconds=3.0)


@pytest.fixture(scope="module")
def two_faces_clip(media_dir):
    face = skimage_data.astronaut()
    other = cv2.resize(face[:, ::-1], (384, 384))  # a second, smaller face beside her
    canvas = np.full((512, 896, 3), 90, np.uint8)
    canvas[:, :512] = face
    canvas[64:448, 512:] = other
    return write_video(media_dir / "two_faces.mp4", [cv2.resize(canvas, (640, 366))] * 30)


@pytest.fixture(scope="module")
def leaving_clip(media_dir):
    """The face for the first 2 s, then the scene without her (4 s)."""
    face = fit(skimage_data.astronaut())
    empty = fit(skimage_data.coffee())
    return write_video(media_dir / "leaving.mp4", [face] * 20 + [empty] * 20)


@pytest.fixture(scope="module")
def one_frame_clip(media_dir):
    return write_video(media_dir / "one_frame.mp4", [fit(skimage_data.astronaut())])


@pytest.fixture(scope="module")
def noise_clip(media_dir):
    rng = np.random.default_rng(1)
    return write_video(media_dir / "noise.mp4", [rng.integers(0, 256, (240, 320, 3), dtype=np.uint8) for _ in range(20)])


def perceive(tool, settings, path):
    return tool.perceive(media.decode(path), settings)


def test_smiling_face_is_happy_with_json_measurements(tool, settings, face_speech_clip):
    slot = perceive(tool, settings, face_speech_clip)
    assert slot.status is SlotStatus.ok, slot.reason
    m = slot.measurements
    json.dumps(m)  # the measurements travel in the graph state and the result file
    assert m["dominant"] == "happiness" and m["dominant_probability"] > 0.9
    assert m["coverage"] == 1.0 and m["max_faces"] == 1 and m["backend"] == "offline"
    assert set(m["mean_probabilities"]) == set(BASIC_EMOTIONS)
    timeline = m["timeline"]
    assert len(timeline["t"]) == m["n_frames"] == len(timeline["probabilities"]["happiness"]) == len(m["faces_per_frame"])
    expression = slot.timelines["expression"]  # the same numbers in the one timeline format
    assert expression.times_s == timeline["t"] and list(expression.series) == list(BASIC_EMOTIONS)
    assert expression.series["happiness"] == timeline["probabilities"]["happiness"] and expression.labels["top"] == timeline["top"]
    assert expression.units["happiness"] == "probability"
    assert [e.kind for e in expression.events if e.kind == "peak"] == ["peak"]
    assert m["head"]["mean_speed_fw_s"] < 0.5  # a still photo: the head barely moves
    assert "happy" in slot.text and f"{m['dominant_probability']:.2f}" in slot.text  # the text cites the numbers
    assert f"{m['n_frames']} of {m['n_frames']}" in slot.text
    assert 0.5 < slot.confidence <= 1.0
    assert slot.provenance.model.endswith("emotion_model.hdf5") and slot.provenance.backend == "offline"
    (cue,) = tool.cues(slot)
    assert cue.modality == "face" and cue.emotion == "happiness" and cue.valence > 0.5


def test_video_only_clip(tool, settings, video_only_clip):
    slot = perceive(tool, settings, video_only_clip)
    assert slot.ok and slot.measurements["dominant"] == "happiness"


def test_no_face(tool, settings, no_face_clip, noise_clip):
    slot = perceive(tool, settings, no_face_clip)
    assert slot.status is SlotStatus.unavailable
    # found, not visible: the track's BlazeFace misses faces under 0.07 of the 360 px short side (plugins/face_limits.py)
    assert slot.reason == ("No face was found: the face detector misses faces under about 17 px tall in the analysed 320x240 frames, "
                           "so a small or distant face may be there (6 sampled frames searched)")
    assert tool.cues(slot) == []
    noise = perceive(tool, settings, noise_clip)
    assert noise.status is SlotStatus.unavailable and noise.reason.startswith("No face was found: the face detector misses faces under")
    assert noise.reason.endswith("(5 sampled frames searched)")  # 2 s at the default 2 fps


def test_no_face_in_a_still_picture_says_found_with_the_limit(tool, settings, media_dir):
    """A real photo file without a face (scikit-image's coffee cup enlarged to a 1200x800 JPEG, analysed at 640x426):
    one still image, searched once; the limit is given in the analysed frame and in the file's picture."""
    path = media_dir / "coffee_still.jpg"
    cv2.imwrite(str(path), cv2.cvtColor(cv2.resize(skimage_data.coffee(), (1200, 800), interpolation=cv2.INTER_CUBIC), cv2.COLOR_RGB2BGR))
    clip = media.decode(path)
    assert clip.info.still_image and (clip.info.source_width, clip.info.source_height) == (1200, 800)
    slot = tool.perceive(clip, settings)
    assert slot.status is SlotStatus.unavailable and "visible" not in slot.reason
    assert clip.frames.shape[1:3] == (426, 640)
    assert slot.reason == ("No face was found: the face detector misses faces under about 30 px tall in the analysed 640x426 frames "
                           "(56 px in the file's 1200x800 picture), so a small or distant face may be there (the one still image searched)")


def test_several_faces_are_reported(tool, settings, two_faces_clip):
    slot = perceive(tool, settings, two_faces_clip)
    assert slot.ok, slot.reason
    m = slot.measurements
    assert m["max_faces"] == 2 and m["frames_with_several_faces"] == m["n_frames"]
    assert m["head"]["position"] == "left"  # the main face is the larger one, on the left
    assert "Several faces are visible (up to 2 at once" in slot.text
    assert "main face" in slot.text


def test_a_photo_is_described_without_time(tool, settings, media_dir):
    """A real photo (PNG: scikit-image's astronaut and a smaller mirrored face beside her) is one still image: the text
    says what the photo shows, with no word of duration or consistency over time (a fresh-user trial read "consistently
    happy", "visible throughout" and "at 0.0-0.5 s" for a photo)."""
    face = skimage_data.astronaut()
    canvas = np.full((512, 896, 3), 90, np.uint8)
    canvas[:, :512] = face
    canvas[64:448, 512:] = cv2.resize(face[:, ::-1], (384, 384))
    path = media_dir / "two_faces_photo.png"
    cv2.imwrite(str(path), cv2.cvtColor(canvas, cv2.COLOR_RGB2BGR))
    clip = media.decode(path)
    assert clip.info.still_image and len(clip.frames) == 1
    slot = tool.perceive(clip, settings)
    assert slot.ok, slot.reason
    assert slot.measurements["still_image"] is True and slot.measurements["position"] == "left"
    text = slot.text
    assert text.startswith("The main face in the photo looks happy: happiness is its top expression (probability ")
    assert slot.measurements["max_faces"] == 2  # her helmet's visor read as a third face here (plugins/landmarks.SURE_SCORE)
    assert "The photo shows 2 faces; this describes the main face, the largest one, at the left of the picture." in text
    for timely in ("consistently", "mostly", "throughout", "sampled frame", " s.", " s)", " s,", "0.0", "% of frames",
                   "mean", "median", "per minute", "over time"):
        assert timely not in text, timely
    assert "Lip corners pulled up (AU12" in text and "Gaze is toward the camera." in text  # the mesh's reading, said of the photo
    (cue,) = tool.cues(slot)
    assert cue.basis.startswith("happiness facial expression in the photo, probability ") and "frames" not in cue.basis


def test_face_leaving_the_frame_is_said(tool, settings, leaving_clip):
    slot = perceive(tool, settings, leaving_clip)
    assert slot.ok, slot.reason
    m = slot.measurements
    assert m["frames_with_face"] == 4 and m["n_frames"] == 8
    assert m["visible_to_s"] == pytest.approx(1.5) and m["absences"] == [{"start_s": 2.0, "end_s": 4.0}]
    assert "visible in only 4 of 8 sampled frames" in slot.text
    assert "leaves the frame at 2.0 s" in slot.text
    assert m["timeline"]["probabilities"]["happiness"][-1] is None
    assert m["dominant"] == "happiness"


def test_one_frame_video(tool, settings, one_frame_clip):
    clip = media.decode(one_frame_clip)
    assert len(clip.frames) == 1
    slot = tool.perceive(clip, settings)
    assert slot.ok, slot.reason
    m = slot.measurements
    assert m["n_frames"] == 1 and m["head"] is None and m["micro_expressions"] == []
    assert clip.info.still_image and "The face in the photo looks" in slot.text  # one picture: no time to be visible through
    assert slot.confidence < 0.5  # one frame is thin evidence


def test_backend_option(tool, tmp_path, face_speech_clip, monkeypatch):
    clip = media.decode(face_speech_clip)
    bad = tool.perceive(clip, AnalysisSettings(tool_options={"face": {"backend": "magic"}}))
    assert bad.status is SlotStatus.failed and "unknown face backend 'magic'" in bad.reason
    # auto falls back to offline where deepface or its weights are absent (as here: no hub access)
    monkeypatch.setenv("DEEPFACE_HOME", str(tmp_path))
    assert choose_backend({"backend": "auto"}).name == "offline"
    assert choose_backend({}).name == "offline"


def test_deepface_backend_without_weights_says_what_to_do(tool, tmp_path, face_speech_clip):
    """Real code path: deepface is asked for nothing it would have to download."""
    clip = media.decode(face_speech_clip)
    options = {"face": {"backend": "deepface", "deepface_home": str(tmp_path)}}
    slot = tool.perceive(clip, AnalysisSettings(tool_options=options))
    assert slot.status is SlotStatus.unavailable
    if importlib.util.find_spec("deepface") is None:
        assert "pip install 'saber-agent[deepface]'" in slot.reason
    else:
        weights = str(tmp_path / ".deepface" / "weights")
        assert weights in slot.reason and "deepface_home" in slot.reason and "backend=offline" in slot.reason
        assert DeepFaceExpressions(str(tmp_path)).missing() == slot.reason


def test_deepface_backend_runs_deepface_on_an_emotion_model_built_here(tool, tmp_path, face_speech_clip):
    """deepface's real detector, loader and predictor, on randomly initialised weights of its own
    torch emotion network saved where deepface looks (its real weights need a download)."""
    pytest.importorskip("deepface")
    torch = pytest.importorskip("torch")
    backend = DeepFaceExpressions(str(tmp_path))
    if backend.engine() != "pytorch":
        pytest.skip(f"deepface runs on {backend.engine()} here; this test builds torch weights")
    from deepface.models.demography.pytorch.Emotion import base_model

    torch.manual_seed(0)
    (tmp_path / ".deepface" / "weights").mkdir(parents=True)
    torch.save(base_model().state_dict(), backend.weights_file)
    assert backend.missing() is None
    clip = media.decode(face_speech_clip)
    options = {"face": {"backend": "deepface", "deepface_home": str(tmp_path)}}
    slot = tool.perceive(clip, AnalysisSettings(tool_options=options))
    assert slot.ok, slot.reason
    assert slot.provenance.backend == "deepface" and slot.provenance.model == backend.weights_file
    m = slot.measurements
    assert m["backend"] == "deepface" and m["frames_with_face"] == m["n_frames"]
    assert sum(m["mean_probabilities"].values()) == pytest.approx(1.0, abs=0.01)
    # untrained weights give near-uniform probabilities, and the text says there is no clear expression
    assert m["dominant_probability"] < 0.35 and "shows no clear expression" in slot.text
    assert choose_backend({"backend": "auto", "deepface_home": str(tmp_path)}).name == "deepface"


def test_end_to_end_through_the_graph(registry, face_speech_clip):
    result = analyze(face_speech_clip, plugins=["face", "prosody"])
    face = result.evidence.facial_exp_desc
    assert face.ok, face.reason
    assert face.measurements["dominant"] == "happiness"
    assert any(c.modality == "face" and c.emotion == "happiness" for c in result.cues)
    assert "face" in {run.tool for run in result.tool_runs}


def test_audio_only_clip_through_the_graph(registry, audio_only_clip):
    result = analyze(audio_only_clip, plugins=["face", "prosody"])
    face = result.evidence.facial_exp_desc
    assert face.status is SlotStatus.unavailable and face.reason == "the clip has no video"


# ---------------------------------------------------------------- devices and engines


def test_torch_engine_on_the_cpu_agrees_with_numpy_on_a_real_clip(tool, face_speech_clip):
    pytest.importorskip("torch")
    clip = media.decode(face_speech_clip)
    numpy_slot = tool.perceive(clip, AnalysisSettings(device="cpu"))
    torch_slot = tool.perceive(clip, AnalysisSettings(device="cpu", tool_options={"face": {"engine": "torch"}}))
    assert numpy_slot.ok and torch_slot.ok, (numpy_slot.reason, torch_slot.reason)
    a, b = numpy_slot.measurements, torch_slot.measurements
    assert (a["engine"], a["device"]) == ("numpy", "cpu")
    # every sampled face of the clip in one forward pass
    assert (b["engine"], b["device"], b["forward_passes"]) == ("torch", "cpu", 1)
    for emotion in BASIC_EMOTIONS:
        assert a["mean_probabilities"][emotion] == pytest.approx(b["mean_probabilities"][emotion], abs=2e-3)
    assert a["dominant"] == b["dominant"] == "happiness" and numpy_slot.text == torch_slot.text


@pytest.mark.skipif(cuda_available(), reason="checks the no-GPU error; this machine has a GPU")
def test_cuda_without_a_gpu_fails_the_slot_with_the_reason(tool, face_speech_clip):
    slot = tool.perceive(media.decode(face_speech_clip), AnalysisSettings(device="cuda"))
    assert slot.status is SlotStatus.failed and "no CUDA GPU is visible" in slot.reason


def test_the_sample_clips_facial_slot_cites_action_units_gaze_and_head_pose(tool):
    """Issue 15's done criterion: landmark evidence in SABER's manner, with its timelines."""
    pytest.importorskip("mediapipe")
    from saber_agent.api import sample_clip

    slot = tool.perceive(media.decode(sample_clip()), AnalysisSettings())
    assert slot.ok, slot.reason
    au = slot.measurements["action_units"]
    assert au["frames_with_mesh"] == au["n_frames"] and au["agreement"]["agree"] is True  # a smile, read as happy
    assert "Lip corners pulled up (AU12" in slot.text and "cheeks raised (AU6)" in slot.text
    assert "Head pose (median)" in slot.text and "yaw" in slot.text and "Gaze is" in slot.text
    assert set(slot.timelines) >= {"expression", "action_units", "head_pose"}
    assert slot.timelines["head_pose"].units["yaw_deg"] == "degrees"


def test_haar_backend_keeps_the_old_pipeline(tool):
    from saber_agent.api import sample_clip

    slot = tool.perceive(media.decode(sample_clip()), AnalysisSettings(tool_options={"face": {"backend": "haar"}}))
    assert slot.ok and slot.measurements["detector"] == "opencv-haar" and "action_units" not in slot.measurements
    assert "AU12" not in slot.text


def test_disagreement_between_classifier_and_action_units_lowers_confidence_and_is_said(tool, monkeypatch):
    """The classifier made to read sadness on the smiling sample: the AUs (AU12) disagree."""
    from saber_agent.api import sample_clip
    from saber_agent.plugins import face

    clip = media.decode(sample_clip())
    agreeing = tool.perceive(clip, AnalysisSettings())
    original = face.OfflineExpressions.probabilities

    def sad(self, clip, track, rolls=None):
        probs = original(self, clip, track, rolls)
        ok = ~np.isnan(probs[:, 0])
        probs[ok] = 0.0
        probs[ok, BASIC_EMOTIONS.index("sadness")] = 1.0
        return probs

    monkeypatch.setattr(face.OfflineExpressions, "probabilities", sad)
    slot = tool.perceive(clip, AnalysisSettings())
    assert slot.measurements["action_units"]["agreement"]["agree"] is False
    assert "disagree" in slot.text and "AU12" in slot.text
    assert slot.confidence < 0.7 * agreeing.confidence


def test_face_text_says_which_time_has_pictures_when_the_sound_runs_on(tool, settings, tmp_path):
    """The trial's av_audio_longer.mp4: 2 s of picture in an 8 s clip (the sound runs on). The face tool passes the
    clip's duration to the summary, so "throughout" is not claimed for the 6 s without pictures."""
    import subprocess

    face = fit(skimage_data.astronaut())
    video = write_video(tmp_path / "v.mp4", [face] * 20, fps=10)  # 2.0 s
    out = tmp_path / "audio_longer.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(video), "-f", "lavfi", "-i", "sine=frequency=220:duration=8",
                    "-c:v", "copy", "-c:a", "aac", str(out)], check=True)
    clip = media.decode(out)
    assert clip.duration_s > 7.5
    slot = tool.perceive(clip, settings)
    assert slot.ok, slot.reason
    assert slot.measurements["clip_s"] == pytest.approx(clip.duration_s) and slot.measurements["pictures_s"][1] < 2.5
    assert "throughout" not in slot.text and "has pictures" in slot.text
