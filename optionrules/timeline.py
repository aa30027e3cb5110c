"""Timelines: events read from JSON (or Python objects) and validated against a contract's vocabulary.

A timeline that cannot mean anything under the contract (an unknown event, a
value outside its enumeration, an impossible date, a negative share count, a
missing field) is an input error naming the event's index and field. Whether the
contract allows a well-formed event is the evaluator's business, not this one's.
"""

from __future__ import annotations

import json
import math
import re
import reprlib
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any

from optionrules.errors import Diagnostic, Problems, TimelineError, did_you_mean, line_and_column
from optionrules.files import FileError, display_name, read_text
from optionrules.limits import TIMELINE_BYTES
from optionrules.model import Attr, EnumType, Model
from optionrules.records import record
from optionrules.values import Duration, json_value

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_DIGITS = 15  # a share count, a number of days or an amount in a timeline
MAX_PRECISION = 30  # the significant digits of a number with a fraction (0.333... from a float has 16 or 17)
MAX_NESTING = 100  # of JSON arrays and objects
MAX_EVENTS = 10_000  # in a timeline


@record
class Event:
    """One event of a timeline: its position in the input, its date, its name and its attributes."""

    index: int
    date: date
    name: str
    attrs: Mapping[str, Any]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"date": self.date.isoformat(), "event": self.name}
        for key, value in self.attrs.items():
            out[key] = json_value(value)
        return out



@record
class Timeline:
    """Validated events in the order they apply: by date, then by their position in the input."""

    events: tuple[Event, ...]

    @staticmethod
    def of(events: Iterable[Event]) -> Timeline:
        return Timeline(in_order(events))

    def to_dict(self) -> dict[str, Any]:
        return {"events": [event.to_dict() for event in sorted(self.events, key=lambda e: e.index)]}


def in_order(events: Iterable[Event]) -> tuple[Event, ...]:
    """Events in the order they apply: by date, then by their position in the input."""
    return tuple(sorted(events, key=lambda e: (e.date, e.index)))


def as_date(value: Any, what: str = "date") -> date:
    """A `date` from a date or an ISO string; ValueError with a readable message otherwise."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value.strip()):
        raise ValueError(f"{what} must be an ISO date (YYYY-MM-DD), not {value!r}")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{what} {value!r} is not a possible date (YYYY-MM-DD)") from None


def load_timeline(path: str | Path, model: Model) -> Timeline:
    """Read and validate a timeline file (standard input for `-`); raises TimelineError with every problem."""
    name = display_name(path)
    try:
        text = read_text(path, TIMELINE_BYTES, "timeline")
    except FileError as error:
        raise TimelineError(error.diagnostics) from None
    return read_timeline(parse_json(text, name), model, name)


def parse_json(text: str, name: str) -> Any:
    """JSON, each object knowing the keys it was given twice, its numbers exact (a float would read
    `1.99999999999999999` as 2 and `1e-400` as 0); TimelineError where it cannot be read."""
    try:
        return json.loads(text, object_pairs_hook=_Object.of, parse_int=_integer, parse_float=Decimal)
    except json.JSONDecodeError as error:
        raise TimelineError([Diagnostic(f"not valid JSON: {error.msg}",
                                        where=f"{name}:{error.lineno}:{error.colno}")]) from None
    except RecursionError:  # json nests by recursion
        line, column = line_and_column(text, _too_deep(text))
        raise TimelineError([Diagnostic(f"JSON nested more than {MAX_NESTING} levels deep (a timeline needs 3)",
                                        where=f"{name}:{line}:{column}")]) from None


class _Object(dict[str, Any]):
    """A JSON object; `repeated`: the keys it was given more than once (json would keep the last silently)."""

    repeated: tuple[str, ...] = ()

    @classmethod
    def of(cls, pairs: list[tuple[str, Any]]) -> _Object:
        made = cls(pairs)
        if len(made) < len(pairs):
            counts = Counter(key for key, _ in pairs)
            made.repeated = tuple(key for key, n in counts.items() if n > 1)
        return made


def _integer(digits: str) -> int | Decimal:
    """A JSON integer; one too long for Python's int (4,300 digits) stays a Decimal, refused where it is used."""
    return int(digits) if len(digits) <= MAX_DIGITS + 1 else Decimal(digits)


