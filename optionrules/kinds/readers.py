"""How the value of a key is read: one reader per shape of value, shared by every kind.

A reader takes the values written after `key:` and returns the checked value, or None once it has
reported why it cannot. It also says, for `optionrules kinds`, what it takes.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from fractions import Fraction
from typing import Any, Generic, TypeVar

from optionrules import ast
from optionrules.errors import did_you_mean
from optionrules.expressions import TExpr
from optionrules.kinds.base import Reading
from optionrules.model import Word
from optionrules.records import record
from optionrules.types import DATE, DURATION, NUMBER, PERCENT, TEXT, Type, TypeKind
from optionrules.values import Duration, MissingDay, add

T = TypeVar("T")
E = TypeVar("E", bound=StrEnum)


class Reader(Generic[T]):
    """Reads the values of one key; most keys take a single value (`read_one`)."""

    shape = "a value"
    choices: tuple[str, ...] = ()

    def read(self, values: tuple[ast.Value, ...], key: str, cx: Reading) -> T | None:
        if len(values) != 1:
            cx.error(f"`{key}` takes one value", values[1])
            return None
        return self.read_one(values[0], key, cx)

    def read_one(self, node: ast.Value, key: str, cx: Reading) -> T | None:
        raise NotImplementedError


class Text(Reader[str]):
    """A "string" (or a form's parameter of type text)."""

    shape = "a \"text\""

    def read_one(self, node: ast.Value, key: str, cx: Reading) -> str | None:
        if isinstance(node, ast.Name) and cx.constants.get(node.id, (None,))[0] == TEXT:
            return str(cx.constants[node.id][1])  # a form's text parameter
        if not isinstance(node, ast.StringLit):
            cx.error(f"`{key}` must be a \"string\"", node)
            return None
        return node.value


class Choice(Reader[Word[E]]):
    """One word of a fixed set, or an assumption whose readings are all such words."""

    def __init__(self, enum: type[E], *only: E):
        self.enum = enum
        self.choices = tuple(str(member) for member in (only or tuple(enum)))

    @property
    def shape(self) -> str:  # type: ignore[override]
        return " | ".join(self.choices)

    def read_one(self, node: ast.Value, key: str, cx: Reading) -> Word[E] | None:
        if not isinstance(node, ast.Name):
            cx.error(f"`{key}` must be one of: {', '.join(self.choices)}", node)
            return None
        return cx.word(node, key, self.choices, self.enum)


class Fixed(Reader[E]):
    """One word of a fixed set, as written (no assumption may choose it)."""

    def __init__(self, enum: type[E]):
        self.enum = enum
        self.choices = tuple(str(member) for member in enum)

    @property
    def shape(self) -> str:  # type: ignore[override]
        return " | ".join(self.choices)

    def read_one(self, node: ast.Value, key: str, cx: Reading) -> E | None:
        if not isinstance(node, ast.Name) or node.id not in self.choices:
            cx.error(f"`{key}` must be one of: {', '.join(self.choices)}", node,
                     did_you_mean(node.id, self.choices) if isinstance(node, ast.Name) else None)
            return None
        return self.enum(node.id)


class Bare(Reader[str]):
    """A single word, any word (the readings of an assumption)."""

    shape = "a word"

    def read_one(self, node: ast.Value, key: str, cx: Reading) -> str | None:
        if not isinstance(node, ast.Name):
            cx.error(f"`{key}` must be a single word", node)
            return None
        return node.id


class BareWords(Reader[tuple[str, ...]]):
    """A comma-separated list of words."""

    shape = "word, word, ..."

    def read(self, values: tuple[ast.Value, ...], key: str, cx: Reading) -> tuple[str, ...] | None:
        words = []
        for value in values:
            if not isinstance(value, ast.Name):
                cx.error(f"`{key}` must be a list of words", value)
                return None
            words.append(value.id)
        return tuple(words)


class Constant(Reader[Any]):
    """An expression of the type, folded now (the default readings of assumptions)."""

    def __init__(self, type_: Type):
        self.type = type_
        self.shape = str(type_)

    def read_one(self, node: ast.Value, key: str, cx: Reading) -> Any | None:
        value = cx.constant(node, self.type, f"`{key}`")
        if value is None:
            return None
        if isinstance(value, date) and value in (date.max, date.min) and not isinstance(node, ast.DateLit):
            cx.error(f"`{key}` falls outside the calendar (0001-01-01 .. 9999-12-31)", node)
            return None
        return value


class Whole(Constant):
    """A whole number, at least `minimum` (and at most `maximum`)."""

    def __init__(self, minimum: int = 0, maximum: int | None = None):
        from optionrules.types import NUMBER

        super().__init__(NUMBER)
        self.minimum, self.maximum = minimum, maximum
        self.shape = f"a whole number (at least {minimum:,})"

    def read_one(self, node: ast.Value, key: str, cx: Reading) -> int | None:
        value = super().read_one(node, key, cx)
        if value is None:
            return None
        if value != int(value) or value < self.minimum:
            cx.error(f"`{key}` must be a whole number of at least {self.minimum}, not {value}", node)
            return None
        if self.maximum is not None and value > self.maximum:
            cx.error(f"more than {self.maximum:,} {key}", node)
            return None
        return int(value)


class Expression(Reader[TExpr]):
    """An expression of the type evaluated when the clause's event happens (or, for an invariant, on every
    date): it may read events, figures and the event's attributes."""

    def __init__(self, type_: Type, runtime: bool = True):
        self.type = type_
        self.runtime = runtime
        self.shape = f"{type_} (an expression)"

    def read_one(self, node: ast.Value, key: str, cx: Reading) -> TExpr | None:
        return cx.typer(runtime=self.runtime).expect(node, self.type, f"`{key}`")


class EventName(Reader[str]):
    """The name of a declared event."""

    shape = "an event"

    def read_one(self, node: ast.Value, key: str, cx: Reading) -> str | None:
        if not isinstance(node, ast.Name):
            cx.error(f"`{key}` must name an event", node)
            return None
        return cx.event(node)


class EventAttribute(Reader[tuple[str, str]]):
    """`event.attribute`, an attribute declared with the type `declared` (any type if None)."""

    def __init__(self, declared: str | None = None):
        self.declared = declared
        self.shape = f"event.attribute (of type {declared})" if declared else "event.attribute"

    def read_one(self, node: ast.Value, key: str, cx: Reading) -> tuple[str, str] | None:
        if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)):
            cx.error(f"`{key}` must name an event's attribute, as in `event.attribute`", node)
            return None
        event = cx.event(node.value)
        if event is None:
            return None
        attrs = cx.model.events[event].attrs
        if node.attr not in attrs:
            cx.error(f"the event {event} has no attribute '{node.attr}'", node, did_you_mean(node.attr, attrs))
            return None
        attr = attrs[node.attr]
        if self.declared is not None and attr.declared != self.declared:
            if attr.type.kind is not TypeKind.ERROR:
                cx.error(f"`{key}` needs an attribute of type {self.declared}, not {attr.declared}", node)
            return None
        return event, node.attr


