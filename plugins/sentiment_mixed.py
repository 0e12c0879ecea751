"""Opposite strong polarity across the sentences (or the clauses) of the words: mixed feelings, not one reading.

Summed over a whole text, a strongly positive sentence and a strongly negative one cancel only partly, and the
remainder reads as a confident emotion: "I love you so much, you make me so happy. I hate you, get out of my
house, you disgust me." summed to valence +0.27, "happiness", confidence 0.57 (trial C). Each sentence is
therefore also read on its own (the language's scorer, `text_sentiment`): where one sentence reads at least
`STRONG` positive and another at least `STRONG` negative, the words are mixed (`TextSentiment.mixed`, a conflict
inside the words, `cues.find_conflicts`), with no single emotion, the mean of the sentences' valences and a low
confidence (`MIXED_CONFIDENCE`); the description names both sides and their emotions. Which it is, ambivalence
or several speakers' words, the words alone cannot tell.

Sentences shaped as apology, condolence, thanks or congratulation (`irony`'s speech-act lists: "I'm so sorry for
your loss. He was a wonderful man.") are left out: their negative wording is sincere courtesy, not a feeling
opposed to the rest. Irony inside one clause (`irony.possible_irony`) is read first and takes precedence.

`STRONG` = 0.445: one plain sentiment word in the Spanish and Chinese scorers gives 0.447 ("我讨厌你。", "Estoy
triste."; at 0.45 it missed them), "I hate you" -0.57 and "I love you" +0.64 in VADER (VADER's "good" alone, 0.44,
stays under); a hedged or merely polite sentence stays under it ("It was okay I guess." +0.23).

Clauses. Opposite feelings joined in ONE sentence were read as one: "I love you so much, I hate you, get out of my
house." summed to +0.06 (neutral, confidence 0.48), with "but" to -0.54 anger (confidence 0.69): VADER's "but" rule
(Hutto & Gilbert 2014, heuristic 4: "but" signals a shift in polarity, the words before it weigh 0.5 and those after it
1.5) reads the clause after "but" alone and hides the first. Where no two sentences oppose, each clause of the felt
sentences is therefore read alone too (`clauses`), with the same bar `STRONG`, and a strongly positive clause next to
a strongly negative one is mixed in the same way. Clauses are split where the grammar coordinates independent clauses
(Quirk et al. 1985, *A Comprehensive Grammar*, 13.5-13.18; Biber et al. 1999, 8.4): at clause punctuation (, ; : and
their CJK forms, a dash), at the adversative and concessive conjunctions (but, though, although, whereas, however; pero,
aunque, sino, sin embargo; 但是, 可是, 不过, 然而), at sequence "and then/now/later" (y luego/después/ahora/entonces;
然后), and at "and"/"y" that opens a new subject or object pronoun ("I love you and I hate you"; "te quiero y te odio").
What keeps a concessive sentence of one feeling one feeling:

- the bar: a concession is mostly weaker than its point ("no está mal, me gusta": +0.15 and +0.29; "It's not perfect,
  but I love it"), and VADER's "but" reading of the whole sentence stands;
- reluctance hedges (`HEDGES_EN`, `HEDGES_ES`) are left out like courtesy: "I hate to say it, but I love this" states a
  reluctance to speak, not a feeling; Brown & Levinson (1987, *Politeness*, negative politeness strategy 6 "apologize":
  "indicate reluctance", "I hate to have to say this, but ...") name the formula;
- an interjection or expletive standing as its own clause ("Fuck, that's amazing", "¡Joder, qué maravilla!") is an
  insert, outside clause structure (Biber et al. 1999, 14.3: inserts such as "damn", "oh god"), and is read with the
  clause after it (`INSERTS_EN`, `INSERTS_ES`, `INSERTS_ZH`), where it intensifies, not opposes;
- so is an English vocative standing as a clause ("My friend, I'm tired and a little sad", "..., sweetheart"): it names
  the listener, outside clause structure (Quirk et al. 1985, 10.52; Biber et al. 1999, 14.4.2), not a feeling, yet
  VADER's "friend" +2.2 made "My friend" a positive clause (+0.49) against the sad one (`VOCATIVES_EN`: the terms of
  address of `sentiment_en`, which counts no valence for them there either);
- a denial is not the opposite feeling: a sentence or clause counts for a side only when a word it does not negate
  carries that side's sign. "It's not perfect, but I love it": VADER gives "not perfect" -0.46 (its negation factor
  -0.74), yet denying a positive term is contradictory negation, weaker than its contrary ("not happy" is not "sad";
  Horn 1989, *A Natural History of Negation*, 5.1), and negated positives read only mildly negative to people
  (Kiritchenko & Mohammad 2016, "The effect of negators, modals, and degree adverbs on sentiment composition"). This
  holds for sentences too ("It's not perfect. But I love it." read mixed before).

The mean valence of a clause-level mix is the mean of the felt clauses (hedges left out). A change of state told in one
sentence ("Estaba triste, pero ahora estoy muy feliz") reads mixed, as it does told in two sentences: the words alone do
not say which feeling is the present one. Irony inside one clause (`irony.possible_irony`) is still read first.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from saber_agent.cues import MIXED_SENTENCES
from saber_agent.plugins.irony import SPEECH_ACTS_EN, SPEECH_ACTS_ES, SPEECH_ACTS_ZH
from saber_agent.plugins.sentiment_en import ADDRESS_MODIFIERS_EN, TERMS_OF_ADDRESS_EN
from saber_agent.plugins.sentiment_en_phrases import addressed_you
from saber_agent.plugins.sentiment_es import fold

STRONG = 0.445  # |valence| of a sentence that counts as strongly positive or negative (see the docstring)
MIXED_CONFIDENCE = 0.45  # the words' confidence when mixed: the floor of a reading with evidence (text_sentiment._finish)
_SENTENCES = re.compile(r"[^.!?…。！？\n]+[.!?…。！？\n]*")
_SPEECH_ACTS = {"en": (str.lower, SPEECH_ACTS_EN), "es": (fold, SPEECH_ACTS_ES), "zh": (str, SPEECH_ACTS_ZH)}

# Where one clause ends and the next begins (see the docstring): punctuation, then the conjunctions of each language.
# The text is matched as written (accents, case), so the Spanish patterns allow both spellings.
_CLAUSE_PUNCTUATION = r"[,;:，；：、()“”\"]+|\s[-–—]+\s|[–—]+"
_PRONOUNS_EN = r"i|you|he|she|we|they|it|i'm|you're|he's|she's|we're|they're|it's|i'll|you'll|i've|i'd"
_PRONOUNS_ES = r"yo|t[uú]|[eé]l|ella|nosotr[oa]s|ellos|ellas|me|te|lo|la|le|nos|os|los|las|les|se"
_JOINS = {
    "en": re.compile(rf"\b(?:but|though|although|whereas|however|and (?:then|now|later))\b|\band(?= (?:{_PRONOUNS_EN})\b)", re.I),
    "es": re.compile(rf"\b(?:pero|aunque|sino|sin embargo|y (?:luego|despu[eé]s|ahora|entonces))\b|\by(?= (?:{_PRONOUNS_ES})\b)", re.I),
    "zh": re.compile(r"但是|可是|不过|然而|然后"),
}
# reluctance to speak or to impose, not a feeling (Brown & Levinson 1987, negative politeness 6): "I hate to say it"
HEDGES_EN = re.compile(
    r"\b(?:hate|sorry|sad|loathe|reluctant|afraid|don't (?:like|want)|hesitate) to (?:have to )?(?:say|admit|tell|break|ask|bother"
    r"|interrupt|disagree|point|be the one|be that|disappoint|burst|impose|correct|contradict|mention|complain|repeat)\b"
    r"|\bi'm afraid\b")
HEDGES_ES = re.compile(  # folded: lower case, no accents
    r"\b(?:odio|detesto|siento|lamento|me duele|me da pena|me cuesta|no me gusta|no quiero) (?:tener que )?(?:decir|admitir"
    r"|reconocer|confesar|contradecir|molestar|interrumpir|insistir|corregir|quejar)\w*|\bme temo\b")
HEDGES_ZH = re.compile(r"不得不说|不想这么说|说句不好听的|恕我直言|冒昧")
# interjections and expletives that may stand as a clause of their own: inserts, read with the next clause (docstring)
INSERTS_EN = frozenset({
    "oh", "ah", "aw", "wow", "whoa", "gosh", "geez", "jeez", "god", "my", "oh my", "lord", "jesus", "christ", "holy", "damn", "dammit",
    "shit", "fuck", "fucking", "hell", "bloody", "crap", "man", "boy", "dude", "well", "yes", "yeah", "no", "ok", "okay", "hey",
})
# terms of address and their modifiers (sentiment_en's one list): a clause of these (with inserts) is a vocative, read
# with the next clause like an insert (docstring); sentiment_en counts no valence for its words
VOCATIVES_EN = TERMS_OF_ADDRESS_EN | ADDRESS_MODIFIERS_EN
INSERTS_ES = frozenset({  # folded
    "oh", "ah", "ay", "uy", "uf", "vaya", "dios", "mio", "madre", "mia", "joder", "mierda", "hostia", "hostias", "ostras", "coño",
    "caray", "carajo", "puta", "puto", "maldita", "maldito", "sea", "hombre", "tio", "tia", "bueno", "si", "no", "vale", "anda", "venga",
    "hala", "jo", "guau",
})
INSERTS_ZH = frozenset({"天哪", "天啊", "我的天", "哎呀", "哎哟", "哇", "啊", "哦", "天", "妈的", "靠", "卧槽", "我靠", "哇塞"})
_WORDS = re.compile(r"[a-zñ']+")
_EVIDENCE = re.compile(r"^(.*) \(([+-]\d+(?:\.\d+)?)\)$")  # a scorer's evidence item: "not perfect (-2.0)"


@dataclass(frozen=True)
class Sentence:
    """One sentence of the words as its language's scorer reads it alone."""

    text: str
    valence: float  # -1..1
    emotion: str | None  # the basic emotion the scorer names, or None
    asserted: bool = True  # a word it does not negate carries the sign of its valence (a denial alone is no side)

    @property
    def side(self) -> int:
        """+1 strongly positive, -1 strongly negative (|valence| >= STRONG, asserted), else 0."""
        return (1 if self.valence > 0 else -1) if abs(self.valence) >= STRONG and self.asserted else 0


