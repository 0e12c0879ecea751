"""The scene slot's measurements on the sampled frames (inside any letterbox/pillarbox bars): lighting
(Rec. 601 luma 0-255, RMS contrast, clipped shadows and highlights, colour temperature in K by McCamy's
formula on the grey-world mean), named dominant colours, motion (mean absolute frame difference 0-1
within shots, the still-picture decision of `picture_change`), shot changes (`shots`), faces (the shared
face track) and people (OpenCV's HOG pedestrian detector on a few keyframes); and the `scene` timeline.

Moved out of plugins/scene.py, which re-exports every name here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from saber_agent.evidence import Timeline, TimelineEvent
from saber_agent.media import Clip
from saber_agent.picture_change import picture_change
from saber_agent.plugins.motion_graphics import NAMED_SHARE, clip_graphics
from saber_agent.plugins.picture_area import active_area, crop, face_boxes, full_bodies
from saber_agent.plugins.shots import shot_changes, small_frames

COLOUR_KEYFRAMES = 8
HOG_KEYFRAMES = 4  # HOG is the costliest measurement here (~25 ms a frame at 480 px)
HOG_WIDTH = 480  # the HOG window is 64x128: people under ~1/3 of the frame height at 480 px are missed
HOG_MIN_WEIGHT = 0.5
MIN_COLOUR_SHARE = 0.06


def luma(frames: np.ndarray) -> np.ndarray:
    """Rec. 601 luma (0-255) of RGB frames."""
    rgb = frames.astype(np.float32)
    return 0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]


def colour_temperature(rgb_mean: np.ndarray) -> float | None:
    """Correlated colour temperature (K) of a mean sRGB colour (McCamy 1992), or None if undefined.

    Under the grey-world assumption the mean colour of a scene is the colour of its light: a
    measure of the overall warm (orange, low K) or cool (blue, high K) cast.
    """
    c = np.asarray(rgb_mean, dtype=np.float64) / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    x_, y_, z_ = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ linear
    total = x_ + y_ + z_
    if total <= 1e-6:
        return None
    x, y = x_ / total, y_ / total
    if abs(0.1858 - y) < 1e-6:
        return None
    n = (x - 0.3320) / (0.1858 - y)
    cct = 449.0 * n**3 + 3525.0 * n**2 + 6823.3 * n + 5520.33
    return float(np.clip(cct, 1500.0, 15000.0))  # outside this McCamy's fit means nothing


COLOUR_NAMES = (
    "black", "dark grey", "grey", "light grey", "white",
    "dark red", "pink", "red", "brown", "beige", "orange", "olive", "yellow",
    "dark green", "green", "teal", "cyan", "navy", "light blue", "blue", "purple", "magenta",
)


def name_colours(rgb: np.ndarray) -> np.ndarray:
    """The index into COLOUR_NAMES of each RGB pixel ((m, 3) uint8), from its hue, saturation and value."""
    import cv2

    hsv = cv2.cvtColor(rgb.reshape(-1, 1, 3).astype(np.uint8), cv2.COLOR_RGB2HSV).reshape(-1, 3).astype(np.float32)
    h, s, v = hsv[:, 0] * 2.0, hsv[:, 1] / 255.0, hsv[:, 2] / 255.0
    idx = {name: i for i, name in enumerate(COLOUR_NAMES)}
    red = (h < 12) | (h >= 345)
    orange = (h >= 12) & (h < 40)
    yellow = (h >= 40) & (h < 68)
    green = (h >= 68) & (h < 160)
    cyan = (h >= 160) & (h < 200)
    blue = (h >= 200) & (h < 255)
    purple = (h >= 255) & (h < 290)
    grey = s < 0.18
    conditions = [
        v < 0.16,
        grey & (v < 0.4), grey & (v < 0.7), grey & (v < 0.88), grey,
        red & (v < 0.45), red & (s < 0.45), red,
        orange & (v < 0.6), orange & (s < 0.45), orange,
        yellow & (v < 0.55), yellow,
        green & (v < 0.45), green,
        cyan & (v < 0.6), cyan,
        blue & (v < 0.45), blue & (s < 0.45) & (v > 0.7), blue,
        purple,
        (s > 0.5) & (v > 0.6),  # the rest is hue 290-345: magenta when vivid,
        v > 0.6,  # pink when light,
    ]
    choices = [
        idx["black"], idx["dark grey"], idx["grey"], idx["light grey"], idx["white"],
        idx["dark red"], idx["pink"], idx["red"], idx["brown"], idx["beige"], idx["orange"], idx["olive"], idx["yellow"],
        idx["dark green"], idx["green"], idx["teal"], idx["cyan"], idx["navy"], idx["light blue"], idx["blue"],
        idx["purple"], idx["magenta"], idx["pink"],
    ]
    return np.select(conditions, choices, default=idx["purple"])  # and purple when dark


def dominant_colours(frames: np.ndarray, limit: int = 4) -> list[dict[str, Any]]:
    """The largest named colour shares of the frames' pixels, with each share's mean colour."""
    pixels = frames.reshape(-1, 3)
    names = name_colours(pixels)
    counts = np.bincount(names, minlength=len(COLOUR_NAMES))
    order = np.argsort(-counts)
    out = []
    for i in order[:limit]:
        share = counts[i] / max(1, names.size)
        if share < MIN_COLOUR_SHARE and out:
            break
        mean = pixels[names == i].mean(axis=0)
        out.append({"name": COLOUR_NAMES[i], "share": round(float(share), 3),
                    "rgb": "#{:02x}{:02x}{:02x}".format(*tuple(int(c) for c in mean))})
    return out


def motion_energy(blurred: np.ndarray) -> np.ndarray:
    """Mean absolute difference (0..1) of consecutive blurred grey frames ``(n, h, w)`` (`picture_change`'s)."""
    if len(blurred) < 2:
        return np.zeros(0)
    return np.abs(np.diff(blurred.astype(np.float32), axis=0)).mean(axis=(1, 2)) / 255.0


def people_in(frames: np.ndarray, times: np.ndarray, faces: list[np.ndarray] | None = None) -> dict[str, Any]:
    """Full-body figures found by OpenCV's HOG pedestrian detector on a few keyframes; with the faces
    of each frame (`faces`), a box that is a head and shoulders is not a full body (picture_area.full_bodies)."""
    import cv2

    hog = cv2.HOGDescriptor()
    hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
    picks = np.unique(np.linspace(0, len(frames) - 1, min(HOG_KEYFRAMES, len(frames))).round().astype(int))
    per_frame = []
    for i in picks:
        frame = frames[i]
        scale = min(1.0, HOG_WIDTH / frame.shape[1])
        image = cv2.resize(frame, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else frame
        if image.shape[0] < 128 or image.shape[1] < 64:  # smaller than the detector's 64x128 window: no
            per_frame.append({"t": round(float(times[i]), 3), "bodies": 0})  # figure fits (OpenCV crashes)
            continue
        # pyramid step 1.1: half the cost of 1.05 for a detector that only counts figures
        boxes, weights = hog.detectMultiScale(image, winStride=(8, 8), padding=(8, 8), scale=1.1)
        weights = np.ravel(weights) if len(boxes) else np.zeros(0)
        kept = [b for b, w in zip(boxes, weights, strict=False) if w >= HOG_MIN_WEIGHT]
        kept = _suppress_overlaps([tuple(float(v) / scale for v in b) for b in kept])
        kept = full_bodies(kept, faces[i] if faces is not None else None, frame.shape[0])
        per_frame.append({"t": round(float(times[i]), 3), "bodies": len(kept)})
    counts = np.array([p["bodies"] for p in per_frame])
    # a figure must appear in two keyframes (or the only one) before it counts
    confirmed = int(np.sort(counts)[-2]) if len(counts) >= 2 else int(counts.max(initial=0))
    return {"detector": "opencv-hog-people", "keyframes": per_frame, "bodies": confirmed}


def _face_limit(clip: Clip, detector: str | None) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The track's detector limit (face_limits) and the finer search's finds (face_fine) on a clip without a face."""
    from saber_agent.plugins.face_fine import fine_search
    from saber_agent.plugins.face_limits import clip_face_limit
    from saber_agent.plugins.facetrack import track_faces

    found_by = track_faces(clip, detector).detector  # the track is cached: no new detection
    return clip_face_limit(clip, found_by), fine_search(clip, found_by)


def _suppress_overlaps(boxes: list[tuple[float, ...]], iou: float = 0.4) -> list[tuple[float, ...]]:
    kept: list[tuple[float, ...]] = []
    for box in sorted(boxes, key=lambda b: -b[2] * b[3]):
        if all(_iou(box, k) < iou for k in kept):
            kept.append(box)
    return kept


def _iou(a, b) -> float:
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0.0, x1 - x0) * max(0.0, y1 - y0)
    return inter / (a[2] * a[3] + b[2] * b[3] - inter + 1e-9)


def measure(clip: Clip, detector: str | None = None) -> dict[str, Any]:
    """Every scene measurement of a clip with video, as JSON-able values."""
    import cv2

    frames, times = clip.frames, np.asarray(clip.frame_times, dtype=np.float64)
    small = small_frames(frames)
    bars = active_area(small)  # letterbox/pillarbox bars are the frame, not the scene's lighting
    picture = crop(small, bars)
    y = luma(picture)
    brightness = y.mean(axis=(1, 2))
    contrast = y.std(axis=(1, 2))
    mean_rgb = picture.reshape(-1, 3).mean(axis=0)
    hsv = cv2.cvtColor(picture.reshape(-1, 1, 3), cv2.COLOR_RGB2HSV).reshape(-1, 3)
    m: dict[str, Any] = {
        "n_frames": int(len(frames)),
        "still_image": bool(clip.info.still_image),  # a photo: one picture, nothing to move or cut
        "sample_fps": clip.info.sample_fps,
        "frame_size": [int(frames.shape[2]), int(frames.shape[1])],
        "bars": bars,  # in pixels of frames downscaled to ANALYSIS_WIDTH
        "lighting": {
            "brightness_mean": _r(brightness.mean(), 1),
            "brightness_min": _r(brightness.min(), 1),
            "brightness_max": _r(brightness.max(), 1),
            "contrast_rms": _r(contrast.mean(), 1),
            "shadows_clipped": _r((y < 8).mean(), 3),
            "highlights_clipped": _r((y > 247).mean(), 3),
            "colour_temperature_k": _r_opt(colour_temperature(mean_rgb), 0),
            "mean_rgb": [int(round(c)) for c in mean_rgb],
            "saturation_mean": _r(hsv[:, 1].mean() / 255.0, 3),
        },
    }
    picks = np.unique(np.linspace(0, len(small) - 1, min(COLOUR_KEYFRAMES, len(small))).round().astype(int))
    m["dominant_colours"] = dominant_colours(picture[picks])

    shots_found = shot_changes(clip)  # detected once per clip, shared with the body tool (plugins/shots.py)
    distances, cuts = shots_found.distances, shots_found.cuts
    m["shot_changes"] = [
        {"t": _r(times[i], 2), "after_t": _r(times[i - 1], 2), "distance": _r(distances[i - 1], 3)} for i in cuts
    ]
    bounds = [0, *cuts, len(frames)]
    shots = []
    for a, b in zip(bounds, bounds[1:], strict=False):
        end = times[b] if b < len(times) else clip.duration_s or times[-1]
        shot_colours = dominant_colours(picture[a:b][:: max(1, (b - a) // 4)], limit=2)
        shots.append({
            "start": _r(times[a], 2), "end": _r(max(end, times[b - 1]), 2),
            "brightness": _r(brightness[a:b].mean(), 1), "colour": shot_colours[0]["name"] if shot_colours else None,
        })
    m["shots"] = shots

    change = picture_change(clip)  # grey frames and the one still-picture decision, shared with the body tool and speakers
    energy = motion_energy(change.blurred)
    within_shot = np.array([i + 1 not in cuts for i in range(len(energy))], dtype=bool)
    steady = energy[within_shot]
    m["motion"] = {
        "energy_mean": _r(steady.mean(), 4) if steady.size else None,
        "energy_max": _r(steady.max(), 4) if steady.size else None,
        # share of pixels changed by more than picture_change.CHANGE_LEVEL grey levels, mean over the pairs within shots
        "changed_fraction_mean": _r(change.changed[within_shot].mean(), 4) if steady.size else None,
        # no pair within a shot changes beyond compression noise (a cut between two stills is still static)
        "picture_static": bool(change.still_pairs[within_shot].all()),
        "interval_s": _r(np.diff(times).mean(), 3) if len(times) > 1 else None,
    }
    # blocks that swap in one step between stills (slides, captions, a call's speaker frame): content changes, not cuts;
    # found once per clip and shared with the body tool, which leaves them out of its movement (plugins/motion_graphics.py)
    m["graphics_changes"] = [e for e in clip_graphics(clip).events if e["share"] >= NAMED_SHARE] if len(frames) > 1 else []

    faces, face_reason = face_boxes(clip, detector)  # the shared face track's boxes per frame
    counts = np.array([len(b) for b in faces], dtype=int) if faces is not None else None
    people = people_in(frames, times, faces)
    faces_max = int(counts.max(initial=0)) if counts is not None else None
    m["faces"] = None if counts is None else {
        "max": faces_max,
        "median": _r(np.median(counts), 1),
        "frames_with_face": _r((counts > 0).mean(), 3),
    }
    if face_reason:
        m["faces_unavailable"] = face_reason
    elif faces_max == 0:  # none found: how small a face the detector misses, for "no face was found" (face_limits),
        m["faces"]["limit"], m["faces"]["fine"] = _face_limit(clip, detector)  # and a finer search of a few frames
    m["people"] = {**people, "estimate": max(people["bodies"], faces_max or 0)}
    m["timeline"] = {
        "t": [_r(t, 3) for t in times],
        "brightness": [_r(b, 1) for b in brightness],
        "contrast": [_r(c, 1) for c in contrast],
        "motion": [None] + [_r(e, 4) for e in energy],
        "shot_distance": [None] + [_r(d, 3) for d in distances],
        "faces": [int(c) for c in counts] if counts is not None else None,
    }
    return m


SCENE_UNITS = {
    "brightness": "mean luma, 0-255", "contrast": "luma standard deviation, 0-255",
    "motion": "mean absolute change from the previous frame, 0-1", "shot_distance": "histogram distance, 0-1",
    "faces": "faces in the frame",
}


def scene_timeline(m: dict[str, Any]) -> Timeline:
    """The slot's `scene` timeline (see `Timeline`): per sampled frame brightness, contrast, motion from
    the previous frame, shot distance and faces; shot changes (`cut`) and captions as events."""
    timeline = m["timeline"]
    series = {k: v for k, v in timeline.items() if k != "t" and v is not None}
    events = [TimelineEvent(start_s=c["t"], label="cut", kind="cut", value=c["distance"]) for c in m["shot_changes"]]
    caption = m.get("caption") or {}
    events += [TimelineEvent(start_s=c["t"], label=c["text"], kind="caption") for c in caption.get("captions") or []]
    return Timeline(times_s=timeline["t"], series=series, units={k: SCENE_UNITS[k] for k in series},
                    events=sorted(events, key=lambda e: e.start_s))


def _r(value: float, digits: int) -> float:
    return round(float(value), digits)


def _r_opt(value: float | None, digits: int) -> float | None:
    return None if value is None else _r(value, digits)
