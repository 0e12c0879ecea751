"""The result's advice as a web visitor reads it, and how the page names a conclusion that is no finding.

Notes, reasons and errors are written for the command line and the Python API ("use segment mode (--segment
utterances, ...)", "set --tool-option transcript.vad=false"): a visitor of the app has no command line. `for_app`
rewrites that advice, at render time, into the app's own controls (the Utterances tab, the Perception tools boxes)
or says plainly that the app does not offer the setting; the result itself (its JSON, the downloads, the API's
answer) keeps the original words for command-line and API users. Pure functions, no Gradio.

A conclusion with no finding: fusion's "undetermined" label (no modality gave an emotion estimate; its basic
emotion "neutral", valence 0.0 and arousal 0.50 are the reasoner's defaults, not a reading) and its "uncertain"
label (an emotion named but flagged as no finding), the markers `saber_agent.segments` reads too.
"""

from __future__ import annotations

import re

from saber_agent.segments import UNCERTAIN, UNDETERMINED

UTTERANCES = "the Utterances tab (Analyse by utterance)"
_SEGMENT = r"--segment utterances(?:, or segment=\"utterances\" in the Python API)?"
_VAD_OFF = "voice detection must be off, which this app does not offer"

# (pattern, replacement), applied in order: the specific sentences first, then each option's general form
_REWRITES: list[tuple[re.Pattern[str], str]] = [(re.compile(p), r) for p, r in (
    (rf"use segment mode \({_SEGMENT}\)", f"use {UTTERANCES}"),
    (rf"``?{_SEGMENT}``?|{_SEGMENT}", UTTERANCES),
    (r"segment mode", "the Utterances tab"),
    (r"set --tool-option (?:transcript|prosody)\.vad=false", _VAD_OFF),
    (r"\(--tool-option (?:transcript|prosody)\.vad=false\)", "(a server-side tool option)"),
    (r"set it(?: for the whole clip)? with --tool-option transcript\.language=CODE",
     "it cannot be set in this app (it detects the language)"),
    (r"--tool-option (\w+)\.(\w+)=(\S+?)(?=[)\s,;]|\.?$)", r"the \1 tool's \2 option (not offered in this app)"),
    (r"\(the others, ([^()]*), can be chosen with --audio-track N, the audio_track decode setting\)",
     r"(the others, \1, cannot be chosen in this app)"),
    (r"\(--audio-track / audio_track: choose 0 to (\d+);", r"(this app analyses the default track, 0 to \1;"),
    (r"name one of them in plugins \(--plugins\)", "tick only one of them under Perception tools"),
    (r"name it (?:in plugins \(--plugins\)|with --plugins) to use it", "tick it under Perception tools to use it"),
    (r"add (\w+) to plugins \(--plugins\) to run it", r"tick \1 under Perception tools to run it"),
    (r"\(use --device cpu or auto\)", "(the server's device setting)"),
    (r"\(raise max_duration_s to analyse it\)", "(trim it and upload it again)"),
)]


def for_app(text: str | None) -> str:
    """`text` with its command-line advice put in the app's terms ("" for None); anything else unchanged."""
    if not text:
        return ""
    if "--" not in text and "segment mode" not in text and "max_duration_s" not in text:
        return text
    for pattern, replacement in _REWRITES:
        text = pattern.sub(replacement, text)
    return text


def no_finding(analysis) -> bool:
    """Whether the conclusion found no emotion at all (no modality gave an estimate): its basic emotion,
    valence and arousal are the reasoner's defaults, not a reading."""
    return analysis is not None and UNDETERMINED in analysis.emotions


def uncertain(analysis) -> bool:
    """Whether the reasoner named an emotion but flagged it as no finding (a weak lean, mixed signs)."""
    return analysis is not None and not no_finding(analysis) and UNCERTAIN in analysis.emotions


__all__ = ["UTTERANCES", "for_app", "no_finding", "uncertain"]
