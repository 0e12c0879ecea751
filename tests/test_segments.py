"""Utterance-level analysis (saber_agent.segments, issue 18): the splitter, windows of the one decode,
and a real two-voice conversation clip made here with espeak-ng and ffmpeg, analysed end to end."""

from __future__ import annotations

import asyncio
import json

import numpy as np
import pytest

from saber_agent.api import analyze
from saber_agent.evidence import Result
from saber_agent.media import DecodeSettings, clip_cache, decode
from saber_agent.segments import SegmentedResult, analyze_segments, segment_decode, split_utterances
from saber_agent.settings import AnalysisSettings
from saber_agent.testing.conversation import SCRIPT, conversation_clip

STEP = 512 / 16_000
# the still photo smiles through every line: the face tool would read every utterance as happy, so the
# end-to-end check of valence signs uses the tools that hear the words and the voice (faces are still
# tracked and linked by saber_agent.speakers, which does not need the face tool)
TOOLS = ["transcript", "prosody", "scene"]


def probs_with_pauses(total_s: float, pauses: list[tuple[float, float]]) -> np.ndarray:
    p = np.full(int(total_s / STEP), 0.95, np.float32)
    for a, b in pauses:
        p[int(a / STEP): int(b / STEP)] = 0.05
    return p


def test_split_cuts_at_long_pauses_only():
    probs = probs_with_pauses(10.0, [(3.0, 3.2), (5.0, 6.0)])  # a breath (0.2 s) and a turn gap (1 s)
    spans = split_utterances([(0.0, 10.0)], probs)
    assert len(spans) == 2
    assert spans[0][1] == pytest.approx(5.1, abs=0.05) and spans[1][0] == pytest.approx(5.9, abs=0.05)


def test_split_by_word_gaps_without_probabilities_and_never_inside_a_word():
    words = [{"word": "one", "start": 0.2, "end": 0.8}, {"word": "two", "start": 0.9, "end": 1.6},
             {"word": "three", "start": 3.0, "end": 3.7}, {"word": "four", "start": 3.8, "end": 4.6}]
    spans = split_utterances([(0.3, 4.4)], None, words)  # region edges fall inside the first and last words
    assert len(spans) == 2
    assert spans[0][0] <= 0.2 and spans[1][1] >= 4.6
    assert spans[0][1] < 3.0 and spans[1][0] > 1.6


def test_word_times_that_drift_over_a_pause_do_not_join_two_turns():
    probs = probs_with_pauses(10.0, [(4.0, 5.0)])
    words = [{"word": "end", "start": 3.5, "end": 5.0}, {"word": "next", "start": 5.1, "end": 5.6}]  # over the pause
    spans = split_utterances([(0.0, 10.0)], probs, words)
    assert len(spans) == 2 and spans[0][1] < spans[1][0]


def test_split_caps_long_utterances_and_drops_lone_blips():
    probs = probs_with_pauses(80.0, [(40.0, 40.3)])
    spans = split_utterances([(0.0, 80.0), (85.0, 85.2)], probs, max_utterance_s=30.0)
    assert all(b - a <= 30.0 for a, b in spans) and len(spans) >= 3
    assert spans[-1][1] <= 80.0  # the 0.2 s blip, 5 s away from any speech, is not an utterance


def test_window_is_a_view_of_the_one_decode(face_speech_clip):
    clip_cache.clear()
    before = clip_cache.decodes
    whole = clip_cache.get(face_speech_clip)
    part = clip_cache.get(face_speech_clip, DecodeSettings(window_s=(1.0, 2.5)))
    assert clip_cache.decodes == before + 1  # the window decoded nothing
    assert clip_cache.get(face_speech_clip, DecodeSettings(window_s=(1.0, 2.5))) is part  # shared extras
    assert part.audio.size == int(1.5 * part.sample_rate)
    assert np.array_equal(part.audio, whole.audio[16_000:40_000])
    assert part.info.duration_s == pytest.approx(1.5) and part.info.n_frames == len(part.frames) > 0
    assert part.frame_times.min() >= 0 and part.frame_times.max() < 1.5
    alone = decode(face_speech_clip, DecodeSettings(window_s=(1.0, 2.5)))  # decode() honours it too
    assert np.array_equal(alone.audio, part.audio)
    with pytest.raises(ValueError):
        DecodeSettings(window_s=(2.0, 1.0))


