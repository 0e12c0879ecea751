"""Whether the picture changes between sampled frames: one measurement per clip, shared by every tool.

In the foundation (it was plugins/picture_change.py, which re-exports it) so that every reader computes it on
demand, whatever subset of tools runs: with `--plugins face,prosody` no frame tool measured it, and the
second-look rule (`reperception_rule.picture_still`) took an 8 fps look at a still picture.

The second-look rule (`reperception.plan`: no frame-rate look on a still picture), the body tool (`motion`:
gesture activity, `body_still`: no nod or shrug on a still image), the scene tool ("the picture is static")
and the speakers' face tracks (a still picture's faces are found once, and its
mouths cannot tell who speaks) all ask the same question; they read this one answer, computed on first use
and cached in ``clip.extras[PICTURE_CHANGE_KEY]`` (as the shot changes and the face track are).

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
`motion_camera.rigid_shift`'s own copy of the change mask (tests/test_picture_change.py, tests/test_scene.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FLOW_SIDE = 192  # frames are measured with this many pixels on their longer side
CHANGE_LEVEL = 15  # grey levels (of 255) of change that count, above compression noise
PICTURE_CHANGE_KEY = "picture_change"  # the clip.extras key of the cached decision
BETWEEN_KEY = "_picture_between_samples"  # the clip.extras key of the decode's `BetweenSamples.result()`
STILL_SHARE = 2e-4  # share of a pair's pixels changed by more than CHANGE_LEVEL below which it is the same picture


@dataclass
class PictureChange:
    """The clip's grey frames and how much of the picture changes between consecutive ones."""

    grey: np.ndarray  # (n, h, w) uint8 grey frames, longer side FLOW_SIDE (motion's optical flow reads them)
    blurred: np.ndarray  # (n, h, w) uint8, the same blurred 5x5
    scale: float  # pixels of `grey` per pixel of clip.frames
    changed: np.ndarray  # (n-1,) share (0..1) of pixels changed by more than CHANGE_LEVEL from frame i to i+1
    # (n,) bool: a decoded frame after sampled frame i (before i+1, or the end) differed from it (`BetweenSamples`);
    # None where the decode did not watch (a window, frames made in memory, a file thinned while decoding)
    between: np.ndarray | None = None

    @property
    def still_pairs(self) -> np.ndarray:
        """(n-1,) bool: the pair shows the same picture, and so did every decoded frame between them."""
        still = self.changed < STILL_SHARE
        return still if self.between is None else still & ~self.between[:-1]

    @property
    def still(self) -> bool:
        """No pair of sampled frames differs beyond compression noise, nor any decoded frame from the sampled one
        before it (a still image; one frame is still)."""
        return bool(self.still_pairs.all()) and not (self.between is not None and self.between.any())

    @property
    def decided(self) -> bool | None:
        """Whether the picture is still, as evidence: None (unknown) for fewer than two sampled frames, which
        show no pair to compare (the trial's 0.5 s short.mp4, one frame: its 8 fps look, 4 frames, was refused
        as 'a still image'), unless the decode saw a change after the one frame (False)."""
        if len(self.changed) == 0:
            return False if self.between is not None and self.between.any() else None
        return self.still


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


def measure(frames: np.ndarray, between: np.ndarray | None = None) -> PictureChange:
    """The picture change of RGB frames ``(n, H, W, 3)`` uint8 (n >= 0); `between`: (n,) bool, the decode's
    `BetweenSamples.result()` for these frames (ignored unless it has one entry per frame)."""
    import cv2

    if between is not None and len(between) != len(frames):
        between = None
    if not len(frames):
        empty = np.zeros((0, 8, 8), np.uint8)
        return PictureChange(empty, empty, 1.0, np.zeros(0))
    grey, scale = grey_frames(frames)
    blurred = np.stack([cv2.GaussianBlur(g, (5, 5), 0) for g in grey])
    changed = np.array([changed_share(blurred[i], blurred[i + 1]) for i in range(len(blurred) - 1)], dtype=np.float64)
    return PictureChange(grey, blurred, scale, changed, between)


