"""Expressions: the typed tree, and the typer that binds names and builds it from the syntax tree.

The checker types every expression of a clause into a `TExpr`: each node carries its type, each
name what it refers to, and the syntax node it came from (to quote it in explanations). The folding
pass (`fold.py`) and the compiler (`compile.py`) read typed trees only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from enum import Enum, StrEnum
from typing import Any, Union, assert_never, get_args

from optionrules import ast
from optionrules.errors import did_you_mean
from optionrules.figures import BY_NAME as FIGURES
from optionrules.figures import AwardType
from optionrules.records import record
from optionrules.types import BOOL, DATE, DURATION, ERROR, MONEY, NUMBER, PERCENT, TEXT, UNDEFINED, Type, TypeKind
from optionrules.values import UNITS, Duration

# ---- The typed tree ----------------------------------------------------------------------------------


class RefKind(Enum):
    ATTRIBUTE = "attribute"  # an attribute of the triggering event
    EARLIER = "earlier"  # an attribute of the last earlier event of a name (none if it has not happened)
    EVENT = "event"  # a declared event: its date (the triggering event's own, or its last occurrence)
    FIGURE = "figure"  # a figure of the evaluation on the event's date
    ASSUMPTION = "assumption"  # the reading taken of an assumption
    PARAMETER = "parameter"  # a form's parameter, known once a grant gives its value


class ArithOp(StrEnum):
    ADD = "+"
    SUBTRACT = "-"
    MULTIPLY = "*"
    DIVIDE = "/"


class CompareOp(StrEnum):
    EQ = "="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="


class LogicOp(StrEnum):
    AND = "and"
    OR = "or"


class Side(StrEnum):
    OF = "of"
    AFTER = "after"
    BEFORE = "before"


class Function(StrEnum):
    LATER_OF = "later_of"
    EARLIER_OF = "earlier_of"
    HIGHER_OF = "higher_of"
    LOWER_OF = "lower_of"
    WHOLE = "whole"


FUNCTIONS = {
    Function.LATER_OF: "later_of(date, date, ...): the latest of the dates",
    Function.EARLIER_OF: "earlier_of(date, date, ...): the earliest of the dates",
    Function.HIGHER_OF: "higher_of(amount, amount, ...): the highest of the amounts (numbers, money, percentages)",
    Function.LOWER_OF: "lower_of(amount, amount, ...): the lowest of the amounts (numbers, money, percentages)",
    Function.WHOLE: "whole(number): the number is a whole number",
}


@record(eq=False)
class Const:
    """A value known when the contract is checked: a literal, a grant field, an enum member, a reading."""

    value: Any
    type: Type
    source: ast.Expr


@record(eq=False)
class Ref:
    """A name whose value is known only while a timeline is replayed (or, for an assumption, once a
    reading is chosen)."""

    kind: RefKind
    name: str
    type: Type
    source: ast.Expr
    event: str | None = None  # of an earlier event's attribute: the event


@record(eq=False)
class Arith:
    op: ArithOp
    left: TExpr
    right: TExpr
    type: Type
    source: ast.Expr


@record(eq=False)
class Negate:
    operand: TExpr
    type: Type
    source: ast.Expr


@record(eq=False)
class Compare:
    op: CompareOp
    left: TExpr
    right: TExpr
    source: ast.Expr
    type: Type = BOOL


@record(eq=False)
class Logic:
    op: LogicOp
    operands: tuple[TExpr, ...]
    source: ast.Expr
    type: Type = BOOL


@record(eq=False)
class Not:
    operand: TExpr
    source: ast.Expr
    type: Type = BOOL


@record(eq=False)
class Member:
    """`value in {a, b}`: the options are constants."""

    value: TExpr
    options: frozenset[Any]
    negated: bool
    source: ast.Expr
    type: Type = BOOL


@record(eq=False)
class Order:
    """`a before b`, `a after b`: an event stands for each of its occurrences."""

    before: bool
    left: TExpr
    right: TExpr
    source: ast.Expr
    type: Type = BOOL


@record(eq=False)
class Within:
    left: TExpr
    window: TExpr
    side: Side
    right: TExpr
    source: ast.Expr
    type: Type = BOOL


@record(eq=False)
class Call:
    function: Function
    args: tuple[TExpr, ...]
    type: Type
    source: ast.Expr


TExpr = Union[Const, Ref, Arith, Negate, Compare, Logic, Not, Member, Order, Within, Call]
EXPRESSIONS = get_args(TExpr)


def _words(words: tuple[str, ...]) -> str:
    return " ".join(f"`{w}`" for w in words)


REFERENCES = {
    RefKind.ATTRIBUTE: "an attribute of the event the clause is on (`reason`)",
    RefKind.EARLIER: "an earlier event's attribute (`termination.reason`: the last termination's; none if none)",
    RefKind.EVENT: "an event's date (`termination`: the triggering event's, or its last occurrence)",
    RefKind.FIGURE: "a figure on the event's date (`vested`; in an invariant, on every date)",
    RefKind.ASSUMPTION: "an assumption: the reading taken (`pro_rata_days = inclusive`)",
    RefKind.PARAMETER: "a form's parameter (the value a grant gives)",
}

# How each node of the typed tree is written, for `optionrules kinds` (a test sees that every node has a line,
# and every operator of the grammar is listed).
SYNTAX: dict[type, tuple[str, tuple[str, ...]]] = {
    Const: ("literals", ("dates `2025-01-15`", "durations `30 days`, in " + _words(UNITS) + " (or plural)",
                         "numbers `48,000`, `48_000`, `2.50`; fractions `1/48`; percentages `25%`",
                         "money `USD 0.50`; text `\"...\"`; an enum's member",
                         "the grant's constants (`shares`, `grant_date`, `commencement`, `expiration`, ...)")),
    Ref: ("names", tuple(REFERENCES[kind] for kind in RefKind)),
    Arith: ("arithmetic", (_words(tuple(ArithOp)) + ", exact",
                           "a date plus or minus a duration (`termination + 90 days`)",
                           "sums and products of numbers, money and percentages")),
    Negate: ("negation", ("`-x`",)),
    Compare: ("comparisons", (_words(tuple(CompareOp)) + " between two values of one type",)),
    Logic: ("logic", (_words(tuple(LogicOp)) + " between conditions",)),
    Not: ("not", ("`not CONDITION`",)),
    Member: ("membership", ("`x in {a, b}`, `x not in {a, b}` (the values constants)",)),
    Order: ("order", ("`a before b`, `a after b` (dates; an event stands for each of its occurrences)",)),
    Within: ("within", ("`a within 12 months " + "|".join(tuple(Side)) + " b` (dates)",)),
    Call: ("functions", tuple(FUNCTIONS.values())),
}


def subexpressions(expr: TExpr) -> Iterator[TExpr]:
    """The node and every node under it."""
    stack = [expr]
    while stack:
        node = stack.pop()
        yield node
        match node:
            case Const() | Ref():
                pass
            case Arith() | Compare() | Order():
                stack += (node.left, node.right)
            case Negate() | Not():
                stack.append(node.operand)
            case Logic():
                stack += node.operands
            case Member():
                stack.append(node.value)
            case Within():
                stack += (node.left, node.window, node.right)
            case Call():
                stack += node.args
            case _:
                assert_never(node)


def reads_parameters(expr: TExpr) -> bool:
    """Whether the expression's value depends on a form's parameters."""
    return any(isinstance(node, Ref) and node.kind is RefKind.PARAMETER for node in subexpressions(expr))


def assumptions_in(*exprs: TExpr | None) -> tuple[str, ...]:
    """The assumptions the expressions read, each once, in the order met."""
    names: dict[str, None] = {}
    for expr in exprs:
        if expr is not None:
            for node in subexpressions(expr):
                if isinstance(node, Ref) and node.kind is RefKind.ASSUMPTION:
                    names[node.name] = None
    return tuple(names)


# ---- Binding and typing -------------------------------------------------------------------------------

Report = Callable[[str, Any, "str | None"], None]  # (message, node or span, hint)


@record(eq=False)
class Scope:
    """The names one clause's expressions may use."""

    enums: Mapping[str, tuple[str, ...]]  # enum -> its members
    events: Mapping[str, Mapping[str, Type]]  # event -> its attributes' types
    assumptions: Mapping[str, tuple[str, ...]]  # assumption -> its readings
    constants: Mapping[str, tuple[Type, object]]  # grant and term fields, a form's parameters
    # For a form checked on its own: the constants its parameters give, each as an expression over them (None:
    # the parameter itself); their values in `constants` are sample values.
    symbols: Mapping[str, TExpr | None] = {}
    award: AwardType = AwardType.OPTION  # its figures are those a condition may read
    trigger: str | None = None  # the event the clause is triggered by: its attributes are in scope
    runtime: bool = False  # events and figures may be read (a clause triggered by an event, an invariant)
    silenced: frozenset[str] = frozenset()  # names declared by items that did not parse: already reported


