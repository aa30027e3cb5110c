"""Syntax nodes back to source text: expressions and values in canonical form.

Used to quote a contract's own expressions in explanations, and by `fmt`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from optionrules import ast
from optionrules.values import plural

# Binding strength, loosest first; a child binding more loosely than its parent gets parentheses.
_OR, _AND, _NOT, _COMPARE, _SUM, _PRODUCT, _UNARY, _ATOM = range(8)


def expression(node: Any) -> str:
    return _show(node)[0]


def value(node: Any) -> str:
    """An entry's value: an expression, a [list] or a {record} (on one line)."""
    if isinstance(node, ast.ListLit):
        return "[" + ", ".join(value(item) for item in node.items) + "]"
    if isinstance(node, ast.Record):
        return "{ " + "  ".join(f"{e.key}: {entry_values(e)}" for e in node.entries) + " }" if node.entries \
            else "{}"
    return expression(node)


def entry_values(entry: ast.Entry) -> str:
    return ", ".join(value(v) for v in entry.values)


def number(value: int | Fraction | Decimal) -> str:
    """A number as a lawyer writes it: thousands separated, fractions as decimals where exact."""
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, Fraction):
        denominator = value.denominator
        for factor in (2, 5):
            while denominator % factor == 0:
                denominator //= factor
        return _exact(value) if denominator == 1 else f"{value.numerator}/{value.denominator}"
    return f"{value:,f}"  # as written: 1,000.50, never 1.0005E+3


def _show(node: Any) -> tuple[str, int]:
    """Source text and binding strength of a node."""
    if isinstance(node, ast.Name):
        return node.id, _ATOM
    if isinstance(node, ast.DateLit):
        return node.value.isoformat(), _ATOM
    if isinstance(node, ast.NumberLit):
        return _exact(node.value), _ATOM
    if isinstance(node, ast.DurationLit):
        return plural(node.amount, node.unit), _ATOM
    if isinstance(node, ast.PercentLit):
        return f"{_exact(node.value * 100, grouped=False)}%", _ATOM
    if isinstance(node, ast.MoneyLit):
        return f"{node.currency} {number(node.amount)}", _ATOM
    if isinstance(node, ast.StringLit):
        return string(node.value), _ATOM
    if isinstance(node, ast.SetLit):
        return "{" + ", ".join(expression(item) for item in node.items) + "}", _ATOM
    if isinstance(node, ast.Attribute):
        return f"{_wrap(node.value, _ATOM)}.{node.attr}", _ATOM
    if isinstance(node, ast.Call):
        args = ", ".join(f"{a.name}: {value(a.value)}" if a.name else value(a.value) for a in node.args)
        return f"{node.func}({args})", _ATOM
    if isinstance(node, ast.Minus):
        return f"-{_wrap(node.operand, _UNARY)}", _UNARY
    if isinstance(node, ast.Not):  # `not (a > b)`: a comparison under `not` reads better in parentheses
        return f"not {_wrap(node.operand, _COMPARE + 1)}", _NOT
    if isinstance(node, ast.BinOp):
        strength = _SUM if node.op in "+-" else _PRODUCT
        return f"{_wrap(node.left, strength)} {node.op} {_wrap(node.right, strength + 1)}", strength
    if isinstance(node, ast.BoolOp):
        strength = _OR if node.op == "or" else _AND
        return f" {node.op} ".join(_wrap(operand, strength + 1) for operand in node.operands), strength
    if isinstance(node, ast.Compare):
        return f"{_wrap(node.left, _SUM)} {node.op} {_wrap(node.right, _SUM)}", _COMPARE
    if isinstance(node, ast.Member):
        word = "not in" if node.negated else "in"
        return f"{_wrap(node.value, _SUM)} {word} {expression(node.options)}", _COMPARE
    if isinstance(node, ast.Order):
        return f"{_wrap(node.left, _SUM)} {node.op} {_wrap(node.right, _SUM)}", _COMPARE
    if isinstance(node, ast.Within):
        return (f"{_wrap(node.left, _SUM)} within {_wrap(node.window, _SUM)} {node.side} "
                f"{_wrap(node.right, _SUM)}"), _COMPARE
    raise TypeError(f"not an expression: {type(node).__name__}")


def _wrap(node: Any, at_least: int) -> str:
    text, strength = _show(node)
    return f"({text})" if strength < at_least else text


def _exact(value: int | Fraction | Decimal, grouped: bool = True) -> str:
    """A number with a finite decimal expansion, every digit of it: 1,000,000 or 2.50 or 0.0000001."""
    value = Fraction(value)
    whole, rest = divmod(abs(value.numerator), value.denominator)
    sign = "-" if value < 0 else ""
    head = f"{whole:,}" if grouped else str(whole)
    if not rest:
        return sign + head
    places = 0
    while (rest * 10**places) % value.denominator:
        places += 1
    digits = str(rest * 10**places // value.denominator).rjust(places, "0")
    return f"{sign}{head}.{digits}"


def string(text: str, lines: bool = True) -> str:
    """A string literal: over several lines between triple quotes where that reads back the same (`lines`),
    else on one line with its escapes."""
    if lines and "\n" in text and '"""' not in text and not text.endswith('"'):
        return f'"""{text}"""'
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{escaped}"'


def show_value(value_: Any) -> str:
    """A runtime value as an explanation quotes it."""
    if value_ is None:
        return "none"
    if isinstance(value_, bool):
        return "yes" if value_ else "no"
    if isinstance(value_, date):
        return value_.isoformat()
    if isinstance(value_, (int, Fraction, Decimal)):
        return number(value_)
    return str(value_)
