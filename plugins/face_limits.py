"""How small a face the shared face track (saber_agent.plugins.facetrack) can find, so that a clip where it finds
none says "no face was found" with the detector's limit, not "no face is visible" (trial D's tiny_face.mp4: one
small face in a 1920x1080 wide shot, decoded at 640x360, where every detector here misses it).

The smallest face found, as a share of the analysed frame's shorter side (faces are boxes about brow to chin):

- ``opencv-haar``: the cascade's 24 px window (`facetrack.WINDOW`) on frames scaled to a 240 px short side
  (`facetrack.DETECT_SHORT_SIDE`): 0.1 of the short side (36 px of 640x360, 108 px of 1920x1080);
- ``mediapipe-blazeface-tiled``: BlazeFace on the frame and its half-short-side tiles (plugins/landmarks.py). Measured
  here on scikit-image's astronaut face pasted at 14-48 px into a 640x360 sky-and-grass frame: the smallest found
  was a 24 px box (25 px not found, 28 px found): about 0.07 of the short side (25 px of 640x360, 75 px of 1920x1080).

Faces smaller than this in the analysed frames are missed; a file larger than the analysed frames (DecodeSettings
.max_side, 640 by default) holds them at more pixels, but the detectors scale frames down to the sizes above, so
decoding larger alone does not find them.
"""

from __future__ import annotations

from typing import Any

from saber_agent.plugins.facetrack import DETECT_SHORT_SIDE, WINDOW

SMALLEST_FACE_SHARE = {  # of the analysed frame's shorter side
    "opencv-haar": WINDOW / DETECT_SHORT_SIDE,
    "mediapipe-blazeface-tiled": 25 / 360,
}


def face_limit(detector: str | None, frame_size: tuple[int, int], source_size: tuple[int, int] | None = None) -> dict[str, Any] | None:
    """The smallest face `detector` finds: ``{"detector", "smallest_px", "frame", "smallest_source_px", "source"}``
    (pixels tall in the analysed frames (w, h) and in the file's picture), or None for a detector not measured."""
    share = SMALLEST_FACE_SHARE.get(str(detector or ""))
    if share is None or not frame_size or min(frame_size) <= 0:
        return None
    limit: dict[str, Any] = {"detector": detector, "smallest_px": round(share * min(frame_size)), "frame": list(frame_size)}
    if source_size and min(source_size) > 0 and tuple(source_size) != tuple(frame_size):
        limit.update(smallest_source_px=round(share * min(source_size)), source=list(source_size))
    return limit


def clip_face_limit(clip, detector: str | None) -> dict[str, Any] | None:
    """`face_limit` for a decoded `saber_agent.media.Clip`: its analysed frames' size and its file's picture
    (``ClipInfo.source_width`` / ``source_height``, where known)."""
    info = clip.info
    source = (info.source_width, info.source_height) if info.source_width and info.source_height else None
    h, w = clip.frames.shape[1:3]
    return face_limit(detector, (int(w), int(h)), source)


def no_face_words(limit: dict[str, Any] | None, maybe_there: bool = True) -> str:
    """'No face was found: the face detector misses faces under about 25 px tall in the analysed 640x360 frames (75 px
    in the file's 1920x1080 picture), so a small or distant face may be there' (that tail left out when not `maybe_there`:
    a finer search says more); without a known limit, 'No face was found'."""
    if not limit:
        return "No face was found"
    w, h = limit["frame"]
    where = f"about {limit['smallest_px']} px tall in the analysed {w}x{h} frames"
    if limit.get("source"):
        sw, sh = limit["source"]
        where += f" ({limit['smallest_source_px']} px in the file's {sw}x{sh} picture)"
    tail = ", so a small or distant face may be there" if maybe_there else ""
    return f"No face was found: the face detector misses faces under {where}{tail}"


def file_scale(limit: dict[str, Any] | None) -> float | None:
    """File pixels per analysed pixel, from a `face_limit` with a source size; None without one."""
    if not limit or not limit.get("source"):
        return None
    return min(limit["source"]) / min(limit["frame"])


__all__ = ["SMALLEST_FACE_SHARE", "clip_face_limit", "face_limit", "file_scale", "no_face_words"]
