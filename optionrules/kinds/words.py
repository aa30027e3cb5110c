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


class Repurchase(StrEnum):
    UNVESTED = "unvested"  # the exercised shares not vested are bought back


class LockupStart(StrEnum):
    DAY_AFTER = "day_after"
    SAME_DAY = "same_day"


class EarlyExercise(StrEnum):
    ALLOWED = "allowed"
    NOT_ALLOWED = "not_allowed"


class SettlementTiming(StrEnum):
    VESTING = "vesting"
