"""Expressions: name binding and type inference (for the checker), and their
compilation into Python closures (for the evaluation plan).

A compiled expression is a function of an evaluation context (`Context`): the
event being applied, the events seen so far, and the figures on its date.
Expressions without such dependencies are folded into constants.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any, Protocol

from optionrules import ast, printer
from optionrules.errors import Diagnostic, did_you_mean
from optionrules.model import (
    BOOL,
    DATE,
    DURATION,
    ERROR,
    MONEY,
    NUMBER,
    PERCENT,
    TEXT,
    UNDEFINED,
    Binding,
    EventType,
    Model,
    Rule,
    Type,
)
from optionrules.values import Duration, add, shift

# Figures of the evaluation an event-triggered expression may read, on the event's date.
FIGURES: dict[str, Type] = {
    "in_service": BOOL,
    "vested": NUMBER,
    "exercised": NUMBER,
    "exercisable": NUMBER,
    "unvested": NUMBER,
    "forfeited": NUMBER,
    "expired": NUMBER,
    "exercise_deadline": DATE,
    "sale_blocked": BOOL,
}

FUNCTIONS = {
    "later_of": "later_of(date, date, ...): the latest of the dates",
    "earlier_of": "earlier_of(date, date, ...): the earliest of the dates",
    "whole": "whole(number): the number is a whole number",
}


class Context(Protocol):
    """What a compiled expression reads while a timeline is replayed."""

    @property
    def event(self) -> Any: ...

    def occurrences(self, name: str) -> tuple[date, ...]: ...

    def figure(self, name: str) -> Any: ...


Compiled = Callable[[Any], Any]


def _is_datelike(t: Type) -> bool:
    return t.kind in ("date", "event")


# ---- Binding and typing ---------------------------------------------------------------------


class Scope:
    """The names one clause's expressions may use."""

    def __init__(self, model: Model, constants: dict[str, tuple[Type, object]],
                 trigger: EventType | None = None, runtime: bool = False, silenced: frozenset[str] = frozenset()):
        self.model = model
        self.constants = constants
        self.trigger = trigger
        self.runtime = runtime
        self.silenced = silenced  # names declared by items that did not parse: already reported


