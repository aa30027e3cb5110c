"""The parser, construct by construct: literals, operators, values, clause headers,
enumerations, comments, spans, the layout rule, keywords used as names, and
inputs that must give a located diagnostic rather than an exception."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from optionrules import ast
from optionrules.errors import Diagnostic, Span
from optionrules.parse import MAX_NESTING, parse

FILE = "test.contract"


# ---- Helpers ---------------------------------------------------------------------------


def parse_clean(text: str) -> ast.Module:
    module, diagnostics = parse(text, FILE)
    assert diagnostics == [], [d.render({FILE: text}) for d in diagnostics]
    return module


def errors_of(text: str) -> list[Diagnostic]:
    _, diagnostics = parse(text, FILE)
    return diagnostics


def values_of(source: str) -> tuple[Any, ...]:
    """The values of one entry, written as `k {` / `  v: SOURCE` / `}`: SOURCE starts at line 2, column 6."""
    module = parse_clean(f"k {{\n  v: {source}\n}}\n")
    (clause,) = module.items
    (entry,) = clause.entries
    return entry.values  # type: ignore[no-any-return]


def value_of(source: str) -> Any:
    (value,) = values_of(source)
    return value


def condition_of(source: str) -> Any:
    module = parse_clean(f'rule r "c" on e when {source} {{\n  forfeit: all\n}}\n')
    return module.items[0].condition


def sx(node: Any) -> str:
    """A compact, span-free rendering of a syntax node, to compare tree shapes."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.NumberLit):
        return str(node.value)
    if isinstance(node, ast.DateLit):
        return node.value.isoformat()
    if isinstance(node, ast.DurationLit):
        return f"{node.amount}{node.unit}"
    if isinstance(node, ast.PercentLit):
        return f"{node.value}%"
    if isinstance(node, ast.MoneyLit):
        return f"{node.currency}{node.amount}"
    if isinstance(node, ast.StringLit):
        return repr(node.value)
    if isinstance(node, (ast.BinOp, ast.Compare, ast.Order)):
        return f"({node.op} {sx(node.left)} {sx(node.right)})"
    if isinstance(node, ast.BoolOp):
        return f"({node.op} {' '.join(sx(o) for o in node.operands)})"
    if isinstance(node, ast.Not):
        return f"(not {sx(node.operand)})"
    if isinstance(node, ast.Minus):
        return f"(neg {sx(node.operand)})"
    if isinstance(node, ast.Member):
        return f"({'not-in' if node.negated else 'in'} {sx(node.value)} {sx(node.options)})"
    if isinstance(node, ast.SetLit):
        return "{" + " ".join(sx(i) for i in node.items) + "}"
    if isinstance(node, ast.Within):
        return f"(within {sx(node.left)} {sx(node.window)} {node.side} {sx(node.right)})"
    if isinstance(node, ast.Attribute):
        return f"{sx(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        args = ", ".join((f"{a.name}: " if a.name else "") + sx(a.value) for a in node.args)
        return f"{node.func}({args})"
    if isinstance(node, ast.ListLit):
        return "[" + " ".join(sx(i) for i in node.items) + "]"
    if isinstance(node, ast.Record):
        return "{" + "; ".join(f"{e.key}: {', '.join(sx(v) for v in e.values)}" for e in node.entries) + "}"
    raise AssertionError(f"not a value node: {node!r}")


def at(line: int, column: int, end_line: int, end_column: int) -> Span:
    return Span(FILE, line, column, end_line, end_column)


# ---- Literals ---------------------------------------------------------------------------


def test_iso_date():
    value = value_of("2002-11-21")
    assert isinstance(value, ast.DateLit)
    assert value.value == date(2002, 11, 21)
    assert value.span == at(2, 6, 2, 16)


@pytest.mark.parametrize(
    ("source", "amount", "unit"),
    [
        ("30 days", 30, "day"),
        ("1 day", 1, "day"),
        ("12 months", 12, "month"),
        ("1 month", 1, "month"),
        ("2 years", 2, "year"),
        ("1 year", 1, "year"),
        ("3 weeks", 3, "week"),
        ("1 week", 1, "week"),
        ("180 days", 180, "day"),
        ("1,000 days", 1000, "day"),
    ],
)
def test_duration_unit_is_singular(source, amount, unit):
    value = value_of(source)
    assert isinstance(value, ast.DurationLit)
    assert (value.amount, value.unit) == (amount, unit)
    assert value.span == at(2, 6, 2, 6 + len(source))


