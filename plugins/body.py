"""Body -> `body_lang_desc`: posture, arms and gestures from keypoints; head nods, shakes and lean; movement.

Built from three layers (issue 13 point 7), each its own module:

- `saber_agent.plugins.pose`: body keypoints (MediaPipe Pose, 33 points; or a model file) -> posture
  (upright / slumped / leaning, shoulder tilt, shrugs), arms (crossed, raised, hands near the face)
  and gestures (wrist-speed bursts with times).
- `saber_agent.plugins.motion`: optical flow outside the head (gesture activity per body region,
  bursts) and the camera's own motion, discounted; shot changes from the clip's shared detector.
- this module: head nods and shakes (vertical versus horizontal oscillation of the main face box's
  centre from the shared face track, camera motion discounted, counted as swings larger than a
  fraction of the face's size; the sampling rate bounds what can be seen: ``head.max_resolvable_hz``),
  lean toward or away from the camera (face scale change not explained by a zoom) and shifts of the
  head's position; and the slot's text, which cites all of it.

Tool option ``backend``: ``auto`` (default: MediaPipe keypoints when installed, plus flow), ``flow``
(no keypoints), ``mediapipe`` (keypoints required), or ``pose`` with ``model=PATH`` (a keypoint model
file through onnxruntime / OpenCV DNN; when it cannot be loaded the slot keeps the optical-flow
description and says why in ``measurements["pose"]``).

No person visible (no body keypoints and no face in any sampled frame): the slot is unavailable and
gives no cue; movement in an empty picture is not body language.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, PositiveInt, field_validator

from saber_agent import hookimpl
from saber_agent.evidence import ModalityCue, Slot, SlotStatus, Timeline, TimelineEvent
from saber_agent.media import Clip
from saber_agent.perception import Availability, PerceptionTool, missing_modules
from saber_agent.plugins.body_still import drop_still_events, still_sentence
from saber_agent.plugins.motion import (  # noqa: F401  (re-exported: the body tool's measurements live there)
    ACTIVITY_LEVELS,
    CHANGE_LEVELS,
    LEVEL_ORDER,
    Head,
    activity_level,
    activity_word,
    camera_motion,
    flow,
    grey_frames,
    head_boxes,
    head_mask,
    measure_motion,
    nearest_box,
    region_masks,
    shift_sentence,
    stabilized,
)
from saber_agent.plugins.pose import (  # noqa: F401  (re-exported)
    COCO17,
    MIN_PERSON_SHARE,
    OPENPOSE18,
    PoseModel,
    body_language,
    describe_body_language,
    describe_pose,
    get_pose_model,
    keypoints,
    pose_measure,
)
from saber_agent.settings import AnalysisSettings

SWING = 0.06  # a head swing must cover this fraction of the face's size
SWING_GAP_S = 1.2  # swings further apart than this belong to different nods or shakes
DOMINANCE = 1.5  # a nod's vertical amplitude must exceed its horizontal one this many times (and vice versa)
LEAN = 0.12  # face scale change (beyond the camera's zoom) that counts as leaning
SHIFT = 0.35  # head displacement, in face widths, that counts as a posture shift
BACKENDS = ("auto", "flow", "mediapipe", "pose")
# Body keypoints are read at most this often (tool option pose_fps): posture changes slowly, and the pose
# model is the body tool's largest cost (~40 ms a frame on one core); pose_fps=0 reads every sampled frame.
POSE_FPS = 1.0


def pose_frames(times: np.ndarray, fps: float) -> np.ndarray:
    """Indices of the sampled frames the pose model reads: about `fps` per second (all when fps <= 0)."""
    n = len(times)
    if fps <= 0 or n < 2:
        return np.arange(n)
    step = float(np.median(np.diff(times)))
    stride = max(1, int(round(1.0 / (fps * step)))) if step > 0 else 1
    return np.arange(0, n, stride)


# -- head gestures ------------------------------------------------------------------------------------

def swings(signal: np.ndarray, times: np.ndarray, threshold: float) -> list[tuple[float, float, float]]:
    """Moves between alternating extremes of `signal` larger than `threshold`: (t_from, t_to, size).

    Hysteresis peak picking: an extreme is confirmed once the signal has come back from it by the
    threshold, so jitter smaller than the threshold never makes a swing.
    """
    n = len(signal)
    if n < 2:
        return []
    extremes: list[int] = []
    lo = hi = 0  # before the first swing: the running minimum and maximum
    direction = 0
    candidate = 0
    for i in range(1, n):
        v = signal[i]
        if direction == 0:
            lo = i if v < signal[lo] else lo
            hi = i if v > signal[hi] else hi
            if v - signal[lo] >= threshold:
                extremes, direction, candidate = [lo], 1, i
            elif signal[hi] - v >= threshold:
                extremes, direction, candidate = [hi], -1, i
        elif (v - signal[candidate]) * direction > 0:  # still going the same way
            candidate = i
        elif abs(signal[candidate] - v) >= threshold:  # turned back by enough: the candidate was an extreme
            extremes.append(candidate)
            direction, candidate = -direction, i
    if direction != 0:
        extremes.append(candidate)
    return [
        (float(times[a]), float(times[b]), float(abs(signal[b] - signal[a])))
        for a, b in zip(extremes, extremes[1:], strict=False)
        if abs(signal[b] - signal[a]) >= threshold
    ]


def episodes(moves: list[tuple[float, float, float]]) -> list[list[tuple[float, float, float]]]:
    """Runs of swings close in time (at least two swings: out and back)."""
    runs: list[list[tuple[float, float, float]]] = []
    for move in moves:
        if runs and move[0] - runs[-1][-1][1] <= SWING_GAP_S:
            runs[-1].append(move)
        else:
            runs.append([move])
    return [r for r in runs if len(r) >= 2]


def amplitude(signal: np.ndarray, times: np.ndarray, t0: float, t1: float) -> float:
    part = signal[(times >= t0 - 1e-6) & (times <= t1 + 1e-6)]
    return float(np.nanmax(part) - np.nanmin(part)) if part.size else 0.0


def head_gestures(cx: np.ndarray, cy: np.ndarray, times: np.ndarray, size: float) -> list[dict[str, Any]]:
    """Nods (vertical oscillation) and shakes (horizontal) of the head centre, in face-size units."""
    x, y = cx / size, cy / size
    found = []
    for kind, main, other in (("nod", y, x), ("shake", x, y)):
        for run in episodes(swings(main, times, SWING)):
            t0, t1 = run[0][0], run[-1][1]
            a_main, a_other = amplitude(main, times, t0, t1), amplitude(other, times, t0, t1)
            if a_main < DOMINANCE * a_other:
                continue
            found.append({
                "kind": kind, "start": round(float(t0), 2), "end": round(float(t1), 2),
                "swings": len(run), "cycles": round(len(run) / 2, 1),
                "amplitude": round(a_main, 3),  # in face heights (nod) or widths (shake)
            })
    return sorted(found, key=lambda g: g["start"])


def fill_gaps(values: np.ndarray, times: np.ndarray, found: np.ndarray) -> np.ndarray:
    """Linear interpolation over frames without a detection (edges held)."""
    if found.sum() < 2:
        return values.copy()
    return np.interp(times, times[found], values[found])


def posture(cx: np.ndarray, cy: np.ndarray, scale: np.ndarray, times: np.ndarray, size: float) -> dict[str, Any]:
    """Lean (scale change) and position shifts of the head over the clip, camera motion discounted."""
    n = len(times)
    k = max(1, n // 4)
    first, last = slice(0, k), slice(n - k, n)
    ratio = float(np.median(scale[last]) / np.median(scale[first]))
    drift_x = float((np.median(cx[last]) - np.median(cx[first])) / size)
    drift_y = float((np.median(cy[last]) - np.median(cy[first])) / size)
    lean = "toward" if ratio > 1 + LEAN else "away" if ratio < 1 / (1 + LEAN) else None
    shifts = []
    # compare the median head position over successive one-second windows
    window = 1.0
    edges = np.arange(times[0], times[-1] + window, window)
    medians = []
    for a in edges[:-1]:
        part = (times >= a) & (times < a + window)
        if part.any():
            medians.append((a, np.median(cx[part]), np.median(cy[part])))
    for (_t0, x0, y0), (t1, x1, y1) in zip(medians, medians[1:], strict=False):
        dx, dy = (x1 - x0) / size, (y1 - y0) / size
        if np.hypot(dx, dy) >= SHIFT:
            direction = ("right" if dx > 0 else "left") if abs(dx) >= abs(dy) else ("down" if dy > 0 else "up")
            shifts.append({"t": round(float(t1), 2), "direction": direction, "distance": round(float(np.hypot(dx, dy)), 2)})
    return {
        "scale_ratio": round(ratio, 3), "lean": lean,
        "drift_x": round(drift_x, 3), "drift_y": round(drift_y, 3), "shifts": shifts,
    }

# -- the measurement --------------------------------------------------------------------------------

def measure(clip: Clip, tracker: str | None = None) -> dict[str, Any]:
    """Every flow and head measurement of a clip with at least two frames, as JSON-able values."""
    motion = measure_motion(clip, tracker)
    m, head, to_first, cuts, scale = motion.m, motion.head, motion.to_first, motion.cuts, motion.scale
    times = np.asarray(clip.frame_times, dtype=np.float64)
    n = len(times)
    if head.reason:
        m["head"] = {"tracked": False, "reason": head.reason}
        return m
    found = head.found
    centres = head.boxes[:, :2] + head.boxes[:, 2:] / 2
    # head positions in frame-0 coordinates: the camera's motion taken out
    stable = np.full((n, 2), np.nan)
    stable_scale = np.full(n, np.nan)
    for i in np.flatnonzero(found):
        back = to_first[i]
        stable[i] = (back @ np.array([centres[i, 0], centres[i, 1], 1.0]))[:2]
        stable_scale[i] = head.boxes[i, 2] * float(np.hypot(back[0, 0], back[1, 0]))
    cx = fill_gaps(stable[:, 0], times, found)
    cy = fill_gaps(stable[:, 1], times, found)
    sc = fill_gaps(stable_scale, times, found)
    size = float(np.nanmedian(head.boxes[found, 2]))
    # head gestures and posture are read within each shot: positions are not comparable across a cut
    bounds = [0, *[i + 1 for i in cuts], n]
    shots = [np.arange(a, b) for a, b in zip(bounds, bounds[1:], strict=False) if b > a]
    gestures = []
    for shot in shots:
        if found[shot].sum() >= 3:
            gestures += head_gestures(cx[shot], cy[shot], times[shot], size)
    longest = max(shots, key=lambda shot: found[shot].sum())
    fps = float(clip.info.sample_fps or (1 / np.diff(times).mean() if n > 1 else 1.0))
    m["head"] = {
        "tracked": True,
        "frames_with_face": _r(found.mean(), 3),
        "face_width_px": _r(size / scale, 1),
        "max_resolvable_hz": _r(fps / 4, 2),  # four samples per cycle: a down and an up swing, each seen twice
        "gestures": sorted(gestures, key=lambda g: g["start"]),
        "motion_sd": {"x": _r(np.nanstd(cx) / size, 3), "y": _r(np.nanstd(cy) / size, 3)},
        "timeline": {
            "x": [None if not f else _r(v / size, 3) for v, f in zip(cx, found, strict=False)],
            "y": [None if not f else _r(v / size, 3) for v, f in zip(cy, found, strict=False)],
            "scale": [None if not f else _r(v / size, 3) for v, f in zip(sc, found, strict=False)],
        },
    }
    m["posture"] = posture(cx[longest], cy[longest], sc[longest], times[longest], size) if found[longest].sum() >= 2 else None
    return m


def body_timelines(m: dict[str, Any], frame_times: np.ndarray) -> dict[str, Timeline]:
    """The slot's timelines (see `Timeline`): `activity` (optical-flow energy per body region, per pair
    of sampled frames, with bursts, head nods and shakes and shot changes as events), `change` (the
    share of each region's pixels that changed) and, when a head was tracked, `head` (its centre and
    size per sampled frame, in face sizes, camera motion removed)."""
    timeline, head = m["timeline"], m.get("head") or {}
    events = [TimelineEvent(start_s=b["start"], end_s=b["end"], label="burst", kind="burst", value=b["peak_energy"])
              for b in m["bursts"]]
    events += [TimelineEvent(start_s=g["start"], end_s=g["end"], label=g["kind"], kind=g["kind"])
               for g in head.get("gestures") or []]
    events += [TimelineEvent(start_s=t, label="cut", kind="cut") for t in m["shot_changes"]]
    out = {
        "activity": Timeline(times_s=timeline["t"], series=timeline["energy"],
                             units=dict.fromkeys(timeline["energy"], m["units"]["energy"]),
                             events=sorted(events, key=lambda e: e.start_s)),
        "change": Timeline(times_s=timeline["t"], series=timeline["changed"],
                           units=dict.fromkeys(timeline["changed"], m["units"]["changed"])),
    }
    if head.get("timeline"):
        out["head"] = Timeline(times_s=[_r(t, 3) for t in frame_times], series=head["timeline"],
                               units=dict.fromkeys(head["timeline"], "face sizes"))
    kp = m.get("keypoints") or {}
    if kp.get("timeline"):
        series = {k: v for k, v in kp["timeline"].items() if k != "t"}
        units = {"head_height_sw": "shoulder widths", "lean_deg": "degrees", "shoulder_tilt_deg": "degrees",
                 "wrist_speed_sw_s": "shoulder widths per second"}
        marks = [TimelineEvent(start_s=g["start_s"], end_s=max(g["start_s"], g["end_s"]), label="gesture", kind="gesture",
                               value=g["peak_speed_sw_s"]) for g in kp["gestures"]]
        for key, label in (("shrugs", "shrug"), ("arms_crossed", "arms crossed"), ("hands_raised", "hand raised"),
                           ("hands_near_face", "hand near face")):
            marks += [TimelineEvent(start_s=x["start_s"], end_s=x["end_s"], label=label, kind=key) for x in kp[key]]
        out["keypoints"] = Timeline(times_s=kp["timeline"]["t"], series=series, units={k: units[k] for k in series},
                                    events=sorted(marks, key=lambda e: e.start_s))
    return out


def _r(value: float, digits: int) -> float:
    return round(float(value), digits)


# -- verbalization -----------------------------------------------------------------------------------

REGION_WORDS = {"upper_body": "the upper body", "hands_sides": "the hands and sides", "centre": "the centre of the frame",
                "sides": "the sides of the frame"}


def overall_level(m: dict[str, Any]) -> str:
    """The most active region's level."""
    return max((r["level"] for r in m["regions"].values()), key=LEVEL_ORDER.index)