class Typer:
    """Binds names and infers types, recording both in the model; reports problems."""

    def __init__(self, scope: Scope, diagnostics: list[Diagnostic]):
        self.scope = scope
        self.model = scope.model
        self.diagnostics = diagnostics

    def error(self, message: str, node: Any, hint: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(message, node.span, hint=hint))

    def infer(self, node: Any, expected: Type | None = None) -> Type | None:
        method = getattr(self, f"_infer_{type(node).__name__}", None)
        if method is None:
            self.error("a list or record is not an expression here", node)
            return None
        result: Type | None = method(node, expected)
        if result == ERROR:
            return None  # the definition behind it is in error, and was reported
        if result is not None:
            self.model.types[id(node)] = result
        return result

    def expect(self, node: Any, wanted: Type, what: str) -> Type | None:
        """Infer `node` and report it unless it has the wanted type (events count as dates)."""
        found = self.infer(node, wanted)
        if found is None:
            return None
        if found == wanted or (wanted == DATE and found.kind == "event"):
            return found
        hint = "write a unit, e.g. `30 days`" if wanted == DURATION and found == NUMBER else None
        self.error(f"{what} must be {wanted}, not {found}", node, hint)
        return None

    # -- names

    def _bind(self, node: ast.Name, binding: Binding, type_: Type) -> Type:
        self.model.bindings[node] = binding
        return type_

    def _infer_Name(self, node: ast.Name, expected: Type | None) -> Type | None:
        name, scope, model = node.id, self.scope, self.model
        if expected is not None and expected.kind == "enum" and name in model.enums[str(expected.name)].members:
            return self._bind(node, Binding("member", name, name), expected)
        if expected is not None and expected.kind == "assumption":
            readings = model.assumptions[str(expected.name)].readings
            if name in readings:
                return self._bind(node, Binding("member", name, name), expected)
        if scope.trigger is not None and name in scope.trigger.attrs:
            return self._bind(node, Binding("trigger_attr", name), scope.trigger.attrs[name].type)
        if name in scope.constants:
            type_, value = scope.constants[name]
            if type_ == UNDEFINED:
                self.error(f"'{name}' cannot be used here: the {value} clause defines it, after this one", node)
                return None
            return self._bind(node, Binding("constant", name, value), type_)
        if name in model.events:
            if not scope.runtime:
                self.error(f"'{name}' is an event; only a clause triggered by an event can refer to events", node)
                return None
            return self._bind(node, Binding("event", name), Type("event", name))
        if name in model.assumptions:
            return self._bind(node, Binding("assumption", name), Type("assumption", name))
        if name in FIGURES:
            if not scope.runtime:
                self.error(f"'{name}' is a figure of the evaluation; only a clause triggered by an event "
                           "can read it", node)
                return None
            return self._bind(node, Binding("figure", name), FIGURES[name])
        if name in scope.silenced:
            return None
        if expected is not None and expected.kind == "enum":
            enum = model.enums[str(expected.name)]
            self.error(f"'{name}' is not a {enum.name} (one of: {', '.join(enum.members)})", node,
                       did_you_mean(name, enum.members))
            return None
        self.error(f"undefined name '{name}'", node, did_you_mean(name, self._visible_names()))
        return None

    def _visible_names(self) -> list[str]:
        names = list(self.scope.constants) + list(self.model.assumptions)
        if self.scope.trigger is not None:
            names += list(self.scope.trigger.attrs)
        if self.scope.runtime:
            names += list(self.model.events) + list(FIGURES)
        return names

    def _infer_Attribute(self, node: ast.Attribute, expected: Type | None) -> Type | None:
        base = self.infer(node.value)
        if base is None:
            return None
        if base.kind != "event":
            self.error(f"{base} has no attribute '{node.attr}'", node)
            return None
        if node.attr == "date":
            return DATE
        event = self.model.events[str(base.name)]
        if node.attr not in event.attrs:
            self.error(f"the event {event.name} has no attribute '{node.attr}'", node,
                       did_you_mean(node.attr, [*event.attrs, "date"]))
            return None
        if self.scope.trigger is None or self.scope.trigger.name != event.name:
            self.error(f"only the triggering event's attributes can be read here, not {event.name}'s", node)
            return None
        return event.attrs[node.attr].type

    # -- literals

    def _infer_DateLit(self, node: ast.DateLit, expected: Type | None) -> Type:
        return DATE

    def _infer_NumberLit(self, node: ast.NumberLit, expected: Type | None) -> Type:
        return NUMBER

    def _infer_DurationLit(self, node: ast.DurationLit, expected: Type | None) -> Type:
        return DURATION

    def _infer_PercentLit(self, node: ast.PercentLit, expected: Type | None) -> Type:
        return PERCENT

    def _infer_MoneyLit(self, node: ast.MoneyLit, expected: Type | None) -> Type | None:
        if len(node.currency) != 3 or not node.currency.isupper():
            self.error(f"'{node.currency}' is not a currency code (three capitals, e.g. USD)", node)
            return None
        return MONEY

    def _infer_StringLit(self, node: ast.StringLit, expected: Type | None) -> Type:
        return TEXT

    def _infer_SetLit(self, node: ast.SetLit, expected: Type | None) -> None:
        self.error("a set {...} can only follow `in`", node)

    # -- arithmetic

    def _infer_BinOp(self, node: ast.BinOp, expected: Type | None) -> Type | None:
        left, right = self.infer(node.left), self.infer(node.right)
        if left is None or right is None:
            return None
        kinds = ("date" if _is_datelike(left) else left.kind, "date" if _is_datelike(right) else right.kind)
        result = _ARITHMETIC.get((node.op, *kinds))
        if result is None:
            hint = "write a unit, e.g. `30 days`" if "date" in kinds and "number" in kinds else None
            self.error(f"cannot {_VERBS[node.op]} {left} and {right}", node, hint)
        return result

    def _infer_Minus(self, node: ast.Minus, expected: Type | None) -> Type | None:
        operand = self.infer(node.operand)
        if operand is not None and operand.kind not in ("number", "money", "duration", "percent"):
            self.error(f"cannot negate {operand}", node)
            return None
        return operand

    # -- conditions

    def _infer_pair(self, left: Any, right: Any) -> tuple[Type | None, Type | None]:
        """Infer two operands, the bare word after the other (so enum members resolve)."""
        if isinstance(left, ast.Name) and self._is_bare_word(left) and not self._is_bare_word(right):
            right_type = self.infer(right)
            return self.infer(left, right_type), right_type
        left_type = self.infer(left)
        return left_type, self.infer(right, left_type)

    def _is_bare_word(self, node: Any) -> bool:
        if not isinstance(node, ast.Name):
            return False
        scope = self.scope
        return not (node.id in scope.constants or node.id in self.model.events or node.id in FIGURES
                    or node.id in self.model.assumptions
                    or (scope.trigger is not None and node.id in scope.trigger.attrs))

    def _infer_Compare(self, node: ast.Compare, expected: Type | None) -> Type | None:
        left, right = self._infer_pair(node.left, node.right)
        if left is None or right is None:
            return None
        if _is_datelike(left) and _is_datelike(right):
            return BOOL
        if left != right:
            self.error(f"cannot compare {left} with {right}", node)
            return None
        if node.op not in ("=", "!=") and left.kind not in ("number", "money", "percent"):
            self.error(f"{left} can only be compared with = or !=", node)
            return None
        return BOOL

    def _infer_Member(self, node: ast.Member, expected: Type | None) -> Type | None:
        value = self.infer(node.value)
        if value is None:
            return None
        if value.kind not in ("enum", "text", "number", "assumption"):
            self.error(f"`in` needs a word, text or number on its left, not {value}", node.value)
            return None
        ok = True
        for item in node.options.items:
            item_type = self.infer(item, value)
            if item_type is not None and item_type != value:
                self.error(f"{item_type} cannot be among the values of {value}", item)
                ok = False
            ok = ok and item_type is not None
        return BOOL if ok else None

    def _infer_Order(self, node: ast.Order, expected: Type | None) -> Type | None:
        left, right = self.expect(node.left, DATE, "each side of `before`/`after`"), \
            self.expect(node.right, DATE, "each side of `before`/`after`")
        return BOOL if left and right else None

    def _infer_Within(self, node: ast.Within, expected: Type | None) -> Type | None:
        left = self.expect(node.left, DATE, "each side of `within`")
        window = self.expect(node.window, DURATION, "the window of `within`")
        right = self.expect(node.right, DATE, "each side of `within`")
        return BOOL if left and window and right else None

    def _infer_BoolOp(self, node: ast.BoolOp, expected: Type | None) -> Type | None:
        results = [self.expect(operand, BOOL, f"each side of `{node.op}`") for operand in node.operands]
        return BOOL if all(results) else None

    def _infer_Not(self, node: ast.Not, expected: Type | None) -> Type | None:
        return BOOL if self.expect(node.operand, BOOL, "the operand of `not`") else None

    def _infer_Call(self, node: ast.Call, expected: Type | None) -> Type | None:
        if node.func not in FUNCTIONS:
            hint = did_you_mean(node.func, FUNCTIONS)
            if node.func == "pro_rata":
                self.error("pro_rata(...) is a value of `vest`, not an expression", node)
            else:
                self.error(f"unknown function '{node.func}'", node, hint)
            return None
        for arg in node.args:
            if arg.name is not None:
                self.error(f"{node.func}() takes no named arguments", arg)
                return None
        if node.func == "whole":
            if len(node.args) != 1:
                self.error("whole() takes one number", node)
                return None
            return BOOL if self.expect(node.args[0].value, NUMBER, "the argument of whole()") else None
        if not node.args:
            self.error(f"{node.func}() needs at least one date", node)
            return None
        results = [self.expect(arg.value, DATE, f"each argument of {node.func}()") for arg in node.args]
        return DATE if all(results) else None


