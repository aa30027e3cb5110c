"""The figures an evaluation reports: declared once, here.

Everything that names figures derives from this table: the evaluation's result, its JSON and CSV
forms, the `expect` keys of examples, the figures a condition may read, the text tables and the
explanations. A figure belongs to the award types that have it (and, for some, only where the contract has
a clause of a kind: the repurchase figures of an option whose shares may be bought back). The buckets of an
award type partition its grant:

    option            granted = exercised + exercisable + unvested + forfeited + expired (+ repurchased)
    rsu               granted = settled + unsettled + unvested + forfeited
    restricted_stock  granted = released + subject_to_repurchase + repurchased
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from enum import Enum, StrEnum
from fractions import Fraction
from typing import Any, assert_never

from optionrules.printer import number
from optionrules.records import record
from optionrules.types import BOOL, DATE, MONEY, NUMBER, Type
from optionrules.values import Money, json_value


class AwardType(StrEnum):
    """What a contract grants."""

    OPTION = "option"  # the right to buy shares at a price, once they vest, until a deadline
    RSU = "rsu"  # units, each settled in a share once it vests (restricted stock units)
    RESTRICTED_STOCK = "restricted_stock"  # shares owned from the start, which the company may buy back until
    # they are released (founder stock, early-exercised shares)


class FigureKind(Enum):
    SHARES = "shares"  # a number of shares (a fraction of a share where a schedule keeps fractions)
    DATE = "date"  # a date, or none
    FLAG = "flag"  # yes or no
    MONEY = "money"  # an amount in the grant's currency


_TYPES = {FigureKind.SHARES: NUMBER, FigureKind.DATE: DATE, FigureKind.FLAG: BOOL, FigureKind.MONEY: MONEY}
ALL_AWARDS = frozenset(AwardType)
_OPTION, _RSU, _STOCK = frozenset({AwardType.OPTION}), frozenset({AwardType.RSU}), \
    frozenset({AwardType.RESTRICTED_STOCK})
_BOUGHT_BACK = frozenset({AwardType.OPTION, AwardType.RESTRICTED_STOCK})
_VESTING = frozenset({AwardType.OPTION, AwardType.RSU})


@record
class Figure:
    name: str
    kind: FigureKind
    doc: str
    awards: frozenset[AwardType] = ALL_AWARDS
    partitions: frozenset[AwardType] = frozenset()  # the award types whose grant this figure is a bucket of
    reported: bool = True  # in every result; `in_service` is only read by conditions
    needs: str | None = None  # for an option: the kind of clause that brings this figure (a repurchase right)

    @property
    def type(self) -> Type:
        """The type of the figure where an expression reads it."""
        return _TYPES[self.kind]

    @property
    def label(self) -> str:
        return self.name.replace("_", " ")

    def to_json(self, value: Any) -> Any:
        """The value as JSON has it: shares as numbers (exactly: see `exact_shares`), dates in ISO form or
        null, flags as booleans, money as `{"amount": "77.50", "currency": "USD"}` (Open Cap Format's form)."""
        match self.kind:
            case FigureKind.SHARES:
                return exact_shares(value)
            case FigureKind.DATE:
                return value.isoformat() if isinstance(value, date) else None
            case FigureKind.FLAG:
                return bool(value)
            case FigureKind.MONEY:
                return json_value(value) if isinstance(value, Money) else None
            case _:
                assert_never(self.kind)


def exact_shares(value: int | Fraction) -> int | float | str:
    """A share count for JSON, exactly: an int; a fraction of a share as a number where a binary number holds it
    exactly (4.5), else as exact text (`0.1`, `1/3`)."""
    if isinstance(value, int) or value.denominator == 1:
        return int(value)
    binary = float(value)
    return binary if Fraction(binary) == value else number(value).replace(",", "")


SHARES, DATES, FLAG, MONEY_ = FigureKind.SHARES, FigureKind.DATE, FigureKind.FLAG, FigureKind.MONEY

FIGURES: tuple[Figure, ...] = (
    Figure("granted", SHARES, "the shares (or units) the grant covers"),
    Figure("vested", SHARES, "shares vested so far, cumulatively (it never drops)", _VESTING),
    # an option
    Figure("exercised", SHARES, "shares bought by valid exercises (and not bought back)", _OPTION, _OPTION),
    Figure("exercisable", SHARES, "vested shares not exercised, exercisable on the date", _OPTION, _OPTION),
    # units
    Figure("settled", SHARES, "vested units settled in shares (withheld or delivered)", _RSU, _RSU),
    Figure("unsettled", SHARES, "vested units not settled yet", _RSU, _RSU),
    # restricted stock
    Figure("released", SHARES, "shares free of the company's repurchase right", _STOCK, _STOCK),
    Figure("subject_to_repurchase", SHARES, "shares the company may still buy back (of an option: exercised "
                                            "shares not vested)", _BOUGHT_BACK, _STOCK, needs="repurchase"),
    Figure("repurchased", SHARES, "shares the company bought back", _BOUGHT_BACK, _BOUGHT_BACK, needs="repurchase"),
    Figure("held", SHARES, "shares owned: granted less those bought back", _STOCK),
    # every award that vests
    Figure("unvested", SHARES, "shares not vested yet that can still vest", _VESTING, _VESTING),
    Figure("forfeited", SHARES, "shares cancelled: unvested at the end of service, or all of them", _VESTING,
           _VESTING),
    Figure("expired", SHARES, "vested shares not exercised by the deadline", _OPTION, _OPTION),
    Figure("exercise_deadline", DATES, "the last day an exercise is (or was) allowed; none once the option has "
                                       "terminated", _OPTION),
    Figure("settlement_deadline", DATES, "the earliest settlement deadline of the units not settled yet; none if "
                                         "there is none", _RSU),
    Figure("overdue", SHARES, "units whose settlement deadline passed without settlement", _RSU),
    Figure("withheld", SHARES, "settled units withheld for tax", _RSU),
    Figure("delivered", SHARES, "settled units delivered as shares: settled less withheld", _RSU),
    Figure("repurchase_deadline", DATES, "the last day the company may (or might) buy shares back; none before "
                                         "its right opens", _BOUGHT_BACK, needs="repurchase"),
    Figure("repurchase_price", MONEY_, "what the company paid for the shares it bought back", _BOUGHT_BACK,
           needs="repurchase"),
    Figure("sale_blocked", FLAG, "whether a lock-up blocks sales on the date"),
    Figure("in_service", FLAG, "whether service continues on the date", reported=False),
)

BY_NAME = {figure.name: figure for figure in FIGURES}


def figure_set(award: AwardType, kinds: Iterable[str] = ()) -> tuple[Figure, ...]:
    """The figures an evaluation of this award type reports, in order, given the kinds of clause the contract
    has (a figure that `needs` a kind is an option's only where the contract has it)."""
    present = set(kinds)
    return tuple(f for f in FIGURES if f.reported and award in f.awards
                 and (f.needs is None or award is not AwardType.OPTION or f.needs in present))


def buckets(figures: Iterable[Figure], award: AwardType) -> tuple[Figure, ...]:
    """Of these figures, the buckets that partition the grant of this award type."""
    return tuple(f for f in figures if award in f.partitions)
