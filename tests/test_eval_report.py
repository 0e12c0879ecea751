"""The evaluation report: the terminal table and the plot files."""

from saber_agent.eval.metrics import evaluate
from saber_agent.eval.report import metric_rows, render, save_plots


def _record(id_, basic, valence_label, gold, conflicts=()):
    return {
        "id": id_, "status": "ok", "labels": {"emotion": gold},
        "prediction": {"emotions": [basic], "basic_emotion": basic, "valence": 0.0, "valence_label": valence_label,
                       "arousal": 0.5},
        "conflicts": [{"modalities": list(c)} for c in conflicts], "saber": {"sentiment_analysis": "x"},
    }


RECORDS = [
    _record("a", "happiness", "positive", "happy"),
    _record("b", "anger", "negative", "angry", conflicts=[("face", "words")]),
    _record("c", "neutral", "neutral", "sad"),
    {"id": "d", "status": "error", "error": "broken", "labels": {"emotion": "sad"}},
]


def test_the_table_has_a_column_per_split_and_the_per_class_scores():
    text = render(evaluate(RECORDS))
    header, rule, *rows = text.split("\n\n")[0].splitlines()
    assert header.split() == ["metric", "all", "agree", "conflict"]
    by_name = {r.rsplit(None, 3)[0].strip(): r.split()[-3:] for r in rows}
    # the error line d counts in all clips, in no split (before: in "agree", whose modalities it never showed)
    assert by_name["clips"] == ["4", "2", "1"] and by_name["errors"] == ["1", "0", "0"]
    assert by_name["basic: accuracy (no finding = wrong)"] == ["0.667", "0.500", "1.000"]
    assert by_name["basic: coverage"] == ["1.000", "1.000", "1.000"]
    assert "not scored (no whole-clip answer)" not in by_name  # none: no empty row
    assert "judge: clue overlap (1-10)" not in by_name  # no judge: no empty rows
    assert "basic classes, all clips" in text and "sadness" in text
    assert "0 clip(s) from the manifest, 3 from the named conflicts" in text
    assert dict(metric_rows(evaluate(RECORDS)))["open vocab: F_s"][2] == 1.0


def test_plots_are_written_as_png_files(tmp_path):
    paths = save_plots(evaluate(RECORDS), tmp_path / "plots")
    assert sorted(p.name for p in paths) == ["confusion_basic.png", "confusion_valence.png", "splits.png"]
    for path in paths:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5000


def test_a_report_without_labels_says_so():
    report = evaluate([{**r, "labels": {}} for r in RECORDS])
    assert "3 analysed clip(s) have no gold label" in render(report)
    assert report.splits["all"].basic is None
