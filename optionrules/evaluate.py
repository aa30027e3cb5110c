"""Evaluation: replay a timeline against a plan and report the figures on a date.

Every share of the grant is in exactly one bucket on every date:

    granted = exercised + exercisable + unvested + forfeited + expired

An event the contract does not allow is reported as a violation and not applied.
Events on the same day apply in the order the timeline lists them.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, NamedTuple

import attrs

from optionrules import printer
from optionrules.compile import EventPlan, Plan, ProRataPlan, RulePlan
from optionrules.expressions import Compiler, describe
from optionrules.model import FIGURES, ClauseRef
from optionrules.records import record
from optionrules.timeline import Event
from optionrules.values import Shares, add, json_value, shift
from optionrules.vesting import VestingState

_ONE_DAY = timedelta(days=1)


@record
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


@record
class Step:
    """What a clause did during a replay, with its intermediate values: the stuff of `explain`."""

    figure: str  # vested, exercised, forfeited, exercise_deadline, sale_blocked
    clause: ClauseRef
    date: date
    event: int | None  # the index of the event in the timeline
    text: str
    assumptions: tuple[str, ...] = ()


@attrs.define
class Evaluation:
    """The figures of one (timeline, as-of) query, and what is needed to name the clauses behind them."""

    as_of: date
    granted: int
    vested: Shares
    exercised: Shares
    exercisable: Shares
    unvested: Shares
    forfeited: Shares
    expired: Shares
    exercise_deadline: date | None
    sale_blocked: bool
    violations: tuple[Violation, ...]
    provenance: Provenance = attrs.field(repr=False)

    def figures(self) -> dict[str, Any]:
        return {figure: getattr(self, figure) for figure in FIGURES}

    @property
    def repurchasable(self) -> Shares:
        """Exercised shares not vested yet: the company's repurchase right (early exercise) covers them."""
        return max(0, self.exercised - self.vested)

    @property
    def sources(self) -> dict[str, tuple[ClauseRef, ...]]:
        """For each figure, the clauses that produced it (an empty tuple for a zero figure)."""
        p = self.provenance
        vested = p.schedules + tuple(ref for day, _, _, ref in p.pulls if day <= self.as_of) \
            + tuple(ref for day, ref in p.achieved if day <= self.as_of)
        deadline = (p.forfeit_all[1],) if p.forfeit_all else p.deadline
        return {
            "vested": vested,
            "exercised": p.exercise if self.exercised else (),
            "exercisable": vested + deadline if self.exercisable else (),
            "unvested": p.schedules if self.unvested else (),
            "forfeited": ((p.forfeit_all[1],) if p.forfeit_all else p.vesting_end) if self.forfeited else (),
            "expired": deadline if self.expired else (),
            "exercise_deadline": deadline,
            "sale_blocked": tuple(ref for start, end, ref in p.lockups if start <= self.as_of <= end),
        }

    def to_dict(self) -> dict[str, Any]:
        """The JSON object `optionrules eval` prints."""
        sources = self.sources
        return {
            "as_of": self.as_of.isoformat(),
            "granted": self.granted,
            "vested": json_value(self.vested),
            "exercised": json_value(self.exercised),
            "exercisable": json_value(self.exercisable),
            "unvested": json_value(self.unvested),
            "forfeited": json_value(self.forfeited),
            "expired": json_value(self.expired),
            "exercise_deadline": self.exercise_deadline.isoformat() if self.exercise_deadline else None,
            "sale_blocked": self.sale_blocked,
            "violations": [v.to_dict() for v in self.violations],
            "clauses": {figure: [ref.to_dict() for ref in dict.fromkeys(sources[figure])] for figure in FIGURES},
        }


class Figures(NamedTuple):
    """The figures alone, in the order of FIGURES."""

    vested: Shares
    exercised: Shares
    exercisable: Shares
    unvested: Shares
    forfeited: Shares
    expired: Shares
    exercise_deadline: date | None
    sale_blocked: bool


class Provenance(NamedTuple):
    """The clauses behind a replay's state, as they stood on the as-of date."""

    schedules: tuple[ClauseRef, ...]
    exercise: tuple[ClauseRef, ...]
    pulls: tuple[tuple[date, int, Shares, ClauseRef], ...]  # installments vested early, and by which clause
    achieved: tuple[tuple[date, ClauseRef], ...]  # milestones reached
    deadline: tuple[ClauseRef, ...]
    vesting_end: tuple[ClauseRef, ...]
    vesting_ended: date | None
    forfeit_all: tuple[date, ClauseRef] | None
    lockups: tuple[tuple[date, date, ClauseRef], ...]



