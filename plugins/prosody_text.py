"""The prosody tool's SABER-style `acoustic_feat` text, from the measurements of plugins/prosody_measure.py.

`describe(m)` cites them: pitch register and intonation (F0 in Hz, SD in semitones), loudness (dB),
pace and pauses (syllables per second, seconds), phrase endings and shifts, emphasis, voice
quality (HNR, jitter, shimmer), how much of the audio was speech, and a warning when a loud
background sounds under the voice.
"""

from __future__ import annotations

from saber_agent.plugins.prosody_music import MUSIC_SHARE

SHIFT_ST, SHIFT_DB = 2.0, 3.0  # phrase-to-phrase changes worth a mention
# less voiced speech (s) than this states no pitch register or intonation (as saber_agent.speakers.MIN_VOICED_S places no
# voice on it): trial H's 546 Hz "high pitch" of a male film line was 0.18 s of voiced frames at HNR 1.6 dB
FEW_VOICED_S = 0.3
PHRASE_SPAN_S = 0.5  # the phrases' span is named beside the detector's regions when an end differs by this much


def describe(m: dict) -> str:
    """SABER-style `acoustic_feat` text that cites the measurements. Several voices (``voices_heard`` > 1) are not
    described as one: each voice's own pitch (``voices``) and no pooled pitch, intonation or pitch shift. A pitch
    track mostly the background music's (``background.pitch_frames_share`` >= `MOSTLY_BACKGROUND`) opens with that
    caveat and states no pitch, rate or voice-quality figure from the frames that remain. Over an instrument's sustained
    notes (``background.sustained_partials_share``) the music caveat comes first; a clipped recording (``clipping``) is
    said so, its loudness marked as a floor, and no HNR, jitter or shimmer is stated."""
    if _mostly_background(m):
        parts = [_describe_background(m, opening=True), _describe_coverage(m)]
        if (m.get("voices_heard") or 0) > 1:
            parts.append(f"{m['voices_heard']} voices are heard.")
        if m.get("voice_emotion_withheld"):
            parts.append(f"No voice emotion is read: {m['voice_emotion_withheld']}.")
        return " ".join(parts)
    several = (m.get("voices_heard") or 0) > 1
    few = not several and m.get("voiced_s") is not None and m["voiced_s"] < FEW_VOICED_S
    if several:
        parts = [_describe_voices(m)]
    elif few:  # a few voiced frames: no register stated, nor the phrases' pitch endings below
        parts = [f"Too little of the voice is voiced ({m['voiced_s']:.2f} s) to state its pitch or intonation: the F0 "
                 f"measured (mean {m['f0_mean_hz']:.0f} Hz) is unreliable."]
    else:
        mean, sd_st = m["f0_mean_hz"], m["f0_sd_st"]
        register = "low" if mean < 120 else "high" if mean > 220 else "moderate"
        variation = "flat, monotone" if sd_st < 1.5 else "expressive, strongly varying" if sd_st > 3.5 else "moderately varying"
        article = "an" if variation[0] in "aeiou" else "a"
        parts = [
            f"The voice has a {register} pitch (mean F0 {mean:.0f} Hz, {m['f0_min_hz']:.0f}-{m['f0_max_hz']:.0f} Hz) "
            f"with {article} {variation} intonation (F0 SD {sd_st:.1f} semitones, range {m['f0_range_st']:.1f} semitones)."
        ]
    if m.get("intensity_mean_db") is not None:
        level = m["intensity_mean_db"]
        loudness = "quiet" if level < 55 else "loud" if level > 72 else "conversational"
        # a clipped recording: the peaks were cut at its ceiling, and the level measured is the ceiling's
        clip_note = "; the recording clips, so the voice was louder than measured" if _clipped(m) else ""
        parts.append(f"{'Their' if several else 'Its'} volume is {loudness} (mean intensity {level:.0f} dB, "
                     f"SD {m['intensity_sd_db']:.1f} dB{clip_note}).")
    if pace := _describe_pace(m):
        parts.append(pace)
    if not few and (contours := _describe_contours(m, with_shifts=not several)):  # a shift between phrases may be a change of speaker
        parts.append(contours)
    if stress := _describe_emphasis(m):
        parts.append(stress)
    quality = []
    if m.get("hnr_db") is not None:
        hnr = m["hnr_db"]
        quality.append(("clear" if hnr > 12 else "somewhat breathy or rough" if hnr > 6 else "rough, noisy") + f" (HNR {hnr:.1f} dB")
    if m.get("jitter_local") is not None and m.get("shimmer_local") is not None:
        quality.append(f"jitter {m['jitter_local'] * 100:.1f}%, shimmer {m['shimmer_local'] * 100:.1f}%)")
    elif quality:
        quality[-1] += ")"
    if quality:
        parts.append(("Voice quality over all the voices is " if several else "Voice quality is ") + ", ".join(quality) + ".")
    if _clipped(m):
        c = m["clipping"]
        parts.append(f"The recording is clipped ({max(c['flat_share'], c['near_peak_share']):.1%} of the speech's samples "
                     "at the peak level, their tops cut flat): harmonics-to-noise, jitter and shimmer would measure the "
                     "distortion, not the voice, and are not given.")
    parts.append(_describe_coverage(m))
    if m.get("background_under_voice") and _notes(m):
        # an instrument's notes or a tune: the pitch figures are the tune's and the tracker's switches between the
        # voice and the notes (trial D singing_guitar.wav: F0 SD 8.4 semitones, the voice alone 2.5), so said first
        parts.insert(0, _describe_background(m, leading=True))
    elif m.get("background_under_voice"):
        parts.append(_describe_background(m))
    if m.get("voice_emotion_withheld"):
        parts.append(f"No voice emotion is read: {m['voice_emotion_withheld']}.")
    return " ".join(parts)


