"""Robustness of the parser and checker on mutated contract text.

Starting from the reference contract, hypothesis truncates it, inserts tokens of the language, deletes
spans, duplicates lines, nests expressions absurdly deep, and feeds it random unicode text and raw bytes.
Whatever the input:

  - `optionrules.check_source` returns; it never raises;
  - every diagnostic is located: a span with line >= 1 and column >= 1 inside the text, or a `where`;
  - every diagnostic renders against its source;
  - a text with no error is a usable contract: it loads and evaluates (so a text that is broken in a
    way that matters always gets at least one located diagnostic).
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import optionrules
from tests.helpers import copy_what_it_uses

try:  # read_source moved from optionrules.parse to optionrules.files
    from optionrules.files import read_source
except ImportError:  # pragma: no cover
    from optionrules.parse import read_source  # type: ignore[attr-defined,no-redef]

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

ROOT = Path(__file__).resolve().parent.parent
CONTRACTS = ROOT / "contracts"
REFERENCE = CONTRACTS / "capstone_liggett_2002.contract"
REFERENCE_TEXT = REFERENCE.read_text(encoding="utf-8")
# The reference agreement `uses` the 2000 Plan (capstone_2000_plan.contract), found relative to the agreement's
# file: mutated text is checked under a name beside it (nothing is written there), and the files given to the
# command line are written beside a copy of the plan.
FILE = str(CONTRACTS / "fuzz.contract")


def beside_the_plan(directory: Path) -> Path:
    """Copy the files the reference agreement uses into `directory`; the path to write a contract to."""
    copy_what_it_uses(REFERENCE_TEXT, directory)
    return directory / "fuzz.contract"

# Tokens, keywords and punctuation of the language (grammar/optionrules.lark, optionrules kinds).
TOKENS = [
    # clause kinds and keywords
    "agreement", "enum", "event", "assume", "conventions", "grant", "term", "vesting", "service", "rule",
    "lockup", "exercise", "payment", "require", "example", "on", "when", "and", "or", "not", "in", "before",
    "after", "within", "of", "later_of", "earlier_of", "whole", "pro_rata", "in_service",
    # keys and names of the reference agreement
    "installments:", "every:", "from:", "forfeit:", "vest:", "exercisable_until:", "says:", "default:",
    "shares", "reason", "cause", "commencement", "grant_date", "termination", "monthly", "days", "months",
    "years", "day", "month", "week", "USD",
    # punctuation
    "{", "}", "(", ")", "[", "]", ",", ":", ".", "=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "#",
    '"', '"""', "\n", "\n  ", "\t", " ",
    # literals
    "2002-11-21", "2003-02-30", "0000-00-00", "30 days", "12 months", "0", "48", "3,840,000", "3_840_000",
    "1.01", "25%", "1/48", "1/0", '"text"', '"unclosed', "\\", "§",
]


def assert_well_reported(text: str, diagnostics: list[optionrules.Diagnostic], file: str = FILE) -> None:
    lines = text.splitlines() or [""]
    for diagnostic in diagnostics:
        assert isinstance(diagnostic, optionrules.Diagnostic)
        assert diagnostic.message
        if diagnostic.span is not None:
            span = diagnostic.span
            assert span.line >= 1 and span.column >= 1, diagnostic
            assert (span.end_line, span.end_column) >= (span.line, span.column), diagnostic
            if span.file == file:
                assert span.line <= len(lines) + 1, (diagnostic, len(lines))
            else:  # in a file the contract uses
                assert Path(span.file).is_file(), diagnostic
        else:
            assert diagnostic.where, diagnostic
        rendered = diagnostic.render({file: text})
        assert rendered.startswith(f"{diagnostic.location}: {diagnostic.severity}: ")


def check_source(text: str, file: str = FILE) -> list[optionrules.Diagnostic]:
    _, diagnostics = optionrules.check_source(text, file)
    return diagnostics


def check(text: str) -> list[optionrules.Diagnostic]:
    """Check the text: never raises, every diagnostic located and renderable, no errors means usable."""
    diagnostics = check_source(text)
    assert_well_reported(text, diagnostics)
    if not any(d.severity == "error" for d in diagnostics):
        contract = optionrules.loads(text, FILE)
        contract.evaluate([], date(2005, 1, 1))
    return diagnostics


def errors(diagnostics: list[optionrules.Diagnostic]) -> list[optionrules.Diagnostic]:
    return [d for d in diagnostics if d.severity == "error"]


