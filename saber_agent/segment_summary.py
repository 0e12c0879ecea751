"""The whole-clip summary of an utterance-level analysis: the emotion trajectory, who felt what, and
where the feeling changed (`saber_agent.segments`)."""

from __future__ import annotations

from collections import Counter

from saber_agent.evidence import Timeline, TimelineEvent


def _span(segment) -> str:
    return f"{segment.start_s:.1f}-{segment.end_s:.1f} s"


def summarise(segments: list, speakers: list):
    """`SegmentSummary` of analysed segments (those that failed are skipped) and their speakers."""
    from saber_agent.segments import CHANGE_VALENCE, FeelingChange, SegmentSummary

    done = [s for s in segments if s.valence is not None]
    trajectory = Timeline(
        times_s=[round((s.start_s + s.end_s) / 2, 3) for s in done],
        series={"valence": [s.valence for s in done], "arousal": [s.result.analysis.arousal for s in done]},
        units={"valence": "-1 to 1", "arousal": "0 to 1"},
        labels={"speaker": [s.speaker for s in done], "emotion": [s.emotion for s in done]},
        events=[TimelineEvent(start_s=s.start_s, end_s=s.end_s, label=f"{s.speaker or '?'}: {s.emotion}", kind="utterance",
                              value=s.valence) for s in done],
    )
    by_speaker: dict[str, dict] = {}
    for speaker in speakers:
        mine = [s for s in done if s.speaker == speaker.label]
        if not mine:
            continue
        by_speaker[speaker.label] = {
            "emotions": [s.emotion for s in mine],
            "most_often": Counter(s.emotion for s in mine).most_common(1)[0][0],
            "mean_valence": round(sum(s.valence for s in mine) / len(mine), 3),
            "speech_s": speaker.speech_s,
            "face": speaker.face,
        }
    changes = []
    for before, after in zip(done, done[1:], strict=False):
        flipped = (before.valence > 0) != (after.valence > 0) and abs(after.valence - before.valence) >= CHANGE_VALENCE
        if not flipped and before.emotion == after.emotion:
            continue
        if not flipped and abs(after.valence - before.valence) < CHANGE_VALENCE:
            continue
        who = "" if before.speaker == after.speaker else f" ({before.speaker or '?'} to {after.speaker or '?'})"
        changes.append(FeelingChange(
            at_s=after.start_s, before=before.index, after=after.index, speakers=(before.speaker, after.speaker),
            emotions=(before.emotion, after.emotion), valences=(before.valence, after.valence),
            said=f"at {after.start_s:.1f} s{who}: {before.emotion} ({before.valence:+.2f}) to {after.emotion} ({after.valence:+.2f})",
        ))
    return SegmentSummary(trajectory=trajectory, by_speaker=by_speaker, changes=changes, text=_text(done, by_speaker, changes))


def _text(done: list, by_speaker: dict, changes: list) -> str:
    if not done:
        return "No utterance could be analysed."
    lines = [f"{len(done)} utterance(s), {len(by_speaker) or 'no'} identified voice(s)."]
    for label, info in by_speaker.items():
        felt = ", then ".join(dict.fromkeys(info["emotions"]))
        face = f", face {info['face']}" if info["face"] else ""
        lines.append(f"Speaker {label}{face}: {felt} (mean valence {info['mean_valence']:+.2f}).")
    if changes:
        lines.append("The feeling changed " + "; ".join(c.said for c in changes) + ".")
    else:
        lines.append("The feeling did not change markedly between utterances.")
    return " ".join(lines)
