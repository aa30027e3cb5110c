"""Example blocks: `optionrules test`, its JUnit report, the checker of example blocks, and the pytest plugin.

The reference agreement (contracts/capstone_liggett_2002.contract) carries 14 example blocks, counted by
hand: one_year_in, without_cause, without_cause_after_deadline, for_cause, death_last_day, death_expired,
disability_window_capped, acceleration_after_becoming_ceo, no_acceleration_without_ceo,
no_acceleration_read_as_none, lockup_last_day, lockup_over, exercises, transfers.

The failing copy changes one expectation: in `one_year_in` (no events, as of 2003-11-21) twelve
installments of 3,840,000 / 48 = 80,000 have vested (2002-12-21 .. 2003-11-21): 12 x 80,000 = 960,000;
the copy expects 960,001.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

import optionrules
from optionrules.examples import junit_xml, run_examples
from optionrules.kinds import Example
from tests.helpers import copy_what_it_uses

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "contracts" / "capstone_liggett_2002.contract"
EXAMPLES = ["one_year_in", "without_cause", "without_cause_after_deadline", "for_cause", "death_last_day",
            "death_expired", "disability_window_capped", "acceleration_after_becoming_ceo",
            "no_acceleration_without_ceo", "no_acceleration_read_as_none", "lockup_last_day", "lockup_over",
            "exercises", "transfers"]
FAILURE = "example one_year_in: vested expected 960,001, got 960,000"
# The reference `uses` the 2000 Plan (capstone_2000_plan.contract), found relative to the file: texts checked in
# memory are named as if they sat beside it, and copies are written with the files they use.
IN_CONTRACTS = str(REFERENCE.parent / "x.contract")


def write_contract(directory: Path, name: str, text: str) -> Path:
    """A contract file, with the files it uses copied beside it."""
    copy_what_it_uses(text, directory)
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def example_count(path: Path) -> int:
    return len(re.findall(r"^example ", path.read_text(encoding="utf-8"), re.MULTILINE))


def run(*args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("OPTIONRULES_DEBUG", None)
    result = subprocess.run([sys.executable, "-m", "optionrules", *map(str, args)], cwd=cwd, env=env,
                            capture_output=True, text=True, encoding="utf-8", timeout=60)
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    assert result.returncode != 70, result.stderr  # an internal error
    return result


def failing_text(reference_text: str) -> tuple[str, int]:
    """The reference with one_year_in expecting 960,001 vested; and the line of that expectation."""
    old = "    vested: 960,000  # 12 x 80,000"
    assert reference_text.count(old) == 1
    text = reference_text.replace(old, "    vested: 960,001  # 12 x 80,000")
    lines = text.splitlines()
    header = lines.index('example one_year_in "No events: twelve installments have vested a year in" {') + 1
    # the header, `as_of:`, `expect: {`, then `vested:` on the fourth line of the block
    assert lines[header + 3 - 1].startswith("    vested: 960,001")
    return text, header + 3


@pytest.fixture
def failing(tmp_path: Path, reference_text: str) -> tuple[Path, int]:
    text, line = failing_text(reference_text)
    return write_contract(tmp_path, "failing.contract", text), line


def with_block(reference_text: str, block: str) -> tuple[str, int]:
    """The reference with a block appended after a blank line, and the line the block starts on."""
    base = reference_text.rstrip("\n")
    return base + "\n\n" + block, base.count("\n") + 3  # base's lines, a blank line, then the block


# ---- optionrules test -----------------------------------------------------------------------------------


def test_the_reference_has_fourteen_example_blocks(reference: optionrules.Contract, reference_text: str):
    assert [e.ref.name for e in reference.model.all(Example)] == EXAMPLES
    assert len(re.findall(r"^example ", reference_text, re.MULTILINE)) == 14


def test_cli_test_the_reference_passes():
    result = run("test", "contracts/capstone_liggett_2002.contract")
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines() == ["14 passed, 0 failed"]  # nothing but the summary when all pass


def test_cli_test_contracts_passes():
    # contracts/ holds more than the reference now (its plan, and the Acme plan, form and grant): every
    # example block of every file, 14 of them in the reference
    files = sorted((ROOT / "contracts").rglob("*.contract"))
    total = sum(example_count(f) for f in files)
    assert example_count(REFERENCE) == 14 and total >= 14
    result = run("test", "contracts/")
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines()[-1] == f"{total} passed, 0 failed"


def test_cli_test_verbose_lists_each_example():
    result = run("test", "-v", REFERENCE)
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert [re.sub(r".*: example (\w+): ok$", r"\1", line) for line in lines[:-1]] == EXAMPLES
    assert lines[-1] == "14 passed, 0 failed"


def test_cli_test_reports_a_failing_expectation(failing: tuple[Path, int]):
    path, line = failing
    result = run("test", path)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [f"{path}:{line}: {FAILURE}", "13 passed, 1 failed"]


def test_cli_test_junit_xml_when_all_pass(tmp_path: Path):
    report = tmp_path / "report.xml"
    result = run("test", "--junit-xml", report, "contracts/capstone_liggett_2002.contract")
    assert result.returncode == 0
    root = ElementTree.parse(report).getroot()
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("14", "0", "0")
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == "contracts/capstone_liggett_2002.contract"
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("14", "0", "0")
    assert [case.get("name") for case in suite.findall("testcase")] == EXAMPLES
    assert root.findall(".//failure") == [] and root.findall(".//error") == []


def test_cli_test_junit_xml_with_a_failure(tmp_path: Path, failing: tuple[Path, int]):
    path, line = failing
    report = tmp_path / "report.xml"
    result = run("test", path, "--junit-xml", report)
    assert result.returncode == 1
    root = ElementTree.parse(report).getroot()
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("14", "1", "0")
    (suite,) = root.findall("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("14", "1", "0")
    failed = [case for case in suite.findall("testcase") if case.find("failure") is not None]
    assert [case.get("name") for case in failed] == ["one_year_in"]
    failure = failed[0].find("failure")
    assert failure is not None
    assert failure.get("message") == failure.text == f"{path}:{line}: {FAILURE}"
    assert failed[0].get("line") == str(line - 3)  # the example's header line


def test_cli_test_a_contract_that_does_not_check_is_an_input_error_reported(tmp_path: Path, reference_text: str):
    good = write_contract(tmp_path, "a_good.contract", reference_text)
    bad_text = reference_text.replace("    unvested: 2,880,000  ", "    unvestd: 2,880,000   ")
    assert bad_text != reference_text
    bad = write_contract(tmp_path, "b_bad.contract", bad_text)
    (line,) = [n for n, text in enumerate(bad_text.splitlines(), start=1) if text.startswith("    unvestd:")]
    report = tmp_path / "report.xml"
    result = run("test", tmp_path, "--junit-xml", report)
    assert result.returncode == 2  # as eval, verify and fmt exit on a contract that does not check
    assert f"{bad}:{line}:5: error: no figure 'unvestd' to expect" in result.stdout
    # the good copy's 14 examples are run; the bad file is not, and is said
    assert result.stdout.splitlines()[-1] == "14 passed, 0 failed; 1 file does not check"
    root = ElementTree.parse(report).getroot()
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("15", "0", "1")
    # a suite per agreement: the good copy and the bad one (the plan they use is tested through them)
    good_suite, bad_suite = root.findall("testsuite")
    assert (good_suite.get("name"), good_suite.get("tests"), good_suite.get("errors")) == (str(good), "14", "0")
    assert (bad_suite.get("name"), bad_suite.get("tests"), bad_suite.get("failures"), bad_suite.get("errors")) \
        == (str(bad), "1", "0", "1")
    (case,) = bad_suite.findall("testcase")
    error = case.find("error")
    assert error is not None and error.get("message") == "the contract does not check"
    assert error.text is not None and f"{bad}:{line}:5: error: no figure 'unvestd' to expect" in error.text


def test_cli_test_exit_codes_for_bad_input(tmp_path: Path):
    assert run("test", tmp_path / "nowhere.contract").returncode == 2
    assert run("test", tmp_path).returncode == 2  # no .contract files
    assert run("test").returncode == 2  # usage


def test_junit_xml_escapes_what_it_quotes(reference: optionrules.Contract):
    text = junit_xml([('a <"odd"> & name.contract', run_examples(reference), ["x < y & \"z\""])])
    root = ElementTree.fromstring(text.split("\n", 1)[1])
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == 'a <"odd"> & name.contract'
    assert suite.find("testcase/error").text == 'x < y & "z"'  # type: ignore[union-attr]
    assert (suite.get("tests"), suite.get("errors")) == ("15", "1")


# ---- the checker of example blocks -----------------------------------------------------------------------

EXAMPLE = """\
example bad "a bad example" {{
  events: {events}
  as_of: 2004-01-02{assume}
  expect: {{
    {expect}
  }}
}}
"""
NO_EVENT = "became_ceo(2003-01-01)"

# (events, assume, expect); the problem's (line in the block, column), message and hint.
# `  events: ` is 10 characters, so the first event starts in column 11; `    ` puts an expectation in column 5.
BAD_BLOCKS = {
    "unknown event": (
        ("terminaton(2004-01-01, reason: cause)", "", "vested: 0"),
        (1, 11), "'terminaton' is not a declared event: write EVENT(DATE, attribute: value, ...)",
        "did you mean 'termination'?"),
    "unknown attribute": (
        ("termination(2004-01-01, reson: cause)", "", "vested: 0"),
        (1, 35), "the event termination has no attribute 'reson'", "did you mean 'reason'?"),  # 10 + 24 + 1
    "value outside its enumeration": (
        ("termination(2004-01-01, reason: fired)", "", "vested: 0"),
        (1, 43),  # 10 + len("termination(2004-01-01, reason: ") = 10 + 32, plus 1
        "'fired' is not a termination_reason (one of: without_cause, resignation, cause, death, disability)", None),
    "negative shares": (
        ("exercise(2004-01-01, shares: -5, method: cash)", "", "vested: 0"),
        (1, 40),  # 10 + len("exercise(2004-01-01, shares: ") = 10 + 29, plus 1
        "a share count cannot be negative (-5)", None),
    "missing attribute": (
        ("termination(2004-01-01)", "", "vested: 0"),
        (1, 11), "the termination event needs reason", None),
    "unknown figure": (
        (NO_EVENT, "", "vestd: 0"),
        (4, 5), "no figure 'vestd' to expect", "did you mean 'vested'?"),
    "wrong shape": (
        (NO_EVENT, "", "exercise_deadline: 5"),
        (4, 24), "`exercise_deadline` expects a date or none", None),  # 4 + len("exercise_deadline: "), plus 1
    "unknown assumption": (
        (NO_EVENT, "\n  assume: {\n    pro_rata_dayz: inclusive\n  }", "vested: 0"),
        (4, 5), "no assumption 'pro_rata_dayz'", "did you mean 'pro_rata_days'?"),
    "unknown reading": (
        (NO_EVENT, "\n  assume: {\n    pro_rata_days: both\n  }", "vested: 0"),
        (4, 20),  # 4 + len("pro_rata_days: "), plus 1
        "the readings of pro_rata_days are: exclusive, inclusive", None),
}


@pytest.mark.parametrize("case", BAD_BLOCKS, ids=str)
def test_example_block_checker_reports_located_errors(case: str, reference_text: str):
    (events, assume, expect), (line, column), message, hint = BAD_BLOCKS[case]
    text, first = with_block(reference_text, EXAMPLE.format(events=events, assume=assume, expect=expect))
    _, diagnostics = optionrules.check_source(text, IN_CONTRACTS)
    assert [(d.span.line if d.span else None, d.span.column if d.span else None, d.message, d.hint)
            for d in diagnostics] == [(first + line, column, message, hint)]
    with pytest.raises(optionrules.ContractError):
        optionrules.loads(text, IN_CONTRACTS)


def test_the_block_template_checks(reference_text: str):
    text, _ = with_block(reference_text, EXAMPLE.format(events=NO_EVENT, assume="", expect="vested: 0"))
    assert optionrules.check_source(text, IN_CONTRACTS)[1] == []


# The reference's `exercises` timeline. By 2003-06-05 six installments have vested (2002-12-21 ..
# 2003-05-21): 6 x 80,000 = 480,000. 100,000 by cash: allowed, 380,000 left exercisable; 400,000 > 380,000:
# refused by the `exercise` clause; 10.5 shares: `whole_shares`; a promissory note without consent:
# `payment`. Three violations, in that order.
EXERCISES = """\
    exercise(2003-06-01, shares: 100,000, method: cash),
    exercise(2003-06-02, shares: 400,000, method: check),
    exercise(2003-06-03, shares: 10.5, method: cash),
    exercise(2003-06-04, shares: 1,000, method: promissory_note)"""


def violations_example(expect: str) -> str:
    return f'example counted "the exercises" {{\n  events:\n{EXERCISES}\n  as_of: 2003-06-05\n' \
           f"  expect: {{\n    violations: {expect}\n  }}\n}}\n"


@pytest.mark.parametrize(("expect", "failure"), [
    ("3", None),
    ("exercise, whole_shares, payment", None),
    ("2", "violations expected 2, got 3"),
    ("none", "violations expected 0, got 3"),
    ("payment, exercise, whole_shares",
     "violations expected (payment, exercise, whole_shares), got (exercise, whole_shares, payment)"),
    ("exercise, whole_shares", "violations expected (exercise, whole_shares), got (exercise, whole_shares, payment)"),
])
def test_violations_expected_by_count_and_by_name(expect: str, failure: str | None, reference_text: str):
    text, first = with_block(reference_text, violations_example(expect))
    contract = optionrules.loads(text, IN_CONTRACTS)
    (result,) = [r for r in run_examples(contract) if r.example.ref.name == "counted"]
    if failure is None:
        assert result.passed
    else:
        # the expectation is on the block's 9th line (first + 8): header, `events:`, 4 events, as_of, `expect: {`
        assert [str(f) for f in result.failures] == [f"{IN_CONTRACTS}:{first + 8}: example counted: {failure}"]


def test_no_violations_expected_by_count(reference_text: str):
    text, _ = with_block(reference_text, EXAMPLE.format(events=NO_EVENT, assume="", expect="violations: 0"))
    contract = optionrules.loads(text, IN_CONTRACTS)
    assert all(r.passed for r in run_examples(contract))


def test_several_failures_of_one_example_are_each_reported(reference_text: str):
    # no events, as of 2004-01-02: 13 installments (2002-12-21 .. 2003-12-21) = 1,040,000 vested; the option
    # runs to the Expiration Date 2012-11-21; no registration, so no lock-up
    block = EXAMPLE.format(events=NO_EVENT, assume="",
                           expect="vested: 1,040,001\n    exercise_deadline: none\n    sale_blocked: yes")
    text, first = with_block(reference_text, block)
    (result,) = [r for r in run_examples(optionrules.loads(text, IN_CONTRACTS)) if r.example.ref.name == "bad"]
    assert [str(f) for f in result.failures] == [
        f"{IN_CONTRACTS}:{first + 4}: example bad: vested expected 1,040,001, got 1,040,000",
        f"{IN_CONTRACTS}:{first + 5}: example bad: exercise_deadline expected none, got 2012-11-21",
        f"{IN_CONTRACTS}:{first + 6}: example bad: sale_blocked expected yes, got no",
    ]


def test_violations_none_means_no_violations(reference_text: str):
    text, _ = with_block(reference_text, EXAMPLE.format(events=NO_EVENT, assume="", expect="violations: none"))
    contract = optionrules.loads(text, IN_CONTRACTS)
    assert all(r.passed for r in run_examples(contract))


def test_unknown_clause_name_under_violations_is_reported(reference_text: str):
    text, first = with_block(reference_text, violations_example("exercise, whole_share, payment"))
    _, diagnostics = optionrules.check_source(text, IN_CONTRACTS)
    assert [(d.span.line if d.span else None, d.message) for d in diagnostics] == [
        (first + 8, "no clause named 'whole_share' to be broken")]


# ---- the pytest plugin -----------------------------------------------------------------------------------


def runpytest(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """pytest in the pytester directory; without hypothesis's plugin, which costs half a second a session."""
    return pytester.runpytest("-p", "no:hypothesispytest", *args)