def evaluate(plan: Plan, events: tuple[Event, ...], as_of: date, trace: list[Step] | None = None) -> Evaluation:
    """Replay the events dated on or before `as_of`; report the figures on `as_of`.

    With `trace`, every step a clause takes is appended to it, with its intermediate values.
    """
    replay = Replay(plan, trace)
    for event in events:
        if event.date > as_of:
            break
        replay.apply(event)
    return replay.evaluation(as_of)


class Replay:
    """The state of one option while a timeline is replayed; also the context expressions read."""

    __slots__ = ("consented", "deadline", "deadline_refs", "event", "exercised", "forfeit_all", "lockups", "plan",
                 "seen", "service_end", "trace", "vesting", "vesting_end_refs", "violations")

    def __init__(self, plan: Plan, trace: list[Step] | None = None):
        self.plan = plan
        self.trace = trace
        self.event: Event | None = None
        self.seen: dict[str, list[date]] = {}
        self.service_end: date | None = None
        self.vesting = VestingState(plan)
        self.vesting_end_refs: tuple[ClauseRef, ...] = ()  # the clause that ended vesting
        self.exercised: Any = 0  # shares bought and held (or, for units, settled)
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
        return getattr(self.figures(when), name)

    def in_service(self, when: date) -> bool:
        end = self.service_end
        return end is None or when < end or (when == end and self.plan.service_inclusive)

    # ---- applying events

    def apply(self, event: Event) -> None:
        self.event = event
        handler = self.plan.events[event.name]
        if handler.requires and self._breaks_requirements(event, handler.requires):
            pass  # a violation: the event is not applied
        elif handler.exercise:
            self._exercise(event)
        else:  # rules, milestones, lock-ups, consents
            if handler.ends_service and self.service_end is not None:
                assert self.plan.service_ref is not None
                self._violation(event, self.plan.service_ref,
                                f"service already ended on {self.service_end.isoformat()}")  # and nothing applies
            elif self.forfeit_all is None and event.date <= self.deadline:  # the option is still alive
                self._apply_rules(handler, event)
            elif self.trace is not None and (handler.ends_service or handler.rules):
                self._step("exercise_deadline", self.deadline_refs[-1] if self.forfeit_all is None else
                           self.forfeit_all[1], "changes nothing: the option had already ended")
            if handler.milestones and self.forfeit_all is None and event.date <= self.deadline:
                self._milestones(handler, event)
            for index in handler.starts_lockups:
                self._start_lockup(index, event.date)
            if handler.extends_lockups is not None:
                self._extend_lockups(event, handler.extends_lockups)
            if handler.consents_to is not None:
                self.consented.add(event.attrs[handler.consents_to])
                if self.trace is not None and self.plan.model.payment is not None:
                    self._step("exercised", self.plan.model.payment.ref,
                               f"consent to payment by {event.attrs[handler.consents_to]}")
        seen = self.seen.get(event.name)
        if seen is None:
            self.seen[event.name] = [event.date]
        else:
            seen.append(event.date)

    def _apply_rules(self, handler: EventPlan, event: Event) -> None:
        """Service ends, then each rule whose condition holds takes effect, in the contract's order."""
        if handler.ends_service:
            self._end_service(event)
        rules = handler.rules if handler.case_of is None else handler.rules_by_case[handler.case_of(event.attrs)]
        for rule in rules:
            if rule.condition is None or rule.condition(self):
                self._apply_rule(rule, event)
            elif self.trace is not None:
                figure = _effect(rule)
                self._step(figure, rule.ref, f"does not apply: `{_condition(rule)}` does not hold",
                           rule.assumptions[figure])

    def _milestones(self, handler: EventPlan, event: Event) -> None:
        for which, condition in handler.milestones:
            if condition is None or condition(self):
                added = self.vesting.achieve(which, event.date, self.plan.milestones[which].ref)
                if self.trace is not None:
                    milestone = self.plan.milestones[which]
                    self._step("vested", milestone.ref, f"milestone reached: {printer.number(added)} shares vest"
                               if added else "milestone reached too late, or after vesting ended: nothing vests")

    def _breaks_requirements(self, event: Event, requires: Any) -> bool:
        broken = [ref for ref, holds in requires if not holds(self)]
        for ref in broken:
            self._violation(event, ref, ref.says or f"the condition of '{ref.name}' does not hold")
        return bool(broken)

    def _step(self, figure: str, ref: ClauseRef, text: str, assumptions: tuple[str, ...] = ()) -> None:
        assert self.trace is not None and self.event is not None
        self.trace.append(Step(figure, ref, self.event.date, self.event.index, text, assumptions))

    def _violation(self, event: Event, ref: ClauseRef, why: str) -> None:
        self.violations.append(Violation(event.index, event.date, event.name, ref, why))

    def _end_service(self, event: Event) -> None:
        plan = self.plan
        assert plan.service_ref is not None
        self.service_end = event.date
        self._end_vesting(event.date, plan.service_ref)
        if self.trace is not None:
            last = "including" if plan.service_inclusive else "before"
            self._step("forfeited", plan.service_ref, f"service ends on {event.date.isoformat()}: installments up to "
                       f"and {last} that day vest, later ones do not")

    def _end_vesting(self, when: date, ref: ClauseRef) -> None:
        if self.vesting.stop(when):
            self.vesting_end_refs = (ref,)

    def _apply_rule(self, rule: RulePlan, event: Event) -> None:
        when = event.date
        vest = rule.vest
        if vest is not None and vest != "nothing":
            say = self.trace is not None
            if vest == "all_unvested":
                _, text = self.vesting.all_unvested(when, rule.ref, say)
            elif isinstance(vest, ProRataPlan):
                _, text = self.vesting.pro_rata(vest, when, rule.ref, say)
            else:
                _, text = self.vesting.accelerate(vest, when, rule.ref, say)  # type: ignore[arg-type]
            if say:
                self._step("vested", rule.ref, text + _because(rule), rule.assumptions["vested"])
        elif vest == "nothing" and self.trace is not None:
            self._step("vested", rule.ref, "vests nothing" + _because(rule), rule.assumptions["vested"])
        if rule.repurchase:
            self._repurchase(when, rule.ref)
        if rule.forfeit == "unvested":
            self._end_vesting(when, rule.ref)
            if self.trace is not None:
                self._step("forfeited", rule.ref, f"shares unvested on {when.isoformat()} are forfeited",
                           rule.assumptions["forfeited"])
        elif rule.forfeit == "all" and self.forfeit_all is None:
            self.forfeit_all = (when, rule.ref)
            if self.trace is not None:
                self._step("forfeited", rule.ref, "the option terminates, vested or not: "
                           f"{printer.number(self.plan.granted - self.exercised)} shares not exercised are forfeited",
                           rule.assumptions["forfeited"])
        if rule.until is not None:
            until = rule.until(self)
            if until is not None:
                last_day = until if self.plan.until_inclusive else shift(until, -1)
                before = self.deadline
                self._set_window(last_day, rule.ref)
                if self.trace is not None:
                    text = self._until_text(rule, last_day)
                    if self.deadline == before and last_day > before:
                        text += f"; no later than the window already set, to {before.isoformat()}"
                    self._step("exercise_deadline", rule.ref, text, rule.assumptions["exercise_deadline"])

    def _until_text(self, rule: RulePlan, last_day: date) -> str:
        plan = self.plan
        compiler = Compiler(plan.model, plan.readings, plan.missing_day, rule.source.event)
        text = "exercisable until " + describe(compiler, rule.source.exercisable_until, self)
        if not plan.until_inclusive:
            text += f", the last day being {last_day.isoformat()}"
        if last_day > plan.expiration and plan.caps_windows:
            text += f"; capped by the expiration date {plan.expiration.isoformat()}"
        return text

    def _set_window(self, last_day: date, ref: ClauseRef) -> None:
        """A rule's exercise window: it replaces the term's, and later windows only shorten it."""
        plan = self.plan
        refs: tuple[ClauseRef, ...] = (ref,)
        if plan.caps_windows and last_day > plan.expiration:
            last_day, refs = plan.expiration, (ref, plan.term)
        if self.deadline_refs == (plan.term,) or last_day < self.deadline:
            self.deadline, self.deadline_refs = last_day, refs
        elif last_day == self.deadline:
            self.deadline_refs += refs

    def _repurchase(self, when: date, ref: ClauseRef) -> None:
        """The company buys back the exercised shares that had not vested: they are forfeited."""
        bought_back = max(0, self.exercised - self.vesting.vested(when))
        self.exercised -= bought_back
        if self.trace is not None:
            self._step("forfeited", ref, f"the company repurchases the {printer.number(bought_back)} exercised "
                       "shares not vested")

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
        now = self.figures(event.date)
        if self.forfeit_all is not None:
            self._violation(event, self.forfeit_all[1],
                            f"the option was terminated on {self.forfeit_all[0].isoformat()}")
        elif now.exercise_deadline is None or event.date > now.exercise_deadline:
            deadline = now.exercise_deadline.isoformat() if now.exercise_deadline else "none"
            self._violation(event, self.deadline_refs[-1], f"after the exercise deadline ({deadline})")
        elif shares > now.exercisable:
            self._violation(event, exercise.ref, f"{printer.number(shares)} shares exceed the "
                            f"{printer.number(now.exercisable)} exercisable on {event.date.isoformat()}")
        else:
            self.exercised += int(shares)
            if self.trace is not None:
                self._step("exercised", exercise.ref, f"{printer.number(shares)} shares exercised of the "
                           f"{printer.number(now.exercisable)} exercisable")

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
        start = when if lockup.same_day else shift(when, 1)
        end = shift(add(start, lockup.period), -1)
        self.lockups.append([start, end, lockup.ref])
        if self.trace is not None:
            self._step("sale_blocked", lockup.ref, f"sales blocked {start.isoformat()} .. {end.isoformat()}: "
                       f"{lockup.period} from {'the day of' if lockup.same_day else 'the day after'} "
                       f"{when.isoformat()}", lockup.assumptions)

    def _extend_lockups(self, event: Event, attr: str) -> None:
        """An extension dated from the triggering event to the end of a lock-up lengthens it."""
        for lockup in self.lockups:
            if shift(lockup[0], -1) <= event.date <= lockup[1]:
                lockup[1] = shift(lockup[1], event.attrs[attr].days)
                if self.trace is not None:
                    self._step("sale_blocked", lockup[2], f"extended by {event.attrs[attr]} to "
                               f"{lockup[1].isoformat()}")

    # ---- figures

    def figures(self, as_of: date) -> Figures:
        """The figures on `as_of`, all events on or before it applied (and none after)."""
        plan = self.plan
        until = as_of if as_of <= self.deadline else self.deadline  # nothing vests once the option has ended
        granted, vested, exercised = plan.granted, self.vesting.vested(until), self.exercised
        sale_blocked = any(start <= as_of <= end for start, end, _ in self.lockups) if self.lockups else False
        if self.forfeit_all is not None and as_of >= self.forfeit_all[0]:
            if plan.settles:  # units settled before the forfeiture were delivered: they stay
                exercised = self.vesting.vested(self.forfeit_all[0])
            return Figures(vested, exercised, 0, 0, granted - exercised, 0, None, sale_blocked)
        end = self.vesting.end
        vesting_over = end is not None and as_of >= end
        if plan.settles:  # units: delivered as they vest, nothing to exercise
            if vesting_over:
                return Figures(vested, vested, 0, 0, granted - vested, 0, None, sale_blocked)
            lapsed = self.vesting.lapsed(until)
            unvested = granted - vested - lapsed
            expired = unvested if as_of > plan.expiration else 0
            return Figures(vested, vested, 0, unvested - expired, lapsed, expired, None, sale_blocked)
        if vesting_over:
            unvested, forfeited = 0, granted - max(vested, exercised)
            exercisable = max(0, vested - exercised)
        else:
            lapsed = self.vesting.lapsed(until)
            unvested, forfeited = granted - vested - lapsed, lapsed
            exercisable = vested - exercised
            if plan.early_exercise:  # unvested shares are exercisable too
                exercisable, unvested = granted - lapsed - exercised, 0
        deadline = self.deadline
        if as_of > deadline:
            return Figures(vested, exercised, 0, 0, forfeited, exercisable + unvested, deadline, sale_blocked)
        return Figures(vested, exercised, exercisable, unvested, forfeited, 0, deadline, sale_blocked)

    def evaluation(self, as_of: date) -> Evaluation:
        plan = self.plan
        f = self.figures(as_of)
        forfeit_all = self.forfeit_all if self.forfeit_all is not None and as_of >= self.forfeit_all[0] else None
        vesting = self.vesting
        provenance = Provenance(plan.schedule_refs, plan.exercise_refs, tuple(vesting.pulls),
                                tuple(vesting.achieved.values()) if vesting.achieved else (), self.deadline_refs,
                                self.vesting_end_refs, vesting.end, forfeit_all,
                                tuple(map(tuple, self.lockups)) if self.lockups else ())
        return Evaluation(as_of, plan.granted, f.vested, f.exercised, f.exercisable, f.unvested, f.forfeited,
                          f.expired, f.exercise_deadline, f.sale_blocked, tuple(self.violations), provenance)


def _effect(rule: RulePlan) -> str:
    if rule.vest is not None:
        return "vested"
    return "forfeited" if rule.forfeit is not None else "exercise_deadline"


def _condition(rule: RulePlan) -> str:
    return printer.expression(rule.source.condition) if rule.source.condition is not None else ""


def _because(rule: RulePlan) -> str:
    return f", as `{_condition(rule)}` holds" if rule.source.condition is not None else ""
