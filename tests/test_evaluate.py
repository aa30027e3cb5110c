"""The evaluator, one clause kind at a time, on small contracts (tests/helpers.py: BASE).

The base grant: 4,800 shares granted 2020-01-15, expiring 2030-01-15; by default 48
monthly installments of 4,800 / 48 = 100 from 2020-02-15, and a termination ends
vesting with a 90-day window.
"""

from __future__ import annotations

import json
from datetime import date
from fractions import Fraction

import pytest

import optionrules
from tests.helpers import ENDS, contract, event, exercise, installments, termination


def schedule(body: str, name: str = "v") -> str:
    """A vesting clause from `key: value` lines (continuation lines are indented)."""
    lines = "\n".join(f"  {line.strip()}" for line in body.splitlines())
    return f'vesting {name} "v" {{\n{lines}\n}}\n'


# ---- installment schedules ---------------------------------------------------------------

EIGHTEEN_OVER_FOUR = {
    # 18 / 4 = 4.5 a tranche
    "rounding: down\n rounding_basis: per_installment\n remainder: last": [4, 4, 4, 6],
    "rounding: down\n rounding_basis: per_installment\n remainder: first": [6, 4, 4, 4],
    "rounding: down\n rounding_basis: per_installment\n remainder: spread_first": [5, 5, 4, 4],
    "rounding: down\n rounding_basis: per_installment\n remainder: spread_last": [4, 4, 5, 5],
    "rounding: up\n rounding_basis: per_installment\n remainder: last": [5, 5, 5, 3],  # ceil 4.5 = 5; 18 - 15
    # cumulative: round(18 k / 4) for k = 1..4 -> half up 5, 9, 14, 18; down 4, 9, 13, 18
    "rounding: half_up\n rounding_basis: cumulative": [5, 4, 5, 4],
    "rounding: down\n rounding_basis: cumulative": [4, 5, 4, 5],
}


@pytest.mark.parametrize(("allocation", "amounts"), EIGHTEEN_OVER_FOUR.items())
def test_eighteen_shares_over_four_tranches(allocation, amounts):
    c = contract(schedule(f"installments: 4\n every: 1 month\n {allocation}"), shares="18")
    assert [a for _, a in installments(c)] == amounts


def test_monthly_installments_from_the_anchor():
    c = contract()
    dates = [d for d, _ in installments(c)]
    assert dates[0] == "2020-02-15" and dates[11] == "2021-01-15" and dates[-1] == "2024-01-15"
    assert c.evaluate([], "2020-07-14").vested == 5 * 100  # 2020-02-15 .. 2020-06-15
    assert c.evaluate([], "2020-07-15").vested == 6 * 100


def test_a_start_on_the_31st_falls_back_without_drifting():
    c = contract(schedule("installments: 13\n every: 1 month\n rounding: down\n rounding_basis: per_installment\n"
                          " remainder: last"), shares="1300", grant_date="2020-01-31")
    dates = [d for d, _ in installments(c)]
    # 2020 is a leap year: February 29; March is back on the 31st (computed from the anchor, never stepped)
    assert dates[:3] == ["2020-02-29", "2020-03-31", "2020-04-30"]
    # k = 12 is 2021-01-31; k = 13 crosses a non-leap February: 2021-02-28
    assert dates[11] == "2021-01-31" and dates[12] == "2021-02-28"
    non_leap = contract(schedule("installments: 2\n every: 1 month\n rounding: down\n"
                                 " rounding_basis: per_installment\n remainder: last"),
                        shares="2", grant_date="2021-01-31")
    assert [d for d, _ in installments(non_leap)] == ["2021-02-28", "2021-03-31"]


def test_first_of_next_month_policy():
    c = contract(schedule("installments: 2\n every: 1 month\n rounding: down\n rounding_basis: per_installment\n"
                          " remainder: last"), shares="2", grant_date="2021-01-31",
                 missing_day="first_of_next_month")
    assert [d for d, _ in installments(c)] == ["2021-03-01", "2021-03-31"]


