"""Charts for sweeps and schedules, with matplotlib (an optional extra, `plot`).

Figures are made without pyplot's global state, in one fixed style (the font matplotlib ships, a fixed size and
resolution), so they look the same in a script, a test and a notebook. A chart is a `Chart`: it shows itself in
a notebook (`_repr_png_`, `_repr_svg_`) without `%matplotlib inline`; `save` writes PNG or SVG by the file's
suffix.

What is drawn: a schedule's figures as steps, the last one as wide as a twentieth of the span (at least a month)
so that it shows, and the timeline's events as vertical lines; a sweep over dates as points joined by lines (it
is sampled, not a step function), and a sweep with one value of its x (reasons compared on one date) as bars.
Series with the same values are drawn once, their names merged (`vested = exercisable`). The y axis starts at 0.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from optionrules.errors import install_hint

if TYPE_CHECKING:
    from optionrules.schedule import VestingTable
    from optionrules.timeline import Event
    from optionrules.whatif import WhatIf

INSTALL_HINT = f"charts need matplotlib: {install_hint('plot')}"
STYLE: dict[str, Any] = {"font.family": "DejaVu Sans", "font.size": 10, "figure.dpi": 100, "savefig.dpi": 100,
         "svg.hashsalt": "optionrules"}
MARKERS = "osD^v<>ph*"
DASHES = ("-", "--", "-.", ":")


def _width(n: int) -> float:
    """The nth series is drawn thinner, over the ones before: where lines coincide, each still shows."""
    return max(4.5 - 1.3 * n, 1.0)


class ChartError(Exception):
    """A chart that cannot be made: matplotlib is missing, or the file type is not PNG or SVG."""


class Chart:
    """A matplotlib figure that shows itself in a notebook; `.figure` is the figure."""

    def __init__(self, figure: Any):
        self.figure = figure

    def savefig(self, target: Any, **options: Any) -> None:
        self.figure.savefig(target, **options)

    def _repr_png_(self) -> bytes:
        out = io.BytesIO()
        self.figure.savefig(out, format="png")
        return out.getvalue()

    def _repr_svg_(self) -> str:
        out = io.StringIO()
        self.figure.savefig(out, format="svg")
        return out.getvalue()


def _style() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise ChartError(INSTALL_HINT) from None
    from cycler import cycler

    colors = matplotlib.rcParamsDefault["axes.prop_cycle"].by_key()["color"]
    style: Any = {**STYLE, "axes.prop_cycle": cycler(color=colors)}  # matplotlib types its keys as literals
    return matplotlib.rc_context(style)


def _axes() -> tuple[Any, Any]:
    from matplotlib.figure import Figure

    chart = Figure(figsize=(9, 5), layout="constrained")
    return chart, chart.subplots()


def _merged(series: dict[str, list[tuple[Any, Any]]]) -> dict[str, list[tuple[Any, Any]]]:
    """Series with the same points, once: their names joined (`vested = exercisable`)."""
    by_points: dict[tuple[tuple[Any, Any], ...], list[str]] = {}
    for name, points in series.items():
        by_points.setdefault(tuple(points), []).append(name)
    return {" = ".join(names): list(points) for points, names in by_points.items()}


def sweep_chart(sweep: WhatIf, figure: str = "exercisable") -> Chart:
    """`figure` against the varied date (or the first varied value), one series per other combination; bars
    where each series has one point."""
    if not sweep.rows:
        raise ChartError("nothing to plot: the sweep has no rows")
    if figure not in sweep.rows[0] or figure in sweep.columns:
        raise ChartError(f"no figure {figure!r} to plot")
    x = next((c for c in sweep.columns if isinstance(sweep.rows[0][c], date)), sweep.columns[0])
    others = [c for c in sweep.columns if c != x]
    series: dict[str, list[tuple[Any, Any]]] = {}
    for row in sweep.rows:
        series.setdefault(", ".join(str(row[c]) for c in others) or figure, []).append((row[x], row[figure]))
    with _style():
        chart, axes = _axes()
        if len({row[x] for row in sweep.rows}) == 1 or not isinstance(sweep.rows[0][x], date):
            _bars(axes, sweep, figure)
        else:
            days = [row[x] for row in sweep.rows]
            _mark(axes, [e for e in sweep.events if min(days) <= e.date <= max(days)])  # those in the sweep's span
            _lines(axes, _merged(series), others)
            axes.set_xlabel(x)
        axes.set_ylabel(f"{figure} (shares)")
        axes.set_title(f"{figure} by {', '.join(sweep.columns)}")
        _finish(axes)
    return Chart(chart)


def _lines(axes: Any, series: dict[str, list[tuple[Any, Any]]], others: Sequence[str]) -> None:
    """Points joined by lines, each series its own marker."""
    for n, (label, points) in enumerate(series.items()):
        axes.plot([p[0] for p in points], [p[1] for p in points], label=label, marker=MARKERS[n % len(MARKERS)],
                  markersize=_width(n) + 3, linewidth=_width(n), zorder=2 + n)
    if others:
        axes.legend(title=", ".join(others), fontsize="small")


def _bars(axes: Any, sweep: WhatIf, figure: str) -> None:
    """One bar per row, named by the values that vary (those that do not said in the axis's label)."""
    varying = [c for c in sweep.columns if len({row[c] for row in sweep.rows}) > 1] or sweep.columns[:1]
    fixed = [f"{c} = {sweep.rows[0][c]}" for c in sweep.columns if c not in varying]
    labels = [", ".join(str(row[c]) for c in varying) for row in sweep.rows]
    values = [row[figure] for row in sweep.rows]
    bars = axes.bar(range(len(values)), values, color=[f"C{n % 10}" for n in range(len(values))])
    axes.bar_label(bars, labels=[f"{v:,}" for v in values], fontsize="small")
    axes.set_xticks(range(len(values)), labels)
    axes.set_xlabel(", ".join(varying) + (f" ({', '.join(fixed)})" if fixed else ""))


def schedule_chart(table: VestingTable, figures: Sequence[str] = ("vested", "exercisable", "forfeited", "expired")
                   ) -> Chart:
    """The figures over time, as steps; the timeline's events as vertical lines."""
    if not table.rows:
        raise ChartError("nothing to plot: the schedule has no rows")
    days = [row.date for row in table.rows]
    end = days[-1] + max(timedelta(days=31), (days[-1] - days[0]) / 20)  # the last step has width
    series = {f: [*((row.date, row.figures[f]) for row in table.rows), (end, table.rows[-1].figures[f])]
              for f in figures if f in table.rows[0].figures}
    with _style():
        chart, axes = _axes()
        for n, (label, points) in enumerate(_merged(series).items()):
            axes.plot([p[0] for p in points], [p[1] for p in points], label=label, drawstyle="steps-post",
                      color=f"C{n}", linewidth=_width(n), linestyle=DASHES[n % len(DASHES)], zorder=2 + n)
        _mark(axes, table.events)
        axes.set_title(table.title)
        axes.set_xlabel("date")
        axes.set_ylabel("shares")
        axes.legend(fontsize="small")
        _finish(axes)
    return Chart(chart)


def _mark(axes: Any, events: Sequence[Event]) -> None:
    """The timeline's events as vertical lines, each named."""
    for n, event in enumerate(events):
        axes.axvline(event.date, color="0.4", linestyle="--", linewidth=1, label="events" if n == 0 else None)
        axes.annotate(event.name, (event.date, 1), xycoords=("data", "axes fraction"), rotation=90, va="top",
                      ha="right", fontsize="small", color="0.3")


def _finish(axes: Any) -> None:
    from matplotlib.ticker import FuncFormatter

    axes.set_ylim(bottom=0)
    axes.grid(True, alpha=0.3)
    axes.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))


def save(chart: Chart, path: str | Path) -> None:
    suffix = Path(path).suffix.lower()
    if suffix not in (".png", ".svg"):
        raise ChartError(f"write the chart to a .png or .svg file, not {str(path)!r}")
    chart.savefig(path, format=suffix[1:])