# a pitch track at least this share the background's: the voice's own remains are scraps (trial C conv_music.mp4: 98%,
# 0.28 s left, described as "F0 SD 11.3 semitones, 0.3 syllables per second"); at 59% (an espeak-ng voice over a chord
# bed, tests/test_prosody_background.py) the 1.2 s left still give the clean voice's mean F0 within 2 semitones
MOSTLY_BACKGROUND = 0.75


def _notes(m: dict) -> bool:
    """Sustained notes that are not the voice's sound under it (plugins/prosody_music.py)."""
    share = (m.get("background") or {}).get("sustained_partials_share")
    return share is not None and share >= MUSIC_SHARE


def _clipped(m: dict) -> bool:
    return bool((m.get("clipping") or {}).get("clipped"))


def _mostly_background(m: dict) -> bool:
    share = (m.get("background") or {}).get("pitch_frames_share")
    return bool(m.get("background_under_voice")) and share is not None and share >= MOSTLY_BACKGROUND


def _describe_voices(m: dict) -> str:
    """"N voices are heard: ..." with each voice's own median F0 and SD (``voices``, where measured), and why the
    pooled pitch is not described."""
    n, voices = m["voices_heard"], m.get("voices") or {}
    each = []
    for label, v in voices.items():
        if v.get("f0_median_hz") is not None:
            each.append(f"voice {label} ({v['speech_s']:.1f} s) median F0 {v['f0_median_hz']:.0f} Hz, SD {v['f0_sd_st']:.1f} semitones")
        else:
            each.append(f"voice {label} ({v['speech_s']:.1f} s) too little voiced to measure its pitch")
    text = f"{n} voices are heard" + (": " + "; ".join(each) if each else "")
    return text + (". Their pitch is not described as one voice's: pooled, the change from one voice to another "
                   "would read as intonation.")

def _describe_background(m: dict, opening: bool = False, leading: bool = False) -> str:
    """The warning that the voice was measured over a loud background (plugins/prosody_background.py); `opening`:
    the pitch track was mostly the background's, and the text states no figure from the voice's remaining frames;
    `leading`: said before the figures it warns of."""
    background = m.get("background") or {}
    snr = (m.get("voice_activity") or {}).get("speech_over_pauses_db")
    if snr is None or (background.get("speech_over_background_db") is not None and background["speech_over_background_db"] < snr):
        snr = background.get("speech_over_background_db")
    kind = background.get("kind")
    text = (f"The voice is measured over background {kind}" if kind else "A loud background (music or noise) sounds under the voice")
    text += f" (speech only {snr:.0f} dB above it)" if snr is not None else ""
    if _notes(m):
        text += (f", with sustained notes that are not the voice's in {background['sustained_partials_share']:.0%} of "
                 "its frames (an instrument, or a sung melody)")
    if opening:
        return text + (f": {background['pitch_frames_share']:.0%} of the pitch frames followed the {kind or 'background'}, "
                       f"not the voice, and the {m.get('voiced_s', 0.0):.2f} s of pitch that remain are too little to "
                       "describe its pitch, intonation, pace or voice quality reliably.")
    text += (": the pitch, rate and voice-quality figures that follow are unreliable." if leading
             else ": these pitch, rate and voice-quality figures are unreliable.")
    if background.get("pitch_frames_share"):
        text += (f" {background['pitch_frames_share']:.0%} of the pitch frames followed the {kind or 'background'}, "
                 "not the voice, and are left out of the pitch figures.")
    return text


