"""A notebook run in a real kernel (nbclient): contracts, evaluations, explanations, sweeps and schedules show
as HTML tables, charts as images, with no print and no `%matplotlib inline`."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "tests" / "data" / "notebook.ipynb"


def test_results_display_themselves_in_a_notebook():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    shown = [cell.outputs[-1]["data"] for cell in cells]  # each cell's value, as the notebook shows it
    contract, evaluation, explanation, sweep, sweep_chart, schedule, schedule_chart = shown
    assert "<b>capstone_liggett_2002: Stock Option Agreement with Emily M. Liggett</b>" in contract["text/html"]
    assert "Art. II §5" in contract["text/html"]  # a clause's citation
    # 15 x 80,000 + floor(80,000 x 23 / 29) = 1,263,448 vested; exercisable until 2004-11-21
    assert "<td>vested</td><td>1,263,448</td>" in evaluation["text/html"]
    assert "2004-11-21" in evaluation["text/html"] and "violations: none" in evaluation["text/html"]
    assert "1,263,448" in explanation["text/html"]
    # without cause 1,263,448; for cause the pro rata part is not vested: 1,200,000
    assert "1,263,448" in sweep["text/html"] and "1,200,000" in sweep["text/html"]
    assert "2004-03-15" in schedule["text/html"]
    for chart in (sweep_chart, schedule_chart):
        assert chart["image/png"]  # base64 PNG
        assert "image/svg+xml" in chart