@pytest.fixture
def contracts_dir(pytester: pytest.Pytester, reference_text: str) -> tuple[Path, int]:
    """A passing copy of the reference and a failing one, in the pytester directory."""
    write_contract(pytester.path, "passing.contract", reference_text)
    text, line = failing_text(reference_text)
    return write_contract(pytester.path, "failing.contract", text), line


def test_plugin_runs_the_examples(pytester: pytest.Pytester, contracts_dir: tuple[Path, int]):
    path, line = contracts_dir
    result = runpytest(pytester)
    result.assert_outcomes(passed=14 + 13, failed=1)
    result.stdout.fnmatch_lines([f"*{path.name}:{line}: {FAILURE}"])
    result.stdout.fnmatch_lines(["*failing.contract::one_year_in*"])


def test_plugin_items_are_named_after_the_examples(pytester: pytest.Pytester, reference_text: str):
    write_contract(pytester.path, "passing.contract", reference_text)  # and the plan it uses: no examples
    result = runpytest(pytester, "--collect-only", "-q")
    assert [line for line in result.stdout.lines if "::" in line] == [f"passing.contract::{name}" for name in EXAMPLES]


@pytest.mark.parametrize("switch", ["-p no:optionrules", "--no-contract-examples", "ini"])
def test_plugin_can_be_switched_off(switch: str, pytester: pytest.Pytester, contracts_dir: tuple[Path, int]):
    if switch == "ini":
        pytester.makeini("[pytest]\noptionrules_examples = false\n")
        args: list[str] = []
    else:
        args = switch.split()
    result = runpytest(pytester, *args)
    result.assert_outcomes()
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_plugin_skips_contracts_without_examples(pytester: pytest.Pytester, reference_text: str):
    without = reference_text[:reference_text.index("\nexample ")]
    assert "\nexample" not in without
    optionrules.loads(without, IN_CONTRACTS)  # it checks
    write_contract(pytester.path, "without.contract", without)
    assert sorted(p.name for p in pytester.path.glob("*.contract")) == ["capstone_2000_plan.contract",
                                                                        "without.contract"]
    result = runpytest(pytester)
    result.assert_outcomes()
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_plugin_reports_a_contract_that_does_not_check(pytester: pytest.Pytester, reference_text: str):
    bad = reference_text.replace("  shares: 3,840,000\n", "  shares: -3,840,000\n")
    line = bad.splitlines().index("  shares: -3,840,000") + 1  # the grant's; `  shares: ` puts the number in column 11
    write_contract(pytester.path, "good.contract", reference_text)
    write_contract(pytester.path, "bad.contract", bad)
    result = runpytest(pytester)
    result.assert_outcomes(errors=1)  # pytest stops at a collection error: nothing runs
    result.stdout.fnmatch_lines(["*ERROR collecting bad.contract*", "*/bad.contract does not check:",
                                 f"*/bad.contract:{line}:11: error: `shares` must be a whole number of at least 1*",
                                 "*Interrupted: 1 error during collection*"])
    result = runpytest(pytester, "--continue-on-collection-errors")
    result.assert_outcomes(passed=14, errors=1)