def test_duration_needs_a_whole_number():
    (error,) = errors_of("k {\n  v: 1.5 days\n}\n")
    assert error.message == "a duration needs a whole number of days"
    assert error.span == at(2, 6, 2, 14)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("3,840,000", 3_840_000),
        ("3_840_000", 3_840_000),
        ("48", 48),
        ("0", 0),
        ("1,000", 1000),
    ],
)
def test_share_counts_are_ints(source, expected):
    value = value_of(source)
    assert isinstance(value, ast.NumberLit)
    assert value.value == expected
    assert type(value.value) is int
    assert value.span == at(2, 6, 2, 6 + len(source))


def test_decimal_is_an_exact_fraction():
    value = value_of("1.01")
    assert isinstance(value, ast.NumberLit)
    assert value.value == Fraction(101, 100)
    assert isinstance(value.value, Fraction)


def test_whole_decimal_is_an_int():
    value = value_of("2.0")
    assert value.value == 2
    assert type(value.value) is int


@pytest.mark.parametrize(
    ("source", "currency", "amount"),
    [
        ("USD 1.01", "USD", Decimal("1.01")),
        ("EUR 3,878,400.00", "EUR", Decimal("3878400.00")),
        ("USD 5", "USD", Decimal(5)),
    ],
)
def test_money(source, currency, amount):
    value = value_of(source)
    assert isinstance(value, ast.MoneyLit)
    assert value.currency == currency
    assert value.amount == amount
    assert isinstance(value.amount, Decimal)
    assert value.span == at(2, 6, 2, 6 + len(source))


@pytest.mark.parametrize(
    ("source", "expected"),
    [("25%", Fraction(1, 4)), ("100%", Fraction(1)), ("12.5%", Fraction(1, 8)), ("0%", Fraction(0))],
)
def test_percentages(source, expected):
    value = value_of(source)
    assert isinstance(value, ast.PercentLit)
    assert value.value == expected
    assert value.span == at(2, 6, 2, 6 + len(source))


def test_string():
    value = value_of('"Art. II §5"')
    assert isinstance(value, ast.StringLit)
    assert value.value == "Art. II §5"
    assert value.span == at(2, 6, 2, 18)


def test_string_escaped_quote():
    assert value_of(r'"say \"when\""').value == 'say "when"'


def test_string_keeps_hash_and_braces():
    module = parse_clean('k {\n  v: "a # b } {"\n}\n')
    assert module.items[0].entries[0].values[0].value == "a # b } {"
    assert module.comments == ()


def test_triple_quoted_multiline_string():
    text = 'k {\n  v: """first line\n  second line\nthird "quoted" line"""\n  w: 1\n}\n'
    module = parse_clean(text)
    (clause,) = module.items
    string = clause.entries[0].values[0]
    assert isinstance(string, ast.StringLit)
    assert string.value == 'first line\n  second line\nthird "quoted" line'
    assert string.span == at(2, 6, 4, 23)
    # `third ...` starts at column 1 but inside the string: it does not start an item.
    assert [e.key for e in clause.entries] == ["v", "w"]


def test_triple_quoted_string_may_hold_hash_and_single_quotes():
    module = parse_clean('k {\n  v: """a "b" # not a comment"""\n}\n')
    assert module.items[0].entries[0].values[0].value == 'a "b" # not a comment'
    assert module.comments == ()


def test_fraction_is_a_division():
    value = value_of("1/48")
    assert isinstance(value, ast.BinOp)
    assert value.op == "/"
    assert (value.left.value, value.right.value) == (1, 48)
    assert value.span == at(2, 6, 2, 10)


def test_negative_number():
    value = value_of("-5")
    assert isinstance(value, ast.Minus)
    assert value.operand.value == 5
    assert value.span == at(2, 6, 2, 8)


# ---- Operators and precedence -----------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "tree"),
    [
        ("a + b * c", "(+ a (* b c))"),
        ("a * b + c", "(+ (* a b) c)"),
        ("a - b - c", "(- (- a b) c)"),
        ("a / b * c", "(* (/ a b) c)"),
        ("(a + b) * c", "(* (+ a b) c)"),
        ("-a * b", "(* (neg a) b)"),
        ("a - -b", "(- a (neg b))"),
        ("grant_date + 10 years", "(+ grant_date 10year)"),
        ("termination + 30 days - 1 day", "(- (+ termination 30day) 1day)"),
        ("3,840,000 * 25%", "(* 3840000 1/4%)"),
    ],
)
def test_arithmetic_precedence(source, tree):
    assert sx(value_of(source)) == tree


