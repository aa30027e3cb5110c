"""The syntax tree of a contract file: small frozen nodes, each with its span.

The parser builds these; the checker reads them; nothing here knows what a
clause kind means.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any, Union

import attrs

from optionrules.errors import Span
from optionrules.records import record

# ---- Expressions ------------------------------------------------------------------


@record(eq=False)
class Name:
    id: str
    span: Span


@record(eq=False)
class Attribute:
    """`value.attr`, as in `lockup_extension.days`."""

    value: Expr
    attr: str
    span: Span


@record(eq=False)
class Arg:
    name: str | None
    value: Value
    span: Span


@record(eq=False)
class Call:
    func: str
    args: tuple[Arg, ...]
    span: Span


@record(eq=False)
class DateLit:
    value: date
    span: Span


@record(eq=False)
class NumberLit:
    """A number as written: an `int` when whole, else an exact `Fraction`."""

    value: int | Fraction
    span: Span


@record(eq=False)
class DurationLit:
    amount: int
    unit: str  # "day", "week", "month" or "year"
    span: Span


@record(eq=False)
class PercentLit:
    value: Fraction  # 25% is Fraction(1, 4)
    span: Span


@record(eq=False)
class MoneyLit:
    currency: str
    amount: Decimal
    span: Span


@record(eq=False)
class StringLit:
    value: str
    span: Span


@record(eq=False)
class SetLit:
    items: tuple[Expr, ...]
    span: Span


@record(eq=False)
class BinOp:
    """Arithmetic: `+`, `-`, `*`, `/`."""

    op: str
    left: Expr
    right: Expr
    span: Span


@record(eq=False)
class Minus:
    operand: Expr
    span: Span


@record(eq=False)
class Compare:
    """`=`, `!=`, `<`, `<=`, `>`, `>=`."""

    op: str
    left: Expr
    right: Expr
    span: Span


@record(eq=False)
class BoolOp:
    op: str  # "and" or "or"
    operands: tuple[Expr, ...]
    span: Span


@record(eq=False)
class Not:
    operand: Expr
    span: Span


@record(eq=False)
class Member:
    """`value in {a, b}` (or `not in`)."""

    value: Expr
    options: SetLit
    negated: bool
    span: Span


@record(eq=False)
class Order:
    """`a before b` or `a after b`: strictly earlier or later."""

    op: str
    left: Expr
    right: Expr
    span: Span


@record(eq=False)
class Within:
    """`a within 12 months of|after|before b`."""

    left: Expr
    window: Expr
    side: str
    right: Expr
    span: Span


Expr = Union[
    Name, Attribute, Call, DateLit, NumberLit, DurationLit, PercentLit, MoneyLit, StringLit,
    SetLit, BinOp, Minus, Compare, BoolOp, Not, Member, Order, Within,
]

# ---- Values: expressions, lists and records ----------------------------------------


@record(eq=False)
class ListLit:
    items: tuple[Value, ...]
    span: Span


@record(eq=False)
class Record:
    entries: tuple[Entry, ...]
    span: Span


Value = Union[Expr, ListLit, Record]

# ---- Declarations ------------------------------------------------------------------


@record(eq=False)
class Entry:
    """`key: value` (or `key: a, b, c`) inside a clause's block."""

    key: str
    key_span: Span
    values: tuple[Value, ...]
    span: Span


@record(eq=False)
class Param:
    name: str
    type_name: str
    span: Span
    type_span: Span
    default: Expr | None = None  # the value where an event leaves the attribute out


@record(eq=False)
class EnumDecl:
    name: str
    members: tuple[Name, ...]
    span: Span
    name_span: Span


@record(eq=False)
class Clause:
    """Every item but an enumeration:

    `KIND [NAME] ["citation"] [overrides BASE.CLAUSE] [(params)] [on EVENT] [when CONDITION] [{ entries }]`
    """

    kind: str
    kind_span: Span
    name: Name | None
    citation: StringLit | None
    overrides: Name | None  # `base.clause`: the clause of a plan or form this one replaces or makes an exception to
    exception: bool  # an exception to it (where this one's condition holds), not its replacement
    params: tuple[Param, ...] | None
    trigger: Name | None
    condition: Expr | None
    entries: tuple[Entry, ...]
    span: Span

    @property
    def name_or_kind(self) -> str:
        """What the clause is cited by: its name, or (an unnamed clause) its kind."""
        return self.name.id if self.name else self.kind

    def entry(self, key: str) -> Entry | None:
        for entry in self.entries:
            if entry.key == key:
                return entry
        return None


Item = Union[EnumDecl, Clause]


@record(eq=False)
class Comment:
    text: str
    span: Span


@record(eq=False)
class Module:
    """One parsed file: its items in order, its comments (kept for `fmt`), and the (kind, name) of
    each item that did not parse, so that the checker does not report them again as missing."""

    file: str
    items: tuple[Item, ...]
    comments: tuple[Comment, ...]
    broken: tuple[tuple[str, str | None], ...] = ()


def walk(*nodes: Any) -> Iterator[Any]:
    """The given nodes (None skipped) and every syntax node inside them."""
    stack = [node for node in nodes if node is not None]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(children(node))


def children(node: Any) -> Iterator[Any]:
    """The syntax nodes directly inside a node."""
    for field in attrs.fields(type(node)):
        value = getattr(node, field.name)
        if isinstance(value, tuple):
            yield from (v for v in value if hasattr(type(v), "__attrs_attrs__"))
        elif hasattr(type(value), "__attrs_attrs__") and not isinstance(value, Span):
            yield value
