"""The scene slot's text (`video_desc`): the SABER-style description that cites the measurements of
plugins/scene_measure.py (lighting, bars, colours, motion, shots, faces and people).

Moved out of plugins/scene.py, which re-exports every name here.
"""

from __future__ import annotations

from typing import Any

from saber_agent.plugins.face_fine import fine_words
from saber_agent.plugins.face_limits import file_scale, no_face_words
from saber_agent.plugins.picture_area import bars_words
from saber_agent.wording import PHOTO, THE_PHOTO, counted


def brightness_words(level: float) -> str:
    if level < 50:
        return "very dark"
    if level < 90:
        return "dimly lit"
    if level < 160:
        return "moderately lit"
    if level < 200:
        return "brightly lit"
    return "very bright"


def contrast_words(rms: float) -> str:
    return "low-contrast, flat" if rms < 30 else "high-contrast" if rms > 65 else "moderate-contrast"


def temperature_words(kelvin: float | None) -> str | None:
    if kelvin is None:
        return None
    if kelvin < 4000:
        return "a warm, orange cast"
    if kelvin < 5000:
        return "a slightly warm cast"
    if kelvin <= 7000:
        return "a neutral colour balance"
    if kelvin <= 9000:
        return "a slightly cool cast"
    return "a cool, blue cast"


def motion_words(energy: float | None, static: bool = False) -> str:
    """The motion sentence: `static` is the clip's still-picture decision within shots (`picture_change`), the
    energy (mean absolute frame difference, 0-1) grades the motion of a picture that changes."""
    if energy is None:
        return "Motion cannot be measured from a single frame."
    if static:
        return f"The picture is static (frame-difference energy {energy:.3f})."
    if energy < 0.004:
        return f"There is little motion in the picture (frame-difference energy {energy:.3f})."
    if energy < 0.015:
        return f"There is slight motion in the picture (frame-difference energy {energy:.3f})."
    if energy < 0.05:
        return f"There is moderate motion in the picture (frame-difference energy {energy:.3f})."
    return f"There is strong motion in the picture (frame-difference energy {energy:.3f})."


def _list(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def describe(m: dict[str, Any]) -> str:
    """SABER-style `video_desc` text that cites the measurements."""
    light = m["lighting"]
    parts = []
    tone = temperature_words(light["colour_temperature_k"])
    lighting = (
        f"The scene is {brightness_words(light['brightness_mean'])} (mean brightness {light['brightness_mean']:.0f}/255) "
        f"and {contrast_words(light['contrast_rms'])} (RMS contrast {light['contrast_rms']:.0f})"
    )
    if tone:
        lighting += f", with {tone} (about {light['colour_temperature_k']:.0f} K)"
    parts.append(lighting + ".")
    if bars_words(m.get("bars") or {}):
        parts.append(bars_words(m["bars"]))
    clipped = []
    if light["shadows_clipped"] > 0.15:
        clipped.append(f"{light['shadows_clipped'] * 100:.0f}% of the picture is crushed to black")
    if light["highlights_clipped"] > 0.1:
        clipped.append(f"{light['highlights_clipped'] * 100:.0f}% is blown out to white")
    if clipped:
        parts.append(_list(clipped).capitalize() + ".")
    colours = m["dominant_colours"]
    if colours:
        named = [f"{c['name']} ({c['share'] * 100:.0f}%)" for c in colours]
        vivid = "muted" if light["saturation_mean"] < 0.2 else "vivid" if light["saturation_mean"] > 0.5 else "moderately saturated"
        parts.append(f"Its colours are {vivid}, dominated by {_list(named)}.")
    changes = m["shot_changes"]
    if m.get("still_image"):
        parts.append(f"It is {PHOTO}: nothing in it moves and it has no shot changes.")
    elif m["n_frames"] < 2:
        parts.append("Only one frame was available, so motion and shot changes cannot be measured.")
    else:
        parts.append(motion_words(m["motion"]["energy_mean"], bool(m["motion"].get("picture_static"))))
        if changes:
            times = _list([f"{c['t']:.1f} s" for c in changes])
            parts.append(f"The clip has {len(m['shots'])} shots, with a cut at {times}.")
        else:
            parts.append("It is a single continuous shot.")
        swaps = m.get("graphics_changes") or []
        if swaps:  # a slide or caption change is no cut, but the picture's content did change
            said = [f"{e['t']:.1f} s" for e in swaps[:4]] + ([counted(len(swaps) - 4, "more time")] if len(swaps) > 4 else [])
            times = _list(said)
            parts.append(f"Part of the picture changes in one step at {times} and holds still around it: on-screen text or "
                         "graphics (a slide, a caption, a highlight) changing, not a cut.")
    faces, people = m.get("faces"), m["people"]
    if faces is None:
        who = "Faces could not be counted (no face tracker)"
    elif faces["max"] == 0:  # not "no face is visible": a face under the detector's size is missed (face_limits)
        finer = fine_words(faces.get("fine"), file_scale(faces.get("limit")))
        who = no_face_words(faces.get("limit"), maybe_there=finer is None) + (f". {finer[:-1]}" if finer else "")
    elif m.get("still_image"):  # a photo has no share of frames and no "at once"
        who = ("One face is" if faces["max"] == 1 else f"{faces['max']} faces are") + f" visible in {THE_PHOTO}"
    elif faces["max"] == 1:
        who = f"One face is visible ({faces['frames_with_face'] * 100:.0f}% of frames)"
    else:
        who = f"Up to {faces['max']} faces are visible at once"
    if people["bodies"]:
        who += f"; a pedestrian detector finds {counted(people['bodies'], 'full-body figure')}"
    parts.append(who + ".")
    return " ".join(parts)
