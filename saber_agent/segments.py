"""Utterance-level analysis (``--segment utterances``): a clip split into utterances, each analysed as
its own six-slot SABER record by the one compiled graph, each with its speaker, and a whole-clip summary.

The segment model (docs/segments.md):

- The file is decoded once (`saber_agent.media.clip_cache`); each utterance is a window of that clip
  (`DecodeSettings.window_s`), which every graph node reads through the cache as it reads a whole clip.
  A segment's result is on the window's clock (0 s = the segment's start); `Segment.start_s` places it.
- Utterances come from the clip's shared voice-activity decision (`saber_agent.voice_activity`):
  its speech regions, cut where the detector hears no voice for `min_pause_s` or more. Without the
  detector (energy regions only), a transcript tool's word times over the whole clip cut between
  words `min_pause_s` apart and keep boundaries out of words; with it they are not used (whisper's
  word times drift over pauses: on the 10-minute bench clip they joined 6 of 116 turns, and as
  extra cuts split them into 124). Bursts under `MIN_UTTERANCE_S` join a neighbour within `JOIN_GAP_S` (else they
  are dropped: a cough); an utterance over `max_utterance_s` is cut at its longest pause. The run then cuts an
  utterance where its voice changes without a pause (`saber_agent.voice_changes`: a turn taken as the other voice
  stops or over its last words), where each side holds enough voiced speech and the two sides' voices lie far apart.
- Speakers: `saber_agent.speakers` (voices clustered) and `saber_agent.plugins.speaker_faces` (faces tracked, voice linked to face).
- Whose face: an utterance's face slot is the speaker's only where the picture can tell. With two or
  more faces on screen and none identified by its moving mouth (a still picture, closed mouths), or
  one face whose mouth stays closed while the voice speaks, the face tool (which reads the largest
  face) is not run for it: its `facial_exp_desc` is unavailable for the speaker and lists the faces on
  screen as context, so no face cue enters the fusion (`saber_agent.plugins.speaker_faces.unattributed_face`, `Segment.face_note`). Where
  the speaker's face is identified but the face tool's main face is another one, likewise, the slot naming
  both (`saber_agent.plugins.speaker_faces.main_face_elsewhere`): the face tool has no option to read a given face.
  The body tool reads that same main person, so its slot is withheld with the face's (unavailable, saying why).
- Voice activity per utterance: the window's tools read the whole clip's decision cut to the window
  (`saber_agent.voice_activity.window_activity`, also `segments_run.window_activity`), never a new detection on the
  window alone; a second look on part of the window or at a denser frame rate reads it too (`reperception.clip_for`).
- Long recordings: frames are sampled for the whole file within `FRAME_BUDGET_BYTES` (a 30-minute
  file at 2 fps keeps 3,600 frames at 256-384 px), the audio is kept whole (16 kHz float32: 115 MB
  for 30 minutes), and every segment's result is small (text and timelines).

- No finding: an utterance whose analysis found no emotion (no modality gave an estimate) reads
  "undetermined" (`Segment.emotion`), never "neutral", and counts towards no speaker's emotions or valence.

Not handled: overlapping speech with no voice change found is one utterance with one voice (it is flagged:
`Segment.notes` says "overlapping speech at t1-t2", the two pitches and the voices they are nearest, where two voices of
distinct pitch speak at once, `saber_agent.speech_overlap`); turns without a pause between like voices (one utterance).
"""

from __future__ import annotations

import math
import os

import numpy as np
from pydantic import BaseModel, Field

from saber_agent.evidence import ClipInfo, Result, Timeline
from saber_agent.media import DecodeSettings
from saber_agent.settings import AnalysisSettings
from saber_agent.voice_frames import true_runs

MIN_PAUSE_S = 0.5
MIN_UTTERANCE_S = 0.4
JOIN_GAP_S = 1.0
MAX_UTTERANCE_S = 30.0
PAD_S = 0.1  # kept on each side of an utterance, inside the pause
FRAME_BUDGET_BYTES = 512 * 2**20  # sampled frames of a segmented file, at most
MIN_SIDE = 256
MAX_FRAMES = 3600  # 30 minutes at 2 fps
UNDETERMINED = "undetermined"  # an utterance's emotion where no modality gave an estimate (no finding)
UNCERTAIN = "uncertain"  # the label a reasoner adds where the emotion it names is no finding
CHANGE_VALENCE = 0.3  # a change of valence at least this large between consecutive utterances is named


