"""The face slot's measurements, timeline and text, from the main face's track and its expression probabilities.

`summarize(track, probs, frame_width)`: JSON-able measurements from the track (n sampled frames, times
in seconds, boxes in pixels) and `probs` (n, 7) in BASIC_EMOTIONS order (NaN rows where no face is
seen): coverage and absences, the dominant and secondary expressions (mean probabilities), the peak,
the changes of the top expression, micro-expression candidates (`micro_expressions`) and head motion in
face widths per second (`head_motion`). `expression_timeline` is the slot's timeline and `describe` the
SABER-style `facial_exp_desc` text that cites the measurements.
"""

from __future__ import annotations

import numpy as np

from saber_agent.evidence import BASIC_EMOTIONS, Timeline, TimelineEvent
from saber_agent.plugins import face_still
from saber_agent.plugins.facetrack import FaceTrack, _same_face
from saber_agent.vocab import ADJECTIVE
from saber_agent.wording import THE_PHOTO, noun

# A brief transient: a non-dominant expression that rises this far above its own clip median,
# to at least MICRO_MIN_P, for at most MICRO_MAX_S, with the face seen before and after it.
MICRO_MIN_RISE = 0.25
MICRO_MIN_P = 0.3
MICRO_MAX_S = 1.0
WEAK_EXPRESSION = 0.35  # a dominant expression whose mean probability is below this is no clear expression
STEADY_HEAD = 0.15  # face widths per second: below this the head reads as steady
MOVING_HEAD = 0.6


# ---------------------------------------------------------------- measurements


