"""The checked contract: its vocabulary (enums, events, assumptions) and its clauses, typed.

The checker builds a `Model` from the syntax tree: each clause is the record its kind declares
(`optionrules.kinds`), with its expressions typed (`optionrules.expressions`). The compiler turns a
model and a choice of readings into an evaluation plan.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from enum import StrEnum
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import attrs

from optionrules.errors import Span
from optionrules.expressions import EXPRESSIONS, Scope, TExpr, assumptions_in
from optionrules.figures import AwardType, Figure, figure_set
from optionrules.records import record
from optionrules.types import Type, TypeKind

if TYPE_CHECKING:
    from optionrules.kinds.base import Clause

    C = TypeVar("C", bound=Clause)

E = TypeVar("E", bound=StrEnum)

MAX_ENUM_CASES = 4096  # beyond, an event's cases are not analysed one by one (coverage, dispatch)


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


@record
class Word(Generic[E]):
    """A word chosen from a fixed set (`choices`), written directly or through an assumption."""

    choices: type[E]
    value: E | None = None
    assumption: str | None = None

    def resolve(self, readings: Mapping[str, str]) -> E:
        if self.assumption is not None:
            return self.choices(readings[self.assumption])
        assert self.value is not None
        return self.value


@record(eq=False)
class EnumType:
    name: str
    members: tuple[str, ...]
    span: Span


NO_DEFAULT = object()  # an attribute every event gives


@record(eq=False)
class Attr:
    name: str
    declared: str  # as written: shares, int, days, text, date, money, bool, or an enum's name
    type: Type
    default: Any = NO_DEFAULT  # the value where an event leaves the attribute out

    @property
    def optional(self) -> bool:
        return self.default is not NO_DEFAULT


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


@attrs.define
class Model:
    file: str
    text: str
    role: str = "agreement"  # agreement, plan, or form (checked with sample values of its parameters)
    award: AwardType = AwardType.OPTION
    name: str | None = None
    title: str | None = None
    sources: dict[str, str] = attrs.Factory(dict)  # every file the contract is made of -> its text
    enums: dict[str, EnumType] = attrs.Factory(dict)
    events: dict[str, EventType] = attrs.Factory(dict)
    parameters: dict[str, Attr] = attrs.Factory(dict)  # a form's, as declared (a grant gives their values)
    assumptions: dict[str, Assumption] = attrs.Factory(dict)
    clauses: list[Clause] = attrs.Factory(list)  # the records of the clause kinds, in the order checked

    @property
    def figures(self) -> tuple[Figure, ...]:
        """The figures an evaluation of this contract reports: its award type's, and those its clauses bring."""
        return figure_set(self.award, {clause.KIND for clause in self.clauses})

    @property
    def heading(self) -> str:
        """How outputs name the contract: `name: title`."""
        return f"{self.name or PurePath(self.file).stem}: {self.title or ''}".rstrip(": ")

    def all(self, kind: type[C]) -> list[C]:
        """Every clause of a kind."""
        return [clause for clause in self.clauses if type(clause) is kind]

    def one(self, kind: type[C]) -> C | None:
        """The clause of a kind the contract has once, if it has it."""
        return next((clause for clause in self.clauses if type(clause) is kind), None)

    def scope(self, constants: Mapping[str, tuple[Type, object]], trigger: str | None = None,
              runtime: bool = False, silenced: frozenset[str] = frozenset(),
              symbols: Mapping[str, TExpr | None] | None = None) -> Scope:
        """The names an expression of this contract may use."""
        return Scope(
            enums={name: enum.members for name, enum in self.enums.items()},
            events={name: {a.name: a.type for a in event.attrs.values()} for name, event in self.events.items()},
            assumptions={name: a.readings for name, a in self.assumptions.items()},
            constants=constants, trigger=trigger, runtime=runtime, silenced=silenced, symbols=symbols or {},
            award=self.award,
        )

    def readings(self, chosen: Mapping[str, str] | None = None) -> dict[str, str]:
        """The default reading of every assumption, with the chosen ones in their place (validated)."""
        from optionrules.errors import ReadingError

        readings = {name: assumption.default for name, assumption in self.assumptions.items()}
        for name, reading in (chosen or {}).items():
            if name not in self.assumptions:
                known = ", ".join(self.assumptions) or "none"
                raise ReadingError(f"unknown assumption {name!r} (this contract's: {known})")
            if reading not in self.assumptions[name].readings:
                options = ", ".join(self.assumptions[name].readings)
                raise ReadingError(f"{reading!r} is not a reading of {name} (one of: {options})")
            readings[name] = reading
        return readings

    def enum_cases(self, event: str) -> list[dict[str, str]] | None:
        """Every combination of the event's enum attribute values (one empty case if it has none);
        None beyond MAX_ENUM_CASES."""
        enum_attrs = [a for a in self.events[event].attrs.values() if a.type.kind is TypeKind.ENUM]
        domains = [self.enums[str(a.type.name)].members for a in enum_attrs]
        if math.prod(len(d) for d in domains) > MAX_ENUM_CASES:
            return None
        names = [a.name for a in enum_attrs]
        return [dict(zip(names, case)) for case in itertools.product(*domains)]


def assumptions_of(*values: Any) -> tuple[str, ...]:
    """The assumptions behind these values (words taken through an assumption, expressions that read one, and
    the records holding them), each once, in the order met."""
    names: dict[str, None] = {}
    for value in values:
        if isinstance(value, Word):
            if value.assumption is not None:
                names[value.assumption] = None
        elif isinstance(value, EXPRESSIONS):
            names.update(dict.fromkeys(assumptions_in(value)))
        elif isinstance(value, tuple):
            names.update(dict.fromkeys(assumptions_of(*value)))
        elif attrs.has(type(value)) and not isinstance(value, ClauseRef):
            names.update(dict.fromkeys(assumptions_of(*(getattr(value, f.name) for f in attrs.fields(type(value))))))
    return tuple(names)
