"""Cross-source duplicates (pipelines/dedupe.py): a labelled pair table, and one crawl end to end.

Titles, times and places are taken from real listings in ../shared/realworld (Meetup, The
Events Calendar, ChamberMaster, Songkick, do-it.org, Upcoming) and restated as another
source would list them.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from conftest import Site, serve, widen, write_sources

from pipelines.dedupe import find_canonical, is_duplicate

CHI = "America/Chicago"


def rec(source: str, title: str, start: str | None, **kw: Any) -> dict[str, Any]:
    base = {"id": f"{source}:{title}:{start}", "source": source, "title": title, "start": start,
            "kind": "networking_event" if start else "volunteer_role", "timezone": CHI}
    return {**base, **kw}


# (a, b, expected, why)
PAIRS: list[tuple[dict[str, Any], dict[str, Any], bool, str]] = [
    # --- the same opportunity -----------------------------------------------------------
    (rec("chamber", "Howard Street SSA #19 Commissioners Meeting", "2019-11-20T08:30:00-06:00", city="Chicago"),
     rec("eventbrite", "Howard Street SSA #19 Commissioners Meeting", "2019-11-20T08:30:00-06:00", city="Chicago"),
     True, "identical"),
    (rec("a", "Dagger with Spokane Tech", "2024-03-19T18:00:00-07:00", timezone="America/Los_Angeles"),
     rec("b", "Spokane Tech: Dagger with Spokane Tech 🚀", "2024-03-20T01:00:00+00:00", timezone="UTC"),
     True, "same instant in UTC, one title inside the other"),
    (rec("a", "ReactGirls & Jigx meetup", "2023-09-07T18:00:00+02:00", timezone="Europe/Prague"),
     rec("b", "[EN] ReactGirls & Jigx meetup", "2023-09-07T18:00:00+02:00", timezone="Europe/Prague"),
     True, "leading language tag"),
    (rec("a", "Cancelled: Real Estate Investors Roundtable", "2026-03-12T18:00:00-05:00", status="cancelled"),
     rec("b", "Real Estate Investors Roundtable", "2026-03-12T18:00:00-05:00"),
     True, "'Cancelled:' prefix, same event"),
    (rec("a", "POSTPONED - Winter Mixer: Black Professionals Network", "2026-02-20T17:30:00-06:00"),
     rec("b", "Black Professionals Network Winter Mixer", "2026-02-20T17:30:00-06:00"),
     True, "status prefix and reordered words"),
    (rec("a", "Networking Night: Latino Business Expo", "2026-03-19T17:00:00-05:00"),
     rec("b", "Latino Business Expo: Networking Night", "2026-03-19T17:00:00-05:00"),
     True, "reordered title"),
    (rec("a", "Phoenix Drupal User Group Monthly Meetup", "2011-11-09T19:00:00-07:00", timezone="America/Phoenix"),
     rec("b", "Phoenix Drupal User Group Monthly Meetup", "2011-11-09T19:00:00", timezone=None),
     True, "aware vs floating, same local wall clock"),
    (rec("a", "Ignite Portland", "2008-02-05T18:00:00", timezone=None),
     rec("b", "Ignite Portland", "2008-02-05T18:00:00-08:00", timezone="America/Los_Angeles"),
     True, "floating vs aware (other order)"),
    (rec("a", "SEMpdx Networking Event", "2008-07-16T17:30:00-07:00", timezone="America/Los_Angeles"),
     rec("b", "SEMpdx Networking Event", "2008-07-16T17:40:00-07:00", timezone="America/Los_Angeles"),
     True, "ten minutes apart (doors vs start)"),
    (rec("a", "OSCON", "2008-07-21"),
     rec("b", "OSCON", "2008-07-21T08:30:00-07:00", timezone="America/Los_Angeles"),
     True, "all-day vs timed on that date"),
    (rec("a", "CCLBA Finance Committee Meeting", "2019-09-20T08:30:00-05:00", organizer="Cook County Land Bank"),
     rec("b", "Finance Committee Meeting", "2019-09-20T08:30:00-05:00", organizer="Cook County Land Bank Authority"),
     True, "organizer prefix dropped, organizer names compatible"),
    (rec("a", "Budget Committee Meeting July 18, 2024", "2024-07-18T10:00:00-05:00"),
     rec("b", "Budget Committee Meeting: Jul 18 2024", "2024-07-18T15:00:00+00:00"),
     True, "same numbers, same instant"),
    (rec("a", "Social Media/Marketing Workshop", "2019-10-22T09:30:00", timezone=None, venue="North River Commission"),
     rec("b", "Social Media / Marketing Workshop", "2019-10-22T09:30:00-05:00", venue="North River Commission office"),
     True, "punctuation, venue subset"),
    (rec("a", "Age Uk Harrow - Trustee", None, kind="board_seat", organizer="Harrow Volunteer Centre"),
     rec("b", "Age UK Harrow – Trustee", None, kind="board_seat", organizer="Harrow Volunteer Centre"),
     True, "undated role, same organizer, same title"),
    (rec("a", "GDG Ann Arbor", None, kind="networking_group", url="https://gdg.community.dev/gdg-ann-arbor/"),
     rec("b", "GDG Ann Arbor | Google Developer Groups", None, kind="networking_group",
         url="https://gdg.community.dev/gdg-ann-arbor/"),
     True, "undated group, same canonical URL"),
    (rec("a", "Committee Member", None, url="https://seekvolunteer.example/opportunities"),
     rec("b", "Crew for House of Horrors Youth event", None, url="https://seekvolunteer.example/opportunities"),
     False, "two roles linking to one directory page"),
    (rec("a", "Years & Years", "2015-10-26T19:00:00+00:00", city="London", lat=51.5416, lon=-0.1464),
     rec("b", "Years and Years", "2015-10-26T19:00:00+00:00", city="London", lat=51.5390, lon=-0.1426),
     True, "'&' vs 'and', coordinates 0.4 km apart"),
    # --- not the same opportunity ------------------------------------------------------------
    (rec("a", "Maxïmo Park and His Clancyness", "2014-10-22"),
     rec("b", "Maxïmo Park and His Clancyness", "2014-10-23"),
     False, "series: consecutive nights"),
    (rec("a", "Python Users Group", "2007-10-09T19:00:00-07:00", url="https://x/pug"),
     rec("b", "Python Users Group", "2007-11-13T19:00:00-08:00", url="https://x/pug"),
     False, "monthly series sessions sharing one URL"),
    (rec("a", "Entrepreneurship Boot Camp Session 2, Marketing Plan", "2018-05-11T10:00:00-05:00"),
     rec("b", "Entrepreneurship Boot Camp Session 3, Marketing Plan", "2018-05-11T10:00:00-05:00"),
     False, "different session numbers at the same time"),
    (rec("a", "Ignite Portland 4", "2008-11-13T19:00:00-08:00"),
     rec("b", "Ignite Portland 5", "2008-11-13T19:00:00-08:00"),
     False, "numbered editions"),
    (rec("a", "Women in Tech Breakfast", "2026-03-06T07:30:00-06:00", city="Chicago"),
     rec("b", "Women in Tech Breakfast", "2026-03-06T07:30:00-06:00", city="Chicago Heights"),
     False, "same title, different city"),
    (rec("a", "Years & Years", "2015-10-27T19:00:00+00:00", city="Manchester"),
     rec("b", "Years & Years", "2015-10-27T19:00:00+00:00", city="Glasgow"),
     False, "tour: same title and time, different city"),
    (rec("a", "R-Ladies Meetup", "2026-05-05T18:00:00+02:00", timezone="Europe/Paris", country="FR"),
     rec("b", "R-Ladies Meetup", "2026-05-05T18:00:00+02:00", timezone="Europe/Madrid", country="ES"),
     False, "same title and instant, different country"),
    (rec("a", "Founders Coffee", "2026-03-03T08:00:00-06:00", lat=41.94, lon=-87.65),
     rec("b", "Founders Coffee", "2026-03-03T08:00:00-06:00", lat=41.88, lon=-88.31),
     False, "coordinates 30 km apart"),
    (rec("a", "Phoenix Drupal User Group Monthly Meetup", "2011-11-09T19:00:00-07:00", timezone="America/Phoenix"),
     {**rec("a", "Phoenix Drupal User Group Monthly Meetup", "2011-11-09T19:00:00", timezone=None), "id": "a:2"},
     False, "same source: two listings, not a cross-source duplicate"),
    (rec("a", "HPR Community News", "2013-08-03T19:00:00+00:00", timezone="UTC"),
     rec("b", "HPR Community News", "2013-08-03T19:00:00", timezone=None),
     True, "UTC listing and floating UTC wall clock"),
    (rec("a", "Ignite Portland", "2008-02-05T18:00:00-08:00", timezone="America/Los_Angeles"),
     rec("b", "Ignite Portland", "2008-02-05T18:00:00+00:00", timezone="UTC"),
     False, "same wall clock, instants 8 h apart"),
    (rec("a", "Ignite Portland", "2008-02-05T18:00:00", timezone=None),
     rec("b", "Ignite Portland", "2008-02-05T10:00:00-08:00", timezone="America/Los_Angeles"),
     False, "floating 18:00 vs 10:00 local"),
    (rec("a", "CCLBA Finance Committee Meeting", "2019-09-20T08:30:00-05:00"),
     rec("b", "CCLBA Data & Marketing Committee", "2019-09-20T08:30:00-05:00"),
     False, "different committees at the same hour"),
    (rec("a", "Executive Committee Meeting", "2024-05-14T08:30:00-05:00"),
     rec("b", "Allocations Committee Meeting", "2024-05-14T08:30:00-05:00"),
     False, "similar generic titles"),
    (rec("a", "Board Meeting", "2019-12-11T14:30:00-06:00", organizer="Public Building Commission"),
     rec("b", "Board Meeting", "2019-12-11T14:30:00-06:00", organizer="Housing Authority of Cook County"),
     False, "generic title, different organizers"),
    (rec("a", "Stock Room Volunteer", None, organizer="Barnardo's - Retail South", city="Harrow"),
     rec("b", "Stock Room Volunteer", None, organizer="Barnardo's - Retail South", city="Watford"),
     False, "same role at two shops"),
    (rec("a", "Stock Room Volunteer", None, organizer="Barnardo's - Retail South", city="Edgware",
         url="https://do-it.org/opportunities/14fc1faa"),
     rec("b", "Stock Room Volunteer", None, organizer="Barnardo's - Retail South", city="Edgware",
         url="https://do-it.org/opportunities/010fdf08"),
     False, "two adverts for one shop: two pages of one site"),
    (rec("a", "Stock Room Volunteer", None, organizer="Barnardo's - Retail South", city="Edgware",
         url="https://do-it.org/opportunities/14fc1faa"),
     rec("b", "Stock Room Volunteer", None, organizer="Barnardo's - Retail South", city="Edgware",
         url="https://do-it.org/opportunities/14fc1faa"),
     True, "one advert seen through two API versions"),
    (rec("a", "Trustee", None, kind="board_seat", organizer="Sudbury Neighbourhood Centre"),
     rec("b", "Trustee", None, kind="board_seat", organizer="The Patients Association"),
     False, "generic role title, different charities"),
    (rec("a", "Trustee", None, kind="board_seat"),
     rec("b", "Trustee", None, kind="board_seat"),
     False, "generic undated title and nothing else to go on"),
    (rec("a", "Networking Night", "2026-03-19T17:00:00-05:00"),
     rec("b", "Latino Business Expo: Networking Night", "2026-03-19T17:00:00-05:00"),
     False, "a two-word title inside another is not enough"),
    (rec("a", "Spring Mixer", "2026-05-05T18:00:00-05:00"),
     rec("b", "Spring Mixer", "2026-05-05T18:00:00-05:00", kind="volunteer_role"),
     False, "different kinds"),
    (rec("a", "Spring Mixer", "2026-05-05T18:00:00-05:00"),
     rec("b", "Spring Mixer", None),
     False, "dated vs undated"),
]


@pytest.mark.parametrize(("a", "b", "same", "why"), PAIRS, ids=[p[3] for p in PAIRS])
def test_pair(a: dict[str, Any], b: dict[str, Any], same: bool, why: str) -> None:
    assert is_duplicate(a, b) is same
    assert is_duplicate(b, a) is same  # symmetric


def test_canonical_is_never_the_record_itself() -> None:
    """Re-crawling the canonical finds its own duplicate among candidates: it must stay canonical."""
    a = rec("a", "Ignite Portland", "2008-02-05T18:00:00-08:00")
    b = {**rec("b", "Ignite Portland", "2008-02-05T18:00:00-08:00"), "duplicate_of": a["id"]}
    assert find_canonical(a, [b]) is None
    c = rec("c", "Ignite Portland", "2008-02-05T18:00:00-08:00")
    assert find_canonical(c, [b]) == a["id"]  # a third source links to the canonical, not to b


JSONLD = """<html><head><script type="application/ld+json">
{{"@context":"https://schema.org","@type":"Event","name":"Cancelled: Founders Breakfast Roundtable",
 "startDate":"2026-05-05T07:30:00-05:00","endDate":"2026-05-05T09:00:00-05:00","url":"{base}/events/breakfast",
 "location":{{"@type":"Place","name":"Lakeview Hall","address":{{"@type":"PostalAddress",
   "streetAddress":"1 Main St","addressLocality":"Chicago","addressRegion":"IL","addressCountry":"US"}}}}}}