def test_cliff_then_monthly():
    c = contract(schedule("installments: 48\n every: 1 month\n cliff: 12 months\n rounding: down\n"
                          " rounding_basis: per_installment\n remainder: last"))
    assert c.evaluate([], "2021-01-14").vested == 0
    assert c.evaluate([], "2021-01-15").vested == 1_200  # 12 x 100 on the cliff date
    assert c.evaluate([], "2021-02-15").vested == 1_300
    assert installments(c)[0] == ("2021-01-15", 1_200)


def test_quarterly_and_annual():
    quarterly = contract(schedule("installments: 16\n every: 3 months\n rounding: down\n"
                                  " rounding_basis: per_installment\n remainder: last"))
    assert quarterly.evaluate([], "2020-04-15").vested == 300  # 4,800 / 16
    annual = contract(schedule("installments: 4\n every: 1 year\n rounding: down\n"
                               " rounding_basis: per_installment\n remainder: last"))
    assert [d for d, _ in installments(annual)] == ["2021-01-15", "2022-01-15", "2023-01-15", "2024-01-15"]


def test_two_schedules_add_up():
    two = schedule("shares: 1200\n installments: 1\n every: 1 year\n rounding: down\n"
                   " rounding_basis: per_installment", "first_year") + \
        schedule("shares: 3600\n installments: 36\n every: 1 month\n from: 2021-01-15\n rounding: down\n"
                 " rounding_basis: per_installment", "after")
    c = contract(two)
    assert c.evaluate([], "2021-01-15").vested == 1_200
    assert c.evaluate([], "2021-02-15").vested == 1_300


# ---- service and what ending it does ------------------------------------------------------


def test_service_through_inclusive_and_exclusive():
    on_installment = [termination("2020-06-15", "quit")]
    assert contract().evaluate(on_installment, "2020-07-01").vested == 500  # 2020-02-15 .. 2020-06-15
    assert contract(through="exclusive").evaluate(on_installment, "2020-07-01").vested == 400


def test_termination_forfeits_unvested_and_opens_a_window():
    r = contract().evaluate([termination("2020-06-20", "quit")], "2020-07-01")
    assert (r.vested, r.forfeited, r.unvested, r.exercisable) == (500, 4_300, 0, 500)
    assert r.exercise_deadline == date(2020, 9, 18)  # 2020-06-20 + 90 days


def test_forfeit_all_for_one_reason():
    rules = ENDS.replace("rule ends \"r\" on termination {", "rule ends \"r\" on termination when reason != cause {")
    rules += 'rule cause "r" on termination when reason = cause {\n  forfeit: all\n}\n'
    c = contract(rules=rules)
    r = c.evaluate([exercise("2020-05-01", 100), termination("2020-06-20", "cause")], "2020-06-21")
    assert (r.exercised, r.forfeited, r.exercisable, r.exercise_deadline) == (100, 4_700, 0, None)
    assert c.evaluate([termination("2020-06-20", "quit")], "2020-06-21").exercise_deadline == date(2020, 9, 18)


def test_earlier_of_window():
    rules = ENDS.replace("termination + 90 days", "earlier_of(termination + 3 months, 2020-08-01)")
    r = contract(rules=rules).evaluate([termination("2020-06-20", "quit")], "2020-06-21")
    assert r.exercise_deadline == date(2020, 8, 1)


def test_pro_rata_rule():
    rules = ENDS + 'rule partial "r" on termination {\n  vest: pro_rata(day_count: exclusive, rounding: down)\n}\n'
    r = contract(rules=rules).evaluate([termination("2020-06-25", "quit")], "2020-07-01")
    # L = 2020-06-15, N = 2020-07-15: floor(100 x 10 / 30) = 33
    assert r.vested == 500 + 33


def test_a_second_termination_is_a_violation():
    r = contract().evaluate([termination("2020-06-20", "quit"), termination("2020-07-20", "fired")], "2020-08-01")
    assert [(v.index, v.clause.kind) for v in r.violations] == [(1, "service")]
    assert r.exercise_deadline == date(2020, 9, 18)


