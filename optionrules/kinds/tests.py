"""What a contract carries to test itself: examples (a timeline and the figures expected) and invariants."""

from __future__ import annotations

from datetime import date
from typing import Any

from optionrules import ast
from optionrules.errors import Span, did_you_mean
from optionrules.expressions import TExpr
from optionrules.figures import BY_NAME, FigureKind
from optionrules.kinds.base import Clause, Reading, key, kind
from optionrules.kinds.readers import DATES, Expression, Reader
from optionrules.records import record
from optionrules.types import BOOL, DATE
from optionrules.values import Money

VIOLATIONS = "violations"  # beside the figures: the clauses broken
_YES_NO = {"yes": True, "no": False, "true": True, "false": False}
_SHAPES = {FigureKind.SHARES: "a number of shares", FigureKind.DATE: "a date or none", FigureKind.FLAG: "yes or no",
           FigureKind.MONEY: "an amount of money, e.g. USD 77.50"}


@record(eq=False)
class Expectation:
    figure: str  # a figure of the evaluation, or "violations"
    value: Any  # a number, a date or None, a bool; for violations a count or a tuple of clause names
    span: Span


class EventLiterals(Reader[tuple[Any, ...]]):
    """`EVENT(DATE, attribute: value, ...), ...`: the timeline of an example."""

    shape = "EVENT(DATE, attribute: value, ...), comma-separated"

    def read(self, values: tuple[ast.Value, ...], key: str, cx: Reading) -> tuple[Any, ...] | None:
        events = [_event_literal(value, index, cx) for index, value in enumerate(values)]
        return tuple(events) if None not in events else None


def _event_literal(node: ast.Value, index: int, cx: Reading) -> Any:
    from optionrules.timeline import Event, read_value  # only examples need the timeline reader

    events = cx.model.events
    if not isinstance(node, ast.Call) or node.func not in events:
        what = f"'{node.func}' is not a declared event" if isinstance(node, ast.Call) else "write each event"
        cx.error(f"{what}: write EVENT(DATE, attribute: value, ...)", node,
                 did_you_mean(node.func, events) if isinstance(node, ast.Call) else None)
        return None
    declared = events[node.func].attrs
    positional = [arg for arg in node.args if arg.name is None]
    if len(positional) != 1:
        cx.error(f"give the {node.func} event its date first: {node.func}(2025-01-31, ...)", node)
        return None
    when = cx.constant(positional[0].value, DATE, "an event's date")
    if when is None:
        return None
    values: dict[str, Any] = {}
    for arg in node.args:
        if arg.name is None:
            continue
        attr = declared.get(arg.name)
        if attr is None:
            cx.error(f"the event {node.func} has no attribute '{arg.name}'", arg, did_you_mean(arg.name, declared))
            return None
        try:
            values[arg.name] = read_value(literal(arg.value), attr, cx.model.enums)
        except ValueError as error:
            cx.error(str(error), arg.value)
            return None
    values.update({name: attr.default for name, attr in declared.items() if name not in values and attr.optional})
    missing = [name for name in declared if name not in values]
    if missing:
        cx.error(f"the {node.func} event needs {', '.join(missing)}", node)
        return None
    return Event(index, when, node.func, values)


def literal(node: ast.Value) -> Any:
    """The Python value of a literal (then validated like a timeline's): an event's attribute in an example, a
    form's parameter in a grant."""
    if isinstance(node, ast.Name):
        return {"true": True, "false": False}.get(node.id, node.id)
    if isinstance(node, ast.Minus) and isinstance(node.operand, ast.NumberLit):
        return -node.operand.value
    if isinstance(node, ast.MoneyLit):
        return node.amount
    if isinstance(node, (ast.NumberLit, ast.StringLit, ast.DateLit)):
        return node.value
    raise ValueError('write a literal value: a word, a number, a "text" or a date')


class Readings(Reader[dict[str, str]]):
    """`{ assumption: reading ... }`"""

    shape = "{ assumption: reading ... }"

    def read_one(self, node: ast.Value, key: str, cx: Reading) -> dict[str, str] | None:
        if not isinstance(node, ast.Record):
            cx.error("`assume` takes { assumption: reading ... }", node)
            return None
        readings = {}
        for entry in node.entries:
            assumption = cx.model.assumptions.get(entry.key)
            reading = entry.values[0]
            if assumption is None:
                cx.error(f"no assumption '{entry.key}'", entry.key_span, did_you_mean(entry.key, cx.model.assumptions))
                return None
            if not isinstance(reading, ast.Name) or reading.id not in assumption.readings:
                cx.error(f"the readings of {entry.key} are: {', '.join(assumption.readings)}", reading)
                return None
            readings[entry.key] = reading.id
        return readings