@pytest.mark.parametrize(
    ("source", "tree"),
    [
        ("not a and b or c", "(or (and (not a) b) c)"),
        ("a or b and c", "(or a (and b c))"),
        ("a and b and c", "(and a b c)"),
        ("a or b or c", "(or a b c)"),
        ("not not a", "(not (not a))"),
        ("not a = b", "(not (= a b))"),
        ("(a or b) and c", "(and (or a b) c)"),
        ("a = b and c != d", "(and (= a b) (!= c d))"),
    ],
)
def test_boolean_precedence(source, tree):
    assert sx(condition_of(source)) == tree


@pytest.mark.parametrize("op", ["=", "!=", "<", "<=", ">", ">="])
def test_comparison_operators(op):
    node = condition_of(f"a + 1 {op} b * 2")
    assert isinstance(node, ast.Compare)
    assert sx(node) == f"({op} (+ a 1) (* b 2))"


def test_comparison_does_not_chain():
    errors = errors_of('rule r "c" on e when a < b < c {\n  forfeit: all\n}\n')
    assert len(errors) == 1
    assert errors[0].message.startswith("unexpected '<'")
    assert (errors[0].span.line, errors[0].span.column) == (1, 28)


def test_member():
    node = condition_of("reason in {without_cause, resignation}")
    assert isinstance(node, ast.Member)
    assert node.negated is False
    assert isinstance(node.options, ast.SetLit)
    assert [item.id for item in node.options.items] == ["without_cause", "resignation"]
    assert sx(node) == "(in reason {without_cause resignation})"


def test_not_member():
    node = condition_of("reason not in {cause}")
    assert isinstance(node, ast.Member)
    assert node.negated is True
    assert sx(node) == "(not-in reason {cause})"


def test_member_with_strings_and_trailing_comma():
    assert sx(condition_of('by in {"will", "descent",}')) == "(in by {'will' 'descent'})"


def test_member_binds_tighter_than_and():
    assert sx(condition_of("r in {a} and not r in {b}")) == "(and (in r {a}) (not (in r {b})))"


@pytest.mark.parametrize("op", ["before", "after"])
def test_before_after(op):
    node = condition_of(f"became_ceo {op} change_of_control")
    assert isinstance(node, ast.Order)
    assert node.op == op
    assert sx(node) == f"({op} became_ceo change_of_control)"


def test_before_takes_sums_and_binds_tighter_than_and():
    tree = sx(condition_of("a + 1 day before b and in_service"))
    assert tree == "(and (before (+ a 1day) b) in_service)"


@pytest.mark.parametrize("side", ["of", "after", "before"])
def test_within(side):
    node = condition_of(f"exercise within 12 months {side} change_of_control")
    assert isinstance(node, ast.Within)
    assert node.side == side
    assert sx(node) == f"(within exercise 12month {side} change_of_control)"


# ---- Calls, attributes, lists, records, entries ------------------------------------------


def test_call_with_positional_args():
    source = "later_of(commencement + 2 years, termination + 30 days)"
    node = value_of(source)
    assert isinstance(node, ast.Call)
    assert node.func == "later_of"
    assert [arg.name for arg in node.args] == [None, None]
    assert sx(node) == "later_of((+ commencement 2year), (+ termination 30day))"
    assert node.span == at(2, 6, 2, 6 + len(source))  # through the closing parenthesis


def test_call_with_named_args():
    node = value_of("pro_rata(schedule: monthly, day_count: pro_rata_days, rounding: down)")
    assert isinstance(node, ast.Call)
    assert [(arg.name, arg.value.id) for arg in node.args] == [
        ("schedule", "monthly"), ("day_count", "pro_rata_days"), ("rounding", "down"),
    ]
    first = node.args[0]
    assert first.span == at(2, 15, 2, 32)  # `schedule: monthly`


def test_call_mixes_positional_and_named_args_and_allows_trailing_comma():
    assert sx(value_of("f(a, b: c,)")) == "f(a, b: c)"


