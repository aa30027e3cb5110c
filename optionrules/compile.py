"""From a checked model to an evaluation plan, for one choice of readings.

Everything that does not depend on a timeline is computed here once: the installment dates and
amounts of every schedule, the constants, the closures of conditions and date expressions, and for
each event the list of what it does. The plan is self-contained: evaluating a (timeline, as-of)
query reads the plan and the events, nothing else.
"""

from __future__ import annotations

import itertools
import operator
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Protocol, Union, assert_never

import attrs

from optionrules import printer
from optionrules.errors import InternalError
from optionrules.expressions import (
    Arith,
    ArithOp,
    Call,
    Compare,
    Const,
    Function,
    Logic,
    LogicOp,
    Member,
    Negate,
    Not,
    Order,
    Ref,
    RefKind,
    TExpr,
    Within,
)
from optionrules.figures import AwardType, Figure
from optionrules.fold import COMPARE, Known, arithmetic, extreme, fold, ordered, pick_of, whole, within
from optionrules.kinds import (
    Conventions,
    Count,
    Deadline,
    Exercise,
    Grant,
    Horizon,
    Invariant,
    Lockup,
    Milestone,
    Payment,
    Percent,
    ProRata,
    RepurchaseRight,
    Require,
    RestOf,
    Rule,
    Service,
    Settlement,
    Term,
    Vest,
    Vesting,
    VestingTable,
)
from optionrules.kinds.readers import EventStart
from optionrules.kinds.words import (
    AccelerationOrder,
    EarlyExercise,
    Forfeit,
    Inclusivity,
    LockupStart,
    Passing,
    Remainder,
    RoundingBasis,
    VestWord,
    Waiting,
    WindowChange,
    YesNo,
)
from optionrules.model import ClauseRef, Model, assumptions_of
from optionrules.records import evolve, record
from optionrules.types import DURATION, TypeKind
from optionrules.values import (
    Duration,
    MissingDay,
    Rounding,
    Shares,
    add,
    add_months,
    portion_shares,
    ratio_rounder,
    round_ratio,
    shift,
)

if TYPE_CHECKING:
    from optionrules.timeline import Event

Compiled = Callable[[Any], Any]  # of an evaluation context: the event being applied, the events seen, the figures


class PlanSource(Protocol):
    """What sweeps, searches and examples need of a contract: its model, and its plan for a choice of readings."""

    @property
    def model(self) -> Model: ...

    def plan(self, assume: Mapping[str, str] | None = None) -> EvaluationPlan: ...


# ---- The plan -----------------------------------------------------------------------------------------------


@record
class Installments:
    """A vesting schedule's installments: `dates[i]` vests `amounts[i]` shares; `indexes[i]` is that
    installment's place among every schedule's installments (EvaluationPlan.dates)."""

    ref: ClauseRef
    start: date
    dates: tuple[date, ...]
    amounts: tuple[Shares, ...]
    indexes: tuple[int, ...] = ()

    def count(self, day: date, inclusive: bool = True) -> int:
        """How many installments fall on or before `day` (before it, if not inclusive)."""
        return (bisect_right if inclusive else bisect_left)(self.dates, day)


@record
class GatePlan:
    """A schedule's second trigger: its installments vest on the later of their date and the first of `events`,
    which must come by `deadline`; `keep`: installments dated within service keep waiting after it ends."""

    ref: ClauseRef
    events: tuple[str, ...]  # as written: the first of them to happen opens the gate
    deadline: date
    keep: bool
    indexes: tuple[int, ...]  # its installments among every schedule's (EvaluationPlan.dates)


@record
class PendingSchedule:
    """A schedule whose start or cliff date the timeline sets: no installment of it is known until they are."""

    ref: ClauseRef
    start: EventStart | None
    cliff: EventStart | None
    shares: Shares

    @property
    def waiting(self) -> str:
        """`its start (later_of(2025-01-01, ipo))`: what of the schedule waits, in the contract's terms."""
        return " and ".join([*([f"its start ({self.start})"] if self.start else []),
                             *([f"its cliff ({self.cliff})"] if self.cliff else [])])

    @property
    def events(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys([*(self.start.events if self.start else ()),
                                    *(self.cliff.events if self.cliff else ())]))

    def resolve(self, happened: Mapping[str, date], missing_day: MissingDay) -> SetDates | None:
        """The start and cliff dates the events set, or None while either is still open."""
        start = self.start.resolve(happened, missing_day) if self.start else None
        cliff = self.cliff.resolve(happened, missing_day) if self.cliff else None
        if (self.start is not None and start is None) or (self.cliff is not None and cliff is None):
            return None
        return SetDates(start, cliff)


@record
class SetDates:
    """The dates a timeline set for a schedule: its start, its cliff (None where the contract states them)."""

    start: date | None
    cliff: date | None


