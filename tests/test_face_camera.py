"""The camera under the main face (`plugins.face_camera`): a zoom or pan of the picture is undone before the head's speed
and extent are measured (`face_summary.head_motion`), and a head that moves over a still background keeps its motion.
Frames are made in memory from a textured picture warped by a known similarity; real OpenCV fits, no mocks."""

from __future__ import annotations

import numpy as np

from saber_agent.media import Clip, ClipInfo
from saber_agent.plugins.face_camera import camera_path
from saber_agent.plugins.face_summary import describe, head_motion, summarize
from saber_agent.plugins.facetrack import FaceTrack

W, H, N = 320, 180, 9
FACE = np.array([200.0, 40.0, 50.0, 50.0])  # x, y, w, h: off the zoom's centre, so a zoom drifts it across the frame


def texture(seed: int = 0) -> np.ndarray:
    import cv2

    noise = np.random.default_rng(seed).integers(0, 256, (H, W), np.uint8)
    grey = cv2.GaussianBlur(cv2.resize(noise[: H // 4, : W // 4], (W, H), interpolation=cv2.INTER_CUBIC), (3, 3), 0)
    return np.repeat(grey[..., None], 3, axis=2)


def clip_of(frames: list[np.ndarray], fps: float = 1.25) -> Clip:
    times = np.arange(len(frames)) / fps
    info = ClipInfo(path="camera", duration_s=len(frames) / fps, has_video=True, n_frames=len(frames), sample_fps=fps)
    return Clip(info, np.stack(frames), times, np.zeros(0, np.float32))


def zoomed(picture: np.ndarray, zoom: float, about=(40.0, 30.0)) -> tuple[np.ndarray, np.ndarray]:
    """The picture zoomed `zoom` times about a point (as ffmpeg's zoompan about the top-left), and the 2x3 matrix."""
    import cv2

    matrix = np.array([[zoom, 0, about[0] * (1 - zoom)], [0, zoom, about[1] * (1 - zoom)]])
    return cv2.warpAffine(picture, matrix, (W, H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT), matrix


def moved(box: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    corner = matrix[:, :2] @ box[:2] + matrix[:, 2]
    return np.array([*corner, *(box[2:] * matrix[0, 0])])


def test_a_zoom_is_undone_and_the_still_head_reads_still():
    picture = texture()
    frames, boxes = [], []
    for i in range(N):  # x1.04 a frame: x1.37 over the shot, the trial's looped zoom's rate
        frame, matrix = zoomed(picture, 1.04 ** i)
        frames.append(frame)
        boxes.append(moved(FACE, matrix))
    clip, boxes = clip_of(frames), np.array(boxes)
    camera = camera_path(clip, boxes, [])
    assert camera.moving and abs(camera.zoom - 1.04 ** (N - 1)) < 0.05, camera.shots
    centres = boxes[:, :2] + boxes[:, 2:] / 2
    assert np.abs(camera.undo(centres) - centres[0]).max() < 3.0  # back where the face was in the first frame
    track = FaceTrack(clip.frame_times, boxes, np.ones(N, int), "test")
    raw, head = head_motion(track, W), head_motion(track, W, camera=camera)
    assert raw["horizontal_range_fw"] > 0.5 and "camera" not in raw  # the zoom read as head motion without the camera
    assert head["horizontal_range_fw"] < 0.1 and head["vertical_range_fw"] < 0.1, head
    assert head["camera"]["horizontal_range_fw_in_picture"] == raw["horizontal_range_fw"]
    assert head["size_change"] > 1.2 and 0.9 < head["camera"]["size_change_camera_undone"] < 1.1
    text = describe(summarize(track, np.tile(np.eye(7)[3], (N, 1)), W) | {"head": head})
    assert "the camera's motion undone: the camera zooms x1.37" in text and "as the camera zooms" in text, text
    assert "moving closer" not in text


def test_a_head_moving_over_a_still_background_keeps_its_motion():
    picture, face = texture(), texture(seed=1)[:50, :50]
    frames, boxes = [], []
    for i in range(N):  # the face slides 8 px a frame to the left; the background does not move
        frame, box = picture.copy(), FACE - [8.0 * i, 0, 0, 0]
        x, y = int(box[0]), int(box[1])
        frame[y: y + 50, x: x + 50] = face
        frames.append(frame)
        boxes.append(box)
    clip, boxes = clip_of(frames), np.array(boxes)
    camera = camera_path(clip, boxes, [])
    assert not camera.moving, camera.shots
    track = FaceTrack(clip.frame_times, boxes, np.ones(N, int), "test")
    head = head_motion(track, W, camera=camera)
    assert "camera" not in head and head["horizontal_range_fw"] > 1.2, head  # 64 px of a 50 px face: the head's own


def test_a_cut_starts_a_new_picture():
    picture, other = texture(), texture(seed=2)
    frames = [zoomed(picture, 1.04 ** i)[0] for i in range(5)] + [zoomed(other, 1.04 ** i)[0] for i in range(4)]
    boxes = np.tile(FACE, (N, 1))
    camera = camera_path(clip_of(frames), boxes, [4])  # pair 4: frames 4 and 5 straddle the cut
    assert len(camera.shots) == 2 and camera.shots[1]["start"] == 4.0
    assert np.allclose(camera.to_first[5], np.eye(3))  # the new shot's first frame is its own reference
    assert all(abs(s["zoom"] - 1.04 ** (k - 1)) < 0.05 for s, k in zip(camera.shots, (5, 4), strict=True)), camera.shots
    assert camera_path(clip_of(frames[:1]), boxes[:1], []) is None


def test_a_body_swaying_in_front_of_a_plain_wall_is_not_the_camera():
    """The fit on corners outside the head follows a swaying body when nothing else has corners (it read a pan of 0.06
    frame widths and undid the head's 1.34 face widths); the picture's edges stay, so the motion is the person's."""
    import cv2

    from saber_agent.plugins.facetrack import track_faces
    from saber_agent.testing.synth import face_image

    person, frames = cv2.resize(face_image(), (300, 300)), []
    for i in range(16):
        canvas = np.full((360, 640, 3), 120, np.uint8)
        x = 170 + int(40 * np.sin(i / 2.0))
        canvas[60:360, x: x + 300] = person
        frames.append(canvas)
    clip = clip_of(frames, fps=2.0)
    track = track_faces(clip)
    assert track.found.sum() >= 12
    camera = camera_path(clip, track.boxes, [])
    assert not camera.moving and camera.body_shots == 1, camera.shots
    head = head_motion(track, 640, camera=camera)
    assert "camera" not in head and head["horizontal_range_fw"] > 1.0, head


def test_the_camera_is_fitted_once_per_clip_and_the_body_tool_reads_the_same_fit(monkeypatch):
    """The face tool's camera path and the body tool's motion (`motion.measure_motion`) read one fit per frame pair
    (`motion.camera_fits`, cached on the clip): the second reader fits nothing and measures what it measures alone."""
    from saber_agent.plugins import motion

    frames = [zoomed(texture(), 1.04 ** i)[0] for i in range(N)]
    alone = motion.measure_motion(clip_of(frames)).m  # the body tool on a clip of its own
    fit, calls = motion.camera_motion, []
    monkeypatch.setattr(motion, "camera_motion", lambda *args: calls.append(1) or fit(*args))
    clip = clip_of(frames)
    camera = camera_path(clip, np.tile(FACE, (N, 1)), [])
    assert len(calls) == N - 1 and camera.moving
    shared = motion.measure_motion(clip).m
    assert len(calls) == N - 1  # no second fit
    assert shared == alone
    scales = [float(np.hypot(m[0, 0], m[1, 0])) for m in motion.camera_fits(clip).matrices]
    assert abs(camera.zoom - float(np.prod(scales))) < 1e-3 and abs(camera.zoom - 1.04 ** (N - 1)) < 0.05
