"""Award types beyond options: units that settle later, restricted stock under a repurchase right, deadlines that
act when they pass, windows a later event extends; and the partition of each award type's grant on generated
timelines, for every agreement of the library."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import optionrules
from optionrules.figures import buckets
from optionrules.types import TypeKind
from tests.helpers import event

ROOT = Path(__file__).resolve().parent.parent
FORMS = ROOT / "contracts" / "forms"
UNITS = optionrules.load(FORMS / "rsu_deferred_settlement.contract")
STOCK = optionrules.load(FORMS / "restricted_stock_repurchase.contract")
AGREEMENTS = [ROOT / "contracts" / "capstone_liggett_2002.contract", ROOT / "contracts" / "acme" /
              "grant_maria_lopez.contract", *sorted(FORMS.glob("*.contract")),
              *sorted((ROOT / "contracts" / "sec").glob("*.contract"))]


# ---- units ----------------------------------------------------------------------------------------------


def test_units_settle_by_an_event_within_their_deadline_and_are_overdue_after_it():
    # 2,000 units vest on 2025-03-01; due by 2025-03-01 + 30 days = 2025-03-31
    assert UNITS.evaluate([], "2025-03-31").overdue == 0
    late = UNITS.evaluate([], "2025-04-01")
    assert (late.overdue, late.unsettled, late.settlement_deadline) == (2_000, 2_000, date(2025, 3, 31))
    # settled late, on 2025-04-10: nothing is lost, nothing is overdue any more
    settled = UNITS.evaluate([event("2025-04-10", "settle", units=2_000)], "2025-04-10")
    assert (settled.settled, settled.overdue, settled.settlement_deadline) == (2_000, 0, None)


def test_units_settle_in_the_order_they_vested():
    # 2,000 on 2025-03-01 and 2,000 on 2026-03-01; 3,000 settled on 2026-03-10 take all of the first tranche and
    # 1,000 of the second, whose deadline (2026-03-31) is then the earliest of the units not settled
    r = UNITS.evaluate([event("2026-03-10", "settle", units=3_000)], "2026-04-01")
    assert (r.unsettled, r.settlement_deadline, r.overdue) == (1_000, date(2026, 3, 31), 1_000)


def test_a_vesting_table_dates_the_day_units_are_overdue():
    table = UNITS.schedule([])
    (row,) = [row for row in table.rows if row.date == date(2025, 4, 1)]
    assert row.changes["overdue"] == (0, 2_000)
    assert "within_30_days" in {ref.name for ref in row.clauses}


def test_withholding_at_a_rate_rounds_the_units_withheld():
    text = (FORMS / "rsu_deferred_settlement.contract").read_text(encoding="utf-8").replace(
        "  units: units\n}", "  units: units\n  withholding: 22%\n  rounding: up\n}")
    units = optionrules.loads(text, str(FORMS / "withheld.contract"))
    r = units.evaluate([event("2025-03-10", "settle", units=1_999)], "2025-03-10")
    # 22% of 1,999 = 439.78, rounded up: 440 withheld, 1,559 delivered
    assert (r.settled, r.withheld, r.delivered) == (1_999, 440, 1_559)


def test_units_explain_themselves_in_units_words():
    memo = UNITS.explain([event("2025-03-20", "settle", units=2_000), event("2026-03-15", "termination",
                                                                             reason="cause")], "2026-03-16").text()
    assert "2,000 units settled of the 2,000 vested and not settled" in memo
    assert "the award terminates, vested or not: 6,000 units not settled are forfeited" in memo
    assert "exercise" not in memo.lower()


# ---- restricted stock -----------------------------------------------------------------------------------


TERMINATED = [event("2025-06-15", "termination")]


def test_the_window_passing_is_explained_and_dated():
    memo = STOCK.explain(TERMINATED, "2025-09-14").text()
    assert "the window closed on 2025-09-13 with no repurchase: 7,750 shares released" in memo
    (row,) = [row for row in STOCK.schedule(TERMINATED).rows if row.date == date(2025, 9, 14)]
    assert row.changes["released"] == (4_250, 12_000) and row.changes["subject_to_repurchase"] == (7_750, 0)
    assert "repurchase_window" in {ref.name for ref in row.clauses}


def test_the_repurchase_price_is_money_in_every_output():
    bought = [*TERMINATED, event("2025-07-01", "repurchase", shares=7_750, fmv="USD 0.50")]
    r = STOCK.evaluate(bought, "2025-07-02")
    assert r.repurchase_price.amount == Decimal("77.50")  # 7,750 x USD 0.01 (lower than USD 0.50)
    assert r.to_dict()["repurchase_price"] == {"amount": "77.50", "currency": "USD"}
    assert json.loads(STOCK.schedule(bought).to_json())["rows"][-1]["repurchase_price"]["amount"] == "77.50"
    assert "USD 77.50" in STOCK.schedule(bought).to_csv()


def test_a_fair_market_value_may_be_a_bare_number():
    r = STOCK.evaluate([*TERMINATED, event("2025-07-01", "repurchase", shares=100, fmv=0.005)], "2025-07-02")
    assert str(r.repurchase_price) == "USD 0.50"  # 100 x 0.005, lower than 0.01


# ---- deadlines that forfeit or expire, and windows a later event extends ---------------------------------


LIQUIDITY = (FORMS / "rsu_deferred_settlement.contract").read_text(encoding="utf-8").replace(
    "event settle(units: shares)", "event settle(units: shares)\nevent ipo").replace(
    "invariant only_vested", 'deadline liquidity "§5" {\n  opens: grant_date\n  lasts: 2 years\n  for: ipo\n'
                            "  passing: forfeit\n}\n\ninvariant only_vested")


def test_a_deadline_that_forfeits_what_has_not_vested_when_its_event_does_not_come():
    units = optionrules.loads(LIQUIDITY, str(FORMS / "liquidity.contract"))
    # no ipo by 2024-03-01 + 2 years = 2026-03-01: the tranche of that day vests, the rest is forfeited
    r = units.evaluate([], "2026-03-02")
    assert (r.vested, r.unvested, r.forfeited) == (4_000, 0, 4_000)
    came = units.evaluate([event("2025-06-01", "ipo")], "2027-03-01")
    assert (came.vested, came.forfeited) == (6_000, 0)  # the ipo came in time: vesting goes on


EXPIRING = (ROOT / "tests" / "data" / "capstone_liggett_2002_flat.contract").read_text(encoding="utf-8") + (
    '\ndeadline exercise_after_a_sale "§9" {\n  opens: change_of_control\n  lasts: 30 days\n  for: exercise\n'
    "  passing: expire\n}\n")


def test_a_deadline_that_expires_the_option():
    option = optionrules.loads(EXPIRING, str(ROOT / "tests" / "data" / "expiring.contract"))
    r = option.evaluate([event("2004-01-10", "change_of_control")], "2004-01-10")
    assert r.exercise_deadline == date(2004, 2, 9)  # 2004-01-10 + 30 days
    late = option.evaluate([event("2004-01-10", "change_of_control"), event("2004-02-10", "exercise",
                                                                          shares=1_000, method="cash")],
                           "2004-02-10")
    assert late.exercised == 0 and late.violations[0].why.startswith("after the exercise deadline (2004-02-09)")


def test_a_later_event_extends_the_window_and_the_explanation_says_so():
    immunogen = optionrules.load(ROOT / "contracts" / "sec" / "immunogen_2020_option.contract")
    events = [event("2022-03-15", "termination", reason="other"), event("2022-05-01", "death_or_disability")]
    memo = immunogen.explain(events, "2022-05-02")
    (line,) = [line for d in memo.derivations for line in d.lines
               if line.clause and line.clause.name == "later_death_or_disability"]
    assert "it extends the window already set" in line.text and "2023-03-15" in line.text


def test_an_optional_attribute_takes_its_default():
    immunogen = optionrules.load(ROOT / "contracts" / "sec" / "immunogen_2020_option.contract")
    (event_,) = immunogen.timeline([event("2022-03-15", "termination", reason="other")]).events
    assert (event_.attrs["age"], event_.attrs["years_of_service"]) == (0, 0)


@pytest.mark.parametrize(("text", "message"), [
    ('deadline d "§" {\n  opens: vesting\n  lasts: 30 days\n  for: exercise\n  passing: overdue\n}\n',
     "`opens: vesting` is for units that settle after they vest (award: rsu)"),
    ('settlement "§" {\n  on: vesting\n}\n', "an option has no settlement clause (it is for: rsu)"),
    ('deadline d "§" {\n  opens: exercise\n  lasts: -1 day\n  for: exercise\n  passing: expire\n}\n',
     "`lasts` cannot be negative"),
])
def test_a_construct_used_where_it_cannot_apply_is_a_located_error(text, message):
    flat = (ROOT / "tests" / "data" / "capstone_liggett_2002_flat.contract").read_text(encoding="utf-8")
    _, diagnostics = optionrules.check_source(flat + text, "misused.contract")
    assert message in [d.message for d in diagnostics]


def test_a_term_expiring_before_the_grant_is_an_error():
    flat = (ROOT / "tests" / "data" / "capstone_liggett_2002_flat.contract").read_text(encoding="utf-8")
    _, diagnostics = optionrules.check_source(flat.replace("grant_date + 10 years", "grant_date - 1 day"), "x")
    assert [d.message for d in diagnostics] == ["the term expires on 2002-11-20, before the grant date 2002-11-21"]


# ---- every award type's buckets partition its grant, on generated timelines ------------------------------


def _value(contract: optionrules.Contract, declared: str, type_kind: TypeKind) -> st.SearchStrategy[object]:
    model = contract.model
    if declared in model.enums:
        return st.sampled_from(model.enums[declared].members)
    granted = contract.granted
    return {"shares": st.sampled_from([0, 1, granted // 3, granted, granted + 1]),
            "int": st.integers(0, 80), "days": st.integers(0, 400), "text": st.sampled_from(["will", "sale"]),
            "money": st.sampled_from(["USD 0.005", "USD 1.00"]), "bool": st.booleans(),
            "date": st.just("2025-01-01")}[declared]


def _timelines(contract: optionrules.Contract) -> st.SearchStrategy[list[dict[str, object]]]:
    first = contract.plan().grant_date
    days = st.integers(-30, 12 * 366).map(lambda n: (first + timedelta(days=n)).isoformat())
    kinds = [st.fixed_dictionaries({"date": days, "event": st.just(name),
                                    **{a.name: _value(contract, a.declared, a.type.kind) for a in e.attrs.values()}})
             for name, e in contract.model.events.items()]
    return st.lists(st.one_of(kinds), max_size=5)


@pytest.mark.parametrize("path", AGREEMENTS, ids=lambda p: p.name)
def test_the_buckets_partition_the_grant_on_every_timeline(path: Path):
    contract = optionrules.load(path)
    plan = contract.plan()
    parts = [f.name for f in buckets(plan.figures, plan.award)]

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(timeline=_timelines(contract), offset=st.integers(-10, 13 * 366))
    def partition(timeline: list[dict[str, object]], offset: int) -> None:
        result = contract.evaluate(timeline, plan.grant_date + timedelta(days=offset))
        assert sum(result.values[name] for name in parts) == result.granted
        assert min(result.values[name] for name in parts) >= 0

    if not path.read_text(encoding="utf-8").lstrip("# \n").startswith("form "):
        partition()