def test_call_without_args():
    node = value_of("f()")
    assert node.args == ()
    assert node.span == at(2, 6, 2, 9)


def test_attribute():
    node = value_of("lockup_extension.days")
    assert isinstance(node, ast.Attribute)
    assert isinstance(node.value, ast.Name)
    assert (node.value.id, node.attr) == ("lockup_extension", "days")
    assert node.span == at(2, 6, 2, 27)


def test_attribute_chain_leans_left():
    assert sx(value_of("a.b.c")) == "a.b.c"
    node = value_of("a.b.c")
    assert node.attr == "c" and node.value.attr == "b"


def test_list():
    node = value_of("[a, b]")
    assert isinstance(node, ast.ListLit)
    assert [item.id for item in node.items] == ["a", "b"]
    assert node.span == at(2, 6, 2, 12)


def test_empty_and_nested_lists():
    assert sx(value_of("[]")) == "[]"
    assert sx(value_of("[[1, 2], [], 30 days,]")) == "[[1 2] [] 30day]"


def test_record():
    node = value_of("{ k: v }")
    assert isinstance(node, ast.Record)
    (entry,) = node.entries
    assert entry.key == "k"
    assert [v.id for v in entry.values] == ["v"]
    assert entry.key_span == at(2, 8, 2, 9)
    assert node.span == at(2, 6, 2, 14)


def test_record_with_several_entries_and_nesting():
    assert sx(value_of("{ a: 1, 2  b: { c: x } }")) == "{a: 1, 2; b: {c: x}}"
    assert sx(value_of("{}")) == "{}"


def test_braces_without_keys_are_a_set():
    assert sx(value_of("{a, b}")) == "{a b}"
    assert isinstance(value_of("{a}"), ast.SetLit)


def test_comma_separated_entry_values():
    module = parse_clean('payment "Art. II §4" {\n  always: cash, check\n  with_consent: note\n}\n')
    always, with_consent = module.items[0].entries
    assert always.key == "always"
    assert [v.id for v in always.values] == ["cash", "check"]
    assert always.key_span == at(2, 3, 2, 9)
    assert always.span == at(2, 3, 2, 22)
    assert [v.id for v in with_consent.values] == ["note"]


def test_entries_need_no_separator_on_one_line():
    module = parse_clean("k { a: 1 b: x c: 30 days }")
    assert [(e.key, sx(e.values[0])) for e in module.items[0].entries] == [("a", "1"), ("b", "x"), ("c", "30day")]


# ---- Clause headers ---------------------------------------------------------------------


def header(text: str) -> ast.Clause:
    (item,) = parse_clean(text).items
    assert isinstance(item, ast.Clause)
    return item


def test_header_kind_only():
    clause = header("agreement\n")
    assert clause.kind == "agreement"
    assert clause.kind_span == at(1, 1, 1, 10)
    assert (clause.name, clause.citation, clause.params, clause.trigger, clause.condition) == (None,) * 5
    assert clause.entries == ()


def test_header_kind_name():
    clause = header("vesting monthly\n")
    assert clause.kind == "vesting"
    assert clause.name.id == "monthly"
    assert clause.name.span == at(1, 9, 1, 16)
    assert clause.citation is None


def test_header_kind_citation():
    clause = header('grant "Art. I, Notice of Stock Option Grant"\n')
    assert clause.name is None
    assert clause.citation.value == "Art. I, Notice of Stock Option Grant"
    assert clause.citation.span == at(1, 7, 1, 45)


def test_header_kind_name_citation():
    clause = header('vesting monthly "Art. I"\n')
    assert (clause.kind, clause.name.id, clause.citation.value) == ("vesting", "monthly", "Art. I")


def test_header_with_params():
    clause = header("event exercise(shares: shares, method: payment_method)\n")
    assert clause.name.id == "exercise"
    assert [(p.name, p.type_name) for p in clause.params] == [("shares", "shares"), ("method", "payment_method")]
    method = clause.params[1]
    assert method.span == at(1, 32, 1, 54)
    assert method.type_span == at(1, 40, 1, 54)


def test_header_with_empty_params_differs_from_no_params():
    assert header("event x()\n").params == ()
    assert header("event x\n").params is None


def test_header_with_trigger():
    clause = header('exercise "Art. II §2" on exercise\n')
    assert clause.name is None
    assert clause.trigger.id == "exercise"
    assert clause.trigger.span == at(1, 26, 1, 34)