class TriggerAttribute(Reader[str]):
    """An attribute of the clause's own event: `shares` or `exercise.shares`."""

    shape = "an attribute of the event"

    def read_one(self, node: ast.Value, key: str, cx: Reading) -> str | None:
        trigger = cx.clause.trigger.id if cx.clause.trigger else ""
        attrs = cx.model.events[trigger].attrs
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == trigger:
            name = node.attr
        elif isinstance(node, ast.Name):
            name = node.id
        else:
            cx.error(f"`{key}` must name an attribute of {trigger}", node)
            return None
        if name not in attrs:
            cx.error(f"the event {trigger} has no attribute '{name}'", node, did_you_mean(name, attrs))
            return None
        return name


class Raw(Reader[tuple[ast.Value, ...]]):
    """Values read where the file is put together (`optionrules.compose`), taken as written here."""

    def __init__(self, shape: str):
        self.shape = shape

    def read(self, values: tuple[ast.Value, ...], key: str, cx: Reading) -> tuple[ast.Value, ...]:
        return values


class Record(Reader[ast.Record]):
    """`{ name: value ... }`, taken as written (its entries are read by the clause's kind)."""

    shape = "{ name: value ... }"

    def read_one(self, node: ast.Value, key: str, cx: Reading) -> ast.Record | None:
        if not isinstance(node, ast.Record):
            cx.error(f"`{key}` takes {{ name: value ... }}", node)
            return None
        return node


DATES = Constant(DATE)


@record
class EventOffset:
    """The first `event` (on or after the grant date) plus `offset`."""

    event: str
    offset: Duration

    def __str__(self) -> str:
        return self.event + (f" + {self.offset}" if self.offset != Duration() else "")


@record
class EventStart:
    """A date the timeline sets: an event plus an offset, or the later (`latest`) or the earlier of such dates
    and constant dates (`later_of(commencement + 12 months, ipo)`)."""

    parts: tuple[date | EventOffset, ...]
    latest: bool = True

    @property
    def events(self) -> tuple[str, ...]:
        return tuple(p.event for p in self.parts if isinstance(p, EventOffset))

    def resolve(self, happened: Mapping[str, date], missing_day: MissingDay) -> date | None:
        """The date, from the days the events first happened; None while it depends on one that has not (an
        earlier_of is known from its first part known: a later event cannot make it earlier than that)."""
        dates = [p if isinstance(p, date) else add(happened[p.event], p.offset, missing_day)
                 if p.event in happened else None for p in self.parts]
        known = [d for d in dates if d is not None]
        if self.latest:
            return max(known) if len(known) == len(dates) else None
        return min(known) if known else None

    def __str__(self) -> str:
        if len(self.parts) == 1:
            return str(self.parts[0])
        shown = ", ".join(p.isoformat() if isinstance(p, date) else str(p) for p in self.parts)
        return f"{'later_of' if self.latest else 'earlier_of'}({shown})"


