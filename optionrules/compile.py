"""From a checked model to an evaluation plan, for one choice of readings.

Everything that does not depend on a timeline is computed here once: the
installment dates and amounts of every schedule, the constants, the closures of
conditions and date expressions, and for each event name the list of what it
does. Evaluating a (timeline, as-of) query then only replays the events.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable
from datetime import date
from fractions import Fraction
from typing import Any

import attrs

from optionrules.expressions import Compiler, rule_condition, static_truth
from optionrules.model import Acceleration, ClauseRef, Lockup, Model, ProRata, Rule, Vesting, Word
from optionrules.records import record
from optionrules.values import Duration, add, round_ratio


@record
class Schedule:
    """A vesting schedule's installments: `dates[i]` vests `amounts[i]` shares; `indexes[i]` is that
    installment's place among every schedule's installments (Plan.dates)."""

    ref: ClauseRef
    start: date
    dates: tuple[date, ...]
    amounts: tuple[Any, ...]
    indexes: tuple[int, ...] = ()


@record
class AccelerationPlan:
    percent: Fraction | None
    rounding: str | None
    order: str | None
    months: Duration | None


@record
class MilestonePlan:
    ref: ClauseRef
    shares: int
    deadline: date | None
    accelerates: bool


@record
class ProRataPlan:
    schedules: tuple[Schedule, ...]
    inclusive: bool  # count the event's own day
    rounding: str


@record
class RulePlan:
    ref: ClauseRef
    condition: Callable[[Any], bool] | None
    vest: str | ProRataPlan | AccelerationPlan | None  # all_unvested, nothing, pro-rata, an acceleration
    forfeit: str | None  # unvested or all
    until: Callable[[Any], date | None] | None
    source: Rule  # the checked rule, for explanations
    assumptions: dict[str, tuple[str, ...]]  # per figure, the assumptions the rule's outcome depends on
    repurchase: bool = False  # the exercised shares not vested are bought back


@record
class LockupPlan:
    ref: ClauseRef
    period: Any
    same_day: bool
    assumptions: tuple[str, ...]


@record
class EventPlan:
    """What one kind of event does, in the order it is applied.

    Rules whose conditions only read the event's enum attributes are sorted out
    here: `rules_by_case` maps each combination of those attributes' values to
    the rules that apply (conditions still to check only where they read more).
    """

    requires: tuple[tuple[ClauseRef, Callable[[Any], bool]], ...] = ()
    exercise: bool = False
    ends_service: bool = False
    rules: tuple[RulePlan, ...] = ()
    case_of: Callable[[Any], Any] | None = None  # the event's case: its enum attribute value(s)
    rules_by_case: dict[Any, tuple[RulePlan, ...]] = attrs.Factory(dict)
    starts_lockups: tuple[int, ...] = ()  # indexes into Plan.lockups
    extends_lockups: str | None = None  # the attribute (of type days) that extends every open lock-up
    consents_to: str | None = None  # the attribute naming a payment method consented to
    milestones: tuple[tuple[int, Callable[[Any], bool] | None], ...] = ()  # (milestone, condition) it may vest


@record
class Plan:
    model: Model
    readings: dict[str, str]
    granted: int
    expiration: date
    term: ClauseRef
    caps_windows: bool
    schedules: tuple[Schedule, ...]
    schedule_refs: tuple[ClauseRef, ...]
    exercise_refs: tuple[ClauseRef, ...]
    dates: tuple[date, ...]  # every installment of every schedule, in date order
    amounts: tuple[Any, ...]  # the shares of each of those installments
    cumulative: tuple[Any, ...]  # cumulative[i]: shares vested by the first i installments
    milestones: tuple[MilestonePlan, ...]
    settles: bool  # units settle on vesting: no exercise
    early_exercise: bool  # unvested shares may be exercised
    service_ref: ClauseRef | None
    service_inclusive: bool
    until_inclusive: bool
    missing_day: str
    lockups: tuple[LockupPlan, ...]
    events: dict[str, EventPlan]


class ReadingError(ValueError):
    """A reading asked for that the contract's assumptions do not have."""


def readings_for(model: Model, overrides: dict[str, str] | None = None) -> dict[str, str]:
    """The default reading of every assumption, with the given ones replaced (validated)."""
    readings = {name: assumption.default for name, assumption in model.assumptions.items()}
    for name, reading in (overrides or {}).items():
        if name not in model.assumptions:
            known = ", ".join(model.assumptions) or "none"
            raise ReadingError(f"unknown assumption {name!r} (this contract's: {known})")
        if reading not in model.assumptions[name].readings:
            options = ", ".join(model.assumptions[name].readings)
            raise ReadingError(f"{reading!r} is not a reading of {name} (one of: {options})")
        readings[name] = reading
    return readings


