"""`fmt`: the canonical layout of a contract file, every comment kept.

Three promises are checked, on the bundled contracts and on generated texts: formatting twice gives
the text formatting once gives (idempotence); the formatted text parses to the same syntax tree but
for positions (`same_tree`); and every comment of the input is in the output (same multiset of comment
texts). Then the command line: `fmt FILE`, `fmt --check`, `fmt --write`, and its exit codes
(0 clean, 1 not canonical, 2 usage or input error).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optionrules.check import check_source
from optionrules.format import format_text, same_tree
from optionrules.parse import parse

ROOT = Path(__file__).resolve().parent.parent
CONTRACTS = sorted((ROOT / "contracts").rglob("*.contract"))
REFERENCE = ROOT / "contracts" / "capstone_liggett_2002.contract"


def parsed(text: str, file: str = "test.contract"):
    module, diagnostics = parse(text, file)
    assert not diagnostics, "\n".join(str(d) for d in diagnostics) + "\n---\n" + text
    return module


def comments(module) -> Counter[str]:
    return Counter(c.text for c in module.comments)


def assert_formats_well(text: str) -> str:
    """Idempotent, same tree, every comment kept; returns the formatted text."""
    module = parsed(text)
    once = format_text(module, text)
    again_module = parsed(once)
    assert same_tree(module.items, again_module.items), f"--- input\n{text}--- formatted\n{once}"
    assert comments(again_module) == comments(module), f"--- input\n{text}--- formatted\n{once}"
    twice = format_text(again_module, once)
    assert twice == once, f"--- input\n{text}--- once\n{once}--- twice\n{twice}"
    return once


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("OPTIONRULES_DEBUG", None)
    result = subprocess.run([sys.executable, "-m", "optionrules", *map(str, args)], cwd=ROOT, env=env,
                            capture_output=True, text=True, encoding="utf-8", timeout=60)
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    assert result.returncode != 70, result.stderr  # an internal error
    return result


# ---- (a) the bundled contracts ---------------------------------------------------------------------


def test_there_are_contracts_to_format():
    assert REFERENCE in CONTRACTS


@pytest.mark.parametrize("path", CONTRACTS, ids=lambda p: p.name)
def test_bundled_contract_formats_well(path: Path):
    text = path.read_text(encoding="utf-8")
    formatted = assert_formats_well(text)
    _, diagnostics = check_source(formatted, str(path))
    assert diagnostics == []
    assert sum(comments(parsed(formatted)).values()) == sum(comments(parsed(text)).values()) > 0


# The reference agreement and the plan it uses are canonical.
@pytest.mark.parametrize("path", [REFERENCE, REFERENCE.parent / "capstone_2000_plan.contract"], ids=lambda p: p.name)
def test_reference_files_are_canonical(path: Path):
    text = path.read_text(encoding="utf-8")
    assert format_text(parsed(text), text) == text


def test_reference_is_canonical_through_the_cli():
    result = run("fmt", "--check", REFERENCE, REFERENCE.parent / "capstone_2000_plan.contract")
    assert (result.returncode, result.stdout) == (0, "")


FORM = ROOT / "contracts" / "acme" / "acme_option_form.contract"
PARAMETERS_NOT_BROKEN = ("fmt never breaks a parameter list: acme_option_form.contract's five form parameters, "
                         "written one a line, are joined into one header line of 161 characters (WIDTH is 100)")


@pytest.mark.skipif(not FORM.exists(), reason="no Acme form")
def test_a_form_with_many_parameters_is_canonical():
    text = FORM.read_text(encoding="utf-8")
    formatted = format_text(parsed(text), text)
    assert max(len(line) for line in formatted.splitlines()) <= 100
    assert formatted == text


# contracts/ as a whole: besides the form above, grant_maria_lopez.contract (committed) and forms/ (being written)
# are not formatted: a 110-character `rule ... exception to ... on termination` header line, trailing comments
# aligned 3 spaces after the code instead of 2, or not aligned with their neighbours.
def test_cli_check_on_the_contracts_directory_is_clean():
    result = run("fmt", "--check", "contracts/")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


# ---- (c) generated contracts -----------------------------------------------------------------------
#
# The generator writes texts that PARSE (they need not check): random clause kinds, names and citations;
# entries with random literals, calls, sets, lists, records and conditions; comments before items, on
# their own lines inside blocks, at the end of lines and at the end of the file; blank lines; conditions
# on the header line or on a continuation line; values spread over lines.

RESERVED = {"and", "or", "not", "in", "before", "after", "within", "of", "on", "when", "enum", "overrides", "exception",
            "to"}
UNITS = {f"{u}{s}" for u in ("day", "week", "month", "year") for s in ("", "s")}  # `5 days` would be a duration

names = st.one_of(
    st.sampled_from(["reason", "shares", "grant_date", "termination", "cause", "x", "yes", "no", "none",
                     "commencement", "later_of", "_private", "a1"]),
    st.from_regex(r"[a-z_][a-z0-9_]{0,10}", fullmatch=True),
).filter(lambda n: n not in RESERVED and n not in UNITS)

OR, AND, NOT, COMPARE, SUM, PRODUCT, UNARY, ATOM = range(8)


def wrap(expr: tuple[str, int], at_least: int) -> str:
    text, strength = expr
    return f"({text})" if strength < at_least else text


def grouped(n: int, sep: str) -> str:
    return f"{n:,}".replace(",", sep)


numbers_text = st.one_of(
    st.integers(0, 10**9).map(str),
    st.integers(1000, 10**9).map(lambda n: grouped(n, ",")),  # share counts with separators
    st.integers(1000, 10**9).map(lambda n: grouped(n, "_")),
    st.builds(lambda i, f: f"{i}.{f}", st.integers(0, 10**6), st.from_regex(r"[0-9]{1,8}", fullmatch=True)),
    st.builds(lambda i, f: f"{grouped(i, ',')}.{f}", st.integers(1000, 10**7),
              st.from_regex(r"[0-9]{1,2}", fullmatch=True)),
)
dates = st.dates().filter(lambda d: d.year >= 1000).map(lambda d: d.isoformat())
durations = st.builds(lambda n, unit, plural: f"{n} {unit}{'s' if plural else ''}",
                      st.one_of(st.integers(0, 500).map(str), st.integers(1000, 99999).map(lambda n: grouped(n, ","))),
                      st.sampled_from(["day", "week", "month", "year"]), st.booleans())
money = st.builds(lambda cur, amount: f"{cur} {amount}", st.sampled_from(["USD", "EUR", "GBP", "CHF"]),
                  st.one_of(st.integers(0, 10**8).map(str), st.integers(1000, 10**8).map(lambda n: grouped(n, ",")),
                            st.builds(lambda i, f: f"{i}.{f}", st.integers(0, 10**6),
                                      st.from_regex(r"[0-9]{1,8}", fullmatch=True))))
percents = st.builds(lambda i, f: f"{i}{f}%", st.integers(0, 1000),
                     st.sampled_from(["", ".5", ".25", ".125", ".01", ".0"]))

STRING_CHARS = st.one_of(st.sampled_from(list('a z"\\#\n\t§é{:')),
                         st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")))


def one_line_string(value: str, stray: bool) -> str:
    """The literal for `value`: quotes and backslashes escaped, newlines as \\n, tabs as \\t or as they are."""
    body = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    body = body.replace("\t", "\\t" if stray else "\t")
    if stray:
        body += "\\q"  # not an escape: the backslash stays as written (value ends with `\q`)
    return f'"{body}"'


@st.composite
def strings(draw: st.DrawFn) -> str:
    value = draw(st.text(STRING_CHARS, max_size=12)) + draw(st.sampled_from(["", "", '"', "\n", '\n"', '"""', "\\"]))
    if draw(st.integers(0, 4)) == 0 and '"""' not in value and not value.endswith('"'):
        return f'"""{value}"""'  # a long string: its text as written, newlines and all
    return one_line_string(value, draw(st.booleans()))