def test_header_trigger_without_name_or_citation():
    clause = header("exercise on exercise\n")
    assert clause.name is None and clause.citation is None
    assert clause.trigger.id == "exercise"


def test_header_with_condition_and_block():
    clause = header('rule death "Art. II §7" on termination when reason = death {\n  forfeit: unvested\n}\n')
    assert (clause.kind, clause.name.id, clause.citation.value) == ("rule", "death", "Art. II §7")
    assert clause.trigger.id == "termination"
    assert sx(clause.condition) == "(= reason death)"
    assert [e.key for e in clause.entries] == ["forfeit"]


def test_header_with_condition_without_block():
    clause = header("rule r when a\n")
    assert clause.trigger is None
    assert sx(clause.condition) == "a"
    assert clause.entries == ()


def test_header_on_continuation_lines():
    text = (
        'rule ordinary_termination "Art. II §5" on termination\n'
        "  when reason in {without_cause, resignation} {\n"
        "  forfeit: unvested\n"
        "}\n"
    )
    clause = header(text)
    assert sx(clause.condition) == "(in reason {without_cause resignation})"
    assert clause.condition.span == at(2, 8, 2, 46)
    assert clause.entries[0].key_span == at(3, 3, 3, 10)


def test_header_with_empty_block():
    clause = header('term "Art. I" { }\n')
    assert clause.entries == ()
    assert clause.citation.value == "Art. I"


def test_every_header_part_at_once():
    clause = header('lockup standoff "Art. II §3" (a: b) on registration when a { period: 180 days }\n')
    assert (clause.kind, clause.name.id, clause.citation.value) == ("lockup", "standoff", "Art. II §3")
    assert [(p.name, p.type_name) for p in clause.params] == [("a", "b")]
    assert (clause.trigger.id, sx(clause.condition)) == ("registration", "a")
    assert sx(clause.entries[0].values[0]) == "180day"


def test_header_parts_out_of_order_are_a_syntax_error():
    (error,) = errors_of('rule r on e "Art. I" {\n}\n')
    assert error.message.startswith("unexpected string '\"Art. I\"'")
    assert (error.span.line, error.span.column) == (1, 13)


# ---- Enumerations ------------------------------------------------------------------------


def test_enum():
    (item,) = parse_clean("enum termination_reason { without_cause, resignation, cause }\n").items
    assert isinstance(item, ast.EnumDecl)
    assert item.name == "termination_reason"
    assert item.name_span == at(1, 6, 1, 24)
    assert [m.id for m in item.members] == ["without_cause", "resignation", "cause"]
    assert item.members[1].span == at(1, 42, 1, 53)
    assert item.span == at(1, 1, 1, 62)


def test_enum_multiline_with_trailing_comma():
    (item,) = parse_clean("enum m {\n  cash,\n  check,\n}\n").items
    assert [m.id for m in item.members] == ["cash", "check"]
    assert item.members[1].span == at(3, 3, 3, 8)
    assert item.span == at(1, 1, 4, 2)


def test_empty_enum_is_a_syntax_error():
    (error,) = errors_of("enum e { }\n")
    assert error.message.startswith("unexpected '}'; expected a name")
    assert (error.span.line, error.span.column) == (1, 10)


def test_enum_keyword_is_only_a_prefix_of_longer_names():
    clause = header("enumeration e\n")
    assert clause.kind == "enumeration"


# ---- Comments ------------------------------------------------------------------------------


def test_comments_are_kept_with_their_spans():
    text = (
        "# head\n"
        "\n"
        'grant "Art. I" {   # trailing\n'
        "  # indented\n"
        "  shares: 48\n"
        "}\n"
        "# last, no newline"
    )
    module = parse_clean(text)
    assert [(c.text, c.span) for c in module.comments] == [
        ("# head", at(1, 1, 1, 7)),
        ("# trailing", at(3, 20, 3, 30)),
        ("# indented", at(4, 3, 4, 13)),
        ("# last, no newline", at(7, 1, 7, 19)),
    ]
    assert [e.key for e in module.items[0].entries] == ["shares"]


def test_comment_only_file_has_no_items():
    module = parse_clean("# nothing here\n\n   # still nothing\n")
    assert module.items == ()
    assert len(module.comments) == 2


def test_empty_file():
    module = parse_clean("")
    assert module.items == () and module.comments == ()
    assert module.file == FILE


