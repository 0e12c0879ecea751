"""Possible irony inside the words (plugins/irony.py): a labelled set of ordinary sentences that carry both
polarities (never irony) and of real irony or sarcasm (a positive verdict on a negative event).

The sentences are our own, written for this test (not from any benchmark). Before the rule (a word >= +1.0
and one <= -1.0 anywhere in the words was "possible irony") 20 of the 30 sincere sentences here were flagged
(false positives) and 10 of the 20 ironic ones (recall); with the rule, none and all. The set is where the rule
was developed, so these figures are fits; on ten sincere and eight ironic sentences written afterwards and not
tuned on, the rule flagged 3/10 sincere (was 7/10) and 6/8 ironic (was 6/8): the misses a parser would catch
("a beautiful song about loss" praises the song).

Added later (trial3): a lone verdict between two statements judges the one before it when that holds a misfortune
("the train is late again, just perfect, exactly what I needed today." was missed), and everyday breakdowns VADER
does not score (jammed, canceled, spilled, flat tire, locked out, froze); the sentences marked "trial3" below were
written with that change (8 ironic: 0 flagged before, all after; 6 sincere with the new words or shapes: none flagged
before or after, and "Great, but the train is late again", flagged before, is no longer).
"""

from __future__ import annotations

import pytest

from saber_agent.cues import reads_as_irony
from saber_agent.plugins import text_sentiment
from saber_agent.plugins.irony import possible_irony

# ordinary sentences with both polarities: apology, forgiveness, condolence, gratitude, relief, negation, contrast
SINCERE = [
    ("en", "I'm sorry for your loss, she was a wonderful person"),
    ("en", "Please forgive me, I was late"),
    ("en", "I can't forgive myself"),
    ("en", "I can't forgive myself for hurting her"),
    ("en", "Forgive me, I didn't mean to hurt you"),
    ("en", "No problem at all"),
    ("en", "Not bad, not bad at all"),
    ("en", "I miss you so much"),
    ("en", "Thank you for helping when I was sick"),
    ("en", "I'm happy the pain is finally gone"),
    ("en", "Congratulations, even though we lost the match"),
    ("en", "I love you, but I'm scared of losing you"),
    ("en", "Don't worry, everything is fine"),
    ("en", "It was a sad day, but the ceremony was beautiful"),
    ("en", "The movie was sad but beautiful"),
    ("en", "I'm so glad you survived the accident"),
    ("en", "Thanks, I feel much better now that the fever is over"),
    ("en", "Sorry to bother you, you did a great job"),
    ("en", "I hate to say goodbye, I had a great time"),
    ("en", "The food was great, the service was terrible"),
    ("en", "She had a beautiful life, and she died peacefully"),
    ("en", "It's great that the war is finally over"),
    ("en", "I love my brother even though he annoys me"),
    ("en", "What an amazing recovery after such a terrible accident"),
    ("en", "I enjoy helping people who are sick"),
    ("en", "Great! See you Monday."),
    ("en", "Great, no traffic today."),
    ("en", "There was no traffic, great."),
    # trial3: the new breakdown words and the lone verdict's attachment, with a recovery or a contrast
    ("en", "The printer jammed but the technician fixed it quickly, great service"),
    ("en", "The printer jammed, great, the technician fixed it in minutes."),
    ("en", "My flight was canceled, but wonderful, they found me a seat on the next one."),
    ("en", "I spilled coffee on my laptop, but it still works, amazing."),
    ("en", "Great, but the train is late again"),
    ("en", "I love jam on my toast."),
    ("es", "Perdóname, llegué tarde"),
    ("es", "Lo siento mucho, era una persona maravillosa"),
    ("es", "Me alegra que estés mejor, estaba muy triste por ti"),
    ("zh", "对不起，我迟到了，请原谅我"),
    ("zh", "虽然很难过，但是我很高兴见到你"),
]