literals = st.one_of(names, dates, durations, numbers_text, money, percents, strings()).map(lambda t: (t, ATOM))


def values_of(exprs: st.SearchStrategy[tuple[str, int]]) -> st.SearchStrategy[str]:
    """An entry's value on one line: an expression, a [list] or a {record}."""
    plain = exprs.map(lambda e: e[0])
    return st.recursive(
        plain,
        lambda inner: st.one_of(
            st.builds(lambda xs, comma: "[" + ", ".join(xs) + ("," if comma and xs else "") + "]",
                      st.lists(inner, max_size=3), st.booleans()),
            st.lists(st.tuples(names, st.lists(inner, min_size=1, max_size=2)), max_size=3).map(
                lambda es: "{ " + "  ".join(f"{k}: {', '.join(vs)}" for k, vs in es) + " }" if es else "{}"),
        ),
        max_leaves=4,
    )


def compound(children: st.SearchStrategy[tuple[str, int]]) -> st.SearchStrategy[tuple[str, int]]:
    args = st.one_of(children.map(lambda e: e[0]),  # a call's argument: an expression or a [list]
                     st.lists(children, max_size=2).map(lambda xs: "[" + ", ".join(t for t, _ in xs) + "]"))
    sets = st.lists(children, min_size=1, max_size=3).map(lambda xs: "{" + ", ".join(t for t, _ in xs) + "}")
    binary = st.tuples(children, children)
    return st.one_of(
        st.builds(lambda f, args: (f"{f}({', '.join(args)})", ATOM), names,
                  st.lists(st.builds(lambda n, v: f"{n}: {v}" if n else v, st.none() | names, args), max_size=3)),
        sets.map(lambda s: (s, ATOM)),
        st.builds(lambda e, attr: (f"{wrap(e, ATOM)}.{attr}", ATOM), children, names),
        children.map(lambda e: (f"-{wrap(e, UNARY)}", UNARY)),
        st.builds(lambda ab, op: (f"{wrap(ab[0], SUM)} {op} {wrap(ab[1], PRODUCT)}", SUM), binary,
                  st.sampled_from("+-")),
        st.builds(lambda ab, op: (f"{wrap(ab[0], PRODUCT)} {op} {wrap(ab[1], UNARY)}", PRODUCT), binary,
                  st.sampled_from("*/")),
        st.builds(lambda ab, op: (f"{wrap(ab[0], SUM)} {op} {wrap(ab[1], SUM)}", COMPARE), binary,
                  st.sampled_from(["=", "!=", "<", "<=", ">", ">="])),
        st.builds(lambda e, word, s: (f"{wrap(e, SUM)} {word} {s}", COMPARE), children,
                  st.sampled_from(["in", "not in"]), sets),
        st.builds(lambda ab, op: (f"{wrap(ab[0], SUM)} {op} {wrap(ab[1], SUM)}", COMPARE), binary,
                  st.sampled_from(["before", "after"])),
        st.builds(lambda a, window, side, b: (f"{wrap(a, SUM)} within {wrap(window, SUM)} {side} {wrap(b, SUM)}",
                                              COMPARE),
                  children, st.one_of(durations.map(lambda d: (d, ATOM)), children),
                  st.sampled_from(["of", "after", "before"]), children),
        children.map(lambda e: (f"not {wrap(e, NOT)}", NOT)),
        st.lists(children, min_size=2, max_size=3).map(lambda xs: (" and ".join(wrap(x, NOT) for x in xs), AND)),
        st.lists(children, min_size=2, max_size=3).map(lambda xs: (" or ".join(wrap(x, AND) for x in xs), OR)),
        children.map(lambda e: (f"({e[0]})", ATOM)),  # parentheses where none are needed
    )


