"""Constant folding over the typed tree, and the operations every stage computes with.

What an expression means is written once, here: the checker folds constants and decides conditions
statically with it (which rules can apply to which case of an event); the compiler folds with the
readings chosen and builds its closures from the same operations.

A value is *unknown* where it depends on the timeline (events, figures), on the triggering event's
attributes when they are not given, or on the readings of assumptions when none are chosen. Conditions
are decided in three values: `a and b` is false as soon as one side is, whatever the other.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any, assert_never

import attrs

from optionrules.expressions import (
    Arith,
    ArithOp,
    Call,
    Compare,
    CompareOp,
    Const,
    Function,
    Logic,
    LogicOp,
    Member,
    Negate,
    Not,
    Order,
    Ref,
    RefKind,
    Side,
    TExpr,
    Within,
    subexpressions,
)
from optionrules.records import evolve
from optionrules.types import DURATION, Type
from optionrules.values import Duration, MissingDay, add

# ---- The operations --------------------------------------------------------------------------------


def arithmetic(op: ArithOp, left: Type, right: Type, missing_day: MissingDay) -> Callable[[Any, Any], Any]:
    """The function computing `left op right` for operands of these types (neither None)."""
    match op:
        case ArithOp.ADD if left.datelike and right == DURATION:
            return lambda d, span: add(d, span, missing_day)
        case ArithOp.ADD if left == DURATION and right.datelike:
            return lambda span, d: add(d, span, missing_day)
        case ArithOp.SUBTRACT if left.datelike and right == DURATION:
            return lambda d, span: add(d, -span, missing_day)
        case ArithOp.SUBTRACT if left.datelike and right.datelike:
            return lambda a, b: (a - b).days
        case ArithOp.MULTIPLY if DURATION in (left, right):
            return lambda a, b: a * b if isinstance(a, Duration) else b * a
        case ArithOp.ADD:
            return operator.add
        case ArithOp.SUBTRACT:
            return operator.sub
        case ArithOp.MULTIPLY:
            return _multiply
        case ArithOp.DIVIDE:
            return _divide
        case _:
            assert_never(op)


COMPARE: dict[CompareOp, Callable[[Any, Any], bool]] = {
    CompareOp.EQ: operator.eq, CompareOp.NE: operator.ne, CompareOp.LT: operator.lt, CompareOp.LE: operator.le,
    CompareOp.GT: operator.gt, CompareOp.GE: operator.ge,
}


def ordered(before: bool, lefts: tuple[date, ...], rights: tuple[date, ...]) -> bool:
    """`a before b` (or after): some date standing for a is strictly earlier (later) than some date for b."""
    if before:
        return any(a < b for a in lefts for b in rights)
    return any(a > b for a in lefts for b in rights)


def within(lefts: tuple[date, ...], window: Duration, side: Side, rights: tuple[date, ...],
           missing_day: MissingDay) -> bool:
    """`a within W of|after|before b`, for some date standing for a and some standing for b."""
    for b in rights:
        low = b if side is Side.AFTER else add(b, -window, missing_day)
        high = b if side is Side.BEFORE else add(b, window, missing_day)
        if any(low <= a <= high for a in lefts):
            return True
    return False


def pick_of(function: Function) -> Callable[..., Any]:
    """`max` for later_of and higher_of, `min` for earlier_of and lower_of."""
    return max if function in (Function.LATER_OF, Function.HIGHER_OF) else min


def extreme(function: Function) -> Callable[..., Any]:
    """later_of / earlier_of / higher_of / lower_of: the latest (earliest, highest, lowest) of the values given,
    None when none is."""
    pick = pick_of(function)

    def choose(*values: Any) -> Any:
        if None not in values:
            return pick(values)
        known = [v for v in values if v is not None]
        return pick(known) if known else None

    return choose


def whole(value: Any) -> bool:
    return value is not None and value == int(value)


def _multiply(a: Any, b: Any) -> Any:
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return money(Fraction(a) * Fraction(b))
    return a * b


def _divide(a: Any, b: Any) -> Any:
    if b == 0:
        return None
    quotient = Fraction(a) / Fraction(b)
    return money(quotient) if isinstance(a, Decimal) else quotient


def as_money(value: Decimal | Fraction) -> Decimal:
    """An amount of money as a Decimal: exact where it has a finite decimal expansion, else to Decimal's 28
    significant digits (a price a fraction of a share pays)."""
    if isinstance(value, Decimal):
        return value
    exact = money(value)
    return exact if isinstance(exact, Decimal) else Decimal(value.numerator) / Decimal(value.denominator)


def money(value: Fraction) -> Decimal | Fraction:
    """A Decimal when the amount has a finite decimal expansion; the exact Fraction otherwise."""
    denominator = value.denominator
    for factor in (2, 5):
        while denominator % factor == 0:
            denominator //= factor
    return Decimal(value.numerator) / Decimal(value.denominator) if denominator == 1 else value


# ---- Folding ----------------------------------------------------------------------------------------


class NotConstant(Exception):
    """The expression's value depends on what is not known here."""


