"""Faces in a conversation: every face tracked with an id, a voice linked to the face whose mouth moves,
and whose face an utterance shows (`--segment utterances`; the voices are `saber_agent.speakers`').

- *Faces*: every face in the sampled frames (the shared face detector of
  `saber_agent.plugins.facetrack`), linked frame to frame into tracks with stable ids F1, F2, ...
  ordered left to right; each face's expression per frame (the face tool's FER-2013 model).
- *Voice to face*: where MediaPipe's face mesh is installed (`saber_agent.plugins.landmarks`), the
  inner-lip opening over face height per frame; the face whose mouth moves most while a voice speaks
  (and clearly more than the others) is that voice's face. It says why when the picture cannot tell:
  a still picture, no face on screen while the voice speaks (off-screen), mouths that do not move.
- *Whose face an utterance shows* (`unattributed_face`, `main_face_elsewhere`): with two or more faces
  on screen and none identified, one face whose measured mouth stays closed, the speaker's face off
  screen, or a face tool reading another (larger) face than the speaker's, no face stands for the
  speaker: `saber_agent.segments` then gives no face cue for that utterance.

It lives with the plugins because it runs them (face detection, still-picture decision, expression
model, face mesh); it was part of `saber_agent.speakers`, which still re-exports these names.
Units: seconds on the clip's clock; boxes in pixels (x, y, w, h).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

MIN_FACE_FRAMES = 3  # sampled frames a face must be seen in (1.5 s at 2 fps)
MOUTH_MOVES = 0.015  # std of lip opening / face height over an utterance: the mouth moves
MOUTH_LEADS = 1.5  # the speaking face moves its mouth this many times more than the next face
# a mouth is said not to move only over this many measured frames: a 2 s utterance at 2 fps has 4, which can all
# fall between syllables (new-user trial B: three drawn mouths that do open read "does not move"); 1 s at 6 fps
MIN_STILL_FRAMES = 6


@dataclass
class FaceTracks:
    """Every face followed over a clip's sampled frames, with stable ids."""

    times: np.ndarray  # (n,) frame times, seconds
    boxes: dict[str, np.ndarray] = field(default_factory=dict)  # id -> (n, 4) x, y, w, h; NaN rows where not seen
    still: bool = False  # the picture does not change (a photo with sound; `saber_agent.picture_change`)
    detector: str = ""
    mouth: dict[str, np.ndarray] = field(default_factory=dict)  # id -> (n,) lip opening / face height, NaN where unknown
    mouth_note: str | None = None  # why mouth movement is not measured
    expression: dict[str, np.ndarray] = field(default_factory=dict)  # id -> (n, 7) FER-2013 probabilities, NaN rows
    expression_note: str | None = None  # why faces' expressions are not read

    def visible(self, start_s: float, end_s: float) -> list[str]:
        """Ids of faces seen in at least one frame between the two times."""
        inside = (self.times >= start_s) & (self.times < end_s)
        return [fid for fid, b in self.boxes.items() if np.any(~np.isnan(b[inside, 0]))]

    def reads(self, fid: str, start_s: float, end_s: float) -> tuple[str, float] | None:
        """The face's most probable expression between two times (mean over its frames) and its
        probability; None when the face was not read there."""
        from saber_agent.plugins.face_expression import FER_LABELS, FER_TO_BASIC

        values = self.expression.get(fid)
        if values is None:
            return None
        inside = values[(self.times >= start_s) & (self.times < end_s)]
        inside = inside[~np.isnan(inside[:, 0])]
        if not inside.size:
            return None
        mean = inside.mean(axis=0)
        return FER_TO_BASIC[FER_LABELS[int(np.argmax(mean))]], float(mean.max())

    def mouth_activity(self, fid: str, start_s: float, end_s: float) -> float | None:
        """Std of the lip opening between two times (None: fewer than 3 measured frames)."""
        values = self.mouth.get(fid)
        if values is None:
            return None
        inside = values[(self.times >= start_s) & (self.times < end_s)]
        inside = inside[~np.isnan(inside)]
        return float(np.std(inside)) if inside.size >= 3 else None

    def mouth_frames(self, fid: str, start_s: float, end_s: float) -> int:
        """How many frames between two times have the face's lip opening measured."""
        values = self.mouth.get(fid)
        if values is None:
            return 0
        return int(np.count_nonzero(~np.isnan(values[(self.times >= start_s) & (self.times < end_s)])))

    def too_few_to_be_still(self, fids: list[str], start_s: float, end_s: float) -> str | None:
        """Why the faces' mouths cannot be said not to move between two times (fewer than MIN_STILL_FRAMES measured
        frames of one of them), or None: a mouth seen moving is evidence in few frames, one seen still is not."""
        few = min((self.mouth_frames(fid, start_s, end_s) for fid in fids), default=0)
        if few >= MIN_STILL_FRAMES:
            return None
        return f"too few frames to see whose mouth moves ({few} measured, {MIN_STILL_FRAMES} needed to see a still mouth)"


