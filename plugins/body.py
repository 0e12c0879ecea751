"""Body -> `body_lang_desc`: posture, arms and gestures from keypoints; head nods, shakes and lean; movement.

Built from three layers (issue 13 point 7), each its own module:

- `saber_agent.plugins.pose`: body keypoints (MediaPipe Pose, 33 points; or a model file) -> posture
  (upright / slumped / leaning, shoulder tilt, shrugs), arms (crossed, raised, hands near the face)
  and gestures (wrist-speed bursts with times).
- `saber_agent.plugins.motion`: optical flow outside the head (gesture activity per body region,
  bursts) and the camera's own motion, discounted; shot changes from the clip's shared detector.
- `saber_agent.plugins.body_measure`: head nods and shakes (vertical versus horizontal oscillation of
  the main face box's centre from the shared face track, camera motion discounted, counted as swings
  larger than a fraction of the face's size; the sampling rate bounds what can be seen:
  ``head.max_resolvable_hz``), lean toward or away from the camera (face scale change not explained
  by a zoom) and shifts of the head's position, and the slot's timelines; `body_text`: the slot's
  text, which cites all of it.
- this module: the options, the tool and its cue; it re-exports the names of body_measure and
  body_text (and of motion and pose) that were read from here.

Tool option ``backend``: ``auto`` (default: MediaPipe keypoints when installed, plus flow), ``flow``
(no keypoints), ``mediapipe`` (keypoints required), or ``pose`` with ``model=PATH`` (a keypoint model
file through onnxruntime / OpenCV DNN; when it cannot be loaded the slot keeps the optical-flow
description and says why in ``measurements["pose"]``).

No person visible (no body keypoints and no face in any sampled frame): the slot is unavailable and
gives no cue; movement in an empty picture is not body language.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, PositiveInt, field_validator

from saber_agent import hookimpl
from saber_agent.evidence import ModalityCue, Slot, SlotStatus
from saber_agent.media import Clip
from saber_agent.perception import Availability, PerceptionTool, missing_modules
from saber_agent.plugins.body_measure import (
    DOMINANCE,
    LEAN,
    SHIFT,
    SWING,
    SWING_GAP_S,
    amplitude,
    body_timelines,
    episodes,
    fill_gaps,
    head_gestures,
    measure,
    posture,
    swings,
)
from saber_agent.plugins.body_still import drop_still_events, still_sentence
from saber_agent.plugins.body_text import REGION_WORDS, describe, overall_level
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
    mirrored_keypoints,
    picture_keypoints,
    pose_measure,
)
from saber_agent.plugins.shots import shot_changes
from saber_agent.settings import AnalysisSettings
from saber_agent.wording import PHOTO, counted, looked_at

# the names read from here: this module's own, body_measure's and body_text's (moved out), motion's and pose's
__all__ = [
    "ACTIVITY_LEVELS", "BACKENDS", "CHANGE_LEVELS", "COCO17", "DOMINANCE", "LEAN", "LEVEL_ORDER", "MIN_PERSON_SHARE", "OPENPOSE18",
    "POSE_FPS", "REGION_WORDS", "SHIFT", "SWING", "SWING_GAP_S", "BodyOptions", "BodyTool", "Head", "PoseModel", "activity_level",
    "activity_word", "amplitude", "body_language", "body_timelines", "camera_motion", "describe", "describe_body_language",
    "describe_pose", "episodes", "fill_gaps", "flow", "get_pose_model", "grey_frames", "head_boxes", "head_gestures", "head_mask",
    "keypoints", "measure", "measure_motion", "mirrored_keypoints", "nearest_box", "overall_level", "picture_keypoints", "pose_frames",
    "pose_measure", "posture", "region_masks", "register_perception_tools", "shift_sentence", "stabilized", "swings",
]

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
    # 0.2.0: a shrug needs each shoulder to drop and the body's pixels to change (camera discounted), a tilt or lean
    # clears its threshold by 2 degrees, shoulders at the picture's side read mirrored too (8 mirrored frames, not 12),
    # a moved crop re-read only past 5% of the frame; 0.3.0: on-screen graphics changes are not movement
    # (motion_graphics), the hands' region ends at their reach, a photo is a still image; 0.3.1: the shared face track's weak
    # detections confirmed by the face mesh (plugins/landmarks.SURE_SCORE), "1 of 1 frame read" not "frames", a photo is
    # "a photo (one still image)" (saber_agent.wording, the face and scene tools' words)
    version = "0.3.1"
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
            why = (  # a photo: one picture by nature, not a decode that fell short
                f"the clip is {PHOTO}: a posture could be read from it but body movement cannot "
                "(it needs at least two frames), and this tool does not read posture alone" if clip.info.still_image
                else f"only {len(clip.frames)} frame was decoded; body movement needs at least two"
            )
            return Slot.unavailable(why, self.provenance(backend="optical-flow"))
        body_keypoints = None
        why_no_keypoints = None
        if backend in ("auto", "mediapipe"):
            why_no_keypoints = landmarks.missing()
            if why_no_keypoints and backend == "mediapipe":
                return Slot.unavailable(why_no_keypoints, self.provenance(backend="mediapipe-pose"))
            if not why_no_keypoints:
                times = np.asarray(clip.frame_times, dtype=np.float64)
                read = pose_frames(times, float(options.get("pose_fps", POSE_FPS)))
                # the read frames that start a new shot: the pose tracker restarts there, and no wrist speed spans one
                cuts = sorted({int(np.searchsorted(read, c)) for c in shot_changes(clip).cuts} - {0, len(read)})
                # black bars are cropped before the pose model reads the picture: it misreads a letterboxed one (trial 53)
                points, bounds, bars = picture_keypoints(clip.frames[read], cuts)
                # tilt and lean are claimed only where a mirrored second read agrees (the model's framing noise: trial A)
                body_keypoints = body_language(times[read], points, bounds, cuts, mirrored_keypoints(clip.frames[read]))
                body_keypoints["black_bars"] = bars  # cropped off before the pose model read each frame
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
            return Slot.unavailable(f"no person visible in {looked_at(n, clip.info.still_image)} ({looked})",
                                    self.provenance(backend=looked_with))
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

        Nodding (affirmation) and head shaking (negation) nudge valence by 0.1 at most. The cue names no
        emotion (`emotion` None): how active the body is ("still", "calm", "engaged", "animated", in the basis)
        is no emotion, and read as one "calm" would back neutral.
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
        activity = {"little": "still", "slight": "calm", "moderate": "engaged", "lively": "animated"}[word]
        basis = f"{activity} body: activity {overall:.1f}% of frame width/s ({word})"
        if nods or shakes:
            basis += f", {counted(nods, 'nod episode')}, {counted(shakes, 'shake episode')}"
        return [ModalityCue(modality="body", valence=float(valence), arousal=round(arousal, 3), emotion=None,
                            confidence=round(0.5 * (slot.confidence or 0.5), 3), basis=basis)]


@hookimpl
def register_perception_tools(register):
    register(BodyTool())
