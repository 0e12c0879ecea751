"""Seconds per clip of the two audio plugins, transcript and prosody, on espeak-ng speech.

    .venv/bin/python bench/audio_plugins.py [--repeat 3]

Clips: the test suite's cheerful and hostile lines (about 5 s and 4 s), a Chinese line, and a ~10 s
English clip. Each plugin runs on the decoded clip (decoding is not counted), after one warm-up
call that loads the models (its time is printed separately). For each clip and plugin: the median
wall seconds over the repeats, the real-time factor (wall seconds / clip seconds) and the median CPU
seconds of the process (all threads; steadier than wall time on a busy machine), all from this run.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from pathlib import Path

CHEERFUL = "Hello everyone! I am really glad you came today. This is wonderful news."
HOSTILE = "I hate this. You ruined everything and I am furious with you."
LONG = ("I told you this would happen, and you did not listen. Now we have to start again from the beginning, "
        "and honestly I am not sure we have the time.")
CHINESE = "我真的很高兴你今天来了。这是个好消息。"


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from saber_agent.media import decode
    from saber_agent.plugins.prosody import ProsodyTool
    from saber_agent.plugins.transcript import TranscriptTool
    from saber_agent.settings import AnalysisSettings
    from saber_agent.testing.synth import speak

    tools = {"transcript": TranscriptTool(), "prosody": ProsodyTool()}
    settings = AnalysisSettings()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        clips = {
            "cheerful (en)": decode(speak(CHEERFUL, tmp / "c.wav", pitch=55, speed=150)),
            "hostile (en)": decode(speak(HOSTILE, tmp / "h.wav", pitch=30, speed=175)),
            "chinese (zh)": decode(speak(CHINESE, tmp / "z.wav", voice="cmn-latn-pinyin", speed=120)),
            "long (en)": decode(speak(LONG, tmp / "l.wav", speed=150)),
        }
    for name, tool in tools.items():
        start = time.perf_counter()
        for clip in clips.values():  # loads every model this tool will use
            tool.perceive(clip, settings)
        print(f"{name}: first pass over all clips (model loads included) {time.perf_counter() - start:.2f} s")
    print(f"{'clip':<15} {'seconds':>7} {'plugin':<11} {'wall s':>7} {'RTF':>6} {'CPU s':>6}  model / result")
    for clip_name, clip in clips.items():
        duration = clip.audio.size / clip.sample_rate
        for name, tool in tools.items():
            times, cpu = [], []
            for _ in range(args.repeat):
                start, start_cpu = time.perf_counter(), cpu_seconds()
                slot = tool.perceive(clip, settings)
                times.append(time.perf_counter() - start)
                cpu.append(cpu_seconds() - start_cpu)
            seconds = statistics.median(times)
            detail = slot.measurements.get("model", "") if name == "transcript" else f"{len(slot.measurements.get('phrases', []))} phrases"
            print(f"{clip_name:<15} {duration:7.2f} {name:<11} {seconds:7.3f} {seconds / duration:6.3f} "
                  f"{statistics.median(cpu):6.2f}  {detail}: {slot.text[:50]!r}")


if __name__ == "__main__":
    main()