MAX_STARTED = 256  # plans kept for the dates timelines set (a search over every day makes one a day): memory bounded


@record
class ProRataPlan:
    schedules: tuple[Installments, ...]
    inclusive: bool  # count the event's own day
    rounding: Rounding
    divide: Callable[[int, int], Shares] = attrs.field(init=False, eq=False, default=attrs.Factory(
        lambda plan: ratio_rounder(plan.rounding), takes_self=True))  # shares x days served / days, rounded


@record
class PercentPlan:
    percent: Fraction
    rounding: Rounding
    order: AccelerationOrder


@record
class HorizonPlan:
    within: Duration


@record
class CountPlan:
    attribute: str  # the event's attribute: the shares to vest
    order: AccelerationOrder  # from the last or the first installments


@record
class RestOfPlan:
    schedule: str
    indexes: tuple[int, ...]  # its installments among every schedule's (none while it is pending)


VestPlan = Union[VestWord, ProRataPlan, PercentPlan, HorizonPlan, CountPlan, RestOfPlan]


@record
class UntilPlan:
    """An exercise window's last day, and how to show its computation: the expression as written, and its
    parts (the arguments of `later_of(...)`, the sides of `a + b`)."""

    value: Compiled
    text: str
    form: str | None  # the function (later_of, earlier_of) or the operator (+, -), when it has parts
    parts: tuple[Compiled, ...] = ()


@record
class RulePlan:
    ref: ClauseRef
    condition: Compiled | None
    condition_text: str  # as written, for explanations
    vest: VestPlan | None
    forfeit: Forfeit | None
    until: UntilPlan | None
    assumptions: Mapping[str, tuple[str, ...]]  # per figure, the assumptions the rule's outcome depends on
    window: WindowChange = WindowChange.SHORTENS  # what `until` does to the window already set

    @property
    def effect(self) -> str:
        """The figure the rule bears on first."""
        if self.vest is not None:
            return "vested"
        return "forfeited" if self.forfeit is not None else "exercise_deadline"


@record
class MilestonePlan:
    ref: ClauseRef
    shares: int
    deadline: date | None
    accelerates: bool


@record
class LockupPlan:
    ref: ClauseRef
    period: Duration
    same_day: bool
    assumptions: tuple[str, ...]


@record
class ExercisePlan:
    ref: ClauseRef
    shares: str  # the event's attribute holding the share count
    method: str | None  # the event's attribute holding the payment method


@record
class PaymentPlan:
    ref: ClauseRef
    always: frozenset[str]
    with_consent: frozenset[str]
    consent_event: str | None  # the event that consents to a method

    def problem(self, method: Any, consented: frozenset[Any]) -> str | None:
        """Why paying by `method` is not allowed, or None."""
        if method in self.always:
            return None
        if method in self.with_consent and self.consent_event is not None:
            return None if method in consented else f"payment by {method} needs a prior {self.consent_event} for it"
        return f"payment by {method} is not allowed"


@record
class SettlementPlan:
    """How units settle: as they vest (`event` None), or by an event giving the units and the tax withheld."""

    ref: ClauseRef
    event: str | None
    units: str | None  # the event's attribute: the units settled
    withheld: str | None  # the event's attribute: the units withheld for tax
    withholding: Fraction | None  # or a rate of the units settled, rounded
    rounding: Rounding | None


@record
class RepurchasePlan:
    """The company's right to buy back shares not released: by an event, how many, at what price a share."""

    ref: ClauseRef
    event: str
    shares: str  # the event's attribute
    price: Compiled  # the price of a share, on the event's date


@record
class WindowPlan:
    """A deadline: a window opened by vesting (one for each tranche), by an event or on a date, waiting for an
    event; what its passing does."""

    ref: ClauseRef
    vesting: bool
    event: str | None
    opens_on: date | None
    within: Duration
    waits_for: str
    passing: Passing

    def last_day(self, opened: date, missing_day: MissingDay) -> date:
        return add(opened, self.within, missing_day)


@record
class RequirePlan:
    ref: ClauseRef
    holds: Compiled


@record
class EventPlan:
    """What one kind of event does, in the order it is applied.

    Rules whose conditions only read the event's enum attributes are sorted out here: `rules_by_case` maps
    each combination of those attributes' values to the rules that apply (conditions still to check only where
    they read more).
    """

    requires: tuple[RequirePlan, ...] = ()
    exercise: bool = False
    settles: bool = False  # the event settles units
    buys_back: bool = False  # the event is the company's repurchase
    opens_windows: tuple[int, ...] = ()  # indexes into EvaluationPlan.windows
    ends_service: bool = False
    rules: tuple[RulePlan, ...] = ()
    case_of: Callable[[Any], Any] | None = None  # the event's case: its enum attribute value(s)
    rules_by_case: dict[Any, tuple[RulePlan, ...]] = attrs.Factory(dict)
    starts_lockups: tuple[int, ...] = ()  # indexes into EvaluationPlan.lockups
    extends_lockups: str | None = None  # the attribute (of type days) that extends every open lock-up
    consents_to: str | None = None  # the attribute naming a payment method consented to
    milestones: tuple[tuple[int, Compiled | None], ...] = ()  # (milestone, condition) it may vest