# ---- acceleration ------------------------------------------------------------------------------


def test_single_trigger_acceleration_while_in_service():
    rules = ENDS + 'rule deal "r" on deal when in_service {\n  vest: all_unvested\n}\n'
    c = contract(rules=rules)
    assert c.evaluate([event("2020-06-20", "deal")], "2020-06-20").vested == 4_800
    after_leaving = c.evaluate([termination("2020-06-01", "quit"), event("2020-06-20", "deal")], "2020-06-20")
    assert after_leaving.vested == 400


def test_double_trigger_acceleration():
    rules = ENDS + ('rule double "r" on termination\n'
                    '  when reason = fired and deal within 12 months before termination {\n'
                    '  vest: all_unvested\n}\n')
    c = contract(rules=rules)
    fired_soon = [event("2020-03-01", "deal"), termination("2021-02-20", "fired")]
    assert c.evaluate(fired_soon, "2021-03-01").vested == 4_800
    fired_late = [event("2020-03-01", "deal"), termination("2021-03-20", "fired")]
    assert c.evaluate(fired_late, "2021-04-01").vested == 1_400  # 14 installments to 2021-03-15
    quit_soon = [event("2020-03-01", "deal"), termination("2021-02-20", "quit")]
    assert c.evaluate(quit_soon, "2021-03-01").vested == 1_300


# ---- lock-ups, payment, requirements -----------------------------------------------------------


def test_lockup_same_day_and_extension():
    rules = ENDS + ('lockup standstill "l" on listing {\n  period: 90 days\n  starts: same_day\n'
                    '  extended_by: extension.days\n}\n')
    c = contract(rules=rules)
    listing = [event("2021-01-01", "listing")]
    assert c.evaluate(listing, "2021-01-01").sale_blocked
    assert c.evaluate(listing, "2021-03-31").sale_blocked  # day 90: 2021-01-01 + 89 days
    assert not c.evaluate(listing, "2021-04-01").sale_blocked
    extended = [*listing, event("2021-02-01", "extension", days=10)]
    assert c.evaluate(extended, "2021-04-10").sale_blocked
    assert not c.evaluate(extended, "2021-04-11").sale_blocked


def test_payment_with_and_without_consent():
    c = contract()
    unapproved = c.evaluate([exercise("2020-06-20", 100, "note")], "2020-06-21")
    assert unapproved.exercised == 0 and unapproved.violations[0].clause.kind == "payment"
    approved = c.evaluate([event("2020-06-01", "consent", method="note"), exercise("2020-06-20", 100, "note")],
                          "2020-06-21")
    assert approved.exercised == 100 and approved.violations == ()


def test_require_clause():
    rules = ENDS + 'require small "x" on exercise {\n  says: "no more than 100 at a time"\n  that: shares <= 100\n}\n'
    r = contract(rules=rules).evaluate([exercise("2020-06-20", 200), exercise("2020-06-21", 100)], "2020-06-22")
    assert r.exercised == 100
    assert [(v.index, v.why) for v in r.violations] == [(0, "no more than 100 at a time")]


def test_over_exercise_is_a_violation():
    r = contract().evaluate([exercise("2020-06-20", 501)], "2020-06-21")
    assert r.exercised == 0 and "exceed" in r.violations[0].why


def test_partition_holds_in_every_bucket_state():
    c = contract()
    for timeline, as_of in [([], "2019-01-01"), ([], "2022-01-01"), ([], "2031-01-01"),
                            ([termination("2021-06-01", "quit")], "2021-06-01"),
                            ([termination("2021-06-01", "quit")], "2021-12-01"),
                            ([exercise("2021-01-01", 300), termination("2021-06-01", "quit")], "2021-07-01")]:
        r = c.evaluate(timeline, as_of)
        assert r.exercised + r.exercisable + r.unvested + r.forfeited + r.expired == 4_800, (timeline, as_of)