class Segment(BaseModel):
    """One utterance: where it is, who says it, and its full six-slot result (on its own clock)."""

    index: int
    start_s: float
    end_s: float
    speaker: str | None = None  # voice label (A, B, ...); None when too little voice to place it
    speaker_face: str | None = None  # face id (F1, ...) of the speaker when the picture tells
    faces: list[str] = Field(default_factory=list)  # faces on screen during the utterance
    listeners: list[str] = Field(default_factory=list)  # faces on screen that are not the speaker's
    # face id -> what it shows in this utterance, with its role: "speaker: happiness (0.93)", "listener: ..."
    face_reads: dict[str, str] = Field(default_factory=dict)
    # why no face on screen can stand for the speaker here (the face tool is then not run for this
    # utterance: its face slot says so and lists the faces on screen as context); None: it may
    face_note: str | None = None
    # what else a reader must know of this utterance: "overlapping speech at 3.4-4.4 s" (two voices at once: their
    # pitches, the voices they are nearest, and whether the utterance was cut there: `utterance_notes.overlap_note`), a
    # voice-activity disagreement
    notes: list[str] = Field(default_factory=list)
    words: str = ""  # what a whole-clip transcript heard in it, when one was made (the result has its own)
    result: Result | None = None
    error: str | None = None  # the analysis of this utterance failed (the others go on)

    @property
    def valence(self) -> float | None:
        return self.result.analysis.valence if self.result and self.result.analysis else None

    @property
    def undetermined(self) -> bool:
        """The analysis found no emotion (no modality gave an estimate: fusion's "undetermined"), which its
        `basic_emotion` "neutral" only stands in for: not a finding of neutral."""
        analysis = self.result.analysis if self.result else None
        return analysis is not None and UNDETERMINED in analysis.emotions

    @property
    def emotion(self) -> str | None:
        """The utterance's basic emotion; "undetermined" where there was no finding (never "neutral" for that)."""
        if not (self.result and self.result.analysis):
            return None
        return UNDETERMINED if self.undetermined else self.result.analysis.basic_emotion

    @property
    def uncertain(self) -> bool:
        """The reasoner named an emotion but flagged it as no finding ("uncertain" among its labels: a weak lean, a
        named emotion against the conclusion's sign, a weak estimate's emotion): the summary names it as no emotion
        felt, and a progress line says so."""
        analysis = self.result.analysis if self.result else None
        return analysis is not None and not self.undetermined and UNCERTAIN in analysis.emotions

    @property
    def said(self) -> str:
        """The utterance's emotion as a progress line says it: "anger (-0.45)", "anger, uncertain (+0.12)",
        "undetermined", or "failed: why"."""
        if self.valence is None:
            return f"failed: {self.error}"
        if self.undetermined:
            return UNDETERMINED
        return f"{self.emotion}{', ' + UNCERTAIN if self.uncertain else ''} ({self.valence:+.2f})"


class Speaker(BaseModel):
    """One voice of the clip."""

    label: str
    segments: list[int] = Field(default_factory=list)
    speech_s: float = 0.0
    f0_median_hz: float | None = None  # of the voice's own voiced frames (background music's left out)
    f0_note: str | None = None  # background music's pitch frames left out, or why there is no F0
    face: str | None = None  # linked face id, or None
    face_link: str = ""  # why this face, or why none (still picture, off-screen, ...)


class FeelingChange(BaseModel):
    """Where the feeling changed between two consecutive utterances."""

    at_s: float
    before: int  # segment index
    after: int
    speakers: tuple[str | None, str | None]
    emotions: tuple[str | None, str | None]
    valences: tuple[float | None, float | None]
    said: str


class SegmentSummary(BaseModel):
    """The whole clip: its emotion trajectory, who felt what, and where it changed."""

    trajectory: Timeline  # one sample per utterance (its middle): valence, arousal; labels speaker, emotion
    by_speaker: dict[str, dict] = Field(default_factory=dict)  # label -> emotions said, mean valence, time
    changes: list[FeelingChange] = Field(default_factory=list)
    text: str = ""


