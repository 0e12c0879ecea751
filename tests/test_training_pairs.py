"""CA-DPO pairs: chosen full-evidence answers, rejected ablated / ungrounded / sampled ones, ranked by the score."""

import json
import random
from pathlib import Path

import pytest

from saber_agent import hookimpl
from saber_agent.cues import find_conflicts
from saber_agent.evidence import ClipInfo, Evidence, ModalityCue, Slot
from saber_agent.reasoning import Reasoner, ReasoningRequest
from saber_agent.saber_format import write_jsonl
from saber_agent.sed_prompt import build_messages, parse_analysis
from saber_agent.training.cases import Case, DatasetError, read_cases
from saber_agent.training.config import PairSettings
from saber_agent.training.pairs import ablate, build_pairs, consistency_score, read_pairs, scoring_request

DATA = Path(__file__).parent / "data"


def ok(text):
    return Slot(text=text, status="ok")


def sarcasm_case(case_id="sarcasm") -> Case:
    """A smile over hostile words and a harsh voice, with explicit measured cues."""
    evidence = Evidence(
        video_desc=ok("An office at night."),
        speech_content=ok("I hate this. You ruined everything."),
        acoustic_feat=ok("A loud, harsh voice with a falling pitch."),
        facial_exp_desc=ok("The speaker smiles broadly."),
        body_lang_desc=ok("Arms crossed over the chest."),
    )
    cues = [
        ModalityCue(modality="face", valence=0.7, arousal=0.5, emotion="happiness", confidence=0.8, basis="smile, AU12"),
        ModalityCue(modality="words", valence=-0.8, arousal=0.7, emotion="anger", confidence=0.8, basis="hostile words"),
        ModalityCue(modality="voice", valence=-0.4, arousal=0.8, emotion="agitated", confidence=0.6, basis="loud harsh voice"),
    ]
    request = ReasoningRequest(evidence=evidence, clip=ClipInfo(path=f"{case_id}.mp4"), cues=cues, conflicts=find_conflicts(cues))
    return Case(id=case_id, source="constructed", line=None, request=request, kind="result")


def agreeing_case() -> Case:
    evidence = Evidence(
        speech_content=ok("Thank you, this is wonderful news."),
        acoustic_feat=ok("A bright, rising pitch."),
        facial_exp_desc=ok("A broad smile."),
    )
    cues = [
        ModalityCue(modality="face", valence=0.7, arousal=0.6, emotion="happiness", confidence=0.8, basis="smile"),
        ModalityCue(modality="words", valence=0.8, arousal=0.6, emotion="happiness", confidence=0.8, basis="thanks"),
    ]
    request = ReasoningRequest(evidence=evidence, clip=ClipInfo(path="agree.mp4"), cues=cues)
    return Case(id="agree", source="constructed", line=None, request=request, kind="result")


def test_score_prefers_the_full_answer_over_a_face_only_one(registry):
    case = sarcasm_case()
    request = case.request
    fusion = registry.reasoner("fusion")
    checks = registry.checks.values()
    full = consistency_score(request, fusion.reason(request), checks)
    face_only = consistency_score(request, fusion.reason(ablate(request, "face")), checks)
    assert full.passed and full.score == 1.0 and not full.penalties
    assert {o.name for o in face_only.failed} >= {"unimodal_dominance", "cross_modal_agreement", "label_evidence_agreement"}
    assert face_only.penalties["unused_modalities"] == pytest.approx(0.15)  # voice, words, body unused
    assert face_only.penalties["unnamed_conflicts"] == pytest.approx(0.1 * len(request.conflicts))
    assert face_only.score < full.score - 0.5


def test_ablation_keeps_one_modality_and_its_cues():
    request = sarcasm_case().request
    voice = ablate(request, "voice")
    assert voice.evidence.available() == ["acoustic_feat"]
    assert voice.evidence.facial_exp_desc.reason == "ablated for CA-DPO: reasoning from the face only".replace("face", "voice")
    assert [c.modality for c in voice.cues] == ["voice"] and voice.conflicts == []


