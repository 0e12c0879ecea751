"""Result exporters: the JSON result carries the timelines losslessly; the timelines CSV is one tidy table."""

import csv
import io

from saber_agent.evidence import ClipInfo, Evidence, Result, Slot, Timeline, TimelineEvent
from saber_agent.plugins.exporters import TIMELINE_COLUMNS, export_result_json, export_timelines_csv
from saber_agent.registry import Registry
from tests.conftest import IN_TREE

FACE = Slot(text="A smile.", status="ok", timelines={"expression": Timeline(
    times_s=[0.0, 0.5], series={"happiness": [0.9, None]}, units={"happiness": "probability"},
    labels={"top": ["happiness", None]},
    events=[TimelineEvent(start_s=0.2, end_s=0.4, label="anger", kind="micro_expression", value=0.6)],
)})
SPEECH = Slot(text="Hi.", status="ok", timelines={"transcript": Timeline(events=[
    TimelineEvent(start_s=0.0, end_s=0.3, label="Hi, \"you\".", kind="word", value=0.93)])})
RESULT = Result(clip=ClipInfo(path="c.mp4"), evidence=Evidence(facial_exp_desc=FACE, speech_content=SPEECH))


def rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_json_export_keeps_every_timeline():
    again = Result.model_validate_json(export_result_json(RESULT))
    assert again.evidence.facial_exp_desc.timelines == FACE.timelines
    assert again.evidence.speech_content.timelines == SPEECH.timelines


def test_timelines_csv_a_row_per_value_label_and_event():
    table = rows(export_timelines_csv(RESULT))
    assert tuple(table[0]) == TIMELINE_COLUMNS
    face = [r for r in table if r["slot"] == "facial_exp_desc"]
    assert [(r["time_s"], r["series"], r["value"], r["unit"], r["label"]) for r in face] == [
        ("0.0", "happiness", "0.9", "probability", ""), ("0.0", "top", "", "", "happiness"),
        ("0.5", "happiness", "", "probability", ""), ("0.5", "top", "", "", ""),  # a gap is an empty cell
        ("0.2", "event:micro_expression", "0.6", "", "anger"),
    ]
    (word,) = [r for r in table if r["slot"] == "speech_content"]
    assert word["label"] == 'Hi, "you".' and word["end_s"] == "0.3" and word["timeline"] == "transcript"  # quoted, not split


def test_a_result_without_timelines_gives_the_header_only():
    assert export_timelines_csv(Result(clip=ClipInfo(path="c.mp4"), evidence=Evidence())).strip() == ",".join(TIMELINE_COLUMNS)


def test_registered_under_its_name():
    entry = Registry(allow=IN_TREE).load().exporter("timelines")
    assert entry.suffix == ".timelines.csv" and entry.export(RESULT) == export_timelines_csv(RESULT)


def test_a_segmented_result_s_rows_say_their_utterance_and_speaker():
    # the trial: `--segment utterances --format timelines --out x.csv` had no utterance or speaker column
    # and the file ended with a blank line
    from saber_agent.segments import Segment, SegmentedResult, SegmentSummary

    segments = [Segment(index=0, start_s=1.0, end_s=2.0, speaker="A", result=RESULT),
                Segment(index=1, start_s=3.0, end_s=4.0, speaker=None, result=RESULT),
                Segment(index=2, start_s=5.0, end_s=6.0, speaker="B", error="failed")]
    segmented = SegmentedResult(clip=ClipInfo(path="talk.mp4"), segments=segments, speakers=[],
                                summary=SegmentSummary(trajectory=Timeline()))
    text = export_timelines_csv(segmented)
    assert not text.endswith("\n")  # the CLI adds the one final newline: no blank line at the end
    header = text.split("\n")[0].split(",")
    assert header == [*TIMELINE_COLUMNS, "segment", "speaker"]  # the unsegmented columns first, unchanged
    table = rows(text)
    single = rows(export_timelines_csv(RESULT))
    assert len(table) == 2 * len(single)
    assert {(r["segment"], r["speaker"]) for r in table} == {("0", "A"), ("1", "")}
    first = [r for r in table if r["segment"] == "0" and r["series"] == "happiness"]
    assert [r["time_s"] for r in first] == ["1.0", "1.5"]  # on the clip's clock
    assert list(single[0]) == list(TIMELINE_COLUMNS) and not export_timelines_csv(RESULT).endswith("\n")
