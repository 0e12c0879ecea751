"""Result exporters: the full result as JSON, the plain SABER record, and the slots' timelines as CSV."""

from __future__ import annotations

import csv
import io
import json

from saber_agent import hookimpl
from saber_agent.evidence import PERCEPTION_SLOTS, Result

TIMELINE_COLUMNS = ("slot", "timeline", "time_s", "end_s", "series", "value", "unit", "label")
SEGMENT_COLUMNS = ("segment", "speaker")  # added after TIMELINE_COLUMNS for a segmented result


def export_result_json(result: Result) -> str:
    return result.model_dump_json(indent=2)


def export_saber(result: Result) -> str:
    """The SABER record; for an utterance-level result (``--segment utterances``) one line per utterance."""
    if _segmented(result):
        return export_saber_jsonl(result)
    return json.dumps(result.saber(), ensure_ascii=False, indent=4)


def export_saber_jsonl(result: Result) -> str:
    """SABER JSONL: one compact line per clip, or per utterance of a segmented result (with `video`,
    `segment`, `start_s`, `end_s` and `speaker` beside the six slots)."""
    from saber_agent.saber_format import dumps

    if _segmented(result):
        from saber_agent.segment_summary import saber_lines

        return "\n".join(dumps(record) for record in saber_lines(result))
    return dumps(result.saber())


def _segmented(result) -> bool:
    return hasattr(result, "segments") and not hasattr(result, "evidence")


def export_timelines_csv(result: Result) -> str:
    """Every slot's `Slot.timelines` as one long ("tidy") CSV table, one row per value, read by pandas as is.

    Columns: slot, timeline, time_s, end_s, series, value, unit, label. A sample gives one row per
    series (`value`, `unit`; a gap is an empty value) and one per label line (`label`); an event gives
    one row with `series` = ``event:<kind>``, its span in `time_s`/`end_s`, its `label` and `value`.
    A segmented result (``--segment utterances``) adds two columns after these: `segment` (the utterance's
    index from 0, the saber-jsonl lines' `segment`) and `speaker` (its voice label; empty when unplaced),
    and its times are on the clip's clock. No trailing newline (as the other exporters: the CLI ends the file).
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if _segmented(result):
        writer.writerow((*TIMELINE_COLUMNS, *SEGMENT_COLUMNS))
        # every utterance's timelines, moved from its window's clock onto the clip's
        for s in result.segments:
            if s.result:
                _timeline_rows(writer, s.result, s.start_s, (s.index, s.speaker or ""))
    else:
        writer.writerow(TIMELINE_COLUMNS)
        _timeline_rows(writer, result)
    return out.getvalue().removesuffix("\n")


def _timeline_rows(writer, result: Result, shift: float = 0.0, extra: tuple = ()) -> None:
    """The result's timeline rows; `shift` (s) moves them onto the clip's clock, `extra` ends each row (segment, speaker)."""
    def at(t):
        return "" if t is None else round(t + shift, 6) if shift else t

    for slot_name in PERCEPTION_SLOTS:
        for name, timeline in result.evidence.slot(slot_name).timelines.items():
            for i, t in enumerate(timeline.times_s):
                for series, values in timeline.series.items():
                    writer.writerow((slot_name, name, at(t), "", series, _cell(values[i]), timeline.units.get(series, ""), "", *extra))
                for series, labels in timeline.labels.items():
                    writer.writerow((slot_name, name, at(t), "", series, "", "", _cell(labels[i]), *extra))
            for event in timeline.events:
                writer.writerow((slot_name, name, at(event.start_s), at(event.end_s), f"event:{event.kind}",
                                 _cell(event.value), "", event.label, *extra))


def _cell(value) -> str | float:
    return "" if value is None else value


@hookimpl
def register_exporters(register):
    register("json", export_result_json, ".json")
    register("saber", export_saber, ".saber.json")
    register("saber-jsonl", export_saber_jsonl, ".saber.jsonl")
    register("timelines", export_timelines_csv, ".timelines.csv")
