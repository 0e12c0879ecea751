"""Whether the picture changes between sampled frames: one measurement per clip, shared by every tool.

The body tool (`motion`: gesture activity, `body_still`: no nod or shrug on a still image), the scene tool
("the picture is static") and the speakers' face tracks (a still picture's faces are found once, and its
mouths cannot tell who speaks) all ask the same question; they read this one answer, computed on first use
and cached in ``clip.extras["picture_change"]`` (as the shot changes and the face track are).

- frames: grey (OpenCV's RGB -> grey, Rec. 601 luma, 0-255), area-downscaled so the longer side is
  `FLOW_SIDE` pixels (the size motion's optical flow runs at), then blurred (5x5 Gaussian);
- `changed`, per consecutive pair (i, i+1): the share (0..1) of pixels whose grey level differs by more
  than `CHANGE_LEVEL` (15/255: above re-encoding noise), the whole picture, camera not undone;
- a pair shows the same picture when `changed` < `STILL_SHARE` (2e-4: ~4 pixels of a 192x108 frame). A
  head nod of 0.06 face heights changes hundreds of them (the face's edges move by a pixel or more); an
  H.264-encoded still image changes none (tests/test_body_still.py, the astronaut photo; the trial's
  sideways_notag.mp4). A clip is still when every pair is (a clip of one frame is).

Replaces four rules that disagreed on the same clip: motion's (this one), the speakers' mean absolute
change of the RGB mean < 0.5 levels over the clip (a 24x8 pixel mouth opening and closing in a clean 640x360
still changes it by under 0.1: read as still; a VP9 still, the trial's browser_vp9_sad.webm, by 0.97: read
as moving), the scene's mean frame-difference energy < 0.004 for "static" (the same mouth, and the trial's
browser_live_happy.webm and gradio_a_thanks.mp4, whose pictures change, read as static), and
`motion.rigid_shift`'s own copy of the change mask (tests/test_picture_change.py, tests/test_scene.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FLOW_SIDE = 192  # frames are measured with this many pixels on their longer side
CHANGE_LEVEL = 15  # grey levels (of 255) of change that count, above compression noise
STILL_SHARE = 2e-4  # share of a pair's pixels changed by more than CHANGE_LEVEL below which it is the same picture


@dataclass
class PictureChange:
    """The clip's grey frames and how much of the picture changes between consecutive ones."""

    grey: np.ndarray  # (n, h, w) uint8 grey frames, longer side FLOW_SIDE (motion's optical flow reads them)
    blurred: np.ndarray  # (n, h, w) uint8, the same blurred 5x5
    scale: float  # pixels of `grey` per pixel of clip.frames
    changed: np.ndarray  # (n-1,) share (0..1) of pixels changed by more than CHANGE_LEVEL from frame i to i+1

    @property
    def still_pairs(self) -> np.ndarray:
        """(n-1,) bool: the pair shows the same picture."""
        return self.changed < STILL_SHARE

    @property
    def still(self) -> bool:
        """No pair of sampled frames differs beyond compression noise (a still image; one frame is still)."""
        return bool(self.still_pairs.all())


def grey_frames(frames: np.ndarray, side: int = FLOW_SIDE) -> tuple[np.ndarray, float]:
    """Downscaled grey frames ``(n, h, w)`` uint8 of RGB frames ``(n, H, W, 3)``, and the scale factor from clip pixels."""
    import cv2

    h, w = frames.shape[1:3]
    scale = min(1.0, side / max(h, w))
    size = (max(8, round(w * scale)), max(8, round(h * scale)))
    out = np.stack([cv2.resize(cv2.cvtColor(f, cv2.COLOR_RGB2GRAY), size, interpolation=cv2.INTER_AREA) for f in frames])
    return out, size[0] / w


def changed_share(a: np.ndarray, b: np.ndarray) -> float:
    """Share (0..1) of the pixels of two grey frames of one size whose level differs by more than CHANGE_LEVEL."""
    return float((np.abs(a.astype(np.int16) - b.astype(np.int16)) > CHANGE_LEVEL).mean())


def measure(frames: np.ndarray) -> PictureChange:
    """The picture change of RGB frames ``(n, H, W, 3)`` uint8 (n >= 0)."""
    import cv2

    if not len(frames):
        empty = np.zeros((0, 8, 8), np.uint8)
        return PictureChange(empty, empty, 1.0, np.zeros(0))
    grey, scale = grey_frames(frames)
    blurred = np.stack([cv2.GaussianBlur(g, (5, 5), 0) for g in grey])
    changed = np.array([changed_share(blurred[i], blurred[i + 1]) for i in range(len(blurred) - 1)], dtype=np.float64)
    return PictureChange(grey, blurred, scale, changed)


def picture_change(clip) -> PictureChange:
    """The clip's picture change (`saber_agent.media.Clip`), computed on first call and cached in ``clip.extras``."""
    return clip.shared("picture_change", lambda: measure(clip.frames))


__all__ = ["CHANGE_LEVEL", "FLOW_SIDE", "STILL_SHARE", "PictureChange", "changed_share", "grey_frames", "measure", "picture_change"]
