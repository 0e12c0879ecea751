"""English phrases that VADER's word-by-word reading gets wrong, for `sentiment_en`: a negation across a clause
boundary, negated idioms and terms of address.

Negation across a clause boundary (`clause_bounded`). VADER's `SentiText` strips the punctuation off every word of
three letters or more ("really," -> "really") before its three-word negation window looks back
(`SentimentIntensityAnalyzer._negation_check`, and its "no" check two or three words back), so the window counts
words, not clauses: "Not really, I'm happy." read -0.49 (`not happy`), "I can't stop, I'm crying." +0.53 (`not
crying`), "I'm not sad, I'm happy." -0.11. `sentiment_en` bounds its own negation scope at the clause (split at
, . ; : ! ?); where VADER's window from a word holds a negator of an earlier clause, the word is scored again by
VADER's own `sentiment_valence` with that negator blanked: "Not really, I'm happy." +0.61, "I can't stop, I'm
crying." -0.30, "I'm not sad, I'm happy." +0.74. A negator of the word's own clause still counts ("No, I'm not
happy." -0.46), and VADER's boosters keep their reach.

Negated idioms (`NEGATED_IDIOMS_EN`, `negated_idiom`). A negated "can"/"could" ("can't", "cannot", "couldn't", "can
not", "could never", past "just", "really", "even") before these verbs makes an idiom whose meaning is not the negation
of the verb: "can't stand" and "can't bear" (to dislike very much), "can't wait" (to be very eager) and "can't
believe" (surprise) (the senses of Merriam-Webster, the Cambridge Dictionary and the Oxford Learner's Dictionary,
quoted at the list). VADER holds none of them (its idiom lists, `SPECIAL_CASES` and `SENTIMENT_LADEN_IDIOMS`, have no
negated idiom, and "stand", "bear", "wait", "believe" are no lexicon words), so "I can't stand it", "I can't wait!" and
"I can't believe it" read neutral. Each takes the valence VADER gives its dictionary sense: the gloss's head word
("dislike" -1.6, "eager" +1.5) with VADER's booster for the gloss's "very" (`B_INCR`, 0.293): -1.89 and +1.79 (`I
can't stand it.` -0.44, `I can't wait!` +0.47); "can't believe" has no valence and names surprise. The idiom takes
the negation itself, as a negated verb of ceasing does (`sentiment_en.ceasing_verb`): what follows it in its clause
keeps its own valence ("I can't believe how happy I am" read `not happy`, -0.46; "I can't wait to be happy again"
likewise). Where each idiom ends: "stand"/"bear" take an object (a pronoun, a determiner, a gerund, a name; "bear
to"): "I can't stand up", "can't stand still", "can't stand on my own" are the verb of posture; "wait" closes its
clause or takes "to", "for", "till", "until", with no "any longer", "anymore", "here", "around", "forever" after it in
its clause ("I can't wait any longer for the bus" is impatience, left as it reads); "believe in" is faith. Known
misses: "I can't wait, I have to go" (a refusal to wait) and "I can't wait for the bus" read as eagerness.

Terms of address (`TERMS_OF_ADDRESS_EN`, `vocative`). A vocative names the listener and stands outside clause
structure (Quirk et al. 1985, 10.52; Biber et al. 1999, 14.4.2): "Sweetheart, I'm worried and a bit scared", "I'm
scared, honey". It carries no feeling of the speaker's, yet VADER scores some of the nouns ("sweetheart" +3.3, "love"
+3.2, "darling" +2.8, "friend" +2.2, "dear" +1.6): that sentence read +0.05. Where a clause (split at , . ; : ! ?)
holds only terms of address with their modifiers ("my", "dear", "old", "little", "sweet", "you" before a term:
"you guys", not "love you") and openers ("oh", "hey"), as at the start or the end of a sentence set off by a comma,
its words count no valence (-0.62); `sentiment_mixed` reads such a clause with its neighbour. Not set off ("I love
you sweetheart"), they count; nor is "Love you!" a vocative (`addressed_you`: the verb keeps its valence).
"""

from __future__ import annotations

import copy
from collections.abc import Callable

# negated idioms (see the module docstring): head verb -> (the idiom's name, the VADER word of its dictionary gloss whose
# valence it takes with VADER's "very" booster, or None for no valence; the basic emotion it names, or None)
NEGATED_IDIOMS_EN: dict[str, tuple[str, str | None, str | None]] = {
    "stand": ("can't stand", "dislike", None),  # Oxford Learner's, Cambridge: "to dislike somebody/something very much"
    "bear": ("can't bear", "dislike", None),  # Cambridge (can't bear/stand): "to dislike something or someone very much"
    "wait": ("can't wait", "eager", None),  # Merriam-Webster: "to be very eager (to do something)"
    "believe": ("can't believe", None, "surprise"),  # Cambridge: "used to say that you are very surprised"
}
# what "can't stand/bear" takes as its object: "it", "this", "the noise" (and a gerund or a name); not "up", "still"
_IDIOM_OBJECTS = frozenset({
    "it", "this", "that", "these", "those", "him", "her", "them", "you", "me", "us", "people", "anyone", "anybody", "anything",
    "the", "a", "an", "his", "my", "your", "our", "their", "its", "how", "when", "what",
})
_WAIT_IDIOM_NEXT = frozenset({"", "to", "for", "till", "until", "til"})  # "I can't wait!", "can't wait to see you"
_WAIT_IMPATIENT = frozenset({"any", "anymore", "longer", "here", "there", "around", "outside", "forever"})  # "any longer"
_NEGATED_MODALS = frozenset({"can't", "cannot", "couldn't", "cant", "couldnt"})
_MODALS = frozenset({"can", "could"})
_ADVERBS = frozenset({"just", "really", "simply", "even", "ever", "honestly", "still"})  # "I just can't stand it"

