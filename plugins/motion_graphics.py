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
  not asked (the other side must be there); a side that reaches across a shot change is not still.

What it cannot tell: a hand that moves in one sampled step and then holds perfectly still for HOLD_S on
both sides reads as a graphics change (at 2 sampled frames per second a hand raised in under 0.5 s and held
for a second); a graphic that slides or fades in over several frames reads as movement. A blob that touches
a moving body is one blob with it and stays movement (tests/test_motion_graphics.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from saber_agent.picture_change import CHANGE_LEVEL, STILL_SHARE

HOLD_S = 0.9  # a graphic holds still at least this long (seconds) before and after it changes
STILL_FRACTION = 0.05  # pixels changed inside a blob in a neighbouring pair, as a share of the blob's own change
GROW_PX = 2  # changed pixels this close (at FLOW_SIDE) are one blob
MIN_BLOB_PX = 12  # a blob must change at least this many pixels (at FLOW_SIDE) to be a graphics change
EXCLUDE_GROW_PX = 3  # a graphics blob's pixels, grown this much, are left out of the body's flow and change


@dataclass
class GraphicsChanges:
    """Per pair of sampled frames, the pixels that belong to graphics changes, and a summary."""

    masks: list[np.ndarray | None]  # (n-1,) per pair: (h, w) bool, the graphics blobs grown by EXCLUDE_GROW_PX; None: none
    events: list[dict]  # per pair with a graphics change: t (s, the later frame), share (of the frame's pixels), blobs


def _changed(blurred: np.ndarray, i: int) -> np.ndarray:
    return np.abs(blurred[i + 1].astype(np.int16) - blurred[i].astype(np.int16)) > CHANGE_LEVEL


def graphics_changes(blurred: np.ndarray, times: np.ndarray, cuts: list[int] | None = None,
                     changed_share: np.ndarray | None = None) -> GraphicsChanges:
    """The graphics changes of a clip's blurred grey frames `blurred` (n, h, w) uint8 sampled at `times` (n,) seconds.

    `cuts`: pair indices that straddle a shot change (never a graphics change, and no still side across them);
    `changed_share`: (n-1,) each pair's share of changed pixels (`picture_change`), to skip still pairs quickly.
    """
    import cv2

    n = len(blurred)
    times = np.asarray(times, dtype=np.float64)
    cut_set = set(cuts or [])
    masks: list[np.ndarray | None] = [None] * max(0, n - 1)
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
        if not graphic.any():
            continue
        mask = cv2.dilate(graphic[labels].astype(np.uint8), widen).astype(bool)
        masks[i] = mask
        events.append({"t": round(float(times[i + 1]), 2), "share": round(float(own[graphic].sum() / raw.size), 4),
                       "blobs": int(graphic.sum())})
    return GraphicsChanges(masks, events)


__all__ = ["EXCLUDE_GROW_PX", "GROW_PX", "HOLD_S", "MIN_BLOB_PX", "STILL_FRACTION", "GraphicsChanges", "graphics_changes"]
