"""The whole-clip summary of an utterance-level analysis: the emotion trajectory, who felt what, and
where the feeling changed (`saber_agent.segments`)."""

from __future__ import annotations

from collections import Counter

from saber_agent.cues import emotion_sign
from saber_agent.evidence import Timeline, TimelineEvent
from saber_agent.segments import UNCERTAIN, UNDETERMINED

# fusion (`plugins/reasoners/fusion.py`) replaces a weighed valence under BARELY in size, where the cues name an emotion,
# by a fixed weak lean of the balance's sign (`fusion_naming.weak_lean`: 0.20 or 0.24, at most WEAK_CONCLUSION): an
# uncertain utterance at +0.24 may have weighed +0.04 (trial H turns08_rab006_rab029, 4.1 s: anger voice, positive words)
BARELY = 0.15
WEAK_CONCLUSION = 0.24
MIXED = "mixed"


def _span(segment) -> str:
    return f"{segment.start_s:.1f}-{segment.end_s:.1f} s"


def summarise(segments: list, speakers: list, no_speech: str | None = None):
    """`SegmentSummary` of analysed segments (those that failed are skipped) and their speakers; `no_speech`:
    the split's note where it found no speech (the whole clip is one segment, not an utterance)."""
    from saber_agent.segments import SegmentSummary

    done = [s for s in segments if s.valence is not None]
    # an undetermined utterance's valence and arousal are the reasoner's defaults (0.0, 0.5), not a reading: a gap
    valence = [None if s.undetermined else s.valence for s in done]
    trajectory = Timeline(
        times_s=[round((s.start_s + s.end_s) / 2, 3) for s in done],
        series={"valence": valence, "arousal": [None if s.undetermined else s.result.analysis.arousal for s in done]},
        units={"valence": "-1 to 1", "arousal": "0 to 1"},
        labels={"speaker": [s.speaker for s in done], "emotion": [s.emotion for s in done]},
        events=[TimelineEvent(start_s=s.start_s, end_s=s.end_s, label=f"{s.speaker or '?'}: {s.emotion}", kind="utterance",
                              value=v) for s, v in zip(done, valence, strict=True)],
    )
    by_speaker: dict[str, dict] = {}
    for speaker in speakers:
        mine = [s for s in done if s.speaker == speaker.label]
        if not mine:
            continue
        # an undetermined utterance (no finding) is listed as such and counts towards no emotion nor valence; an
        # uncertain one (an emotion named but flagged as no finding) counts towards the valence, not the emotions felt
        found = [s for s in mine if not s.undetermined]
        felt = [s for s in found if not s.uncertain]
        elsewhere = _leaning_elsewhere(felt, [s for s in found if s.uncertain])
        by_speaker[speaker.label] = {
            "emotions": [s.emotion for s in mine],
            "felt": [s.emotion for s in felt],  # the emotions found, in order: neither undetermined nor uncertain
            "most_often": Counter(s.emotion for s in felt).most_common(1)[0][0] if felt else UNCERTAIN if found else UNDETERMINED,
            "mean_valence": round(sum(s.valence for s in found) / len(found), 3) if found else None,
            "undetermined": len(mine) - len(found),
            "uncertain": len(found) - len(felt),
            "leaning_elsewhere": elsewhere,  # uncertain utterances whose named emotion is none of (nor of the sign of) `felt`
            # the speaker's emotion as the summary names it: the findings', where they and the leans their way outnumber
            # the leans elsewhere (trial H: one found happiness beside two uncertain angers named the speaker happy)
            "named": (", then ".join(dict.fromkeys(s.emotion for s in felt)) if len(found) - elsewhere > elsewhere else MIXED)
            if felt else UNCERTAIN if found else UNDETERMINED,
            "speech_s": speaker.speech_s,
            "face": speaker.face,
        }
    changes = _changes(done)
    return SegmentSummary(trajectory=trajectory, by_speaker=by_speaker, changes=changes, text=_text(done, by_speaker, changes, no_speech))


