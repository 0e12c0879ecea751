"""Checkpointed analyses: resume after a hard crash (SQLite saver), and a person's review before reasoning."""

from __future__ import annotations

import collections
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from saber_agent import hookimpl
from saber_agent.agents.checkpointing import Review, analyze_resumable, sqlite_checkpointer, state_types
from saber_agent.evidence import ModalityCue, Result, Slot
from saber_agent.perception import PerceptionTool
from saber_agent.plugins.reasoners.fusion import FusionReasoner
from saber_agent.reasoning import Reasoner
from saber_agent.settings import AnalysisSettings

ROOT = Path(__file__).resolve().parents[1]


def run_runner(clip, db, log, crash_at=None):
    args = [sys.executable, "-m", "tests.support.crash_runner", str(clip), str(db), str(log)] + ([crash_at] if crash_at else [])
    env = dict(os.environ, SABER_AGENT_PLUGINS="prosody,fusion,checks")  # only what the run needs: a faster start
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)


@pytest.mark.parametrize("crash_at", ["fragile", "reason"])
def test_a_killed_analysis_resumes_and_runs_every_node_exactly_once(tmp_path, face_speech_clip, crash_at):
    db, log = tmp_path / "checkpoints.sqlite", tmp_path / "nodes.log"
    crashed = run_runner(face_speech_clip, db, log, crash_at)
    assert crashed.returncode == -9, crashed.stderr  # killed by SIGKILL, mid-step
    first = log.read_text().splitlines()
    crashed_step = "perceive:fragile" if crash_at == "fragile" else "reason"
    assert f"start:{crashed_step}" in first and f"done:{crashed_step}" not in first
    assert not any(line.startswith("result:") for line in first)

    resumed = run_runner(face_speech_clip, db, log)
    assert resumed.returncode == 0, resumed.stderr
    lines = log.read_text().splitlines()
    done = collections.Counter(line[5:] for line in lines if line.startswith("done:"))
    expected = ["decode", "perceive:steady", "perceive:fragile", "perceive:prosody", "fuse", "reason", "check", "finish"]
    assert done == collections.Counter(expected), done  # every node completed exactly once, across both processes
    done_before = {line[5:] for line in first if line.startswith("done:")}
    started_after = {line[6:] for line in lines[len(first):] if line.startswith("start:")}
    assert "decode" in done_before and "perceive:steady" in done_before
    assert not done_before & started_after  # what completed before the crash did not run again
    assert crashed_step in started_after  # the step the crash cut short ran again
    assert lines[-1].startswith("result:") and "video_desc,acoustic_feat,body_lang_desc" in lines[-1]


def test_a_finished_thread_returns_its_stored_result(registry, tmp_path, face_speech_clip):
    settings = AnalysisSettings(plugins=["prosody"])
    updates: list[str] = []
    first = analyze_resumable(face_speech_clip, settings, db=tmp_path / "c.sqlite", on_update=lambda u: updates.extend(u))
    assert updates[0] == "decode" and updates[-1] == "finish"
    updates.clear()
    again = analyze_resumable(face_speech_clip, settings, db=tmp_path / "c.sqlite", on_update=lambda u: updates.extend(u))
    assert updates == []  # nothing ran: the default thread id is the clip's content and the settings
    assert isinstance(again, Result) and again == first  # rebuilt as models by the allow-listed serializer
    with pytest.raises(ValueError, match="holds the analysis of"):
        analyze_resumable(face_speech_clip.with_name("other.mp4"), settings, db=tmp_path / "c.sqlite",
                          thread_id=first_thread(tmp_path / "c.sqlite"))


def first_thread(db) -> str:
    import sqlite3

    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT thread_id FROM checkpoints LIMIT 1").fetchone()[0]


def test_the_serializer_allows_exactly_the_state_types():
    names = {t.__name__ for t in state_types()}
    assert {"Slot", "SlotStatus", "ToolRun", "ClipInfo", "Analysis", "Result", "Reperception", "PerceptionRequest"} <= names
    assert "AnalysisSettings" not in names  # the context is not checkpointed


def test_a_checkpoint_written_before_the_evidence_split_still_loads(monkeypatch):
    # before the split Slot and SlotStatus lived in saber_agent.evidence: a checkpoint names them there
    from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

    from saber_agent.agents.checkpointing import allowed_types
    from saber_agent.evidence import SlotStatus

    serde = JsonPlusSerializer(allowed_msgpack_modules=allowed_types())
    slot = Slot(text="a smile", status="ok", confidence=0.8)
    with monkeypatch.context() as old:
        old.setattr(Slot, "__module__", "saber_agent.evidence")
        old.setattr(SlotStatus, "__module__", "saber_agent.evidence")
        written = serde.dumps_typed(slot)
    assert b"saber_agent.evidence_slots" not in written[1]
    assert serde.loads_typed(written) == slot  # rebuilt as the model, not left a dict


