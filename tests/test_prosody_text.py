"""The prosody tool's text (plugins/prosody_text.py) on hand-made measurements; on measured speech it is
tested in tests/test_prosody_measure.py."""

from saber_agent.plugins import prosody, prosody_text
from saber_agent.plugins.prosody_text import describe


def test_the_prosody_module_still_exports_describe():
    assert prosody.describe is prosody_text.describe


def test_one_rising_phrase_one_stressed_syllable_and_a_loud_background_are_said():
    m = {
        "f0_mean_hz": 250.0, "f0_sd_st": 2.0, "f0_min_hz": 180.0, "f0_max_hz": 340.0, "f0_range_st": 11.0,
        "intensity_mean_db": 75.0, "intensity_sd_db": 6.0, "voiced_fraction": 0.62,
        "phrases": [{"final_contour": "rising", "final_change_st": 2.4}],
        "emphasis": [{"t": 1.2, "by": "pitch"}],
        "voice_activity": {"speech_s": 1.5, "duration_s": 4.0, "speech_regions": [[1.0, 2.5]], "speech_over_pauses_db": 4.0},
        "background_under_voice": True,
    }
    assert describe(m) == " ".join([
        "The voice has a high pitch (mean F0 250 Hz, 180-340 Hz) with a moderately varying intonation "
        "(F0 SD 2.0 semitones, range 11.0 semitones).",
        "Its volume is loud (mean intensity 75 dB, SD 6.0 dB).",
        "The pitch rises at the end of the phrase (+2.4 semitones), which sounds questioning or unfinished.",
        "One syllable stands out with emphasis, at 1.2 s (pitch).",
        "Only the speech is described: 1.5 s of the 4.0 s audio, from 1.0 s to 2.5 s. Voiced sound covers 62% of the speech.",
        "A loud background (music or noise) sounds under the voice (speech only 4 dB above it): "
        "these pitch, rate and voice-quality figures are unreliable.",
    ])


def test_an_expressive_intonation_takes_an():
    m = {"f0_mean_hz": 150.0, "f0_sd_st": 5.0, "f0_min_hz": 90.0, "f0_max_hz": 300.0, "f0_range_st": 20.0, "voiced_fraction": 0.5}
    assert "with an expressive, strongly varying intonation" in describe(m)


def _phrases(kinds: str) -> list[dict]:
    change = {"r": 2.0, "f": -3.0, "l": 0.5}
    name = {"r": "rising", "f": "falling", "l": "level"}
    return [{"start": 2.0 * i, "end": 2.0 * i + 1.5, "final_contour": name[k], "final_change_st": change[k] + 0.1 * (i % 3)}
            for i, k in enumerate(kinds)]


def test_a_long_clip_s_phrase_endings_are_summarised_not_listed():
    # the trial's long3min.mp4: 61 phrase endings listed in one paragraph
    kinds = ("frflr" * 13)[:61]
    text = prosody_text._describe_contours({"phrases": _phrases(kinds)})
    rising, falling, level = kinds.count("r"), kinds.count("f"), kinds.count("l")
    assert (f"Phrase endings differ over 61 phrases: {falling} fall, {rising} rise, {level} stay level; the first three: "
            "phrase 1 falls (-3.0 st) ending at 1.5 s, phrase 2 rises (+2.1 st) ending at 3.5 s, "
            "phrase 3 falls (-2.8 st) ending at 5.5 s.") in text
    assert "phrase 61" not in text and text.count(" st)") == 3
    same = prosody_text._describe_contours({"phrases": _phrases("f" * 20)})
    assert "The pitch falls at the end of each phrase, a settled, declarative close (20 phrases, -3.0 to -2.8 semitones)" in same
    few = prosody_text._describe_contours({"phrases": _phrases("frf")})  # a handful is still listed phrase by phrase
    assert "Phrase endings differ: the first falls (-3.0 st), the second rises (+2.1 st), the third falls (-2.8 st)." in few


def test_the_voice_s_own_phrases_are_named_when_the_detector_s_region_runs_past_them():
    """Trial D applause_speech.wav: the voice detector's region ran 1.2-6.8 s, on through the applause after the
    speech (ending at 5.3 s); the text gave only the region. Prosody's own phrases (1.6-5.5 s) are named beside it."""
    activity = {"speech_s": 5.6, "duration_s": 6.8, "speech_regions": [[1.2, 6.8]]}
    m = {"voiced_fraction": 0.24, "voice_activity": activity,
         "phrases": [{"start": 1.573, "end": 2.643}, {"start": 3.083, "end": 5.483}]}
    assert prosody_text._describe_coverage(m) == (
        "Only the speech is described: 5.6 s of the 6.8 s audio, from 1.2 s to 6.8 s; its phrases run from 1.6 s to "
        "5.5 s. Voiced sound covers 24% of the speech.")
    m["phrases"][-1]["end"] = 6.6  # within half a second of the region's ends: the region alone
    assert "its phrases" not in prosody_text._describe_coverage(m)
