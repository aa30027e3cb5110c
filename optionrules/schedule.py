"""The vesting table: every date on which a figure changes, and the clause that changed it."""

from __future__ import annotations

import csv
import html
import io
import json
from datetime import date
from typing import Any

import attrs

from optionrules.compile import Plan
from optionrules.evaluate import Evaluation, Step, evaluate
from optionrules.model import FIGURES, ClauseRef
from optionrules.printer import show_value
from optionrules.timeline import Timeline
from optionrules.values import csv_value, json_value, shift

_HEADER = ["date", *FIGURES, "clauses"]


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
        return [self.date.isoformat(), *(show_value(self.figures[f]) for f in FIGURES), self.citations]

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
    rows: list[Change]

    def to_json(self) -> str:
        return json.dumps([row.to_dict() for row in self.rows], indent=2, ensure_ascii=False)

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(_HEADER)
        for row in self.rows:
            cells = [row.date, *(row.figures[f] for f in FIGURES), row.citations]
            writer.writerow([csv_value(cell) for cell in cells])
        return out.getvalue()

    def table(self) -> str:
        from optionrules.render import table

        return "\n".join([self.title, "", *table(_HEADER, [row.cells() for row in self.rows])])

    def _repr_html_(self) -> str:
        from optionrules.render import html_table

        return f"<p><b>{html.escape(self.title)}</b></p>" + html_table(_HEADER, [row.cells() for row in self.rows])

    def plot(self) -> Any:
        from optionrules.charts import schedule_chart

        return schedule_chart(self)


def vesting_table(plan: Plan, timeline: Timeline, title: str) -> VestingTable:
    """Evaluate on every date something can change; keep the dates where something did."""
    trace: list[Step] = []
    last_event = timeline.events[-1].date if timeline.events else plan.expiration
    final = evaluate(plan, timeline.events, shift(max(last_event, plan.expiration), 1), trace)
    candidates = _candidates(plan, timeline, final, trace)
    rows: list[Change] = []
    previous: dict[str, Any] | None = None
    for day in candidates:
        result = evaluate(plan, timeline.events, day)
        figures = result.figures()
        if previous is not None and figures == previous:
            continue
        changes = {f: (previous[f] if previous else None, v) for f, v in figures.items()
                   if previous is None or previous[f] != v}
        rows.append(Change(day, figures, changes, _why(plan, result, day, trace, changes)))
        previous = figures
    return VestingTable(title, rows)


def _candidates(plan: Plan, timeline: Timeline, final: Evaluation, trace: list[Step]) -> list[date]:
    """Installment and event dates, and the day after each deadline, lock-up and the expiration."""
    days = {plan.model.grant.grant_date if plan.model.grant else plan.expiration, shift(plan.expiration, 1)}
    days.update(plan.dates)
    days.update(e.date for e in timeline.events)
    days.update(step.date for step in trace)
    if final.exercise_deadline is not None:
        days.add(shift(final.exercise_deadline, 1))
    for start, end, _ in final.provenance.lockups:
        days.update((start, shift(end, 1)))
    return sorted(days)


def _why(plan: Plan, result: Evaluation, day: date, trace: list[Step],
         changes: dict[str, Any]) -> tuple[ClauseRef, ...]:
    refs = [step.clause for step in trace if step.date == day]
    refs += [s.ref for s in plan.schedules if day in s.dates]
    p = result.provenance
    if "expired" in changes and result.expired:
        refs += p.deadline
    if "sale_blocked" in changes:
        refs += [ref for start, end, ref in p.lockups if day in (start, shift(end, 1))]
    if not refs and day > plan.expiration:
        refs.append(plan.term)
    return tuple(dict.fromkeys(refs))

