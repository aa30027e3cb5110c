"""The types of the language's expressions, and the types an event attribute may be declared with."""

from __future__ import annotations

from enum import Enum
from typing import assert_never

from optionrules.records import record


class TypeKind(Enum):
    DATE = "date"
    DURATION = "duration"
    NUMBER = "number"
    MONEY = "money"
    PERCENT = "percent"
    BOOL = "bool"
    TEXT = "text"
    ENUM = "enum"  # a member of the enumeration `name`
    EVENT = "event"  # the event `name`: its date where a date is wanted
    ASSUMPTION = "assumption"  # the reading taken of the assumption `name`
    ERROR = "error"  # of a name whose definition was in error, and reported: nothing more is said of it
    UNDEFINED = "undefined"  # of a grant or term field, before the clause that defines it


@record
class Type:
    """The type of an expression: a kind, and for enums, events and assumptions a name."""

    kind: TypeKind
    name: str | None = None

    def __str__(self) -> str:
        match self.kind:
            case TypeKind.ENUM:
                return f"a {self.name}"
            case TypeKind.EVENT:
                return f"the event {self.name}"
            case TypeKind.ASSUMPTION:
                return f"a reading of {self.name}"
            case TypeKind.DATE:
                return "a date"
            case TypeKind.DURATION:
                return "a duration"
            case TypeKind.NUMBER:
                return "a number"
            case TypeKind.MONEY:
                return "an amount of money"
            case TypeKind.PERCENT:
                return "a percentage"
            case TypeKind.BOOL:
                return "a condition"
            case TypeKind.TEXT:
                return "a text"
            case TypeKind.ERROR:
                return "a value in error"
            case TypeKind.UNDEFINED:
                return "not defined yet"
            case _:
                assert_never(self.kind)

    @property
    def datelike(self) -> bool:
        """A date, or an event standing for its date."""
        return self.kind in (TypeKind.DATE, TypeKind.EVENT)


DATE = Type(TypeKind.DATE)
DURATION = Type(TypeKind.DURATION)
NUMBER = Type(TypeKind.NUMBER)
MONEY = Type(TypeKind.MONEY)
PERCENT = Type(TypeKind.PERCENT)
BOOL = Type(TypeKind.BOOL)
TEXT = Type(TypeKind.TEXT)
ERROR = Type(TypeKind.ERROR)
UNDEFINED = Type(TypeKind.UNDEFINED)

# The types an event attribute or a form parameter may be declared with, beside the contract's enums.
ATTRIBUTE_TYPES = {
    "shares": NUMBER,  # a count of shares, not negative (may be fractional: a violation, not an error)
    "int": NUMBER,  # a whole number
    "days": DURATION,  # a whole number of days, not negative
    "text": TEXT,
    "date": DATE,
    "money": MONEY,
    "bool": BOOL,  # true or false
}