@pytest.fixture(scope="module", autouse=True)
def _the_reference_is_clean(reference_text):
    assert reference_text == REFERENCE_TEXT
    assert optionrules.check_source(reference_text, FILE)[1] == []


# ---- mutations --------------------------------------------------------------------------------------


@FUZZ
@given(cut=st.integers(0, len(REFERENCE_TEXT)))
def test_truncation(cut):
    text = REFERENCE_TEXT[:cut]
    diagnostics = check(text)
    if cut < REFERENCE_TEXT.index("\nterm "):
        # the term clause (a required clause) is gone: there must be something to say
        assert errors(diagnostics)
        assert any(d.span is not None or d.where for d in diagnostics)


@FUZZ
@given(insertions=st.lists(st.tuples(st.integers(0, len(REFERENCE_TEXT)), st.sampled_from(TOKENS)),
                           min_size=1, max_size=6))
def test_inserted_tokens(insertions):
    text = REFERENCE_TEXT
    for position, token in sorted(insertions, reverse=True):
        text = text[:position] + token + text[position:]
    check(text)


def _agreement_lines() -> tuple[int, int]:
    """The 0-based indexes of the agreement clause's first and last lines."""
    lines = REFERENCE_TEXT.split("\n")
    first = next(i for i, line in enumerate(lines) if line.startswith("agreement "))
    last = next(i for i in range(first, len(lines)) if lines[i].startswith("}"))
    return first, last


AGREEMENT = _agreement_lines()


@FUZZ
@given(line=st.integers(0, REFERENCE_TEXT.count("\n")), token=st.sampled_from(["}", ")", "]", "1", "{", "- x"]))
def test_a_stray_token_at_the_start_of_a_line_is_reported(line, token):
    # a line of its own starting with one of these cannot start an item, continue one, or end one
    lines = REFERENCE_TEXT.split("\n")
    lines.insert(line, token)
    text = "\n".join(lines)
    inside_a_long_string = "\n".join(lines[:line]).count('"""') % 2 == 1
    diagnostics = check(text)
    # (the agreement clause's values are not checked at all: see test_the_agreement_keys_are_checked)
    if not inside_a_long_string and not AGREEMENT[0] < line <= AGREEMENT[1]:
        assert errors(diagnostics), token


@FUZZ
@given(deletions=st.lists(st.tuples(st.integers(0, len(REFERENCE_TEXT)), st.integers(1, 80)),
                          min_size=1, max_size=4))
def test_deleted_spans(deletions):
    text = REFERENCE_TEXT
    for start, length in sorted(deletions, reverse=True):
        text = text[:start] + text[start + length:]
    check(text)


@FUZZ
@given(picks=st.lists(st.integers(0, REFERENCE_TEXT.count("\n")), min_size=1, max_size=5))
def test_duplicated_lines(picks):
    lines = REFERENCE_TEXT.split("\n")
    for index in sorted(picks, reverse=True):
        lines.insert(index, lines[index])
    check("\n".join(lines))


@FUZZ
@given(picks=st.lists(st.tuples(st.integers(0, REFERENCE_TEXT.count("\n")),
                                st.integers(0, REFERENCE_TEXT.count("\n"))), min_size=1, max_size=3))
def test_swapped_lines(picks):
    lines = REFERENCE_TEXT.split("\n")
    for a, b in picks:
        lines[a], lines[b] = lines[b], lines[a]
    check("\n".join(lines))


@FUZZ
@given(noise=st.text(max_size=300))
def test_random_unicode_text(noise):
    check(noise)


@FUZZ
@given(position=st.integers(0, len(REFERENCE_TEXT)), noise=st.text(min_size=1, max_size=40))
def test_random_unicode_inserted(position, noise):
    check(REFERENCE_TEXT[:position] + noise + REFERENCE_TEXT[position:])


@FUZZ
@given(data=st.one_of(st.binary(max_size=400),
                      st.tuples(st.integers(0, len(REFERENCE_TEXT.encode())), st.binary(min_size=1, max_size=8))
                      .map(lambda p: REFERENCE_TEXT.encode()[:p[0]] + p[1] + REFERENCE_TEXT.encode()[p[0]:])))