def track_all_faces(clip, detector: str = "auto", mouths: bool = True, expression_fps: float | None = None) -> FaceTracks:
    """Every face of `clip` (a decoded `saber_agent.media.Clip`) with an id, and (with `mouths`, where
    MediaPipe is installed) each face's lip opening per frame.

    `expression_fps`: read the faces' expressions on frames about this far apart (frames per second), the
    others' rows NaN; None reads every frame. The segment run tracks mouths on a 6 fps decode and reads
    expressions at the clip's own 2 fps: a mouth needs the frames, an utterance's mean expression does not, and
    the expression model was a third of the 6 fps pass (trial B conv_mf.mp4: 1.57 of 5.0 s)."""
    from saber_agent.picture_change import picture_change
    from saber_agent.plugins import facetrack

    times = np.asarray(clip.frame_times, np.float64)
    if not clip.has_video:
        return FaceTracks(times, mouth_note="the clip has no picture")
    still = picture_change(clip).still  # the one still-picture decision, shared with the body and scene tools
    found_by = facetrack.get_detector(detector)
    scans: dict[int, np.ndarray] = {}
    # a still picture's faces stay where they are: found in its first frames, placed in every frame
    frames = clip.frames[:3] if still else clip.frames
    detections = facetrack.detect_sequence(frames, scans=scans, detector=found_by)
    tracks = facetrack.link_tracks(detections)
    if len(scans) >= 3:  # as the main-face tracker does: a face must be found by two full scans
        tracks = [t for t in tracks if facetrack._scan_hits(t, scans) >= 2] or tracks
    # a face seen in fewer than MIN_FACE_FRAMES frames is most often texture (a spacesuit ring)
    tracks = [t for t in tracks if len(t) >= min(MIN_FACE_FRAMES, len(frames))]
    tracks.sort(key=lambda t: float(np.mean([b[0] + b[2] / 2 for b in t.values()])))
    faces = FaceTracks(times, still=still, detector=found_by.name)
    for k, track in enumerate(tracks):
        boxes = np.full((len(times), 4), np.nan)
        for i, box in track.items():
            boxes[i] = box
        if still:
            boxes[:] = np.nanmedian(boxes[: len(frames)], axis=0)
        faces.boxes[f"F{k + 1}"] = boxes
    _read_expressions(clip, faces, _every_nth(times, expression_fps))
    if still:
        faces.mouth_note = "the picture is still: mouth movement cannot tell who speaks"
    elif mouths and faces.boxes:
        _measure_mouths(clip, faces)
    return faces


def _every_nth(times: np.ndarray, fps: float | None) -> int:
    """The frame step that samples frames at `times` (seconds, evenly spaced) at about `fps` (1: every frame)."""
    if fps is None or fps <= 0 or len(times) < 2:
        return 1
    return max(1, round(1.0 / (fps * float(np.median(np.diff(times))))))


