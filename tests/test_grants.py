"""Forms, and the grants made from them: in the language (`form:` and `with:`) and from CSV rows."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

import optionrules
from optionrules.grants import load_grants
from tests.conftest import ROOT
from tests.helpers import termination

ACME = ROOT / "contracts" / "acme"
FORM = ACME / "acme_option_form.contract"
GRANTS = ACME / "acme_grants.csv"


@pytest.fixture(scope="module")
def grants():
    return load_grants(FORM, GRANTS)


def test_twenty_grants(grants):
    assert len(grants) == 20 and grants["A-0011"].granted == 144_000


def test_a_grant_starting_on_the_31st(grants):
    c = grants["A-0003"]  # 96,000 from 2021-03-31: 2,000 a month, 24,000 on the cliff
    assert c.evaluate([], "2022-03-30").vested == 0
    assert c.evaluate([], "2022-03-31").vested == 24_000
    assert c.evaluate([], "2022-04-30").vested == 26_000  # April has no 31st: its last day
    assert c.evaluate([], "2022-05-31").vested == 28_000  # back on the 31st, from the anchor


def test_a_grant_with_a_remainder(grants):
    c = grants["A-0007"]  # 7,500 / 48 = 156.25: 156 a month, the last 7,500 - 47 x 156 = 168
    assert c.evaluate([], "2022-08-30").vested == 12 * 156
    assert c.evaluate([], "2025-07-30").vested == 47 * 156
    assert c.evaluate([], "2025-08-30").vested == 7_500


def test_the_csv_grant_answers_as_the_grant_written_in_the_language(grants):
    written = optionrules.load(ACME / "grant_maria_lopez.contract")  # the same values as row A-0001
    row = grants["A-0001"]
    for day in ["2022-03-15", "2023-07-20", "2024-01-31"]:
        for reason in ["without_cause", "resignation", "cause", "disability"]:  # death: her exception
            timeline = [termination(day, reason)]
            for as_of in [day, "2024-12-31"]:
                assert written.evaluate(timeline, as_of).figures() == row.evaluate(timeline, as_of).figures()
    death = [termination("2023-07-20", "death")]
    assert written.evaluate(death, "2025-01-01").exercisable == 28_000  # two years: the exception
    assert row.evaluate(death, "2025-01-01").exercisable == 0  # the plan's one year has passed


def write_csv(tmp_path, text):
    for name in ["acme_option_form.contract", "acme_2021_plan.contract"]:
        shutil.copy(ACME / name, tmp_path / name)
    path = tmp_path / "grants.csv"
    path.write_text(text)
    return tmp_path / "acme_option_form.contract", path


HEADER = "id,optionee,shares,grant_date,commencement,exercise_price\n"


def problems_of(tmp_path, text):
    form, path = write_csv(tmp_path, text)
    with pytest.raises(optionrules.ContractError) as error:
        load_grants(form, path)
    return [(d.where, d.message, d.hint) for d in error.value.diagnostics]


def test_an_unknown_column_and_a_missing_one(tmp_path):
    problems = problems_of(tmp_path, HEADER.replace("commencement", "commencment") + "X,Ann,1,2021-01-01,"
                           "2021-01-01,USD 1\n")
    assert [(w.split("/")[-1], m, h) for w, m, h in problems] == [
        ("grants.csv:1, column 5", "unknown column 'commencment' (the form's parameters: optionee, shares, "
                                   "grant_date, commencement, exercise_price)", "did you mean 'commencement'?"),
        ("grants.csv:1", "no column for the form's parameter 'commencement'", None),
    ]


def test_cells_of_the_wrong_type(tmp_path):
    problems = problems_of(tmp_path, HEADER + "X,Ann,-5,2021-02-30,2021-01-01,USD 1\nY,Bob,7,2021-01-01,"
                           "2021-01-01\n")
    assert [(w.split("/")[-1], m) for w, m, _ in problems] == [
        ("grants.csv:2, column 'shares'", "a share count cannot be negative ('-5')"),
        ("grants.csv:2, column 'grant_date'", "grant_date '2021-02-30' is not a possible date (YYYY-MM-DD)"),
        ("grants.csv:3", "5 cells for 6 columns"),
    ]


def test_a_row_that_does_not_check_names_its_line(tmp_path):
    # 1.5 shares: the grant clause needs a whole number of shares
    problems = problems_of(tmp_path, HEADER + "X,Ann,1.5,2021-01-01,2021-01-01,USD 1\n")
    (where, message, _), = problems
    assert where is None and message.startswith("grant X (") and "grants.csv:2): `shares` must be a whole number" \
        in message


def test_a_form_checks_alone_but_is_not_evaluated_alone():
    _, diagnostics = optionrules.check_source(FORM.read_text(), str(FORM))
    assert diagnostics == []
    with pytest.raises(optionrules.ContractError, match="this is a form"):
        optionrules.load(FORM)


GRANT = """\
agreement g "A grant" {
  form: "acme_option_form.contract"
  with: {
    optionee: "Ann"
    shares: 4,800
    grant_date: 2021-01-01
    commencement: 2021-01-01
    exercise_price: USD 1.00
  }
}
"""


@pytest.mark.parametrize(("change", "message"), [
    ("    exercise_price: USD 1.00\n", "no value for the form's parameter exercise_price"),
    ("    shares: 4,800\n", "no value for the form's parameter shares"),
])
def test_a_missing_parameter(tmp_path, change, message):
    write_csv(tmp_path, HEADER)
    (tmp_path / "g.contract").write_text(GRANT.replace(change, ""))
    messages = [d.message for d in optionrules.check_source((tmp_path / "g.contract").read_text(),
                                                             str(tmp_path / "g.contract"))[1]]
    assert messages == [message]


def test_an_unknown_parameter_and_a_wrong_type(tmp_path):
    write_csv(tmp_path, HEADER)
    text = GRANT.replace("    shares: 4,800\n", "    shares: -4,800\n    sharez: 1\n")
    (tmp_path / "g.contract").write_text(text)
    diagnostics = optionrules.check_source(text, str(tmp_path / "g.contract"))[1]
    assert [(d.message, d.span.line, d.hint) for d in diagnostics] == [
        ("shares: a share count cannot be negative (-4800)", 5, None),
        ("the form has no parameter 'sharez' (it has: optionee, shares, grant_date, commencement, exercise_price)",
         6, "did you mean 'shares'?"),
    ]


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "optionrules", *args], capture_output=True, text=True, cwd=ROOT)


def test_cli_check_and_eval_with_grants(tmp_path):
    checked = run_cli("check", str(FORM), "--grants", str(GRANTS))
    assert checked.returncode == 0 and "checked 1 file and 20 grants: no problems" in checked.stdout
    result = run_cli("eval", str(FORM), "--grants", str(GRANTS), "--grant", "A-0003", "--as-of", "2022-04-30",
                     "--format", "json")
    assert json.loads(result.stdout)["vested"] == 26_000
    unknown = run_cli("eval", str(FORM), "--grants", str(GRANTS), "--grant", "B-1", "--as-of", "2022-04-30")
    assert unknown.returncode == 2 and "the nearest ids: A-0001, A-0002, A-0003;" in unknown.stderr
    form, bad = write_csv(tmp_path, HEADER + "X,Ann,-5,2021-01-01,2021-01-01,USD 1\n")
    failed = run_cli("check", str(form), "--grants", str(bad))
    assert failed.returncode == 1 and "a share count cannot be negative" in failed.stdout


def test_cli_check_with_grants_beside_a_file_that_is_not_utf8(tmp_path):
    # the form and its plan, the CSV's one grant, and a third .contract file that cannot be read: the grant is
    # still checked, the unreadable file is reported, and the exit says an input could not be read
    _, csv_path = write_csv(tmp_path, HEADER + "A-1,Ann,4800,2021-01-15,2021-01-15,USD 1.00\n")
    (tmp_path / "latin1.contract").write_bytes(b'agreement x "caf\xe9" {\n}\n')
    result = run_cli("check", str(tmp_path), "--grants", str(csv_path))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "latin1.contract:1:17" in result.stderr
    assert "checked 2 of 3 files and 1 grant: 1 could not be read" in result.stdout


def test_a_form_with_a_syntax_error_is_reported_once_not_per_grant(tmp_path):
    form, csv_path = write_csv(tmp_path, HEADER + "A-1,Ann,4800,2021-01-15,2021-01-15,USD 1.00\n"
                                                  "A-2,Bob,4800,2021-01-15,2021-01-15,USD 1.00\n")
    form.write_text(form.read_text(encoding="utf-8") + "rule broken on {\n", encoding="utf-8")
    with pytest.raises(optionrules.ContractError) as raised:
        load_grants(form, csv_path)
    assert len(raised.value.diagnostics) == 1 and "grant" not in raised.value.diagnostics[0].message


def test_a_form_on_its_own_keeps_what_its_parameters_give_as_expressions():
    """A form's model is symbolic in its parameters: binding a row's values gives that grant's figures."""
    from datetime import date

    from optionrules.check import check_source
    from optionrules.fold import Known, value
    from optionrules.kinds import Grant, Term, Vesting

    path = ROOT / "contracts" / "acme" / "acme_option_form.contract"
    form, diagnostics = check_source(path.read_text(encoding="utf-8"), str(path))
    assert diagnostics == []
    row = {"shares": 48_000, "grant_date": date(2021, 4, 1), "commencement": date(2021, 3, 15)}  # grant A-0001
    known = Known(parameters=row)
    grant, vesting, term = form.one(Grant), form.one(Vesting), form.one(Term)
    assert value(grant.symbolic["shares"], known) == 48_000
    assert value(vesting.symbolic["shares"], known) == 48_000  # the schedule vests the whole grant
    assert value(vesting.symbolic["start"], known) == date(2021, 3, 15)  # `from: commencement`
    assert value(term.expiration, known) == date(2031, 4, 1)  # grant_date + 10 years
    made = optionrules.load(ROOT / "contracts" / "acme" / "grant_maria_lopez.contract").model
    assert made.one(Vesting).symbolic == {} and made.one(Grant).shares == 48_000  # a grant binds them
