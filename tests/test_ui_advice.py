"""What the app shows where the result says something the page must put its own way (trial G): command-line advice
in the app's terms, a conclusion with no finding shown as none, the voices heard in the verdict, the decoder's reason
for a cut-off MP4, and a note under the player for a codec the browser cannot play. Real core messages, real media
made here with ffmpeg, the real graph (tests/test_ui_page.py drives the same in a browser)."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

from saber_agent.evidence import Analysis, ClipInfo, Evidence, Result
from saber_agent.segment_summary import summarise
from saber_agent.segments import Segment, SegmentedResult, Speaker
from saber_agent.testing.corpus import melody
from saber_agent.testing.synth import make_clip, write_wav
from saber_agent.ui import preview, render, segments_view, views
from saber_agent.ui.advice import for_app, no_finding, uncertain
from saber_agent.ui.limits import UploadLimits, UploadRejected, probe
from saber_agent.voices_heard import SEGMENT_HINT, mixed_speakers_note
from tests.support.ui_runs import fold, sarcasm_events

FFMPEG = shutil.which("ffmpeg")
needs_ffmpeg = pytest.mark.skipif(FFMPEG is None, reason="ffmpeg is missing")


# -- advice in the app's terms ------------------------------------------------------------------


def test_command_line_advice_is_put_in_the_apps_terms():
    from saber_agent.plugins.transcript import NO_VOICE_FOUND
    from saber_agent.plugins.transcript_decoding import LANGUAGE_OPTION

    several = for_app(mixed_speakers_note(3))
    assert several.startswith("3 voices heard: the emotion mixes speakers")
    assert "use the Utterances tab (Analyse by utterance) for each speaker's own" in several
    vad = for_app(NO_VOICE_FOUND)
    assert "voice detection must be off, which this app does not offer" in vad and "--" not in vad
    language = for_app(f"spoken language en; if that is wrong, set it with {LANGUAGE_OPTION}")
    assert language == "spoken language en; if that is wrong, it cannot be set in this app (it detects the language)"
    assert for_app(f"(each speaker's own: {SEGMENT_HINT})") == "(each speaker's own: the Utterances tab (Analyse by utterance))"
    clash = for_app("face and face2 both fill the slot facial_exp_desc; one tool fills each slot per run, so face2 would "
                    "not run: name one of them in plugins (--plugins)")
    assert clash.endswith("tick only one of them under Perception tools")
    tracks = for_app("the file has 2 audio tracks; track 0 is analysed (the others, 1, can be chosen with --audio-track N, "
                     "the audio_track decode setting)")
    assert tracks.endswith("(the others, 1, cannot be chosen in this app)")
    plain = "The voice has a moderate pitch (mean F0 132 Hz) -- and a dash."
    assert for_app(plain) == plain and for_app(None) == ""


def test_the_page_rewrites_the_advice_and_the_result_keeps_it():
    """The result (its JSON, the downloads, the API's answer) keeps the command-line words; only the page differs."""
    note = mixed_speakers_note(2)
    view = fold(sarcasm_events())[-1]
    analysis = view.analysis.model_copy(update={"notes": [note], "voices_heard": 2})
    result = view.result.model_copy(update={"analysis": analysis})
    result.evidence.sentiment_analysis = result.evidence.sentiment_analysis.model_copy(update={"text": note})
    view = views.RunView(**{**view.__dict__, "analysis": analysis, "result": result,
                            "slots": {**view.slots, "sentiment_analysis": result.evidence.sentiment_analysis}})
    page = render.slots_html(view) + render.verdict_html(view)
    assert "--segment" not in page and "use the Utterances tab (Analyse by utterance)" in page
    assert "2 voices heard" in render.verdict_html(view).split('class="saber-verdict-sub"')[1].split("</div>")[0]
    payload = render.result_payload(result)
    assert SEGMENT_HINT in payload["result"]["analysis"]["notes"][0]
    assert SEGMENT_HINT in payload["saber"]["sentiment_analysis"]


# -- no finding -----------------------------------------------------------------------------------


def _finished(analysis: Analysis) -> views.RunView:
    view = fold(sarcasm_events())[-1]
    return views.RunView(**{**view.__dict__, "analysis": analysis,
                            "result": view.result.model_copy(update={"analysis": analysis}), "conflicts": ()})


def test_no_finding_is_shown_as_none_with_no_position_on_the_scales():
    undetermined = Analysis(basic_emotion="neutral", valence=0.0, arousal=0.5, emotions=["undetermined"])
    html = render.verdict_html(_finished(undetermined))
    assert no_finding(undetermined) and "No emotion found" in html and "no modality gave an emotion estimate" in html
    assert "saber-scale-mark" not in html and html.count("saber-scale-none") == 2
    assert ">neutral<" not in html and "valence +0.00" not in html and "arousal 0.50" not in html
    leaning = Analysis(basic_emotion="neutral", valence=0.19, arousal=0.53, emotions=["mixed feelings", "uncertain"])
    html = render.verdict_html(_finished(leaning))
    assert uncertain(leaning) and ">Uncertain</span>" in html and "leans neutral" in html and "mixed feelings" in html
    assert '<span class="saber-emotion">uncertain</span>' not in html  # the mark is the headline, not a label beside it
    assert html.count("saber-scale-mark") == 2 and "valence +0.19" in html  # an uncertain lean is still a reading
    found = Analysis(basic_emotion="neutral", valence=0.0, arousal=0.3, emotions=["calm"])
    html = render.verdict_html(_finished(found))
    assert not no_finding(found) and ">neutral</span>" in html and html.count("saber-scale-mark") == 2
    assert views.describe_round(1, "fusion", undetermined) == ("Round 1: fusion finds no emotion (no modality gave an "
                                                                "emotion estimate)")


def test_an_uncertain_utterance_is_not_called_neutral_on_the_timeline():
    """Trial G: speaker B's block read "2 neutral" where the summary said "no emotion found (uncertain ...)"."""
    def result(emotions, valence):
        return Result(clip=ClipInfo(path="w"), evidence=Evidence(),
                      analysis=Analysis(basic_emotion="neutral", valence=valence, emotions=emotions))

    segments = [Segment(index=0, start_s=0.1, end_s=6.6, speaker="A", result=result(["calm"], 0.0)),
                Segment(index=1, start_s=7.4, end_s=15.8, speaker="B", result=result(["neutral", "uncertain"], 0.01)),
                Segment(index=2, start_s=16.1, end_s=20.0, speaker="C", result=result(["undetermined"], 0.0))]
    speakers = [Speaker(label=x, segments=[i], speech_s=3.0) for i, x in enumerate("ABC")]
    segmented = SegmentedResult(clip=ClipInfo(path="t.mp4", duration_s=21.0), segments=segments, speakers=speakers,
                                summary=summarise(segments, speakers))
    page = segments_view.timeline_html(segmented)
    chips = [block.split(">", 1)[1].split("</div>")[0] for block in page.split('class="saber-segment" ')[1:]]
    assert chips == ["1 neutral", "2 uncertain", "3 undetermined"]
    assert "Speaker B: no emotion found" in page
    assert 'title="7.4-15.8 s: uncertain, leans neutral (valence +0.01)"' in page
    assert [label.split(" · ")[-1] for label, _ in segments_view.segment_choices(segmented)] == [
        "neutral", "uncertain (leans neutral)", "undetermined"]
    assert "<b>uncertain</b>, leans neutral" in segments_view.segment_html(segmented, 1)
    none = segments_view.segment_html(segmented, 2)
    assert "No emotion found" in none and "valence" not in none.split("<div")[0]


def test_a_failing_utterance_run_is_said_in_the_progress_box():
    from saber_agent.media import MediaError

    message = segments_view.failure_message(RuntimeError("boom."), "/srv/tmp/x/clip.mp4")
    assert message == "The analysis by utterance failed: RuntimeError: boom. Try another reasoner or fewer plugins."
    unreadable = segments_view.failure_message(MediaError("/srv/tmp/x/clip.mp4: has neither a video nor an audio stream."),
                                               "/srv/tmp/x/clip.mp4")
    assert unreadable == "clip.mp4: has neither a video nor an audio stream. Upload another clip."
    html = segments_view.progress_html(["Splitting the clip into utterances and finding the speakers…"], message)
    assert 'role="alert"' in html and "RuntimeError: boom" in html and html.startswith("Splitting")


# -- real media -------------------------------------------------------------------------------


@needs_ffmpeg
def test_a_cut_off_mp4_gets_the_decoders_reason(tmp_path):
    """Trial G: the app said "not a readable video or audio file" where batch said "cut off before its index (the moov
    box)": the probe now gives the decoder's own message (the command line's), with the file name."""
    from saber_agent.media import MediaError, decode

    whole = tmp_path / "recording.mp4"  # no +faststart: the moov box is written last, as a recorder does
    subprocess.run([FFMPEG, "-y", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10", "-f", "lavfi",
                    "-i", "sine=frequency=300:sample_rate=16000", "-t", "3", "-c:v", "libx264", "-c:a", "aac",
                    str(whole)], check=True)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(UploadRejected) as rejected:
        probe(cut, UploadLimits())
    with pytest.raises(MediaError) as decoded:
        decode(cut)
    said = str(rejected.value)
    assert said.startswith("cut.mp4: is an MP4/MOV file cut off before its index (the moov box) was written")
    assert said == str(decoded.value).replace(str(cut), "cut.mp4") + " Upload another clip."
    text = tmp_path / "notes.mp4"
    text.write_text("not a clip\n")
    with pytest.raises(UploadRejected, match=r"notes\.mp4 is not a readable video or audio file .*: upload a video \(MP4"):
        probe(text, UploadLimits())


@needs_ffmpeg
def test_a_codec_the_browser_cannot_play_gets_a_note_under_the_player(tmp_path):
    """Trial G: an iPhone's HEVC .mov left the preview blank in Chromium (the analysis was fine)."""
    def encode(name, *codec):
        path = tmp_path / name
        subprocess.run([FFMPEG, "-y", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10", "-t", "1",
                        *codec, "-pix_fmt", "yuv420p", str(path)], check=True)
        return path

    hevc = encode("phone.mov", "-c:v", "libx265", "-x265-params", "log-level=error", "-tag:v", "hvc1")
    assert preview.unplayable(hevc) == "its video is HEVC (H.265)"
    note = preview.preview_note(hevc)
    assert "The preview may stay blank" in note and "HEVC (H.265)" in note and "The analysis is not affected" in note
    assert preview.unplayable(encode("old.avi", "-c:v", "mpeg4")).startswith("it is an AVI")
    assert preview.preview_note(encode("fine.mp4", "-c:v", "libx264")) == ""
    assert preview.preview_note(encode("fine.webm", "-c:v", "libvpx", "-deadline", "realtime")) == ""
    wav = write_wav(tmp_path / "tune.wav", melody(1.0))
    assert preview.preview_note(wav) == "" and preview.preview_note(None) == ""
    assert preview.preview_note(tmp_path / "missing.mp4") == ""  # the analysis says why


@pytest.fixture(scope="module")
def music_clip(tmp_path_factory):
    """A purple picture over a plucked melody: no voice, no face (trial G's music_only.mp4)."""
    if FFMPEG is None:
        pytest.skip("ffmpeg is missing")
    folder = tmp_path_factory.mktemp("music")
    wav = write_wav(folder / "tune.wav", melody(6.0))
    return make_clip(folder / "music_only.mp4", np.full((240, 320, 3), (90, 30, 110), np.uint8), wav, motion=False)


def test_music_only_through_the_real_graph_reads_no_emotion_found(music_clip):
    """The service streams the real graph (prosody and face on music under a plain picture): no modality gives an
    estimate, and the page says no emotion was found, with no position on the scales and the advice in its terms."""
    from saber_agent.ui.service import AnalysisService

    service = AnalysisService(UploadLimits())
    try:
        view = list(service.stream(str(music_clip), service.settings(["prosody", "face"], "fusion")))[-1]
    finally:
        service.close()
    assert view.error is None and view.result is not None and no_finding(view.analysis)
    verdict = render.verdict_html(view)
    assert "No emotion found" in verdict and "saber-scale-mark" not in verdict
    progress = render.progress_html(view)
    assert "fusion finds no emotion" in progress and "--tool-option" not in progress
    assert "--tool-option prosody.vad=false" in view.result.evidence.acoustic_feat.reason  # the result keeps its words


def test_a_two_voice_clip_names_the_voices_in_the_verdict(tmp_path):
    """Trial G: the verdict of a 3-voice clip did not mention the voices heard (analysis.voices_heard / notes): it now
    does, its advice pointing to the Utterances tab. A real two-voice conversation (espeak-ng), the real graph."""
    if FFMPEG is None or shutil.which("espeak-ng") is None:
        pytest.skip("ffmpeg or espeak-ng is missing")
    from saber_agent.testing.conversation import conversation_clip
    from saber_agent.ui.service import AnalysisService

    path, _ = conversation_clip(tmp_path / "talk.mp4")
    service = AnalysisService(UploadLimits())
    try:
        view = list(service.stream(str(path), service.settings(["prosody"], "fusion")))[-1]
    finally:
        service.close()
    assert view.error is None and view.analysis.voices_heard == 2
    verdict = render.verdict_html(view)
    assert "2 voices heard" in verdict.split('class="saber-verdict-sub"')[1].split("</div>")[0]
    assert 'class="saber-verdict-note">2 voices heard: the emotion mixes speakers' in verdict
    assert "use the Utterances tab (Analyse by utterance)" in verdict and "--segment" not in verdict
    assert any(SEGMENT_HINT in note for note in view.analysis.notes)
