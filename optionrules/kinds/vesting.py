"""Vesting: installment schedules, milestone tranches, the service condition, settlement of units."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date
from fractions import Fraction
from typing import Any, Self

import attrs

from optionrules.errors import InternalError
from optionrules.figures import AwardType
from optionrules.kinds.base import Clause, Conditional, MaybeTriggered, Reading, key, kind
from optionrules.kinds.readers import (
    DATES,
    Choice,
    Constant,
    EventName,
    EventNames,
    EventStart,
    ListOf,
    Portion,
    SharesOrPortion,
    StartDate,
    TriggerAttribute,
    Whole,
)
from optionrules.kinds.words import Inclusivity, Remainder, RoundingBasis, SettlementTiming, Waiting, YesNo
from optionrules.model import Model, Word
from optionrules.records import evolve
from optionrules.types import DURATION, PERCENT
from optionrules.values import WHOLE_ROUNDINGS, Duration, MissingDay, Rounding, add, portion_shares, round_ratio

MAX_INSTALLMENTS = 10_000


@kind("vesting", "an installment schedule: installment k falls on start + k periods", named=True)
class Vesting(Clause):
    shares: int | Portion = key(SharesOrPortion(),
                                doc="the shares this schedule vests (default: the whole grant); a portion of the "
                                    "grant (1/3, 25%) is made whole across the schedules, rounded down on their "
                                    "running total in file order (100 in thirds: 33, 33, 34)")
    installments: int = key(Whole(minimum=1, maximum=MAX_INSTALLMENTS), required=True)
    every: Duration = key(Constant(DURATION), required=True)
    start: date | EventStart = key(StartDate(), name="from",
                                   doc="the anchor date (default: the commencement date); or an event (+ a duration): "
                                       "the schedule is pending until the event happens")
    gate: tuple[str, ...] | None = key(EventNames(),
                                       doc="installments vest on the later of their date and the first of these "
                                           "events (a liquidity event: the second trigger)")
    gate_deadline: date | None = key(DATES, doc="with `gate`: if none of its events has happened by this day, what "
                                                "has not vested of the schedule is forfeited")
    waiting: Word[Waiting] | None = key(Choice(Waiting), name="waiting_after_service",
                                        doc="with `gate`: whether installments dated within service that wait for "
                                            "the gate when service ends keep waiting, or are forfeited")
    portion: Fraction | None = attrs.field(default=None)  # the part of the grant `shares:` gave, if a portion
    cliff: Duration | None = key(Constant(DURATION),
                                 doc="nothing vests before start + cliff; earlier installments vest then")
    cliff_on: date | EventStart | None = key(StartDate(),
                                             doc="instead of `cliff`: the cliff's date, a constant or one the "
                                                 "timeline sets (`later_of(commencement + 12 months, ipo)`); the "
                                                 "schedule is pending until it is known")
    at_cliff: int | Portion | None = key(SharesOrPortion(),
                                         doc="with `cliff`: what vests at the cliff, in shares or as a portion of the "
                                             "schedule (30%), instead of the installments before it; the rest is "
                                             "spread over the installments after it, rounded as the schedule says")
    day_of_month: int | None = key(Whole(minimum=1, maximum=31),
                                   doc="installments (every N months) fall on this day of their month, where the "
                                       "month lacks it per missing_day (default: the anchor's day); Open Cap "
                                       "Format's 29_OR_LAST_DAY_OF_MONTH is 29 with missing_day: last_day_of_month")
    missing_day: Word[MissingDay] = key(Choice(MissingDay), doc="default: the conventions' missing_day")
    rounding: Word[Rounding] = key(Choice(Rounding), required=True,
                                   doc="down, up or half_up to whole shares; none keeps fractions of a share")
    basis: Word[RoundingBasis] = key(Choice(RoundingBasis), name="rounding_basis", required=True)
    remainder: Word[Remainder] = key(Choice(Remainder),
                                     doc="where shares left by per-installment rounding go (required for "
                                         "per_installment)")

    @property
    def whole_shares(self) -> int:
        """The shares of a checked schedule (a portion is made whole when it is checked)."""
        if isinstance(self.shares, Portion):
            raise InternalError(f"the schedule {self.ref.name} was not checked")
        return self.shares

    @property
    def pending_on(self) -> EventStart | None:
        """The event the schedule's start waits for, if the timeline sets it."""
        return self.start if isinstance(self.start, EventStart) else None

    @property
    def cliff_pending_on(self) -> EventStart | None:
        """The events the schedule's cliff date waits for, if the timeline sets it."""
        return self.cliff_on if isinstance(self.cliff_on, EventStart) else None

    @property
    def waits(self) -> bool:
        """Whether the timeline sets the schedule's start or its cliff."""
        return self.pending_on is not None or self.cliff_pending_on is not None

    def validate(self, reading: Reading) -> Self | None:
        if self.every.months < 0 or self.every.days < 0 or self.every == Duration():
            reading.error("`every` must be a positive duration", reading.node("every"))
            return None
        if not self._gated_consistently(reading) or not self._cliff_and_days_consistent(reading):
            return None
        if self.cliff is not None and (self.cliff.months < 0 or self.cliff.days < 0):
            reading.error("`cliff` cannot be negative", reading.node("cliff"))
            return None
        from optionrules.kinds.grant import Conventions, Grant

        grant, conventions = reading.model.one(Grant), reading.model.one(Conventions)
        written = self.shares if self.shares is not None else grant.shares if grant else None
        shares = (self._portioned(reading, written, grant.shares) if grant is not None else None) \
            if isinstance(written, Portion) else written
        start = self.start if self.start is not None else grant.commencement if grant else None
        missing_day = self.missing_day or (conventions.missing_day if conventions else None)
        if shares is None or start is None or missing_day is None:
            return None  # the missing grant or conventions clause is reported as such
        defaults = (("shares", "shares"), ("start", "commencement"))  # (field, the grant's field it defaults to)
        inherited = {field: grant.symbolic[source] for field, source in defaults
                     if getattr(self, field) is None and grant is not None and source in grant.symbolic}
        portion = self.shares.part if isinstance(self.shares, Portion) else None
        vesting = evolve(self, shares=shares, start=start, missing_day=missing_day, portion=portion,
                         remainder=self.remainder or Word(Remainder, Remainder.NONE),
                         symbolic={**self.symbolic, **inherited})
        vesting.check_allocation(reading)
        if not vesting.check_at_cliff(reading):
            return None
        if grant is not None:
            vesting.check_grant_date(reading, grant.grant_date)
        return vesting

    def _gated_consistently(self, reading: Reading) -> bool:
        """A gate needs its deadline and what the end of service does to what waits for it; neither without."""
        problem = next((text for wrong, text in (
            (self.gate is not None and self.gate_deadline is None,
             "a gate needs a deadline: `gate_deadline: DATE` (what has not vested is forfeited after it)"),
            (self.gate is not None and self.waiting is None,
             "a gate needs `waiting_after_service: keep` or `forfeit` (what the end of service does to the "
             "installments waiting for it)"),
            (self.gate is None and (self.gate_deadline is not None or self.waiting is not None),
             "`gate_deadline` and `waiting_after_service` go with a `gate:`"),
        ) if wrong), None)
        if problem is not None:
            reading.error(problem, reading.clause.kind_span)
        return problem is None

    def _cliff_and_days_consistent(self, reading: Reading) -> bool:
        problem, where = next(((text, key) for wrong, text, key in (
            (self.at_cliff is not None and self.cliff is None and self.cliff_on is None,
             "`at_cliff` goes with a `cliff:` (or `cliff_on:`)", "at_cliff"),
            (self.cliff is not None and self.cliff_on is not None, "a cliff is `cliff:` or `cliff_on:`, not both",
             "cliff_on"),
            (self.day_of_month is not None and (self.every.days != 0 or (self.cliff is not None and self.cliff.days)),
             "`day_of_month` is for schedules in whole months (`every` and `cliff` in months or years)",
             "day_of_month"),
        ) if wrong), (None, ""))
        if problem is not None:
            reading.error(problem, reading.node(where))
        return problem is None

    def check_at_cliff(self, reading: Reading) -> bool:
        """What vests at the cliff is at most the schedule; the rest is spread whole (cumulatively, or with a
        remainder said)."""
        at_cliff = self.at_cliff_shares(self.whole_shares)
        if at_cliff is None:
            return True
        readings = reading.model.readings()
        problem = (f"`at_cliff` vests {at_cliff:,} of a schedule of {self.whole_shares:,} shares"
                   if at_cliff > self.whole_shares else
                   "with `at_cliff`, per-installment rounding needs `remainder:` (the rest may not divide evenly)"
                   if self.remainder.resolve(readings) is Remainder.NONE
                   and self.basis.resolve(readings) is RoundingBasis.PER_INSTALLMENT
                   else None)
        if problem is not None:
            reading.error(problem, reading.node("at_cliff"))
        return problem is None

    def at_cliff_shares(self, shares: int) -> int | None:
        """What vests at the cliff, of the schedule's `shares` (a portion rounded down), if the clause says."""
        match self.at_cliff:
            case None:
                return None
            case Portion(part=part):
                return int(shares * part)
            case int(whole):
                return whole

    def _portioned(self, reading: Reading, portion: Portion, granted: int) -> int | None:
        """This schedule's whole shares: the running total of the portions so far, rounded down, less that of the
        schedules before it (so the portions of a grant are rounded once); None if they pass the whole grant."""
        before = sum((v.portion_part for v in reading.model.all(Vesting)), start=Fraction(0))
        total = before + portion.part
        if total > 1:
            percent = total * 100
            written = f"{percent}%" if percent.denominator == 1 else f"{total.numerator}/{total.denominator}"
            reading.error(f"the portions of the grant's schedules add up to {written}, more than the whole grant",
                          reading.node("shares"))
            return None
        return portion_shares(granted, before, portion.part)

    @property
    def portion_part(self) -> Fraction:
        return self.portion if self.portion is not None else Fraction(0)

    def check_grant_date(self, reading: Reading, granted: date) -> None:
        """Installments dated before the grant vest on the grant date: say so."""
        if isinstance(self.start, EventStart) or isinstance(self.cliff_on, EventStart):
            return  # set by an event, on or after the grant date
        missing_day = self.missing_day.resolve(reading.model.readings())
        first = add(self.start, self.every, missing_day)
        if self.cliff is not None:
            first = max(first, add(self.start, self.cliff, missing_day))
        if first < granted:
            reading.warn(f"the first installment falls on {first.isoformat()}, before the grant date "
                         f"{granted.isoformat()}: the installments dated before the grant vest on it",
                         reading.clause.kind_span)

    def check_allocation(self, reading: Reading) -> None:
        """Per-installment rounding must say where the remainder goes, and must not over-allocate."""
        for readings in reading_sets(reading.model, self.rounding, self.basis, self.remainder):
            rounding = self.rounding.resolve(readings)
            if self.basis.resolve(readings) is not RoundingBasis.PER_INSTALLMENT or rounding is Rounding.NONE:
                continue
            n, shares = self.installments, self.whole_shares
            each = int(round_ratio(shares, n, rounding))
            left = shares - each * n
            remainder = self.remainder.resolve(readings)
            if left and remainder is Remainder.NONE:
                reading.error(f"{n} installments of {each:,} make {each * n:,}, not {shares:,}; say where "
                              "the difference goes", reading.clause.kind_span,
                              "remainder: last, first, spread_first or spread_last")
            elif left < 0 and (remainder in (Remainder.SPREAD_FIRST, Remainder.SPREAD_LAST)
                               or each * (n - 1) > shares):
                reading.error(f"rounding up {n} installments of {each:,} over-allocates {shares:,} shares",
                              reading.clause.kind_span)


