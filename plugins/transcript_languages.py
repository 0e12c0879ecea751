"""Several languages in one clip: the clip's speech split into parts of one language, each transcribed in its own.

Whisper decodes a window in one language: a clip that speaks English, then Spanish, was transcribed all in the
language detected on the whole of it (English at 0.61), and the Spanish came out as invented English ("Yes, we need
the other."). Here the clip's speech is cut into chunks (`chunks`: the voice-activity regions, split where the
detector hears a pause of `MIN_PAUSE_S`), and each chunk of at least `MIN_CHUNK_S` is screened for its own language
(`transcript_screening.screen`) on the encoder output that the clip's language detection already computed
(`transcript_decoding.detect_language`, kept with `keep`): the output's frames of the chunk (one per 20 ms of the
joined speech), followed by the frames of the window's padding, are given to whisper's language detector alone, one
decoder step per chunk (about 20 ms). Where that output has no padding after the speech (more than 29 s of speech;
`transcript_decoding.DETECT_TAIL_S`), the speech is encoded again for the screening, in windows of
`transcript_screening.SCREEN_S` with `TAIL_S` of padding (one encoder pass per 20 s). A chunk where the clip's
language has less than `OTHER_LANGUAGE_P` is another language; a run of such chunks is detected again on its own (as
a clip of it alone would be) and, where that confirms another language, becomes a part (`Part`) transcribed in that
language (English by tiny.en, others by base, as for a whole clip). A clip of one language costs the screening only
(no chunk flagged: the transcript is unchanged).

`merge` joins the parts' assembled transcripts (`transcript_segments.assemble`, each in its language) on the clip's
clock; `combine` reads the words cue from each part's own reading (its language's lexicon): one reading alone, or
opposite strong parts as mixed (`sentiment_mixed`), else their word-weighted mean. `spoken_parts` gives the parts and
their texts back from a stored transcript, for reading its words again (`transcript.reread_words`).

Units: seconds on the clip's clock; probabilities 0..1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from saber_agent.plugins.transcript_screening import screen
from saber_agent.voice_activity import PAUSE_PROB, WINDOW, VoiceActivity

MIN_PAUSE_S = 0.3  # a pause inside a voice-activity region this long splits it into chunks (cut at its middle)
MIN_CHUNK_S = 1.0  # a shorter chunk joins its neighbour: whisper's language detection says little on under a second
OTHER_LANGUAGE_P = 0.2  # a chunk where the clip's language has less than this is screened as another language
# a part screened and detected as another language goes back to the clip's only when whisper decodes it likelier in the
# clip's language by more than this mean log-probability (two signals already said it is not the clip's language)
LIKELIER_BY = 0.05


@dataclass
class Part:
    """A stretch of the clip's speech in one language."""

    start: float  # seconds, clip clock
    end: float
    language: str
    probability: float | None
    source: str  # "the clip's" (the whole clip's detection) or "detected on this part"
    candidates: list[tuple[str, float]] = field(default_factory=list)
    avg_logprob: dict[str, float] = field(default_factory=dict)  # whisper's (duration-weighted) per language decoded
    redecoded_from: str | None = None  # the language detected, where its words were not credible and another's were
    unclear: str | None = None  # why its words are left out: not credible in any language tried (`transcript_credible`)

    def said(self) -> str:
        """"es (3.36-6.21 s, 85%)", with "detected on that part alone" (and "with low confidence") for another part; an
        unclear part: "3.36-6.21 s not made out (detected alone as it, 24%; ...): its words are left out"."""
        from saber_agent.plugins.transcript_decoding import SURE_LANGUAGE

        sure = f", {self.probability:.0%}" if self.probability is not None else ""
        if self.unclear:
            return (f"{self.start:.2f}-{self.end:.2f} s not made out (detected alone as {self.language}{sure}; "
                    f"{self.unclear}): its words are left out of the text")
        alone = "" if self.source == "the clip's" else ", detected on that part alone" + (
            " with low confidence" if (self.probability or 0.0) < SURE_LANGUAGE else "")
        if self.redecoded_from:
            alone = f", detected alone as {self.redecoded_from} whose words were not credible; likelier in {self.language}"
        return f"{self.language} ({self.start:.2f}-{self.end:.2f} s{sure}{alone})"


