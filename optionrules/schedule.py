"""The vesting table: every date on which a figure changes, and the clause that changed it."""

from __future__ import annotations

import csv
import html
import io
import json
from datetime import date
from typing import Any

import attrs

from optionrules.compile import EvaluationPlan, horizon
from optionrules.errors import one_line
from optionrules.evaluate import Evaluation, WaitingFor, evaluate
from optionrules.figures import Figure
from optionrules.model import ClauseRef
from optionrules.printer import show_value
from optionrules.timeline import Event, Timeline
from optionrules.trace import Trace
from optionrules.values import csv_value, json_value, shift


def _columns(figures: tuple[Figure, ...]) -> tuple[Figure, ...]:
    """The figures a row shows: every figure of the contract but `granted`, the same on every row."""
    return tuple(f for f in figures if f.name != "granted")


@attrs.define
class Change:
    date: date
    figures: dict[str, Any]
    changes: dict[str, tuple[Any, Any]]  # figure -> (before, after)
    clauses: tuple[ClauseRef, ...]

    @property
    def citations(self) -> str:
        return "; ".join(dict.fromkeys(c.citation for c in self.clauses))

    def cells(self) -> list[str]:
        """The row as a table shows it."""
        return [self.date.isoformat(), *(show_value(v) for v in self.figures.values()), self.citations]

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            **{k: json_value(v) for k, v in self.figures.items()},
            "changes": {k: {"from": json_value(a), "to": json_value(b)} for k, (a, b) in self.changes.items()},
            "clauses": [c.to_dict() for c in self.clauses],
        }


@attrs.define
class VestingTable:
    title: str
    figures: tuple[Figure, ...]
    rows: list[Change]
    events: tuple[Event, ...] = ()  # the timeline's (a chart marks them)
    waiting_for: tuple[WaitingFor, ...] = ()  # what was still open on the last date before the expiration

    @property
    def header(self) -> list[str]:
        return ["date", *(f.name for f in _columns(self.figures)), "clauses"]

    def to_json(self) -> str:
        """What `optionrules schedule --format json` prints (schemas/schedule.json)."""
        from optionrules.schemas import versioned

        payload = versioned({"contract": self.title, "rows": [row.to_dict() for row in self.rows],
                             **({"waiting_for": [w.to_dict() for w in self.waiting_for]} if self.waiting_for else {})})
        return json.dumps(payload, indent=2, ensure_ascii=False)

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.header)
        for row in self.rows:
            cells = [row.date, *row.figures.values(), row.citations]
            writer.writerow([csv_value(cell) for cell in cells])
        return out.getvalue()

    def table(self) -> str:
        from optionrules.render import table

        opened = [f"open: {waiting}" for waiting in self.waiting_for]
        rows = table(self.header, [row.cells() for row in self.rows])
        lines = [self.title, "", *rows, *([""] + opened if opened else [])]
        return "\n".join(one_line(line) for line in lines)

    def _repr_html_(self) -> str:
        from optionrules.render import html_table

        return f"<p><b>{html.escape(self.title)}</b></p>" + html_table(self.header, [row.cells() for row in self.rows])

    def plot(self) -> Any:
        from optionrules.charts import schedule_chart

        return schedule_chart(self)


def vesting_table(plan: EvaluationPlan, timeline: Timeline, title: str) -> VestingTable:
    """Evaluate on every date something can change; keep the dates where something did."""
    trace: Trace = []
    plan = plan.started(timeline.events)  # the schedules whose start or cliff the events set
    last_event = timeline.events[-1].date if timeline.events else plan.grant_date
    final = evaluate(plan, timeline.events, shift(max(last_event, horizon(plan)), 1), trace)
    candidates = _candidates(plan, timeline, final, trace)
    rows: list[Change] = []
    previous: dict[str, Any] | None = None
    still_open: tuple[WaitingFor, ...] = ()
    for day in candidates:
        result = evaluate(plan, timeline.events, day)
        if day <= plan.expiration:
            still_open = result.waiting_for
        figures = result.figures()
        if previous is not None and figures == previous:
            continue
        changes = {f: (previous[f] if previous else None, v) for f, v in figures.items()
                   if previous is None or previous[f] != v}
        rows.append(Change(day, figures, changes, _why(plan, result, day, trace, changes)))
        previous = figures
    return VestingTable(title, plan.figures, rows, timeline.events, still_open)


def _candidates(plan: EvaluationPlan, timeline: Timeline, final: Evaluation, trace: Trace) -> list[date]:
    """Installment and event dates, and the day after each deadline, lock-up and the expiration."""
    days = {plan.grant_date, shift(plan.expiration, 1)}
    days.update(plan.dates)
    days.update(e.date for e in timeline.events)
    days.update(fact.date for fact in trace)
    deadline = final.values.get("exercise_deadline")
    if deadline is not None:
        days.add(shift(deadline, 1))
    for start, end, _ in final.provenance.lockups:
        days.update((start, shift(end, 1)))
    days.update(shift(last_day, 1) for _, _, last_day in final.provenance.windows)
    days.update(shift(gate.deadline, 1) for gate in plan.gates)  # a gate not open by then: its schedule is lost
    for window in plan.windows:  # each tranche's deadline: the day after it, its units are overdue
        if window.vesting:
            days.update(shift(window.last_day(d, plan.missing_day), 1) for d in plan.dates)
    return sorted(d for d in days if d <= final.as_of)


def _why(plan: EvaluationPlan, result: Evaluation, day: date, trace: Trace,
         changes: dict[str, Any]) -> tuple[ClauseRef, ...]:
    refs = [fact.clause for fact in trace if fact.date == day]
    refs += [s.ref for s in plan.schedules if day in s.dates]
    refs += [gate.ref for gate in plan.gates if day == shift(gate.deadline, 1)]
    p = result.provenance
    if "expired" in changes and result.values["expired"]:
        refs += p.deadline
    if changes.keys() & {"overdue", "subject_to_repurchase", "released"}:
        refs += [ref for ref, _, last_day in p.windows if day == shift(last_day, 1)]
        refs += [w.ref for w in plan.windows if w.vesting and "overdue" in changes]
    if "sale_blocked" in changes:
        refs += [ref for start, end, ref in p.lockups if day in (start, shift(end, 1))]
    if not refs and day > plan.expiration and plan.term is not None:
        refs.append(plan.term)
    return tuple(dict.fromkeys(refs))