expressions = st.recursive(literals, compound, max_leaves=8)


values = values_of(expressions)
comment_texts = st.builds(lambda body, trailing: "#" + body + trailing,
                          st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
                                  max_size=20),
                          st.sampled_from(["", "", " ", "  "]))


@st.composite
def comment_lines(draw: st.DrawFn, indent: str) -> list[str]:
    """Zero or more comment lines, perhaps after a blank line."""
    lines = [indent + c for c in draw(st.lists(comment_texts, max_size=2))]
    if lines and draw(st.booleans()):
        lines.insert(0, "")
    return lines


def at_end(draw: st.DrawFn) -> str:
    """Perhaps a comment at the end of a line."""
    return " " * draw(st.integers(1, 3)) + draw(comment_texts) if draw(st.integers(0, 3)) == 0 else ""


@st.composite
def entry_lines(draw: st.DrawFn, indent: str) -> list[str]:
    key = draw(names)
    lines = draw(comment_lines(indent))
    layout = draw(st.sampled_from(["one", "values on lines", "record on lines", "brackets over lines"]))
    if layout == "brackets over lines":  # a [list] or a call over lines, comments inside: all on one line after
        items = draw(st.lists(values, max_size=3))
        opening, closing = draw(st.sampled_from([("[", "]"), (draw(names) + "(", ")")]))
        lines.append(f"{indent}{key}: {opening}" + at_end(draw))
        for n, v in enumerate(items):
            lines.extend(draw(comment_lines(indent + "    ")))
            lines.append(f"{indent}    {v}{',' if n < len(items) - 1 else ''}" + at_end(draw))
        lines.append(f"{indent}  {closing}" + at_end(draw))
    elif layout == "record on lines":
        lines.append(f"{indent}{key}: {{" + at_end(draw))
        for _ in range(draw(st.integers(0, 3))):
            lines.extend(draw(entry_lines(indent + draw(st.sampled_from(["  ", "   ", "    "])))))
        lines.extend(draw(comment_lines(indent + "  ")))
        lines.append(indent + "}" + at_end(draw))
    elif layout == "values on lines":
        items = draw(st.lists(values, min_size=2, max_size=4))
        lines.append(f"{indent}{key}:" + at_end(draw))
        lines.extend(f"{indent}  {v}{',' if n < len(items) - 1 else ''}" + at_end(draw) for n, v in enumerate(items))
    else:
        items = draw(st.lists(values, min_size=1, max_size=3))
        lines.append(f"{indent}{key}: {', '.join(items)}" + at_end(draw))
    if draw(st.integers(0, 4)) == 0:
        lines.append("")
    return lines


