"""iCalendar extraction (crawlers/extract/ical.py) on small feeds written here.

Each malformed case is one way a real exporter breaks the RFC (../shared/realworld/feeds notes);
the feed must still yield what a person can read, and the other events must survive.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from crawlers.extract import Context, ical
from pipelines.normalize import SourceContext, normalize
from tests.conftest import widen

NOW = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
CHICAGO_TZ = """BEGIN:VTIMEZONE
TZID:America/Chicago
BEGIN:DAYLIGHT
TZOFFSETFROM:-0600
TZOFFSETTO:-0500
TZNAME:CDT
DTSTART:19700308T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:-0500
TZOFFSETTO:-0600
TZNAME:CST
DTSTART:19701101T020000
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
END:STANDARD
END:VTIMEZONE"""


def cal(*events: str, head: str = "") -> bytes:
    body = "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Test//widen//EN", head, *events,
                        "END:VCALENDAR", ""])
    return body.replace("\r\n\r\n", "\r\n").encode("utf-8")


def records(body: bytes, window: tuple[dt.datetime, dt.datetime] | None = None, tz: str | None = None
            ) -> list[dict]:
    raws = ical.extract(body, Context(now=NOW, window=window))
    return [normalize(r, SourceContext(now=NOW, tz=tz)) for r in raws]


def ev(uid: str, *lines: str) -> str:
    return "\r\n".join(["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20260101T000000Z", *lines, "END:VEVENT"])


def test_vtimezone_and_dst_expansion():
    body = cal(ev("a", "SUMMARY:Founders Coffee", "DTSTART;TZID=America/Chicago:20260303T080000",
                  "DTEND;TZID=America/Chicago:20260303T090000", "RRULE:FREQ=WEEKLY;COUNT=3"), head=CHICAGO_TZ)
    (rec,) = records(body, window=(dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 31)))
    assert rec["start"] == "2026-03-03T08:00:00-06:00"
    assert rec["recurrence"] == "RRULE:FREQ=WEEKLY;COUNT=3"
    starts = [s for s, _ in rec["_occurrences"]]
    assert starts == ["2026-03-03T08:00:00-06:00", "2026-03-10T08:00:00-05:00", "2026-03-17T08:00:00-05:00"]


def test_windows_zone_name():
    body = cal(ev("w", "SUMMARY:Board info", "DTSTART;TZID=Eastern Standard Time:20260305T180000"))
    (rec,) = records(body)
    assert rec["start"] == "2026-03-05T18:00:00-05:00"
    assert rec["timezone"] == "America/New_York"


def test_floating_and_all_day():
    body = cal(ev("f", "SUMMARY:Floating", "DTSTART:20260305T180000"),
               ev("d", "SUMMARY:All day", "DTSTART;VALUE=DATE:20260306", "DTEND;VALUE=DATE:20260308"))
    floating, allday = records(body)
    assert floating["start"] == "2026-03-05T18:00:00" and floating["timezone"] is None
    assert allday["start"] == "2026-03-06" and allday["end"] == "2026-03-08" and allday["all_day"] is True


def test_all_day_with_a_tzid_stays_a_date():
    body = cal(ev("j", "SUMMARY:Obon", "DTSTART;TZID=Japan;VALUE=DATE:20060813", "DTEND;TZID=Japan;VALUE=DATE:20060816"))
    (rec,) = records(body)
    assert rec["start"] == "2006-08-13" and rec["all_day"] is True


def test_rdate_exdate_and_recurrence_id():
    body = cal(
        ev("s", "SUMMARY:Chaostreff", "DTSTART;TZID=America/Chicago:20260302T190000", "RRULE:FREQ=WEEKLY;COUNT=4",
           "EXDATE;TZID=America/Chicago:20260309T190000", "RDATE;TZID=America/Chicago:20260304T190000"),
        ev("s", "SUMMARY:Chaostreff (moved)", "RECURRENCE-ID;TZID=America/Chicago:20260316T190000",
           "DTSTART;TZID=America/Chicago:20260317T190000"),
        head=CHICAGO_TZ)
    (rec,) = records(body, window=(dt.datetime(2026, 3, 1), dt.datetime(2026, 4, 1)))
    starts = sorted(s for s, _ in rec["_occurrences"])
    assert starts == ["2026-03-02T19:00:00-06:00", "2026-03-04T19:00:00-06:00", "2026-03-17T19:00:00-05:00",
                      "2026-03-23T19:00:00-05:00"]


def test_escaped_and_folded_text():
    body = cal(ev("t", "SUMMARY:Women in Tech\\, Breakfast", "DESCRIPTION:Line one\\nLine two with a very long",
                  "  continuation", "LOCATION:Cafe Ola\\, 12 Main St\\, Springfield\\, IL 62701",
                  "DTSTART:20260305T180000"))
    (rec,) = records(body)
    assert rec["title"] == "Women in Tech, Breakfast"
    assert rec["description"] == "Line one\nLine two with a very long continuation"
    assert (rec["city"], rec["region"], rec["country"]) == ("Springfield", "IL", "US")


def test_two_tzids_in_one_vtimezone_and_html_uids():
    """The Events Calendar 6.x export: UTC and Chicago in one VTIMEZONE, obfuscated e-mail UIDs."""
    tz = "\r\n".join(["BEGIN:VTIMEZONE", "TZID:UTC", "BEGIN:STANDARD", "TZOFFSETFROM:+0000", "TZOFFSETTO:+0000",
                      "DTSTART:20240101T000000", "END:STANDARD", "TZID:America/Chicago", "BEGIN:DAYLIGHT",
                      "TZOFFSETFROM:-0600", "TZOFFSETTO:-0500", "DTSTART:20240310T080000", "END:DAYLIGHT",
                      "END:VTIMEZONE", "X-Robots-Tag:noindex"])
    body = cal(ev('<span class="x">gro&#x2e;fthilc&#64;1</span>', "SUMMARY:Outreach Meeting",
                  "DTSTART;TZID=America/Chicago:20240509T083000"),
               ev('<span class="x">gro&#x2e;fthilc&#64;2</span>', "SUMMARY:Finance Meeting",
                  "DTSTART;TZID=America/Chicago:20240509T153000"), head=tz)
    recs = records(body)
    assert [r["start"] for r in recs] == ["2024-05-09T08:30:00-05:00", "2024-05-09T15:30:00-05:00"]
    assert len({r["id"] for r in recs}) == 2


def test_bad_folding_blank_lines_and_broken_dates():
    body = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n\r\nBEGIN:VEVENT\r\nUID:1\r\nSUMMARY:Repair Cafe\r\n"
            b"DESCRIPTION:first line\r\ncontinued without a space\r\nDTSTART:20260307T140000\r\nEND:VEVENT\r\n\r\n"
            b"BEGIN:VEVENT\r\nUID:2\r\nSUMMARY:Foobar\r\nDTSTART;VALUE=DATE:Next Year\r\nDTEND;VALUE=DATE:20111203\r\n"
            b"END:VEVENT\r\nEND:VCALENDAR\r\n")
    first, broken = records(body)
    assert first["description"] == "first linecontinued without a space"
    assert first["start"] == "2026-03-07T14:00:00"
    assert broken["title"] == "Foobar" and broken["start"] is None and broken["all_day"] is True


def test_invalid_and_double_encoded_utf8():
    good = "Maker Faire Café".encode()
    latin1 = "Café Münster".encode("cp1252")
    double = "Schüür".encode().decode("cp1252").encode()
    body = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:1\r\nSUMMARY:" + good +
            b"\r\nLOCATION:" + latin1 + b"\r\nDTSTART:20260307T140000\r\nEND:VEVENT\r\n"
            b"BEGIN:VEVENT\r\nUID:2\r\nSUMMARY:" + double + b"\r\nDTSTART:20260308T140000\r\nEND:VEVENT\r\n"
            b"END:VCALENDAR\r\n")
    a, b = records(body)
    assert a["title"] == "Maker Faire Café" and a["venue"] == "Café Münster"
    assert b["title"] == "Schüür"


def test_truncated_download_keeps_what_arrived():
    body = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:1\r\nSUMMARY:Founders Coffee\r\nDTSTART:2026030"
    body += b"3T080000\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:2\r\nSUMMARY:Cut off"
    first, cut = records(body)
    assert (first["title"], first["start"]) == ("Founders Coffee", "2026-03-03T08:00:00")
    assert cut["title"] == "Cut off" and cut["start"] is None


def test_an_unparseable_event_does_not_cost_the_others():
    body = (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:1\r\nSUMMARY:Good\r\nDTSTART:20260302T180000Z\r\nEND:VEVENT\r\n"
            b"BEGIN:VEVENT\r\nUID:2\r\nSUMMARY:Bad\r\nBEGIN:VTIMEZONE\r\nTZID:a\r\nTZID:b\r\nEND:VEVENT\r\n"
            b"END:VCALENDAR\r\n")
    assert [r["title"] for r in records(body)] == ["Good"]


def test_unreadable_feed_is_empty_not_an_error():
    assert ical.extract(b"BEGIN:VCALENDAR\r\nthis is not ical", Context(now=NOW)) == []


def test_cli_occurrences_window_is_wall_clock(tmp_path):
    path = tmp_path / "series.ics"
    path.write_bytes(cal(ev("a", "SUMMARY:Evening meetup", "DTSTART;TZID=America/Chicago:20260303T220000",
                            "RRULE:FREQ=WEEKLY;COUNT=4"), head=CHICAGO_TZ))
    p = widen("extract", "--occurrences", "2026-03-01", "2026-03-17", str(path))
    assert p.returncode == 0, p.stderr
    lines = [json.loads(x) for x in p.stdout.splitlines()]
    # weekly from the 3rd: the 17th is the window's exclusive end, in local wall-clock time
    assert [x["start"][:10] for x in lines] == ["2026-03-03", "2026-03-10"]


ZERO_INTERVAL = b"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:zero@test
DTSTART:20260301T100000Z
RRULE:FREQ=DAILY;INTERVAL=0
SUMMARY:Zero interval
END:VEVENT
BEGIN:VEVENT
UID:fine@test
DTSTART:20260302T100000Z
SUMMARY:Fine
END:VEVENT
END:VCALENDAR
"""


