"""Whisper's segments -> the transcript's measurements: the text, its spoken words, sound events, dropped segments.

`assemble(segments, language)` takes faster-whisper segments (times in seconds, each with `words`,
`avg_logprob`, `no_speech_prob`) and keeps those that do not look invented over no speech
(`hallucination`: no-speech probability, the segment's own log-probability from its words (`own_logprob`: whisper's
`avg_logprob` is its window's), word probability, per-segment compression ratio, the same text a third time in a
row), without a word inside a gap the decoder filled with silence (`transcript_gaps`); bracketed sound events ("(laughs)", "[Music]", "♪")
become SABER marks (`normalise_events`: "<laughter>", "<music>") timed from their words; Chinese is
joined without spaces and written in the chosen script (zhconv). `transcript_timeline` is the slot's
timeline of segments, words and sounds.
"""

from __future__ import annotations

import math
import re
import zlib
from typing import Any

import numpy as np

from saber_agent.errors import missing_extra
from saber_agent.evidence import Timeline, TimelineEvent
from saber_agent.plugins import transcript_gaps
from saber_agent.vocab import CJK, KANA

# Segments are dropped as "probably no speech" past these (whisper's own rule is 0.6 and -1.0; ours
# is stricter because a lone "You" on silence scores -0.98). The log-probabilities are the segment's own words'
# (`own_logprob`); the no-speech probability is whisper's window's and drops a segment only with its own doubt.
NO_SPEECH_PROB = 0.6
NO_SPEECH_LOGPROB = -0.5
MIN_AVG_LOGPROB = -1.2
MIN_WORD_PROB = 0.2
# A segment whose own text compresses better than this is a loop ("thank you thank you ..."), as in
# whisper's rule. Whisper's `compression_ratio` is the whole 30 s window's, shared by its segments:
# speech that really repeats a sentence (a chant, a rehearsed line) would drop every segment of the
# window with it, so the ratio is taken per segment here. faster-whisper still uses the window's
# ratio for its temperature fallback.
MAX_COMPRESSION = 2.4
NO_SPACE_LANGUAGES = frozenset({"zh", "ja", "yue", "th", "lo", "my", "bo"})
# The last word of a clip that ends inside speech (a phone clip, a window of a longer video): whisper, heard
# up to the cut, may finish the sentence with a word it guessed ("mad.", 30 ms, p 0.58, at the end of a 0.5 s
# clip). A last word ending within CUT_MARGIN_S of the clip's end that is shorter than MIN_WORD_S or less
# likely than UNSURE_WORD_PROB is set aside (`cut_last_word`). Measured with bench/cut_words.py (espeak-ng
# sentences whole and cut at 35/55/75%, every 6th EmoFilm clip): every invented last word of the cut clips
# (13 of 13) is set aside, and no word of the whole clips but one Arabic-script word in a Spanish one.
CUT_MARGIN_S = 0.05  # whisper's word times are on a 20 ms grid
MIN_WORD_S = 0.08  # a spoken word lasts longer (whisper gave invented ones 0-30 ms; real ones here >= 0.09 s)
UNSURE_WORD_PROB = 0.5

# Whisper writes sound events in brackets: "[Music]", "(laughs)", "*sighs*", "♪", "（笑）".
_EVENT = re.compile(r"\[[^\[\]]{0,40}\]|\([^()]{0,40}\)|（[^（）]{0,20}）|【[^【】]{0,20}】|\*[^*]{1,30}\*|♪+[^♪]{0,40}♪+|♪+")
EVENT_NAMES: tuple[tuple[str, str | None], ...] = (
    (r"blank|silence|no speech|no audio|静音", None),  # not an event: nothing happened
    (r"laugh|chuckl|giggl|笑", "laughter"),
    (r"music|♪|sing|song|melody|音乐|歌", "music"),
    (r"applau|clap|cheer|掌声|鼓掌", "applause"),
    (r"cough|咳", "cough"),
    (r"sigh|叹", "sigh"),
    (r"cry|crying|sob|weep|哭", "crying"),
    (r"scream|yell|shout|尖叫", "scream"),
    (r"sneez|喷嚏", "sneeze"),
    (r"breath|inhal|exhal|gasp|pant|呼吸|喘", "breath"),
    (r"inaudible|unintelligible|听不清", "inaudible"),
    (r"noise|static|buzz|噪", "noise"),
)
_CJK = re.compile(f"[{CJK}{KANA}]")


