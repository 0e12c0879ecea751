"""Whisper's words that are not credible as speech: a stretch re-decoded in a plausible language, or left out.

Two ways invented text reached the words cue. A clip that switches from English to Spanish without a pause of 0.3 s
is never split into parts (`transcript_languages.chunks`): it was decoded all in English, the Spanish as "This toy
movie can sound on this way smell yachty." (espeak-ng, the clip's English at 0.60). And a part detected as another
language with low confidence kept whatever whisper wrote in that language (a trial's Spanish line detected as Italian
at 0.25: "e sono i diata").

The evidence is each segment's own (`transcript_segments.own_logprob`, the mean log of its words' probabilities; the
window's `avg_logprob` is shared by its segments). Measured on espeak-ng English and Spanish sentences alone and
mixed: segments of real speech in their language -0.06 to -0.58 (a Spanish one with a misheard word, "a mí sabe",
-0.55); English written over Spanish -0.96, -1.14, -1.28. A segment under `DOUBTFUL_LOGPROB` is doubtful.

- `doubtful_parts`: in a transcript of one language, a stretch of doubtful segments (at least `MIN_STRETCH_S`) is
  detected again on its speech alone and becomes a part in that language where whisper decodes it likelier there
  (`transcript_languages.confirm`): the parts are then transcribed each in its own, as for a clip split at a pause.
- `settle`: a part detected on its own with low confidence (under `SURE_LANGUAGE`) whose words are doubtful in that
  language is decoded in its other candidate languages (at most `CANDIDATES`); the likeliest decode is kept where it is
  credible, else the part's words are left out of the text (`unclear`: why), and the transcript's one note on its
  languages says so (`transcript_languages.note`).

Units: seconds on the clip's clock; log-probabilities (natural log).
"""

from __future__ import annotations

import numpy as np

from saber_agent.plugins.transcript_segments import own_logprob

DOUBTFUL_LOGPROB = -0.7  # a segment's own words under this mean log-probability (geometric mean p < 0.5) are doubtful
MIN_STRETCH_S = 1.0  # a doubtful stretch shorter than this is not detected again (as a chunk: `MIN_CHUNK_S`)
CANDIDATES = 2  # the part's other detected languages tried in turn


def words_logprob(segments: list) -> float:
    """The mean log-probability of all the words of `segments` (-inf without a word)."""
    probabilities = [w.probability for s in segments for w in (getattr(s, "words", None) or [])]
    if not probabilities:
        return -np.inf
    return float(np.mean(np.log(np.maximum(np.asarray(probabilities, dtype=float), 1e-6))))


def doubtful_parts(model, speech, activity, clip_language: str, clip_probability: float | None, segments: list,
                   window_s: float = 10.0, rate: int = 16_000, decoder=None) -> list:
    """The clip's speech as parts (`transcript_languages.Part`) where a stretch of doubtful segments (`DOUBTFUL_LOGPROB`)
    is confirmed as another language (`transcript_languages.confirm`), cut halfway between its segments and their
    neighbours (the stretches next to one confirmed are screened too); [] when no stretch is."""
    from saber_agent.plugins.transcript_languages import Part, confirm, joined

    if not segments or not activity.regions:
        return []
    doubtful = [own_logprob(s) < DOUBTFUL_LOGPROB for s in segments]
    start, end = activity.regions[0][0], activity.regions[-1][1]
    bounds = [start] + [(a.end + b.start) / 2 for a, b in zip(segments, segments[1:], strict=False)] + [end]
    stretches: list[list] = []  # [doubtful, start, end] of consecutive segments alike
    for i, flag in enumerate(doubtful):
        if stretches and stretches[-1][0] == flag:
            stretches[-1][2] = bounds[i + 1]
        else:
            stretches.append([flag, bounds[i], bounds[i + 1]])
    def screened(part):
        speech_s = sum(min(y, part.end) - max(x, part.start) for x, y in activity.regions if y > part.start and x < part.end)
        return confirm(model, speech, activity, part, window_s, rate, decoder) if speech_s >= MIN_STRETCH_S else part

    found = [Part(round(a, 3), round(b, 3), clip_language, clip_probability, "the clip's") for _, a, b in stretches]
    found = [screened(p) if flag else p for p, (flag, _, _) in zip(found, stretches, strict=True)]
    # a neighbour of a stretch found in another language is screened too: whisper's segments in the clip's language need
    # not break where the speech changes language (the rest of the Spanish written "(speaking in foreign language)")
    others = [k for k, p in enumerate(found) if p.source != "the clip's"]
    for i in sorted({j for k in others for j in (k - 1, k + 1) if 0 <= j < len(found) and found[j].source == "the clip's"}):
        found[i] = screened(found[i])
    out: list = []
    for part in found:
        joined(out, part)
    return out if len(out) > 1 else []


def settle(part, decoder) -> None:
    """A part detected on its own with low confidence: kept in the likeliest credible of its candidate languages, or
    marked `unclear` (its words left out). Changes `part` in place (language, probability, redecoded_from,
    avg_logprob, unclear)."""
    from saber_agent.plugins.transcript_decoding import SURE_LANGUAGE

    if part.source == "the clip's" or (part.probability or 0.0) >= SURE_LANGUAGE:
        return
    tried = {part.language: words_logprob(decoder(part, part.language))}
    if tried[part.language] >= DOUBTFUL_LOGPROB:
        return
    for code, _ in [c for c in part.candidates if c[0] != part.language][:CANDIDATES]:
        tried[code] = words_logprob(decoder(part, code))
    best = max(tried, key=tried.get)
    part.avg_logprob = {**part.avg_logprob, **{f"words_{c}": round(v, 3) for c, v in tried.items() if np.isfinite(v)}}
    if tried[best] >= DOUBTFUL_LOGPROB:
        if best != part.language:
            part.redecoded_from, part.language, part.probability = part.language, best, dict(part.candidates).get(best)
        return
    said = ", ".join(f"{c} {v:.2f}" for c, v in tried.items() if np.isfinite(v)) or "no words"
    part.unclear = f"whisper could not make out its words in any of {', '.join(tried)} (their words' mean log-probability: {said})"