# praise of a bad event, in one clause or as an exclamation on the clause next to it
IRONIC = [
    ("en", "I absolutely love wasting my whole afternoon"),
    ("en", "Oh great, stuck in traffic again"),
    ("en", "Fantastic, the train is late again"),
    ("en", "I just love being ignored"),
    ("en", "Perfect, my phone died right when I needed it"),
    ("en", "Wonderful, now it's raining and I forgot my umbrella"),
    ("en", "Great, just great, I failed the exam"),
    ("en", "I love it when my computer crashes"),
    ("en", "Nice, I broke my glasses again"),
    ("en", "What a wonderful day to be stuck in traffic"),
    ("en", "Oh wonderful, the printer is broken again"),
    ("en", "Just perfect, I lost my keys"),
    ("en", "I absolutely adore getting sick on my birthday"),
    ("en", "How nice, you forgot my birthday"),
    ("en", "The train is late again. Fantastic."),
    ("en", "Oh great! Traffic again."),
    # trial3: a clause after the lone verdict, and everyday breakdowns VADER does not score
    ("en", "the train is late again, just perfect, exactly what I needed today."),
    ("en", "My laptop froze again, brilliant, exactly what I needed."),
    ("en", "Wonderful, the printer jammed again."),
    ("en", "Great, I spilled coffee all over my notes."),
    ("en", "Oh perfect, a flat tire on the way to the airport."),
    ("en", "My flight got canceled. Fantastic."),
    ("en", "Just great, I'm locked out again."),
    ("en", "Lovely, the basement flooded, just what we needed."),
    ("es", "Me encanta perder toda la tarde, qué maravilla de desgracia"),
    ("es", "Genial, otra vez perdí el tren"),
    ("zh", "太好了，又迟到了"),
    ("zh", "真棒，我又失败了"),
]


@pytest.mark.parametrize("language, text", SINCERE)
def test_mixed_polarity_that_is_sincere_is_no_irony(language, text):
    # no irony; opposite strong clauses ("I love you, but I'm scared of losing you") read mixed feelings instead
    # (sentiment_mixed, tests/test_sentiment_mixed.py), whose note is not irony
    mixed = text_sentiment.analyze(text, language).mixed
    assert not reads_as_irony(mixed), mixed


@pytest.mark.parametrize("language, text", IRONIC)
def test_a_positive_verdict_on_a_negative_event_is_possible_irony(language, text):
    mixed = text_sentiment.analyze(text, language).mixed
    assert mixed and "verdict" in mixed and "irony" in mixed


def test_the_description_names_the_verdict_and_the_event():
    mixed = text_sentiment.analyze("I absolutely love wasting my whole afternoon", "en").mixed
    assert "(love)" in mixed and "(wasting)" in mixed
    assert "(great)" in text_sentiment.analyze("Oh great, stuck in traffic again", "en").mixed


def test_negation_relief_and_a_verdict_on_a_good_thing_undo_it():
    for text in ("I don't love wasting my afternoon", "I love that the pain is gone", "I love helping people who are sick",
                 "Great, the train is not late"):
        assert text_sentiment.analyze(text, "en").mixed is None, text
    assert text_sentiment.analyze("No me encanta perder el tren", "es").mixed is None  # the scorer's negator flips the verdict
    assert text_sentiment.analyze("我不喜欢失败", "zh").mixed is None


def test_an_exclamation_alone_or_a_language_without_a_reader_gives_nothing():
    assert text_sentiment.analyze("Great!", "en").mixed is None
    assert text_sentiment.analyze("Great, just great.", "en").mixed is None
    assert possible_irony("Génial, encore en retard", "fr") is None
    assert possible_irony("Genial, otra vez perdí el tren", "es") is None  # no Spanish scorer given: nothing to read
    assert possible_irony("", "en") is None


def test_a_lone_verdict_judges_the_misfortune_before_it_first():
    mixed = possible_irony("the train is late again, just perfect, exactly what I needed today.", "en")
    assert mixed and "(perfect)" in mixed and "(late)" in mixed
    assert possible_irony("Oh great, stuck in traffic again", "en")  # nothing before it: the one after
    assert possible_irony("The storm was terrible. Great, now the sun is out!", "en") is None  # its own sentence's statement
    assert possible_irony("The printer jammed, but great, the technician fixed it", "en") is None  # not across "but"
    assert possible_irony("Great, the traffic is over", "en") is None  # "over" as an ending is relief ...
    assert possible_irony("Great, I spilled coffee all over the floor", "en")  # ... not as a preposition
