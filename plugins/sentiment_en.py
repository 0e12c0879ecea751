"""English words read with VADER (Hutto & Gilbert 2014), with the negation scopes VADER misses.

VADER negates a lexicon word when a negator ("not", "never", "don't" ...) is one of the three words
before it, and treats "no" as a negator only right before the word ("no worry"). Spoken sentences
put it further away: "there is no need to worry", "no one was happy", "I don't think it's bad".
`read_english` runs VADER's own per-word loop (`SentimentIntensityAnalyzer.polarity_scores`) and
then, within one clause (split at , . ; : ! ?), lets a negator (VADER's list plus "no") reach the
first lexicon word up to `SCOPE` words after it; a word VADER already negated is left as VADER
scored it. "never so/this" and "without doubt" stay VADER's intensifiers. The word "no" itself is
a negator or a refusal, not an emotion: its valence (-1.2 in VADER) is not counted.

Words with no emotion of their own in speech. VADER's raters scored each lexicon word out of context
(Hutto & Gilbert 2014, section 3.1), so the small words that run through spoken English come out
positive: "please" +1.3, "yes" +1.7, "sure" +1.3, "honestly" +2.0, "like" +1.5. In speech they are
discourse markers (Schiffrin 1987, *Discourse Markers*: oh, well, now, so, y'know), response tokens
(Gardner 2001, *When Listeners Talk*: yeah, okay, right), politeness formulas (Brown & Levinson 1987:
please, pardon, kindly, "good morning"), stance adverbials of certainty or manner of speaking (Biber et
al. 1999, *Longman Grammar* 10.2: honestly, surely, certainly, definitely, clearly, truly), and the
quotative or filler "like" (D'Arcy 2017). Their valence is not counted (`_no_emotion`):

- always: `NO_EMOTION` (please, yes, yeah, sure, honestly ...);
- as a response token or marker that opens its clause: okay, ok, alright, well ("Okay, let's start",
  "Well, I don't know"; but "I'm okay", "I'm not okay", "it went well", "well done" keep their valence),
  and "as well";
- "like" unless it is the verb after a subject or an auxiliary ("I (really) like it", "don't like");
  "it looks like rain", "it's like", "I'd like a coffee", "would you like tea" are not liking;
- "kind" as a noun ("what kind", "any kind"; VADER already reads "kind of" as a hedge), and "good" in
  a greeting that opens its clause ("Good evening.");
- "help" as a call for help (`calls_for_help`): a cry of distress or a request, not praise. VADER's
  +1.7 would cancel the fear beside it ("Help, I'm scared" read as neutral). It is a call when it opens
  its clause ("Help!", "Please help me", "Somebody help us"), follows a need or call verb past a
  determiner ("I need (your) help", "cry for help", "send help"), or a request ("can you help?"). Gratitude
  and offers keep it ("thanks for your help", "you were a great help", "I can help").

- "pretty" and "super" as adverbs of degree (`degree_adverb`): VADER scores the adjectives ("a pretty
  dress" +2.2, "that's super" +2.9), but before an adjective, an adverb or "much" they are a compromiser
  and a booster (Quirk et al. 1985, *A Comprehensive Grammar* 7.89; Biber et al. 1999, 7.14: "pretty
  good", "pretty tired", "super excited"). Counted, "I'm pretty sad" read +0.03 and "I'm pretty sure." +0.49,
  a strongly positive side beside any sad sentence ("Pretty much, I'm tired and a little sad." read mixed,
  `sentiment_mixed`). They are the adjective at the end of their clause, before a conjunction, preposition or
  time word ("she's pretty", "pretty and smart", "you look pretty tonight"), and after a determiner or an
  intensifier unless a lexicon word or a degree head follows ("a pretty dress", "so pretty"; but "a pretty good
  idea"). Their degree is not weighed (no VADER booster). Known miss: an attributive adjective with no determiner
  ("pretty flowers" reads as a degree adverb).

- comment clauses of candour or assurance (`COMMENT_CLAUSES_EN`: "to be honest", "if I'm honest", "to tell
  the truth", "to be fair", "trust me"; Quirk et al. 1985, 15.53-15.55: a comment clause states the speaker's
  attitude to the manner of saying, not to the content) where they open or close their clause ("trust me" where
  it opens it). VADER's "honest" +2.3 and "trust" +2.3 made "I'm tired and a little sad, to be honest." mixed: a
  clause "to be honest" of +0.51 against the sad one (`sentiment_mixed`). "Be honest with me", "you can trust me"
  keep them.

Negated verbs of ceasing or avoiding (`CEASING_VERBS_EN`, `ceasing_verb`). "I cannot stop crying" means the crying goes
on: the negation applies to the verb of ceasing, and its complement is asserted. These are the aspectual verbs of
cessation (stop, quit, cease: Freed 1979, *The Semantics of English Aspectual Complementation*) and verbs of avoiding,
Karttunen's negative implicatives (1971, "Implicative verbs", *Language* 47: fail, avoid, refrain; "he didn't fail
to X" entails X), with "resist", "keep from" and the idiom "cannot help (but) X" ("cannot avoid X": "I couldn't help
laughing" says I laughed). VADER's three-word window (and our scope) read the negator past the verb: "I cannot stop
crying." +0.53 (`not crying (+1.6)`), "I can't stop laughing!" -0.26, "I can't help laughing." -0.60. Where such a
verb is negated (a negator within `SCOPE` words before it in its clause) and a lexicon word follows it in the clause,
that word keeps its own valence (VADER's flip undone, ours not applied; a negator after the verb starts its own
scope: "I can't stop not crying"), and the verb's own valence is not counted (VADER's "not stop" +0.9 is no
feeling of the speaker's; the complement carries it). "help" is that verb only after a negated "can"/"could" and
before a gerund or "but" ("I can't help you" is the verb of assistance), "keep" only before "from", and "stop"/"quit"
not before "to" ("I don't stop to cry": an infinitive of purpose). Not negated, the verbs are left as VADER reads
them ("Stop worrying.", "I stopped crying": a known miss, the complement is not negated), as is a verb with no
lexicon word after it ("I didn't fail the exam": `not fail (+1.9)`).

Negation across a clause boundary, negated idioms ("can't stand", "can't wait", "can't believe") and terms of address
("Sweetheart, I'm worried"): `sentiment_en_phrases`.

"thank(s)", "love", "welcome", "fine", "agree", the verb "like" and "helps", "helped", "helpful" stay sentiment words.

Output: the sentence valence (VADER's compound, with its "but" weighting and punctuation emphasis)
and each token's valence in context, with whether it is negated.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from saber_agent.plugins.sentiment_en_phrases import (
    ADDRESS_MODIFIERS_EN,
    NEGATED_IDIOMS_EN,
    TERMS_OF_ADDRESS_EN,
    clause_bounded,
    idiom_valence,
    name_follows,
    negated_idiom,
    negated_modal,
    vocative,
)
from saber_agent.vocab import HELP_CALLERS_EN, HELP_NEEDS_EN

SCOPE = 4  # words after a negator that it can reach (VADER's own window is 3, "no" only 2)
_CLAUSE_END = tuple(",.;:!?")

# closed lists of words whose valence is not counted (see the module docstring for the sources)
NO_EMOTION = frozenset({
    "please", "pls", "plz", "pardon", "kindly", "yes", "yeah", "yep", "sure", "surely", "certainly", "definitely", "honestly", "truly",
    "clearly",
})
RESPONSE_TOKENS = frozenset({"okay", "ok", "alright", "well"})  # not counted when they open their clause
_OPENERS = frozenset({"oh", "ah", "and", "but", "so", "now", "um", "uh", "er", "hmm", "anyway", "yes", "yeah", "yep", "okay", "ok",
                      "alright", "well", "right", "sure"})
_LIKE_SUBJECTS = frozenset({"i", "you", "we", "they", "people", "who", "to", "do", "does", "did", "don't", "doesn't", "didn't", "dont",
                            "doesnt", "didnt", "you'll", "we'll", "they'll", "will", "can", "can't", "might", "may"})
_LIKE_ADVERBS = frozenset({"really", "also", "always", "still", "just", "actually", "genuinely", "truly", "not", "never", "kind", "sort",
                           "of", "kinda", "quite", "both", "all", "do", "did"})
_KIND_NOUN = frozenset({"what", "which", "some", "any", "every", "same", "different", "other", "another", "one's"})
_GREETED = frozenset({"morning", "afternoon", "evening"})
_KIND_OF_PERSON = frozenset({"you", "him", "her", "them", "us"})  # "kind of you": praise, not VADER's hedge "kind of"
_HELP_DETERMINERS = frozenset({"your", "some", "any", "more", "my", "our", "his", "her", "their", "the", "immediate", "urgent"})
_REQUEST_MODALS = frozenset({"can", "could", "will", "would", "won't", "cannot", "can't"})  # "can you help"
# comment clauses (see the module docstring): their lexicon words ("honest", "trust" ...) are not counted where the
# phrase opens or closes its clause
COMMENT_CLAUSES_EN = (
    ("to", "be", "honest"), ("if", "i'm", "honest"), ("if", "i'm", "being", "honest"), ("if", "i", "am", "honest"),
    ("i'll", "be", "honest"), ("in", "all", "honesty"), ("to", "tell", "the", "truth"), ("to", "tell", "you", "the", "truth"),
    ("truth", "be", "told"), ("to", "be", "fair"), ("to", "be", "frank"), ("trust", "me"),
)
# adverbs of degree whose lexicon valence is their adjective's (see the module docstring), and what tells the two apart
DEGREE_SENSES = frozenset({"pretty", "super"})
_ADJECTIVE_NEXT = frozenset({"and", "or", "but", "nor", "as", "in", "with", "on", "at", "for", "to", "too", "again", "today",
                             "tonight", "now", "here", "there"})  # "pretty and smart", "pretty in pink", "pretty tonight"
_PREMODIFIERS = frozenset({"a", "an", "the", "my", "your", "his", "her", "its", "our", "their", "this", "that", "these", "those",
                           "such", "so", "very", "too", "really", "how", "what", "quite", "real"})  # "a pretty dress", "so pretty"
_DEGREE_HEADS = frozenset({"much", "well", "big", "small", "long", "hard", "busy", "close", "quick", "fast", "high", "low", "late",
                           "early", "simple", "normal", "obvious", "clear", "sure", "good", "bad"})  # "a pretty big deal"

# verbs of ceasing or avoiding (see the module docstring): negated, they assert their complement ("can't stop crying")
CEASING_VERBS_EN = frozenset({
    "stop", "stops", "stopped", "stopping", "quit", "quits", "quitting", "cease", "ceases", "ceased", "ceasing",
    "resist", "resists", "resisted", "resisting", "avoid", "avoids", "avoided", "avoiding", "refrain", "refrains", "refrained",
    "fail", "fails", "failed",
})
_PURPOSE_TO = frozenset({"stop", "stops", "stopped", "stopping", "quit", "quits", "quitting"})  # "stop to cry": purpose
_KEEP_FROM = frozenset({"keep", "keeps", "kept", "keeping"})  # "couldn't keep from crying"


@dataclass
class WordScore:
    """One token as VADER splits it (whitespace, punctuation stripped from words longer than 2)."""

    token: str  # lower-case, as VADER sees it
    word: str  # lower-case, punctuation stripped
    lexicon: float | None  # VADER's lexicon valence of the word, None when not in the lexicon
    valence: float  # in context: boosters, capitals and negation applied (before VADER's "but" weighting)
    negated: bool  # a negator governs it (VADER's or ours)
    idiom: str | None = None  # the negated idiom it heads ("can't stand"; `NEGATED_IDIOMS_EN`), its valence in `valence`
    emotion: str | None = None  # the basic emotion the idiom names ("can't believe": surprise)


@dataclass
class EnglishReading:
    compound: float  # -1 .. 1, VADER's compound of the whole text with the negation above
    words: list[WordScore]


def read_english(text: str) -> EnglishReading:
    """The text read by VADER with clause-bounded negation scopes (see the module docstring)."""
    from vaderSentiment.vaderSentiment import BOOSTER_DICT, N_SCALAR, SentiText

    from saber_agent.plugins.text_sentiment import _vader_analyzer

    analyzer = _vader_analyzer()
    text = _emoji_as_words(text, analyzer.emojis).strip()
    sentitext = SentiText(text)
    tokens = sentitext.words_and_emoticons
    lower = [t.lower() for t in tokens]
    clauses, clause = [], 0
    for raw in text.split():  # SentiText splits on whitespace too: one raw token per VADER token
        clauses.append(clause)
        if raw.rstrip("\"')]}").endswith(_CLAUSE_END):
            clause += 1
    plain = [t.strip(string.punctuation) or t for t in lower]
    sentiments: list[float] = []
    for i, item in enumerate(tokens):  # VADER's own loop (polarity_scores)
        after = [t.strip(string.punctuation) for t in lower[i + 1 : i + 3]]
        hedge = lower[i] == "kind" and after[:1] == ["of"] and (after + [""])[1] not in _KIND_OF_PERSON  # "kind of you": kind
        if lower[i] in BOOSTER_DICT or hedge:
            sentiments.append(0.0)
        else:
            sentiments = analyzer.sentiment_valence(0.0, clause_bounded(sentitext, plain, clauses, i, is_negator), item, i, sentiments)
    words = []
    ceasing = [v for v in range(len(plain)) if ceasing_verb(plain, clauses, v, analyzer.lexicon)]
    idioms = [v for v in range(len(plain)) if negated_idiom(plain, clauses, v, name_follows(tokens, clauses, v))]
    for i, token in enumerate(lower):
        base = analyzer.lexicon.get(token)
        released = _released(plain, clauses, i, ceasing + idioms)
        scoped = not released and _in_scope(lower, clauses, i, analyzer.lexicon)
        negated = scoped
        if i in idioms:
            phrase, sense, emotion = NEGATED_IDIOMS_EN[plain[i]]
            sentiments[i] = idiom_valence(sense, analyzer.lexicon)
            words.append(WordScore(token, plain[i], base, sentiments[i], False, phrase, emotion))
            continue
        if token == "no" or i in ceasing or (base and _no_emotion(plain, lower, clauses, i, analyzer.lexicon)):
            sentiments[i], negated = 0.0, False
        elif base and sentiments[i]:
            negated = sentiments[i] * base < 0  # VADER negated it
            if negated and released:
                sentiments[i], negated = sentiments[i] / N_SCALAR, False  # "can't stop crying": the crying goes on
            elif scoped and not negated:
                sentiments[i] *= N_SCALAR
                negated = True
        words.append(WordScore(token, token.strip(string.punctuation), base, sentiments[i], negated))
    weighted = analyzer._but_check(tokens, list(sentiments))
    compound = float(analyzer.score_valence(weighted, text)["compound"]) if tokens else 0.0
    return EnglishReading(compound, words)


def _no_emotion(plain: list[str], lower: list[str], clauses: list[int], i: int, lexicon: dict[str, float]) -> bool:
    """Whether token i is a discourse marker, response token, politeness formula, stance adverb, filler
    "like" or adverb of degree whose lexicon valence is no emotion (the module docstring lists the cases). `plain`:
    the tokens without punctuation, `lower`: as VADER sees them, `clauses`: each token's clause number, `lexicon`:
    VADER's word -> valence."""
    word = plain[i]
    before = [plain[j] for j in range(i) if clauses[j] == clauses[i]]
    after = plain[i + 1] if i + 1 < len(plain) and clauses[i + 1] == clauses[i] else ""
    opens_clause = all(w in _OPENERS for w in before)
    if word in NO_EMOTION:
        return True
    if word in RESPONSE_TOKENS:
        return (opens_clause and after != "done") or (word == "well" and before[-1:] == ["as"])
    if word == "like":
        if lower[i].endswith(","):
            return True  # "like, totally": a filler
        j = i - 1
        while j >= 0 and i - j <= 3 and plain[j] in _LIKE_ADVERBS and plain[j] not in _LIKE_SUBJECTS:
            j -= 1
        if j < 0 or plain[j] not in _LIKE_SUBJECTS:
            return True  # "looks like", "it's like", "I'd like", "would like": no liking
        return plain[j] == "you" and j > 0 and plain[j - 1] in ("would", "could")  # "would you like tea": an offer
    if word == "kind":
        return bool(before) and before[-1] in _KIND_NOUN
    if word == "good":
        return opens_clause and after in _GREETED
    if word == "help":
        return calls_for_help(before)
    if word in DEGREE_SENSES:
        return degree_adverb(before[-1] if before else "", after, lexicon)
    if word in TERMS_OF_ADDRESS_EN and vocative([plain[j] for j in range(len(plain)) if clauses[j] == clauses[i]]):
        return True
    return in_comment_clause(plain, clauses, i)


