"""Evaluation: replay a timeline against an evaluation plan and report the figures on a date.

Every share of the grant is in exactly one bucket on every date (the figure table says which figures are
the buckets of an award type); for an option:

    granted = exercised + exercisable + unvested + forfeited + expired

An event the contract does not allow is reported as a violation and not applied. Events on the same day
apply in the order the timeline lists them. With a trace, every step a clause takes is recorded as a fact.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, NamedTuple, assert_never

import attrs

from optionrules.compile import EvaluationPlan, EventPlan, HorizonPlan, PercentPlan, ProRataPlan, RulePlan
from optionrules.figures import AwardType, reported
from optionrules.kinds.words import Forfeit, VestWord
from optionrules.model import ClauseRef
from optionrules.printer import number
from optionrules.records import record
from optionrules.timeline import Event
from optionrules.trace import (
    AlreadyEnded,
    Amount,
    AnyFact,
    Consented,
    Exercised,
    ForfeitedAll,
    ForfeitedUnvested,
    LockupExtended,
    LockupStarted,
    MilestoneReached,
    NotApplied,
    Nothing,
    Repurchased,
    ServiceEnded,
    Trace,
    Vested,
    WindowSet,
)
from optionrules.values import Shares, add, shift
from optionrules.vesting import VestingState


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


@attrs.define
class Evaluation:
    """The figures of one (timeline, as-of) query, the violations, and the clauses behind them.

    Each figure of the award type (`optionrules.figures`) is an attribute: `result.vested`.
    """

    as_of: date
    award: AwardType
    values: Mapping[str, Any]  # every figure the award type reports, by name
    violations: tuple[Violation, ...]
    provenance: Provenance = attrs.field(repr=False)
    vesting_counts: tuple[tuple[ClauseRef, int], ...] = attrs.field(repr=False, default=())  # installments vested

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name == "values":  # not set yet (a copy being made)
            raise AttributeError(name)
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(f"an evaluation of {_a(self.award)} has no figure {name!r}") from None

    @property
    def repurchasable(self) -> Shares:
        """Exercised shares not vested yet: the company's repurchase right (early exercise) covers them."""
        left: Shares = self.values["exercised"] - self.values["vested"]
        return max(0, left)

    def figures(self) -> dict[str, Any]:
        """The figures but `granted`, by name, in the table's order."""
        return {name: value for name, value in self.values.items() if name != "granted"}

    @property
    def sources(self) -> dict[str, tuple[ClauseRef, ...]]:
        """For each figure, the clauses that produced it (an empty tuple for a zero figure)."""
        p, values = self.provenance, self.values
        vested = p.schedules + tuple(ref for day, _, _, ref in p.pulls if day <= self.as_of) \
            + tuple(ref for day, ref in p.achieved if day <= self.as_of)
        deadline = (p.forfeit_all[1],) if p.forfeit_all else p.deadline
        return {
            "granted": (),
            "vested": vested,
            "exercised": p.exercise if values["exercised"] else (),
            "exercisable": vested + deadline if values["exercisable"] else (),
            "unvested": p.schedules if values["unvested"] else (),
            "forfeited": ((p.forfeit_all[1],) if p.forfeit_all else p.vesting_end) if values["forfeited"] else (),
            "expired": deadline if values["expired"] else (),
            "exercise_deadline": deadline,
            "sale_blocked": tuple(ref for start, end, ref in p.lockups if start <= self.as_of <= end),
        }

    def to_dict(self) -> dict[str, Any]:
        """The JSON object `optionrules eval` prints."""
        sources = self.sources
        return {
            "as_of": self.as_of.isoformat(),
            **{figure.name: figure.to_json(self.values[figure.name]) for figure in reported(self.award)},
            "violations": [v.to_dict() for v in self.violations],
            "clauses": {name: [ref.to_dict() for ref in dict.fromkeys(refs)] for name, refs in sources.items()
                        if name != "granted"},
        }