def chunks(activity: VoiceActivity, rate: int = 16_000) -> list[tuple[float, float]]:
    """The voice-activity regions split at pauses (`MIN_PAUSE_S` under Silero's `PAUSE_PROB`), chunks shorter than
    `MIN_CHUNK_S` joined to their region's previous (or next) chunk; (start, end) seconds on the clip's clock."""
    out: list[tuple[float, float]] = []
    step = WINDOW / rate
    for a, b in activity.regions:
        cuts: list[float] = []
        if activity.probabilities is not None:
            first = int(a / step)
            quiet = activity.probabilities[first: int(math.ceil(b / step))] < PAUSE_PROB
            edges = np.diff(np.concatenate([[0], quiet.astype(np.int8), [0]]))
            for s, e in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True):
                middle = (first + (s + e) / 2) * step
                if s > 0 and (e - s) * step >= MIN_PAUSE_S and a < middle < b and first + e < first + quiet.size:
                    cuts.append(middle)
        pieces: list[list[float]] = []
        for x, y in zip([a, *cuts], [*cuts, b], strict=True):
            if pieces and (y - x < MIN_CHUNK_S or pieces[-1][1] - pieces[-1][0] < MIN_CHUNK_S):
                pieces[-1][1] = y  # a short chunk (or one after a short chunk) joins its neighbour
            else:
                pieces.append([x, y])
        out += [(round(float(x), 3), round(float(y), 3)) for x, y in pieces]
    return out


def parts(model, speech, activity: VoiceActivity, clip_language: str, clip_probability: float | None, encoded,
          rate: int = 16_000, window_s: float = 10.0, decoder: PartDecoder | None = None) -> list[Part]:
    """The clip's speech as parts of one language (one part, the clip's language, for a clip of one language).

    `model`: the multilingual faster-whisper model; `speech`: the joined speech (`voice_activity.SpeechSignal`, no
    gaps) whose first `transcript_screening.WINDOW_S` s `encoded` holds (the clip's detection,
    `detect_language(keep=...)`). With `decoder`,
    a part detected in another language is decoded in it and in the clip's language, and goes back to the clip's only
    where whisper decodes it likelier there by `LIKELIER_BY` (`PartDecoder.likelihood`): a Spanish EmoFilm line's first
    2.5 s ("¡Pero tú, Jimmy!") screened and detected as Polish (0.26) decodes at -0.97 in Spanish, -1.13 in Polish (back
    to Spanish); the trial's Spanish line detected as Italian (0.25) at -0.864 in Italian, -0.869 in English ("Yes, we
    need..."); espeak-ng Spanish at -0.67 in Spanish, -1.10 in English. Where neither the clip's detection nor the
    part's is sure (both under `SURE_LANGUAGE`), whisper does not know the speech and the part stays in the clip's
    language (espeak-ng Arabic, detected as Thai at 0.41: its last 1.3 s as English at 0.39, decoded "Ah, cah, cah")."""
    spans = chunks(activity, rate)
    whole = Part(spans[0][0], spans[-1][1], clip_language, clip_probability, "the clip's") if spans else None
    if len(spans) < 2:
        return [whole] if whole else []

    def to_signal(t: float) -> float:
        return float(np.interp(t, speech.clip_knots, speech.signal_knots))

    windows: dict[int, tuple[np.ndarray, float, float]] = {}  # screening windows: (frames, speech start, speech end)
    flagged = []
    for a, b in spans:
        sa, sb = to_signal(a), to_signal(b)
        if sb - sa < MIN_CHUNK_S:
            flagged.append(False)
            continue
        ranked = screen(model, speech.audio, encoded, sa, sb, rate, windows)
        p_clip = dict(ranked).get(clip_language, 0.0)
        flagged.append(ranked[0][0] != clip_language and p_clip < OTHER_LANGUAGE_P)
    if not any(flagged):
        return [whole]
    out: list[Part] = []
    for other, a, b in _runs(spans, flagged):
        clips = Part(a, b, clip_language, clip_probability, "the clip's")
        joined(out, confirm(model, speech, activity, clips, window_s, rate, decoder) if other else clips)
    return out


