"""Shared wording for the tools' text: a count with its noun in the right number, and how a photo is named.

- `noun(n, word)`: "frame" for n == 1, else "frames" ("1 of 1 sampled frame", "0 frames", "3 frames").
- `counted(n, word)`: the number with it ("1 frame", "3 frames").
- `looked_at(n, still_image)`: what a picture tool looked at: "the one still image" of a photo
  (`ClipInfo.still_image`: one picture, no time), else "n sampled frame(s)".
- PHOTO, THE_PHOTO: a photo's name in every tool's text ("It is a photo (one still image)", "in the photo"); a photo is
  no clip of one frame: it has no duration, no frame rate and no share of frames.
"""

from __future__ import annotations

PHOTO = "a photo (one still image)"  # what the clip is: the body's reason and the scene's text
THE_PHOTO = "the photo"  # where something is seen in it: "The face in the photo", "One face is visible in the photo"
ONE_STILL_IMAGE = "the one still image"  # what was searched or looked at: "(the one still image searched)"


def noun(n: int, word: str, plural: str | None = None) -> str:
    """`word` in the number `n` asks for: singular for exactly 1, else `plural` (default `word` + "s")."""
    return word if n == 1 else plural or word + "s"


def counted(n: int, word: str, plural: str | None = None) -> str:
    """`n` and its noun: "1 frame", "3 frames", "0 frames"."""
    return f"{n} {noun(n, word, plural)}"


def looked_at(n: int, still_image: bool) -> str:
    """What a picture tool looked at: ONE_STILL_IMAGE for a photo (`ClipInfo.still_image`), else "n sampled frame(s)"."""
    return ONE_STILL_IMAGE if still_image else counted(n, "sampled frame")


__all__ = ["ONE_STILL_IMAGE", "PHOTO", "THE_PHOTO", "counted", "looked_at", "noun"]
