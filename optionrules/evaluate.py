"""Evaluation: replay a timeline against an evaluation plan and report the figures on a date.

Every share of the grant is in exactly one bucket on every date (the figure table says which figures are
the buckets of an award type); for an option:

    granted = exercised + exercisable + unvested + forfeited + expired

An event the contract does not allow is reported as a violation and not applied. Events on the same day
apply in the order the timeline lists them. With a trace, every step a clause takes is recorded as a fact.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal, NamedTuple, assert_never

import attrs

from optionrules.compile import (
    CountPlan,
    EvaluationPlan,
    EventPlan,
    HorizonPlan,
    PercentPlan,
    ProRataPlan,
    RestOfPlan,
    RulePlan,
    SettlementPlan,
)
from optionrules.figures import AwardType, Figure
from optionrules.fold import as_money
from optionrules.kinds.words import Forfeit, Passing, VestWord, WindowChange
from optionrules.model import ClauseRef
from optionrules.printer import number
from optionrules.records import record
from optionrules.timeline import Event
from optionrules.trace import (
    AlreadyEnded,
    Amount,
    AnyFact,
    BoughtBack,
    Consented,
    Exercised,
    ForfeitedAll,
    ForfeitedUnvested,
    GateOpened,
    LockupExtended,
    LockupStarted,
    MilestoneReached,
    NotApplied,
    Nothing,
    ServiceEnded,
    Settled,
    Trace,
    Vested,
    WindowOpened,
    WindowPassed,
    WindowSet,
)
from optionrules.values import Money, Shares, add, round_shares, shift
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
        return {"date": self.date.isoformat(), "event": self.event, "index": self.index, "why": self.why,
                "clause": self.clause.to_dict()}


@record
class WaitingFor:
    """An answer the timeline leaves open: shares of a schedule that wait for an event that has not happened (its
    start, or its gate), by a deadline if there is one."""

    clause: ClauseRef
    events: tuple[str, ...]
    by: date | None
    shares: Shares
    what: Literal["start", "gate"]  # the schedule starts on the event; or its installments dated so far wait for it
    start: str = ""  # for a start: what waits (`its start (later_of(2025-01-01, ipo))`)

    def __str__(self) -> str:
        events = " or ".join(self.events)
        by = f" (by {self.by.isoformat()})" if self.by is not None else ""
        if self.what == "start":
            return f"{self.clause.name} is pending ({number(self.shares)}): {self.start} waits for {events}"
        return (f"{number(self.shares)} of {self.clause.name} have met their time condition and wait for "
                f"{events}{by}")

    def to_dict(self) -> dict[str, Any]:
        return {"clause": self.clause.to_dict(), "waits_for": list(self.events),
                "by": self.by.isoformat() if self.by else None, "shares": self.shares, "what": self.what,
                **({"start": self.start} if self.start else {})}


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
    settlement: tuple[ClauseRef, ...]
    repurchase: tuple[ClauseRef, ...]
    windows: tuple[tuple[ClauseRef, date, date], ...]  # the deadlines' windows opened: (clause, opened, last day)


@attrs.define
class Evaluation:
    """The figures of one (timeline, as-of) query, the violations, and the clauses behind them.

    Each figure of the award type (`optionrules.figures`) is an attribute: `result.vested`.
    """

    as_of: date
    award: AwardType
    reported: tuple[Figure, ...]  # the figures of the contract (its award type's, and those its clauses bring)
    values: Mapping[str, Any]  # each of them, by name
    violations: tuple[Violation, ...]
    # the clauses behind the state, gathered when first read (most queries read only the figures)
    _gather: Callable[[], Provenance] = attrs.field(repr=False, eq=False)
    vesting_counts: tuple[tuple[ClauseRef, int], ...] = attrs.field(repr=False, default=())  # installments vested
    waiting_for: tuple[WaitingFor, ...] = ()  # what the answer depends on that has not happened yet
    _provenance: Provenance | None = attrs.field(default=None, init=False, repr=False, eq=False)

    @property
    def provenance(self) -> Provenance:
        if self._provenance is None:
            self._provenance = self._gather()
        return self._provenance

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name == "values":  # not set yet (a copy being made)
            raise AttributeError(name)
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(f"an evaluation of {_a(self.award)} has no figure {name!r}") from None

    def _repr_html_(self) -> str:
        from optionrules.render import evaluation_html

        return evaluation_html(self)

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
        windows = tuple(ref for ref, opened, _ in p.windows if opened <= self.as_of)
        forfeited = (p.forfeit_all[1],) if p.forfeit_all else p.vesting_end
        bought_back = p.repurchase + windows
        sources = {
            "granted": (), "vested": vested, "released": vested + windows, "exercised": p.exercise,
            "exercisable": vested + deadline, "settled": p.settlement, "unsettled": vested + p.settlement,
            "subject_to_repurchase": bought_back, "repurchased": p.repurchase, "held": p.repurchase,
            "unvested": p.schedules, "forfeited": forfeited, "expired": deadline, "exercise_deadline": deadline,
            "settlement_deadline": p.settlement + windows, "overdue": p.settlement + windows,
            "withheld": p.settlement, "delivered": p.settlement, "repurchase_deadline": windows,
            "repurchase_price": p.repurchase,
            "sale_blocked": tuple(ref for start, end, ref in p.lockups if start <= self.as_of <= end),
        }
        return {name: refs if values[name] or name.endswith(_ALWAYS_CITED) else ()
                for name, refs in sources.items() if name in values}

    def to_dict(self) -> dict[str, Any]:
        """The JSON object `optionrules eval` prints (schemas/eval.json)."""
        from optionrules.schemas import versioned

        sources = self.sources
        return versioned({
            "as_of": self.as_of.isoformat(),
            **{figure.name: figure.to_json(self.values[figure.name]) for figure in self.reported},
            "violations": [v.to_dict() for v in self.violations],
            **({"waiting_for": [w.to_dict() for w in self.waiting_for]} if self.waiting_for else {}),
            "clauses": {name: [ref.to_dict() for ref in dict.fromkeys(refs)] for name, refs in sources.items()
                        if name != "granted"},
        })


_ALWAYS_CITED = ("vested", "_deadline", "sale_blocked")  # figures cited whatever their value


def _a(award: AwardType) -> str:
    return f"an {award}" if str(award)[0] in "aeiou" else f"a {award}"


def evaluate(plan: EvaluationPlan, events: Sequence[Event], as_of: date, trace: Trace | None = None) -> Evaluation:
    """Replay the events dated on or before `as_of`; report the figures on `as_of`.

    With `trace`, every step a clause takes is appended to it as a fact.
    """
    if plan.pending:  # the schedules whose start an event sets, from the events by `as_of`
        plan = plan.started([e for e in events if e.date <= as_of])
    replay = Replay(plan, trace)
    for event in events:
        if event.date > as_of:
            break
        replay.apply(event)
    return replay.evaluation(as_of)


class Replay:
    """The state of one grant while a timeline is replayed; also the context compiled expressions read.

    Its public face: `apply(event)`, `figures(day)`, `in_service(day)`, `service_end`, `deadline`, and the
    context of expressions (`event`, `occurrences(name)`, `last(name)`, `figure(name)`).
    """

    __slots__ = ("_bought", "_consented", "_deadline", "_deadline_refs", "_exercised", "_forfeit_all",
                 "_lockups", "_service_end", "_settled", "_vesting", "_vesting_end_refs", "_violations", "_windows",
                 "event", "plan", "seen", "trace")

    def __init__(self, plan: EvaluationPlan, trace: Trace | None = None):
        self.plan = plan
        self.trace = trace
        self.event: Event | None = None
        self.seen: dict[str, list[Event]] = {}  # the events of each name applied so far, in order
        self._service_end: date | None = None
        self._vesting = VestingState(plan)
        self._vesting_end_refs: tuple[ClauseRef, ...] = ()  # the clause that ended vesting
        self._exercised: Shares = 0  # an option's shares bought and held
        # (tuples, not lists: most replays add none, and an empty tuple costs nothing to make)
        self._settled: tuple[tuple[date, Shares, Shares], ...] = ()  # units settled: (date, units, withheld)
        self._bought: tuple[tuple[date, Shares, Decimal], ...] = ()  # bought back: (date, shares, the price paid)
        self._forfeit_all: tuple[date, ClauseRef] | None = None
        self._deadline = plan.expiration
        self._deadline_refs: tuple[ClauseRef, ...] = plan.term_refs
        self._lockups: tuple[list[Any], ...] = ()  # [start, end, ref]
        self._windows: tuple[Window, ...] = tuple(Window(i, w.opens_on, w.last_day(w.opens_on, plan.missing_day))
                                                  for i, w in enumerate(plan.windows) if w.opens_on is not None) \
            if plan.windows else ()
        self._violations: tuple[Violation, ...] = ()
        self._consented: frozenset[Any] = frozenset()  # payment methods consented to so far

    @property
    def service_end(self) -> date | None:
        return self._service_end

    @property
    def deadline(self) -> date:
        """The last day of the exercise window as it stands."""
        return self._deadline

    # ---- the context read by compiled expressions

    def occurrences(self, name: str) -> tuple[date, ...]:
        return tuple(event.date for event in self.seen.get(name, ()))

    def last(self, name: str) -> Event | None:
        """The last event of this name applied so far (whose attributes a later event's clause may read)."""
        events = self.seen.get(name)
        return events[-1] if events else None

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
        if self._windows:
            self._advance(event.date)
        self.event = event
        self._vesting.current = event.index
        handler = self.plan.events[event.name]
        refused = len(self._violations)
        if event.date < self.plan.grant_date:
            self._violation(event, self.plan.grant_ref, f"before the grant date ({self.plan.grant_date.isoformat()})")
        elif handler.requires and self._breaks_requirements(event, handler):
            pass  # a violation: the event is not applied
        elif handler.exercise:
            self._exercise(event)
        elif handler.settles:
            self._settle(event)
        elif handler.buys_back:
            self._buy_back(event)
        else:
            self._apply_clauses(event, handler)
        if len(self._violations) > refused:
            return
        if self.plan.gates:
            for gate, shares in self._vesting.open_gates(event.name, event.date):
                if self.trace is not None:
                    self._record(GateOpened, self.plan.gates[gate].ref, shares=shares)
        if self._windows:
            self._satisfy_windows(event)
        seen = self.seen.get(event.name)
        if seen is None:
            self.seen[event.name] = [event]
        else:
            seen.append(event)

    def _apply_clauses(self, event: Event, handler: EventPlan) -> None:
        """Rules, milestones, windows, lock-ups and consents, in that order."""
        alive = self._forfeit_all is None and event.date <= self._deadline  # the grant is still alive
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
        for index in handler.opens_windows:
            self._open_window(index, event.date)
        for index in handler.starts_lockups:
            self._start_lockup(index, event.date)
        if handler.extends_lockups is not None:
            self._extend_lockups(event, handler.extends_lockups)
        if handler.consents_to is not None:
            method = event.attrs[handler.consents_to]
            self._consented |= {method}
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
        self._violations += (Violation(event.index, event.date, event.name, ref, why),)

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
        if rule.forfeit is None:
            pass
        elif rule.forfeit is Forfeit.UNVESTED:
            self._end_vesting(when, rule.ref)
            if self.trace is not None:
                self._record(ForfeitedUnvested, rule.ref, rule.assumptions["forfeited"])
        elif rule.forfeit is Forfeit.ALL and self._forfeit_all is None:
            self._end_vesting(when, rule.ref)
            self._forfeit_all = (when, rule.ref)
            if self.trace is not None:
                kept = self._settled_by(when) if self.plan.award is AwardType.RSU else self._exercised
                self._record(ForfeitedAll, rule.ref, rule.assumptions["forfeited"], shares=self.plan.granted - kept)
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
            case RestOfPlan():
                return vesting.rest_of(vest, when, rule.ref, traced)
            case CountPlan():
                assert self.event is not None  # a rule is applied for an event
                return vesting.shares_asked(vest, self.event.attrs[vest.attribute], when, rule.ref, traced)
            case None:
                return None
            case _:
                assert_never(vest)

    def _set_window(self, until: date, rule: RulePlan) -> None:
        """A rule's exercise window. The first replaces the term's; a later one shortens it, or (where the rule says
        so) extends or replaces it; the term caps every one where it says so."""
        plan = self.plan
        last_day = until if plan.until_inclusive else shift(until, -1)
        before = self._deadline
        capped = plan.caps_windows and last_day > plan.expiration
        refs: tuple[ClauseRef, ...] = (rule.ref, plan.term) if capped and plan.term else (rule.ref,)
        window = plan.expiration if capped else last_day
        first = self._deadline_refs is plan.term_refs
        match rule.window:
            case WindowChange.SHORTENS:
                takes = first or window < before
            case WindowChange.EXTENDS:
                takes = first or window > before
            case WindowChange.REPLACES:
                takes = True
            case _:
                assert_never(rule.window)
        if takes:
            self._deadline, self._deadline_refs = window, refs
        elif window == before:
            self._deadline_refs += refs
        if self.trace is not None:
            assert rule.until is not None
            self._record(WindowSet, rule.ref, rule.assumptions["exercise_deadline"], expression=rule.until.text,
                         form=rule.until.form, parts=tuple(part(self) for part in rule.until.parts), value=until,
                         last_day=last_day, until_inclusive=plan.until_inclusive,
                         capped=plan.expiration if capped else None, kept=None if takes or window == before else before,
                         change=rule.window)

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

    # ---- units: settlement

    def _settle(self, event: Event) -> None:
        settlement = self.plan.settlement
        assert settlement is not None and settlement.units is not None
        units = event.attrs[settlement.units]
        if self._forfeit_all is not None:
            self._violation(event, self._forfeit_all[1],
                            f"the units were forfeited on {self._forfeit_all[0].isoformat()}")
            return
        unsettled = self.figures(event.date)["unsettled"]
        withheld = self._withheld(settlement, event, units)
        if units > unsettled:
            self._violation(event, settlement.ref, f"{number(units)} units exceed the {number(unsettled)} vested and "
                                                   f"not settled on {event.date.isoformat()}")
        elif withheld > units:
            self._violation(event, settlement.ref, f"{number(withheld)} units withheld of the {number(units)} settled")
        else:
            self._settled += ((event.date, units, withheld),)
            if self.trace is not None:
                self._record(Settled, settlement.ref, units=units, withheld=withheld, unsettled=unsettled)

    @staticmethod
    def _withheld(settlement: SettlementPlan, event: Event, units: Shares) -> Shares:
        if settlement.withheld is not None:
            withheld: Shares = event.attrs[settlement.withheld]
            return withheld
        if settlement.withholding is not None and settlement.rounding is not None:
            return round_shares(units * settlement.withholding, settlement.rounding)
        return 0

    def _settled_by(self, day: date) -> Shares:
        """Units settled on or before `day`: as they vest, or by settlement events."""
        if self.plan.settlement is not None and self.plan.settlement.event is None:
            return self._vesting.vested(min(day, self._deadline))
        return sum((units for when, units, _ in self._settled if when <= day), start=0)

    # ---- shares the company may buy back

    def _buy_back(self, event: Event) -> None:
        right = self.plan.repurchase
        assert right is not None
        shares = event.attrs[right.shares]
        closed = self._closed_for(event)
        subject = self._subject_to_repurchase(event.date)
        if closed is not None:
            self._violation(event, closed[0], closed[1])
        elif shares > subject:
            self._violation(event, right.ref, f"{number(shares)} shares exceed the {number(subject)} subject to "
                                              f"repurchase on {event.date.isoformat()}")
        else:
            price = right.price(self)
            paid = price * shares if isinstance(shares, int) else as_money(Fraction(price) * shares)
            self._bought += ((event.date, shares, paid),)
            if self.plan.award is AwardType.OPTION:
                self._exercised -= shares
            if self.trace is not None:
                self._record(BoughtBack, right.ref, shares=shares, price=self._money(price),
                             paid=self._money(paid), subject=subject)

    def _money(self, amount: Decimal | Fraction) -> Money:
        return Money(self.plan.currency, as_money(amount))

    def _repurchased(self, day: date) -> Shares:
        return sum((shares for when, shares, _ in self._bought if when <= day), start=0)

    def _subject_to_repurchase(self, day: date) -> Shares:
        """The shares the company may still buy back on `day`: none once its right has lapsed."""
        if self._released_on(day) is not None:
            return 0
        if self.plan.award is AwardType.RESTRICTED_STOCK:
            left: Shares = self.plan.granted - self._vesting.vested(day) - self._repurchased(day)
            return left
        return max(0, self._exercised - self._vesting.vested(day))  # an option's shares exercised before vesting

    # ---- windows

    def _open_window(self, index: int, when: date) -> None:
        window = self.plan.windows[index]
        opened = Window(index, when, window.last_day(when, self.plan.missing_day))
        self._windows += (opened,)
        if window.passing is Passing.EXPIRE and opened.last_day < self._deadline:
            self._deadline, self._deadline_refs = opened.last_day, (window.ref,)
        if self.trace is not None:
            self._record(WindowOpened, window.ref, last_day=opened.last_day, waits_for=window.waits_for,
                         passing=window.passing)

    def _advance(self, day: date) -> None:
        """Time passes to `day`: a window that forfeits when it passes, closed before it without its event, ends
        vesting on its last day (asked in increasing order of days, as a replay is)."""
        for window in self._windows:
            plan = self.plan.windows[window.index]
            if plan.passing is Passing.FORFEIT and not window.satisfied and not window.acted \
                    and window.last_day < day:
                window.acted = True
                self._vesting.current = None
                self._end_vesting(window.last_day, plan.ref)

    def _satisfy_windows(self, event: Event) -> None:
        """The event a window waits for came in time: its passing does nothing."""
        for window in self._windows:
            if self.plan.windows[window.index].waits_for == event.name and window.opened <= event.date \
                    <= window.last_day:
                window.satisfied = True

    def _closed_for(self, event: Event) -> tuple[ClauseRef, str] | None:
        """Why the event comes outside the windows that allow it (those releasing or expiring when they pass)."""
        allowing = [i for i, w in enumerate(self.plan.windows)
                    if w.waits_for == event.name and w.passing in (Passing.RELEASE, Passing.EXPIRE)]
        if not allowing:
            return None
        opened = [w for w in self._windows if w.index in allowing and w.opened <= event.date]
        if any(event.date <= w.last_day for w in opened):
            return None
        ref = self.plan.windows[allowing[0]].ref
        if not opened:
            return ref, f"the right to it has not opened ({self.plan.windows[allowing[0]].event or 'no event'} first)"
        return ref, f"after the window closed on {opened[-1].last_day.isoformat()}"

    def _released_on(self, day: date) -> date | None:
        """The day the shares subject to repurchase were released, a window releasing them having passed."""
        for window in self._windows:
            if self.plan.windows[window.index].passing is Passing.RELEASE and window.last_day < day:
                return shift(window.last_day, 1)
        return None

    def _repurchase_deadline(self) -> date | None:
        opened = [w for w in self._windows if self.plan.windows[w.index].passing is Passing.RELEASE]
        return opened[-1].last_day if opened else None

    def _lapses(self, as_of: date) -> list[AnyFact]:
        """What the windows' passing did by `as_of`, as dated facts (for explanations and the vesting table)."""
        facts: list[AnyFact] = []
        for window in self._windows:
            plan = self.plan.windows[window.index]
            day = shift(window.last_day, 1)
            if day > as_of or plan.passing is not Passing.RELEASE:
                continue
            released = self._subject_to_repurchase(window.last_day)
            facts.append(WindowPassed(clause=plan.ref, date=day, event=None, last_day=window.last_day,
                                      waits_for=plan.waits_for, passing=plan.passing, shares=released,
                                      came=window.satisfied))
        return facts

    def _units_due(self, as_of: date, until: date, settled: Shares) -> tuple[date | None, Shares]:
        """The earliest settlement deadline of the units not settled yet (settled in the order they vested), and
        the units whose deadline has passed."""
        window = next((w for w in self.plan.windows if w.vesting), None)
        if window is None or self._forfeit_all is not None:
            return None, 0
        deadline: date | None = None
        overdue: Shares = 0
        left = settled
        for day, units in self._vesting.tranches(until):  # deadlines come in the tranches' order
            if left >= units:
                left -= units
                continue
            last_day = window.last_day(day, self.plan.missing_day)
            deadline = deadline or last_day
            if last_day >= as_of:
                break  # this tranche, and every later one, is not overdue yet
            overdue += units - left
            left = 0
        return deadline, overdue

    def _start_lockup(self, index: int, when: date) -> None:
        lockup = self.plan.lockups[index]
        start = when if lockup.same_day else shift(when, 1)
        end = shift(add(start, lockup.period), -1)
        self._lockups += ([start, end, lockup.ref],)
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
        if self._windows:
            self._advance(as_of)
        match self.plan.award:
            case AwardType.OPTION:
                return self._option_figures(as_of)
            case AwardType.RSU:
                return self._unit_figures(as_of)
            case AwardType.RESTRICTED_STOCK:
                return self._stock_figures(as_of)
            case _:
                assert_never(self.plan.award)

    def _sale_blocked(self, as_of: date) -> bool:
        return any(start <= as_of <= end for start, end, _ in self._lockups)

    def _option_figures(self, as_of: date) -> dict[str, Any]:
        plan, deadline = self.plan, self._deadline
        until = as_of if as_of <= deadline else deadline  # nothing vests once the option has ended
        granted, vesting = plan.granted, self._vesting
        vested, exercised = vesting.vested(until), self._exercised
        bought = self._repurchased(as_of) if self._bought else 0
        held_or_bought = exercised + bought  # every share ever exercised
        sale_blocked = self._sale_blocked(as_of) if self._lockups else False
        if self._forfeit_all is not None and as_of >= self._forfeit_all[0]:
            values = _option(granted, vested, exercised, 0, 0, granted - held_or_bought, 0, None, sale_blocked)
        else:
            if vesting.ended(as_of):
                exercisable = vested - held_or_bought if vested > held_or_bought else 0
                unvested = vesting.waiting(until) if plan.gates else 0  # still eligible, waiting for a gate
                forfeited = granted - max(vested, held_or_bought) - unvested
            else:
                forfeited = vesting.lapsed(until)
                exercisable, unvested = vested - held_or_bought, granted - vested - forfeited
                if plan.early_exercise:  # unvested shares are exercisable too
                    exercisable, unvested = granted - forfeited - held_or_bought, 0
            expired = 0
            if as_of > deadline:  # after the deadline, what was exercisable or unvested expires
                exercisable, unvested, expired = 0, 0, exercisable + unvested
            values = _option(granted, vested, exercised, exercisable, unvested, forfeited, expired, deadline,
                             sale_blocked)
        if plan.repurchase is not None:
            values.update(self._bought_back_figures(as_of, bought))
        return values

    def _bought_back_figures(self, as_of: date, bought: Shares) -> dict[str, Any]:
        paid = sum((price for when, _, price in self._bought if when <= as_of), start=Decimal(0))
        return {"subject_to_repurchase": self._subject_to_repurchase(as_of), "repurchased": bought,
                "repurchase_deadline": self._repurchase_deadline(), "repurchase_price": Money(self.plan.currency, paid)}

    def _unit_figures(self, as_of: date) -> dict[str, Any]:
        plan, vesting = self.plan, self._vesting
        granted = plan.granted
        until = as_of if as_of <= plan.expiration else plan.expiration  # units not vested by the term's end lapse
        vested = vesting.vested(until)
        settled = self._settled_by(as_of)
        withheld: Shares = sum((w for when, _, w in self._settled if when <= as_of), start=0)
        unsettled: Shares
        unvested: Shares
        forfeited: Shares
        if self._forfeit_all is not None and as_of >= self._forfeit_all[0]:
            kept = self._settled_by(self._forfeit_all[0])
            unsettled, unvested, forfeited = 0, 0, granted - kept
            settled = kept
        elif vesting.ended(as_of) or as_of > plan.expiration:
            waiting = vesting.waiting(until) if plan.gates and as_of <= plan.expiration else 0
            unsettled, unvested, forfeited = vested - settled, waiting, granted - vested - waiting
        else:
            lapsed = vesting.lapsed(until)
            unsettled, unvested, forfeited = vested - settled, granted - vested - lapsed, lapsed
        deadline, overdue = self._units_due(as_of, until, settled)
        return {"granted": granted, "vested": vested, "settled": settled, "unsettled": unsettled,
                "unvested": unvested, "forfeited": forfeited, "settlement_deadline": deadline, "overdue": overdue,
                "withheld": withheld, "delivered": settled - withheld, "sale_blocked": self._sale_blocked(as_of)}

    def _stock_figures(self, as_of: date) -> dict[str, Any]:
        granted = self.plan.granted
        bought = self._repurchased(as_of)
        released = granted - bought if self._released_on(as_of) is not None else self._vesting.vested(as_of)
        values = {"granted": granted, "released": released, **self._bought_back_figures(as_of, bought),
                  "held": granted - bought, "sale_blocked": self._sale_blocked(as_of)}
        return values

    def evaluation(self, as_of: date) -> Evaluation:
        """The evaluation on `as_of`; the replay is done with (its state is read for the provenance later)."""
        plan = self.plan
        counts: tuple[tuple[ClauseRef, int], ...] = ()
        if self.trace is not None:
            counts = self._installment_counts(as_of)
            self.trace.extend(self._lapses(as_of))
        return Evaluation(as_of, plan.award, plan.figures, self.figures(as_of), self._violations,
                          lambda: self._provenance(as_of), counts,
                          self._waiting_for(as_of) if plan.pending or plan.gates else ())

    def _provenance(self, as_of: date) -> Provenance:
        plan, vesting = self.plan, self._vesting
        forfeit_all = self._forfeit_all if self._forfeit_all is not None and as_of >= self._forfeit_all[0] else None
        return Provenance(plan.schedule_refs, plan.exercise_refs, tuple(vesting.pulls),
                          tuple(vesting.achieved.values()) if vesting.achieved else (),
                          self._deadline_refs, self._vesting_end_refs, vesting.end, forfeit_all,
                          tuple(map(tuple, self._lockups)) if self._lockups else (),  # type: ignore[arg-type]
                          (plan.settlement.ref,) if plan.settlement else (),
                          (plan.repurchase.ref,) if plan.repurchase else (),
                          tuple((plan.windows[w.index].ref, w.opened, w.last_day) for w in self._windows))

    def _waiting_for(self, as_of: date) -> tuple[WaitingFor, ...]:
        """The schedules still pending on `as_of`, and the gates not open yet, whose shares are still eligible."""
        plan, vesting = self.plan, self._vesting
        if not (plan.pending or plan.gates) or (self._forfeit_all is not None and as_of >= self._forfeit_all[0]) \
                or as_of > self._deadline:
            return ()
        ended = vesting.ended(as_of)
        waiting = [] if ended else [WaitingFor(p.ref, p.events, None, p.shares, "start", p.waiting)
                                    for p in plan.pending]
        for gate, shares in vesting.gates_waiting(as_of) if plan.gates else ():
            if not ended or plan.gates[gate].keep:
                g = plan.gates[gate]
                waiting.append(WaitingFor(g.ref, g.events, g.deadline, shares, "gate"))
        return tuple(waiting)

    def _installment_counts(self, as_of: date) -> tuple[tuple[ClauseRef, int], ...]:
        """How many installments of each schedule vested by `as_of` (or by the end of vesting)."""
        end = self._vesting.end
        if end is not None and as_of >= end:
            return tuple((s.ref, s.count(end, self.plan.service_inclusive)) for s in self.plan.schedules)
        return tuple((s.ref, s.count(as_of)) for s in self.plan.schedules)


@attrs.define
class Window:
    """A deadline's window as it opened: from `opened` through `last_day`; `satisfied` once its event came."""

    index: int  # into EvaluationPlan.windows
    opened: date
    last_day: date
    satisfied: bool = False
    acted: bool = False  # its passing has acted


def _option(granted: int, vested: Shares, exercised: Shares, exercisable: Shares, unvested: Shares,
            forfeited: Shares, expired: Shares, deadline: date | None, sale_blocked: bool) -> dict[str, Any]:
    """The figures of an option (the order of the figure table)."""
    return {"granted": granted, "vested": vested, "exercised": exercised, "exercisable": exercisable,
            "unvested": unvested, "forfeited": forfeited, "expired": expired, "exercise_deadline": deadline,
            "sale_blocked": sale_blocked}
