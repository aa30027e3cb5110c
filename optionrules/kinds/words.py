"""The fixed sets of words keys choose from (beside `values.MissingDay` and `values.Rounding`)."""

from __future__ import annotations

from enum import StrEnum


class Inclusivity(StrEnum):
    INCLUSIVE = "inclusive"
    EXCLUSIVE = "exclusive"


class YesNo(StrEnum):
    YES = "yes"
    NO = "no"


class GrantType(StrEnum):
    NON_QUALIFIED = "non_qualified"
    INCENTIVE = "incentive"


class RoundingBasis(StrEnum):
    PER_INSTALLMENT = "per_installment"  # each installment rounded; the remainder placed by `remainder`
    CUMULATIVE = "cumulative"  # the total vested after k installments rounded


class Remainder(StrEnum):
    """Where the shares left over by per-installment rounding go."""

    LAST = "last"
    FIRST = "first"
    SPREAD_FIRST = "spread_first"
    SPREAD_LAST = "spread_last"
    NONE = "none"


class VestWord(StrEnum):
    ALL_UNVESTED = "all_unvested"
    NOTHING = "nothing"


class AccelerationOrder(StrEnum):
    """Which unvested installments a partial acceleration takes from."""

    LAST = "last"
    FIRST = "first"
    EACH = "each"


class Forfeit(StrEnum):
    UNVESTED = "unvested"
    ALL = "all"


class LockupStart(StrEnum):
    DAY_AFTER = "day_after"
    SAME_DAY = "same_day"


class EarlyExercise(StrEnum):
    ALLOWED = "allowed"
    NOT_ALLOWED = "not_allowed"


class SettlementTiming(StrEnum):
    VESTING = "vesting"


class Passing(StrEnum):
    """What a deadline's passing does, when the event it waits for has not come."""

    OVERDUE = "overdue"  # reported; nothing is lost (an obligation of the company)
    RELEASE = "release"  # the shares still subject to repurchase are released
    FORFEIT = "forfeit"  # what has not vested is forfeited
    EXPIRE = "expire"  # the option cannot be exercised after it


class WindowChange(StrEnum):
    """What a rule's exercise window does to the one already set."""

    SHORTENS = "shortens"  # it only shortens it (the first replaces the term's)
    EXTENDS = "extends"  # it only lengthens it
    REPLACES = "replaces"  # it takes its place


class Waiting(StrEnum):
    """What the end of service does to installments whose date has passed but that wait for their gate."""

    KEEP = "keep"  # they stay eligible: they vest if the gate's event comes by its deadline
    FORFEIT = "forfeit"  # they are forfeited with the rest of what has not vested
