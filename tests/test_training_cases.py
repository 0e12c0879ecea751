"""Training cases: SABER records (English, Chinese), analysis results, batch lines and per-clip JSON in;
bad lines reported with their file and line, never kept."""

import json
from pathlib import Path

import pytest

from saber_agent.evidence import CheckOutcome, ClipInfo, Evidence, Result, Slot
from saber_agent.saber_format import read_saber_json
from saber_agent.training.cases import DatasetError, analysis_from_saber, read_cases
from saber_agent.training.sft_examples import sft_record
from saber_agent.training.swift import ms_swift_record

DATA = Path(__file__).parent / "data"


def test_saber_target_follows_the_sed_order_and_the_record():
    record = read_saber_json(DATA / "saber_en.json")
    analysis = analysis_from_saber(record)
    assert analysis.visual_evidence.startswith(record.video_desc)
    assert record.facial_exp_desc in analysis.visual_evidence and record.body_lang_desc in analysis.visual_evidence
    assert record.audio_desc.speech_content in analysis.acoustic_evidence
    assert record.audio_desc.acoustic_feat in analysis.acoustic_evidence
    assert analysis.reasoning == record.sentiment_analysis
    assert analysis.basic_emotion == "surprise"  # "surprise" is named three times in the sentiment text
    assert set(analysis.cues_cited) == {"scene", "face", "body", "words", "voice"}


def test_chinese_record_target():
    analysis = analysis_from_saber(read_saber_json(DATA / "saber_zh.json"))
    assert analysis.basic_emotion == "anger" and analysis.valence < 0
    assert "不满" in analysis.emotions


@pytest.mark.parametrize("on_error", ["skip", "fail"])
def test_bad_lines_are_reported_with_line_numbers_and_never_kept(on_error):
    if on_error == "fail":
        with pytest.raises(DatasetError, match=r"saber_mixed.jsonl, line 3: not valid JSON"):
            read_cases([DATA / "saber_mixed.jsonl"], on_error="fail")
        return
    cases, report = read_cases([DATA / "saber_mixed.jsonl"], on_error="skip")
    assert [c.line for c in cases] == [1, 2]
    assert [i.line for i in report.issues] == [3, 4, 5, 7]
    problems = [i.problem for i in report.issues]
    assert "facial_exp_desc" in problems[1] and "Field required" in problems[1]  # a missing slot
    assert "body_lang_desc" in problems[2] and "string" in problems[2]  # a wrong type
    assert problems[3] == "empty text in facial_exp_desc"  # an empty text
    assert (report.read, report.kept) == (6, 2)


def test_empty_slots_can_be_allowed_explicitly():
    cases, report = read_cases([DATA / "saber_mixed.jsonl"], allow_empty_slots=True)
    assert 7 in [c.line for c in cases]


def test_folder_and_a_missing_path():
    cases, report = read_cases([DATA])
    assert {c.id for c in cases} >= {"en-1", "zh-1", "saber_en", "saber_zh"}
    with pytest.raises(DatasetError, match="no such file"):
        read_cases([DATA / "nope.jsonl"])


def _result(passed=True, analysis_text="The voice and the words agree: angry.", path="/clips/a.mp4"):
    ok = lambda t: Slot(text=t, status="ok")  # noqa: E731
    evidence = Evidence(speech_content=ok("I hate this."), acoustic_feat=ok("Loud and harsh."),
                        facial_exp_desc=Slot.unavailable("no face found"))
    from saber_agent.evidence import Analysis

    return Result(
        clip=ClipInfo(path=path, has_video=True, has_audio=True), evidence=evidence,
        analysis=Analysis(reasoning=analysis_text, basic_emotion="anger", valence=-0.6, emotions=["angry"]),
        checks=[CheckOutcome(name="grounding", passed=passed)],
    )


def test_analysis_results_become_examples_and_inconsistent_ones_are_rejected(tmp_path):
    good, bad = _result(), _result(passed=False)
    path = tmp_path / "results.jsonl"
    path.write_text(good.model_dump_json() + "\n" + json.dumps({"result": json.loads(bad.model_dump_json())}) + "\n"
                    + '{"evidence": {}, "clip": 3}\n', encoding="utf-8")
    cases, report = read_cases([path])
    assert len(cases) == 1 and cases[0].kind == "result"
    assert [i.line for i in report.issues] == [2, 3]
    assert "failed consistency checks (grounding)" in report.issues[0].problem
    assert "not a valid analysis result" in report.issues[1].problem
    user = sft_record(cases[0])["messages"][1]["content"]
    assert "Facial expression: unavailable (no face found)" in user  # as the reasoner sees it at inference
    assert len(read_cases([path], require_consistent=False)[0]) == 2


def test_analyze_json_output_is_read(tmp_path, registry, face_speech_clip):
    from saber_agent.api import analyze

    result = analyze(face_speech_clip)
    path = tmp_path / "one.json"
    path.write_text(result.model_dump_json(indent=2), encoding="utf-8")
    cases, report = read_cases([path], require_consistent=False)
    assert len(cases) == 1 and cases[0].videos == [str(face_speech_clip)]
    assert ms_swift_record(cases[0])["videos"] == [str(face_speech_clip)]


def test_batch_result_lines_are_read(tmp_path):
    result = _result()
    saber = result.saber()
    saber["sentiment_analysis"] = result.analysis.reasoning  # as the graph's finish node writes it
    line = {
        "id": "clip-7", "clip": "/clips/a.mp4", "status": "ok", "saber": saber,
        "prediction": {"emotions": ["angry"], "basic_emotion": "anger", "valence": -0.6, "arousal": 0.7,
                       "conflict_explanation": None},
        "cues": [], "conflicts": [], "checks": [{"name": "grounding", "passed": True}], "checks_passed": True,
        "slots": {"facial_exp_desc": {"status": "unavailable", "reason": "no face found"}},
    }
    path = tmp_path / "batch.jsonl"
    path.write_text(json.dumps(line) + "\n" + json.dumps({"id": "x", "status": "error", "error": "cannot decode"}) + "\n")
    cases, report = read_cases([path])
    assert [c.id for c in cases] == ["clip-7"]
    assert cases[0].reference.basic_emotion == "anger" and cases[0].reference.arousal == 0.7
    assert cases[0].request.evidence.facial_exp_desc.reason == "no face found"
    assert report.issues[0].line == 2 and "cannot decode" in report.issues[0].problem


def test_per_clip_json_finds_media_beside_it(tmp_path):
    (tmp_path / "dia0_utt0.json").write_text((DATA / "saber_en.json").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "dia0_utt0.mp4").write_bytes(b"")
    cases, _ = read_cases([tmp_path / "dia0_utt0.json"])
    assert cases[0].videos == [str(tmp_path / "dia0_utt0.mp4")]