def picture_change(clip) -> PictureChange:
    """The clip's picture change (`saber_agent.media.Clip`), computed on first call and cached in ``clip.extras``."""
    return clip.shared(PICTURE_CHANGE_KEY, lambda: measure(clip.frames, clip.extras.get(BETWEEN_KEY)))


_LUMA_FIRST = {"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "yuv440p", "yuvj440p", "yuv411p",
               "yuv410p", "yuva420p", "nv12", "nv21", "gray"}  # 8-bit formats whose first plane is the luma


class BetweenSamples:
    """Watches, while `saber_agent.media.decode` decodes every frame, the frames it does not sample: a change that
    falls wholly between two sampled frames (a face shown for 0.28 s of a static 4 s picture at 2 fps sampling,
    tests/test_reperception.py `glimpse_clip`) is otherwise unseen, and the picture was called still. Each decoded
    frame is compared with the sampled frame before it by the rule of `measure` (share of pixels > CHANGE_LEVEL
    >= STILL_SHARE) on its luma, about FLOW_SIDE pixels on the longer side (`_small_grey`), blurred 5x5. Once a gap
    has changed, its other frames are skipped: footage that moves costs about one comparison per sampled frame."""

    def __init__(self) -> None:
        self.reference: np.ndarray | None = None
        self.flags: list[bool] = []  # per sampled frame: a later unsampled frame differed from it
        self.known = True
        self.compared = 0  # frames compared (for the cost)

    def kept(self, frame) -> None:
        """A sampled frame (an `av.VideoFrame`): the reference for the frames after it."""
        if self.known:
            self.reference = _small_grey(frame, None)
            self.flags.append(False)

    def skipped(self, frame) -> None:
        """A decoded frame that is not sampled."""
        if not self.known or self.reference is None or self.flags[-1]:
            return
        self.compared += 1
        if changed_share(_small_grey(frame, self.reference.shape), self.reference) >= STILL_SHARE:
            self.flags[-1] = True

    def lost(self) -> None:
        """The sampled frames were thinned after the fact (a file without a declared duration): the gaps are unknown."""
        self.known = False

    def result(self) -> np.ndarray | None:
        """(n,) bool per sampled frame, or None when unknown."""
        return np.asarray(self.flags, bool) if self.known else None


def _small_grey(frame, shape: tuple[int, int] | None) -> np.ndarray:
    """The blurred (5x5) grey picture of an `av.VideoFrame`, about FLOW_SIDE pixels on its longer side (or `shape`).
    The luma plane is read in place and subsampled with a stride (an area resize of a 720p plane took 2-6 ms a frame
    here, the stride 0.2 ms); the blur then averages each pixel over a 5x5 neighbourhood of samples."""
    import cv2

    w, h = frame.width, frame.height
    stride = max(1, round(max(w, h) / FLOW_SIDE))
    if frame.format.name in _LUMA_FIRST:
        plane = frame.planes[0]
        small = np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)[:h:stride, :w:stride]
    else:  # packed RGB, 10-bit, palette ...: let libswscale make the small grey picture
        small = frame.reformat(width=max(8, w // stride), height=max(8, h // stride), format="gray").to_ndarray()
    if shape is not None and small.shape != shape:  # the stream changed size: compare at the reference's
        small = cv2.resize(np.ascontiguousarray(small), (shape[1], shape[0]), interpolation=cv2.INTER_AREA)
    return cv2.GaussianBlur(np.ascontiguousarray(small), (5, 5), 0)


__all__ = [
    "BETWEEN_KEY", "CHANGE_LEVEL", "FLOW_SIDE", "PICTURE_CHANGE_KEY", "STILL_SHARE", "BetweenSamples", "PictureChange",
    "changed_share", "grey_frames", "measure", "picture_change",
]
