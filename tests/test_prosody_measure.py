"""Praat's prosody measurements (plugins/prosody_measure.py) on pure tones and espeak-ng speech, and the
text that cites them; the last test reads the 10 Hz contour through the tool."""

import json

import numpy as np
import pytest

from saber_agent.media import decode
from saber_agent.plugins import prosody, prosody_measure
from saber_agent.plugins.prosody import ProsodyTool
from saber_agent.plugins.prosody_measure import measure
from saber_agent.plugins.prosody_text import describe
from saber_agent.settings import AnalysisSettings
from saber_agent.testing.synth import make_clip, speak, tone, write_wav


def test_the_prosody_module_still_exports_measure():
    # the old import path (plugins/voice_emotion.py, tests) reads the same function
    assert prosody.measure is prosody_measure.measure and prosody.MIN_VOICED_S == prosody_measure.MIN_VOICED_S


def test_pure_tone_f0_within_two_percent():
    m = measure(tone(220.0, 2.0), 16_000)
    assert abs(m["f0_mean_hz"] - 220.0) / 220.0 < 0.02


def test_f0_orders_espeak_pitches(tmp_path):
    means = []
    for pitch in (10, 50, 90):
        wav = speak("The quick brown fox jumps over the lazy dog.", tmp_path / f"p{pitch}.wav", pitch=pitch)
        clip = decode(make_clip(tmp_path / f"p{pitch}.m4a", None, wav))
        means.append(measure(clip.audio, clip.sample_rate)["f0_mean_hz"])
    assert means == sorted(means) and means[2] > means[0] * 1.3


# --- phrasing, contours, rate, emphasis, timelines and EmoBench-M features --------------------------


def _speech(tmp_path, text, name, **kw):
    return decode(speak(text, tmp_path / f"{name}.wav", **kw)).audio


def _trimmed(audio, level=0.01):
    loud = np.flatnonzero(np.abs(audio) > level)
    return audio[loud[0]: loud[-1] + 1]


@pytest.fixture(scope="module")
def two_sentences(tmp_path_factory):
    """A calm sentence, 0.8 s of silence, then a higher, louder one."""
    tmp = tmp_path_factory.mktemp("prosody")
    first = _trimmed(_speech(tmp, "I waited for you all morning.", "first"))
    second = _trimmed(_speech(tmp, "Now I am leaving.", "second", pitch=80, amplitude=180))
    audio = np.concatenate([np.zeros(1600, np.float32), first, np.zeros(12_800, np.float32), second, np.zeros(1600, np.float32)])
    return audio, (0.1 + first.size / 16_000, 0.1 + first.size / 16_000 + 0.8)


def test_two_sentences_give_two_phrases_a_pause_and_a_shift(two_sentences):
    audio, (gap_start, gap_end) = two_sentences
    m = measure(audio, 16_000)
    assert len(m["phrases"]) == 2
    pauses = m["pauses"]
    assert pauses["count"] == 1 and abs(pauses["longest_s"] - 0.8) < 0.35
    (start, end), = pauses["at"]
    assert gap_start - 0.2 <= start <= gap_start + 0.2 and gap_end - 0.2 <= end <= gap_end + 0.2
    first, second = m["phrases"]
    assert first["end"] <= start and second["start"] >= end
    assert first["final_contour"] == second["final_contour"] == "falling"  # two declaratives
    (shift,) = m["phrase_shifts"]
    assert shift["f0_change_st"] > 2 and shift["intensity_change_db"] > 3
    text = describe(m)
    assert "in 2 phrases separated by 1 pause" in text and "phrase 2 is higher" in text and "louder" in text


def test_a_question_ends_higher_than_a_statement(tmp_path):
    statement = measure(_speech(tmp_path, "I am coming to the party tonight.", "statement"), 16_000)
    question = measure(_speech(tmp_path, "Are you coming to the party tonight?", "question"), 16_000)
    (s,), (q,) = statement["phrases"], question["phrases"]
    assert s["final_contour"] == "falling" and "falls at the end" in describe(statement)
    assert q["final_change_st"] > s["final_change_st"] + 1.5


def test_speech_rate_counts_syllable_nuclei(tmp_path):
    text = "I am coming to the party tonight."  # ten syllables
    m = measure(_speech(tmp_path, text, "ten"), 16_000)
    assert 7 <= m["syllables"] <= 13 and m["pauses"]["count"] == 0
    line = "The quick brown fox jumps over the lazy dog near the river bank."
    slow = measure(_speech(tmp_path, line, "slow", speed=110), 16_000)
    fast = measure(_speech(tmp_path, line, "fast", speed=220), 16_000)
    assert fast["articulation_rate_syl_s"] > 1.4 * slow["articulation_rate_syl_s"]
    assert "syllables per second" in describe(fast)


def test_a_stressed_word_is_found_as_emphasis(tmp_path):
    parts = [_trimmed(_speech(tmp_path, "I told you that", "e1")),
             _trimmed(_speech(tmp_path, "never", "e2", amplitude=190, pitch=85)),
             _trimmed(_speech(tmp_path, "works for me", "e3"))]
    start = parts[0].size / 16_000
    end = start + parts[1].size / 16_000
    m = measure(np.concatenate(parts), 16_000)
    assert m["emphasis"] and all(start - 0.05 <= e["t"] <= end + 0.05 for e in m["emphasis"])
    assert "emphasis" in describe(m)


