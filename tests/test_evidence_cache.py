"""The evidence cache: a reasoner-only rerun costs no perception; the key follows the perception config."""

from __future__ import annotations

import json
import shutil

import pytest

from saber_agent import hookimpl
from saber_agent.batch import read_results, run_batch
from saber_agent.batch.evidence_cache import EvidenceCache, cache_key, perception_config
from saber_agent.evidence import Analysis, ClipInfo
from saber_agent.graphs import graph
from saber_agent.graphs.state import Perception
from saber_agent.media import clip_cache
from saber_agent.settings import AnalysisSettings
from tests.support.batch_support import FAST, clip_folder, counts, make_tones


class Contrarian:
    """A test reasoner that reads every clip as sad: another reasoner over the same evidence."""

    def reason(self, request, clip=None):
        return Analysis(reasoning=f"Read as sad over {len(request.evidence.available())} slot(s).",
                        emotions=["sad"], basic_emotion="sadness", valence=-0.6, arousal=0.3)


class ContrarianPlugin:
    @hookimpl
    def register_reasoners(self, register):
        register("contrarian", Contrarian, "test reasoner: always sad")


@pytest.fixture()
def clips(tmp_path, face_speech_clip, smile_hostile_clip):
    return clip_folder(tmp_path, face_speech_clip, smile_hostile_clip)


def test_a_reasoner_only_rerun_skips_perception(batch_registry, clips, tmp_path):
    batch_registry.register_module(ContrarianPlugin(), "contrarian")
    cache = tmp_path / "cache"
    before = counts()["perceive"]
    cold = run_batch(clips, tmp_path / "fusion.jsonl", FAST, cache_dir=cache, progress=False)
    assert counts()["perceive"] - before == 4  # four readable clips; the broken one never decodes
    assert cold.cache_hits == 0 and len(EvidenceCache(cache)) == 4

    clip_cache.clear()
    decodes = clip_cache.decodes
    no_looks = {"reasoner": "contrarian", "reperception_budget": {"max_calls": 0}}  # a look would decode
    warm = run_batch(clips, tmp_path / "contrarian.jsonl", FAST.updated(**no_looks), cache_dir=cache, progress=False)
    assert counts()["perceive"] - before == 4, "the rerun perceived nothing"
    assert clip_cache.decodes == decodes, "an evidence-only reasoner needs no decode on a cache hit"
    assert warm.cache_hits == 4 and warm.errors == 1
    fusion = {r["id"]: r for r in read_results(tmp_path / "fusion.jsonl")}
    for record in read_results(tmp_path / "contrarian.jsonl"):
        if record["status"] == "error":
            assert "c_broken.mp4" in record["error"]
            continue
        assert record["evidence_cache"] == "hit"
        assert "perception" not in record["timings"] and "decode" not in record["timings"]
        assert record["reasoner"] == "contrarian" and record["prediction"]["basic_emotion"] == "sadness"
        # the perception slots are the cached ones, byte for byte
        perceived = {k: v for k, v in record["saber"].items() if k != "sentiment_analysis"}
        assert perceived == {k: v for k, v in fusion[record["id"]]["saber"].items() if k != "sentiment_analysis"}


def test_the_key_follows_the_clip_bytes_and_the_perception_configuration(batch_registry, tmp_path):
    folder = tmp_path / "clips"
    make_tones(folder, 1)
    cache = tmp_path / "cache"
    run_batch(folder, tmp_path / "a.jsonl", FAST, cache_dir=cache, progress=False)
    # the same bytes under another name: a hit
    shutil.copy(folder / "tone00.wav", tmp_path / "renamed.wav")
    summary = run_batch(tmp_path / "renamed.wav", tmp_path / "b.jsonl", FAST, cache_dir=cache, progress=False)
    assert summary.cache_hits == 1
    assert read_results(tmp_path / "b.jsonl")[0]["clip"].endswith("renamed.wav")
    # only the reasoner or the rounds differ: the same key
    assert perception_config(FAST) == perception_config(FAST.model_copy(update={"reasoner": "x", "max_rounds": 1}))
    # another frame rate, tool option or tool set: a miss
    changed = [
        FAST.model_copy(update={"decode": FAST.decode.model_copy(update={"fps": 4.0})}),
        FAST.model_copy(update={"tool_options": {"counting": {"x": 1}}}),
        FAST.model_copy(update={"plugins": ["prosody"]}),
    ]
    for i, settings in enumerate(changed):
        assert cache_key("h", perception_config(settings)) != cache_key("h", perception_config(FAST))
        summary = run_batch(folder, tmp_path / f"c{i}.jsonl", settings, cache_dir=cache, progress=False)
        assert summary.cache_hits == 0


def test_a_failed_slot_is_not_cached(batch_registry, tmp_path):
    folder = tmp_path / "clips"
    make_tones(folder, 1)
    timing_out = AnalysisSettings(plugins=["slow"], tool_options={"slow": {"seconds": 1.5}}, tool_timeout_s=0.2)
    run_batch(folder, tmp_path / "a.jsonl", timing_out, cache_dir=tmp_path / "cache", progress=False)
    assert read_results(tmp_path / "a.jsonl")[0]["slots"]["video_desc"]["status"] == "failed"
    assert len(EvidenceCache(tmp_path / "cache")) == 0


