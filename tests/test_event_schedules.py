"""Schedules that depend on events: a start set by an event, a gate (a second trigger) with its deadline, and
portions of the grant rounded once. The figures are worked from each clause's terms in the comments."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import optionrules
from optionrules.figures import buckets

ROOT = Path(__file__).resolve().parent.parent
FORMS = ROOT / "contracts" / "forms"

BASE = """\
agreement small "A small RSU award"
enum reason_t {{ cause, other }}
event termination(reason: reason_t)
event ipo
event sale
conventions "c" {{
  missing_day: last_day_of_month
  until: inclusive
}}
grant "g" {{
  award: rsu
  shares: {shares}
  grant_date: 2024-01-01
}}
term "t" {{
  expiration: grant_date + 10 years
  caps_windows: yes
}}
service "s" {{
  ends_on: termination
  through: inclusive
}}
rule ends "r" on termination {{
  forfeit: unvested
}}
settlement "st" {{
  on: vesting
}}
"""


def schedule(name: str = "v", **keys: str) -> str:
    body = {"installments": "4", "every": "3 months", "rounding": "down", "rounding_basis": "cumulative", **keys}
    return f'vesting {name} "§" {{\n' + "".join(f"  {k}: {v}\n" for k, v in body.items()) + "}\n"


def contract(*schedules: str, shares: int = 400) -> optionrules.Contract:
    return optionrules.loads(BASE.format(shares=shares) + "".join(schedules), "a.contract")


def messages(*schedules: str, shares: int = 400) -> list[str]:
    _, diagnostics = optionrules.check_source(BASE.format(shares=shares) + "".join(schedules), "a.contract")
    return [d.message for d in diagnostics if d.severity == "error"]


# ---- the checker: each misuse is a located error --------------------------------------------------------------


@pytest.mark.parametrize(("keys", "message"), [
    ({"gate": "ipo", "waiting_after_service": "keep"},
     "a gate needs a deadline: `gate_deadline: DATE` (what has not vested is forfeited after it)"),
    ({"gate": "ipo", "gate_deadline": "2030-01-01"},
     "a gate needs `waiting_after_service: keep` or `forfeit` (what the end of service does to the installments "
     "waiting for it)"),
    ({"gate_deadline": "2030-01-01"}, "`gate_deadline` and `waiting_after_service` go with a `gate:`"),
    ({"gate": "listing", "gate_deadline": "2030-01-01", "waiting_after_service": "keep"},
     "'listing' is not a declared event"),
    ({"from": "ipo + 3"}, "`from`: an event plus a duration, as in `ipo + 6 months`"),
    ({"shares": "150%"}, "`shares`: a portion is more than 0 and at most 1 (100%), not 3/2"),
])
def test_a_misused_construct_is_an_error(keys: dict[str, str], message: str) -> None:
    assert message in messages(schedule(**keys))


def test_a_gate_without_a_deadline_is_located_at_its_clause() -> None:
    _, diagnostics = optionrules.check_source(BASE.format(shares=400) + schedule(gate="ipo"), "a.contract")
    where = [d.span.line for d in diagnostics if d.span and d.message.startswith("a gate needs a deadline")]
    assert where == [BASE.count("\n") + 1]  # the `vesting` line, right after BASE


def test_portions_over_the_whole_grant_are_one_error() -> None:
    found = messages(schedule("a", shares="1/2"), schedule("b", shares="1/2"), schedule("c", shares="25%"))
    assert found == ["the portions of the grant's schedules add up to 125%, more than the whole grant"]


def test_portions_under_the_whole_grant_do_not_add_up() -> None:
    assert messages(schedule("a", shares="1/3"), schedule("b", shares="1/3")) == [
        "the vesting schedules vest 133 + 133 = 266 shares, not the 400 granted"]  # floor(400/3), floor(800/3) - 133


# ---- portions: one rounding across the schedules ---------------------------------------------------------------


def test_thirds_of_100_are_33_33_34() -> None:
    thirds = contract(*(schedule(n, shares="1/3", installments="1", every=f"{k} years")
                        for k, n in enumerate(("a", "b", "c"), start=1)), shares=100)
    # floor(100/3) = 33; floor(200/3) - 33 = 33; 100 - 66 = 34
    assert [thirds.evaluate([], f"{y}-01-01").vested for y in (2025, 2026, 2027)] == [33, 66, 100]


def test_percentages_are_portions() -> None:
    split = contract(schedule("a", shares="25%", installments="1", every="1 year"),
                     schedule("b", shares="75%", installments="3", every="1 year", **{"from": "2025-01-01"}),
                     shares=401)
    # a: floor(401 x 1/4) = 100 on 2025-01-01; b: 401 - 100 = 301 in thirds from 2025-01-01, cumulative rounding
    # down: floor(301/3) = 100 on 2026-01-01, floor(602/3) = 200 on 2027-01-01, 301 on 2028-01-01
    assert [split.evaluate([], f"{y}-01-01").vested for y in (2025, 2026, 2027, 2028)] == [100, 200, 300, 401]


# ---- a start set by an event ------------------------------------------------------------------------------------


def test_a_schedule_from_an_event_is_pending_until_it_happens() -> None:
    later = contract(schedule(**{"from": "ipo + 1 month"}))
    pending = later.evaluate([], "2030-01-01")
    assert (pending.vested, pending.unvested, pending.forfeited) == (0, 400, 0)
    assert [(w.what, w.events, w.shares) for w in pending.waiting_for] == [("start", ("ipo",), 400)]
    ipo = [{"date": "2025-01-31", "event": "ipo"}]
    # the anchor: 2025-01-31 + 1 month = 2025-02-28 (the month's last day); installments of 100 on the anchor plus
    # 3k months: 2025-05-28, 2025-08-28, 2025-11-28, 2026-02-28
    assert [later.evaluate(ipo, d).vested for d in ("2025-05-27", "2025-05-28", "2025-11-28", "2026-02-28")] == \
        [0, 100, 300, 400]
    assert later.evaluate(ipo, "2025-06-01").waiting_for == ()


def test_only_the_first_start_event_counts_and_a_termination_before_it_forfeits_all() -> None:
    later = contract(schedule(**{"from": "ipo"}))
    twice = [{"date": "2025-01-01", "event": "ipo"}, {"date": "2025-06-01", "event": "ipo"}]
    assert later.evaluate(twice, "2025-04-01").vested == 100  # from the first: 2025-04-01
    left = [{"date": "2024-12-31", "event": "termination", "reason": "other"}, {"date": "2025-01-01", "event": "ipo"}]
    result = later.evaluate(left, "2026-01-01")
    assert (result.vested, result.forfeited, result.waiting_for) == (0, 400, ())


# ---- a gate: installments vest on the later of their date and the gate's event ----------------------------------


GATED = {"gate": "ipo, sale", "gate_deadline": "2026-01-01"}


def test_a_gate_holds_what_met_its_time_condition() -> None:
    gated = contract(schedule(**GATED, waiting_after_service="keep"))
    held = gated.evaluate([], "2024-10-01")  # installments on 2024-04-01, 07-01, 10-01: 300 met their date
    assert (held.vested, held.unvested) == (0, 400)
    assert [(w.what, w.events, w.by, w.shares) for w in held.waiting_for] == \
        [("gate", ("ipo", "sale"), date(2026, 1, 1), 300)]
    sale = [{"date": "2024-08-15", "event": "sale"}]  # the second of the gate's events, first to happen
    assert [gated.evaluate(sale, d).vested for d in ("2024-08-14", "2024-08-15", "2024-10-01")] == [0, 200, 300]


@pytest.mark.parametrize(("waiting", "vested", "forfeited"), [
    ("keep", 200, 200),    # 2024-04-01 and 07-01 met their date within service: they vest on the IPO
    ("forfeit", 0, 400),   # they are forfeited with the rest when service ends
])
def test_what_the_end_of_service_does_to_what_waits(waiting: str, vested: int, forfeited: int) -> None:
    gated = contract(schedule(**GATED, waiting_after_service=waiting))
    events = [{"date": "2024-08-01", "event": "termination", "reason": "other"},
              {"date": "2025-03-01", "event": "ipo"}]
    result = gated.evaluate(events, "2025-03-01")
    assert (result.vested, result.forfeited, result.unvested) == (vested, forfeited, 0)


def test_the_gate_must_open_by_its_deadline() -> None:
    gated = contract(schedule(**GATED, waiting_after_service="keep"))
    on_time, late = [{"date": "2026-01-01", "event": "ipo"}], [{"date": "2026-01-02", "event": "ipo"}]
    assert gated.evaluate(on_time, "2026-01-01").vested == 400
    result = gated.evaluate(late, "2026-01-02")
    assert (result.vested, result.forfeited, result.waiting_for) == (0, 400, ())


# ---- every share in one bucket, with events around each start and gate ----------------------------------------


KEY_DATES = {"rsu_liquidity_double_trigger": ("2023-01-01", "2023-07-10", "2029-01-01"),
             "rsu_vesting_from_ipo": ("2024-01-01", "2025-03-10", "2025-06-10")}


@pytest.mark.parametrize("name", sorted(KEY_DATES))
def test_the_buckets_partition_the_grant_around_starts_and_gates(name: str) -> None:
    agreement = optionrules.load(FORMS / f"{name}.contract")
    plan = agreement.plan()
    parts = [f.name for f in buckets(plan.figures, plan.award)]
    around = st.sampled_from([date.fromisoformat(d) + timedelta(days=k) for d in KEY_DATES[name] for k in (-1, 0, 1)])
    names = sorted(agreement.model.events)

    def event(name: str, day: date) -> dict[str, object]:
        return {"date": day.isoformat(), "event": name, **({"reason": "other"} if name == "termination" else {})}

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(events=st.lists(st.tuples(st.sampled_from(names), around), max_size=4), as_of=around)
    def partition(events: list[tuple[str, date]], as_of: date) -> None:
        result = agreement.evaluate([event(n, d) for n, d in events], as_of)
        assert sum(result.values[p] for p in parts) == result.granted
        assert min(result.values[p] for p in parts) >= 0
        assert result.vested <= result.granted

    partition()


# ---- a cliff with its own amount; installments on a day of the month --------------------------------------


def test_a_cliff_that_carries_its_own_portion() -> None:
    thirty = contract(schedule(installments="48", every="1 month", cliff="12 months", at_cliff="30%"), shares=4800)
    # 30% of 4,800 = 1,440 on 2025-01-01 (not the 12 x 100 = 1,200 accrued); the other 3,360 over the 36
    # installments after it, cumulative rounding down: 3,360 / 36 = 93 1/3 a month, 93, 186, 280, ...
    assert [thirty.evaluate([], d).vested for d in ("2024-12-31", "2025-01-01", "2025-02-01", "2025-04-01",
                                                     "2028-01-01")] == [0, 1440, 1533, 1720, 4800]


def test_a_cliff_with_its_shares() -> None:
    fixed = contract(schedule(installments="4", every="1 year", cliff="1 year", at_cliff="1,000"), shares=4000)
    # 1,000 on 2025-01-01, then 3,000 over the 3 yearly installments after it: 1,000 each
    assert [fixed.evaluate([], f"{y}-01-01").vested for y in (2025, 2026, 2028)] == [1000, 2000, 4000]


@pytest.mark.parametrize(("keys", "message"), [
    ({"at_cliff": "10"}, "`at_cliff` goes with a `cliff:` (or `cliff_on:`)"),
    ({"cliff": "3 months", "at_cliff": "500"}, "`at_cliff` vests 500 of a schedule of 400 shares"),
    ({"every": "30 days", "day_of_month": "15"},
     "`day_of_month` is for schedules in whole months (`every` and `cliff` in months or years)"),
    ({"day_of_month": "32"}, "more than 31 day_of_month"),
])
def test_a_misused_cliff_or_day_is_an_error(keys: dict[str, str], message: str) -> None:
    assert message in messages(schedule(**keys))


@pytest.mark.parametrize(("day", "missing_day", "dates"), [
    # OCF's "15": the 15th of each month
    ("15", "last_day_of_month", ["2024-04-15", "2024-07-15", "2024-10-15", "2025-01-15"]),
    # OCF's 31_OR_LAST_DAY_OF_MONTH: the 31st, or the month's last day
    ("31", "last_day_of_month", ["2024-04-30", "2024-07-31", "2024-10-31", "2025-01-31"]),
])
def test_installments_on_a_day_of_the_month(day: str, missing_day: str, dates: list[str]) -> None:
    on_day = contract(schedule(day_of_month=day, missing_day=missing_day))  # from 2024-01-01, every 3 months
    plan = on_day.plan()
    assert [d.isoformat() for d in plan.dates] == dates


@pytest.mark.parametrize("keys", [{"from": "ipo"}, {"gate": "ipo", "gate_deadline": "2030-01-01",
                                                    "waiting_after_service": "keep"},
                                  {"shares": "100%"}, {"cliff": "3 months", "at_cliff": "50%"},
                                  {"day_of_month": "15"}])
def test_the_columnar_evaluator_leaves_these_schedules_to_the_scalar_engine(keys: dict[str, str]) -> None:
    from optionrules.columnar import Schedule, Unsupported
    from optionrules.kinds import Vesting

    (vesting,) = contract(schedule(**keys)).model.all(Vesting)
    with pytest.raises(Unsupported, match="the columnar evaluator does not compute"):
        Schedule.of(vesting, {})


# ---- a schedule stated as a table --------------------------------------------------------------------------


def table(dates: str, amounts: str) -> str:
    return f'vesting_table stated "§" {{\n  dates: {dates}\n  amounts: {amounts}\n}}\n'


def test_a_table_vests_each_amount_on_its_date() -> None:
    stated = contract(table("2023-06-01, 2025-03-01, 2025-06-01", "100, 150, 150"))
    # 2023-06-01 is before the grant date 2024-01-01: it vests on the grant date; 100 + 150 + 150 = 400
    assert [stated.evaluate([], d).vested for d in ("2023-12-31", "2024-01-01", "2025-02-28", "2025-03-01",
                                                     "2025-06-01")] == [0, 100, 100, 250, 400]
    ended = stated.evaluate([{"date": "2025-04-01", "event": "termination", "reason": "other"}], "2026-01-01")
    assert (ended.vested, ended.forfeited) == (250, 150)


@pytest.mark.parametrize(("dates", "amounts", "message"), [
    ("2025-01-01, 2025-06-01", "400", "2 dates and 1 amounts: one amount a date"),
    ("2025-06-01, 2025-01-01", "200, 200", "the dates must be in order, each after the one before"),
    ("2025-01-01, 2025-06-01", "200, 100", "the vesting schedules vest 300 = 300 shares, not the 400 granted"),
    ("2025-01-01", "0", "`amounts` must be a whole number of at least 1, not 0"),
])
def test_a_table_that_does_not_add_up_is_an_error(dates: str, amounts: str, message: str) -> None:
    assert message in messages(table(dates, amounts))


# ---- an acceleration by the number of shares an event gives ---------------------------------------------------


ACCELERATED = BASE.format(shares=400).replace("event sale\n", "event sale\nevent acceleration(units: shares)\n") \
    + schedule() + \
    'rule speeds_up "§4" on acceleration {\n  vest: shares(units, from: {order})\n}\n'


@pytest.mark.parametrize(("order", "at_first_installment"), [
    # 150 shares of the 4 x 100 unvested on 2024-02-01; from the last: 100 of 2025-01-01 and 50 of 2024-10-01,
    # so 2024-04-01 vests its own 100 (250 in all); from the first: 100 of 2024-04-01 and 50 of 2024-07-01, so
    # 2024-04-01 adds nothing (150)
    ("last", 250), ("first", 150),
])
def test_an_event_vests_the_shares_it_gives(order: str, at_first_installment: int) -> None:
    sped = optionrules.loads(ACCELERATED.replace("{order}", order), "a.contract")
    events = [{"date": "2024-02-01", "event": "acceleration", "units": 150}]
    assert [sped.evaluate(events, d).vested for d in ("2024-02-01", "2024-04-01", "2025-01-01")] == \
        [150, at_first_installment, 400]
    too_many = sped.evaluate([{"date": "2024-02-01", "event": "acceleration", "units": 1_000}], "2024-02-01")
    assert too_many.vested == 400  # at most the unvested


def test_shares_takes_a_shares_attribute_of_its_event() -> None:
    wrong = ACCELERATED.replace("{order}", "each")
    _, diagnostics = optionrules.check_source(wrong, "a.contract")
    assert [d.message for d in diagnostics] == ["`from` must be one of: last, first, or an assumption; not 'each'"]
    _, diagnostics = optionrules.check_source(ACCELERATED.replace("shares(units", "shares(nope").replace(
        "{order}", "last"), "a.contract")
    assert "the event acceleration has no attribute 'nope'" in [d.message for d in diagnostics]


# ---- branches: a tranche on a date, brought forward by an event before it ---------------------------------------


BRANCHES = BASE.format(shares=400) + schedule("base", shares="300", installments="3", every="1 year") + \
    table("2026-06-30", "100") + \
    'rule listing "§5" on ipo when ipo < 2026-06-30 {\n  vest: rest_of(stated)\n}\n'


@pytest.mark.parametrize(("ipo", "as_of", "vested"), [
    ("2025-03-01", "2025-03-01", 200),  # base's 2025-01-01 installment (100) and the whole tranche (100)
    ("2025-03-01", "2025-12-31", 200),  # nothing more until base's 2026-01-01 installment
    ("2026-07-01", "2026-07-01", 300),  # after the tranche's date: it vested on it (100 + 100 + 100), nothing to add
    (None, "2026-06-29", 200),          # no IPO: base's 2025 and 2026 installments only
])
def test_a_tranche_an_earlier_event_brings_forward(ipo: str | None, as_of: str, vested: int) -> None:
    branches = optionrules.loads(BRANCHES, "a.contract")
    events = [{"date": ipo, "event": "ipo"}] if ipo else []
    assert branches.evaluate(events, as_of).vested == vested


def test_rest_of_names_a_schedule() -> None:
    assert "'stateed' is not a vesting schedule" in messages(
        schedule("base", shares="300"), table("2026-06-30", "100"),
        'rule listing "§5" on ipo {\n  vest: rest_of(stateed)\n}\n')


@pytest.mark.parametrize(("start", "events", "first_installment"), [
    # later_of(2025-01-01, ipo): an IPO on 2024-06-01 waits for 2025-01-01; installments from 2025-04-01
    ("later_of(2025-01-01, ipo)", [("ipo", "2024-06-01")], "2025-04-01"),
    # ... an IPO on 2025-02-15: from it, 2025-05-15
    ("later_of(2025-01-01, ipo)", [("ipo", "2025-02-15")], "2025-05-15"),
    # earlier_of(ipo + 1 month, sale): the sale on 2024-03-10 comes before the IPO's month: from 2024-03-10
    ("earlier_of(ipo + 1 month, sale)", [("ipo", "2024-03-01"), ("sale", "2024-03-10")], "2024-06-10"),
    ("earlier_of(ipo + 1 month, sale)", [("ipo", "2024-03-01"), ("sale", "2024-05-10")], "2024-07-01"),
])
def test_a_start_on_the_later_or_earlier_of_dates_and_events(start: str, events: list[tuple[str, str]],
                                                             first_installment: str) -> None:
    later = contract(schedule(**{"from": start}))
    timeline = [{"date": day, "event": name} for name, day in events]
    first = date.fromisoformat(first_installment)
    assert [later.evaluate(timeline, d).vested for d in (first - timedelta(days=1), first)] == [0, 100]


def test_a_later_of_start_waits_for_every_part() -> None:
    later = contract(schedule(**{"from": "later_of(2025-01-01, ipo)"}))
    (waiting,) = later.evaluate([], "2026-01-01").waiting_for
    assert str(waiting) == "v is pending (400): its start (later_of(2025-01-01, ipo)) waits for ipo"


@pytest.mark.parametrize(("ipo", "as_of", "vested"), [
    # cliff_on: later_of(grant_date + 12 months, ipo); 4 installments of 100 from 2024-01-01 every 3 months
    # (2024-04-01, 07-01, 10-01, 2025-01-01); an IPO on 2024-08-15: the cliff is 2025-01-01, all 400 vest then
    ("2024-08-15", "2024-12-31", 0), ("2024-08-15", "2025-01-01", 400),
    # an IPO on 2024-11-20, before the cliff date's own 2025-01-01: the later is 2025-01-01 again
    ("2024-11-20", "2025-01-01", 400),
    # no IPO: pending, nothing vests
    (None, "2026-01-01", 0),
])
def test_a_cliff_on_the_later_of_a_date_and_an_event(ipo: str | None, as_of: str, vested: int) -> None:
    later = contract(schedule(cliff_on="later_of(grant_date + 12 months, ipo)"))
    assert later.evaluate([{"date": ipo, "event": "ipo"}] if ipo else [], as_of).vested == vested


def test_a_cliff_on_an_event_after_the_schedule_vests_what_was_due_on_it() -> None:
    later = contract(schedule(cliff_on="later_of(grant_date + 6 months, ipo)"))
    # an IPO on 2024-11-20: the cliff is 2024-11-20 (after 2024-07-01); 2024-04-01, 07-01 and 10-01 vest on it
    events = [{"date": "2024-11-20", "event": "ipo"}]
    assert [later.evaluate(events, d).vested for d in ("2024-11-19", "2024-11-20", "2025-01-01")] == [0, 300, 400]
    (waiting,) = later.evaluate([], "2024-11-19").waiting_for
    assert str(waiting) == "v is pending (400): its cliff (later_of(2024-07-01, ipo)) waits for ipo"


def test_a_cliff_is_a_duration_or_a_date_not_both() -> None:
    assert "a cliff is `cliff:` or `cliff_on:`, not both" in messages(schedule(cliff="3 months",
                                                                                cliff_on="2024-06-01"))


def test_the_vesting_table_of_a_gate_and_of_a_pending_start() -> None:
    gated = optionrules.load(FORMS / "rsu_liquidity_double_trigger.contract")
    rows = {row.date.isoformat(): row for row in gated.schedule([{"date": "2024-06-15", "event": "ipo"}]).rows}
    # the IPO vests the 2,900 units dated by then (1,200 + 17 x 100), cited to the gated schedule
    assert rows["2024-06-15"].figures["vested"] == 2900
    assert [ref.name for ref in rows["2024-06-15"].clauses] == ["service_and_liquidity"]
    lost = {row.date.isoformat(): row for row in gated.schedule([]).rows}
    assert lost["2029-01-02"].figures["forfeited"] == 4800  # the day after the gate's deadline
    pending = optionrules.load(FORMS / "rsu_vesting_from_ipo.contract").schedule([])
    assert pending.table().splitlines()[-1] == "open: after_ipo is pending (1,200): its start (ipo) waits for ipo"
    started = optionrules.load(FORMS / "rsu_vesting_from_ipo.contract").schedule([{"date": "2025-03-10",
                                                                                     "event": "ipo"}])
    assert [(r.date.isoformat(), r.figures["vested"]) for r in started.rows][1:4] == \
        [("2025-04-10", 100), ("2025-05-10", 200), ("2025-06-10", 300)]
