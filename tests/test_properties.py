"""Property tests: random timelines in the reference agreement's vocabulary.

The reference agreement (contracts/capstone_liggett_2002.contract) grants 3,840,000 shares on
2002-11-21, vesting 3,840,000 / 48 = 80,000 a month from 2002-12-21, and expires on
grant_date + 10 years = 2012-11-21 ("Expiration Date: November 21, 2012"); with the default
reading of `until_dates` (inclusive) 2012-11-21 is the last day an exercise is allowed.
"""

from __future__ import annotations

import contextlib
import json
from datetime import date
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import optionrules

SETTINGS = settings(max_examples=200, deadline=None)

FIRST, LAST = date(2001, 1, 1), date(2014, 12, 31)
GRANT_DATE = date(2002, 11, 21)  # no event applies before it
EXPIRATION = date(2012, 11, 21)  # grant_date 2002-11-21 + 10 years
GRANTED = 3_840_000

REASONS = ("without_cause", "resignation", "cause", "death", "disability")
METHODS = ("cash", "check", "promissory_note", "property", "broker_cashless")
BUCKETS = ("exercised", "exercisable", "unvested", "forfeited", "expired")

days = st.dates(FIRST, LAST)
# dates are given as ISO strings or as datetime.date objects: both are accepted
event_dates = st.one_of(days.map(date.isoformat), days)

whole_shares = st.one_of(st.integers(0, 200), st.integers(0, 4_000_000), st.sampled_from([0, 80_000, GRANTED]))
share_counts = st.one_of(
    whole_shares,
    whole_shares.map(lambda n: n + 0.5),  # 10.5 and the like: a violation, not an input error
    st.sampled_from([10.5, 0.25, 1.75]),
)


def _event(name: str, **attrs: Any) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({"date": event_dates, "event": st.just(name), **attrs})


events = st.one_of(
    _event("termination", reason=st.sampled_from(REASONS)),
    _event("became_ceo"),
    _event("change_of_control"),
    _event("registration_effective"),
    _event("lockup_extension", days=st.integers(0, 3_650)),  # longer: test_a_huge_lockup_extension_does_not_crash
    _event("administrator_consent", method=st.sampled_from(METHODS)),
    _event("exercise", shares=share_counts, method=st.sampled_from(METHODS)),
    _event("transfer", by=st.one_of(st.sampled_from(["will", "descent", "sale", "gift"]), st.text(max_size=12))),
)
timelines = st.lists(events, min_size=0, max_size=8)
as_of_dates = st.dates(FIRST, LAST)
# The readings the agreement names (its `assume` clauses), default first; any combination is a valid plan.
readings = st.fixed_dictionaries({}, optional={
    "pro_rata_days": st.sampled_from(["exclusive", "inclusive"]),
    "plan_acceleration": st.sampled_from(["all_unvested", "nothing"]),
    "until_dates": st.sampled_from(["inclusive", "exclusive"]),
    "lockup_start": st.sampled_from(["day_after", "same_day"]),
})


def _day(value: str | date) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


# (a) evaluation never raises, whatever the timeline (as long as it is well formed)
@SETTINGS
@given(timeline=timelines, as_of=as_of_dates, assume=readings)
def test_evaluate_never_raises(reference, timeline, as_of, assume):
    result = reference.evaluate(timeline, as_of, assume)
    assert result.as_of == as_of
    assert result.granted == GRANTED


# (b) every share of the grant is in exactly one bucket, and no bucket is negative
@SETTINGS
@given(timeline=timelines, as_of=as_of_dates, assume=readings)
def test_buckets_add_up_to_the_grant(reference, timeline, as_of, assume):
    result = reference.evaluate(timeline, as_of, assume)
    figures = {name: getattr(result, name) for name in ("granted", "vested", *BUCKETS)}
    assert all(value >= 0 for value in figures.values()), figures
    assert sum(figures[name] for name in BUCKETS) == GRANTED, figures
    assert result.vested <= GRANTED


