"""Where the scene is in the frame: black bars around the active picture, and which figures are whole bodies.

Used by the scene tool (saber_agent.plugins.scene):

- `active_area`: letterbox (top and bottom) or pillarbox (left and right) bars are rows or columns
  that are near black in every sampled frame (a 4:3 picture broadcast in a 16:9 frame, a 2.39:1
  film in 16:9). They are the frame, not the scene: lighting and colour are measured inside them.
- `full_bodies`: OpenCV's HOG pedestrian detector also fires on head-and-shoulders portraits. A box
  is a full body only when no detected face says otherwise: a standing or sitting person is some
  five to eight head heights tall, so a box whose face (at its top) is over a fifth of the figure's
  height (`MIN_BODY_FACE_HEIGHTS`) is a head and shoulders or a half-length portrait, and a box
  overlapping a close-up face (over a quarter of the frame height) cannot hold a whole body either, nor can
  a box lying on a larger person's body (below the face, within `BODY_HALF_WIDTH_FACES` face widths of it)
  that is shorter than that person would be whole: it is their torso, arm or what they hold (the astronaut
  photo's helmet, held at her side: a box 1.5 face heights tall, SVM weight 0.61 in the PNG, found in the JPEG
  only below OpenCV's grouping threshold).
- `face_boxes`: every face per sampled frame from the shared face track (one detection per clip): the
  scene's face counts and `full_bodies` read the same boxes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

BAR_MEAN_LUMA = 16.0  # a bar row/column: mean luma (0-255) at most this in every frame ...
BAR_PEAK_LUMA = 40.0  # ... and no pixel brighter than this (a dark scene still has highlights)
MIN_BAR_FRACTION = 0.02  # bars thinner than this share of the side are ignored (encoder edge rows)
MIN_ACTIVE_FRACTION = 0.3  # an all-black or nearly black picture is dark, not bars
MAX_BAR_FRAMES = 24  # frames looked at (evenly spread)
# a standing person is 7-8 head heights (8-9 of the face detector's boxes, which stop at the brows and
# chin), sitting 5-6; a half-length portrait is under 5 (the astronaut photo's HOG hit: 4.9)
MIN_BODY_FACE_HEIGHTS = 5.5
CLOSE_UP_FACE = 0.25  # a face this share of the frame height is a close-up
# a person's shoulders span about 2.5-3 face widths, arms and held things reach further: their body is taken to
# lie within 2 face widths either side of the face's centre, from the chin down
BODY_HALF_WIDTH_FACES = 2.0


def _luma(frames: np.ndarray) -> np.ndarray:
    rgb = frames.astype(np.float32)
    return 0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]


def _edge_run(dark: np.ndarray) -> int:
    """How many leading entries are True."""
    return int(np.argmin(dark)) if not dark.all() else len(dark)


def active_area(frames: np.ndarray) -> dict[str, Any]:
    """The active picture inside constant black bars of RGB frames ``(n, h, w, 3)``.

    Returns ``{"top", "bottom", "left", "right"}`` (bar sizes in pixels of these frames), ``"kind"``
    ("letterbox", "pillarbox", "windowbox" or None) and ``"active_fraction"`` (the active picture's
    share of the frame area).
    """
    n, h, w = frames.shape[:3]
    none = {"top": 0, "bottom": 0, "left": 0, "right": 0, "kind": None, "active_fraction": 1.0}
    if n == 0 or h < 8 or w < 8:
        return none
    picks = np.unique(np.linspace(0, n - 1, min(MAX_BAR_FRAMES, n)).round().astype(int))
    y = _luma(frames[picks])  # (k, h, w)
    row_dark = ((y.mean(axis=2) <= BAR_MEAN_LUMA) & (y.max(axis=2) <= BAR_PEAK_LUMA)).all(axis=0)
    col_dark = ((y.mean(axis=1) <= BAR_MEAN_LUMA) & (y.max(axis=1) <= BAR_PEAK_LUMA)).all(axis=0)
    top, bottom = _edge_run(row_dark), _edge_run(row_dark[::-1])
    left, right = _edge_run(col_dark), _edge_run(col_dark[::-1])
    top, bottom = (t if t >= MIN_BAR_FRACTION * h else 0 for t in (top, bottom))
    left, right = (s if s >= MIN_BAR_FRACTION * w else 0 for s in (left, right))
    if h - top - bottom < MIN_ACTIVE_FRACTION * h or w - left - right < MIN_ACTIVE_FRACTION * w:
        return none  # (nearly) all black: the picture is dark
    rows, cols = bool(top or bottom), bool(left or right)
    kind = "windowbox" if rows and cols else "letterbox" if rows else "pillarbox" if cols else None
    active = (h - top - bottom) * (w - left - right) / (h * w)
    return {"top": top, "bottom": bottom, "left": left, "right": right, "kind": kind, "active_fraction": round(active, 3)}


def crop(frames: np.ndarray, area: dict[str, Any]) -> np.ndarray:
    """The frames' active picture (a view)."""
    h, w = frames.shape[1:3]
    return frames[:, area["top"]: h - area["bottom"], area["left"]: w - area["right"]]