def normalise_events(text: str) -> tuple[str, list[str]]:
    """Whisper's bracketed sound events as SABER marks: ("Hi [Laughter]", ...) -> ("Hi <laughter>", ["laughter"])."""
    events: list[str] = []

    def mark(match: re.Match) -> str:
        name = event_name(match.group(0))
        if name is None:
            return " "
        events.append(name)
        return f" <{name}> "

    out = _EVENT.sub(mark, text)
    out = re.sub(r"(<[a-z_]+>)(\s*\1)+", r"\1", out)  # "♪ ♪ ♪" is one stretch of music
    out = re.sub(r"\s+([,.!?;:，。！？；：])", r"\1", out)
    return re.sub(r"\s+", " ", out).strip(), events


def event_name(bracketed: str) -> str | None:
    """The SABER mark name of one bracketed event ("(laughs)" -> "laughter"), None for non-events."""
    inner = bracketed.strip("[]()（）【】* ").lower()
    if "♪" in bracketed and not inner.strip("♪ "):
        return "music"
    for pattern, name in EVENT_NAMES:
        if re.search(pattern, inner):
            return name
    slug = "_".join(re.findall(r"[a-z]+", inner)[:3])
    return slug or None


def compression_ratio(text: str) -> float:
    """Whisper's repetition measure (UTF-8 length over zlib-compressed length) of one text."""
    raw = text.encode("utf-8")
    return len(raw) / len(zlib.compress(raw)) if raw else 0.0


def own_logprob(segment) -> float:
    """The segment's own log-probability: the mean natural log of its words' probabilities (whisper's per-word
    probabilities, faster-whisper's `Word.probability`); whisper's `avg_logprob` when it has no words.

    faster-whisper gives every segment decoded in one window the window's `avg_logprob`, `no_speech_prob` and
    `compression_ratio`: an English segment (words at -0.15) and the invented English over Spanish speech after it
    (words at -1.14) both carried -0.79, so the window's value cannot tell a segment from its neighbour."""
    words = [w.probability for w in getattr(segment, "words", None) or []]
    if not words:
        return float(segment.avg_logprob)
    return float(np.mean(np.log(np.maximum(np.asarray(words, dtype=float), 1e-6))))


def hallucination(segment, heard: bool = False) -> str | None:
    """Why a whisper segment looks like text invented over no speech, or None when it looks spoken.

    The log-probability judged is the segment's own (`own_logprob`, from its words), not whisper's `avg_logprob`,
    which is its whole window's; whisper's no-speech probability is also the window's, so it drops a segment only
    together with the segment's own doubt. `heard`: the voice-activity detector is confident someone speaks there.
    Whisper's no-speech probability is then judged by whisper's own rule (with a log-probability under -1.0), not our
    stricter one: on a language it knows less well (Arabic, Hindi) it doubts real speech."""
    words = list(getattr(segment, "words", None) or [])
    logprob = own_logprob(segment)
    word_prob = float(np.mean([w.probability for w in words])) if words else math.exp(logprob)
    unsure = logprob < -1.0 if heard else (logprob < NO_SPEECH_LOGPROB or word_prob < 0.5)
    if segment.no_speech_prob > NO_SPEECH_PROB and unsure:
        return f"no-speech probability {segment.no_speech_prob:.2f} (whisper's window)"
    if logprob < MIN_AVG_LOGPROB:  # without words, `own_logprob` is whisper's window-wide avg_logprob
        whose = "its words'" if words else "whisper's window"
        return f"log-probability {logprob:.2f} ({whose})"
    if word_prob < MIN_WORD_PROB:
        return f"word probability {word_prob:.2f}"
    ratio = compression_ratio(segment.text.strip())
    if ratio > MAX_COMPRESSION:
        return f"repetitive (compression ratio {ratio:.1f})"
    return None