def test_the_graph_reasons_over_given_perception_without_perceiving(batch_registry, face_speech_clip):
    full = graph.invoke({"clip_path": str(face_speech_clip)}, context=FAST)["result"]
    perception = Perception(
        clip=full.clip, slots={r.slot: full.evidence.slot(r.slot) for r in full.tool_runs}, tool_runs=full.tool_runs
    )
    before = counts()["perceive"]
    given = Perception.model_validate_json(perception.model_dump_json())  # as it comes back from the cache
    again = graph.invoke({"clip_path": str(face_speech_clip), "perception": given}, context=FAST)["result"]
    assert counts()["perceive"] == before
    assert again.saber() == full.saber() and again.analysis == full.analysis
    assert again.conflicts == full.conflicts and [c.passed for c in again.checks] == [c.passed for c in full.checks]
    assert "perception" in full.timings and "perception" not in again.timings and "decode" not in again.timings
    # a JSON object works too (as a LangGraph server passes it)
    as_dict = graph.invoke({"clip_path": str(face_speech_clip), "perception": json.loads(perception.model_dump_json())},
                           context=FAST)["result"]
    assert as_dict.saber() == full.saber()


def test_a_damaged_entry_is_a_miss_and_writes_leave_no_temp_file(tmp_path):
    cache = EvidenceCache(tmp_path / "cache")
    key = "ab" + "0" * 62
    cache.path_for(key).parent.mkdir(parents=True)
    cache.path_for(key).write_text('{"perception": {"clip": ')  # cut short, e.g. by a full disk
    assert cache.get(key) is None
    cache.put(key, Perception(clip=ClipInfo(path="x.wav")))
    assert cache.get(key).clip.path == "x.wav"
    assert [p.name for p in cache.path_for(key).parent.iterdir()] == [f"{key}.json"]
    assert cache.hits == 1 and cache.misses == 1


def test_an_entry_written_before_the_body_cue_and_silence_rule_changed_is_a_miss(batch_registry, tmp_path):
    """No tool version moved when (2026-11-30) the body cue stopped naming its activity word ("calm", which the
    emotion_backing check and the fusion now read as neutral: the check's body exception was removed), the silence
    rule began to hear faint speech and the shot detector one-frame shots and fades. An entry of the format before
    (2) holds the old cues and slots: reasoning over it would read a still body as backing neutral."""
    from saber_agent.evidence import ModalityCue

    cache = EvidenceCache(tmp_path / "cache")
    before = {**perception_config(FAST), "format": 2}
    calm = ModalityCue(modality="body", valence=0.0, arousal=0.3, emotion="calm", confidence=0.3, basis="calm body")
    cache.put(cache_key("h", before), Perception(clip=ClipInfo(path="x.mp4"), cues={"body_lang_desc": [calm]}), "h", before)
    assert cache.get(cache_key("h", perception_config(FAST))) is None


# The versions the tools had when format 4 was set (2026-12-01): what they write changed after it, each moving its own
# version (the words' mixed sentences, transcript 0.5.0; the shrug and tilt/lean margins, body 0.2.0; jumps by a zoom,
# face 0.2.0), with no change to the entry's layout, so the format stays.
BEFORE_FORMAT_4_CHANGES = {"transcript": "0.4.0", "body": "0.1.0", "face": "0.1.0"}


def test_an_entry_written_before_the_words_body_and_face_changed_is_a_miss(batch_registry, tmp_path):
    """An entry of trial C's love/hate line read as happiness (before the mixed-sentence rule) must not be reused."""
    from saber_agent.evidence import ModalityCue

    now = perception_config(AnalysisSettings(plugins=list(BEFORE_FORMAT_4_CHANGES)))
    versions = {tool["name"]: tool["version"] for tool in now["tools"]}
    assert set(versions) == set(BEFORE_FORMAT_4_CHANGES)
    for name, old in BEFORE_FORMAT_4_CHANGES.items():
        assert versions[name] != old, f"{name} wrote other slots at {old} and must not share its entries"
        one_old = {**now, "tools": [{**t, "version": old} if t["name"] == name else t for t in now["tools"]]}
        assert cache_key("h", one_old) != cache_key("h", now)
    before = {**now, "tools": [{**t, "version": BEFORE_FORMAT_4_CHANGES[t["name"]]} for t in now["tools"]]}
    cache = EvidenceCache(tmp_path / "cache")
    glad = ModalityCue(modality="words", valence=0.4, arousal=0.5, emotion="happiness", confidence=0.57, basis="love, hate")
    cache.put(cache_key("h", before), Perception(clip=ClipInfo(path="x.mp4"), cues={"speech_content": [glad]}), "h", before)
    assert cache.get(cache_key("h", before)) is not None  # the entry is there: a run under the old versions still hits it
    assert cache.get(cache_key("h", perception_config(AnalysisSettings(plugins=list(BEFORE_FORMAT_4_CHANGES))))) is None
