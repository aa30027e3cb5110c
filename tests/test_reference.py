"""The reference agreement (Capstone Turbine / Emily M. Liggett, 2002) against its text.

Arithmetic used throughout:
- 3,840,000 shares / 48 = 80,000 a month, installment k on 2002-11-21 + k months
  (k = 1 on 2002-12-21, k = 12 on 2003-11-21, k = 15 on 2004-02-21, k = 48 on 2006-11-21);
- "two years after the Vesting Commencement Date" = 2004-11-21;
- Expiration Date 2012-11-21.
"""

from __future__ import annotations

from datetime import date

import pytest

from tests.helpers import event, exercise, termination

GRANTED = 3_840_000
MONTHLY = 80_000  # 3,840,000 / 48


def buckets(result):  # the partition every evaluation must respect
    return result.exercised + result.exercisable + result.unvested + result.forfeited + result.expired


# ---- the public checks of the v1 issue ---------------------------------------------------


def test_no_events_one_year_in(reference):
    # 2002-12-21 .. 2003-11-21: 12 installments x 80,000 = 960,000
    r = reference.evaluate([], "2003-11-21")
    assert (r.vested, r.exercisable, r.unvested) == (960_000, 960_000, 2_880_000)
    assert r.exercise_deadline == date(2012, 11, 21)
    assert buckets(r) == GRANTED


def test_termination_without_cause(reference):
    timeline = [termination("2004-03-15", "without_cause")]
    r = reference.evaluate(timeline, "2004-03-20")
    # 15 installments (to 2004-02-21) = 1,200,000; L = 2004-02-21, N = 2004-03-21:
    # T - L = 8 days of February 2004 (leap year, to the 29th) + 15 = 23; N - L = 29;
    # floor(80,000 x 23 / 29) = floor(63,448.27) = 63,448.
    assert r.vested == 1_200_000 + 63_448 == 1_263_448
    assert r.forfeited == GRANTED - 1_263_448 == 2_576_552
    assert r.exercisable == 1_263_448 and r.unvested == 0
    # later_of(2002-11-21 + 2 years, 2004-03-15 + 30 days = 2004-04-14) = 2004-11-21
    assert r.exercise_deadline == date(2004, 11, 21)
    on_deadline = reference.evaluate(timeline, "2004-11-21")
    assert on_deadline.exercisable == 1_263_448  # "until" is inclusive
    after = reference.evaluate(timeline, "2004-11-22")
    assert (after.expired, after.exercisable, after.forfeited) == (1_263_448, 0, 2_576_552)


def test_termination_for_cause(reference):
    r = reference.evaluate([termination("2005-01-10", "cause")], "2005-02-01")
    assert (r.exercisable, r.forfeited, r.exercise_deadline) == (0, GRANTED, None)
    # vested does not drop when forfeited: 25 installments to 2004-12-21 = 2,000,000, no pro-rata for Cause
    assert r.vested == 25 * MONTHLY
    assert buckets(r) == GRANTED


def test_termination_by_death(reference):
    timeline = [termination("2008-05-01", "death")]
    # all 48 installments vested by 2006-11-21; later_of(2004-11-21, 2008-05-01 + 12 months) = 2009-05-01
    r = reference.evaluate(timeline, "2009-05-01")
    assert (r.exercisable, r.exercise_deadline) == (GRANTED, date(2009, 5, 1))
    after = reference.evaluate(timeline, "2009-05-02")
    assert (after.expired, after.exercisable) == (GRANTED, 0)


# ---- more of the agreement ------------------------------------------------------------


def test_disability_pro_rata_and_window(reference):
    r = reference.evaluate([termination("2003-06-10", "disability")], "2003-06-10")
    # 6 installments (2002-12-21 .. 2003-05-21) = 480,000; L = 2003-05-21, N = 2003-06-21:
    # T - L = 20, N - L = 31; floor(80,000 x 20 / 31) = floor(51,612.9) = 51,612
    assert r.vested == 480_000 + 51_612
    # later_of(2004-11-21, 2003-06-10 + 12 months = 2004-06-10) = 2004-11-21
    assert r.exercise_deadline == date(2004, 11, 21)