_JSON_NESTING = re.compile(r'"(?:[^"\\]++|\\.)*+"|[\[\]{}]')


def _too_deep(text: str) -> int:
    """The offset of the first bracket nested more than MAX_NESTING deep."""
    depth = 0
    for token in _JSON_NESTING.finditer(text):
        if token[0] in "[{":
            depth += 1
            if depth > MAX_NESTING:
                return token.start()
        elif token[0] in "]}":
            depth -= 1
    return 0


def read_timeline(data: Any, model: Model, source: str = "<timeline>") -> Timeline:
    """Validate events given as `{"events": [...]}`, a bare list, or `Event` objects."""
    if isinstance(data, Timeline):
        return data
    if isinstance(data, Mapping):
        if "events" not in data:
            raise TimelineError([Diagnostic("a timeline is an object with \"events\": [...] or a list of events",
                                            where=source)])
        if "events" in getattr(data, "repeated", ()):
            raise TimelineError([Diagnostic('"events" is given twice', where=source)])
        data = data["events"]
    if isinstance(data, (str, bytes)) or not isinstance(data, Iterable):
        raise TimelineError([Diagnostic("the events must be a list", where=source)])
    events: list[Event] = []
    problems = Problems(source)
    for index, raw in enumerate(data):
        if index == MAX_EVENTS:
            raise TimelineError([Diagnostic(f"more than {MAX_EVENTS:,} events: not read (the limit for a timeline)",
                                            where=source)])
        if isinstance(raw, Event):
            events.append(Event(index, raw.date, raw.name, raw.attrs))
            continue
        event = _read_event(index, raw, model, source, problems)
        if event is not None:
            events.append(event)
    if problems:
        raise TimelineError(problems.reported())
    return Timeline.of(events)


def _read_event(index: int, raw: Any, model: Model, source: str, problems: Problems) -> Event | None:
    where = f"{source}: events[{index}]"

    def problem(message: str, field: str | None = None, hint: str | None = None) -> None:
        label = where if field is None else f"{where}, field {shown(field)}"
        problems.add(Diagnostic(message, where=label, hint=hint))

    if not isinstance(raw, Mapping):
        problem(f"an event must be an object with \"date\" and \"event\", not {shown(raw)}")
        return None
    errors_before = problems.total
    for key in getattr(raw, "repeated", ()):
        problem(f"{shown(key)} is given twice (which one is meant?)", key)
    when: date | None = None
    if "date" not in raw:
        problem("missing \"date\"", "date")
    else:
        try:
            when = as_date(raw["date"])
        except ValueError as error:
            problem(str(error), "date")
    name = raw.get("event")
    if name is None:
        problem("missing \"event\" (the event's name)", "event")
        return None
    if not isinstance(name, str) or name not in model.events:
        problem(f"unknown event {shown(name)} (the contract declares: {', '.join(model.events)})", "event",
                did_you_mean(str(name), model.events) if isinstance(name, str) and len(name) < 100 else None)
        return None
    where = f"{where} ({_brief(raw.get('date'))} {name})"
    declared = model.events[name].attrs
    values: dict[str, Any] = {}
    for field in raw:
        if field not in ("date", "event") and field not in declared:
            problem(f"{name} has no attribute {shown(field)} (it has: {', '.join(declared) or 'none'})", field,
                    did_you_mean(field, declared) if isinstance(field, str) and len(field) < 100 else None)
    for attr in declared.values():
        if attr.name not in raw and attr.optional:
            values[attr.name] = attr.default
            continue
        if attr.name not in raw:
            problem(f"missing {attr.name!r} ({attr.declared})", attr.name)
            continue
        try:
            values[attr.name] = read_value(raw[attr.name], attr, model.enums)
        except ValueError as error:
            problem(str(error), attr.name)
    if problems.total > errors_before or when is None:
        return None
    return Event(index, when, name, values)