@record
class EvaluationPlan:
    award: AwardType
    figures: tuple[Figure, ...]  # what an evaluation reports (model.figures)
    readings: Mapping[str, str]
    granted: int
    grant_date: date  # nothing is applied before it; installments dated before it vest on it
    grant_ref: ClauseRef
    currency: str | None  # the grant's, as its price states it
    expiration: date  # the term's (date.max without one)
    term: ClauseRef | None
    caps_windows: bool
    schedules: tuple[Installments, ...]
    schedule_refs: tuple[ClauseRef, ...]  # the schedules' clauses (kept apart: every evaluation cites them)
    dates: tuple[date, ...]  # every installment of every schedule, in date order
    amounts: tuple[Shares, ...]  # the shares of each of those installments
    cumulative: tuple[Shares, ...]  # cumulative[i]: shares vested by the first i installments
    milestones: tuple[MilestonePlan, ...]
    settles: bool  # units settle on vesting: no exercise
    early_exercise: bool  # unvested shares may be exercised
    exercise: ExercisePlan | None
    exercise_refs: tuple[ClauseRef, ...]  # the exercise clause, if any
    payment: PaymentPlan | None
    settlement: SettlementPlan | None
    repurchase: RepurchasePlan | None
    windows: tuple[WindowPlan, ...]
    service_ref: ClauseRef | None
    service_inclusive: bool
    until_inclusive: bool
    missing_day: MissingDay
    lockups: tuple[LockupPlan, ...]
    events: dict[str, EventPlan]
    invariants: tuple[tuple[str, Compiled], ...]  # the contract's own: (name, condition on the figures)
    gates: tuple[GatePlan, ...] = ()
    # the clauses the exercise deadline comes from before any rule sets a window: the term's, if any
    term_refs: tuple[ClauseRef, ...] = attrs.field(init=False, default=attrs.Factory(
        lambda plan: (plan.term,) if plan.term else (), takes_self=True))
    # installment -> the gate it waits for (EvaluationPlan.dates' indexes)
    gate_of: Mapping[int, int] = attrs.field(init=False, default=attrs.Factory(
        lambda plan: {i: g for g, gate in enumerate(plan.gates) for i in gate.indexes}, takes_self=True))
    pending: tuple[PendingSchedule, ...] = ()  # schedules whose start or cliff events set, not known in this plan
    starts: Mapping[str, SetDates] = attrs.field(factory=dict)  # the schedules' dates set by events, in this plan
    # the plans with the dates a timeline sets, made when first needed (`started`)
    model: Model | None = attrs.field(default=None, eq=False, repr=False)
    _started: dict[tuple[tuple[str, SetDates], ...], EvaluationPlan] = attrs.field(factory=dict, eq=False,
                                                                                 repr=False, init=False)

    def started(self, events: Sequence[Event]) -> EvaluationPlan:
        """The plan with the dates (start, cliff) the events set for the pending schedules, each event counted from
        its first occurrence on or after the grant date (the schedules still waiting stay pending)."""
        if not self.pending:
            return self
        happened: dict[str, date] = {}
        for event in events:
            if event.date >= self.grant_date:
                happened.setdefault(event.name, event.date)
        starts: dict[str, SetDates] = {}
        for pending in self.pending:
            dates = pending.resolve(happened, self.missing_day)
            if dates is not None:
                starts[pending.ref.name] = dates
        key = tuple(sorted(starts.items(), key=lambda item: item[0]))
        if not key:
            return self
        plan = self._started.get(key)
        if plan is None:
            if len(self._started) >= MAX_STARTED:
                self._started.clear()
            if self.model is None:
                raise InternalError("a plan with pending schedules keeps its model")
            plan = self._started[key] = compile_plan(self.model, self.readings, starts)
        return plan


def horizon(plan: EvaluationPlan) -> date:
    """The last day anything can change by itself: the expiration date; for an award without a term, the last day
    anything is scheduled (an installment, a milestone's deadline, a dated window) plus the longest window."""
    if plan.term is not None:  # a term expiring on the calendar's last day is still a term
        return plan.expiration
    scheduled = [plan.grant_date, *plan.dates, *(m.deadline for m in plan.milestones if m.deadline),
                 *(w.last_day(w.opens_on, plan.missing_day) for w in plan.windows if w.opens_on)]
    longest = max((w.within for w in plan.windows), key=lambda span: span.months * 31 + span.days, default=Duration())
    return add(max(scheduled), longest)


