"""The evaluator, one clause kind at a time, on small contracts (tests/helpers.py: BASE).

The base grant: 4,800 shares granted 2020-01-15, expiring 2030-01-15; by default 48
monthly installments of 4,800 / 48 = 100 from 2020-02-15, and a termination ends
vesting with a 90-day window.
"""

from __future__ import annotations

from datetime import date

import pytest

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