def assemble(segments: list, language: str, chinese_script: str = "simplified", heard=None,
             clip_end_s: float | None = None, gaps: list[tuple[float, float]] | None = None) -> dict[str, Any]:
    """The transcript and its measurements from whisper segments (each with `words`); `heard(start, end)`
    says whether the voice-activity detector is confident of speech there (see `hallucination`).

    `gaps`: (start, end) seconds the decoder filled with silence (`transcript_gaps.filled_gaps`): a word lying mostly
    inside one is dropped (a segment left without a word too, "inside a gap"), with a note, and a segment's text before
    a gap ends a sentence (`transcript_gaps.ended`).

    A last word that may be guessed at the clip's cut (`cut_last_word`, with the clip's end `clip_end_s`)
    stays in the text and in "words", marked "uncertain" (the reason), and is left out of "text_for_sentiment",
    which the words cue reads; a note says so."""
    convert, convert_notes = _script_converter(language, chinese_script)
    kept, dropped, words, events = [], [], [], []
    recent: list[str] = []  # the last two kept segments' texts
    lost: list = []  # whisper's words inside a gap
    for seg in segments:
        seg, lost_here = transcript_gaps.strip(seg, gaps) if gaps else (seg, [])
        lost += lost_here
        if seg is None:
            continue
        why = hallucination(seg, bool(heard and heard(seg.start, seg.end)))
        if not why and len(recent) == 2 and recent[0] == recent[1] == seg.text.strip():
            why = "repetitive (the same text a third time in a row)"  # a loop across segments
        if why:
            dropped.append({"start": round(seg.start, 2), "end": round(seg.end, 2), "text": seg.text.strip(), "why": why})
            continue
        text, _ = normalise_events(convert(seg.text))
        seg_words, seg_events = _split_words(seg.words or [], convert)
        words += seg_words
        events += seg_events
        kept.append({
            "start": round(seg.start, 2), "end": round(seg.end, 2), "text": text,
            "avg_logprob": round(seg.avg_logprob, 3), "word_logprob": round(own_logprob(seg), 3),
            "no_speech_prob": round(seg.no_speech_prob, 3),
            "compression_ratio": round(compression_ratio(seg.text.strip()), 2),
        })
        recent = [*recent[-1:], seg.text.strip()]
    notes: list[str] = []
    for here, after in zip(kept[:-1], kept[1:], strict=True):  # the sentence before a gap ends there
        if gaps and transcript_gaps.before_gap(here["end"], after["start"], gaps):
            here["text"] = transcript_gaps.ended(here["text"])
    texts = [k["text"] for k in kept if k["text"]]
    if lost:
        said = ", ".join(f"{w.word.strip()!r} ({w.start:.2f}-{w.end:.2f} s)" for w in lost[:5])
        notes.append(f"whisper's {'words' if len(lost) > 1 else 'word'} {said} lay inside a gap in the audio stream "
                     f"(silence filled in by the decoder) and {'were' if len(lost) > 1 else 'was'} dropped")
    text = _join(texts, language)
    if why := cut_last_word(words, clip_end_s):
        words[-1]["uncertain"] = why
        notes.append(f"the last word {words[-1]['word']!r} is {why}; the words' emotion is read without it")
    spoken = words_cue_text(text, words)
    m: dict[str, Any] = {
        "text": text,
        "text_for_sentiment": spoken,
        "segments": kept,
        "dropped_segments": dropped,
        "words": words,
        "events": events,
        "n_words": len(words),
        "mean_word_probability": round(float(np.mean([w["probability"] for w in words])), 3) if words else 0.0,
        "speech_rate_wps": None,
        "notes": convert_notes + notes,
    }
    if len(words) >= 2:
        span = words[-1]["end"] - words[0]["start"]
        if span > 0:
            m["speech_rate_wps"] = round(len(words) / span, 2)
            characters = len(_CJK.findall(spoken))
            if characters:
                m["speech_rate_cps"] = round(characters / span, 2)
    return m


def cut_last_word(words: list[dict], clip_end_s: float | None) -> str | None:
    """Why the last of `words` (dicts with "word", "start", "end" in seconds, "probability") may be a word
    whisper guessed at the clip's cut, or None: it ends within CUT_MARGIN_S of `clip_end_s` (cut by the clip's
    end) and is shorter than MIN_WORD_S or has a probability under UNSURE_WORD_PROB."""
    if not words or clip_end_s is None:
        return None
    last = words[-1]
    if last["end"] < clip_end_s - CUT_MARGIN_S:
        return None
    length = last["end"] - last["start"]
    if length >= MIN_WORD_S and last["probability"] >= UNSURE_WORD_PROB:
        return None
    return (f"cut by the clip's end at {clip_end_s:.2f} s, {1000 * length:.0f} ms long, probability "
            f"{last['probability']:.2f}: possibly guessed")