def compile_plan(model: Model, readings: Mapping[str, str], starts: Mapping[str, SetDates] | None = None
                 ) -> EvaluationPlan:
    """The plan of a checked agreement (with a grant, a term and conventions) under these readings; `starts`:
    the dates events have set for schedules that wait for them (the others stay pending)."""
    grant, term, conventions = model.one(Grant), model.one(Term), model.one(Conventions)
    if grant is None or conventions is None:
        raise InternalError("compile_plan needs a checked agreement")
    starts = starts or {}
    missing_day = conventions.missing_day.resolve(readings)
    compiler = _Compiler(readings, missing_day)
    shares = schedule_shares(model.all(Vesting), grant.shares)
    known = [v for v in model.all(Vesting) if not v.waits or v.ref.name in starts]
    schedules = _merge({**{v.ref.name: installments(v, readings, grant.grant_date, starts.get(v.ref.name),
                                                    shares[v.ref.name]) for v in known},
                        **{t.ref.name: tabled(t, grant.grant_date) for t in model.all(VestingTable)}})
    merged = sorted(((d, a, s.ref.name) for s in schedules.values() for d, a in zip(s.dates, s.amounts)),
                    key=lambda p: p[0])
    service, exercise, payment = model.one(Service), model.one(Exercise), model.one(Payment)
    lockups = model.all(Lockup)
    until_assumptions = assumptions_of(conventions.until, conventions.missing_day)
    events = {name: _event_plan(model, name, compiler, schedules, until_assumptions) for name in model.events}
    return EvaluationPlan(
        award=model.award,
        figures=model.figures,
        readings=dict(readings),
        granted=grant.shares,
        grant_date=grant.grant_date,
        grant_ref=grant.ref,
        currency=grant.currency,
        expiration=compiler.constant(term.expiration) if term else date.max,
        term=term.ref if term else None,
        caps_windows=term is not None and term.caps_windows.resolve(readings) is YesNo.YES,
        schedules=tuple(schedules.values()),
        schedule_refs=tuple(s.ref for s in schedules.values()),
        dates=tuple(d for d, _, _ in merged),
        amounts=tuple(a for _, a, _ in merged),
        cumulative=(0, *itertools.accumulate(a for _, a, _ in merged)),
        milestones=tuple(MilestonePlan(m.ref, m.shares, m.deadline, m.accelerates.resolve(readings) is YesNo.YES)
                         for m in model.all(Milestone)),
        settles=(settlement := model.one(Settlement)) is not None and settlement.event is None,
        early_exercise=exercise is not None and exercise.early is not None
        and exercise.early.resolve(readings) is EarlyExercise.ALLOWED,
        exercise=ExercisePlan(exercise.ref, exercise.shares, exercise.method) if exercise else None,
        exercise_refs=(exercise.ref,) if exercise else (),
        payment=PaymentPlan(payment.ref, frozenset(payment.always), frozenset(payment.with_consent),
                            payment.consent[0] if payment.consent else None) if payment else None,
        settlement=_settlement_plan(model.one(Settlement), readings),
        repurchase=_repurchase_plan(model.one(RepurchaseRight), compiler),
        windows=tuple(_window_plan(d, compiler) for d in model.all(Deadline)),
        service_ref=service.ref if service else None,
        service_inclusive=service is None or service.through.resolve(readings) is Inclusivity.INCLUSIVE,
        until_inclusive=conventions.until.resolve(readings) is Inclusivity.INCLUSIVE,
        missing_day=missing_day,
        lockups=tuple(LockupPlan(lk.ref, lk.period, lk.starts.resolve(readings) is LockupStart.SAME_DAY,
                                 assumptions_of(lk.starts)) for lk in lockups),
        events=events,
        invariants=tuple((i.ref.name, compiler.compile(i.that)) for i in model.all(Invariant)),
        gates=tuple(GatePlan(v.ref, v.gate, v.gate_deadline,
                             v.waiting.resolve(readings) is Waiting.KEEP, schedules[v.ref.name].indexes)
                    for v in known if v.gate is not None and v.gate_deadline is not None and v.waiting is not None),
        pending=tuple(PendingSchedule(v.ref, v.pending_on, v.cliff_pending_on, shares[v.ref.name])
                      for v in model.all(Vesting) if v.waits and v.ref.name not in starts),
        starts=dict(starts),
        model=model,
    )


