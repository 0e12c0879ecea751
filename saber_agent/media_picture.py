"""The picture side of decoding: display proportions, interlaced fields and rotation of sampled frames.

`decode` (saber_agent.media) keeps a frame only at its sampling times; `FramePicture` turns each kept
decoded frame into the RGB array the plugins read (``(h, w, 3)`` uint8):

- proportions: a stream's sample aspect ratio (SAR: the shape of one pixel, e.g. 64:45 for a 720x576
  PAL 16:9 picture) is applied, so a frame has its display proportions (720x576 at 64:45 shows as
  1024x576, kept as 640x360) and faces are not squeezed;
- interlacing: an interlaced frame (the stream's field order ``tt``/``bb``/``tb``/``bt``, or the frame
  flagged interlaced) holds two fields 1/50 s apart; scaled as one picture, a moving edge combs.
  One field is kept (the first in time) and scaled to the output size with FFmpeg's ``field`` filter.
  A temporal deinterlacer (yadif, bwdif) needs every neighbouring frame converted, while only a few
  frames a second are sampled here; one field (540 lines of a 1080i frame) still holds more lines
  than the 360 or so the frames are downscaled to. A 576i or 480i stream loses some vertical detail;
- rotation: the stream's display matrix turns the frame upright as players show it;
- transparency: a picture with an alpha channel (a PNG or GIF with transparent areas) is composited over a
  neutral grey (`BACKDROP`, 128/255): converting it to RGB alone would show whatever colour its transparent
  pixels hold (often the picture under a cut-out mask), analysed as if it were visible.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

# FFmpeg's AVFieldOrder: 0 unknown, 1 progressive, then the interlaced orders (coded first, displayed first)
FIELD_ORDERS = {2: "tt", 3: "bb", 4: "tb", 5: "bt"}
BACKDROP = 128  # grey level (0-255) that transparent pixels are composited over: neutral, mid-level


def scaled_size(width: float, height: float, max_side: int) -> tuple[int, int]:
    """(w, h) that fits `max_side` on the longer side, never upscaled, both even."""
    scale = min(1.0, max_side / max(width, height))
    # even sizes keep every pixel format's chroma subsampling happy
    return max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)


def rotation_of(frame) -> int:
    """Degrees (counter-clockwise, a multiple of 90) to turn a frame so it stands as displayed."""
    try:
        degrees = float(getattr(frame, "rotation", 0) or 0)
    except (TypeError, ValueError):
        return 0
    turn = int(round(degrees / 90.0)) * 90
    return ((turn + 180) % 360) - 180 if turn % 360 else 0


def sample_aspect(video) -> Fraction | None:
    """The stream's sample (pixel) aspect ratio when it is not square and plausible, else None."""
    for source in (getattr(video, "codec_context", None), video):
        try:
            sar = getattr(source, "sample_aspect_ratio", None)
        except (AttributeError, ValueError):
            sar = None
        if sar:
            sar = Fraction(sar)
            return sar if sar != 1 and Fraction(1, 4) <= sar <= 4 else None
    return None


def _has_alpha(frame) -> bool:
    """Whether a decoded frame's pixel format carries an alpha channel (rgba, bgra from a GIF, yuva420p, ...)."""
    try:
        return any(getattr(c, "is_alpha", False) for c in frame.format.components)
    except (AttributeError, ValueError):
        return False


def field_order(video) -> str | None:
    """'tt', 'bb', 'tb' or 'bt' when the stream declares itself interlaced, else None."""
    try:
        order = getattr(video.codec_context, "field_order", None)
    except (AttributeError, ValueError):
        return None
    if isinstance(order, str):
        order = order.lower()
        return order if order in FIELD_ORDERS.values() else None
    return FIELD_ORDERS.get(int(order)) if order is not None else None


