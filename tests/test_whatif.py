"""whatif sweeps and the vesting table (schedule), through the API and the command line."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import date
from xml.etree import ElementTree

import pytest

from tests.conftest import REFERENCE, ROOT
from tests.helpers import termination

REASONS = ["without_cause", "death", "cause"]
MONTHLY_2003_2004 = "termination.date=2003-01-31..2004-12-31 step 1 month"


def sweep(reference, *vary, as_of="event+0"):
    return reference.whatif([], list(vary), as_of)


def test_rows_equal_individual_evaluations(reference):
    result = sweep(reference, MONTHLY_2003_2004, f"termination.reason={','.join(REASONS)}",
                   "assume pro_rata_days=exclusive,inclusive", as_of="event+3")
    assert len(result.rows) == 24 * 3 * 2  # 24 month-ends, 3 reasons, 2 readings
    for row in result.rows:
        expected = reference.evaluate([termination(row["termination.date"].isoformat(), row["termination.reason"])],
                                      row["as_of"], assume={"pro_rata_days": row["assume pro_rata_days"]})
        assert {k: row[k] for k in expected.figures()} == expected.figures()


def test_dates_step_from_the_anchor(reference):
    dates = [row["termination.date"] for row in sweep(reference, MONTHLY_2003_2004, "termination.reason=death").rows]
    # from 2003-01-31, never stepped: February falls back to its last day, March is back on the 31st
    assert dates[:3] == [date(2003, 1, 31), date(2003, 2, 28), date(2003, 3, 31)]
    assert dates[12] == date(2004, 1, 31) and dates[13] == date(2004, 2, 29)


def test_as_of_relative_and_fixed(reference):
    relative = sweep(reference, "termination.date=2004-03-15", "termination.reason=without_cause",
                     as_of="event+5").rows[0]
    assert relative["as_of"] == date(2004, 3, 20) and relative["vested"] == 1_263_448
    fixed = sweep(reference, "termination.date=2004-03-15", "termination.reason=without_cause",
                  as_of="2004-11-22").rows[0]
    assert fixed["expired"] == 1_263_448


def test_csv_and_json_parse(reference):
    result = sweep(reference, "termination.date=2004-03-15,2005-01-10", "termination.reason=without_cause,cause")
    rows = list(csv.DictReader(io.StringIO(result.to_csv())))
    assert len(rows) == 4 and rows[0]["termination.date"] == "2004-03-15" and rows[0]["vested"] == "1263448"
    assert rows[3]["exercise_deadline"] == ""  # Cause: no deadline
    objects = json.loads(result.to_json())["rows"]
    assert objects[1]["termination.reason"] == "cause" and objects[1]["exercise_deadline"] is None
    assert set(objects[0]) == {"termination.date", "termination.reason", "as_of", "vested", "exercised",
                               "exercisable", "unvested", "forfeited", "expired", "exercise_deadline",
                               "sale_blocked"}


@pytest.mark.parametrize(("spec", "message"), [
    ("nosuch.date=2003-01-01", "unknown event 'nosuch'"),
    ("termination.date=2003-01-01..2002-01-01", "the range is empty"),
    ("termination.date=2003-01-01..2004-01-01 step 0 days", "the step must be at least 1 day"),
    ("termination.date=2003-01-01..2004-01-01 step 1 fortnight", "is not days, weeks, months or years"),
    ("termination.date=2003-02-30", "not a possible date"),
    ("termination.reason=fired", "'fired' is not a termination_reason"),
    ("termination.color=red", "termination has no field 'color'"),
    ("termination", "write NAME=VALUES"),
    ("assume nosuch=a", "no assumption 'nosuch'"),
    ("assume pro_rata_days=sometimes", "'sometimes' is not a reading of pro_rata_days"),
])
def test_bad_vary_specs(reference, spec, message):
    with pytest.raises(ValueError, match=message):
        sweep(reference, spec, "termination.reason=death", "termination.date=2004-01-01")


def test_an_added_event_needs_every_attribute(reference):
    with pytest.raises(ValueError, match=r"needs termination.reason=\.\.\."):
        sweep(reference, "termination.date=2004-01-01")


def test_chart_png_and_svg(reference, tmp_path):
    from optionrules.charts import save

    result = sweep(reference, MONTHLY_2003_2004, "termination.reason=without_cause,cause")
    save(result.plot("vested"), tmp_path / "sweep.png")
    assert (tmp_path / "sweep.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    save(result.plot(), tmp_path / "sweep.svg")
    assert ElementTree.parse(tmp_path / "sweep.svg").getroot().tag.endswith("svg")


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "optionrules", *args], capture_output=True, text=True, cwd=ROOT)


def test_cli_whatif_formats_and_chart(tmp_path):
    common = ["whatif", str(REFERENCE), "--vary", "termination.date=2004-03-15,2005-01-10",
              "--vary", "termination.reason=without_cause,cause"]
    rows = json.loads(run_cli(*common, "--format", "json").stdout)["rows"]
    # 2004-03-15: 15 installments + floor(80,000 x 23 / 29) = 1,263,448; for Cause the 15 installments only.
    # 2005-01-10: 25 installments (to 2004-12-21) + floor(80,000 x 20 / 31) (2004-12-21 .. 2005-01-10 = 20 days
    # of the 31 to 2005-01-21) = 2,000,000 + 51,612; for Cause 2,000,000.
    assert [r["vested"] for r in rows] == [1_263_448, 1_200_000, 2_051_612, 2_000_000]
    chart = tmp_path / "c.png"
    result = run_cli(*common, "--format", "csv", "--chart", str(chart))
    assert result.returncode == 0 and chart.read_bytes()[:4] == b"\x89PNG"
    assert result.stdout.splitlines()[0].startswith("termination.date,termination.reason,as_of,vested")
    bad = run_cli("whatif", str(REFERENCE), "--vary", "termination.date=2003-01-01..2002-01-01",
                  "--vary", "termination.reason=death")
    assert bad.returncode == 2 and "the range is empty" in bad.stderr and "Traceback" not in bad.stderr
    wrong_chart = run_cli(*common, "--chart", str(tmp_path / "c.gif"))
    assert wrong_chart.returncode == 2 and ".png or .svg" in wrong_chart.stderr


def test_schedule_table(reference):
    table = reference.schedule([termination("2004-03-15", "without_cause")])
    by_date = {row.date: row for row in table.rows}
    assert by_date[date(2002, 12, 21)].figures["vested"] == 80_000
    assert by_date[date(2004, 2, 21)].figures["vested"] == 1_200_000
    ended = by_date[date(2004, 3, 15)]
    assert ended.changes["vested"] == (1_200_000, 1_263_448)
    assert {c.name for c in ended.clauses} >= {"service", "pro_rata_on_termination", "ordinary_termination"}
    expired = by_date[date(2004, 11, 22)]
    assert expired.changes["expired"] == (0, 1_263_448) and expired.clauses[0].citation == "Art. II §5"
    assert date(2004, 3, 21) not in by_date  # no installment vests after service ends
    assert table.to_csv().startswith("date,vested,exercised,")
    assert json.loads(table.to_json())["rows"][0]["date"] == "2002-11-21"


def test_cli_schedule(tmp_path):
    timeline = tmp_path / "t.json"
    timeline.write_text(json.dumps([termination("2004-03-15", "without_cause")]))
    result = run_cli("schedule", str(REFERENCE), "--timeline", str(timeline), "--chart", str(tmp_path / "s.svg"))
    assert result.returncode == 0 and "2004-03-15" in result.stdout
    assert ElementTree.parse(tmp_path / "s.svg").getroot().tag.endswith("svg")
