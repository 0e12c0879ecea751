"""Shot changes, detected once per clip and shared (like the face track): the scene and body tools read it.

The decision is PySceneDetect's AdaptiveDetector (scenedetect 0.7.2, BSD-3-Clause), fed the clip's
already decoded sampled frames through its per-frame API (`process_frame`), so the clip is decoded
once: each pair of consecutive frames gets ContentDetector's score (mean absolute change of hue,
saturation and value per pixel, 0..255) and a pair is a cut when its score is at least
`ADAPTIVE_THRESHOLD` times the mean score of its `WINDOW` neighbouring pairs on each side and at
least `MIN_CONTENT` (`min_scene_len=1`: sampled frames are 0.5 s apart). A cut is a spike in picture
change, so a steady pan, zoom or shake (large change pair after pair) is not one, and a cut between
two shots of the same colours (shot / reverse shot in one room) is, where histograms see nothing. The
sequence is padded with a copy of its first and last frames so that the first and last pairs (and
a 2-frame clip) are judged too, against one real neighbour (the pad's pair scores 0, so an end pair
needs 1.5 times its neighbour's score). Frames are scored at `ADAPTIVE_WIDTH` pixels wide and the
histograms measured at `ANALYSIS_WIDTH` (area averaging).

Two close spikes hide each other from that ratio, and a gradual transition makes none, so
`transition_cuts` decides these again with PySceneDetect HashDetector's perceptual hash (`HASH_SIZE`,
`HASH_CHANGE`: its defaults; the sign of each low DCT coefficient of the grey picture against their
median, so a brightness or contrast change keeps it), following the broadcast convention that a
transition between two shots is a boundary and a flash or a fade within one shot is not:
- a transient (one frame, or two frames both `DIP_LEVELS` darker or brighter than their neighbours,
  entered and left by spikes `ADAPTIVE_THRESHOLD` times the real pairs around them): each of its pairs
  whose two frames' hashes differ is a cut, unless one frame is the other moved as one (the body tool's
  rigid shift, plugins/motion_camera.py: a camera jerk, a sliding still): a one-frame shot (a flash cut) gives
  two, a dip through black that changes the shot between two samples one, a camera flash, a dip within
  one shot or a jerk none;
- a run of blank frames (grey std < `BLANK_STD`: black, a white flash frame): a cut at its end when the
  frames either side differ (a fade through black between two shots: the new shot starts where the
  picture comes back), none when they match (a fade to black and back to the same shot); adaptive
  cuts that touch a blank frame are dropped. PySceneDetect's ThresholdDetector (mean brightness under
  12) finds the same fades but cuts at every one, the same shot's too.
Not tuned: the hash settings are the library's, the rigid shift the motion layer's; on the dev clips
the decided pairs' hashes differ by 0.00-0.15 within a shot and 0.47-0.59 between shots; `BLANK_STD`
lies between their blank frames (std <= 0.5) and their flattest pictures (a brick wall at 320 px: >= 6.7), and
under an underexposed shot's (std 1.7-3.6: at 3, cuts into and between dark shots were dropped; the bench
figures below are the same at 1 and 3; noisy camera black, std 2.5, still fades as black: tests/test_shots.py),
`DIP_LEVELS` under their two-frame dips (>= 55 grey levels) and over a jump between framings or a
swap of talking heads (<= 6).

Chosen on bench/shots_set.py (70 clips built with ffmpeg, 53 shot changes: 28 cuts between shots of
similar colour (jumps between two framings of a still among them), 7 colour cuts, 10 in 5 one-frame
shots (a 25 fps frame landing on a sampled one, or 0.4 s), 8 fades or dips through black between two
shots (labelled as the transition's span); 35 clips without one: pans, a tilt, zooms, a hand, fades to
black and back to the same shot, flashes (white frames too) and a dimming, shake, a still sliding to and
fro, a stereo camera move, low bitrate, interlaced), decoded at the tools' 2 fps (`python
bench/shots_bench.py`): precision / recall 0.962 / 0.962 on all clips, 0.971 / 1.000 on the 42 dev clips,
0.947 / 0.900 on the 28 held-out ones (missed: one of the two cuts of a one-frame shot and a dip through
black, both between two talking heads before the same grey wall, whose 64-bit hashes differ by only
0.28 and 0.25; false: the first or last pair of a sliding still, a jump against the clip's end).
An adaptive cut whose two frames' hashes differ by less than `HASH_CHANGE` is dropped (one picture: a still
photo's zoom wobble alternates changing and unchanged pairs, each changing one a spike; trial 53
phone_rot270.mp4 read cuts at 4.5 and 7.5 s); it removed the stereo camera move's false cut (before:
0.944 / 0.962, dev 0.943 / 1.000, held out the same). The adaptive cuts of the set's shot changes differ by
0.41-0.59 (one fade, re-decided by the blank-run rule, 0.09); the false ones on dips and the stereo move by 0.00-0.19.
AdaptiveDetector alone (the rule before the transients): 0.844 / 0.717 (none of
the 10 one-frame-shot cuts, 3 of the 8 fades, 4 false cuts on fades and dips within one shot); both
0.963 / 1.000 on the 44 clips of the set before. The transients add ~40% CPU time (240 sampled frames:
~200 -> ~280 ms). The histogram rule, which still gives the `distances` (HSV) and `grey_distances` the
scene tool reports: 0.280 / 0.434. A structural rule of our own (4x4-grid correlation with an ORB
camera-motion guard, bench/shots_structure.py): 0.957 / 0.849.
A jump in framing of one picture that the ratio and the hash both miss (trial A phone_long.mp4: a face photo slowly zoomed
over ~10 s and looped, sampled at 1.24 fps: each cut back to wide scored 57 against 19-22 for the steady zoom either side,
and its hashes are within `HASH_CHANGE`) is a cut by `zoom_cuts`: a pair scoring `ZOOM_SPIKE` times its neighbours whose
frames are one picture scaled by `ZOOM_JUMP` against each neighbouring pair's scale step (ORB + RANSAC similarity). On
the bench set it changes nothing (precision / recall 0.962 / 0.962 before and after; 0.93 -> 1.12 s for the 70 clips);
on trial A phone_long.mp4 it finds the 18 cuts (before: none, "a single continuous shot").
Known gaps: a cut is placed on the sampled frames (0.5 s apart), so a shot shorter than a sampling step
may fall between samples and is not seen; a dissolve (no black between the shots) is not in the set
(a boundary only if it makes a spike); two shots whose hashes are alike (the same background, a person
swapped) can hide a transient's cut. Without scenedetect installed (scripts/install.sh installs it) the histogram
rule decides (`Shots.method` says which).

The result is cached in ``clip.extras["shots"]`` (thread-safe: tools running in parallel share one
computation).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

ANALYSIS_WIDTH = 160  # frames are measured at this width: statistics barely change, cost drops ~16x
SHOT_DISTANCE = 0.45  # HSV histogram distance above which two frames are different shots
GREY_DISTANCE = 0.35  # grey histogram distance above which they are
# PySceneDetect AdaptiveDetector's settings on sampled frames (bench/shots_bench.py)
ADAPTIVE_THRESHOLD = 3.0  # a pair's score over the mean of its neighbours' (the library's default)
MIN_CONTENT = 15.0  # and at least this score, 0..255 (the library's default)
WINDOW = 1  # neighbouring pairs averaged on each side: 0.5 s at 2 fps (the library's 2 assumes 25+ fps)
ADAPTIVE_WIDTH = 320  # frames are scored at this width (at 160 px one shaky talking head read as a cut)
# what the adaptive ratio cannot see (a one-frame shot, a fade through black): PySceneDetect HashDetector's perceptual
# hash (its defaults: 8x8 bits of the DCT of a 16x16 grey picture) says whether two frames show one picture
HASH_SIZE, HASH_LOWPASS = 8, 2
HASH_CHANGE = 0.35  # share of hash bits that differ from which two frames are different shots (the library's default)
DIP_LEVELS = 20.0  # a two-frame transient is this many grey levels (0..255) darker, or brighter, than both its sides
BLANK_STD = 1.0  # a frame whose grey standard deviation (0..255) is below this shows no picture: black, white, a flat colour
# a jump in framing of one picture (a looped slow zoom cut back to wide): its hashes stay close and a steady zoom keeps the
# neighbouring scores high, so the pair is a cut when its score is at least ZOOM_SPIKE times its neighbours' and its frames
# are one picture scaled by at least ZOOM_JUMP (a similarity fit) against each neighbouring pair's scale step (`zoom_cuts`)
ZOOM_SPIKE = 2.0
ZOOM_JUMP = 1.2


@dataclass
class Shots:
    """Where the shots of a clip change, on its sampled frames."""

    times: np.ndarray  # (n,) the frames' times, seconds
    distances: np.ndarray  # (n-1,) HSV histogram distance from frame i to i+1
    grey_distances: np.ndarray  # (n-1,) grey histogram distance from frame i to i+1
    cuts: list[int] = field(default_factory=list)  # index of each shot's first frame (after a cut)
    method: str = "adaptive"  # "adaptive" (PySceneDetect) or "colour" (scenedetect not installed: the histogram rule)

    @property
    def pairs(self) -> list[int]:
        """Indices i of the frame pairs (i, i+1) that straddle a cut."""
        return [c - 1 for c in self.cuts]

    @property
    def bounds(self) -> list[tuple[int, int]]:
        """[start, end) frame index ranges of the shots."""
        edges = [0, *self.cuts, len(self.times)]
        return [(a, b) for a, b in zip(edges, edges[1:], strict=False) if b > a]


def small_frames(frames: np.ndarray, width: int = ANALYSIS_WIDTH) -> np.ndarray:
    """The frames downscaled (area averaging) so their width is at most `width`."""
    import cv2

    n, h, w = frames.shape[:3]
    if w <= width:
        return frames
    size = (width, max(2, round(h * width / w)))
    return np.stack([cv2.resize(f, size, interpolation=cv2.INTER_AREA) for f in frames])


def hsv_histograms(frames: np.ndarray) -> list[np.ndarray]:
    """A normalized 16x8x8 HSV histogram per RGB frame (the shot-change signature)."""
    import cv2

    hists = []
    for frame in frames:
        hsv = cv2.cvtColor(frame, cv2.COLOR_RGB2HSV)
        hist = cv2.calcHist([hsv], [0, 1, 2], None, [16, 8, 8], [0, 180, 0, 256, 0, 256])
        hists.append(cv2.normalize(hist, hist, 1.0, 0.0, cv2.NORM_L1))
    return hists


def grey_histograms(frames: np.ndarray) -> list[np.ndarray]:
    import cv2

    hists = []
    for frame in frames:
        hist = cv2.calcHist([cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)], [0], None, [32], [0, 256])
        hists.append(cv2.normalize(hist, hist, 1.0, 0.0, cv2.NORM_L1))
    return hists


def _distances(hists: list[np.ndarray]) -> np.ndarray:
    import cv2

    return np.array([cv2.compareHist(a, b, cv2.HISTCMP_BHATTACHARYYA) for a, b in zip(hists, hists[1:], strict=False)], dtype=np.float64)


def shot_distances(frames: np.ndarray) -> np.ndarray:
    """Bhattacharyya distance (0 same .. 1 disjoint) between consecutive RGB frames' HSV histograms."""
    return _distances(hsv_histograms(frames))


