"""Evaluation: replay a timeline against a plan and report the figures on a date.

Every share of the grant is in exactly one bucket on every date:

    granted = exercised + exercisable + unvested + forfeited + expired

An event the contract does not allow is reported as a violation and not applied.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import date, timedelta
from typing import Any

import attrs

from optionrules.compile import Plan, ProRataPlan, RulePlan
from optionrules.model import ClauseRef
from optionrules.timeline import Event
from optionrules.values import add, round_ratio

FIGURES = ("vested", "exercised", "exercisable", "unvested", "forfeited", "expired", "exercise_deadline",
           "sale_blocked")

_ONE_DAY = timedelta(days=1)


@attrs.frozen
class Violation:
    """An event the contract does not allow, the clause it breaks, and why."""

    index: int
    date: date
    event: str
    clause: ClauseRef
    why: str

    def to_dict(self) -> dict[str, Any]:
        return {"date": self.date.isoformat(), "event": self.event, "index": self.index,
                "clause": self.clause.citation, "rule": self.clause.name, "why": self.why}


@attrs.frozen
class Evaluation:
    """The figures of one (timeline, as-of) query, and the clauses behind each."""

    as_of: date
    granted: int
    vested: int
    exercised: int
    exercisable: int
    unvested: int
    forfeited: int
    expired: int
    exercise_deadline: date | None
    sale_blocked: bool
    violations: tuple[Violation, ...]
    sources: dict[str, tuple[ClauseRef, ...]]

    def to_dict(self) -> dict[str, Any]:
        """The JSON object `optionrules eval` prints."""
        return {
            "as_of": self.as_of.isoformat(),
            "granted": self.granted,
            "vested": self.vested,
            "exercised": self.exercised,
            "exercisable": self.exercisable,
            "unvested": self.unvested,
            "forfeited": self.forfeited,
            "expired": self.expired,
            "exercise_deadline": self.exercise_deadline.isoformat() if self.exercise_deadline else None,
            "sale_blocked": self.sale_blocked,
            "violations": [v.to_dict() for v in self.violations],
            "clauses": {figure: [_cite(ref) for ref in dict.fromkeys(self.sources.get(figure, ()))]
                        for figure in FIGURES},
        }


def _cite(ref: ClauseRef) -> dict[str, Any]:
    return {"clause": ref.name, "citation": ref.citation, "line": ref.span.line}


def evaluate(plan: Plan, events: tuple[Event, ...], as_of: date) -> Evaluation:
    """Replay the events dated on or before `as_of`; report the figures on `as_of`."""
    replay = Replay(plan)
    for event in events:
        if event.date > as_of:
            break
        replay.apply(event)
    return replay.evaluation(as_of)


class Replay:
    """The state of one option while a timeline is replayed; also the context expressions read."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.event: Event | None = None
        self.seen: dict[str, list[date]] = {}
        self.service_end: date | None = None
        self.vesting_end: date | None = None  # no scheduled installment vests after it
        self.vesting_end_index = 0  # installments vested when vesting ended
        self.vesting_end_refs: tuple[ClauseRef, ...] = ()
        self.extra: list[tuple[date, int, ClauseRef]] = []  # pro-rata and accelerated vesting
        self.exercised = 0
        self.forfeit_all: tuple[date, ClauseRef] | None = None
        self.deadline = plan.expiration
        self.deadline_refs: tuple[ClauseRef, ...] = (plan.term,)
        self.lockups: list[list[Any]] = []  # [start, end, ref]
        self.violations: list[Violation] = []
        self.consented: set[Any] = set()  # payment methods consented to so far

    # ---- the context read by compiled expressions

    def occurrences(self, name: str) -> tuple[date, ...]:
        return tuple(self.seen.get(name, ()))

    def figure(self, name: str) -> Any:
        assert self.event is not None
        when = self.event.date
        if name == "in_service":
            return self.in_service(when)
        if name == "sale_blocked":
            return self.sale_blocked(when)
        return getattr(self.evaluation(when), name)

    def in_service(self, when: date) -> bool:
        end = self.service_end
        return end is None or when < end or (when == end and self.plan.service_inclusive)

    # ---- applying events

    def apply(self, event: Event) -> None:
        self.event = event
        handler = self.plan.events[event.name]
        broken = [ref for ref, holds in handler.requires if not holds(self)]
        for ref in broken:
            self._violation(event, ref, ref.says or f"the condition of '{ref.name}' does not hold")
        if not broken and handler.exercise:
            self._exercise(event)
        elif not broken:
            if handler.ends_service:
                self._end_service(event)
            for rule in handler.rules:
                if rule.condition is None or rule.condition(self):
                    self._apply_rule(rule, event)
            for index in handler.starts_lockups:
                self._start_lockup(index, event.date)
            if handler.extends_lockups is not None:
                self._extend_lockups(event, handler.extends_lockups)
            if handler.consents_to is not None:
                self.consented.add(event.attrs[handler.consents_to])
        self.seen.setdefault(event.name, []).append(event.date)

    def _violation(self, event: Event, ref: ClauseRef, why: str) -> None:
        self.violations.append(Violation(event.index, event.date, event.name, ref, why))

    def _end_service(self, event: Event) -> None:
        plan = self.plan
        assert plan.service_ref is not None
        if self.service_end is not None:
            self._violation(event, plan.service_ref, f"service already ended on {self.service_end.isoformat()}")
            return
        self.service_end = event.date
        self._end_vesting(event.date, plan.service_ref)

    def _end_vesting(self, when: date, ref: ClauseRef) -> None:
        if self.vesting_end is not None and self.vesting_end <= when:
            return
        self.vesting_end = when
        search = bisect_right if self.plan.service_inclusive else bisect_left
        self.vesting_end_index = search(self.plan.dates, when)
        self.vesting_end_refs = (ref,)

    def _apply_rule(self, rule: RulePlan, event: Event) -> None:
        when = event.date
        if rule.vest == "all_unvested":
            self._vest_extra(when, self.plan.granted, rule.ref)
        elif isinstance(rule.vest, ProRataPlan):
            self._vest_extra(when, self._pro_rata(rule.vest, when), rule.ref)
        if rule.forfeit == "unvested":
            self._end_vesting(when, rule.ref)
        elif rule.forfeit == "all" and self.forfeit_all is None:
            self.forfeit_all = (when, rule.ref)
        if rule.until is not None:
            until = rule.until(self)
            if until is not None:
                last_day = until if self.plan.until_inclusive else until - _ONE_DAY
                if last_day < self.deadline:
                    self.deadline = last_day
                    self.deadline_refs = (rule.ref,)
                elif last_day == self.deadline:
                    self.deadline_refs += (rule.ref,)

    def _vest_extra(self, when: date, shares: int, ref: ClauseRef) -> None:
        """Vest up to `shares` more on `when`, no more than what is still unvested and able to vest."""
        if self.vesting_end is not None and when > self.vesting_end:
            return
        shares = min(shares, self.plan.granted - self.vested(when))
        if shares > 0:
            self.extra.append((when, shares, ref))

    def _pro_rata(self, pro_rata: ProRataPlan, when: date) -> int:
        """floor(next installment x days served of it / its days), for each schedule."""
        search = bisect_right if self.plan.service_inclusive else bisect_left
        total = 0
        for schedule in pro_rata.schedules:
            i = search(schedule.dates, when)
            if i >= len(schedule.dates):
                continue
            previous = schedule.dates[i - 1] if i else schedule.start
            following = schedule.dates[i]
            period = (following - previous).days
            served = (when - previous).days + (1 if pro_rata.inclusive else 0)
            served = max(0, min(served, period))
            total += round_ratio(schedule.amounts[i] * served, period, pro_rata.rounding)
        return total

    def _exercise(self, event: Event) -> None:
        plan = self.plan
        exercise = plan.model.exercise
        assert exercise is not None
        shares = event.attrs[exercise.shares]
        why = self._payment_problem(event, exercise.method)
        if why is not None:
            assert plan.model.payment is not None
            self._violation(event, plan.model.payment.ref, why)
            return
        now = self.evaluation(event.date)
        if self.forfeit_all is not None:
            self._violation(event, self.forfeit_all[1],
                            f"the option was terminated on {self.forfeit_all[0].isoformat()}")
        elif now.exercise_deadline is None or event.date > now.exercise_deadline:
            deadline = now.exercise_deadline.isoformat() if now.exercise_deadline else "none"
            self._violation(event, self.deadline_refs[-1], f"after the exercise deadline ({deadline})")
        elif shares > now.exercisable:
            self._violation(event, exercise.ref,
                            f"{_shares(shares)} shares exceed the {now.exercisable:,} exercisable on "
                            f"{event.date.isoformat()}")
        else:
            self.exercised += int(shares)

    def _payment_problem(self, event: Event, method_attr: str | None) -> str | None:
        payment = self.plan.model.payment
        if payment is None or method_attr is None:
            return None
        method = event.attrs[method_attr]
        if method in payment.always:
            return None
        if method in payment.with_consent and payment.consent is not None:
            if method in self.consented:
                return None
            return f"payment by {method} needs a prior {payment.consent[0]} for it"
        return f"payment by {method} is not allowed"

    def _start_lockup(self, index: int, when: date) -> None:
        lockup = self.plan.lockups[index]
        start = when if lockup.same_day else when + _ONE_DAY
        end = add(start, lockup.period) - _ONE_DAY
        self.lockups.append([start, end, lockup.ref])

    def _extend_lockups(self, event: Event, attr: str) -> None:
        for lockup in self.lockups:
            if lockup[0] - _ONE_DAY <= event.date <= lockup[1]:
                lockup[1] = lockup[1] + timedelta(days=event.attrs[attr].days)

    def sale_blocked(self, when: date) -> bool:
        return any(start <= when <= end for start, end, _ in self.lockups)

    # ---- figures

    def vested(self, when: date) -> int:
        plan = self.plan
        if self.vesting_end is not None and when >= self.vesting_end:
            scheduled = plan.cumulative[self.vesting_end_index]
        else:
            scheduled = plan.cumulative[bisect_right(plan.dates, when)]
        extra = sum(shares for day, shares, _ in self.extra if day <= when)
        return min(plan.granted, scheduled + extra)

    def evaluation(self, as_of: date) -> Evaluation:
        plan = self.plan
        granted = plan.granted
        vested = self.vested(as_of)
        exercised = self.exercised
        schedules = tuple(s.ref for s in plan.schedules)
        vested_refs = schedules + tuple(ref for day, _, ref in self.extra if day <= as_of)
        exercised_refs = (plan.model.exercise.ref,) if exercised and plan.model.exercise else ()
        sale_refs = tuple(ref for start, end, ref in self.lockups if start <= as_of <= end)
        if self.forfeit_all is not None and as_of >= self.forfeit_all[0]:
            return Evaluation(
                as_of, granted, vested, exercised, 0, 0, granted - exercised, 0, None, bool(sale_refs),
                tuple(self.violations),
                {"vested": vested_refs, "exercised": exercised_refs, "forfeited": (self.forfeit_all[1],),
                 "exercise_deadline": (self.forfeit_all[1],), "sale_blocked": sale_refs},
            )
        vesting_over = self.vesting_end is not None and as_of >= self.vesting_end
        unvested = 0 if vesting_over else granted - vested
        forfeited = granted - vested if vesting_over else 0
        deadline = self.deadline
        if as_of > deadline:
            expired, exercisable = vested - exercised + unvested, 0
            unvested = 0
        else:
            expired, exercisable = 0, vested - exercised
        return Evaluation(
            as_of, granted, vested, exercised, exercisable, unvested, forfeited, expired, deadline,
            bool(sale_refs), tuple(self.violations),
            {
                "vested": vested_refs,
                "exercised": exercised_refs,
                "exercisable": (vested_refs + self.deadline_refs) if exercisable else self.deadline_refs,
                "unvested": schedules if unvested else (),
                "forfeited": self.vesting_end_refs if forfeited else (),
                "expired": self.deadline_refs if expired else (),
                "exercise_deadline": self.deadline_refs,
                "sale_blocked": sale_refs,
            },
        )


def _shares(value: Any) -> str:
    return f"{value:,}" if value == int(value) else str(float(value))
