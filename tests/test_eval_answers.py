"""What eval scores of a line: the whole-clip answer (utterance-mode lines too), and no finding as no
finding, never as a correct "neutral" (the defects of new-user trial G)."""

from __future__ import annotations

import json

import pytest

from saber_agent.eval.answers import NO_FINDING, clip_answer
from saber_agent.eval.metrics import evaluate
from saber_agent.eval.report import render


def _line(id_, emotions, basic, valence_label, gold, gold_valence=None, confidence=None, conflicts=()):
    """A whole-clip results line as `saber_agent.batch.results.clip_record` writes it (what the fusion reasoner
    answered in trial G: music only is ["undetermined"], a 3-voice clip ["mixed feelings", "uncertain"], both
    with the basic class "neutral" standing in)."""
    labels = {"emotion": gold, **({"valence": gold_valence} if gold_valence else {})}
    return {
        "id": id_, "status": "ok", "labels": labels,
        "prediction": {"emotions": emotions, "basic_emotion": basic, "valence": 0.0, "valence_label": valence_label,
                       "arousal": 0.5, "confidence": confidence},
        "conflicts": [{"modalities": list(c)} for c in conflicts], "saber": {"sentiment_analysis": "x"},
    }


def test_no_finding_is_scored_as_no_finding_not_as_a_correct_neutral():
    records = [
        _line("music", ["undetermined"], "neutral", "neutral", "neutral", "neutral", confidence=0.359),
        _line("three_voices", ["mixed feelings", "uncertain"], "neutral", "positive", "neutral", "neutral", confidence=0.359),
        _line("sad_lean", ["sad", "uncertain"], "sadness", "negative", "sad", confidence=0.4),  # a weak lean: scored as named
        _line("angry", ["angry"], "anger", "negative", "angry", confidence=0.5),
    ]
    report = evaluate(records)
    everything = report.splits["all"]
    # before: basic accuracy 1.000 (both neutral stand-ins "right"); now two of four answers have a finding, both right
    basic = everything.basic
    assert basic.n == 4 and basic.accuracy == pytest.approx(2 / 4)
    cover = everything.basic_coverage
    assert (cover.n, cover.found, cover.coverage, cover.accuracy_found, cover.accuracy_all) == (4, 2, 0.5, 1.0, 0.5)
    assert basic.confusion[basic.labels.index("neutral")][basic.labels.index(NO_FINDING)] == 2
    assert basic.per_class["neutral"]["recall"] == 0.0
    # valence: music has no reading (its 0.0 is a default); the mixed feelings' +0.19 is one, and wrong against neutral
    valence = everything.valence_coverage
    assert (valence.n, valence.found) == (4, 3) and valence.accuracy_found == pytest.approx(2 / 3)
    assert everything.valence.accuracy == pytest.approx(2 / 4)
    # the open vocabulary: no finding predicts no emotion word (an empty P scores 0), not "neutral"
    assert everything.open_vocab.n == 4 and everything.open_vocab.hit_rate == pytest.approx(2 / 4)
    # calibration: an answer without a finding is a wrong one at its stated confidence
    assert everything.calibration.accuracy == pytest.approx(2 / 4)
    assert report.no_finding == {"music": "undetermined: no modality gave an estimate",
                                 "three_voices": "uncertain, naming no emotion (mixed feelings)"}
    text = render(report)
    assert '2 answer(s) name no emotion: scored as "no finding" (wrong), not as neutral' in text
    assert "basic: coverage" in text and "basic: accuracy over findings" in text


def test_the_uncertain_mark_is_no_fear_in_the_open_vocabulary():
    """Before, "uncertain" among the labels was read as an emotion word (fear): a right "happy, uncertain" lean
    scored precision 1/2 against "happy"."""
    report = evaluate([_line("a", ["happy", "uncertain"], "happiness", "positive", "happy")])
    open_vocab = report.splits["all"].open_vocab
    assert open_vocab.precision == 1.0 and open_vocab.f_s == 1.0


def test_error_lines_belong_to_no_split():
    records = [_line("a", ["angry"], "anger", "negative", "angry"),
               {"id": "b", "status": "error", "error": "not a readable audio or video file", "labels": {"emotion": "sad"}}]
    report = evaluate(records)
    assert (report.splits["all"].clips, report.splits["all"].errors) == (2, 1)
    assert (report.splits["agree"].clips, report.splits["agree"].errors) == (1, 0)
    assert report.splits["conflict"].clips == 0


def _segment(index, speaker, emotions, basic, valence_label):
    return {"index": index, "start_s": 2.0 * index, "end_s": 2.0 * index + 1.5, "speaker": speaker, "notes": [],
            "saber": {"sentiment_analysis": f"utterance {index}"}, "conflicts": [],
            "prediction": {"emotions": emotions, "basic_emotion": basic, "valence": 0.0, "valence_label": valence_label,
                           "arousal": 0.5, "confidence": 0.4}}


