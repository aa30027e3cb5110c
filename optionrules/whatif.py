"""What-if sweeps: add an event (or several) to a base timeline, vary its date, its attributes and the
readings of assumptions, and evaluate every combination against plans compiled once.

    --vary 'termination.date=2003-01-01..2006-12-31 step 1 month'
    --vary 'termination.reason=resignation,death,cause'
    --vary 'assume pro_rata_days=exclusive,inclusive'

A sweep is refused, before anything is evaluated, past `max_rows` combinations (MAX_ROWS unless raised).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import re
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import attrs

from optionrules.compile import PlanSource
from optionrules.errors import QueryError, one_line
from optionrules.evaluate import evaluate
from optionrules.limits import MAX_ROWS, WorkTooLarge, checked, steps
from optionrules.printer import show_value
from optionrules.progress import Progress
from optionrules.records import record
from optionrules.timeline import Event, Timeline, as_date, in_order, read_value
from optionrules.values import UNIT_WORDS, Duration, add, csv_value, json_value

_RANGE = re.compile(r"^(?P<start>\S+)\s*\.\.\s*(?P<end>\S+?)(\s+step\s+(?P<step>\d+)\s*(?P<unit>\w+))?$")


@record
class Vary:
    """One --vary: the name it was given (a column of the result), what it varies, its values."""

    label: str  # "termination.date", "termination.reason" or "assume pro_rata_days"
    event: str | None  # the event varied, or None for an assumption
    field: str  # "date", an attribute, or the assumption's name
    values: tuple[Any, ...]


def parse_vary(spec: str, contract: PlanSource, max_values: int = MAX_ROWS) -> Vary:
    """`EVENT.date=START..END [step N unit]`, `EVENT.date=D1,D2`, `EVENT.ATTR=v1,v2`, `assume NAME=r1,r2`;
    a date range of more than `max_values` dates is refused before its dates are made."""
    if not isinstance(spec, str):
        raise QueryError(f"a --vary is a text, EVENT.date=..., EVENT.ATTRIBUTE=V1,V2 or assume NAME=R1,R2, not "
                         f"{spec!r}")
    max_values = checked(max_values, "max_rows")
    label, sep, raw = spec.partition("=")
    label, raw = label.strip(), raw.strip()
    if not sep or not label or not raw:
        raise QueryError(f"--vary {spec!r}: write NAME=VALUES: EVENT.date=..., EVENT.ATTRIBUTE=V1,V2 "
                         "or assume NAME=R1,R2")
    model = contract.model
    if label.startswith("assume "):
        name = label[len("assume "):].strip()
        readings = _split(raw)
        assumption = model.assumptions.get(name)
        if assumption is None:
            raise QueryError(f"--vary {spec!r}: no assumption {name!r} (this contract's: "
                             f"{', '.join(model.assumptions) or 'none'})")
        for reading in readings:
            if reading not in assumption.readings:
                raise QueryError(f"--vary {spec!r}: {reading!r} is not a reading of {name} "
                                 f"(one of: {', '.join(assumption.readings)})")
        return Vary(f"assume {name}", None, name, tuple(readings))
    event, dot, field = label.partition(".")
    if event not in model.events:
        raise QueryError(f"--vary {spec!r}: unknown event {event!r} (this contract's: {', '.join(model.events)})")
    if not dot or not field:
        raise QueryError(f"--vary {spec!r}: name the field, e.g. {event}.date")
    if field == "date":
        return Vary(label, event, "date", _dates(raw, spec, max_values))
    attr = model.events[event].attrs.get(field)
    if attr is None:
        fields = ", ".join(["date", *model.events[event].attrs])
        raise QueryError(f"--vary {spec!r}: {event} has no field {field!r} (it has: {fields})")
    try:
        values = tuple(read_value(_typed(v, attr.declared), attr, model.enums) for v in _split(raw))
    except ValueError as error:
        raise QueryError(f"--vary {spec!r}: {error}") from None
    return Vary(label, event, field, values)


def _split(raw: str) -> list[str]:
    values = [v.strip() for v in raw.split(",")]
    if not all(values):
        raise QueryError(f"an empty value in {raw!r}")
    return values


def _typed(text: str, declared: str) -> Any:
    """A value as written on the command line, for `read_value`: `true` and `false` for a bool, the text
    itself otherwise (a number is read from its digits, exactly; a text stays a text, `+1` included)."""
    return {"true": True, "false": False}.get(text, text) if declared == "bool" else text


def _dates(raw: str, spec: str, max_values: int) -> tuple[date, ...]:
    match = _RANGE.match(raw)
    try:
        if match is None:
            return tuple(as_date(v) for v in _split(raw))
        start, end = as_date(match["start"]), as_date(match["end"])
    except ValueError as error:
        raise QueryError(f"--vary {spec!r}: {error}") from None
    unit = match["unit"] or "day"
    if len(match["step"] or "") > _DAYS_DIGITS:
        raise QueryError(f"--vary {spec!r}: the step is longer than the calendar")
    amount = int(match["step"] or 1)
    if unit not in UNIT_WORDS:
        raise QueryError(f"--vary {spec!r}: step unit {unit!r} is not days, weeks, months or years")
    if amount == 0:
        raise QueryError(f"--vary {spec!r}: the step must be at least 1 {UNIT_WORDS[unit]}")
    if end < start:
        raise QueryError(f"--vary {spec!r}: the range is empty ({end.isoformat()} is before {start.isoformat()})")
    step = Duration.of(amount, UNIT_WORDS[unit])
    count = steps(start, end, step) + 1
    if count > max_values:
        raise _too_many(f"--vary {spec!r}: {count:,} dates", max_values)
    return tuple(add(start, step * k) for k in range(count))  # from the anchor, never stepped


_DAYS_DIGITS = len(str((date.max - date.min).days))  # a number of days within the calendar has at most 7 digits


@record
class AsOf:
    """The as-of date of each row: a fixed date, or N days after a varied event's date."""

    fixed: date | None = None
    event: str | None = None
    days: int = 0

    @classmethod
    def default(cls, varies: Sequence[Vary]) -> AsOf:
        """Without an as-of date: the day of the varied event (event+0), or today where no date is varied (only
        attributes or readings)."""
        if any(v.event is not None and v.field == "date" for v in varies):
            return cls.parse("event+0", varies)
        return cls(fixed=date.today())

    @classmethod
    def parse(cls, text: str, varies: Sequence[Vary]) -> AsOf:
        match = re.match(r"^\s*([A-Za-z_]\w*)\s*([+-]\s*\d+)?\s*$", text)
        if match is None:
            try:
                return cls(fixed=as_date(text, "--as-of"))
            except ValueError as error:
                raise QueryError(f"{error}; or write event+N (N days after the varied event)") from None
        dated = [v.event for v in varies if v.event is not None and v.field == "date"]
        name = match[1]
        if name == "event":
            if not dated:
                raise QueryError("--as-of event+N needs a varied date: --vary EVENT.date=...")
            name = str(dated[0])
        elif name not in dated:
            raise QueryError(f"--as-of {text!r}: {name!r} is not an event whose date is varied")
        days = match[2].replace(" ", "") if match[2] else "0"
        if len(days.lstrip("+-")) > _DAYS_DIGITS:
            raise QueryError(f"--as-of {text!r}: more days than the calendar has (0001-01-01 to 9999-12-31)")
        return cls(event=name, days=int(days))

    def on(self, added: dict[str, date]) -> date:
        """The as-of date of a row; QueryError past either end of the calendar."""
        if self.fixed is not None:
            return self.fixed
        varied = added[str(self.event)]
        try:
            return varied + timedelta(days=self.days)
        except OverflowError:
            raise QueryError(f"--as-of {self.event}{self.days:+d}: {varied.isoformat()} {self.days:+d} days is "
                             "past the calendar (0001-01-01 to 9999-12-31)") from None