def compile_plan(model: Model, overrides: dict[str, str] | None = None) -> Plan:
    assert model.grant is not None and model.term is not None and model.conventions is not None
    readings = readings_for(model, overrides)
    conventions = model.conventions
    missing_day = conventions.missing_day.resolve(readings)
    schedules = {v.ref.name: installments(v, readings) for v in model.vestings}
    merged = sorted(((d, a, name) for name, s in schedules.items() for d, a in zip(s.dates, s.amounts)),
                    key=lambda p: p[0])
    for name in schedules:
        indexes = tuple(i for i, (_, _, owner) in enumerate(merged) if owner == name)
        schedules[name] = attrs.evolve(schedules[name], indexes=indexes)  # type: ignore[misc]
    cumulative = (0, *itertools.accumulate(amount for _, amount, _ in merged))
    service = model.service
    lockups = tuple(LockupPlan(lk.ref, lk.period, lk.starts.resolve(readings) == "same_day",
                               (lk.starts.assumption,) if lk.starts.assumption else ()) for lk in model.lockups)

    def rule_plan(rule: Rule) -> RulePlan:
        compiler = Compiler(model, readings, missing_day, rule.event)
        return RulePlan(
            ref=rule.ref,
            condition=rule_condition(compiler, rule),
            vest=_vest_plan(rule.vest, readings, schedules),
            forfeit=rule.forfeit.resolve(readings) if rule.forfeit else None,
            repurchase=rule.repurchase is not None,
            until=compiler.compile(rule.exercisable_until) if rule.exercisable_until is not None else None,
            source=rule,
            assumptions=rule_assumptions(model, rule),
        )

    consent = model.payment.consent if model.payment else None
    events = {}
    for name in model.events:
        rules = tuple(rule_plan(rule) for rule in model.rules if rule.event == name)
        case_of, rules_by_case = _dispatch(model, name, rules)
        events[name] = EventPlan(
            requires=tuple(
                (r.ref, Compiler(model, readings, missing_day, name).compile(r.that))
                for r in model.requires if r.event == name
            ),
            exercise=model.exercise is not None and model.exercise.event == name,
            ends_service=service is not None and service.ends_on == name,
            rules=rules,
            case_of=case_of,
            rules_by_case=rules_by_case,
            starts_lockups=tuple(i for i, lk in enumerate(model.lockups) if lk.event == name),
            extends_lockups=_extension_attr(model.lockups, name),
            consents_to=consent[1] if consent is not None and consent[0] == name else None,
            milestones=tuple(
                (n, Compiler(model, readings, missing_day, name).compile(m.condition) if m.condition else None)
                for n, m in enumerate(model.milestones) if m.event == name
            ),
        )
    return Plan(
        model=model,
        readings=readings,
        granted=model.grant.shares,
        expiration=Compiler(model, readings, missing_day).constant(model.term.expiration),
        term=model.term.ref,
        caps_windows=model.term.caps_windows.resolve(readings) == "yes",
        schedules=tuple(schedules.values()),
        schedule_refs=tuple(s.ref for s in schedules.values()),
        exercise_refs=(model.exercise.ref,) if model.exercise else (),
        dates=tuple(d for d, _, _ in merged),
        amounts=tuple(a for _, a, _ in merged),
        cumulative=cumulative,
        milestones=tuple(MilestonePlan(m.ref, m.shares, m.deadline, m.accelerates.resolve(readings) == "yes")
                         for m in model.milestones),
        settles=model.settlement is not None,
        early_exercise=model.exercise is not None and model.exercise.early is not None
        and model.exercise.early.resolve(readings) == "allowed",
        service_ref=service.ref if service else None,
        service_inclusive=service is None or service.through.resolve(readings) == "inclusive",
        until_inclusive=conventions.until.resolve(readings) == "inclusive",
        missing_day=missing_day,
        lockups=lockups,
        events=events,
    )


def _dispatch(model: Model, event: str, rules: tuple[RulePlan, ...]
              ) -> tuple[Callable[[Any], Any] | None, dict[Any, tuple[RulePlan, ...]]]:
    """For each combination of the event's enum attribute values, the rules that may apply.

    Returns the function that reads an event's case from its attributes, and the table.
    """
    cases = model.enum_cases(event)
    if cases is None or not cases[0] or not rules:
        return None, {}
    names = tuple(cases[0])
    table: dict[Any, tuple[RulePlan, ...]] = {}
    for values in cases:
        chosen = []
        for rule in rules:
            truth = None if rule.condition is None else static_truth(rule.condition, values)
            if rule.condition is None or truth is None:
                chosen.append(rule)
            elif truth:
                chosen.append(attrs.evolve(rule, condition=None))  # type: ignore[misc]  # decided: true here
        case = tuple(values.values())
        table[case if len(names) > 1 else case[0]] = tuple(chosen)
    return operator.itemgetter(*names), table  # one name: its value; several: their tuple