_VERBS = {"+": "add", "-": "subtract", "*": "multiply", "/": "divide"}

# (operator, left kind, right kind) -> result type; events count as dates.
_ARITHMETIC: dict[tuple[str, str, str], Type] = {
    ("+", "date", "duration"): DATE,
    ("+", "duration", "date"): DATE,
    ("+", "duration", "duration"): DURATION,
    ("+", "number", "number"): NUMBER,
    ("+", "money", "money"): MONEY,
    ("+", "percent", "percent"): PERCENT,
    ("-", "date", "duration"): DATE,
    ("-", "date", "date"): NUMBER,  # days between
    ("-", "duration", "duration"): DURATION,
    ("-", "number", "number"): NUMBER,
    ("-", "money", "money"): MONEY,
    ("-", "percent", "percent"): PERCENT,
    ("*", "number", "number"): NUMBER,
    ("*", "number", "percent"): NUMBER,
    ("*", "percent", "number"): NUMBER,
    ("*", "money", "number"): MONEY,
    ("*", "number", "money"): MONEY,
    ("*", "duration", "number"): DURATION,
    ("*", "number", "duration"): DURATION,
    ("/", "number", "number"): NUMBER,
    ("/", "money", "number"): MONEY,
}


# ---- Compilation to closures ---------------------------------------------------------------


