"""Like voices in speaker clustering (saber_agent.speakers "fused", saber_agent.voice_frames): real espeak-ng speech.

Before (the fused distance of the raw per-frame GLR, F0 and MFCC means, under the threshold alone): two men of
one base voice ~4 semitones apart were one speaker, and three men with a woman were three speakers."""

from __future__ import annotations

import numpy as np
import pytest

from saber_agent.speakers import GLR_BIAS, cluster_voices, frame_glr, measure_voice, pair_distances, pair_features
from tests.test_speakers import RATE, spoken

TEXTS = ("Could you please pass me the report when you have a moment?",
         "That is fine. We can talk about it calmly, there is no need to worry.",
         "What a wonderful day, I just got the promotion and I am so happy!",
         "I lost my job today and everything feels hopeless.",
         "Stop telling me to calm down! This is outrageous and I am furious!",
         "No! I am sick of this! You always ruin everything, I hate it, get out of my office!")
US = {"voice": "en-us"}  # ~97 Hz
US_M3_LOW = {"voice": "en-us+m3", "pitch": 20}  # ~76 Hz, formants 4-5 % lower


def test_two_like_male_voices_in_one_style_are_two_speakers():
    """en-us and en-us+m3 at pitch 20 taking turns in one style (the reported case: fused probability 0.75 of
    one speaker, merged). Each voice's own turns lie nearer each other than the other's; the spread rule
    ("fused": two groups APART x farther apart than their own turns are two voices) parts them under SAME_FUSED."""
    voices = [measure_voice(spoken(text, **(US if k % 2 == 0 else US_M3_LOW)), RATE) for k, text in enumerate(TEXTS)]
    distance = pair_distances(voices)
    own = [distance[i, j] for i in range(6) for j in range(i + 1, 6) if i % 2 == j % 2]
    other = [distance[i, j] for i in range(6) for j in range(i + 1, 6) if i % 2 != j % 2]
    assert np.mean(own) < 0.5 * np.mean(other), distance.round(2)
    assert cluster_voices(voices) == ["A", "B"] * 3, distance.round(2)


def test_three_men_and_a_woman_are_four_speakers():
    """Three espeak-ng men (en-us ~97 Hz, en-us+m3 ~76 Hz, en+m1 ~74 Hz: the last two ~0.4 semitones apart and
    told apart by their formants) and a woman, two turns each (before: the two low voices one speaker)."""
    who = [US, US_M3_LOW, {"voice": "en+m1", "pitch": 30}, {"voice": "en+f3"}] * 2
    voices = [measure_voice(spoken(TEXTS[k % len(TEXTS)], **spec), RATE) for k, spec in enumerate(who)]
    assert cluster_voices(voices) == ["A", "B", "C", "D"] * 2, pair_distances(voices).round(2)


def test_one_voice_in_three_styles_stays_one_speaker():
    """Not over-split: one voice calm (pitch -6, slow, quiet), neutral and raised (pitch +8, fast, loud), as
    bench/speaker_turns.py varies its turns, twice over: one speaker."""
    styles = [(-6, 145, 80), (0, 165, 100), (8, 185, 140)] * 2
    for voice, pitch in (("en-us", 50), ("en+m1", 30)):
        voices = [measure_voice(spoken(TEXTS[k], voice=voice, pitch=pitch + dp, speed=speed, amplitude=amplitude), RATE)
                  for k, (dp, speed, amplitude) in enumerate(styles)]
        assert cluster_voices(voices) == ["A"] * 6, (voice, pair_distances(voices).round(2))


def test_pair_features_normalise_the_glr_by_each_pair_s_frames_and_measure_upper_formants():
    """The GLR of two utterances' frames is larger by chance the fewer frames they have (a full covariance of 12
    cepstra from ~70 frames): what the fused distance weighs is its excess over GLR_BIAS x (1/n1 + 1/n2), so a
    short pair is discounted more than a long one. Upper formants: a man's below a woman's."""
    voices = [measure_voice(spoken(text, **US), RATE) for text in ("Good morning.", "Yes, of course.", TEXTS[0], TEXTS[5])]
    counts = np.array([len(v.frames) for v in voices], float)
    raw = frame_glr([v.frames for v in voices])
    features = pair_features(voices)
    assert features.shape == (4, 4, 5)
    discount = GLR_BIAS * (1 / counts[:, None] + 1 / counts[None, :])
    assert np.allclose(features[..., 0][~np.eye(4, dtype=bool)], np.maximum(raw - discount, 0)[~np.eye(4, dtype=bool)])
    assert raw[0, 1] > 2 * raw[2, 3] and discount[0, 1] > 3 * discount[2, 3]  # one voice: short turns look apart
    assert features[2, 3, 0] == 0.0 and features[0, 1, 0] < raw[0, 1] / 2
    no_frames = pair_features([voices[2], type(voices[0])(voices[0].features, 0.5, formants=voices[0].formants)])
    assert np.isnan(no_frames[0, 1, 0]) and not np.isnan(no_frames[0, 1, 1:4]).any() and np.isnan(no_frames[0, 1, 4])
    man, woman = (measure_voice(spoken(TEXTS[0], **spec), RATE) for spec in (US, {"voice": "en+f3"}))
    assert man.formants.shape == woman.formants.shape == (2,)
    f3, f4 = np.exp(man.formants)
    assert 2000 < f3 < 3000 < f4 < 4000
    assert (woman.formants > man.formants).all()


def test_d_vectors_are_a_fifth_measure_where_both_utterances_have_one():
    """`measure_voice(embed=True)` adds a GE2E d-vector: a pair with both is weighed with FUSE_WEIGHTS_DVECTOR
    (the d-vectors' cosine distance a fifth measure), a pair missing one as before. Made-up unit vectors on one
    real voice's measurements (the encoder's weights need not be installed for this)."""
    from dataclasses import replace

    from saber_agent.speakers import FUSE_WEIGHTS, FUSE_WEIGHTS_DVECTOR

    base = measure_voice(spoken(TEXTS[0], **US), RATE)
    same, other = np.eye(256)[0], np.eye(256)[1]
    voices = [replace(base, embedding=same), replace(base, embedding=same), replace(base, embedding=other), base]
    features = pair_features(voices)
    assert features.shape == (4, 4, 5)
    assert features[0, 1, 4] == 0.0 and features[0, 2, 4] == 1.0 and np.isnan(features[0, 3, 4])
    distance = pair_distances(voices)
    alike = np.nan_to_num(features[0, 1])  # one utterance twice: only the GLR's chance discount differs from 0
    assert distance[0, 1] == pytest.approx(np.dot(FUSE_WEIGHTS_DVECTOR, alike))
    assert distance[0, 2] - distance[0, 1] == pytest.approx(FUSE_WEIGHTS_DVECTOR[4])  # orthogonal d-vectors: cosine distance 1
    assert distance[0, 3] == pytest.approx(np.dot(FUSE_WEIGHTS, alike[:4]))  # no d-vector on one side: the four measures
    assert cluster_voices(voices) == ["A", "A", "A", "A"]  # one voice: a d-vector alone does not part it