class FramePicture:
    """Converts the sampled frames of one video stream (set up from its first sampled frame)."""

    def __init__(self, video, first, max_side: int):
        self.rotation = rotation_of(first)
        self.sar = sample_aspect(video)
        self.order = field_order(video)
        self.coded = (first.width, first.height)
        display_w = first.width * float(self.sar) if self.sar else first.width
        self.size = scaled_size(display_w, first.height, max_side)  # (w, h) before rotation
        self.fields_taken = 0
        self.transparent = 0.0  # the largest share (0..1) of a kept frame's pixels that were not opaque
        self._graph = None  # (graph, source, sink, frame signature) of the field filter
        self._failed: str | None = None

    @property
    def shown_size(self) -> tuple[int, int]:
        """(w, h) of the frames as kept: after rotation."""
        w, h = self.size
        return (h, w) if self.rotation % 180 else (w, h)

    @property
    def source_size(self) -> tuple[int, int]:
        """(w, h) of the file's picture as players display it (pixel aspect and rotation applied), before downscaling."""
        w, h = self.coded
        w = round(w * float(self.sar)) if self.sar else w
        return (h, w) if self.rotation % 180 else (w, h)

    def interlaced(self, frame) -> bool:
        return self.order is not None or bool(getattr(frame, "interlaced_frame", False))

    def rgb(self, frame) -> np.ndarray:
        """(h, w, 3) uint8 RGB of a decoded frame, with display proportions, one field if interlaced, upright."""
        image = None
        if self.interlaced(frame) and self._failed is None:
            image = self._first_field(frame)
        if image is None and _has_alpha(frame):
            image = self._composited(frame.to_ndarray(format="rgba", width=self.size[0], height=self.size[1]))
        if image is None:
            image = frame.to_ndarray(format="rgb24", width=self.size[0], height=self.size[1])
        if self.rotation:
            image = np.ascontiguousarray(np.rot90(image, k=self.rotation // 90))
        return image

    def _composited(self, rgba: np.ndarray) -> np.ndarray:
        """(h, w, 3) uint8: an (h, w, 4) RGBA picture over the neutral grey `BACKDROP` (straight alpha)."""
        alpha = rgba[..., 3:4]
        if alpha.min() == 255:
            return np.ascontiguousarray(rgba[..., :3])
        self.transparent = max(self.transparent, float((alpha < 255).mean()))
        a = alpha.astype(np.float32) / 255.0
        return np.clip(rgba[..., :3] * a + BACKDROP * (1.0 - a) + 0.5, 0, 255).astype(np.uint8)

    def _first_field(self, frame) -> np.ndarray | None:
        import av

        bottom_first = self.order in ("bb", "bt")
        signature = (frame.width, frame.height, frame.format.name)
        try:
            if self._graph is None or self._graph[3] != signature:
                graph = av.filter.Graph()
                source = graph.add_buffer(width=frame.width, height=frame.height, format=frame.format,
                                          time_base=frame.time_base or Fraction(1, 90_000))
                chain = [source, graph.add("field", "bottom" if bottom_first else "top"),
                         graph.add("scale", f"{self.size[0]}:{self.size[1]}"), graph.add("format", "rgb24"),
                         graph.add("buffersink")]
                for a, b in zip(chain, chain[1:], strict=False):
                    a.link_to(b)
                graph.configure()
                self._graph = (graph, source, chain[-1], signature)  # the graph must outlive its filters
            _, source, sink, _ = self._graph
            source.push(frame)
            image = sink.pull().to_ndarray()
        except (av.error.FFmpegError, ValueError, TypeError) as exc:  # keep the whole frame rather than fail
            self._failed = str(exc) or type(exc).__name__
            return None
        self.fields_taken += 1
        return image

    def notes(self) -> list[str]:
        """What was done to the pictures, in words for the clip's notes."""
        notes = []
        if self.sar:
            w, h = self.coded
            notes.append(f"pixels are not square (sample aspect ratio {self.sar.numerator}:{self.sar.denominator}): "
                         f"the {w}x{h} frames are scaled to their display proportions "
                         f"({round(w * float(self.sar))}x{h} as shown, kept as {self.size[0]}x{self.size[1]})")
        if self.fields_taken:
            which = "bottom" if self.order in ("bb", "bt") else "top"
            declared = f"field order {self.order}" if self.order else "frames flagged interlaced"
            notes.append(f"the video is interlaced ({declared}): deinterlaced by keeping the {which} field of each sampled "
                         "frame (no combing on moving edges)")
        if self._failed:
            notes.append(f"the video is interlaced but could not be deinterlaced ({self._failed}); moving edges may comb")
        if self.transparent:
            notes.append(f"the picture is transparent in places ({self.transparent * 100:.0f}% of its pixels): composited over "
                         f"a neutral grey ({BACKDROP}/255), which the scene's colours and lighting include")
        if self.rotation:
            turn = ("180 degrees" if abs(self.rotation) == 180
                    else f"90 degrees {'clockwise' if self.rotation < 0 else 'counter-clockwise'}")
            notes.append(f"frames turned {turn} to stand as players display them (the file's display matrix)")
        return notes
