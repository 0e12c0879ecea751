"""Figures of the timelines and the per-modality estimates: drawn when there is data, None when not."""

import io

import pytest

pytest.importorskip("matplotlib", reason="the ui extra (matplotlib) is not installed")

from saber_agent.evidence import ModalityCue, Timeline, TimelineEvent  # noqa: E402
from saber_agent.ui import plots  # noqa: E402


def png_bytes(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


FACE = {"expression": Timeline(
    times_s=[0.0, 0.5, 1.0, 1.5],
    series={"happiness": [0.9, 0.8, None, 0.1], "anger": [0.05, 0.1, None, 0.85], "neutral": [0.05, 0.1, None, 0.05]},
    events=[TimelineEvent(start_s=1.4, end_s=1.6, label="anger", kind="micro_expression")],
)}


def prosody(series, events=()):
    times = [0.05 + 0.1 * i for i in range(len(next(iter(series.values()))))]
    return {"prosody": Timeline(times_s=times, series=series, events=list(events))}


def test_expression_figure_one_line_per_class_and_events_marked():
    fig = plots.expression_figure(FACE)
    (ax,) = fig.axes
    labels = [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert labels == ["anger", "happiness", "neutral"]
    assert [t.get_text() for t in ax.texts] == ["anger"]  # the micro-expression is annotated
    assert ax.get_ylim() == (0, 1.02)
    assert png_bytes(fig)[:8] == b"\x89PNG\r\n\x1a\n"


def test_prosody_figure_has_a_panel_per_contour_present():
    both = plots.prosody_figure(prosody({"f0_hz": [100, 0, 120], "intensity_db": [60, 61, 62]}))
    assert len(both.axes) == 2
    pitch_only = plots.prosody_figure(prosody({"f0_hz": [100, 120]}))
    assert len(pitch_only.axes) == 1 and pitch_only.axes[0].get_ylabel() == "F0 (Hz)"
    assert plots.prosody_figure({"prosody": Timeline(events=[TimelineEvent(start_s=0.1, kind="pause")])}) is None


def test_prosody_figure_shades_pauses_and_marks_emphasis():
    m = prosody({"f0_hz": [110, None, 120, 100], "intensity_db": [70, -80, 72, 69]},
                [TimelineEvent(start_s=0.1, end_s=0.2, label="pause", kind="pause"),
                 TimelineEvent(start_s=0.25, label="emphasis", kind="emphasis")])
    fig = plots.prosody_figure(m)
    pitch, intensity = fig.axes
    assert len(pitch.patches) == 1 and len(intensity.patches) == 1  # the pause, on both panels
    assert [line.get_label() for line in pitch.get_lines()][-1] == "emphasis"
    assert intensity.get_ylim()[0] > 0  # the -80 dB silence is a gap, not the bottom of the axis


def test_activity_figure_lines_per_region_with_the_unit_and_gestures():
    unit = "mean optical flow, % of the frame width per second"
    m = {"activity": Timeline(times_s=[0.25, 0.75, 1.25], series={"upper_body": [0.1, 2.0, 0.3], "hands_sides": [0.0, 0.4, 0.2]},
                              units={"upper_body": unit, "hands_sides": unit},
                              events=[TimelineEvent(start_s=0.5, end_s=1.0, label="nod", kind="nod")])}
    fig = plots.activity_figure(m)
    (ax,) = fig.axes
    assert [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")] == ["upper body", "hands sides"]
    assert ax.get_ylabel() == "activity"
    assert "nod" in [t.get_text() for t in ax.texts]
    assert "activity: mean optical flow" in ax.get_xlabel()
    assert png_bytes(fig)


def test_cues_figure_bars_per_modality():
    cues = [ModalityCue(modality="face", valence=0.8, arousal=0.6, emotion="happiness", confidence=0.9),
            ModalityCue(modality="words", valence=-0.7, arousal=0.7, emotion="anger", confidence=0.8),
            ModalityCue(modality="face", valence=0.1, confidence=0.1)]  # the less confident face cue is dropped
    fig = plots.cues_figure(cues)
    valence, arousal = fig.axes
    assert [p.get_width() for p in valence.patches] == [0.8, -0.7]
    assert [p.get_width() for p in arousal.patches] == [0.6, 0.7]
    rows = {t.get_text(): t.get_position()[1] for t in valence.get_yticklabels()}
    assert rows["face"] > rows["words"]  # face first, from the top


@pytest.mark.parametrize("draw, data", [
    (plots.expression_figure, {}), (plots.expression_figure, None), (plots.activity_figure, {"activity": "x"}),
    (plots.prosody_figure, []), (plots.cues_figure, []), (plots.cues_figure, None),
])
def test_nothing_to_draw_gives_none(draw, data):
    assert draw(data) is None
