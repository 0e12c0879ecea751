"""Face detections linked into tracks and the main face chosen: boxes written out by hand, no detector."""

from __future__ import annotations

import numpy as np
import pytest

from saber_agent.plugins import face_links, facetrack
from saber_agent.plugins.face_links import MAX_GAP, _same_face, build_track, iou, link_tracks


def test_iou_by_hand():
    a, b = np.array([0.0, 0, 10, 10]), np.array([5.0, 0, 10, 10])
    assert iou(a, b) == 50 / 150 and iou(a, a) == 1.0 and iou(a, np.array([20.0, 20, 5, 5])) == 0.0
    assert iou(np.zeros(4), np.zeros(4)) == 0.0  # empty boxes: no division by zero


def test_a_face_that_moved_past_the_overlap_still_continues_when_near_and_of_similar_size():
    a = np.array([0.0, 0, 100, 100])
    moved = np.array([50.0, 0, 100, 100])  # IoU 5000 / 15000 = 1/3 >= LINK_IOU: linked by overlap, scored 1 + IoU
    assert _same_face(a, moved) == 1 + iou(a, moved)
    # IoU 62*62 / (100*100 + 141*141 - 62*62) = 0.148 < LINK_IOU, area ratio 1.99, centres 82.7 px apart,
    # within 0.6 * 141 = 84.6 px: the same face, scored 1 - 82.7 / 84.6
    grown = np.array([38.0, 38, 141, 141])
    assert iou(a, grown) < 0.2 and _same_face(a, grown) == pytest.approx(1 - np.hypot(58.5, 58.5) / 84.6)
    shifted = np.array([0.0, 80, 100, 100])  # IoU 2000 / 18000 = 0.11, centres 80 px apart >= 0.6 * 100
    assert _same_face(a, shifted) == 0.0
    small = np.array([30.0, 30, 20, 20])  # inside it, but 1/25 of its area: another, smaller face
    assert iou(a, small) < 0.2 and _same_face(a, small) == 0.0


def test_linking_follows_each_face_and_ends_a_track_after_the_gap():
    left, right = np.array([10.0, 10, 50, 50]), np.array([300.0, 10, 50, 50])
    detections = [np.array([left, right]), np.array([right + [5, 0, 0, 0], left + [5, 0, 0, 0]])]
    detections += [np.zeros((0, 4))] * (MAX_GAP + 1) + [np.array([left])]
    tracks = link_tracks(detections)
    assert [sorted(t) for t in tracks] == [[0, 1], [0, 1], [MAX_GAP + 3]]
    assert tracks[0][1][0] == 15.0 and tracks[1][1][0] == 305.0  # each face kept its own track


def test_one_off_detections_are_dropped_but_a_lone_main_face_is_kept():
    box = np.array([10.0, 10, 50, 50])
    far = np.array([200.0, 200, 30, 30])
    detections = [np.array([box]), np.array([box, far]), np.array([box]), np.array([box])]
    track = build_track(np.arange(4) / 2, detections)
    assert track.counts.tolist() == [1, 1, 1, 1] and track.n_tracks == 1
    lone = build_track(np.arange(4) / 2, [np.zeros((0, 4)), np.array([box]), np.zeros((0, 4)), np.zeros((0, 4))])
    assert lone.found.tolist() == [False, True, False, False]


def test_two_real_faces_confirmed_by_every_scan_are_both_kept():
    box, other = np.array([10.0, 10, 50, 50]), np.array([200.0, 20, 45, 45])
    detections = [np.array([box, other])] * 11
    scans = {i: np.array([box, other]) for i in (0, 5, 10)}
    track = build_track(np.arange(11) / 2, detections, scans=scans)
    assert track.counts.tolist() == [2] * 11 and track.n_tracks == 2


def test_the_old_import_path_gives_the_same_names():
    for name in ("FaceTrack", "build_track", "link_tracks", "iou", "_same_face", "_scan_hits", "MAX_GAP", "LINK_IOU"):
        assert getattr(facetrack, name) is getattr(face_links, name)