class SegmentedResult(BaseModel):
    """The result of ``--segment utterances``."""

    clip: ClipInfo
    segments: list[Segment]
    speakers: list[Speaker]
    summary: SegmentSummary
    split: dict = Field(default_factory=dict)  # how the utterances were found
    faces: dict = Field(default_factory=dict)  # face ids and how they were linked
    timings: dict[str, float] = Field(default_factory=dict)
    errors: list[str] = Field(default_factory=list)


# -- splitting ----------------------------------------------------------------------------------


def split_utterances(
    regions: list[tuple[float, float]], probabilities: np.ndarray | None = None, words: list[dict] | None = None,
    min_pause_s: float = MIN_PAUSE_S, max_utterance_s: float = MAX_UTTERANCE_S, step_s: float = 512 / 16_000,
    pause_prob: float = 0.35,
) -> list[tuple[float, float]]:
    """Utterance spans (start, end seconds) from speech `regions`, the detector's per-window speech
    `probabilities` (one per `step_s`), and optional `words` (dicts with ``start``, ``end``)."""
    spans: list[tuple[float, float]] = []
    for a, b in regions:
        spans += _cut_at_pauses(a, b, probabilities, step_s, pause_prob, min_pause_s)
    if words:  # the detector's pauses stand: whisper's word times drift over pauses, so they only
        # move a boundary out of a word when there is no detector (energy regions cut words)
        spans = _cut_between_words(spans, words, min_pause_s, extend=probabilities is None)
    spans = [s for span in spans for s in _cap(span, probabilities, step_s, max_utterance_s)]
    return _join_short(spans)


def within_clip(spans: list[tuple[float, float]], end_s: float) -> list[tuple[float, float]]:
    """`spans` (start, end seconds) ended at `end_s`, the clip's length (`Clip.duration_s`, the container's): a clip's
    decoded audio can run past it (AAC pads its last frame: 1.02 s of audio for a 1.0 s .m4a), and an utterance ended
    in that tail ended after the clip. A span that starts at or after `end_s` is dropped."""
    return [(a, min(b, end_s)) for a, b in spans if a < end_s]


def _quiet_runs(a: float, b: float, probabilities, step_s: float, pause_prob: float, min_s: float) -> list[tuple[float, float]]:
    i0, i1 = int(a / step_s), int(math.ceil(b / step_s))
    runs = true_runs(probabilities[i0:i1] < pause_prob)
    return [((i0 + s) * step_s, (i0 + e) * step_s) for s, e in runs if (e - s) * step_s >= min_s]


def _cut_at_pauses(a, b, probabilities, step_s, pause_prob, min_pause_s) -> list[tuple[float, float]]:
    if probabilities is None:
        return [(a, b)]
    pieces, start = [], a
    for q0, q1 in _quiet_runs(a, b, probabilities, step_s, pause_prob, min_pause_s):
        if q0 <= a + 1e-6 or q1 >= b - 1e-6:  # the region's own padding
            start = max(start, q1 - PAD_S) if q0 <= a + 1e-6 else start
            b = min(b, q0 + PAD_S) if q1 >= b - 1e-6 else b
            continue
        pieces.append((start, q0 + PAD_S))
        start = q1 - PAD_S
    pieces.append((start, b))
    return [(s, e) for s, e in pieces if e > s]


def _cut_between_words(spans, words, min_pause_s, extend: bool = True) -> list[tuple[float, float]]:
    """Cut where consecutive words lie `min_pause_s` apart; with `extend`, a span's edge that falls
    inside a word moves out to the word's edge (never into the neighbouring span)."""
    out = []
    for k, (a, b) in enumerate(spans):
        inside = [w for w in words if w["end"] > a and w["start"] < b]
        if not extend:
            inside = [w for w in inside if w["start"] >= a and w["end"] <= b] or inside
        previous_end = out[-1][1] if out else (spans[k - 1][1] if k else 0.0)
        start = max(previous_end, min(a, inside[0]["start"])) if extend and inside else a
        for w0, w1 in zip(inside, inside[1:], strict=False):
            cut_end, cut_start = w0["end"] + PAD_S, w1["start"] - PAD_S
            if w1["start"] - w0["end"] >= min_pause_s and start < cut_end and cut_start < b:
                out.append((start, cut_end))
                start = cut_start
        following = spans[k + 1][0] if k + 1 < len(spans) else math.inf
        end = min(following, max(b, inside[-1]["end"])) if extend and inside else b
        out.append((start, end))
    return out