def _span(a: float, b: float) -> str:
    return f"{a:.1f}-{b:.1f} s"


def describe(m: dict[str, Any]) -> str:
    """SABER-style `body_lang_desc` text that cites the measurements."""
    regions = m["regions"]
    word = overall_level(m)
    (k1, r1), (k2, r2) = list(regions.items())[:2]
    levels = (
        f"optical flow {r1['energy_mean']:.1f}% of the frame width per second in {REGION_WORDS[k1]} and "
        f"{r2['energy_mean']:.1f}% in {REGION_WORDS[k2]}; {r1['changed_fraction_mean'] * 100:.1f}% and "
        f"{r2['changed_fraction_mean'] * 100:.1f}% of their pixels change between frames"
    )
    head = m["head"]
    where = "outside the head" if head["tracked"] else "over the whole frame"
    if head["tracked"]:
        opening = {"little": "There is little body movement", "slight": "There is slight body movement",
                   "moderate": "The body moves moderately", "lively": "The body is lively, with a lot of gesturing"}[word]
    else:  # with no face there is no body to anchor the regions to: say "movement", not "gesture"
        opening = f"There is {'lively' if word == 'lively' else word} movement"
    parts = [f"{opening} {where} ({levels})."]
    burst_word = "gesture" if head["tracked"] else "movement"
    if m["bursts"]:
        spans = [f"{_span(b['start'], b['end'])} ({REGION_WORDS[b['region']]})" for b in m["bursts"][:4]]
        parts.append(f"Bursts of {burst_word} at {', '.join(spans)}.")
    elif word != "little":
        parts.append(f"No distinct burst of {burst_word} stands out.")
    if head["tracked"]:
        gestures = head["gestures"]
        nods = [g for g in gestures if g["kind"] == "nod"]
        shakes = [g for g in gestures if g["kind"] == "shake"]
        said = []
        for _kind, found, verb in (("nod", nods, "nods"), ("shake", shakes, "shakes")):
            if found:
                count = sum(max(1, int(round(g["cycles"]))) for g in found)
                spans = ", ".join(_span(g["start"], g["end"]) for g in found)
                said.append(f"the head {verb} ({count} {'time' if count == 1 else 'times'}, {spans})")
        if said:
            parts.append(" and ".join(said).capitalize() + ".")
        else:
            parts.append(f"No head nod or shake is seen (head tracked in {head['frames_with_face'] * 100:.0f}% of frames).")
        if head["max_resolvable_hz"] < 1.5:
            parts.append(f"At {m['sample_fps']:g} sampled frames per second, nods faster than {head['max_resolvable_hz']:g} Hz "
                         "cannot be resolved.")
        pose = m.get("posture")
        if pose:
            posture_bits = []
            if pose["lean"] == "toward":
                posture_bits.append(f"leans toward the camera (face {(pose['scale_ratio'] - 1) * 100:.0f}% larger by the end)")
            elif pose["lean"] == "away":
                posture_bits.append(f"leans back, away from the camera (face {(1 - pose['scale_ratio']) * 100:.0f}% smaller by the end)")
            for shift in pose["shifts"][:3]:
                posture_bits.append(f"shifts {shift['direction']} at {shift['t']:.1f} s")
            if posture_bits:
                parts.append("The speaker " + ", ".join(posture_bits) + ".")
            else:
                steady = "head" if (m.get("keypoints") or {}).get("sideways") else "posture"  # a sideways posture is not read
                parts.append(f"The {steady} stays steady (no lean or shift of the head's position).")
    else:
        parts.append(f"The head could not be tracked ({head['reason']}), so nods, shakes and lean are not described.")
    if m.get("shot_changes"):
        cuts = ", ".join(f"{t:.1f} s" for t in m["shot_changes"][:4])
        parts.append(f"The change of shot at {cuts} is not counted as movement.")
    camera = m["camera"]
    if camera["moving"]:
        moves = []
        if abs(camera["zoom"] - 1) > 0.03:
            moves.append(f"zooms {'in' if camera['zoom'] > 1 else 'out'} (x{camera['zoom']:.2f})")
        if max(abs(camera["pan_x"]), abs(camera["pan_y"])) > 0.03:
            moves.append("pans")
        parts.append(f"The camera {' and '.join(moves)}; its motion is discounted.")
    parts.append(shift_sentence(m))
    if "pose" in m and m["pose"].get("status") == "ok":
        parts.append(describe_pose(m["pose"]))
    return " ".join(p for p in parts if p)