def rule_assumptions(model: Model, rule: Rule) -> dict[str, tuple[str, ...]]:
    """For each figure a rule bears on, the assumptions its outcome there depends on."""
    def behind(*words: Word | None) -> list[str]:
        return [w.assumption for w in words if w is not None and w.assumption is not None]

    when = list(model.assumptions_named_in(rule.condition))
    vest = behind(rule.vest.day_count, rule.vest.rounding) if isinstance(rule.vest, ProRata) else \
        behind(rule.vest if isinstance(rule.vest, Word) else None)
    conventions = model.conventions
    until = list(model.assumptions_named_in(rule.exercisable_until))
    if conventions is not None:
        until += behind(conventions.until, conventions.missing_day)
    return {figure: tuple(dict.fromkeys(when + extra))
            for figure, extra in (("vested", vest), ("forfeited", behind(rule.forfeit)), ("exercise_deadline", until))}


def _extension_attr(lockups: list[Lockup], event: str) -> str | None:
    for lockup in lockups:
        if lockup.extended_by is not None and lockup.extended_by[0] == event:
            return lockup.extended_by[1]
    return None


def _vest_plan(vest: Word | ProRata | Acceleration | None, readings: dict[str, str],
               schedules: dict[str, Schedule]) -> str | ProRataPlan | AccelerationPlan | None:
    if vest is None:
        return None
    if isinstance(vest, Word):
        return vest.resolve(readings)
    if isinstance(vest, Acceleration):
        return AccelerationPlan(vest.percent, vest.rounding.resolve(readings) if vest.rounding else None,
                                vest.order.resolve(readings) if vest.order else None, vest.months)
    chosen = (schedules[vest.schedule],) if vest.schedule else tuple(schedules.values())
    return ProRataPlan(chosen, vest.day_count.resolve(readings) == "inclusive", vest.rounding.resolve(readings))


def installments(vesting: Vesting, readings: dict[str, str]) -> Schedule:
    """The dates and amounts of a schedule: installment k on start + k periods, from the anchor."""
    n, shares = vesting.installments, vesting.shares
    missing_day = vesting.missing_day.resolve(readings)
    rounding = vesting.rounding.resolve(readings)
    dates = [add(vesting.start, vesting.every * k, missing_day) for k in range(1, n + 1)]
    amounts: list[Any]
    if rounding == "none":  # fractions of a share, exactly
        amounts = [Fraction(shares, n)] * n
    elif vesting.basis.resolve(readings) == "cumulative":
        totals = [round_ratio(shares * k, n, rounding) for k in range(n + 1)]
        amounts = [totals[k + 1] - totals[k] for k in range(n)]
    else:
        amounts = _per_installment(shares, n, rounding, vesting.remainder.resolve(readings))
    if vesting.cliff is not None:
        dates, amounts = _apply_cliff(dates, amounts, add(vesting.start, vesting.cliff, missing_day))
    return Schedule(vesting.ref, vesting.start, tuple(dates), tuple(amounts))


def _per_installment(shares: int, n: int, rounding: str, remainder: str) -> list[int]:
    each = round_ratio(shares, n, rounding)
    amounts = [each] * n
    left = shares - each * n
    if remainder == "last":
        amounts[-1] += left
    elif remainder == "first":
        amounts[0] += left
    elif remainder in ("spread_first", "spread_last"):
        step = 1 if left > 0 else -1
        order = range(n) if remainder == "spread_first" else range(n - 1, -1, -1)
        for i in itertools.islice(order, abs(left)):
            amounts[i] += step
    return amounts


def _apply_cliff(dates: list[date], amounts: list[Any], cliff: date) -> tuple[list[date], list[Any]]:
    """Installments before the cliff vest together on the cliff date."""
    before = [i for i, d in enumerate(dates) if d < cliff]
    if not before:
        return dates, amounts
    held = sum(amounts[i] for i in before)
    rest = [(d, a) for d, a in zip(dates, amounts) if d >= cliff]
    if rest and rest[0][0] == cliff:
        rest[0] = (cliff, rest[0][1] + held)
    else:
        rest.insert(0, (cliff, held))
    return [d for d, _ in rest], [a for _, a in rest]
