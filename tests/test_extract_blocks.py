"""Listings from pages without structured data that repeat one block per event
(crawlers/extract/html_blocks.py), and pages that must give none."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from crawlers.extract import Context, extract

NOW = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
UNMAPPED = Path(__file__).resolve().parents[2] / "shared" / "realworld" / "unmapped" / "html"


def page(body: str, lang: str = "en") -> bytes:
    return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>Page</title></head>'
            f'<body>{body}</body></html>').encode()


def run(body: bytes) -> list[dict]:
    return extract(body, "https://club.example/termine/", "text/html", Context(url="https://club.example/termine/", now=NOW))


def test_council_meeting_list_with_calendar_leaves_and_time_ranges() -> None:
    rows = "".join(
        f'<article class="meeting"><div class="date"><span>Mar</span><span>{d}</span></div>'
        f'<h4><a href="/meeting/{d}">Planning Committee Meeting – 3/{d}/2026</a></h4>'
        f'<p class="time">6:00 p.m. - 7:30 p.m.</p><a href="/agenda-{d}.pdf">Agenda - 3/{d}/2026</a></article>'
        for d in (10, 17, 24))
    got = run(page(f"<main><h1>Upcoming meetings</h1><div class='list'>{rows}</div></main>"))
    assert [g["title"] for g in got] == [f"Planning Committee Meeting – 3/{d}/2026" for d in (10, 17, 24)]
    assert [(g["start"], g.get("end")) for g in got] == [
        (f"2026-03-{d}T18:00:00", f"2026-03-{d}T19:30:00") for d in (10, 17, 24)]
    assert got[0]["url"] == "https://club.example/meeting/10"


def test_german_termine_page_without_links() -> None:
    rows = "".join(f'<div class="termin"><h3>{t}</h3><p>Donnerstag, {d}. März 2026, 19 Uhr, Gasthaus Krone</p></div>'
                   for t, d in (("Stammtisch", 12), ("Vortrag: Ehrenamt im Verein", 19), ("Mitgliederversammlung", 26)))
    got = run(page(f"<h1>Termine</h1>{rows}", lang="de"))
    assert [(g["title"], g["start"]) for g in got] == [
        ("Stammtisch", "2026-03-12T19:00:00"), ("Vortrag: Ehrenamt im Verein", "2026-03-19T19:00:00"),
        ("Mitgliederversammlung", "2026-03-26T19:00:00")]


def test_tour_dates_without_a_year_take_the_coming_one() -> None:
    rows = "".join(f'<li><a href="/t/{i}">Live in {city}</a> {day}, 20:00</li>'
                   for i, (city, day) in enumerate((("Berlin", "14. September"), ("Hamburg", "2. Oktober"),
                                                    ("Köln", "5. Januar"))))
    september = dt.datetime(2026, 9, 1, tzinfo=dt.UTC)
    got = extract(page(f"<h2>Tour</h2><ul class='dates'>{rows}</ul>", lang="de"), "https://band.example/", "text/html",
                  Context(url="https://band.example/", now=september))
    assert [g["start"] for g in got] == ["2026-09-14T20:00:00", "2026-10-02T20:00:00", "2027-01-05T20:00:00"]


@pytest.mark.parametrize("body", [
    # a news index: dated posts, no clock times, no event words
    "".join(f'<article class="post"><h2><a href="/p/{i}">Our garden grew {i} new plants</a></h2>'
            f'<p>Posted March {i}, 2026 by Sam</p></article>' for i in range(1, 6)),
    # the same without "Posted": still no times and no event words
    "".join(f'<article class="post"><h2><a href="/p/{i}">Thoughts on compost, part {i}</a></h2>'
            f'<p>March {i}, 2026</p></article>' for i in range(1, 6)),
    # an article that mentions a date
    "<article><h1>New library hours</h1><p>From March 3, 2026 the library opens at 9:00 a.m.</p>"
    "<p>Thanks to everyone who wrote in.</p><p>See the <a href='/hours'>full hours</a>.</p></article>",
    # a listing index without dates
    "<ul class='events'>" + "".join(f"<li><a href='/e/{i}'>Community meeting number {i}</a></li>" for i in range(6))
    + "</ul>",
], ids=["news-index", "dated-posts", "article", "index-without-dates"])
def test_pages_that_are_not_event_lists_give_nothing(body: str) -> None:
    assert run(page(body)) == []


@pytest.mark.skipif(not UNMAPPED.is_dir(), reason="../shared/realworld/unmapped is not present on this machine")
def test_real_meeting_list_without_structured_data() -> None:
    for line in (UNMAPPED / "truth.jsonl").read_text(encoding="utf-8").splitlines():
        truth = json.loads(line)
        got = extract((UNMAPPED / truth["file"]).read_bytes(), "", "text/html",
                      Context(url="https://gorgecommission.org/", now=dt.datetime(2026, 4, 1, tzinfo=dt.UTC)))
        assert len(got) == truth["expected_count"]
        starts = {(g["title"], g["start"]) for g in got}
        assert {(i["title"], i["start"]) for i in truth["items"]} <= starts


def test_volunteer_role_detail_page_without_structured_data() -> None:
    body = page('<nav><a href="/">Home</a><a href="/volunteer">Volunteer</a></nav><main>'
                '<h1>Food Pantry Shift Volunteer</h1><p>Organization: Eastside Food Bank</p>'
                '<p>Location: 12 Elm St, Springfield, IL 62701</p>'
                '<p>Help sort donations and pack boxes for families in need. Shifts are three hours on '
                'weekday mornings; no experience needed, training provided.</p>'
                '<a class="button" href="/signup/42">Volunteer now</a></main>')
    (item,) = run(body)
    assert item["title"] == "Food Pantry Shift Volunteer" and item["kind"] == "volunteer_role"
    assert item["organizer"] == "Eastside Food Bank" and "Springfield" in item["location_text"]
    assert item["description"].startswith("Help sort donations") and "start" not in item


def test_library_meeting_detail_page_with_its_date_in_prose() -> None:
    body = page("<main><h1>Friends of the Library Board Meeting</h1>"
                "<p>The board meets on Tuesday, March 17, 2026 at 6:30 p.m. in the Community Room of the "
                "Main Library. The public is welcome; the agenda is posted a week before.</p></main>")
    (item,) = run(body)
    assert (item["title"], item["start"]) == ("Friends of the Library Board Meeting", "2026-03-17T18:30:00")


@pytest.mark.parametrize("body", [
    "<main><h1>City budget passes</h1><p>Posted March 3, 2026 at 4:00 p.m.</p>"
    "<p>The council approved the budget after a long debate about parks and roads.</p></main>",
    "<main><h1>Boil water advisory lifted</h1><p>As of March 3, 2026 at 9:00 a.m. the advisory for the "
    "north side is lifted.</p></main>",
    "<main><h1>About our company</h1><p>We build software for logistics firms since 2009.</p>"
    "<a href='/jobs'>Join us</a></main>",
], ids=["news-article", "advisory", "company-page"])
def test_detail_pages_that_are_not_listings_give_nothing(body: str) -> None:
    assert run(page(body)) == []


def _meetings(title: str, names: list[str]) -> bytes:
    rows = "".join(
        f'<article class="meeting"><div class="date"><span>Mar</span><span>{d}</span></div>'
        f'<h4><a href="/meeting/{d}">{n} – 3/{d}/2026</a></h4><p class="time">6:00 p.m. - 7:30 p.m.</p></article>'
        for d, n in zip((10, 17, 24, 31), names, strict=True))
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>'
            f'<body><main><h1>Upcoming meetings</h1><div class="list">{rows}</div></main></body></html>').encode()


def test_an_organisations_own_meetings_name_it_as_their_organizer() -> None:
    """Titles that carry the site's name or its initials are the site's own meetings."""
    got = run(_meetings("Upcoming Meetings – Lakeview Housing Commission", [
        "Lakeview Housing Commission Finance Committee", "Monthly LHC Meeting", "Lakeview Housing Commission Board",
        "Tenant Advisory Forum"]))
    assert [g.get("organizer") for g in got] == ["Lakeview Housing Commission"] * 4


def test_a_calendar_of_other_peoples_events_names_no_organizer() -> None:
    got = run(_meetings("Community Calendar | Lakeview Chamber of Commerce", [
        "Rotary Club Lunch", "Women in Business Mixer", "Lakeview Library Book Sale", "Chamber Ribbon Cutting"]))
    assert len(got) == 4 and not any(g.get("organizer") for g in got)


@pytest.mark.skipif(not UNMAPPED.is_dir(), reason="../shared/realworld/unmapped is not present on this machine")
def test_a_real_commissions_meetings_page_names_the_commission() -> None:
    name = "columbia-gorge-commission__upcoming-meetings-2026.html"
    truth = next(json.loads(line) for line in (UNMAPPED / "truth.jsonl").read_text(encoding="utf-8").splitlines()
                 if name in line)
    got = {g["title"]: g for g in run((UNMAPPED / name).read_bytes())}
    for item in truth["items"]:
        assert got[item["title"]].get("organizer") == item["organizer"], item["title"]
