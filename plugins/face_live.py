"""Is the face evidence of the speaker's feeling now? A still picture under a voice, and a hidden mouth.

The face tool reads an expression off whatever face the frames show; these two checks say where that reading is
not the live expression of the person speaking, so the face's cue is discounted (`DISCOUNT`) and the slot says why.
Trial D (a fresh user's clips): the astronaut photo as a voice memo's cover ("I just heard the news about grandma. I am
really sad") read "face: valence +0.80, weight 1.00" -> "bittersweet, masking sadness"; a black box over the smiling
mouth read "consistently angry, mean probability 0.88" -> angry.

- `still_under_speech`: every sampled frame with a face shows the same face pixels (`face_still.steady`'s
  ``face_static``: one still run, no change in < 0.5% of the face region's pixels) and a voice is heard
  (`saber_agent.voice_activity`) at MIN_SPEECH_FRAMES or more of those frames. A speaking face changes (lips, jaw,
  head) between any two frames of speech; one that never does over three frames of speech is a picture (a cover
  image, a photo under a voice memo) or someone who is not speaking: either way not the speaker's live expression.
  A still face with no voice (a photo on its own, a listener in silence) is left alone: its expression is what
  there is to read. A face that changes anywhere in the clip is not judged here (a live face holding still for a
  moment keeps its weight).
- `hidden_mouth`: in the face mesh's frames, the lips' box (outer lip contour, `OUTER_LIPS`) is a flat patch:
  its grey standard deviation is under FLAT_MOUTH of the upper face's (brows to nose tip, between the eyes'
  outer corners). The mesh places lips under a cover (a black box, a hand-held card), and the classifier reads
  the cover as part of the expression. On the 100 lfw_subset faces (upscaled 25x25 crops, the blurriest faces the
  tests hold) the ratio's minimum is 0.36 and its 5th percentile 0.54 (0 of 97 meshed faces flagged); the
  trial's black box reads 0.00. Known misses: a textured cover (a hand, a patterned mask), a cover over part
  of the lips only. Needs the mesh (MediaPipe); without it nothing is said.

Shapes and units: frames (n, H, W, 3) RGB uint8; points (n, 478, 3) frame pixels (NaN rows: no mesh); times seconds.
"""

from __future__ import annotations

import numpy as np

from saber_agent.wording import THE_PHOTO, counted

MIN_SPEECH_FRAMES = 3  # still frames with a voice heard: 1.5 s at 2 fps; a talking face changes within that
# the cue's confidence is multiplied by this: below cues.MIN_CONFIDENCE (0.3), so no conflict (sarcasm, masking) is
# read off it, and it weighs a tenth (a fifth) of a live face's reading in the fusion's balance
DISCOUNT = {"still_under_speech": 0.1, "hidden_mouth": 0.2}
OUTER_LIPS = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0, 37, 39, 40, 185)
FLAT_MOUTH = 0.2  # lips' box grey std / upper face's: under it the mouth is a flat patch (lfw_subset minimum 0.36)
HIDDEN_SHARE = 0.5  # of the meshed frames: a mouth hidden in at least this share is hidden in the clip
# the clause `discount` puts in the face cue's basis for a still face under a voice: the mark the fusion reads
# (`fusion_naming.still_cover`) where the cue carries no measurements
STILL_UNDER_VOICE = "a still face while a voice speaks: not the speaker's live expression"


def frames_in_speech(times: np.ndarray, regions: list[tuple[float, float]]) -> np.ndarray:
    """(n,) bool: the frame's time lies inside a speech region ((start, end) seconds)."""
    times = np.asarray(times, np.float64)
    inside = np.zeros(len(times), bool)
    for a, b in regions:
        inside |= (times >= a) & (times <= b)
    return inside


def still_under_speech(clip, still: dict, face_found: np.ndarray) -> dict | None:
    """What makes a whole-clip still face no live evidence of the speaker (None where it is):
    ``frames_in_speech`` (still frames with a voice heard), ``speech_s``, ``picture_still`` (the whole picture
    is still, `saber_agent.picture_change`), ``factor``.

    `still`: `face_still.steady`'s info; `face_found` (n,) bool, frames with the main face."""
    if not still or not still.get("face_static") or not clip.has_audio or clip.audio_is_silent:
        return None
    from saber_agent.voice_activity import voice_activity

    try:
        activity = voice_activity(clip)
    except ValueError:  # audio the detector cannot read (not 16 kHz): no voice is known to be heard
        return None
    heard = frames_in_speech(clip.frame_times, activity.regions) & np.asarray(face_found, bool)
    if int(heard.sum()) < MIN_SPEECH_FRAMES:
        return None
    from saber_agent.picture_change import picture_change

    return {"frames_in_speech": int(heard.sum()), "speech_s": activity.speech_s, "picture_still": bool(picture_change(clip).still),
            "factor": DISCOUNT["still_under_speech"]}


