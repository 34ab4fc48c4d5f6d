"""The `.ics` renderer: feeds that validate with icalendar and import cleanly into calendar clients."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import recurring_ical_events
from icalendar import Calendar
from test_datasette import app, make_db, rec

from crawlers.schema import make_id


async def feed(db: Path, path: str, **settings: object) -> tuple[str, Calendar]:
    r = await app(db, **settings).client.get(path)
    assert r.status_code == 200, r.text[:500]
    assert r.headers["content-type"].startswith("text/calendar")
    return r.text, Calendar.from_ical(r.text)


def by_title(cal: Calendar) -> dict[str, object]:
    return {str(ev["SUMMARY"]): ev for ev in cal.walk("VEVENT")}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return make_db(tmp_path / "widen.db")


async def test_feed_validates_with_uid_dtstamp_and_a_vtimezone_for_every_tzid(db: Path) -> None:
    text, cal = await feed(db, "/widen/opportunities.ics")
    events = cal.walk("VEVENT")
    assert len(events) == 7  # the dated ones; groups, seats and roles have no start
    assert all(ev.get("UID") and ev.get("DTSTAMP") for ev in events)
    assert len({str(ev["UID"]) for ev in events}) == 7
    tzids = {str(ev["DTSTART"].params["TZID"]) for ev in events if "TZID" in ev["DTSTART"].params}
    assert tzids == {"America/Chicago"}
    assert {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")} == tzids
    assert not cal.get_missing_tzids()
    assert "END:VCALENDAR" in text.splitlines()[-1] and text.count("BEGIN:VCALENDAR") == 1
    lines = text.split("\r\n")
    assert lines[-1] == "" and not any("\n" in line or "\r" in line for line in lines)  # CRLF only
    assert max(len(line.encode("utf-8")) for line in lines) <= 75  # folded as RFC 5545 requires
    assert str(cal["VERSION"]) == "2.0" and cal.get("PRODID")


async def test_times_keep_their_meaning(db: Path) -> None:
    _, cal = await feed(db, "/widen/opportunities.ics")
    ev = by_title(cal)
    zoned = ev["Women in Tech Breakfast"]["DTSTART"].dt
    assert zoned.tzinfo is not None and str(zoned.tzinfo) == "America/Chicago"
    assert zoned.isoformat() == "2026-03-06T07:30:00-06:00"
    assert ev["Veterans Lunch"]["DTSTART"].dt.isoformat() == "2026-03-13T12:00:00-05:00"  # after DST
    floating = ev["Floating Mixer"]["DTSTART"]
    assert floating.dt.tzinfo is None and "TZID" not in floating.params  # floating stays floating
    assert ev["Floating Mixer"]["DTEND"].dt == dt.datetime(2026, 3, 10, 20, 0)
    utc = ev["UTC Webinar"]["DTSTART"].dt  # an offset but no zone: UTC
    assert utc.utcoffset() == dt.timedelta(0) and utc.hour == 17
    day = ev["All-day Expo"]
    assert day["DTSTART"].params.get("VALUE") == "DATE" and day["DTSTART"].dt == dt.date(2026, 3, 21)
    assert day["DTEND"].dt == dt.date(2026, 3, 22)  # exclusive end: one day
    assert str(ev["Cancelled Roundtable"]["STATUS"]) == "CANCELLED"
    assert str(ev["Veterans Lunch"]["STATUS"]) == "CONFIRMED"


async def test_location_url_description_and_stable_uids(db: Path) -> None:
    _, first = await feed(db, "/widen/opportunities.ics")
    _, again = await feed(db, "/widen/opportunities.ics")
    ev = by_title(first)["Women in Tech Breakfast"]
    assert str(ev["UID"]) == make_id("ev", native_id="1") + "@widen"
    assert str(ev["LOCATION"]).startswith("Lakeview Library, 644 W Belmont Ave, Chicago, IL")
    assert str(ev["URL"]) == "https://example.org/e/1"
    assert "Breakfast roundtable" in str(ev["DESCRIPTION"]) and "/widen/opportunities/" in str(ev["DESCRIPTION"])
    assert (ev["GEO"].latitude, ev["GEO"].longitude) == (41.9398, -87.6455)
    assert [str(e["UID"]) for e in first.walk("VEVENT")] == [str(e["UID"]) for e in again.walk("VEVENT")]
    assert str(by_title(first)["UTC Webinar"]["LOCATION"]) == "Online"


async def test_recurring_series_expands_in_calendar_clients(db: Path) -> None:
    _, cal = await feed(db, "/widen/opportunities.ics?title=Founders%20Coffee")
    starts = [e["DTSTART"].dt.isoformat() for e in
              recurring_ical_events.of(cal).between(dt.date(2026, 3, 1), dt.date(2026, 4, 1))]
    assert starts == ["2026-03-03T08:00:00-06:00", "2026-03-10T08:00:00-05:00",
                      "2026-03-17T08:00:00-05:00", "2026-03-24T08:00:00-05:00"]


async def test_feed_has_every_row_of_the_filter_not_one_page(tmp_path: Path) -> None:
    records = [rec("bulk", n, title=f"Meetup {n}", start=f"2026-04-{1 + n % 28:02d}T18:00:00-05:00")
               for n in range(260)]
    records.append(rec("other", 1, kind="networking_group", title="Group", start="2026-04-02T18:00:00-05:00"))
    db = make_db(tmp_path / "widen.db", records)
    # pages of 20 and at most 100 rows per query: the feed must still carry all 260
    _, cal = await feed(db, "/widen/opportunities.ics?kind=networking_event&_size=20",
                        default_page_size=20, max_returned_rows=100)
    uids = [str(e["UID"]) for e in cal.walk("VEVENT")]
    assert len(uids) == len(set(uids)) == 260


async def test_feed_follows_the_page_filters_and_ignores_paging(db: Path) -> None:
    _, cal = await feed(db, "/widen/opportunities.ics?region=IL&status__not=cancelled")
    titles = set(by_title(cal))
    assert titles == {"Women in Tech Breakfast", "Veterans Lunch", "All-day Expo", "Founders Coffee"}
    r = await app(db).client.get("/widen/opportunities.ics?region=IL&_next=zzz")
    assert r.status_code == 302 and "_next" not in r.headers["location"]


async def test_reach_filter_applies_to_the_feed(db: Path) -> None:
    _, cal = await feed(db, "/widen/opportunities.ics?_exclude_audiences=women,founders")
    titles = set(by_title(cal))
    assert "Women in Tech Breakfast" not in titles and "Founders Coffee" not in titles
    assert "All-day Expo" not in titles and "Veterans Lunch" in titles


async def test_canned_query_feed_has_one_event_per_occurrence(db: Path) -> None:
    coffee = []
    for week in ("2026-03-01", "2026-03-08"):
        _, cal = await feed(db, f"/widen/networking_this_week.ics?near=Chicago&week_of={week}")
        coffee += [e for e in cal.walk("VEVENT") if str(e["SUMMARY"]) == "Founders Coffee"]
    assert [e["DTSTART"].dt.isoformat() for e in coffee] == ["2026-03-03T08:00:00-06:00", "2026-03-10T08:00:00-05:00"]
    assert len({str(e["UID"]) for e in coffee}) == 2  # each occurrence its own stable UID
    assert all("RRULE" not in e for e in coffee)  # occurrences, not the series again
    assert str(cal["X-WR-CALNAME"]) == "widen: Networking this week near …"


async def test_single_card_exports_one_event(db: Path) -> None:
    rid = make_id("ev", native_id="2").replace(":", "~3A")
    _, cal = await feed(db, f"/widen/opportunities/{rid}.ics")
    assert [str(e["SUMMARY"]) for e in cal.walk("VEVENT")] == ["Veterans Lunch"]


async def test_unknown_zone_falls_back_to_utc_and_a_broken_rule_is_left_out(tmp_path: Path) -> None:
    db = make_db(tmp_path / "widen.db", [
        rec("odd", 1, title="Zone typo", start="2026-05-01T18:00:00-05:00", timezone="America/Chicag"),
        rec("odd", 2, title="Bad rule", start="2026-05-02T18:00:00-05:00", recurrence="RRULE:FREQ=SOMETIMES"),
        rec("odd", 3, title="Text rule", start="2026-05-03T18:00:00-05:00", recurrence="2nd Tuesday monthly"),
    ])
    _, cal = await feed(db, "/widen/opportunities.ics")
    ev = by_title(cal)
    typo = ev["Zone typo"]["DTSTART"]
    assert "TZID" not in typo.params and typo.dt.isoformat() == "2026-05-01T23:00:00+00:00"
    assert "RRULE" not in ev["Bad rule"] and "RRULE" not in ev["Text rule"]
    assert {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")} == {"America/Chicago"}
    assert not cal.get_missing_tzids()


async def test_arbitrary_sql_feed_when_sql_is_allowed(db: Path) -> None:
    sql = "select id, title, start, \"end\", timezone from opportunities where start is not null -- dated only"
    r = await app(db, default_allow_sql=True).client.get("/widen.ics", params={"sql": sql})
    assert r.status_code == 200, r.text[:300]
    cal = Calendar.from_ical(r.text)
    assert len(cal.walk("VEVENT")) == 7 and not cal.get_missing_tzids()
