"""The face slot's measurements and text (plugins/face_summary.py) on made-up tracks and probabilities."""

from __future__ import annotations

import numpy as np

from saber_agent.evidence import BASIC_EMOTIONS
from saber_agent.plugins import face, face_summary
from saber_agent.plugins.face_summary import describe, micro_expressions, summarize
from saber_agent.plugins.facetrack import build_track


def test_the_face_module_still_exports_the_summary():
    # the old import path (tests, other modules) reads the same functions
    for name in ("summarize", "describe", "micro_expressions", "head_motion", "expression_timeline", "STEADY_HEAD"):
        assert getattr(face, name) is getattr(face_summary, name)


def test_micro_expression_candidates_need_a_brief_rise_seen_to_end():
    times = np.arange(10) / 2.0
    probs = np.zeros((10, 7))
    happy, surprise = BASIC_EMOTIONS.index("happiness"), BASIC_EMOTIONS.index("surprise")
    probs[:, happy] = 0.9
    probs[:, surprise] = 0.1
    probs[4, [happy, surprise]] = [0.3, 0.7]  # one sampled frame of surprise
    probs[9, [happy, surprise]] = [0.2, 0.8]  # at the very end: not seen to end, not a transient
    (event,) = micro_expressions(times, probs, "happiness")
    assert event == {"start_s": 2.0, "end_s": 2.5, "emotion": "surprise", "peak_probability": 0.7,
                     "peak_s": 2.0, "baseline": 0.1}
    long = probs.copy()
    long[3:7, [happy, surprise]] = [0.3, 0.7]  # 2 s of surprise is a change, not a transient
    assert micro_expressions(times, long, "happiness") == []


def test_summary_of_a_shift_in_expression():
    times = np.arange(6) / 2.0
    box = np.array([[100.0, 50, 80, 80]])
    track = build_track(times, [box] * 6)
    probs = np.zeros((6, 7))
    probs[:3, BASIC_EMOTIONS.index("neutral")] = 0.8
    probs[3:, BASIC_EMOTIONS.index("anger")] = 0.9
    probs[probs.sum(axis=1) < 1, BASIC_EMOTIONS.index("sadness")] += 0.1
    probs = probs / probs.sum(axis=1, keepdims=True)
    m = summarize(track, probs, frame_width=320)
    assert m["changes"] == [{"start_s": 0.0, "emotion": "neutral"}, {"start_s": 1.5, "emotion": "anger"}]
    assert m["peak"]["emotion"] == "anger" and m["peak"]["t"] == 1.5
    assert "The top expression shifts over time: neutral from 0.0 s; anger from 1.5 s." in describe(m)
    late = build_track(times, [np.zeros((0, 4))] * 2 + [box] * 4)
    probs[:2] = np.nan
    text = describe(summarize(late, probs, frame_width=320))
    assert "visible in only 4 of 6 sampled frames (1.0 s to 2.5 s); it comes into view at 1.0 s." in text


def test_one_sampled_frame_is_not_called_zero_fps():
    # the trial's 0.5 s short.mp4: one sampled frame read "(at 0 fps; ...)"
    track = build_track(np.zeros(1), [np.array([[100.0, 50, 80, 80]])])
    probs = np.full((1, 7), 0.05)
    probs[0, BASIC_EMOTIONS.index("happiness")] = 0.7
    text = describe(summarize(track, probs, frame_width=320))
    assert "0 fps" not in text
    assert "in 1 of 1 sampled frame with a face (one sampled frame; mean probability 0.70)" in text
    assert "The face is visible throughout (1 of 1 sampled frame)." in text and "1 sampled frames" not in text  # agreement
    many = describe(summarize(build_track(np.arange(4) / 2.0, [np.array([[100.0, 50, 80, 80]])] * 4),
                              np.repeat(probs, 4, axis=0), frame_width=320))
    assert "(at 2 fps; mean probability 0.70)" in many