def test_pairs_for_a_conflicting_clip_say_why_each_rejected_answer_lost(registry):
    report = build_pairs([sarcasm_case()], PairSettings(conflict_oversample=1))
    kinds = {(p["meta"]["kind"], p["meta"]["ablation"]) for p in report.pairs}
    assert kinds == {("ablation", "face_only"), ("ablation", "voice_only"), ("ablation", "words_only"), ("grounding", None)}
    request = scoring_request(sarcasm_case(), PairSettings())
    for pair in report.pairs:
        meta = pair["meta"]
        assert pair["prompt"] == build_messages(request)
        assert [t["role"] for t in pair["chosen"]] == ["assistant"] == [t["role"] for t in pair["rejected"]]
        chosen = parse_analysis(pair["chosen"][0]["content"])
        assert consistency_score(request, chosen, registry.checks.values()).passed
        assert meta["chosen_from"] == "full" and meta["conflict"] is True and meta["conflicts"]
        assert meta["score_gap"] == pytest.approx(meta["chosen_score"] - meta["rejected_score"], abs=1e-3)
        assert meta["score_gap"] >= 0.1 and meta["failed_checks"]
        assert meta["why"].startswith(meta["kind"])
    grounding = next(p for p in report.pairs if p["meta"]["kind"] == "grounding")
    assert [f["name"] for f in grounding["meta"]["failed_checks"]] == ["grounding"]
    assert "tears" in grounding["meta"]["why"] and "tears" in grounding["rejected"][0]["content"].lower()
    face = next(p for p in report.pairs if p["meta"]["ablation"] == "face_only")
    assert "unimodal_dominance" in face["meta"]["why"]


def test_conflicting_clips_come_first_and_are_oversampled(registry):
    report = build_pairs([agreeing_case(), sarcasm_case()], PairSettings(conflict_oversample=2))
    ids = [p["meta"]["id"] for p in report.pairs]
    n_conflict = ids.count("sarcasm")
    assert ids[:n_conflict] == ["sarcasm"] * n_conflict and set(ids[n_conflict:]) == {"agree"}
    assert n_conflict == 2 * 4  # four rejected kinds, written twice
    assert sorted({p["meta"]["copy"] for p in report.pairs if p["meta"]["id"] == "sarcasm"}) == [0, 1]
    assert (report.clips, report.conflict_clips, report.clips_with_pairs) == (2, 1, 2)
    unsorted = build_pairs([agreeing_case(), sarcasm_case()], PairSettings(prioritize_conflicts=False, conflict_oversample=1))
    assert unsorted.pairs[0]["meta"]["id"] == "agree"


def test_a_deterministic_reasoner_gives_identical_samples_and_no_sample_pair(registry):
    report = build_pairs([sarcasm_case()], PairSettings(samples=4))
    assert not [p for p in report.pairs if p["meta"]["kind"] == "sample"]
    assert report.notes[0].startswith("reasoner 'fusion' takes no sampling options")
    assert any("4 sample(s) are identical" in n for n in report.notes)


class SamplingStandIn(Reasoner):
    """A stand-in for sampling a current model at a temperature (no generative model is cheap enough
    to sample many times in a unit test): with a temperature it sometimes reasons from the face only,
    as a unimodal-dominant model would; without one it is the fusion reasoner."""

    name = "sampling-standin"

    def __init__(self, temperature: float | None = None, seed: int = 0):
        from saber_agent.plugins.reasoners.fusion import FusionReasoner

        self.fusion = FusionReasoner()
        self.temperature = temperature
        self.rng = random.Random(seed)

    def reason(self, request, clip=None):
        if self.temperature and self.rng.random() < 0.5:
            return self.fusion.reason(ablate(request, "face"))
        return self.fusion.reason(request)


class StandInPlugin:
    @hookimpl
    def register_reasoners(self, register):
        register("sampling-standin", SamplingStandIn, "test stand-in for a sampling model")


def test_the_lowest_scoring_of_k_samples_is_rejected(registry):
    registry.register_module(StandInPlugin(), name="test-sampling")
    settings = PairSettings(reasoner="sampling-standin", samples=6, ablations=[], grounding=False,
                            sample_options={"temperature": 0.9})
    report = build_pairs([sarcasm_case()], settings)
    samples = [p for p in report.pairs if p["meta"]["kind"] == "sample"]
    assert len(samples) == 2  # one pair, written twice (a conflicting clip)
    meta = samples[0]["meta"]
    assert "lowest of 2 distinct sample(s) out of 6" in meta["why"]
    assert "unimodal_dominance" in [f["name"] for f in meta["failed_checks"]]


