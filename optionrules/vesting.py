"""Vesting while a timeline is replayed: scheduled installments, the ones pulled forward, milestones.

Every scheduled installment of every schedule has a global index (plan.dates, plan.amounts).
Accelerations and pro-rata vesting *pull* shares out of future installments and vest them on the
day of the event; the installment keeps vesting the rest on its date. So a partial acceleration
never counts a share twice, and vesting stays a sum of whole installments and pulls.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING

from optionrules.model import ClauseRef
from optionrules.printer import number
from optionrules.values import Shares, add, round_ratio

if TYPE_CHECKING:
    from optionrules.compile import AccelerationPlan, Plan, ProRataPlan

_ROUND = {"down": "floor", "up": "ceil", "half_up": "round_half_up"}


class VestingState:
    __slots__ = ("achieved", "end", "end_index", "inclusive", "plan", "pulled", "pulls")

    def __init__(self, plan: Plan):
        self.plan = plan
        self.inclusive = plan.service_inclusive  # an installment dated on the last day of service vests
        self.pulls: list[tuple[date, int, Shares, ClauseRef]] = []  # (day, installment, shares, clause)
        self.pulled: dict[int, Shares] = {}  # installment -> shares pulled out of it so far
        self.achieved: dict[int, tuple[date, ClauseRef]] = {}  # milestone -> the day it vested
        self.end: date | None = None  # no installment vests after it
        self.end_index = 0  # the installments that vested by then

    # ---- what has vested

    def count(self, when: date) -> int:
        """How many installments vested by their schedule on `when`."""
        if self.end is not None and when >= self.end:
            return self.end_index
        return bisect_right(self.plan.dates, when)

    def vested(self, when: date) -> Shares:
        k = self.count(when)
        vested: Shares = self.plan.cumulative[k]
        for day, index, shares, _ in self.pulls:
            if day <= when and index >= k:
                vested += shares
        for which, (day, _) in self.achieved.items():
            if day <= when:
                vested += self.plan.milestones[which].shares
        return vested

    def lapsed(self, when: date) -> Shares:
        """Milestone tranches lost before vesting ended: their deadline passed without the event."""
        lost: Shares = 0
        for which, milestone in enumerate(self.plan.milestones):
            deadline = milestone.deadline
            if deadline is not None and deadline < when and which not in self.achieved \
                    and (self.end is None or self.end > deadline):
                lost += milestone.shares
        return lost

    def _remaining(self, index: int) -> Shares:
        remaining: Shares = self.plan.amounts[index] - self.pulled.get(index, 0)
        return remaining

    def _future(self, when: date) -> range:
        return range(self.count(when), len(self.plan.dates))

    # ---- ending and pulling

    def stop(self, when: date) -> bool:
        """Vesting ends on `when` (the installments of that day vest if service is inclusive)."""
        if self.end is not None and self.end <= when:
            return False
        self.end = when
        self.end_index = (bisect_right if self.inclusive else bisect_left)(self.plan.dates, when)
        return True

    def pull(self, when: date, index: int, shares: Shares, ref: ClauseRef) -> Shares:
        """Vest up to `shares` of a future installment now; returns what was pulled."""
        if self.end is not None and when > self.end:
            return 0
        already = self.pulled.get(index, 0)  # _remaining, inline: pro-rata vesting is on the query's hot path
        remaining = self.plan.amounts[index] - already
        if shares > remaining:
            shares = remaining
        if shares <= 0:
            return 0
        self.pulls.append((when, index, shares, ref))
        self.pulled[index] = already + shares
        return shares

    def achieve(self, which: int, when: date, ref: ClauseRef) -> Shares:
        milestone = self.plan.milestones[which]
        if which in self.achieved or (self.end is not None and when > self.end) \
                or (milestone.deadline is not None and when > milestone.deadline):
            return 0
        self.achieved[which] = (when, ref)
        return milestone.shares

    # ---- the kinds of vesting a rule can order; each returns what vested, and (when `say`) how

    def all_unvested(self, when: date, ref: ClauseRef, say: bool = False) -> tuple[Shares, str]:
        added = sum((self.pull(when, i, self._remaining(i), ref) for i in self._future(when)), start=0)
        for which, milestone in enumerate(self.plan.milestones):
            if milestone.accelerates:
                added += self.achieve(which, when, ref)
        return added, f"all unvested shares vest: {number(added)}" if say else ""

    def accelerate(self, plan: AccelerationPlan, when: date, ref: ClauseRef, say: bool = False
                   ) -> tuple[Shares, str]:
        future = self._future(when)
        if plan.months is not None:
            horizon = add(when, plan.months, self.plan.missing_day)
            due = [i for i in future if self.plan.dates[i] <= horizon]
            added = sum((self.pull(when, i, self._remaining(i), ref) for i in due), start=0)
            return added, f"the installments due by {horizon.isoformat()} vest now: {number(added)}" if say else ""
        assert plan.percent is not None and plan.rounding is not None
        unvested = sum((self._remaining(i) for i in future), start=0)
        target = _scale(unvested, plan.percent, plan.rounding)
        if plan.order == "each":
            added = sum((self.pull(when, i, _scale(self._remaining(i), plan.percent, plan.rounding), ref)
                         for i in future), start=0)
        else:
            added = 0
            order = future if plan.order == "first" else reversed(future)
            for i in order:
                if added >= target:
                    break
                added += self.pull(when, i, target - added, ref)
        return added, (f"{number(plan.percent * 100)}% of the {number(unvested)} unvested shares vest now, "
                       f"taken from the {plan.order} installments: {number(added)}") if say else ""

    def pro_rata(self, plan: ProRataPlan, when: date, ref: ClauseRef, say: bool = False) -> tuple[Shares, str]:
        """The interrupted installment L -> N of each schedule, in proportion to the days of it served."""
        search = bisect_right if self.inclusive else bisect_left
        added: Shares = 0
        parts = []
        for schedule in plan.schedules:
            j = search(schedule.dates, when)
            if j >= len(schedule.dates):
                parts.append(f"{schedule.ref.name}: fully vested, nothing pro-rata")
                continue
            previous = schedule.dates[j - 1] if j else schedule.start
            period = max(1, (schedule.dates[j] - previous).days)  # two installments on one day: at the calendar's end
            served = max(0, min((when - previous).days + plan.inclusive, period))
            amount = schedule.amounts[j]
            share = round_ratio(amount * served, period, plan.rounding) if isinstance(amount, int) \
                else Fraction(amount * served, period)
            pulled = self.pull(when, schedule.indexes[j], share, ref)
            added += pulled
            if say:
                parts.append(f"pro-rata {_ROUND[plan.rounding]}({number(amount)} × {served}/{period}) = "
                             f"{number(share)}: {served} of the {period} days from {previous.isoformat()} to "
                             f"{schedule.dates[j].isoformat()}"
                             + (f" (capped at {number(pulled)}, the shares still unvested)" if pulled < share else ""))
        return added, "; ".join(parts)


def _scale(shares: Shares, percent: Fraction, rounding: str) -> Shares:
    exact = Fraction(shares) * percent
    return exact if rounding == "none" else round_ratio(exact.numerator, exact.denominator, rounding)