def without_marks(text: str) -> str:
    """`text` with its sound marks ("<laughter>", "<music>") blanked: the words the words cue reads."""
    return re.sub(r"<[a-z_]+>", " ", text)


def words_cue_text(text: str, words: list[dict]) -> str:
    """The text the words cue reads: `text` with its sound marks blanked (`without_marks`) and, where the last of
    `words` (`assemble`'s "words") is marked "uncertain" (a word whisper may have guessed at the clip's cut,
    `cut_last_word`), without that word. The one rule for `assemble`, a transcript read again
    (`transcript.reread_words`) and each part of a clip in several languages (`transcript_languages.spoken_parts`)."""
    spoken = without_marks(text)
    if words and words[-1].get("uncertain"):
        spoken = _without_last(spoken, words[-1]["word"])
    return spoken


def _without_last(text: str, word: str) -> str:
    """`text` without the last occurrence of `word` (whisper's word text, punctuation and all, or its letters)."""
    for needle in (word.strip(), re.sub(r"[^\w']+", "", word)):
        at = text.rfind(needle) if needle else -1
        if at >= 0:
            return (text[:at] + text[at + len(needle):]).strip()
    return text


def is_spoken(word: str) -> bool:
    """Whether a whisper word holds a spoken word: a letter or digit of any script (Greek, Devanagari,
    Arabic, Han ...), not only punctuation, a note or a bracket."""
    return any(ch.isalnum() for ch in word)


def _split_words(words: list, convert) -> tuple[list[dict], list[dict]]:
    """Spoken words, and the events their bracketed stretches make, each with its times."""
    text, spans = "", []
    for w in words:
        spans.append((len(text), len(text) + len(w.word), w))
        text += w.word
    spoken, events, taken = [], [], set()
    for match in _EVENT.finditer(text):
        inside = [w for a, b, w in spans if a < match.end() and b > match.start()]
        for w in inside:
            taken.add(id(w))
        name = event_name(match.group(0))
        if name and inside:
            events.append({"event": name, "start": round(inside[0].start, 2), "end": round(inside[-1].end, 2)})
    for _, _, w in spans:
        if id(w) in taken or not is_spoken(w.word):
            continue
        spoken.append({"word": convert(w.word.strip()), "start": round(w.start, 2), "end": round(w.end, 2),
                       "probability": round(float(w.probability), 3)})
    return spoken, events


def _join(texts: list[str], language: str) -> str:
    if language not in NO_SPACE_LANGUAGES:
        return re.sub(r"\s+", " ", " ".join(texts)).strip()
    out = ""
    for text in texts:
        if out and not re.search(r"[，。！？；、,.!?;>]$", out):
            out += "，"  # whisper's Chinese segments often end unpunctuated
        out += text.strip()
    return out


def _script_converter(language: str, script: str):
    if language not in ("zh", "yue") or script == "as-is":
        return (lambda s: s), []
    try:
        import zhconv
    except ImportError:
        return (lambda s: s), [missing_extra("converting the Chinese script", "zhconv", "transcript") + "; it is left as whisper wrote it"]
    target = "zh-hans" if script == "simplified" else "zh-hant"
    return (lambda s: zhconv.convert(s, target)), []


def transcript_timeline(m: dict[str, Any]) -> Timeline:
    """The slot's `transcript` timeline (see `Timeline`): events only, no samples: each kept segment
    (`segment`, label: its text), each spoken word (`word`, value: its probability) and each sound
    event such as laughter (`sound`, label: its name)."""
    events = [TimelineEvent(start_s=s["start"], end_s=max(s["start"], s["end"]), label=s["text"], kind="segment")
              for s in m["segments"]]
    events += [TimelineEvent(start_s=w["start"], end_s=max(w["start"], w["end"]), label=w["word"], kind="word",
                             value=w["probability"]) for w in m["words"]]
    events += [TimelineEvent(start_s=e["start"], end_s=max(e["start"], e["end"]), label=e["event"], kind="sound")
               for e in m["events"]]
    return Timeline(events=sorted(events, key=lambda e: e.start_s))
