"""Whole cap tables: every grant of a form at once, on any number of dates.

    result = optionrules.portfolio.evaluate("acme_option_form.contract", "grants.parquet",
                                           events="events.csv", as_of=["2026-03-31"], by="department")
    result.to_pandas(), result.totals(), result.problems

The form is checked once. Each row of the grants table is read as the form's parameters (`optionrules.tables`);
a row that cannot mean anything is reported by row and column and not evaluated, the others are. The rows go
to the columnar evaluator (`optionrules.columnar`) where it covers the form and the row's events, to the scalar
engine otherwise (the grant bound to the form, `optionrules.binding`, then compiled and replayed), and to the
checker itself where a row's values may break a constraint of the form's keys: the result counts each.

What-ifs apply to every grant: `whatif(..., vary=[...])` adds the varied events to every grant's timeline and
totals each combination; `sample(...)` draws a service-ending event per grant from a yearly rate, for N seeded
scenarios, and reports the distribution of each total. Partitions of a Parquet dataset and batches of
scenarios run as Dask tasks with `client=` (`optionrules.cluster`), with the same results.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any, assert_never

import attrs
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from optionrules.binding import Form, with_defaults
from optionrules.columnar import EVALUATORS, Constraints, Unsupported
from optionrules.compile import EvaluationPlan, compile_plan
from optionrules.compose import SAMPLE_VALUES
from optionrules.errors import Diagnostic, Problems, QueryError, did_you_mean
from optionrules.evaluate import evaluate as replay
from optionrules.figures import AwardType, Figure, FigureKind
from optionrules.limits import MAX_ROWS, MAX_SCENARIOS, WorkTooLarge
from optionrules.model import Model
from optionrules.progress import Progress
from optionrules.tables import (
    GRANT_ID,
    EventTable,
    GrantTable,
    Source,
    from_frame,
    read_events,
    read_grants,
    read_source,
)
from optionrules.timeline import Event, as_date
from optionrules.values import Duration, Money

VIOLATIONS = "violations"  # a column beside the figures: the events the contract did not allow
SCALAR = "by_scalar_engine"  # a column of scenario totals: the grants the columnar evaluator did not cover
MAX_KEPT_PLANS = 50_000  # the scalar engine's plans kept across scenarios (some 20 KiB each)
MAX_HINTS = 10  # unknown ids given the nearest known ones (each a search of every id)
CHUNK = 1 << 18  # rows the columnar evaluator takes at once: some 100 MB of intermediate columns
Column = np.ndarray[Any, Any]
Table = Any  # a path, a pandas DataFrame or an Arrow table

# ---- One form under one choice of readings -------------------------------------------------------------------


class Engine:
    """A form under a choice of readings: the plan of a sample grant (its structure: what each event does),
    and the columnar evaluator of its award type where the form is one it covers."""

    def __init__(self, form: Form, readings: Mapping[str, str], columnar: bool = True):
        self.form = form
        self.readings = dict(readings)
        self.plan = compile_plan(form.bind(sample_values(form), self.readings), self.readings)
        self.award: AwardType = form.model.award
        self.figures: tuple[Figure, ...] = self.plan.figures
        self.columnar: Any = None
        self.why: str | None = None  # why the scalar engine evaluates every grant
        analyzer = EVALUATORS.get(self.award)
        try:
            if not columnar:
                raise Unsupported("the scalar engine was asked for")
            if analyzer is None:
                raise Unsupported(f"no columnar evaluator for {self.award} awards")
            self.columnar = analyzer(form.model, self.plan, self.readings)
        except Unsupported as error:
            self.why = str(error)

    def plan_of(self, model: Model) -> EvaluationPlan:
        return compile_plan(model, self.readings)


def sample_values(form: Form) -> dict[str, Any]:
    """The values the checker checks a form alone with."""
    return {name: SAMPLE_VALUES.get(attr.declared) if attr.declared in SAMPLE_VALUES
            else form.model.enums[attr.declared].members[0] for name, attr in form.parameters.items()}


# ---- Added events: what a what-if or a scenario adds to every grant's timeline --------------------------------


@attrs.frozen
class Added:
    """An event added to each grant's timeline: on `dates[row]` (0: not for that row), with these attributes."""

    name: str
    dates: Column
    attributes: Mapping[str, Any]


# ---- A table of grants, read and sorted out -------------------------------------------------------------------


@attrs.define
class Prepared:
    """The grants of one table (or one partition), read and sorted out: the rows to evaluate, the models of
    those the checker checked whole, and what was wrong with the others."""

    engine: Engine
    grants: GrantTable
    events: EventTable
    good: Column  # rows evaluated
    checked: dict[int, Model]  # rows checked whole by the checker (their values may break a constraint)
    problems: Problems
    parameters: dict[str, Any]  # the columns the columnar evaluator reads
    event_rows: dict[int, list[int]]  # grant row -> its rows of the events table, in input order
    plans: dict[int, EvaluationPlan] = attrs.Factory(dict)  # the scalar engine's, kept across scenarios
    keep_plans: bool = False  # several scenarios: compile each row's plan once

    @property
    def bad(self) -> int:
        return self.grants.rows - len(self.good)


def prepare(engine: Engine, grants: Source, events: Source | None, problems: Problems) -> Prepared:
    """Read the grants (and their events) of a table and sort the rows out; every problem goes to `problems`."""
    form = engine.form
    table = read_grants(grants, form.parameters, form.model.enums, problems)
    if events is not None:
        declared = {name: event.attrs for name, event in form.model.events.items()}
        event_table, broken = read_events(events, declared, form.model.enums, table, problems)
        for row, where in broken.items():
            table.bad[row] = True
            problems.add(Diagnostic(f"grant {table.id_of(row)}: not evaluated (its event at {where} cannot be "
                                    "read)", where=table.where(row)))
        _unread_events(table, events, problems)
    else:
        event_table = EventTable.empty()
    parameters = {name: read.values for name, read in table.columns.items()}
    checked = _check_whole(engine, table, parameters, problems)
    good = np.flatnonzero(~table.bad)
    order = np.argsort(event_table.grants, kind="stable")
    event_rows: dict[int, list[int]] = {}
    for index in order.tolist():
        event_rows.setdefault(int(event_table.grants[index]), []).append(index)
    return Prepared(engine, table, event_table, good, checked, problems, parameters, event_rows)