@st.composite
def item_lines(draw: st.DrawFn) -> list[str]:
    lines = draw(comment_lines(""))
    if draw(st.integers(0, 5)) == 0:
        members = draw(st.lists(names, min_size=1, max_size=25))
        comma = "," if draw(st.booleans()) else ""
        if draw(st.booleans()):
            lines.append(f"enum {draw(names)} {{ {', '.join(members)}{comma} }}" + at_end(draw))
        else:
            lines.append(f"enum {draw(names)} {{" + at_end(draw))
            lines.extend(f"  {m}," + at_end(draw) for m in members)
            lines.append("}" + at_end(draw))
        return lines
    head = draw(st.sampled_from(["agreement", "enum_like", "event", "assume", "conventions", "grant", "term",
                                 "vesting", "service", "rule", "lockup", "exercise", "payment", "require",
                                 "example", "invariant"]))
    if draw(st.booleans()):
        head += " " + draw(names)
    if draw(st.booleans()):
        head += " " + draw(strings())
    overrides = draw(st.sampled_from(["", "", "", " overrides", " exception to"]))
    if overrides:
        head += f"{overrides} {draw(names)}.{draw(names)}"
    params = draw(st.lists(st.tuples(names, names), max_size=12)) if draw(st.integers(0, 3)) == 0 else None
    if params is not None:
        if len(params) > 3 and draw(st.booleans()):  # a long parameter list over lines, as forms have them
            head += " (\n" + "".join(f"  {n}: {t},\n" for n, t in params) + ")"
        else:
            head += draw(st.sampled_from(["", " "])) + "(" + ", ".join(f"{n}: {t}" for n, t in params) + ")"
    if draw(st.booleans()):
        head += " on " + draw(names)
    condition = draw(expressions)[0] if draw(st.booleans()) else None
    block = draw(st.integers(0, 4)) > 0
    opening = " {" if block else ""
    if condition is not None and draw(st.booleans()):
        lines.append(head + at_end(draw))
        lines.append(f"  when {condition}{opening}" + at_end(draw))
    else:
        lines.append(head + (f" when {condition}" if condition is not None else "") + opening + at_end(draw))
    if block:
        indent = draw(st.sampled_from(["  ", "    ", " "]))
        for _ in range(draw(st.integers(0, 4))):
            lines.extend(draw(entry_lines(indent)))
        lines.extend(draw(comment_lines(indent)))
        lines.append("}" + at_end(draw))
    if draw(st.booleans()):
        lines.append("")
    return lines


@st.composite
def contract_texts(draw: st.DrawFn) -> str:
    lines = []
    for _ in range(draw(st.integers(1, 5))):
        lines.extend(draw(item_lines()))
    lines.extend(draw(comment_lines("")))
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n"]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(contract_texts())
def test_generated_contracts_format_well(text: str):
    assert_formats_well(text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(names, expressions), min_size=1, max_size=3))
def test_generated_conditions_format_well(rules: list[tuple[str, tuple[str, int]]]):
    """Deeper conditions, long enough to be moved to a line of their own."""
    text = "".join(f"rule {name} \"Art. I\" on termination when {cond} {{\n  forfeit: all  # why\n}}\n"
                   for name, (cond, _) in rules)
    assert_formats_well(text)