class Expectations(Reader[tuple[Expectation, ...]]):
    """`{ figure: value ... }`: the figures expected."""

    @property
    def shape(self) -> str:  # type: ignore[override]
        return "{ figure: value ... }"

    def read_one(self, node: ast.Value, key: str, cx: Reading) -> tuple[Expectation, ...] | None:
        if not isinstance(node, ast.Record) or not node.entries:
            cx.error("`expect` takes { figure: value ... }, e.g. { vested: 1,000 }", node)
            return None
        expectations = [_expectation(entry, cx) for entry in node.entries]
        return None if None in expectations else tuple(expectations)  # type: ignore[arg-type]


def expectable(cx: Reading) -> list[str]:
    return [*(f.name for f in cx.model.figures), VIOLATIONS]


def _expectation(entry: ast.Entry, cx: Reading) -> Expectation | None:
    name, values = entry.key, entry.values
    node = values[0]
    if name == VIOLATIONS:
        return _violations(entry, cx)
    figure = BY_NAME.get(name)
    if figure is None or name not in expectable(cx):
        cx.error(f"no figure '{name}' to expect", entry.key_span, did_you_mean(name, expectable(cx)))
        return None
    if len(values) == 1:
        match figure.kind:
            case FigureKind.SHARES if isinstance(node, ast.NumberLit):
                return Expectation(name, node.value, entry.span)
            case FigureKind.DATE if isinstance(node, ast.DateLit):
                return Expectation(name, node.value, entry.span)
            case FigureKind.DATE if isinstance(node, ast.Name) and node.id == "none":
                return Expectation(name, None, entry.span)
            case FigureKind.FLAG if isinstance(node, ast.Name) and node.id in _YES_NO:
                return Expectation(name, _YES_NO[node.id], entry.span)
            case FigureKind.MONEY if isinstance(node, ast.MoneyLit):
                return Expectation(name, Money(node.currency, node.amount), entry.span)
    cx.error(f"`{name}` expects {_SHAPES[figure.kind]}", node)
    return None


def _violations(entry: ast.Entry, cx: Reading) -> Expectation | None:
    """`violations: 2`, `violations: none`, or the clauses broken, in order: `violations: exercise, payment`."""
    values, node = entry.values, entry.values[0]
    if len(values) == 1 and isinstance(node, ast.NumberLit) and isinstance(node.value, int):
        return Expectation(VIOLATIONS, node.value, entry.span)
    if len(values) == 1 and isinstance(node, ast.Name) and node.id == "none":
        return Expectation(VIOLATIONS, 0, entry.span)
    names = [v for v in values if isinstance(v, ast.Name)]
    if len(names) != len(values):
        cx.error("`violations` expects a count, or the names of the clauses broken", node)
        return None
    clauses = cx.clause_names()
    unknown = [n for n in names if n.id not in clauses]
    for name in unknown:
        cx.error(f"no clause named '{name.id}' to be broken", name, did_you_mean(name.id, clauses))
    return None if unknown else Expectation(VIOLATIONS, tuple(n.id for n in names), entry.span)


@kind("example", "a timeline, an as-of date and the figures expected there: `optionrules test` runs it; "
                 "the string describes the case", named=True, cited=False, own_namespace=True)
class Example(Clause):
    events: tuple[Any, ...] = key(EventLiterals(), default=())  # timeline.Event
    as_of: date = key(DATES, required=True)
    assume: dict[str, str] = key(Readings(), default={}, doc="{ assumption: reading } in place of the defaults")
    expectations: tuple[Expectation, ...] = key(
        Expectations(), name="expect", required=True,
        doc="{ figure: value } for each figure of the award (a number of shares, a date or none, yes or no), "
            "and violations (a count, or the names of the clauses broken, in order)")


@kind("invariant", "a condition on the figures that must hold on every date of every timeline: "
                   "`optionrules verify` checks it; the string describes it", named=True, cited=False,
      own_namespace=True)
class Invariant(Clause):
    that: TExpr = key(Expression(BOOL), required=True,
                      doc="a condition on the figures, e.g. exercise_deadline <= expiration")
