"""EmoFilm corpus helpers: labels from file names, the manifest, per-split scores, `saber-agent eval --emofilm`."""

from __future__ import annotations

import json

import pytest

from saber_agent.eval import emofilm


def test_labels_and_splits_come_from_the_file_name():
    assert emofilm.label_of("f_gio012aes.wav") == ("happiness", "test")
    assert emofilm.label_of("/x/m_dis003bes.wav") == ("disgust", "dev")  # contempt is scored as disgust
    assert emofilm.label_of("m_rab001aes") == ("anger", "dev")
    assert emofilm.label_of("corpus.txt") is None and emofilm.label_of("x_tri001aes.wav") is None


def test_items_lists_the_labelled_wavs_of_one_split(tmp_path):
    for name in ("f_tri001aes.wav", "m_ans002aes.wav", "corpus.txt"):
        (tmp_path / name).write_bytes(b"")
    rows = emofilm.items(tmp_path, "test")
    assert rows == [{"id": "f_tri001aes", "path": str(tmp_path / "f_tri001aes.wav"), "emotion": "sadness", "subset": "test"}]
    assert len(emofilm.items(tmp_path)) == 2


def test_spread_takes_the_limit_round_robin_over_the_emotions():
    rows = [{"id": f"{e}{i}", "emotion": e} for e, n in (("fear", 4), ("anger", 2), ("sadness", 3)) for i in range(n)]
    picked = emofilm.spread(rows, 5)
    assert [r["id"] for r in picked] == ["anger0", "fear0", "sadness0", "anger1", "fear1"]
    assert [r["id"] for r in emofilm.spread(rows, 8)][-2:] == ["fear2", "sadness2"]  # anger runs out: the others go on
    assert emofilm.spread(rows, None) == rows and emofilm.spread(rows, 99) == rows and emofilm.spread(rows, 0) == []


def _record(ident, basic, valence_label, seconds=1.0):
    return {"id": ident, "status": "ok", "seconds": seconds,
            "prediction": {"basic_emotion": basic, "valence_label": valence_label}}


def test_scores_per_split_uar_valence_and_neutral_share():
    records = [
        _record("f_gio001aes", "happiness", "positive"), _record("f_gio002aes", "anger", "negative"),
        _record("f_rab001aes", "anger", "negative"), _record("f_rab002aes", "neutral", "neutral"),
        _record("f_tri001aes", "sadness", "negative", 3.0),
        _record("m_ans001aes", "fear", "negative"), _record("unrelated", "fear", "negative"),
    ]
    report = emofilm.score(records)
    test = report["test"]
    assert test["n"] == 5
    assert test["accuracy"] == pytest.approx(3 / 5, abs=1e-3)
    assert test["uar"] == pytest.approx((0.5 + 0.5 + 1.0) / 3, abs=1e-3)  # recall of happiness, anger, sadness
    # positive recall 1/2, negative recall 2/3 (the "neutral" valence is wrong)
    assert test["balanced_valence_accuracy"] == pytest.approx((0.5 + 2 / 3) / 2, abs=1e-3)
    assert test["neutral_share"] == pytest.approx(0.2)
    assert test["seconds_per_clip"] == pytest.approx(1.4)
    labels = test["labels"]
    assert test["confusion"][labels.index("anger")][labels.index("neutral")] == 1
    assert report["dev"]["n"] == 1 and report["dev"]["uar"] == 1.0
    text = emofilm.render(report)
    assert "UAR" in text and "confusion (test" in text


def test_eval_command_scores_emofilm_results(tmp_path, capsys):
    from saber_agent.cli import main

    path = tmp_path / "results.jsonl"
    path.write_text("".join(json.dumps(_record(i, b, v)) + "\n" for i, b, v in [
        ("f_gio001aes", "happiness", "positive"), ("f_rab001aes", "fear", "negative")]))
    assert main(["eval", str(path), "--emofilm"]) == 0
    out = capsys.readouterr().out
    assert "EmoFilm (Spanish) per split" in out and "test" in out