def _speaker(felt, most, mean):
    return {"emotions": felt or [most], "felt": felt, "most_often": most, "mean_valence": mean, "undetermined": 0,
            "uncertain": 0 if felt else 1}


def test_utterance_lines_give_their_whole_clip_answer_or_say_why_not():
    """The shapes `saber_agent.segment_summary.segmented_record` writes (trial G's batch_seg.jsonl)."""
    no_speech = {"id": "music", "status": "ok", "labels": {"emotion": "neutral"}, "split": {"note": "no speech found"},
                 "segments": [_segment(0, None, ["undetermined"], "neutral", "neutral")],
                 "summary": {"by_speaker": {}, "text": "No utterance: no speech found"}}
    one_voice = {"id": "one", "status": "ok", "labels": {"emotion": "angry"}, "split": {},
                 "segments": [_segment(0, "A", ["angry"], "anger", "negative"),
                              _segment(1, "A", ["afraid", "uncertain"], "fear", "negative")],
                 "summary": {"by_speaker": {"A": _speaker(["anger"], "anger", -0.5)}, "text": "Speaker A: anger"}}
    voices = {"id": "three", "status": "ok", "labels": {"emotion": "neutral"}, "split": {},
              "segments": [_segment(0, "A", ["angry"], "anger", "negative"),
                           _segment(1, "B", ["mixed feelings", "uncertain"], "neutral", "neutral")],
              "summary": {"by_speaker": {"A": _speaker(["anger"], "anger", -0.7), "B": _speaker([], "uncertain", 0.01)}}}
    answer, _ = clip_answer(no_speech)
    assert answer.basic is None and answer.no_finding.startswith("undetermined") and answer.source.startswith("the whole clip")
    answer, _ = clip_answer(one_voice)
    assert (answer.basic, answer.valence_label, answer.source) == ("anger", "negative", "speaker A's summary")
    answer, why = clip_answer(voices)
    assert answer is None and "2 voices (A: anger, B: no emotion found)" in why
    unknown = {**voices, "segments": [voices["segments"][0], {**voices["segments"][1], "speaker": None}],
               "summary": {"by_speaker": {"A": _speaker(["anger"], "anger", -0.7)}}}
    answer, why = clip_answer(unknown)  # one voice beside an utterance of no identified voice: no whole-clip answer
    assert answer is None and "1 voice (A: anger), 1 utterance(s) of no identified voice" in why
    report = evaluate([no_speech, one_voice, voices])
    everything = report.splits["all"]
    # before: "clips 3, errors 3", nothing scored
    assert (everything.clips, everything.errors, everything.unscored) == (3, 0, 1)
    assert (everything.basic.n, everything.basic_coverage.found, everything.basic_coverage.accuracy_found) == (2, 1, 1.0)
    assert list(report.not_scored) == ["three"] and report.splits["agree"].clips == 2


def test_a_speaker_named_mixed_by_the_summary_is_no_finding():
    """trial H: one found happiness beside two uncertain angers; the summary says "mixed, cannot tell" (named), its
    most_often still says happiness: the clip's answer must not score happiness."""
    info = {**_speaker(["happiness"], "happiness", 0.04), "named": "mixed", "leaning_elsewhere": 2}
    line = {"id": "turns", "status": "ok", "labels": {"emotion": "anger"}, "split": {},
            "segments": [_segment(0, "A", ["happy"], "happiness", "positive"),
                         _segment(1, "A", ["angry", "uncertain"], "anger", "negative")],
            "summary": {"by_speaker": {"A": info}, "text": "Speaker A: mixed, cannot tell"}}
    answer, _ = clip_answer(line)
    assert answer.basic is None and answer.no_finding.startswith("mixed: speaker A's findings (happiness)")


# -- real lines: saber-agent batch --segment utterances, then saber-agent eval ---------------------------------


@pytest.fixture(scope="module")
def utterance_set(tmp_path_factory):
    """Three WAV clips of espeak-ng voices (`saber_agent.testing.talking_faces.script_audio`): two voices taking
    turns, one voice saying two hostile sentences, and a tone (no speech), with a CSV manifest of per-clip labels."""
    from saber_agent.testing import synth
    from saber_agent.testing.talking_faces import RATE, Line, script_audio

    root = tmp_path_factory.mktemp("utterance_set")
    female, male = ("en+f3", 70), ("en+m3", 35)
    two = [Line("A", "Tell me, what did you think of the film?", *female),
           Line("B", "It was boring and terrible, I wanted to leave.", *male, gap_s=0.8),
           Line("A", "Really? I loved it, I was laughing the whole time.", *female, gap_s=0.8)]
    one = [Line("A", "I hate this. You ruined everything and I am furious with you.", *male),
           Line("A", "Get out of my house right now, I never want to see you again.", *male, gap_s=0.9)]
    (root / "clips").mkdir()
    synth.write_wav(root / "clips" / "two_voices.wav", script_audio(two)[0], RATE)
    synth.write_wav(root / "clips" / "one_voice.wav", script_audio(one)[0], RATE)
    synth.write_wav(root / "clips" / "tone.wav", synth.tone(220, 3.0))
    manifest = root / "labels.csv"
    manifest.write_text("path,emotion,valence\nclips/two_voices.wav,neutral,neutral\nclips/one_voice.wav,anger,negative\n"
                        "clips/tone.wav,neutral,neutral\n")
    return root, manifest