def test_segment_decode_keeps_frames_for_the_whole_file_within_the_budget(face_speech_clip):
    wide = segment_decode(face_speech_clip, DecodeSettings(fps=2, max_frames=4))
    assert wide.max_frames >= 2 * 3  # every second sampled, not 4 frames spread over the file
    assert 256 <= wide.max_side <= 640


def test_segment_none_is_the_default_and_returns_a_result(face_speech_clip):
    assert AnalysisSettings().segment == "none"
    assert isinstance(analyze(face_speech_clip, plugins=["prosody"]), Result)


def test_no_speech_is_one_segment_with_no_speaker(video_only_clip):
    result = analyze(video_only_clip, plugins=["scene"], segment="utterances")
    assert isinstance(result, SegmentedResult)
    assert len(result.segments) == 1 and result.segments[0].speaker is None and result.speakers == []
    assert "no speech" in result.split["note"]
    assert result.segments[0].result.evidence.video_desc.ok
    from saber_agent.api import aanalyze

    assert isinstance(asyncio.run(aanalyze(video_only_clip, plugins=["scene"], segment="utterances")), SegmentedResult)


@pytest.fixture(scope="module")
def conversation(tmp_path_factory):
    path, spans = conversation_clip(tmp_path_factory.mktemp("conv") / "conversation.mp4")
    clip_cache.clear()
    before = clip_cache.decodes
    seen = []
    result = analyze_segments(path, AnalysisSettings(plugins=TOOLS), progress=lambda i, n, s: seen.append((i, n)))
    return path, spans, result, clip_cache.decodes - before, seen


def test_conversation_segments_speakers_and_valence(conversation):
    _, spans, result, decodes, seen = conversation
    assert len(result.segments) == len(SCRIPT) == 4
    assert decodes == 1  # the file was decoded once for the split, the speakers and every utterance
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    for segment, (a, b) in zip(result.segments, spans, strict=True):
        assert abs(segment.start_s - a) < 0.6 and abs(segment.end_s - b) < 0.6
        assert segment.result is not None and segment.result.clip.duration_s == pytest.approx(segment.end_s - segment.start_s)
    assert [s.speaker for s in result.segments] == ["A", "B", "A", "B"]
    assert [t.speaker for t in SCRIPT] == ["A", "B", "A", "B"]
    assert [np.sign(s.valence) for s in result.segments] == [t.valence for t in SCRIPT]
    assert len(result.speakers) == 2
    low, high = sorted(s.f0_median_hz for s in result.speakers)
    assert low < 150 < high  # the male and the female espeak voice


def test_conversation_faces_and_summary(conversation):
    _, _, result, _, _ = conversation
    assert result.faces["ids"] == ["F1", "F2"] and result.faces["still_picture"] is True
    for speaker in result.speakers:  # a photo cannot show who speaks, and says so
        assert speaker.face is None and "still" in speaker.face_link
    assert all(s.faces == ["F1", "F2"] for s in result.segments)
    assert all(s.face_reads == {"F1": s.face_reads["F1"], "F2": s.face_reads["F2"]} for s in result.segments)
    assert result.segments[0].face_reads["F1"].startswith("on screen: happiness")  # no known speaker face: no roles
    summary = result.summary
    assert summary.trajectory.times_s == sorted(summary.trajectory.times_s) and len(summary.trajectory.times_s) == 4
    assert [c.after for c in summary.changes] == [1, 2, 3]  # + to -, - to - (anger to grief, other voice), - to +
    assert set(summary.by_speaker) == {"A", "B"} and "Speaker A" in summary.text


def test_still_picture_of_two_faces_gives_no_face_cue_to_either_speaker(conversation):
    """The trial's convo2_mf.mp4: a still picture of two faces, nobody's mouth moves, so the speaker's
    face is unknown. Before, each utterance's face slot was the main face's (F2, fusion weight ~0.65)
    whoever spoke; now the face tool is not run for such an utterance and the slot says why, with the
    faces on screen as context, and the fusion weighs no face cue."""
    from saber_agent.segment_summary import render

    path, _, _, _, _ = conversation
    result = analyze_segments(path, AnalysisSettings(plugins=["face", "prosody"], max_rounds=1))
    assert [s.speaker for s in result.segments] == ["A", "B", "A", "B"]
    for segment in result.segments:
        assert segment.speaker_face is None and segment.faces == ["F1", "F2"]
        assert segment.face_note.startswith("2 faces are on screen and none is identified as the speaker's")
        slot = segment.result.evidence.facial_exp_desc
        assert slot.status == "unavailable" and "faces on screen: F1 " in slot.reason and "F2 " in slot.reason
        assert set(slot.measurements["faces_on_screen"]) == {"F1", "F2"}
        assert all(c.modality != "face" for c in segment.result.cues)
        assert [r.tool for r in segment.result.tool_runs] == ["prosody"]  # the face tool was not run
        assert "face:" not in " ".join(segment.result.analysis.weighed)
    assert "speaker's face not identified" in render(result)