class Compiler:
    """Turns typed expressions into closures over an evaluation context."""

    def __init__(self, model: Model, readings: dict[str, str], missing_day: str, trigger: str | None = None):
        self.model = model
        self.readings = readings
        self.missing_day = missing_day
        self.trigger = trigger

    def compile(self, node: Any) -> Compiled:
        return self._compile(node)[0]  # a constant part is already folded into its value

    def constant(self, node: Any) -> Any:
        fn, constant = self._compile(node)
        if not constant:
            raise ValueError("not a constant expression")
        return fn(None)

    def _compile(self, node: Any) -> tuple[Compiled, bool]:
        result: tuple[Compiled, bool] = getattr(self, f"_c_{type(node).__name__}")(node)
        return result

    def _fold(self, fn: Compiled, *parts: tuple[Compiled, bool]) -> tuple[Compiled, bool]:
        if all(constant for _, constant in parts):
            value = fn(None)
            return (lambda ctx: value), True
        return fn, False

    # -- names and literals

    def _c_Name(self, node: ast.Name) -> tuple[Compiled, bool]:
        binding = self.model.bindings[node]
        kind, name = binding.kind, binding.name
        if kind in ("constant", "member"):
            value = binding.value
            return (lambda ctx: value), True
        if kind == "assumption":
            reading = self.readings[name]
            return (lambda ctx: reading), True
        if kind == "trigger_attr":
            return (lambda ctx: ctx.event.attrs[name]), False
        if kind == "figure":
            return (lambda ctx: ctx.figure(name)), False
        if name == self.trigger:
            return (lambda ctx: ctx.event.date), False
        return (lambda ctx: _last(ctx.occurrences(name))), False

    def _c_Attribute(self, node: ast.Attribute) -> tuple[Compiled, bool]:
        if node.attr == "date":
            return self._compile(node.value)
        attr = node.attr
        return (lambda ctx: ctx.event.attrs[attr]), False

    def _literal(self, value: Any) -> tuple[Compiled, bool]:
        return (lambda ctx: value), True

    def _c_DateLit(self, node: ast.DateLit) -> tuple[Compiled, bool]:
        return self._literal(node.value)

    def _c_NumberLit(self, node: ast.NumberLit) -> tuple[Compiled, bool]:
        return self._literal(node.value)

    def _c_DurationLit(self, node: ast.DurationLit) -> tuple[Compiled, bool]:
        return self._literal(Duration.of(node.amount, node.unit))

    def _c_PercentLit(self, node: ast.PercentLit) -> tuple[Compiled, bool]:
        return self._literal(node.value)

    def _c_MoneyLit(self, node: ast.MoneyLit) -> tuple[Compiled, bool]:
        return self._literal(node.amount)

    def _c_StringLit(self, node: ast.StringLit) -> tuple[Compiled, bool]:
        return self._literal(node.value)

    # -- arithmetic

    def _c_BinOp(self, node: ast.BinOp) -> tuple[Compiled, bool]:
        left, right = self._compile(node.left), self._compile(node.right)
        if right[1] and not left[1] and node.op in "+-" and self.model.types[id(node.right)] == DURATION:
            return self._shift(left[0], right[0](None) if node.op == "+" else -right[0](None)), False
        op = self._arithmetic(node)
        fl, fr = left[0], right[0]

        def apply(ctx: Any) -> Any:
            a, b = fl(ctx), fr(ctx)
            return None if a is None or b is None else op(a, b)

        return self._fold(apply, left, right)

    def _shift(self, f: Compiled, span: Duration) -> Compiled:
        """`date + 30 days` with the duration known now."""
        missing_day = self.missing_day
        if span.months == 0 and abs(span.days) <= _MAX_DAYS:
            days = timedelta(days=span.days)

            def plus(ctx: Any) -> date | None:
                d = f(ctx)
                if d is None:
                    return None
                try:
                    return d + days  # type: ignore[no-any-return]
                except OverflowError:
                    return shift(d, span.days)

            return plus
        return lambda ctx: None if (d := f(ctx)) is None else add(d, span, missing_day)

    def _arithmetic(self, node: ast.BinOp) -> Callable[[Any, Any], Any]:
        left = self.model.types[id(node.left)]
        right = self.model.types[id(node.right)]
        missing_day = self.missing_day
        if node.op == "+" and _is_datelike(left) and right == DURATION:
            return lambda d, span: add(d, span, missing_day)
        if node.op == "+" and left == DURATION and _is_datelike(right):
            return lambda span, d: add(d, span, missing_day)
        if node.op == "-" and _is_datelike(left) and right == DURATION:
            return lambda d, span: add(d, -span, missing_day)
        if node.op == "-" and _is_datelike(left) and _is_datelike(right):
            return lambda a, b: (a - b).days
        if node.op == "*" and DURATION in (left, right):
            return lambda a, b: a * b if isinstance(a, Duration) else b * a
        if node.op == "/":
            return _divide
        return {"+": operator.add, "-": operator.sub, "*": _multiply}[node.op]

    def _c_Minus(self, node: ast.Minus) -> tuple[Compiled, bool]:
        operand = self._compile(node.operand)
        f = operand[0]
        return self._fold(lambda ctx: None if (v := f(ctx)) is None else -v, operand)

    # -- conditions

    def _c_Compare(self, node: ast.Compare) -> tuple[Compiled, bool]:
        left, right = self._compile(node.left), self._compile(node.right)
        op = _COMPARE[node.op]
        fl, fr = left[0], right[0]

        def apply(ctx: Any) -> bool:
            a, b = fl(ctx), fr(ctx)
            return a is not None and b is not None and op(a, b)

        return self._fold(apply, left, right)

    def _c_Member(self, node: ast.Member) -> tuple[Compiled, bool]:
        value = self._compile(node.value)
        options = frozenset(self.constant(item) for item in node.options.items)
        f, negated = value[0], node.negated
        return self._fold(lambda ctx: (f(ctx) in options) != negated, value)

    def _dates(self, node: Any) -> tuple[Callable[[Any], tuple[date, ...]], bool]:
        """An operand of before/after/within: every date it may stand for (an event: each occurrence)."""
        binding = self.model.bindings.get(node) if isinstance(node, ast.Name) else None
        if binding is not None and binding.kind == "event" and binding.name != self.trigger:
            name = binding.name
            return (lambda ctx: ctx.occurrences(name)), False
        f, constant = self._compile(node)
        return (lambda ctx: () if (v := f(ctx)) is None else (v,)), constant

    def _c_Order(self, node: ast.Order) -> tuple[Compiled, bool]:
        left, right = self._dates(node.left), self._dates(node.right)
        fl, fr = left[0], right[0]
        if node.op == "before":
            return self._fold(lambda ctx: any(a < b for a in fl(ctx) for b in fr(ctx)), left, right)
        return self._fold(lambda ctx: any(a > b for a in fl(ctx) for b in fr(ctx)), left, right)

    def _c_Within(self, node: ast.Within) -> tuple[Compiled, bool]:
        left, right, window = self._dates(node.left), self._dates(node.right), self._compile(node.window)
        fl, fr, fw = left[0], right[0], window[0]
        missing_day, side = self.missing_day, node.side

        def within(ctx: Any) -> bool:
            span = fw(ctx)
            for b in fr(ctx):
                low = b if side == "after" else add(b, -span, missing_day)
                high = b if side == "before" else add(b, span, missing_day)
                if any(low <= a <= high for a in fl(ctx)):
                    return True
            return False

        return self._fold(within, left, right, window)

    def _c_BoolOp(self, node: ast.BoolOp) -> tuple[Compiled, bool]:
        parts = [self._compile(operand) for operand in node.operands]
        fns = [f for f, _ in parts]
        wanted = node.op == "or"  # the operand value that decides: True for `or`, False for `and`

        def decide(ctx: Any) -> bool:
            for f in fns:
                if bool(f(ctx)) is wanted:
                    return wanted
            return not wanted

        return self._fold(decide, *parts)

    def _c_Not(self, node: ast.Not) -> tuple[Compiled, bool]:
        operand = self._compile(node.operand)
        f = operand[0]
        return self._fold(lambda ctx: not f(ctx), operand)

    def _c_Call(self, node: ast.Call) -> tuple[Compiled, bool]:
        parts = [self._compile(arg.value) for arg in node.args]
        if node.func == "whole":
            f = parts[0][0]
            return self._fold(lambda ctx: (v := f(ctx)) is not None and v == int(v), *parts)
        return self._fold(self._extreme(max if node.func == "later_of" else min, parts), *parts)

    @staticmethod
    def _extreme(pick: Callable[..., Any], parts: list[tuple[Compiled, bool]]) -> Compiled:
        """later_of/earlier_of: the constant arguments folded into one, the others read each time."""
        constants = [v for v in (f(None) for f, constant in parts if constant) if v is not None]
        bound = pick(constants) if constants else None
        dynamic = [f for f, constant in parts if not constant]

        def extreme(ctx: Any) -> Any:
            best = bound
            for f in dynamic:
                value = f(ctx)
                if value is not None and (best is None or pick(value, best) is value):
                    best = value
            return best

        return extreme