def in_comment_clause(plain: list[str], clauses: list[int], i: int) -> bool:
    """Whether token i is a word of a comment clause (`COMMENT_CLAUSES_EN`) that opens its clause (after openers such
    as "oh", "well" at most) or closes it ("trust me" only opens it: "you can trust me" is the verb). `plain`: the
    tokens lower-case without punctuation, `clauses`: each token's clause number."""
    for phrase in COMMENT_CLAUSES_EN:
        for k, word in enumerate(phrase):
            start, end = i - k, i - k + len(phrase)
            if word != plain[i] or start < 0 or end > len(plain) or tuple(plain[start:end]) != phrase:
                continue
            if len({clauses[j] for j in range(start, end)}) > 1:
                continue
            same = [j for j in range(len(plain)) if clauses[j] == clauses[i]]
            opens = all(plain[j] in _OPENERS for j in same if j < start)
            if opens or (end > same[-1] and phrase[0] != "trust"):  # "you can trust me": the verb, not "trust me, ..."
                return True
    return False


def degree_adverb(before: str, after: str, lexicon: dict[str, float]) -> bool:
    """Whether "pretty" or "super" (`DEGREE_SENSES`) is an adverb of degree, not the adjective, given the word before
    it and the word after it in its clause (lower case, no punctuation; "" for none) and VADER's lexicon: a word
    follows that is no conjunction, preposition nor time word, and, after a determiner or an intensifier ("a", "so"),
    that word is a lexicon word or a degree head ("a pretty good idea", not "a pretty dress")."""
    if not after or after in _ADJECTIVE_NEXT:
        return False  # "she's pretty.", "pretty and smart", "you look pretty tonight"
    if before in _PREMODIFIERS:
        return after in lexicon or after in _DEGREE_HEADS
    return True


