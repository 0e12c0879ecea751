"""The second-look rule (saber_agent/reperception_rule.py); the rule through the graph, on real clips, is
tested in tests/test_reperception.py."""

from __future__ import annotations

import numpy as np

from saber_agent import reperception, reperception_rule
from saber_agent.evidence import ClipInfo
from saber_agent.media import Clip
from saber_agent.reperception_rule import active_span
from saber_agent.testing.synth import tone


def test_the_reperception_module_still_exports_the_rule():
    # the old import path (the fusion reasoner, the graph's check node) reads the same function and constants
    for name in ("evidence_gaps", "active_span", "LOW_CONFIDENCE", "RELOOK_FPS", "ACTIVE_SHARE", "picture_still", "PICTURE_CHANGE_KEY"):
        assert getattr(reperception, name) is getattr(reperception_rule, name)
        assert name in reperception.__all__


def _audio_clip(audio: np.ndarray, rate: int = 16_000) -> Clip:
    info = ClipInfo(path="made.wav", has_audio=True, duration_s=audio.size / rate, audio_sample_rate=rate)
    return Clip(info, np.zeros((0, 1, 1, 3), np.uint8), np.zeros(0), audio.astype(np.float32), rate)


def test_active_span_is_where_the_signal_is_padded():
    # 1 s of silence, 1 s of a 220 Hz tone, 2 s of silence: the span is the tone, padded by 0.25 s each side
    audio = np.concatenate([np.zeros(16_000), tone(220.0, 1.0), np.zeros(32_000)])
    start, end = active_span(_audio_clip(audio))
    assert abs(start - 0.75) < 0.06 and abs(end - 2.25) < 0.06
    assert active_span(_audio_clip(np.zeros(16_000))) is None  # silence holds no signal


def test_active_span_finds_faint_sound_the_silence_rule_calls_sound():
    """The span's own floor was -60 dBFS: a tone at -70 dBFS RMS (sound by media_audio.silent) had no span."""
    faint = np.concatenate([np.zeros(16_000 * 5), tone(220.0, 1.0, amplitude=10 ** (-70 / 20) * np.sqrt(2)), np.zeros(16_000 * 4)])
    clip = _audio_clip(faint)
    assert not clip.audio_is_silent
    start, end = active_span(clip)
    assert abs(start - 4.75) < 0.06 and abs(end - 6.25) < 0.06
    assert active_span(_audio_clip(faint * 0.01)) is None  # 40 dB fainter: silent, no span


def test_a_reason_said_inside_a_sentence_is_not_capitalised_there():
    # a fresh-user trial read "found nothing: No face was found": a reason written as a sentence, joined mid-sentence
    from saber_agent.evidence import Slot

    assert reperception_rule._thinness(Slot.unavailable("No face was found (6 sampled frames searched)")) == (
        "found nothing: no face was found (6 sampled frames searched)")
    assert reperception_rule.mid_sentence("The audio is silent") == "the audio is silent"
    assert reperception_rule.mid_sentence("A face") == "a face"
    for kept in ("MediaPipe is not installed", "GPU out of memory", "no face was found", "I/O error", "", "2 frames"):
        assert reperception_rule.mid_sentence(kept) == kept


def test_a_photo_gets_no_frame_rate_look():
    """On a photo (ClipInfo.still_image) the rule asked the face and body tools for an 8 fps look "at 2 fps a brief
    expression can fall between sampled frames" (refused later, but said of time); a photo has no frame rate to raise."""
    video = ClipInfo(path="clip.mp4", duration_s=3.0, has_video=True, native_fps=25.0, sample_fps=2.0, n_frames=6)
    ask = reperception_rule._denser("face", video, "Facial expression evidence is thin (confidence 0.33)")
    assert ask is not None and ask.fps == reperception_rule.RELOOK_FPS and "fall between sampled frames" in ask.reason
    photo = video.model_copy(update={"path": "photo.png", "still_image": True, "n_frames": 1, "duration_s": 0.0})
    assert reperception_rule._denser("face", photo, "Facial expression evidence is thin (confidence 0.33)") is None
