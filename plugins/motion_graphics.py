"""On-screen graphics changes: parts of the picture that swap in one step between stills (not body movement).

A slide that changes behind a picture-in-picture face, a burned-in caption that turns to its next line, a
video call's active-speaker frame switching on or off: each changes a block of pixels between two sampled
frames, and those pixels hold still for a while before and after (trial D: pip.mp4, vertical_captions.mp4,
gallery_4.mp4 read them as "bursts of gesture"). A moving body does not: a hand, a shoulder or a torso changes
over several sampled frames as it speeds up, turns and slows down, and its pixels keep changing around the
move.

The test, per pair of sampled frames (i, i+1), on `picture_change`'s blurred grey frames (longer side
FLOW_SIDE pixels; the camera not undone: an overlay is fixed on the screen, not in the scene):

- the pair's changed pixels (grey level change > CHANGE_LEVEL) are grouped into blobs (grown by GROW_PX pixels,
  so that the letters of a line of text, or a frame's four sides, are one blob);
- a blob is a graphics change when, in every pair of sampled frames within HOLD_S seconds before the change
  and within HOLD_S after it, at most STILL_FRACTION of as many pixels as the blob changed change inside it: the
  block swapped in one step and held still on both sides. At the clip's start or end the missing side is
  not asked (the other side must be there); a side that reaches across a shot change is not still;
- and, where the clip's file can be read again (`clip.info.path`, not a window of it), the swap must happen in one
  decoded frame: every frame of the file between the two sampled ones is decoded (`full_rate`) and one step between
  consecutive frames must change at least ONE_FRAME_SHARE of the blob's pixels. A hand raised in 0.2 s changes
  its pixels over five frames of a 25 fps file, the largest step 52-58% of them; a caption swaps in one (82-100%). Unread (no file,
  a window, an unreadable stream, decoded frames that do not match the sampled ones, past MAX_CONFIRM pairs or
  MAX_DECODED_TOTAL decoded frames: the cost stays near a second),
  the blob stays a graphics change by the step rule alone.

What it cannot tell: where the file cannot be read again, a hand that moves in one sampled step and then holds
perfectly still for HOLD_S on both sides reads as a graphics change (at 2 sampled frames per second a hand raised
in under 0.5 s and held for a second); a graphic that slides or fades in over several frames reads as movement. A blob that touches
a moving body is one blob with it and stays movement (tests/test_motion_graphics.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from saber_agent.picture_change import CHANGE_LEVEL, STILL_SHARE, grey_frames

GRAPHICS_KEY = "graphics_changes"  # the clip.extras key of `clip_graphics`'s cached result
HOLD_S = 0.9  # a graphic holds still at least this long (seconds) before and after it changes
STILL_FRACTION = 0.05  # pixels changed inside a blob in a neighbouring pair, as a share of the blob's own change
GROW_PX = 2  # changed pixels this close (at FLOW_SIDE) are one blob
MIN_BLOB_PX = 12  # a blob must change at least this many pixels (at FLOW_SIDE) to be a graphics change
NAMED_SHARE = 0.005  # a pair's graphics change is named in the text from this share of the frame (a caption line: ~1-2%)
ONE_FRAME_SHARE = 0.7  # one step between decoded frames changes this share of a graphics blob's pixels
MATCH_SHARE = 0.2  # decoded frames at the sampled times may differ from the sampled ones in this share of the blob
MAX_CONFIRM = 24  # pairs a clip's file is decoded again for; beyond, the step rule alone
MAX_DECODED = 400  # decoded frames read for one pair (from the keyframe before it) before giving up
MAX_DECODED_TOTAL = 1500  # decoded frames read for a whole clip (a minute of 25 fps); the pairs after: the step rule alone
SEEK_GAP_S = 3.0  # the file is read on to the next pair up to this far; beyond, it seeks
EXCLUDE_GROW_PX = 3  # a graphics blob's pixels, grown this much, are left out of the body's flow and change


@dataclass
class GraphicsChanges:
    """Per pair of sampled frames, the pixels that belong to graphics changes, and a summary."""

    masks: list[np.ndarray | None]  # (n-1,) per pair: (h, w) bool, the graphics blobs grown by EXCLUDE_GROW_PX; None: none
    events: list[dict]  # per pair with a graphics change: t (s, the later frame), share (of the frame's pixels), blobs


def _changed(blurred: np.ndarray, i: int) -> np.ndarray:
    return np.abs(blurred[i + 1].astype(np.int16) - blurred[i].astype(np.int16)) > CHANGE_LEVEL


def full_rate(clip, windows: list[tuple[float, float]], shape: tuple[int, int]) -> list[np.ndarray | None]:
    """Every decoded frame of `clip`'s file within each window (t0, t1) (clip seconds, ascending), as blurred grey frames
    (k, h, w) uint8 of `shape` (FLOW_SIDE on the longer side, as `picture_change` makes them); None for a window that
    cannot be read again. One pass over the file: it seeks only to a window more than SEEK_GAP_S past the last frame."""
    import itertools

    import av
    import cv2

    from saber_agent.media_picture import FramePicture
    from saber_agent.media_streams import _attached_picture

    results: list[np.ndarray | None] = [None] * len(windows)
    info = clip.info
    if not windows or not info.path or not info.width or any(str(note).startswith("window ") for note in info.notes):
        return results
    origin = float(info.time_origin_s or 0.0)
    try:
        with av.open(str(info.path), metadata_errors="ignore") as container:
            video = next((v for v in container.streams.video if not _attached_picture(v)), None)
            if video is None or video.time_base is None:
                return results
            video.thread_type = "AUTO"
            picture = None
            total = 0  # frames decoded in all
            decoder = None
            position = -np.inf  # clip time of the last frame read
            carry = None  # a frame read past the previous window's end
            last: tuple[float, np.ndarray] | None = None  # the last frame kept, which may start the next window
            for k, (t0, t1) in enumerate(windows):
                if decoder is None or t0 - position > SEEK_GAP_S or t0 < position - 1.0:
                    container.seek(max(0, int((t0 + origin - 0.05) / video.time_base)), stream=video, backward=True)
                    decoder, carry, last = container.decode(video), None, None
                out = [last[1]] if last is not None and t0 - 1e-3 <= last[0] <= t1 + 1e-3 else []
                pending, carry = ([carry] if carry is not None else []), None
                read = 0
                if total > MAX_DECODED_TOTAL:
                    return results
                for frame in itertools.chain(pending, decoder):  # (a generator here would close the decoder on break)
                    read += 1
                    total += 1
                    if read > MAX_DECODED or frame.time is None:
                        decoder = None  # give this window up; the next one seeks afresh
                        out = []
                        break
                    t = position = float(frame.time) - origin
                    if t > t1 + 1e-3:
                        carry = frame
                        break
                    if t < t0 - 1e-3:
                        continue
                    picture = picture or FramePicture(video, frame, max(info.width, info.height or 0))
                    rgb = picture.rgb(frame)
                    if rgb.shape[:2] != clip.frames.shape[1:3]:
                        return results
                    grey = grey_frames(rgb[None])[0][0]
                    if grey.shape != shape:
                        return results
                    last = (t, cv2.GaussianBlur(grey, (5, 5), 0))
                    out.append(last[1])
                results[k] = np.stack(out) if len(out) >= 2 else None
    except Exception:  # an unreadable file, a failed seek: the step rule alone decides
        return results
    return results


def one_frame(steps: np.ndarray, before: np.ndarray, after: np.ndarray, pixels: np.ndarray) -> bool | None:
    """Whether a blob's changed `pixels` ((h, w) bool) swap in one step of the decoded frames `steps` (k, h, w) that run
    from the sampled frame `before` to `after`; None where the decoded ends do not match the sampled frames."""
    total = int(pixels.sum())
    if total == 0:
        return None
    def differ(a: np.ndarray, b: np.ndarray) -> float:
        return float((np.abs(a.astype(np.int16) - b.astype(np.int16))[pixels] > CHANGE_LEVEL).sum() / total)

    if differ(steps[0], before) > MATCH_SHARE or differ(steps[-1], after) > MATCH_SHARE:
        return None
    return max(differ(steps[k], steps[k + 1]) for k in range(len(steps) - 1)) >= ONE_FRAME_SHARE


def graphics_changes(blurred: np.ndarray, times: np.ndarray, cuts: list[int] | None = None,
                     changed_share: np.ndarray | None = None, clip=None) -> GraphicsChanges:
    """The graphics changes of a clip's blurred grey frames `blurred` (n, h, w) uint8 sampled at `times` (n,) seconds.

    `cuts`: pair indices that straddle a shot change (never a graphics change, and no still side across them);
    `changed_share`: (n-1,) each pair's share of changed pixels (`picture_change`), to skip still pairs quickly;
    `clip`: the `saber_agent.media.Clip` the frames come from, whose file is decoded again to see each swap happen in
    one frame (`full_rate`); None: the step rule alone.
    """
    import cv2

    n = len(blurred)
    times = np.asarray(times, dtype=np.float64)
    cut_set = set(cuts or [])
    masks: list[np.ndarray | None] = [None] * max(0, n - 1)
    candidates: list[tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []  # pairs with blobs the step rule keeps
    events: list[dict] = []
    cache: dict[int, np.ndarray] = {}

    def changed(j: int) -> np.ndarray:
        if j not in cache:
            cache[j] = _changed(blurred, j)
        return cache[j]

    grow = cv2.getStructuringElement(cv2.MORPH_RECT, (2 * GROW_PX + 1, 2 * GROW_PX + 1))
    widen = cv2.getStructuringElement(cv2.MORPH_RECT, (2 * EXCLUDE_GROW_PX + 1, 2 * EXCLUDE_GROW_PX + 1))
    for i in range(n - 1):
        for j in [j for j in cache if j < i - 2 * HOLD_S / max(1e-3, float(times[i + 1] - times[i])) - 2]:
            del cache[j]  # pairs the next ones will not ask for
        if i in cut_set or (changed_share is not None and changed_share[i] < STILL_SHARE):
            continue
        before = [j for j in range(i - 1, -1, -1) if times[j + 1] > times[i] - HOLD_S + 1e-6]
        after = [j for j in range(i + 1, n - 1) if times[j] < times[i + 1] + HOLD_S - 1e-6]
        if not before and not after:  # nothing to compare with: a two-frame clip
            continue
        if any(j in cut_set for j in before + after):
            continue
        raw = changed(i)
        count, labels = cv2.connectedComponents(cv2.dilate(raw.astype(np.uint8), grow), connectivity=8)
        if count <= 1:
            continue
        own = np.bincount(labels[raw], minlength=count)  # each blob's changed pixels in this pair
        graphic = own >= MIN_BLOB_PX  # a few pixels of re-encoding flicker are neither graphics nor a gesture
        graphic[0] = False  # the background label
        for j in before + after:
            moved = np.bincount(labels[changed(j)], minlength=count)
            graphic &= moved <= STILL_FRACTION * own
        if graphic.any():
            candidates.append((i, labels, raw, own, graphic))
    if clip is not None and candidates:  # the file's own frames: does each blob swap in one of them?
        windows = [(float(times[i]), float(times[i + 1])) for i, *_ in candidates[:MAX_CONFIRM]]
        for (i, labels, raw, _own, graphic), steps in zip(candidates, full_rate(clip, windows, blurred.shape[1:]), strict=False):
            if steps is None:
                continue
            for label in np.flatnonzero(graphic):
                if one_frame(steps, blurred[i], blurred[i + 1], raw & (labels == label)) is False:
                    graphic[label] = False  # its pixels changed over several decoded frames: a movement
    for i, labels, raw, own, graphic in candidates:
        if not graphic.any():
            continue
        masks[i] = cv2.dilate(graphic[labels].astype(np.uint8), widen).astype(bool)
        events.append({"t": round(float(times[i + 1]), 2), "share": round(float(own[graphic].sum() / raw.size), 4),
                       "blobs": int(graphic.sum())})
    return GraphicsChanges(masks, events)


def clip_graphics(clip) -> GraphicsChanges:
    """The graphics changes of a `saber_agent.media.Clip`, found once and cached in ``clip.extras[GRAPHICS_KEY]``
    (the body tool leaves them out of its movement, the scene tool names them): on `picture_change`'s blurred
    frames, with the clip's shared shot changes (`saber_agent.plugins.shots`) and its file re-read (`full_rate`)."""
    from saber_agent.picture_change import picture_change
    from saber_agent.plugins.shots import shot_changes

    def compute() -> GraphicsChanges:
        picture = picture_change(clip)
        return graphics_changes(picture.blurred, np.asarray(clip.frame_times, dtype=np.float64), shot_changes(clip).pairs,
                                picture.changed, clip)

    return clip.shared(GRAPHICS_KEY, compute)


__all__ = [
    "EXCLUDE_GROW_PX", "GRAPHICS_KEY", "GROW_PX", "HOLD_S", "MATCH_SHARE", "MAX_CONFIRM", "MAX_DECODED", "MAX_DECODED_TOTAL",
    "MIN_BLOB_PX", "NAMED_SHARE",
    "ONE_FRAME_SHARE", "SEEK_GAP_S", "STILL_FRACTION", "GraphicsChanges", "clip_graphics", "full_rate", "graphics_changes", "one_frame",
]