def test_resignation_after_two_years(reference):
    r = reference.evaluate([termination("2006-01-31", "resignation")], "2006-02-01")
    # 38 installments (k = 38 on 2006-01-21) = 3,040,000; T - L = 10, N - L = 31 (2006-01-21 -> 2006-02-21):
    # floor(80,000 x 10 / 31) = floor(25,806.45) = 25,806
    assert r.vested == 3_040_000 + 25_806
    # 2006-01-31 + 30 days = 2006-03-02 (February 2006 has 28 days), later than 2004-11-21
    assert r.exercise_deadline == date(2006, 3, 2)


def test_termination_on_an_installment_date_vests_it_and_nothing_pro_rata(reference):
    r = reference.evaluate([termination("2004-02-21", "without_cause")], "2004-03-01")
    assert r.vested == 15 * MONTHLY  # T = L: 0 days of the next installment served


def test_termination_before_the_first_installment(reference):
    r = reference.evaluate([termination("2002-12-01", "without_cause")], "2002-12-05")
    # L = commencement 2002-11-21, N = 2002-12-21: floor(80,000 x 10 / 30) = 26,666
    assert r.vested == 26_666
    assert r.forfeited == GRANTED - 26_666


def test_last_installment_and_expiration(reference):
    assert reference.evaluate([], "2006-11-20").vested == 47 * MONTHLY
    assert reference.evaluate([], "2006-11-21").vested == GRANTED
    on_expiration = reference.evaluate([], "2012-11-21")
    assert (on_expiration.exercisable, on_expiration.exercise_deadline) == (GRANTED, date(2012, 11, 21))
    after = reference.evaluate([], "2012-11-22")
    assert (after.exercisable, after.expired) == (0, GRANTED)


def test_window_never_runs_past_expiration(reference):
    # death on 2012-06-01: 12 months later is 2013-06-01, capped by the Expiration Date
    r = reference.evaluate([termination("2012-06-01", "death")], "2012-07-01")
    assert r.exercise_deadline == date(2012, 11, 21)


# ---- change of control (Art. II §8) ---------------------------------------------------------


def test_change_of_control_after_becoming_ceo_accelerates_everything(reference):
    timeline = [event("2003-01-01", "became_ceo"), event("2003-06-01", "change_of_control")]
    r = reference.evaluate(timeline, "2003-06-01")
    assert (r.vested, r.unvested, r.exercisable) == (GRANTED, 0, GRANTED)
    assert "change_of_control_acceleration" in {ref.name for ref in r.sources["vested"]}


@pytest.mark.parametrize("timeline", [
    [event("2003-06-01", "change_of_control")],  # never CEO
    [event("2003-06-01", "became_ceo"), event("2003-06-01", "change_of_control")],  # not strictly before
    [event("2003-01-01", "became_ceo"), termination("2003-05-01", "resignation"),
     event("2003-06-01", "change_of_control")],  # no longer in service
])
def test_change_of_control_without_the_condition_accelerates_nothing(reference, timeline):
    r = reference.evaluate(timeline, "2003-06-01")
    assert r.vested < GRANTED
    assert "change_of_control_acceleration" not in {ref.name for ref in r.sources["vested"]}


def test_plan_acceleration_assumption_flips_the_acceleration(reference):
    timeline = [event("2003-01-01", "became_ceo"), event("2003-06-01", "change_of_control")]
    r = reference.evaluate(timeline, "2003-06-01", assume={"plan_acceleration": "nothing"})
    assert r.vested == 6 * MONTHLY  # 2002-12-21 .. 2003-05-21


# ---- lock-up (Art. II §3) -------------------------------------------------------------------


def test_lockup_blocks_sales_for_180_days_following_the_effective_date(reference):
    timeline = [event("2004-01-15", "registration_effective")]
    # day_after reading: 2004-01-16 .. 2004-07-13 (16 + 29 + 31 + 30 + 31 + 30 + 13 = 180 days)
    assert not reference.evaluate(timeline, "2004-01-15").sale_blocked
    assert reference.evaluate(timeline, "2004-01-16").sale_blocked
    assert reference.evaluate(timeline, "2004-07-13").sale_blocked
    assert not reference.evaluate(timeline, "2004-07-14").sale_blocked
    same_day = {"lockup_start": "same_day"}  # 2004-01-15 .. 2004-07-12
    assert reference.evaluate(timeline, "2004-01-15", assume=same_day).sale_blocked
    assert not reference.evaluate(timeline, "2004-07-13", assume=same_day).sale_blocked