def test_batch_lines_give_their_seconds_from_timings_total():
    # the trial: `saber-agent eval out.jsonl --emofilm` on batch output printed s/clip "-": batch lines carry
    # timings.total, only bench/real_emotion.py writes `seconds`; both are read (`seconds` first)
    batch = [{**_record("f_gio001aes", "happiness", "positive"), "timings": {"total": 2.0, "face": 0.5}},
             {**_record("f_gio002aes", "anger", "negative"), "timings": {"total": 4.0}}]
    for line in batch:
        del line["seconds"]
    assert emofilm.score(batch)["test"]["seconds_per_clip"] == pytest.approx(3.0)
    both = [{**_record("f_gio001aes", "happiness", "positive", 1.0), "timings": {"total": 9.0}}]
    assert emofilm.score(both)["test"]["seconds_per_clip"] == pytest.approx(1.0)
    assert "  3.00" in emofilm.render(emofilm.score(batch))


def test_cache_hits_are_counted_and_left_out_of_the_seconds_per_clip(tmp_path, capsys):
    # a batch rerun with --cache reads perception from the evidence cache: its timings.total is the reasoner's
    # alone (0.1 s), which made s/clip look fast; s/clip is over the computed clips, the hits are counted
    lines = [(("f_gio001aes", "happiness", "positive"), 4.0, "miss"), (("f_gio002aes", "anger", "negative"), 0.1, "hit"),
             (("f_rab001aes", "anger", "negative"), 0.2, "partial"), (("f_rab002aes", "anger", "negative"), 2.0, "off"),
             (("m_rab001aes", "anger", "negative"), 0.1, "hit")]
    batch = []
    for args, total, state in lines:
        line = {**_record(*args), "timings": {"total": total}, "evidence_cache": state}
        del line["seconds"]
        batch.append(line)
    report = emofilm.score(batch)
    assert report["test"]["seconds_per_clip"] == pytest.approx(3.0) and report["test"]["cache_hits"] == 2
    assert report["test"]["n"] == 4  # the cached clips are still scored
    assert report["dev"]["seconds_per_clip"] is None and report["dev"]["cache_hits"] == 1  # no computed clip: no speed
    text = emofilm.render(report)
    assert "cached" in text and "over the computed clips only" in text
    assert "cached" not in emofilm.render(emofilm.score([_record("f_gio001aes", "happiness", "positive")])).split("\n", 1)[1]
    path, summary = tmp_path / "results.jsonl", tmp_path / "summary.json"
    path.write_text("".join(json.dumps(line) + "\n" for line in batch))
    from saber_agent.cli import main

    assert main(["eval", str(path), "--emofilm", "--json", str(summary)]) == 0
    assert "over the computed clips only" in capsys.readouterr().out
    saved = json.loads(summary.read_text())["emofilm"]["test"]
    assert saved["cache_hits"] == 2 and saved["seconds_per_clip"] == pytest.approx(3.0)


def test_the_bench_flags_clips_whose_slots_came_from_its_cache(tmp_path, registry, speech_wav):
    from bench import real_emotion
    from saber_agent.api import analyze
    from saber_agent.settings import AnalysisSettings

    settings = AnalysisSettings(plugins=["prosody"], reasoner="fusion", reperception_budget={"max_calls": 0})
    prosody = [t for t in registry.tools_for(settings) if t.name == "prosody"]  # the fresh registry's tool: patched here only
    real_emotion.cache_tools(tmp_path / "slots", prosody)
    states = []
    for _ in range(2):
        real_emotion.SLOT_HITS.clear()
        analyze(str(speech_wav), settings)
        states.append(real_emotion.cache_state({"prosody"}))
    assert states == ["miss", "hit"]
    assert real_emotion.cache_state({"prosody", "transcript"}) == "partial"  # the transcript was computed


