"""The evaluator's trace: what each clause did during a replay, as data.

The evaluator appends a fact for every step a clause takes, with its values, when something asks for the
trace (`explain`, `schedule`); a plain query records nothing. `explain` turns the facts into words.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Any, Union, assert_never

from optionrules.kinds.words import AccelerationOrder, Passing, WindowChange
from optionrules.model import ClauseRef
from optionrules.records import record
from optionrules.values import Duration, Money, Rounding, Shares


@record(eq=False, kw_only=True)
class Fact:
    clause: ClauseRef
    date: date
    event: int | None  # the event's index in the timeline
    assumptions: tuple[str, ...] = ()  # the readings the step depended on


# ---- how much a rule vested ---------------------------------------------------------------------------------


@record
class InstallmentPart:
    """The interrupted installment of one schedule, vested in proportion to the days of it served."""

    schedule: str
    amount: Shares  # the installment
    served: int  # days of it served
    period: int  # days from the previous installment (or the start) to it
    previous: date
    next: date
    share: Shares  # rounding(amount x served / period)
    pulled: Shares  # what was still unvested of it, at most the share
    rounding: Rounding


@record
class FullyVested:
    """A schedule with no installment left to pro-rate."""

    schedule: str


@record
class AllUnvested:
    shares: Shares


@record
class ProRated:
    parts: tuple[InstallmentPart | FullyVested, ...]
    shares: Shares


@record
class PercentOf:
    percent: Fraction
    unvested: Shares
    order: AccelerationOrder
    shares: Shares


@record
class CountOf:
    """`shares(units, ...)`: the shares the event asked for, of the unvested ones."""

    asked: Shares
    unvested: Shares
    order: AccelerationOrder
    shares: Shares


@record
class RestOfSchedule:
    """`rest_of(schedule)`: its unvested installments."""

    schedule: str
    shares: Shares


@record
class DueWithin:
    """`next(12 months)`: the installments due by the horizon."""

    horizon: date
    shares: Shares


@record
class Nothing:
    shares: Shares = 0


Amount = Union[AllUnvested, ProRated, PercentOf, CountOf, RestOfSchedule, DueWithin, Nothing]

# ---- the facts ----------------------------------------------------------------------------------------------


@record(eq=False, kw_only=True)
class Vested(Fact):
    amount: Amount
    condition: str  # the rule's condition as written ("" if none)


@record(eq=False, kw_only=True)
class NotApplied(Fact):
    figure: str  # the figure the rule bears on
    condition: str


@record(eq=False, kw_only=True)
class AlreadyEnded(Fact):
    """An event after the option ended: its rules change nothing."""


@record(eq=False, kw_only=True)
class MilestoneReached(Fact):
    shares: Shares  # 0: too late, or after vesting ended


@record(eq=False, kw_only=True)
class GateOpened(Fact):
    """A schedule's gate opened: its installments dated so far (within service) vest now, the later ones on
    their dates."""

    shares: Shares


@record(eq=False, kw_only=True)
class ServiceEnded(Fact):
    inclusive: bool  # an installment on the last day of service vests


@record(eq=False, kw_only=True)
class ForfeitedUnvested(Fact):
    pass


@record(eq=False, kw_only=True)
class ForfeitedAll(Fact):
    shares: Shares  # not exercised, vested or not


@record(eq=False, kw_only=True)
class BoughtBack(Fact):
    """The company bought shares back under its repurchase right."""

    shares: Shares
    price: Money  # a share
    paid: Money  # in all
    subject: Shares  # the shares subject to repurchase before


@record(eq=False, kw_only=True)
class Settled(Fact):
    units: Shares
    withheld: Shares
    unsettled: Shares  # before


@record(eq=False, kw_only=True)
class WindowOpened(Fact):
    last_day: date
    waits_for: str
    passing: Passing


@record(eq=False, kw_only=True)
class WindowPassed(Fact):
    """A window closed without its event: what its passing did, the day after its last day."""

    last_day: date
    waits_for: str
    passing: Passing
    shares: Shares
    came: bool  # the event came in the window (for part of the shares)


@record(eq=False, kw_only=True)
class WindowSet(Fact):
    """An exercise window: `expression = form(parts) = value`, its last day, and what limited it."""

    expression: str
    form: str | None
    parts: tuple[Any, ...]
    value: date
    last_day: date
    until_inclusive: bool
    capped: date | None  # the expiration date, where it caps the window
    kept: date | None  # the window already set, kept (this one would not shorten, or extend, it)
    change: WindowChange = WindowChange.SHORTENS


@record(eq=False, kw_only=True)
class Consented(Fact):
    method: Any


@record(eq=False, kw_only=True)
class Exercised(Fact):
    shares: Shares
    exercisable: Shares


@record(eq=False, kw_only=True)
class LockupStarted(Fact):
    start: date
    end: date
    period: Duration
    same_day: bool
    on: date


@record(eq=False, kw_only=True)
class LockupExtended(Fact):
    days: Duration
    end: date


AnyFact = Union[Vested, NotApplied, AlreadyEnded, MilestoneReached, GateOpened, ServiceEnded, ForfeitedUnvested,
                ForfeitedAll, BoughtBack, WindowSet, Consented, Exercised, LockupStarted, LockupExtended, Settled,
                WindowOpened, WindowPassed]
Trace = list[AnyFact]


def figure_of(fact: AnyFact) -> str:
    """The figure a fact bears on."""
    match fact:
        case Vested() | MilestoneReached() | GateOpened():
            return "vested"
        case NotApplied():
            return fact.figure
        case AlreadyEnded() | WindowSet():
            return "exercise_deadline"
        case ServiceEnded() | ForfeitedUnvested() | ForfeitedAll():
            return "forfeited"
        case BoughtBack():
            return "repurchased"
        case Settled():
            return "settled"
        case WindowOpened() | WindowPassed():
            return _WINDOW_FIGURES[fact.passing]
        case Consented() | Exercised():
            return "exercised"
        case LockupStarted() | LockupExtended():
            return "sale_blocked"
        case _:
            assert_never(fact)


# The figure the opening and passing of a window bear on, by what its passing does.
_WINDOW_FIGURES = {Passing.OVERDUE: "settlement_deadline", Passing.RELEASE: "repurchase_deadline",
                   Passing.FORFEIT: "forfeited", Passing.EXPIRE: "exercise_deadline"}