def confirm(model, speech, activity: VoiceActivity, part: Part, window_s: float = 10.0, rate: int = 16_000,
            decoder: PartDecoder | None = None) -> Part:
    """`part` (a stretch screened as another language, in the clip's language) detected again on its speech alone, as a
    clip of it alone would be: that language's part where the detection is sure enough and whisper decodes it no less
    likely there (`parts`), else `part` unchanged."""
    from saber_agent.plugins.transcript_decoding import SURE_LANGUAGE, detect_language

    def to_signal(t: float) -> float:
        return float(np.interp(t, speech.clip_knots, speech.signal_knots))

    piece = np.concatenate([speech.audio[int(to_signal(x) * rate): int(to_signal(y) * rate)]
                            for x, y in _cut(activity.regions, part.start, part.end)] or [np.zeros(0, np.float32)])
    if piece.size < rate * 0.2:
        return part
    language, probability, ranked = detect_language(model, piece, window_s, rate)
    other = Part(part.start, part.end, language, round(probability, 3), "detected on this part",
                 [(code, round(p, 3)) for code, p in ranked[:3]])
    if language == part.language or max(probability, part.probability or 0.0) < SURE_LANGUAGE:
        return part  # neither detection is sure: whisper does not know this speech, no split
    if decoder is not None:
        other.avg_logprob = {code: round(decoder.likelihood(other, code), 3) for code in (language, part.language)}
        if other.avg_logprob[part.language] > other.avg_logprob[language] + LIKELIER_BY:
            return part
    return other


def joined(out: list[Part], part: Part) -> None:
    """`part` appended to `out`, or `out`'s last part lengthened to its end where both are in one language, both the
    clip's or both detected alone (the first one's detection kept)."""
    if out and out[-1].language == part.language and (part.source == "the clip's") == (out[-1].source == "the clip's"):
        out[-1] = replace(out[-1], end=part.end)
    else:
        out.append(part)


def part_activity(activity: VoiceActivity, part: Part) -> VoiceActivity:
    """The clip's voice-activity decision with its regions cut to `part` (still on the clip's clock)."""
    return replace(activity, regions=_cut(activity.regions, part.start, part.end))


def note(found: list[Part]) -> str:
    """The one note on the languages of a clip transcribed part by part: several languages spoken, each part named; or,
    where the parts left are of one language (the others not made out, `Part.unclear`), that language and what was left
    out. It names the option that sets one language for the whole clip."""
    from saber_agent.plugins.transcript_decoding import LANGUAGE_OPTION

    heard = list(dict.fromkeys(p.language for p in found if not p.unclear))
    said = "; ".join(p.said() for p in found)
    if len(heard) > 1:
        return f"several languages are spoken: {said}; each part is transcribed in its own language"
    return (f"spoken language {heard[0] if heard else 'unknown'}: {said}; if the language is wrong, "
            f"set it for the whole clip with {LANGUAGE_OPTION}")


class PartDecoder:
    """A part's speech decoded in a language, once per language and span. `decode(language, signal, clip_time)` ->
    whisper segments on the clip's clock (`signal`: the part's speech joined, float32 at `rate`; `clip_time`: its
    seconds -> the clip's)."""

    def __init__(self, activity: VoiceActivity, audio: np.ndarray, rate: int, decode, gaps=()) -> None:
        self.activity, self.audio, self.rate, self.decode = activity, audio, rate, decode
        self.gaps = list(gaps)  # filled gaps (`transcript_gaps`): the speech either side is decoded apart
        self.done: dict[tuple[str, float, float], list] = {}

    def __call__(self, part: Part, language: str) -> list:
        from saber_agent.plugins.transcript_gaps import decode_apart
        from saber_agent.voice_activity import speech_signal

        key = (language, part.start, part.end)
        if key not in self.done:
            signal = speech_signal(self.audio, self.rate, part_activity(self.activity, part), max_gap_s=0.0)
            self.done[key] = decode_apart(signal, self.gaps, lambda a, t: (list(self.decode(language, a, t)), None))[0]
        return self.done[key]

    def likelihood(self, part: Part, language: str) -> float:
        """Whisper's mean log-probability of the part decoded in `language`, its segments weighted by their length
        (-inf when it wrote nothing)."""
        segments = self(part, language)
        lengths = [max(0.01, s.end - s.start) for s in segments]
        return sum(n * s.avg_logprob for n, s in zip(lengths, segments, strict=True)) / sum(lengths) if segments else -math.inf


