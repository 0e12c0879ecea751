"""The documented rule that reads emotion from slot text (SABER-record targets and text cues)."""

from saber_agent.evidence import Evidence, Slot
from saber_agent.training.text_emotion import emotion_mentions, read_emotion, text_cues


def ok(text):
    return Slot(text=text, status="ok")


def test_counts_emotion_words_in_english_and_picks_the_most_mentioned_class():
    read = read_emotion("She is angry, furious even, though a little sad underneath.", observable=False)
    assert read.basic == "anger"
    assert read.emotions == ["angry", "furious", "sad"]
    assert read.valence < -0.5


def test_negation_and_negated_prefixes_and_false_friends_are_not_emotions():
    assert read_emotion("He is not happy about it.").mentions == 0
    assert read_emotion("A displeased look.").mentions == 0  # "pleased" under "dis"
    assert read_emotion("She made a list of the contents.").mentions == 0  # not "mad", not "content"
    assert read_emotion("He is unhappy.").basic == "sadness"  # a word of its own, not a negated "happy"


def test_reads_chinese_words_and_chinese_negation():
    read = read_emotion("说话人表达了明显的不满和失望，情绪为愤怒。", observable=False)
    assert read.basic == "anger" and "失望" in read.emotions
    # 不 before 满意 negates it; 不满 itself is displeasure
    assert [m.word for m in emotion_mentions("她并不满意")] == ["不满"]


def test_no_emotion_word_reads_neutral():
    read = read_emotion("A man stands in a kitchen holding a mug.")
    assert (read.basic, read.valence, read.mentions) == ("neutral", 0.0, 0)


def test_observable_cues_count_only_when_asked():
    assert read_emotion("A broad smile.").basic == "happiness"
    assert read_emotion("A broad smile.", observable=False).mentions == 0


def test_text_cues_give_one_cue_per_modality_and_skip_the_scene():
    evidence = Evidence(
        video_desc=ok("A happy party scene."),
        facial_exp_desc=ok("She smiles broadly."),
        speech_content=ok("I hate this, you ruined everything."),
        acoustic_feat=ok("A loud, harsh voice."),
    )
    cues = {c.modality: c for c in text_cues(evidence)}
    assert set(cues) == {"face", "words", "voice"}
    assert cues["face"].valence > 0 > cues["words"].valence
    assert cues["words"].confidence > 0.4  # two mentions are surer than one
    assert "hate" in cues["words"].basis