def _text(done: list, by_speaker: dict, changes: list, no_speech: str | None = None) -> str:
    if no_speech:  # the split's own words: the one segment is the whole clip, not an utterance of a voice
        found = f" ({done[0].emotion}, valence {done[0].valence:+.2f})" if done and not done[0].undetermined else ""
        return f"No utterance: {no_speech}{found}; no voice to identify."
    if not done:
        return "No utterance could be analysed."
    lines = [f"{len(done)} utterance(s), {len(by_speaker) or 'no'} identified voice(s)."]
    for label, info in by_speaker.items():
        face = f", face {info['face']}" if info["face"] else ""
        unknown, unsure, total = info["undetermined"], info["uncertain"], len(info["emotions"])
        if info["mean_valence"] is None:
            lines.append(f"Speaker {label}{face}: undetermined (no finding in {unknown} utterance(s)).")
            continue
        none = f"; undetermined in {unknown} utterance(s)" if unknown else ""
        mean = f"mean valence {info['mean_valence']:+.2f}"
        unsure_said = f"uncertain in {unsure} of {total} utterance(s)"
        elsewhere = info["leaning_elsewhere"]
        if info["named"] == UNCERTAIN:
            said = f"no emotion found ({unsure_said}; {mean}"
        elif info["named"] == MIXED:  # a minority of findings against the leans: no emotion named as the speaker's
            felt = ", ".join(f"{e} in {n}" for e, n in Counter(info["felt"]).items())
            said = (f"mixed, cannot tell (found {felt} of {total} utterance(s); uncertain in {unsure}, {elsewhere} of them "
                    f"leaning elsewhere; {mean}")
        else:
            leaning = f", {elsewhere} leaning elsewhere" if elsewhere else ""
            said = f"{info['named']} ({mean}" + (f"; {unsure_said}{leaning}" if unsure else "")
        lines.append(f"Speaker {label}{face}: {said}{none}).")
    lines.append(_trajectory_said(done, changes))
    return " ".join(lines)


def _leaning_elsewhere(felt: list, unsure: list) -> int:
    """How many of a speaker's uncertain utterances (`unsure`) lean away from its findings (`felt`): the emotion each
    names (flagged no finding) is none of the findings' and not of the one sign all of them share (`cues.emotion_sign`:
    an uncertain disgust beside found anger agrees, an uncertain anger beside found happiness does not)."""
    signs = {emotion_sign(s.emotion) for s in felt}
    sign = signs.pop() if len(signs) == 1 else 0
    return sum(1 for s in unsure if s.emotion not in {f.emotion for f in felt} and not (sign and emotion_sign(s.emotion) == sign))


def _move(before, after) -> float:
    """The smallest valence move (on -1..1) between two readings that the evidence allows. An uncertain utterance's
    valence of at most a weak lean (|v| <= `WEAK_CONCLUSION`) may be fusion's fixed weak lean standing for a weighed
    balance between 0 and `BARELY` of its sign, so the move is measured to the nearer of its valence and that range."""
    def nearest(side, other: float) -> float:
        v = side.valence
        if not side.uncertain or abs(v) > WEAK_CONCLUSION + 1e-9:
            return v
        low, high = sorted((0.0, BARELY if v > 0 else -BARELY))
        balance = min(max(other, low), high)
        return v if abs(other - v) <= abs(other - balance) else balance
    return min(abs(after.valence - nearest(before, after.valence)), abs(nearest(after, before.valence) - before.valence))