def adaptive_cuts(frames: np.ndarray, scores: list[float] | None = None) -> list[int]:
    """PySceneDetect AdaptiveDetector's cuts on RGB frames (n, H, W, 3): index of each new shot's first frame.

    The frames go through the detector one by one (BGR, as it expects), padded with a copy of the
    first and last so every real pair has a neighbour on each side. `scores`, when given, receives
    ContentDetector's score (0..255) of each pair (j-1, j), j = 0..n (0 and n: the pads' pairs, 0).
    Raises ImportError without scenedetect.
    """
    import cv2
    from scenedetect import FrameTimecode
    from scenedetect.detectors import AdaptiveDetector

    detector = AdaptiveDetector(adaptive_threshold=ADAPTIVE_THRESHOLD, min_scene_len=1, window_width=WINDOW,
                                min_content_val=MIN_CONTENT)
    padded = [frames[0], *frames, frames[-1]]
    found = []
    for i, frame in enumerate(padded):
        found += detector.process_frame(FrameTimecode(i, fps=2.0), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
        if i and scores is not None:  # the score against the previous frame (scenedetect 0.7.2 keeps it there, a
            # StatsManager would also compute edges: 2x the cost; without it, 0: no transient, the adaptive cuts stand)
            scores.append(float(getattr(detector, "_frame_score", None) or 0.0))
    found += detector.post_process(FrameTimecode(len(padded) - 1, fps=2.0))
    return sorted({int(c.frame_num) - 1 for c in found} & set(range(1, len(frames))))  # padded index -> frame index


def moved_as_one(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether RGB frame `b` is `a` moved as one (a camera jerk, a sliding still): the body tool's test
    (plugins/motion_camera.rigid_shift on picture_change's blurred grey frames: one translation, by phase correlation,
    leaves at most 15% of the change), so that the pairs it discounts as camera shifts are not cuts."""
    import cv2

    from saber_agent.picture_change import grey_frames
    from saber_agent.plugins.motion_camera import rigid_shift

    grey, _ = grey_frames(np.stack([a, b]))
    return rigid_shift(*(cv2.GaussianBlur(g, (5, 5), 0) for g in grey)) is not None


def transition_cuts(frames: np.ndarray, cuts: list[int], scores: list[float]) -> list[int]:
    """`cuts` (AdaptiveDetector's on RGB frames (n, H, W, 3), `scores` its pair scores, see `adaptive_cuts`) decided
    again where its ratio cannot see, by PySceneDetect HashDetector's perceptual hash (two frames differ when
    `HASH_CHANGE` of their bits do; a brightness change keeps the hash):
    - transients: one frame, or two frames both `DIP_LEVELS` darker or brighter than the frames either side
      (a dip or a flash), whose entry and exit pairs both score at least `MIN_CONTENT` and `ADAPTIVE_THRESHOLD`
      times the mean of the real pairs around them (not the pads'; none: no transient; two close spikes hide
      each other from the ratio): each of their pairs is a cut when its frames differ and are not one picture
      moved as one (`moved_as_one`): a one-frame shot at both, a dip between two shots at one, a flash, a
      dip within one shot or a camera jerk at none;
    - a run of blank frames (grey std < `BLANK_STD`: a fade or dip through black, a white flash frame) changes
      the shot at its end when the frames either side of it differ; the cuts touching it are dropped.
    Raises ImportError without scenedetect.
    """
    import cv2
    from scenedetect.detectors import HashDetector

    n = len(frames)
    hashes = [HashDetector.hash_frame(cv2.cvtColor(f, cv2.COLOR_RGB2BGR), HASH_SIZE, HASH_LOWPASS) for f in frames]
    # a spike between two frames of one picture (hashes within HASH_CHANGE) is no cut: a still photo's zoom wobble
    # alternates pairs that change with pairs that do not, and each changing pair read as a spike (trial 53 phone_rot270)
    found = {c for c in cuts if float(np.mean(hashes[c - 1] != hashes[c])) >= HASH_CHANGE}
    grey = [cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames]
    blank, mean = [float(g.std()) < BLANK_STD for g in grey], [float(g.mean()) for g in grey]

    def differ(a: int, b: int) -> bool:
        return float(np.mean(hashes[a] != hashes[b])) >= HASH_CHANGE and not moved_as_one(frames[a], frames[b])

    for size in (1, 2):  # transients: frames [k, k + size) between two spikes
        for k in range(1, n - size):
            inner, run, sides = min(scores[k], scores[k + size]), mean[k:k + size], (mean[k - 1], mean[k + size])
            outer = [scores[j] for j in (k - 1, k + size + 1) if 1 <= j <= n - 1]  # the real pairs around (not the pads')
            if not outer or any(blank[k - 1:k + size + 1]) or inner < MIN_CONTENT or inner < ADAPTIVE_THRESHOLD * np.mean(outer) or \
                    size == 2 and not (max(run) + DIP_LEVELS <= min(sides) or min(run) >= max(sides) + DIP_LEVELS):
                continue
            found -= set(range(k, k + size + 1))
            found |= {c for c in range(k, k + size + 1) if differ(c - 1, c)}
    start = None
    for k in range(n + 1):  # runs of blank frames [start, k)
        if k < n and blank[k]:
            start = k if start is None else start
        elif start is not None:
            found -= set(range(start, k + 1))
            if start > 0 and k < n and differ(start - 1, k):
                found.add(k)
            start = None
    return sorted(found)


def orb_features(frame: np.ndarray) -> tuple:
    """ORB keypoints and descriptors of an RGB frame (`zoom_step`'s input)."""
    import cv2

    return cv2.ORB_create(nfeatures=300).detectAndCompute(cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY), None)


def zoom_step(a: np.ndarray | tuple, b: np.ndarray | tuple) -> float | None:
    """The scale of the similarity (pan, zoom, roll) that maps RGB frame `a` onto `b` (or their `orb_features`), or None
    when no such fit holds.

    ORB corners (scale-invariant, so a 1.5x jump still matches) matched both ways, fitted by RANSAC
    (`cv2.estimateAffinePartial2D`, 3 px); the fit holds with at least 20 inliers making half of the matches.
    """
    import cv2

    (ka, da), (kb, db) = (f if isinstance(f, tuple) else orb_features(f) for f in (a, b))
    if da is None or db is None or len(ka) < 20 or len(kb) < 20:
        return None
    matches = cv2.BFMatcher(cv2.NORM_HAMMING, crossCheck=True).match(da, db)
    if len(matches) < 20:
        return None
    src = np.float32([ka[m.queryIdx].pt for m in matches])
    dst = np.float32([kb[m.trainIdx].pt for m in matches])
    matrix, inliers = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=3.0)
    if matrix is None or inliers.sum() < 20 or inliers.mean() < 0.5:
        return None
    return float(np.hypot(matrix[0, 0], matrix[1, 0]))


def zoom_cuts(frames: np.ndarray, found: list[int], scores: list[float]) -> list[int]:
    """`found` (cuts of RGB frames (n, H, W, 3), see `transition_cuts`) with the jumps in framing of one picture added.

    A looped slow zoom cut back to wide (trial A: a face photo zoomed over 10 s, four times; at 1.24 fps its cuts scored
    57 against 19-22 either side, under the adaptive ratio of 3, and their hashes are within `HASH_CHANGE`): a pair (k-1, k)
    that scores at least `MIN_CONTENT` and `ZOOM_SPIKE` times the mean of its real neighbouring pairs, whose frames are one
    picture scaled by a factor at least `ZOOM_JUMP` away from each neighbouring pair's own scale step (`zoom_step`), is a
    cut. A steady zoom (every pair alike) and a wobble (steps of a few percent) are not.
    """
    n = len(frames)
    steps: dict[int, float | None] = {}
    features: dict[int, tuple] = {}

    def step(k: int) -> float | None:  # the scale from frame k-1 to k
        if k not in steps:
            for j in (k - 1, k):
                features[j] = features[j] if j in features else orb_features(frames[j])
            steps[k] = zoom_step(features[k - 1], features[k])
        return steps[k]

    out = set(found)
    for k in range(1, n):
        if k in out or any(abs(k - c) <= 1 for c in found):
            continue
        outer = [scores[j] for j in (k - 1, k + 1) if 1 <= j <= n - 1]
        if not outer or scores[k] < MIN_CONTENT or scores[k] < ZOOM_SPIKE * float(np.mean(outer)):
            continue
        jump = step(k)
        if jump is None or abs(np.log(jump)) < np.log(ZOOM_JUMP):
            continue
        sides = [step(j) for j in (k - 1, k + 1) if 1 <= j <= n - 1]
        if all(s is None or abs(np.log(jump / s)) >= np.log(ZOOM_JUMP) for s in sides):
            out.add(k)
    return sorted(out)


_warned = []


def detect(frames: np.ndarray, times: np.ndarray) -> Shots:
    """The shot changes of a sequence of RGB frames (n, H, W, 3)."""
    times = np.asarray(times, dtype=np.float64)
    if len(frames) < 2:
        return Shots(times, np.zeros(0), np.zeros(0), [])
    small = small_frames(frames)
    hsv = _distances(hsv_histograms(small))
    grey = _distances(grey_histograms(small))
    try:
        scaled, scores = small_frames(frames, ADAPTIVE_WIDTH), []
        found = transition_cuts(scaled, adaptive_cuts(scaled, scores), scores)
        return Shots(times, hsv, grey, zoom_cuts(scaled, found, scores), "adaptive")
    except ImportError:
        if not _warned:
            _warned.append(True)
            logging.getLogger(__name__).warning(
                "shot changes: scenedetect is not installed (scripts/install.sh installs scenedetect==0.7.2 --no-deps); "
                "using the colour-histogram rule, which misses cuts between shots of similar colours")
    cuts = [i + 1 for i in range(len(hsv)) if hsv[i] > SHOT_DISTANCE or grey[i] > GREY_DISTANCE]
    return Shots(times, hsv, grey, cuts, "colour")


def shot_changes(clip) -> Shots:
    """The clip's shot changes, computed on first call and cached in ``clip.extras["shots"]``."""
    def compute() -> Shots:
        frames = clip.frames if clip.has_video else np.zeros((0, 2, 2, 3), np.uint8)
        return detect(frames, clip.frame_times[: len(frames)])

    return clip.shared("shots", compute)


__all__ = [
    "ADAPTIVE_THRESHOLD", "ADAPTIVE_WIDTH", "BLANK_STD", "GREY_DISTANCE", "HASH_CHANGE", "MIN_CONTENT", "SHOT_DISTANCE", "WINDOW", "Shots",
    "ZOOM_JUMP", "ZOOM_SPIKE", "adaptive_cuts", "detect", "transition_cuts", "zoom_cuts", "zoom_step",
    "hsv_histograms", "shot_changes", "shot_distances", "small_frames",
]
