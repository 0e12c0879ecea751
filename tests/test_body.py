"""The body plugin on clips built frame by frame (numpy + ffmpeg) from scikit-image photographs.

The motion in each clip is known exactly: a head patch that oscillates vertically (nod) or
horizontally (shake), a hand-sized patch that moves only between 1.5 s and 3.0 s, a camera pan.
"""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest
from skimage import data

from saber_agent.api import analyze
from saber_agent.evidence import SlotStatus
from saber_agent.media import DecodeSettings, decode
from saber_agent.plugins.body import BodyTool
from saber_agent.settings import AnalysisSettings
from tests.support.frames import fit, leaning, moving_head, moving_patch, portrait, write_frames, zooming

HEAD_FPS = DecodeSettings(fps=6)  # a 1 Hz nod needs several samples per swing


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    import cv2

    root = tmp_path_factory.mktemp("body")
    canvas, _ = portrait()
    hand = fit(data.chelsea(), (70, 70))

    def gesture(t):  # a hand beside the body, waving only between 1.5 s and 3.0 s
        if 1.5 <= t < 3.0:
            return 520, int(150 + 80 * np.sin(2 * np.pi * 1.5 * (t - 1.5)))
        return 520, 150

    big = cv2.resize(data.astronaut(), (1000, 1000), interpolation=cv2.INTER_AREA)
    return {
        "nod": write_frames(root / "nod.mp4", moving_head("nod")),
        "shake": write_frames(root / "shake.mp4", moving_head("shake")),
        "still": write_frames(root / "still.mp4", [canvas] * 100),
        "gesture": write_frames(root / "gesture.mp4", moving_patch(canvas, hand, gesture, 4.5)),
        "no_face": write_frames(root / "no_face.mp4", moving_patch(fit(data.coffee()), hand, lambda t: (int(100 + 100 * t), 100), 4.0)),
        "pan": write_frames(root / "pan.mp4", [big[100:460, 8 * i:8 * i + 640] for i in range(45)]),  # her head in view
        "lean": write_frames(root / "lean.mp4", leaning()),
        "zoom": write_frames(root / "zoom.mp4", zooming(canvas)),
        "cut": write_frames(root / "cut.mp4", [canvas] * 50 + [fit(data.coffee())] * 50),
    }


_slots: dict = {}


def perceive(path, decode_settings: DecodeSettings | None = None, **options):
    """The body slot of a clip; the default (optical flow) slot of each clip and rate is computed once."""
    decode_settings = decode_settings or DecodeSettings()
    key = (str(path), decode_settings.fps)
    if not options and key in _slots:
        return _slots[key]
    clip = decode(path, decode_settings)
    slot = BodyTool().perceive(clip, AnalysisSettings(tool_options={"body": options} if options else {}))
    if not options:
        _slots[key] = slot
    return slot


def kinds(slot) -> list[str]:
    return [g["kind"] for g in slot.measurements["head"]["gestures"]]


def test_a_nod_is_detected_as_a_nod(clips):
    slot = perceive(clips["nod"], HEAD_FPS)
    assert slot.ok and kinds(slot) == ["nod"]
    nod = slot.measurements["head"]["gestures"][0]
    assert nod["cycles"] >= 2 and nod["end"] - nod["start"] > 2.0  # four 1 Hz cycles over 4 s
    assert "The head nods" in slot.text and "shake" not in slot.text.split("The head nods")[1].split(".")[0]


def test_a_shake_is_detected_as_a_shake(clips):
    slot = perceive(clips["shake"], HEAD_FPS)
    assert slot.ok and kinds(slot) == ["shake"]
    assert slot.measurements["head"]["gestures"][0]["cycles"] >= 2
    assert "The head shakes" in slot.text


def test_a_still_head_neither_nods_nor_shakes(clips):
    slot = perceive(clips["still"], HEAD_FPS)
    assert kinds(slot) == []
    assert "No head nod or shake" in slot.text and "little body movement" in slot.text
    assert slot.measurements["posture"]["lean"] is None and slot.measurements["posture"]["shifts"] == []


def test_a_low_sampling_rate_is_stated_not_hidden(clips):
    # at the default 2 fps a 1 Hz nod is sampled at the same phase every time: it cannot be seen
    slot = perceive(clips["nod"])
    assert slot.measurements["head"]["max_resolvable_hz"] == 0.5
    assert "cannot be resolved" in slot.text


def test_a_gesture_burst_is_found_at_its_time_and_outweighs_a_still_body(clips):
    moving, still = perceive(clips["gesture"], HEAD_FPS), perceive(clips["still"], HEAD_FPS)
    sides, still_sides = moving.measurements["regions"]["hands_sides"], still.measurements["regions"]["hands_sides"]
    assert sides["energy_max"] > 10 * max(still_sides["energy_max"], 0.01)
    assert sides["changed_fraction_mean"] > 10 * max(still_sides["changed_fraction_mean"], 0.0005)
    bursts = moving.measurements["bursts"]
    assert len(bursts) == 1 and bursts[0]["region"] == "hands_sides"
    assert 1.2 <= bursts[0]["start"] <= 1.7 and 2.6 <= bursts[0]["end"] <= 3.3
    assert "Bursts of gesture at 1." in moving.text
    assert moving.measurements["regions"]["upper_body"]["level"] == "little"  # the torso did not move
    assert kinds(moving) == []  # a hand beside the face is not a head shake