class Typer:
    """Binds names and infers types, building the typed tree; reports every problem."""

    def __init__(self, scope: Scope, report: Report):
        self.scope = scope
        self.report = report

    def error(self, message: str, node: Any, hint: str | None = None) -> None:
        self.report(message, node, hint)

    def expect(self, node: ast.Value, wanted: Type, what: str) -> TExpr | None:
        """Type `node` and report it unless it has the wanted type (events count as dates)."""
        found = self.infer(node, wanted)
        if found is None:
            return None
        if found.type == wanted or (wanted == DATE and found.type.kind is TypeKind.EVENT):
            return found
        hint = "write a unit, e.g. `30 days`" if wanted == DURATION and found.type == NUMBER else None
        self.error(f"{what} must be {wanted}, not {found.type}", node, hint)
        return None

    def infer(self, node: ast.Value, expected: Type | None = None) -> TExpr | None:
        """The typed tree of `node`, or None (reported, or in error already)."""
        match node:
            case ast.Name():
                return self._name(node, expected)
            case ast.Attribute():
                return self._attribute(node)
            case ast.DateLit():
                return Const(node.value, DATE, node)
            case ast.NumberLit():
                return Const(node.value, NUMBER, node)
            case ast.DurationLit():
                return Const(Duration.of(node.amount, node.unit), DURATION, node)
            case ast.PercentLit():
                return Const(node.value, PERCENT, node)
            case ast.MoneyLit():
                if len(node.currency) != 3 or not node.currency.isupper():
                    self.error(f"'{node.currency}' is not a currency code (three capitals, e.g. USD)", node)
                    return None
                return Const(node.amount, MONEY, node)
            case ast.StringLit():
                return Const(node.value, TEXT, node)
            case ast.SetLit():
                self.error("a set {...} can only follow `in`", node)
                return None
            case ast.BinOp():
                return self._arithmetic(node)
            case ast.Minus():
                return self._negate(node)
            case ast.Compare():
                return self._compare(node)
            case ast.Member():
                return self._member(node)
            case ast.Order():
                return self._order(node)
            case ast.Within():
                return self._within(node)
            case ast.BoolOp():
                operands = [self.expect(o, BOOL, f"each side of `{node.op}`") for o in node.operands]
                return Logic(LogicOp(node.op), tuple(operands), node) if _all(operands) else None  # type: ignore[arg-type]
            case ast.Not():
                operand = self.expect(node.operand, BOOL, "the operand of `not`")
                return Not(operand, node) if operand is not None else None
            case ast.Call():
                return self._call(node)
            case ast.ListLit() | ast.Record():
                self.error("a list or record is not an expression here", node)
                return None
            case _:
                assert_never(node)

    # -- names

    def _name(self, node: ast.Name, expected: Type | None) -> TExpr | None:
        name, scope = node.id, self.scope
        if expected is not None and expected.kind is TypeKind.ENUM and name in scope.enums[str(expected.name)]:
            return Const(name, expected, node)
        if expected is not None and expected.kind is TypeKind.ASSUMPTION \
                and name in scope.assumptions[str(expected.name)]:
            return Const(name, expected, node)
        attributes = scope.events[scope.trigger] if scope.trigger is not None else {}
        if name in attributes:
            return Ref(RefKind.ATTRIBUTE, name, attributes[name], node) if attributes[name] != ERROR else None
        if name in scope.symbols and scope.constants[name][0] not in (ERROR, UNDEFINED):
            symbol = scope.symbols[name]
            return Ref(RefKind.PARAMETER, name, scope.constants[name][0], node) if symbol is None else symbol
        if name in scope.constants:
            type_, value = scope.constants[name]
            if type_ == UNDEFINED:
                self.error(f"'{name}' is not known here: the {value} clause does not state it before this one",
                           node)
                return None
            return Const(value, type_, node) if type_ != ERROR else None
        if name in scope.events:
            if not scope.runtime:
                self.error(f"'{name}' is an event; only a clause triggered by an event can refer to events", node)
                return None
            return Ref(RefKind.EVENT, name, Type(TypeKind.EVENT, name), node)
        if name in scope.assumptions:
            return Ref(RefKind.ASSUMPTION, name, Type(TypeKind.ASSUMPTION, name), node)
        if name in FIGURES and scope.award not in FIGURES[name].awards:
            awards = ", ".join(sorted(FIGURES[name].awards))
            self.error(f"'{name}' is not a figure of {_a(scope.award)} (it is one of: {awards})", node)
            return None
        if name in FIGURES:
            if not scope.runtime:
                self.error(f"'{name}' is a figure of the evaluation; only a clause triggered by an event "
                           "can read it", node)
                return None
            return Ref(RefKind.FIGURE, name, FIGURES[name].type, node)
        if name in scope.silenced:
            return None
        if expected is not None and expected.kind is TypeKind.ENUM:
            members = scope.enums[str(expected.name)]
            self.error(f"'{name}' is not a {expected.name} (one of: {', '.join(members)})", node,
                       did_you_mean(name, members))
            return None
        self.error(f"undefined name '{name}'", node, did_you_mean(name, self._visible_names()))
        return None

    def _visible_names(self) -> list[str]:
        scope = self.scope
        names = list(scope.constants) + list(scope.assumptions)
        if scope.trigger is not None:
            names += list(scope.events[scope.trigger])
        if scope.runtime:
            names += list(scope.events) + list(FIGURES)
        return names

    def _attribute(self, node: ast.Attribute) -> TExpr | None:
        base = self.infer(node.value)
        if base is None:
            return None
        if base.type.kind is not TypeKind.EVENT or not isinstance(base, Ref):
            self.error(f"{base.type} has no attribute '{node.attr}'", node)
            return None
        if node.attr == "date":
            return Ref(RefKind.EVENT, base.name, DATE, node)  # the date of its (last) occurrence
        attributes = self.scope.events[base.name]
        if node.attr not in attributes:
            self.error(f"the event {base.name} has no attribute '{node.attr}'", node,
                       did_you_mean(node.attr, [*attributes, "date"]))
            return None
        type_ = attributes[node.attr]
        if type_ == ERROR:
            return None
        if self.scope.trigger != base.name:  # the last earlier one's
            return Ref(RefKind.EARLIER, node.attr, type_, node, event=base.name)
        return Ref(RefKind.ATTRIBUTE, node.attr, type_, node)

    # -- arithmetic

    def _arithmetic(self, node: ast.BinOp) -> TExpr | None:
        left, right = self.infer(node.left), self.infer(node.right)
        if left is None or right is None:
            return None
        kinds = (_arithmetic_kind(left.type), _arithmetic_kind(right.type))
        result = ARITHMETIC.get((ArithOp(node.op), *kinds))
        if result is None:
            hint = "write a unit, e.g. `30 days`" if TypeKind.DATE in kinds and TypeKind.NUMBER in kinds else None
            self.error(f"cannot {_VERBS[node.op]} {left.type} and {right.type}", node, hint)
            return None
        return Arith(ArithOp(node.op), left, right, result, node)

    def _negate(self, node: ast.Minus) -> TExpr | None:
        operand = self.infer(node.operand)
        if operand is None:
            return None
        if operand.type.kind not in (TypeKind.NUMBER, TypeKind.MONEY, TypeKind.DURATION, TypeKind.PERCENT):
            self.error(f"cannot negate {operand.type}", node)
            return None
        return Negate(operand, operand.type, node)

    # -- conditions

    def _pair(self, left: ast.Expr, right: ast.Expr) -> tuple[TExpr | None, TExpr | None]:
        """Type two operands, the bare word after the other (so that enum members and readings resolve)."""
        if self._is_bare_word(left) and not self._is_bare_word(right):
            typed_right = self.infer(right)
            return self.infer(left, typed_right.type if typed_right else None), typed_right
        typed_left = self.infer(left)
        return typed_left, self.infer(right, typed_left.type if typed_left else None)

    def _is_bare_word(self, node: ast.Expr) -> bool:
        if not isinstance(node, ast.Name):
            return False
        scope, name = self.scope, node.id
        return not (name in scope.constants or name in scope.events or name in FIGURES or name in scope.assumptions
                    or (scope.trigger is not None and name in scope.events[scope.trigger]))

    def _compare(self, node: ast.Compare) -> TExpr | None:
        left, right = self._pair(node.left, node.right)
        if left is None or right is None:
            return None
        op = CompareOp(node.op)
        if left.type.datelike and right.type.datelike:
            return Compare(op, left, right, node)
        if left.type != right.type:
            self.error(f"cannot compare {left.type} with {right.type}", node)
            return None
        if op not in (CompareOp.EQ, CompareOp.NE) and left.type.kind not in _ORDERED:
            self.error(f"{left.type} can only be compared with = or !=", node)
            return None
        return Compare(op, left, right, node)

    def _member(self, node: ast.Member) -> TExpr | None:
        value = self.infer(node.value)
        if value is None:
            return None
        if value.type.kind not in (TypeKind.ENUM, TypeKind.TEXT, TypeKind.NUMBER, TypeKind.ASSUMPTION):
            self.error(f"`in` needs a word, text or number on its left, not {value.type}", node.value)
            return None
        options = [self._option(item, value.type) for item in node.options.items]
        if not _all(options):
            return None
        return Member(value, frozenset(o.value for o in options if o is not None), node.negated, node)

    def _option(self, item: ast.Expr, wanted: Type) -> Const | None:
        typed = self.infer(item, wanted)
        if typed is None:
            return None
        if typed.type != wanted:
            self.error(f"{typed.type} cannot be among the values of {wanted}", item)
            return None
        if not isinstance(typed, Const):
            self.error("the values after `in` must be constants", item)
            return None
        return typed

    def _order(self, node: ast.Order) -> TExpr | None:
        left = self.expect(node.left, DATE, "each side of `before`/`after`")
        right = self.expect(node.right, DATE, "each side of `before`/`after`")
        return Order(node.op == "before", left, right, node) if left and right else None

    def _within(self, node: ast.Within) -> TExpr | None:
        left = self.expect(node.left, DATE, "each side of `within`")
        window = self.expect(node.window, DURATION, "the window of `within`")
        right = self.expect(node.right, DATE, "each side of `within`")
        return Within(left, window, Side(node.side), right, node) if left and window and right else None

    def _call(self, node: ast.Call) -> TExpr | None:
        if node.func not in FUNCTIONS:
            if node.func in ("pro_rata", "percent", "next"):
                self.error(f"{node.func}(...) is a value of `vest`, not an expression", node)
            else:
                self.error(f"unknown function '{node.func}'", node, did_you_mean(node.func, FUNCTIONS))
            return None
        function = Function(node.func)
        for arg in node.args:
            if arg.name is not None:
                self.error(f"{node.func}() takes no named arguments", arg)
                return None
        match function:
            case Function.WHOLE:
                if len(node.args) != 1:
                    self.error("whole() takes one number", node)
                    return None
                number = self.expect(node.args[0].value, NUMBER, "the argument of whole()")
                return Call(function, (number,), BOOL, node) if number is not None else None
            case Function.LATER_OF | Function.EARLIER_OF:
                if not node.args:
                    self.error(f"{node.func}() needs at least one date", node)
                    return None
                dates = [self.expect(arg.value, DATE, f"each argument of {node.func}()") for arg in node.args]
                return Call(function, tuple(dates), DATE, node) if _all(dates) else None  # type: ignore[arg-type]
            case Function.HIGHER_OF | Function.LOWER_OF:
                return self._amounts(function, node)
            case _:
                assert_never(function)

    def _amounts(self, function: Function, node: ast.Call) -> TExpr | None:
        """higher_of/lower_of: amounts of one type (numbers, money or percentages)."""
        if not node.args:
            self.error(f"{node.func}() needs at least one amount", node)
            return None
        first = self.infer(node.args[0].value)
        if first is None:
            return None
        if first.type.kind not in _ORDERED:
            self.error(f"{node.func}() takes numbers, money or percentages, not {first.type}", node.args[0])
            return None
        rest = [self.expect(arg.value, first.type, f"each argument of {node.func}()") for arg in node.args[1:]]
        return Call(function, (first, *rest), first.type, node) if _all(rest) else None  # type: ignore[arg-type]