def _describe_coverage(m: dict) -> str:
    activity = m.get("voice_activity") or {}
    voiced = f"Voiced sound covers {m['voiced_fraction'] * 100:.0f}% of the speech"
    speech, duration = activity.get("speech_s"), activity.get("duration_s") or m.get("duration_s")
    if speech is None or not duration:
        return voiced + "."
    # a filled gap of the audio stream is neither speech nor sound (trial I: "4.1 s of the 6.5 s audio", 3.5 s of sound)
    speech = max(0.0, speech - (activity.get("in_audio_gaps_s") or 0.0))
    duration = max(speech, duration - (activity.get("audio_gaps_s") or 0.0))
    if speech < 0.9 * duration:
        regions = activity.get("speech_regions") or []
        where = f", from {regions[0][0]:.1f} s to {regions[-1][1]:.1f} s" if regions else ""
        # the voice's own phrases (prosody's): the detector's regions carry its padding and whatever sound it
        # merged in (trial D applause_speech.wav: speech ends at 5.3 s, the region at 6.8 s with the applause)
        phrases = [p for p in m.get("phrases") or [] if p.get("start") is not None and p.get("end") is not None]
        if phrases and regions and (phrases[0]["start"] - regions[0][0] >= PHRASE_SPAN_S
                                    or regions[-1][1] - phrases[-1]["end"] >= PHRASE_SPAN_S):
            where += f"; its phrases run from {phrases[0]['start']:.1f} s to {phrases[-1]['end']:.1f} s"
        return (f"Only the speech is described: {speech:.1f} s of the {duration:.1f} s audio{where}. "
                f"{voiced}.")
    return voiced + "."


def _describe_pace(m: dict) -> str:
    rate, pauses = m.get("articulation_rate_syl_s"), m.get("pauses") or {}
    if not rate:
        return ""
    pace = "slow" if rate < 3.5 else "fast" if rate > 6.0 else "moderate"
    text = f"The delivery is {pace} (about {rate:.1f} syllables per second while speaking"
    # a silence that holds a gap of the audio stream (packets missing, filled with silence) is no pause (prosody_measure)
    held = len(pauses.get("in_audio_gaps") or [])
    gap = (f"a silence holding a {pauses['audio_gap_s']:.1f} s gap in the audio stream is not counted as a pause"
           if held == 1 else f"{held} silences holding {pauses.get('audio_gap_s', 0.0):.1f} s of gaps in the audio stream "
           "are not counted as pauses")
    if pauses.get("count"):
        n = pauses["count"]
        text += (f"), in {n + held + 1} phrases separated by {n} pause{'s' if n > 1 else ''} "
                 f"(longest {pauses['longest_s']:.1f} s{'; ' + gap if held else ''}).")
    elif held:
        text += f"), in {held + 1} phrases; {gap}."
    else:
        text += ") in one continuous phrase, without pauses."
    return text


