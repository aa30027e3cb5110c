"""Rights that run for a time: the company's right to buy shares back, and deadlines (windows) that act when they
pass."""

from __future__ import annotations

from typing import Self

from optionrules import ast
from optionrules.expressions import TExpr
from optionrules.figures import AwardType
from optionrules.kinds.base import Clause, Reading, Triggered, key, kind
from optionrules.kinds.readers import Choice, Constant, EventName, Expression, Reader, TriggerAttribute
from optionrules.kinds.words import Passing
from optionrules.model import Word
from optionrules.records import record
from optionrules.types import DATE, DURATION, ERROR, MONEY, NUMBER
from optionrules.values import Duration

_BOUGHT_BACK = frozenset({AwardType.OPTION, AwardType.RESTRICTED_STOCK})


@kind("repurchase", "the company's right to buy back the shares it has not released: the event that buys them, how "
                    "many, at what price", singleton=True, trigger=True, awards=_BOUGHT_BACK,
      required=frozenset({AwardType.RESTRICTED_STOCK}))
class RepurchaseRight(Triggered):
    shares: str = key(TriggerAttribute(), required=True, doc="the event's attribute: how many shares it buys back")
    price: TExpr = key(Expression(MONEY), required=True,
                       doc="the price of a share, e.g. lower_of(purchase_price, repurchase.fmv)")

    def validate(self, reading: Reading) -> Self | None:
        attribute = reading.model.events[self.event].attrs[self.shares]
        if attribute.type not in (NUMBER, ERROR):
            reading.error(f"`shares` must be an attribute of type shares, not {attribute.declared}",
                          reading.clause.entry("shares"))
            return None
        return self


@record(eq=False)
class Opening:
    """What opens a window: each tranche as it vests, an event (each time it happens), or a date."""

    vesting: bool = False
    event: str | None = None
    date: TExpr | None = None  # a constant date


class OpeningReader(Reader[Opening]):
    shape = "vesting | an event | a date"

    def read_one(self, node: ast.Value, key: str, cx: Reading) -> Opening | None:
        if isinstance(node, ast.Name) and node.id == "vesting":
            return Opening(vesting=True)
        if isinstance(node, ast.Name) and node.id in cx.model.events:
            return Opening(event=node.id)
        if cx.constant(node, DATE, f"`{key}`") is None:
            return None
        expr = cx.typer().expect(node, DATE, f"`{key}`")
        return Opening(date=expr) if expr is not None else None


@kind("deadline", "a window for an event, opened by vesting, by an event or on a date, and what its passing does "
                  "when the event has not come", named=True)
class Deadline(Clause):
    opens: Opening = key(OpeningReader(), required=True,
                         doc="vesting (a window for each tranche as it vests), an event, or a date")
    within: Duration = key(Constant(DURATION), name="lasts", required=True,
                           doc="the window's length: its last day is the day it opens plus this")
    waits_for: str = key(EventName(), name="for", required=True, doc="the event that must or may come in it")
    passing: Word[Passing] = key(Choice(Passing), required=True,
                                 doc="overdue: it is reported, nothing is lost; release: the shares still subject to "
                                     "repurchase are released; forfeit: what has not vested is forfeited; expire: "
                                     "the option cannot be exercised after it")

    def validate(self, reading: Reading) -> Self | None:
        if self.within.months < 0 or self.within.days < 0:
            reading.error("`lasts` cannot be negative", reading.node("lasts"))
            return None
        if self.opens.vesting and reading.model.award is not AwardType.RSU:
            reading.error("`opens: vesting` is for units that settle after they vest (award: rsu)",
                          reading.node("opens"))
            return None
        return self