def test_lockup_extension_adds_its_days(reference):
    timeline = [event("2004-01-15", "registration_effective"), event("2004-05-01", "lockup_extension", days=30)]
    assert reference.evaluate(timeline, "2004-08-12").sale_blocked  # 2004-07-13 + 30 days
    assert not reference.evaluate(timeline, "2004-08-13").sale_blocked


# ---- exercise, payment, transfer (Art. II §2, §4, §9) -------------------------------------


def test_a_valid_exercise_moves_shares_to_exercised(reference):
    r = reference.evaluate([exercise("2003-06-01", 100_000)], "2003-06-01")
    # 6 installments = 480,000 vested; 100,000 exercised
    assert (r.vested, r.exercised, r.exercisable, r.unvested) == (480_000, 100_000, 380_000, 3_360_000)
    assert r.violations == ()


@pytest.mark.parametrize(("bad", "clause"), [
    (exercise("2003-06-01", 500_000), "Art. II §2(a)(i), §2(b)"),  # more than the 480,000 exercisable
    (exercise("2003-06-01", 10.5), "Art. II §2(a)(ii)"),  # a fraction of a share
    (exercise("2003-06-01", 1_000, "promissory_note"), "Art. II §4"),  # no Administrator consent
])
def test_forbidden_exercises_are_violations_and_not_applied(reference, bad, clause):
    r = reference.evaluate([bad], "2003-06-02")
    assert r.exercised == 0 and r.exercisable == 480_000
    assert [(v.index, v.event, v.clause.citation) for v in r.violations] == [(0, "exercise", clause)]


def test_consent_allows_the_consented_method_only(reference):
    timeline = [event("2003-05-01", "administrator_consent", method="promissory_note"),
                exercise("2003-06-01", 1_000, "promissory_note"),
                exercise("2003-06-02", 1_000, "broker_cashless")]
    r = reference.evaluate(timeline, "2003-06-03")
    assert r.exercised == 1_000
    assert [v.index for v in r.violations] == [2]


def test_exercise_on_and_after_the_deadline(reference):
    ended = termination("2004-03-15", "without_cause")
    on_time = reference.evaluate([ended, exercise("2004-11-21", 1_000)], "2004-12-01")
    assert (on_time.exercised, on_time.expired) == (1_000, 1_263_448 - 1_000)
    late = reference.evaluate([ended, exercise("2004-11-22", 1_000)], "2004-12-01")
    assert late.exercised == 0 and "deadline" in late.violations[0].why
    exclusive = reference.evaluate([ended, exercise("2004-11-21", 1_000)], "2004-12-01",
                                   assume={"until_dates": "exclusive"})
    assert exclusive.exercise_deadline == date(2004, 11, 20) and exclusive.exercised == 0


def test_cause_forfeits_what_was_not_exercised(reference):
    r = reference.evaluate([exercise("2003-06-01", 100_000), termination("2005-01-10", "cause")], "2005-02-01")
    assert (r.exercised, r.forfeited, r.exercisable) == (100_000, GRANTED - 100_000, 0)


def test_transfer_only_by_will_or_descent(reference):
    r = reference.evaluate([event("2004-01-01", "transfer", by="will"), event("2004-02-01", "transfer", by="sale")],
                           "2004-03-01")
    assert [(v.index, v.clause.citation) for v in r.violations] == [(1, "Art. II §9")]


def test_pro_rata_days_assumption(reference):
    r = reference.evaluate([termination("2004-03-15", "without_cause")], "2004-03-20",
                           assume={"pro_rata_days": "inclusive"})
    assert r.vested == 1_200_000 + 66_206  # floor(80,000 x 24 / 29) = floor(66,206.9)


def test_to_dict_is_the_eval_json_object(reference):
    d = reference.evaluate([termination("2004-03-15", "without_cause")], "2004-03-20").to_dict()
    assert d["exercise_deadline"] == "2004-11-21" and d["as_of"] == "2004-03-20"
    assert set(d) == {"schema_version", "as_of", "granted", "vested", "exercised", "exercisable", "unvested",
                      "forfeited", "expired", "exercise_deadline", "sale_blocked", "violations", "clauses"}
    assert [c["citation"] for c in d["clauses"]["exercise_deadline"]] == ["Art. II §5"]