def _changes(done: list) -> list:
    """Where the feeling changed between analysed utterances (`done`, in time order): `FeelingChange`s in time order.

    A change needs a finding on at least one side (trial H turns08_gio001_ans007: five uncertain utterances read "the
    feeling changed" three times, each side a weak lean). An undetermined utterance (no finding, its valence the
    reasoner's default) is a gap: no change into or out of it. Two findings in a row (uncertain and undetermined ones
    between them skipped, and named as between: trial H's "at 18.2 s (A to C)" read as if A spoke just before C)
    change where the basic emotion differs or the valence moves by `CHANGE_VALENCE` (0.3 on -1..1) or more. A finding
    next to an uncertain reading changes where the valence moves by `CHANGE_VALENCE` or more (`_move`: a weak lean
    counts as the balance it may stand for) and no finding pair's change spans them; the uncertain side names no
    emotion, said "uncertain (-0.20)" (conversation trial: A uncertain -0.20, B +0.50 read "did not change")."""
    from saber_agent.segments import CHANGE_VALENCE

    read = [s for s in done if not s.undetermined]  # a valence reading: a finding or an uncertain emotion
    found = [s for s in read if not s.uncertain]
    order = {s.index: k for k, s in enumerate(done)}
    pairs: dict[int, tuple] = {}  # the later utterance's index -> (before, after)
    for before, after in zip(found, found[1:], strict=False):
        if before.emotion != after.emotion or abs(after.valence - before.valence) >= CHANGE_VALENCE:
            pairs[after.index] = (before, after)
    spans = [(order[b.index], order[a.index]) for b, a in pairs.values()]
    for before, after in zip(read, read[1:], strict=False):
        if before.uncertain == after.uncertain:  # two findings (above) or two uncertain readings: no change
            continue
        if any(lo <= order[before.index] and order[after.index] <= hi for lo, hi in spans):
            continue  # inside a change between findings, which names what lies between
        if _move(before, after) >= CHANGE_VALENCE - 1e-9:
            pairs.setdefault(after.index, (before, after))
    return [_change(done, order, before, after) for before, after in sorted(pairs.values(), key=lambda p: order[p[1].index])]


def _change(done: list, order: dict, before, after):
    from saber_agent.segments import FeelingChange

    emotions = tuple(UNCERTAIN if s.uncertain else s.emotion for s in (before, after))
    between = done[order[before.index] + 1:order[after.index]]
    if between:  # not neighbours: each side names its speaker and end or start, and what lies between is said
        kinds = Counter(UNDETERMINED if s.undetermined else UNCERTAIN if s.uncertain else s.emotion for s in between)
        whose = ", ".join(dict.fromkeys(s.speaker or "?" for s in between))
        said = (f"at {after.start_s:.1f} s: from {before.speaker or '?'}'s {emotions[0]} ({before.valence:+.2f}, to "
                f"{before.end_s:.1f} s) to {after.speaker or '?'}'s {emotions[1]} ({after.valence:+.2f}), with "
                + " and ".join(f"{n} {kind}" for kind, n in kinds.items())
                + f" utterance(s) of {whose} between ({between[0].start_s:.1f}-{between[-1].end_s:.1f} s)")
    else:
        who = "" if before.speaker == after.speaker else f" ({before.speaker or '?'} to {after.speaker or '?'})"
        said = f"at {after.start_s:.1f} s{who}: {emotions[0]} ({before.valence:+.2f}) to {emotions[1]} ({after.valence:+.2f})"
    return FeelingChange(at_s=after.start_s, before=before.index, after=after.index, speakers=(before.speaker, after.speaker),
                         emotions=emotions, valences=(before.valence, after.valence), said=said)


def _trajectory_said(done: list, changes: list) -> str:
    """The summary's sentence on the trajectory: the changes, or that the feeling held, or that the evidence cannot
    tell (no utterance gave a finding, fewer than two gave a reading, or the valence moved only between uncertain
    readings: "did not change" would be a claim)."""
    from saber_agent.segments import CHANGE_VALENCE

    if changes:
        return "The feeling changed " + "; ".join(c.said for c in changes) + "."
    unknown = sum(s.undetermined for s in done)
    unsure = sum(s.uncertain for s in done)
    gaps = ", ".join(f"{n} {what}" for n, what in ((unsure, UNCERTAIN), (unknown, UNDETERMINED)) if n)
    if len(done) == 1:
        return "One utterance: no change between utterances to tell."
    if unknown + unsure == len(done):
        return f"The evidence cannot tell whether the feeling changed: no utterance gave a finding ({gaps})."
    if len(done) - unknown < 2:
        return f"The evidence cannot tell whether the feeling changed: only one utterance gave a reading ({gaps})."
    read = [s for s in done if not s.undetermined]
    moved = [a for b, a in zip(read, read[1:], strict=False)
             if b.uncertain and a.uncertain and abs(a.valence - b.valence) >= CHANGE_VALENCE]
    if moved:
        return ("The evidence cannot tell whether the feeling changed: the valence moved only between uncertain "
                f"utterances (at {', '.join(f'{s.start_s:.1f}' for s in moved)} s), no finding ({gaps} of {len(done)}).")
    held = "The feeling did not change markedly between utterances"
    return held + (f" ({gaps} of {len(done)} utterance(s) gave no finding)." if gaps else ".")