# -- human in the loop -----------------------------------------------------------------------------


class Lexicon(PerceptionTool):
    """Test tool: a fixed 'transcript' (as a speech model might mishear it) whose cue reads its words."""

    name, slot, needs = "lexicon", "speech_content", frozenset({"audio"})

    def perceive(self, clip, settings):
        return Slot(text="I love this, thank you.", status="ok", confidence=0.9, provenance=self.provenance())

    def cues(self, slot):
        hostile = any(word in slot.text.lower() for word in ("hate", "furious", "ruined"))
        return [ModalityCue(modality="words", valence=-0.8 if hostile else 0.8, arousal=0.6, confidence=0.9,
                            emotion="anger" if hostile else "happiness", basis=f"the words: {slot.text}")]


class Spy(Reasoner):
    """The fusion reasoner, recording what each round saw."""

    name = "spy"
    seen: list = []

    def reason(self, request, clip=None):
        Spy.seen.append(request)
        return FusionReasoner().reason(request, clip)


class Plugin:
    @hookimpl
    def register_perception_tools(self, register):
        register(Lexicon())

    @hookimpl
    def register_reasoners(self, register):
        register("spy", Spy, "records its requests")


def test_a_person_corrects_a_slot_before_reasoning(registry, tmp_path, face_speech_clip):
    registry.register_module(Plugin(), "review-test")
    Spy.seen = []
    settings = AnalysisSettings(plugins=["lexicon", "prosody"], reasoner="spy")
    with sqlite_checkpointer(tmp_path / "review.sqlite") as saver:
        review = Review(saver, str(uuid.uuid4()), settings)
        evidence = review.perceive(face_speech_clip)
        assert evidence.speech_content.text == "I love this, thank you." and Spy.seen == []  # paused before reasoning
        corrected = review.correct("speech_content", text="I hate this, you ruined it.")
        assert corrected.provenance.plugin == "human review"
        result = review.finish()
    request = Spy.seen[0]
    assert request.evidence.speech_content.text == "I hate this, you ruined it."
    words = next(c for c in request.cues if c.modality == "words")
    assert words.valence < 0 and "ruined" in words.basis  # the cues were computed from the corrected slot
    assert result.evidence.speech_content.text == "I hate this, you ruined it."
    assert result.analysis.valence < 0


def test_a_corrected_transcript_gets_its_words_cue_from_the_corrected_text(registry, tmp_path, face_speech_clip):
    """The real transcript tool (whisper tiny.en): its words cue is stored sentiment, which must follow the correction."""
    registry.register_module(Plugin(), "review-test")
    Spy.seen = []
    settings = AnalysisSettings(plugins=["prosody", "transcript"], reasoner="spy")
    with sqlite_checkpointer(tmp_path / "review.sqlite") as saver:
        review = Review(saver, str(uuid.uuid4()), settings)
        heard = review.perceive(face_speech_clip).speech_content
        if not heard.ok:
            pytest.skip(f"no offline whisper model here: {heard.reason}")
        assert heard.measurements["sentiment"]["valence"] > 0 and heard.measurements["words"]  # the cheerful line
        corrected = review.correct("speech_content", text="I am furious with you. I hate you.")
        result = review.finish()
    assert corrected.measurements["sentiment"]["valence"] < 0
    assert "words" not in corrected.measurements and "segments" not in corrected.measurements  # timings of the old words
    assert "transcript" not in corrected.timelines
    words = next(c for c in Spy.seen[0].cues if c.modality == "words")
    assert words.valence < 0 and ("hate" in words.basis or "furious" in words.basis)
    assert "glad" not in words.basis and "wonderful" not in words.basis
    assert result.evidence.speech_content.text == "I am furious with you. I hate you."


def test_a_corrected_slot_whose_cue_comes_from_measurements_has_its_cue_withdrawn(registry, tmp_path, face_speech_clip):
    """Trial E: correcting the prosody (or face) text left the measured voice (face) reading feeding the cues.
    Those tools have no `corrected` hook and their cues do not follow the text: the cue is withdrawn, with a note."""
    registry.register_module(Plugin(), "review-test")
    Spy.seen = []
    settings = AnalysisSettings(plugins=["prosody", "face", "lexicon"], reasoner="spy")
    with sqlite_checkpointer(tmp_path / "review.sqlite") as saver:
        review = Review(saver, str(uuid.uuid4()), settings)
        evidence = review.perceive(face_speech_clip)
        cues = review.app.get_state(review.config).values["slot_cues"]
        assert cues["acoustic_feat"], "prosody measured no voice cue: nothing to withdraw"
        corrected = {"acoustic_feat": review.correct("acoustic_feat", text="The voice is a furious, very loud shout.")}
        if cues.get("facial_exp_desc"):
            corrected["facial_exp_desc"] = review.correct("facial_exp_desc", text="The face is twisted in rage.")
        same_text = review.correct("speech_content", text="I love this, thank you.", confidence=0.5)  # text unchanged
        result = review.finish()
    seen = {c.modality for c in Spy.seen[0].cues}
    assert "voice" not in seen and {c.modality for c in result.cues} == seen
    if "facial_exp_desc" in corrected:
        assert "face" not in seen
    for name, slot in corrected.items():
        assert any("withdrawn: a person corrected this slot's text" in n for n in slot.measurements["notes"]), name
        assert result.evidence.slot(name).text == slot.text
    assert "words" in seen and "withdrawn" not in str(same_text.measurements)  # a cue that reads the text is kept
    def measured(slot):
        return {k: v for k, v in slot.measurements.items() if k != "notes"}

    assert measured(corrected["acoustic_feat"]) == measured(evidence.acoustic_feat)  # what was measured stays, for inspection


