"""The body slot's text (`body_lang_desc`): the SABER-style description that cites the measurements of
plugins/body_measure.py (flow per region, bursts, head nods and shakes, lean, shifts, camera motion).

Moved out of plugins/body.py, which re-exports every name here.
"""

from __future__ import annotations

from typing import Any

from saber_agent.plugins.motion import LEVEL_ORDER, shift_sentence
from saber_agent.plugins.motion_graphics import NAMED_SHARE
from saber_agent.plugins.pose import describe_pose

REGION_WORDS = {"upper_body": "the upper body", "hands_sides": "the hands and sides", "centre": "the centre of the frame",
                "sides": "the sides of the frame"}


def overall_level(m: dict[str, Any]) -> str:
    """The most active region's level."""
    return max((r["level"] for r in m["regions"].values()), key=LEVEL_ORDER.index)


def _span(a: float, b: float) -> str:
    return f"{a:.1f}-{b:.1f} s"


def graphics_sentence(m: dict[str, Any]) -> str:
    """The sentence for on-screen graphics changes left out of the movement (empty when there were none).

    Only changes of at least NAMED_SHARE of the frame are named: a few pixels of re-encoding flicker, left out of the
    movement too, are not worth a sentence.
    """
    events = [e for e in m.get("graphics_changes") or [] if e["share"] >= NAMED_SHARE]
    if not events:
        return ""
    times = ", ".join(f"{e['t']:.1f} s" for e in events[:4]) + (", ..." if len(events) > 4 else "")
    return (f"A part of the picture swaps in one step and holds still around it at {times} (on-screen graphics, text or a "
            "frame: a slide, a caption, a call's speaker highlight); that change is not counted as movement.")


def describe(m: dict[str, Any]) -> str:
    """SABER-style `body_lang_desc` text that cites the measurements."""
    regions = m["regions"]
    word = overall_level(m)
    (k1, r1), (k2, r2) = list(regions.items())[:2]
    levels = (
        f"optical flow {r1['energy_mean']:.1f}% of the frame width per second in {REGION_WORDS[k1]} and "
        f"{r2['energy_mean']:.1f}% in {REGION_WORDS[k2]}; {r1['changed_fraction_mean'] * 100:.1f}% and "
        f"{r2['changed_fraction_mean'] * 100:.1f}% of their pixels change between frames"
    )
    head = m["head"]
    where = "outside the head" if head["tracked"] else "over the whole frame"
    if head["tracked"]:
        opening = {"little": "There is little body movement", "slight": "There is slight body movement",
                   "moderate": "The body moves moderately", "lively": "The body is lively, with a lot of gesturing"}[word]
    else:  # with no face there is no body to anchor the regions to: say "movement", not "gesture"
        opening = f"There is {'lively' if word == 'lively' else word} movement"
    parts = [f"{opening} {where} ({levels})."]
    burst_word = "gesture" if head["tracked"] else "movement"
    if m["bursts"]:
        spans = [f"{_span(b['start'], b['end'])} ({REGION_WORDS[b['region']]})" for b in m["bursts"][:4]]
        parts.append(f"Bursts of {burst_word} at {', '.join(spans)}.")
    elif word != "little":
        parts.append(f"No distinct burst of {burst_word} stands out.")
    parts.append(graphics_sentence(m))  # said beside the movement it is left out of
    if head["tracked"]:
        gestures = head["gestures"]
        nods = [g for g in gestures if g["kind"] == "nod"]
        shakes = [g for g in gestures if g["kind"] == "shake"]
        said = []
        for _kind, found, verb in (("nod", nods, "nods"), ("shake", shakes, "shakes")):
            if found:
                count = sum(max(1, int(round(g["cycles"]))) for g in found)
                spans = ", ".join(_span(g["start"], g["end"]) for g in found)
                said.append(f"the head {verb} ({count} {'time' if count == 1 else 'times'}, {spans})")
        if said:
            parts.append(" and ".join(said).capitalize() + ".")
        else:
            parts.append(f"No head nod or shake is seen (head tracked in {head['frames_with_face'] * 100:.0f}% of frames).")
        if head["max_resolvable_hz"] < 1.5:
            parts.append(f"At {m['sample_fps']:g} sampled frames per second, nods faster than {head['max_resolvable_hz']:g} Hz "
                         "cannot be resolved.")
        pose = m.get("posture")
        if pose:
            posture_bits = []
            if pose["lean"] == "toward":
                posture_bits.append(f"leans toward the camera (face {(pose['scale_ratio'] - 1) * 100:.0f}% larger by the end)")
            elif pose["lean"] == "away":
                posture_bits.append(f"leans back, away from the camera (face {(1 - pose['scale_ratio']) * 100:.0f}% smaller by the end)")
            for shift in pose["shifts"][:3]:
                posture_bits.append(f"shifts {shift['direction']} at {shift['t']:.1f} s")
            if posture_bits:
                parts.append("The speaker " + ", ".join(posture_bits) + ".")
            else:
                steady = "head" if (m.get("keypoints") or {}).get("sideways") else "posture"  # a sideways posture is not read
                parts.append(f"The {steady} stays steady (no lean or shift of the head's position).")
    else:
        parts.append(f"The head could not be tracked ({head['reason']}), so nods, shakes and lean are not described.")
    if m.get("shot_changes"):
        cuts = ", ".join(f"{t:.1f} s" for t in m["shot_changes"][:4])
        parts.append(f"The change of shot at {cuts} is not counted as movement.")
    camera = m["camera"]
    if camera["moving"]:
        moves = []
        if abs(camera["zoom"] - 1) > 0.03:
            within = " within a shot" if m.get("shot_changes") else ""  # zoom is measured per shot: a cut resets it
            moves.append(f"zooms {'in' if camera['zoom'] > 1 else 'out'} (x{camera['zoom']:.2f}{within})")
        if max(abs(camera["pan_x"]), abs(camera["pan_y"])) > 0.03:
            moves.append("pans")
        parts.append(f"The camera {' and '.join(moves)}; its motion is discounted.")
    parts.append(shift_sentence(m))
    if "pose" in m and m["pose"].get("status") == "ok":
        parts.append(describe_pose(m["pose"]))
    return " ".join(p for p in parts if p)