def _a(award: AwardType) -> str:
    return f"an {award}" if str(award)[0] in "aeiou" else f"a {award}"


def _all(typed: list[Any]) -> bool:
    return all(t is not None for t in typed)


_ORDERED = (TypeKind.NUMBER, TypeKind.MONEY, TypeKind.PERCENT)
_VERBS = {"+": "add", "-": "subtract", "*": "multiply", "/": "divide"}


def _arithmetic_kind(type_: Type) -> TypeKind:
    return TypeKind.DATE if type_.datelike else type_.kind


_D, _U, _N, _M, _P = TypeKind.DATE, TypeKind.DURATION, TypeKind.NUMBER, TypeKind.MONEY, TypeKind.PERCENT
_ADD, _SUB, _MUL, _DIV = ArithOp.ADD, ArithOp.SUBTRACT, ArithOp.MULTIPLY, ArithOp.DIVIDE

# (operator, left kind, right kind) -> the result's type; events count as dates.
ARITHMETIC: dict[tuple[ArithOp, TypeKind, TypeKind], Type] = {
    (_ADD, _D, _U): DATE,
    (_ADD, _U, _D): DATE,
    (_ADD, _U, _U): DURATION,
    (_ADD, _N, _N): NUMBER,
    (_ADD, _M, _M): MONEY,
    (_ADD, _P, _P): PERCENT,
    (_SUB, _D, _U): DATE,
    (_SUB, _D, _D): NUMBER,  # days between
    (_SUB, _U, _U): DURATION,
    (_SUB, _N, _N): NUMBER,
    (_SUB, _M, _M): MONEY,
    (_SUB, _P, _P): PERCENT,
    (_MUL, _N, _N): NUMBER,
    (_MUL, _N, _P): NUMBER,
    (_MUL, _P, _N): NUMBER,
    (_MUL, _M, _N): MONEY,
    (_MUL, _N, _M): MONEY,
    (_MUL, _U, _N): DURATION,
    (_MUL, _N, _U): DURATION,
    (_DIV, _N, _N): NUMBER,
    (_DIV, _M, _N): MONEY,
}