@kind("vesting_table", "a schedule the agreement states as a table: on each date, its number of shares", named=True)
class VestingTable(Clause):
    dates: tuple[date, ...] = key(ListOf(DATES), required=True, doc="the dates, in order (one per installment)")
    amounts: tuple[int, ...] = key(ListOf(Whole(minimum=1)), required=True,
                                   doc="the shares vesting on each date, in the same order")

    def validate(self, reading: Reading) -> Self | None:
        problem, where = (
            (f"{len(self.dates)} dates and {len(self.amounts)} amounts: one amount a date", "amounts")
            if len(self.dates) != len(self.amounts) else
            ("the dates must be in order, each after the one before", "dates")
            if any(a >= b for a, b in itertools.pairwise(self.dates)) else
            (f"more than {MAX_INSTALLMENTS:,} dates", "dates") if len(self.dates) > MAX_INSTALLMENTS else
            (None, ""))
        if problem is not None:
            reading.error(problem, reading.node(where))
            return None
        return self

    @property
    def whole_shares(self) -> int:
        return sum(self.amounts)


def reading_sets(model: Model, *words: Word[Any] | None) -> Iterator[dict[str, str]]:
    """Every combination of the readings of the assumptions behind these words."""
    names = sorted({w.assumption for w in words if w is not None and w.assumption is not None})
    for combination in itertools.product(*(model.assumptions[n].readings for n in names)):
        yield dict(zip(names, combination))


