"""A tight hand-written evaluator of the reference agreement: the baseline the engine is measured against.

It knows the Capstone/Liggett numbers by heart (installments precomputed, bisect),
so it is what a careful programmer would write for this one agreement, and nothing
more general. Only the benchmarks and the tests that cross-check the engine use it.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, timedelta

from optionrules.values import add_months

GRANTED = 3_840_000
COMMENCEMENT = date(2002, 11, 21)
EXPIRATION = date(2012, 11, 21)
INSTALLMENT = GRANTED // 48
DATES = tuple(add_months(COMMENCEMENT, k) for k in range(1, 49))
CUMULATIVE = tuple(INSTALLMENT * k for k in range(48)) + (GRANTED,)
TWO_YEARS = date(2004, 11, 21)
THIRTY_DAYS = timedelta(days=30)


def figures(events: tuple, as_of: date) -> dict:  # type: ignore[type-arg]
    """The eval buckets on `as_of` for a timeline of (at most) one termination, as a dict like `to_dict()`."""
    termination = reason = None
    for event in events:
        if event.date <= as_of and event.name == "termination":
            termination, reason = event.date, event.attrs["reason"]
            break
    if termination is None:
        vested = CUMULATIVE[bisect_right(DATES, as_of)]
        if as_of > EXPIRATION:
            return _figures(as_of, vested, 0, 0, 0, GRANTED, EXPIRATION)
        return _figures(as_of, vested, vested, GRANTED - vested, 0, 0, EXPIRATION)
    i = bisect_right(DATES, termination)
    vested = CUMULATIVE[i]
    if reason == "cause":
        return _figures(as_of, vested, 0, 0, GRANTED, 0, None)
    if i < 48:
        last = DATES[i - 1] if i else COMMENCEMENT
        vested += INSTALLMENT * (termination - last).days // (DATES[i] - last).days
    later = add_months(termination, 12) if reason in ("death", "disability") else termination + THIRTY_DAYS
    deadline = min(max(TWO_YEARS, later), EXPIRATION)
    if as_of > deadline:
        return _figures(as_of, vested, 0, 0, GRANTED - vested, vested, deadline)
    return _figures(as_of, vested, vested, 0, GRANTED - vested, 0, deadline)


def _figures(as_of: date, vested: int, exercisable: int, unvested: int, forfeited: int, expired: int,
             deadline: date | None) -> dict:  # type: ignore[type-arg]
    return {"as_of": as_of, "granted": GRANTED, "vested": vested, "exercised": 0, "exercisable": exercisable,
            "unvested": unvested, "forfeited": forfeited, "expired": expired, "exercise_deadline": deadline,
            "sale_blocked": False, "violations": []}
