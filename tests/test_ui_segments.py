"""The app's utterance view (ui/segments_view.py): one timeline row per speaker, each utterance a block
that opens its six slots; and the app builds with the Utterances tab."""

from __future__ import annotations

import re

import pytest

from saber_agent.evidence import Analysis, ClipInfo, Evidence, Result, Slot
from saber_agent.segment_summary import summarise
from saber_agent.segments import Segment, SegmentedResult, Speaker
from saber_agent.ui import segments_view


def segmented() -> SegmentedResult:
    def result(emotion: str, valence: float, words: str) -> Result:
        evidence = Evidence(speech_content=Slot(text=words, status="ok"))
        return Result(clip=ClipInfo(path="w"), evidence=evidence,
                      analysis=Analysis(basic_emotion=emotion, valence=valence, emotions=[emotion]))

    segments = [
        Segment(index=0, start_s=0.5, end_s=4.0, speaker="A", result=result("happiness", 0.6, "I am so happy")),
        Segment(index=1, start_s=5.0, end_s=9.0, speaker="B", speaker_face="F2", listeners=["F1"],
                result=result("anger", -0.7, "I hate this")),
        Segment(index=2, start_s=10.0, end_s=12.0, speaker=None, error="RuntimeError: boom"),
    ]
    speakers = [Speaker(label="A", segments=[0], speech_s=3.5), Speaker(label="B", segments=[1], speech_s=4.0, face="F2")]
    return SegmentedResult(clip=ClipInfo(path="talk.mp4", duration_s=12.5), segments=segments, speakers=speakers,
                           summary=summarise(segments, speakers))


def test_timeline_has_one_row_per_speaker_and_blocks_coloured_by_valence():
    page = segments_view.timeline_html(segmented(), selected=1)
    rows = re.findall(r'data-speaker="([^"]+)"', page)
    assert rows == ["A", "B", "?"]  # the failed utterance without a voice has its own row
    blocks = re.findall(r'data-index="(\d)" data-valence="([^"]*)"', page)
    assert blocks == [("0", "0.600"), ("1", "-0.700"), ("2", "")]
    assert "outline:2px solid" in page.split('data-index="1"')[1].split("</div>")[0]
    assert segments_view._colour(0.6) != segments_view._colour(-0.7)
    assert "Speaker B</b> · F2" in page


def test_choosing_an_utterance_opens_its_six_slots():
    result = segmented()
    assert [i for _, i in segments_view.segment_choices(result)] == [0, 1, 2]
    page = segments_view.segment_html(result, 1)
    assert page.count('class="saber-slot ') == 6 and "I hate this" in page
    assert "speaker B, face F2; listening: F1" in page and "anger" in page
    assert "boom" in segments_view.segment_html(result, 2)
    assert segments_view.segment_html(result, 7) == "" and segments_view.segment_html(None, 0) == ""


def test_empty_view_and_the_app_builds_with_the_tab():
    assert "Analyse by utterance" in segments_view.timeline_html(None)
    pytest.importorskip("gradio")
    from saber_agent.ui.app import build_app

    demo = build_app()
    assert "saber-segments" in demo.config["components"].__repr__()


def test_an_undetermined_utterance_shows_no_valence():
    """Fusion's "no finding" answer carries the default valence 0.0: the block was coloured and titled as a neutral
    reading ("undetermined (valence +0.00)"); it is now coloured as no reading and its title gives no valence."""
    undetermined = Result(clip=ClipInfo(path="w"), evidence=Evidence(),
                          analysis=Analysis(basic_emotion="neutral", valence=0.0, emotions=["undetermined"]))
    segments = [Segment(index=0, start_s=0.5, end_s=4.0, speaker="A", result=undetermined)]
    speakers = [Speaker(label="A", segments=[0], speech_s=3.5)]
    page = segments_view.timeline_html(SegmentedResult(clip=ClipInfo(path="t.mp4", duration_s=5.0), segments=segments,
                                                       speakers=speakers, summary=summarise(segments, speakers)))
    block = page.split('data-index="0"')[1].split("</div>")[0]
    assert block.startswith(' data-valence=""') and 'title="0.5-4.0 s: undetermined: no modality gave an emotion estimate"' in block
    assert f"background:{segments_view._colour(None)};" in block


RACE = """
import threading
from saber_agent.ui.app import build_app
build_app()
from gradio.utils import MatplotlibBackendMananger
from saber_agent.plugins.landmarks import import_mediapipe
errors, done, steps, failure = [], threading.Event(), 0, []


def load():
    try:
        import_mediapipe()
    except BaseException as exc:  # the test re-raises it: the import itself failing is no pass
        failure.append(exc)
    finally:
        done.set()  # else a failed import left the loop below spinning until the test's timeout


thread = threading.Thread(target=load)
thread.start()
while not done.is_set():
    steps += 1
    try:
        with MatplotlibBackendMananger():  # what Gradio wraps every event step in
            pass
    except Exception as exc:
        errors.append(repr(exc))
thread.join()
if failure:
    raise failure[0]
print(steps, len(errors), errors[:1])
"""


def test_no_event_step_fails_while_a_tool_imports_mediapipe():
    """Trial G: the Utterances run showed a bare "Error" in every box. Gradio wraps each event step in
    matplotlib.use(...), and `plugins.landmarks.import_mediapipe` puts placeholder matplotlib modules in sys.modules
    while a worker thread imports mediapipe: every step ending in that window raised AttributeError (83,199 of 83,199
    here without the fixes). Two fixes, either one enough here: the app imports pyplot whole when it is built, and
    `import_mediapipe` sets no placeholder where matplotlib is installed (tests/test_landmarks.py checks that alone)."""
    import subprocess
    import sys

    pytest.importorskip("gradio")
    pytest.importorskip("mediapipe")
    run = subprocess.run([sys.executable, "-c", RACE], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]  # the import's own error (re-raised by RACE) or a crash
    out = run.stdout
    steps, failed = (int(n) for n in out.split()[:2])
    assert steps > 0 and failed == 0, out
