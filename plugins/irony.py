"""Possible irony inside the words: a positive verdict on a negative event in the same clause.

The rule follows Riloff et al. (2013), "Sarcasm as contrast between a positive sentiment and negative
situation" (EMNLP): the words are flagged only when one clause holds both

- a positive *verdict*: an evaluative word of a short closed list (love, great, fantastic, perfect;
  me encanta, genial; 太好了, 真棒), positive in its context (not negated: VADER's own negation
  handling in English, the Spanish and Chinese scorers' negators otherwise), and
- a negative *event or state*: a word the language's scorer reads as clearly negative in context
  (English also a few everyday misfortunes VADER does not score: late, traffic, rain ...), not
  followed or preceded by its ending ("the pain is gone", "no more pain", "survived").
  In English the verdict must not take a positive complement: the next word with a valence after it
  is not positive ("I enjoy helping people who are sick" praises the helping).

A verdict standing alone as an exclamation ("Oh great,", "Fantastic!", "Great, just great,") is the
speaker's verdict on a statement next to it: within its own sentence when the sentence holds a statement,
else in the sentences around it. Of the nearest statement before it and the nearest after it, the one
before is taken when it holds a negative event ("the train is late again, just perfect, exactly what I
needed": a reaction follows its cause), else the one after ("Oh great, stuck in traffic"). Not across a
contrast conjunction ("The printer jammed, but great, ..."; "Great, but the train is late"), and not
back when the statement after it is a recovery ("The printer jammed, great, the technician fixed it":
the verdict is on the fix). Clauses are split at punctuation and at contrast conjunctions (but, though
...), so "it was a sad day, but the ceremony was beautiful" holds no clause with both.

Not flagged, whatever the wording: sentences shaped as apology, forgiveness, condolence, gratitude or
congratulation (sorry, forgive, thank, congratulations; perdón, gracias; 对不起, 谢谢), whose mixed
wording is sincere. Words that only *happen* to be positive in a lexicon (VADER scores "forgive",
"please", "thank", "glad", "survived" positive) are not verdicts: mixed polarity alone is no irony.

Known misses, by design: sarcastic thanks ("thanks for ruining my day"), irony with no negative word
("Oh great, another meeting"), and a speaker's own state ("I'm so happy to be stuck here"). Known false
alarms: a verdict on a thing whose topic is sad ("a beautiful song about loss"; needs a parser), and a
verdict standing as a sentence of its own between a misfortune and good news that names no recovery
("The storm was terrible. Great! Now the sun is out.": the one before is preferred).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from saber_agent.plugins.sentiment_es import fold

# --- English ----------------------------------------------------------------------------------------
VERDICTS_EN = frozenset({
    "love", "loved", "adore", "enjoy", "great", "fantastic", "wonderful", "perfect", "perfectly", "brilliant", "awesome", "amazing",
    "lovely", "excellent", "nice", "superb", "marvelous", "marvellous", "terrific", "fabulous", "splendid", "delightful", "beautiful",
    "yay", "hooray", "best",
})
# everyday misfortunes VADER does not score (or barely: delayed -0.9), counted as a negative event of -1.0; breakdowns
# VADER already scores (broke -1.8, broken -2.1, stuck -1.0, lost -1.3, cancelled -1.0, stolen -2.2) are not repeated.
# Words with a common good or neutral sense stay out ("jam", "flat", "locked", "frozen", "burned"): only the phrases.
SITUATIONS_EN = frozenset({
    "late", "delayed", "crash", "crashes", "crashed", "forgot", "traffic", "rain", "raining", "waiting", "queue",
    "overtime", "homework", "jammed", "canceled", "spilled", "leaking", "overslept", "stranded", "flooded", "towed", "froze",
})
SITUATION_PHRASES_EN = (("flat", "tire"), ("flat", "tyre"), ("locked", "out"))  # the first word counts
# a statement that undoes a misfortune named before it ("... jammed, great, the technician fixed it")
RECOVERY_EN = re.compile(r"\b(?:fix(?:ed|es)?|repaired|solved|sorted|found|replaced|refunded|rescued|works? again|working again"
                         r"|back (?:on|up|to normal))\b")
# words that may stand with a verdict in an exclamation ("oh great", "that's just perfect", "how lovely")
FILLERS_EN = frozenset({
    "oh", "ah", "well", "just", "so", "how", "what", "a", "an", "really", "absolutely", "simply", "truly", "yeah", "yes", "wow",
    "that's", "thats", "that", "is", "it's", "its", "this", "very", "and", "now", "totally",
})
SPEECH_ACTS_EN = re.compile(
    r"\b(?:sorry|apologi[sz]e\w*|apolog(?:y|ies)|forgiv\w*|pardon|excuse me|condolences?|rest in peace|thank\w*|grateful"
    r"|appreciate\w*|congratulations|congrats)\b")
# "over" as an ending ("the fever is over", "I'm over it"), not the preposition ("coffee all over my notes")
RELIEF_EN = re.compile(r"\b(?:gone|over(?! (?:my|your|his|her|our|their|the|a|an|this|that|me|him|us|them)\b)"
                       r"|ended|finished|stopped|healed|cured|recover\w*|surviv\w*|behind (?:me|us)|no (?:more|longer)"
                       r"|free (?:of|from))\b")
CONTRAST_EN = re.compile(r"\b(?:but|though|although|even though|even if|yet|whereas|while)\b|\band(?= (?:i|you|he|she|we|they|it)\b)")
# a sequence of events starts a new clause, without the contrast's bar on an exclamation's target ("Oh great, and then
# the train was late" is still irony): "I love you so much and then I hate you" is no verdict on "hate"
SEQUENCE_EN = re.compile(r"\band (?:then|now|later)\b")
NEGATIVE_EN = -1.0  # VADER scale (about -4 .. +4): "stuck" -1.0, "lost" -1.3, "failed" -2.3

# --- Spanish (folded: lower case, no accents) --------------------------------------------------------
VERDICTS_ES = ("encant", "genial", "maravill", "fantastic", "perfect", "estupend", "excelent", "magnific", "fenomenal", "que bien",
               "guay", "precios", "lo mejor", "de puta madre", "cojonud")
FILLERS_ES = frozenset({"oh", "ay", "que", "me", "nos", "pero", "vaya", "muy", "tan", "simplemente", "realmente", "es", "esto", "eso", "y",
                        "ahora"})
SPEECH_ACTS_ES = re.compile(r"\b(?:perdon\w*|disculp\w*|lo siento|lo sentimos|siento mucho|gracias|agradec\w*|pesame|enhorabuena"
                            r"|felicidades|felicit\w*|descanse en paz)\b")
RELIEF_ES = re.compile(r"\b(?:ya no|se acabo|se fue|ya paso|sin)\b")
CONTRAST_ES = re.compile(r"\b(?:pero|aunque|sin embargo|mientras)\b")
SEQUENCE_ES = re.compile(r"\by (?:luego|despues|entonces|ahora)\b")  # folded
NEGATIVE_OTHER = -0.5  # Spanish and Chinese scales (about 1 a word): "perder" -0.6, "迟到" -1.0

# --- Chinese -----------------------------------------------------------------------------------------
VERDICTS_ZH = ("太好了", "真好", "好极了", "好棒", "真棒", "太棒了", "棒极了", "完美", "精彩", "漂亮", "喜欢", "厉害", "不错", "爽")
FILLERS_ZH = "哦噢啊哇呀嘛吧呢了真太可又这那是就简直实在"
SPEECH_ACTS_ZH = re.compile(r"对不起|抱歉|原谅|不好意思|谢谢|感谢|多谢|节哀|恭喜|祝贺")
RELIEF_ZH = re.compile(r"过去了|没事了|不再|结束了|痊愈")
CONTRAST_ZH = re.compile(r"但是|可是|不过|虽然|尽管")
SEQUENCE_ZH = re.compile(r"然后")
NEGATORS_ZH = "不没别无"

_SENTENCES = re.compile(r"[.!?…。！？\n]+")
_CLAUSES = re.compile(r"[,;:，、；：()\"“”—-]+")


def possible_irony(text: str, language: str, scored: Callable[[str], list[tuple[str, float]]] | None = None) -> str | None:
    """A description when a clause of `text` puts a positive verdict on a negative event, else None.

    `language`: "en", "es" or "zh" (another gives None). `scored(clause)`: the language scorer's words of a
    clause with their valence in context, [(word, weight)], Spanish or Chinese (English is read with VADER
    here). The description names the verdict and the event ("... verdict (love) on a negative event (wasting) ...").
    """
    lang = language.lower().split("-")[0]
    if lang == "en":
        table = (str.lower, SPEECH_ACTS_EN, CONTRAST_EN, SEQUENCE_EN, RECOVERY_EN, _english_clause)
    elif lang == "es" and scored:
        table = (fold, SPEECH_ACTS_ES, CONTRAST_ES, SEQUENCE_ES, RELIEF_ES, lambda clause: _scored_clause(clause, scored, "es"))
    elif lang in ("zh", "yue", "cmn") and scored:
        table = (str, SPEECH_ACTS_ZH, CONTRAST_ZH, SEQUENCE_ZH, RELIEF_ZH, lambda clause: _scored_clause(clause, scored, "zh"))
    else:
        return None
    normal, speech_acts, contrast, sequence, recovery, read_clause = table
    readings = []  # one _Clause each, in order ("Great! Traffic again." is two)
    for n, sentence in enumerate(_SENTENCES.split(normal(text or ""))):
        if speech_acts.search(sentence):
            continue  # apology, forgiveness, condolence, thanks, congratulation: the mixed wording is sincere
        for part in (p for clause in _CLAUSES.split(sentence) for p in sequence.split(clause)):
            split = contrast.split(part)
            pieces = [(k > 0, p.strip()) for k, p in enumerate(split) if p.strip()]
            for after_contrast, piece in pieces:  # only a clause punctuation alone sets off is an exclamation ("sad but beautiful")
                verdicts, negatives, exclamation = read_clause(piece)
                readings.append(_Clause(verdicts, negatives, exclamation and len(pieces) == 1, n, after_contrast,
                                        recovery.search(piece) is not None))
    for i, reading in enumerate(readings):
        verdicts, negatives = reading.verdicts, reading.negatives
        if reading.exclamation:
            target = _statement_judged(readings, i)
            negatives = readings[target].negatives if target is not None else []
        if verdicts and negatives:
            return (f"the words put a positive verdict ({', '.join(verdicts[:3])}) on a negative event ({', '.join(negatives[:3])}): "
                    "praise of a bad event may be irony or sarcasm")
    return None


@dataclass
class _Clause:
    verdicts: list[str]  # positive verdict words in context
    negatives: list[str]  # negative events or states in context
    exclamation: bool  # verdicts and fillers only, set off by punctuation alone ("Oh great,")
    sentence: int  # index of its sentence in the text
    after_contrast: bool  # a contrast conjunction opens it ("but great", "but the technician fixed it")
    recovery: bool  # it undoes a misfortune ("the technician fixed it")


def _statement_judged(readings: list[_Clause], i: int) -> int | None:
    """The statement exclamation i judges (see the module docstring): among the statements of its own sentence,
    else of the whole text, the nearest before it when that holds a negative event and the one after is no
    recovery, else the nearest after it; none across a contrast conjunction."""
    own = [j for j, r in enumerate(readings) if not r.exclamation and r.sentence == readings[i].sentence]
    pool = own or [j for j, r in enumerate(readings) if not r.exclamation]
    before = max((j for j in pool if j < i), default=None)
    after = min((j for j in pool if j > i), default=None)
    if before is not None and any(readings[k].after_contrast for k in range(before + 1, i + 1)):
        before = None
    if after is not None and any(readings[k].after_contrast for k in range(i + 1, after + 1)):
        after = None
    if before is not None and readings[before].negatives and not (after is not None and readings[after].recovery):
        return before
    return after


def _english_clause(clause: str) -> tuple[list[str], list[str], bool]:
    """(verdicts, negative events, whether the clause is an exclamation of verdicts and fillers only), read with VADER."""
    from saber_agent.plugins.sentiment_en import read_english

    # VADER's own per-word loop, which keeps the words' valence in context, with the negation scopes
    # VADER misses ("no need to worry": worry is not a negative event) and "no" not a negative word
    reading = read_english(clause).words
    valences = [w.valence for w in reading]
    lowered = [w.token for w in reading]
    for i, word in enumerate(lowered):  # an everyday misfortune counts as NEGATIVE_EN unless negated
        phrase = any(word == a and lowered[i + 1 : i + 2] == [b] for a, b in SITUATION_PHRASES_EN)
        if (word in SITUATIONS_EN or phrase) and not reading[i].negated:  # read_english's scopes: "no traffic"
            valences[i] = min(valences[i], NEGATIVE_EN)
    relieved = RELIEF_EN.search(clause) is not None
    negatives = [] if relieved else [w for w, v in zip(lowered, valences, strict=True) if v <= NEGATIVE_EN and w not in VERDICTS_EN]
    verdicts = []
    for i, word in enumerate(lowered):
        positive = valences[i] > 0 if reading[i].lexicon is not None else not reading[i].negated
        # the verdict's complement is the next word with a valence: "I enjoy helping the sick" praises the helping
        complement = next((v for w, v in zip(lowered[i + 1 :], valences[i + 1 :], strict=True) if v and w not in VERDICTS_EN), 0.0)
        if word in VERDICTS_EN and positive and complement <= 0:
            verdicts.append(word)
    exclamation = bool(verdicts) and all(w in VERDICTS_EN or w in FILLERS_EN for w in lowered)
    return verdicts, negatives, exclamation


def _scored_clause(clause: str, scored: Callable[[str], list[tuple[str, float]]], lang: str) -> tuple[list[str], list[str], bool]:
    """The same reading for Spanish (`clause` folded) or Chinese, from the language scorer's words in context."""
    words = scored(clause)
    if lang == "es":
        relieved = RELIEF_ES.search(clause) is not None
        verdicts = [w for w, v in words if v > 0 and fold(w).startswith(VERDICTS_ES)]
        rest = re.sub(rf"\b(?:{'|'.join(VERDICTS_ES)})[a-zñ]*", " ", clause)
        exclamation = bool(verdicts) and all(t in FILLERS_ES for t in re.findall(r"[a-zñ]+", rest))
    else:
        relieved = RELIEF_ZH.search(clause) is not None
        verdicts = [v for v in VERDICTS_ZH if (k := clause.find(v)) >= 0 and (k == 0 or clause[k - 1] not in NEGATORS_ZH)]
        rest = re.sub("|".join(VERDICTS_ZH), "", clause)
        exclamation = bool(verdicts) and all(c in FILLERS_ZH for c in rest if not c.isspace())
    negatives = [] if relieved else [w for w, v in words if v <= NEGATIVE_OTHER and w not in verdicts]
    return verdicts, negatives, exclamation


__all__ = ["possible_irony"]