class StartDate(Reader[date | EventStart]):
    """A constant date; or an event, or an event plus a duration (`ipo + 6 months`); or later_of/earlier_of of
    such dates and constant dates: a date the timeline sets."""

    shape = "a date, or an event (+ a duration), or later_of/earlier_of(dates and events)"

    def read_one(self, node: ast.Value, key: str, cx: Reading) -> date | EventStart | None:
        if isinstance(node, ast.Call) and node.func in ("later_of", "earlier_of") and _names_events(node, cx):
            parts = [self._part(arg.value, key, cx) for arg in node.args]
            if any(p is None for p in parts) or any(arg.name is not None for arg in node.args):
                return None
            return EventStart(tuple(p for p in parts if p is not None), latest=node.func == "later_of")
        if _is_event(node, cx):
            part = self._part(node, key, cx)
            return EventStart((part,)) if isinstance(part, EventOffset) else None
        value: date | None = DATES.read_one(node, key, cx)
        return value

    @staticmethod
    def _part(node: ast.Value, key: str, cx: Reading) -> date | EventOffset | None:
        match node:
            case ast.Name(id=name) if name in cx.model.events:
                return EventOffset(name, Duration())
            case ast.BinOp(op="+", left=ast.Name(id=name), right=offset) if name in cx.model.events:
                if not isinstance(offset, ast.DurationLit):
                    cx.error(f"`{key}`: an event plus a duration, as in `{name} + 6 months`", offset)
                    return None
                duration = cx.constant(offset, DURATION, f"`{key}`")
                return None if duration is None else EventOffset(name, duration)
            case _:
                value: date | None = DATES.read_one(node, key, cx)
                return value


def _is_event(node: ast.Value, cx: Reading) -> bool:
    """An event, or an event plus something."""
    match node:
        case ast.Name(id=name):
            return name in cx.model.events
        case ast.BinOp(op="+", left=ast.Name(id=name)):
            return name in cx.model.events
        case _:
            return False


def _names_events(call: ast.Call, cx: Reading) -> bool:
    return any(_is_event(arg.value, cx) for arg in call.args)


@record
class Portion:
    """A part of a number of shares (`1/3`, `25%`): of the grant for a schedule's `shares` (made whole across
    every schedule with one rounding), of the schedule for its `at_cliff`."""

    part: Fraction

    def __str__(self) -> str:
        return f"{self.part.numerator}/{self.part.denominator}"


class SharesOrPortion(Reader[int | Portion]):
    """A whole number of shares (at least 1), or a portion: a fraction of at most 1 or a percentage."""

    shape = "a whole number of shares, or a portion (1/3, 25%)"

    def read_one(self, node: ast.Value, key: str, cx: Reading) -> int | Portion | None:
        if isinstance(node, ast.PercentLit):
            percent = cx.constant(node, PERCENT, f"`{key}`")
            return self._portion(Fraction(percent), node, key, cx) if percent is not None else None
        value = cx.constant(node, NUMBER, f"`{key}`")
        if value is None:
            return None
        if value == int(value) and value >= 1:
            return int(value)
        return self._portion(Fraction(value), node, key, cx)

    @staticmethod
    def _portion(part: Fraction, node: ast.Value, key: str, cx: Reading) -> Portion | None:
        if not 0 < part <= 1:
            cx.error(f"`{key}`: a portion is more than 0 and at most 1 (100%), not {part}", node)
            return None
        return Portion(part)


class EventNames(Reader[tuple[str, ...]]):
    """One or more declared events, separated by commas (the first of them to happen counts)."""

    shape = "event, event, ..."

    def read(self, values: tuple[ast.Value, ...], key: str, cx: Reading) -> tuple[str, ...] | None:
        names = []
        for value in values:
            if not isinstance(value, ast.Name):
                cx.error(f"`{key}` must name events", value)
                return None
            name = cx.event(value)
            if name is None:
                return None
            names.append(name)
        return tuple(names)


class ListOf(Reader[tuple[T, ...]]):
    """One or more values, separated by commas, each read by `each`."""

    def __init__(self, each: Reader[T]):
        self.each = each
        self.shape = f"{each.shape}, ..."

    def read(self, values: tuple[ast.Value, ...], key: str, cx: Reading) -> tuple[T, ...] | None:
        read = [self.each.read_one(value, key, cx) for value in values]
        return None if any(v is None for v in read) else tuple(v for v in read if v is not None)
