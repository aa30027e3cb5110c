"""The grant and its term (the constants of the contract), and the date conventions the text leaves open."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, ClassVar, Self

import attrs

from optionrules import ast
from optionrules.expressions import TExpr, reads_parameters
from optionrules.figures import ALL_AWARDS, AwardType
from optionrules.kinds.base import Clause, Reading, key, kind
from optionrules.kinds.readers import DATES, Choice, Constant, Fixed, Text, Whole
from optionrules.kinds.words import GrantType, Inclusivity, YesNo
from optionrules.model import Model, Word
from optionrules.records import evolve
from optionrules.types import DATE, MONEY, NUMBER, Type
from optionrules.values import MissingDay, Money


class Price(Constant):
    """An amount of money, with its currency where it is written: `USD 0.50`."""

    def __init__(self) -> None:
        super().__init__(MONEY)

    def read_one(self, node: ast.Value, key: str, cx: Reading) -> Money | None:
        amount = super().read_one(node, key, cx)
        if amount is None:
            return None
        return Money(node.currency if isinstance(node, ast.MoneyLit) else None, amount)


class DateExpression(Constant):
    """A date expression, kept as written: its value depends on the readings (`+ N months` may land on a
    missing day), so it is computed for each choice of them."""

    def __init__(self) -> None:
        super().__init__(DATE)

    def read_one(self, node: ast.Value, key: str, cx: Reading) -> TExpr | None:
        if super().read_one(node, key, cx) is None:
            return None
        return cx.typer().expect(node, DATE, f"`{key}`")


@kind("grant", "the grant: what it grants, how many shares, at what price, from when", singleton=True,
      required=ALL_AWARDS, phase=4)
class Grant(Clause):
    award: AwardType = key(Fixed(AwardType), default=AwardType.OPTION,
                           doc="what it grants: an option (the default), RSUs, or restricted stock")
    optionee: str | None = key(Text())
    type: Word[GrantType] | None = key(Choice(GrantType))
    shares: int = key(Whole(minimum=1), required=True)
    exercise_price: Money | None = key(Price(), doc="an option's price per share")
    purchase_price: Money | None = key(Price(), doc="the price per share paid for restricted stock")
    grant_date: date = key(DATES, required=True)
    commencement: date = key(DATES, doc="the vesting commencement date (default: the grant date)")

    DEFINES: ClassVar[Mapping[str, Type]] = {"shares": NUMBER, "grant_date": DATE, "commencement": DATE,
                                             "exercise_price": MONEY, "purchase_price": MONEY}

    @property
    def currency(self) -> str | None:
        """The grant's currency, as its price states it."""
        price = self.exercise_price or self.purchase_price
        return price.currency if price is not None else None

    def enter(self, model: Model) -> None:
        model.award = self.award
        model.clauses.append(self)

    def validate(self, reading: Reading) -> Self | None:
        if self.commencement is not None:
            return self
        symbolic = {**self.symbolic, "commencement": self.symbolic["grant_date"]} if "grant_date" in self.symbolic \
            else self.symbolic
        return evolve(self, commencement=self.grant_date, symbolic=symbolic)

    def constants(self) -> Mapping[str, object]:
        return {"shares": self.shares, "grant_date": self.grant_date, "commencement": self.commencement,
                "exercise_price": self.exercise_price.amount if self.exercise_price else None,
                "purchase_price": self.purchase_price.amount if self.purchase_price else None}


@kind("term", "the award's term: it expires on the expiration date (units not vested by then are forfeited)",
      singleton=True, awards=frozenset({AwardType.OPTION, AwardType.RSU}), required=frozenset({AwardType.OPTION}),
      phase=5)
class Term(Clause):
    expiration: TExpr = key(DateExpression(), required=True)
    caps_windows: Word[YesNo] = key(Choice(YesNo), required=True,
                                    doc="yes: no exercise window runs past the expiration date")
    expires: date = attrs.field(default=date.max)  # the expiration date under the default readings

    DEFINES: ClassVar[Mapping[str, Type]] = {"expiration": DATE}

    def validate(self, reading: Reading) -> Self | None:
        expires = reading.value_of(self.expiration, reading.node("expiration"), "`expiration`")
        if expires is None:
            return None
        grant = reading.model.one(Grant)
        if grant is not None and expires < grant.grant_date:
            reading.error(f"the term expires on {expires.isoformat()}, before the grant date "
                          f"{grant.grant_date.isoformat()}", reading.node("expiration"))
            return None
        return evolve(self, expires=expires)

    def constants(self) -> Mapping[str, Any]:
        return {"expiration": self.expires}

    def symbols(self) -> Mapping[str, TExpr]:
        return {"expiration": self.expiration} if reads_parameters(self.expiration) else {}


@kind("conventions", "the date and deadline conventions the text leaves open", singleton=True,
      required=ALL_AWARDS, phase=3)
class Conventions(Clause):
    missing_day: Word[MissingDay] = key(Choice(MissingDay), required=True,
                                        doc="where `date + N months` lands when that day does not exist in the "
                                            "month")
    until: Word[Inclusivity] = key(Choice(Inclusivity), required=True,
                                   doc="whether an `exercisable_until` date is itself a day exercise is allowed")
