"""A face turned in the picture plane (roll), turned upright before its expression is classified.

The expression classifiers (FER-2013 mini-Xception, deepface) were trained on upright faces: a picture
turned sideways with no rotation tag (an app stripped it) or a person lying down gives them a face
rolled ~90 degrees, and they read it wrong (the trial's sideways_notag.mp4: upright "neutral", turned
"mostly sad ... surprise"). The face mesh measures the roll (`action_units.euler`: the eye line's angle
in the image, degrees, > 0 clockwise on screen); where |roll| exceeds UPRIGHT_ROLL_DEG the frame is
rotated about the face's centre by that angle (a right angle when within SNAP_DEG of one), which
levels the eye line, and a box from the mesh is cropped from it (`mesh_boxes`). Small tilts are left
alone (the classifier copes with them, and rotating blurs).
"""

from __future__ import annotations

import numpy as np

from saber_agent.wording import counted

UPRIGHT_ROLL_DEG = 25.0
SNAP_DEG = 10.0  # a roll this close to a right angle is taken as the right angle (a picture turned sideways)
MESH_WIDTH_PER_BOX = 0.95
BOX_DROP = 0.06


def frame_rolls(geometry: dict | None, n: int) -> np.ndarray | None:
    """(n,) degrees to turn each sampled frame's face by (0: leave it), from the face tool's geometry; None if none.

    A frame without a mesh takes the clip's median roll when that median is large (a still picture
    turned sideways stays turned where the mesh missed a frame).
    """
    if not geometry or not geometry.get("frames_with_mesh"):
        return None
    roll = np.array([np.nan if r is None else float(r) for r in geometry["timeline"]["roll_deg"]], dtype=np.float64)
    if len(roll) != n or np.isnan(roll).all():
        return None
    median = float(np.nanmedian(roll))
    roll = np.where(np.isnan(roll), median if abs(median) > UPRIGHT_ROLL_DEG else 0.0, roll)
    roll[np.abs(roll) <= UPRIGHT_ROLL_DEG] = 0.0
    # a picture turned sideways is turned by a right angle; the few degrees beyond are the head's own tilt,
    # which an upright picture keeps too (sideways_notag.mp4: roll 87-88, neutral 0.71 turned by it, 0.80 by 90)
    square = 90.0 * np.round(roll / 90.0)
    roll = np.where(np.abs(roll - square) <= SNAP_DEG, square, roll)
    return roll if roll.any() else None


def mesh_boxes(points: np.ndarray | None, rolls: np.ndarray | None, boxes: np.ndarray) -> np.ndarray:
    """(n, 4) the face boxes to crop from the turned frames: where a frame is turned and has a mesh, a square
    box from the mesh in the face's own axes (the detector's box around a sideways face is off centre and
    small); else `boxes` as given.

    Side: the mesh's width along the eye line / MESH_WIDTH_PER_BOX; centre: the mesh's centre moved
    BOX_DROP sides toward the chin. Both as the detector's box sits on upright faces (astronaut,
    Hopper at two sizes: width 0.94-0.97 of the box, centre 0.05-0.07 box widths above the box's).
    """
    out = np.array(boxes, dtype=np.float64, copy=True)
    if points is None or rolls is None:
        return out
    for i in np.flatnonzero(rolls):
        p = points[i, :468, :2]
        if np.isnan(p[0, 0]):
            continue
        across = p[263] - p[33]
        across /= max(1e-9, float(np.linalg.norm(across)))
        down = (p[152] - p[10]) - np.dot(p[152] - p[10], across) * across
        down /= max(1e-9, float(np.linalg.norm(down)))
        width = float(np.ptp(p @ across))
        along = p @ down
        centre = across * (p @ across).min() + across * width / 2 + down * (along.min() + along.max()) / 2
        side = width / MESH_WIDTH_PER_BOX
        centre = centre + BOX_DROP * side * down
        out[i] = [centre[0] - side / 2, centre[1] - side / 2, side, side]
    return out


def upright(image: np.ndarray, box: np.ndarray, roll_deg: float) -> np.ndarray:
    """`image` (H, W) or (H, W, 3) turned about the centre of `box` (x, y, w, h) so a face rolled by `roll_deg` stands upright."""
    import cv2

    if not roll_deg:
        return image
    x, y, w, h = (float(v) for v in box)
    matrix = cv2.getRotationMatrix2D((x + w / 2, y + h / 2), float(roll_deg), 1.0)
    height, width = image.shape[:2]
    return cv2.warpAffine(image, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def summary(rolls: np.ndarray | None, geometry: dict | None = None) -> dict | None:
    """What was turned (JSON-able): frames, the median turn and the mesh's median roll (degrees); None when nothing was."""
    if rolls is None:
        return None
    turned = rolls[rolls != 0]
    measured = ((geometry or {}).get("head_pose") or {}).get("roll_deg_median")
    return {"frames": int(turned.size), "turned_deg": round(float(np.median(turned)), 1), "roll_deg": measured,
            "threshold_deg": UPRIGHT_ROLL_DEG}


def sentence(info: dict | None, still_image: bool = False) -> str:
    """What the slot says of a face read turned upright (empty where none was). `still_image`: a photo (one frame):
    no count of frames."""
    if not info:
        return ""
    roll = f" (roll {info['roll_deg']:+.0f} degrees)" if info.get("roll_deg") is not None else ""
    n = info["frames"]
    frames = "" if still_image else f", {counted(n, 'frame')}"
    return (f"The face lies on its side in the picture{roll}: a picture turned sideways or a head lying down; its expression "
            f"was read on the face turned upright (by {abs(info['turned_deg']):.0f} degrees{frames}).")


__all__ = ["UPRIGHT_ROLL_DEG", "frame_rolls", "mesh_boxes", "sentence", "summary", "upright"]