def describe(compiler: Compiler, node: Any, ctx: Any) -> str:
    """The expression, the values of its parts, and its value:
    `later_of(start + 2 years, termination + 30 days) = later_of(2026-01-01, 2025-04-14) = 2026-01-01`."""
    source, result = printer.expression(node), printer.show_value(compiler.compile(node)(ctx))
    if isinstance(node, ast.Call):
        args = ", ".join(printer.show_value(compiler.compile(a.value)(ctx)) for a in node.args)
        return f"{source} = {node.func}({args}) = {result}"
    if isinstance(node, ast.BinOp):
        left = printer.show_value(compiler.compile(node.left)(ctx))
        right = printer.show_value(compiler.compile(node.right)(ctx))
        return f"{source} = {left} {node.op} {right} = {result}"
    return source if source == result else f"{source} = {result}"


def rule_condition(compiler: Compiler, rule: Rule) -> Compiled | None:
    """The rule's condition, and that none of its exceptions (an agreement's overrides) holds."""
    base = compiler.compile(rule.condition) if rule.condition is not None else None
    exceptions = [compiler.compile(e) for e in rule.exceptions]
    if not exceptions:
        return base

    def applies(ctx: Any) -> bool:
        return (base is None or bool(base(ctx))) and not any(e(ctx) for e in exceptions)

    return applies