def _stated(ident, basic, confidence, uncertain=False):
    record = _record(ident, basic, "negative")
    record["prediction"].update(confidence=confidence, emotions=[basic, *(["uncertain"] if uncertain else [])])
    return record


def test_stated_confidences_get_a_calibration_report_per_split(tmp_path, capsys):
    records = [_stated("f_gio001aes", "happiness", 0.9), _stated("f_gio002aes", "anger", 0.9),
               _stated("f_rab001aes", "anger", 0.2, uncertain=True), _stated("f_rab002aes", "neutral", 0.2, uncertain=True),
               _record("m_rab001aes", "anger", "negative")]  # no stated confidence: no calibration for dev
    report = emofilm.score(records)
    calibration = report["test"]["calibration"]
    # bins (0.8, 0.9] and (0.1, 0.2]: two answers each, one right: |0.5 - 0.9| and |0.5 - 0.2| weigh half each
    assert calibration["ece"] == pytest.approx(0.35) and calibration["brier"] == pytest.approx(1.5 / 4)
    assert calibration["confident_wrong"] == 1 and calibration["confident_wrong_share"] == pytest.approx(0.5)
    assert calibration["uncertain"] == {"n": 2, "accuracy": 0.5} and calibration["certain"] == {"n": 2, "accuracy": 0.5}
    assert "calibration" not in report["dev"]
    text = emofilm.render(report)
    assert "calibration (test; basic emotion right)" in text and "ECE (10 equal-width bins) 0.350" in text
    assert "calibration (dev" not in text
    path, summary = tmp_path / "results.jsonl", tmp_path / "summary.json"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    from saber_agent.cli import main

    assert main(["eval", str(path), "--emofilm", "--json", str(summary)]) == 0
    assert "confident wrong (wrong answers with confidence >= 0.6): 1/2 = 0.500" in capsys.readouterr().out
    assert json.loads(summary.read_text())["emofilm"]["test"]["calibration"]["ece"] == pytest.approx(0.35)


def test_the_bench_keeps_the_stated_confidence_and_fits_its_mapping_on_dev_only(registry, speech_wav):
    import random

    from bench import real_emotion
    from saber_agent.api import analyze
    from saber_agent.plugins.reasoners.fusion_confidence import stated_confidence
    from saber_agent.settings import AnalysisSettings

    settings = AnalysisSettings(plugins=["prosody"], reasoner="fusion", reperception_budget={"max_calls": 0})
    row = {"id": "m_rab001aes", "path": str(speech_wav), "emotion": "anger", "subset": "dev"}
    record = real_emotion.record_of(row, analyze(str(speech_wav), settings), 1.0)
    assert record["prediction"]["confidence"] == stated_confidence(record["backing"])
    rng = random.Random(1)
    lines = []
    for i in range(60):
        back = rng.random()
        right = rng.random() < 0.2 + 0.6 * back
        lines.append({"backing": back, "labels": {"emotion": "anger"},
                      "prediction": {"basic_emotion": "anger" if right else "fear", "emotions": []}, "id": f"m_rab{i:03d}"})
    text = real_emotion.fit_confidence(lines)
    assert "PLATT_A = " in text and "fitted mapping, 5-fold cross-validated" in text
    a, b = (float(part.split("= ")[1]) for part in text.splitlines()[0].split(": ")[1].split(", "))
    assert b > 1.0  # the backing tells right from wrong here: a steep mapping
    with pytest.raises(SystemExit):  # fitting on the test split is against the protocol, refused before any work
        real_emotion.main(["--split", "test", "--fit-confidence"])


def test_the_bench_refuses_a_voice_model_without_the_prosody_tool_before_training(capsys):
    from bench import real_emotion

    with pytest.raises(SystemExit) as stop:  # before the corpus is fetched or a model trained
        real_emotion.main(["--plugins", "transcript", "--train-voice", "voice.json"])
    assert stop.value.code == 2 and "add prosody to --plugins" in capsys.readouterr().err