@kind("milestone", "a tranche that vests when an event happens (and its condition holds), and is forfeited if "
                   "that has not happened by the deadline", named=True, trigger=True, condition=True)
class Milestone(Conditional):
    shares: int = key(Whole(minimum=1), required=True)
    deadline: date | None = key(DATES, doc="the last day the event can vest the tranche")
    accelerates: Word[YesNo] = key(Choice(YesNo), required=True,
                                   doc="whether `vest: all_unvested` reaches this tranche")


@kind("service", "the service condition: which event ends service", singleton=True)
class Service(Clause):
    ends_on: str = key(EventName(), required=True)
    through: Word[Inclusivity] = key(Choice(Inclusivity), required=True,
                                     doc="inclusive: an installment dated on the last day of service vests")


_UNITS = frozenset({AwardType.RSU})


@kind("settlement", "how vested units settle in shares: each as it vests, or by an event giving the units it "
                    "settles", singleton=True, optional_trigger=True, awards=_UNITS, required=_UNITS)
class Settlement(MaybeTriggered):
    on: Word[SettlementTiming] | None = key(Choice(SettlementTiming),
                                            doc="vesting: each unit settles the day it vests (without `on EVENT`)")
    units: str | None = key(TriggerAttribute(), doc="with `on EVENT`: the event's attribute giving the units settled")
    withheld: str | None = key(TriggerAttribute(),
                               doc="with `on EVENT`: the event's attribute giving the units withheld for tax")
    withholding: Fraction | None = key(Constant(PERCENT),
                                       doc="the share of the units settled that is withheld for tax (with `rounding`)")
    rounding: Word[Rounding] | None = key(Choice(Rounding, *WHOLE_ROUNDINGS),
                                          doc="how the units withheld at `withholding` are rounded")

    def validate(self, reading: Reading) -> Self | None:
        by_event = self.event is not None
        problem = (
            "settlement by an event says which attribute gives the units: `units: ATTRIBUTE`"
            if by_event and self.units is None else
            "settlement on vesting takes no event: write `on: vesting` without `on EVENT`, or settle by an event"
            if by_event and self.on is not None else
            "say when units settle: `on: vesting`, or `on EVENT` with `units:`" if not by_event and self.on is None
            else "give the units withheld either from the event (`withheld:`) or as a rate (`withholding:`), not both"
            if self.withheld is not None and self.withholding is not None else
            "`withholding:` needs `rounding:` (down, up or half_up): the units withheld are whole"
            if self.withholding is not None and self.rounding is None else None
        )
        if problem is not None:
            reading.error(problem, reading.clause.kind_span)
            return None
        return self
