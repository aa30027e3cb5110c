"""The checker: golden files of rendered diagnostics, and unit tests on messages and positions.

Golden files: every `tests/golden/check/NAME.contract` is checked under the file name
`tests/golden/check/NAME.contract` (relative to the repository root, whatever the
working directory), and its diagnostics, rendered, must equal `NAME.expected`.
`OPTIONRULES_UPDATE_GOLDEN=1` rewrites the expected files; read every one before keeping it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import optionrules
from optionrules.errors import Diagnostic
from tests.conftest import REFERENCE
from tests.helpers import ENDS, contract

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "check"
CASES = sorted(GOLDEN.glob("*.contract"))
UPDATE = os.environ.get("OPTIONRULES_UPDATE_GOLDEN") == "1"

FILE = "test.contract"

# A contract that checks clean: the clauses every option needs.
BASE = """\
conventions "Date arithmetic" {
  missing_day: last_day_of_month
  until: inclusive
}
grant "Art. I" {
  shares: 48
  grant_date: 2002-11-21
}
term "Art. I, Term" {
  expiration: grant_date + 10 years
  caps_windows: yes
}
event exercise(shares: shares)
exercise "Art. II" on exercise {
  shares: shares
}
"""
BASE_LINES = BASE.count("\n")  # what follows BASE starts on line BASE_LINES + 1


def check(text: str) -> list[Diagnostic]:
    _, diagnostics = optionrules.check_source(text, FILE)
    return diagnostics


def located(diagnostics: list[Diagnostic]) -> list[tuple[str, int, int]]:
    return [(d.message, d.span.line, d.span.column) for d in diagnostics if d.span is not None]


def render(diagnostics: list[Diagnostic], file: str, text: str) -> str:
    return "\n".join(d.render({file: text}) for d in diagnostics)


# ---- Golden files ------------------------------------------------------------------------


def test_golden_directory_is_complete():
    assert len(CASES) >= 18
    for expected in GOLDEN.glob("*.expected"):
        assert expected.with_suffix(".contract").exists(), f"{expected.name} has no input beside it"


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_golden(path: Path):
    relative = path.relative_to(ROOT).as_posix()  # tests/golden/check/NAME.contract
    text = path.read_text(encoding="utf-8")
    _, diagnostics = optionrules.check_source(text, relative)
    rendered = render(diagnostics, relative, text) + "\n"
    expected_path = path.with_suffix(".expected")
    if UPDATE:
        expected_path.write_text(rendered, encoding="utf-8")
    assert expected_path.exists(), f"no {expected_path.name}: run with OPTIONRULES_UPDATE_GOLDEN=1, then read it"
    assert rendered == expected_path.read_text(encoding="utf-8")
    assert diagnostics, "each golden input shows at least one problem"


# ---- The reference agreement and whole files --------------------------------------------


def test_reference_agreement_checks_clean(reference_text):
    _, diagnostics = optionrules.check_source(reference_text, str(REFERENCE))
    assert diagnostics == []


def test_base_checks_clean():
    assert check(BASE) == []


def test_every_problem_of_a_file_is_reported_in_one_run():
    text = BASE + (
        "vestng monthly \"Art. I\" {\n"            # +1: unknown kind
        "}\n"
        "event termination\n"                      # +3
        "rule lapse on termination {\n"            # +4: no citation
        "  forfeit: all\n"
        "}\n"
        'rule late "Art. II" on terminaton {\n'   # +7: undeclared event
        "  forfeit: all\n"
        "}\n"
        'agreement a "T" {\n'                      # +10
        "  sorce: \"a.txt\"\n"                     # +11: unknown key
        "}\n"
        'require r "Art. II" on termination {\n'  # +13
        "  that: termination < grant_date + 30\n"  # +14: date plus number
        "}\n"
        'plan p "A plan" {\n'                      # +16: planned kind
        "}\n"
        "event broken(\n"                          # +18: syntax error
    )
    n = BASE_LINES
    assert located(check(text)) == [
        ("unknown clause kind 'vestng'", n + 1, 1),
        ("rule 'lapse' needs the citation of the section it encodes, e.g. \"Art. II §5\"", n + 4, 1),
        ("'terminaton' is not a declared event", n + 7, 24),
        ("`agreement` names what the file is: it comes first, once", n + 10, 1),
        ("agreement 'a' has no key 'sorce' (keys: company, source, form, with, says)", n + 11, 3),
        ("cannot add a date and a number", n + 14, 23),
        ("`plan` names what the file is: it comes first, once", n + 16, 1),
        ("this item ends too early; expected ')', a name", n + 18, 13),
    ]


def test_diagnostics_come_in_file_order():
    text = BASE + 'vesting_x a "c" { }\nform b "c" { }\nplan c "c" { }\n'
    lines = [d.span.line for d in check(text)]
    assert lines == sorted(lines) == [BASE_LINES + 1, BASE_LINES + 2, BASE_LINES + 3]


# ---- Names and types ------------------------------------------------------------------------


def test_undefined_name_with_did_you_mean():
    text = BASE.replace("expiration: grant_date + 10 years", "expiration: grant_dat + 10 years")
    (d,) = check(text)
    assert d.message == "undefined name 'grant_dat'"
    assert (d.span.line, d.span.column, d.span.end_column) == (10, 15, 24)
    assert d.hint == "did you mean 'grant_date'?"


def test_undefined_name_without_close_match_has_no_hint():
    (d,) = check(BASE.replace("expiration: grant_date + 10 years", "expiration: vesting_end + 10 years"))
    assert d.message == "undefined name 'vesting_end'"
    assert d.hint is None


def test_adding_a_number_to_a_date_needs_a_unit():
    (d,) = check(BASE.replace("grant_date + 10 years", "grant_date + 10"))
    assert d.message == "cannot add a date and a number"
    assert (d.span.line, d.span.column, d.span.end_column) == (10, 15, 30)  # `grant_date + 10`
    assert d.hint == "write a unit, e.g. `30 days`"


def test_a_key_wanting_a_duration_is_told_to_write_a_unit():
    text = BASE + 'event r\nlockup l "Art. II §3" on r {\n  period: 180\n  starts: day_after\n}\n'
    (d,) = check(text)
    assert d.message == "`period` must be a duration, not a number"
    assert (d.span.line, d.span.column) == (BASE_LINES + 3, 11)
    assert d.hint == "write a unit, e.g. `30 days`"


def test_comparing_shares_with_a_date():
    text = BASE + 'require r "Art. II" on exercise {\n  that: shares < grant_date\n}\n'
    (d,) = check(text)
    assert d.message == "cannot compare a number with a date"
    assert (d.span.line, d.span.column, d.span.end_column) == (BASE_LINES + 2, 9, 28)


def test_enum_value_outside_its_enumeration_in_a_condition():
    text = BASE + (
        "enum termination_reason { without_cause, cause, death }\n"
        "event termination(reason: termination_reason)\n"
        'rule r "Art. II §7" on termination when reason = deth {\n'
        "  forfeit: all\n"
        "}\n"
    )
    (d,) = check(text)
    assert d.message == "'deth' is not a termination_reason (one of: without_cause, cause, death)"
    assert (d.span.line, d.span.column) == (BASE_LINES + 3, 50)
    assert d.hint == "did you mean 'death'?"


def test_enum_value_on_the_left_of_a_comparison_resolves_too():
    text = BASE + (
        "enum termination_reason { without_cause, cause }\n"
        "event termination(reason: termination_reason)\n"
        'rule r "Art. II" on termination when cause = reason and reason != without_cause {\n'
        "  forfeit: all\n"
        "}\n"
    )
    assert check(text) == []


def test_clause_on_an_undeclared_event():
    text = BASE + 'rule r "Art. II §5" on termination {\n  forfeit: all\n}\n'
    (d,) = check(text)
    assert d.message == "'termination' is not a declared event"
    assert (d.span.line, d.span.column) == (BASE_LINES + 1, 24)
    assert d.hint == "declare it: event termination"


# ---- Clause shapes -----------------------------------------------------------------------------


def test_unknown_clause_kind_with_hint():
    (d,) = check(BASE + 'vestng monthly "Art. I" {\n}\n')
    assert d.message == "unknown clause kind 'vestng'"
    assert (d.span.line, d.span.column, d.span.end_column) == (BASE_LINES + 1, 1, 7)
    assert d.hint == "did you mean 'vesting'?"


@pytest.mark.parametrize("kind", ["plan", "form", "agreement"])
def test_a_header_comes_first(kind):
    (d,) = check(BASE + f'{kind} x "A title" {{\n}}\n')
    assert d.message == f"`{kind}` names what the file is: it comes first, once"
    assert (d.span.line, d.span.column) == (BASE_LINES + 1, 1)


def test_unknown_key_with_hint():
    (d,) = check('agreement a "Title" {\n  sorce: "a.txt"\n}\n' + BASE)
    assert d.message.startswith("agreement 'a' has no key 'sorce'")
    assert (d.span.line, d.span.column, d.span.end_column) == (2, 3, 8)
    assert d.hint == "did you mean 'source'?"


def test_key_given_twice():
    (d,) = check(BASE.replace("  shares: 48\n", "  shares: 48\n  shares: 96\n"))
    assert d.message == "'shares' is given twice (first at line 6)"
    assert (d.span.line, d.span.column) == (7, 3)


def test_missing_required_key():
    diagnostics = check(BASE.replace("  grant_date: 2002-11-21\n", ""))
    assert ("the grant clause is missing `grant_date`", 5, 1) in located(diagnostics)


def test_missing_required_key_is_at_the_kind():
    (d,) = check(BASE.replace("  expiration: grant_date + 10 years\n", ""))
    assert d.message == "the term clause is missing `expiration`"
    assert (d.span.line, d.span.column, d.span.end_column) == (9, 1, 5)
    assert d.hint is None


def test_missing_citation():
    (d,) = check(BASE + "event termination\nrule lapse on termination {\n  forfeit: all\n}\n")
    assert d.message == 'rule \'lapse\' needs the citation of the section it encodes, e.g. "Art. II §5"'
    assert (d.span.line, d.span.column) == (BASE_LINES + 2, 1)


def test_clauses_that_need_no_citation():
    assert check('agreement a\nevent e\nenum x { y }\n' + BASE) == []


def test_duplicate_clause_name():
    text = BASE + (
        "event termination\n"
        'rule lapse "Art. II §5" on termination {\n'
        "  forfeit: all\n"
        "}\n"
        'rule lapse "Art. II §6" on termination {\n'
        "  forfeit: unvested\n"
        "}\n"
    )
    (d,) = check(text)
    assert d.message == f"'lapse' is already declared at line {BASE_LINES + 2}"
    assert (d.span.line, d.span.column, d.span.end_column) == (BASE_LINES + 5, 6, 11)


def test_an_event_and_a_clause_may_share_a_name():
    text = BASE + 'event lapse\nevent termination\nrule lapse "Art. II" on termination {\n  forfeit: all\n}\n'
    assert check(text) == []


def test_second_singleton_clause():
    (d,) = check(BASE + 'term "Art. II" {\n  expiration: 2010-01-01\n  caps_windows: yes\n}\n')
    assert d.message == "a second term clause (the first is at line 9)"
    assert (d.span.line, d.span.column) == (BASE_LINES + 1, 1)


def test_missing_grant_term_and_conventions():
    text = 'agreement a "Title" {\n  company: "A"\n}\n'
    assert located(check(text)) == [
        ("the contract has no grant clause", 1, 1),
        ("the contract has no term clause", 1, 1),
        ("the contract has no conventions clause", 1, 1),
        ("the contract has no exercise clause", 1, 1),
    ]


@pytest.mark.parametrize("text", ["", "# nothing but a comment\n"])
def test_empty_file_lacks_grant_term_and_conventions(text):
    messages = [d.message for d in check(text)]
    assert "the contract has no grant clause" in messages


# ---- Assumptions -------------------------------------------------------------------------------


def test_assumption_whose_readings_a_key_cannot_take():
    text = (
        'assume until_dates "Art. II §5" {\n'
        '  reads: "shall remain exercisable until"\n'
        "  default: inclusive\n"
        "  alternatives: exclusive, through_next_day\n"
        "}\n"
    ) + BASE.replace("until: inclusive", "until: until_dates")
    (d,) = check(text)
    assert d.message == ("the assumption 'until_dates' has readings that `until` cannot take: through_next_day "
                         "(it takes: inclusive, exclusive)")
    assert (d.span.line, d.span.column, d.span.end_column) == (8, 10, 21)


def test_assumption_readings_must_differ():
    text = BASE + 'assume a "Art. I" {\n  reads: "x"\n  default: inclusive\n  alternatives: inclusive\n}\n'
    (d,) = check(text)
    assert d.message == "the readings of 'a' must differ from each other"
    assert (d.span.line, d.span.column) == (BASE_LINES + 1, 8)


# ---- Vesting -----------------------------------------------------------------------------------

SERVICE = """\
event termination
service "Art. II §2" {
  ends_on: termination
  through: inclusive
}
rule lapse "Art. II §5" on termination {
  forfeit: all
}
"""


def vesting(name: str, installments: int, basis: str = "per_installment", extra: str = "") -> str:
    return (f'vesting {name} "Art. I" {{\n  installments: {installments}\n  every: 1 month\n  rounding: down\n'
            f"  rounding_basis: {basis}\n{extra}}}\n")


def test_vesting_schedules_that_add_up_check_clean():
    text = BASE + SERVICE + vesting("a", 12, extra="  shares: 12\n") + vesting("b", 36, extra="  shares: 36\n")
    assert check(text) == []


def test_vesting_schedules_that_do_not_add_up():
    first = BASE_LINES + SERVICE.count("\n") + 1
    text = BASE + SERVICE + vesting("a", 12, extra="  shares: 12\n") + vesting("b", 24, "cumulative", "  shares: 24\n")
    (d,) = check(text)
    assert d.message == "the vesting schedules vest 12 + 24 = 36 shares, not the 48 granted"
    assert (d.span.line, d.span.column) == (first, 1)


def test_per_installment_rounding_needs_a_remainder():
    first = BASE_LINES + SERVICE.count("\n") + 1
    (d,) = check(BASE + SERVICE + vesting("v", 5))
    assert d.message == "5 installments of 9 make 45, not 48; say where the difference goes"
    assert (d.span.line, d.span.column, d.span.end_column) == (first, 1, 8)
    assert d.hint == "remainder: last, first, spread_first or spread_last"


def test_per_installment_rounding_with_a_remainder_checks_clean():
    assert check(BASE + SERVICE + vesting("v", 5, extra="  remainder: last\n")) == []


def test_cumulative_rounding_needs_no_remainder():
    assert check(BASE + SERVICE + vesting("v", 5, "cumulative")) == []


def test_rounding_up_that_over_allocates():
    schedule = vesting("v", 5, extra="  remainder: spread_last\n").replace("rounding: down", "rounding: up")
    text = BASE + SERVICE + schedule
    (d,) = check(text)
    assert d.message == "rounding up 5 installments of 10 over-allocates 48 shares"


def test_vesting_without_a_service_clause():
    messages = [d.message for d in check(BASE + vesting("v", 48))]
    assert messages == ["vesting needs a service clause naming the event that ends service"]


# ---- Coverage of the service-ending event -----------------------------------------------------

REASONS = """\
enum termination_reason { without_cause, cause, death }
event termination(reason: termination_reason)
service "Art. II §2" {
  ends_on: termination
  through: inclusive
}
rule for_cause "Art. II §5" on termination when reason = cause {
  forfeit: all
}
"""


def test_reason_without_a_rule():
    service_line = BASE_LINES + 3
    located_ = located(check(BASE + REASONS))
    assert located_ == [
        ("no rule says what termination with reason = without_cause does to the option", service_line, 1),
        ("no rule says what termination with reason = death does to the option", service_line, 1),
    ]
    hints = [d.hint for d in check(BASE + REASONS)]
    assert hints[1] == "add a rule `on termination when reason = death` with `exercisable_until:` or `forfeit: all`"


def test_every_reason_decided_once_checks_clean():
    text = BASE + REASONS + (
        'rule others "Art. II §6" on termination when reason != cause {\n'
        "  forfeit: unvested\n"
        "  exercisable_until: termination + 30 days\n"
        "}\n"
    )
    assert check(text) == []


def test_two_rules_deciding_the_same_reason():
    rule_line = BASE_LINES + REASONS.count("\n") + 1
    text = BASE + REASONS + (
        'rule others "Art. II §6" on termination when reason not in {cause} {\n'
        "  exercisable_until: termination + 30 days\n"
        "}\n"
        'rule death "Art. II §7" on termination when reason = death {\n'
        "  exercisable_until: termination + 12 months\n"
        "}\n"
    )
    (d,) = check(text)
    assert d.message == f"rules 'others' (line {rule_line}) and 'death' both decide termination with reason = death"
    assert (d.span.line, d.span.column) == (rule_line + 3, 1)


def test_forfeiting_only_the_unvested_shares_does_not_decide_a_reason():
    text = BASE + REASONS + (
        'rule others "Art. II §6" on termination when reason != cause {\n'
        "  forfeit: unvested\n"
        "}\n"
    )
    messages = [d.message for d in check(text)]
    assert messages == [
        "no rule says what termination with reason = without_cause does to the option",
        "no rule says what termination with reason = death does to the option",
    ]


# ---- Doubtful behaviour, recorded -------------------------------------------------------------


def check_reference(text: str) -> list[Diagnostic]:
    """Check a variant of the reference agreement where it lives, beside the plan it uses."""
    return optionrules.check_source(text, str(REFERENCE))[1]


def test_a_broken_grant_is_not_reported_as_missing(reference_text):
    text = reference_text.replace("  shares: 3,840,000\n", "  shares: 3,840,000 +\n")
    messages = [d.message for d in check_reference(text)]
    assert messages and messages[0].startswith("unexpected")
    assert "the contract has no grant clause" not in messages


def test_a_broken_grant_does_not_make_its_names_undefined(reference_text):
    text = reference_text.replace("  shares: 3,840,000\n", "  shares: 3,840,000 +\n")
    messages = [d.message for d in check_reference(text)]
    assert messages and not [m for m in messages if m.startswith("undefined name")]


def test_exercise_shares_type_error_names_the_type():
    text = BASE.replace("event exercise(shares: shares)", "enum payment_method { cash }\n"
                        "event exercise(shares: shares, method: payment_method)").replace("  shares: shares\n}",
                                                                                        "  shares: method\n}")
    (d,) = check(text)
    assert d.message.startswith("`shares` must be an attribute of type shares")
    assert d.message.endswith("not payment_method")


def test_attribute_of_unknown_type_is_reported_once(reference_text):
    text = reference_text.replace("event lockup_extension(days: days)", "event lockup_extension(days: dayz)")
    assert [d.message for d in check_reference(text)] == ["unknown type 'dayz'"]


# ---- Rendering ---------------------------------------------------------------------------------


def test_render_has_location_source_line_caret_and_hint():
    text = BASE.replace("expiration: grant_date + 10 years", "expiration: grant_dat + 10 years")
    (d,) = check(text)
    assert d.render({FILE: text}) == (
        "test.contract:10:15: error: undefined name 'grant_dat'\n"
        "      expiration: grant_dat + 10 years\n"
        "                  ^^^^^^^^^\n"
        "    hint: did you mean 'grant_date'?"
    )


def test_a_broken_rule_condition_is_not_also_a_coverage_gap(reference_text):
    # `deth` is not a termination_reason: one error, not a second "no rule says what ... death does"
    text = reference_text.replace("when reason = death", "when reason = deth")
    diagnostics = optionrules.check_source(text, str(REFERENCE))[1]
    assert [d.message for d in diagnostics] == [
        "'deth' is not a termination_reason (one of: without_cause, resignation, cause, death, disability)"]


def test_missing_service_is_reported_at_the_vesting_clause(reference_text):
    start = reference_text.index('service "Art. II §2(a)(i)"')
    end = reference_text.index("# ---- What ending service does")
    text = reference_text[:start] + reference_text[end:]
    diagnostics = optionrules.check_source(text, str(REFERENCE))[1]
    assert [(d.message, d.span.line) for d in diagnostics] == [
        ("vesting needs a service clause naming the event that ends service",
         reference_text[:reference_text.index("vesting monthly")].count("\n") + 1)]


def test_a_rule_on_an_event_with_too_many_cases_to_analyse_is_not_said_never_to_apply():
    # 2 x 64 x 64 = 8,192 combinations of the event's enum attributes: more than are analysed case by case, so
    # the checker must not conclude from the first 4,096 (all with a = x) that `a = y` never holds
    members = ", ".join(f"m{i}" for i in range(64))
    extra = (f"enum two {{ x, y }}\nenum many {{ {members} }}\nevent big(a: two, b: many, c: many)\n"
             'rule r "r" on big when a = y {\n  vest: all_unvested\n}\n')
    c = contract(rules=ENDS + extra)
    assert c.evaluate([{"date": "2021-01-15", "event": "big", "a": "y", "b": "m0", "c": "m63"}],
                      "2021-01-15").vested == 4_800


# ---- Readings in conditions, and other typing cases that once crashed the checker ---------------------------

READING = """\
enum reason_t { quit, cause }
event termination(reason: reason_t)
assume a_reading "§1" {
  reads: "x"
  default: yes
  alternatives: no
}
"""


@pytest.mark.parametrize(("condition", "message", "at"), [
    ("not a_reading", "the operand of `not` must be a condition, not a reading of a_reading", "a_reading"),
    ("a_reading = 5", "cannot compare a reading of a_reading with a number", "a_reading = 5"),
    ("a_reading in {5}", "a number cannot be among the values of a reading of a_reading", "5}"),
])
def test_a_reading_used_as_a_condition_is_a_located_error(condition, message, at):
    rule = f'rule r "§2" on termination when {condition} {{\n  forfeit: unvested\n}}\n'
    diagnostics = check(BASE + READING + rule)
    assert located(diagnostics) == [(message, BASE_LINES + READING.count("\n") + 1, rule.index(at) + 1)]


def test_a_reading_compared_with_one_of_its_readings_checks_clean():
    rule = 'rule r "§2" on termination when a_reading = yes {\n  forfeit: unvested\n}\n'
    assert check(BASE + READING + rule) == []


def test_the_cli_reports_a_reading_used_as_a_condition_and_exits_1(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "reading.contract"
    path.write_text(BASE + READING + 'rule r "§2" on termination when not a_reading {\n  forfeit: unvested\n}\n')
    result = subprocess.run([sys.executable, "-m", "optionrules", "check", str(path)], capture_output=True, text=True)
    assert result.returncode == 1, result.stderr
    assert f"{path}:{BASE_LINES + 8}:37: error: the operand of `not` must be a condition" in result.stdout
    assert "internal error" not in result.stderr


def test_a_division_by_zero_in_a_condition_is_reported():
    rule = 'rule r "§2" on termination when 30 / (2 - 2) > 1 {\n  forfeit: unvested\n}\n'
    ((message, line, column),) = located(check(BASE + READING + rule))
    assert (message, line, column) == ("division by zero", BASE_LINES + 8, 33)


def test_a_negative_cliff_is_reported():
    vesting = ('service "s" {\n  ends_on: termination\n  through: inclusive\n}\n'
               'vesting v "§3" {\n  installments: 4\n  every: 1 month\n  cliff: -1 month\n  rounding: down\n'
               '  rounding_basis: cumulative\n}\n')
    diagnostics = check(BASE + READING + vesting)
    assert ("`cliff` cannot be negative", BASE_LINES + 15, 10) in located(diagnostics)


def test_a_value_after_in_must_be_a_constant():
    rule = 'rule r "§2" on termination when reason in {quit, in_service} {\n  forfeit: unvested\n}\n'
    assert located(check(BASE + READING + rule))[0][0] == "a condition cannot be among the values of a reason_t"


def test_every_kind_of_the_registry_is_listed_by_kinds():
    from optionrules.kinds import KINDS
    from optionrules.render import kinds_text

    text = kinds_text()
    for name, kind in KINDS.items():
        assert f"\n{name}" in text or text.startswith(name), name
        for key in kind.keys:
            assert f"    {key.name} " in text, (name, key.name)


# ---- no cascades, and hints for what a first contract gets wrong -------------------------------------------


def first_contract() -> str:
    """The README's first contract (it checks clean): rules for termination with reason resignation and cause."""
    from tests.test_readme import CONTRACTS

    return CONTRACTS[0]


