"""Plans, forms, overrides and exceptions."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

import optionrules
from tests.conftest import ROOT
from tests.helpers import event, exercise, termination

FLAT = ROOT / "tests" / "data" / "capstone_liggett_2002_flat.contract"
REASONS = ["without_cause", "resignation", "cause", "death", "disability"]


def timelines():
    """Terminations on days around installments and windows, with and without a change of control first."""
    days = ["2002-12-01", "2003-06-10", "2004-02-21", "2004-03-15", "2006-01-31", "2008-05-01", "2012-06-01"]
    for day, reason in itertools.product(days, REASONS):
        yield [termination(day, reason)]
        yield [event("2003-01-01", "became_ceo"), event("2003-06-01", "change_of_control"), termination(day, reason)]
        yield [event("2003-06-01", "change_of_control"), exercise("2003-07-01", 1_000), termination(day, reason)]


AS_OF = ["2003-01-01", "2003-06-01", "2004-03-20", "2004-11-22", "2009-05-02", "2012-11-22"]


def test_plan_plus_overrides_answers_as_the_flat_encoding(reference):
    flat = optionrules.load(FLAT)
    for timeline, as_of in itertools.product(timelines(), AS_OF):
        ours, theirs = reference.evaluate(timeline, as_of), flat.evaluate(timeline, as_of)
        assert ours.figures() == theirs.figures(), (timeline, as_of)
        assert [v.why for v in ours.violations] == [v.why for v in theirs.violations]


def test_the_override_replaces_the_plan_rule_entirely(reference):
    # The plan alone accelerates on any change of control in service; Art. II §8 only after becoming CEO.
    r = reference.evaluate([event("2003-06-01", "change_of_control")], "2003-06-01")
    assert r.vested == 6 * 80_000
    cited = {line.clause.citation for d in reference.explain([event("2003-06-01", "change_of_control")],
                                                              "2003-06-01").derivations for line in d.lines
             if line.clause}
    assert "2000 Plan §15(d), §15(e)" not in cited


def test_plan_clauses_keep_their_file_in_explanations(reference):
    impacts = {i.assumption: i for i in reference.explain([], "2003-06-01").impacts}
    assert impacts["plan_acceleration"].citation == "2000 Plan §15(d), §15(e)"
    plan_rule = reference.model.assumptions["plan_acceleration"].ref
    assert plan_rule.span.file.endswith("capstone_2000_plan.contract")


PLAN = """\
plan acme_plan "Acme 2020 Equity Incentive Plan" {
  company: "Acme"
}
enum reason_t { quit, fired, cause, death }
event termination(reason: reason_t)
event deal
rule lapse "Plan §12(a)" on termination when reason != cause {
  forfeit: unvested
  exercisable_until: termination + 3 months
}
rule for_cause "Plan §12(b)" on termination when reason = cause {
  forfeit: all
}
rule acceleration "Plan §15" on deal when in_service {
  vest: all_unvested
}
"""

AGREEMENT = """\
agreement grant_1 "An option under the Acme plan"
uses acme_plan "§1" {
  file: "acme.plan.contract"
}
conventions "c" {
  missing_day: last_day_of_month
  until: inclusive
}
grant "Notice" {
  shares: 4,800
  grant_date: 2020-01-15
}
term "Notice" {
  expiration: grant_date + 10 years
  caps_windows: yes
}
vesting monthly "Notice" {
  installments: 48
  every: 1 month
  rounding: down
  rounding_basis: per_installment
}
service "§2" {
  ends_on: termination
  through: inclusive
}
event exercise(shares: shares)
exercise "§3" on exercise {
  shares: shares
}
"""


@pytest.fixture
def acme(tmp_path):
    (tmp_path / "acme.plan.contract").write_text(PLAN)

    def write(extra: str = "") -> tuple[str, list]:
        path = tmp_path / "grant.contract"
        path.write_text(AGREEMENT + extra)
        return str(path), optionrules.check_source(path.read_text(), str(path))[1]

    return write


def test_an_agreement_uses_its_plan(acme):
    path, diagnostics = acme()
    assert diagnostics == []
    c = optionrules.load(path)
    r = c.evaluate([termination("2020-06-20", "quit")], "2020-06-21")
    assert r.exercise_deadline == date(2020, 9, 20)  # the plan's 3 months
    assert c.evaluate([termination("2020-06-20", "cause")], "2020-06-21").forfeited == 4_800


def test_an_exception_applies_where_its_condition_holds(acme):
    path, diagnostics = acme('rule death "§5" exception to acme_plan.lapse on termination when reason = death {\n'
                             '  forfeit: unvested\n  exercisable_until: termination + 1 year\n}\n')
    assert diagnostics == []
    c = optionrules.load(path)
    assert c.evaluate([termination("2020-06-20", "death")], "2020-06-21").exercise_deadline == date(2021, 6, 20)
    assert c.evaluate([termination("2020-06-20", "quit")], "2020-06-21").exercise_deadline == date(2020, 9, 20)


def test_an_override_that_names_no_plan_clause(acme):
    _, diagnostics = acme('rule x "§5" overrides acme_plan.lapsee on termination {\n  forfeit: all\n}\n')
    assert [(d.message, d.hint) for d in diagnostics] == [
        ("acme_plan has no clause 'lapsee' to override", "did you mean 'lapse'?")]
    _, diagnostics = acme('rule x "§5" overrides other.lapse on termination {\n  forfeit: all\n}\n')
    assert diagnostics[0].message == "'other' is not a plan or form this contract uses"


def test_two_rules_deciding_the_same_case_need_a_precedence(acme):
    _, diagnostics = acme('rule death "§5" on termination when reason = death {\n'
                          '  exercisable_until: termination + 1 year\n}\n')
    (d,) = diagnostics
    assert d.message == ("rules 'lapse' (acme.plan.contract:7) and 'death' both decide termination "
                         "with reason = death")
    assert d.span.file.endswith("grant.contract")


def test_a_plan_clause_that_can_never_apply(acme):
    exceptions = "".join(
        f'rule r_{reason} "§5" exception to acme_plan.lapse on termination when reason = {reason} {{\n'
        f'  forfeit: unvested\n  exercisable_until: termination + 30 days\n}}\n'
        for reason in ["quit", "fired", "death"])
    _, diagnostics = acme(exceptions)
    messages = [d.message for d in diagnostics]
    assert "'lapse' never applies: its exceptions take every case" in messages


def test_a_second_singleton_needs_overrides(acme, tmp_path):
    (tmp_path / "acme.plan.contract").write_text(PLAN + 'service "Plan §2" {\n  ends_on: termination\n'
                                                 '  through: exclusive\n}\n')
    _, diagnostics = acme()
    (d,) = diagnostics
    assert d.message == "a second service clause (the first is at acme.plan.contract:17)"  # 16 lines of PLAN
    assert d.hint == "to put this one in its place, write `overrides acme_plan.service`"


def test_a_plan_is_not_evaluated_alone(tmp_path):
    (tmp_path / "acme.plan.contract").write_text(PLAN)
    _, diagnostics = optionrules.check_source(PLAN, str(tmp_path / "acme.plan.contract"))
    assert diagnostics == []
    with pytest.raises(optionrules.ContractError, match="this is a plan"):
        optionrules.load(tmp_path / "acme.plan.contract")


def test_a_missing_plan_is_one_error(tmp_path):
    path = tmp_path / "grant.contract"
    path.write_text(AGREEMENT)
    (d,) = optionrules.check_source(AGREEMENT, str(path))[1]
    assert d.message.startswith("cannot read the plan acme.plan.contract")
    assert (d.span.line, d.span.column) == (3, 9)


def test_a_plan_used_by_the_form_and_the_agreement_is_read_once(tmp_path):
    # the plan has one syntax error; the form and the agreement both use it: one diagnostic, not two
    (tmp_path / "acme.plan.contract").write_text(PLAN + "rule broken on {\n")
    (tmp_path / "form.contract").write_text(
        'form f "A form" (shares: shares)\nuses acme_plan "§1" {\n  file: "acme.plan.contract"\n}\n')
    path = tmp_path / "grant.contract"
    text = ('agreement g "A grant" {\n  form: "form.contract"\n  with: { shares: 4,800 }\n}\n'
            'uses acme_plan "§1" {\n  file: "acme.plan.contract"\n}\n')
    path.write_text(text)
    syntax = [d for d in optionrules.check_source(text, str(path))[1] if "acme.plan" in (d.span.file if d.span else "")]
    assert len(syntax) == 1 and syntax[0].span.line == PLAN.count("\n") + 1


def test_two_files_declaring_the_same_plan_name(tmp_path):
    (tmp_path / "acme.plan.contract").write_text(PLAN)
    (tmp_path / "copy.contract").write_text(PLAN)
    path = tmp_path / "grant.contract"
    text = AGREEMENT + 'uses acme_plan "§1 again" {\n  file: "copy.contract"\n}\n'
    path.write_text(text)
    messages = [d.message for d in optionrules.check_source(text, str(path))[1]]
    assert "copy.contract declares the plan 'acme_plan', and so does acme.plan.contract: give them different " \
           "names" in messages


def test_the_json_cites_a_plan_clause_in_the_plan_file():
    # Maria Lopez's grant takes its post-termination window from the plan's rule post_termination
    plan = (ROOT / "contracts" / "acme" / "acme_2021_plan.contract").read_text(encoding="utf-8").split("\n")
    line = next(n for n, text in enumerate(plan, 1) if text.startswith("rule post_termination "))
    grant = optionrules.load(ROOT / "contracts" / "acme" / "grant_maria_lopez.contract")
    result = grant.evaluate([termination("2023-06-30", "resignation")], "2023-07-01").to_dict()
    (deadline,) = result["clauses"]["exercise_deadline"]
    assert (deadline["clause"], deadline["citation"], deadline["line"]) == ("post_termination", "Plan §7(a)", line)
    assert deadline["file"].endswith("acme_2021_plan.contract")
