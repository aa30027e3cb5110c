"""Vesting while a timeline is replayed: scheduled installments, the ones pulled forward, milestones.

Every scheduled installment of every schedule has a global index (plan.dates, plan.amounts).
Accelerations and pro-rata vesting *pull* shares out of future installments and vest them on the
day of the event; the installment keeps vesting the rest on its date. So a partial acceleration
never counts a share twice, and vesting stays a sum of whole installments and pulls.

Each way of vesting returns the shares it vested and, when a trace is kept (`traced`), how: a trace
amount (`trace.Amount`). A plain query builds no record of it.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from datetime import date
from fractions import Fraction
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from optionrules.kinds.words import AccelerationOrder
from optionrules.model import ClauseRef
from optionrules.trace import (
    AllUnvested,
    CountOf,
    DueWithin,
    FullyVested,
    InstallmentPart,
    PercentOf,
    ProRated,
    RestOfSchedule,
)
from optionrules.values import Rounding, Shares, add, round_shares

if TYPE_CHECKING:
    from optionrules.compile import (
        CountPlan,
        EvaluationPlan,
        GatePlan,
        HorizonPlan,
        PercentPlan,
        ProRataPlan,
        RestOfPlan,
    )


_NONE: Mapping[Any, Any] = MappingProxyType({})


class VestingState:
    """What has vested of a grant while a timeline is replayed.

    Vesting ends on a date, by an event (the end of service, a forfeiture). The event that ended it may still
    vest shares on that day (pro-rata vesting on a termination); a later event of the same day may not.
    """

    __slots__ = ("achieved", "current", "end", "end_event", "end_index", "gate_of", "gates_opened", "inclusive", "plan",
                 "pulled", "pulls")

    def __init__(self, plan: EvaluationPlan):
        self.plan = plan
        self.inclusive = plan.service_inclusive  # an installment dated on the last day of service vests
        self.pulls: list[tuple[date, int, Shares, ClauseRef]] = []  # (day, installment, shares, clause)
        self.pulled: dict[int, Shares] = {}  # installment -> shares pulled out of it so far
        # (the mappings most replays never add to are shared empty ones, replaced when added to)
        self.achieved: Mapping[int, tuple[date, ClauseRef]] = _NONE  # milestone -> the day it vested
        self.end: date | None = None  # no installment vests after it
        self.end_event: int | None = None  # the event that ended vesting
        self.end_index = 0  # the installments that vested by then
        self.current: int | None = None  # the event being applied
        self.gates_opened: Mapping[int, date] = _NONE  # gate -> the day its first event came (by its deadline)
        self.gate_of = plan.gate_of  # installment -> its gate

    # ---- what has vested

    def count(self, when: date) -> int:
        """How many installments vested by their schedule on `when`."""
        if self.end is not None and when >= self.end:
            return self.end_index
        return bisect_right(self.plan.dates, when)

    def vested(self, when: date) -> Shares:
        k = self.count(when)
        vested: Shares = self.plan.cumulative[k] - self.held(when, k) if self.gate_of else self.plan.cumulative[k]
        for day, index, shares, _ in self.pulls:
            if day <= when and index >= k:
                vested += shares
        if self.achieved:
            for which, (day, _) in self.achieved.items():
                if day <= when:
                    vested += self.plan.milestones[which].shares
        return vested

    def tranches(self, when: date) -> list[tuple[date, Shares]]:
        """What vested by `when`, day by day: each installment (less what was pulled out of it earlier), each pull,
        each milestone; in date order."""
        plan = self.plan
        found = [(self._vests_on(i), plan.amounts[i] - self.pulled.get(i, 0)) for i in range(self.count(when))
                 if self.gate_of.get(i) is None or self._released(self.gate_of[i], when)]
        found += [(day, shares) for day, _, shares, _ in self.pulls if day <= when]
        found += [(day, plan.milestones[which].shares) for which, (day, _) in self.achieved.items() if day <= when]
        return sorted(t for t in found if t[1] > 0)

    # ---- gates: installments that wait for an event

    def open_gates(self, event: str, when: date) -> list[tuple[int, Shares]]:
        """The event opens each gate it is one of the events of, the first time, by the gate's deadline: the gates
        it opened, and the shares each vested then."""
        opened = []
        for g, gate in enumerate(self.plan.gates):
            if event in gate.events and g not in self.gates_opened and when <= gate.deadline:
                waiting = self.held(when)
                self.gates_opened = {**self.gates_opened, g: when}
                opened.append((g, waiting - self.held(when)))
        return opened

    def _released(self, gate: int, when: date) -> bool:
        """Whether the gate's installments dated by `when` have vested: it opened by `when`, and within service
        unless its installments keep waiting after service ends."""
        opened = self.gates_opened.get(gate)
        return opened is not None and opened <= when and (self.plan.gates[gate].keep or self.end is None
                                                          or opened <= self.end)

    def _vests_on(self, index: int) -> date:
        gate = self.gate_of.get(index)
        day = self.plan.dates[index]
        return day if gate is None else max(day, self.gates_opened[gate])

    def _unvested_of(self, gate: GatePlan, below: int | None = None) -> Shares:
        """What has not been pulled out of the gate's installments (of those among the first `below`)."""
        return sum((self._remaining(i) for i in gate.indexes if below is None or i < below), start=0)

    def held(self, when: date, count: int | None = None) -> Shares:
        """Shares of installments dated by `when` (within service) that still wait for their gate."""
        k = self.count(when) if count is None else count
        return sum((self._unvested_of(gate, k) for g, gate in enumerate(self.plan.gates)
                    if not self._released(g, when)), start=0)

    def waiting(self, when: date) -> Shares:
        """After vesting ended: the shares still eligible, waiting for a gate that may yet open (`keep`)."""
        k = self.count(when)
        return sum((self._unvested_of(gate, k) for g, gate in enumerate(self.plan.gates)
                    if gate.keep and when <= gate.deadline and not self._released(g, when)), start=0)

    def gates_waiting(self, when: date) -> list[tuple[int, Shares]]:
        """Each gate not open by `when` whose deadline has not passed, and the shares dated by then waiting for it."""
        k = self.count(when)
        return [(g, self._unvested_of(gate, k)) for g, gate in enumerate(self.plan.gates)
                if when <= gate.deadline and g not in self.gates_opened]

    def lapsed(self, when: date) -> Shares:
        """Milestone tranches lost before vesting ended: their deadline passed without the event; and what had not
        vested of a gated schedule whose gate did not open by its deadline."""
        lost: Shares = 0
        for g, gate in enumerate(self.plan.gates):
            if gate.deadline < when and g not in self.gates_opened and (self.end is None or self.end > gate.deadline):
                lost += self._unvested_of(gate)
        for which, milestone in enumerate(self.plan.milestones):
            deadline = milestone.deadline
            if deadline is not None and deadline < when and which not in self.achieved \
                    and (self.end is None or self.end > deadline):
                lost += milestone.shares
        return lost

    def ended(self, when: date) -> bool:
        """Whether vesting had ended by `when` (nothing vests after the end of service, or a forfeiture)."""
        return self.end is not None and when >= self.end

    def _remaining(self, index: int) -> Shares:
        remaining: Shares = self.plan.amounts[index] - self.pulled.get(index, 0)
        return remaining

    def _future(self, when: date) -> range:
        return range(self.count(when), len(self.plan.dates))

    # ---- ending and pulling

    def stop(self, when: date) -> bool:
        """Vesting ends on `when`, by the event being applied (the installments of that day vest if service is
        inclusive)."""
        if self.end is not None and self.end <= when:
            return False
        self.end, self.end_event = when, self.current
        self.end_index = (bisect_right if self.inclusive else bisect_left)(self.plan.dates, when)
        return True

    def _over(self, when: date) -> bool:
        """Vesting has ended for what the event being applied would vest on `when`."""
        end = self.end
        return end is not None and (when > end or (when == end and self.current != self.end_event))

    def pull(self, when: date, index: int, shares: Shares, ref: ClauseRef) -> Shares:
        """Vest up to `shares` of a future installment now; returns what was pulled."""
        if self.end is not None and self._over(when):
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
        if which in self.achieved or self._over(when) or (milestone.deadline is not None and when > milestone.deadline):
            return 0
        self.achieved = {**self.achieved, which: (when, ref)}
        return milestone.shares

    # ---- the kinds of vesting a rule can order

    def all_unvested(self, when: date, ref: ClauseRef, traced: bool) -> AllUnvested | None:
        added: Shares = sum((self.pull(when, i, self._remaining(i), ref) for i in self._future(when)), start=0)
        for which, milestone in enumerate(self.plan.milestones):
            if milestone.accelerates:
                added += self.achieve(which, when, ref)
        return AllUnvested(added) if traced else None

    def rest_of(self, plan: RestOfPlan, when: date, ref: ClauseRef, traced: bool) -> RestOfSchedule | None:
        """The unvested installments of one schedule vest now."""
        first = self.count(when)
        added: Shares = sum((self.pull(when, i, self._remaining(i), ref) for i in plan.indexes if i >= first),
                            start=0)
        return RestOfSchedule(plan.schedule, added) if traced else None

    def due_within(self, plan: HorizonPlan, when: date, ref: ClauseRef, traced: bool) -> DueWithin | None:
        horizon = add(when, plan.within, self.plan.missing_day)
        due = [i for i in self._future(when) if self.plan.dates[i] <= horizon]
        added: Shares = sum((self.pull(when, i, self._remaining(i), ref) for i in due), start=0)
        return DueWithin(horizon, added) if traced else None

    def percent(self, plan: PercentPlan, when: date, ref: ClauseRef, traced: bool) -> PercentOf | None:
        future = self._future(when)
        unvested: Shares = sum((self._remaining(i) for i in future), start=0)
        if plan.order is AccelerationOrder.EACH:
            added: Shares = sum((self.pull(when, i, _scale(self._remaining(i), plan.percent, plan.rounding), ref)
                                 for i in future), start=0)
        else:
            added = self._pull_in_order(when, future, plan.order, _scale(unvested, plan.percent, plan.rounding), ref)
        return PercentOf(plan.percent, unvested, plan.order, added) if traced else None

    def shares_asked(self, plan: CountPlan, asked: Shares, when: date, ref: ClauseRef, traced: bool
                     ) -> CountOf | None:
        """As many unvested shares as `asked` (at most the unvested), from the last or the first installments."""
        future = self._future(when)
        unvested: Shares = sum((self._remaining(i) for i in future), start=0)
        added = self._pull_in_order(when, future, plan.order, min(asked, unvested), ref)
        return CountOf(asked, unvested, plan.order, added) if traced else None

    def _pull_in_order(self, when: date, future: range, order: AccelerationOrder, target: Shares, ref: ClauseRef
                       ) -> Shares:
        added: Shares = 0
        for i in (future if order is AccelerationOrder.FIRST else reversed(future)):
            if added >= target:
                break
            added += self.pull(when, i, target - added, ref)
        return added

    def pro_rata(self, plan: ProRataPlan, when: date, ref: ClauseRef, traced: bool) -> ProRated | None:
        """The interrupted installment L -> N of each schedule, in proportion to the days of it served."""
        search = bisect_right if self.inclusive else bisect_left
        added: Shares = 0
        parts: tuple[InstallmentPart | FullyVested, ...] = ()
        for schedule in plan.schedules:
            dates = schedule.dates
            j = search(dates, when)
            if j >= len(dates):
                if traced:
                    parts += (FullyVested(schedule.ref.name),)
                continue
            previous, following = dates[j - 1] if j else schedule.start, dates[j]
            period = (following - previous).days or 1  # two installments on one day: at the calendar's end
            served = (when - previous).days + plan.inclusive
            served = 0 if served < 0 else period if served > period else served
            amount = schedule.amounts[j]
            share = plan.divide(amount * served, period) if isinstance(amount, int) \
                else Fraction(amount * served, period)
            pulled = self.pull(when, schedule.indexes[j], share, ref)
            added += pulled
            if traced:
                parts += (InstallmentPart(schedule.ref.name, amount, served, period, previous, following, share,
                                          pulled, plan.rounding),)
        return ProRated(parts, added) if traced else None


def _scale(shares: Shares, percent: Fraction, rounding: Rounding) -> Shares:
    return round_shares(Fraction(shares) * percent, rounding)