def _a(award: AwardType) -> str:
    return f"an {award}" if str(award)[0] in "aeiou" else f"a {award}"


def evaluate(plan: EvaluationPlan, events: Sequence[Event], as_of: date, trace: Trace | None = None) -> Evaluation:
    """Replay the events dated on or before `as_of`; report the figures on `as_of`.

    With `trace`, every step a clause takes is appended to it as a fact.
    """
    replay = Replay(plan, trace)
    for event in events:
        if event.date > as_of:
            break
        replay.apply(event)
    return replay.evaluation(as_of)


class Replay:
    """The state of one grant while a timeline is replayed; also the context compiled expressions read.

    Its public face: `apply(event)`, `figures(day)`, `in_service(day)`, `service_end`, `deadline`, and the
    context of expressions (`event`, `occurrences(name)`, `figure(name)`).
    """

    __slots__ = ("_consented", "_deadline", "_deadline_refs", "_exercised", "_forfeit_all", "_lockups",
                 "_service_end", "_vesting", "_vesting_end_refs", "_violations", "event", "plan", "seen", "trace")

    def __init__(self, plan: EvaluationPlan, trace: Trace | None = None):
        self.plan = plan
        self.trace = trace
        self.event: Event | None = None
        self.seen: dict[str, list[date]] = {}
        self._service_end: date | None = None
        self._vesting = VestingState(plan)
        self._vesting_end_refs: tuple[ClauseRef, ...] = ()  # the clause that ended vesting
        self._exercised: Shares = 0  # shares bought and held (or, for units, settled)
        self._forfeit_all: tuple[date, ClauseRef] | None = None
        self._deadline = plan.expiration
        self._deadline_refs: tuple[ClauseRef, ...] = (plan.term,)
        self._lockups: list[list[Any]] = []  # [start, end, ref]
        self._violations: list[Violation] = []
        self._consented: set[Any] = set()  # payment methods consented to so far

    @property
    def service_end(self) -> date | None:
        return self._service_end

    @property
    def deadline(self) -> date:
        """The last day of the exercise window as it stands."""
        return self._deadline

    # ---- the context read by compiled expressions

    def occurrences(self, name: str) -> tuple[date, ...]:
        return tuple(self.seen.get(name, ()))

    def figure(self, name: str) -> Any:
        assert self.event is not None
        when = self.event.date
        if name == "in_service":
            return self.in_service(when)
        return self.figures(when)[name]

    def in_service(self, when: date) -> bool:
        end = self._service_end
        return end is None or when < end or (when == end and self.plan.service_inclusive)

    # ---- applying events

    def apply(self, event: Event) -> None:
        """Apply one event; an event the contract does not allow is a violation, applied in nothing and not seen
        by the conditions of later events."""
        self.event = event
        self._vesting.current = event.index
        handler = self.plan.events[event.name]
        refused = len(self._violations)
        if handler.requires and self._breaks_requirements(event, handler):
            pass  # a violation: the event is not applied
        elif handler.exercise:
            self._exercise(event)
        else:
            self._apply_clauses(event, handler)
        if len(self._violations) > refused:
            return
        seen = self.seen.get(event.name)
        if seen is None:
            self.seen[event.name] = [event.date]
        else:
            seen.append(event.date)

    def _apply_clauses(self, event: Event, handler: EventPlan) -> None:
        """Rules, milestones, lock-ups and consents, in that order."""
        alive = self._forfeit_all is None and event.date <= self._deadline  # the option is still alive
        if handler.ends_service and self._service_end is not None:
            assert self.plan.service_ref is not None
            self._violation(event, self.plan.service_ref,
                            f"service already ended on {self._service_end.isoformat()}")  # and nothing applies
        elif alive:
            self._apply_rules(handler, event)
        elif self.trace is not None and (handler.ends_service or handler.rules):
            self._record(AlreadyEnded, self._deadline_refs[-1] if self._forfeit_all is None else self._forfeit_all[1])
        if handler.milestones and alive:
            self._milestones(handler, event)
        for index in handler.starts_lockups:
            self._start_lockup(index, event.date)
        if handler.extends_lockups is not None:
            self._extend_lockups(event, handler.extends_lockups)
        if handler.consents_to is not None:
            method = event.attrs[handler.consents_to]
            self._consented.add(method)
            if self.trace is not None and self.plan.payment is not None:
                self._record(Consented, self.plan.payment.ref, method=method)

    def _apply_rules(self, handler: EventPlan, event: Event) -> None:
        """Service ends, then each rule whose condition holds takes effect, in the contract's order."""
        if handler.ends_service:
            self._end_service(event)
        rules = handler.rules if handler.case_of is None else handler.rules_by_case[handler.case_of(event.attrs)]
        for rule in rules:
            if rule.condition is None or rule.condition(self):
                self._apply_rule(rule, event)
            elif self.trace is not None:
                figure = rule.effect
                self._record(NotApplied, rule.ref, rule.assumptions[figure], figure=figure,
                             condition=rule.condition_text)

    def _milestones(self, handler: EventPlan, event: Event) -> None:
        for which, condition in handler.milestones:
            if condition is None or condition(self):
                milestone = self.plan.milestones[which]
                added = self._vesting.achieve(which, event.date, milestone.ref)
                if self.trace is not None:
                    self._record(MilestoneReached, milestone.ref, shares=added)

    def _breaks_requirements(self, event: Event, handler: EventPlan) -> bool:
        broken = [require.ref for require in handler.requires if not require.holds(self)]
        for ref in broken:
            self._violation(event, ref, ref.says or f"the condition of '{ref.name}' does not hold")
        return bool(broken)

    def _record(self, fact: type[AnyFact], ref: ClauseRef, assumptions: tuple[str, ...] = (), **values: Any) -> None:
        assert self.trace is not None and self.event is not None
        self.trace.append(fact(clause=ref, date=self.event.date, event=self.event.index, assumptions=assumptions,
                               **values))

    def _violation(self, event: Event, ref: ClauseRef, why: str) -> None:
        self._violations.append(Violation(event.index, event.date, event.name, ref, why))

    def _end_service(self, event: Event) -> None:
        plan = self.plan
        assert plan.service_ref is not None
        self._service_end = event.date
        self._end_vesting(event.date, plan.service_ref)
        if self.trace is not None:
            self._record(ServiceEnded, plan.service_ref, inclusive=plan.service_inclusive)

    def _end_vesting(self, when: date, ref: ClauseRef) -> None:
        if self._vesting.stop(when):
            self._vesting_end_refs = (ref,)

    def _apply_rule(self, rule: RulePlan, event: Event) -> None:
        when = event.date
        if rule.vest is not None:
            amount = self._vest(rule, when, self.trace is not None)
            if amount is not None:
                self._record(Vested, rule.ref, rule.assumptions["vested"], amount=amount,
                             condition=rule.condition_text)
        if rule.repurchase:
            self._repurchase(when, rule.ref)
        if rule.forfeit is Forfeit.UNVESTED:
            self._end_vesting(when, rule.ref)
            if self.trace is not None:
                self._record(ForfeitedUnvested, rule.ref, rule.assumptions["forfeited"])
        elif rule.forfeit is Forfeit.ALL and self._forfeit_all is None:
            self._forfeit_all = (when, rule.ref)
            if self.trace is not None:
                self._record(ForfeitedAll, rule.ref, rule.assumptions["forfeited"],
                             shares=self.plan.granted - self._exercised)
        if rule.until is not None:
            until = rule.until.value(self)
            if until is not None:
                self._set_window(until, rule)

    def _vest(self, rule: RulePlan, when: date, traced: bool) -> Amount | None:
        """Vest what the rule orders; how, if traced."""
        vest, vesting = rule.vest, self._vesting
        match vest:
            case ProRataPlan():
                return vesting.pro_rata(vest, when, rule.ref, traced)
            case VestWord.ALL_UNVESTED:
                return vesting.all_unvested(when, rule.ref, traced)
            case VestWord.NOTHING:
                return Nothing() if traced else None
            case PercentPlan():
                return vesting.percent(vest, when, rule.ref, traced)
            case HorizonPlan():
                return vesting.due_within(vest, when, rule.ref, traced)
            case None:
                return None
            case _:
                assert_never(vest)

    def _set_window(self, until: date, rule: RulePlan) -> None:
        """A rule's exercise window: it replaces the term's, and later windows only shorten it."""
        plan = self.plan
        last_day = until if plan.until_inclusive else shift(until, -1)
        before = self._deadline
        capped = plan.caps_windows and last_day > plan.expiration
        refs: tuple[ClauseRef, ...] = (rule.ref, plan.term) if capped else (rule.ref,)
        window = plan.expiration if capped else last_day
        if self._deadline_refs == (plan.term,) or window < self._deadline:
            self._deadline, self._deadline_refs = window, refs
        elif window == self._deadline:
            self._deadline_refs += refs
        if self.trace is not None:
            assert rule.until is not None
            self._record(WindowSet, rule.ref, rule.assumptions["exercise_deadline"], expression=rule.until.text,
                         form=rule.until.form, parts=tuple(part(self) for part in rule.until.parts), value=until,
                         last_day=last_day, until_inclusive=plan.until_inclusive,
                         capped=plan.expiration if capped else None,
                         kept=before if self._deadline == before and last_day > before else None)

    def _repurchase(self, when: date, ref: ClauseRef) -> None:
        """The company buys back the exercised shares that had not vested: they are forfeited."""
        bought_back = max(0, self._exercised - self._vesting.vested(when))
        self._exercised -= bought_back
        if self.trace is not None:
            self._record(Repurchased, ref, shares=bought_back)

    def _exercise(self, event: Event) -> None:
        plan = self.plan
        exercise = plan.exercise
        assert exercise is not None
        shares = event.attrs[exercise.shares]
        why = plan.payment.problem(event.attrs[exercise.method], self._consented) \
            if plan.payment is not None and exercise.method is not None else None
        if why is not None:
            assert plan.payment is not None
            self._violation(event, plan.payment.ref, why)
            return
        now = self.figures(event.date)
        deadline = now["exercise_deadline"]
        if self._forfeit_all is not None:
            self._violation(event, self._forfeit_all[1],
                            f"the option was terminated on {self._forfeit_all[0].isoformat()}")
        elif deadline is None or event.date > deadline:
            shown = deadline.isoformat() if deadline else "none"
            self._violation(event, self._deadline_refs[-1], f"after the exercise deadline ({shown})")
        elif shares > now["exercisable"]:
            self._violation(event, exercise.ref, f"{number(shares)} shares exceed the "
                            f"{number(now['exercisable'])} exercisable on {event.date.isoformat()}")
        else:
            self._exercised += shares  # exact: a fraction of a share stays one (a `require` may forbid it)
            if self.trace is not None:
                self._record(Exercised, exercise.ref, shares=shares, exercisable=now["exercisable"])

    def _start_lockup(self, index: int, when: date) -> None:
        lockup = self.plan.lockups[index]
        start = when if lockup.same_day else shift(when, 1)
        end = shift(add(start, lockup.period), -1)
        self._lockups.append([start, end, lockup.ref])
        if self.trace is not None:
            self._record(LockupStarted, lockup.ref, lockup.assumptions, start=start, end=end, period=lockup.period,
                         same_day=lockup.same_day, on=when)

    def _extend_lockups(self, event: Event, attr: str) -> None:
        """An extension dated from the triggering event to the end of a lock-up lengthens it."""
        for lockup in self._lockups:
            if shift(lockup[0], -1) <= event.date <= lockup[1]:
                lockup[1] = shift(lockup[1], event.attrs[attr].days)
                if self.trace is not None:
                    self._record(LockupExtended, lockup[2], days=event.attrs[attr], end=lockup[1])

    # ---- figures

    def figures(self, as_of: date) -> dict[str, Any]:
        """The figures on `as_of`, all events on or before it applied (and none after)."""
        plan = self.plan
        until = as_of if as_of <= self._deadline else self._deadline  # nothing vests once the option has ended
        granted, vesting = plan.granted, self._vesting
        vested, exercised = vesting.vested(until), self._exercised
        sale_blocked = any(start <= as_of <= end for start, end, _ in self._lockups) if self._lockups else False
        if self._forfeit_all is not None and as_of >= self._forfeit_all[0]:
            if plan.settles:  # units settled before the forfeiture were delivered: they stay
                exercised = vesting.vested(self._forfeit_all[0])
            return _option(granted, vested, exercised, 0, 0, granted - exercised, 0, None, sale_blocked)
        vesting_over = vesting.ended(as_of)
        if plan.settles:  # units: delivered as they vest, nothing to exercise
            if vesting_over:
                return _option(granted, vested, vested, 0, 0, granted - vested, 0, None, sale_blocked)
            lapsed = vesting.lapsed(until)
            unvested = granted - vested - lapsed
            expired = unvested if as_of > plan.expiration else 0
            return _option(granted, vested, vested, 0, unvested - expired, lapsed, expired, None, sale_blocked)
        if vesting_over:
            unvested, forfeited = 0, granted - max(vested, exercised)
            exercisable = max(0, vested - exercised)
        else:
            lapsed = vesting.lapsed(until)
            unvested, forfeited = granted - vested - lapsed, lapsed
            exercisable = vested - exercised
            if plan.early_exercise:  # unvested shares are exercisable too
                exercisable, unvested = granted - lapsed - exercised, 0
        deadline = self._deadline
        if as_of > deadline:
            return _option(granted, vested, exercised, 0, 0, forfeited, exercisable + unvested, deadline,
                           sale_blocked)
        return _option(granted, vested, exercised, exercisable, unvested, forfeited, 0, deadline, sale_blocked)

    def evaluation(self, as_of: date) -> Evaluation:
        plan, vesting = self.plan, self._vesting
        forfeit_all = self._forfeit_all if self._forfeit_all is not None and as_of >= self._forfeit_all[0] else None
        provenance = Provenance(plan.schedule_refs, plan.exercise_refs, tuple(vesting.pulls),
                                tuple(vesting.achieved.values()) if vesting.achieved else (),
                                self._deadline_refs, self._vesting_end_refs, vesting.end, forfeit_all,
                                tuple(map(tuple, self._lockups)) if self._lockups else ())  # type: ignore[arg-type]
        counts = self._installment_counts(as_of) if self.trace is not None else ()
        return Evaluation(as_of, plan.award, self.figures(as_of), tuple(self._violations), provenance, counts)

    def _installment_counts(self, as_of: date) -> tuple[tuple[ClauseRef, int], ...]:
        """How many installments of each schedule vested by `as_of` (or by the end of vesting)."""
        end = self._vesting.end
        if end is not None and as_of >= end:
            return tuple((s.ref, s.count(end, self.plan.service_inclusive)) for s in self.plan.schedules)
        return tuple((s.ref, s.count(as_of)) for s in self.plan.schedules)


def _option(granted: int, vested: Shares, exercised: Shares, exercisable: Shares, unvested: Shares,
            forfeited: Shares, expired: Shares, deadline: date | None, sale_blocked: bool) -> dict[str, Any]:
    """The figures of an option (the order of the figure table)."""
    return {"granted": granted, "vested": vested, "exercised": exercised, "exercisable": exercisable,
            "unvested": unvested, "forfeited": forfeited, "expired": expired, "exercise_deadline": deadline,
            "sale_blocked": sale_blocked}