def render(result) -> str:
    """A `SegmentedResult` as terminal text: the summary, speakers, then each utterance's full report."""
    from saber_agent.report import render as render_one

    clip = result.clip
    no_speech = result.split.get("note")  # no speech found: the one segment is the whole clip, not an utterance
    count = "no speech: the whole clip is one segment" if no_speech else f"{len(result.segments)} utterance(s)"
    lines = [f"{clip.path}  ({clip.duration_s:.1f} s; {count})", "", "Summary",
             "    " + result.summary.text, "", "Speakers"]
    for speaker in result.speakers:
        f0 = f", F0 median {speaker.f0_median_hz:g} Hz" if speaker.f0_median_hz else ""
        f0 += f" ({speaker.f0_note})" if speaker.f0_note else ""
        face = f"face {speaker.face}" if speaker.face else "no face"
        lines.append(f"    {speaker.label}: {len(speaker.segments)} utterance(s), {speaker.speech_s:.1f} s{f0}; "
                     f"{face} ({speaker.face_link})")
    lines.append(f"    how split: {no_speech or result.split.get('words', '')}")
    for segment in result.segments:
        who = f"speaker {segment.speaker}" if segment.speaker else "speaker unknown"
        face = f", face {segment.speaker_face}" if segment.speaker_face else ""
        listen = f"; listening: {', '.join(segment.listeners)}" if segment.listeners else ""
        what = "Whole clip (no speech found)" if no_speech else f"Utterance {segment.index + 1}"
        lines += ["", "=" * 100, f"{what}: {_span(segment)}, {who}{face}{listen}", "=" * 100]
        lines += [f"    face {fid}, {said}" for fid, said in segment.face_reads.items()]
        if segment.face_note and segment.speaker_face:  # identified, but not what the face tool reads here
            lines.append(f"    speaker's face {segment.speaker_face} not read here ({segment.face_note}): no face or body cue "
                         "for this utterance")
        elif segment.face_note:
            lines.append(f"    speaker's face not identified ({segment.face_note}): no face or body cue for this utterance")
        lines += [f"    note: {note}" for note in segment.notes]
        lines.append(render_one(segment.result) if segment.result else f"    failed: {segment.error}")
    if result.errors:
        lines += ["", "Errors"] + [f"    - {e}" for e in result.errors]
    lines.append("\nTimings: " + ", ".join(f"{k} {v:.2f} s" for k, v in result.timings.items()))
    return "\n".join(lines)


def saber_lines(result) -> list[dict]:
    """One plain SABER record per utterance (the dataset's granularity), with the clip, times and speaker
    as extra keys (`saber_agent.saber_format.SaberRecord` keeps extra keys aside on import)."""
    out = []
    for segment in result.segments:
        if segment.result is None:
            continue
        record = segment.result.saber()
        record.update(video=result.clip.path, segment=segment.index, start_s=round(segment.start_s, 3),
                      end_s=round(segment.end_s, 3), speaker=segment.speaker)
        out.append(record)
    return out


def segmented_record(result, full: bool = False) -> dict:
    """The per-clip fields of a batch results line for an utterance-level result: each utterance as
    `saber_agent.batch.results.clip_record` writes a clip, with its times and speaker."""
    from saber_agent.batch.results import clip_record

    segments = []
    for segment in result.segments:
        entry = {"index": segment.index, "start_s": segment.start_s, "end_s": segment.end_s, "speaker": segment.speaker,
                 "speaker_face": segment.speaker_face, "listeners": segment.listeners, "face_reads": segment.face_reads,
                 "face_note": segment.face_note, "notes": segment.notes}
        entry.update(clip_record(segment.result, full=full) if segment.result else {"error": segment.error})
        segments.append(entry)
    return {
        "segments": segments,
        "speakers": [s.model_dump(mode="json") for s in result.speakers],
        "summary": result.summary.model_dump(mode="json", exclude={"trajectory"}),
        "faces": result.faces,
        "split": result.split,
        "duration_s": result.clip.duration_s,
        "errors": result.errors,
    }
