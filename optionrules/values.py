"""Runtime values: durations, calendar arithmetic and exact rounding.

Dates are always computed from their anchor (`start + k months`), never by
stepping month to month, so a schedule that starts on the 31st does not drift.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import assert_never

from optionrules.records import record


class MissingDay(StrEnum):
    """Where `date + N months` lands when the month has no such day."""

    LAST_DAY_OF_MONTH = "last_day_of_month"  # 2021-01-31 + 1 month = 2021-02-28
    FIRST_OF_NEXT_MONTH = "first_of_next_month"  # 2021-01-31 + 1 month = 2021-03-01


class Rounding(StrEnum):
    """To whole shares; `none` keeps fractions of a share."""

    DOWN = "down"
    UP = "up"
    HALF_UP = "half_up"
    NONE = "none"


WHOLE_ROUNDINGS = (Rounding.DOWN, Rounding.UP, Rounding.HALF_UP)

Shares = int | Fraction  # whole shares, or fractions of a share where a schedule keeps them

UNITS = ("day", "week", "month", "year")  # of durations: `30 days`, `12 months`
UNIT_WORDS = {word: unit for unit in UNITS for word in (unit, unit + "s")}


@record
class Money:
    """An amount in a currency, as a grant states its price: `USD 0.50`."""

    currency: str | None  # None where the amount came from a form's parameter without one
    amount: Decimal

    @property
    def shown(self) -> Decimal:
        """The amount with at least two decimals (the same amount: `350` is `350.00`)."""
        amount = self.amount.normalize()
        exponent = amount.as_tuple().exponent
        return amount.quantize(Decimal("0.01")) if isinstance(exponent, int) and exponent > -2 else amount

    def __str__(self) -> str:
        return f"{self.currency or ''} {self.shown:,f}".strip()


@record
class Duration:
    """A calendar duration: whole months (years are 12 months) plus whole days (weeks are 7)."""

    months: int = 0
    days: int = 0

    @classmethod
    def of(cls, amount: int, unit: str) -> Duration:
        if unit == "year":
            return cls(months=12 * amount)
        if unit == "month":
            return cls(months=amount)
        if unit == "week":
            return cls(days=7 * amount)
        return cls(days=amount)

    def __add__(self, other: Duration) -> Duration:
        return Duration(self.months + other.months, self.days + other.days)

    def __sub__(self, other: Duration) -> Duration:
        return Duration(self.months - other.months, self.days - other.days)

    def __neg__(self) -> Duration:
        return Duration(-self.months, -self.days)

    def __mul__(self, factor: int) -> Duration:
        return Duration(self.months * factor, self.days * factor)

    def __str__(self) -> str:
        parts = []
        if self.months:
            years, months = divmod(self.months, 12)
            if years and not months:
                parts.append(plural(years, "year"))
            else:
                parts.append(plural(self.months, "month"))
        if self.days or not parts:
            parts.append(plural(self.days, "day"))
        return " + ".join(parts)


def plural(n: int, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


def json_value(value: object) -> object:
    """A runtime value as JSON has it: dates in ISO form, day counts, shares as numbers, money as text."""
    if isinstance(value, Duration):
        return value.days
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Fraction):  # exact, never a float: `0.5`, or `1/3` without a finite decimal
        from optionrules.figures import exact_shares

        return exact_shares(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Money):  # as Open Cap Format writes an amount
        return {"amount": f"{value.shown:f}", "currency": value.currency}
    return value


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may read as the start of a formula


def csv_value(value: object) -> object:
    """A runtime value in a CSV cell: as in JSON, with booleans as true/false and nothing as empty.

    A text that a spreadsheet would take for a formula (`=HYPERLINK(...)`, `@SUM(...)`, `-1+1`) is written
    after a `'`, which shows it as text; a number never is (a negative number stays a number).
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "'" + value if value.startswith(_FORMULA_STARTS) else value
    if isinstance(value, Money):
        return str(value)
    value = json_value(value)
    return "" if value is None else value


_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def days_in_month(year: int, month: int) -> int:
    """calendar.monthrange(year, month)[1], without its cost on the evaluation's hot path."""
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return _DAYS_IN_MONTH[month - 1]


def add_months(start: date, months: int, missing_day: MissingDay = MissingDay.LAST_DAY_OF_MONTH,
               day: int | None = None) -> date:
    """`start + months` on the same day of the month (or on `day`), per the missing-day policy.

    Dates stay within the calendar: past year 9999 is 9999-12-31, before year 1 is 0001-01-01.
    """
    year, month0 = divmod(start.month - 1 + months, 12)
    year += start.year
    if year > date.max.year:
        return date.max
    if year < date.min.year:
        return date.min
    last = days_in_month(year, month0 + 1)
    wanted = start.day if day is None else day
    if wanted <= last:
        return date(year, month0 + 1, wanted)
    if missing_day is MissingDay.FIRST_OF_NEXT_MONTH:
        return shift(date(year, month0 + 1, last), 1)
    return date(year, month0 + 1, last)


def shift(day: date, days: int) -> date:
    """`day + days`, within the calendar (see add_months)."""
    try:
        return day + timedelta(days=days)
    except OverflowError:  # past the calendar's end, or too many days for a timedelta
        return date.max if days > 0 else date.min


def add(start: date, duration: Duration, missing_day: MissingDay = MissingDay.LAST_DAY_OF_MONTH) -> date:
    """`start + duration`: the months first (from the anchor), then the days."""
    moved = add_months(start, duration.months, missing_day) if duration.months else start
    return shift(moved, duration.days) if duration.days else moved


def ratio_rounder(mode: Rounding) -> Callable[[int, int], Shares]:
    """`round_ratio` with its mode chosen once (a plan knows its roundings when it is compiled): rounding down
    is integer division itself."""
    if mode is Rounding.DOWN:
        return operator.floordiv
    return functools.partial(round_ratio, mode=mode)  # (a plan may be pickled, to another process)


def round_ratio(numerator: int, denominator: int, mode: Rounding) -> Shares:
    """numerator / denominator rounded to a whole number, exactly (denominator > 0); `none` keeps the fraction."""
    match mode:
        case Rounding.DOWN:
            return numerator // denominator
        case Rounding.UP:
            return -((-numerator) // denominator)
        case Rounding.HALF_UP:
            return (2 * numerator + denominator) // (2 * denominator)
        case Rounding.NONE:
            exact = Fraction(numerator, denominator)
            return exact.numerator if exact.denominator == 1 else exact
        case _:
            assert_never(mode)


def portion_shares(granted: int, before: Fraction, portion: Fraction) -> int:
    """The whole shares of a portion of a grant that follows portions `before` of it: the running total rounded
    down, less that of the portions before (so that the portions of a grant are rounded once)."""
    return int(granted * (before + portion)) - int(granted * before)


def round_shares(value: Shares, mode: Rounding) -> Shares:
    exact = Fraction(value)
    return round_ratio(exact.numerator, exact.denominator, mode)
