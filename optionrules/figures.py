"""The figures an evaluation reports: declared once, here.

Everything that names figures derives from this table: the evaluation's result, its JSON and CSV
forms, the `expect` keys of examples, the figures a condition may read, the text tables and the
explanations. A figure belongs to the award types that have it; the buckets of an award type
partition its grant (for an option: granted = exercised + exercisable + unvested + forfeited + expired).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from enum import Enum, StrEnum
from fractions import Fraction
from typing import Any, assert_never

from optionrules.printer import number
from optionrules.records import record
from optionrules.types import BOOL, DATE, NUMBER, Type


class AwardType(StrEnum):
    """What a contract grants."""

    OPTION = "option"  # the right to buy shares at a price, once they vest, until a deadline


class FigureKind(Enum):
    SHARES = "shares"  # a number of shares (a fraction of a share where a schedule keeps fractions)
    DATE = "date"  # a date, or none
    FLAG = "flag"  # yes or no


_TYPES = {FigureKind.SHARES: NUMBER, FigureKind.DATE: DATE, FigureKind.FLAG: BOOL}
ALL_AWARDS = frozenset(AwardType)


@record
class Figure:
    name: str
    kind: FigureKind
    doc: str
    awards: frozenset[AwardType] = ALL_AWARDS
    bucket: bool = False  # one of the buckets that partition the grant
    reported: bool = True  # in every result; `in_service` is only read by conditions

    @property
    def type(self) -> Type:
        """The type of the figure where an expression reads it."""
        return _TYPES[self.kind]

    @property
    def label(self) -> str:
        return self.name.replace("_", " ")

    def to_json(self, value: Any) -> Any:
        """The value as JSON has it: shares as numbers (exactly: see `exact_shares`), dates in ISO form or
        null, flags as booleans."""
        match self.kind:
            case FigureKind.SHARES:
                return exact_shares(value)
            case FigureKind.DATE:
                return value.isoformat() if isinstance(value, date) else None
            case FigureKind.FLAG:
                return bool(value)
            case _:
                assert_never(self.kind)


def exact_shares(value: int | Fraction) -> int | float | str:
    """A share count for JSON, exactly: an int; a fraction of a share as a number where a binary number holds it
    exactly (4.5), else as exact text (`0.1`, `1/3`)."""
    if isinstance(value, int) or value.denominator == 1:
        return int(value)
    binary = float(value)
    return binary if Fraction(binary) == value else number(value).replace(",", "")


FIGURES: tuple[Figure, ...] = (
    Figure("granted", FigureKind.SHARES, "the shares the grant covers"),
    Figure("vested", FigureKind.SHARES, "shares vested so far, cumulatively (it never drops)"),
    Figure("exercised", FigureKind.SHARES, "shares bought by valid exercises", bucket=True),
    Figure("exercisable", FigureKind.SHARES, "vested shares not exercised, exercisable on the date", bucket=True),
    Figure("unvested", FigureKind.SHARES, "shares not vested yet that can still vest", bucket=True),
    Figure("forfeited", FigureKind.SHARES, "shares cancelled: unvested at the end of service, or all of them",
           bucket=True),
    Figure("expired", FigureKind.SHARES, "vested shares not exercised by the deadline", bucket=True),
    Figure("exercise_deadline", FigureKind.DATE, "the last day an exercise is (or was) allowed; none once the "
                                                 "option has terminated"),
    Figure("sale_blocked", FigureKind.FLAG, "whether a lock-up blocks sales on the date"),
    Figure("in_service", FigureKind.FLAG, "whether service continues on the date", reported=False),
)

BY_NAME = {figure.name: figure for figure in FIGURES}


def reported(award: AwardType) -> tuple[Figure, ...]:
    """The figures an evaluation of this award type reports, in order."""
    return tuple(f for f in FIGURES if f.reported and award in f.awards)


def buckets(award: AwardType) -> tuple[Figure, ...]:
    """The figures that partition the grant of this award type."""
    return tuple(f for f in FIGURES if f.bucket and award in f.awards)


def readable() -> Iterator[Figure]:
    """The figures a condition or an invariant may read."""
    return iter(FIGURES)