def calls_for_help(before: list[str]) -> bool:
    """Whether "help" is a call for help (see the module docstring), given the words before it in its clause
    (lower-case, no punctuation): it opens the clause, follows a need/call verb, or a request "can you"."""
    if all(w in _OPENERS or w in HELP_CALLERS_EN for w in before):
        return True  # "Help!", "Please, help me", "Oh god, somebody help us"
    k = len(before) - 1
    while k >= 0 and before[k] in _HELP_DETERMINERS:
        k -= 1
    if k < 0:
        return False  # "Your help ...": the noun
    if before[k] == "for":
        return k > 0 and before[k - 1] in HELP_NEEDS_EN  # "cry for help", not "thanks for your help"
    if before[k] in HELP_NEEDS_EN:
        return True  # "I need (your) help", "get help", "send help"
    if before[k] == "please":
        k -= 1
    return k > 0 and before[k] == "you" and before[k - 1] in _REQUEST_MODALS  # "can you (please) help", not "I can help"


def ceasing_verb(plain: list[str], clauses: list[int], v: int, lexicon: dict[str, float]) -> bool:
    """Whether token v is a negated verb of ceasing or avoiding with a lexicon word after it in its clause (see the
    module docstring): "stop" in "I can't stop crying", "help" in "I couldn't help but laugh". `plain`: the tokens
    lower-case without punctuation, `clauses`: each token's clause number, `lexicon`: VADER's word -> valence."""
    same = [j for j in range(len(plain)) if clauses[j] == clauses[v]]
    before = [plain[j] for j in same if j < v]
    after = [plain[j] for j in same if j > v]
    if not after or not any(w in lexicon for w in after):
        return False
    word, nxt = plain[v], after[0]
    if word == "help":  # "can't help", "could not help", "can never help", past "just", "really", "even"
        return negated_modal(before) and (nxt.endswith("ing") or nxt == "but")
    if word in _KEEP_FROM:
        ok = nxt == "from"
    else:
        ok = word in CEASING_VERBS_EN and not (word in _PURPOSE_TO and nxt == "to")
    return ok and any(is_negator(w) for w in before[-SCOPE:])