def test_whose_face_rules():
    from saber_agent.speakers import FaceTracks, unattributed_face

    times = np.arange(12) * 0.5
    box = np.tile([10.0, 10.0, 50.0, 50.0], (12, 1))
    away = box.copy()
    away[6:] = np.nan  # F2 leaves at 3 s
    two = FaceTracks(times, {"F1": box, "F2": away}, still=True, mouth_note="the picture is still: mouth movement cannot tell")
    assert unattributed_face(two, 0.0, 3.0, None, "still").startswith("2 faces are on screen")
    assert unattributed_face(two, 0.0, 3.0, "F1") is None  # the speaker's face is identified and on screen
    assert unattributed_face(two, 3.5, 6.0, "F2") == "the speaker's face F2 is not on screen in this utterance"
    one = FaceTracks(times, {"F1": box}, still=True, mouth_note="the picture is still: mouth movement cannot tell")
    assert unattributed_face(one, 0.0, 3.0, None) is None  # one face, and the picture cannot say: kept
    closed = FaceTracks(times, {"F1": box}, mouth={"F1": np.full(12, 0.02)})  # measured, never moves
    assert unattributed_face(closed, 0.0, 3.0, None).startswith("the one face on screen is not the speaker's")
    assert unattributed_face(FaceTracks(times), 0.0, 3.0, None) is None  # no face: the face tool says so itself


def test_the_face_tool_main_face_must_be_the_identified_speaker():
    from saber_agent.plugins.facetrack import FaceTrack
    from saber_agent.speakers import FaceTracks, main_face_elsewhere

    times = np.arange(6) * 0.5
    left, right = np.tile([10.0, 10.0, 50.0, 50.0], (6, 1)), np.tile([200.0, 10.0, 60.0, 60.0], (6, 1))
    faces = FaceTracks(times, {"F1": left, "F2": right})
    main = FaceTrack(times, right.copy(), np.full(6, 2), "test")  # the face tool's main face: the larger, F2
    assert main_face_elsewhere(main, faces, "F2", 0.0, 3.0) is None
    assert main_face_elsewhere(main, faces, "F1", 0.0, 3.0) == (
        "the speaker's face is F1, identified by its moving mouth, but the face tool reads F2 "
        "(its main face, the largest and most persistent)")
    assert main_face_elsewhere(None, faces, "F1", 0.0, 3.0) is None  # no track: cannot tell, the slot stays


def test_conversation_exports_one_saber_line_per_utterance(conversation):
    from saber_agent.registry import get_registry
    from saber_agent.saber_format import parse_record

    path, _, result, _, _ = conversation
    lines = get_registry().exporter("saber-jsonl").export(result).splitlines()
    assert len(lines) == 4
    records = [parse_record(json.loads(line)) for line in lines]
    assert [r.extra()["speaker"] for r in records] == ["A", "B", "A", "B"]
    assert "happy" in records[0].audio_desc.speech_content.lower()
    assert records[1].extra()["start_s"] == pytest.approx(result.segments[1].start_s, abs=1e-3)
    csv_text = get_registry().exporter("timelines").export(result)
    times = [float(row.split(",")[2]) for row in csv_text.splitlines()[1:] if row.startswith("acoustic_feat,prosody")]
    assert max(times) > result.segments[-1].start_s  # on the clip's clock, not each window's
    assert json.loads(get_registry().exporter("json").export(result))["segments"][0]["speaker"] == "A"


def test_cli_segment_option(conversation, capsys):
    from saber_agent.cli import main

    path, _, _, _, _ = conversation
    assert main(["analyze", str(path), "--segment", "utterances", "--plugins", "prosody", "--max-looks", "0"]) == 0
    out = capsys.readouterr()
    assert "[4/4]" in out.err and "Utterance 4:" in out.out and "Speakers" in out.out
    with pytest.raises(SystemExit) as exited:  # argparse refuses an unknown mode: a usage error
        main(["analyze", str(path), "--segment", "sentences"])
    assert exited.value.code == 2