def _unread_events(table: GrantTable, events: Source, problems: Problems) -> None:
    """A grant with an events row that could not be read is set aside: its timeline is not known."""
    rows = {table.id_of(i): i for i in np.flatnonzero(~table.bad).tolist()} if events.unread else {}
    for line, cells in events.unread:
        row = rows.get(cells.get(GRANT_ID, ""))
        if row is not None and not table.bad[row]:
            table.bad[row] = True
            problems.add(Diagnostic(f"grant {table.id_of(row)}: not evaluated (its event at {events.name}:{line} "
                                    "cannot be read)", where=table.where(row)))


def _check_whole(engine: Engine, table: GrantTable, parameters: dict[str, Any], problems: Problems
                 ) -> dict[int, Model]:
    """Check whole the rows whose values may break a constraint of the form's keys (or that the fast readers
    did not read): those the checker refuses are reported in its words and set aside."""
    suspect = table.suspect.copy()
    blamed = np.full(table.rows, None, dtype=object)
    try:
        flagged, blamed = Constraints.of(engine.form.model, engine.readings, engine.plan.missing_day).may_break(
            parameters, table.rows)
        suspect |= flagged
    except Unsupported:
        suspect[:] = True  # the constraints cannot be read over columns: the checker checks every row
    checked: dict[int, Model] = {}
    for row in np.flatnonzero(suspect & ~table.bad).tolist():
        model, diagnostics = engine.form.check_row(table.values(row))
        errors = [d for d in diagnostics if d.severity == "error"]
        if errors:
            table.bad[row] = True
            column = next((name for name, read in table.columns.items() if row in read.suspect), blamed[row])
            for d in errors:
                clause = f" (the form's line {d.span.line})" if d.span is not None else ""
                problems.add(Diagnostic(f"grant {table.id_of(row)}: {d.message}{clause}",
                                        where=table.where(row, column), hint=d.hint))
        else:
            checked[row] = model
    return checked


# ---- Evaluating -----------------------------------------------------------------------------------------------


@attrs.define
class Figures:
    """The figures of some rows on each date: `values[figure]` has shape (rows, dates); dates as day ordinals
    (0: none); shares int64, or exact Python numbers (object) where a schedule keeps fractions."""

    rows: Column  # rows of the grants table
    values: dict[str, Column]
    columnar: int = 0
    scalar: int = 0
    reasons: Counter[str] = attrs.Factory(Counter)  # why rows were left to the scalar engine


def run(prepared: Prepared, as_of: Sequence[date], added: Sequence[Added] = (),
        progress: Progress | None = None) -> Figures:
    """The figures of every good row on each date, with the added events in every timeline."""
    engine, good = prepared.engine, prepared.good
    figures = engine.figures
    single, dates, codes, reasons = _single_events(prepared, added)
    checked = np.isin(good, list(prepared.checked))
    covered = single & ~checked
    reasons["values checked whole by the checker"] += int(checked.sum())
    total = len(good)
    if progress is not None:
        progress(0, total)
    out = {f.name: np.zeros((len(good), len(as_of)), dtype=_dtype(f)) for f in figures}
    out[VIOLATIONS] = np.zeros((len(good), len(as_of)), dtype=np.int64)
    ordinals = [d.toordinal() for d in as_of]
    done = 0
    columnar_rows = np.flatnonzero(covered)
    for start in range(0, len(columnar_rows), CHUNK):
        at = columnar_rows[start:start + CHUNK]
        rows = good[at]
        chunk = engine.columnar.evaluate(_take(prepared.parameters, rows), len(rows), dates[at], codes[at],
                                         ordinals)
        for j, day in enumerate(chunk):
            for f in figures:
                out[f.name][at, j] = day.values[f.name]
        done += len(at)
        if progress is not None:
            progress(done, total)
    for position in np.flatnonzero(~covered).tolist():
        row = int(good[position])
        for j, result in enumerate(_scalar(prepared, row, added, as_of)):
            for f in figures:
                out[f.name][position, j] = _cell(f, result.values[f.name])
            out[VIOLATIONS][position, j] = len(result.violations)
        done += 1
        if progress is not None and (done % 1000 == 0 or done == total):
            progress(done, total)
    return Figures(good, out, len(columnar_rows), total - len(columnar_rows), reasons)


