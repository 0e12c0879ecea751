"""Clips built frame by frame with numpy from scikit-image photographs, encoded by ffmpeg.

Used by the scene and body tests to make motion whose timing and direction are known exactly
(a head that nods or shakes, a hand that moves only between two times, a cut between two stills).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

SIZE = (640, 360)  # width, height


def write_frames(path: str | Path, frames: Iterable[np.ndarray], fps: int = 25, size: tuple[int, int] = SIZE) -> Path:
    """An H.264 MP4 of RGB uint8 frames (h, w, 3), piped to ffmpeg as raw video."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise RuntimeError("ffmpeg is not installed (apt-get install ffmpeg)")
    path = Path(path)
    w, h = size
    cmd = [ffmpeg, "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-r", str(fps),
           "-i", "-", "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p", str(path)]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    for frame in frames:
        proc.stdin.write(np.ascontiguousarray(frame, dtype=np.uint8).tobytes())
    proc.stdin.close()
    err = proc.stderr.read().decode()
    if proc.wait() != 0:
        raise RuntimeError(f"ffmpeg failed: {err[-500:]}")
    return path


def fit(image: np.ndarray, size: tuple[int, int] = SIZE) -> np.ndarray:
    """`image` scaled and centre-cropped to fill `size` (w, h)."""
    import cv2

    w, h = size
    scale = max(w / image.shape[1], h / image.shape[0])
    resized = cv2.resize(image, (round(image.shape[1] * scale), round(image.shape[0] * scale)), interpolation=cv2.INTER_AREA)
    y0, x0 = (resized.shape[0] - h) // 2, (resized.shape[1] - w) // 2
    return resized[y0:y0 + h, x0:x0 + w].copy()


def portrait(size: tuple[int, int] = SIZE) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """The astronaut photo, 360 px tall, on a dark grey canvas; and its face box (x, y, w, h) there."""
    import cv2
    from skimage import data

    w, h = size
    canvas = np.full((h, w, 3), 40, np.uint8)
    photo = cv2.resize(data.astronaut(), (h, h), interpolation=cv2.INTER_AREA)
    x0 = (w - h) // 2
    canvas[:, x0:x0 + h] = photo
    s = h / 512  # the face in the 512 px photo is at (177, 67, 93, 93)
    return canvas, (round(177 * s) + x0, round(67 * s), round(93 * s), round(93 * s))


def moving_head(kind: str, seconds: float = 4.0, fps: int = 25, hz: float = 1.0, amplitude: float = 0.2) -> list[np.ndarray]:
    """Frames of the portrait whose head patch oscillates vertically ("nod") or horizontally ("shake").

    `amplitude` is the peak displacement as a fraction of the face's size.
    """
    canvas, (fx, fy, fw, fh) = portrait()
    x0, y0 = max(0, fx - fw // 2), max(0, fy - fh // 2)
    x1, y1 = fx + fw + fw // 2, fy + fh + fh // 3
    patch = canvas[y0:y1, x0:x1].copy()
    frames = []
    for i in range(int(seconds * fps)):
        offset = int(round(amplitude * fw * np.sin(2 * np.pi * hz * i / fps)))
        dx, dy = (0, offset) if kind == "nod" else (offset, 0)
        frame = canvas.copy()
        frame[y0 + dy:y1 + dy, x0 + dx:x1 + dx] = patch
        frames.append(frame)
    return frames


def moving_patch(
    background: np.ndarray, patch: np.ndarray, where: Callable[[float], tuple[int, int]], seconds: float, fps: int = 25,
) -> list[np.ndarray]:
    """Frames of `background` with `patch` drawn at where(t) = (x, y) at each time t."""
    frames = []
    ph, pw = patch.shape[:2]
    for i in range(int(seconds * fps)):
        x, y = where(i / fps)
        frame = background.copy()
        frame[y:y + ph, x:x + pw] = patch
        frames.append(frame)
    return frames


def leaning(seconds: float = 4.0, fps: int = 25, growth: float = 0.3) -> list[np.ndarray]:
    """A head-and-shoulders crop of the astronaut on a still, textured background (the coffee photo),
    growing by `growth` over the clip about its face: the person leans toward a still camera."""
    import cv2
    from skimage import data

    background = fit(data.coffee())
    person = cv2.resize(data.astronaut()[20:330, 110:350], (160, 206), interpolation=cv2.INTER_AREA)
    frames = []
    for i in range(int(seconds * fps)):
        scale = 1.0 + growth * i / (seconds * fps)
        grown = cv2.resize(person, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)
        h, w = grown.shape[:2]
        x0, y0 = 320 - w // 2, 20
        frame = background.copy()
        frame[y0:y0 + min(h, 360 - y0), x0:x0 + w] = grown[: 360 - y0]
        frames.append(frame)
    return frames


def zooming(image: np.ndarray, seconds: float = 6.0, fps: int = 25, zoom: float = 0.25) -> list[np.ndarray]:
    """`image` with a camera zooming in about the frame's centre by `zoom` over the clip."""
    import cv2

    h, w = image.shape[:2]
    n = int(seconds * fps)
    return [cv2.warpAffine(image, cv2.getRotationMatrix2D((w / 2, h / 2), 0, 1.0 + zoom * i / n), (w, h),
                           borderMode=cv2.BORDER_REPLICATE) for i in range(n)]
