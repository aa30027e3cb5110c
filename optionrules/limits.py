"""The limits on what is read and on the work asked for, each stated once (README: "What `check` reads, and
the limits"). Input is refused past them with a message saying which limit and, for work, how to raise it.
"""

from __future__ import annotations

import os
from datetime import date

from optionrules.errors import QueryError
from optionrules.values import Duration, add

MiB = 1024 * 1024
CONTRACT_BYTES = 1 * MiB  # a contract, plan or form file (the largest bundled one: 16 KB), parsed in 20 s at most
MAX_ITEMS = 10_000  # top-level items of a contract file (the reference agreement has 41)
TIMELINE_BYTES = 16 * MiB  # a timeline (JSON)
GRANTS_BYTES = 4 * MiB  # a CSV file of grants
SOURCE_BYTES = 4 * MiB  # an agreement's text (`source:`), read to find the clauses' quotes in it
MAX_GRANTS = 10_000  # rows of a CSV file of grants: each is checked as a contract (some 0.5 ms each)

# A portfolio's tables (grants, events): read as columns, not checked row by row. A million grants of a form
# take some 200 MB of columns; the limits keep a table within a few GiB however it is written.
TABLE_BYTES = 1024 * MiB  # a grants or events file (CSV, Parquet, JSON lines), or one file of a Parquet dataset
MAX_TABLE_ROWS = 20_000_000  # rows of a grants or events table (or of one file of a dataset)
MAX_SCENARIOS = 10_000  # sampled scenarios of a portfolio, unless raised: each evaluates every grant once

MAX_ROWS = 100_000  # the rows of a what-if sweep (some 1 KiB each), unless raised
MAX_EVALUATIONS = 100_000_000  # of a verify search, unless raised: about a minute on two cores (the reference: 31M)


class WorkTooLarge(QueryError):
    """More work than a limit allows: the message says how much, the limit, and how to raise it."""

    def __init__(self, size: str, limit: int, unit: str, flag: str, keyword: str):
        super().__init__(f"{size}: more than the limit of {limit:,} {unit} (raise it with {flag} N, "
                         f"or {keyword}=N from Python)")


def checked(limit: object, keyword: str, minimum: int = 0) -> int:
    """A limit given from Python: a whole number, at least `minimum` (QueryError otherwise)."""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < minimum:
        raise QueryError(f"{keyword} takes a whole number of at least {minimum}, not {limit!r}")
    return limit


def cores() -> int:
    """The cores this process may run on (its affinity set, where the system has one)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def steps(start: date, end: date, step: Duration) -> int:
    """How many whole steps of `step` (days, or months) from `start` stay on or before `end`: counted, not
    stepped, so that a range reaching 9999-12-31 ends (dates past the calendar stay on its last day) and a
    huge range is refused before it is made."""
    if step.months:
        months = (end.year - start.year) * 12 + end.month - start.month
        k = months // step.months
        return k if add(start, step * k) <= end else k - 1
    return (end - start).days // step.days