@pytest.mark.timeout(30)
def test_zero_interval_rule_cannot_hang_the_feed() -> None:
    """dateutil spins forever on INTERVAL=0; the feed's events must still come out, promptly."""
    got = ical.extract(ZERO_INTERVAL, Context(url="", now=NOW, tz="UTC"))
    assert sorted(g["title"] for g in got) == ["Fine", "Zero interval"]
    assert all("RRULE" not in (g.get("recurrence") or "") for g in got)


@pytest.mark.timeout(30)
def test_zero_interval_rrule_text_gives_no_occurrences() -> None:
    rec = normalize({"title": "x", "start": "1900-01-01T10:00:00", "recurrence": "RRULE:FREQ=WEEKLY;INTERVAL=0"},
                    SourceContext(now=NOW, tz="America/Chicago"))
    assert rec["_occurrences"] == [] and rec["start"].startswith("1900-01-01T10:00")


# -- big feeds and damaged feeds ---------------------------------------------------------------
def _feed(n: int, broken_every: int = 0) -> bytes:
    events = []
    for i in range(n):
        start = "DTSTART:not-a-date" if broken_every and i % broken_every == 0 else f"DTSTART:20260310T{i % 24:02d}0000Z"
        events.append(f"BEGIN:VEVENT\r\nUID:big-{i}@test\r\nSUMMARY:Meetup {i}\r\n{start}\r\n"
                      + ("RRULE:FREQ=HOURLY;COUNT=3\r\n" if i % 50 == 1 else "") + "END:VEVENT")
    return cal(*events)