def test_a_layout_becomes_the_canonical_one():
    text = ('# head\n\n\n\nenum   r {a,b,\n  c,}\nrule   x "c"   on  t\n    when reason in {a , b} and not (x < 1) {\n'
            '      forfeit:   unvested # trailing\n\n\n   # own line\n   exercisable_until: later_of( a + 2 years,'
            'b+30 days )\n}\n# tail\n')
    assert assert_formats_well(text) == (
        "# head\n"
        "\n"
        "enum r { a, b, c }\n"
        'rule x "c" on t when reason in {a, b} and not (x < 1) {\n'
        "  forfeit: unvested  # trailing\n"
        "\n"
        "  # own line\n"
        "  exercisable_until: later_of(a + 2 years, b + 30 days)\n"
        "}\n"
        "# tail\n"
    )


def test_literals_print_in_canonical_form_with_the_same_values():
    text = ('x {\n  a: 3_840_000\n  b: 3,840,000\n  c: 10.50\n  d: USD 1,000.50\n  e: 12.5%\n  f: 1 days\n'
            '  g: "say \\"hi\\" \\\\ \\q"\n  h: """two\nlines"""\n}\n')
    assert assert_formats_well(text) == (
        "x {\n"
        "  a: 3,840,000\n"
        "  b: 3,840,000\n"
        "  c: 10.5\n"
        "  d: USD 1,000.50\n"
        "  e: 12.5%\n"
        "  f: 1 day\n"
        '  g: "say \\"hi\\" \\\\ \\\\q"\n'  # a backslash that escapes nothing is doubled: same value
        '  h: """two\nlines"""\n'
        "}\n"
    )


def test_trailing_comments_of_consecutive_lines_are_aligned():
    text = "x {\n  a: 1 # one\n  bbbbbb: 2 # two\n}\n"
    assert assert_formats_well(text) == "x {\n  a: 1       # one\n  bbbbbb: 2  # two\n}\n"


# ---- Known bugs: each a minimal input; strict, so that a fix is noticed -------------------------------


def test_tiny_money_amount_is_printed_as_a_decimal():
    assert_formats_well("x {\n  m: USD 0.0000001\n}\n")


def test_longest_decimal_number_keeps_every_digit():
    assert "0.1234567890123456789012345678\n" in assert_formats_well("x {\n  m: 0.1234567890123456789012345678\n}\n")


def test_a_number_too_long_to_keep_exactly_is_refused_where_it_is_written():
    # 31 characters without separators: a located error rather than a silently rounded value
    _, diagnostics = parse("x {\n  m: 0.12345678901234567890123456789\n}\n", "test.contract")
    assert [(d.span.line, d.span.column, d.message) for d in diagnostics] == [
        (2, 6, "a number of more than 30 digits")]


def test_string_with_a_newline_ending_in_a_quote():
    assert_formats_well('x {\n  m: "a\\nb\\""\n}\n')


def test_string_with_a_newline_and_three_quotes():
    assert_formats_well('x {\n  m: "a\\n\\"\\"\\"b"\n}\n')


def test_multi_line_citation_with_a_header_comment_is_idempotent():
    assert_formats_well('rule r "a\\nb" {  # c\n  x: 1\n}\n')


def test_crlf_input_gives_consistent_line_ends():
    text = "# head\r\nrule r {\r\n  a: 1  # c\r\n  b: 2\r\n}\r\n"
    formatted = assert_formats_well(text)
    assert formatted.count("\r\n") in (0, formatted.count("\n"))  # all CRLF, or none


@pytest.mark.parametrize("text", ["rule r overrides plan.rule\n", "rule r \"c\" exception to plan.rule\n"])
def test_a_header_ending_with_an_override_parses(text: str):
    module, diagnostics = parse(text, "test.contract")
    assert diagnostics == [] and len(module.items) == 1


def test_an_override_with_an_empty_block_formats_well():
    assert_formats_well("rule r exception to plan.rule {\n}\n")


# ---- (d) the command line ------------------------------------------------------------------------------

# The reference text in a non-canonical layout: trailing comments not aligned, entries indented by four,
# a `when` on a line of its own that fits on the header line.
def scrambled(text: str) -> str:
    text = re.sub(r"(\S) {2,}#", r"\1 #", text)
    text = re.sub(r"^  ([a-z_]+:)", r"    \1", text, flags=re.MULTILINE)
    return text.replace("on termination when reason in {without_cause, resignation} {",
                        "on termination\n    when reason in {without_cause,resignation} {")