def test_raw_bytes_through_read_source(tmp_path_factory, data):
    path = beside_the_plan(tmp_path_factory.mktemp("bytes"))
    path.write_bytes(data)
    text, problems = read_source(path)
    if text is None:
        # not UTF-8: one located diagnostic, at the first byte that does not decode
        assert len(problems) == 1
        (problem,) = problems
        assert problem.span is not None or problem.where
        if problem.span is not None:
            assert problem.span.line >= 1 and problem.span.column >= 1
            assert problem.span.line == data.count(b"\n", 0, _first_bad_byte(data)) + 1
        problem.render({str(path): ""})
        return
    assert problems == []
    assert_well_reported(text, check_source(text, str(path)), str(path))


def _first_bad_byte(data: bytes) -> int:
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return error.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
    raise AssertionError("decodes")


# ---- deep nesting: reported, never a RecursionError -----------------------------------------------------

ANCHOR = "exercisable_until: later_of(commencement + 2 years, termination + 30 days)"

DEEP = {
    "500 open parentheses": "(" * 500,
    "500 nots": "not " * 500 + "commencement",
    "2000-term sum": " + ".join(["a"] * 2000),
    "2000 durations added": " + ".join(["commencement", *["1 day"] * 2000]),
    "2000-factor product": " * ".join(["2"] * 2000),
    "300-long attribute chain": ".".join(["a"] * 300),
    "500 unary minuses": "-" * 500 + "commencement",
    "500 nested calls": "later_of(" * 500 + "commencement" + ")" * 500,
    "500 nested sets": "{" * 500 + "a" + "}" * 500,
    "500 nested lists": "[" * 500 + "a" + "]" * 500,
    "500 nested records": "{ k: " * 500 + "a" + " }" * 500,
    "500 unclosed calls": "later_of(" * 500,
}


@pytest.mark.parametrize("value", DEEP.values(), ids=DEEP.keys())
def test_deep_nesting_is_an_error_not_a_crash(value):
    assert REFERENCE_TEXT.count(ANCHOR) == 1
    text = REFERENCE_TEXT.replace(ANCHOR, "exercisable_until: " + value)
    diagnostics = check(text)
    assert errors(diagnostics)
    line = REFERENCE_TEXT[:REFERENCE_TEXT.index(ANCHOR)].count("\n") + 1
    # the problem is reported on the clause's line (or, for an unclosed item, where the item ends)
    assert any(d.span is not None and d.span.line >= line for d in diagnostics), diagnostics


def test_balanced_parentheses_are_only_grouping():
    # 500 pairs of parentheses around a date are still that date: no nesting of nodes, nothing to report
    text = REFERENCE_TEXT.replace(ANCHOR, "exercisable_until: " + "(" * 500 + "commencement" + ")" * 500)
    assert check(text) == []


def test_a_number_with_thousands_of_digits():
    text = REFERENCE_TEXT.replace("installments: 48", "installments: " + "9" * 5000)
    assert errors(check(text))


@pytest.mark.parametrize(("good", "bad"), [
    ("expiration: grant_date + 10 years", "expiration: grant_date + 99999999 years"),
    ("grant_date: 2002-11-21", "grant_date: 9999-12-31"),  # expiration: grant_date + 10 years = 10009-12-31
])
def test_a_constant_date_out_of_the_calendar(good, bad):
    assert REFERENCE_TEXT.count(good) == 1
    assert errors(check(REFERENCE_TEXT.replace(good, bad)))


@pytest.mark.parametrize("value", ["expiration", "shares", "commencement - 1 day"])
def test_a_grant_of_a_date_is_reported(value):
    good = "  shares: 3,840,000"
    assert REFERENCE_TEXT.count(good) == 1
    assert errors(check(REFERENCE_TEXT.replace(good, f"  shares: {value}")))


@pytest.mark.parametrize(("good", "bad"), [
    ("commencement: 2002-11-21", "commencement: 9999-12-31"),  # the first installment is in year 10000
    ("installments: 48", "installments: 4800000"),           # installments run past 9999-12-31
    ("every: 1 month", "every: 1000 years"),                  # ditto
    ("period: 180 days", "period: 999999999999 days"),        # a lock-up longer than timedelta allows
    (ANCHOR, "exercisable_until: 9999-12-31 + 1 day"),        # a window past the calendar
    (ANCHOR, "exercisable_until: termination + 99999999999 days"),
])
def test_a_contract_that_checks_evaluates(good, bad):
    assert REFERENCE_TEXT.count(good) == 1
    text = REFERENCE_TEXT.replace(good, bad)
    _, diagnostics = optionrules.check_source(text, FILE)
    if errors(diagnostics):
        return  # reporting it is fine too
    contract = optionrules.loads(text, FILE)
    for as_of in ("2005-01-01", "2004-03-20"):
        contract.evaluate([{"date": "2004-03-15", "event": "termination", "reason": "without_cause"},
                           {"date": "2004-01-15", "event": "registration_effective"}], as_of)


