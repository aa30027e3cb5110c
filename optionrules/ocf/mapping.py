"""OCF vesting terms and the language's vesting schedules, both ways.

An OCF vesting terms object is a graph of conditions, each entered by a trigger. The language states, today,
an installment schedule anchored on a date (the form's `commencement`), with a duration cliff, installments
every N months or days, and a rounding. So the graphs that map are the chains

    VESTING_START_DATE (nothing vests) -> [a cliff: one relative occurrence] -> relative installments ...

whose portions add up to the whole grant, each installment the same portion; and the chains whose parts vest
at different rates (10% in year 1, 20% in year 2, ...), as a vesting clause per part, each a portion of the
grant from the commencement date plus the parts before it (`Parts`). A portion of the `remainder` (of what
has not vested yet) is that portion of what the conditions before it leave, where it vests once. Every other
condition is not
mapped, with the reason: each trigger type has its own function (`_TRIGGERS`, matched exhaustively), so that
what the language learns later (schedules starting on events, portions, day-of-month policies) is added
there. Installments on a day of the month (OCF's `day_of_month`) map to the vesting clause's `day_of_month`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

from optionrules.ocf.read import Item
from optionrules.records import record

# OCF's allocation types and the language's (rounding, rounding_basis, remainder): the 18-shares-over-4-tranches
# table of the AllocationType enum is reproduced by each (tests/test_ocf.py)
ALLOCATIONS: dict[str, tuple[str, str, str | None]] = {
    "CUMULATIVE_ROUNDING": ("half_up", "cumulative", None),  # 5-4-5-4
    "CUMULATIVE_ROUND_DOWN": ("down", "cumulative", None),  # 4-5-4-5
    "FRONT_LOADED": ("down", "per_installment", "spread_first"),  # 5-5-4-4
    "BACK_LOADED": ("down", "per_installment", "spread_last"),  # 4-4-5-5
    "FRONT_LOADED_TO_SINGLE_TRANCHE": ("down", "per_installment", "first"),  # 6-4-4-4
    "BACK_LOADED_TO_SINGLE_TRANCHE": ("down", "per_installment", "last"),  # 4-4-4-6
    "FRACTIONAL": ("none", "cumulative", None),  # 4.5-4.5-4.5-4.5
}
START_DAY = "VESTING_START_DAY_OR_LAST_DAY_OF_MONTH"  # the language's `missing_day: last_day_of_month`


@record
class Unmapped:
    """Something of the package not mapped: where (file, object id, JSON path) and why."""

    file: str
    object_id: str
    field: str  # a JSON path inside the object ($ for the whole object)
    reason: str

    def __str__(self) -> str:
        return f"{self.file}, object {self.object_id}, {self.field}: {self.reason}"

    def to_dict(self) -> dict[str, str]:
        return {"file": self.file, "object_id": self.object_id, "field": self.field, "reason": self.reason}


def unmapped(item: Item, field: str, reason: str) -> Unmapped:
    return Unmapped(item.file, item.id, field, reason)


@record
class Schedule:
    """An installment schedule the language states: `installments` every `every` from the commencement date,
    nothing before `cliff` (in the unit of `every`), rounded as `allocation` says."""

    installments: int
    every: int
    unit: str  # months | days
    cliff: int | None
    allocation: str
    start_condition: str  # the id of the VESTING_START_DATE condition
    day_of_month: int | None = None  # installments on this day of their month (else the start's day)

    def clause(self, name: str, citation: str) -> str:
        rounding, basis, remainder = ALLOCATIONS[self.allocation]
        lines = [f'vesting {name} "{citation}" {{',
                 f"  installments: {self.installments}",
                 f"  every: {_duration(self.every, self.unit)}",
                 "  from: commencement"]
        if self.cliff is not None:
            lines.append(f"  cliff: {_duration(self.cliff, self.unit)}")
        if self.day_of_month is not None:
            lines.append(f"  day_of_month: {self.day_of_month}")
        lines += [f"  rounding: {rounding}", f"  rounding_basis: {basis}"]
        if remainder is not None:
            lines.append(f"  remainder: {remainder}")
        return "\n".join(lines + ["}"])


@record
class Part:
    """A stretch of a schedule at its own rate: `installments` every `every` (in `unit`), the first `offset` after
    the commencement date (what the parts before it take), vesting `portion` of the grant."""

    installments: int
    every: int
    unit: str  # months | days
    offset: int
    portion: Fraction
    day_of_month: int | None = None


# the allocation types a schedule of parts keeps, where each part's first and last shares are whole shares of
# the grant: rounding the running total of the whole schedule is then rounding each part's own (x + n rounds as
# x, plus n); OCF spreads the other types' remainders over the whole schedule's tranches
PART_ALLOCATIONS = ("CUMULATIVE_ROUNDING", "CUMULATIVE_ROUND_DOWN", "FRACTIONAL")


@record
class Parts:
    """A schedule whose parts vest at different rates: a vesting clause each, each a portion of the grant."""

    parts: tuple[Part, ...]
    allocation: str  # one of PART_ALLOCATIONS
    start_condition: str  # the id of the VESTING_START_DATE condition

    def clause(self, name: str, citation: str) -> str:
        rounding, basis, _ = ALLOCATIONS[self.allocation]
        blocks = []
        for k, part in enumerate(self.parts, 1):
            offset = f" + {_duration(part.offset, part.unit)}" if part.offset else ""
            lines = [f'vesting {name}_{k} "{citation}, part {k}" {{',
                     f"  shares: {part.portion.numerator} / {part.portion.denominator}",
                     f"  installments: {part.installments}",
                     f"  every: {_duration(part.every, part.unit)}",
                     f"  from: commencement{offset}"]
            if part.day_of_month is not None:
                lines.append(f"  day_of_month: {part.day_of_month}")
            blocks.append("\n".join([*lines, f"  rounding: {rounding}", f"  rounding_basis: {basis}", "}"]))
        return "\n\n".join(blocks)

    def uneven(self, shares: int) -> Fraction | None:
        """The first running total of the parts' portions that is not a whole number of `shares` (there, the
        parts' own roundings could differ from the whole schedule's by a share), or None."""
        total = Fraction(0)
        for part in self.parts:
            total += part.portion
            if (total * shares).denominator != 1:
                return total
        return None


Mapped = Schedule | Parts  # what vesting terms map to


def _duration(n: int, unit: str) -> str:
    return f"{n} {unit[:-1] if n == 1 else unit}"


# ---- OCF vesting terms to a schedule ----------------------------------------------------------------------


@record
class _Step:
    """A condition read: how often it triggers, after how long, and the portion each time vests."""

    condition: Mapping[str, Any]
    path: str
    length: int = 0
    unit: str = ""
    occurrences: int = 0
    portion: Fraction = Fraction(0)
    day_of_month: int | None = None


Trigger = Callable[[Item, Mapping[str, Any], str, list[Unmapped]], "_Step | None"]


def _start(item: Item, condition: Mapping[str, Any], path: str, problems: list[Unmapped]) -> _Step | None:
    return _Step(condition, path)


def _relative(item: Item, condition: Mapping[str, Any], path: str, problems: list[Unmapped]) -> _Step | None:
    period = condition["trigger"]["period"]
    unit = {"MONTHS": "months", "DAYS": "days"}[period["type"]]
    if period["length"] < 1:
        problems.append(unmapped(item, f"{path}.trigger.period.length",
                                 "a period of length 0: the language's installments are a positive period apart"))
        return None
    day = day_of_month(period.get("day_of_month", START_DAY)) if unit == "months" else None
    return _Step(condition, path, period["length"], unit, period["occurrences"], day_of_month=day)


def day_of_month(ocf: str) -> int | None:
    """OCF's day_of_month as the language's: `01`..`28` the day; `29_OR_LAST_DAY_OF_MONTH` (30, 31) the day
    with the conventions' `missing_day: last_day_of_month`; the vesting start's day: None (the default)."""
    return None if ocf == START_DAY else int(ocf.split("_", 1)[0])


def ocf_day_of_month(day: int | None) -> str:
    """The language's day_of_month as OCF's."""
    return START_DAY if day is None else f"{day:02d}" if day <= 28 else f"{day}_OR_LAST_DAY_OF_MONTH"


def _absolute(item: Item, condition: Mapping[str, Any], path: str, problems: list[Unmapped]) -> _Step | None:
    problems.append(unmapped(item, f"{path}.trigger",
                             f"a condition met on a fixed date ({condition['trigger'].get('date')}), a path of the "
                             "graph the first trigger met takes: the language's schedules run from the commencement "
                             "date, and it has no alternative paths"))
    return None


def _event(item: Item, condition: Mapping[str, Any], path: str, problems: list[Unmapped]) -> _Step | None:
    problems.append(unmapped(item, f"{path}.trigger",
                             "a condition met by an event (TX_VESTING_EVENT) vesting a portion of the grant: the "
                             "language's milestones vest a fixed number of shares, and schedules that start on "
                             "events are not in the language yet"))
    return None


_TRIGGERS: dict[str, Trigger] = {
    "VESTING_START_DATE": _start,
    "VESTING_SCHEDULE_RELATIVE": _relative,
    "VESTING_SCHEDULE_ABSOLUTE": _absolute,
    "VESTING_EVENT": _event,
}


def schedule_of(item: Item) -> tuple[Mapped | None, list[Unmapped]]:
    """The schedule the vesting terms state, or None and why not (each reason located)."""
    problems: list[Unmapped] = []
    conditions = item.data["vesting_conditions"]
    chain = _chain(item, conditions, problems)
    steps: list[_Step] = []
    vested = Fraction(0)  # the portion of the grant the conditions before vest: what a `remainder` is taken of
    for n, condition in chain:
        path = f"$.vesting_conditions[{n}]"
        step = _TRIGGERS[condition["trigger"]["type"]](item, condition, path, problems)
        if step is not None:
            step = _with_portion(item, step, vested, problems)
        if step is not None:
            steps.append(step)
            vested += step.portion * step.occurrences
    if problems:
        return None, problems
    return _installments(item, steps, problems), problems


def _chain(item: Item, conditions: list[Any], problems: list[Unmapped]) -> list[tuple[int, Any]]:
    """The conditions from the first (the graph's root) along `next_condition_ids`, each with its index; a
    condition with several next conditions, or one not on the chain, is not mapped."""
    index = {c["id"]: n for n, c in enumerate(conditions)}
    chain: list[tuple[int, Any]] = []
    n: int | None = 0
    on_chain: set[int] = set()
    while n is not None and n not in on_chain:
        on_chain.add(n)
        condition = conditions[n]
        chain.append((n, condition))
        following = condition["next_condition_ids"]
        if len(following) > 1:
            problems.append(unmapped(item, f"$.vesting_conditions[{n}].next_condition_ids",
                                     f"{len(following)} next conditions, alternative paths of which OCF takes the "
                                     "first whose trigger is met: the language's schedules have one path"))
            n = None
            break
        n = index[following[0]] if following else None
    if n is not None:
        problems.append(unmapped(item, f"$.vesting_conditions[{n}]", "the conditions form a cycle"))
    for m, condition in enumerate(conditions):
        if m not in on_chain and not problems:
            problems.append(unmapped(item, f"$.vesting_conditions[{m}]",
                                     f"the condition {condition['id']!r} is not on the path from the first "
                                     "condition"))
    if chain and chain[0][1]["trigger"]["type"] != "VESTING_START_DATE":
        problems.append(unmapped(item, "$.vesting_conditions[0].trigger",
                                 "the first condition is not a VESTING_START_DATE: the language's schedules run "
                                 "from the vesting commencement date"))
    for n, condition in chain[1:]:
        if condition["trigger"]["type"] == "VESTING_START_DATE":
            problems.append(unmapped(item, f"$.vesting_conditions[{n}].trigger",
                                     "a second vesting start: a schedule starting on an event is not in the "
                                     "language yet"))
    return chain


def _with_portion(item: Item, step: _Step, vested: Fraction, problems: list[Unmapped]) -> _Step | None:
    """The step with the portion of the grant each occurrence vests; `vested`: what the steps before vest. A portion
    of the `remainder` is of what they leave, where it is said once: for one occurrence."""
    condition, path = step.condition, step.path
    if "quantity" in condition:
        if Fraction(condition["quantity"]) == 0:
            return step
        problems.append(unmapped(item, f"{path}.quantity",
                                 f"a fixed quantity ({condition['quantity']} shares) vesting on a schedule: the "
                                 "language's schedules vest a share of the grant"))
        return None
    portion = condition["portion"]
    rest = portion.get("remainder", False)
    if rest and step.occurrences > 1:
        problems.append(unmapped(item, f"{path}.portion.remainder",
                                 f"a portion of what has not vested yet, over {step.occurrences} occurrences: OCF "
                                 "does not say whether each takes its portion of what is left then, or of what was "
                                 "left when the condition began (one occurrence maps)"))
        return None
    denominator = Fraction(portion["denominator"])
    if denominator == 0:
        problems.append(unmapped(item, f"{path}.portion.denominator", "a denominator of 0"))
        return None
    share = Fraction(portion["numerator"]) / denominator
    return _Step(condition, path, step.length, step.unit, step.occurrences, share * (1 - vested) if rest else share,
                 step.day_of_month)


def _installments(item: Item, steps: list[_Step], problems: list[Unmapped]) -> Mapped | None:
    """The chain as equal installments: the start vests nothing; a cliff (one occurrence of k periods vesting k
    installments) may come first; then installments every period, each the same portion; the whole vests. A
    chain whose parts vest at other rates is a schedule of parts."""
    start, rest = steps[0], steps[1:]
    if start.portion != 0:
        problems.append(unmapped(item, f"{start.path}.portion",
                                 "the vesting start vests shares itself: the language's schedules vest nothing "
                                 "on the commencement date"))
    if not rest:
        problems.append(unmapped(item, "$.vesting_conditions", "no condition after the vesting start vests shares"))
        return None
    regular = rest[-1]
    if regular.portion <= 0:
        problems.append(unmapped(item, f"{regular.path}.portion", "installments of nothing"))
        return None
    cliff: int | None = None
    for step in rest[:-1] if len(rest) > 1 else []:
        same = (step.unit, step.length, step.portion, step.day_of_month) == \
            (regular.unit, regular.length, regular.portion, regular.day_of_month)
        if same:
            continue
        if step is rest[0] and step.occurrences == 1 and step.unit == regular.unit \
                and step.day_of_month == regular.day_of_month and step.length % regular.length == 0 \
                and step.portion == regular.portion * (step.length // regular.length):
            cliff = step.length
            continue
        return None if problems else _parts(item, start, rest, problems)
    if problems:
        return None
    count = sum(s.occurrences for s in rest) + (cliff // regular.length - 1 if cliff is not None else 0)
    if regular.portion * count != 1:
        problems.append(unmapped(item, "$.vesting_conditions",
                                 f"the portions add up to {regular.portion * count} of the grant, not all of it: "
                                 "the language's schedules vest the whole grant"))
        return None
    # per-tranche allocations count the installments by the portion's denominator, a cliff the sum of the
    # installments before it (as OCF-Tools' vesting schedule generator computes them): the language's
    # per-installment rounding over `count` installments, the cliff vesting the earlier ones
    allocation = item.data["allocation_type"]
    if cliff == regular.length:
        cliff = None  # a first period no longer than the others is no cliff
    return Schedule(count, regular.length, regular.unit, cliff, allocation, str(start.condition["id"]),
                    regular.day_of_month)


def _parts(item: Item, start: _Step, rest: list[_Step], problems: list[Unmapped]) -> Parts | None:
    """The chain as parts at their own rates, one after the other: each condition's occurrences, the first of
    them one period after the conditions before it end (a condition vesting nothing only takes its time)."""
    allocation = item.data["allocation_type"]
    if len({step.unit for step in rest}) > 1:
        problems.append(unmapped(item, "$.vesting_conditions",
                                 "; ".join(map(_described, rest)) + ": parts counted in months and in days"))
    if allocation not in PART_ALLOCATIONS:
        problems.append(unmapped(item, "$.allocation_type",
                                 f"{allocation} over parts that vest at different rates ("
                                 + "; ".join(map(_described, rest)) + "): OCF spreads the remainders over the "
                                 "whole schedule's tranches, the language over each part's own"))
    whole = sum(step.portion * step.occurrences for step in rest)
    if whole != 1:
        problems.append(unmapped(item, "$.vesting_conditions",
                                 f"the portions add up to {whole} of the grant, not all of it: the language's "
                                 "schedules vest the whole grant"))
    if problems:
        return None
    parts, offset = [], 0
    for step in rest:
        if step.portion:
            parts.append(Part(step.occurrences, step.length, step.unit, offset, step.portion * step.occurrences,
                              step.day_of_month))
        offset += step.occurrences * step.length
    return Parts(tuple(parts), allocation, str(start.condition["id"]))


def _described(step: _Step) -> str:
    return f"{step.occurrences} x {step.portion} every {_duration(step.length, step.unit)}"


# ---- a schedule to OCF vesting terms ----------------------------------------------------------------------


def allocation_of(rounding: str, basis: str, remainder: str | None) -> str | None:
    """The OCF allocation type of a rounding, or None where OCF has none."""
    for allocation, (r, b, rest) in ALLOCATIONS.items():
        if (r, b) == (rounding, basis) and (rest is None or rest == remainder):
            return allocation
    return None


def vesting_terms(terms_id: str, name: str, schedule: Schedule) -> dict[str, Any]:
    """The OCF vesting terms of a schedule: a vesting start, a cliff (if any), then the installments."""
    n, done = schedule.installments, 0
    steps: list[_Relative] = []
    if schedule.cliff is not None and schedule.cliff > schedule.every:
        done = min(n, schedule.cliff // schedule.every)
        steps.append(("cliff", (done, n), schedule.cliff, schedule.unit, 1, schedule.day_of_month))
    if done < n:
        steps.append(("installments", (1, n), schedule.every, schedule.unit, n - done, schedule.day_of_month))
    cliff = f", nothing before {_duration(schedule.cliff, schedule.unit)}" if schedule.cliff else ""
    return {"object_type": "VESTING_TERMS", "id": terms_id, "name": name,
            "description": f"{n} installments every {_duration(schedule.every, schedule.unit)} from the vesting "
                           f"start{cliff}",
            "allocation_type": schedule.allocation,
            "vesting_conditions": _relative_chain(schedule.start_condition, steps)}


def parts_vesting_terms(terms_id: str, name: str, schedule: Parts) -> dict[str, Any]:
    """The OCF vesting terms of a schedule of parts: a vesting start, then a condition per part, each relative to
    the one before it, its occurrences the part's installments."""
    steps: list[_Relative] = []
    for k, part in enumerate(schedule.parts, 1):
        each = part.portion / part.installments
        steps.append((f"part-{k}", (each.numerator, each.denominator), part.every, part.unit, part.installments,
                      part.day_of_month))
    described = "; then ".join(f"{part.portion} of the grant in {part.installments} installments every "
                               f"{_duration(part.every, part.unit)}" for part in schedule.parts)
    return {"object_type": "VESTING_TERMS", "id": terms_id, "name": name, "description": described,
            "allocation_type": schedule.allocation,
            "vesting_conditions": _relative_chain(schedule.start_condition, steps)}


# a relative condition: its id, the portion each occurrence vests (numerator, denominator), the period's length
# and unit, the occurrences, the day of the month (None: the vesting start's)
_Relative = tuple[str, tuple[int, int], int, str, int, int | None]


def _relative_chain(start_condition: str, steps: list[_Relative]) -> list[dict[str, Any]]:
    """A vesting start, then each step as a VESTING_SCHEDULE_RELATIVE condition relative to the one before it."""
    conditions: list[dict[str, Any]] = [
        {"id": start_condition, "quantity": "0", "trigger": {"type": "VESTING_START_DATE"},
         "next_condition_ids": []}]
    for condition_id, (numerator, denominator), length, unit, occurrences, day in steps:
        period = {"length": length, "type": unit.upper(), "occurrences": occurrences,
                  **({"day_of_month": ocf_day_of_month(day)} if unit == "months" else {})}
        conditions.append({"id": condition_id, "portion": {"numerator": str(numerator),
                                                           "denominator": str(denominator)},
                           "trigger": {"type": "VESTING_SCHEDULE_RELATIVE", "period": period,
                                       "relative_to_condition_id": conditions[-1]["id"]},
                           "next_condition_ids": []})
    for before, after in itertools.pairwise(conditions):
        before["next_condition_ids"] = [after["id"]]
    return conditions


def vestings_of(contract: Any, events: Any = ()) -> dict[str, Fraction]:
    """What vests on each date (ISO) under the contract and its events: OCF's `vestings` of an issuance."""
    found: dict[str, Fraction] = {}
    for change in contract.schedule(events).rows:
        before, after = change.changes.get("vested", (0, 0))
        if after != (before or 0):
            found[change.date.isoformat()] = Fraction(after) - Fraction(before or 0)
    return found


def numeric(value: Fraction) -> str:
    """A share count as OCF's Numeric: at most 10 decimals (a fraction that needs more is rounded half up)."""
    if value.denominator == 1:
        return str(value.numerator)
    from decimal import ROUND_HALF_UP, Decimal, localcontext

    with localcontext() as context:
        context.prec = 60
        exact = Decimal(value.numerator) / Decimal(value.denominator)
        text = f"{exact.quantize(Decimal('1e-10'), rounding=ROUND_HALF_UP):f}".rstrip("0")
    return text.rstrip(".")
