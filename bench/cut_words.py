"""How many transcript words the cut-last-word guard (`transcript_segments.cut_last_word`) sets aside.

    .venv/bin/python bench/cut_words.py [--emofilm-every 6] [--out /tmp/cut_words.json]

Clips: (a) espeak-ng English sentences (the transcript tests' six and the audio bench's long line, at
two voices each), whole; (b) the same clips cut at 35%, 55% and 75% of their length (a clip that ends
inside speech, as a window of a longer video does); (c) EmoFilm's Spanish clips (every Nth, whole).
For each clip the transcript tool runs with its defaults. Printed per set: the clips, the words, and the
words set aside (not read by the words cue). For the cut clips the set-aside last word is compared with
the whole clip's transcript: "real" when the whole clip has the same word starting within 0.15 s of it,
else "invented". The raw words go to --out for other rules to be tried on.
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
from pathlib import Path

SENTENCES = [
    "Hello everyone! I am really glad you came today. This is wonderful news.",
    "I hate this. You ruined everything and I am furious with you.",
    "The weather was cold and windy, so we stayed inside and read books.",
    "Please send me the report before the meeting on Friday afternoon.",
    "My brother bought a new car last week, and he drives it every day.",
    "Could you tell me where the nearest train station is?",
    "I told you this would happen, and you did not listen. Now we have to start again from the beginning, "
    "and honestly I am not sure we have the time.",
]
CUTS = (0.35, 0.55, 0.75)


def _norm(word: str) -> str:
    return re.sub(r"[^\w']", "", word.lower())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--emofilm-every", type=int, default=6)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()

    import numpy as np

    from saber_agent.eval import emofilm
    from saber_agent.evidence import ClipInfo
    from saber_agent.media import Clip, decode
    from saber_agent.plugins.transcript import TranscriptTool
    from saber_agent.settings import AnalysisSettings
    from saber_agent.testing.synth import speak

    tool, settings = TranscriptTool(), AnalysisSettings()

    def words_of(audio: np.ndarray) -> dict:
        info = ClipInfo(path="<memory>", duration_s=audio.size / 16_000, has_audio=True, audio_sample_rate=16_000)
        slot = tool.perceive(Clip(info, np.zeros((0, 0, 0, 3), np.uint8), np.zeros(0), audio.astype(np.float32)), settings)
        m = slot.measurements
        return {"duration_s": round(audio.size / 16_000, 3), "status": slot.status.value, "words": m.get("words", []),
                "language": m.get("language"), "sentiment": m.get("sentiment")}

    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, sentence in enumerate(SENTENCES):
            for voice, pitch, speed in (("en-us", 45, 150), ("en+m3", 30, 175)):
                audio = decode(speak(sentence, Path(tmp) / f"s{i}{voice}.wav", pitch, speed, voice)).audio
                whole = words_of(audio)
                rows.append({"set": "espeak whole", "clip": f"s{i} {voice}", **whole})
                for cut in CUTS:
                    part = words_of(audio[: int(cut * audio.size)])
                    rows.append({"set": "espeak cut", "clip": f"s{i} {voice} @{cut}", "reference": whole["words"], **part})
    folder = emofilm.fetch()
    for record in emofilm.items(folder)[:: args.emofilm_every]:
        audio = decode(record["path"]).audio
        rows.append({"set": "emofilm whole", "clip": Path(record["path"]).name, **words_of(audio)})

    for name in dict.fromkeys(r["set"] for r in rows):
        subset = [r for r in rows if r["set"] == name]
        aside = [(r, w) for r in subset for w in r["words"] if w.get("uncertain")]
        line = f"{name}: {len(subset)} clips, {sum(len(r['words']) for r in subset)} words, {len(aside)} set aside"
        if name == "espeak cut":
            real = sum(any(_norm(v["word"]) == _norm(w["word"]) and abs(v["start"] - w["start"]) < 0.15
                           for v in r["reference"]) for r, w in aside)
            line += f" ({real} real, {len(aside) - real} invented)"
        print(line)
        for r, w in aside:
            print(f"   {r['clip']}: {w['word']!r} {w['start']:.2f}-{w['end']:.2f} s p {w['probability']:.2f} ({w['uncertain']})")
    if args.out:
        Path(args.out).write_text(json.dumps(rows, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