def test_pairs_from_published_saber_records(registry, tmp_path):
    conflict = {
        "video_desc": "Two people stand in a hallway.",
        "audio_desc": {"speech_content": "Oh great, I hate this. You ruined everything.",
                       "acoustic_feat": "A loud, harsh voice, shouting the last words."},
        "facial_exp_desc": "He smiles broadly the whole time.",
        "body_lang_desc": "His arms are crossed.",
        "sentiment_analysis": "Sarcasm: the smile masks anger, which the harsh voice and the words carry.",
        "id": "sarcasm-en",
    }
    path = tmp_path / "saber.jsonl"
    path.write_text(json.dumps(conflict) + "\n", encoding="utf-8")
    cases, report = read_cases([DATA / "saber_en.json", DATA / "saber_zh.json", path, DATA / "saber_mixed.jsonl"])
    assert [i.line for i in report.issues] == [3, 4, 5, 7]  # the bad lines are not built on
    result = build_pairs(cases, PairSettings())
    assert result.pairs[0]["meta"]["id"] == "sarcasm-en"  # text cues found its face/words conflict: first
    first = result.pairs[0]["meta"]
    assert first["conflict"] and any("face" in c and "words" in c for c in first["conflicts"])
    # the record's own annotation names no conflict, so it fails the agreement check; the full answer is chosen
    assert first["chosen_from"] == "full"
    by_id = {p["meta"]["id"] for p in result.pairs}
    assert by_id == {"sarcasm-en", "saber_en", "saber_zh", "en-1", "zh-1"}
    zh = next(p for p in result.pairs if p["meta"]["id"] == "saber_zh")
    assert "你怎么又迟到了" in zh["prompt"][1]["content"]


def test_a_clip_with_no_consistent_answer_gives_no_pair(registry):
    class Broken(Reasoner):
        name = "broken"

        def reason(self, request, clip=None):
            raise RuntimeError("model crashed")

    class BrokenPlugin:
        @hookimpl
        def register_reasoners(self, register):
            register("broken", Broken, "always fails")

    registry.register_module(BrokenPlugin(), name="test-broken")
    report = build_pairs([sarcasm_case()], PairSettings(reasoner="broken"))
    assert report.pairs == []
    assert "no answer passes every consistency check (no answer)" in report.skipped[0]
    assert any("the reasoner failed (RuntimeError: model crashed)" in n for n in report.notes)


def test_pairs_on_real_clips_with_the_registered_tools(registry, smile_hostile_clip, face_speech_clip):
    from saber_agent.checking import modalities_in
    from saber_agent.settings import AnalysisSettings
    from saber_agent.training.cases import cases_from_clips

    cases, data = cases_from_clips([smile_hostile_clip, face_speech_clip], AnalysisSettings())
    assert data.kept == 2
    report = build_pairs(cases, PairSettings())
    checks = registry.checks.values()
    for case in cases:
        request = scoring_request(case, PairSettings())
        mine = [p for p in report.pairs if p["meta"]["id"] == case.id]
        if len(modalities_in(request)) >= 2:
            assert any(p["meta"]["kind"] == "ablation" for p in mine), case.id
        for pair in mine:
            assert pair["meta"]["score_gap"] >= 0.1
            assert consistency_score(request, parse_analysis(pair["chosen"][0]["content"]), checks).passed
    if report.conflict_clips:
        assert report.pairs[0]["meta"]["conflict"]


def test_read_pairs_validates_each_line(tmp_path, registry):
    report = build_pairs([sarcasm_case()], PairSettings(conflict_oversample=1))
    good = report.pairs[0]
    lines = [json.dumps(good), json.dumps({"prompt": good["prompt"], "chosen": good["chosen"]}),
             json.dumps({**good, "rejected": [{"role": "assistant", "content": ""}]}),
             json.dumps({**good, "rejected": good["chosen"]}), "[1, 2]"]
    path = tmp_path / "pairs.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    pairs, data = read_pairs([path])
    assert len(pairs) == 1 and set(pairs[0]) == {"prompt", "chosen", "rejected"}
    assert [(i.line, i.problem) for i in data.issues] == [
        (2, "missing rejected"), (3, "rejected[0]: empty text"), (4, "chosen and rejected are the same answer"),
        (5, "expected a JSON object, got list"),
    ]
    with pytest.raises(DatasetError, match="line 2"):
        read_pairs([path], on_error="fail")
    assert write_jsonl(tmp_path / "again.jsonl", report.pairs) == len(report.pairs)