def schedule_shares(schedules: Sequence[Vesting], granted: int) -> dict[str, int]:
    """Each schedule's whole shares: a portion of the grant is made whole on the running total of the portions,
    rounded down, in file order (so that 100 in thirds are 33, 33, 34); the others as written."""
    found: dict[str, int] = {}
    before = Fraction(0)
    for vesting in schedules:
        if vesting.portion is None:
            found[vesting.ref.name] = vesting.whole_shares
            continue
        found[vesting.ref.name] = portion_shares(granted, before, vesting.portion)
        before += vesting.portion
    return found


def _settlement_plan(settlement: Settlement | None, readings: Mapping[str, str]) -> SettlementPlan | None:
    if settlement is None:
        return None
    rounding = settlement.rounding.resolve(readings) if settlement.rounding else None
    return SettlementPlan(settlement.ref, settlement.event, settlement.units, settlement.withheld,
                          settlement.withholding, rounding)


def _repurchase_plan(right: RepurchaseRight | None, compiler: _Compiler) -> RepurchasePlan | None:
    if right is None:
        return None
    return RepurchasePlan(right.ref, right.event, right.shares, compiler.on(right.event).compile(right.price))


def _window_plan(deadline: Deadline, compiler: _Compiler) -> WindowPlan:
    opens = deadline.opens
    return WindowPlan(deadline.ref, opens.vesting, opens.event,
                      compiler.constant(opens.date) if opens.date is not None else None, deadline.within,
                      deadline.waits_for, deadline.passing.resolve(compiler.readings))


def _merge(schedules: dict[str, Installments]) -> dict[str, Installments]:
    """Each schedule with the places of its installments among every schedule's, in date order."""
    merged = sorted(((d, name) for name, s in schedules.items() for d in s.dates), key=lambda p: p[0])
    return {name: evolve(s, indexes=tuple(i for i, (_, owner) in enumerate(merged) if owner == name))
            for name, s in schedules.items()}


def _event_plan(model: Model, name: str, compiler: _Compiler, schedules: dict[str, Installments],
                until_assumptions: tuple[str, ...]) -> EventPlan:
    rules = tuple(_rule_plan(rule, compiler.on(name), schedules, until_assumptions)
                  for rule in model.all(Rule) if rule.event == name)
    case_of, rules_by_case = _dispatch(model, name, rules, compiler)
    exercise, service, payment = model.one(Exercise), model.one(Service), model.one(Payment)
    settlement, right = model.one(Settlement), model.one(RepurchaseRight)
    lockups = model.all(Lockup)
    return EventPlan(
        requires=tuple(RequirePlan(r.ref, compiler.on(name).compile(r.that)) for r in model.all(Require)
                       if r.event == name),
        exercise=exercise is not None and exercise.event == name,
        settles=settlement is not None and settlement.event == name,
        buys_back=right is not None and right.event == name,
        opens_windows=tuple(i for i, d in enumerate(model.all(Deadline)) if d.opens.event == name),
        ends_service=service is not None and service.ends_on == name,
        rules=rules,
        case_of=case_of,
        rules_by_case=rules_by_case,
        starts_lockups=tuple(i for i, lk in enumerate(lockups) if lk.event == name),
        extends_lockups=next((lk.extended_by[1] for lk in lockups if lk.extended_by and lk.extended_by[0] == name),
                             None),
        consents_to=payment.consent[1] if payment and payment.consent and payment.consent[0] == name else None,
        milestones=tuple((n, compiler.on(name).compile(m.condition) if m.condition else None)
                         for n, m in enumerate(model.all(Milestone)) if m.event == name),
    )


def _rule_plan(rule: Rule, compiler: _Compiler, schedules: dict[str, Installments],
               until_assumptions: tuple[str, ...]) -> RulePlan:
    when = assumptions_of(rule.condition, *rule.exceptions)
    return RulePlan(
        ref=rule.ref,
        condition=compiler.rule_condition(rule),
        condition_text=printer.expression(rule.condition.source) if rule.condition is not None else "",
        vest=_vest_plan(rule.vest, compiler.readings, schedules),
        forfeit=rule.forfeit.resolve(compiler.readings) if rule.forfeit else None,
        until=compiler.until(rule.exercisable_until) if rule.exercisable_until is not None else None,
        assumptions={
            "vested": _unique(when, assumptions_of(rule.vest)),
            "forfeited": _unique(when, assumptions_of(rule.forfeit)),
            "exercise_deadline": _unique(when, assumptions_of(rule.exercisable_until, rule.window), until_assumptions),
        },
        window=rule.window.resolve(compiler.readings) if rule.window else WindowChange.SHORTENS,
    )


def _unique(*groups: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(name for group in groups for name in group))