def _single_events(prepared: Prepared, added: Sequence[Added]) -> tuple[Column, Column, Column, Counter[str]]:
    """For each good row: whether the columnar evaluator covers its events (none, or one service-ending event
    of a case it covers), that event's date (0: none) and case; and why the others are not covered."""
    engine, good, events = prepared.engine, prepared.good, prepared.events
    n = len(good)
    position = np.full(prepared.grants.rows, -1, dtype=np.int64)
    position[good] = np.arange(n)
    where = position[events.grants] if len(events.grants) else np.zeros(0, dtype=np.int64)
    counts = np.bincount(where[where >= 0], minlength=n)
    dates, codes = np.zeros(n, dtype=np.int64), np.full(n, -1, dtype=np.int64)
    evaluator = engine.columnar
    reasons: Counter[str] = Counter()
    if evaluator is None:
        reasons[engine.why or "no columnar evaluator"] += n
        return np.zeros(n, dtype=bool), dates, codes, reasons
    for index in np.flatnonzero(where >= 0).tolist():
        at = where[index]
        if counts[at] == 1:
            dates[at] = events.dates[index]
            codes[at] = evaluator.case_code(events.names[index], events.attrs[index])
    for event in added:
        chosen = event.dates[good] > 0
        alone = chosen & (counts == 0)
        dates[alone] = event.dates[good][alone]
        codes[alone] = evaluator.case_code(event.name, event.attributes)
        counts = counts + chosen
    dates = np.where(counts == 1, dates, 0)
    early = (dates > 0) & (dates < evaluator.grant_dates(_take(prepared.parameters, good), n))  # refused
    single = (counts == 0) | ((counts == 1) & (codes >= 0) & ~early)
    checked = np.isin(good, list(prepared.checked))
    reasons["an event before the grant date"] += int((early & ~checked).sum())
    reasons["several events"] += int(((counts > 1) & ~checked).sum())
    reasons["an event the columnar evaluator does not cover"] += int(((counts == 1) & ~single & ~early
                                                                      & ~checked).sum())
    return single, dates, codes, reasons


def _take(parameters: Mapping[str, Any], rows: Column) -> dict[str, Any]:
    return {name: values[rows] if isinstance(values, np.ndarray) else values.take(pa.array(rows))
            for name, values in parameters.items()}


def _scalar(prepared: Prepared, row: int, added: Sequence[Added], as_of: Sequence[date]) -> list[Any]:
    """The scalar engine on one grant: its model bound (or checked whole), compiled once, then replayed."""
    plan = prepared.plans.get(row)
    if plan is None:
        engine = prepared.engine
        model = prepared.checked.get(row) or engine.form.bind(prepared.grants.values(row), engine.readings)
        plan = engine.plan_of(model)
        if prepared.keep_plans and len(prepared.plans) < MAX_KEPT_PLANS:
            prepared.plans[row] = plan
    events = prepared.events
    timeline = [Event(i, date.fromordinal(int(events.dates[e])), events.names[e], events.attrs[e])
                for i, e in enumerate(prepared.event_rows.get(row, ()))]
    timeline += [Event(len(timeline) + i, date.fromordinal(int(a.dates[row])), a.name, a.attributes)
                 for i, a in enumerate(added) if a.dates[row] > 0]
    ordered = tuple(sorted(timeline, key=lambda e: (e.date, e.index)))
    return [replay(plan, ordered, day) for day in as_of]


def _dtype(figure: Figure) -> Any:
    """Shares int64, dates day ordinals (0: none), flags booleans, money exact `Decimal` amounts (objects)."""
    match figure.kind:
        case FigureKind.SHARES | FigureKind.DATE:
            return np.int64
        case FigureKind.FLAG:
            return np.bool_
        case FigureKind.MONEY:
            return object
        case unreachable:
            assert_never(unreachable)


def _cell(figure: Figure, value: Any) -> Any:
    match figure.kind:
        case FigureKind.DATE:
            return value.toordinal() if isinstance(value, date) else 0
        case FigureKind.MONEY:
            return value.amount if isinstance(value, Money) else None
        case FigureKind.SHARES if isinstance(value, Fraction):
            raise QueryError(f"{figure.name} is a fraction of a share ({value}): a portfolio reports whole "
                             "shares, and this form keeps fractions (rounding: none)")
        case FigureKind.SHARES | FigureKind.FLAG:
            return value
        case unreachable:
            assert_never(unreachable)


# ---- The result -------------------------------------------------------------------------------------------


@attrs.define
class Portfolio:
    """A row per grant and date: the grant's id (and the `by` column), the date, every figure of its award type
    and the count of violations; with what could not be evaluated, and how the rest was."""

    figures: tuple[Figure, ...]  # the form's figures, in the table's order
    as_of: tuple[date, ...]
    by: str | None
    rows: pa.Table
    problems: list[Diagnostic]
    grants: int  # rows of the grants table(s)
    bad: int  # rows not evaluated: each has a problem
    columnar: int  # rows evaluated by the columnar evaluator
    scalar: int  # rows evaluated by the scalar engine
    reasons: Counter[str]  # why, for the scalar engine's rows

    def to_arrow(self) -> pa.Table:
        return self.rows

    def to_pandas(self) -> Any:
        """A DataFrame: int64 shares, datetime64 dates (NaT: no deadline), booleans."""
        return self.rows.to_pandas(date_as_object=False)

    def totals(self) -> Any:
        """A DataFrame of totals per date: over every grant evaluated, then per value of `by`."""
        return totals(self.rows, self.figures, self.by)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        """What was evaluated, and how: `20 grants: 20 evaluated, 18 by the columnar evaluator and 2 by the scalar
        engine (several events: 2)`."""
        evaluated = self.columnar + self.scalar
        why = "; ".join(f"{reason}: {count:,}" for reason, count in self.reasons.most_common() if count)
        scalar = f" and {self.scalar:,} by the scalar engine ({why})" if self.scalar else ""
        bad = f"; {self.bad:,} not evaluated (their problems are listed)" if self.bad else ""
        how = f"{self.columnar:,} by the columnar evaluator{scalar}"
        return f"{self.grants:,} grants: {evaluated:,} evaluated, {how}{bad}"

    def _repr_html_(self) -> str:
        import html

        head = self.rows.slice(0, 20).to_pandas(date_as_object=False)
        return (f"<p>{html.escape(self.summary())}</p><h4>Totals</h4>{self.totals().to_html(index=False)}"
                f"<h4>Rows</h4>{head.to_html(index=False)}"
                + (f"<p>... {self.rows.num_rows - 20:,} more rows</p>" if self.rows.num_rows > 20 else "")
                + (f"<h4>Problems</h4><pre>{html.escape(chr(10).join(str(d.render()) for d in self.problems))}</pre>"
                   if self.problems else ""))