</script></head><body></body></html>"""

ICS = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//test//EN\r
BEGIN:VEVENT\r
UID:breakfast-1@test\r
DTSTAMP:20260401T000000Z\r
DTSTART:20260505T123000Z\r
DTEND:20260505T140000Z\r
SUMMARY:Roundtable: Founders Breakfast\r
LOCATION:Lakeview Hall\\, 1 Main St\\, Chicago\\, IL\r
URL:{base}/cal/breakfast\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:breakfast-2@test\r
DTSTAMP:20260401T000000Z\r
DTSTART:20260512T123000Z\r
SUMMARY:Roundtable: Founders Breakfast\r
URL:{base}/cal/breakfast-2\r
END:VEVENT\r
END:VCALENDAR\r
"""


def test_two_sources_one_event_end_to_end(tmp_path: Path) -> None:
    """A JSON-LD page and an ICS feed list the same breakfast: one canonical, one duplicate, both URLs."""
    chamber, feed = Site(), Site()  # two sites: a chamber's page and a calendar service's feed
    chamber.routes["/robots.txt"] = feed.routes["/robots.txt"] = b""
    chamber.routes["/events/"] = lambda req: JSONLD.format(base=chamber.base)
    feed.routes["/cal.ics"] = lambda req: ICS.format(base=feed.base)
    with serve(chamber), serve(feed):
        cfg = write_sources(tmp_path / "s.yml", [
            {"slug": "chamber", "platform": "schemaorg", "url": chamber.url("/events/")},
            {"slug": "feed", "platform": "ical", "url": feed.url("/cal.ics")},
        ])
        db = tmp_path / "w.db"
        for _ in range(2):  # the second crawl must keep the links (and not make the canonical a duplicate)
            r = widen("crawl", "--db", str(db), "--config", str(cfg), env={"WIDEN_NOW": "2026-04-01T00:00:00+00:00"})
            assert r.returncode == 0, r.stderr[-3000:]
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT id, source, url, duplicate_of, start FROM opportunities ORDER BY start, source"
                            ).fetchall()
        links = conn.execute("SELECT opportunity_id, source, url FROM opportunity_links").fetchall()
    finally:
        conn.close()
    assert len(rows) == 3, rows
    same_day = [r for r in rows if r[4].startswith("2026-05-05")]
    canonical = [r for r in same_day if r[3] is None]
    dupes = [r for r in same_day if r[3] is not None]
    assert len(canonical) == 1 and len(dupes) == 1, same_day
    assert dupes[0][3] == canonical[0][0]
    assert {u for (o, _s, u) in links if o == canonical[0][0]} == {canonical[0][2], dupes[0][2]}
    assert {s for (o, s, _u) in links if o == canonical[0][0]} == {"chamber", "feed"}
    later = [r for r in rows if r[4].startswith("2026-05-12")]
    assert later[0][3] is None  # the next session of the series stays its own record