# -- the tool ---------------------------------------------------------------------------------------

class BodyOptions(BaseModel):
    """The body tool's options (``AnalysisSettings.tool_options["body"]``), checked before a run."""

    model_config = ConfigDict(extra="forbid")  # a misspelt option is an error, not silently ignored

    backend: Literal["auto", "flow", "mediapipe", "pose"] = Field(
        "auto", description="auto: MediaPipe Pose keypoints when installed, plus optical flow; flow: optical flow only; "
                            "mediapipe: keypoints required; pose: a local pose model (option model)")
    pose_fps: float = Field(POSE_FPS, ge=0, description="frames per second MediaPipe Pose reads (0: every sampled frame)")
    model: str | None = Field(None, description="backend pose: a local ONNX, Caffe or TensorFlow pose model file")
    config: str | None = Field(None, description="backend pose: the model's config file (cv2.dnn.readNet), if any")
    input_size: tuple[PositiveInt, PositiveInt] = Field((368, 368), description="backend pose: the model's input width, height")
    bgr: bool = Field(True, description="backend pose: the model reads BGR (else RGB)")
    keypoints: list[str] | None = Field(None, description="backend pose: the model's keypoint names, in its order")
    min_score: float = Field(0.1, ge=0.0, le=1.0, description="backend pose: the lowest keypoint score kept")

    @field_validator("backend", mode="before")
    @classmethod
    def _any_case(cls, value):  # the tool lower-cases it
        return value.lower() if isinstance(value, str) else value