def transcribe(found: list[Part], decoder: PartDecoder, assemble_part):
    """Each part's speech decoded in its language (`decoder`) and assembled: (`merge` of the parts, [(part, its text
    for the words cue, its number of words)]). `assemble_part(segments, language, last)` ->
    `transcript_segments.assemble`'s dict (`last`: the clip's last part, where a word guessed at the clip's cut is
    looked for)."""
    from saber_agent.plugins.transcript_credible import settle

    assembled, spoken = [], []
    for i, part in enumerate(found):
        settle(part, decoder)  # a part unsure of its language and of its words: another language, or left out
        segments = decoder(part, part.language)
        a = assemble_part([] if part.unclear else segments, part.language, i == len(found) - 1)
        if part.unclear:
            a["dropped_segments"] += [{"start": round(s.start, 2), "end": round(s.end, 2), "text": s.text.strip(),
                                       "why": f"not made out: {part.unclear}"} for s in segments]
        spoken.append((part, a.pop("text_for_sentiment"), a["n_words"]))
        assembled.append(a)
    merged = merge(found, assembled)
    merged["text_for_sentiment"] = " ".join(t for _, t, _ in spoken)
    return merged, spoken


def merge(found: list[Part], assembled: list[dict[str, Any]]) -> dict[str, Any]:
    """The parts' transcripts (`transcript_segments.assemble` of each, in its language) as one, on the clip's clock:
    texts joined, segments (each with its "language"), words and events in time order, and "languages" (per part:
    start, end, language, probability, source, words). The speech rate is over all the words."""
    from saber_agent.plugins.transcript_segments import _join

    m: dict[str, Any] = {"segments": [], "dropped_segments": [], "words": [], "events": [], "notes": [], "languages": []}
    texts = []
    for part, a in zip(found, assembled, strict=True):
        m["segments"] += [{**s, "language": part.language} for s in a["segments"]]
        m["dropped_segments"] += [{**s, "language": part.language} for s in a["dropped_segments"]]
        for key in ("words", "events", "notes"):
            m[key] += a[key]
        if a["text"]:
            texts.append(_join([a["text"]], part.language))
        m["languages"].append({"start": round(part.start, 2), "end": round(part.end, 2), "language": part.language,
                               "probability": part.probability, "source": part.source, "n_words": a["n_words"],
                               **({"avg_logprob": part.avg_logprob} if part.avg_logprob else {}),
                               **({"unclear": part.unclear} if part.unclear else {}),
                               **({"redecoded_from": part.redecoded_from} if part.redecoded_from else {}),
                               **({"candidates": [{"language": c, "probability": p} for c, p in part.candidates]}
                                  if part.candidates else {})})
    words = m["words"]
    m.update(text=" ".join(texts), n_words=len(words), speech_rate_wps=None,
             mean_word_probability=round(float(np.mean([w["probability"] for w in words])), 3) if words else 0.0)
    if len(words) >= 2 and words[-1]["end"] > words[0]["start"]:
        span = words[-1]["end"] - words[0]["start"]
        m["speech_rate_wps"] = round(len(words) / span, 2)
        cps = [a.get("speech_rate_cps") for a in assembled if a.get("speech_rate_cps")]
        if cps:
            m["speech_rate_cps"] = max(cps)
    return m