def test_a_corrected_slot_keeps_cues_that_follow_its_text_or_given_measurements(registry, tmp_path, face_speech_clip):
    """The Lexicon tool reads its cue from the text (no hook): its cue is read again, not withdrawn; a person who
    sets the prosody measurements too gets the cue read from them."""
    registry.register_module(Plugin(), "review-test")
    Spy.seen = []
    settings = AnalysisSettings(plugins=["prosody", "lexicon"], reasoner="spy")
    with sqlite_checkpointer(tmp_path / "review.sqlite") as saver:
        review = Review(saver, str(uuid.uuid4()), settings)
        measured = review.perceive(face_speech_clip).acoustic_feat.measurements
        review.correct("acoustic_feat", text="A calm voice.", measurements=measured)
        review.correct("speech_content", text="I hate this.")
        review.finish()
    cues = {c.modality: c for c in Spy.seen[0].cues}
    assert "voice" in cues and cues["words"].valence < 0


def test_a_corrected_text_no_cue_is_left_of_is_read_by_the_words_reader_or_noted_as_not_weighed():
    """Fresh-user trial: a corrected slot whose cue was withdrawn (or that no tool filled) fed nothing, and the answer
    drifted to neutral unexplained. The speech slot's text is read by the words reader; any other slot is noted."""
    from saber_agent.agents.checkpointing import FROM_CORRECTION, NOT_WEIGHED, read_correction

    before = Slot.unavailable("no speech tool ran")
    said = Slot(text="I am furious with you. I hate this.", status="ok")
    slot, [words] = read_correction("speech_content", said, before, [])
    assert words.modality == "words" and words.valence < -0.3 and words.emotion == "anger" and words.confidence >= 0.4
    assert FROM_CORRECTION in words.basis and "notes" not in slot.measurements
    kept = ModalityCue(modality="words", valence=0.5, confidence=0.6, basis="the tool's own")
    assert read_correction("speech_content", said, before, [kept]) == (said, [kept])  # a cue is left: as given
    assert read_correction("speech_content", said, said, []) == (said, [])  # the text unchanged: nothing to read

    shout = Slot(text="The voice is a furious shout.", status="ok", measurements={"f0_mean_hz": 180.0})
    slot, cues = read_correction("acoustic_feat", shout, Slot(text="A calm voice.", status="ok"), [])
    assert cues == [] and slot.measurements["f0_mean_hz"] == 180.0
    [note] = slot.measurements["notes"]
    assert note.startswith(f"voice slot {NOT_WEIGHED}") and "no reader" in note
    japanese = Slot(text="本当に腹が立つ", status="ok", measurements={"language": "ja"})
    _, none = read_correction("speech_content", japanese, before, [])
    assert none == [] and NOT_WEIGHED in _.measurements["notes"][0] and "Japanese" in _.measurements["notes"][0]


def test_a_reviewed_answer_reads_corrected_words_and_names_a_corrected_slot_it_could_not_weigh(registry, tmp_path,
                                                                                              face_speech_clip):
    Spy.seen = []
    registry.register_module(Plugin(), "review-test")
    settings = AnalysisSettings(plugins=["prosody"], reasoner="spy")  # no speech tool: no tool fills the speech slot
    with sqlite_checkpointer(tmp_path / "review.sqlite") as saver:
        review = Review(saver, str(uuid.uuid4()), settings)
        review.perceive(face_speech_clip)
        review.correct("speech_content", text="I am furious with you. I hate this.")
        review.correct("acoustic_feat", text="The voice is a furious, very loud shout.")
        result = review.finish()
    cues = {c.modality: c for c in Spy.seen[0].cues}
    assert set(cues) == {"words"} and "person's correction" in cues["words"].basis  # the voice cue was withdrawn
    assert result.analysis.valence < -0.25 and result.analysis.basic_emotion == "anger"  # not drifted to neutral
    assert [n for n in result.analysis.notes if "voice slot corrected by a person but not weighed" in n]
    assert not [n for n in result.analysis.notes if "words slot" in n]