def shares_figures(figures: Sequence[Figure]) -> list[str]:
    return [f.name for f in figures if f.kind is FigureKind.SHARES]


def totals(rows: pa.Table, figures: Sequence[Figure], by: str | None) -> Any:
    """Totals per date of every share figure and of violations (exact: Python integers past int64), over every
    grant, then per value of `by` (the overall rows have `by` empty)."""
    import pandas as pd

    frame = rows.to_pandas(date_as_object=False)
    summed = [*shares_figures(figures), VIOLATIONS]
    groups = [["as_of"], *([["as_of", by]] if by else [])]
    parts = []
    for keys in groups:
        exact = frame if _fits(frame, summed) else frame.astype({name: object for name in summed})
        grouped = exact.groupby(keys, sort=True)
        part = grouped[summed].sum().reset_index()
        part.insert(len(keys), "grants", grouped.size().to_numpy())
        parts.append(part)
    result = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    if by:
        result[by] = result[by].astype("string")
    return result.sort_values(["as_of"], kind="stable").reset_index(drop=True)


def _fits(frame: Any, columns: list[str]) -> bool:
    """Whether every sum of these int64 columns fits in int64."""
    rows = max(len(frame), 1)
    return all(int(np.abs(frame[c].to_numpy()).max(initial=0)) < (2**63 - 1) // rows for c in columns)


def to_table(prepared: Prepared, figures: Figures, as_of: Sequence[date], by: str | None) -> pa.Table:
    """The rows of a result: grant-major, one per grant and date."""
    from optionrules.tables import EPOCH

    dates = len(as_of)
    each = pa.array(np.repeat(figures.rows, dates))
    columns: dict[str, pa.Array] = {"id": prepared.grants.ids.take(each)}
    if by is not None:
        columns[by] = pc.cast(prepared.grants.column(by), pa.string()).take(each)
    ordinals = np.array([d.toordinal() for d in as_of], dtype=np.int64)
    columns["as_of"] = _dates(np.tile(ordinals, len(figures.rows)), EPOCH)
    for f in prepared.engine.figures:
        values = figures.values[f.name].ravel()
        columns[f.name] = _dates(values, EPOCH) if f.kind is FigureKind.DATE else pa.array(values)
    columns[VIOLATIONS] = pa.array(figures.values[VIOLATIONS].ravel())
    return pa.table(columns)


def _dates(ordinals: Column, epoch: int) -> pa.Array:
    return pa.array((ordinals - epoch).astype(np.int32), pa.date32(), mask=ordinals == 0)


# ---- Reading what is asked --------------------------------------------------------------------------------


def _source(data: Table, what: str, problems: Problems) -> Source:
    if isinstance(data, (str, Path)):
        return read_source(data, what, problems)
    if isinstance(data, Source):
        return data
    if isinstance(data, pa.Table) or type(data).__name__ == "DataFrame":
        return from_frame(data, f"<{what}>")
    raise QueryError(f"the {what} is a path, a pandas DataFrame or an Arrow table, not {type(data).__name__}")


def as_of_dates(as_of: date | str | Iterable[date | str] | None) -> tuple[date, ...]:
    """The dates asked for (default: today)."""
    if as_of is None:
        return (date.today(),)
    values = [as_of] if isinstance(as_of, (date, str)) else list(as_of)
    try:
        return tuple(as_date(v, "as-of date") for v in values) or (date.today(),)
    except ValueError as error:
        raise QueryError(str(error)) from None


def load_form(form: str | Path | Form) -> Form:
    return form if isinstance(form, Form) else Form.load(form)


def form_contract(path: str | Path) -> Any:
    """A form as a Contract, to ask `.portfolio(...)` of: `form_contract("acme_option_form.contract")`."""
    from optionrules.contract import Contract

    return Contract(Form.load(path).model)


def form_of(model: Model) -> Form:
    """The form a contract's model is (its text checked again: a model is not kept with its syntax tree)."""
    if model.role != "form":
        raise QueryError(f"portfolio evaluates the grants of a form; {model.file} is not one (load the form with "
                         "optionrules.portfolio.form_contract(path))")
    return Form.of(model.text, model.file)


def _check_by(source: Source, by: str | None) -> None:
    if by is not None and by not in source.table.column_names:
        names = source.table.column_names
        hint = did_you_mean(by, names)
        raise QueryError(f"--by: the grants table has no column {by!r} (its columns: {', '.join(names)})"
                         + (f"; {hint}" if hint else ""))


def events_for(events: Source | None, ids: pa.Array) -> Source | None:
    """The rows of an events table whose grant is among these ids."""
    if events is None or GRANT_ID not in events.table.column_names:
        return events
    cells = pc.utf8_trim_whitespace(pc.cast(events.table.column(GRANT_ID), pa.string()).fill_null(""))
    mask = pc.is_in(cells, ids).to_numpy(zero_copy_only=False)
    return attrs.evolve(events, table=events.table.filter(pa.array(mask)), lines=events.lines[mask])


def unmatched_events(events: Source | None, ids: pa.Array, problems: Problems) -> None:
    """Report the events whose grant_id names no grant of any partition."""
    if events is None or GRANT_ID not in events.table.column_names:
        return
    cells = pc.utf8_trim_whitespace(pc.cast(events.table.column(GRANT_ID), pa.string()).fill_null(""))
    missing = np.flatnonzero(~pc.is_in(cells, ids).to_numpy(zero_copy_only=False))
    known = ids.to_pylist() if len(missing) else []
    for count, row in enumerate(missing.tolist()):
        grant = cells[row].as_py()
        hint = nearest(grant, known) if count < MAX_HINTS else None
        problems.add(Diagnostic(f"no grant has the id {grant!r}" + (f" ({hint})" if hint else ""),
                                where=events.where(row, GRANT_ID)))


def nearest(wanted: str, ids: list[str]) -> str | None:
    """`nearest ids: A-0001, A-0010`: a few ids close to the one asked for."""
    from optionrules.grants import nearest_ids

    close = nearest_ids(wanted, ids)
    return f"nearest ids: {', '.join(close)}" if close else None


# ---- Evaluating a portfolio -------------------------------------------------------------------------------


@attrs.frozen
class Query:
    """What is asked of every grant: the dates, the readings, the column totals are grouped by."""

    as_of: tuple[date, ...]
    readings: Mapping[str, str]
    by: str | None = None


def evaluate_part(form: Form, grants: Source, events: Source | None, query: Query,
                  progress: Progress | None = None) -> Portfolio:
    """One table of grants (or one partition of a dataset), with the events of its grants."""
    problems = Problems(grants.name)
    _check_by(grants, query.by)
    prepared = prepare(Engine(form, query.readings), grants, events, problems)
    figures = run(prepared, query.as_of, progress=progress)
    unread = len(grants.unread)  # rows reported while reading, not in the table: counted among the bad
    return Portfolio(prepared.engine.figures, query.as_of, query.by, to_table(prepared, figures, query.as_of, query.by),
                     problems.reported(), prepared.grants.rows + unread, prepared.bad + unread, figures.columnar,
                     figures.scalar, figures.reasons)


def combine(parts: Sequence[Portfolio], events: Source | None, ids_by_part: Sequence[pa.Array]) -> Portfolio:
    """The results of the partitions of a dataset as one: an id given in two partitions is a problem (the later
    rows are taken out), and so is an event whose grant is in none."""
    problems = Problems("portfolio")
    for part in parts:
        for d in part.problems:
            problems.add(d)
    tables = [parts[0].rows]
    bad = sum(p.bad for p in parts)
    for number in range(1, len(parts)):
        earlier = pa.concat_arrays(list(ids_by_part[:number]))
        repeated = pc.filter(ids_by_part[number], pc.is_in(ids_by_part[number], earlier))
        for grant in repeated.to_pylist():
            problems.add(Diagnostic(f"the id {grant!r} is also an id of an earlier partition: not evaluated here",
                                    where=f"partition {number + 1}"))
        table = parts[number].rows
        if len(repeated):
            table = table.filter(pc.invert(pc.is_in(table.column("id"), repeated)))
            bad += len(repeated)
        tables.append(table)
    if len(parts) > 1 or (events is not None and len(ids_by_part[0])):
        unmatched_events(events, pa.concat_arrays(list(ids_by_part)), problems)
    first = parts[0]
    scalar, columnar = sum(p.scalar for p in parts), sum(p.columnar for p in parts)
    reasons: Counter[str] = sum((p.reasons for p in parts), Counter())
    rows = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
    return Portfolio(first.figures, first.as_of, first.by, rows, problems.reported(), sum(p.grants for p in parts), bad,
                     columnar, scalar, reasons)


def evaluate(form: str | Path | Form, grants: Table, events: Table | None = None,
             as_of: date | str | Iterable[date | str] | None = None, assume: Mapping[str, str] | None = None,
             by: str | None = None, client: Any = None, progress: Progress | None = None) -> Portfolio:
    """Every grant of the table (a CSV or Parquet file, a folder of Parquet files, a DataFrame or an Arrow table)
    on each date; `client`: a dask.distributed Client running each partition as a task."""
    loaded = load_form(form)
    query = Query(as_of_dates(as_of), loaded.model.readings(assume), by)
    problems = Problems("events")
    event_source = _source(events, "events file", problems) if events is not None else None
    if client is not None:
        from optionrules.cluster import evaluate_on

        result: Portfolio = evaluate_on(client, loaded, grants, event_source, query, watched=progress is not None)
    else:
        result = _evaluate_parts(loaded, grants, event_source, query, progress)
    result.problems = [*problems.reported(), *result.problems]
    return result


def partitions(grants: Table) -> list[Table]:
    """The partitions of a grants table: the files of a Parquet folder, or the table itself."""
    from optionrules.tables import parquet_parts

    if isinstance(grants, (str, Path)) and Path(grants).is_dir():
        return list(parquet_parts(grants))
    return [grants]


def evaluate_partition(form: Form, grants: Table, events: Source | None, query: Query,
                       progress: Progress | None = None) -> tuple[Portfolio, list[str]]:
    """One partition: read, then evaluated with the events of its grants; and the ids it holds."""
    problems = Problems("grants")
    source = _source(grants, "grants file", problems)
    ids = pc.utf8_trim_whitespace(pc.cast(source.table.column("id"), pa.string()).fill_null("")).combine_chunks() \
        if "id" in source.table.column_names else pa.array([], pa.string())
    part = evaluate_part(form, source, events_for(events, ids) if len(ids) else events, query, progress)
    part.problems = [*problems.reported(), *part.problems]
    return part, ids


def _ids_named(parts: Sequence[Table]) -> None:
    """A dataset of several partitions names its grants by an `id` column (`row N` would repeat)."""
    import pyarrow.parquet as pq

    for part in parts:
        if "id" not in pq.read_schema(part).names:
            raise QueryError(f"{part}: a dataset of several files needs an `id` column naming each grant")


def _evaluate_parts(form: Form, grants: Table, events: Source | None, query: Query,
                    progress: Progress | None) -> Portfolio:
    parts = partitions(grants)
    if len(parts) > 1:
        _ids_named(parts)
    results = []
    for number, part in enumerate(parts):
        results.append(evaluate_partition(form, part, events, query, progress if len(parts) == 1 else None))
        if progress is not None and len(parts) > 1:
            progress(number + 1, len(parts))
    return combine([r for r, _ in results], events, [ids for _, ids in results])


# ---- Scenarios: what-ifs across every grant, and sampled terminations ---------------------------------------


@attrs.frozen
class Sampler:
    """A service-ending event per grant on a date drawn from a yearly rate: the waiting time from `start` is
    exponential, so that a grant's service ends within any year with probability `rate`."""

    event: str
    attributes: Mapping[str, Any]
    rate: Fraction  # the yearly rate, 0 < rate < 1
    start: date
    seed: int

    def dates(self, scenario: int, rows: int) -> Column:
        """The day each row's event falls on in this scenario (the same draws wherever it is run)."""
        draws = np.random.default_rng([self.seed, scenario]).random(rows)
        hazard = -math.log1p(-float(self.rate))  # per year; the draws are not figures: the dates they give are
        days = np.floor(-np.log1p(-draws) / hazard * 365.25)
        drawn: Column = np.minimum(self.start.toordinal() + np.minimum(days, LAST_ORDINAL), LAST_ORDINAL)
        return drawn.astype(np.int64)

    def described(self, scenarios: int) -> str:
        said = ", ".join(f"{k}: {v}" for k, v in self.attributes.items())
        return (f"sampled: for each grant, a {self.event}{f' ({said})' if said else ''} on a date drawn from a yearly "
                f"rate of {float(self.rate) * 100:g}% from {self.start.isoformat()} (an exponential waiting time), "
                f"in {scenarios:,} scenarios of seed {self.seed}; a date after the as-of date is no event")


LAST_ORDINAL = date.max.toordinal()


@attrs.frozen
class Scenario:
    """One scenario: the readings, the events added to every grant (fixed dates, or drawn), the as-of date."""

    labels: Mapping[str, Any]  # what identifies it in the output: the varied values, or the scenario's number
    readings: Mapping[str, str]
    as_of: date
    fixed: tuple[tuple[str, date, Mapping[str, Any]], ...] = ()
    sampled: int | None = None  # the scenario's number, for the sampler


@attrs.frozen
class Job:
    """What every scenario of a run shares: the form, the grants and their events, the sampler."""

    form: Form
    grants: Table
    events: Source | None
    by: str | None = None
    sampler: Sampler | None = None


def run_scenarios(job: Job, scenarios: Sequence[Scenario], progress: Progress | None = None) -> list[dict[str, Any]]:
    """The totals of each scenario (a batch: a Dask task runs one); the grants are read and sorted out once per
    choice of readings."""
    prepared: dict[frozenset[tuple[str, str]], Prepared] = {}
    rows: list[dict[str, Any]] = []
    for number, scenario in enumerate(scenarios):
        key = frozenset(scenario.readings.items())
        if key not in prepared:
            problems = Problems("grants")
            grants = _source(job.grants, "grants file", problems)
            prepared[key] = prepare(Engine(job.form, scenario.readings), grants, job.events, problems)
            prepared[key].keep_plans = True
        rows += _totals_of(job, prepared[key], scenario)
        if progress is not None:
            progress(number + 1, len(scenarios))
    return rows


def _totals_of(job: Job, prepared: Prepared, scenario: Scenario) -> list[dict[str, Any]]:
    rows = prepared.grants.rows
    added = [Added(name, np.full(rows, when.toordinal(), dtype=np.int64), attributes)
             for name, when, attributes in scenario.fixed]
    if job.sampler is not None and scenario.sampled is not None:
        added.append(Added(job.sampler.event, job.sampler.dates(scenario.sampled, rows), job.sampler.attributes))
    figures = run(prepared, [scenario.as_of], added)
    summed = [*shares_figures(prepared.engine.figures), VIOLATIONS]
    groups: list[tuple[Any, Column]] = [(None, np.ones(len(figures.rows), dtype=bool))]
    if job.by is not None:
        values = pc.cast(prepared.grants.column(job.by), pa.string()).take(pa.array(figures.rows))
        codes = np.array(values.to_pylist(), dtype=object)
        groups += [(value, codes == value) for value in sorted(set(codes.tolist()), key=str)]
    out = []
    for value, chosen in groups:
        row: dict[str, Any] = {**scenario.labels, "as_of": scenario.as_of}
        if job.by is not None:
            row[job.by] = value
        row["grants"] = int(chosen.sum())
        row.update({name: exact_sum(figures.values[name][chosen, 0]) for name in summed})
        row[SCALAR] = figures.scalar if value is None else None  # how many grants the scalar engine evaluated
        out.append(row)
    return out


def exact_sum(values: Column) -> int:
    """The sum of int64 values, exactly (in Python integers where int64 could overflow)."""
    if len(values) and int(np.abs(values).max()) >= (2**63 - 1) // len(values):
        return sum(values.tolist())
    return int(values.sum())


@attrs.define
class Scenarios:
    """One row of totals per scenario (a combination of the varied values, or a sampled scenario)."""

    columns: list[str]  # the columns naming each scenario
    figures: tuple[Figure, ...]
    rows: list[dict[str, Any]]
    described: str  # what was varied or sampled
    base: Portfolio  # the grants as read, without the scenarios' events: their problems, how each was evaluated

    def to_pandas(self) -> Any:
        import pandas as pd

        return pd.DataFrame(self.rows)

    def distribution(self) -> Any:
        """Of each total, over the scenarios: the mean (exact, to a cent of a share), the minimum, the 5th, 50th and
        95th percentiles (nearest rank) and the maximum; per as-of date (and value of `by`)."""
        import pandas as pd

        frame = self.to_pandas()
        keys = [c for c in ("as_of", self.by) if c]
        out = []
        for group, part in frame.groupby(keys, sort=True, dropna=False) if keys else [((), frame)]:
            for name in shares_figures(self.figures):
                totals = sorted(int(v) for v in part[name].tolist())
                row = dict(zip(keys, group if isinstance(group, tuple) else (group,)))
                row.update(figure=name, scenarios=len(totals), mean=_mean(totals),
                           **{label: _rank(totals, p) for label, p in PERCENTILES})
                out.append(row)
        return pd.DataFrame(out)

    @property
    def by(self) -> str | None:
        return self.base.by


PERCENTILES = (("min", 0), ("p5", 5), ("p50", 50), ("p95", 95), ("max", 100))


def _rank(values: list[int], percent: int) -> int:
    """The nearest-rank percentile of sorted values."""
    return values[max(0, math.ceil(percent / 100 * len(values)) - 1)]


def _mean(values: list[int]) -> Any:
    from decimal import ROUND_HALF_UP, Decimal

    exact = Fraction(sum(values), len(values))
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(Decimal("0.01"), ROUND_HALF_UP)


class _Vocabulary:
    """A form as `whatif.parse_vary` reads it: its events, attributes and assumptions."""

    def __init__(self, form: Form):
        self.model = form.model
        self.form = form

    def plan(self, assume: Mapping[str, str] | None = None) -> EvaluationPlan:
        return Engine(self.form, self.model.readings(assume)).plan


def whatif(form: str | Path | Form, grants: Table, events: Table | None = None, vary: Sequence[str] = (),
           as_of: str | date = "event+0", assume: Mapping[str, str] | None = None, by: str | None = None,
           client: Any = None, progress: Progress | None = None, max_rows: int = MAX_ROWS) -> Scenarios:
    """The `--vary` of `whatif` across every grant: the varied events added to every grant's timeline, one row of
    totals per combination (and value of `by`)."""
    from optionrules.whatif import AsOf, _varied_events, parse_vary

    loaded = load_form(form)
    vocabulary = _Vocabulary(loaded)
    varies = [parse_vary(v, vocabulary, max_rows) for v in ([vary] if isinstance(vary, str) else vary)]
    if not varies:
        raise QueryError("vary at least one thing: EVENT.date=..., EVENT.ATTRIBUTE=V1,V2 or assume NAME=R1,R2")
    added = _varied_events(vocabulary, varies)
    when = AsOf(fixed=as_of) if isinstance(as_of, date) else AsOf.parse(as_of, varies)
    total = math.prod(len(v.values) for v in varies)
    if total > max_rows:
        raise WorkTooLarge(f"--vary: {total:,} combinations", max_rows, "rows a sweep may have", "--max-rows",
                           "max_rows")
    scenarios = []
    for combination in itertools.product(*(v.values for v in varies)):
        readings = dict(assume or {})
        fields: dict[str, dict[str, Any]] = {name: {} for name in added}
        for v, value in zip(varies, combination):
            if v.event is None:
                readings[v.field] = value
            else:
                fields[v.event][v.field] = value
        fixed = tuple((name, f.pop("date"), f) for name, f in fields.items())
        scenarios.append(Scenario({v.label: value for v, value in zip(varies, combination)},
                                  loaded.model.readings(readings), when.on({n: d for n, d, _ in fixed}), fixed))
    described = "varied: " + "; ".join(f"{v.label} = {', '.join(map(str, v.values[:5]))}"
                                       + (f" ... ({len(v.values):,} values)" if len(v.values) > 5 else "")
                                       for v in varies)
    return _scenarios(Job(loaded, grants, _events(events), by), scenarios, [v.label for v in varies], described,
                      assume, client, progress)


def sample(form: str | Path | Form, grants: Table, events: Table | None = None,
           as_of: date | str | Iterable[date | str] | None = None, rate: str | Fraction = "10%",
           scenarios: int = 100, seed: int = 0, event: str | None = None, attributes: Mapping[str, Any] | None = None,
           start: date | str | None = None, assume: Mapping[str, str] | None = None, by: str | None = None,
           client: Any = None, progress: Progress | None = None, max_scenarios: int = MAX_SCENARIOS) -> Scenarios:
    """Sampled scenarios: in each, every grant's service ends on a date drawn from a yearly `rate` from `start`
    (default: today); one row of totals per scenario and as-of date, and their distribution (`distribution()`)."""
    loaded = load_form(form)
    dates = as_of_dates(as_of)
    if not 1 <= scenarios <= max_scenarios:
        raise WorkTooLarge(f"{scenarios:,} scenarios", max_scenarios, "scenarios", "--max-scenarios",
                           "max_scenarios") if scenarios > max_scenarios else QueryError("sample at least 1 scenario")
    sampler = Sampler(*_sampled_event(loaded, event, attributes or {}), _rate(rate),
                      as_of_dates(start)[0] if start is not None else date.today(), seed)
    readings = loaded.model.readings(assume)
    runs = [Scenario({"scenario": n + 1}, readings, day, sampled=n) for n in range(scenarios) for day in dates]
    return _scenarios(Job(loaded, grants, _events(events), by, sampler), runs, ["scenario"],
                      sampler.described(scenarios), assume, client, progress)


def _sampled_event(form: Form, event: str | None, attributes: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """The event sampled (default: the one that ends service) and its attributes, read as the form declares."""
    from optionrules.timeline import read_value

    engine = Engine(form, form.model.readings())
    ending = [name for name, handler in engine.plan.events.items() if handler.ends_service]
    name = event or (ending[0] if ending else None)
    if name is None or name not in form.model.events:
        raise QueryError(f"--sample-event: name an event of the form ({', '.join(form.model.events)})")
    declared = form.model.events[name].attrs
    unknown = [a for a in attributes if a not in declared]
    missing = [a for a in declared if a not in attributes]
    if unknown or missing:
        raise QueryError(f"the sampled {name} needs its attributes {', '.join(declared) or '(none)'}: "
                         + "; ".join([*(f"{a} is not one" for a in unknown), *(f"{a} is missing" for a in missing)]))
    try:
        return name, {a: read_value(v, declared[a], form.model.enums) for a, v in attributes.items()}
    except ValueError as error:
        raise QueryError(f"the sampled {name}: {error}") from None


def _rate(rate: str | Fraction) -> Fraction:
    """A yearly rate: `10%`, `0.1` or a Fraction, strictly between 0 and 1."""
    try:
        value = Fraction(rate.strip().rstrip("%")) / (100 if rate.strip().endswith("%") else 1) \
            if isinstance(rate, str) else Fraction(rate)
    except (ValueError, ZeroDivisionError):
        raise QueryError(f"the rate {rate!r} is not a number (write 10% or 0.1)") from None
    if not 0 < value < 1:
        raise QueryError(f"the rate {rate!r} must be more than 0% and less than 100% a year")
    return value


def _events(events: Table | Source | None) -> Source | None:
    return _source(events, "events file", Problems("events")) if events is not None else None


def _scenarios(job: Job, scenarios: list[Scenario], columns: list[str], described: str,
               assume: Mapping[str, str] | None, client: Any, progress: Progress | None) -> Scenarios:
    base = evaluate(job.form, job.grants, job.events, as_of=scenarios[0].as_of, assume=assume, by=job.by)
    if client is not None:
        from optionrules.cluster import scenarios_on

        rows = scenarios_on(client, job, scenarios, watched=progress is not None)
    else:
        rows = run_scenarios(job, scenarios, progress)
    return Scenarios(columns, job.form.model.figures, rows, described, base)


def write_rows(rows: pa.Table, form: str, output: str | None, about: Mapping[str, str]) -> str | None:
    """Rows as CSV or JSON (returned as text, or written to `output`), or Parquet (written to `output`); CSV
    cells are guarded against formulas, shares and dates written exactly."""
    from optionrules.files import write_text

    if form == "table":  # a file is data: its format from its name
        form = {".csv": "csv", ".json": "json", ".parquet": "parquet"}.get(Path(output or "").suffix.lower(), "")
        if not form:
            raise QueryError("--output: name a .csv, .json or .parquet file, or give --format csv, json or parquet")
    if form == "parquet":
        if output is None:
            raise QueryError("Parquet is written to a file: name it")
        _write_parquet(rows, output)
        return None
    text = _csv(rows) if form == "csv" else _json(rows, about)
    if output is None:
        return text
    write_text(output, text, "output")
    return None


def _csv(rows: pa.Table) -> str:
    import csv
    import io

    from optionrules.values import csv_value

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(rows.column_names)
    for record in rows.to_pylist():
        writer.writerow([csv_value(v) for v in record.values()])
    return out.getvalue()


def _json(rows: pa.Table, about: Mapping[str, str]) -> str:
    import json

    from optionrules.schemas import versioned
    from optionrules.values import json_value

    records = [{k: json_value(v) for k, v in r.items()} for r in rows.to_pylist()]
    return json.dumps(versioned({**about, "rows": records}), indent=1, ensure_ascii=False, default=str)


def _write_parquet(rows: pa.Table, output: str) -> None:
    """A Parquet file written whole or not at all (as `fmt --write` writes: links, mode and owner kept)."""
    import pyarrow.parquet as pq

    from optionrules.files import check_output, write_bytes

    check_output(output, "output")
    buffer = pa.BufferOutputStream()
    pq.write_table(rows, buffer)
    write_bytes(output, buffer.getvalue().to_pybytes(), "output")


def bound_grants(form_path: str | Path, csv_path: str | Path) -> tuple[dict[str, Any], list[Diagnostic],
                                                                        dict[str, str]]:
    """The grants of a CSV file (read as `grants.read_grants` reads them) as contracts bound to the form checked
    once; the rows whose values may break a constraint of the form are checked whole. Returns the contracts by
    id, every problem, and the sources."""
    from optionrules.binding import BoundContract
    from optionrules.grants import checked_grant, read_grants

    form = Form.load(form_path)
    rows, problems = read_grants({n: a.declared for n, a in form.parameters.items()}, csv_path,
                                 [n for n, a in form.parameters.items() if a.optional])
    engine = Engine(form, form.model.readings())
    columns, odd = _row_columns(form, [with_defaults(form.parameters, row.values) for row in rows])
    try:
        flagged = odd | Constraints.of(form.model, engine.readings, engine.plan.missing_day).may_break(
            columns, len(rows))[0]
    except Unsupported:
        flagged = np.ones(len(rows), dtype=bool)
    sources = {**form.model.sources, form.path: form.text}
    contracts: dict[str, Any] = {}
    for row, grant in zip(flagged.tolist(), rows):
        if row:
            contract, diagnostics = checked_grant(form.module, form.text, grant, csv_path, sources)
            problems += diagnostics
            if contract is not None:
                contracts[grant.id] = contract
        else:
            contracts[grant.id] = BoundContract(form, grant.values, grant.id)
    return contracts, problems, sources


def _row_columns(form: Form, rows: Sequence[Mapping[str, Any]]) -> tuple[dict[str, Any], Column]:
    """The numbers and dates of rows read one by one, as columns; and the rows with a value no column holds
    (a fraction of a share): those are checked whole."""
    odd = np.zeros(len(rows), dtype=bool)
    columns: dict[str, Any] = {}
    for name, attr in form.parameters.items():
        if attr.declared not in ("shares", "int", "date", "days"):
            continue
        values = np.zeros(len(rows), dtype=np.int64)
        for i, row in enumerate(rows):
            value = row.get(name)
            if isinstance(value, date):
                values[i] = value.toordinal()
            elif isinstance(value, Duration):
                values[i] = value.days
            elif isinstance(value, int) and abs(value) < 2**62:
                values[i] = value
            else:
                odd[i] = True
        columns[name] = values
    return columns, odd
