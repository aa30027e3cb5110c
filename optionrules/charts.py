"""Charts for sweeps and schedules, with matplotlib (an optional extra: `pip install 'optionrules[plot]'`).

Figures are made without pyplot's global state, so they work the same in a script, a test
and a notebook; `save` writes PNG or SVG by the file's suffix.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from optionrules.schedule import VestingTable
    from optionrules.whatif import WhatIf

INSTALL_HINT = "charts need matplotlib: pip install 'optionrules[plot]'"


class ChartError(Exception):
    """A chart that cannot be made: matplotlib is missing, or the file type is not PNG or SVG."""


def _figure() -> Any:
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ChartError(INSTALL_HINT) from None
    return Figure(figsize=(9, 5), layout="constrained")


def sweep_chart(sweep: WhatIf, figure: str = "exercisable") -> Any:
    """`figure` against the varied date (or the first varied value), one line per other combination."""
    if not sweep.rows:
        raise ChartError("nothing to plot: the sweep has no rows")
    if figure not in sweep.rows[0] or figure in sweep.columns:
        raise ChartError(f"no figure {figure!r} to plot")
    x = next((c for c in sweep.columns if isinstance(sweep.rows[0][c], date)), sweep.columns[0])
    others = [c for c in sweep.columns if c != x]
    lines: dict[tuple[Any, ...], list[tuple[Any, Any]]] = {}
    for row in sweep.rows:
        lines.setdefault(tuple(row[c] for c in others), []).append((row[x], row[figure]))
    chart = _figure()
    axes = chart.subplots()
    for key, points in lines.items():
        label = ", ".join(f"{c} = {v}" for c, v in zip(others, key)) or figure
        axes.plot([p[0] for p in points], [p[1] for p in points], label=label, drawstyle="steps-post")
    axes.set_xlabel(x)
    axes.set_ylabel(figure)
    axes.set_title(f"{figure} by {x}")
    axes.grid(True, alpha=0.3)
    if len(lines) > 1 or others:
        axes.legend(fontsize="small")
    _thousands(axes)
    return chart


def schedule_chart(table: VestingTable, figures: Sequence[str] = ("vested", "exercisable", "forfeited", "expired")
                   ) -> Any:
    """The figures over time, as steps."""
    if not table.rows:
        raise ChartError("nothing to plot: the schedule has no rows")
    chart = _figure()
    axes = chart.subplots()
    days = [row.date for row in table.rows]
    for figure in figures:
        axes.plot(days, [row.figures[figure] for row in table.rows], label=figure, drawstyle="steps-post")
    axes.set_title(table.title)
    axes.set_ylabel("shares")
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize="small")
    _thousands(axes)
    return chart


def _thousands(axes: Any) -> None:
    from matplotlib.ticker import FuncFormatter

    axes.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))


def save(chart: Any, path: str | Path) -> None:
    suffix = Path(path).suffix.lower()
    if suffix not in (".png", ".svg"):
        raise ChartError(f"write the chart to a .png or .svg file, not {str(path)!r}")
    chart.savefig(path, format=suffix[1:])