@dataclass(frozen=True)
class Opposition:
    """Strongly positive and strongly negative units of a text, and every felt unit read (for the mean valence)."""

    positive: list[Sentence]
    negative: list[Sentence]
    units: list[Sentence]
    level: str  # "sentences", or "clauses" where no two sentences oppose but two clauses do

    @property
    def valence(self) -> float:
        """The mean valence of the felt units (courtesy and hedges left out, as from the sides)."""
        return sum(u.valence for u in self.units) / len(self.units)


def sentences(text: str) -> list[str]:
    """The sentences of `text`, each with its closing punctuation, split at . ! ? … and their CJK forms and at new lines."""
    return [s.strip() for s in _SENTENCES.findall(text or "") if s.strip()]


def felt(text: str, language: str) -> list[str]:
    """The sentences of `text` (`sentences`) less those shaped as apology, condolence, thanks or congratulation
    (the speech-act lists of `language`: "en", "es" or "zh"; another leaves every sentence)."""
    normal, speech_acts = _SPEECH_ACTS.get(language.lower().split("-")[0], (str, None))
    return [s for s in sentences(text) if speech_acts is None or not speech_acts.search(normal(s))]


def clauses(sentence: str, language: str) -> list[str]:
    """The clauses of one sentence as written (see the docstring): split at clause punctuation and at the coordinating
    conjunctions of `language` ("en", "es", "zh"; another splits at punctuation only), the conjunction left out (read
    alone, "but I love it" would take VADER's 1.5 weight after "but"). An interjection or expletive standing as a
    clause (an insert) is read with the clause after it (the last one with the clause before)."""
    lang = _language(language)
    cuts = [(m.start(), m.end()) for m in re.finditer(_CLAUSE_PUNCTUATION, sentence)]
    if lang in _JOINS:
        cuts += [(m.start(), m.end()) for m in _JOINS[lang].finditer(sentence)]
    spans, at = [], 0
    for a, b in sorted(cuts):
        if a >= at:
            spans.append((at, a))
            at = b
    spans = [(a, b) for a, b in [*spans, (at, len(sentence))] if any(ch.isalnum() for ch in sentence[a:b])]
    merged: list[tuple[int, int]] = []
    pending = None  # the start of inserts waiting for the next clause
    for a, b in spans:
        if _insert(sentence[a:b], lang):
            pending = a if pending is None else pending
            continue
        merged.append((a if pending is None else pending, b))
        pending = None
    if pending is not None:
        merged = [*merged[:-1], (merged[-1][0], len(sentence))] if merged else [(pending, len(sentence))]
    if lang == "en":  # an English clause has a subject and a verb: one word is a coordinated phrase ("sad but beautiful")
        phrasal = [len(_WORDS.findall(sentence[a:b].lower())) < 2 for a, b in merged]
        while len(merged) > 1 and any(phrasal):
            i = phrasal.index(True)
            j = i - 1 if i else 1  # with the clause before it (the first: after it)
            merged[min(i, j)] = (merged[min(i, j)][0], merged[max(i, j)][1])
            del merged[max(i, j)], phrasal[i]
            phrasal[min(i, j)] = False
    return [sentence[a:b].strip(" ,;:，；：、") for a, b in merged]


