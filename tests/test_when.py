"""Dates and times as event pages print them -> instants (pipelines/when.py).

Rows come from the real listings in ../shared/realworld (tribe lists, Meetup, Eventbrite,
Reservix, chamber calendars, IDPH, Upcoming) and public event pages; each names the reference
time (the crawl) and the place's zone, and each can fail on its own.
"""

from __future__ import annotations

import datetime as dt

import pytest

from pipelines import when

CHI, BER, PRG, LA, LON, NZ = ("America/Chicago", "Europe/Berlin", "Europe/Prague", "America/Los_Angeles",
                              "Europe/London", "Pacific/Auckland")
N17 = "2017-08-29T12:00:00+00:00"  # tribe list saved 2017-08-29
N19 = "2019-09-15T12:00:00+00:00"
N22 = "2022-01-12T12:00:00+00:00"
N25 = "2025-12-01T12:00:00+00:00"

# (printed text, reference time, zone, date order, expected start, expected end)
ROWS = [
    # The Events Calendar list views (year-less, "@", "CST" printed all summer)
    ("September 4", N17, CHI, "MDY", "2017-09-04", None),
    ("September 4 @ 5:00 pm - 7:00 pm CST", N17, CHI, "MDY", "2017-09-04T17:00:00-05:00", "2017-09-04T19:00:00-05:00"),
    ("September 5 @ 6:30 pm - 7:30 pm CST", N17, CHI, "MDY", "2017-09-05T18:30:00-05:00", "2017-09-05T19:30:00-05:00"),
    ("October 1 @ 7:00 pm - 9:00 pm", "2019-10-19T00:00:00+00:00", CHI, "MDY", "2019-10-01T19:00:00-05:00",
     "2019-10-01T21:00:00-05:00"),
    ("October 22 @ 9:30 am - 11:00 am", "2019-10-19T00:00:00+00:00", CHI, "MDY", "2019-10-22T09:30:00-05:00",
     "2019-10-22T11:00:00-05:00"),
    ("December 5 @ 6:00 pm - 8:00 pm", N25, CHI, "MDY", "2025-12-05T18:00:00-06:00", "2025-12-05T20:00:00-06:00"),
    ("November 19, 2019 @ 9:00 am - 10:00 am", N19, CHI, "MDY", "2019-11-19T09:00:00-06:00", "2019-11-19T10:00:00-06:00"),
    ("May 11, 2018 @ 10:00 am - 12:00 pm", N19, CHI, "MDY", "2018-05-11T10:00:00-05:00", "2018-05-11T12:00:00-05:00"),
    ("October 5 @ 8:00 am - October 7 @ 5:00 pm", N19, CHI, "MDY", "2019-10-05T08:00:00-05:00",
     "2019-10-07T17:00:00-05:00"),
    ("March 7 @ 8:00 am - 5:00 pm", "2026-03-01T00:00:00+00:00", CHI, "MDY", "2026-03-07T08:00:00-06:00",
     "2026-03-07T17:00:00-06:00"),
    ("March 9 @ 8:00 am - 5:00 pm", "2026-03-01T00:00:00+00:00", CHI, "MDY", "2026-03-09T08:00:00-05:00",
     "2026-03-09T17:00:00-05:00"),  # the day after the US DST change
    # ranges with a borrowed am/pm
    ("Thursday, January 8th from 5:30-7:30pm", N25, CHI, "MDY", "2026-01-08T17:30:00-06:00", "2026-01-08T19:30:00-06:00"),
    ("Jan 8, 2026, 6-8pm", N25, CHI, "MDY", "2026-01-08T18:00:00-06:00", "2026-01-08T20:00:00-06:00"),
    ("January 8, 2026 11-1pm", N25, CHI, "MDY", "2026-01-08T11:00:00-06:00", "2026-01-08T13:00:00-06:00"),
    ("Friday, January 9, 2026, 7:30 – 9 a.m.", N25, CHI, "MDY", "2026-01-09T07:30:00-06:00", "2026-01-09T09:00:00-06:00"),
    ("Saturday, January 10, 2026 9pm - 1am", N25, CHI, "MDY", "2026-01-10T21:00:00-06:00", "2026-01-11T01:00:00-06:00"),
    ("Jan 10, 2026 noon - 2pm", N25, CHI, "MDY", "2026-01-10T12:00:00-06:00", "2026-01-10T14:00:00-06:00"),
    ("Jan 10, 2026 at noon", N25, CHI, "MDY", "2026-01-10T12:00:00-06:00", None),
    ("6-8pm", N25, CHI, "MDY", "2025-12-01T18:00:00-06:00", "2025-12-01T20:00:00-06:00"),
    # relative dates against the crawl time (local day of the place)
    ("Tomorrow at 7pm", N25, CHI, "MDY", "2025-12-02T19:00:00-06:00", None),
    ("Today 6:30 PM", N25, CHI, "MDY", "2025-12-01T18:30:00-06:00", None),
    ("Tonight at 8 pm", N25, CHI, "MDY", "2025-12-01T20:00:00-06:00", None),
    # weekday must agree with the date: the year is chosen so it does
    ("Thursday, January 8th 5:30pm", N25, CHI, "MDY", "2026-01-08T17:30:00-06:00", None),
    ("Friday, January 9 at 7pm", N25, CHI, "MDY", "2026-01-09T19:00:00-06:00", None),
    ("Tue, Jan 5 6:00 PM", N19, CHI, "MDY", "2021-01-05T18:00:00-06:00", None),
    # Meetup
    ("Tuesday, March 19, 2024 6:00 PM to 7:30 PM PDT", "2024-03-19T00:00:00+00:00", LA, "MDY",
     "2024-03-19T18:00:00-07:00", "2024-03-19T19:30:00-07:00"),
    ("Thu, Sep 7, 2023, 6:00 PM CEST", "2023-08-31T00:00:00+00:00", PRG, "DMY", "2023-09-07T18:00:00+02:00", None),
    ("Donnerstag, 20. Januar 2022 19:00 bis 20:30 CEST", N22, BER, "DMY", "2022-01-20T19:00:00+01:00",
     "2022-01-20T20:30:00+01:00"),  # CEST in January is a typo: the place decides
    # German / Czech pages
    ("Fr., 11.03.2022, 11:00 Uhr – So., 13.03.2022, 16:00 Uhr MEZ", N22, BER, "DMY", "2022-03-11T11:00:00+01:00",
     "2022-03-13T16:00:00+01:00"),
    ("Freitag 14.01.2022 um 20:00 Uhr", N22, BER, "DMY", "2022-01-14T20:00:00+01:00", None),
    ("Samstag, 10.07.2021 11:00 bis 18:00 Uhr", N22, BER, "DMY", "2021-07-10T11:00:00+02:00", "2021-07-10T18:00:00+02:00"),
    ("Sa, 12. März 2022, 14:00 Uhr", N22, BER, "DMY", "2022-03-12T14:00:00+01:00", None),
    ("27. März 2022 10:00", N22, BER, "DMY", "2022-03-27T10:00:00+02:00", None),  # after EU DST change
    ("čtvrtek 7. září 2023 18:00", "2023-08-31T00:00:00+00:00", PRG, "DMY", "2023-09-07T18:00:00+02:00", None),
    ("7. září 2023 18:00 - 20:00", "2023-08-31T00:00:00+00:00", PRG, "DMY", "2023-09-07T18:00:00+02:00",
     "2023-09-07T20:00:00+02:00"),
    # chamber / agency calendars
    ("November 20, 2019 / 8:30 AM - 10:00 AM CST", N19, CHI, "MDY", "2019-11-20T08:30:00-06:00",
     "2019-11-20T10:00:00-06:00"),
    ("September 16, 2019 2:30 PM - 4:30 PM CDT", N19, CHI, "MDY", "2019-09-16T14:30:00-05:00", "2019-09-16T16:30:00-05:00"),
    ("August 23, 2017 - 8:00am to August 25, 2017 - 4:30pm", N17, CHI, "MDY", "2017-08-23T08:00:00-05:00",
     "2017-08-25T16:30:00-05:00"),
    ("August 17, 2017 - 10:00am to 12:00pm", N17, CHI, "MDY", "2017-08-17T10:00:00-05:00", "2017-08-17T12:00:00-05:00"),
    ("18 sep 10:00 am 11:00 am", N19, CHI, "MDY", "2019-09-18T10:00:00-05:00", "2019-09-18T11:00:00-05:00"),
    ("11 oct 10:00 am", N19, CHI, "MDY", "2019-10-11T10:00:00-05:00", None),
    ("April 17, 2019", N19, CHI, "MDY", "2019-04-17", None),
    ("Thursday November 13, 2008 from 7:00pm - 9:00pm", "2008-11-08T00:00:00+00:00", LA, "MDY",
     "2008-11-13T19:00:00-08:00", "2008-11-13T21:00:00-08:00"),
    ("Thursday February 19, 2009 at 7:00pm", "2008-12-08T00:00:00+00:00", LA, "MDY", "2009-02-19T19:00:00-08:00", None),
    # numeric dates: the country decides the order
    ("5/12/2026 6pm", N25, CHI, "MDY", "2026-05-12T18:00:00-05:00", None),
    ("5/12/2026 18:00", N25, LON, "DMY", "2026-12-05T18:00:00+00:00", None),
    ("25/12/2025 10:00", N25, LON, "MDY", "2025-12-25T10:00:00+00:00", None),  # 25 cannot be a month
    ("12/1/2023 13:00", N25, CHI, "MDY", "2023-12-01T13:00:00-06:00", None),
    # day-first English (UK/NZ pages, songkick)
    ("Saturday 31 October 2015", "2015-10-26T00:00:00+00:00", LON, "DMY", "2015-10-31", None),
    ("Friday 20 February 2015 – Sunday 22 February 2015", "2015-10-26T00:00:00+00:00", LON, "DMY", "2015-02-20",
     "2015-02-22"),
    ("Saturday 7th October", "2017-10-19T00:00:00+00:00", NZ, "DMY", "2017-10-07", None),
    ("12 June 2014 – 15 June 2014", "2015-10-26T00:00:00+00:00", LON, "DMY", "2014-06-12", "2014-06-15"),
    ("Sat, 10 Oct 2015 19:00", "2015-10-26T00:00:00+00:00", LON, "DMY", "2015-10-10T19:00:00+01:00", None),
    # year-less ranges across a year end
    ("Dec 30 - Jan 2", N25, CHI, "MDY", "2025-12-30", "2026-01-02"),
    ("December 5 - 7", N25, CHI, "MDY", "2025-12-05", "2025-12-07"),
    # ISO and its sloppy cousins (fast path)
    ("2019-10-01T19:00:00+00:00", N19, None, "MDY", "2019-10-01T19:00:00+00:00", None),
    ("2015-10-31T19:30:00-0400", N19, None, "MDY", "2015-10-31T19:30:00-04:00", None),
    ("2023-09-07T16:00:00Z", N19, PRG, "MDY", "2023-09-07T18:00:00+02:00", None),
    ("2019-11-20T08:30", N19, CHI, "MDY", "2019-11-20T08:30:00-06:00", None),
    ("2019-11-20", N19, CHI, "MDY", "2019-11-20", None),
    ("20081113T190000", N19, LA, "MDY", "2008-11-13T19:00:00-08:00", None),
    ("20200416T000000Z", N19, None, "MDY", "2020-04-16T00:00:00+00:00", None),
    # floating when no zone is known; a printed abbreviation names the zone
    ("March 3, 2026 at 8:00 am", N25, None, "MDY", "2026-03-03T08:00:00", None),
    ("March 3, 2026 at 8:00 am EST", N25, None, "MDY", "2026-03-03T08:00:00-05:00", None),
    ("July 3, 2026 at 8:00 am EST", N25, None, "MDY", "2026-07-03T08:00:00-04:00", None),  # the zone, not -05:00
    # dateparser fallback (words the grammar does not know)
    ("in 2 days", N25, None, "MDY", "2025-12-03", None),
]