def test_events_are_taken_out_by_identity_not_equality(monkeypatch: pytest.MonkeyPatch) -> None:
    """Removing broken and sub-daily events once compared every event with every component
    (icalendar's deep __eq__), which made a 30k-event feed take minutes: no comparison now."""
    import icalendar.cal

    compared = []
    real_eq = icalendar.cal.Component.__eq__
    monkeypatch.setattr(icalendar.cal.Component, "__eq__",
                        lambda self, other: compared.append(1) or real_eq(self, other))
    items = ical.extract(_feed(400, broken_every=7), Context(now=NOW))
    assert len(items) == 400
    assert compared == []
    hourly = [i for i in items if i["title"] == "Meetup 1"]
    assert hourly and len(hourly[0]["occurrences"]) == 3  # sub-daily series still expanded


def test_a_clean_feed_reports_no_problems() -> None:
    ctx = Context(now=NOW)
    assert len(ical.extract(_feed(20), ctx)) == 20
    assert ctx.problems == []


def test_a_truncated_feed_with_garbage_reports_both_and_keeps_what_it_can() -> None:
    body = _feed(10)
    cut = body[: body.index(b"UID:big-6@")]
    garbage = bytes((i * 37 + 11) % 256 for i in range(3000))
    ctx = Context(now=NOW)
    items = ical.extract(cut + garbage, ctx)
    assert [i["title"] for i in items][:6] == [f"Meetup {i}" for i in range(6)]
    text = " | ".join(ctx.problems)
    assert "truncated" in text and "garbage" in text, ctx.problems