# ---- Spans -----------------------------------------------------------------------------------


def test_spans_are_absolute_in_the_file():
    text = (
        "# preamble\n"
        "event termination\n"
        "\n"
        'vesting monthly "Art. I" {\n'
        "  installments: 48\n"
        "  every: 1 month\n"
        "}\n"
    )
    module = parse_clean(text)
    event, vesting = module.items
    assert event.kind_span == at(2, 1, 2, 6)
    assert event.name.span == at(2, 7, 2, 18)
    assert vesting.kind_span == at(4, 1, 4, 8)
    assert vesting.name.span == at(4, 9, 4, 16)
    assert vesting.citation.span == at(4, 17, 4, 25)
    installments, every = vesting.entries
    assert installments.key_span == at(5, 3, 5, 15)
    assert installments.values[0].span == at(5, 17, 5, 19)
    assert every.values[0].span == at(6, 10, 6, 17)
    assert vesting.span.line == 4 and vesting.span.column == 1
    assert vesting.span.end_line in (6, 7)


def test_operator_node_spans_cover_their_operands():
    node = value_of("a + b * c")
    assert node.span == at(2, 6, 2, 15)
    assert node.right.span == at(2, 10, 2, 15)
    paren = value_of("(a + b) * c")
    assert paren.left.span == at(2, 7, 2, 12)  # the span of the inner sum, without its parentheses


def test_spans_count_non_ascii_characters_as_one_column():
    module = parse_clean('rule r "§5 – ü" on e {\n  forfeit: all\n}\n')
    assert module.items[0].citation.span == at(1, 8, 1, 16)
    assert module.items[0].trigger.span == at(1, 20, 1, 21)


def test_clause_span_includes_closing_bracket():
    module = parse_clean('grant "Art. I" { shares: 48 }\nevent x(a: int)\n')
    grant, event = module.items
    assert grant.span == at(1, 1, 1, 30)
    assert event.span == at(2, 1, 2, 16)


# ---- The layout rule ---------------------------------------------------------------------


def test_items_start_at_column_one_and_continue_indented():
    text = 'grant "Art. I" {\n  shares:\n    48\n}\nterm "Art. I, Term" {\n  expiration: 2012-11-21\n}\n'
    module = parse_clean(text)
    assert [item.kind for item in module.items] == ["grant", "term"]
    assert module.items[0].entries[0].values[0].span == at(3, 5, 3, 7)


def test_continuation_at_column_one_ends_the_item():
    text = 'grant "Art. I" {\nshares: 48\n}\n'
    errors = errors_of(text)
    assert [(e.span.line, e.span.column) for e in errors] == [(1, 16), (2, 7)]
    early, colon = errors
    assert early.message == "this item ends too early; expected '}', a name"
    assert early.hint == "an item ends where the next line starts at column 1; indent its continuation lines"
    assert colon.message.startswith("unexpected ':'")


def test_two_broken_items_give_two_diagnostics():
    text = (
        'grant "Art. I" {\n'
        "  shares: 48 +\n"
        "}\n"
        "event ok\n"
        'vesting v "Art. I" {\n'
        "  every 1 month\n"
        "}\n"
        "event also_ok\n"
    )
    module, errors = parse(text, FILE)
    assert [(e.span.line, e.span.column) for e in errors] == [(3, 1), (6, 9)]
    assert errors[0].message.startswith("unexpected '}'; expected ")
    assert errors[1].message.startswith("unexpected number '1'; expected ':'")
    # The items around the broken ones still parse.
    assert [item.name.id for item in module.items] == ["ok", "also_ok"]


def test_error_in_one_item_does_not_hide_a_later_one():
    good = 'term "T" {\n  expiration: 2012-11-21\n}\n'
    text = "event (\n" + good + "enum e { a b }\n" + good
    errors = errors_of(text)
    assert [(e.span.line, e.span.column) for e in errors] == [(1, 7), (5, 12)]
    assert errors[1].message == "unexpected name 'b'; expected ',', '}'"


def test_unit_typo_gets_a_hint():
    (error,) = errors_of('vesting v "c" {\n  every: 1 mnth\n  rounding: down\n}\n')
    assert error.message == "unexpected name 'rounding'; expected ':'"
    assert error.span == at(3, 3, 3, 11)
    assert error.hint == "'mnth' is not a unit; did you mean 'month'?"