def hedge(unit: str, language: str) -> bool:
    """Whether a sentence or clause states a reluctance to speak or impose ("I hate to say it", "odio decirlo"): no
    feeling of its own (Brown & Levinson 1987; `HEDGES_EN`, `HEDGES_ES`, `HEDGES_ZH`)."""
    lang = _language(language)
    pattern = {"en": HEDGES_EN, "es": HEDGES_ES, "zh": HEDGES_ZH}.get(lang)
    return bool(pattern and pattern.search(fold(unit) if lang == "es" else unit.lower()))


def opposition(text: str, language: str, read: Callable[[str], tuple]) -> Opposition | None:
    """The strongly positive and strongly negative sentences of `text` where it holds both; else, where two of its
    clauses oppose (`clauses`), those clauses; else None.

    `language`: "en", "es" or "zh" (for the speech-act, hedge and clause lists; another reads no courtesy and splits
    clauses at punctuation only). `read(unit)`: the language scorer's (valence, emotion) of one sentence or clause, or
    (valence, emotion, asserted) where `asserted` says a word it does not negate carries its sign. Courtesy sentences
    (`felt`), sentences of hedges alone and hedge clauses (`hedge`) are left out of the sides and of the units."""
    lang = _language(language)
    kept = [(s, c) for s in felt(text, lang) if (c := [k for k in clauses(s, lang) if not hedge(k, lang)])]
    found = _sides([Sentence(s, *read(s)) for s, _ in kept], "sentences")
    parts = [k for _, c in kept for k in c]
    if found is None and len(parts) > len(kept):
        found = _sides([Sentence(k, *read(k)) for k in parts], "clauses")
    return found