def test_lossy_utf8_text_is_kept_and_not_called_garbage() -> None:
    """Bytes replaced by '?' in multi-byte text (a real exporter's lossy transcoding) are text."""
    ctx = Context(now=NOW)
    body = cal("BEGIN:VEVENT\r\nUID:jp@test\r\nDTSTART;VALUE=DATE:20260325\r\nSUMMARY:Expo\r\n"
               "LOCATION:\u540d?\u5c4b\r\nEND:VEVENT")
    items = ical.extract(body.replace("\u540d".encode(), b"\xe5??"), ctx)
    assert items[0]["title"] == "Expo" and "\u5c4b" in str(items[0].get("location_text") or items[0].get("venue"))
    assert ctx.problems == []


def test_floating_times_take_the_sources_zone_not_utc():
    """A feed's floating 18:00 (no TZID, no Z) is 18:00 where the source is: in its configured
    zone, DST included, for the listing and every occurrence; stamping UTC would move it by hours."""
    body = cal(ev("fl", "SUMMARY:Floating weekly", "DTSTART:20260303T180000", "DTEND:20260303T200000",
                  "RRULE:FREQ=WEEKLY;COUNT=3"))
    (rec,) = records(body, window=(dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 31)), tz="America/Chicago")
    assert rec["start"] == "2026-03-03T18:00:00-06:00" and rec["end"] == "2026-03-03T20:00:00-06:00"
    assert rec["timezone"] == "America/Chicago"
    assert [s for s, _ in rec["_occurrences"]] == ["2026-03-03T18:00:00-06:00", "2026-03-10T18:00:00-05:00",
                                                   "2026-03-17T18:00:00-05:00"]


def test_a_dtstart_off_its_own_rule_is_not_an_occurrence():
    """'2nd and 4th Tuesday' entered on a Thursday: the occurrences are the Tuesdays a person reads
    in the rule, not the Thursday the producer wrote as DTSTART."""
    body = cal(ev("tm", "SUMMARY:Toastmasters", "DTSTART;TZID=America/Chicago:20260305T190000",
                  "RRULE:FREQ=MONTHLY;BYDAY=2TU,4TU"), head=CHICAGO_TZ)
    (rec,) = records(body, window=(dt.datetime(2026, 3, 1), dt.datetime(2026, 4, 1)))
    starts = [s for s, _ in rec["_occurrences"]]
    assert starts == ["2026-03-10T19:00:00-05:00", "2026-03-24T19:00:00-05:00"]
    assert rec["next_start"] == "2026-03-10T19:00:00-05:00"
    in_sync = cal(ev("w", "SUMMARY:Weekly", "DTSTART;TZID=America/Chicago:20260303T080000",
                     "RRULE:FREQ=WEEKLY;COUNT=2"), head=CHICAGO_TZ)
    (rec,) = records(in_sync, window=(dt.datetime(2026, 3, 1), dt.datetime(2026, 4, 1)))
    assert [s for s, _ in rec["_occurrences"]] == ["2026-03-03T08:00:00-06:00", "2026-03-10T08:00:00-05:00"]


WINDOWS_TZ = """BEGIN:VTIMEZONE
TZID:W. Europe Standard Time
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE"""


@pytest.mark.parametrize("rule", ["FREQ=DAILY;COUNT=5;BYDAY=MO,TU,WE,TH,FR,", "FREQ=DAILY;COUNT=5;BYDAY=MO;TU;WE;TH;FR",
                                  "freq=daily;count=5;byday=MO, TU, WE, TH, FR;"])
def test_an_exchange_standup_with_a_mistyped_rule_and_a_windows_zone_expands(rule):
    """The weekday stand-up of an Exchange calendar: a Windows zone name and a BYDAY with a
    trailing comma, semicolons or spaces. Five weekday occurrences at 09:30 Berlin time."""
    body = cal(ev("s", "SUMMARY:Stand-up", "DTSTART;TZID=W. Europe Standard Time:20260302T093000",
                  "DTEND;TZID=W. Europe Standard Time:20260302T094500", f"RRULE:{rule}"), head=WINDOWS_TZ)
    (rec,) = records(body, window=(dt.datetime(2026, 3, 1), dt.datetime(2026, 4, 1)))
    assert [s for s, _ in rec["_occurrences"]] == [f"2026-03-0{d}T09:30:00+01:00" for d in range(2, 7)]
    assert rec["recurrence"] == "RRULE:FREQ=DAILY;COUNT=5;BYDAY=MO,TU,WE,TH,FR"
    assert rec["timezone"] == "Europe/Berlin"