def _cap(span, probabilities, step_s, max_s) -> list[tuple[float, float]]:
    a, b = span
    if b - a <= max_s:
        return [span]
    middle = None
    if probabilities is not None:  # the quietest window away from the ends
        i0, i1 = int((a + 1) / step_s), int((b - 1) / step_s)
        if i1 > i0:
            middle = (i0 + int(np.argmin(probabilities[i0:i1]))) * step_s
    middle = middle if middle is not None else (a + b) / 2
    return _cap((a, middle), probabilities, step_s, max_s) + _cap((middle, b), probabilities, step_s, max_s)


def _join_short(spans) -> list[tuple[float, float]]:
    out: list[list[float]] = []
    for a, b in sorted(spans):
        if out and a < out[-1][1]:  # overlapping after padding
            out[-1][1] = max(out[-1][1], b)
        elif b - a < MIN_UTTERANCE_S and out and a - out[-1][1] <= JOIN_GAP_S:
            out[-1][1] = b
        elif out and out[-1][1] - out[-1][0] < MIN_UTTERANCE_S and a - out[-1][1] <= JOIN_GAP_S:
            out[-1][1] = b
        else:
            out.append([a, b])
    return [(round(a, 3), round(b, 3)) for a, b in out if b - a >= MIN_UTTERANCE_S]


# -- decoding a long file -----------------------------------------------------------------------


def segment_decode(path: str | os.PathLike, decode: DecodeSettings) -> DecodeSettings:
    """Decode settings that sample the whole file at `decode.fps` within FRAME_BUDGET_BYTES of frames
    (more frames than a single analysis keeps, smaller when the file is long). A file that cannot be
    probed keeps `decode` (decoding it then raises the clear MediaError)."""
    try:
        import av

        with av.open(os.fspath(path), metadata_errors="ignore") as container:
            duration = container.duration / 1_000_000 if container.duration else 0.0
            video = next(iter(container.streams.video), None)
            w, h = (video.codec_context.width, video.codec_context.height) if video is not None else (16, 9)
    except Exception:
        return decode
    frames = min(MAX_FRAMES, max(decode.max_frames, math.ceil(duration * decode.fps) + 1))
    aspect = min(w, h) / max(w, h) if w and h else 9 / 16
    side = int(math.sqrt(FRAME_BUDGET_BYTES / (frames * 3 * aspect)))
    return decode.model_copy(update={"max_frames": frames, "max_side": max(MIN_SIDE, min(decode.max_side, side))})


def whole_clip_words(clip, settings: AnalysisSettings) -> tuple[list[dict] | None, str]:
    """Word times over the whole clip from the selected transcript tool, and how they were had."""
    from saber_agent.registry import get_registry

    tool = next((t for t in get_registry().tools_for(settings) if t.slot == "speech_content"), None)
    if tool is None:
        return None, "no transcript tool selected: utterances from voice activity and pauses"
    if not tool.availability().ready:
        return None, f"transcript tool {tool.name!r} not available: utterances from voice activity and pauses"
    try:
        slot = tool.perceive(clip, settings)
    except Exception as exc:
        return None, f"transcript tool {tool.name!r} failed ({type(exc).__name__}): utterances from voice activity"
    words = slot.measurements.get("words") if slot.ok else None
    if not words:
        return None, f"transcript tool {tool.name!r} gave no word times: utterances from voice activity and pauses"
    return [w for w in words if {"start", "end"} <= set(w)], f"word times from {tool.name!r} over the whole clip"


# The run (the graph per utterance, faces by the speaker_faces plugin) is in saber_agent/segments_run.py: the
# foundation imports neither the graph nor a plugin. Its names resolve here as before, imported when asked for.
_RUN_NAMES = frozenset({"BODY_SLOT", "FACE_SLOT", "RunWindow", "analyze_segments", "body_context", "face_context", "run_graph",
                        "window_activity"})


def __getattr__(name: str):
    """`saber_agent.segments.analyze_segments` etc. as before the move, imported only when asked for (PEP 562):
    importing this module imports no plugin and not the graph."""
    if name in _RUN_NAMES:
        from saber_agent import segments_run

        return getattr(segments_run, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["UNCERTAIN", "UNDETERMINED", "FeelingChange", "Segment", "SegmentSummary", "SegmentedResult", "Speaker", "segment_decode",
           "split_utterances", "whole_clip_words", "within_clip"]