# ---- cliffs under each allocation mode (Open Cap Format's allocation types) ---------------------

# 1,001 shares, 48 monthly installments, a 12-month cliff: 1,001 / 48 = 20.854...
CLIFF_UNDER_ROUNDING = {
    # per installment: floor 20 each, 1,001 - 48 x 20 = 41 left over
    "rounding: down\n rounding_basis: per_installment\n remainder: last": 240,  # 12 x 20 (back-loaded, one tranche)
    "rounding: down\n rounding_basis: per_installment\n remainder: first": 281,  # 20 + 41 + 11 x 20
    "rounding: down\n rounding_basis: per_installment\n remainder: spread_first": 252,  # front-loaded: 12 x 21
    "rounding: down\n rounding_basis: per_installment\n remainder: spread_last": 245,  # 7 x 20 + 5 x 21
    "rounding: up\n rounding_basis: per_installment\n remainder: last": 252,  # ceil 21 each: 12 x 21
    # cumulative: round(1,001 x 12 / 48) = round(250.25)
    "rounding: down\n rounding_basis: cumulative": 250,
    "rounding: half_up\n rounding_basis: cumulative": 250,
    "rounding: up\n rounding_basis: cumulative": 251,
}


@pytest.mark.parametrize(("allocation", "cliff"), CLIFF_UNDER_ROUNDING.items())
def test_cliff_amount_under_each_rounding_mode(allocation, cliff):
    c = contract(schedule(f"installments: 48\n every: 1 month\n cliff: 12 months\n {allocation}"), shares="1001")
    assert c.evaluate([], "2021-01-14").vested == 0
    assert c.evaluate([], "2021-01-15").vested == cliff
    assert c.evaluate([], "2024-01-15").vested == 1_001


def test_fractional_shares_stay_exact():
    c = contract(schedule("installments: 4\n every: 1 month\n rounding: none\n rounding_basis: per_installment"),
                 shares="18")
    r = c.evaluate([], "2020-03-15")  # two tranches of 18 / 4 = 4.5
    assert r.vested == Fraction(9) and r.unvested == Fraction(9)
    assert c.evaluate([], "2020-02-15").vested == Fraction(9, 2)
    assert c.evaluate([], "2020-02-15").to_dict()["vested"] == 4.5
    assert isinstance(c.evaluate([], "2020-02-15").to_dict()["vested"], float)


def test_fractional_shares_in_every_output():
    # 18 shares in 4 monthly tranches of 18/4 = 9/2 from 2020-01-15; leaving on 2020-03-01 (after the tranche of
    # 2020-02-15 only): 9/2 vested, 18 - 9/2 = 27/2 forfeited
    c = contract(schedule("installments: 4\n every: 1 month\n rounding: none\n rounding_basis: per_installment"),
                 shares="18")
    leaving = [termination("2020-03-01", "quit")]
    table = c.schedule(leaving)
    assert {row["date"]: row["vested"] for row in json.loads(table.to_json())["rows"]}["2020-02-15"] == 4.5
    assert "2020-02-15,4.5," in table.to_csv() and "     4.5  " in table.table()  # exact: 9/2 is 4.5
    (row,) = json.loads(c.whatif([], ["termination.date=2020-03-01", "termination.reason=quit"], "event+0").to_json()
                        )["rows"]
    assert (row["vested"], row["forfeited"]) == (4.5, 13.5)
    memo = c.explain(leaving, "2020-03-01")
    assert "1 installment × 4.5 = 4.5" in memo.text()
    assert {f["figure"]: f["value"] for f in json.loads(json.dumps(memo.to_dict()))["figures"]}["vested"] == 4.5


# ---- milestones ------------------------------------------------------------------------------------

MILESTONE = """\
vesting time "v" {
  shares: 3,600
  installments: 36
  every: 1 month
  rounding: down
  rounding_basis: per_installment
}
milestone approval "m" on listing {
  shares: 1,200
  deadline: 2021-01-15
  accelerates: no
}
"""