def test_emobench_m_features(tmp_path):
    line = "The quick brown fox jumps over the lazy dog."
    soft = measure(_speech(tmp_path, line, "soft", amplitude=40), 16_000)
    loud = measure(_speech(tmp_path, line, "loud", amplitude=160), 16_000)
    for m in (soft, loud):
        e = m["emobench_m"]
        assert set(e) == {"f0_mean_hz", "f0_var_hz2", "energy_mean", "energy_var", "jitter", "shimmer"}
        assert e["f0_mean_hz"] == m["f0_mean_hz"] and e["f0_var_hz2"] == pytest.approx(m["f0_sd_hz"] ** 2, rel=0.01)
        assert e["jitter"] == m["jitter_local"] and e["shimmer"] == m["shimmer_local"]
    assert loud["emobench_m"]["energy_mean"] > 2.5 * soft["emobench_m"]["energy_mean"]
    assert loud["emobench_m"]["energy_var"] > soft["emobench_m"]["energy_var"]
    t = measure(tone(220.0, 2.0), 16_000)["emobench_m"]
    assert abs(t["f0_mean_hz"] - 220) < 4 and t["f0_var_hz2"] < 5 and t["energy_mean"] == pytest.approx(0.3 / np.sqrt(2), rel=0.02)


def test_timelines_are_10_hz_and_json_able(two_sentences, tmp_path):
    audio, (gap_start, gap_end) = two_sentences
    clip = decode(make_clip(tmp_path / "two.m4a", None, write_wav(tmp_path / "two.wav", audio)))
    slot = ProsodyTool().perceive(clip, AnalysisSettings())
    contour = slot.measurements["contour"]
    assert contour["step_s"] == 0.1 and len(contour["t"]) == len(contour["f0_hz"]) == len(contour["intensity_db"])
    assert abs(len(contour["t"]) - slot.measurements["duration_s"] * 10) <= 1
    in_gap = [f for t, f in zip(contour["t"], contour["f0_hz"], strict=False) if gap_start + 0.15 < t < gap_end - 0.15]
    assert in_gap and all(f is None for f in in_gap)  # no pitch in the pause
    voiced = [f for f in contour["f0_hz"] if f is not None]
    assert abs(np.mean(voiced) - slot.measurements["f0_mean_hz"]) < 15
    json.loads(json.dumps(slot.model_dump(mode="json")))
    prosody = slot.timelines["prosody"]  # the one timeline format: the contour, the pause as a span
    assert prosody.times_s == contour["t"] and prosody.step_s == 0.1 and prosody.series["f0_hz"] == contour["f0_hz"]
    assert prosody.units == {"f0_hz": "Hz", "intensity_db": "dB"}
    (pause,) = [e for e in prosody.events if e.kind == "pause"]
    assert gap_start - 0.15 < pause.start_s < pause.end_s < gap_end + 0.15


def test_a_pure_tone_is_one_steady_phrase():
    m = measure(tone(220.0, 2.0), 16_000)
    assert len(m["phrases"]) == 1 and m["pauses"]["count"] == 0 and m["emphasis"] == []
    assert m["phrases"][0]["final_contour"] == "level" and m["jitter_local"] < 0.005


def test_differing_phrase_endings_are_named_in_order(tmp_path):
    statement = _trimmed(_speech(tmp_path, "I am coming to the party tonight.", "s"))
    question = _trimmed(_speech(tmp_path, "Are you coming to the party tonight?", "q"))
    m = measure(np.concatenate([statement, np.zeros(9600, np.float32), question]), 16_000)
    kinds = [p["final_contour"] for p in m["phrases"]]
    assert kinds == ["falling", "level"]  # espeak-ng's yes/no question does not fall
    first, second = m["phrases"]
    assert (f"Phrase endings differ: the first falls ({first['final_change_st']:+.1f} st), "
            f"the second stays level ({second['final_change_st']:+.1f} st).") in describe(m)


def test_a_phrase_s_loudness_does_not_move_with_digitally_silent_word_gaps(tmp_path):
    """The same words spoken twice at the same level, the first time with 0.1 s of exact zeros between the words (a
    codec gating the gaps: trial C memo_sad.m4a said "phrase 2 is louder (+17.9 dB)" for a 0.6 dB RMS difference).
    The mean of every frame's dB put the first phrase 4.5 dB below the second; the active frames' energy does not."""
    words = [_trimmed(_speech(tmp_path, w, f"w{i}")) for i, w in enumerate(["I", "waited", "for", "you", "all", "morning"])]
    gated = np.concatenate([x for w in words for x in (w, np.zeros(1600, np.float32))][:-1])
    plain = np.concatenate([x for w in words for x in (w, np.zeros(400, np.float32))][:-1])
    silence = np.zeros(12_800, np.float32)
    m = measure(np.concatenate([silence[:1600], gated, silence, plain, silence[:1600]]), 16_000)
    first, second = m["phrases"]
    assert abs(first["intensity_mean_db"] - second["intensity_mean_db"]) < 1.0
    assert abs(m["phrase_shifts"][0]["intensity_change_db"]) < 1.0
    assert "louder" not in describe(m) and "softer" not in describe(m)
