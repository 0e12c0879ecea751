"""A labelled set of clips for the shot-change detector (plugins/shots.py), built with ffmpeg from images
that ship in packages the tests already use (scikit-image's photographs, matplotlib's grace_hopper.jpg).

    .venv/bin/python bench/shots_set.py OUT_DIR      # writes OUT_DIR/*.mp4 and OUT_DIR/labels.json

Every clip is 640x360, 25 fps, H.264; within each shot the picture is never frozen (a head bobs, sensor
noise), as in real footage. `labels.json` maps each clip to {"cuts": [...], "kind": ..., "split": ...}: a cut
is a time in seconds (most at x.2 s so that, at the tools' 2 fps sampling, one pair of sampled frames
straddles each), a gradual change (a fade through black) the [start, end] of its transition.

Kinds: `same_colour_cut` (two crops of one photo, a cut-in, two talking heads in front of the same wall,
shot / reverse shot, a 1 s shot, a still cut between two framings), `colour_cut` (two different photos),
`flash_cut` (a shot one sampled frame long: one 25 fps frame that lands on a sampled one, or 0.4 s: two
cuts), `fade_cut` (a fade or a dip through black between two shots, the black on a sampled frame or
between two), `non_cut` (pans, zooms, a hand gesture, fades to black and back to the same shot, a flash
(white frames too) and a lighting change, camera shake, a still sliding to and fro (at 2 fps: one-frame
jumps), a stereo camera move, low-bitrate compression, interlaced broadcast). Broadcast convention: a
transition between two shots is a boundary, a flash or a fade within one shot is not. Media are never
committed: this script is the set.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

W, H, FPS = 640, 360, 25
RNG = np.random.default_rng(7)


def write(path: Path, frames: list[np.ndarray], fps: int = FPS, extra: tuple[str, ...] = ("-crf", "20"),
          vf: str | None = None) -> Path:
    """An H.264 MP4 of RGB frames piped to ffmpeg; `extra`: encoder options (bitrate, interlacing)."""
    cmd = [shutil.which("ffmpeg") or "ffmpeg", "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24",
           "-s", f"{W}x{H}", "-r", str(fps), "-i", "-"]
    cmd += ["-vf", vf] if vf else []
    cmd += ["-c:v", "libx264", "-preset", "veryfast", *extra, "-pix_fmt", "yuv420p", str(path)]
    proc = subprocess.run(cmd, input=b"".join(np.ascontiguousarray(f, np.uint8).tobytes() for f in frames), capture_output=True)
    if proc.returncode:
        raise RuntimeError(proc.stderr.decode()[-400:])
    return path


def resize(image: np.ndarray, w: int, h: int) -> np.ndarray:
    import cv2

    return cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA if w < image.shape[1] else cv2.INTER_CUBIC)


def fit(image: np.ndarray, w: int = W, h: int = H) -> np.ndarray:
    """`image` scaled and centre-cropped to fill w x h."""
    s = max(w / image.shape[1], h / image.shape[0])
    big = resize(image, round(image.shape[1] * s), round(image.shape[0] * s))
    y0, x0 = (big.shape[0] - h) // 2, (big.shape[1] - w) // 2
    return big[y0:y0 + h, x0:x0 + w]


def noisy(frame: np.ndarray, sigma: float = 3.0) -> np.ndarray:
    return np.clip(frame.astype(np.float32) + RNG.normal(0, sigma, frame.shape), 0, 255).astype(np.uint8)


def shift(image: np.ndarray, dx: float, dy: float, scale: float = 1.0, angle: float = 0.0) -> np.ndarray:
    """`image` moved by (dx, dy) px, scaled and rotated (degrees) about its centre, borders replicated."""
    import cv2

    m = cv2.getRotationMatrix2D((image.shape[1] / 2, image.shape[0] / 2), angle, scale)
    m[:, 2] += (dx, dy)
    return cv2.warpAffine(image, m, (image.shape[1], image.shape[0]), borderMode=cv2.BORDER_REPLICATE)


def wall(offset: int = 0, tint: tuple[int, int, int] = (222, 200, 168)) -> np.ndarray:
    """A brick wall (beige by default) 640x360 seen from `offset` px to the right (the wall is 1400 px wide)."""
    from skimage import data

    brick = resize(data.brick(), 700, 700).astype(np.float32) / 255.0
    tiled = np.concatenate([brick, brick[:, ::-1]], axis=1)[170:530]  # 1400 x 360
    return (np.array(tint, np.float32) * (0.75 + 0.35 * tiled[..., None]))[:, offset:offset + W].clip(0, 255).astype(np.uint8)


def head(which: str, height: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """A head-and-shoulders cut-out (RGB, alpha 0..1) `height` px tall: "astronaut" or "hopper"."""
    import cv2
    from skimage import data

    if which == "astronaut":
        photo = data.astronaut()[10:330, 120:390]
    else:
        import matplotlib

        path = os.path.join(os.path.dirname(matplotlib.__file__), "mpl-data", "sample_data", "grace_hopper.jpg")
        photo = cv2.cvtColor(cv2.imread(path), cv2.COLOR_BGR2RGB)[20:560, 60:500]
    photo = resize(photo, round(photo.shape[1] * height / photo.shape[0]), height)
    h, w = photo.shape[:2]
    alpha = np.zeros((h, w), np.float32)
    cv2.ellipse(alpha, (w // 2, int(h * 0.42)), (int(w * 0.30), int(h * 0.42)), 0, 0, 360, 1.0, -1)
    cv2.ellipse(alpha, (w // 2, h), (w // 2, int(h * 0.35)), 0, 0, 360, 1.0, -1)  # shoulders
    return photo, cv2.GaussianBlur(alpha, (9, 9), 0)


def paste(background: np.ndarray, cutout: tuple[np.ndarray, np.ndarray], x: int, y: int) -> np.ndarray:
    photo, alpha = cutout
    out = background.astype(np.float32).copy()
    h, w = photo.shape[:2]
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, W), min(y + h, H)
    a = alpha[y0 - y:y1 - y, x0 - x:x1 - x, None]
    out[y0:y1, x0:x1] = a * photo[y0 - y:y1 - y, x0 - x:x1 - x] + (1 - a) * out[y0:y1, x0:x1]
    return out.astype(np.uint8)


def talking(background: np.ndarray, who: str, x: int, seconds: float, height: int = 300) -> list[np.ndarray]:
    """A talking head: the cut-out bobs a few px and sways while sensor noise runs."""
    cut = head(who, height)
    frames = []
    for i in range(int(seconds * FPS)):
        t = i / FPS
        frames.append(noisy(paste(background, cut, x + int(6 * np.sin(2 * np.pi * 0.7 * t)),
                                  H - height + 10 + int(4 * np.sin(2 * np.pi * 1.3 * t)))))
    return frames


def still(image: np.ndarray, seconds: float) -> list[np.ndarray]:
    """A held photo with a slow 1-px drift and sensor noise (not a frozen picture)."""
    return [noisy(shift(image, 2 * np.sin(i / 10), 0)) for i in range(int(seconds * FPS))]


def through_black(a: list[np.ndarray], b: list[np.ndarray], at: float, out_s: float, hold_s: float, in_s: float,
                  seconds: float = 6.0) -> list[np.ndarray]:
    """`a` until `at` s, faded out to black over `out_s`, black for `hold_s`, then `b` faded in over `in_s` (linear
    gain; `b` is `a` for a fade within one shot). Frame i comes from a[i] or b[i] (the shots keep their clocks)."""
    out = []
    for i in range(int(seconds * FPS)):
        t, black = i / FPS, at + out_s + hold_s
        gain = 1.0 if t < at else max(0.0, 1 - (t - at) / out_s) if t < at + out_s else 0.0 if t < black else min(1.0, (t - black) / in_s)
        frame = (a if t < black else b)[i]
        out.append(frame if gain >= 1 else noisy((frame * gain).astype(np.uint8), 2.0))
    return out


def inserted(frames: list[np.ndarray], other: list[np.ndarray], at: float, seconds: float) -> list[np.ndarray]:
    """`frames` with [at, at + seconds) taken from `other` (a flash cut: 0.04 s is one 25 fps frame)."""
    span = range(round(at * FPS), round((at + seconds) * FPS))
    return [other[i] if i in span else f for i, f in enumerate(frames)]


def clips() -> dict[str, tuple]:
    """name -> (kind, cut times in seconds, writer[, "heldout"]): the dev split (thresholds were chosen on it)
    and the held-out one (`h_*`)."""
    from skimage import data

    astro, coffee, cat, rocket = data.astronaut(), data.coffee(), data.chelsea(), data.rocket()
    room = data.stereo_motorcycle()[0]
    room_right = data.stereo_motorcycle()[1]
    big_astro = resize(astro, 1100, 1100)
    big_wall = np.concatenate([wall(0), wall(640)[:, :120]], axis=1)  # 760 px of wall for pans
    A, B = 2.2, 4.2

    def three(a: list, b: list, c: list) -> list:
        return a[:int(A * FPS)] + b[:int((B - A) * FPS)] + c[:int((6 - B) * FPS)]

    def mirrored(frames: list[np.ndarray]) -> list[np.ndarray]:
        return [np.ascontiguousarray(f[:, ::-1]) for f in frames]

    pan_scene = np.concatenate([wall(0), wall(640)], axis=1)
    pan_scene = paste(pan_scene[:, :W], head("astronaut"), 200, 70)
    pan_scene = np.concatenate([pan_scene, wall(640)], axis=1)

    def pan(image: np.ndarray, speed: int, seconds: float = 4.0, y: int = 0) -> list[np.ndarray]:
        n = int(seconds * FPS)
        speed = min(speed, (image.shape[1] - W) // n)
        return [noisy(image[y:y + H, speed * i:speed * i + W]) for i in range(n)]

    def zoom(image: np.ndarray, end: float, seconds: float = 4.0) -> list[np.ndarray]:
        n = int(seconds * FPS)
        return [noisy(shift(image, 0, 0, 1 + (end - 1) * i / n)) for i in range(n)]

    def gesture(seconds: float = 4.0) -> list[np.ndarray]:
        """The astronaut talking in front of the wall while a hand (skin ellipse, forearm) sweeps across."""
        import cv2

        frames = talking(wall(100), "astronaut", 170, seconds)
        out = []
        for i, f in enumerate(frames):
            t = i / FPS
            cx = int(-150 + 940 * (0.5 - 0.5 * np.cos(2 * np.pi * t / 2.0)))
            cy = int(250 - 60 * np.sin(2 * np.pi * t / 2.0))
            f = f.copy()
            cv2.ellipse(f, (cx, cy), (110, 140), 20, 0, 360, (205, 150, 120), -1)  # a hand close to the lens
            cv2.rectangle(f, (cx - 60, cy + 100), (cx + 60, H), (190, 140, 110), -1)
            out.append(noisy(f))
        return out

    def fade(image: np.ndarray, seconds: float = 4.0) -> list[np.ndarray]:
        n = int(seconds * FPS)
        return [noisy((image * abs(1 - 2 * i / n)).astype(np.uint8)) for i in range(n)]

    def flash(frames: list[np.ndarray]) -> list[np.ndarray]:
        out = []
        for i, f in enumerate(frames):
            t = i / FPS
            g = f.astype(np.float32)
            if 1.95 <= t < 2.1:
                g = 255 - (255 - g) * 0.25  # a camera flash: two-three bright frames
            if t >= 3.0:
                g = g * 0.55  # the lights dim for the rest of the clip
            out.append(g.clip(0, 255).astype(np.uint8))
        return out

    def shake(frames: list[np.ndarray]) -> list[np.ndarray]:
        walk = np.cumsum(RNG.normal(0, 4, (len(frames), 3)), axis=0) * [1, 1, 0.3]
        walk = walk - walk.mean(axis=0)
        jitter = RNG.normal(0, 6, (len(frames), 2))
        return [shift(f, walk[i, 0] + jitter[i, 0], walk[i, 1] + jitter[i, 1], 1.0, walk[i, 2]) for i, f in enumerate(frames)]

    def stereo(seconds: float = 4.0) -> list[np.ndarray]:
        """A small sideways camera move with parallax: the left view turning into the right one."""
        left, right = fit(room), fit(room_right)
        n = int(seconds * FPS)
        return [noisy(shift(left if i < n / 2 else right, 2 * np.sin(i / 10), 0)) for i in range(n)]

    low = ("-b:v", "60k", "-maxrate", "80k", "-bufsize", "80k")
    interlaced = ("-crf", "20", "-flags", "+ildct+ilme", "-x264opts", "tff=1")

    def interlace(frames50: Callable[[], list[np.ndarray]]) -> Callable[[Path], Path]:
        return lambda p: write(p, frames50(), fps=50, extra=interlaced, vf="tinterlace=interleave_top,fieldorder=tff")

    sets: dict[str, tuple[str, list[float], Callable[[Path], Path]]] = {}

    def add(name: str, kind: str, cuts: list[float], frames: Callable[[], list] | None = None, writer=None):
        """`frames` makes the clip's frames when it is written (the set never sits in memory whole)."""
        sets[name] = (kind, cuts, writer or (lambda p: write(p, frames())))

    # same-colour cuts
    add("crops_astronaut", "same_colour_cut", [A], lambda: still(fit(astro[:300, :]), A) + still(fit(astro[250:, 150:]), 4 - A))
    add("cutin_coffee", "same_colour_cut", [A], lambda: still(fit(coffee), A) + still(fit(coffee[120:330, 170:540]), 4 - A))
    add("cutin_room", "same_colour_cut", [A], lambda: still(fit(room), A) + still(fit(room[150:400, 250:700]), 4 - A))
    add("heads_wall_moved", "same_colour_cut", [A, B],
        lambda: three(talking(wall(0), "astronaut", 330, 6), talking(wall(500), "hopper", 60, 6), talking(wall(0), "astronaut", 330, 6)))
    add("heads_wall_same", "same_colour_cut", [A, B],
        lambda: three(talking(wall(200), "astronaut", 60, 6), talking(wall(200), "hopper", 360, 6), talking(wall(200), "astronaut", 60, 6)))
    add("reverse_shot_mirror", "same_colour_cut", [A, B],
        lambda: three(talking(wall(300), "astronaut", 80, 6), mirrored(talking(wall(300), "astronaut", 80, 6)),
              talking(wall(300), "astronaut", 80, 6)))
    add("same_person_closer", "same_colour_cut", [A],
        lambda: talking(wall(0), "astronaut", 200, A) + talking(wall(150), "astronaut", 150, 4 - A, height=460))
    add("heads_low_bitrate", "same_colour_cut", [A],
        writer=lambda p: write(p, talking(wall(0), "astronaut", 330, A) + talking(wall(500), "hopper", 60, 4 - A), extra=low))
    add("heads_interlaced", "same_colour_cut", [A], writer=interlace(  # each 25 fps picture twice: 50 fields
        lambda: [f for f in talking(wall(0), "astronaut", 330, A) + talking(wall(500), "hopper", 60, 4 - A) for _ in (0, 1)]))
    # ordinary colour cuts
    add("coffee_cat", "colour_cut", [A], lambda: still(fit(coffee), A) + still(fit(cat), 4 - A))
    add("astronaut_rocket", "colour_cut", [A], lambda: still(fit(astro), A) + still(fit(rocket), 4 - A))
    add("hopper_room_coffee", "colour_cut", [A, B],
        lambda: three(talking(wall(0), "hopper", 200, 6), still(fit(room), 6), still(fit(coffee), 6)))
    # not cuts
    add("pan_slow_astronaut", "non_cut", [], lambda: pan(big_astro, 4, y=300))
    add("pan_fast_astronaut", "non_cut", [], lambda: pan(big_astro, 11, y=200))
    add("pan_wall_head", "non_cut", [], lambda: pan(pan_scene, 12))
    add("pan_wall", "non_cut", [], lambda: pan(big_wall, 6))
    add("zoom_astronaut", "non_cut", [], lambda: zoom(fit(astro), 1.8))
    add("zoom_heads", "non_cut", [], lambda: zoom(talking(wall(0), "hopper", 200, 0.04)[0], 2.0))
    add("gesture_hand", "non_cut", [], lambda: gesture())
    add("fade_astronaut", "non_cut", [], lambda: fade(fit(astro)))
    add("flash_and_dim", "non_cut", [], lambda: flash(talking(wall(0), "astronaut", 200, 4)))
    add("shake_heads", "non_cut", [], lambda: shake(talking(wall(100), "hopper", 200, 4)))
    add("shake_room", "non_cut", [], lambda: shake(still(fit(room), 4)))
    add("stereo_room", "non_cut", [], lambda: stereo())
    add("low_bitrate_head", "non_cut", [], writer=lambda p: write(p, talking(wall(0), "astronaut", 200, 4), extra=low))
    add("low_bitrate_pan", "non_cut", [], writer=lambda p: write(p, pan(big_astro, 8, y=250), extra=low))
    add("interlaced_pan", "non_cut", [], writer=interlace(  # 100 px/s
        lambda: [noisy(big_astro[250:250 + H, 2 * i:2 * i + W]) for i in range(200)]))
    add("interlaced_head", "non_cut", [], writer=interlace(lambda: talking(wall(0), "hopper", 200, 8)))
    # a shot one sampled frame long (a flash cut: one 25 fps frame on a sampled one, or 0.4 s), fades through black
    # between two shots (a gradual boundary, labelled [start, end] of the transition) and within one shot (not one)
    add("insert_frame_heads", "flash_cut", [2.0, 2.04],
        lambda: inserted(talking(wall(0), "astronaut", 330, 4), talking(wall(500), "hopper", 60, 4), 2.0, 0.04))
    add("insert_frame_photo", "flash_cut", [2.0, 2.04], lambda: inserted(still(fit(coffee), 4), still(fit(cat), 4), 2.0, 0.04))
    add("insert_short_shots", "flash_cut", [A, 2.6],
        lambda: still(fit(room), A) + talking(wall(0), "hopper", 200, 0.4) + still(fit(coffee), 4 - 2.6))
    add("fade_black_photos", "fade_cut", [[2.0, 4.0]], lambda: through_black(still(fit(coffee), 6), still(fit(cat), 6), 2.0, 1.0, 0, 1.0))
    add("fade_black_heads", "fade_cut", [[2.0, 4.5]], lambda: through_black(
        talking(wall(0), "astronaut", 330, 6), talking(wall(0), "hopper", 100, 6), 2.0, 1.0, 0.5, 1.0))
    add("dip_black_quick", "fade_cut", [[2.1, 2.7]], lambda: through_black(
        talking(wall(0), "hopper", 200, 6), still(fit(room), 6), 2.1, 0.3, 0, 0.3))
    add("fade_black_same_head", "non_cut", [], lambda: (lambda a: through_black(a, a, 2.0, 1.0, 0.5, 1.0))(
        talking(wall(0), "astronaut", 200, 6)))
    add("dip_black_same_photo", "non_cut", [], lambda: (lambda a: through_black(a, a, 2.1, 0.3, 0, 0.3))(still(fit(room), 6)))
    # a dip whose 0.1 s of black falls between two sampled frames (one dim frame of each shot) and a 1 s shot
    add("dip_black_between_photos", "fade_cut", [[2.2, 3.3]], lambda: through_black(
        still(fit(coffee), 6), still(fit(cat), 6), 2.2, 0.5, 0.1, 0.5))
    add("dip_black_between_same_head", "non_cut", [], lambda: (lambda a: through_black(a, a, 2.2, 0.5, 0.1, 0.5))(
        talking(wall(0), "astronaut", 330, 6)))
    add("one_second_shot_heads", "same_colour_cut", [A, 3.2], lambda: inserted(
        talking(wall(0), "astronaut", 330, 5), talking(wall(500), "hopper", 60, 5), A, 1.0))
    def bounce(image: np.ndarray, x0: int, reach: int, period: float, phase: float = 0.0, seconds: float = 6.0) -> list[np.ndarray]:
        """A still photo (360 px square) on a grey ground sliding sideways and back (x0 + reach |sin|): at 2 fps
        it jumps between framings and back, one sampled frame at a time (the camera moves, no shot changes)."""
        photo = resize(image, 360, 360)
        out = []
        for i in range(int(seconds * FPS)):
            x = int(x0 + reach * abs(np.sin(2 * np.pi * (i / FPS + phase) / period)))
            frame = np.full((H, W, 3), 40, np.uint8)
            frame[:, x:x + 360] = photo
            out.append(noisy(frame))
        return out

    add("slide_bounce_coffee", "non_cut", [], lambda: bounce(coffee, 20, 240, 1.5))
    add("jumps_coffee", "same_colour_cut", [1.0, 2.0, 3.0, 4.0, 5.0],  # a still cut between two framings every second
        lambda: [f for j in range(6) for f in bounce(coffee, 20 + 240 * (j % 2), 0, 1.0, seconds=1.0)])
    white = [noisy(np.full((H, W, 3), 255, np.uint8))] * 125  # a photographer's flash: blank white frames
    add("flash_white_frame", "non_cut", [], lambda: inserted(talking(wall(0), "hopper", 200, 4), white, 2.0, 0.04))

    # the held-out split: other photos, walls, positions and speeds, written before the thresholds were frozen
    grey_wall = (150, 155, 160)
    big_coffee, big_room = resize(coffee, 1400, 933), resize(room, 1200, 810)
    tall_astro = resize(astro, 700, 700)
    held = {
        "h_crops_rocket": ("same_colour_cut", [A], lambda: still(fit(rocket[:250, :400]), A) + still(fit(rocket[180:, 240:]), 4 - A)),
        "h_cutin_cat": ("same_colour_cut", [A], lambda: still(fit(cat), A) + still(fit(cat[40:200, 100:380]), 4 - A)),
        "h_room_halves": ("same_colour_cut", [A], lambda: still(fit(room[:, :380]), A) + still(fit(room[:, 360:]), 4 - A)),
        "h_heads_grey_wall": ("same_colour_cut", [A, B], lambda: three(talking(wall(50, grey_wall), "hopper", 80, 6),
                                                              talking(wall(700, grey_wall), "astronaut", 340, 6),
                                                              talking(wall(50, grey_wall), "hopper", 80, 6))),
        "h_reverse_shot_hopper": ("same_colour_cut", [A, B], lambda: three(talking(wall(600), "hopper", 100, 6),
                                                                  mirrored(talking(wall(600), "hopper", 100, 6)),
                                                                  talking(wall(600), "hopper", 100, 6))),
        "h_cat_rocket": ("colour_cut", [A], lambda: still(fit(cat), A) + still(fit(rocket), 4 - A)),
        "h_room_astronaut": ("colour_cut", [A, B], lambda: three(still(fit(room), 6), talking(wall(0), "astronaut", 200, 6),
                                                                 still(fit(room), 6))),
        "h_pan_coffee": ("non_cut", [], lambda: pan(big_coffee, 10, y=300)),
        "h_pan_room": ("non_cut", [], lambda: pan(big_room, 12, y=200)),
        "h_tilt_astronaut": ("non_cut", [], lambda: [noisy(tall_astro[3 * i:3 * i + H, 30:30 + W]) for i in range(100)]),
        "h_zoom_out_room": ("non_cut", [], lambda: [noisy(shift(fit(room), 0, 0, 2.0 - i / 100)) for i in range(100)]),
        "h_zoom_cat": ("non_cut", [], lambda: zoom(fit(cat), 1.7)),
        "h_fade_room": ("non_cut", [], lambda: fade(fit(room))),
        "h_flash_hopper": ("non_cut", [], lambda: flash(talking(wall(300, grey_wall), "hopper", 250, 4))),
        "h_shake_astronaut": ("non_cut", [], lambda: shake(shake(still(fit(astro), 4)))),
        "h_insert_frame_hopper": ("flash_cut", [3.0, 3.04], lambda: inserted(
            talking(wall(300, grey_wall), "hopper", 250, 5), talking(wall(700, grey_wall), "astronaut", 300, 5), 3.0, 0.04)),
        "h_insert_short_cat": ("flash_cut", [3.2, 3.6], lambda: inserted(still(fit(cat), 5), still(fit(rocket), 5), 3.2, 0.4)),
        "h_fade_black_rocket_astronaut": ("fade_cut", [[1.6, 3.4]], lambda: through_black(
            still(fit(rocket), 6), talking(wall(0), "astronaut", 200, 6), 1.6, 0.8, 0.2, 0.8)),
        "h_fade_black_reverse_shot": ("fade_cut", [[2.0, 4.0]], lambda: through_black(
            talking(wall(600), "hopper", 100, 6), mirrored(talking(wall(600), "hopper", 100, 6)), 2.0, 1.0, 0, 1.0)),
        "h_dip_black_room_coffee": ("fade_cut", [[2.6, 3.2]], lambda: through_black(
            still(fit(room), 6), still(fit(coffee), 6), 2.6, 0.3, 0, 0.3)),
        "h_fade_black_same_room": ("non_cut", [], lambda: (lambda a: through_black(a, a, 1.5, 1.0, 1.0, 1.0))(still(fit(room), 6))),
        "h_dip_black_same_hopper": ("non_cut", [], lambda: (lambda a: through_black(a, a, 2.6, 0.3, 0, 0.3))(
            talking(wall(300, grey_wall), "hopper", 250, 6))),
        "h_flash_white_astronaut": ("non_cut", [], lambda: inserted(still(fit(astro), 5), white, 3.0, 0.08)),
        "h_dip_black_between_heads": ("fade_cut", [[1.7, 2.8]], lambda: through_black(
            talking(wall(300, grey_wall), "hopper", 250, 6), talking(wall(700, grey_wall), "astronaut", 300, 6), 1.7, 0.5, 0.1, 0.5)),
        "h_dip_black_between_same_room": ("non_cut", [], lambda: (lambda a: through_black(a, a, 2.7, 0.5, 0.1, 0.5))(still(fit(room), 6))),
        "h_one_second_shot_room": ("same_colour_cut", [3.2, 4.2], lambda: inserted(
            still(fit(room[:, :380]), 6), still(fit(room[:, 360:]), 6), 3.2, 1.0)),
        "h_slide_bounce_cat": ("non_cut", [], lambda: bounce(cat, 60, 200, 1.5, 0.1)),
    }
    for name, (kind, cuts, frames) in held.items():
        add(name, kind, cuts, frames)
        sets[name] = (*sets[name], "heldout")
    add("h_low_bitrate_pan_room", "non_cut", [], writer=lambda p: write(p, pan(big_room, 8, y=100), extra=low))
    sets["h_low_bitrate_pan_room"] = (*sets["h_low_bitrate_pan_room"], "heldout")
    return sets


def build(out: str | Path, names: list[str] | None = None) -> dict[str, dict]:
    """Write the clips into `out` (skipping those already there) and labels.json; returns the labels."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    labels = {}
    for name, (kind, cuts, writer, *split) in clips().items():
        if names and name not in names:
            continue
        path = out / f"{name}.mp4"
        if not path.exists():
            writer(path)
        labels[name] = {"kind": kind, "cuts": cuts, "split": split[0] if split else "dev"}
    (out / "labels.json").write_text(json.dumps(labels, indent=1))
    return labels


if __name__ == "__main__":
    print(json.dumps(build(sys.argv[1] if len(sys.argv) > 1 else "/tmp/shots_set"), indent=1))