def test_milestone_vests_on_its_event_before_the_deadline():
    c = contract(MILESTONE)
    r = c.evaluate([event("2020-06-01", "listing")], "2020-06-01")
    assert r.vested == 4 * 100 + 1_200  # 2020-02-15 .. 2020-05-15, then the tranche
    late = c.evaluate([event("2021-02-01", "listing")], "2021-02-01")
    assert late.vested == 12 * 100 and late.forfeited == 1_200  # the deadline passed on 2021-01-15


def test_milestone_lapses_after_its_deadline_and_on_termination():
    c = contract(MILESTONE)
    assert c.evaluate([], "2021-01-15").forfeited == 0  # the deadline day itself is still in time
    r = c.evaluate([], "2021-01-16")
    assert (r.forfeited, r.unvested) == (1_200, 4_800 - 12 * 100 - 1_200)
    ended = c.evaluate([termination("2020-06-20", "quit"), event("2020-07-01", "listing")], "2020-07-01")
    assert ended.vested == 5 * 100 and ended.forfeited == 4_800 - 500


# ---- partial acceleration ------------------------------------------------------------------------


def accelerated(vest: str):
    return contract(rules=ENDS + f'rule deal "r" on deal {{\n  vest: {vest}\n}}\n')


def test_percent_of_unvested_taken_from_the_last_installments():
    c = accelerated("percent(50%, rounding: down, from: last)")
    # on 2021-01-01: 11 installments vested (to 2020-12-15) = 1,100; 3,700 unvested; half = 1,850
    r = c.evaluate([event("2021-01-01", "deal")], "2021-01-01")
    assert r.vested == 1_100 + 1_850
    # taken from the last: the 18 installments 2022-08-15 .. 2024-01-15 and 50 of 2022-07-15's. The schedule
    # runs on from 2021-01-15: by 2022-06-15, 18 more installments; on 2022-07-15 the last 50 shares.
    assert c.evaluate([event("2021-01-01", "deal")], "2022-06-15").vested == 1_100 + 1_850 + 18 * 100
    assert c.evaluate([event("2021-01-01", "deal")], "2022-07-15").vested == 4_800


def test_percent_from_each_and_from_first():
    each = accelerated("percent(25%, rounding: down, from: each)")
    # 37 unvested installments of 100, each gives floor(25) = 25: 925
    assert each.evaluate([event("2021-01-01", "deal")], "2021-01-01").vested == 1_100 + 925
    first = accelerated("percent(10%, rounding: down, from: first)")
    # floor(10% of 3,700) = 370: the next 3 installments and 70 of the fourth
    r = first.evaluate([event("2021-01-01", "deal")], "2021-04-15")
    assert r.vested == 1_100 + 370 + 30  # by 2021-04-15 only the fourth's remaining 30 has come due on top


def test_next_twelve_months_of_installments():
    c = accelerated("next(12 months)")
    # on 2021-01-01 the installments due by 2022-01-01 (2021-01-15 .. 2021-12-15: 12) vest at once
    assert c.evaluate([event("2021-01-01", "deal")], "2021-01-01").vested == 1_100 + 1_200
    assert c.evaluate([event("2021-01-01", "deal")], "2021-12-31").vested == 2_300  # nothing new meanwhile
    assert c.evaluate([event("2021-01-01", "deal")], "2022-01-15").vested == 2_400


# ---- early exercise, units, a term that ends on a change of control ----------------------------------

