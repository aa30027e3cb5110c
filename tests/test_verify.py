"""`verify`: invariants checked over every bounded timeline, failures shrunk to a smallest counterexample.

Verifying the reference agreement (a 10-year term) takes about 20 s; CI runs `optionrules verify` on it
separately. These tests use a small grant with a 2-year term, two events and tiny enumerations, so one
run takes well under a second:

  2,400 shares granted 2020-01-15, 24 monthly installments of 2,400 / 24 = 100 on the 15th from
  2020-02-15 (k-th on 2020-01-15 + k months); expiration 2020-01-15 + 2 years = 2022-01-15; a
  termination forfeits the unvested shares and leaves the vested ones exercisable until
  `termination + WINDOW` ("until" inclusive), capped by the expiration unless `caps_windows: no`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

import optionrules
from optionrules.verify import verify
from tests.helpers import BASE, ENDS, MONTHLY_48

ROOT = Path(__file__).resolve().parent.parent

SMALL = """\
agreement small "A small grant with a two-year term"
enum reason_t {{ quit, fired }}
enum method_t {{ cash }}
event termination(reason: reason_t)
event exercise(shares: shares, method: method_t)
conventions "c" {{
  missing_day: last_day_of_month
  until: inclusive
}}
grant "g" {{
  shares: 2400
  exercise_price: USD 1.00
  grant_date: 2020-01-15
}}
term "t" {{
  expiration: grant_date + 2 years
  caps_windows: {caps}
}}
vesting monthly "v" {{
  installments: 24
  every: 1 month
  rounding: down
  rounding_basis: per_installment
  remainder: last
}}
service "s" {{
  ends_on: termination
  through: inclusive
}}
rule ends "r" on termination {{
  forfeit: unvested
  exercisable_until: termination + {window}
}}
exercise "e" on exercise {{
  shares: shares
  method: method
}}
{extra}"""

EXPIRATION = date(2022, 1, 15)

AT_MOST_100 = 'invariant at_most_100 "never more than 100 shares exercisable" {\n  that: exercisable <= 100\n}\n'
WITHIN_TERM = ('invariant window_within_term "no window past the term" {\n'
               "  that: not (exercise_deadline > expiration)\n}\n")


def small(caps: str = "yes", window: str = "90 days", extra: str = "") -> optionrules.Contract:
    return optionrules.loads(SMALL.format(caps=caps, window=window, extra=extra), "small.contract")


def termination(day: str, reason: str = "quit") -> dict[str, str]:
    return {"date": day, "event": "termination", "reason": reason}


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("OPTIONRULES_DEBUG", None)
    result = subprocess.run([sys.executable, "-m", "optionrules", *map(str, args)], cwd=ROOT, env=env,
                            capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    assert result.returncode != 70, result.stderr  # an internal error
    return result


@pytest.fixture(scope="module")
def sound() -> optionrules.Contract:
    return small()


@pytest.fixture(scope="module")
def broken() -> optionrules.Contract:
    """Windows not capped, and a 12-month window: a termination late in the term runs past the expiration, which
    the contract allows; but it also says, in an invariant, that no window runs past the term."""
    return small(caps="no", window="12 months", extra=WITHIN_TERM)


# ---- a sound contract ------------------------------------------------------------------------------------


def test_the_small_contract_means_what_the_docstring_says(sound: optionrules.Contract):
    assert sound.plan().expiration == EXPIRATION
    assert sound.evaluate([], "2020-02-15").vested == 100
    assert sound.evaluate([], "2021-12-15").vested == 2300  # 23 installments, 2020-02-15 .. 2021-12-15
    # terminated 2021-10-20 (21 installments vested), window to 2022-01-18, capped at 2022-01-15
    assert sound.evaluate([termination("2021-10-20")], "2021-10-20").exercise_deadline == EXPIRATION


@pytest.mark.parametrize("window", ["90 days", "12 months"])
def test_a_sound_contract_verifies_clean(window: str):
    report = verify(small(caps="yes", window=window), jobs=1)
    assert report.ok, "\n".join(map(str, report.counterexamples))
    assert report.counterexamples == []


def test_the_helpers_test_grant_with_a_short_term_verifies_clean():
    """tests/helpers.py's grant (more events: consent, deal, listing, extension), its term cut to 2 years."""
    text = BASE.replace("expiration: grant_date + 10 years", "expiration: grant_date + 2 years").format(
        vesting=MONTHLY_48, rules=ENDS, shares="4800", grant_date="2020-01-15", through="inclusive",
        missing_day="last_day_of_month")
    assert "grant_date + 2 years" in text
    report = verify(optionrules.loads(text, "helpers.contract"), jobs=2)
    assert report.ok, "\n".join(map(str, report.counterexamples))