def _vest_plan(vest: Vest | None, readings: Mapping[str, str], schedules: dict[str, Installments]
               ) -> VestPlan | None:
    match vest:
        case None:
            return None
        case ProRata():
            chosen = (schedules[vest.schedule],) if vest.schedule else tuple(schedules.values())
            return ProRataPlan(chosen, vest.day_count.resolve(readings) is Inclusivity.INCLUSIVE,
                               vest.rounding.resolve(readings))
        case Percent():
            return PercentPlan(vest.percent, vest.rounding.resolve(readings), vest.order.resolve(readings))
        case Horizon():
            return HorizonPlan(vest.within)
        case Count():
            return CountPlan(vest.attribute, vest.order.resolve(readings))
        case RestOf():
            rest = schedules.get(vest.schedule)
            return RestOfPlan(vest.schedule, rest.indexes if rest is not None else ())
        case _:
            return vest.resolve(readings)


def _dispatch(model: Model, event: str, rules: tuple[RulePlan, ...], compiler: _Compiler
              ) -> tuple[Callable[[Any], Any] | None, dict[Any, tuple[RulePlan, ...]]]:
    """For each combination of the event's enum attribute values, the rules that may apply.

    Returns the function that reads an event's case from its attributes, and the table.
    """
    cases = model.enum_cases(event)
    if cases is None or not cases[0] or not rules:
        return None, {}
    checked = {rule.ref: rule for rule in model.all(Rule)}
    names = tuple(cases[0])
    table: dict[Any, tuple[RulePlan, ...]] = {}
    for values in cases:
        known = Known(compiler.readings, values, compiler.missing_day)
        chosen = []
        for plan in rules:
            applies = checked[plan.ref].applies(known)
            if applies is None:
                chosen.append(plan)
            elif applies:
                chosen.append(evolve(plan, condition=None))  # decided: it applies in this case
        case = tuple(values.values())
        table[case if len(names) > 1 else case[0]] = tuple(chosen)
    return operator.itemgetter(*names), table  # one name: its value; several: their tuple


# ---- Installments ---------------------------------------------------------------------------------------------


def installments(vesting: Vesting, readings: Mapping[str, str], granted: date | None = None,
                 set_dates: SetDates | None = None, shares: int | None = None) -> Installments:
    """The dates and amounts of a schedule: installment k on start + k periods, from the anchor (`set_dates`: the
    start or the cliff a timeline set); those before the cliff vest on the cliff date, and those before the grant
    date (`granted`) on the grant date. `shares`: the schedule's, if a portion of the grant made them."""
    n = vesting.installments
    shares = vesting.whole_shares if shares is None else shares
    anchor = set_dates.start if set_dates is not None and set_dates.start is not None else vesting.start
    if not isinstance(anchor, date):
        raise InternalError(f"the schedule {vesting.ref.name} waits for {anchor}: its start is not known")
    missing_day = vesting.missing_day.resolve(readings)
    dates = [_installment_date(anchor, vesting.every * k, missing_day, vesting.day_of_month) for k in range(1, n + 1)]
    amounts = _amounts(vesting, readings, shares, n)
    cliff = _cliff_date(vesting, anchor, missing_day, set_dates)
    if cliff is not None:
        dates, amounts = _apply_cliff(dates, amounts, cliff)
        at_cliff = vesting.at_cliff_shares(shares)
        if at_cliff is not None and dates and dates[0] == cliff:
            amounts = [at_cliff, *_amounts(vesting, readings, shares - at_cliff, len(dates) - 1)]
    if granted is not None:
        dates, amounts = _apply_cliff(dates, amounts, granted)
    return Installments(vesting.ref, anchor, tuple(dates), tuple(amounts))


def _cliff_date(vesting: Vesting, anchor: date, missing_day: MissingDay, set_dates: SetDates | None
                ) -> date | None:
    """The cliff's date: the one a timeline set, a constant `cliff_on`, or the anchor plus `cliff`."""
    if set_dates is not None and set_dates.cliff is not None:
        return set_dates.cliff
    if isinstance(vesting.cliff_on, date):
        return vesting.cliff_on
    if vesting.cliff is not None:
        return _installment_date(anchor, vesting.cliff, missing_day, vesting.day_of_month)
    return None


def tabled(table: VestingTable, granted: date) -> Installments:
    """A schedule stated as a table, as written; the installments dated before the grant vest on it."""
    dates, amounts = _apply_cliff(list(table.dates), list(table.amounts), granted)
    return Installments(table.ref, table.dates[0], tuple(dates), tuple(amounts))


def _installment_date(anchor: date, offset: Duration, missing_day: MissingDay, day: int | None) -> date:
    """`anchor + offset`, from the anchor; on `day` of its month if the schedule names one (months only)."""
    return add(anchor, offset, missing_day) if day is None else add_months(anchor, offset.months, missing_day, day)


