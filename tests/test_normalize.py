"""Normalization of raw listings (pipelines/normalize.py, text.py): the record's form.

Visible text against structured data, status from explicit signals only, attendance, text
cleaning, canonical URLs, country/date-order/language choices and plain-text schedules.
"""

from __future__ import annotations

import datetime as dt

import pytest

from pipelines import text
from pipelines.normalize import SourceContext, date_order, languages, normalize

NOW = dt.datetime(2019, 10, 19, tzinfo=dt.UTC)
CHI = SourceContext(source="t", tz="America/Chicago", now=NOW)


def norm(**raw) -> dict:
    return normalize(raw, CHI)


@pytest.mark.parametrize(("raw", "want_start", "want_end"), [
    # WordPress +00:00 with Chicago wall-clock: the page's time wins
    ({"start": "2019-10-01T19:00:00+00:00", "end": "2019-10-01T21:00:00+00:00",
      "when_text": "October 1 @ 7:00 pm - 9:00 pm"}, "2019-10-01T19:00:00-05:00", "2019-10-01T21:00:00-05:00"),
    # correct UTC instant and matching visible time: the data stands
    ({"start": "2018-05-11T15:00:00+00:00", "when_text": "May 11, 2018 @ 10:00 am - 12:00 pm"},
     "2018-05-11T10:00:00-05:00", "2018-05-11T12:00:00-05:00"),
    # the page shows the day only: the data adds the time
    ({"start": "2019-10-31T19:30:00-05:00", "when_text": "Thursday 31 October 2019"}, "2019-10-31T19:30:00-05:00", None),
    # the page shows another day: the page wins, the data's time goes with it
    ({"start": "2019-10-30T19:30:00-05:00", "when_text": "Thursday 31 October 2019"}, "2019-10-31", None),
    # only the data
    ({"start": "2019-11-20T08:30"}, "2019-11-20T08:30:00-06:00", None),
])
def test_visible_text_against_structured_times(raw, want_start, want_end):
    rec = norm(title="x", **raw)
    assert (rec["start"], rec["end"]) == (want_start, want_end)


def test_status_from_title_markers_only():
    rec = norm(title="CANCELLED: Board Meeting", start="2019-11-01T10:00:00")
    assert (rec["title"], rec["status"]) == ("Board Meeting", "cancelled")
    rec = norm(title="Board Meeting (Postponed)", start="2019-11-01T10:00:00")
    assert (rec["title"], rec["status"]) == ("Board Meeting", "postponed")
    assert norm(title="Board Meeting", start="2019-11-01T10:00:00")["status"] == "scheduled"
    assert norm(title="Old", start="2019-01-01T10:00:00", end="2019-01-01T11:00:00")["status"] == "past"
    assert norm(title="X", event_status="https://schema.org/EventCancelled")["status"] == "cancelled"


@pytest.mark.parametrize(("raw", "attendance", "online"), [
    ({"attendance_mode": "https://schema.org/OnlineEventAttendanceMode"}, "online", True),
    ({"attendance_mode": "MixedEventAttendanceMode", "city": "Chicago"}, "hybrid", True),
    ({"attendance_mode": "OfflineEventAttendanceMode", "description": "join on zoom.us/j/1"}, "in_person", False),
    ({"location_text": "Zoom"}, "online", True),
    ({"location_text": "mumble.openspeak.cc port: 64747"}, "online", True),
    ({"description": "The committee will meet at 1:00 pm by Teams."}, "online", True),
    ({"location_text": "Cafe Ola, 12 Main St, Springfield, IL 62701"}, "in_person", False),
    ({"description": "Bring your laptop."}, "in_person", False),
])
def test_attendance(raw, attendance, online):
    rec = norm(title="x", **raw)
    assert (rec["attendance"], rec["online"]) == (attendance, online)


def test_text_cleaning_and_sanitizing():
    rec = norm(title="  Women&nbsp;in   Tech  ", description_html='<p>Hi<script>alert(1)</script></p>'
               '<a href="javascript:x()" onclick="y()">link</a>')
    assert rec["title"] == "Women in Tech"
    assert rec["description"] == "Hi\nlink"
    assert "script" not in rec["description_html"] and "onclick" not in rec["description_html"]
    assert "javascript" not in rec["description_html"]