def _released(plain: list[str], clauses: list[int], i: int, ceasing: list[int]) -> bool:
    """Whether token i follows a negated verb of ceasing (`ceasing_verb` indices) in its clause with no negator
    between them: the negation before the verb does not reach it."""
    for v in ceasing:
        if v < i and clauses[v] == clauses[i] and not any(is_negator(plain[j]) for j in range(v + 1, i)):
            return True
    return False


def _in_scope(lower: list[str], clauses: list[int], i: int, lexicon: dict[str, float]) -> bool:
    """Whether a negator of the same clause reaches token i: within SCOPE words before it, with no
    other lexicon word between them (the first sentiment word after a negator takes it)."""
    for j in range(i - 1, max(-1, i - SCOPE - 1), -1):
        if clauses[j] != clauses[i]:
            return False
        word = lower[j].strip(string.punctuation) or lower[j]
        if is_negator(word):
            if word == "never" and {"so", "this"} & set(lower[j + 1 : i]):
                return False  # "never (been) so happy": VADER's intensifier
            if word == "without" and "doubt" in lower[j + 1 : i + 1]:
                return False
            return True
        if lexicon.get(lower[j]):
            return False
    return False


def is_negator(word: str) -> bool:
    """VADER's negators ("not", "never", "nothing", "without" ...), any "n't" word, and "no"."""
    from vaderSentiment.vaderSentiment import NEGATE

    return word == "no" or word in NEGATE or "n't" in word


def _emoji_as_words(text: str, emojis: dict[str, str]) -> str:
    """VADER's emoji step (polarity_scores): each emoji replaced by its description."""
    if not any(ch in emojis for ch in text):
        return text
    out, prev_space = "", True
    for ch in text:
        if ch in emojis:
            out += ("" if prev_space else " ") + emojis[ch]
            prev_space = False
        else:
            out += ch
            prev_space = ch == " "
    return out


__all__ = [  # the phrases of sentiment_en_phrases re-exported
    "ADDRESS_MODIFIERS_EN", "CEASING_VERBS_EN", "COMMENT_CLAUSES_EN", "DEGREE_SENSES", "NEGATED_IDIOMS_EN", "NO_EMOTION", "RESPONSE_TOKENS",
    "SCOPE", "TERMS_OF_ADDRESS_EN", "EnglishReading", "WordScore", "calls_for_help", "ceasing_verb", "degree_adverb", "in_comment_clause",
    "is_negator", "negated_idiom", "read_english", "vocative",
]
