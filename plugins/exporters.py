"""Result exporters: the full result as JSON, the plain SABER record, and the slots' timelines as CSV."""

from __future__ import annotations

import csv
import io
import json

from saber_agent import hookimpl
from saber_agent.evidence import PERCEPTION_SLOTS, Result

TIMELINE_COLUMNS = ("slot", "timeline", "time_s", "end_s", "series", "value", "unit", "label")


def export_result_json(result: Result) -> str:
    return result.model_dump_json(indent=2)


def export_saber(result: Result) -> str:
    return json.dumps(result.saber(), ensure_ascii=False, indent=4)


def export_timelines_csv(result: Result) -> str:
    """Every slot's `Slot.timelines` as one long ("tidy") CSV table, one row per value, read by pandas as is.

    Columns: slot, timeline, time_s, end_s, series, value, unit, label. A sample gives one row per
    series (`value`, `unit`; a gap is an empty value) and one per label line (`label`); an event gives
    one row with `series` = ``event:<kind>``, its span in `time_s`/`end_s`, its `label` and `value`.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(TIMELINE_COLUMNS)
    for slot_name in PERCEPTION_SLOTS:
        for name, timeline in result.evidence.slot(slot_name).timelines.items():
            for i, t in enumerate(timeline.times_s):
                for series, values in timeline.series.items():
                    writer.writerow((slot_name, name, t, "", series, _cell(values[i]), timeline.units.get(series, ""), ""))
                for series, labels in timeline.labels.items():
                    writer.writerow((slot_name, name, t, "", series, "", "", _cell(labels[i])))
            for event in timeline.events:
                writer.writerow((slot_name, name, event.start_s, _cell(event.end_s), f"event:{event.kind}",
                                 _cell(event.value), "", event.label))
    return out.getvalue()


def _cell(value) -> str | float:
    return "" if value is None else value


@hookimpl
def register_exporters(register):
    register("json", export_result_json, ".json")
    register("saber", export_saber, ".saber.json")
    register("timelines", export_timelines_csv, ".timelines.csv")
