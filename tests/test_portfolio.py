"""Whole cap tables: every grant of a form at once (`optionrules.portfolio`), the columnar evaluator against the
scalar engine, grants bound to a form against grants checked whole, bad rows, what-ifs and sampled scenarios.

The Acme form (contracts/acme/acme_option_form.contract) vests 25% on the first anniversary of the
commencement date and 1/48 a month after (48 installments, a 12-month cliff, rounded down, the remainder on
the last); its plan forfeits the unvested shares on a termination and leaves 90 days to exercise (a year on
death or disability), forfeits everything for cause, and on a change of control not assumed vests everything
and ends the option on the closing.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optionrules import portfolio
from optionrules.binding import Form
from optionrules.columnar import add_months
from optionrules.compile import compile_plan
from optionrules.errors import Problems
from optionrules.evaluate import evaluate as replay
from optionrules.grants import check_grants, load_grants
from optionrules.tables import from_frame
from optionrules.timeline import Event
from optionrules.values import MissingDay
from optionrules.values import add_months as scalar_add_months
from tests.conftest import ROOT

ACME = ROOT / "contracts" / "acme"
FORM = ACME / "acme_option_form.contract"
GRANTS = ACME / "acme_grants.csv"
REASONS = ("without_cause", "resignation", "cause", "death", "disability")
FIGURES = ("granted", "vested", "exercised", "exercisable", "unvested", "forfeited", "expired",
           "exercise_deadline", "sale_blocked", "violations")

# A form of other constructs: quarterly installments rounded cumulatively after a 6-month cliff, a missing day
# moving to the first of the next month, exclusive service and windows, a window set by a parameter of days.
OTHER = """\
form quarterly "A test form" (
  holder: text,
  units: shares,
  granted_on: date,
  starts: date,
  price: money,
  window: days,
) {
  company: "Test"
}

enum reason_t { quit, fired, died }
event leave(why: reason_t)
event merger
event exercise(shares: shares)

conventions "§1" {
  missing_day: first_of_next_month
  until: exclusive
}

service "§2" {
  ends_on: leave
  through: exclusive
}

grant "§3" {
  optionee: holder
  shares: units
  exercise_price: price
  grant_date: granted_on
  commencement: starts
}

term "§4" {
  expiration: granted_on + 7 years
  caps_windows: yes
}

exercise "§4" on exercise {
  shares: shares
}

vesting quarters "§5" {
  installments: 16
  every: 3 months
  from: starts
  cliff: 6 months
  rounding: half_up
  rounding_basis: cumulative
}

rule quit "§6" on leave when why = quit {
  forfeit: unvested
  exercisable_until: later_of(leave + window, starts + 1 year)
}

rule fired "§7" on leave when why = fired {
  forfeit: all
}