def _read_expressions(clip, faces: FaceTracks, every: int = 1) -> None:
    """Every tracked face's expression per frame (the face tool's offline FER-2013 model, numpy engine), on every
    `every`-th frame of the clip (the same frames for every face; the others' rows NaN)."""
    try:
        import cv2

        from saber_agent.plugins.face_expression import classify, crop_face
    except ImportError as exc:
        faces.expression_note = f"expressions not read: {exc}"
        return
    greys: dict[int, np.ndarray] = {}  # one grey frame for every face in it

    def grey(i: int) -> np.ndarray:
        if i not in greys:
            greys[i] = cv2.cvtColor(clip.frames[i], cv2.COLOR_RGB2GRAY)
        return greys[i]

    for fid, boxes in faces.boxes.items():
        seen = np.flatnonzero(~np.isnan(boxes[:, 0]))
        read = seen[:3] if faces.still else seen[seen % every == 0]  # a still picture's faces do not change: a few frames
        out = np.full((len(boxes), 7), np.nan)
        try:
            crops = np.stack([crop_face(grey(i), boxes[i]) for i in read]) if read.size else np.zeros((0, 64, 64), np.uint8)
            probabilities = classify(crops).probabilities
        except Exception as exc:  # no weights here (fer not installed): said, not fatal
            faces.expression_note = f"expressions not read: {type(exc).__name__}: {exc}"
            return
        if faces.still:
            out[seen] = probabilities.mean(axis=0) if read.size else np.nan
        else:
            out[read] = probabilities
        faces.expression[fid] = out


def _measure_mouths(clip, faces: FaceTracks) -> None:
    from saber_agent.plugins import landmarks

    if (why := landmarks.missing()) is not None:
        faces.mouth_note = f"mouth movement is not measured: {why}"
        return
    for fid, boxes in faces.boxes.items():
        points = landmarks.face_landmarks(clip.frames, boxes)  # (n, 478, 3)
        opening = np.linalg.norm(points[:, 13, :2] - points[:, 14, :2], axis=1)  # inner lips, upper and lower
        faces.mouth[fid] = opening / np.where(np.isnan(boxes[:, 3]), np.nan, boxes[:, 3])


def speaking_face(faces: FaceTracks, start_s: float, end_s: float) -> tuple[str | None, str]:
    """The face whose mouth moves while someone speaks between the two times, and why (or why not)."""
    face, why, _ = _mouth_evidence(faces, start_s, end_s)
    return face, why


def _mouth_evidence(faces: FaceTracks, start_s: float, end_s: float) -> tuple[str | None, str, float]:
    """`speaking_face` with its evidence: how far the speaking face's mouth activity leads the next face's
    (lip opening / face height std, the lead over MOUTH_MOVES with one face); 0 without a face."""
    if not len(faces.times):  # no sampled frame at all: an audio file (`segments` passes FaceTracks(np.zeros(0)))
        return None, "the clip has no video", 0.0
    visible = faces.visible(start_s, end_s)
    if not visible:
        return None, "no face is on screen: an off-screen voice", 0.0
    if faces.mouth_note:
        return None, faces.mouth_note, 0.0
    moving = sorted(((a, fid) for fid in visible if (a := faces.mouth_activity(fid, start_s, end_s)) is not None),
                    key=lambda m: (-m[0], m[1]))
    if not moving:
        return None, "too few frames with a measured mouth", 0.0
    if moving[0][0] < MOUTH_MOVES:
        return None, faces.too_few_to_be_still([fid for _, fid in moving], start_s, end_s) or \
            "no visible mouth moves: the voice may be off-screen", 0.0
    if len(moving) > 1 and moving[0][0] < MOUTH_LEADS * moving[1][0]:
        return None, f"the mouths of {moving[0][1]} and {moving[1][1]} move alike", 0.0
    lead = moving[0][0] - (moving[1][0] if len(moving) > 1 else MOUTH_MOVES)
    return moving[0][1], f"{moving[0][1]}'s mouth moves while the voice speaks", float(lead)