def _r(value: float, digits: int = 3) -> float:
    return round(float(value), digits)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) index runs where mask is true."""
    runs, start = [], None
    for i, on in enumerate(mask):
        if on and start is None:
            start = i
        elif not on and start is not None:
            runs.append((start, i))
            start = None
    if start is not None:
        runs.append((start, len(mask)))
    return runs


def _step(times: np.ndarray) -> float:
    return float(np.median(np.diff(times))) if len(times) > 1 else 0.5


def micro_expressions(times: np.ndarray, probs: np.ndarray, dominant: str) -> list[dict]:
    """Brief transient rises of a non-dominant expression, with the face seen on both sides."""
    found = ~np.isnan(probs[:, 0])
    step = _step(times)
    events = []
    for k, emotion in enumerate(BASIC_EMOTIONS):
        if emotion == dominant or found.sum() < 3:
            continue
        p = probs[:, k]
        baseline = float(np.nanmedian(p))
        high = found & (np.nan_to_num(p) >= MICRO_MIN_P) & (np.nan_to_num(p) - baseline >= MICRO_MIN_RISE)
        for a, b in _runs(high):
            if a == 0 or b >= len(p) or not (found[a - 1] and found[b]):
                continue  # only a change seen to start and to end is a transient
            if (b - a) * step > MICRO_MAX_S:
                continue
            peak = a + int(np.nanargmax(p[a:b]))
            events.append({
                "start_s": _r(times[a], 2), "end_s": _r(times[b - 1] + step, 2), "emotion": emotion,
                "peak_probability": _r(p[peak]), "peak_s": _r(times[peak], 2), "baseline": _r(baseline),
            })
    return sorted(events, key=lambda e: e["start_s"])


ZOOM_STEP = 1.1  # a box that changes size by at least this factor between two sampled frames can have been zoomed


def _zoomed(a: np.ndarray, b: np.ndarray, frame_size: tuple[int, int] | None) -> bool:
    """Whether box b is box a under a camera zoom: its size changes by a factor r of at least ZOOM_STEP and the point the
    zoom would be about, p = (c_b - r c_a) / (1 - r) for the centres c, lies in the picture (`frame_size` (w, h), 10% margin)."""
    if frame_size is None:
        return False
    ratio = b[2] / max(1e-9, a[2])
    if abs(np.log(ratio)) < np.log(ZOOM_STEP):
        return False
    ca, cb = a[:2] + a[2:] / 2, b[:2] + b[2:] / 2
    about = (cb - ratio * ca) / (1 - ratio)
    w, h = frame_size
    return bool(-0.1 * w <= about[0] <= 1.1 * w and -0.1 * h <= about[1] <= 1.1 * h)


def head_motion(track: FaceTrack, frame_width: int, cuts: list[float] | None = None,
                frame_size: tuple[int, int] | None = None, camera=None) -> dict | None:
    """How the main face's box moves: speed and extent in face widths, and its change in size.

    `cuts`: the times (s) where a new shot starts (`plugins.shots`); `frame_size`: (w, h) pixels. A jump of the box
    (past the linker's reach) across a cut, or one a camera zoom explains (`_zoomed`), is no jump of the head: counted
    apart (``jumps_at_cuts``, ``jumps_by_zoom``); every jump still starts a new segment (positions are not compared across it).
    `camera`: the camera's path (`plugins.face_camera.CameraPath`); where it zooms or pans, speed and extent are the
    head's in the first frame's picture (the camera undone), and ``camera`` keeps the figures in the picture beside them
    (a zoom drifts an off-centre face across the frame: trial A's looped zoom read 0.72 face widths across).
    """
    found = track.found
    if found.sum() < 2:
        return None
    boxes, times = track.boxes, track.times
    width = float(np.nanmedian(boxes[:, 2]))
    centres = track.centers
    segment, segments = [], []  # a jump (a cut, or a move past the linker's reach) starts a new segment
    at_cuts = by_zoom = 0
    for i in np.flatnonzero(found):
        if segment and not _same_face(boxes[segment[-1]], boxes[i]):
            j = segment[-1]
            if any(times[j] < t <= times[i] for t in cuts or []):
                at_cuts += 1
            elif _zoomed(boxes[j], boxes[i], frame_size):
                by_zoom += 1
            segments.append(segment)
            segment = []
        segment.append(i)
    segments.append(segment)
    in_picture = None
    if camera is not None and camera.moving and len(camera.to_first) == len(boxes):
        picture_steps, picture_spans = _speeds_and_spans(centres, times, width, segments)  # the same figures with the camera in them
        in_picture = {"mean_speed_fw_s_in_picture": _r(np.mean(picture_steps)) if picture_steps else None,
                      "horizontal_range_fw_in_picture": _r(picture_spans[0]), "vertical_range_fw_in_picture": _r(picture_spans[1])}
        centres = camera.undo(centres)
        width = float(np.nanmedian(boxes[:, 2] * camera.scales()))
    steps, spans = _speeds_and_spans(centres, times, width, segments)
    seen = track.centers[found]
    sizes = boxes[found, 2]
    k = max(1, min(3, len(sizes) // 3))
    head = {
        "mean_speed_fw_s": _r(np.mean(steps)) if steps else None,  # face widths per second
        "max_speed_fw_s": _r(np.max(steps)) if steps else None,
        "horizontal_range_fw": _r(spans[0]),
        "vertical_range_fw": _r(spans[1]),
        "jumps": len(segments) - 1 - at_cuts - by_zoom,  # the face reappearing elsewhere: not counted as head motion
        "jumps_at_cuts": at_cuts if cuts is not None else None,  # the face elsewhere after a change of shot: the edit, not the head
        "jumps_by_zoom": by_zoom,  # the face moved and resized as a camera zoom moves it: the camera, not the head
        "size_change": _r(np.median(sizes[-k:]) / np.median(sizes[:k])),  # last / first apparent size
        "face_width_fraction": _r(float(np.nanmedian(boxes[:, 2])) / max(1, frame_width)),
        "position": _position(float(np.median(seen[:, 0])) / max(1, frame_width)),
    }
    if in_picture is not None:  # the camera zooms or pans: the figures above are the head's, these the picture's
        undone = (boxes[:, 2] * camera.scales())[found]
        moving = [shot for shot in camera.shots if shot["zoom"] != 1.0 or shot["pan"] != 0.0]
        head["camera"] = {"undone": True, "zoom": _r(camera.zoom), "shots_moving": len(moving), "shots": moving[:20], **in_picture,
                          "size_change_camera_undone": _r(np.median(undone[-k:]) / np.median(undone[:k]))}
    return head


def _speeds_and_spans(centres: np.ndarray, times: np.ndarray, width: float, segments: list[list[int]]) -> tuple[list, np.ndarray]:
    """Face-centre speeds (`face_still.windowed_speeds`: over >= 0.5 s, so box jitter does not grow with fps) and the
    largest extent across and up and down within a segment (never across a jump), in face widths."""
    steps = face_still.windowed_speeds(centres, times, width, segments)
    return steps, np.max([np.ptp(centres[s], axis=0) for s in segments], axis=0) / width


def _position(x: float) -> str:
    return "left" if x < 0.38 else "right" if x > 0.62 else "centre"


def summarize(track: FaceTrack, probs: np.ndarray, frame_width: int, clip_s: float | None = None,
              still_image: bool = False) -> dict:
    """The face slot's measurements from the track and per-frame probabilities (JSON-able).

    `clip_s`: the clip's duration (seconds, `Clip.duration_s`). Given, the text tells when the sampled frames cover
    less of the clip than it lasts (the video ends before the audio, or starts after it): coverage, "throughout" and
    the shares are over the frames, i.e. over the time that has pictures (`pictures_s`), not over the whole clip.
    `still_image`: the clip is a photo (`ClipInfo.still_image`, one frame): the text speaks of the photo, not of time.
    """
    times = track.times
    n = len(times)
    found = ~np.isnan(probs[:, 0]) if n else np.zeros(0, bool)
    seen = probs[found]
    mean = seen.mean(axis=0)
    order = np.argsort(mean)[::-1]
    dominant = BASIC_EMOTIONS[order[0]]
    top = [BASIC_EMOTIONS[int(np.argmax(row))] if ok else None for row, ok in zip(probs, found, strict=False)]
    step = _step(times)
    m: dict = {
        "n_frames": n,
        "frames_with_face": int(found.sum()),
        "coverage": _r(found.mean()),
        "visible_from_s": _r(times[found][0], 2),
        "visible_to_s": _r(times[found][-1], 2),
        "absences": [
            {"start_s": _r(times[a], 2), "end_s": _r(times[b - 1] + step, 2)} for a, b in _runs(~found)
        ],
        "faces_per_frame": [int(c) for c in track.counts],
        "max_faces": int(track.counts.max()),
        "frames_with_several_faces": int((track.counts > 1).sum()),
        "faces_tracked": int(track.n_tracks),
        "mean_probabilities": {e: _r(v) for e, v in zip(BASIC_EMOTIONS, mean, strict=False)},
        "dominant": dominant,
        "dominant_probability": _r(mean[order[0]]),
        "dominant_share": _r(sum(t == dominant for t in top if t) / max(1, found.sum())),
        "secondary": BASIC_EMOTIONS[order[1]] if mean[order[1]] >= 0.15 else None,
        "timeline": {
            "t": [_r(t, 2) for t in times],
            "top": top,
            "probabilities": {
                e: [None if not ok else _r(v) for v, ok in zip(probs[:, k], found, strict=False)]
                for k, e in enumerate(BASIC_EMOTIONS)
            },
        },
        "micro_expressions": micro_expressions(times, probs, dominant),
        "detector": track.detector,
        "still_image": bool(still_image),
        # where the main face is across the frame (the median of its centres; also `head.position`, which needs 2 frames)
        "position": _position(float(np.median(track.centers[track.found][:, 0])) / max(1, frame_width)) if track.found.any() else None,
    }
    expressive = [k for k, e in enumerate(BASIC_EMOTIONS) if e != "neutral"]
    sub = seen[:, expressive]
    flat = int(np.argmax(sub))
    row, col = divmod(flat, len(expressive))
    m["peak"] = {
        "emotion": BASIC_EMOTIONS[expressive[col]],
        "probability": _r(sub[row, col]),
        "t": _r(times[np.flatnonzero(found)[row]], 2),
    }
    m["changes"] = [
        {"start_s": _r(times[a], 2), "emotion": top[a]} for a in range(n) if top[a] and (a == 0 or top[a - 1] != top[a])
    ]
    m["head"] = head_motion(track, frame_width)
    if clip_s is not None and n:
        m["clip_s"] = _r(clip_s, 2)
        m["pictures_s"] = [_r(times[0], 2), _r(min(clip_s, times[-1] + step), 2)]  # the time the sampled frames cover
    return m


PICTURELESS_S = 1.0  # sampled frames that leave more of the clip uncovered are said so (media.UNCOVERED_S, the decode's note)


def _pictures_cover(m: dict) -> str | None:
    """ "the 0.0-2.0 s of the 10.0 s clip that has pictures" when the sampled frames leave part of the clip without
    a picture (`summarize`'s `clip_s`), else None."""
    span, clip_s = m.get("pictures_s"), m.get("clip_s")
    if not span or clip_s is None:
        return None
    step = _step(np.asarray(m["timeline"]["t"]))  # the last frame stands for one sampling step
    if span[0] <= PICTURELESS_S and clip_s - span[1] <= max(PICTURELESS_S, step):
        return None
    return f"the {span[0]:.1f}-{span[1]:.1f} s of the {clip_s:.1f} s clip that has pictures"


# ---------------------------------------------------------------- text


def expression_timeline(m: dict) -> Timeline:
    """The slot's `expression` timeline (see `Timeline`): each class's probability per sampled frame
    (None where no face), the top class as labels, micro-expression candidates and the peak as events."""
    timeline, peak = m["timeline"], m["peak"]
    events = [
        TimelineEvent(start_s=e["start_s"], end_s=e["end_s"], label=e["emotion"], kind="micro_expression",
                      value=e["peak_probability"])
        for e in m["micro_expressions"]
    ]
    events.append(TimelineEvent(start_s=peak["t"], label=f"peak {peak['emotion']}", kind="peak", value=peak["probability"]))
    probabilities = timeline["probabilities"]
    return Timeline(
        times_s=timeline["t"], series=probabilities, units=dict.fromkeys(probabilities, "probability"),
        labels={"top": timeline["top"]}, events=sorted(events, key=lambda e: e.start_s),
    )


def _seconds(t: float) -> str:
    return f"{t:.1f} s"


def _fps(times: list[float]) -> float:
    """Frames per second over the sampled times (rounded to 0.1; 0 for one frame)."""
    return round((len(times) - 1) / (times[-1] - times[0]), 1) if len(times) > 1 and times[-1] > times[0] else 0


def _rate(times: list[float]) -> str:
    """The sampling rate as the text says it: "at 2 fps", or "one sampled frame" (no rate: 0 fps read as nonsense)."""
    fps = _fps(times)
    return f"at {fps:g} fps" if fps else "one sampled frame" if len(times) <= 1 else "frames sampled at one instant"


def describe(m: dict) -> str:
    """SABER-style `facial_exp_desc` text that cites the measurements (a photo's: `describe_photo`)."""
    if m.get("still_image"):
        return describe_photo(m)
    n, k = m["n_frames"], m["frames_with_face"]
    of_n, of_k = (noun(c, "sampled frame") for c in (n, k))  # "1 of 1 sampled frame", not "frames"
    dominant = m["dominant"]
    share = m["dominant_share"]
    steadiness = "consistently" if share >= 0.8 and len(m["changes"]) <= 1 else "mostly" if share >= 0.5 else "intermittently"
    who = f"The {'main ' if m['max_faces'] > 1 else ''}face"
    counted = (
        f"{dominant} is the top expression in {round(share * k)} of {k} {of_k} with a face "
        f"({_rate(m['timeline']['t'])}; mean probability {m['dominant_probability']:.2f})"
    )
    # the expression leads: readers (and the fusion reasoner's summary) take the first sentence
    if m["dominant_probability"] < WEAK_EXPRESSION:
        sentence = f"{who} shows no clear expression: {counted}"
    else:
        sentence = f"{who} looks {steadiness} {ADJECTIVE[dominant]}: {counted}"
    if m["secondary"]:
        sentence += f", with {m['secondary']} second (mean {m['mean_probabilities'][m['secondary']]:.2f})"
    peak = m["peak"]
    if peak["emotion"] == dominant:
        sentence += f", peaking at {peak['probability']:.2f} at {_seconds(peak['t'])}"
    parts = [sentence + "."]
    if m["max_faces"] > 1:
        several = m["frames_with_several_faces"]
        parts.append(
            f"Several faces are visible (up to {m['max_faces']} at once, {several} of {n} {of_n} show more than one); "
            f"this describes the main face, the largest and most persistent one, "
            f"at the {m.get('position') or (m['head'] or {}).get('position') or 'centre'} of the frame."
        )
    covered = _pictures_cover(m)
    if k == n and covered:  # "throughout" would claim the time with no picture
        parts.append(f"The face is visible in every sampled frame ({k} of {n}) of {covered}; the rest has no picture.")
    elif k == n:
        parts.append(f"The face is visible throughout ({k} of {n} {of_n}).")
    else:
        times = m["timeline"]["t"]
        absences = m["absences"]
        events = []
        if absences and absences[0]["start_s"] <= times[0]:
            events.append(f"it comes into view at {_seconds(m['visible_from_s'])}")
        middle = [a for a in absences if times[0] < a["start_s"] and a["end_s"] < times[-1]]
        if middle:
            events.append("it is out of view at " + ", ".join(f"{_seconds(a['start_s'])}-{_seconds(a['end_s'])}" for a in middle[:3]))
        if absences and absences[-1]["end_s"] >= times[-1] and absences[-1]["start_s"] > times[0]:
            events.append(f"it leaves the frame at {_seconds(absences[-1]['start_s'])}")
        within = f" of {covered}" if covered else ""
        parts.append(
            f"The face is visible in only {k} of {n} {of_n}{within} ({_seconds(m['visible_from_s'])} to "
            f"{_seconds(m['visible_to_s'])}); {', and '.join(events)}."
        )
    if peak["emotion"] != dominant and peak["probability"] >= 0.3:
        parts.append(f"The strongest expression is {peak['emotion']} at {peak['probability']:.2f} ({_seconds(peak['t'])}).")
    if len(m["changes"]) > 1:
        shifts = "; ".join(f"{c['emotion']} from {_seconds(c['start_s'])}" for c in m["changes"][:6])
        parts.append(f"The top expression shifts over time: {shifts}.")
    micro = m["micro_expressions"]
    if micro:
        listed = "; ".join(
            f"{e['emotion']} rising to {e['peak_probability']:.2f} at {_seconds(e['start_s'])}-{_seconds(e['end_s'])} "
            f"(baseline {e['baseline']:.2f})"
            for e in micro[:4]
        )
        parts.append(f"Brief transient changes (micro-expression candidates at this sampling rate): {listed}.")
    head = m["head"]
    if head and head["mean_speed_fw_s"] is not None:
        speed = head["mean_speed_fw_s"]
        manner = "stays steady" if speed < STEADY_HEAD else "moves a lot" if speed > MOVING_HEAD else "moves moderately"
        camera = head.get("camera")
        undone = ""
        if camera:  # the figures are the head's with the camera's motion undone: said, with the picture's beside them
            moves = f"zooms x{camera['zoom']:.2f}" if abs(camera["zoom"] - 1) > 0.03 else "pans"
            undone = (f", the camera's motion undone: the camera {moves} within a shot, and in the picture the face centre "
                      f"spans {camera['horizontal_range_fw_in_picture']:.2f} face widths across and "
                      f"{camera['vertical_range_fw_in_picture']:.2f} up and down")
        sentence = (
            f"The head {manner} (the face centre moves {speed:.2f} face widths per second on average, "
            f"spanning {head['horizontal_range_fw']:.2f} face widths across and {head['vertical_range_fw']:.2f} up and down{undone})"
        )
        if head.get("jumps"):
            jumps = head["jumps"]
            why = "a fast move" if head.get("jumps_at_cuts") is not None else "a cut or fast move"  # cuts known: not one
            sentence += f"; the face jumps to another place in the frame {jumps} time{'s' * (jumps > 1)} ({why}), not counted"
        if head.get("jumps_at_cuts"):
            cut = head["jumps_at_cuts"]
            sentence += f"; the face is elsewhere after {cut} change{'s' * (cut > 1)} of shot, not counted as head motion"
        change = head["size_change"]
        scene = camera["size_change_camera_undone"] if camera else None
        if scene is not None and (change >= 1.15 or change <= 0.87) and 0.87 < scene < 1.15:
            sentence += (f", and the face {'grows' if change > 1 else 'shrinks'} to {change:.2f} times its first size in the "
                         f"picture as the camera zooms ({scene:.2f} with the zoom undone)")
        elif scene is not None and (scene >= 1.15 or scene <= 0.87):
            sentence += (f", and the face {'grows' if scene > 1 else 'shrinks'} to {scene:.2f} times its first size with the "
                         f"camera's zoom undone ({'moving closer' if scene > 1 else 'moving away'}; {change:.2f} in the picture)")
        elif change >= 1.15:
            sentence += f", and the face grows to {change:.2f} times its first size (moving closer, or the camera zooms in)"
        elif change <= 0.87:
            sentence += f", and the face shrinks to {change:.2f} times its first size (moving away, or the camera zooms out)"
        parts.append(sentence + ".")
    return " ".join(parts)


def describe_photo(m: dict) -> str:
    """The `facial_exp_desc` text of a photo (`ClipInfo.still_image`: one still frame): what the face shows in it, with
    no word of time (no "consistently", "throughout", "at 0.0 s", "mean over frames": a photo has no duration)."""
    dominant, p = m["dominant"], m["dominant_probability"]
    who = f"The {'main ' if m['max_faces'] > 1 else ''}face"
    if p < WEAK_EXPRESSION:
        sentence = f"{who} in {THE_PHOTO} shows no clear expression: {dominant} is its top expression (probability {p:.2f})"
    else:
        sentence = f"{who} in {THE_PHOTO} looks {ADJECTIVE[dominant]}: {dominant} is its top expression (probability {p:.2f})"
    second = m["secondary"]
    if second:
        sentence += f", with {second} second ({m['mean_probabilities'][second]:.2f})"
    peak = m["peak"]
    if peak["emotion"] not in (dominant, second) and peak["probability"] >= 0.3:
        sentence += f"; {peak['emotion']} reaches {peak['probability']:.2f}"
    parts = [sentence + "."]
    if m["max_faces"] > 1:
        parts.append(f"The photo shows {m['max_faces']} faces; this describes the main face, the largest one, "
                     f"at the {m.get('position') or 'centre'} of the picture.")
    return " ".join(parts)