def test_throughout_is_said_of_the_time_with_pictures_not_the_whole_clip():
    """The trial's av_audio_longer.mp4: 2 s of video in a 10 s clip, and the face was "visible throughout". Given the
    clip's duration, the text says which part of the clip has pictures; the shares stay over the sampled frames."""
    times = np.arange(4) / 2.0  # frames at 0-1.5 s: pictures over 0-2 s
    box = np.array([[100.0, 50, 80, 80]])
    probs = np.full((4, 7), 0.05)
    probs[:, BASIC_EMOTIONS.index("happiness")] = 0.7
    m = summarize(build_track(times, [box] * 4), probs, frame_width=320, clip_s=10.0)
    assert m["pictures_s"] == [0.0, 2.0] and m["clip_s"] == 10.0
    text = describe(m)
    assert "throughout" not in text
    assert ("The face is visible in every sampled frame (4 of 4) of the 0.0-2.0 s of the 10.0 s clip that has pictures; "
            "the rest has no picture.") in text
    for clip_s in (None, 2.0, 2.3):  # no duration given, or pictures over the whole clip: as before
        assert "The face is visible throughout (4 of 4 sampled frames)." in describe(
            summarize(build_track(times, [box] * 4), probs, frame_width=320, clip_s=clip_s))
    probs[0] = np.nan  # no face in the first frame
    late = summarize(build_track(times, [np.zeros((0, 4))] + [box] * 3), probs, frame_width=320, clip_s=10.0)
    assert "visible in only 3 of 4 sampled frames of the 0.0-2.0 s of the 10.0 s clip that has pictures (0.5 s to 1.5 s)" in describe(late)


def test_a_face_elsewhere_after_a_cut_or_moved_by_a_zoom_is_no_jump():
    """Trial A: a looped zoom read 'the face jumps to another place in the frame 18 times' while the scene had the cuts.
    A jump across a shot change is counted apart (`jumps_at_cuts`), as is one a camera zoom explains (`jumps_by_zoom`:
    the box grows by x1.6 and moves no further than such a zoom about a point in the picture moves it)."""
    from saber_agent.plugins.face_links import FaceTrack

    times = np.arange(8) / 2.0
    boxes = np.array([[300, 100, 60, 60]] * 8, float)
    boxes[2:5] = [200, 100, 60, 60]  # a cut at 1.0 s: the face elsewhere, the same size
    boxes[5:] = [320, 160, 96, 96]  # at 2.5 s the box grows x1.6 about (0, 0): a zoom about the frame's corner
    track = FaceTrack(times=times, boxes=boxes, counts=np.ones(8, int), detector="test")
    unknown = face_summary.head_motion(track, 640)
    assert unknown["jumps"] == 2 and unknown["jumps_at_cuts"] is None  # no shots given: both still read as jumps
    head = face_summary.head_motion(track, 640, cuts=[1.0], frame_size=(640, 360))
    assert head["jumps"] == 0 and head["jumps_at_cuts"] == 1 and head["jumps_by_zoom"] == 1, head
    text = describe(summarize(track, np.tile(np.eye(7)[3], (8, 1)), 640) | {"head": head})
    assert "after 1 change of shot" in text and "jumps to another place" not in text, text
    far = boxes.copy()
    far[5:] = [600, 20, 96, 96]  # grown, but further than a x1.6 zoom of a 640x360 picture can carry it: a jump
    assert face_summary.head_motion(FaceTrack(times, far, np.ones(8, int), "test"), 640, [1.0], (640, 360))["jumps"] == 1


def test_a_photo_is_described_without_time():
    # a photo (ClipInfo.still_image) has no duration: no "consistently", "throughout", "at 0.0 s", "sampled frames"
    track = build_track(np.zeros(1), [np.array([[220.0, 50, 80, 80]])])
    probs = np.full((1, 7), 0.1)
    probs[0, BASIC_EMOTIONS.index("neutral")] = 0.3
    probs[0, BASIC_EMOTIONS.index("sadness")] = 0.25
    m = summarize(track, probs / probs.sum(), frame_width=320, clip_s=0.04, still_image=True)
    assert m["still_image"] is True and m["position"] == "right"
    text = describe(m)
    assert text.startswith("The face in the photo shows no clear expression: neutral is its top expression (probability 0.")
    for timely in ("consistently", "throughout", "sampled", " s,", " s.", " s)", "0.0", "mean", "peaking"):
        assert timely not in text, timely
    video = describe(summarize(track, probs / probs.sum(), frame_width=320))  # the same frame as a video's: said as before
    assert "sampled frame" in video and "in the photo" not in video