def bars_words(area: dict[str, Any]) -> str | None:
    """A sentence on the bars, or None without bars."""
    if not area.get("kind"):
        return None
    sides = {"letterbox": "above and below", "pillarbox": "left and right", "windowbox": "on all sides"}[area["kind"]]
    return (f"The picture sits inside black {area['kind']} bars ({sides}; the active picture is "
            f"{area['active_fraction'] * 100:.0f}% of the frame), so lighting and colour are measured inside the bars.")


def face_boxes(clip, detector: str | None = None) -> tuple[list[np.ndarray] | None, str | None]:
    """Every face per sampled frame, ``(k, 4)`` x, y, w, h in pixels of clip.frames, from the shared face
    track (`detector`: the face tool's tracker option, so the track is the one the face tool made; the
    scene counts faces as ``len`` of each frame's boxes); or None and why (no tracker, or it failed)."""
    try:
        from saber_agent.plugins.facetrack import track_faces
    except ImportError as exc:
        return None, f"no face tracker is installed ({exc})"
    try:
        track = track_faces(clip, detector)
    except Exception as exc:  # the tracker's failure must not fail the scene
        return None, f"the face tracker failed ({type(exc).__name__}: {exc})"
    boxes = [np.asarray(b, dtype=np.float64).reshape(-1, 4) for b in track.all_boxes]
    if len(boxes) != len(clip.frames):  # a tracker sampling other frames: take the nearest in time
        if not boxes:
            return [np.zeros((0, 4)) for _ in clip.frames], None
        idx = np.clip(np.searchsorted(np.asarray(track.times), clip.frame_times), 0, len(boxes) - 1)
        boxes = [boxes[i] for i in idx]
    return boxes, None


def full_bodies(boxes: list[tuple[float, ...]], faces: np.ndarray | None, frame_height: int) -> list[tuple[float, ...]]:
    """The HOG boxes (x, y, w, h) that may be whole bodies, given the faces ``(k, 4)`` of the same frame.

    A face belongs to a box when its centre is over the box's width and it sits at the box's top (its
    centre no lower than the box's upper half, and no more than a face height above it: HOG often starts
    the box at the chin of a portrait). The figure then runs from the face's top to the box's bottom.
    """
    if faces is None or not len(faces):
        return list(boxes)
    kept = []
    for box in boxes:
        bx, by, bw, bh = box
        plausible = True
        for fx, fy, fw, fh in faces:
            cx, cy = fx + fw / 2, fy + fh / 2
            overlaps = min(bx + bw, fx + fw) > max(bx, fx) and min(by + bh, fy + fh) > max(by, fy)
            if overlaps and fh >= CLOSE_UP_FACE * frame_height:
                plausible = False
            elif bx <= cx <= bx + bw and by - fh <= cy <= by + bh / 2:
                plausible = (by + bh - min(by, fy)) >= MIN_BODY_FACE_HEIGHTS * fh
            elif (abs(bx + bw / 2 - cx) <= BODY_HALF_WIDTH_FACES * fw and by + bh / 2 >= fy + fh
                  and bh < MIN_BODY_FACE_HEIGHTS * fh):
                plausible = False  # on a larger person's body, shorter than they are: a part of them
            if not plausible:
                break
        if plausible:
            kept.append(box)
    return kept