def messages(text: str) -> list[str]:
    _, diagnostics = optionrules.check_source(text, FILE)
    return [d.message for d in diagnostics]


def test_a_window_without_a_unit_is_the_only_error_not_its_rule_s_cases():
    text = first_contract().replace("termination + 90 days", "termination + 90")
    # the rule on resignation is in error: it still covers resignation, so no "no rule says ..." follows it
    assert messages(text) == ["cannot add the event termination and a number"]


def test_a_rule_in_error_does_not_hide_a_case_no_rule_covers():
    text = first_contract().replace("termination + 90 days", "termination + 90")
    start = text.index("rule for_cause")
    text = text[:start] + text[text.index("}\n", start) + 2:]  # no rule on cause now
    assert messages(text) == ["no rule says what termination with reason = cause does to the option",
                              "cannot add the event termination and a number"]


def test_entries_of_a_record_written_with_commas_get_a_hint():
    text = first_contract().replace("    vested: 1,200  # 12 installments x 4,800 / 48",
                                    "    vested: 1,200, exercise_deadline: none")
    _, diagnostics = optionrules.check_source(text, FILE)
    (diagnostic,) = diagnostics
    assert diagnostic.message.startswith("unexpected ':'")
    assert diagnostic.hint == ("entries are separated by line breaks, not commas: put `exercise_deadline: ...` on a "
                               "line of its own")