class _Shown(reprlib.Repr):
    """reprlib's repr, for any int (repr refuses one of more than 4,300 digits) and a Decimal as written."""

    def repr_int(self, x: int, level: int) -> str:
        if x.bit_length() > 10_000:
            return f"a number of some {int(x.bit_length() * math.log10(2)):,} digits"
        return super().repr_int(x, level)

    def repr_Decimal(self, x: Decimal, level: int) -> str:
        return self.repr_str(str(x), level)[1:-1]


_SHOWN = _Shown()
_SHOWN.maxstring = _SHOWN.maxother = 60
_SHOWN.maxlong = 40


def shown(value: Any) -> str:
    """A value from input as a message quotes it: its repr, cut short if long."""
    return _SHOWN.repr(value)


def _brief(value: Any) -> str:
    return value if isinstance(value, str) and len(value) <= 40 else shown(value)


def read_value(value: Any, attr: Attr, enums: Mapping[str, EnumType]) -> Any:
    """A value given for an event's attribute (or a form's parameter), as its declared type reads it."""
    declared = attr.declared
    if declared in enums:
        members = enums[declared].members
        if value not in members:
            raise ValueError(f"{shown(value)} is not a {declared} (one of: {', '.join(members)})")
        return value
    if declared == "text":
        if not isinstance(value, str):
            raise ValueError(f"{attr.name} must be a text, not {shown(value)}")
        return value
    if declared == "date":
        return as_date(value, attr.name)
    if declared == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"{attr.name} must be true or false, not {shown(value)}")
        return value
    if declared == "money":
        return _decimal(_amount(value), attr.name)
    if declared == "days" and isinstance(value, Duration):
        return value
    number = _number(value, attr.name)
    if declared == "shares":
        if number < 0:
            raise ValueError(f"a share count cannot be negative ({shown(value)})")
        return number
    if number != int(number):
        raise ValueError(f"{attr.name} must be a whole number, not {shown(value)}")
    if declared == "days":
        if number < 0:
            raise ValueError(f"a number of days cannot be negative ({shown(value)})")
        return Duration(days=int(number))
    return int(number)


def _number(value: Any, what: str) -> int | Fraction:
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal, Fraction)):
        raise ValueError(f"{what} must be a number, not {shown(value)}")
    if isinstance(value, int):
        if abs(value) >= 10**MAX_DIGITS:
            raise ValueError(f"{what} must be a number of at most {MAX_DIGITS} digits, not {shown(value)}")
        return value
    exact = Fraction(value) if isinstance(value, Fraction) else Fraction(_decimal(value, what))
    return int(exact) if exact.denominator == 1 else exact


_CURRENCY = re.compile(r"^\s*[A-Z]{3}\s+")


def _amount(value: Any) -> Any:
    """An amount of money as a contract writes it (`USD 0.50`) or bare (`0.50`, 0.5): the number."""
    return _CURRENCY.sub("", value) if isinstance(value, str) else value


def _decimal(value: Any, what: str) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(f"{what} must be a number, not {shown(value)}")
    try:
        result = Decimal(str(value).replace(",", "")) if isinstance(value, (int, float, str)) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError(f"{what} must be a number, not {shown(value)}") from None
    if not result.is_finite() or abs(result.adjusted()) > MAX_DIGITS or len(result.as_tuple().digits) > MAX_PRECISION:
        raise ValueError(f"{what} must be a finite number of at most {MAX_DIGITS} digits (and {MAX_PRECISION} "
                         f"significant ones), not {shown(value)}")
    return result