@attrs.frozen
class Known:
    """What is known while folding: the readings chosen (None: any), the triggering event's attributes
    (None: any), where `+ N months` lands on a missing day, and a form's parameters (None: any)."""

    readings: Mapping[str, str] | None = None
    attributes: Mapping[str, Any] | None = None
    missing_day: MissingDay = MissingDay.LAST_DAY_OF_MONTH
    parameters: Mapping[str, Any] | None = None


def value(expr: TExpr, known: Known) -> Any:
    """The expression's value; NotConstant if it depends on what is not known."""
    match expr:
        case Const():
            return expr.value
        case Ref():
            return _reference(expr, known)
        case Arith():
            a, b = value(expr.left, known), value(expr.right, known)
            return None if a is None or b is None else \
                arithmetic(expr.op, expr.left.type, expr.right.type, known.missing_day)(a, b)
        case Negate():
            operand = value(expr.operand, known)
            return None if operand is None else -operand
        case Compare():
            a, b = value(expr.left, known), value(expr.right, known)
            return a is not None and b is not None and COMPARE[expr.op](a, b)
        case Logic():
            return _logic(expr, known)
        case Not():
            return not value(expr.operand, known)
        case Member():
            return (value(expr.value, known) in expr.options) != expr.negated
        case Order():
            return ordered(expr.before, _dates(expr.left, known), _dates(expr.right, known))
        case Within():
            return within(_dates(expr.left, known), value(expr.window, known), expr.side, _dates(expr.right, known),
                          known.missing_day)
        case Call():
            args = [value(arg, known) for arg in expr.args]
            return whole(args[0]) if expr.function is Function.WHOLE else extreme(expr.function)(*args)
        case _:
            assert_never(expr)


def _reference(ref: Ref, known: Known) -> Any:
    match ref.kind:
        case RefKind.ASSUMPTION if known.readings is not None:
            return known.readings[ref.name]
        case RefKind.ATTRIBUTE if known.attributes is not None and ref.name in known.attributes:
            return known.attributes[ref.name]
        case RefKind.PARAMETER if known.parameters is not None:
            return known.parameters[ref.name]
        case RefKind.ASSUMPTION | RefKind.ATTRIBUTE | RefKind.EVENT | RefKind.FIGURE | RefKind.PARAMETER \
                | RefKind.EARLIER:
            raise NotConstant(ref.name)
        case _:
            assert_never(ref.kind)


def _logic(expr: Logic, known: Known) -> bool:
    """Three-valued: one deciding operand decides, whatever the unknown ones."""
    deciding = expr.op is LogicOp.OR  # the operand value that decides: True for `or`, False for `and`
    unknown = False
    for operand in expr.operands:
        try:
            if bool(value(operand, known)) is deciding:
                return deciding
        except NotConstant:
            unknown = True
    if unknown:
        raise NotConstant("a condition")
    return not deciding


def _dates(expr: TExpr, known: Known) -> tuple[date, ...]:
    found = value(expr, known)
    return () if found is None else (found,)


def truth(condition: TExpr, known: Known) -> bool | None:
    """The condition's value, or None if it depends on what is not known."""
    try:
        return bool(value(condition, known))
    except NotConstant:
        return None


def fold(expr: TExpr, known: Known) -> TExpr:
    """The expression with every part whose value is known replaced by that value."""
    try:
        return Const(value(expr, known), expr.type, expr.source)
    except NotConstant:
        pass
    match expr:
        case Const() | Ref():
            return expr
        case Arith() | Compare() | Order():
            return evolve(expr, left=fold(expr.left, known), right=fold(expr.right, known))
        case Negate() | Not():
            return evolve(expr, operand=fold(expr.operand, known))
        case Logic():
            return evolve(expr, operands=tuple(fold(o, known) for o in expr.operands))
        case Member():
            return evolve(expr, value=fold(expr.value, known))
        case Within():
            return evolve(expr, left=fold(expr.left, known), window=fold(expr.window, known),
                                right=fold(expr.right, known))
        case Call():
            return evolve(expr, args=tuple(fold(a, known) for a in expr.args))
        case _:
            assert_never(expr)


def divisions_by_zero(expr: TExpr) -> list[Arith]:
    """The divisions whose divisor is known to be zero, whatever the readings and the timeline."""
    found = []
    for node in subexpressions(expr):
        if isinstance(node, Arith) and node.op is ArithOp.DIVIDE:
            try:
                if value(node.right, Known()) == 0:
                    found.append(node)
            except NotConstant:
                pass
    return found