def mouth_flatness(grey: np.ndarray, p: np.ndarray) -> float | None:
    """The lips' box grey std over the upper face's (see module doc) in one frame; None where either region is
    under 4 pixels or lies outside the frame. `grey` (H, W) uint8; `p` (478, 3) frame pixels."""
    h, w = grey.shape[:2]

    def region(x0: float, x1: float, y0: float, y1: float) -> np.ndarray | None:
        x0, y0 = max(0, int(np.floor(x0))), max(0, int(np.floor(y0)))
        x1, y1 = min(w, int(np.ceil(x1)) + 1), min(h, int(np.ceil(y1)) + 1)
        return grey[y0:y1, x0:x1].astype(np.float64) if x1 - x0 >= 2 and y1 - y0 >= 2 else None

    lips = p[list(OUTER_LIPS), :2]
    mouth = region(lips[:, 0].min(), lips[:, 0].max(), lips[:, 1].min(), lips[:, 1].max())
    ex0, ex1 = sorted((p[33, 0], p[263, 0]))  # the eyes' outer corners
    upper = region(ex0, ex1, min(p[70, 1], p[300, 1]), p[1, 1])  # brows to nose tip
    if mouth is None or upper is None or upper.std() <= 0:
        return None
    return float(mouth.std() / upper.std())


def hidden_mouth(frames: np.ndarray, points: np.ndarray | None) -> dict | None:
    """Whether the mouth is covered by a flat patch in most meshed frames: ``frames_hidden``, ``frames_read``,
    ``flatness`` (median ratio), ``hidden`` (bool), ``factor`` (where hidden); None without a mesh."""
    import cv2

    if points is None:
        return None
    ratios = []
    for i in np.flatnonzero(~np.isnan(points[:, 0, 0])):
        r = mouth_flatness(cv2.cvtColor(frames[i], cv2.COLOR_RGB2GRAY), points[i])
        if r is not None:
            ratios.append(r)
    if not ratios:
        return None
    flat = int(sum(r < FLAT_MOUTH for r in ratios))
    hidden = flat >= HIDDEN_SHARE * len(ratios)
    found = {"frames_hidden": flat, "frames_read": len(ratios), "flatness": round(float(np.median(ratios)), 3), "hidden": hidden,
             "method": f"lips' box grey std < {FLAT_MOUTH} x the upper face's (brows to nose tip)"}
    if hidden:
        found["factor"] = DISCOUNT["hidden_mouth"]
    return found


def sentences(not_live: dict | None, mouth: dict | None, still_image: bool = False) -> str:
    """What the slot says about a face that is no live evidence of the speaker's feeling (empty where it is).
    `still_image`: a photo (`ClipInfo.still_image`): "in the photo", no count of frames."""
    said = []
    if not_live:
        what = "a still picture, such as a cover image" if not_live["picture_still"] else "a face that does not move while a voice speaks"
        said.append(f"A voice is heard in {not_live['frames_in_speech']} of these frames, yet the face never changes ({what}): "
                    "its expression is not the speaker's live expression, so it is given little weight.")
    if mouth and mouth["hidden"]:
        where = THE_PHOTO if still_image else f"{mouth['frames_hidden']} of {counted(mouth['frames_read'], 'frame')} read"
        said.append(f"The lower face is hidden: the mouth is covered by a flat patch in {where}, so the expression cannot be read "
                    "reliably and is given little weight.")
    return " ".join(said)


def discount(m: dict) -> tuple[float, list[str]]:
    """The factor on the face cue's confidence from the slot's measurements, and why (short clauses)."""
    factor, why = 1.0, []
    if (not_live := m.get("not_live")) and not_live.get("factor"):
        factor *= not_live["factor"]
        why.append(STILL_UNDER_VOICE)
    if (mouth := m.get("mouth_hidden")) and mouth.get("hidden"):
        factor *= mouth.get("factor", DISCOUNT["hidden_mouth"])
        why.append("the mouth is covered: the expression is not read reliably")
    return factor, why


__all__ = ["DISCOUNT", "FLAT_MOUTH", "MIN_SPEECH_FRAMES", "STILL_UNDER_VOICE", "discount", "frames_in_speech", "hidden_mouth",
           "mouth_flatness", "sentences", "still_under_speech"]