def _amounts(vesting: Vesting, readings: Mapping[str, str], shares: int, n: int) -> list[Shares]:
    """`shares` over `n` installments, rounded as the schedule says."""
    if n == 0:
        return []
    rounding = vesting.rounding.resolve(readings)
    if rounding is Rounding.NONE:  # fractions of a share, exactly
        return [Fraction(shares, n)] * n
    if vesting.basis.resolve(readings) is RoundingBasis.CUMULATIVE:
        totals = [round_ratio(shares * k, n, rounding) for k in range(n + 1)]
        return [totals[k + 1] - totals[k] for k in range(n)]
    return _per_installment(shares, n, rounding, vesting.remainder.resolve(readings))


def _per_installment(shares: int, n: int, rounding: Rounding, remainder: Remainder) -> list[Shares]:
    each = round_ratio(shares, n, rounding)
    amounts = [each] * n
    left = shares - each * n
    match remainder:
        case Remainder.LAST:
            amounts[-1] += left
        case Remainder.FIRST:
            amounts[0] += left
        case Remainder.SPREAD_FIRST | Remainder.SPREAD_LAST:
            step = 1 if left > 0 else -1
            order = range(n) if remainder is Remainder.SPREAD_FIRST else range(n - 1, -1, -1)
            for i in itertools.islice(order, abs(int(left))):
                amounts[i] += step
        case Remainder.NONE:
            pass
        case _:
            assert_never(remainder)
    return amounts


def _apply_cliff(dates: list[date], amounts: list[Shares], cliff: date) -> tuple[list[date], list[Shares]]:
    """Installments before the cliff vest together on the cliff date."""
    before = [i for i, d in enumerate(dates) if d < cliff]
    if not before:
        return dates, amounts
    held = sum((amounts[i] for i in before), start=0)
    rest = [(d, a) for d, a in zip(dates, amounts) if d >= cliff]
    if rest and rest[0][0] == cliff:
        rest[0] = (cliff, rest[0][1] + held)
    else:
        rest.insert(0, (cliff, held))
    return [d for d, _ in rest], [a for _, a in rest]


# ---- Expressions to closures ------------------------------------------------------------------------------------


