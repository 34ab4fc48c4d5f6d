"""Plain-text group schedules -> RRULE + time (pipelines/recurrence.py), and their occurrences.

Rows are schedules as groups write them; several restate, in words, the RRULEs that the real
feeds in ../shared/realworld/feeds carry (PDX user groups, FabLab Cottbus, Machbar Potsdam).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from pipelines.recurrence import Schedule, next_occurrences, parse_schedule

T = dt.time

# text, expected RRULE (None = refused as ambiguous), expected start time
ROWS: list[tuple[str, str | None, dt.time | None]] = [
    # from the brief / issue 5
    ("2nd Tuesday of every month at 7:30 am", "FREQ=MONTHLY;BYDAY=2TU", T(7, 30)),
    ("every other Wednesday at noon", "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE", T(12)),
    ("first Thursdays", "FREQ=MONTHLY;BYDAY=1TH", None),
    ("Tuesdays 7:00 PM", "FREQ=WEEKLY;BYDAY=TU", T(19)),
    ("1st & 3rd Monday", "FREQ=MONTHLY;BYDAY=1MO,3MO", None),
    ("last Friday of the month", "FREQ=MONTHLY;BYDAY=-1FR", None),
    ("weekly on Mondays", "FREQ=WEEKLY;BYDAY=MO", None),
    ("every weekday", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", None),
    # the real feeds' RRULEs, as their groups describe them in words
    ("Python Users Group meets the second Tuesday of each month, 7pm", "FREQ=MONTHLY;BYDAY=2TU", T(19)),
    ("PADNUG: 2nd Tuesday monthly, 6:30 pm", "FREQ=MONTHLY;BYDAY=2TU", T(18, 30)),
    ("XPDX: fourth Wednesday of the month at 6:30pm", "FREQ=MONTHLY;BYDAY=4WE", T(18, 30)),
    ("Dorkbot PDX: every other Monday, 7-9pm", "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", T(19)),
    ("Repair Café: first Saturday of the month, 14:00", "FREQ=MONTHLY;BYDAY=1SA", T(14)),
    ("Freifunktreffen every 2 weeks on Tuesday at 18:00", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", T(18)),
    ("Open HACKademy Mondays, Tuesdays and Wednesdays 2pm", "FREQ=WEEKLY;BYDAY=MO,TU,WE", T(14)),
    # more shapes seen on group pages
    ("Meets the 2nd and 4th Thursday of each month, 6:30-8:30pm", "FREQ=MONTHLY;BYDAY=2TH,4TH", T(18, 30)),
    ("Every Monday 6-8pm except July and August", "FREQ=WEEKLY;BYDAY=MO;BYMONTH=1,2,3,4,5,6,9,10,11,12", T(18)),
    ("September through May, 2nd Tuesday at 7pm", "FREQ=MONTHLY;BYDAY=2TU;BYMONTH=1,2,3,4,5,9,10,11,12", T(19)),
    ("first Saturday of every other month at 10am", "FREQ=MONTHLY;INTERVAL=2;BYDAY=1SA", T(10)),
    ("Mon-Fri 9am-5pm", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", T(9)),
    ("Saturdays, 10 a.m.", "FREQ=WEEKLY;BYDAY=SA", T(10)),
    ("Mondays and Wednesdays 19:00", "FREQ=WEEKLY;BYDAY=MO,WE", T(19)),
    ("on the 15th of every month", "FREQ=MONTHLY;BYMONTHDAY=15", None),
    ("every day at 9am", "FREQ=DAILY", T(9)),
    ("Toastmasters: every Thursday 12:00-1:00pm", "FREQ=WEEKLY;BYDAY=TH", T(12)),
    ("Breakfast club, every Friday 7.30am", "FREQ=WEEKLY;BYDAY=FR", T(7, 30)),
    ("every second Tuesday of the month, 11:30am-1pm", "FREQ=MONTHLY;BYDAY=2TU", T(11, 30)),
    ("Meets 1st and 3rd Wednesdays at 12:00 noon", "FREQ=MONTHLY;BYDAY=1WE,3WE", T(12)),
    ("We meet the 3rd Thursday of each month from 6:00 to 8:00 PM", "FREQ=MONTHLY;BYDAY=3TH", T(18)),
    ("Every Tuesday and Thursday 9-10am", "FREQ=WEEKLY;BYDAY=TU,TH", T(9)),
    ("every Tuesday at 7", "FREQ=WEEKLY;BYDAY=TU", None),  # "7": am or pm? the day is sure, the time not
    # refused: two readings, or not a schedule at all
    ("every second Tuesday", None, None),  # fortnightly (UK) or 2nd of the month?
    ("every third Thursday", None, None),
    ("biweekly on Fridays", None, None),  # every two weeks or twice a week?
    ("1st or 2nd Monday", None, None),
    ("usually the last Wednesday", None, None),
    ("Tuesday at 7pm", None, None),  # one date, not a repetition
    ("Tuesday, March 5 at 7pm", None, None),
    ("Tuesdays at 7pm and Thursdays at noon", None, None),  # different times per day
    ("monthly", None, None),
    ("Meeting dates TBD", None, None),
    ("The Tuesday Club meets at noon", None, None),
    ("quarterly on the first Monday", None, None),
    ("every 4th Monday", None, None),
    ("every Monday in March", None, None),  # a season the rule would drop  # every four weeks, or the 4th Monday of the month?
    ("Wednesdays at 6pm (doors 5:30)", None, None),  # two times, one of them without am/pm
]


@pytest.mark.parametrize(("text", "rule", "time"), ROWS, ids=[r[0][:40] for r in ROWS])
def test_parse_schedule(text: str, rule: str | None, time: dt.time | None) -> None:
    got = parse_schedule(text)
    if rule is None:
        assert got is None
        return
    assert got is not None
    assert got.rrule == "RRULE:" + rule
    assert got.time == time
    assert got.text == text


def test_range_keeps_the_end_time() -> None:
    got = parse_schedule("Tuesdays 6-8pm")
    assert got is not None and (got.time, got.end_time) == (T(18), T(20))


CHI = "America/Chicago"


def test_next_occurrences_keep_wall_clock_across_dst() -> None:
    """7 pm stays 7 pm local on both sides of the 8 March 2026 change: -06:00, then -05:00."""
    s = parse_schedule("Tuesdays 7:00 PM")
    assert s is not None
    after = dt.datetime(2026, 3, 1, 6, tzinfo=dt.UTC)
    got = next_occurrences(s, after, CHI, horizon_days=14)
    assert [d.isoformat() for d in got] == ["2026-03-03T19:00:00-06:00", "2026-03-10T19:00:00-05:00"]


def test_next_occurrences_monthly_nth_weekday_and_horizon() -> None:
    s = parse_schedule("2nd Tuesday of every month at 7:30 am")
    assert s is not None
    got = next_occurrences(s, dt.datetime(2026, 1, 20, tzinfo=dt.UTC), "Europe/London", horizon_days=90)
    assert [d.isoformat() for d in got] == ["2026-02-10T07:30:00+00:00", "2026-03-10T07:30:00+00:00",
                                            "2026-04-14T07:30:00+01:00"]


def test_next_occurrences_are_strictly_after() -> None:
    s = parse_schedule("Tuesdays 7:00 PM")
    assert s is not None
    at = dt.datetime(2026, 3, 3, 19, tzinfo=ZoneInfo(CHI))
    got = next_occurrences(s, at, CHI, horizon_days=8)
    assert got == [dt.datetime(2026, 3, 10, 19, tzinfo=ZoneInfo(CHI))]


def test_every_other_week_needs_an_anchor() -> None:
    s = parse_schedule("every other Wednesday at noon")
    assert s is not None and s.needs_anchor
    after = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    assert next_occurrences(s, after, CHI) == []
    got = next_occurrences(s, after, CHI, horizon_days=30, anchor=dt.date(2026, 1, 7))
    assert [d.date().isoformat() for d in got] == ["2026-04-01", "2026-04-15", "2026-04-29"]
    assert all(d.hour == 12 for d in got)


def test_floating_without_a_zone() -> None:
    s = Schedule(rrule="RRULE:FREQ=MONTHLY;BYDAY=-1FR", time=T(18), text="last Friday at 6pm")
    got = next_occurrences(s, dt.datetime(2026, 5, 1), None, horizon_days=40)
    assert got == [dt.datetime(2026, 5, 29, 18)]
    assert got[0].tzinfo is None


def test_time_in_the_spring_forward_gap_lands_after_it() -> None:
    s = parse_schedule("Sundays 2:30am")
    assert s is not None
    got = next_occurrences(s, dt.datetime(2026, 3, 7, tzinfo=dt.UTC), CHI, horizon_days=3)
    # 02:30 does not exist in Chicago on 8 March 2026; the instant is 03:30 CDT (08:30 UTC).
    assert [d.astimezone(dt.UTC).isoformat() for d in got] == ["2026-03-08T08:30:00+00:00"]


@pytest.mark.parametrize(("rule", "words"), [
    ("RRULE:FREQ=MONTHLY;BYDAY=2TU,4TU", "2nd and 4th Tuesday, monthly"),
    ("FREQ=WEEKLY;INTERVAL=2;BYDAY=WE", "every other Wednesday"),
    ("FREQ=WEEKLY;BYDAY=TU,TH", "every Tuesday and Thursday"),
    ("FREQ=MONTHLY;BYDAY=-1FR", "last Friday, monthly"),
    ("FREQ=MONTHLY;BYMONTHDAY=15", "monthly on the 15th"),
    ("RRULE:FREQ=WEEKLY;COUNT=20", "weekly, 20 times"),
    ("FREQ=DAILY;UNTIL=20261231T000000Z", "daily, until 31 Dec 2026"),
    ("FREQ=MONTHLY;BYSETPOS=1;BYDAY=MO", "FREQ=MONTHLY;BYSETPOS=1;BYDAY=MO"),  # not sayable: kept as written
    ("2nd Tuesday of every month", "2nd Tuesday of every month"),
])
def test_rule_in_words(rule: str, words: str) -> None:
    from pipelines.recurrence import rule_in_words

    assert rule_in_words(rule) == words