@pytest.mark.parametrize(("url", "base", "want"), [
    ("https://Ex.org/e/1?utm_source=x&id=2&fbclid=abc", None, "https://ex.org/e/1?id=2"),
    ("/event/x/", "https://ex.org/events/", "https://ex.org/event/x/"),
    ("/c/machbar/calendar", None, "/c/machbar/calendar"),
    ("javascript:void(0)", None, None),
    ("https://ex.org/groups/#women", None, "https://ex.org/groups/#women"),
])
def test_canonical_urls(url, base, want):
    assert text.canonical_url(url, base) == want


def test_place_defaults_and_gazetteer():
    rec = norm(title="x", venue="Hall", city="Spokane", region="Washington")
    assert (rec["region"], rec["country"]) == ("WA", "US")
    assert rec["lat"] and abs(rec["lat"] - 47.66) < 0.1
    rec = norm(title="x", lat="45.5191", lon="-122.675", venue="Jive")
    assert (rec["country"], rec["region"]) == ("US", "OR")
    # an in-person listing without a country is in the source's country; an online one is not
    assert norm(title="x", venue="Ward Office")["country"] == "US"
    assert norm(title="x", location_text="Zoom")["country"] is None


def test_address_in_description_when_no_place_fields():
    rec = norm(title="Seminar", description="3 day seminar\nCrowne Plaza Hotels and Resorts\n"
                                            "3000 North Dirksen Parkway, Springfield, IL\nContact us")
    assert (rec["venue"], rec["city"], rec["region"]) == ("Crowne Plaza Hotels and Resorts", "Springfield", "IL")


@pytest.mark.parametrize(("country", "order"), [("US", "MDY"), ("DE", "DMY"), ("GB", "DMY"), ("JP", "YMD"),
                                                (None, "MDY")])
def test_date_order_by_country(country, order):
    assert date_order(country) == order


def test_languages_from_page_and_country():
    assert languages("de", "DE") == ("de", "en")
    assert languages(None, "CZ") == ("cs", "en")
    assert languages("en", "US") == ("en",)


def test_numeric_dates_follow_the_source_country():
    uk = SourceContext(source="t", tz="Europe/London", now=NOW)
    assert normalize({"title": "x", "when_text": "5/12/2019 18:00"}, uk)["start"] == "2019-12-05T18:00:00+00:00"
    assert norm(title="x", when_text="5/12/2019 6pm")["start"] == "2019-05-12T18:00:00-05:00"


def test_plain_text_schedule_becomes_rrule():
    rec = norm(title="Toastmasters", schedule_text="2nd Tuesday of every month at 7:30 am")
    assert rec["recurrence"] is not None and rec["recurrence"].startswith("RRULE:FREQ=MONTHLY")
    assert norm(title="x", recurrence="varies, check the website")["recurrence"] == "varies, check the website"


def test_ongoing_roles_and_stable_ids():
    rec = norm(title="Raffle coordinator", ongoing=True, kind="volunteer_role")
    assert rec["commitment"] == "ongoing" and rec["start"] is None
    a = norm(title="A", url="https://ex.org/e/1?utm_source=x")
    b = norm(title="A", url="https://ex.org/e/1")
    assert a["id"] == b["id"]


def test_group_schedule_text_gives_next_meetings_across_dst() -> None:
    """A club with "Tuesdays 7:00 PM" and no dated listing: weekly RRULE, 7 pm wall clock on both
    sides of the March DST change (US 2026-03-08)."""
    ctx = SourceContext(source="t", tz="America/Chicago", now=dt.datetime(2026, 3, 1, tzinfo=dt.UTC))
    rec = normalize({"title": "Lakeview Toastmasters", "recurrence": "Tuesdays 7:00 PM"}, ctx)
    assert rec["recurrence"] == "RRULE:FREQ=WEEKLY;BYDAY=TU"
    assert rec["next_start"] == "2026-03-03T19:00:00-06:00"
    assert [s for s, _ in rec["_occurrences"][:2]] == ["2026-03-03T19:00:00-06:00", "2026-03-10T19:00:00-05:00"]
    assert normalize({"title": "Club", "recurrence": "every second Tuesday"}, ctx)["_occurrences"] == []