@attrs.define
class WhatIf:
    """One row per combination: the varied values under their --vary names, the as-of date, the figures."""

    columns: list[str]
    figures: tuple[str, ...]  # the contract's figures but `granted`
    rows: list[dict[str, Any]]
    events: tuple[Event, ...] = ()  # the base timeline's (a chart marks them)

    @property
    def header(self) -> list[str]:
        return [*self.columns, "as_of", *self.figures]

    def to_json(self) -> str:
        """What `optionrules whatif --format json` prints (schemas/whatif.json)."""
        from optionrules.schemas import versioned

        rows = [{k: json_value(v) for k, v in row.items()} for row in self.rows]
        return json.dumps(versioned({"varied": self.columns, "rows": rows}), indent=2, ensure_ascii=False)

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.header)
        for row in self.rows:
            writer.writerow([csv_value(row[k]) for k in self.header])
        return out.getvalue()

    def table(self) -> str:
        from optionrules.render import table

        cells = [[one_line(show_value(row[k])) for k in self.header] for row in self.rows]  # escaped, then aligned
        return "\n".join(table(self.header, cells))

    def _repr_html_(self) -> str:
        from optionrules.render import html_table

        shown = [[show_value(row[k]) for k in self.header] for row in self.rows[:500]]
        more = f"<p>... {len(self.rows) - 500} more rows</p>" if len(self.rows) > 500 else ""
        return html_table(self.header, shown) + more

    def plot(self, figure: str = "exercisable") -> Any:
        """A matplotlib figure: `figure` against the varied date, one line per other combination."""
        from optionrules.charts import sweep_chart

        return sweep_chart(self, figure)


