"""A finer search for small faces on a few frames, when the shared face track found none (coarse to fine).

The tiled BlazeFace detector (plugins/landmarks.py) looks at the whole frame and at tiles of the full and half short
side: BlazeFace sees each at 128x128, so a face under about 0.07 of the short side (25 px of 640x360) is too small
(plugins/face_limits.py). One more level of the same image pyramid, tiles of a quarter of the short side (90 px of
640x360, overlapping by half: 98 tiles), sees faces down to about 12 px. It is run only where the track found no face
at all, on `FINE_FRAMES` frames spread over the clip, skipping flat tiles (`FLAT_RANGE`); each face it finds must be
confirmed by the face mesh
(`landmarks.mesh_confirms`: small tiles show texture that scores like a face) before it counts.

Measured here (2 busy cores; scikit-image's astronaut head pasted at 10-24 px into a 640x360 sky-and-grass frame):
faces of 12-24 px found and confirmed (10 px not; the default levels find 28 px and up); on six face-less
scikit-image pictures one fine-level hit (hubble_deep_field), which the mesh rejects; 0.3-0.9 s a 640x360 frame,
0.8 s a 1920x1080 one (the tiles are cut from the frame as is). Trial D's tiny_face.mp4 holds a face about 14 px
tall in its 1920x1080 picture, 5 px in the 640x360 analysed frames: this finds it at neither size.
The finds are evidence that a small face is there, for the scene's text; they are not added to the face track
(the expression models need a larger face, and the face tool reads the track).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

FINE_FRAMES = 3  # frames searched, evenly spread
FINE_TILE_DIV = 4  # tile side = short side / this
FINE_KEY = "face_fine_search"  # clip.extras key: one search per clip, shared
FLAT_RANGE = 24  # grey levels: a tile whose darkest and brightest pixels differ by less is flat (sky, wall): no face


def fine_faces(detector, frame: np.ndarray) -> np.ndarray:
    """Faces in one RGB frame ``(h, w, 3)`` found on quarter-short-side tiles and confirmed by the face mesh:
    ``(k, 4)`` x, y, w, h in its pixels. `detector`: a `landmarks.MediaPipeFaceDetector`."""
    from saber_agent.plugins import landmarks

    image = landmarks.brighten(landmarks._rgb(frame))
    h, w = image.shape[:2]
    side = min(h, w) // FINE_TILE_DIV
    if side < landmarks.TILE_MIN // 2:
        return np.zeros((0, 4))
    found = []
    grey = image.mean(axis=2)
    for x, y in landmarks.grid(h, w, side):  # the tiles of the detector's levels (landmarks._tiles), a level finer
        if np.ptp(grey[y:y + side, x:x + side]) < FLAT_RANGE:  # nothing there (half of a sky-and-grass wide shot)
            continue
        for score, box in detector._run(image[y:y + side, x:x + side], landmarks.TILE_MIN_SCORE):
            box[:2] += (x, y)
            found.append((score, box))
    boxes = landmarks.merge(found)
    return np.asarray([b for b in boxes if landmarks.mesh_confirms(image, b)], dtype=np.float64).reshape(-1, 4)


def fine_search(clip, detector_name: str) -> dict[str, Any] | None:
    """The finer search on a clip whose face track (by `detector_name`) found no face: ``{"frames_checked",
    "frames_with_face", "face_px" (median height, analysed pixels), "t" (times with a face), "seconds"}``; None when
    it cannot run (not the tiled MediaPipe detector, or MediaPipe missing). Cached in ``clip.extras``."""
    if detector_name != "mediapipe-blazeface-tiled" or not clip.has_video:
        return None
    from saber_agent.plugins import landmarks

    if landmarks.missing() is not None:
        return None

    def search() -> dict[str, Any]:
        start = time.perf_counter()
        detector = landmarks.face_detector()
        picks = np.unique(np.linspace(0, len(clip.frames) - 1, min(FINE_FRAMES, len(clip.frames))).round().astype(int))
        heights, times = [], []
        for i in picks:
            boxes = fine_faces(detector, clip.frames[i])
            if len(boxes):
                heights += [float(b[3]) for b in boxes]
                times.append(round(float(clip.frame_times[i]), 3))
        return {"frames_checked": int(len(picks)), "frames_with_face": len(times), "t": times,
                "face_px": round(float(np.median(heights)), 1) if heights else None,
                "seconds": round(time.perf_counter() - start, 2)}

    return clip.shared(FINE_KEY, search)


def fine_words(fine: dict[str, Any] | None, scale: float | None = None) -> str | None:
    """A sentence on what the finer search found, or None when it found nothing. `scale`: file pixels per analysed
    pixel (the face's size in the file is added when it is not 1)."""
    if not fine or not fine.get("frames_with_face"):
        return None
    size = f"about {fine['face_px']:.0f} px tall"
    if scale and abs(scale - 1) > 0.01:
        size += f" ({fine['face_px'] * scale:.0f} px in the file's picture)"
    return (f"A finer search of {fine['frames_checked']} frame(s) found a small face, {size}, in {fine['frames_with_face']} "
            "of them, too small for the face track that reads expressions.")


__all__ = ["FINE_FRAMES", "FINE_KEY", "FINE_TILE_DIV", "fine_faces", "fine_search", "fine_words"]