def link_voices(segments: list[tuple[float, float, str | None]], faces: FaceTracks) -> dict[str, tuple[str | None, str]]:
    """Each voice's face over its utterances ((start, end, voice) each), with the reason.

    The face whose mouth moves while the voice speaks, utterance by utterance (`speaking_face`); where the
    utterances name more than one face, the one with the most mouth-movement evidence (summed over the
    utterances it is named in: how far its mouth activity leads the next face's) wins, then the one named
    most often, then the first id: the same answer on every run (no set order). Where two voices get the
    same face, each reason says so (one of the two links is wrong, or the two voices are one person's)."""
    votes: dict[str, list[tuple[str | None, str, float]]] = {}
    for start, end, voice in segments:
        if voice is not None:
            votes.setdefault(voice, []).append(_mouth_evidence(faces, start, end))
    linked: dict[str, tuple[str | None, str]] = {}
    for voice, found in votes.items():
        named = [(fid, lead) for fid, _, lead in found if fid is not None]
        if named:
            evidence = {fid: sum(lead for f, lead in named if f == fid) for fid, _ in named}
            count = Counter(fid for fid, _ in named)
            best = min(evidence, key=lambda fid: (-round(evidence[fid], 6), -count[fid], fid))
            why = f"{best}'s mouth moves in {count[best]} of {len(found)} utterance(s) of voice {voice}"
            others = [f"{fid} in {count[fid]}" for fid in sorted(evidence) if fid != best]
            if others:
                why += (f" (also {', '.join(others)}; {best}'s mouth movement leads more: "
                        f"{evidence[best]:.3f} against {max(v for f, v in evidence.items() if f != best):.3f})")
            linked[voice] = (best, why)
        else:
            linked[voice] = (None, Counter(why for _, why, _ in found).most_common(1)[0][0])  # first seen on a tie
    by_face: dict[str, list[str]] = {}
    for voice, (fid, _) in linked.items():
        if fid is not None:
            by_face.setdefault(fid, []).append(voice)
    for fid, voices in by_face.items():
        if len(voices) > 1:
            for voice in voices:
                also = ", ".join(v for v in voices if v != voice)
                face, why = linked[voice]
                linked[voice] = (face, f"{why}; note: voice {also} is linked to the same face {fid} (two voices, one face: "
                                       "one link is wrong, or the voices are one person's)")
    return linked


def unattributed_face(faces, start_s: float, end_s: float, speaker_face: str | None, link: str = "") -> str | None:
    """Why the faces on screen between two times cannot stand for the speaker's (None: the speaker's
    face is identified and on screen, no face is on screen, or one face is and the picture cannot say
    whether it speaks). `faces` is a `saber_agent.speakers.FaceTracks`; `link` why the voice has no face.

    The face tool reads the main face (the largest, most persistent): with two or more faces on screen
    and none identified by its moving mouth, or one face whose measured mouth stays closed while the
    voice speaks (an off-screen voice), its reading would be given to the speaker without evidence."""
    visible = faces.visible(start_s, end_s)
    if not visible:
        return None
    if speaker_face is not None:
        return None if speaker_face in visible else f"the speaker's face {speaker_face} is not on screen in this utterance"
    why = speaking_face(faces, start_s, end_s)[1]
    if len(visible) == 1:
        return f"the one face on screen is not the speaker's: {why}" if why.startswith("no visible mouth moves") else None
    return f"{len(visible)} faces are on screen and none is identified as the speaker's: {link or why}"


def main_face_elsewhere(main, faces, speaker_face: str, start_s: float, end_s: float) -> str | None:
    """Why the face tool's main face (`main`, a `facetrack.FaceTrack` of the utterance's window) is not
    the speaker's identified face (None: it is, or it cannot be told): their median boxes overlap by
    under 0.3 of their union. The reason names both faces: the speaker's, and the one the tool reads."""
    from saber_agent.plugins.facetrack import iou

    if main is None or not main.found.any():
        return None
    inside = (faces.times >= start_s) & (faces.times < end_s)
    mine = faces.boxes[speaker_face][inside]
    mine = mine[~np.isnan(mine[:, 0])]
    if not len(mine):
        return None
    main_box = np.median(main.boxes[main.found], axis=0)
    if iou(main_box, np.median(mine, axis=0)) >= 0.3:
        return None
    # which tracked face the tool reads instead: named, so that the speaker's identified face is not
    # confused with it (two faces of one size: "the largest" says nothing)
    other = "another face"
    for fid, boxes in faces.boxes.items():
        seen = boxes[inside][~np.isnan(boxes[inside][:, 0])]
        if fid != speaker_face and len(seen) and iou(main_box, np.median(seen, axis=0)) >= 0.3:
            other = fid
            break
    return (f"the speaker's face is {speaker_face}, identified by its moving mouth, but the face tool reads {other} "
            "(its main face, the largest and most persistent)")


__all__ = ["MIN_STILL_FRAMES", "FaceTracks", "link_voices", "main_face_elsewhere", "speaking_face", "track_all_faces", "unattributed_face"]