# (c) for a fixed timeline, what has vested never goes down as the as-of date moves on
@SETTINGS
@given(timeline=timelines, dates=st.lists(as_of_dates, min_size=2, max_size=5), assume=readings)
def test_vested_never_decreases(reference, timeline, dates, assume):
    dates = sorted(dates)
    results = reference.evaluate_many(timeline, dates, assume)
    vested = [r.vested for r in results]
    assert vested == sorted(vested), list(zip(dates, vested))
    exercised = [r.exercised for r in results]  # exercises are never undone either
    assert exercised == sorted(exercised), list(zip(dates, exercised))


# (d) no more can be exercised than has vested and not been exercised yet
@SETTINGS
@given(timeline=timelines, as_of=as_of_dates, assume=readings)
def test_exercisable_is_at_most_vested_minus_exercised(reference, timeline, as_of, assume):
    result = reference.evaluate(timeline, as_of, assume)
    assert result.exercised <= result.vested
    assert result.exercisable <= result.vested - result.exercised


# (e) "In no event may the Option be exercised after the Expiration Date" (2012-11-21)
@SETTINGS
@given(timeline=timelines, as_of=st.dates(date(2012, 11, 22), LAST), assume=readings)
def test_nothing_is_exercisable_after_the_expiration(reference, timeline, as_of, assume):
    result = reference.evaluate(timeline, as_of, assume)
    assert result.exercisable == 0
    assert result.exercise_deadline is None or result.exercise_deadline <= EXPIRATION


@SETTINGS
@given(timeline=timelines, as_of=as_of_dates, assume=readings)
def test_the_deadline_never_runs_past_the_expiration(reference, timeline, as_of, assume):
    result = reference.evaluate(timeline, as_of, assume)
    assert result.exercise_deadline is None or result.exercise_deadline <= EXPIRATION


# (f) only a termination for cause ("shall immediately terminate") leaves no exercise deadline
@SETTINGS
@given(timeline=timelines, as_of=as_of_dates)
def test_no_deadline_only_after_a_termination_for_cause(reference, timeline, as_of):
    result = reference.evaluate(timeline, as_of)
    if result.exercise_deadline is None:
        assert any(e["event"] == "termination" and e["reason"] == "cause" and _day(e["date"]) <= as_of
                   for e in timeline), timeline
        assert result.exercisable == 0


# (g) evaluation is a function of its input
@SETTINGS
@given(timeline=timelines, as_of=as_of_dates)
def test_evaluation_is_deterministic(reference, timeline, as_of):
    first = reference.evaluate(timeline, as_of).to_dict()
    second = reference.evaluate(timeline, as_of).to_dict()
    assert first == second
    # and a validated Timeline gives the same answer as the raw events
    assert reference.evaluate(reference.timeline(timeline), as_of).to_dict() == first


# (h) the result is plain JSON
@SETTINGS
@given(timeline=timelines, as_of=as_of_dates)
def test_to_dict_is_json(reference, timeline, as_of):
    result = reference.evaluate(timeline, as_of)
    payload = result.to_dict()
    text = json.dumps(payload)
    assert json.loads(text) == payload
    assert payload["as_of"] == as_of.isoformat()
    for name in ("granted", "vested", *BUCKETS):
        assert payload[name] == getattr(result, name)
        assert type(payload[name]) is int
    assert all(v["index"] < len(timeline) for v in payload["violations"])


# The evaluation only looks at events dated on or before the as-of date.
@SETTINGS
@given(timeline=timelines, as_of=as_of_dates)
def test_later_events_do_not_change_the_figures(reference, timeline, as_of):
    earlier = [e for e in timeline if _day(e["date"]) <= as_of]
    full, cut = reference.evaluate(timeline, as_of), reference.evaluate(earlier, as_of)
    assert full.figures() == cut.figures()
    assert len(full.violations) == len(cut.violations)


# Nothing vests that the schedule and the rules do not vest: with no events at all, the
# schedule alone: floor(months since 2002-11-21 on the 21st) x 80,000, capped at 48 installments.
@SETTINGS
@given(as_of=as_of_dates)
def test_the_schedule_alone(reference, as_of):
    months = (as_of.year - 2002) * 12 + as_of.month - 11 - (as_of.day < 21)
    installments = max(0, min(48, months))
    result = reference.evaluate([], as_of)
    assert result.vested == installments * 80_000  # 48 x 80,000 = 3,840,000: no remainder
    if as_of <= EXPIRATION:
        assert (result.exercisable, result.unvested, result.expired) == (result.vested, GRANTED - result.vested, 0)
    else:
        assert (result.exercisable, result.unvested, result.expired) == (0, 0, GRANTED)