def test_the_space_explored(sound: optionrules.Contract):
    """The counts the docstring of optionrules.verify promises, for the small contract.

    Days: 2020-01-15 .. 2022-04-15 (the expiration plus the 3-month margin) = 366 + 365 + (31 + 28 + 31) + 1
    = 822. Variants of single events: termination x {quit, fired} = 2, exercise x shares {1, 0, 1/2, 2,400,
    2,401} x method {cash} = 5: 7 x 822 = 5,754 timelines. Pairs at month granularity: 28 months
    (2020-01-15 .. 2022-04-15); representative variants: 2 terminations + 1 exercise = 3; a head on month m
    and a second on a month >= m: 3 x 3 x (28 + 27 + ... + 1) = 9 x 406 = 3,654. Plus the empty timeline:
    5,754 + 3,654 + 1 = 9,409.

    Evaluations: a timeline is evaluated on the day before and the day of each event, plus 4 (the
    expiration, the deadline and the days after): singles 2 + 4 = 6 each; pairs on two dates 4 + 4 = 8, on
    one date (3 x 3 x 28 = 252 of them) 6; the empty timeline 3.
    5,754 x 6 + 252 x 6 + (3,654 - 252) x 8 + 3 = 34,524 + 1,512 + 27,216 + 3 = 63,255.
    """
    report = verify(sound, jobs=1)
    assert (report.timelines, report.evaluations) == (9409, 63255)


def test_pairs_every_three_months(sound: optionrules.Contract):
    """The coarser search: pairs on 2020-01-15 + 3k months to 2022-04-15, k = 0..9: 10 dates; singles and the
    empty timeline as before. Pairs: 3 x 3 x (10 + 9 + ... + 1) = 9 x 55 = 495, on one date 9 x 10 = 90.
    Timelines: 5,754 + 495 + 1 = 6,250. Evaluations: 34,524 + 90 x 6 + (495 - 90) x 8 + 3
    = 34,524 + 540 + 3,240 + 3 = 38,307."""
    report = verify(sound, jobs=1, pairs_every=3)
    assert (report.timelines, report.evaluations, report.pairs_every) == (6250, 38307, 3)
    assert ", pairs every 3 months," in report.summary


# ---- a broken contract: caught, and shrunk --------------------------------------------------------------
#
# With `caps_windows: no`, a termination on day T leaves the vested shares exercisable through T + 12 months.
# The window runs past the expiration 2022-01-15 when T + 12 months >= 2022-01-16, i.e. T >= 2021-01-16
# = expiration - 12 months + 1 day. T = 2021-01-15 is fine: its window ends on 2022-01-15 itself. At
# T = 2021-01-16 twelve installments have vested (2020-02-15 .. 2021-01-15): 12 x 100 = 1,200, exercisable
# through 2022-01-16. The contract allows that (no built-in invariant fails), but its own invariant
# `window_within_term` fails on T itself, the day the window is set.


def test_an_uncapped_window_past_the_expiration_is_what_the_contract_allows():
    assert verify(small(caps="no", window="12 months"), jobs=1).ok


def test_a_window_past_the_expiration_is_caught_and_shrunk(broken: optionrules.Contract):
    report = verify(broken, jobs=1)
    assert not report.ok
    (counterexample,) = report.counterexamples
    assert counterexample.invariant == "window_within_term"
    assert counterexample.as_of == date(2021, 1, 16)
    assert counterexample.message == "the contract's invariant does not hold"
    assert counterexample.timeline() == {"events": [termination("2021-01-16")]}
    assert str(counterexample) == (
        "invariant 'window_within_term' fails on 2021-01-16: the contract's invariant does not hold\n"
        'timeline: {"events": [{"date": "2021-01-16", "event": "termination", "reason": "quit"}]}')


