"""explain: each figure's derivation (clauses, events, intermediate values) and the assumptions' impact,
for the public cases of the reference agreement (arithmetic as in tests/test_reference.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest

from tests.conftest import REFERENCE, ROOT
from tests.helpers import event, exercise, termination

WITHOUT_CAUSE = [termination("2004-03-15", "without_cause")]


def lines_of(explanation, figure):
    (derivation,) = [d for d in explanation.derivations if d.figure == figure]
    return derivation


def test_without_cause_names_the_clauses_and_the_intermediate_values(reference):
    e = reference.explain(WITHOUT_CAUSE, "2004-03-20")
    vested = lines_of(e, "vested")
    assert vested.value == 1_263_448
    installments, pro_rata = vested.lines
    # 2002-12-21 .. 2004-02-21: 15 installments of 3,840,000 / 48
    assert installments.text.startswith("15 installments × 80,000 = 1,200,000, 2002-12-21 to 2004-02-21")
    assert installments.clause.name == "monthly"
    assert "floor(80,000 × 23/29) = 63,448" in pro_rata.text
    assert (pro_rata.clause.name, pro_rata.clause.citation) == ("pro_rata_on_termination",
                                                                "Art. I, Exercise and Vesting Schedule")
    assert (pro_rata.date, pro_rata.event, pro_rata.assumptions) == (date(2004, 3, 15), 0, ("pro_rata_days",))
    (deadline,) = lines_of(e, "exercise_deadline").lines
    assert "later_of(2004-11-21, 2004-04-14) = 2004-11-21" in deadline.text
    assert deadline.clause.citation == "Art. II §5"
    forfeited = lines_of(e, "forfeited")
    assert {line.clause.name for line in forfeited.lines if line.clause} == {"service", "ordinary_termination"}
    assert forfeited.lines[-1].text == "granted - vested = 3,840,000 - 1,263,448 = 2,576,552"


def test_the_memo_reads_like_the_agreement(reference):
    text = reference.explain(WITHOUT_CAUSE, "2004-03-20").text()
    assert "Vested: 1,263,448" in text
    assert "Exercise deadline: 2004-11-21" in text
    assert "Art. II §5, ordinary_termination at capstone_liggett_2002.contract:" in text
    assert "events[0] 2004-03-15 termination (reason: without_cause)" in text


def test_assumptions_that_mattered_and_those_that_did_not(reference):
    e = reference.explain(WITHOUT_CAUSE, "2004-03-20")
    impacts = {i.assumption: i for i in e.impacts}
    # inclusive day count: floor(80,000 x 24 / 29) = 66,206 instead of 63,448
    assert impacts["pro_rata_days"].changes["inclusive"]["vested"] == (1_263_448, 1_266_206)
    # the "until" date excluded: the last day is 2004-11-20
    assert impacts["until_dates"].changes["exclusive"]["exercise_deadline"] == (date(2004, 11, 21),
                                                                               date(2004, 11, 20))
    assert not impacts["plan_acceleration"].mattered and not impacts["lockup_start"].mattered
    assert "changed nothing here: plan_acceleration = all_unvested, lockup_start = day_after" in e.text()


def test_cause_explains_the_forfeiture(reference):
    e = reference.explain([termination("2005-01-10", "cause")], "2005-02-01")
    (forfeit,) = [line for line in lines_of(e, "forfeited").lines if line.clause and line.clause.kind == "rule"]
    assert forfeit.clause.name == "termination_for_cause"
    assert "3,840,000 shares not exercised are forfeited" in forfeit.text
    assert lines_of(e, "exercise_deadline").value is None
    assert lines_of(e, "exercisable").lines[0].text == "none: the option terminated on 2005-01-10"


def test_death_window_and_expiry(reference):
    e = reference.explain([termination("2008-05-01", "death")], "2009-05-02")
    (deadline,) = lines_of(e, "exercise_deadline").lines
    assert "later_of(2004-11-21, 2009-05-01) = 2009-05-01" in deadline.text and deadline.clause.citation == "Art. II §7"
    assert "2009-05-02 is after the exercise deadline 2009-05-01" in lines_of(e, "expired").lines[0].text


def test_a_condition_that_does_not_hold_is_explained(reference):
    e = reference.explain([event("2003-06-01", "change_of_control")], "2003-06-01")
    (line,) = [x for x in lines_of(e, "vested").lines if x.clause and x.clause.name == "change_of_control_acceleration"]
    assert line.text == "does not apply: `became_ceo before change_of_control and in_service` does not hold"


def test_violations_are_listed(reference):
    e = reference.explain([exercise("2003-06-01", 10.5)], "2003-06-02")
    clause = e.to_dict()["violations"][0]["clause"]
    assert (clause["clause"], clause["citation"]) == ("whole_shares", "Art. II §2(a)(ii)")
    assert "Violations: 1" in e.text()


# Each assumption of the reference agreement flips at least one figure on some timeline.
FLIPS = [
    ("pro_rata_days", "inclusive", WITHOUT_CAUSE, "2004-03-20", "vested", 1_263_448, 1_266_206),
    ("plan_acceleration", "nothing", [event("2003-01-01", "became_ceo"), event("2003-06-01", "change_of_control")],
     "2003-06-01", "vested", 3_840_000, 480_000),
    ("until_dates", "exclusive", WITHOUT_CAUSE, "2004-11-21", "exercisable", 1_263_448, 0),
    ("lockup_start", "same_day", [event("2004-01-15", "registration_effective")], "2004-01-15", "sale_blocked",
     False, True),
]


@pytest.mark.parametrize(("name", "reading", "timeline", "as_of", "figure", "default", "other"), FLIPS)
def test_each_assumption_flips_a_figure(reference, name, reading, timeline, as_of, figure, default, other):
    assert getattr(reference.evaluate(timeline, as_of), figure) == default
    assert getattr(reference.evaluate(timeline, as_of, assume={name: reading}), figure) == other
    impact = {i.assumption: i for i in reference.explain(timeline, as_of).impacts}[name]
    assert impact.changes[reading][figure] == (default, other)


def test_json_is_a_tree(reference):
    tree = reference.explain(WITHOUT_CAUSE, "2004-03-20").to_dict()
    json.dumps(tree)
    assert [f["figure"] for f in tree["figures"]] == ["vested", "exercised", "exercisable", "unvested", "forfeited",
                                                      "expired", "exercise_deadline", "sale_blocked"]
    first = tree["figures"][0]["because"][0]
    assert first["clause"]["clause"] == "monthly" and first["clause"]["line"] > 0


def test_cli_explain(tmp_path):
    timeline = tmp_path / "t.json"
    timeline.write_text(json.dumps({"events": WITHOUT_CAUSE}))
    run = [sys.executable, "-m", "optionrules", "explain", str(REFERENCE), "--timeline", str(timeline),
           "--as-of", "2004-03-20"]
    text = subprocess.run(run, capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert "floor(80,000 × 23/29) = 63,448" in text
    tree = json.loads(subprocess.run([*run, "--format", "json", "--assume", "pro_rata_days=inclusive"],
                                     capture_output=True, text=True, cwd=ROOT, check=True).stdout)
    assert tree["figures"][0]["value"] == 1_266_206


def test_html_for_notebooks(reference):
    assert "<table>" in reference.explain(WITHOUT_CAUSE, "2004-03-20")._repr_html_()