EARLY = """\
agreement e "Early exercise"
enum reason_t { quit }
enum method_t { cash }
event termination(reason: reason_t)
event exercise(shares: shares, method: method_t)
event deal(assumed: bool)
event repurchase(shares: shares, fmv: money)
conventions "c" {
  missing_day: last_day_of_month
  until: inclusive
}
grant "g" {
  shares: 4,800
  exercise_price: USD 1.00
  grant_date: 2020-01-15
}
term "t" {
  expiration: grant_date + 10 years
  caps_windows: yes
}
vesting monthly "v" {
  installments: 48
  every: 1 month
  cliff: 12 months
  rounding: down
  rounding_basis: per_installment
}
service "s" {
  ends_on: termination
  through: inclusive
}
rule leaves "r" on termination {
  forfeit: unvested
  exercisable_until: termination + 90 days
}
rule ends_unless_assumed "r" on deal when not assumed {
  exercisable_until: deal
}
exercise "e" on exercise {
  shares: shares
  method: method
  before_vesting: allowed
}
repurchase "r" on repurchase {
  shares: shares
  price: lower_of(exercise_price, repurchase.fmv)
}
deadline buy_back "r" {
  opens: termination
  lasts: 90 days
  for: repurchase
  passing: release
}
"""


def test_early_exercise_and_the_repurchase_of_unvested_shares():
    c = optionrules.loads(EARLY, "early.contract")
    bought = exercise("2020-06-01", 2_000)
    r = c.evaluate([bought], "2020-06-01")
    assert (r.exercised, r.exercisable, r.vested) == (2_000, 2_800, 0)  # unvested shares are exercisable
    assert (r.subject_to_repurchase, r.repurchase_deadline) == (2_000, None)  # no termination: no window yet
    # leaves on 2021-03-01: 12 x 100 on the cliff + 2021-02-15 = 1,300 vested; 2,000 - 1,300 = 700 may be bought
    # back until 2021-03-01 + 90 days = 2021-05-30 (30 days of March, 30 of April, 30 of May)
    left = [bought, termination("2021-03-01", "quit")]
    r = c.evaluate(left, "2021-03-01")
    assert (r.exercised, r.subject_to_repurchase, r.repurchase_deadline) == (2_000, 700, date(2021, 5, 30))
    # bought back on 2021-04-01 at the lower of USD 1.00 paid and the fair market value USD 0.50: 700 x 0.50
    r = c.evaluate([*left, event("2021-04-01", "repurchase", shares=700, fmv="USD 0.50")], "2021-04-01")
    assert (r.exercised, r.repurchased, r.subject_to_repurchase) == (1_300, 700, 0)
    assert str(r.repurchase_price) == "USD 350.00"
    assert r.forfeited == 4_800 - 2_000  # the shares never exercised nor vested
    assert r.exercised + r.exercisable + r.unvested + r.forfeited + r.expired + r.repurchased == 4_800
    # not bought back: the day after the window the 700 are released, and stay the optionee's
    r = c.evaluate(left, "2021-05-31")
    assert (r.exercised, r.subject_to_repurchase, r.repurchased) == (2_000, 0, 0)


def test_a_repurchase_outside_its_window_is_a_violation():
    c = optionrules.loads(EARLY, "early.contract")
    bought = exercise("2020-06-01", 2_000)
    before = c.evaluate([bought, event("2020-07-01", "repurchase", shares=100, fmv=1)], "2020-07-02")
    assert before.repurchased == 0 and "has not opened" in before.violations[0].why
    late = [bought, termination("2021-03-01", "quit"), event("2021-06-01", "repurchase", shares=100, fmv=1)]
    r = c.evaluate(late, "2021-06-02")
    assert r.repurchased == 0 and r.violations[0].why == "after the window closed on 2021-05-30"
    too_many = [bought, termination("2021-03-01", "quit"), event("2021-04-01", "repurchase", shares=701, fmv=1)]
    r = c.evaluate(too_many, "2021-04-02")
    assert r.repurchased == 0 and r.violations[0].why.startswith("701 shares exceed the 700 subject to repurchase")


def test_term_ends_on_a_change_of_control_unless_assumed():
    c = optionrules.loads(EARLY, "early.contract")
    not_assumed = [event("2021-06-01", "deal", assumed=False)]
    assert c.evaluate(not_assumed, "2021-06-01").exercise_deadline == date(2021, 6, 1)
    after = c.evaluate(not_assumed, "2021-06-02")
    assert after.exercisable == 0 and after.expired == 4_800  # vested or not, it ended on the deal
    assumed = c.evaluate([event("2021-06-01", "deal", assumed=True)], "2021-06-02")
    assert assumed.exercise_deadline == date(2030, 1, 15)


