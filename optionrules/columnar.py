"""The columnar evaluator: one form, many grants, the figures of every grant at once in numpy.

The form is checked once; its records keep, as expressions over the parameters, the fields each grant gives
(`Clause.symbolic`). Those expressions are evaluated over the grants' columns, and the plan's general
constructs interpreted over them:

- installment schedules: every N months or N days from a start, a cliff, rounding down, up or half_up per
  installment (the remainder last, first or spread) or cumulatively, the missing-day policy; the number of
  installments vested on a day is counted from the anchor (`start + k months`), never stepped;
- no event, or one service-ending event a grant, whose rules (chosen by the event's enum attributes) forfeit
  the unvested shares or all of them and set the exercise window from the event's date and the grant's
  constants (`later_of(...)`, `earlier_of(...)`, `+ N days`), capped by the term where it says so.

Everything is exact: shares are int64 (a row whose shares could overflow it is left to the scalar engine),
dates are day ordinals (`date.toordinal()`) and `date + k months` is computed from (year, month, day).
What a form or a row needs beyond these constructs is evaluated by the scalar engine (`optionrules.portfolio`
counts those rows). Evaluators are registered per award type (`EVALUATORS`): a type without one is evaluated
by the scalar engine throughout.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

import attrs
import numpy as np

from optionrules.binding import parameter_refs
from optionrules.compile import EvaluationPlan, EventPlan
from optionrules.expressions import Arith, ArithOp, Call, Const, Function, Negate, Ref, RefKind, TExpr
from optionrules.figures import AwardType
from optionrules.fold import Known, fold
from optionrules.kinds import (
    KINDS,
    Clause,
    Exercise,
    Grant,
    Lockup,
    Milestone,
    Rule,
    Settlement,
    Term,
    Vesting,
    VestingTable,
)
from optionrules.kinds.readers import Constant, Whole
from optionrules.kinds.words import EarlyExercise, Forfeit, Remainder, RoundingBasis, VestWord, WindowChange
from optionrules.model import Model
from optionrules.types import DATE, DURATION, NUMBER
from optionrules.values import Duration, MissingDay, Rounding

Column = np.ndarray[Any, Any]
EPOCH = date(1970, 1, 1).toordinal()
FIRST_DAY, LAST_DAY = date.min.toordinal(), date.max.toordinal()
SAFE = 2**62  # |shares x installments x 2| stays below it, or the row is left to the scalar engine


class Unsupported(Exception):
    """What the columnar evaluator does not cover (the reason, in words)."""


# ---- The calendar, over columns of day ordinals -------------------------------------------------------------


def civil(days: Column) -> tuple[Column, Column, Column]:
    """(year, month, day) of each day ordinal, in integer arithmetic (the proleptic Gregorian calendar)."""
    z = np.asarray(days, dtype=np.int64) - EPOCH + 719_468  # days since 0000-03-01
    era = z // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1_460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    month = np.where(mp < 10, mp + 3, mp - 9)
    return yoe + era * 400 + (month <= 2), month, doy - (153 * mp + 2) // 5 + 1


def ordinal(year: Column, month: Column, day: Column) -> Column:
    """The day ordinal of each (year, month, day)."""
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * np.where(month > 2, month - 3, month + 9) + 2) // 5 + day - 1
    found: Column = era * 146_097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719_468 + EPOCH
    return found


_MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def month_days(year: Column, month: Column) -> Column:
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    found: Column = _MONTH_DAYS[month - 1] + ((month == 2) & leap)
    return found


def add_months(days: Column, months: Column | int, missing_day: MissingDay) -> Column:
    """`day + months` for each day: the same day of the month, or per the missing-day policy; the calendar's
    ends where it would leave it (as `values.add_months`)."""
    return Anchor.of(days).plus_months(months, missing_day)


@attrs.frozen
class Anchor:
    """Days with their (year, month, day), computed once: the anchor of every `+ k months` from them."""

    days: Column
    year: Column
    month: Column
    day: Column

    @staticmethod
    def of(days: Column) -> Anchor:
        return Anchor(np.asarray(days, dtype=np.int64), *civil(days))

    def plus_months(self, months: Column | int, missing_day: MissingDay) -> Column:
        target = self.year * 12 + self.month - 1 + np.asarray(months, dtype=np.int64)
        year, month = target // 12, target % 12 + 1
        length = month_days(year, month)
        landed = ordinal(year, month, np.minimum(self.day, length))
        if missing_day is MissingDay.FIRST_OF_NEXT_MONTH:
            landed = landed + (self.day > length)
        landed = np.where(year > date.max.year, LAST_DAY, np.where(year < date.min.year, FIRST_DAY, landed))
        found: Column = np.clip(landed, FIRST_DAY, LAST_DAY)
        return found

    def plus(self, span: Duration, missing_day: MissingDay, times: Column | int = 1) -> Column:
        """`day + span x times`: the months first, from the anchor, then the days."""
        moved = self.plus_months(np.asarray(times) * span.months, missing_day) if span.months else self.days
        return shift(moved, np.asarray(times) * span.days) if span.days else moved

    def month_index(self) -> Column:
        found: Column = self.year * 12 + self.month - 1
        return found


def shift(days: Column, count: Column | int) -> Column:
    """`day + count days`, within the calendar."""
    moved: Column = np.clip(np.asarray(days, dtype=np.int64) + count, FIRST_DAY, LAST_DAY)
    return moved


def add(days: Column, span: Duration, missing_day: MissingDay, times: Column | int = 1) -> Column:
    """`day + span x times`: the months first, from the anchor, then the days."""
    return Anchor.of(days).plus(span, missing_day, times)


def month_index(days: Column) -> Column:
    return Anchor.of(days).month_index()


# ---- Expressions over columns -------------------------------------------------------------------------------


@attrs.frozen
class Env:
    """What an expression reads: the parameters' columns, and the triggering event's dates."""

    parameters: Mapping[str, Any]
    missing_day: MissingDay
    trigger: str | None = None
    event_dates: Column | None = None


def column(expr: TExpr, env: Env) -> Any:
    """The expression's value for each row: an int64 column (numbers, day ordinals) or a scalar; Unsupported
    for what does not have a column (text, money, conditions)."""
    match expr:
        case Const(value=date() as day):
            return np.int64(day.toordinal())
        case Const(value=int() as number) if not isinstance(number, bool):
            return np.int64(number)
        case Const(value=Duration() as span):
            return span
        case Ref(kind=RefKind.PARAMETER, name=name):
            values = env.parameters[name]
            if not isinstance(values, np.ndarray):
                raise Unsupported(f"the parameter {name} is not a number or a date")
            return values
        case Ref(kind=RefKind.EVENT, name=name) if name == env.trigger and env.event_dates is not None:
            return env.event_dates
        case Arith():
            return _arithmetic(expr, env)
        case Negate():
            return -column(expr.operand, env)
        case Call(function=Function.LATER_OF | Function.EARLIER_OF):
            pick = np.maximum if expr.function is Function.LATER_OF else np.minimum
            values = [column(arg, env) for arg in expr.args]
            result = values[0]
            for other in values[1:]:
                result = pick(result, other)
            return result
    raise Unsupported(f"the expression {type(expr).__name__} over columns")


def _arithmetic(expr: Arith, env: Env) -> Any:
    left, right = column(expr.left, env), column(expr.right, env)
    if isinstance(left, Duration) and expr.op is ArithOp.ADD and not isinstance(right, Duration):
        left, right = right, left
    if isinstance(right, np.ndarray) and expr.right.type == DURATION:  # a parameter of days
        return shift(left, right if expr.op is ArithOp.ADD else -right)
    if isinstance(right, Duration):
        if isinstance(left, Duration) or expr.op not in (ArithOp.ADD, ArithOp.SUBTRACT):
            raise Unsupported("arithmetic on durations")
        return add(left, right if expr.op is ArithOp.ADD else -right, env.missing_day)
    if expr.op is ArithOp.ADD and not expr.left.type.datelike:
        return left + right
    if expr.op is ArithOp.SUBTRACT:
        return left - right  # numbers, or the days between two dates
    raise Unsupported(f"`{expr.op}` over columns")


# ---- Installment schedules ------------------------------------------------------------------------------------


@attrs.frozen
class Schedule:
    """A vesting schedule as the evaluator reads it: its constants, and its shares and start as expressions."""

    installments: int
    every: Duration
    start: TExpr
    shares: TExpr
    cliff: Duration | None
    missing_day: MissingDay
    rounding: Rounding
    cumulative: bool
    remainder: Remainder

    @staticmethod
    def of(vesting: Vesting, readings: Mapping[str, str]) -> Schedule:
        rounding = vesting.rounding.resolve(readings)
        if rounding is Rounding.NONE:
            raise Unsupported(f"'{vesting.ref.name}' keeps fractions of a share")
        if vesting.waits or vesting.cliff_on is not None or vesting.gate is not None or vesting.portion is not None \
                or vesting.at_cliff is not None or vesting.day_of_month is not None:
            raise Unsupported(f"'{vesting.ref.name}' depends on events, or vests at its cliff or on a day of the "
                              "month the columnar evaluator does not compute")
        if vesting.every.months and vesting.every.days:
            raise Unsupported(f"'{vesting.ref.name}' steps by months and days")
        cumulative = vesting.basis.resolve(readings) is RoundingBasis.CUMULATIVE
        return Schedule(vesting.installments, vesting.every, _field(vesting, "start"), _field(vesting, "shares"),
                        vesting.cliff, vesting.missing_day.resolve(readings), rounding, cumulative,
                        vesting.remainder.resolve(readings))

    def cliff_day(self, start: Anchor) -> Column | None:
        return start.plus(self.cliff, self.missing_day) if self.cliff is not None else None

    def vested_by(self, start: Anchor, cliff: Column | None, day: Column) -> Column:
        """How many installments fell on or before `day` (those before the cliff, on the cliff day)."""
        n = self.installments
        if self.every.months:
            months = month_index(day) - start.month_index()
            k = np.clip(months // self.every.months, 0, n)
            late = (k > 0) & (start.plus(self.every, self.missing_day, k) > day)
            k = k - late
        else:
            k = np.clip((np.asarray(day) - start.days) // self.every.days, 0, n)
        k = np.where(np.asarray(day) >= LAST_DAY, n, k)
        if cliff is not None:
            k = np.where(np.asarray(day) < cliff, 0, k)
        return k

    def shares_of(self, shares: Column, k: Column) -> Column:
        """The shares the first k installments vest."""
        vested: Column = self._shares_of(shares, k)
        return vested

    def _shares_of(self, shares: Column, k: Column) -> Any:
        n = self.installments
        if self.cumulative:
            return _round(shares * k, n, self.rounding)
        each = _round(shares, n, self.rounding)
        left = shares - each * n
        match self.remainder:
            case Remainder.LAST:
                return each * k + np.where(k == n, left, 0)
            case Remainder.FIRST:
                return each * k + np.where(k >= 1, left, 0)
            case Remainder.SPREAD_FIRST:
                return each * k + np.sign(left) * np.minimum(k, np.abs(left))
            case Remainder.SPREAD_LAST:
                return each * k + np.sign(left) * np.maximum(0, k - (n - np.abs(left)))
            case _:
                return each * k


def _round(numerator: Column, denominator: int, mode: Rounding) -> Column:
    """numerator / denominator to a whole number, exactly (as `values.round_ratio`)."""
    if mode is Rounding.DOWN:
        return numerator // denominator
    if mode is Rounding.UP:
        return -((-numerator) // denominator)
    return (2 * numerator + denominator) // (2 * denominator)


def _field(clause: Clause, name: str) -> TExpr:
    """A field as an expression: the one its parameters give, or its constant value."""
    if name in clause.symbolic:
        return clause.symbolic[name]
    held = getattr(clause, name)
    return Const(held, DATE if isinstance(held, date) else NUMBER, clause.ref.span)  # type: ignore[arg-type]


# ---- The option ------------------------------------------------------------------------------------------------


@attrs.frozen
class Case:
    """What the service-ending event does in one case of its enum attributes."""

    ends: bool  # vesting ends on the event's date
    forfeits_all: bool
    windows: tuple[TExpr, ...]  # exercise windows, as expressions of the event's date and the grant


@attrs.frozen
class Figures:
    """The figures of many rows on one date: int64 shares, day ordinals (0: none) for the deadline."""

    values: dict[str, Column]


@attrs.frozen
class OptionEvaluator:
    """The option award type over columns (see the module's docstring for what it covers)."""

    schedules: tuple[Schedule, ...]
    granted: TExpr
    grant_date: TExpr  # nothing vests before it (installments dated before it vest on it)
    expiration: TExpr
    caps_windows: bool
    until_inclusive: bool
    service_inclusive: bool
    missing_day: MissingDay
    event: str | None  # the service-ending event
    case_of: Callable[[Any], Any] | None
    cases: tuple[Case, ...]  # the cases covered
    codes: Mapping[Any, int]  # the event's case (its enum attributes; None where not dispatched) -> its index

    def columns(self, parameters: Mapping[str, Any]) -> Env:
        return Env(parameters, self.missing_day)

    def grant_dates(self, parameters: Mapping[str, Any], rows: int) -> Column:
        return np.broadcast_to(column(self.grant_date, self.columns(parameters)), rows).astype(np.int64)

    def case_code(self, name: str, attributes: Mapping[str, Any]) -> int:
        """The case of an event the evaluator covers (an index into `cases`), or -1."""
        if name != self.event:
            return -1
        key = None if self.case_of is None else self.case_of(attributes)
        return self.codes.get(key, -1)

    def evaluate(self, parameters: Mapping[str, Any], rows: int, event_dates: Column, codes: Column,
                 as_of: list[int]) -> list[Figures]:
        """The figures of every row on each date; `event_dates[i]` is 0 where row i has no event, `codes[i]` the
        case of its event."""
        env = self.columns(parameters)
        granted = np.broadcast_to(column(self.granted, env), rows).astype(np.int64)
        granted_on = self.grant_dates(parameters, rows)
        expires = np.broadcast_to(column(self.expiration, env), rows).astype(np.int64)
        starts = [Anchor.of(np.broadcast_to(column(s.start, env), rows)) for s in self.schedules]
        cliffs = [s.cliff_day(start) for s, start in zip(self.schedules, starts)]
        shares = [np.broadcast_to(column(s.shares, env), rows) for s in self.schedules]
        happened = (event_dates > 0) & (event_dates <= expires)  # an event after the term changes nothing
        ends, forfeits, deadline = self._effects(env, rows, event_dates, codes, happened, expires)
        last_day = event_dates if self.service_inclusive else event_dates - 1
        end_count = [s.vested_by(start, cliff, last_day) if happened.any() else np.zeros(rows, dtype=np.int64)
                     for s, start, cliff in zip(self.schedules, starts, cliffs)]
        starts_cliffs = list(zip(starts, cliffs))
        return [self._on(day, granted, expires, starts_cliffs, shares, end_count, event_dates, happened & ends,
                         happened & forfeits, np.where(happened, deadline, expires), day >= granted_on)
                for day in as_of]

    def _effects(self, env: Env, rows: int, event_dates: Column, codes: Column, happened: Column,
                 expires: Column) -> tuple[Column, Column, Column]:
        """Per row: whether its event ends vesting, forfeits all, and the exercise deadline it leaves."""
        ends = np.zeros(rows, dtype=bool)
        forfeits = np.zeros(rows, dtype=bool)
        deadline = expires.copy()
        dated = attrs.evolve(env, trigger=self.event, event_dates=event_dates)
        for code, case in enumerate(self.cases):
            chosen = happened & (codes == code)
            if not chosen.any():
                continue
            ends |= chosen & case.ends
            forfeits |= chosen & case.forfeits_all
            window: Column | None = None
            for expr in case.windows:
                until = np.broadcast_to(column(expr, dated), rows)
                last = until if self.until_inclusive else shift(until, -1)
                capped = np.where(last > expires, expires, last) if self.caps_windows else last
                window = capped if window is None else np.minimum(window, capped)  # later windows only shorten
            if window is not None:
                deadline = np.where(chosen, window, deadline)
        return ends, forfeits, deadline

    def _on(self, day: int, granted: Column, expires: Column, starts: list[tuple[Anchor, Column | None]],
            shares: list[Column],
            end_count: list[Column], event_dates: Column, ends: Column, forfeits: Column, deadline: Column,
            since_grant: Column) -> Figures:
        """The figures on `day`: the event applied where it fell on or before it."""
        applied = event_dates <= day
        ends, forfeits = ends & applied, forfeits & applied
        deadline = np.where(applied, deadline, expires)
        until = np.minimum(day, deadline)
        vested = np.zeros(len(granted), dtype=np.int64)
        for schedule, (start, cliff), share, at_end in zip(self.schedules, starts, shares, end_count):
            k = schedule.vested_by(start, cliff, until)
            k = np.where(ends & (until >= event_dates), at_end, k)
            vested = vested + np.where(since_grant, schedule.shares_of(share, k), 0)
        zero = np.zeros(len(granted), dtype=np.int64)
        unvested = np.where(ends, 0, granted - vested)
        forfeited = np.where(ends, granted - vested, 0)
        exercisable = vested
        over = day > deadline
        expired = np.where(over, exercisable + unvested, 0)
        exercisable, unvested = np.where(over, 0, exercisable), np.where(over, 0, unvested)
        return Figures({
            "granted": granted, "vested": vested, "exercised": zero,
            "exercisable": np.where(forfeits, 0, exercisable), "unvested": np.where(forfeits, 0, unvested),
            "forfeited": np.where(forfeits, granted, forfeited), "expired": np.where(forfeits, 0, expired),
            "exercise_deadline": np.where(forfeits, 0, deadline), "sale_blocked": np.zeros(len(granted), dtype=bool),
        })


def option_evaluator(form: Model, plan: EvaluationPlan, readings: Mapping[str, str]) -> OptionEvaluator:
    """The option evaluator for a form (its symbolic model) and the plan of a sample grant of it; Unsupported
    where the form needs what it does not cover."""
    if form.all(Milestone) or form.all(Lockup) or form.one(Settlement) is not None:  # type: ignore[arg-type]
        raise Unsupported("milestones, lock-ups or settlement")
    if form.all(VestingTable):
        raise Unsupported("a schedule stated as a table")
    if plan.repurchase is not None or plan.windows:
        raise Unsupported("a repurchase right or deadlines")
    exercise = form.one(Exercise)
    if exercise is not None and exercise.early is not None \
            and exercise.early.resolve(readings) is EarlyExercise.ALLOWED:
        raise Unsupported("early exercise")
    grant, term = form.one(Grant), form.one(Term)
    assert grant is not None and term is not None
    known = Known(readings, None, plan.missing_day)
    service_events = [name for name, handler in plan.events.items() if handler.ends_service]
    event = service_events[0] if service_events else None
    case_of, cases = _cases(form, plan.events[event], known) if event else (None, {})
    keys = list(cases)
    return OptionEvaluator(
        schedules=tuple(Schedule.of(v, readings) for v in form.all(Vesting)),
        granted=_field(grant, "shares"),
        grant_date=_field(grant, "grant_date"),
        expiration=fold(term.expiration, known),
        caps_windows=plan.caps_windows,
        until_inclusive=plan.until_inclusive,
        service_inclusive=plan.service_inclusive,
        missing_day=plan.missing_day,
        event=event,
        case_of=case_of,
        cases=tuple(cases[key] for key in keys),
        codes={key: code for code, key in enumerate(keys)},
    )


def _cases(form: Model, handler: EventPlan, known: Known) -> tuple[Callable[[Any], Any] | None, dict[Any, Case]]:
    """What the service-ending event does in each case the evaluator covers."""
    if handler.requires or handler.exercise or handler.milestones or handler.starts_lockups \
            or handler.extends_lockups or handler.consents_to or handler.opens_windows or handler.buys_back:
        return None, {}
    rules = {rule.ref: rule for rule in form.all(Rule)}
    from optionrules.expressions import reads_parameters

    if any(reads_parameters(e) for r in handler.rules for e in (rules[r.ref].condition, *rules[r.ref].exceptions)
           if e is not None):
        return None, {}  # which rules apply depends on the grant
    table = handler.rules_by_case if handler.case_of is not None else {None: handler.rules}
    cases = {}
    for key, plans in table.items():
        if any(p.condition is not None or p.window is not WindowChange.SHORTENS
               or p.vest not in (None, VestWord.NOTHING) for p in plans):
            continue
        windows = tuple(fold(until, known) for p in plans if (until := rules[p.ref].exercisable_until) is not None)
        cases[key] = Case(handler.ends_service or any(p.forfeit is Forfeit.UNVESTED for p in plans),
                          any(p.forfeit is Forfeit.ALL for p in plans), windows)
    return handler.case_of, cases


@attrs.frozen
class Constraints:
    """What the form's keys require of the values a grant gives: the bounds of whole numbers, dates inside the
    calendar, schedules whose rounding places every share and that add up to the grant."""

    bounds: tuple[tuple[TExpr, int | None, int | None], ...]  # (field, at least, at most)
    dates: tuple[TExpr, ...]
    granted: TExpr
    schedules: tuple[tuple[TExpr, int, Rounding, bool, Remainder], ...]  # (shares, installments, rounding, ...)
    tranches: tuple[TExpr, ...]  # the milestones' shares
    missing_day: MissingDay

    @staticmethod
    def of(form: Model, readings: Mapping[str, str], missing_day: MissingDay) -> Constraints:
        bounds, dates = [], []
        for clause in form.clauses:
            kind = KINDS.get(clause.ref.kind)
            for name, expr in clause.symbolic.items():
                key = next((k for k in kind.keys if k.field == name), None) if kind else None
                if isinstance(key and key.reader, Whole):
                    bounds.append((expr, key.reader.minimum, key.reader.maximum))  # type: ignore[union-attr]
                elif key is not None and isinstance(key.reader, Constant) and key.reader.type == DATE:
                    dates.append(expr)
        grant = form.one(Grant)
        assert grant is not None
        schedules = tuple((_field(v, "shares"), v.installments, v.rounding.resolve(readings),
                           v.basis.resolve(readings) is RoundingBasis.CUMULATIVE, v.remainder.resolve(readings))
                          for v in form.all(Vesting))
        tranches = tuple(_field(m, "shares") for m in form.all(Milestone))
        return Constraints(tuple(bounds), tuple(dates), _field(grant, "shares"), schedules, tranches, missing_day)

    def may_break(self, parameters: Mapping[str, Any], rows: int) -> tuple[Column, Column]:
        """Rows whose values may break a constraint (the checker checks them whole, and decides), and for each
        the parameter it reads first (None where none is known); rows whose shares could overflow int64 are
        among them."""
        env = Env(parameters, self.missing_day)
        flagged = np.zeros(rows, dtype=bool)
        blamed = np.full(rows, None, dtype=object)

        def values(expr: TExpr) -> Column:
            return np.broadcast_to(column(expr, env), rows)

        def flag(where: Column, expr: TExpr) -> None:
            nonlocal flagged
            new = where & ~flagged
            read = parameter_refs(expr)
            blamed[new] = read[0] if read else None
            flagged = flagged | where

        for expr, low, high in self.bounds:
            found = values(expr)
            flag((found < (low if low is not None else found)) | (found > (high if high is not None else found)), expr)
        for expr in self.dates:
            found = values(expr)
            flag((found <= FIRST_DAY) | (found >= LAST_DAY), expr)
        total = np.zeros(rows, dtype=np.int64)
        for expr, n, rounding, cumulative, remainder in self.schedules:
            shares = values(expr)
            too_large = np.abs(shares) >= SAFE // (2 * n)
            safe = np.where(too_large, 0, shares)
            flag(too_large, expr)
            if not cumulative and rounding is not Rounding.NONE:
                left = safe - _round(safe, n, rounding) * n
                flag((left < 0) | ((left != 0) & (remainder is Remainder.NONE)), expr)
            total = total + safe
        for expr in self.tranches:
            total = total + values(expr)
        if self.schedules or self.tranches:
            flag(total != values(self.granted), self.granted)
        return flagged, blamed


Analyzer = Callable[[Model, EvaluationPlan, Mapping[str, str]], Any]
EVALUATORS: dict[AwardType, Analyzer] = {AwardType.OPTION: option_evaluator}