@pytest.mark.parametrize(("text", "now", "tz", "order", "want_start", "want_end"), ROWS,
                         ids=[r[0][:40] for r in ROWS])
def test_printed_times(text, now, tz, order, want_start, want_end):
    start, end = when.parse_range(text, tz=tz, now=dt.datetime.fromisoformat(now), date_order=order,
                                  languages=("de", "cs", "en"))
    assert (start.iso() if start else None) == want_start
    assert (end.iso() if end else None) == want_end


def test_at_least_sixty_labelled_rows():
    assert len(ROWS) >= 60


@pytest.mark.parametrize("text", ["", "   ", "TBA", "Every 2nd Tuesday", "3 - 5", "Needs location"])
def test_unreadable_text_is_none(text):
    start, _ = when.parse_range(text, tz=CHI, now=dt.datetime(2025, 12, 1, tzinfo=dt.UTC))
    assert start is None


def test_windows_zone_names_map_to_iana():
    assert when.zone_name("Eastern Standard Time") == "America/New_York"
    assert when.zone_name("W. Europe Standard Time") == "Europe/Berlin"
    assert when.zone_name("Not/AZone") is None


def test_dst_both_sides_of_a_change():
    before = when.parse("2026-03-07T19:00:00", tz=CHI)
    after = when.parse("2026-03-09T19:00:00", tz=CHI)
    assert before.iso().endswith("-06:00") and after.iso().endswith("-05:00")


def test_results_are_cached():
    when._parse_cached.cache_clear()
    now = dt.datetime(2025, 12, 1, tzinfo=dt.UTC)
    when.parse_range("December 5 @ 6:00 pm - 8:00 pm", tz=CHI, now=now)
    when.parse_range("December 5 @ 6:00 pm - 8:00 pm", tz=CHI, now=now)
    assert when._parse_cached.cache_info().hits >= 1