def test_eval_of_a_real_utterance_mode_batch(registry, utterance_set, capsys):
    from saber_agent.batch import read_results
    from saber_agent.cli import main

    root, manifest = utterance_set
    out = root / "seg.jsonl"
    assert main(["batch", str(manifest), "--segment", "utterances", "--plugins", "prosody,transcript", "--max-looks", "0",
                 "--out", str(out), "--no-progress"]) == 0
    lines = {r["id"].rsplit("/", 1)[-1]: r for r in read_results(out)}
    assert all(r["status"] == "ok" and "segments" in r and "prediction" not in r for r in lines.values())
    capsys.readouterr()
    assert main(["eval", str(out), "--json", str(root / "report.json")]) == 0
    text = capsys.readouterr().out
    report = json.loads((root / "report.json").read_text())["report"]
    everything = report["splits"]["all"]
    assert everything["clips"] == 3 and everything["errors"] == 0  # before: errors 3

    # two voices: the summary answers per voice, not for the clip; said, not an error
    two = str(root / "clips" / "two_voices.wav")
    assert len(lines["two_voices.wav"]["summary"]["by_speaker"]) == 2
    assert list(report["not_scored"]) == [two] and "2 voices" in report["not_scored"][two]
    assert "1 line(s) with status ok are not scored (no error)" in text and everything["unscored"] == 1
    # the tone: no speech, the one segment is the whole clip, and its answer is fusion's "undetermined": no finding
    tone = str(root / "clips" / "tone.wav")
    assert lines["tone.wav"]["segments"][0]["prediction"]["emotions"] == ["undetermined"]
    assert report["no_finding"][tone].startswith("undetermined")
    # one voice: its speaker's summary is the clip's answer, scored against the clip's label
    summary = lines["one_voice.wav"]["summary"]["by_speaker"]
    assert list(summary) == ["A"]
    most = summary["A"]["most_often"]
    found = most not in ("uncertain", "undetermined")
    basic = everything["basic"]
    assert basic["n"] == 2 and everything["basic_coverage"]["found"] == int(found)
    assert basic["accuracy"] == pytest.approx((found and most == "anger") / 2)
    assert basic["confusion"][basic["labels"].index("neutral")][basic["labels"].index(NO_FINDING)] == 1
    assert (report["splits"]["agree"]["clips"] + report["splits"]["conflict"]["clips"]) == 2  # the two scored lines


# -- EmoFilm and EmoBench-M keep their protocols ------------------------------------------------------------------


def test_emofilm_keeps_its_protocol_and_counts_the_answers_without_a_finding():
    """EmoFilm has no neutral clip: an answer naming no emotion was always wrong there (scored as its stand-in
    "neutral"), as no finding is in eval; accuracy and the neutral share stay as published, `no_finding` is added."""
    pytest.importorskip("sklearn")
    from saber_agent.eval import emofilm

    records = [_line("m_rab001a", ["undetermined"], "neutral", "neutral", ""),
               _line("m_rab002a", ["angry"], "anger", "negative", ""),
               _line("m_gio001a", ["mixed feelings", "uncertain"], "neutral", "positive", ""),
               _line("m_ans001a", ["calm"], "neutral", "neutral", "")]  # a finding of neutral, wrong
    dev = emofilm.score(records)["dev"]
    assert dev["accuracy"] == 0.25 and dev["neutral_share"] == 0.75 and dev["no_finding"] == 2
    assert "no finding: dev 2 of 4 answer(s) name no emotion" in emofilm.render({"dev": dev})


def test_emobench_does_not_read_the_uncertain_mark_as_fear():
    from saber_agent.eval.emobench import constrain

    categories = ["neutral", "surprise", "fear", "sadness", "joy", "disgust", "anger"]
    mixed = {"prediction": {"emotions": ["mixed feelings", "uncertain"], "basic_emotion": "neutral", "valence": 0.19,
                            "arousal": 0.45}}
    assert constrain(mixed, categories) == "neutral"  # before: "fear", from the mark "uncertain"
    lean = {"prediction": {"emotions": ["happy", "uncertain"], "basic_emotion": "happiness", "valence": 0.3, "arousal": 0.5}}
    assert constrain(lean, categories) == "joy"
