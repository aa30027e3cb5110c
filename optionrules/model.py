"""The checked contract: declarations and clauses, resolved and typed.

Records compare by identity (a clause is itself, wherever it is cited) except types and words,
which compare by value.

The checker builds a `Model` from the syntax tree; the compiler turns a model
(plus a choice of readings for its assumptions) into an evaluation plan.
Expressions that can only be evaluated against a timeline stay syntax nodes
here, with the checker's name bindings beside them.
"""

from __future__ import annotations

import itertools
import math
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import PurePath
from typing import Any

import attrs

from optionrules import ast
from optionrules.errors import Span
from optionrules.records import record
from optionrules.values import Duration

# The buckets of the grant (with `granted`, they partition it), then the other figures of an evaluation.
SHARE_FIGURES = ("vested", "exercised", "exercisable", "unvested", "forfeited", "expired")
FIGURES = (*SHARE_FIGURES, "exercise_deadline", "sale_blocked")

MAX_ENUM_CASES = 4096  # beyond, an event's cases are not analysed one by one (coverage, dispatch)

# ---- Types of expressions ----------------------------------------------------------


@record
class Type:
    """The type of an expression: a base kind, and for enums/events/sets a name."""

    kind: str  # date, duration, number, money, percent, bool, text, enum, event, set, word
    name: str | None = None

    def __str__(self) -> str:
        if self.kind == "enum":
            return f"a {self.name}"
        if self.kind == "event":
            return f"the event {self.name}"
        if self.kind == "set":
            return f"a set of {self.name}"
        return {"date": "a date", "duration": "a duration", "number": "a number", "money": "an amount of money",
                "percent": "a percentage", "bool": "a condition", "text": "a text", "word": "a word",
                "error": "a value in error", "undefined": "not defined yet"}[self.kind]


DATE = Type("date")
DURATION = Type("duration")
NUMBER = Type("number")
MONEY = Type("money")
PERCENT = Type("percent")
BOOL = Type("bool")
TEXT = Type("text")
ERROR = Type("error")  # of a name whose definition was in error, and reported: nothing more is said of it
UNDEFINED = Type("undefined")  # of a grant or term field, before the clause that defines it

# The types an event attribute may be declared with, beside the contract's enums.
ATTRIBUTE_TYPES = {
    "shares": NUMBER,  # a count of shares, not negative (may be fractional: a violation, not an error)
    "int": NUMBER,  # a whole number
    "days": DURATION,  # a whole number of days, not negative
    "text": TEXT,
    "date": DATE,
    "money": MONEY,
    "bool": BOOL,  # true or false
}

# ---- Declarations -------------------------------------------------------------------


@record(eq=False)
class ClauseRef:
    """A clause as explanations and violations cite it."""

    kind: str
    name: str
    citation: str
    span: Span
    says: str | None = None

    def __str__(self) -> str:
        return self.citation

    def to_dict(self) -> dict[str, Any]:
        """How JSON outputs cite the clause: its name, its citation, and where it is written."""
        return {"clause": self.name, "citation": self.citation, "file": self.span.file, "line": self.span.line}


@record(eq=False)
class EnumType:
    name: str
    members: tuple[str, ...]
    span: Span


@record(eq=False)
class Attr:
    name: str
    declared: str  # as written: shares, int, days, text, date, money, or an enum's name
    type: Type


@record(eq=False)
class EventType:
    name: str
    attrs: dict[str, Attr]
    span: Span


@record(eq=False)
class Assumption:
    """A named reading of ambiguous text: a default and its alternatives."""

    name: str
    ref: ClauseRef
    reads: str
    default: str
    alternatives: tuple[str, ...]

    @property
    def readings(self) -> tuple[str, ...]:
        return (self.default, *self.alternatives)


@record
class Word:
    """A word chosen from a fixed set, written directly or through an assumption."""

    word: str | None = None
    assumption: str | None = None

    def resolve(self, readings: dict[str, str]) -> str:
        if self.assumption is not None:
            return readings[self.assumption]
        assert self.word is not None
        return self.word


# ---- Clauses --------------------------------------------------------------------------


@record(eq=False)
class Grant:
    ref: ClauseRef
    shares: int
    grant_date: date
    commencement: date
    exercise_price: Decimal | None = None
    currency: str | None = None
    optionee: str | None = None
    type: str | None = None


@record(eq=False)
class Term:
    ref: ClauseRef
    caps_windows: Word  # yes: no exercise window runs past the expiration date
    expiration: ast.Expr  # computed for each choice of readings (`+ N months` may land on a missing day)


@record(eq=False)
class Conventions:
    ref: ClauseRef
    missing_day: Word
    until: Word


@record(eq=False)
class Vesting:
    """Installment vesting: `installments` tranches, one every `every`, counted from `start`."""

    ref: ClauseRef
    shares: int
    installments: int
    every: Duration
    start: date
    cliff: Duration | None
    missing_day: Word
    rounding: Word
    basis: Word  # per_installment or cumulative
    remainder: Word  # last, first, spread_first, spread_last or none


@record(eq=False)
class Service:
    ref: ClauseRef
    ends_on: str
    through: Word  # inclusive: an installment dated on the last day of service vests


@record(eq=False)
class ProRata:
    """Vest the interrupted installment in proportion to the days of it served."""

    schedule: str | None
    day_count: Word  # exclusive (T - L) or inclusive (T - L + 1)
    rounding: Word