def test_missing_colon_hint_names_the_word_read_as_a_key():
    (error,) = errors_of('agreement a "T" {\n  source "a.txt"\n}\n')
    assert error.message == "unexpected string '\"a.txt\"'; expected ':'"
    assert error.span == at(2, 10, 2, 17)
    assert error.hint == "'source' was read as the start of a new `key: value` entry"


def test_missing_colon_in_params_gets_no_entry_hint():
    (error,) = errors_of("event termination(reason termination_reason)\n")
    assert error.message == "unexpected name 'termination_reason'; expected ':'"
    assert "entry" not in (error.hint or "")


def test_item_ending_too_early_is_located_at_its_last_token_not_a_comment():
    (error,) = errors_of('grant "g" {   # a comment\n')
    assert error.message.startswith("this item ends too early")
    assert (error.span.line, error.span.column) == (1, 11)


def test_item_ending_too_early_after_a_long_string_with_a_hash_is_located_at_the_string_end():
    # line 3 is `  # not a comment"""`: the hash is inside the string, whose closing quotes end at column 20
    (error,) = errors_of('agreement a {\n  note: """line one\n  # not a comment"""\n')
    assert error.message.startswith("this item ends too early")
    assert (error.span.line, error.span.column) == (3, 20)


def test_unexpected_character_is_located():
    (error,) = errors_of('term "t" @ { }\n')
    assert error.message == "unexpected character '@'"
    assert error.span == at(1, 10, 1, 11)


def test_text_before_the_first_item_is_an_item_of_its_own():
    errors = errors_of("  stray }\nevent ok\n")
    assert len(errors) == 1
    assert (errors[0].span.line, errors[0].span.column) == (1, 9)


# ---- Keywords and names --------------------------------------------------------------------


def test_event_attribute_named_days_of_type_days():
    clause = header("event lockup_extension(days: days)\n")
    (param,) = clause.params
    assert (param.name, param.type_name) == ("days", "days")
    assert param.type_span == at(1, 30, 1, 34)


def test_attribute_named_days_in_an_entry():
    module = parse_clean('lockup l "c" on r {\n  period: 180 days\n  extended_by: lockup_extension.days\n}\n')
    period, extended_by = module.items[0].entries
    assert sx(period.values[0]) == "180day"
    assert sx(extended_by.values[0]) == "lockup_extension.days"


@pytest.mark.parametrize(
    "word",
    ["days", "month", "nothing", "notice", "inner", "before_x", "afterwards", "often", "only", "whence", "enums"],
)
def test_keyword_prefixed_or_unit_words_are_names(word):
    node = value_of(word)
    assert isinstance(node, ast.Name)
    assert node.id == word


def test_keywords_are_names_where_a_keyword_cannot_be():
    clause = header("event e(after: date, before: date, of: text, within: int, when: int, on: int)\n")
    assert [p.name for p in clause.params] == ["after", "before", "of", "within", "when", "on"]


def test_clause_name_starting_with_a_keyword():
    clause = header('rule on_exercise "c" on exercise when in_service\n')
    assert clause.name.id == "on_exercise"
    assert clause.trigger.id == "exercise"
    assert sx(clause.condition) == "in_service"


def test_vest_word_nothing_is_a_name_not_not():
    module = parse_clean('rule r "c" on e {\n  vest: nothing\n}\n')
    assert sx(module.items[0].entries[0].values[0]) == "nothing"


# ---- Impossible input: a located diagnostic, never an exception ----------------------------


@pytest.mark.parametrize("literal", ["2003-02-30", "2003-13-01", "2002-00-10", "2001-02-29"])
def test_impossible_date_is_located(literal):
    text = f'event ok\nterm "T" {{\n  expiration: {literal}\n}}\nevent later\n'
    module, errors = parse(text, FILE)
    (error,) = errors
    assert error.message == f"impossible date {literal}"
    assert error.span == at(3, 15, 3, 25)
    assert [item.name.id for item in module.items] == ["ok", "later"]


def test_leap_day_is_a_date():
    assert value_of("2004-02-29").value == date(2004, 2, 29)


def test_unclosed_triple_quoted_string_is_located():
    text = 'event ok\ngrant "g" {\n  says: """abc\ndef\n}\n'
    module, errors = parse(text, FILE)
    assert errors, "an unclosed string must be reported"
    first = errors[0]
    assert first.message == 'this """ string is never closed'
    assert first.span == at(3, 9, 3, 12)
    assert [item.name.id for item in module.items] == ["ok"]