def test_the_shrunk_day_is_the_boundary(broken: optionrules.Contract):
    """The hand-derived boundary, checked with the evaluator: 2021-01-15 holds, 2021-01-16 fails."""
    on_time = broken.evaluate([termination("2021-01-15")], "2022-01-16")
    assert (on_time.exercisable, on_time.exercise_deadline) == (0, date(2022, 1, 15))
    assert on_time.expired == 1200
    late = broken.evaluate([termination("2021-01-16")], "2022-01-16")
    assert (late.vested, late.exercisable, late.exercise_deadline) == (1200, 1200, date(2022, 1, 16))
    assert late.forfeited == 2400 - 1200


def test_the_counterexample_timeline_reproduces_the_problem(broken: optionrules.Contract):
    (counterexample,) = verify(broken, jobs=1).counterexamples
    timeline = json.loads(json.dumps(counterexample.timeline()))  # JSON all the way
    result = broken.evaluate(timeline, counterexample.as_of)
    assert result.exercise_deadline == date(2022, 1, 16) > broken.plan().expiration
    assert result.exercisable == 1200
    assert broken.evaluate(timeline["events"], counterexample.as_of).exercisable == 1200  # a bare list too


def test_jobs_do_not_change_the_result(broken: optionrules.Contract, sound: optionrules.Contract):
    for contract in (broken, sound):
        one, two = verify(contract, jobs=1), verify(contract, jobs=2)
        assert [str(c) for c in one.counterexamples] == [str(c) for c in two.counterexamples]
        assert (one.timelines, one.evaluations) == (two.timelines, two.evaluations)


# ---- the contract's own invariants ---------------------------------------------------------------------



def test_a_failing_invariant_clause_is_reported_under_its_name():
    # With no event at all, 24 x 100 = 2,400 are exercisable on the expiration date: more than 100.
    # (The empty timeline is evaluated on the grant date, the expiration and the day after; 2,400 > 100
    # on the expiration date 2022-01-15 is the first failure it sees.)
    contract = small(extra=AT_MOST_100)
    report = verify(contract, jobs=1)
    (counterexample,) = report.counterexamples
    assert counterexample.invariant == "at_most_100"
    assert counterexample.message == "the contract's invariant does not hold"
    assert (counterexample.events, counterexample.as_of) == ((), EXPIRATION)
    assert contract.evaluate(counterexample.timeline(), counterexample.as_of).exercisable == 2400


def test_an_invariant_clause_that_holds_adds_no_counterexample(sound: optionrules.Contract):
    contract = small(extra=WITHIN_TERM + 'invariant within "vested within the grant" {\n'
                                         "  that: vested <= shares and exercised <= vested\n}\n")
    report = verify(contract, jobs=1)
    assert report.ok, "\n".join(map(str, report.counterexamples))


def test_an_invariant_clause_on_deadlines_is_shrunk_like_the_built_in_ones():
    # exercise_deadline > expiration as soon as the termination is recorded: T + 12 months > 2022-01-15,
    # T >= 2021-01-16 (as above), and it fails on T itself
    contract = small(caps="no", window="12 months", extra=WITHIN_TERM)
    failures = {c.invariant: c for c in verify(contract, jobs=1).counterexamples}
    own = failures["window_within_term"]
    assert (own.timeline(), own.as_of) == ({"events": [termination("2021-01-16")]}, date(2021, 1, 16))


def test_every_failing_invariant_is_reported():
    contract = small(caps="no", window="12 months", extra=WITHIN_TERM + AT_MOST_100)
    names = {c.invariant for c in verify(contract, jobs=1).counterexamples}
    assert names == {"window_within_term", "at_most_100"}


