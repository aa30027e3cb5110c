"""`verify`: check invariants exhaustively over bounded timelines, like a model checker over days.

The timelines explored:
- no event at all;
- every single event of each declared kind, with each value of each attribute, on every day from the
  grant date to the expiration date plus a margin;
- every ordered pair of such events (numbers at one representative value) at month granularity:
  dates a whole number of months after the grant date (or of `pairs_every` months: a coarser, faster
  search), the second on or after the first;
- where the contract reacts to a sequence (a deadline opened by one event waits for another: a
  termination, then a repurchase), depth 3: each event, then the opening event (at quarter granularity,
  on or after it), then the event waited for on the day the window opens, in its middle, on its last
  day and on the day after.

The dates run from the grant date to the expiration date (or, for an award without a term, the last day
anything is scheduled, plus the longest window) plus a margin.

Each timeline is evaluated around its events and after its exercise deadline and the expiration.
The invariants: the buckets partition the grant; vested never decreases; exercisable is at most
vested minus exercised; nothing is exercisable after the expiration date; the exercise deadline
never precedes the end of service unless everything was forfeited; no evaluation raises; and the
contract's own `invariant` clauses. A failure is shrunk (fewer events, earlier dates) to the
smallest timeline that shows it.

The size of the search is known before it starts (`search_space`): past `max_evaluations` it is refused.
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, timedelta
from fractions import Fraction
from typing import Any, assert_never

import attrs

from optionrules.compile import EvaluationPlan, PlanSource, horizon
from optionrules.evaluate import Replay
from optionrules.expressions import Const, subexpressions
from optionrules.figures import AwardType, buckets
from optionrules.kinds import Grant, Require, Rule
from optionrules.limits import MAX_EVALUATIONS, WorkTooLarge, checked, cores, steps
from optionrules.model import Model
from optionrules.printer import show_value
from optionrules.progress import Progress
from optionrules.records import record
from optionrules.timeline import Event, Timeline
from optionrules.types import TEXT
from optionrules.values import Duration, Shares, add, shift

_ONE_DAY = timedelta(days=1)


@record
class Variant:
    """An event without its date: a kind, and one value for each of its attributes."""

    name: str
    attrs: tuple[tuple[str, Any], ...]

    def on(self, day: date, index: int) -> Event:
        return Event(index, day, self.name, dict(self.attrs))


@record
class Counterexample:
    invariant: str
    message: str
    as_of: date
    events: tuple[Event, ...]

    def timeline(self) -> dict[str, Any]:
        return Timeline(self.events).to_dict()

    def __str__(self) -> str:
        return (f"invariant '{self.invariant}' fails on {self.as_of.isoformat()}: {self.message}\n"
                f"timeline: {json.dumps(self.timeline())}")


@attrs.define
class VerifyReport:
    timelines: int
    evaluations: int
    seconds: float
    counterexamples: list[Counterexample]
    depth: int = 2  # the most events of one timeline explored
    pairs_every: int = 1  # months between the dates of pairs of events

    @property
    def ok(self) -> bool:
        return not self.counterexamples

    @property
    def summary(self) -> str:
        """`4,410 timelines of up to 2 events, 28,617 evaluations in 0.3 s`, and the pairs' grid if not monthly."""
        grid = f", pairs every {self.pairs_every} months" if self.pairs_every != 1 else ""
        return (f"{self.timelines:,} timelines of up to {self.depth} events{grid}, {self.evaluations:,} evaluations "
                f"in {self.seconds:.1f} s")


# ---- what is explored --------------------------------------------------------------------------------


def variants(model: Model, representative: bool = False) -> list[Variant]:
    """Every event kind with every combination of its attributes' values."""
    out = []
    for event in model.events.values():
        names = list(event.attrs)
        domains = [_domain(model, attr.declared, representative) for attr in event.attrs.values()]
        for values in itertools.product(*domains):
            out.append(Variant(event.name, tuple(zip(names, values))))
    return out