def test_unclosed_triple_quoted_string_is_reported_once():
    errors = errors_of('event ok\ngrant "g" {\n  says: """abc\ndef\n}\n')
    assert [e.message for e in errors] == ['this """ string is never closed']


def test_unclosed_one_line_string_is_located():
    (error,) = errors_of('agreement a "x" {\n  source: "unterminated\n}\n')
    assert (error.span.line, error.span.column) == (2, 11)


@pytest.mark.parametrize("string", [r'"C:\xyz"', r'"\u12"', r'"\N"', r'"\d"'])
def test_unknown_escapes_stay_as_written(string):
    # Only \" \\ \n \t are escapes; any other backslash is kept, so a Windows path reads as written.
    module, errors = parse(f'agreement a "T" {{\n  source: {string}\n}}\n', FILE)
    assert errors == []
    assert module.items[0].entries[0].values[0].value == string[1:-1]


def test_known_escapes():
    module, errors = parse('agreement a "T" {\n  source: "a\\"b\\\\c\\nd"\n}\n', FILE)
    assert errors == [] and module.items[0].entries[0].values[0].value == 'a"b\\c\nd'


NESTING = f"nested more than {MAX_NESTING} levels deep"


def deep(value: str) -> str:
    """A file whose middle item holds a deeply nested value; the items around it are fine."""
    return f"event before\nk {{\n  v: {value}\n}}\nevent after\n"


@pytest.mark.parametrize(
    ("label", "value"),
    [
        ("300 nested not", "not " * 300 + "a"),
        ("2000-term sum", " + ".join(["a"] * 2000)),
        ("500 nested parenthesised sums", "(1 + " * 500 + "1" + ")" * 500),
        ("500 unary minus", "-" * 500 + "a"),
        ("500 nested lists", "[" * 500 + "]" * 500),
        ("300 nested records", "{ k: " * 300 + "1" + " }" * 300),
        ("2000 attributes", "a" + ".b" * 2000),
        ("300 nested calls", "f(" * 300 + "a" + ")" * 300),
    ],
)
def test_deep_nesting_is_a_diagnostic_not_an_exception(label, value):
    module, errors = parse(deep(value), FILE)
    (error,) = errors
    assert NESTING in error.message
    assert error.span.line == 3
    assert [item.name.id for item in module.items] == ["before", "after"]


def test_deep_condition_is_a_diagnostic():
    text = 'rule r "c" on e when ' + "not " * 300 + "a {\n  forfeit: all\n}\n"
    (error,) = errors_of(text)
    assert NESTING in error.message
    assert error.span.line == 1


def test_500_parentheses_around_one_name_are_just_the_name():
    # Parentheses make no node: nothing nests, so nothing to report, and no exception.
    node = value_of("(" * 500 + "a" + ")" * 500)
    assert isinstance(node, ast.Name)
    assert node.span == at(2, 506, 2, 507)


def test_long_flat_conjunction_is_one_node():
    node = condition_of(" and ".join(["a"] * 2000))
    assert isinstance(node, ast.BoolOp)
    assert len(node.operands) == 2000


def test_nesting_just_under_the_limit_parses():
    node = value_of("not " * (MAX_NESTING - 5) + "a")
    depth = 0
    while isinstance(node, ast.Not):
        node, depth = node.operand, depth + 1
    assert depth == MAX_NESTING - 5


def test_deep_nesting_through_check_source_raises_nothing():
    from optionrules import check_source

    for value in ["not " * 300 + "a", " + ".join(["a"] * 2000), "(1 + " * 500 + "1" + ")" * 500, "-" * 5000 + "a"]:
        _, diagnostics = check_source(deep(value), FILE)
        assert any(NESTING in d.message for d in diagnostics)


# ---- Rendering a parse diagnostic ------------------------------------------------------------


def test_render_a_syntax_diagnostic():
    text = 'term "T" {\n  expiration: 2003-02-30\n}\n'
    (error,) = errors_of(text)
    assert error.render({FILE: text}) == (
        "test.contract:2:15: error: impossible date 2003-02-30\n"
        "      expiration: 2003-02-30\n"
        "                  ^^^^^^^^^^"
    )