rule died "§8" on leave when why = died {
  forfeit: unvested
  exercisable_until: earlier_of(leave + 2 years, granted_on + 20 years)
}
"""
# The same form stepping by days, rounded up per installment with the remainder spread over the first ones.
DAYS = OTHER.replace("every: 3 months", "every: 45 days").replace(
    "rounding: half_up\n  rounding_basis: cumulative", "rounding: up\n  rounding_basis: per_installment\n"
    "  remainder: spread_first")


@pytest.fixture(scope="module")
def acme() -> Form:
    return Form.load(FORM)


def other_form(text: str = OTHER) -> Form:
    return Form.of(text, "quarterly.contract")


def check_grants_contracts(form_file, grants):
    """Every grant checked whole, without binding (as without the [portfolio] extra)."""
    made, problems, _ = check_grants(form_file, grants)
    assert not problems
    return [contract for _, contract in made]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "optionrules", *args], capture_output=True, text=True, cwd=ROOT)


def figures_of(form: Form, grants: pa.Table, events: pa.Table | None, as_of: tuple[date, ...],
               columnar: bool) -> tuple[pa.Table, portfolio.Figures]:
    """The rows of one evaluation, by the columnar evaluator where it covers them or by the scalar engine (the
    rows the checker refuses are left out)."""
    problems = Problems("test")
    prepared = portfolio.prepare(portfolio.Engine(form, form.model.readings(), columnar), from_frame(grants, "g"),
                                 from_frame(events, "e") if events is not None else None, problems)
    figures = portfolio.run(prepared, as_of)
    return portfolio.to_table(prepared, figures, as_of, None), figures


def scalar_answers(form: Form, grants: pa.Table, events: list[tuple[str, date, str, dict]], as_of):
    """Each grant checked whole by the checker (the slow path), replayed against its events; None for a grant
    the checker refuses."""
    answers = {}
    for row in grants.to_pylist():
        model, diagnostics = form.check_row({k: v for k, v in row.items() if k != "id"})
        if diagnostics:
            answers[row["id"]] = None
            continue
        plan = compile_plan(model, model.readings())
        timeline = tuple(sorted((Event(i, d, name, attrs) for i, (g, d, name, attrs) in
                                 enumerate(e for e in events if e[0] == row["id"])), key=lambda e: (e.date, e.index)))
        answers[row["id"]] = [replay(plan, timeline, day) for day in as_of]
    return answers


# ---- The calendar over columns ------------------------------------------------------------------------------


@given(st.lists(st.dates(), min_size=1, max_size=50), st.integers(-130_000, 130_000),
       st.sampled_from(list(MissingDay)))
@settings(max_examples=200, deadline=None)
def test_adding_months_over_columns_is_the_scalar_calendar(days, months, missing_day):
    got = add_months(np.array([d.toordinal() for d in days]), months, missing_day)
    assert [date.fromordinal(int(o)) for o in got] == [scalar_add_months(d, months, missing_day) for d in days]


# ---- The 20 Acme grants: the portfolio is 20 evaluations ------------------------------------------------------


def test_portfolio_of_the_acme_grants_is_twenty_evaluations(tmp_path):
    events = tmp_path / "events.csv"
    events.write_text("grant_id,date,event,reason,assumed\n"
                      "A-0003,2023-06-15,termination,without_cause,\n"
                      "A-0005,2022-02-01,termination,cause,\n"
                      "A-0011,2024-01-31,change_of_control,,false\n"
                      "A-0011,2024-03-01,termination,resignation,\n")
    dates = ["2022-04-30", "2023-09-13", "2024-06-30", "2031-04-02"]
    result = run_cli("portfolio", str(FORM), "--grants", str(GRANTS), "--events", str(events), "--format", "json",
                     *(a for d in dates for a in ("--as-of", d)))
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)["rows"]
    made, problems, _ = check_grants(FORM, GRANTS)  # every row checked whole, as `eval --grant` does
    assert problems == [] and len(made) == 20 and len(rows) == 20 * len(dates)
    timelines = {"A-0003": [{"date": "2023-06-15", "event": "termination", "reason": "without_cause"}],
                 "A-0005": [{"date": "2022-02-01", "event": "termination", "reason": "cause"}],
                 "A-0011": [{"date": "2024-01-31", "event": "change_of_control", "assumed": False},
                            {"date": "2024-03-01", "event": "termination", "reason": "resignation"}]}
    expected = [{"id": grant.id, **{k: v for k, v in contract.evaluate(timelines.get(grant.id, []), day).to_dict()
                                    .items() if k not in ("schema_version", "clauses", "violations")}, "violations": 0}
                for grant, contract in made for day in dates]
    assert rows == expected
    a3 = next(r for r in rows if r["id"] == "A-0003" and r["as_of"] == "2023-09-13")
    # 96,000 from 2021-03-31: 24,000 on the cliff (2022-03-31), then 2,000 a month through 2023-05-31
    # (14 more) = 52,000 vested at the termination on 2023-06-15; the rest forfeited; 90 days to exercise
    assert (a3["vested"], a3["forfeited"], a3["exercise_deadline"]) == (52_000, 44_000, "2023-09-13")


# ---- Columnar against scalar ------------------------------------------------------------------------------------

day_counts = st.integers(0, 365 * 12)
some_day = st.builds(lambda n, end: date(2015, 1, 1) + timedelta(days=n) if not end else
                     scalar_add_months(date(2015, 1, 31), n % 140), day_counts, st.booleans())
shares = st.one_of(st.integers(1, 60), st.integers(1, 10**7), st.sampled_from([48, 4_800, 4_801, 96_000]))


def other_rows(draw: st.DrawFn, n: int) -> tuple[pa.Table, list[tuple[str, date, str, dict]]]:
    starts = [draw(some_day) for _ in range(n)]
    table = pa.table({"id": [f"Q-{i}" for i in range(n)], "holder": ["h"] * n,
                      "units": [draw(shares) for _ in range(n)],
                      "granted_on": [s + timedelta(days=draw(st.integers(-60, 60))) for s in starts],
                      "starts": starts, "price": ["1.00"] * n,
                      "window": [draw(st.integers(0, 400)) for _ in range(n)]})
    events = []
    for i in range(n):
        for _ in range(draw(st.integers(0, 2))):
            when = starts[i] + timedelta(days=draw(st.integers(-30, 365 * 9)))
            if draw(st.integers(0, 5)):
                events.append((f"Q-{i}", when, "leave", {"why": draw(st.sampled_from(["quit", "fired", "died"]))}))
            else:
                events.append((f"Q-{i}", when, "merger", {}))
    return table, events


def events_table(events: list[tuple[str, date, str, dict]], attributes: tuple[str, ...]) -> pa.Table:
    return pa.table({"grant_id": [e[0] for e in events], "date": [e[1] for e in events],
                     "event": [e[2] for e in events],
                     **{a: pa.array([e[3].get(a) for e in events]) for a in attributes}})


@pytest.mark.parametrize("text", [OTHER, DAYS], ids=["quarters", "days"])
@given(data=st.data())
@settings(max_examples=25, deadline=None)
def test_columnar_scalar_and_checker_give_the_same_figures(text, data):
    form = other_form(text)
    grants, events = other_rows(data.draw, data.draw(st.integers(1, 12)))
    as_of = tuple(data.draw(st.lists(some_day, min_size=1, max_size=3)))
    table = events_table(events, ("why",)) if events else None
    columnar, how = figures_of(form, grants, table, as_of, columnar=True)
    scalar, _ = figures_of(form, grants, table, as_of, columnar=False)
    assert columnar.equals(scalar)
    checked = scalar_answers(form, grants, events, as_of)
    accepted = [grant for grant, answer in checked.items() if answer is not None]
    assert how.columnar + how.scalar == len(accepted)  # the others are refused, as the checker refuses them
    rows = columnar.to_pylist()
    assert list(dict.fromkeys(row["id"] for row in rows)) == accepted
    for k, row in enumerate(rows):
        expected = checked[row["id"]][k % len(as_of)]
        assert {f: row[f] for f in FIGURES[:-1]} == {f: expected.values[f] for f in FIGURES[:-1]}


def acme_rows(n: int, seed: int) -> tuple[pa.Table, pa.Table]:
    """n grants of the Acme form and their events: none for most, a termination (10% for cause), a change of
    control, or both."""
    rng = random.Random(seed)
    grant_dates = [date(2016, 1, 1) + timedelta(days=rng.randrange(3650)) for _ in range(n)]
    starts = [g - timedelta(days=rng.randrange(60)) if rng.random() < 0.7 else scalar_add_months(
        date(2016, 1, 31), rng.randrange(110)) for g in grant_dates]
    grants = pa.table({"id": [f"A-{i:05d}" for i in range(n)], "optionee": ["holder"] * n,
                       "shares": [rng.choice([48, 4_800, 12_000, 48_000]) + rng.randrange(48) for _ in range(n)],
                       "grant_date": grant_dates, "commencement": starts,
                       "exercise_price": ["USD 1.25"] * n})
    events: list[tuple[str, date, str, str | None, bool | None]] = []
    for i in range(n):
        kind = rng.random()
        when = starts[i] + timedelta(days=rng.randrange(-30, 3650))
        if kind < 0.3:
            events.append((f"A-{i:05d}", when, "termination", rng.choice(REASONS), None))
        elif kind < 0.35:
            events.append((f"A-{i:05d}", when, "change_of_control", None, rng.random() < 0.5))
            if rng.random() < 0.5:
                events.append((f"A-{i:05d}", when + timedelta(days=90), "termination", rng.choice(REASONS), None))
    table = pa.table({"grant_id": [e[0] for e in events], "date": [e[1] for e in events],
                      "event": [e[2] for e in events], "reason": [e[3] for e in events],
                      "assumed": pa.array([e[4] for e in events], pa.bool_())})
    return grants, table


def test_ten_thousand_grants_columnar_and_scalar_agree(acme):
    grants, events = acme_rows(10_000, seed=11)
    as_of = (date(2018, 6, 30), date(2021, 12, 31), date(2030, 1, 1))
    columnar, how = figures_of(acme, grants, events, as_of, columnar=True)
    scalar, _ = figures_of(acme, grants, events, as_of, columnar=False)
    assert how.columnar > 9_000 and how.scalar == 10_000 - how.columnar  # several events: the scalar engine
    assert columnar.equals(scalar)


# ---- Binding a row to the form, against checking it whole -------------------------------------------------------


@given(st.lists(st.tuples(st.integers(-5, 10**6), some_day, day_counts), min_size=1, max_size=8))
@settings(max_examples=40, deadline=None)
def test_bound_grants_are_the_grants_checked_whole(tmp_path_factory, rows):
    folder = tmp_path_factory.mktemp("bound")
    for name in ("acme_option_form.contract", "acme_2021_plan.contract"):
        shutil.copy(ACME / name, folder / name)
    lines = ["id,optionee,shares,grant_date,commencement,exercise_price"]
    lines += [f"G{i},x,{s},{d.isoformat()},{(d + timedelta(days=k % 90)).isoformat()},USD 1"
              for i, (s, d, k) in enumerate(rows)]
    (folder / "g.csv").write_text("\n".join(lines) + "\n")
    made, problems, _ = check_grants(folder / "acme_option_form.contract", folder / "g.csv")
    bound, bound_problems, _ = portfolio.bound_grants(folder / "acme_option_form.contract", folder / "g.csv")
    assert [d.message for d in bound_problems] == [d.message for d in problems]  # shares 0: both refuse it
    assert set(bound) == {g.id for g, c in made if c is not None}
    for grant, contract in made:
        if contract is None:
            continue
        for day in ("2016-01-01", "2020-06-30", "2041-01-01"):
            timeline = [{"date": "2019-05-31", "event": "termination", "reason": "death"}]
            assert bound[grant.id].evaluate(timeline, day).values == contract.evaluate(timeline, day).values


# ---- Bad rows ---------------------------------------------------------------------------------------------


def test_bad_rows_are_reported_and_the_others_evaluated(tmp_path):
    grants = tmp_path / "grants.csv"
    grants.write_text("id,optionee,shares,grant_date,commencement,exercise_price,department\n"
                      "G1,Ann,4800,2021-01-15,2021-01-15,USD 1.00,eng\n"
                      "G2,Bob,4800,2021-01-15,2021-01-15\n"  # a cell missing
                      "G3,Cy,many,2021-01-15,2021-01-15,USD 1.00,eng\n"  # not a number
                      "G4,Di,4800,2021-02-30,2021-01-15,USD 1.00,ops\n"  # no such day
                      "G1,Ed,4800,2021-01-15,2021-01-15,USD 1.00,ops\n"  # the id of line 2
                      "G6,Fay,0,2021-01-15,2021-01-15,USD 1.00,ops\n"  # a schedule vests at least 1 share
                      "G7,Gus,9600,2021-01-15,2021-01-15,USD 2.00,ops\n")
    out = tmp_path / "rows.csv"
    result = run_cli("portfolio", str(FORM), "--grants", str(grants), "--as-of", "2022-01-15", "--by",
                     "department", "--format", "csv", "--output", str(out))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    name = str(grants)
    assert f"{name}:3: error: 5 cells for 7 columns" in lines
    assert f"{name}:4, column 'shares': error: shares must be a number, not 'many'" in lines
    assert f"{name}:5, column 'grant_date': error: grant_date '2021-02-30' is not a possible date (YYYY-MM-DD)" \
        in lines
    assert f"{name}:6, column 'id': error: the id 'G1' is also the id of line 2" in lines
    assert f"{name}:7, column 'shares': error: grant G6: `shares` must be a whole number of at least 1, not 0 " \
        "(the form's line 28)" in lines
    assert "7 grants: 2 evaluated, 2 by the columnar evaluator; 5 not evaluated" in result.stderr
    written = out.read_text().splitlines()
    # G1: 4,800 / 48 = 100 a month; on the cliff (2022-01-15) 12 x 100 = 1,200; G7: 12 x 200 = 2,400
    assert written[0].startswith("id,department,as_of,granted,vested") and len(written) == 3
    assert written[1].startswith("G1,eng,2022-01-15,4800,1200,0,1200,3600")
    assert written[2].startswith("G7,ops,2022-01-15,9600,2400,0,2400,7200")


def test_totals_by_a_column_at_the_terminal(tmp_path):
    grants = tmp_path / "grants.csv"
    grants.write_text("id,optionee,shares,grant_date,commencement,exercise_price,department\n"
                      "G1,Ann,4800,2021-01-15,2021-01-15,USD 1.00,eng\n"
                      "G2,Bob,9600,2021-01-15,2021-01-15,USD 1.00,ops\n")
    result = run_cli("portfolio", str(FORM), "--grants", str(grants), "--as-of", "2022-01-15", "--by", "department")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    # on the cliff: 12 x 100 = 1,200 of G1's 4,800 and 12 x 200 = 2,400 of G2's 9,600
    assert lines[3].split() == ["2022-01-15", "2", "14,400", "3,600", "0", "3,600", "10,800", "0", "0", "0"]
    assert lines[4].split() == ["2022-01-15", "1", "4,800", "1,200", "0", "1,200", "3,600", "0", "0", "0", "eng"]


def test_a_bad_event_sets_its_grant_aside(tmp_path):
    events = tmp_path / "events.jsonl"
    events.write_text('{"grant_id": "A-0001", "date": "2022-05-01", "event": "termination", "reason": "bored"}\n'
                      '{"grant_id": "A-9999", "date": "2022-05-01", "event": "termination", "reason": "cause"}\n')
    result = portfolio.evaluate(FORM, GRANTS, events, as_of="2022-06-01")
    messages = [(d.where, d.message) for d in result.problems]
    assert (f"{events}:1, column 'reason'", "'bored' is not a termination_reason (one of: without_cause, "
            "resignation, cause, death, disability)") in messages
    assert (f"{events}:2, column 'grant_id'", "no grant has the id 'A-9999' (nearest ids: A-0019, "
            "A-0009)") in messages
    assert result.bad == 1 and "A-0001" not in result.rows.column("id").to_pylist()
    assert result.rows.num_rows == 19


def test_an_unknown_column_to_group_by_is_refused_before_work():
    result = run_cli("portfolio", str(FORM), "--grants", str(GRANTS), "--by", "departmnt")
    assert result.returncode == 2 and "no column 'departmnt'" in result.stderr and "Traceback" not in result.stderr


# ---- Formats, dtypes and totals ---------------------------------------------------------------------------------


def test_events_in_csv_parquet_and_json_lines_give_the_same_rows(tmp_path, acme):
    grants, events = acme_rows(300, seed=5)
    pq.write_table(grants, tmp_path / "grants.parquet")
    pq.write_table(events, tmp_path / "events.parquet")
    events.to_pandas().to_csv(tmp_path / "events.csv", index=False)
    with open(tmp_path / "events.jsonl", "w") as out:
        for row in events.to_pylist():
            out.write(json.dumps({k: (v.isoformat() if isinstance(v, date) else v) for k, v in row.items()
                                  if v is not None}) + "\n")
    results = [portfolio.evaluate(acme, tmp_path / "grants.parquet", tmp_path / f"events.{suffix}",
                                  as_of=["2019-01-01", "2024-01-01"]) for suffix in ("parquet", "csv", "jsonl")]
    assert all(r.problems == [] for r in results)
    assert results[0].rows.equals(results[1].rows) and results[0].rows.equals(results[2].rows)


def test_a_dataframe_in_and_out(acme):
    grants, _ = acme_rows(50, seed=2)
    frame = grants.to_pandas()
    frame["plan"] = ["2021"] * 25 + ["2016"] * 25
    result = portfolio.evaluate(acme, frame, as_of=["2020-06-30"], by="plan")
    out = result.to_pandas()
    assert str(out["vested"].dtype) == "int64" and str(out["as_of"].dtype).startswith("datetime64")
    assert str(out["exercise_deadline"].dtype).startswith("datetime64")
    totals = result.totals()
    overall = totals[totals["plan"].isna()].iloc[0]
    assert overall["grants"] == 50 and overall["vested"] == out["vested"].sum()
    by_plan = totals[totals["plan"] == "2016"].iloc[0]
    assert by_plan["vested"] == out[out["plan"] == "2016"]["vested"].sum()
    assert "Totals" in result._repr_html_()
    through_contract = portfolio.form_contract(FORM).portfolio(frame, as_of=["2020-06-30"], by="plan")
    assert through_contract.rows.equals(result.rows)



# The same form with early exercise and the company's right to buy back unvested shares within 90 days.
REPURCHASE = OTHER.replace("event merger\n", "event merger\nevent buyback(shares: shares, fmv: money)\n").replace(
    "  shares: shares\n}", "  shares: shares\n  before_vesting: allowed\n}\n\n"
    "repurchase buy \"§4a\" on buyback {\n  shares: shares\n  price: lower_of(price, buyback.fmv)\n}\n\n"
    "deadline buying \"§4b\" {\n  opens: leave\n  lasts: 90 days\n  for: buyback\n  passing: release\n}", 1)


def test_a_repurchase_right_is_evaluated_with_its_money_exact():
    form = other_form(REPURCHASE)
    grants = pa.table({"id": ["R-1", "R-2"], "holder": ["a", "b"], "units": [1600, 1600],
                       "granted_on": [date(2024, 1, 1)] * 2, "starts": [date(2024, 1, 1)] * 2,
                       "price": ["USD 1.00", "USD 1.00"], "window": [30, 30]})
    events = pa.table({"grant_id": ["R-1", "R-1", "R-1", "R-2", "R-2"],
                       "date": [date(2024, 2, 1), date(2024, 8, 15), date(2024, 9, 1), date(2024, 2, 1),
                                date(2024, 8, 15)],
                       "event": ["exercise", "leave", "buyback", "exercise", "leave"],
                       "shares": [1600, None, 1400, 1600, None], "why": [None, "quit", None, None, "quit"],
                       "fmv": [None, None, "USD 0.40", None, None]})
    result = portfolio.evaluate(form, grants, events, as_of=["2024-12-31"])
    rows = {r["id"]: r for r in result.rows.to_pylist()}
    assert result.scalar == 2 and not result.problems
    # 16 quarterly installments of 1,600 / 16 = 100 from 2024-01-01, a 6-month cliff: 2024-04-01 and
    # 2024-07-01 have vested when service ends on 2024-08-15, so 1,600 - 200 = 1,400 exercised shares are unvested.
    # all 1,400 bought back at the lower of USD 1.00 paid and USD 0.40: 1,400 x 0.40 = USD 560.00.
    assert (rows["R-1"]["exercised"], rows["R-1"]["repurchased"]) == (200, 1400)
    assert rows["R-1"]["repurchase_price"] == Decimal("560.00")
    # not bought back within 90 days of 2024-08-15 (by 2024-11-13): all 1,600 stay exercised.
    assert (rows["R-2"]["exercised"], rows["R-2"]["repurchased"], rows["R-2"]["subject_to_repurchase"]) == (1600, 0, 0)
    assert result.totals()["repurchased"].iloc[0] == 1400


def test_a_parameter_with_a_default_may_be_left_out_of_the_grants(tmp_path):
    form_file = tmp_path / "quarterly.contract"
    form_file.write_text(OTHER.replace("  window: days,\n", "  window: days = 30,\n"))
    grants = tmp_path / "grants.csv"
    grants.write_text("id,holder,units,granted_on,starts,price\nQ-1,a,1600,2024-01-01,2024-01-01,USD 1.00\n")
    events = pa.table({"grant_id": ["Q-1"], "date": [date(2026, 3, 10)], "event": ["leave"], "why": ["quit"]})
    # Quitting on 2026-03-10: the window is the later of 2026-03-10 + 30 days = 2026-04-09 and 2024-01-01 + 1
    # year, exclusive: the last day is 2026-04-08. Service through 2026-03-09 (exclusive): 8 quarterly
    # installments of 1,600 / 16 = 100 (2024-04-01 to 2026-01-01) have vested.
    columnar = portfolio.evaluate(Form.load(form_file), grants, events, as_of=["2026-03-31"])
    assert columnar.columnar == 1 and not columnar.problems
    row = columnar.rows.to_pylist()[0]
    assert (row["vested"], row["exercise_deadline"]) == (800, date(2026, 4, 8))
    for contract in (load_grants(form_file, grants)["Q-1"], *check_grants_contracts(form_file, grants)):
        result = contract.evaluate([{"date": "2026-03-10", "event": "leave", "why": "quit"}], "2026-03-31")
        assert (result.vested, result.exercise_deadline) == (800, date(2026, 4, 8))

# ---- What-ifs and sampled scenarios --------------------------------------------------------------------------


def test_a_what_if_across_every_grant_totals_the_grants_own_what_ifs():
    vary = ["change_of_control.date=2026-06-30", "change_of_control.assumed=true,false",
            "termination.date=2026-09-30", "termination.reason=without_cause,cause"]
    result = portfolio.whatif(FORM, GRANTS, vary=vary, as_of="2026-12-31")
    made, _, _ = check_grants(FORM, GRANTS)
    expected: dict[tuple, dict[str, int]] = {}
    for _, contract in made:
        for row in contract.whatif([], vary, date(2026, 12, 31)).rows:
            key = (row["change_of_control.assumed"], row["termination.reason"])
            for figure in ("vested", "exercisable", "forfeited", "expired"):
                expected.setdefault(key, {}).setdefault(figure, 0)
                expected[key][figure] += row[figure]
    assert len(result.rows) == 4
    for row in result.rows:
        key = (row["change_of_control.assumed"], row["termination.reason"])
        assert {f: row[f] for f in expected[key]} == expected[key]
        assert row["by_scalar_engine"] == 20  # the change of control's rule reads `in_service`
    assumed_cause = next(r for r in result.rows if r["change_of_control.assumed"] and
                         r["termination.reason"] == "cause")
    assert assumed_cause["forfeited"] == 814_300  # assumed: nothing vests on the closing; cause forfeits all


def test_sampled_scenarios_are_the_drawn_timelines(acme):
    result = portfolio.sample(acme, GRANTS, as_of="2026-12-31", rate="20%", scenarios=5, seed=9,
                              attributes={"reason": "resignation"}, start="2024-01-01")
    assert "a yearly rate of 20% from 2024-01-01" in result.described and len(result.rows) == 5
    made, _, _ = check_grants(FORM, GRANTS)
    sampler = portfolio.Sampler("termination", {"reason": "resignation"}, portfolio._rate("20%"),
                                date(2024, 1, 1), 9)
    for scenario, row in enumerate(result.rows):
        days = sampler.dates(scenario, 20)
        vested = forfeited = 0
        for (_, contract), day in zip(made, days.tolist()):
            timeline = [{"date": date.fromordinal(day), "event": "termination", "reason": "resignation"}]
            figures = contract.evaluate(timeline, date(2026, 12, 31))
            vested, forfeited = vested + figures.vested, forfeited + figures.forfeited
        assert (row["vested"], row["forfeited"]) == (vested, forfeited)
    spread = result.distribution()
    vested_row = spread[spread["figure"] == "vested"].iloc[0]
    totals = sorted(r["vested"] for r in result.rows)
    assert (vested_row["min"], vested_row["p50"], vested_row["max"]) == (totals[0], totals[2], totals[4])


def test_the_portfolio_command_samples_and_says_what(tmp_path):
    result = run_cli("portfolio", str(FORM), "--grants", str(GRANTS), "--as-of", "2026-12-31", "--sample-rate",
                     "10%", "--sample-with", "reason=resignation", "--sample-from", "2025-01-01", "--scenarios",
                     "20", "--seed", "3")
    assert result.returncode == 0, result.stderr
    assert "sampled: for each grant, a termination (reason: resignation)" in result.stdout
    assert "p95" in result.stdout and "vested" in result.stdout


# ---- Dask ------------------------------------------------------------------------------------------------------


def test_a_dataset_on_a_two_worker_cluster_gives_the_local_results(tmp_path, acme):
    from distributed import Client, LocalCluster

    grants, events = acme_rows(2_000, seed=4)
    (tmp_path / "grants").mkdir()
    for part in range(3):
        pq.write_table(grants.slice(part * 700, 700), tmp_path / "grants" / f"part-{part}.parquet")
    pq.write_table(events, tmp_path / "events.parquet")
    as_of = ["2019-12-31", "2025-12-31"]
    local = portfolio.evaluate(acme, tmp_path / "grants", tmp_path / "events.parquet", as_of=as_of)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        remote = portfolio.evaluate(acme, tmp_path / "grants", tmp_path / "events.parquet", as_of=as_of,
                                    client=client)
        sampled = [portfolio.sample(acme, grants, events, as_of="2026-12-31", scenarios=6, seed=1,
                                    attributes={"reason": "without_cause"}, start="2024-01-01", client=c)
                   for c in (None, client)]
    assert local.problems == remote.problems == [] and local.rows.num_rows == 4_000
    assert local.rows.equals(remote.rows) and local.summary() == remote.summary()
    assert sampled[0].rows == sampled[1].rows


# ---- eval with --grants ------------------------------------------------------------------------------------------


def test_eval_a_grant_by_row_with_an_id_column_and_the_nearest_ids():
    by_row = run_cli("eval", str(FORM), "--grants", str(GRANTS), "--grant", "row 4", "--as-of", "2022-04-30",
                     "--format", "json")  # line 4: A-0003, 96,000 from 2021-03-31: 24,000 + 2,000
    assert by_row.returncode == 0 and json.loads(by_row.stdout)["vested"] == 26_000
    unknown = run_cli("eval", str(FORM), "--grants", str(GRANTS), "--grant", "A-0100")
    assert unknown.returncode == 2 and "the nearest ids: A-0020, A-0010, A-0009" in unknown.stderr
    assert len(unknown.stderr) < 300
    every = run_cli("eval", str(FORM), "--grants", str(GRANTS))
    assert every.returncode == 2 and "optionrules portfolio" in every.stderr
