"""Charts: what they draw (bars for one point per series, points and lines for a sampled sweep, steps with a
last step of some width, events as vertical lines, y from 0, names merged where series coincide), and how they
look: each compared with a baseline image (tests/baseline/; matplotlib's own comparison, with a tolerance).

Figures of the reference agreement (3,840,000 shares, 80,000 a month from 2002-12-21): a termination on
2004-03-15 leaves 15 x 80,000 = 1,200,000 vested plus, for the reasons with pro rata vesting, floor(80,000 x
23 / 29) = 63,448: 1,263,448; for cause, the pro rata part is not vested: 1,200,000.
To make the baselines anew after a deliberate change: OPTIONRULES_NEW_BASELINES=1 pytest tests/test_charts.py
(and look at each image before committing it).
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

from matplotlib.testing.compare import compare_images

from optionrules.charts import Chart, save
from tests.helpers import termination

BASELINE = Path(__file__).resolve().parent / "baseline"
REASONS = "termination.reason=without_cause,resignation,death,cause"


def looks_like_its_baseline(chart: Chart, name: str, tmp_path: Path) -> None:
    actual = tmp_path / name
    save(chart, actual)
    expected = BASELINE / name
    if os.environ.get("OPTIONRULES_NEW_BASELINES"):
        expected.write_bytes(actual.read_bytes())
    assert compare_images(str(expected), str(actual), tol=2) is None


def lines_of(chart: Chart) -> dict[str, object]:
    (axes,) = chart.figure.axes
    return {line.get_label(): line for line in axes.get_lines()}


def test_reasons_compared_on_one_date_are_bars(reference, tmp_path):
    chart = reference.whatif([], ["termination.date=2004-03-15", REASONS], "event+0").plot("vested")
    (axes,) = chart.figure.axes
    heights = [bar.get_height() for bar in axes.patches]
    assert heights == [1_263_448, 1_263_448, 1_263_448, 1_200_000]
    assert [t.get_text() for t in axes.get_xticklabels()] == ["without_cause", "resignation", "death", "cause"]
    assert axes.get_xlabel() == "termination.reason (termination.date = 2004-03-15)"
    assert axes.get_ylim()[0] == 0
    looks_like_its_baseline(chart, "sweep_reasons.png", tmp_path)


def test_a_monthly_sweep_is_points_and_lines_and_equal_series_are_merged(reference, tmp_path):
    chart = reference.whatif([], ["termination.date=2003-11-21..2004-11-21 step 1 month",
                                  "termination.reason=without_cause,resignation,cause"], "event+0").plot()
    lines = lines_of(chart)
    # without cause and after a resignation the same shares are exercisable: one line, both named
    assert set(lines) == {"without_cause = resignation", "cause"}
    merged = lines["without_cause = resignation"]
    assert merged.get_drawstyle() == "default" and merged.get_marker() == "o"
    assert len(merged.get_xdata()) == 13  # 2003-11-21 .. 2004-11-21, monthly
    # on 2003-11-21, 12 installments: 12 x 80,000 = 960,000 exercisable
    assert merged.get_ydata()[0] == 960_000 and list(lines["cause"].get_ydata()) == [0] * 13
    (axes,) = chart.figure.axes
    assert axes.get_xlabel() == "termination.date" and axes.get_ylim()[0] == 0
    looks_like_its_baseline(chart, "sweep_monthly.png", tmp_path)


def test_a_schedule_is_steps_with_a_wide_last_step_and_its_events_marked(reference, tmp_path):
    table = reference.schedule([termination("2004-03-15", "without_cause")])
    chart = table.plot()
    lines = lines_of(chart)
    vested = lines["vested"]
    assert vested.get_drawstyle() == "steps-post"
    # the last row is the day after the deadline (2004-11-22); the last step runs on past it
    last = table.rows[-1].date
    assert last == date(2004, 11, 22)
    assert vested.get_xdata()[-1] >= last + timedelta(days=31)
    assert vested.get_ydata()[-1] == vested.get_ydata()[-2] == 1_263_448
    # vested is drawn wider than exercisable, which runs over it until the deadline
    assert vested.get_linewidth() > lines["exercisable"].get_linewidth()
    (event,) = [line for line in lines.values() if line.get_label() == "events"]
    assert list(event.get_xdata()) == [date(2004, 3, 15)] * 2
    (axes,) = chart.figure.axes
    assert axes.get_xlabel() == "date" and axes.get_ylim()[0] == 0
    looks_like_its_baseline(chart, "schedule_termination.png", tmp_path)


def test_a_chart_shows_itself_in_a_notebook(reference):
    chart = reference.schedule([]).plot()
    assert chart._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in chart._repr_svg_()


def test_a_sweep_marks_the_base_timeline_s_events_in_its_span(reference):
    base = [{"date": "2004-02-01", "event": "exercise", "shares": 100_000, "method": "cash"},
            {"date": "2010-01-01", "event": "exercise", "shares": 1, "method": "cash"}]  # after the sweep: not marked
    chart = reference.whatif(base, ["termination.date=2003-11-21..2004-11-21 step 1 month",
                                    "termination.reason=without_cause,cause"], "event+0").plot()
    (event,) = [line for label, line in lines_of(chart).items() if label == "events"]
    assert list(event.get_xdata()) == [date(2004, 2, 1)] * 2
    (axes,) = chart.figure.axes
    assert [t.get_text() for t in axes.texts] == ["exercise"]