RSU = """\
agreement u "Units"
enum reason_t { quit }
event termination(reason: reason_t)
conventions "c" {
  missing_day: last_day_of_month
  until: inclusive
}
grant "g" {
  award: rsu
  shares: 4,800
  grant_date: 2020-01-15
}
vesting monthly "v" {
  installments: 48
  every: 1 month
  cliff: 12 months
  rounding: down
  rounding_basis: per_installment
}
service "s" {
  ends_on: termination
  through: inclusive
}
rule leaves "r" on termination {
  forfeit: unvested
}
settlement "units" {
  on: vesting
}
"""


def test_units_settle_as_they_vest():
    c = optionrules.loads(RSU, "rsu.contract")
    r = c.evaluate([], "2021-02-15")  # the cliff (1,200) and 2021-02-15 (100)
    assert (r.vested, r.settled, r.unsettled, r.unvested) == (1_300, 1_300, 0, 3_500)
    assert r.settlement_deadline is None and "exercise_deadline" not in r.values
    left = c.evaluate([termination("2021-03-01", "quit")], "2022-01-01")
    assert (left.settled, left.forfeited) == (1_300, 3_500)


def test_duration_arithmetic_in_a_window():
    rules = ENDS.replace("termination + 90 days", "termination + (1 year - 1 month) + 2 weeks * 2")
    r = contract(rules=rules).evaluate([termination("2020-06-20", "quit")], "2020-06-21")
    assert r.exercise_deadline == date(2021, 6, 17)  # 2020-06-20 + 11 months = 2021-05-20, + 28 days


# ---- events on the same day, and refused events ------------------------------------------------------------

ANNUAL_THIRDS = schedule("installments: 3\n every: 12 months\n from: 2020-01-01\n rounding: down\n"
                         " rounding_basis: per_installment\n remainder: last")
LEAVE_AND_DEAL = ENDS + 'rule deal_vests "r" on deal when in_service {\n  vest: all_unvested\n}\n'


def test_a_forfeiture_is_not_undone_by_a_later_event_of_the_same_day():
    # 300 shares in thirds on 2021-01-01, 2022-01-01, 2023-01-01; by 2021-06-01 one third (100) has vested
    c = contract(ANNUAL_THIRDS, LEAVE_AND_DEAL, shares="300")
    leaving_first = [termination("2021-06-01", "quit"), event("2021-06-01", "deal")]
    r = c.evaluate(leaving_first, "2021-06-02")
    assert (r.vested, r.forfeited) == (100, 200)  # the deal comes after the forfeiture, in timeline order
    dealing_first = [event("2021-06-01", "deal"), termination("2021-06-01", "quit")]
    r = c.evaluate(dealing_first, "2021-06-02")
    assert (r.vested, r.forfeited) == (300, 0)  # the deal first: all 200 unvested shares vest before she leaves


def test_a_refused_event_is_not_seen_by_later_conditions():
    # the second termination is refused (service already ended): a later `within 30 days after termination`
    # sees only the first, on 2021-01-10, and 2021-03-01 is 50 days after it
    rules = ENDS + 'rule late_deal "r" on deal when deal within 30 days after termination {\n  vest: all_unvested\n}\n'
    c = contract(ANNUAL_THIRDS, rules, shares="300")
    events = [termination("2021-01-10", "quit"), termination("2021-02-20", "fired"), event("2021-03-01", "deal")]
    r = c.evaluate(events, "2021-03-02")
    assert [v.why for v in r.violations] == ["service already ended on 2021-01-10"]
    assert r.vested == 100  # vesting ended on 2021-01-10 with the first third
    memo = c.explain(events, "2021-03-02")
    (line,) = [line for d in memo.derivations for line in d.lines if line.clause and line.clause.name == "late_deal"]
    assert line.text == "does not apply: `deal within 30 days after termination` does not hold"