def _describe_contours(m: dict, with_shifts: bool = True) -> str:
    all_phrases = m.get("phrases") or []
    shaped = [(i, p) for i, p in enumerate(all_phrases) if p.get("final_contour")]
    sentences = []
    if len(all_phrases) == 1 and shaped:
        p = shaped[0][1]
        sentences.append(_ending(p["final_contour"], p["final_change_st"], "the phrase"))
    elif shaped:
        kinds = {p["final_contour"] for _, p in shaped}
        if len(kinds) == 1:
            which = "each phrase" if len(shaped) == len(all_phrases) else f"{len(shaped)} of the {len(all_phrases)} phrases"
            if len(shaped) > LISTED_ENDINGS:
                values = [p["final_change_st"] for _, p in shaped]
                changes = f"{len(shaped)} phrases, {min(values):+.1f} to {max(values):+.1f}"
            else:
                changes = ", ".join(f"{p['final_change_st']:+.1f}" for _, p in shaped)
            sentences.append(_ending(kinds.pop(), None, which) + f" ({changes} semitones)")
        elif len(shaped) > LISTED_ENDINGS:
            sentences.append(_endings_summary(shaped, len(all_phrases)))
        else:
            described = [f"the {_ORDINAL.get(i, f'phrase {i + 1}')} {_VERB[p['final_contour']]} ({p['final_change_st']:+.1f} st)"
                         for i, p in shaped]
            sentences.append("phrase endings differ: " + ", ".join(described))
    shifts = []
    for shift in (m.get("phrase_shifts") or []) if with_shifts else []:
        said = []
        if shift["f0_change_st"] is not None and abs(shift["f0_change_st"]) >= SHIFT_ST:
            said.append(f"{'higher' if shift['f0_change_st'] > 0 else 'lower'} ({shift['f0_change_st']:+.1f} st)")
        if shift["intensity_change_db"] is not None and abs(shift["intensity_change_db"]) >= SHIFT_DB:
            said.append(f"{'louder' if shift['intensity_change_db'] > 0 else 'softer'} ({shift['intensity_change_db']:+.1f} dB)")
        if said:
            shifts.append(f"phrase {shift['to'] + 1} is {' and '.join(said)} than phrase {shift['from'] + 1}")
    if len(shifts) > 3:
        shifts = shifts[:3] + [f"{len(shifts) - 3} more shifts"]
    sentences += shifts
    if not sentences:
        return ""
    text = "; ".join(sentences)
    return text[0].upper() + text[1:] + "."


_ORDINAL = {0: "first", 1: "second", 2: "third", 3: "fourth", 4: "fifth"}
LISTED_ENDINGS = 5  # phrase endings listed one by one; beyond, counted by kind with the first FIRST_ENDINGS
FIRST_ENDINGS = 3


def _endings_summary(shaped: list[tuple[int, dict]], n_phrases: int) -> str:
    """Many differing phrase endings (a long clip: 61 in the trial's 3-minute one) as counts by kind, most
    frequent first, and the first few with the times they end at (``end``, seconds; omitted when unknown)."""
    counts = {kind: sum(p["final_contour"] == kind for _, p in shaped) for kind in ("falling", "rising", "level")}
    ordered = sorted((k for k in counts if counts[k]), key=lambda k: -counts[k])
    over = f"{n_phrases} phrases" if len(shaped) == n_phrases else f"{len(shaped)} of the {n_phrases} phrases"
    first = []
    for i, p in shaped[:FIRST_ENDINGS]:
        when = f" ending at {p['end']:.1f} s" if isinstance(p.get("end"), int | float) else ""
        first.append(f"phrase {i + 1} {_VERB[p['final_contour']]} ({p['final_change_st']:+.1f} st){when}")
    return (f"phrase endings differ over {over}: " + ", ".join(f"{counts[k]} {_PLURAL_VERB[k]}" for k in ordered)
            + f"; the first {_ORDINAL_COUNT.get(len(first), len(first))}: " + ", ".join(first))


_PLURAL_VERB = {"rising": "rise", "falling": "fall", "level": "stay level"}
_ORDINAL_COUNT = {1: "one", 2: "two", 3: "three"}
_VERB = {"rising": "rises", "falling": "falls", "level": "stays level"}


def _ending(kind: str, change: float | None, what: str) -> str:
    amount = f" ({change:+.1f} semitones)" if change is not None else ""
    if kind == "rising":
        return f"the pitch rises at the end of {what}{amount}, which sounds questioning or unfinished"
    if kind == "falling":
        return f"the pitch falls at the end of {what}{amount}, a settled, declarative close"
    return f"the pitch stays level at the end of {what}{amount}"


def _describe_emphasis(m: dict) -> str:
    stressed = m.get("emphasis") or []
    if not stressed:
        return ""
    shown = stressed[:4]
    times = ", ".join(f"{e['t']:.1f} s ({e['by']})" for e in shown)
    more = f" and {len(stressed) - len(shown)} more" if len(stressed) > len(shown) else ""
    if len(stressed) == 1:
        return f"One syllable stands out with emphasis, at {times}."
    return f"Emphasis falls on {len(stressed)} syllables that stand out, at {times}{more}."
