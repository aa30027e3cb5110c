"""Timelines (optionrules/timeline.py) through the API: `reference.timeline(...)`, `reference.evaluate(...)`.

A timeline that cannot mean anything under the contract is an input error (TimelineError) naming
the event's index and field; a well-formed event the contract forbids is a violation at evaluation.

The reference agreement's vocabulary (contracts/capstone_liggett_2002.contract and the 2000 Plan it uses,
contracts/capstone_2000_plan.contract):

    enum termination_reason { without_cause, resignation, cause, death, disability }
    enum payment_method { cash, check, promissory_note, property, broker_cashless }
    event termination(reason: termination_reason)      event became_ceo
    event change_of_control                             event registration_effective
    event lockup_extension(days: days)                  event administrator_consent(method: payment_method)
    event exercise(shares: shares, method: payment_method)
    event transfer(by: text)
"""

from __future__ import annotations

import datetime
import json
from datetime import date

import pytest

import optionrules
from tests.helpers import event, exercise, termination

# ---- helpers --------------------------------------------------------------------------------


def problems(reference, events) -> list[optionrules.Diagnostic]:
    with pytest.raises(optionrules.TimelineError) as caught:
        reference.timeline(events)
    assert caught.value.diagnostics, "a TimelineError carries its diagnostics"
    return caught.value.diagnostics


def locations(reference, events) -> list[str]:
    return [d.location for d in problems(reference, events)]


def only_problem(reference, events) -> optionrules.Diagnostic:
    found = problems(reference, events)
    assert len(found) == 1, [d.render() for d in found]
    return found[0]


# ---- one problem at a time: index and field named ------------------------------------------------

MALFORMED = {
    # name: (the bad event at index 2, the field the diagnostic must name, a word of the message)
    "unknown event": (event("2003-01-01", "promotion"), "event", "unknown event"),
    "event name not a string": ({"date": "2003-01-01", "event": 7}, "event", "unknown event"),
    "missing event name": ({"date": "2003-01-01"}, "event", "missing"),
    "reason outside the enumeration": (termination("2003-01-01", "redundancy"), "reason", "termination_reason"),
    "reason not a string": (termination("2003-01-01", ["cause"]), "reason", "termination_reason"),
    "method outside the enumeration": (exercise("2003-01-01", 10, "bitcoin"), "method", "payment_method"),
    "impossible date": (event("2003-02-30", "became_ceo"), "date", "2003-02-30"),
    "month 13": (event("2003-13-01", "became_ceo"), "date", "2003-13-01"),
    "not a date at all": (event("next tuesday", "became_ceo"), "date", "date"),
    "date as a number": ({"date": 20030101, "event": "became_ceo"}, "date", "date"),
    "date null": ({"date": None, "event": "became_ceo"}, "date", "date"),
    "missing date": ({"event": "became_ceo"}, "date", "missing"),
    "negative shares": (exercise("2003-01-01", -1), "shares", "negative"),
    "negative fractional shares": (exercise("2003-01-01", -0.5), "shares", "negative"),
    "shares not a number": (exercise("2003-01-01", "lots"), "shares", "number"),
    "shares a boolean": (exercise("2003-01-01", True), "shares", "number"),
    "shares a list": (exercise("2003-01-01", [10]), "shares", "number"),
    "shares NaN": (exercise("2003-01-01", float("nan")), "shares", "finite"),
    "shares infinite": (exercise("2003-01-01", float("inf")), "shares", "finite"),
    "missing shares": ({"date": "2003-01-01", "event": "exercise", "method": "cash"}, "shares", "missing"),
    "missing method": ({"date": "2003-01-01", "event": "exercise", "shares": 10}, "method", "missing"),
    "missing reason": ({"date": "2003-01-01", "event": "termination"}, "reason", "missing"),
    "unknown attribute": (event("2003-01-01", "exercise", shares=10, method="cash", price=1.01), "price",
                          "no attribute"),
    "attribute on an event without any": (event("2003-01-01", "became_ceo", title="CEO"), "title", "no attribute"),
    "fractional days": (event("2003-01-01", "lockup_extension", days=1.5), "days", "whole"),
    "negative days": (event("2003-01-01", "lockup_extension", days=-30), "days", "negative"),
    "days a boolean": (event("2003-01-01", "lockup_extension", days=False), "days", "number"),
    "days missing": (event("2003-01-01", "lockup_extension"), "days", "missing"),
    "transfer by a number": (event("2003-01-01", "transfer", by=5), "by", "text"),
}