def test_batch_runs_each_utterance_through_the_evidence_cache(conversation, tmp_path):
    from saber_agent.batch import read_items, run_batch

    path, _, _, _, _ = conversation
    settings = AnalysisSettings(plugins=["prosody"], segment="utterances")
    out = tmp_path / "out.jsonl"
    run_batch(read_items(str(path)), out, settings, cache_dir=str(tmp_path / "cache"), progress=False)
    line = json.loads(out.read_text().splitlines()[0])
    assert line["status"] == "ok" and len(line["segments"]) == 4 and line["evidence_cache"] == "miss"
    assert [s["speaker"] for s in line["segments"]] == ["A", "B", "A", "B"]
    assert len(list((tmp_path / "cache").rglob("*.json"))) >= 4  # one entry per utterance
    again = tmp_path / "again.jsonl"
    run_batch(read_items(str(path)), again, settings, cache_dir=str(tmp_path / "cache"), progress=False)
    assert json.loads(again.read_text().splitlines()[0])["evidence_cache"] == "hit"


def test_whole_clip_runs_keep_their_results_digest_and_cache_keys():
    """`segment` and `window_s` at their defaults are left out of the batch digest and the evidence-cache
    key, so results files and caches written before them still resume and hit."""
    from saber_agent.batch.evidence_cache import perception_config
    from saber_agent.batch.results import settings_digest

    plain = AnalysisSettings()
    assert "window_s" not in perception_config(plain)["decode"]
    assert "segment" not in plain.model_dump_json(exclude={"segment": True, "decode": {"window_s"}})
    assert settings_digest(plain) != settings_digest(plain.updated(segment="utterances"))
    windows = [plain.updated(decode={**plain.decode.model_dump(), "window_s": w}) for w in ((0.0, 1.0), (1.0, 2.0))]
    assert perception_config(windows[0]) != perception_config(windows[1])  # one cache entry per utterance


def test_whole_clip_words_come_from_the_selected_transcript_tool(conversation):
    from saber_agent.media import clip_cache
    from saber_agent.segments import whole_clip_words

    path, spans, result, _, _ = conversation
    assert result.split["words"].startswith("the detector's pauses")  # Silero is here: word times not needed
    clip = clip_cache.get(path, segment_decode(path, DecodeSettings()))
    words, how = whole_clip_words(clip, AnalysisSettings(plugins=["transcript"]))
    assert "whole clip" in how and len(words) >= 40
    assert all(spans[0][0] - 0.5 <= w["start"] < w["end"] <= spans[-1][1] + 0.5 for w in words)
    assert whole_clip_words(clip, AnalysisSettings(plugins=["prosody"])) == (
        None, "no transcript tool selected: utterances from voice activity and pauses")


def test_unreadable_file_is_a_clear_media_error(tmp_path):
    from saber_agent.media import MediaError

    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video at all")
    for path in (tmp_path / "missing.mp4", broken):
        with pytest.raises(MediaError, match=path.name):
            analyze(path, segment="utterances")


def test_the_foundation_module_imports_no_plugin_nor_the_graph_and_the_run_names_still_resolve():
    # segments.py is foundation: the run over utterances (the graph per window, faces placed by the speaker_faces
    # plugin) lives in saber_agent/segments_run.py; the old names resolve lazily (PEP 562), as speakers.py does
    import ast
    import inspect
    import subprocess
    import sys

    from saber_agent import segments

    def imports(tree):  # every module an import statement names, "saber_agent.plugins.facetrack.track_faces" style
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                yield from (f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.Import):
                yield from (alias.name for alias in node.names)

    tree = ast.parse(inspect.getsource(segments))
    upper = ("saber_agent.plugins", "saber_agent.graphs", "saber_agent.segments_run")
    shim = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "__getattr__")
    imported = [name for name in imports(tree) if name.startswith(upper)]
    assert imported == list(imports(shim)) == ["saber_agent.segments_run"], imported  # the lazy re-export only, even in functions
    code = ("import sys, saber_agent.segments as s; "
            "assert not [m for m in sys.modules if m.startswith(('saber_agent.plugins', 'saber_agent.graphs'))]; "
            "import saber_agent.segments_run as r; assert s.analyze_segments is r.analyze_segments and s.run_graph is r.run_graph; "
            "from saber_agent.segments import analyze_segments, face_context, FACE_SLOT")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    with pytest.raises(AttributeError):
        segments.no_such_name  # noqa: B018