def test_the_burst_is_also_found_at_the_default_sampling_rate(clips):
    slot = perceive(clips["gesture"])
    bursts = slot.measurements["bursts"]
    assert len(bursts) == 1 and bursts[0]["start"] >= 1.0 and bursts[0]["end"] <= 3.5


def test_no_person_is_unavailable_and_gives_no_cue(clips, tmp_path):
    """A cat photo sliding over a coffee cup moves a lot, but no one is there: no body language, no cue
    (issue 14: the body tool said "still" for a flat grey picture and its cue was fused)."""
    grey = write_frames(tmp_path / "grey.mp4", [np.full((360, 640, 3), 128, np.uint8)] * 50)
    for path, options in ((clips["no_face"], {}), (clips["no_face"], {"backend": "flow"}), (grey, {})):
        slot = perceive(path, HEAD_FPS, **options)
        assert slot.status is SlotStatus.unavailable and "no person visible" in slot.reason, (path, slot.reason)
        assert BodyTool().cues(slot) == []
    assert perceive(clips["still"]).confidence > 0.5  # a person: described


def test_a_camera_pan_is_discounted(clips):
    slot = perceive(clips["pan"], HEAD_FPS)
    camera = slot.measurements["camera"]
    # 8 px per frame at 25 fps over 44 frames: 352 px of a 640 px frame
    assert camera["moving"] and -0.65 < camera["pan_x"] < -0.45 and abs(camera["pan_y"]) < 0.05
    # what is left after the camera's motion is taken out is at most slight (no lively gesture, no burst)
    assert all(r["level"] in ("little", "slight") for r in slot.measurements["regions"].values()) and not slot.measurements["bursts"]
    assert "The camera pans; its motion is discounted." in slot.text


def test_a_camera_zoom_is_not_a_lean_a_nod_or_a_gesture(clips):
    for fps in (2, 6):  # small steps at 6 fps must add up to the same zoom
        slot = perceive(clips["zoom"], DecodeSettings(fps=fps))
        camera = slot.measurements["camera"]
        assert camera["moving"] and 1.18 < camera["zoom"] < 1.3, (fps, camera)
        assert abs(camera["pan_x"]) < 0.02 and abs(camera["pan_y"]) < 0.02  # a zoom about the centre is no pan
        assert slot.measurements["posture"]["lean"] is None, fps
        assert kinds(slot) == [] and slot.measurements["bursts"] == [], fps
        assert all(r["level"] == "little" for r in slot.measurements["regions"].values()), fps
        assert "The camera zooms in" in slot.text


def test_leaning_toward_a_still_camera_is_seen(clips):
    slot = perceive(clips["lean"])
    posture = slot.measurements["posture"]
    assert not slot.measurements["camera"]["moving"]
    assert posture["lean"] == "toward" and 1.15 < posture["scale_ratio"] < 1.35  # the person grew by 30%
    assert "leans toward the camera" in slot.text


def test_a_cut_is_not_a_burst_of_gesture(clips):
    for fps in (2, 6):
        slot = perceive(clips["cut"], DecodeSettings(fps=fps))
        assert slot.measurements["shot_changes"] == [2.0]
        assert slot.measurements["bursts"] == [] and kinds(slot) == []
        assert all(r["level"] == "little" for r in slot.measurements["regions"].values())
        assert "change of shot at 2.0 s is not counted" in slot.text
        json.dumps(slot.measurements, allow_nan=False)


def test_a_one_frame_video_is_unavailable_not_a_crash(tmp_path):
    path = tmp_path / "one.mp4"
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25",
                    "-frames:v", "1", "-pix_fmt", "yuv420p", str(path)], check=True)
    slot = perceive(path)
    assert slot.status is SlotStatus.unavailable and "at least two" in slot.reason


def test_a_photo_is_a_still_image_not_a_short_decode(tmp_path):
    """A real photo file (scikit-image's astronaut, a 512x512 PNG: a person, head and shoulders): one picture by
    nature, so the reason says still image (posture readable, movement not), not 'only 1 frame was decoded'."""
    import cv2

    path = tmp_path / "astronaut.png"
    cv2.imwrite(str(path), cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR))
    clip = decode(path)
    assert clip.info.still_image and len(clip.frames) == 1
    slot = BodyTool().perceive(clip, AnalysisSettings())
    assert slot.status is SlotStatus.unavailable and "decoded" not in slot.reason
    # the face and scene tools' words for a photo (saber_agent.wording.PHOTO)
    assert slot.reason == ("the clip is a photo (one still image): a posture could be read from it but body movement cannot "
                           "(it needs at least two frames), and this tool does not read posture alone")


