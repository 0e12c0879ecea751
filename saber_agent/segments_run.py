"""The run of an utterance-level analysis (``--segment utterances``, `saber_agent.segments`): each utterance's
window through the one compiled graph, its speaker's voice and face placed, and the whole-clip summary.

Moved out of `saber_agent.segments` (a foundation module: the segment models, the splitter, the decode of a
long file) because the run needs what the foundation must not import: the graph (`saber_agent.graphs`) and
the face plugins (`saber_agent.plugins.facetrack`, `saber_agent.plugins.speaker_faces`), each imported when a
run starts. Like `saber_agent.api`, this is the entry layer; `saber_agent.segments.analyze_segments` and the
other names below still resolve there (lazily). The segment model and the whose-face rules: the docstring of
`saber_agent.segments` and docs/segments.md.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import numpy as np

from saber_agent.evidence import Result
from saber_agent.media import clip_cache
from saber_agent.segments import (
    MAX_UTTERANCE_S,
    MIN_PAUSE_S,
    Segment,
    SegmentedResult,
    Speaker,
    segment_decode,
    split_utterances,
    whole_clip_words,
    within_clip,
)
from saber_agent.settings import AnalysisSettings
from saber_agent.utterance_notes import (  # the notes an utterance gets (moved there; re-exported)
    in_segment_terms,
    mark_two_voices,
    music_note,
    overlap_note,
    overlap_where,
    segment_terms,
    two_voices_note,
    unknown_note,
)
from saber_agent.voice_activity import window_activity  # moved there (second looks use it too); used below and re-exported
from saber_agent.voice_frames import PITCH_STEP_S, UtterancePitch, utterance_pitch

# -- whose face -------------------------------------------------------------------------------

FACE_SLOT = "facial_exp_desc"
BODY_SLOT = "body_lang_desc"  # the body tool reads the main person: withheld with the face (see `body_context`)


def _main_track(path: str, window: AnalysisSettings):
    """The face tool's main-face track of one window (cached with the window's clip, where the face tool
    finds it again), or None when it cannot be made."""
    from saber_agent.plugins.facetrack import track_faces, tracker_option

    try:
        return track_faces(clip_cache.get(path, window.decode), tracker_option(window))
    except Exception:  # no detector here, a bad option: the face tool says so in its own slot
        return None


def face_context(note: str, reads: dict[str, str], tool: str, speaker_face: str | None = None):
    """The face slot of an utterance whose speaker's face is not identified, or is identified (`speaker_face`)
    but is not the face the face tool reads: unavailable for the speaker, with the faces on screen as context
    (no expression is claimed for the speaker, so no face cue)."""
    from saber_agent.evidence import Provenance, Slot

    on_screen = ", ".join(f"{fid} {read.split(': ', 1)[-1]}" for fid, read in reads.items())
    context = f"faces on screen: {on_screen}" if on_screen else "faces on screen, not read"
    if speaker_face is not None:  # identified: the wording names it, and says why its expression is not given
        text = (f"The speaker's face is {speaker_face}, but the face tool's reading is not of it here ({note}), so no "
                f"facial expression is given for the speaker; {context} (context, not the fused expression).")
        why = f"the face tool does not read the speaker's face {speaker_face} here: {note}; {context}"
    else:
        text = (f"The speaker's face is not identified ({note}), so no facial expression is given for the speaker; "
                f"{context} (context, not the speaker's expression).")
        why = f"the speaker's face is not identified: {note}; {context}, none known to be the speaker's"
    return Slot(text=text, status="unavailable", reason=why,
                measurements={"speaker_face": speaker_face, "why": note, "faces_on_screen": reads},
                provenance=Provenance(plugin=f"segments ({tool} not run for this utterance)"))


def body_context(note: str, tool: str, speaker_face: str | None = None):
    """The body slot of an utterance whose face slot is withheld (`face_context`): the body tool reads the
    main person on screen, who is then not known to be the speaker (an off-screen speaker would get the
    listener's posture), so no body cue is given either."""
    from saber_agent.evidence import Provenance, Slot

    whose = f"the speaker's face {speaker_face} is not the main person here" if speaker_face else "the speaker is not identified on screen"
    why = f"no body language is given for the speaker: {whose} ({note}); the body tool reads the main person on screen"
    return Slot(text="", status="unavailable", reason=why, measurements={"speaker_face": speaker_face, "why": note},
                provenance=Provenance(plugin=f"segments ({tool} not run for this utterance)"))


MOUTH_FPS = 6.0  # the face tracks' frame rate: a still mouth needs speaker_faces.MIN_STILL_FRAMES frames to be seen


def mouth_clip(path: str, clip, decode):
    """The clip the face tracks (whose mouth moves) are measured on: `clip` decoded again at `MOUTH_FPS` where it
    is sampled slower (the default 2 fps gives a 2 s utterance 4 frames, too few to see a mouth still), the
    picture moves, and the file's frames at that rate fit `segments.MAX_FRAMES` (10 minutes); else `clip` itself
    (an utterance with too few frames then says so: `FaceTracks.too_few_to_be_still`). Not cached: only the
    tracks are kept. Measured on trial B's conv_similar.mp4 (12.7 s, two faces): the speaker pass 1.5 s at 2 fps,
    3.0 s at 6 fps."""
    from saber_agent.media import decode as decode_file
    from saber_agent.picture_change import picture_change
    from saber_agent.segments import MAX_FRAMES

    if decode.fps >= MOUTH_FPS or clip.duration_s * MOUTH_FPS > MAX_FRAMES or picture_change(clip).still:
        return clip
    try:
        return decode_file(path, segment_decode(path, decode.model_copy(update={"fps": MOUTH_FPS})))
    except Exception:  # decoded once already: a second decode failing keeps the first one's frames
        return clip


def in_clip_pixels(faces, mouth, clip):
    """`faces` (tracked on `mouth`, the `mouth_clip` of `clip`) with its boxes in `clip`'s pixels: a longer file's
    6 fps decode gets smaller frames within the frame budget (a 200 s 1280x720 file: 514 px wide, not 640), and the
    window's face track the boxes are compared with (`speaker_faces.main_face_elsewhere`) is in `clip`'s."""
    if mouth is clip or not len(mouth.frames) or not len(clip.frames):
        return faces
    (h, w), (mh, mw) = clip.frames.shape[1:3], mouth.frames.shape[1:3]
    if (h, w) != (mh, mw):
        scale = np.array([w / mw, h / mh, w / mw, h / mh])
        faces.boxes = {fid: boxes * scale for fid, boxes in faces.boxes.items()}
    return faces


# -- the voice's own pitch ------------------------------------------------------------------------


def speaker_f0(pitches: list[UtterancePitch | None]) -> tuple[float | None, str | None]:
    """A voice's F0 median (Hz): the median over its utterances of each one's median F0 over the voice's own
    voiced frames (`voice_frames.utterance_pitch`: background music's pitch frames left out), an utterance counted
    where at least `speakers.MIN_VOICED_S` of them is left and no instrument's notes sound under it (`notes`: no frame
    can be told the voice's, as the prosody tool gives no voice's pitch under them); and a note where music's frames
    or utterances were left out, or nothing of the voice's pitch is left."""
    from saber_agent.speakers import MIN_VOICED_S

    medians, shares = [], [p.music_share for p in pitches if p is not None and p.music_share]
    notes = sum(1 for p in pitches if p is not None and p.notes)
    for p in pitches:
        if p is not None and not p.notes and (voiced := p.f0[p.f0 > 0]).size * PITCH_STEP_S >= MIN_VOICED_S:
            medians.append(float(np.median(voiced)))
    if not shares and not notes:
        return (round(float(np.median(medians)), 1) if medians else None), None
    frames = f"up to {max(shares):.0%} of an utterance's voiced frames" if shares else ""
    over = f"{notes} utterance{'s' if notes > 1 else ''} over an instrument's sustained notes" if notes else ""
    if not medians and not notes:
        return None, (f"no F0: the pitch track follows background music ({frames}) and under {MIN_VOICED_S} s of the "
                      "voice's own pitch is left in any utterance")
    if not medians:
        return None, (f"no F0: no utterance gives the voice's own pitch (background music: "
                      f"{'; '.join(filter(None, (frames, over)))}, whose pitch cannot be told from the voice's)")
    left_out = " and ".join(filter(None, (f"background music's pitch frames ({frames})" if frames else "", over)))
    return round(float(np.median(medians)), 1), f"of the voice's own frames: {left_out} left out"


def without_mixed(f0: tuple[float | None, str | None], left_out: int) -> tuple[float | None, str | None]:
    """A voice's (`speaker_f0`) F0 median and note, the note saying where `left_out` of its utterances likely holding two
    voices (`voice_changes.Peak.two_voices`) gave no F0."""
    if not left_out:
        return f0
    said = f"{left_out} utterance{'s' if left_out > 1 else ''} likely holding two voices left out"
    if f0[0] is None and f0[1] is None:
        return None, f"no F0: {said}, and no other utterance gives the voice's own pitch"
    return f0[0], "; ".join(filter(None, (f0[1], said)))


# -- the run ------------------------------------------------------------------------------------

RunWindow = Callable[[str, AnalysisSettings], Result]


def run_graph(path: str, settings: AnalysisSettings) -> Result:
    """One graph run over the window in `settings.decode.window_s`."""
    from saber_agent.graphs import graph

    return graph.invoke({"clip_path": path}, context=settings)["result"]


def analyze_segments(path: str | os.PathLike, settings: AnalysisSettings | None = None, run: RunWindow | None = None,
                     progress: Callable[[int, int, Segment], None] | None = None) -> SegmentedResult:
    """Split the clip into utterances, analyse each through the graph (`run`, default `run_graph`; the
    batch runner passes its cached one), place speakers and faces, and summarise. Raises MediaError
    for a file that cannot be decoded; one utterance's failure is kept in its `Segment.error`."""
    from saber_agent.plugins.facetrack import tracker_option
    from saber_agent.plugins.speaker_faces import (
        MOUTH_MOVES,
        FaceTracks,
        link_voices,
        main_face_elsewhere,
        speaking_face,
        track_all_faces,
        unattributed_face,
    )
    from saber_agent.registry import get_registry
    from saber_agent.speakers import cluster_voices
    from saber_agent.speech_overlap import track_overlaps
    from saber_agent.voice_activity import voice_activity
    from saber_agent.voice_changes import NEAR_S, voice_turns

    path, run = os.fspath(path), run or run_graph
    settings = (settings or AnalysisSettings()).updated(segment="none")
    decode = segment_decode(path, settings.decode.whole())
    settings = settings.updated(decode=decode)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    clip = clip_cache.get(path, decode)
    timings["decode"] = round(time.perf_counter() - t0, 3)
    t0 = time.perf_counter()
    split: dict = {"min_pause_s": MIN_PAUSE_S, "max_utterance_s": MAX_UTTERANCE_S}
    spans: list[tuple[float, float]] = []
    activity = None
    # where utterances end at the latest: the clip's own length, not its decoded audio's (AAC's last frame is padded:
    # 1.02 s of audio for a 1.0 s .m4a, and the voice activity's regions reach into that tail)
    end_s = clip.duration_s or clip.audio.size / clip.sample_rate
    if clip.has_audio and not clip.audio_is_silent:
        activity = voice_activity(clip)
        if activity.probabilities is None:  # no detector: word times find the pauses the energy cannot
            words, split["words"] = whole_clip_words(clip, settings)
        else:  # whisper's word times drift: on the 10-minute bench clip they joined or split turns
            words, split["words"] = None, "the detector's pauses (word times are not needed: no whole-clip transcript)"
        spans = within_clip(split_utterances(activity.regions, activity.probabilities, words), end_s)
        split["voice_activity"] = activity.detector
    if not spans:  # nothing to split by: the clip is one segment, analysed as a whole
        spans, words = [(0.0, max(end_s, 0.01))], None
        split["note"] = "no speech found: the whole clip is one segment"
    timings["split"] = round(time.perf_counter() - t0, 3)
    t0 = time.perf_counter()
    rate = clip.sample_rate
    # each utterance's pitch and voice, measured once (`voice_changes.voice_turns`: `utterance_pitch`, with the music
    # under it, the prosody tool's decision), and cut where its voice changes (a turn taken without a pause): for its
    # voice features, the overlapping-speech reading and the speaker's F0. "no speech found": no voice to read
    speech = "note" not in split
    turns = voice_turns(clip.audio, rate, spans) if speech else None
    if turns is not None:
        spans, pitches = turns.spans, turns.pitches
        if turns.cuts:
            split["voice_changes"] = (f"cut where the voice changes without a pause at {', '.join(f'{c:.1f}' for c in turns.cuts)} s "
                                      "(each side's voice measured and compared as the speakers are)")
    else:
        pitches = [None] * len(spans)
    voices = cluster_voices(turns.voices) if turns is not None else [None]
    mouth = mouth_clip(path, clip, decode) if clip.has_video else None
    # mouths at MOUTH_FPS, expressions (face_reads) at the clip's own rate: the expression model was a third of the 6 fps pass
    faces = (in_clip_pixels(track_all_faces(mouth, tracker_option(settings), expression_fps=decode.fps), mouth, clip)
             if clip.has_video else FaceTracks(np.zeros(0)))
    links = link_voices([(a, b, v) for (a, b), v in zip(spans, voices, strict=False)], faces)
    # two voices at once inside one utterance (one voice label): flagged, not parted; not read over an instrument's
    # notes (their pitch is no second voice's, and no frame can be told the voice's); and across a voice-change cut
    overlapped = [track_overlaps(p.track, a) if p is not None and not p.notes else []
                  for (a, _), p in zip(spans, pitches, strict=True)]
    for o in turns.overlaps if turns is not None else []:  # read across a cut: noted on both sides, in place of a part's
        at = [c for c in turns.cuts if o.start_s - NEAR_S <= c <= o.end_s + NEAR_S]
        for k, (a, b) in enumerate(spans):
            if (o.start_s < b and o.end_s > a) or any(a <= c <= b for c in at):
                overlapped[k] = [p for p in overlapped[k] if not (o.start_s < p.end_s and p.start_s < o.end_s)] + [o]
    # an uncut utterance whose voice likely changes (`voice_changes.MAYBE_FUSED`): noted, its voice reading withheld, no F0
    mixed = [p is not None and p.two_voices for p in (turns.peaks if turns is not None and turns.peaks else [None] * len(spans))]
    f0s = {voice: without_mixed(speaker_f0([pitches[k] for k, v in enumerate(voices) if v == voice and not mixed[k]]),
                                sum(1 for k, v in enumerate(voices) if v == voice and mixed[k]))
           for voice in dict.fromkeys(v for v in voices if v)}
    timings["speakers"] = round(time.perf_counter() - t0, 3)
    segments: list[Segment] = []
    errors: list[str] = []
    t0 = time.perf_counter()
    # the language of the whole clip's speech, detected once: each utterance's transcript takes it over its own ~2 s guess
    from saber_agent.plugins.transcript_utterance import CLIP_LANGUAGE, clip_language

    if language := clip_language(clip, settings, activity) if speech and activity is not None else None:
        split["language"] = language
    for i, ((a, b), voice) in enumerate(zip(spans, voices, strict=False)):
        window = settings.updated(decode={**decode.model_dump(), "window_s": (a, b)})
        face = links.get(voice, (None, ""))[0] if voice else None
        # the utterance's own mouth evidence comes before its voice's link (a majority over utterances that
        # may hold two people whose voices the speaker pass could not part)
        own, _ = speaking_face(faces, a, b)
        own_note = None
        visible = faces.visible(a, b)
        if own is not None and own != face:
            own_note = (f"{own}'s mouth moves in this utterance: it is the speaker's face here, not "
                        + (f"{face}, the face linked to voice {voice}" if face else f"voice {voice or 'unknown'}'s (no face linked)"))
            face = own
        elif (face in visible and (still := faces.mouth_activity(face, a, b)) is not None and still < MOUTH_MOVES
              and own is None):  # the linked face is seen not to speak here: not given to this utterance
            if (few := faces.too_few_to_be_still([face], a, b)) is not None:  # a still mouth needs frames to be seen
                own_note = f"{face}, the face linked to voice {voice}, is kept: {few}"
            else:
                own_note = (f"{face}, the face linked to voice {voice}, is on screen but its mouth does not move in this "
                            "utterance: no speaker face is given here")
                face = None
        segment = Segment(index=i, start_s=a, end_s=b, speaker=voice, speaker_face=face, faces=visible,
                          listeners=[f for f in visible if f != face] if face else [],
                          words=" ".join(w["word"] for w in words or [] if a <= (w["start"] + w["end"]) / 2 < b).strip())
        segment.notes += [own_note] if own_note else []
        if voice is None and speech:
            segment.notes.append(unknown_note(pitches[i], (a, b)))
        if mixed[i]:
            segment.notes.append(two_voices_note(turns.peaks[i], voice))
            mark_two_voices(clip_cache.get(path, window.decode), turns.peaks[i], (a, b))
        segment.notes += [overlap_note(o, voice, {v: f for v, (f, _) in f0s.items()}, turns.cuts if turns else [], (a, b))
                          for o in sorted(overlapped[i], key=lambda o: o.start_s)]
        if music := music_note(pitches[i]):  # music under the voice: its pitch is not a second voice's
            segment.notes.append(music)
        if activity is not None:  # the utterance's tools read the whole clip's voice-activity decision, not a new one
            clip_cache.get(path, window.decode).extras["voice_activity"] = window_activity(activity, a, b, rate)
        if language:  # unless its own detection is sure of another (plugins/transcript_utterance.py)
            clip_cache.get(path, window.decode).extras[CLIP_LANGUAGE] = language
        for fid in visible:
            if (read := faces.reads(fid, a, b)) is not None:
                role = "speaker" if fid == face else "listener" if face else "on screen"
                segment.face_reads[fid] = f"{role}: {read[0]} ({read[1]:.2f})"
        segment.face_note = unattributed_face(faces, a, b, face, links.get(voice, (None, ""))[1] if voice else "")
        tools = get_registry().tools_for(window)
        face_tools = [t.name for t in tools if t.slot == FACE_SLOT]
        body_tools = [t.name for t in tools if t.slot == BODY_SLOT]
        if face and (face_tools or body_tools) and len(visible) > 1 and not segment.face_note:  # is the face it reads the speaker's?
            segment.face_note = main_face_elsewhere(_main_track(path, window), faces, face, a, b)
        if segment.face_note and (face_tools or body_tools):
            # the face tool would read whichever face is largest, the body tool that person's body (an off-screen
            # speaker would get the listener's): neither is run
            window = window.updated(plugins=[t.name for t in tools if t.slot not in (FACE_SLOT, BODY_SLOT)])
        try:
            segment.result = run(path, window)
        except Exception as exc:  # one utterance failing must not lose the others
            segment.error = f"{type(exc).__name__}: {exc}"
            errors.append(f"segment {i} ({a:.2f}-{b:.2f} s): {segment.error}")
        else:
            withheld = {}
            if segment.face_note and face_tools:
                withheld[FACE_SLOT] = face_context(segment.face_note, segment.face_reads, face_tools[0], face)
            if segment.face_note and body_tools:
                withheld[BODY_SLOT] = body_context(segment.face_note, body_tools[0], face)
            if withheld:
                segment.result.evidence = segment.result.evidence.with_slots(withheld)
            if mixed[i]:  # the whole-clip wording of several voices ("use segment mode") put in segment mode's terms
                in_segment_terms(segment.result, 2)
        segments.append(segment)
        if progress is not None:
            progress(i + 1, len(spans), segment)
    timings["segments"] = round(time.perf_counter() - t0, 3)
    speakers = []
    for voice in dict.fromkeys(v for v in voices if v):
        mine = [k for k, v in enumerate(voices) if v == voice]
        f0, f0_note = f0s[voice]  # the voice's own frames, not background music's
        face, why = links.get(voice, (None, ""))
        speakers.append(Speaker(label=voice, segments=mine, speech_s=round(sum(spans[k][1] - spans[k][0] for k in mine), 2),
                                f0_median_hz=f0, f0_note=f0_note, face=face, face_link=why))
    face_info = {"ids": list(faces.boxes), "detector": faces.detector, "still_picture": faces.still,
                 "mouth_movement": faces.mouth_note or "measured (MediaPipe face mesh: inner-lip opening)",
                 "expressions": faces.expression_note or "read per face (FER-2013 model of the face tool)"}
    from saber_agent.segment_summary import summarise

    return SegmentedResult(clip=clip.info, segments=segments, speakers=speakers, summary=summarise(segments, speakers, split.get("note")),
                           split=split, faces=face_info, timings=timings, errors=errors)


__all__ = ["BODY_SLOT", "FACE_SLOT", "MOUTH_FPS", "RunWindow", "analyze_segments", "body_context", "face_context", "in_clip_pixels",
           "mark_two_voices", "mouth_clip", "without_mixed", "overlap_note", "overlap_where",
           "in_segment_terms", "segment_terms", "two_voices_note", "unknown_note",
           "music_note", "run_graph", "speaker_f0", "utterance_pitch", "window_activity"]