def _domain(model: Model, declared: str, representative: bool) -> list[Any]:
    if declared in model.enums:
        return list(model.enums[declared].members)
    grant = model.one(Grant)
    assert grant is not None  # verify() needs a checked agreement
    granted = grant.shares
    domains: dict[str, list[Any]] = {
        "shares": [1, 0, Fraction(1, 2), granted, granted + 1],
        "int": [1, 0],
        "days": [Duration(days=30), Duration(days=0)],
        "text": _texts(model) + ["something else"],
        "date": [grant.grant_date],
        "money": [1],
        "bool": [True, False],
    }
    values = domains[declared]
    return values[:1] if representative and declared != "text" else values


def _texts(model: Model) -> list[str]:
    """The texts the contract's conditions compare attributes with: the values that matter."""
    roots = [r.that for r in model.all(Require)] + [r.condition for r in model.all(Rule) if r.condition is not None]
    return list(dict.fromkeys(node.value for root in roots for node in subexpressions(root)
                              if isinstance(node, Const) and node.type == TEXT))


# ---- checking one timeline ------------------------------------------------------------------------------


class _Context:
    """What a contract's invariant reads: the figures on a date, and the events before it."""

    __slots__ = ("as_of", "figures", "replay")
    event = None

    def __init__(self, replay: Replay, figures: Mapping[str, Any], as_of: date):
        self.replay, self.figures, self.as_of = replay, figures, as_of

    def figure(self, name: str) -> Any:
        if name == "in_service":
            return self.replay.in_service(self.as_of)
        return self.figures[name]

    def occurrences(self, name: str) -> tuple[date, ...]:
        return self.replay.occurrences(name)

    def last(self, name: str) -> Event | None:
        return self.replay.last(name)


class InvariantChecker:
    """The invariants, checked on every as-of date of a timeline."""

    def __init__(self, plan: EvaluationPlan):
        self.plan = plan
        self.own = plan.invariants
        self.granted = plan.granted
        self.expiration = plan.expiration
        self.buckets = tuple(f.name for f in buckets(plan.figures, plan.award))
        self.vesting = "released" if plan.award is AwardType.RESTRICTED_STOCK else "vested"  # never decreases

    def timeline(self, events: Sequence[Event], as_ofs: Sequence[date]) -> dict[str, tuple[str, date]]:
        """Each invariant that fails: its message on the first day it fails; empty if all hold."""
        failures: dict[str, tuple[str, date]] = {}
        replay = Replay(self.plan.started(events))
        pending = 0
        vested: Shares = 0

        def check(day: date) -> Shares:
            figures = replay.figures(day)
            for name, message in self._figures(replay, figures, day, vested):
                failures.setdefault(name, (message, day))
            now: Shares = figures[self.vesting]
            return now

        try:
            for day in sorted(as_ofs):
                while pending < len(events) and events[pending].date <= day:
                    replay.apply(events[pending])
                    pending += 1
                vested = check(day)
            last = max(as_ofs) if as_ofs else self.expiration
            ends = {self.expiration, replay.deadline}  # the option's last days, and the days after them
            for day in sorted(d for end in ends for d in (end, shift(end, 1)) if d > last):
                check(day)
        except Exception as error:  # a failure of the engine is what this looks for
            day = events[-1].date if events else self.expiration
            failures.setdefault("no evaluation raises", (f"{type(error).__name__}: {error}", day))
        return failures

    def _figures(self, replay: Replay, f: Mapping[str, Any], day: date, vested_before: Shares
                 ) -> Iterator[tuple[str, str]]:
        """The invariants that fail on one day, each with what it found."""
        parts = [f[name] for name in self.buckets]
        if sum(parts) != self.granted or min(parts) < 0:
            shown = " + ".join(_figure(f, name) for name in self.buckets)
            yield "partition", f"{shown} != granted {show_value(self.granted)}"
        vested = f[self.vesting]
        if vested < vested_before:
            yield f"{self.vesting} never decreases", \
                f"{self.vesting} fell from {show_value(vested_before)} to {show_value(vested)}"
        match self.plan.award:
            case AwardType.OPTION:
                yield from self._option(replay, f, day)
            case AwardType.RSU:
                yield from _units(f)
            case AwardType.RESTRICTED_STOCK:
                if f["held"] != self.granted - f["repurchased"]:
                    yield "held = granted - repurchased", f"{_figure(f, 'held')}, {_figure(f, 'repurchased')}"
            case _:
                assert_never(self.plan.award)
        if self.own:
            context = _Context(replay, f, day)
            for name, holds in self.own:
                if not holds(context):
                    yield name, "the contract's invariant does not hold"

    def _option(self, replay: Replay, f: Mapping[str, Any], day: date) -> Iterator[tuple[str, str]]:
        vested, exercised, exercisable, deadline = f["vested"], f["exercised"], f["exercisable"], \
            f["exercise_deadline"]
        bought = f.get("repurchased", 0)
        bound = self.granted if self.plan.early_exercise else vested  # early exercise: unvested shares too
        if exercisable > bound - exercised - bought:
            yield "exercisable <= vested - exercised (granted - exercised with early exercise)", \
                f"exercisable {show_value(exercisable)} > {show_value(bound)} - exercised {show_value(exercised)} - " \
                f"repurchased {show_value(bought)}"
        if self.plan.caps_windows and day > self.expiration and exercisable:
            yield "nothing exercisable after the expiration date", \
                f"{show_value(exercisable)} exercisable after {self.expiration.isoformat()}"
        end = replay.service_end
        if end is not None and end <= min(day, self.expiration) and deadline is not None \
                and deadline < end:  # a termination after the expiration ends nothing left
            yield "the deadline never precedes the end of service", \
                f"deadline {deadline.isoformat()} before the end of service {end.isoformat()}"