def test_measurements_are_json_with_timelines(clips):
    slot = perceive(clips["nod"], HEAD_FPS)
    json.dumps(slot.measurements, allow_nan=False)
    timeline = slot.measurements["timeline"]
    assert len(timeline["t"]) == slot.measurements["n_frames"] - 1
    assert set(timeline["energy"]) == {"upper_body", "hands_sides"}
    assert len(slot.measurements["head"]["timeline"]["y"]) == slot.measurements["n_frames"]
    activity, head = slot.timelines["activity"], slot.timelines["head"]  # the one timeline format
    assert activity.times_s == timeline["t"] and activity.series["upper_body"] == timeline["energy"]["upper_body"]
    assert "optical flow" in activity.units["upper_body"] and set(slot.timelines["change"].series) == set(activity.series)
    assert len(head.times_s) == len(head.series["y"]) == slot.measurements["n_frames"]
    assert any(e.kind == "nod" for e in activity.events)


def test_cues_give_arousal_from_movement_and_a_small_valence_from_nods(clips):
    tool = BodyTool()
    still = tool.cues(perceive(clips["still"], HEAD_FPS))[0]
    moving = tool.cues(perceive(clips["gesture"], HEAD_FPS))[0]
    nod = tool.cues(perceive(clips["nod"], HEAD_FPS))[0]
    shake = tool.cues(perceive(clips["shake"], HEAD_FPS))[0]
    assert still.modality == "body" and still.valence == 0 and moving.valence == 0
    assert moving.arousal > still.arousal
    assert nod.valence == pytest.approx(0.1) and shake.valence == pytest.approx(-0.1)
    assert "nod" in nod.basis
    # how active the body is is no emotion: the cue names none, and says the activity word in its basis
    assert all(c.emotion is None for c in (still, moving, nod, shake))
    words = ("still", "calm", "engaged", "animated")
    assert words.index(still.basis.split()[0]) < words.index(moving.basis.split()[0])


def test_pose_backend_without_a_model_file_falls_back_with_the_reason(clips, tmp_path):
    missing = tmp_path / "pose.onnx"
    slot = perceive(clips["gesture"], backend="pose", model=str(missing))
    assert slot.ok and slot.measurements["pose"]["status"] == "unavailable"
    assert "does not exist" in slot.measurements["pose"]["reason"]
    assert "pose backend unavailable" in slot.provenance.backend
    assert "pose model" not in slot.text.lower()
    slot = perceive(clips["gesture"], backend="pose")
    assert "needs a model" in slot.measurements["pose"]["reason"]


PEAK_MODEL = """name: "brightest-point"
input: "data"
input_shape { dim: 1 dim: 3 dim: 64 dim: 64 }
layer { name: "pool" type: "Pooling" bottom: "data" top: "pool" pooling_param { pool: AVE kernel_size: 4 stride: 4 } }
layer { name: "heat" type: "Concat" bottom: "pool" bottom: "pool" bottom: "pool" bottom: "pool" bottom: "pool" bottom: "pool" top: "heat" }
"""


def test_pose_backend_runs_a_heatmap_model_through_opencv_dnn(tmp_path):
    """A weight-free Caffe net whose 18 heatmaps peak at the brightest spot (a real model file, read by cv2.dnn).

    It stands in for OpenPose's COCO model (same input and output layout, no weights to ship): every
    keypoint lands on a white square that moves right at a known speed, so the wrists' measured
    position and speed are checkable.
    """
    model = tmp_path / "peak.prototxt"
    model.write_text(PEAK_MODEL)
    frames = []
    for i in range(50):
        frame = np.zeros((360, 640, 3), np.uint8)
        x = 100 + 8 * i
        frame[150:190, x:x + 40] = 255
        frames.append(frame)
    path = write_frames(tmp_path / "square.mp4", frames)
    slot = perceive(path, backend="pose", model=str(model), input_size=[64, 64])
    pose = slot.measurements["pose"]
    assert pose["status"] == "ok" and pose["backend"] == "opencv-dnn" and pose["keypoints"] == 18
    # the square moves 8 px per frame at 25 fps: 200 px/s, 31% of the width per second
    assert 20 < pose["wrist_speed_mean"] < 45
    first = pose["timeline"]["points"][0][4]  # right wrist (OpenPose order) in the first frame
    assert abs(first[0] - 120) < 25 and abs(first[1] - 170) < 25
    assert "A pose model finds that the wrists move" in slot.text
    assert slot.provenance.backend == "optical-flow+pose (opencv-dnn)"


def test_end_to_end_through_the_graph(registry, clips, face_speech_clip):
    result = analyze(clips["nod"], plugins=["body", "scene"], decode=HEAD_FPS)
    slot = result.evidence.body_lang_desc
    assert slot.ok and slot.provenance.plugin == "body" and "The head nods" in slot.text
    assert any(c.modality == "body" for c in result.cues)
    assert result.evidence.video_desc.ok
    assert "head" in result.analysis.reasoning or "body" in result.analysis.reasoning
    # the shared sample-like clip (astronaut, zooming, speaking) through the default settings
    sample = analyze(face_speech_clip, plugins=["body", "prosody"])
    assert sample.evidence.body_lang_desc.ok and sample.evidence.acoustic_feat.ok