@pytest.fixture
def messy(tmp_path: Path, reference_text: str) -> Path:
    path = tmp_path / "messy.contract"
    path.write_text(scrambled(reference_text), encoding="utf-8")
    assert path.read_text(encoding="utf-8") != reference_text
    return path


def test_cli_prints_the_canonical_text_and_leaves_the_file(tmp_path: Path, messy: Path, reference_text: str):
    before = messy.read_bytes()
    result = run("fmt", messy)
    assert result.returncode == 0, result.stderr
    assert result.stdout == reference_text  # the reference is canonical: scrambling it is undone
    assert messy.read_bytes() == before


def test_cli_prints_a_canonical_file_unchanged(reference_text: str):
    result = run("fmt", REFERENCE)
    assert result.returncode == 0
    assert result.stdout == reference_text


def test_cli_check_shows_a_diff_naming_the_file(messy: Path):
    before = messy.read_bytes()
    result = run("fmt", "--check", messy)
    assert result.returncode == 1
    assert f"--- {messy}\n" in result.stdout
    assert f"+++ {messy} (formatted)\n" in result.stdout
    assert re.search(r"^@@ -\d+(,\d+)? \+\d+(,\d+)? @@", result.stdout, re.MULTILINE)
    assert "-    forfeit: unvested\n" in result.stdout and "+  forfeit: unvested\n" in result.stdout
    assert result.stdout.rstrip("\n").endswith("1 of 1 file would be reformatted")
    assert messy.read_bytes() == before


def test_cli_write_rewrites_keeping_comments(messy: Path, reference_text: str):
    original_comments = comments(parsed(messy.read_text(encoding="utf-8")))
    result = run("fmt", "--write", messy)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"reformatted {messy}\n"
    written = messy.read_text(encoding="utf-8")
    assert comments(parsed(written)) == original_comments
    assert written == reference_text
    again = run("fmt", "--check", messy)
    assert (again.returncode, again.stdout) == (0, "")
    assert [p.name for p in messy.parent.iterdir()] == [messy.name]  # no temporary file left beside it


def test_cli_write_keeps_the_file_mode(messy: Path):
    messy.chmod(0o640)
    assert run("fmt", "--write", messy).returncode == 0
    assert messy.stat().st_mode & 0o777 == 0o640


def test_cli_write_on_a_syntax_error_leaves_the_file(tmp_path: Path, reference_text: str):
    # the grant's `shares: 3,840,000` without its colon, in the scrambled (non-canonical) copy
    broken_text = scrambled(reference_text).replace("    shares: 3,840,000", "    shares 3,840,000")
    line = broken_text.splitlines().index("    shares 3,840,000") + 1
    path = tmp_path / "broken.contract"
    path.write_bytes(broken_text.encode("utf-8"))
    result = run("fmt", "--write", path)
    assert result.returncode == 2
    # at `3,840,000`, after `    shares ` (4 + 6 + 1 = 11 characters): column 12
    assert f"{path}:{line}:12: error: unexpected number '3,840,000'; expected ':'" in result.stderr
    assert "not formatted: it does not parse" in result.stderr
    assert result.stdout == ""
    assert path.read_bytes() == broken_text.encode("utf-8")


def test_cli_write_writes_nothing_when_one_of_the_files_is_broken(tmp_path: Path, messy: Path):
    (tmp_path / "z_broken.contract").write_text("grant {\n  shares: \n}\n", encoding="utf-8")
    before = messy.read_bytes()
    result = run("fmt", "--write", tmp_path)
    assert result.returncode == 2
    assert messy.read_bytes() == before  # everything is read and formatted before anything is written


def test_cli_check_and_write_together_is_a_usage_error(messy: Path):
    result = run("fmt", "--check", "--write", messy)
    assert result.returncode == 2
    assert "not allowed with argument" in result.stderr


def test_cli_missing_path(tmp_path: Path):
    result = run("fmt", tmp_path / "nowhere.contract")
    assert result.returncode == 2
    assert "nowhere.contract" in result.stderr
    assert "cannot read" in result.stderr


def test_cli_directory_without_contracts(tmp_path: Path):
    result = run("fmt", "--check", tmp_path)
    assert result.returncode == 2
    assert "no .contract files found" in result.stderr