# ---- the command line --------------------------------------------------------------------------------------


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    out = {}
    for name, text in {"sound": SMALL.format(caps="yes", window="90 days", extra=""),
                       "broken": SMALL.format(caps="no", window="12 months", extra=WITHIN_TERM),
                       "own": SMALL.format(caps="yes", window="90 days", extra=AT_MOST_100)}.items():
        out[name] = tmp_path / f"{name}.contract"
        out[name].write_text(text, encoding="utf-8")
    return out


def test_cli_verify_clean(files: dict[str, Path]):
    result = run("verify", files["sound"], "--jobs", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith(f"{files['sound']}: every invariant holds (9,409 timelines of up to 2 events, "
                                    "63,255 evaluations")


def test_cli_verify_finds_and_writes_the_counterexample(tmp_path: Path, files: dict[str, Path]):
    timeline = tmp_path / "counterexample.json"
    result = run("verify", files["broken"], "--counterexample", timeline)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == (f"{files['broken']}: invariant 'window_within_term' fails on 2021-01-16: the contract's "
                        "invariant does not hold")
    assert lines[1] == 'timeline: {"events": [{"date": "2021-01-16", "event": "termination", "reason": "quit"}]}'
    assert lines[2].strip() == (f"re-run: optionrules eval {files['broken']} --timeline TIMELINE.json "
                                "--as-of 2021-01-16")
    assert lines[-1].startswith(f"{files['broken']}: 1 invariant(s) fail (")
    assert json.loads(timeline.read_text(encoding="utf-8")) == {"events": [termination("2021-01-16")]}

    again = run("eval", files["broken"], "--timeline", timeline, "--as-of", "2022-01-16", "--format", "json")
    assert again.returncode == 0, again.stderr
    figures = json.loads(again.stdout)
    assert (figures["exercisable"], figures["exercise_deadline"]) == (1200, "2022-01-16")


def test_cli_verify_reports_an_invariant_clause_by_name(files: dict[str, Path]):
    result = run("verify", files["own"], "--jobs", "1")
    assert result.returncode == 1
    assert (f"{files['own']}: invariant 'at_most_100' fails on 2022-01-15: the contract's invariant does not hold"
            in result.stdout.splitlines())


def test_cli_verify_writes_no_counterexample_when_clean(tmp_path: Path, files: dict[str, Path]):
    timeline = tmp_path / "counterexample.json"
    assert run("verify", files["sound"], "--counterexample", timeline).returncode == 0
    assert not timeline.exists()


def test_cli_verify_a_folder_skips_plans_and_forms(tmp_path: Path, files: dict[str, Path]):
    (tmp_path / "broken.contract").unlink()
    (tmp_path / "plan.contract").write_text('plan p "A plan" {\n  company: "Acme"\n}\n', encoding="utf-8")
    result = run("verify", tmp_path, "--pairs-every", "3")
    assert result.returncode == 1, result.stdout + result.stderr  # own.contract's invariant fails
    lines = result.stdout.splitlines()
    assert f"{tmp_path / 'plan.contract'}: skipped: a plan (verified through the agreements that use it)" in lines
    assert any(line.startswith(f"{files['sound']}: every invariant holds (6,250 timelines of up to 2 events, pairs "
                               "every 3 months, 38,307 evaluations") for line in lines)
    assert any(line.startswith(f"{files['own']}: 1 invariant(s) fail (") for line in lines)
    (tmp_path / "own.contract").unlink()
    (tmp_path / "sound.contract").unlink()
    only_plans = run("verify", tmp_path)
    assert only_plans.returncode == 2 and "no agreement among the paths" in only_plans.stderr


def test_cli_verify_input_errors(tmp_path: Path, files: dict[str, Path]):
    assert run("verify", tmp_path / "nowhere.contract").returncode == 2
    assert run("verify", files["sound"], "--jobs", "0").returncode == 2
    result = run("verify", files["sound"], "--assume", "nothing=here")
    assert result.returncode == 2 and "--assume" in result.stderr
    bad = tmp_path / "bad.contract"
    bad.write_text(SMALL.format(caps="maybe", window="90 days", extra=""), encoding="utf-8")
    assert run("verify", bad).returncode == 2