def asserted(valence: float, evidence: list[str], language: str, as_written: Callable[[str], bool] | None = None) -> bool:
    """Whether a word the scorer did not negate carries the sign of `valence` (a denial alone is no side, see the
    docstring). `evidence`: the scorer's words in context, "word (+1.0)"; "not perfect (-2.0)" (English) and "no feliz
    (-0.5)" (Spanish) are negated; in Chinese a word the lexicon does not hold as written (`as_written`) is "不" + a word."""
    sign = 1 if valence > 0 else -1
    for item in evidence:
        match = _EVIDENCE.match(item)
        if not match or float(match.group(2)) * sign <= 0:
            continue
        word, lang = match.group(1), _language(language)
        if lang == "zh":
            negated = as_written is not None and not as_written(word)
        else:
            negated = word.startswith("not " if lang == "en" else "no ")
        if not negated:
            return True
    return False


def _sides(units: list[Sentence], level: str) -> Opposition | None:
    positive = [u for u in units if u.side > 0]
    negative = [u for u in units if u.side < 0]
    return Opposition(positive, negative, units, level) if positive and negative else None


def _insert(clause: str, lang: str) -> bool:
    """Whether `clause` is interjections, expletives or (English) terms of address only ("Oh god", "Joder", "天哪", "my
    friend"): an insert or a vocative, not a clause."""
    if lang == "zh":
        return "".join(ch for ch in clause if ch.isalnum()) in INSERTS_ZH
    inserts = {"en": INSERTS_EN, "es": INSERTS_ES}.get(lang)
    words = _WORDS.findall(fold(clause))
    # a vocative: a term of address ("Sweet," is none), and "you" only as in "you guys" ("Love you," is the verb)
    if lang == "en" and any(w in TERMS_OF_ADDRESS_EN for w in words) and addressed_you(words):
        inserts = INSERTS_EN | VOCATIVES_EN
    return bool(inserts and words) and all(w in inserts for w in words)


def _language(language: str) -> str:
    lang = (language or "").lower().split("-")[0]
    return "zh" if lang in ("yue", "cmn") else lang


def describe(positive: list[Sentence], negative: list[Sentence], level: str = "sentences") -> str:
    """The mixed note of the words cue: both sides, quoted, with their emotions (`level` "clauses": the sides are
    clauses). It holds `cues.MIXED_SENTENCES`, which tells it from irony (`cues.reads_as_irony`)."""
    def side(group: list[Sentence]) -> str:
        quoted = "; ".join(f'"{_short(s.text)}" ({s.emotion + ", " if s.emotion else ""}{s.valence:+.2f})' for s in group[:2])
        return quoted + (f" and {len(group) - 2} more" if len(group) > 2 else "")

    where = " (here clauses, read one by one)" if level == "clauses" else ""
    return (f"the words hold {MIXED_SENTENCES}{where}: positive {side(positive)}, negative {side(negative)}; mixed feelings, "
            "or several speakers' words, so no single emotion is read from them")


def _short(text: str, limit: int = 48) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


__all__ = [
    "HEDGES_EN", "HEDGES_ES", "HEDGES_ZH", "INSERTS_EN", "INSERTS_ES", "INSERTS_ZH", "MIXED_CONFIDENCE", "STRONG", "VOCATIVES_EN",
    "Opposition", "Sentence", "asserted", "clauses", "describe", "felt", "hedge", "opposition", "sentences",
]
