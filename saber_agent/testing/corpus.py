"""A corpus of bad and unusual inputs, for hardening tests and the bad-input report.

Each case is a file (or a path that is not a regular file) with what a careful tool should do with it:
``error`` (a clear message, exit code 3) or ``partial`` (an analysis whose missing parts are marked).
Needs ffmpeg and espeak-ng (see `saber_agent.testing.synth`).
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from saber_agent.testing.synth import _need, face_image, make_clip, speak, write_wav

Expect = Literal["error", "partial"]


@dataclass(frozen=True)
class Case:
    name: str
    path: Path
    expect: Expect
    what: str
    facts: dict = field(default_factory=dict)  # what a truthful analysis reports (`check_facts`)
    tool_options: dict = field(default_factory=dict)  # e.g. {"transcript": {"language": "el"}}


def _ffmpeg(*args: str) -> None:
    proc = subprocess.run([_need("ffmpeg"), "-y", "-loglevel", "error", *args], capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f"ffmpeg failed: {proc.stderr.strip()[-400:]}")


def build(folder: str | Path, long_minutes: float = 10.0) -> list[Case]:
    """Write the corpus into `folder` (idempotent: existing files are reused) and list its cases."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    cases: list[Case] = []

    def add(name: str, expect: Expect, what: str, make) -> None:
        path = folder / name
        if not path.exists() and not path.is_symlink():
            make(path)
        cases.append(Case(name, path, expect, what))

    speech = folder / "_speech.wav"
    if not speech.exists():
        speak("I told you already. This is not what we agreed on, and I am tired of waiting.", speech)
    good = folder / "_good.mp4"
    if not good.exists():
        make_clip(good, face_image(), speech)

    add("empty.mp4", "error", "an empty file", lambda p: p.touch())
    add("truncated.mp4", "error", "the first 2 KB of an mp4", lambda p: p.write_bytes(good.read_bytes()[:2048]))
    add("half.mp4", "partial", "the first half of an mp4 (index intact)",
        lambda p: p.write_bytes(good.read_bytes()[: good.stat().st_size // 2]))
    add("text.mp4", "error", "a text file named .mp4", lambda p: p.write_text("not a video\n" * 100))
    add("wav_named.mp4", "partial", "WAV data in a file named .mp4 (wrong container)", lambda p: p.write_bytes(speech.read_bytes()))
    add("corrupt_middle.mp4", "partial", "an mp4 with random bytes over its middle", lambda p: _corrupt(good, p))
    add("audio_only.m4a", "partial", "audio without video", lambda p: make_clip(p, None, speech))
    add("video_only.mp4", "partial", "video without audio", lambda p: make_clip(p, face_image(), None, seconds=3))
    add("silent.mp4", "partial", "a face with a silent audio track",
        lambda p: make_clip(p, face_image(), write_wav(folder / "_silence.wav", np.zeros(48_000, np.float32))))
    add("no_face.mp4", "partial", "speech over a picture with no face", lambda p: make_clip(p, _coffee(), speech))
    add("one_frame.mp4", "partial", "a single video frame", lambda p: make_clip(p, face_image(), None, seconds=0.04, motion=False))
    add("frame_4k.mp4", "partial", "one second of 3840x2160 video",
        lambda p: make_clip(p, face_image(), None, seconds=1.0, size=(3840, 2160), fps=5, motion=False))
    add("vfr.mkv", "partial", "variable frame rate video with speech", lambda p: _vfr(good, p))
    add("odd_rate.wav", "partial", "speech at 11025 Hz", lambda p: _ffmpeg("-i", str(speech), "-ar", "11025", str(p)))
    add("rate_7350.m4a", "partial", "AAC at 7350 Hz", lambda p: _ffmpeg("-i", str(speech), "-ar", "7350", "-c:a", "aac", str(p)))
    add("surround_5_1.mp4", "partial", "5.1 audio (speech on the centre channel)",
        lambda p: _ffmpeg("-i", str(good), "-filter_complex", "[0:a]pan=5.1|FC=c0[a]", "-map", "0:v", "-map", "[a]",
                          "-c:v", "copy", "-c:a", "aac", str(p)))
    add("名字 émotion.mp4", "partial", "a non-ASCII file name", lambda p: p.write_bytes(good.read_bytes()))
    add("loop.mp4", "error", "a symlink loop", lambda p: p.symlink_to(p))
    add("a_directory.mp4", "error", "a directory", lambda p: p.mkdir())
    add("missing.mp4", "error", "a path that does not exist", lambda p: None)
    add(f"long_{long_minutes:g}min.mp4", "partial", f"{long_minutes:g} minutes of video and tone",
        lambda p: _ffmpeg("-f", "lavfi", "-i", f"testsrc2=size=160x120:rate=5:duration={long_minutes * 60}",
                          "-f", "lavfi", "-i", f"sine=frequency=180:sample_rate=16000:duration={long_minutes * 60}",
                          "-c:v", "libx264", "-preset", "ultrafast", "-crf", "40", "-c:a", "aac", "-b:a", "24k", "-shortest", str(p)))
    return cases


def _corrupt(good: Path, out: Path) -> None:
    data = bytearray(good.read_bytes())
    rng = np.random.default_rng(7)
    start, end = len(data) // 3, 2 * len(data) // 3
    data[start:end] = rng.integers(0, 256, end - start, dtype=np.uint8).tobytes()
    out.write_bytes(bytes(data))


def _coffee() -> np.ndarray:
    from skimage import data

    return data.coffee()


def _vfr(good: Path, out: Path) -> None:
    # drop frames irregularly and keep their timestamps: a variable frame rate stream
    _ffmpeg("-i", str(good), "-vf", "select='not(mod(n\\,3))+eq(mod(n\\,7)\\,0)'", "-fps_mode", "vfr",
            "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "copy", str(out))


# --- field media (issue 14): what phones, browsers and broadcasters record -------------------------
# Each is made from the bundled sample clip (a face saying 7.7 s of English) with ffmpeg / espeak-ng.
# `facts` are what a truthful analysis reports (see `check_facts`).

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "sample.mp4"
LATIN1_NAME = os.fsdecode(b"caf\xe9 latin-1.mp4")  # a file name that is not UTF-8


def field_cases(folder: str | Path, long_s: float = 180.0) -> list[Case]:
    """The field-media kinds (issue 14 items 1-10 and 12), written into `folder`; `long_s` is the length
    of the clip where 8 s of speech come 10 s before its end."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    sample = str(SAMPLE)
    cases: list[Case] = []

    def add(name, what, make, facts, options=None):
        path = folder / name
        if not path.exists():
            make(path)
        cases.append(Case(name, path, "partial", what, facts, options or {}))

    music = folder / "_music.wav"
    if not music.exists():
        write_wav(music, melody(30.0))
    portrait = folder / "_portrait.mp4"
    if not portrait.exists():
        _ffmpeg("-i", sample, "-vf", "crop=240:320,transpose=2", "-c:a", "copy", str(portrait))
    upside = folder / "_upside.mp4"
    if not upside.exists():
        _ffmpeg("-i", sample, "-vf", "hflip,vflip", "-c:a", "copy", str(upside))

    # 1. display matrices: stored turned, shown upright
    add("rotated_270.mp4", "a phone clip stored landscape, displayed portrait (rotate=270)",
        lambda p: _ffmpeg("-i", str(portrait), "-c", "copy", "-metadata:s:v:0", "rotate=270", str(p)),
        {"clip.rotation": -90, "clip.width": 240, "clip.height": 320, "slot.facial_exp_desc": "ok"})
    add("rotated_180.mp4", "a clip stored upside down with rotate=180",
        lambda p: _ffmpeg("-i", str(upside), "-c", "copy", "-metadata:s:v:0", "rotate=180", str(p)),
        {"clip.rotation": -180, "slot.facial_exp_desc": "ok"})
    turned = folder / "_turned.mp4"
    if not turned.exists():
        _ffmpeg("-i", sample, "-vf", "crop=240:320,transpose=1", "-c:a", "copy", str(turned))
    add("rotated_90.mp4", "a clip stored turned the other way (rotate=90)",
        lambda p: _ffmpeg("-i", str(turned), "-c", "copy", "-metadata:s:v:0", "rotate=90", str(p)),
        {"clip.rotation": 90, "clip.width": 240, "clip.height": 320, "slot.facial_exp_desc": "ok"})
    # 2. several audio streams
    add("two_tracks.mkv", "first audio track silent and not default, the second the speech and default",
        lambda p: _two_tracks(sample, p, ["-disposition:a:0", "0", "-disposition:a:1", "default"]),
        {"clip.audio_track": 1, "clip.n_audio_tracks": 2, "slot.speech_content": "ok"})
    add("two_tracks_no_default.mkv", "two audio tracks, neither default, the first silent",
        lambda p: _two_tracks(sample, p, ["-disposition:a:0", "0", "-disposition:a:1", "0"]),
        {"clip.audio_track": 1, "slot.speech_content": "ok"})
    # 3. phase-inverted stereo
    for name, codec in (("phase_inverted_aac.mp4", "aac"), ("phase_inverted_pcm.mkv", "pcm_s16le")):
        add(name, f"stereo with one channel the other inverted ({codec})",
            lambda p, codec=codec: _ffmpeg("-i", sample, "-af", "pan=stereo|c0=c0|c1=-1*c0", "-c:v", "copy",
                                           "-c:a", codec, str(p)),
            {"clip.silent": False, "slot.speech_content": "ok", "slot.acoustic_feat": "ok"})
    add("phase_inverted_left.wav", "stereo WAV with the left channel inverted",
        lambda p: _ffmpeg("-i", sample, "-af", "pan=stereo|c0=-1*c0|c1=c0", "-vn", str(p)),
        {"clip.silent": False, "slot.acoustic_feat": "ok"})
    # 4. no declared duration
    add("no_duration.webm", "the sample looped to ~150 s, VP9/Opus WebM written to a pipe (no Duration)",
        lambda p: _piped_webm(sample, p), {"clip.duration_declared": False, "clip.frames_cover": True})
    # 5. stream start times
    add("audio_delayed_3s.mp4", "audio delayed 3 s (-itsoffset 3)",
        lambda p: _ffmpeg("-i", sample, "-itsoffset", "3", "-i", sample, "-map", "0:v", "-map", "1:a", "-c", "copy", str(p)),
        {"clip.no_note": "truncated", "speech.first_word_after_s": 2.5})
    add("mpeg2_interlaced.ts", "interlaced MPEG-2 in MPEG-TS, timestamps starting at 1.4 s",
        lambda p: _ffmpeg("-i", sample, "-vf", "tinterlace=4", "-c:v", "mpeg2video", "-flags", "+ilme+ildct",
                          "-c:a", "mp2", str(p)),
        {"clip.time_origin_after_s": 1.0, "speech.first_word_before_s": 0.5})
    # 6. cover art
    still = folder / "_face.png"
    if not still.exists():
        _ffmpeg("-i", sample, "-vf", "select=eq(n\\,30)", "-frames:v", "1", str(still))
    add("cover_art.mp3", "an MP3 with the face photo attached as cover art",
        lambda p: _ffmpeg("-i", sample, "-i", str(still), "-map", "0:a", "-map", "1:v", "-c:a", "libmp3lame",
                          "-c:v", "mjpeg", "-disposition:v", "attached_pic", str(p)),
        {"clip.has_video": False, "slot.facial_exp_desc": "unavailable", "no_cue": "face"})
    add("cover_art.m4a", "an M4A with the face photo attached as cover art",
        lambda p: _ffmpeg("-i", sample, "-i", str(still), "-map", "0:a", "-map", "1:v", "-c:a", "aac",
                          "-c:v", "png", "-disposition:v", "attached_pic", str(p)),
        {"clip.has_video": False, "slot.facial_exp_desc": "unavailable", "no_cue": "face"})
    # 7. a file name that is not UTF-8
    add(LATIN1_NAME, "a Latin-1 byte in the file name", lambda p: p.write_bytes(SAMPLE.read_bytes()),
        {"slot.speech_content": "ok"})
    # 8. music is not a voice
    add("music_only.mp4", "music (a plucked melody) under the face, no speech",
        lambda p: _ffmpeg("-i", sample, "-i", str(music), "-map", "0:v", "-map", "1:a", "-c:v", "copy", "-c:a", "aac",
                          "-shortest", str(p)),
        {"slot.acoustic_feat": "unavailable", "slot.speech_content": "unavailable", "no_cue": "voice"})
    add("music_then_speech.m4a", "20 s of music, then the speech",
        lambda p: _ffmpeg("-i", str(music), "-i", sample, "-filter_complex",
                          "[0:a]atrim=0:20[m];[1:a]aresample=16000[s];[m][s]concat=n=2:v=0:a=1[a]", "-map", "[a]",
                          "-c:a", "aac", str(p)),
        {"slot.acoustic_feat": "ok", "voice.speech_from_s": 19.0})
    add("speech_under_music.mp4", "the speech with music 6 dB louder mixed under it",
        lambda p: _ffmpeg("-i", sample, "-i", str(music), "-filter_complex",
                          "[1:a]volume=6dB[m];[0:a][m]amix=inputs=2:duration=first:normalize=0[a]",
                          "-map", "0:v", "-map", "[a]", "-c:v", "copy", "-c:a", "aac", str(p)),
        {"no_cue": "voice", "voice.background": True})
    # 9. pitch range fitted to the speaker (reference F0 from Praat with a hand-set range: 64 Hz, 347 Hz)
    add("bass_voice.m4a", "a bass voice (espeak-ng -p 0, F0 about 64 Hz)",
        lambda p: _spoken_clip(folder, p, pitch=0, voice="en"), {"voice.f0_mean_hz": (58.0, 71.0)})
    add("high_voice.m4a", "a high voice (espeak-ng en+f5 -p 99, F0 about 347 Hz)",
        lambda p: _spoken_clip(folder, p, pitch=99, voice="en+f5"), {"voice.f0_mean_hz": (312.0, 382.0)})
    # 10. speech that is a tiny share of a long clip
    add(f"speech_at_end_{long_s:g}s.m4a", f"{long_s:g} s of silence with 8 s of speech 10 s before the end",
        lambda p: _late_speech(sample, p, long_s), {"voice.articulation_rate_min": 3.0, "voice.phrases_min": 2})
    # 11. small faces (the face detector scans the whole frame and tiles; small frames are enlarged)
    add("small_face_1080p.mp4", "the sample scaled to 360x360 inside a 1920x1080 frame (face about 110 px tall)",
        lambda p: _ffmpeg("-i", sample, "-vf", "scale=360:360,pad=1920:1080:780:360", "-c:a", "copy", str(p)),
        {"slot.facial_exp_desc": "ok"})
    add("old_phone_176x144.mp4", "the sample at 176x144, as an old phone records",
        lambda p: _ffmpeg("-i", sample, "-vf", "scale=176:144", "-c:a", "copy", str(p)),
        {"slot.facial_exp_desc": "ok"})
    # a subject that is absent: a flat grey picture has no person, so no body (nor face) cue
    add("grey_picture.mp4", "speech over a flat grey picture (nobody in it)",
        lambda p: _ffmpeg("-f", "lavfi", "-i", "color=c=gray:s=320x240:r=15", "-i", sample, "-map", "0:v",
                          "-map", "1:a", "-c:v", "libx264", "-c:a", "aac", "-shortest", str(p)),
        {"slot.body_lang_desc": "unavailable", "slot.facial_exp_desc": "unavailable", "no_cue": "body",
         "slot.speech_content": "ok"})
    # 12. every script
    for code, text in (("el", "Καλημέρα σας. Σήμερα είναι μια όμορφη μέρα και είμαι πολύ χαρούμενος."),
                       ("ar", "مرحبا بكم. اليوم يوم جميل وأنا سعيد جدا.")):
        add(f"speech_{code}.m4a", f"espeak-ng speech in {code} (transcript.language={code})",
            lambda p, code=code, text=text: make_clip(p, None, speak(text, folder / f"_{code}.wav", voice=code)),
            {"slot.speech_content": "ok"}, {"transcript": {"language": code}})
    return cases


def melody(seconds: float, rate: int = 16_000) -> np.ndarray:
    """Music without a voice: plucked notes (three harmonics, decaying) of an arpeggio over a bass line."""
    t = np.arange(int(seconds * rate)) / rate
    steps = (0, 4, 7, 12, 7, 4, 2, 5)
    note = (t // 0.5).astype(int)
    f = 220.0 * 2 ** (np.take(steps, note % len(steps)) / 12)
    since = t - note * 0.5
    out = np.exp(-3 * since) * (0.25 * np.sin(2 * np.pi * f * t) + 0.12 * np.sin(4 * np.pi * f * t)
                                 + 0.06 * np.sin(6 * np.pi * f * t)) + 0.15 * np.sin(2 * np.pi * f / 4 * t)
    return (0.8 * out).astype(np.float32)


def _two_tracks(sample: str, out: Path, dispositions: list[str]) -> None:
    _ffmpeg("-i", sample, "-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-map", "0:v", "-map", "1:a", "-map", "0:a",
            "-c:v", "copy", "-c:a", "aac", "-shortest", *dispositions, str(out))


def _piped_webm(sample: str, out: Path) -> None:
    # written to a pipe, the muxer cannot seek back to write the Duration element
    # the picture loops for ~150 s, the speech is heard once (a transcript of 150 s would cost a minute)
    ffmpeg = subprocess.Popen([_need("ffmpeg"), "-loglevel", "error", "-stream_loop", "16", "-i", sample, "-i", sample,
                               "-map", "0:v", "-map", "1:a", "-vf", "scale=176:144,fps=2", "-c:v", "libvpx-vp9",
                               "-deadline", "realtime", "-cpu-used", "8",
                               "-b:v", "30k", "-c:a", "libopus", "-b:a", "12k", "-f", "webm", "-"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    data, err = ffmpeg.communicate()
    if ffmpeg.returncode:
        raise RuntimeError(f"ffmpeg failed: {err.decode(errors='replace')[-400:]}")
    out.write_bytes(data)


def _spoken_clip(folder: Path, out: Path, pitch: int, voice: str) -> None:
    wav = speak("I told you already. This is not what we agreed on, and I am tired of waiting for you.",
                folder / f"_{out.stem}.wav", pitch=pitch, voice=voice)
    make_clip(out, None, wav)


def _late_speech(sample: str, out: Path, seconds: float) -> None:
    lead = seconds - 18.0
    _ffmpeg("-f", "lavfi", "-i", f"anullsrc=r=16000:cl=mono:d={lead}", "-i", sample, "-f", "lavfi", "-i",
            "anullsrc=r=16000:cl=mono:d=10", "-filter_complex", "[1:a]aresample=16000[s];[0:a][s][2:a]concat=n=3:v=0:a=1[a]",
            "-map", "[a]", "-c:a", "aac", "-b:a", "32k", str(out))


def check_facts(case: Case, result) -> list[str]:
    """What `result` (an analysis of `case`) gets wrong against the case's facts; empty when all hold."""
    wrong = []
    clip, evidence = result.clip, result.evidence
    cues = {c.modality for c in result.cues}
    voice = evidence.acoustic_feat.measurements
    words = evidence.speech_content.measurements.get("words") or []
    for key, want in case.facts.items():
        kind, _, name = key.partition(".")
        if kind == "clip" and name == "n_audio_tracks":
            got = len(getattr(clip, "audio_tracks", []))
        elif kind == "clip" and name == "silent":
            got = any("silent" in n for n in clip.notes)
        elif kind == "clip" and name == "frames_cover":
            got = bool(clip.sample_fps) and clip.n_frames / clip.sample_fps >= 0.9 * clip.duration_s
        elif kind == "clip" and name == "no_note":
            got = not any(want in n for n in clip.notes)
            want = True
        elif kind == "clip" and name == "time_origin_after_s":
            got, want = getattr(clip, "time_origin_s", 0.0) > want, True
        elif kind == "clip":
            got = getattr(clip, name, None)
        elif kind == "slot":
            got = evidence.slot(name).status.value
        elif kind == "no_cue":
            got, want = want in cues, False
        elif kind == "speech" and words:
            first = words[0]["start"]
            got, want = (first > want) if name == "first_word_after_s" else (first < want), True
        elif kind == "voice" and name == "speech_from_s":
            regions = (voice.get("voice_activity") or {}).get("speech_regions") or [[0.0]]
            got, want = regions[0][0] >= want, True
        elif kind == "voice" and name == "background":
            got = bool(voice.get("background_under_voice"))
        elif kind == "voice" and name == "f0_mean_hz":
            got, want = want[0] <= (voice.get("f0_mean_hz") or 0) <= want[1], f"F0 in {want}: {voice.get('f0_mean_hz')}"
            got = want if got else f"F0 {voice.get('f0_mean_hz')} Hz"
        elif kind == "voice" and name == "articulation_rate_min":
            got, want = (voice.get("articulation_rate_syl_s") or 0) >= want, True
        elif kind == "voice" and name == "phrases_min":
            got, want = len(voice.get("phrases") or []) >= want, True
        else:
            got = None
        if got != want:
            wrong.append(f"{case.name}: {key} is {got!r}, expected {want!r}")
    return wrong


__all__ = ["Case", "build", "check_facts", "field_cases", "melody"]