@attrs.frozen
class _Compiler:
    """Folds typed expressions with the readings chosen, then turns them into closures over an evaluation context
    (what the context offers: `event`, `occurrences(name)`, `figure(name)`)."""

    readings: Mapping[str, str]
    missing_day: MissingDay
    trigger: str | None = None

    def on(self, trigger: str) -> _Compiler:
        return evolve(self, trigger=trigger)

    def constant(self, expr: TExpr) -> Any:
        folded = fold(expr, Known(self.readings, None, self.missing_day))
        if not isinstance(folded, Const):
            raise InternalError(f"not a constant: {printer.expression(expr.source)}")
        return folded.value

    def compile(self, expr: TExpr) -> Compiled:
        return self._closure(fold(expr, Known(self.readings, None, self.missing_day)))

    def rule_condition(self, rule: Rule) -> Compiled | None:
        """The rule's condition, and that none of its exceptions (an agreement's overrides) holds."""
        base = self.compile(rule.condition) if rule.condition is not None else None
        exceptions = [self.compile(e) for e in rule.exceptions]
        if not exceptions:
            return base

        def applies(ctx: Any) -> bool:
            return (base is None or bool(base(ctx))) and not any(e(ctx) for e in exceptions)

        return applies

    def until(self, expr: TExpr) -> UntilPlan:
        text = printer.expression(expr.source)
        match expr:
            case Call(function=Function.LATER_OF | Function.EARLIER_OF | Function.HIGHER_OF | Function.LOWER_OF):
                return UntilPlan(self.compile(expr), text, str(expr.function), tuple(map(self.compile, expr.args)))
            case Arith():
                return UntilPlan(self.compile(expr), text, str(expr.op), (self.compile(expr.left),
                                                                            self.compile(expr.right)))
            case _:
                return UntilPlan(self.compile(expr), text, None)

    def _closure(self, expr: TExpr) -> Compiled:
        match expr:
            case Const():
                value = expr.value
                return lambda ctx: value
            case Ref():
                return self._reference(expr)
            case Arith():
                return self._arithmetic(expr)
            case Negate():
                f = self._closure(expr.operand)
                return lambda ctx: None if (v := f(ctx)) is None else -v
            case Compare():
                fl, fr, op = self._closure(expr.left), self._closure(expr.right), COMPARE[expr.op]

                def compare(ctx: Any) -> bool:
                    a, b = fl(ctx), fr(ctx)
                    return a is not None and b is not None and op(a, b)

                return compare
            case Logic():
                return self._logic(expr)
            case Not():
                f = self._closure(expr.operand)
                return lambda ctx: not f(ctx)
            case Member():
                f, options, negated = self._closure(expr.value), expr.options, expr.negated
                return lambda ctx: (f(ctx) in options) != negated
            case Order():
                fl, fr, before = self._dates(expr.left), self._dates(expr.right), expr.before
                return lambda ctx: ordered(before, fl(ctx), fr(ctx))
            case Within():
                fl, fr, fw = self._dates(expr.left), self._dates(expr.right), self._closure(expr.window)
                side, missing_day = expr.side, self.missing_day
                return lambda ctx: within(fl(ctx), fw(ctx), side, fr(ctx), missing_day)
            case Call():
                return self._call(expr)
            case _:
                assert_never(expr)

    def _reference(self, ref: Ref) -> Compiled:
        name = ref.name
        match ref.kind:
            case RefKind.ATTRIBUTE:
                return lambda ctx: ctx.event.attrs[name]
            case RefKind.EARLIER:
                event = ref.event
                return lambda ctx: None if (last := ctx.last(event)) is None else last.attrs[name]
            case RefKind.FIGURE:
                return lambda ctx: ctx.figure(name)
            case RefKind.EVENT if name == self.trigger:
                return lambda ctx: ctx.event.date
            case RefKind.EVENT:
                return lambda ctx: _last(ctx.occurrences(name))
            case RefKind.ASSUMPTION | RefKind.PARAMETER:
                raise InternalError(f"{name} is read after its value was given")
            case _:
                assert_never(ref.kind)

    def _arithmetic(self, expr: Arith) -> Compiled:
        left, right = expr.left, expr.right
        if isinstance(right, Const) and right.type == DURATION and expr.op in (ArithOp.ADD, ArithOp.SUBTRACT):
            span = right.value if expr.op is ArithOp.ADD else -right.value
            return self._shift(self._closure(left), span)
        op = arithmetic(expr.op, left.type, right.type, self.missing_day)
        fl, fr = self._closure(left), self._closure(right)

        def apply(ctx: Any) -> Any:
            a, b = fl(ctx), fr(ctx)
            return None if a is None or b is None else op(a, b)

        return apply

    def _shift(self, f: Compiled, span: Duration) -> Compiled:
        """`date + 30 days`, the duration known now: the hot path of exercise windows."""
        missing_day = self.missing_day
        if span.months == 0 and abs(span.days) <= _MAX_DAYS:
            days = timedelta(days=span.days)

            def plus(ctx: Any) -> date | None:
                d = f(ctx)
                if d is None:
                    return None
                try:
                    return d + days  # type: ignore[no-any-return]
                except OverflowError:
                    return shift(d, span.days)

            return plus
        return lambda ctx: None if (d := f(ctx)) is None else add(d, span, missing_day)

    def _logic(self, expr: Logic) -> Compiled:
        fns = [self._closure(operand) for operand in expr.operands]
        deciding = expr.op is LogicOp.OR  # the operand value that decides: True for `or`, False for `and`

        def decide(ctx: Any) -> bool:
            for f in fns:
                if bool(f(ctx)) is deciding:
                    return deciding
            return not deciding

        return decide

    def _dates(self, expr: TExpr) -> Callable[[Any], tuple[date, ...]]:
        """An operand of before/after/within: every date it may stand for (an event: each occurrence)."""
        if isinstance(expr, Ref) and expr.kind is RefKind.EVENT and expr.type.kind is TypeKind.EVENT \
                and expr.name != self.trigger:
            name = expr.name
            return lambda ctx: ctx.occurrences(name)
        f = self._closure(expr)
        return lambda ctx: () if (v := f(ctx)) is None else (v,)

    def _call(self, expr: Call) -> Compiled:
        fns = [self._closure(arg) for arg in expr.args]
        match expr.function:
            case Function.WHOLE:
                f = fns[0]
                return lambda ctx: whole(f(ctx))
            case Function.LATER_OF | Function.EARLIER_OF | Function.HIGHER_OF | Function.LOWER_OF:
                return self._extreme(expr)
            case _:
                assert_never(expr.function)

    def _extreme(self, expr: Call) -> Compiled:
        """later_of/earlier_of: the constant arguments folded into one, the others read each time."""
        choose = extreme(expr.function)
        bound = choose(*(a.value for a in expr.args if isinstance(a, Const)))
        dynamic = [self._closure(a) for a in expr.args if not isinstance(a, Const)]
        if len(dynamic) == 1 and bound is not None:  # the common window: a fixed date and one from the event
            (f,) = dynamic
            pick = pick_of(expr.function)
            return lambda ctx: bound if (v := f(ctx)) is None else pick(bound, v)
        return lambda ctx: choose(bound, *(f(ctx) for f in dynamic))


_MAX_DAYS = (date.max - date.min).days


def _last(dates: tuple[date, ...]) -> date | None:
    return dates[-1] if dates else None