@pytest.mark.parametrize("text", [
    "event\n",
    'event "citation"\n',
    "assume\n",
    'assume "x" {\n  reads: "r"\n  default: a\n  alternatives: b\n}\n',
    REFERENCE_TEXT.replace("event became_ceo", "event", 1),
    REFERENCE_TEXT.replace("assume until_dates ", "assume ", 1),
])
def test_a_nameless_event_or_assumption(text):
    _, diagnostics = optionrules.check_source(text, FILE)
    assert any("needs a name" in d.message for d in diagnostics)
    assert_well_reported(text, diagnostics)


OVERRIDES = ('rule change_of_control_acceleration "Art. II §8" '
             "overrides capstone_2000_plan.change_of_control_acceleration")


@pytest.mark.parametrize("text", [
    'rule r "c" overrides p.q\n',
    "rule r overrides p.q\n",
    REFERENCE_TEXT.replace(OVERRIDES, OVERRIDES + "\n" + OVERRIDES, 1),  # the line duplicated
])
def test_an_item_ending_with_overrides(text):
    assert errors(check(text))


@pytest.mark.parametrize("value", ["5", "nosuch", '"Capstone Turbine Corporation" - x', "2002-11-21"])
def test_the_agreement_keys_are_checked(value):
    good = 'company: "Capstone Turbine Corporation"'
    assert REFERENCE_TEXT.count(good) == 1
    text = REFERENCE_TEXT.replace(good, f"company: {value}")
    # `optionee: 5` in the grant clause is reported ("`optionee` must be a \"string\""); so should this be
    assert errors(check(text))


# ---- through the command line ----------------------------------------------------------------------------

MUTATIONS = {
    "truncated in the middle": REFERENCE_TEXT[: len(REFERENCE_TEXT) // 2],
    "truncated inside a long string": REFERENCE_TEXT[: REFERENCE_TEXT.index('"""') + 20],
    "a stray brace": REFERENCE_TEXT.replace("\nterm ", "\n}\nterm ", 1),
    "every line twice": "\n".join(line for line in REFERENCE_TEXT.split("\n") for _ in (0, 1)),
    "the vocabulary twice": REFERENCE_TEXT.replace("\nevent became_ceo", "\nevent became_ceo" * 2, 1),
    "500 nots": REFERENCE_TEXT.replace(ANCHOR, "exercisable_until: " + "not " * 500 + "commencement"),
    "unicode noise": REFERENCE_TEXT.replace("vesting monthly", "vesting m\u00f6nthly \u202e\U0001f4a5 \x00", 1),
    "empty": "",
}


@pytest.mark.parametrize("text", MUTATIONS.values(), ids=MUTATIONS.keys())
def test_mutated_files_through_the_cli(tmp_path, text):
    path = beside_the_plan(tmp_path)
    path.write_text(text, encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "optionrules", "check", str(path)], cwd=ROOT,
                            capture_output=True, text=True, encoding="utf-8", errors="replace", timeout=60)
    assert result.returncode in (0, 1), result.stdout + result.stderr
    for stream in (result.stdout, result.stderr):
        assert "Traceback" not in stream and "internal error" not in stream, stream
    if result.returncode == 1:
        assert f"{path}:" in result.stdout and ": error: " in result.stdout


def test_a_binary_file_through_the_cli(tmp_path):
    path = beside_the_plan(tmp_path)
    path.write_bytes(REFERENCE_TEXT.encode()[:100] + b"\xff\xfe\x00garbage")
    result = subprocess.run([sys.executable, "-m", "optionrules", "check", str(path)], cwd=ROOT,
                            capture_output=True, text=True, encoding="utf-8", errors="replace", timeout=60)
    assert result.returncode == 2  # a file that cannot be read as text: an input error
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    line = REFERENCE_TEXT.encode()[:100].count(b"\n") + 1
    assert f"{path}:{line}:" in result.stderr and "UTF-8" in result.stderr