def _figure(f: Mapping[str, Any], name: str) -> str:
    """`vested 48,000.5`: a figure as a failure quotes it."""
    return f"{name} {show_value(f[name])}"


def _units(f: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    if f["settled"] > f["vested"]:
        yield "settled <= vested", f"{_figure(f, 'settled')} > {_figure(f, 'vested')}"
    if not 0 <= f["overdue"] <= f["unsettled"]:
        yield "overdue <= unsettled", f"{_figure(f, 'overdue')}, {_figure(f, 'unsettled')}"
    if f["withheld"] + f["delivered"] != f["settled"] or min(f["withheld"], f["delivered"]) < 0:
        yield "settled = withheld + delivered", \
            f"{_figure(f, 'withheld')} + {_figure(f, 'delivered')} != {_figure(f, 'settled')}"


def _as_ofs(events: Sequence[Event]) -> list[date]:
    days = {d for e in events for d in (shift(e.date, -1), e.date)}
    return sorted(days)


# ---- the search -----------------------------------------------------------------------------------------

_shared: dict[str, Any] = {}  # what forked workers inherit: the checker and the explored space


MARGIN = Duration(months=3)  # explored past the expiration date


@attrs.define
class Space:
    """The timelines explored (see the module docstring), and their number, known before any is made."""

    plan: EvaluationPlan
    first: date  # the grant date
    last: date  # the expiration date plus the margin
    months: list[date]  # the dates of pairs: the grant date plus each multiple of `pairs_every` months, to `last`
    quarters: list[date]  # the dates of the opening events of depth 3: the grant date plus each 3 months
    singles: list[Variant]
    pairs: list[Variant]  # at one representative value of each number
    chains: list[tuple[Variant, Variant, int]]  # (an event opening a window, the event it waits for, its days)

    @property
    def depth(self) -> int:
        return 3 if self.chains else 2

    @property
    def triples(self) -> int:
        """Each event, then an opening event on a quarter on or after it, then the event waited for at 4 days."""
        quarters = len(self.quarters)
        return len(self.pairs) * len(self.chains) * 4 * quarters * (quarters + 1) // 2

    @property
    def days(self) -> int:
        return max(0, (self.last - self.first).days + 1)

    @property
    def timelines(self) -> int:
        """No event; each single event on each day; each ordered pair of events on months m <= n."""
        months = len(self.months)
        return 1 + len(self.singles) * self.days + len(self.pairs) ** 2 * months * (months + 1) // 2 + self.triples

    @property
    def evaluations(self) -> int:
        """A timeline is evaluated on the day before and the day of each of its dates, plus 4 times (the
        expiration, the deadline and the days after); the empty timeline 3 times."""
        months, pairs = len(self.months), len(self.pairs) ** 2
        same_month = pairs * months
        return 3 + 6 * len(self.singles) * self.days + 6 * same_month + 8 * (pairs * months * (months + 1) // 2
                                                                             - same_month) + 10 * self.triples


def search_space(contract: PlanSource, assume: dict[str, str] | None = None, margin: Duration = MARGIN,
                 pairs_every: int = 1) -> Space:
    plan = contract.plan(assume)
    model = contract.model
    first, last = plan.grant_date, add(horizon(plan), margin)
    pairs = variants(model, representative=True)
    chains = [(opener, waiter, _days(window.within))
              for window in plan.windows if window.event is not None
              for opener in pairs if opener.name == window.event
              for waiter in pairs if waiter.name == window.waits_for]
    return Space(plan, first, last, _every(first, last, checked(pairs_every, "pairs_every", minimum=1)),
                 _every(first, last, 3), variants(model), pairs, chains)


def _every(first: date, last: date, months: int) -> list[date]:
    """The grant date plus each multiple of `months` months, to `last` (each from the grant date)."""
    count = steps(first, last, Duration(months=months)) + 1 if first <= last else 0
    return [add(first, Duration(months=months * k)) for k in range(count)]


def _days(span: Duration) -> int:
    """A duration's length in days, at most (for ordering windows and choosing their days)."""
    return span.months * 31 + span.days


def verify(contract: PlanSource, assume: dict[str, str] | None = None, margin: Duration = MARGIN,
           jobs: int | None = None, progress: Progress | None = None, max_evaluations: int = MAX_EVALUATIONS,
           pairs_every: int = 1) -> VerifyReport:
    """Check every invariant over the search space, on `jobs` processes (at most one per core); a space of
    more than `max_evaluations` evaluations is refused (WorkTooLarge) before any is made. `progress(done,
    total)` counts evaluations."""
    started = time.perf_counter()
    if jobs is not None:
        checked(jobs, "jobs", minimum=1)
    space = search_space(contract, assume, margin, pairs_every)
    if space.evaluations > checked(max_evaluations, "max_evaluations"):
        raise WorkTooLarge(f"verify: {space.timelines:,} timelines, about {space.evaluations:,} evaluations",
                           max_evaluations, "evaluations", "--max-evaluations", "max_evaluations")
    plan, first, months = space.plan, space.first, space.months
    checker = InvariantChecker(plan)
    days = [first + timedelta(days=n) for n in range(space.days)]
    singles, pairs = space.singles, space.pairs
    _shared.update(checker=checker, singles=singles, pairs=pairs, days=days, months=months,
                   quarters=space.quarters, chains=space.chains)
    # the largest slices first (pairs starting early), so that the workers finish together
    units = sorted([("pair", i) for i in range(len(pairs) * len(months))], key=lambda u: u[1] % len(months))
    units += [("single", i) for i in range(len(singles))]
    units += [("triple", i) for i in range(len(pairs) * len(space.quarters))] if space.chains else []
    failures: dict[str, tuple[str, date, tuple[Event, ...]]] = {}
    timelines = evaluations = 0
    for name, (message, day) in checker.timeline((), [first, plan.expiration, shift(plan.expiration, 1)]).items():
        failures[name] = (message, day, ())
    if progress is not None:
        progress(0, space.evaluations)
    for count, evaluated, found in _run(units, jobs):
        timelines += count
        evaluations += evaluated
        for name, message, day, events in found:
            failures.setdefault(name, (message, day, events))
        if progress is not None:
            progress(min(evaluations, space.evaluations), space.evaluations)
    counterexamples = [_shrink(checker, name, *failure, first) for name, failure in failures.items()]
    return VerifyReport(timelines + 1, evaluations + 3, time.perf_counter() - started, counterexamples, space.depth,
                        pairs_every)


def _run(units: list[tuple[str, int]], jobs: int | None) -> Any:
    jobs = min(jobs or cores(), cores())
    if jobs > 1 and "fork" in multiprocessing.get_all_start_methods():
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            yield from pool.imap_unordered(_unit, units, chunksize=8)
    else:
        yield from map(_unit, units)


def _unit(unit: tuple[str, int]) -> tuple[int, int, list[tuple[str, str, date, tuple[Event, ...]]]]:
    """One slice of the search: a single event on every day, or every pair starting with one event-month."""
    kind, index = unit
    checker: InvariantChecker = _shared["checker"]
    found: dict[str, tuple[str, str, date, tuple[Event, ...]]] = {}
    count = evaluated = 0
    starts: list[tuple[Event, ...]]
    if kind == "single":
        variant = _shared["singles"][index]
        starts = [(variant.on(day, 0),) for day in _shared["days"]]
    elif kind == "triple":
        starts = _triples(index)
    else:
        pairs, months = _shared["pairs"], _shared["months"]
        variant, month = pairs[index // len(months)], index % len(months)
        head = variant.on(months[month], 0)
        starts = [(head, second.on(later, 1)) for later in months[month:] for second in pairs]
    for events in starts:
        as_ofs = _as_ofs(events)
        count += 1
        evaluated += len(as_ofs) + 4
        for name, (message, day) in checker.timeline(events, as_ofs).items():
            found.setdefault(name, (name, message, day, events))
    return count, evaluated, list(found.values())


def _triples(index: int) -> list[tuple[Event, ...]]:
    """Every timeline of depth 3 whose first event is the `index`-th (variant, quarter)."""
    pairs, quarters, chains = _shared["pairs"], _shared["quarters"], _shared["chains"]
    variant, quarter = pairs[index // len(quarters)], index % len(quarters)
    head = variant.on(quarters[quarter], 0)
    found: list[tuple[Event, ...]] = []
    for opened in quarters[quarter:]:
        for opener, waiter, days in chains:
            for after in (0, days // 2, days, days + 1):
                found.append((head, opener.on(opened, 1), waiter.on(shift(opened, after), 2)))
    return found


# ---- shrinking -------------------------------------------------------------------------------------------


def _shrink(checker: InvariantChecker, name: str, message: str, day: date, events: tuple[Event, ...],
            earliest: date) -> Counterexample:
    """Fewer events, then earlier dates, while the same invariant still fails."""

    def fails(candidate: tuple[Event, ...]) -> tuple[str, date] | None:
        return checker.timeline(candidate, _as_ofs(candidate)).get(name)

    current, found = events, (message, day)
    for i in range(len(current) - 1, -1, -1):
        candidate = current[:i] + current[i + 1:]
        result = fails(candidate)
        if result is not None:
            current, found = candidate, result
    for i in range(len(current)):
        low = current[i - 1].date if i else earliest
        high = current[i].date
        while low < high:  # the earliest date (by bisection) at which it still fails
            middle = low + (high - low) // 2
            moved = Event(current[i].index, middle, current[i].name, current[i].attrs)
            candidate = (*current[:i], moved, *current[i + 1:])
            result = fails(candidate)
            if result is not None:
                current, found, high = candidate, result, middle
            else:
                low = middle + _ONE_DAY
    reindexed = tuple(Event(n, e.date, e.name, e.attrs) for n, e in enumerate(current))
    return Counterexample(name, found[0], found[1], reindexed)