def spoken_parts(m: dict[str, Any]) -> list[tuple[Part, str, int]]:
    """A transcript's parts read back from its measurements `m` (`merge`'s "languages", the segments' "language"), as
    `transcribe` gave them: [(part, its text for the words cue, its number of words)], or [] for a clip of one language
    or a transcript without its segments (corrected by hand). A part's text joins its segments (those in its language
    whose middle is within it), sound marks left out, without the clip's last word where it was marked "uncertain"
    (guessed at the clip's cut: only the last part was checked for it)."""
    from saber_agent.plugins.transcript_segments import _join, words_cue_text

    found, segments, words = m.get("languages") or [], m.get("segments") or [], m.get("words") or []
    if len(found) < 2 or not segments:
        return []
    out = []
    for i, p in enumerate(found):
        part = Part(p["start"], p["end"], p["language"], p.get("probability"), p.get("source", "the clip's"))
        texts = [s["text"] for s in segments if s.get("language") == part.language and s["text"]
                 and part.start - 0.05 <= (s["start"] + s["end"]) / 2 <= part.end + 0.05]
        last = words if i == len(found) - 1 and p.get("n_words") else []  # the clip's last word ends its last part
        out.append((part, words_cue_text(_join(texts, part.language), last), int(p.get("n_words") or 0)))
    return out


def combine(readings: list[tuple[Part, dict[str, Any], int, str]]) -> dict[str, Any]:
    """The words cue of a clip in several languages from each part's own reading (`transcript._sentiment`, its
    language's lexicon), its number of words and its text: {"unavailable": ...} when no part is read; the one part
    read (and why the others are not, "unread"); opposite strong parts (|valence| >= sentiment_mixed.STRONG) mixed;
    else the parts' valence and arousal weighted by their words, the emotion where the parts read agree. "parts": each
    part's reading."""
    from saber_agent.plugins.sentiment_mixed import MIXED_CONFIDENCE, Sentence, describe
    from saber_agent.plugins.text_sentiment import TextSentiment

    read = [(p, r) for p, r, _, _ in readings if "valence" in r]
    weights = [max(1, n) for _, r, n, _ in readings if "valence" in r]
    texts = [t for _, r, _, t in readings if "valence" in r]
    unread = [f"{p.language} ({p.start:.2f}-{p.end:.2f} s): {r['unavailable']}" for p, r, _, _ in readings if "valence" not in r]
    parts = [{"start": round(p.start, 2), "end": round(p.end, 2), "language": p.language,
              **({k: r[k] for k in ("valence", "emotion", "label")} if "valence" in r else {"unavailable": r.get("unavailable")})}
             for p, r, _, _ in readings]
    if not read:
        return {"unavailable": "; ".join(unread), "parts": parts}
    if len(read) == 1:
        return {**read[0][1], "parts": parts, **({"unread": unread} if unread else {})}
    total = float(sum(weights))
    units = [Sentence(f"{t} [{p.language}]", r["valence"], r.get("emotion")) for (p, r), t in zip(read, texts, strict=True)]
    positive, negative = [u for u in units if u.side > 0], [u for u in units if u.side < 0]
    emotions = {r.get("emotion") for _, r in read}
    result = TextSentiment(
        valence=round(sum(w * r["valence"] for w, (_, r) in zip(weights, read, strict=True)) / total, 3),
        arousal=round(sum(w * r["arousal"] for w, (_, r) in zip(weights, read, strict=True)) / total, 3),
        emotion=emotions.pop() if len(emotions) == 1 else None,
        confidence=round(sum(w * r["confidence"] for w, (_, r) in zip(weights, read, strict=True)) / total, 3),
        language="+".join(dict.fromkeys(p.language for p, _ in read)),
        backend=" + ".join(dict.fromkeys(r["backend"] for _, r in read)),
        evidence=[e for _, r in read for e in r.get("evidence") or []][:12],
        mixed=next((r["mixed"] for _, r in read if r.get("mixed")), None),
    )
    if positive and negative:
        result.emotion, result.confidence = None, min(result.confidence, MIXED_CONFIDENCE)
        result.mixed = describe(positive, negative, "parts in different languages")
    return {**result.as_dict(), "label": result.label, "parts": parts, **({"unread": unread} if unread else {})}


def _runs(spans, flagged):
    """(flagged, start, end) of consecutive spans with the same flag."""
    out: list[list] = []
    for (a, b), f in zip(spans, flagged, strict=True):
        if out and out[-1][0] == f:
            out[-1][2] = b
        else:
            out.append([f, a, b])
    return [tuple(r) for r in out]


def _cut(regions, start: float, end: float) -> list[tuple[float, float]]:
    return [(max(a, start), min(b, end)) for a, b in regions if b > start and a < end and min(b, end) > max(a, start)]