# terms of address (see the module docstring), and the words that may go with them in a vocative ("oh my dear friend")
TERMS_OF_ADDRESS_EN = frozenset({
    "sweetheart", "sweetie", "honey", "hun", "hon", "darling", "dear", "love", "babe", "baby", "friend", "friends", "buddy", "mate",
    "pal", "bro", "dude", "man", "guys", "folks", "everyone", "everybody", "sir", "madam", "ma'am", "kid", "kiddo", "son",
    "sunshine", "angel", "champ", "cutie", "sugar", "pumpkin",
})
ADDRESS_MODIFIERS_EN = frozenset({"my", "dear", "old", "little", "sweet", "you", "oh", "ah", "hey", "hi", "hello", "o", "and", "well"})
_BLANK = ","  # a token VADER reads as nothing: no lexicon word, booster nor negator


def clause_bounded(sentitext, plain: list[str], clauses: list[int], i: int, negator: Callable[[str], bool]):
    """VADER's `SentiText` as its window should see it from token i: a negator (`negator(word)`) of an earlier clause
    among the three tokens before i blanked (see the module docstring); `sentitext` itself where there is none.
    `plain`: the tokens lower-case without punctuation, `clauses`: each token's clause number."""
    earlier = {j for j in range(max(0, i - 3), i) if clauses[j] != clauses[i] and negator(plain[j])}
    if not earlier:
        return sentitext
    bounded = copy.copy(sentitext)
    bounded.words_and_emoticons = [_BLANK if j in earlier else w for j, w in enumerate(sentitext.words_and_emoticons)]
    return bounded


def negated_idiom(plain: list[str], clauses: list[int], v: int, named: bool = False) -> bool:
    """Whether token v heads a negated idiom (`NEGATED_IDIOMS_EN`: "stand" in "I can't stand it", "wait" in "I can't
    wait!"; the module docstring says where each must end). `plain`: the tokens lower-case without punctuation,
    `clauses`: each token's clause number, `named`: a name follows it in its clause ("I can't stand Mike")."""
    word = plain[v]
    if word not in NEGATED_IDIOMS_EN:
        return False
    same = [j for j in range(len(plain)) if clauses[j] == clauses[v]]
    before = [plain[j] for j in same if j < v]
    after = [plain[j] for j in same if j > v]
    if not negated_modal(before):
        return False
    nxt = after[0] if after else ""
    if word in ("stand", "bear"):
        gerund = len(nxt) > 4 and nxt.endswith("ing")  # "can't stand being alone"
        return nxt in _IDIOM_OBJECTS or named or gerund or (word == "bear" and nxt == "to")
    if word == "wait":
        return nxt in _WAIT_IDIOM_NEXT and not _WAIT_IMPATIENT & set(after)
    return nxt != "in"  # "can't believe in": faith


def idiom_valence(sense: str | None, lexicon: dict[str, float]) -> float:
    """The valence of a negated idiom (VADER's scale, -4..4): its gloss word's lexicon valence with VADER's "very"
    booster (`B_INCR`), 0 for none (see the module docstring)."""
    from vaderSentiment.vaderSentiment import B_INCR

    valence = lexicon.get(sense or "", 0.0)
    return valence + B_INCR if valence > 0 else valence - B_INCR if valence < 0 else 0.0


def name_follows(tokens: list[str], clauses: list[int], v: int) -> bool:
    """Whether the token after token v (as written) is a capitalised word of v's clause other than "I": a name."""
    j = v + 1
    return j < len(tokens) and clauses[j] == clauses[v] and tokens[j][:1].isupper() and tokens[j] != "I" and not tokens[j].startswith("I'")


def vocative(clause: list[str]) -> bool:
    """Whether the words of one clause (lower case, no punctuation) are a term of address with its modifiers and
    openers only ("sweetheart", "oh honey", "my dear old friend", "you guys"): a vocative (see the module docstring)."""
    return (any(w in TERMS_OF_ADDRESS_EN for w in clause) and addressed_you(clause)
            and all(w in TERMS_OF_ADDRESS_EN or w in ADDRESS_MODIFIERS_EN for w in clause))


def addressed_you(clause: list[str]) -> bool:
    """Whether every "you" of a clause's words (lower case, no punctuation) addresses: before a term of address and
    after none ("you guys", "hey you guys"); "love you", "love you guys" are the verb "love" ("Love you!" is no
    vocative: it keeps its valence)."""
    return all(w != "you" or (j + 1 < len(clause) and clause[j + 1] in TERMS_OF_ADDRESS_EN
                              and not any(t in TERMS_OF_ADDRESS_EN for t in clause[:j])) for j, w in enumerate(clause))


def negated_modal(before: list[str]) -> bool:
    """Whether the words before a verb in its clause end in a negated "can"/"could" ("can't", "cannot", "could not",
    "can never"), past adverbs such as "just", "really", "even"."""
    k = len(before) - 1
    while k >= 0 and before[k] in _ADVERBS:
        k -= 1
    if k >= 0 and before[k] in _NEGATED_MODALS:
        return True
    return k >= 1 and before[k] in ("not", "never") and before[k - 1] in _MODALS


__all__ = [
    "ADDRESS_MODIFIERS_EN", "NEGATED_IDIOMS_EN", "TERMS_OF_ADDRESS_EN", "addressed_you", "clause_bounded", "idiom_valence", "name_follows",
    "negated_idiom", "negated_modal", "vocative",
]