# Service ends once. A second termination is reported ("service already ended", Art. II §2(a)(i))
# and, like every event the contract does not allow, not applied (README, evaluate.py docstring).
@SETTINGS
@example(first=("2004-03-15", "without_cause"), second=("2004-04-01", "cause"),
         others=[], as_of=date(2004, 5, 1))
@given(
    first=st.tuples(st.dates(GRANT_DATE, date(2013, 12, 31)).map(date.isoformat), st.sampled_from(REASONS)),
    second=st.tuples(st.integers(0, 365), st.sampled_from(REASONS)),
    others=st.lists(events.filter(lambda e: e["event"] != "termination"), max_size=4),
    as_of=as_of_dates,
)
def test_a_second_termination_changes_nothing_but_a_violation(reference, first, second, others, as_of):
    t1 = {"date": first[0], "event": "termination", "reason": first[1]}
    if isinstance(second[0], int):  # days after the first termination (the @example gives a date)
        second = (date.fromordinal(date.fromisoformat(first[0]).toordinal() + second[0]).isoformat(), second[1])
    t2 = {"date": second[0], "event": "termination", "reason": second[1]}
    once = reference.evaluate([t1, *others], as_of)
    twice = reference.evaluate([t1, *others, t2], as_of)
    assert twice.figures() == once.figures()
    # at most a violation about the second termination (none needed once the option has ended anyway)
    second_index = len(others) + 1
    assert [v for v in twice.violations if v.index != second_index] == list(once.violations)
    assert len([v for v in twice.violations if v.index == second_index]) <= 1


# Nothing applies before the grant date: such an event is a violation and changes no figure.
@SETTINGS
@given(before=events.filter(lambda e: str(e["date"]) < GRANT_DATE.isoformat()),
       others=st.lists(events, max_size=4), as_of=as_of_dates)
def test_an_event_before_the_grant_date_changes_nothing_but_a_violation(reference, before, others, as_of):
    without = reference.evaluate(others, as_of)
    with_it = reference.evaluate([before, *others], as_of)
    assert with_it.figures() == without.figures()
    assert [v.why for v in with_it.violations if v.index == 0] == \
        (["before the grant date (2002-11-21)"] if date.fromisoformat(str(before["date"])) <= as_of else [])


# ---- edge cases found while writing the properties -------------------------------------------


def test_a_huge_lockup_extension_does_not_crash(reference):
    timeline = [
        {"date": "2004-01-15", "event": "registration_effective"},
        {"date": "2004-02-01", "event": "lockup_extension", "days": 10**9},
    ]
    try:
        result = reference.evaluate(timeline, "2004-03-01")
    except optionrules.TimelineError as error:  # refusing it as input would do too
        assert "events[1]" in str(error) and "days" in str(error)
    else:
        assert result.sale_blocked  # 180-day lock-up from 2004-01-16, extended


@pytest.mark.parametrize("event", [
    {"date": "9999-12-31", "event": "termination", "reason": "death"},  # + 12 months is past date.max
    {"date": "9999-12-31", "event": "termination", "reason": "without_cause"},
    {"date": "0001-01-01", "event": "termination", "reason": "disability"},
    {"date": "9999-12-31", "event": "change_of_control"},
])
def test_an_event_at_the_ends_of_the_calendar(reference, event):
    with contextlib.suppress(optionrules.TimelineError):  # refusing it as input would do too
        result = reference.evaluate([event], "9999-12-31")
        assert sum(getattr(result, name) for name in BUCKETS) == GRANTED


def test_a_lockup_at_the_end_of_the_calendar(reference):
    with contextlib.suppress(optionrules.TimelineError):  # refusing it as input would do too
        assert reference.evaluate([{"date": "9999-12-31", "event": "registration_effective"}], "9999-12-31")