@record(eq=False)
class Acceleration:
    """`percent(50%, rounding: down, from: last)`: that share of the unvested installments, taken from the
    last, the first or each of them; or `next(12 months)`: the installments due within that time."""

    percent: Fraction | None = None
    rounding: Word | None = None
    order: Word | None = None  # last, first or each
    months: Duration | None = None


@record(eq=False)
class Rule:
    """What an event does, when its condition holds."""

    ref: ClauseRef
    event: str
    condition: ast.Expr | None
    vest: Word | ProRata | Acceleration | None
    forfeit: Word | None  # unvested or all
    exercisable_until: ast.Expr | None
    repurchase: Word | None = None  # unvested: the exercised shares not vested are bought back
    exceptions: tuple[ast.Expr, ...] = ()  # conditions of the rules that override this one where they hold


@record(eq=False)
class Milestone:
    """A tranche that vests when an event happens (and its condition holds), by a deadline."""

    ref: ClauseRef
    event: str
    condition: ast.Expr | None
    shares: int
    deadline: date | None
    accelerates: Word


@record(eq=False)
class Lockup:
    ref: ClauseRef
    event: str
    period: Duration
    starts: Word  # day_after or same_day
    extended_by: tuple[str, str] | None  # (event, attribute of type days)


@record(eq=False)
class Exercise:
    ref: ClauseRef
    event: str
    shares: str
    method: str | None
    early: Word | None = None  # allowed: unvested shares may be exercised (subject to a repurchase right)


@record(eq=False)
class Require:
    ref: ClauseRef
    event: str
    that: ast.Expr


@record(eq=False)
class Payment:
    ref: ClauseRef
    always: frozenset[str]
    with_consent: frozenset[str]
    consent: tuple[str, str] | None  # (event, attribute naming the method)


@record(eq=False)
class Expectation:
    figure: str  # a figure of the evaluation, or "violations"
    value: Any  # a number, a date or None, a bool; for violations a count or a tuple of clause names
    span: Span


@record(eq=False)
class Example:
    """A timeline, an as-of date and the figures expected: a test the contract carries."""

    ref: ClauseRef
    events: tuple[Any, ...]  # timeline.Event
    as_of: date
    assume: dict[str, str]
    expectations: tuple[Expectation, ...]


@record(eq=False)
class Invariant:
    """A condition on the figures that must hold on every date of every timeline."""

    ref: ClauseRef
    that: ast.Expr


# ---- Name bindings ----------------------------------------------------------------------


@record(eq=False)
class Binding:
    """What a name in an expression refers to.

    kind: constant (a grant or term field, `value`), event (a declared event),
    trigger_attr (an attribute of the clause's triggering event), member (an enum
    member), assumption, or figure (a figure of the evaluation on the event's
    date: vested, exercisable, in_service, ...).
    """

    kind: str
    name: str
    value: object = None


@attrs.define
class Model:
    file: str
    text: str
    role: str = "agreement"  # agreement, plan, or form (checked with sample values of its parameters)
    name: str | None = None
    title: str | None = None
    sources: dict[str, str] = attrs.Factory(dict)  # every file the contract is made of -> its text
    enums: dict[str, EnumType] = attrs.Factory(dict)
    events: dict[str, EventType] = attrs.Factory(dict)
    assumptions: dict[str, Assumption] = attrs.Factory(dict)
    grant: Grant | None = None
    term: Term | None = None
    conventions: Conventions | None = None
    vestings: list[Vesting] = attrs.Factory(list)
    milestones: list[Milestone] = attrs.Factory(list)
    settlement: ClauseRef | None = None  # units settle on vesting
    service: Service | None = None
    rules: list[Rule] = attrs.Factory(list)
    lockups: list[Lockup] = attrs.Factory(list)
    exercise: Exercise | None = None
    requires: list[Require] = attrs.Factory(list)
    payment: Payment | None = None
    examples: list[Example] = attrs.Factory(list)
    invariants: list[Invariant] = attrs.Factory(list)
    bindings: dict[ast.Name, Binding] = attrs.Factory(dict)
    types: dict[int, Type] = attrs.Factory(dict)  # id(expression node) -> its type

    @property
    def heading(self) -> str:
        """How outputs name the contract: `name: title`."""
        return f"{self.name or PurePath(self.file).stem}: {self.title or ''}".rstrip(": ")

    def enum_cases(self, event: str) -> list[dict[str, str]] | None:
        """Every combination of the event's enum attribute values (one empty case if it has none);
        None beyond MAX_ENUM_CASES."""
        enum_attrs = [a for a in self.events[event].attrs.values() if a.type.kind == "enum"]
        domains = [self.enums[str(a.type.name)].members for a in enum_attrs]
        if math.prod(len(d) for d in domains) > MAX_ENUM_CASES:
            return None
        names = [a.name for a in enum_attrs]
        return [dict(zip(names, case)) for case in itertools.product(*domains)]

    def assumptions_named_in(self, *expressions: Any) -> tuple[str, ...]:
        """The assumptions these expressions name, each once, in the order met."""
        names: dict[str, None] = {}
        for node in ast.walk(*expressions):
            binding = self.bindings.get(node) if isinstance(node, ast.Name) else None
            if binding is not None and binding.kind == "assumption":
                names[binding.name] = None
        return tuple(names)