def whatif(contract: PlanSource, base: Timeline, varies: Sequence[Vary], as_of: AsOf,
           assume: dict[str, str] | None = None, progress: Progress | None = None, max_rows: int = MAX_ROWS
           ) -> WhatIf:
    """Evaluate every combination of the varied values; each plan is compiled once. `progress(done, total)` is
    told the size of the sweep first (`done` 0); more than `max_rows` combinations are refused (WorkTooLarge)."""
    max_rows = checked(max_rows, "max_rows")
    events = _varied_events(contract, varies)
    total = math.prod(len(v.values) for v in varies)
    if total > max_rows:
        raise _too_many(f"--vary: {' x '.join(f'{len(v.values):,}' for v in varies)} = {total:,} combinations",
                        max_rows)
    if progress is not None:
        progress(0, total)
    base_events = list(base.events)
    rows = []
    for n, combination in enumerate(itertools.product(*(v.values for v in varies))):
        readings = dict(assume or {})
        fields: dict[str, dict[str, Any]] = {name: {} for name in events}
        for vary, value in zip(varies, combination):
            if vary.event is None:
                readings[vary.field] = value
            else:
                fields[vary.event][vary.field] = value
        added = [Event(len(base_events) + i, f["date"], name, {k: v for k, v in f.items() if k != "date"})
                 for i, (name, f) in enumerate(fields.items())]
        timeline = in_order(base_events + added)
        when = as_of.on({e.name: e.date for e in added})
        result = evaluate(contract.plan(readings), timeline, when)
        row = {vary.label: value for vary, value in zip(varies, combination)}
        row["as_of"] = when
        row.update(result.figures())
        rows.append(row)
        if progress is not None:
            progress(n + 1, total)
    figures = tuple(f.name for f in contract.model.figures if f.name != "granted")
    return WhatIf([v.label for v in varies], figures, rows, base.events)


def _too_many(size: str, max_rows: int) -> WorkTooLarge:
    return WorkTooLarge(size, max_rows, "rows a sweep may have", "--max-rows", "max_rows")


def _varied_events(contract: PlanSource, varies: Sequence[Vary]) -> list[str]:
    """The events added to the timeline; each needs its date and every attribute varied (one value will do)."""
    groups: dict[str, list[Vary]] = {}
    for vary in varies:
        if vary.event is not None:
            groups.setdefault(vary.event, []).append(vary)
    for name, group in groups.items():
        given = {v.field for v in group}
        missing = [f for f in ["date", *contract.model.events[name].attrs] if f not in given]
        if missing:
            raise QueryError(f"--vary: the added {name} event needs "
                             + ", ".join(f"{name}.{f}=..." for f in missing) + " (a single value will do)")
    if len({v.label for v in varies}) != len(varies):
        raise QueryError("--vary: the same field is varied twice")
    return list(groups)