@pytest.mark.parametrize(("bad", "field", "word"), MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_event_names_its_index_and_field(reference, bad, field, word):
    good = [event("2003-01-01", "became_ceo"), termination("2004-03-15", "without_cause")]
    diagnostic = only_problem(reference, [*good, bad])
    assert "events[2]" in diagnostic.location
    assert f"field '{field}'" in diagnostic.location
    assert word in diagnostic.message
    assert diagnostic.span is None  # a timeline problem is located by `where`, not by a span
    assert diagnostic.render().startswith(diagnostic.location + ": error: ")


def test_the_evaluation_raises_the_same_timeline_error(reference):
    with pytest.raises(optionrules.TimelineError) as caught:
        reference.evaluate([termination("2004-03-15", "redundancy")], "2004-03-20")
    assert "events[0]" in str(caught.value) and "field 'reason'" in str(caught.value)
    assert isinstance(caught.value, optionrules.OptionRulesError)


def test_a_hint_for_a_near_miss(reference):
    diagnostic = only_problem(reference, [termination("2003-01-01", "cause"), event("2003-02-01", "termnation",
                                                                                    reason="cause")])
    assert "events[1]" in diagnostic.location
    assert diagnostic.hint is not None and "termination" in diagnostic.hint


@pytest.mark.parametrize("raw", [5, "became_ceo", None, ["2003-01-01", "became_ceo"]])
def test_an_event_that_is_not_an_object(reference, raw):
    diagnostic = only_problem(reference, [event("2003-01-01", "became_ceo"), raw])
    assert "events[1]" in diagnostic.location
    assert "object" in diagnostic.message


# ---- every problem at once ------------------------------------------------------------------------


def test_all_problems_are_reported_at_once(reference):
    events = [
        termination("2003-01-01", "redundancy"),                            # 0: reason
        event("2003-02-30", "became_ceo"),                                  # 1: date
        exercise("2003-03-01", -5),                                         # 2: shares
        event("2003-04-01", "promotion"),                                   # 3: event
        {"event": "change_of_control"},                                     # 4: date (missing)
        event("2003-05-01", "registration_effective", underwriter="X"),     # 5: underwriter
        event("2003-06-01", "lockup_extension", days=2.5),                  # 6: days
        exercise("2003-07-01", 100),                                        # 7: fine
    ]
    found = locations(reference, events)
    expected = [(0, "reason"), (1, "date"), (2, "shares"), (3, "event"), (4, "date"), (5, "underwriter"),
                (6, "days")]
    assert len(found) == len(expected), found
    for (index, field), where in zip(expected, found):
        assert f"events[{index}]" in where and f"field '{field}'" in where, where
    assert not any("events[7]" in where for where in found)


def test_several_problems_in_one_event_are_all_reported(reference):
    bad = {"date": "2003-02-30", "event": "exercise", "shares": -1, "method": "barter", "note": "x"}
    found = locations(reference, [bad])
    assert len(found) == 4, found
    assert all("events[0]" in where for where in found)
    for field in ("date", "shares", "method", "note"):
        assert sum(f"field '{field}'" in where for where in found) == 1, (field, found)


def test_the_error_message_lists_every_problem(reference):
    with pytest.raises(optionrules.TimelineError) as caught:
        reference.timeline([termination("2003-01-01", "fired"), exercise("2003-01-02", -1)])
    text = str(caught.value)
    assert "events[0]" in text and "events[1]" in text
    assert text.count(": error: ") == 2


# ---- shapes of a timeline -----------------------------------------------------------------------


def test_a_bare_list_and_an_events_object_are_both_accepted(reference):
    events = [termination("2004-03-15", "without_cause")]
    bare, wrapped = reference.timeline(events), reference.timeline({"events": events})
    assert bare == wrapped
    assert bare.to_dict() == {"events": events}
    # 15 installments (2002-12-21 .. 2004-02-21) of 3,840,000 / 48 = 80,000 and floor(80,000 x 23/29)
    # for the 23 of the 29 days from 2004-02-21 to 2004-03-21 served: 1,200,000 + 63,448
    assert reference.evaluate(events, "2004-03-20").vested == 1_263_448
    assert reference.evaluate({"events": events}, "2004-03-20").vested == 1_263_448


def test_an_empty_timeline(reference):
    assert reference.timeline([]).events == ()
    assert reference.timeline({"events": []}).events == ()
    assert reference.timeline().events == ()
    assert reference.timeline(()).events == ()


def test_a_tuple_or_a_generator_of_events(reference):
    events = [event("2003-01-01", "became_ceo"), event("2004-01-01", "change_of_control")]
    assert reference.timeline(tuple(events)) == reference.timeline(events)
    assert reference.timeline(e for e in events) == reference.timeline(events)


@pytest.mark.parametrize("data", [{"evnts": []}, {}, "events", b"[]", 42, None, {"events": "became_ceo"},
                                  {"events": 3}])
def test_not_a_timeline(reference, data):
    found = problems(reference, data)
    assert len(found) == 1
    assert "events" in found[0].message or "list" in found[0].message


def test_a_validated_timeline_is_taken_as_it_is(reference):
    timeline = reference.timeline([termination("2004-03-15", "without_cause")])
    assert reference.timeline(timeline) is timeline
    assert reference.evaluate(timeline, "2004-03-20").vested == 1_263_448  # as above


def test_event_objects_are_accepted(reference):
    timeline = reference.timeline([termination("2004-03-15", "without_cause"), event("2003-01-01", "became_ceo")])
    again = reference.timeline(list(timeline.events))
    assert [(e.date, e.name, dict(e.attrs)) for e in again.events] == \
        [(e.date, e.name, dict(e.attrs)) for e in timeline.events]


# ---- dates ---------------------------------------------------------------------------------------


def test_dates_may_be_date_objects_or_iso_strings(reference):
    as_text = reference.timeline([termination("2004-03-15", "without_cause")])
    as_date = reference.timeline([{"date": date(2004, 3, 15), "event": "termination", "reason": "without_cause"}])
    assert as_text == as_date
    assert as_date.events[0].date == date(2004, 3, 15)
    # the as-of date, too
    by_date, by_text = reference.evaluate(as_date, date(2004, 3, 20)), reference.evaluate(as_text, "2004-03-20")
    assert by_date.to_dict() == by_text.to_dict()


@pytest.mark.parametrize("as_of", ["2003-13-01", "2003-02-30", "tomorrow", 20040320])
def test_a_bad_as_of_date_is_an_error(reference, as_of):
    with pytest.raises(ValueError, match="as-of"):
        reference.evaluate([], as_of)


def test_a_datetime_event_date_is_read_as_its_day_or_refused(reference):
    events = [{"date": datetime.datetime(2003, 1, 1, 12, 0), "event": "became_ceo"},
              event("2004-01-01", "change_of_control")]
    try:
        timeline = reference.timeline(events)
    except optionrules.TimelineError as error:
        assert "events[0]" in str(error) and "date" in str(error)
        return
    # became_ceo before change_of_control: full acceleration (plan_acceleration: all_unvested)
    assert reference.evaluate(timeline, "2004-01-01").vested == 3_840_000


# ---- order -----------------------------------------------------------------------------------------


def test_events_apply_in_date_order_then_input_order(reference):
    events = [
        event("2004-06-01", "change_of_control"),       # 0
        event("2003-01-01", "became_ceo"),              # 1
        exercise("2004-02-01", 100),                    # 2
        event("2004-02-01", "registration_effective"),  # 3: same day as 2, listed after it
        exercise("2004-02-01", 200),                    # 4: same day, listed last
    ]
    timeline = reference.timeline(events)
    assert [e.index for e in timeline.events] == [1, 2, 3, 4, 0]
    assert [e.date for e in timeline.events] == sorted(e.date for e in timeline.events)
    assert timeline.to_dict() == {"events": events}  # the input order, for the record


def test_input_order_decides_on_the_same_day(reference):
    # A payment by promissory note needs the Administrator's consent first (Art. II §4(c)).
    consent = event("2003-07-01", "administrator_consent", method="promissory_note")
    note = exercise("2003-07-01", 50_000, "promissory_note")
    consent_first = reference.evaluate([consent, note], "2003-08-01")
    assert consent_first.exercised == 50_000 and consent_first.violations == ()
    note_first = reference.evaluate([note, consent], "2003-08-01")
    assert note_first.exercised == 0
    assert [(v.index, v.event) for v in note_first.violations] == [(0, "exercise")]


def test_a_later_event_listed_first_still_applies_later(reference):
    # became_ceo before change_of_control: acceleration of every unvested share (Art. II §8,
    # plan_acceleration: all_unvested), whatever the order of the list.
    events = [event("2004-01-01", "change_of_control"), event("2003-01-01", "became_ceo")]
    assert reference.evaluate(events, "2004-01-01").vested == 3_840_000
    # the other way round in time: no acceleration; 13 installments by 2004-01-01
    # (2002-12-21 .. 2003-12-21) x 80,000 = 1,040,000
    events = [event("2003-01-01", "change_of_control"), event("2004-01-01", "became_ceo")]
    assert reference.evaluate(events, "2004-01-01").vested == 1_040_000


# ---- values -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("shares", [10.5, 0.25, "10.5"])
def test_a_fractional_share_count_is_a_violation_not_an_input_error(reference, shares):
    timeline = reference.timeline([exercise("2003-06-01", shares)])
    assert timeline.events[0].attrs["shares"] != int(timeline.events[0].attrs["shares"])
    result = reference.evaluate(timeline, "2003-06-01")
    # "The Option may not be exercised for a fraction of a Share." (Art. II §2(a)(ii)): not applied
    assert result.exercised == 0
    assert len(result.violations) == 1
    violation = result.violations[0]
    assert (violation.index, violation.event, violation.clause.name) == (0, "exercise", "whole_shares")
    # 6 installments by 2003-06-01 (2002-12-21 .. 2003-05-21) x 80,000 = 480,000, all still exercisable
    assert result.exercisable == 480_000


def test_a_whole_share_count_written_as_a_float_is_whole(reference):
    result = reference.evaluate([exercise("2003-06-01", 100.0)], "2003-06-01")
    assert (result.exercised, result.violations) == (100, ())


def test_zero_shares_is_well_formed(reference):
    reference.timeline([exercise("2003-06-01", 0)])


@pytest.mark.parametrize("days", [0, 30, 30.0, 3_650])
def test_whole_non_negative_days_are_accepted(reference, days):
    timeline = reference.timeline([event("2004-05-01", "lockup_extension", days=days)])
    assert timeline.events[0].attrs["days"].days == int(days)


@pytest.mark.parametrize("days", [-1, 0.5, 30.25, -0.0001, float("nan"), "thirty"])
def test_days_must_be_a_whole_non_negative_number(reference, days):
    diagnostic = only_problem(reference, [event("2004-05-01", "lockup_extension", days=days)])
    assert "events[0]" in diagnostic.location and "field 'days'" in diagnostic.location


def test_a_lockup_extension_lengthens_the_lockup(reference):
    # registration effective 2004-01-15; blocked from the day after (lockup_start: day_after) for 180 days:
    # 2004-01-16 + 179 days = 2004-07-13 (16 days of January, 29 of February, 31 + 30 + 31 + 30, 13 of July)
    events = [event("2004-01-15", "registration_effective")]
    assert reference.evaluate(events, "2004-07-13").sale_blocked
    assert not reference.evaluate(events, "2004-07-14").sale_blocked
    # extended by 30 days: 2004-07-13 + 30 days = 2004-08-12
    events.append(event("2004-05-01", "lockup_extension", days=30))
    assert reference.evaluate(events, "2004-08-12").sale_blocked
    assert not reference.evaluate(events, "2004-08-13").sale_blocked


def test_any_text_is_a_transfer_by(reference):
    timeline = reference.timeline([event("2004-01-01", "transfer", by="gift to a trust ✓")])
    assert timeline.events[0].attrs["by"] == "gift to a trust ✓"
    # "may not be transferred in any manner except by will or by the laws of descent" (Art. II §9)
    result = reference.evaluate(timeline, "2004-01-02")
    assert [v.clause.name for v in result.violations] == ["transfer_by_will_or_descent"]


# ---- files --------------------------------------------------------------------------------------------


def test_a_timeline_file(reference, tmp_path):
    path = tmp_path / "events.json"
    path.write_text(json.dumps({"events": [termination("2004-03-15", "without_cause")]}), encoding="utf-8")
    timeline = reference.load_timeline(path)
    assert reference.evaluate(timeline, "2004-03-20").vested == 1_263_448  # as above


def test_a_problem_in_a_file_names_the_file(reference, tmp_path):
    path = tmp_path / "events.json"
    path.write_text(json.dumps([event("2003-01-01", "became_ceo"), termination("2004-03-15", "fired")]),
                    encoding="utf-8")
    with pytest.raises(optionrules.TimelineError) as caught:
        reference.load_timeline(path)
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.location.startswith(str(path))
    assert "events[1]" in diagnostic.location and "field 'reason'" in diagnostic.location


def test_a_json_syntax_error_is_located(reference, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"events": [\n  {"date": "2004-03-15", "event": "termination",\n   "reason": }\n]}\n',
                    encoding="utf-8")
    with pytest.raises(optionrules.TimelineError) as caught:
        reference.load_timeline(path)
    (diagnostic,) = caught.value.diagnostics
    # the value missing after "reason": is on line 3, column 14
    assert diagnostic.location == f"{path}:3:14"
    assert "JSON" in diagnostic.message


def test_a_json_file_that_is_not_utf8(reference, tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes('[{"date": "2004-01-01", "event": "transfer", "by": "h\u00e9ritage"}]'.encode("latin-1"))
    with pytest.raises(optionrules.TimelineError) as caught:
        reference.load_timeline(path)
    assert str(path) in caught.value.diagnostics[0].location


def test_a_missing_timeline_file(reference, tmp_path):
    path = tmp_path / "nowhere.json"
    with pytest.raises(optionrules.TimelineError) as caught:
        reference.load_timeline(path)
    assert str(path) in caught.value.diagnostics[0].location