class BodyTool(PerceptionTool):
    name = "body"
    slot = "body_lang_desc"
    needs = frozenset({"frames"})
    version = "0.1.0"
    description = "Gesture and posture from optical flow outside the face; head nods and shakes from the face track; optional pose model."
    options_model = BodyOptions

    def availability(self) -> Availability:
        missing = missing_modules("cv2")
        return Availability(not missing, "install opencv-python-headless" if missing else "")

    def perceive(self, clip: Clip, settings: AnalysisSettings) -> Slot:
        from saber_agent.plugins import landmarks
        from saber_agent.plugins.facetrack import tracker_option

        options = settings.options_for(self.name)
        backend = str(options.get("backend", "auto")).lower()
        if backend not in BACKENDS:
            return Slot.failed(f"unknown body backend {backend!r}: use one of {', '.join(BACKENDS)}", self.provenance())
        if len(clip.frames) < 2:
            return Slot.unavailable(
                f"only {len(clip.frames)} frame was decoded; body movement needs at least two", self.provenance(backend="optical-flow")
            )
        body_keypoints = None
        why_no_keypoints = None
        if backend in ("auto", "mediapipe"):
            why_no_keypoints = landmarks.missing()
            if why_no_keypoints and backend == "mediapipe":
                return Slot.unavailable(why_no_keypoints, self.provenance(backend="mediapipe-pose"))
            if not why_no_keypoints:
                times = np.asarray(clip.frame_times, dtype=np.float64)
                read = pose_frames(times, float(options.get("pose_fps", POSE_FPS)))
                body_keypoints = body_language(times[read], keypoints(clip.frames[read]), clip.frames.shape[1:3])
        m = measure(clip, tracker_option(settings))
        n = len(clip.frames)
        model = None
        used = "optical-flow"
        if backend == "pose":
            model = options.get("model")
            if not model:
                m["pose"] = {"status": "unavailable", "reason": "backend 'pose' needs a model: a local ONNX, Caffe or TensorFlow file"}
            else:
                try:
                    pose = get_pose_model(
                        str(model), options.get("config"), tuple(options.get("input_size", (368, 368))), bool(options.get("bgr", True))
                    )
                    names = tuple(options["keypoints"]) if options.get("keypoints") else None
                    m["pose"] = pose_measure(clip, pose, names, float(options.get("min_score", 0.1)))
                    used = f"optical-flow+pose ({pose.backend})"
                except Exception as exc:
                    m["pose"] = {"status": "unavailable", "model": str(model), "reason": f"{type(exc).__name__}: {exc}"[:500]}
            if m["pose"]["status"] != "ok":
                used = "optical-flow (pose backend unavailable: see measurements.pose)"
        person = bool(body_keypoints and body_keypoints["frames_with_person"] >= max(1, MIN_PERSON_SHARE * body_keypoints["n_frames"]))
        # a model file's keypoints count as a person seen too (it has no presence score of its own beyond them)
        person_by_model = (backend == "pose" and m["pose"].get("status") == "ok"
                           and (m["pose"].get("seen_fraction") or 0) >= MIN_PERSON_SHARE)
        if not person and not person_by_model and not m["head"]["tracked"]:
            looked = "no body keypoints and no face" if body_keypoints is not None else "no face (body keypoints off)"
            looked_with = "mediapipe-pose+optical-flow" if body_keypoints is not None else "optical-flow"
            return Slot.unavailable(f"no person visible in {n} sampled frames ({looked})", self.provenance(backend=looked_with))
        if person:
            m["keypoints"] = body_keypoints
            used = "mediapipe-pose+optical-flow"
        elif body_keypoints is not None:
            m["keypoints"] = {"frames_with_person": body_keypoints["frames_with_person"], "n_frames": n,
                              "reason": "the pose model found the body in too few sampled frames"}
        elif why_no_keypoints:
            m["keypoints"] = {"frames_with_person": 0, "n_frames": n, "reason": why_no_keypoints}
        drop_still_events(m, m.get("keypoints"), clip.frame_times)  # no nod, shrug or gesture where the picture is still
        confidence = 0.7 if person else 0.6 if m["head"]["tracked"] else 0.4
        text = " ".join(t for t in (describe_body_language(m.get("keypoints") or {}), describe(m), still_sentence(m)) if t)
        return Slot(
            text=text, status=SlotStatus.ok, confidence=confidence, measurements=m,
            timelines=body_timelines(m, clip.frame_times),
            provenance=self.provenance(model=str(model) if model else None, backend=used),
        )

    def cues(self, slot: Slot) -> list[ModalityCue]:
        """Arousal from how much the body moves; valence stays near zero (movement alone has no sign).

        Nodding (affirmation) and head shaking (negation) nudge valence by 0.1 at most.
        """
        m = slot.measurements
        regions = m.get("regions")
        if not regions:
            return []
        word = overall_level(m)
        overall = max(r["energy_mean"] for r in regions.values())
        # the level sets the arousal band; the flow energy places it within the band
        arousal = float(np.clip(0.15 + 0.2 * LEVEL_ORDER.index(word) + 0.1 * min(1.0, overall / 6.0), 0.0, 1.0))
        gestures = (m.get("head") or {}).get("gestures") or []
        nods = sum(1 for g in gestures if g["kind"] == "nod")
        shakes = sum(1 for g in gestures if g["kind"] == "shake")
        valence = 0.1 * np.sign(nods - shakes)
        emotion = {"little": "still", "slight": "calm", "moderate": "engaged", "lively": "animated"}[word]
        basis = f"body activity {overall:.1f}% of frame width/s ({word})"
        if nods or shakes:
            basis += f", {nods} nod episode(s), {shakes} shake episode(s)"
        return [ModalityCue(modality="body", valence=float(valence), arousal=round(arousal, 3), emotion=emotion,
                            confidence=round(0.5 * (slot.confidence or 0.5), 3), basis=basis)]


@hookimpl
def register_perception_tools(register):
    register(BodyTool())