_MAX_DAYS = (date.max - date.min).days


class _Dynamic(Exception):
    """The expression reads more than the event's own attributes."""


class _AttributesOnly:
    """A context that knows only an event's attributes: enough to decide some conditions statically."""

    def __init__(self, values: dict[str, Any]):
        self.attrs = values
        self.event = self

    @property
    def date(self) -> Any:
        raise _Dynamic

    def occurrences(self, name: str) -> Any:
        raise _Dynamic

    def figure(self, name: str) -> Any:
        raise _Dynamic


def static_truth(condition: Compiled, values: dict[str, Any]) -> bool | None:
    """The condition's value for any event with these attribute values, or None if it depends on more."""
    try:
        return bool(condition(_AttributesOnly(values)))
    except (_Dynamic, KeyError):
        return None


def _last(dates: tuple[date, ...]) -> date | None:
    return dates[-1] if dates else None


def _multiply(a: Any, b: Any) -> Any:
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return _money(Fraction(a) * Fraction(b))
    return a * b


def _divide(a: Any, b: Any) -> Any:
    if b == 0:
        return None
    quotient = Fraction(a) / Fraction(b)
    return _money(quotient) if isinstance(a, Decimal) else quotient


def _money(value: Fraction) -> Decimal | Fraction:
    """A Decimal when the amount has a finite decimal expansion; the exact Fraction otherwise."""
    denominator = value.denominator
    for factor in (2, 5):
        while denominator % factor == 0:
            denominator //= factor
    return Decimal(value.numerator) / Decimal(value.denominator) if denominator == 1 else value


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}
