"""HTML extraction (crawlers/extract/html_page.py and the html_* platform modules).

Small pages written here, each shaped like the platform markup met in ../shared/realworld:
JSON-LD (arrays, @graph, broken JSON), microdata, hCalendar, The Events Calendar list and
month views, Drupal date views, Meetup's embedded state, volunteer listing pages and bare
date lists. Extraction runs through `widen extract`'s own functions (extract + normalize).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from crawlers.extract import Context, extract
from pipelines.normalize import SourceContext, normalize

NOW = dt.datetime(2019, 10, 19, tzinfo=dt.UTC)


def run(html: str, tz: str | None = "America/Chicago", url: str = "", now: dt.datetime = NOW) -> list[dict]:
    raws = extract(html.encode(), url, "text/html", Context(url=url, now=now, tz=tz))
    return [normalize(r, SourceContext(now=now, tz=tz, source_url=url or None)) for r in raws]


def page(body: str, head: str = "", lang: str = "en") -> str:
    return f'<!doctype html><html lang="{lang}"><head><title>t</title>{head}</head><body>{body}</body></html>'


def jsonld(obj: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(obj)}</script>'


EVENT = {"@context": "https://schema.org", "@type": "BusinessEvent", "name": "Founders Coffee",
         "startDate": "2019-11-05T08:00:00-06:00", "endDate": "2019-11-05T09:00:00-06:00",
         "url": "https://ex.org/events/founders-coffee/?utm_source=x",
         "location": {"@type": "Place", "name": "Cafe Ola", "address": {
             "@type": "PostalAddress", "streetAddress": "12 Main St", "addressLocality": "Chicago",
             "addressRegion": "Illinois", "addressCountry": "USA"}},
         "organizer": {"@type": "Organization", "name": "Founders Chicago"}}


def test_jsonld_event_fields():
    (r,) = run(page("<p>hi</p>", jsonld(EVENT)))
    assert (r["title"], r["start"], r["end"]) == ("Founders Coffee", "2019-11-05T08:00:00-06:00",
                                                  "2019-11-05T09:00:00-06:00")
    assert (r["venue"], r["city"], r["region"], r["country"]) == ("Cafe Ola", "Chicago", "IL", "US")
    assert r["url"] == "https://ex.org/events/founders-coffee/" and r["organizer"] == "Founders Chicago"


def test_jsonld_graph_arrays_and_broken_json():
    graph = {"@context": "https://schema.org", "@graph": [{"@type": "WebPage", "name": "x"},
                                                         {**EVENT, "name": "A", "url": "https://ex.org/a"}]}
    broken = '<script type="application/ld+json">{"@type": "Event", "name": "B", "startDate": "2019-11-06",}</script>'
    recs = run(page("", jsonld(graph) + jsonld([{**EVENT, "name": "C", "url": "https://ex.org/c"}]) + broken))
    assert sorted(r["title"] for r in recs) == ["A", "B", "C"]


def test_virtual_location_is_online():
    ev = {**EVENT, "location": {"@type": "VirtualLocation", "url": "https://zoom.us/j/1"},
          "eventAttendanceMode": "https://schema.org/OnlineEventAttendanceMode"}
    (r,) = run(page("", jsonld(ev)))
    assert r["online"] is True and r["attendance"] == "online"


def test_wrong_utc_offset_loses_to_visible_tribe_time():
    """WordPress sites publishing Chicago wall-clock times with +00:00: the month tooltip wins."""
    ev = {**EVENT, "name": "Economic Development Meeting", "url": "https://nrc.org/event/econ/",
          "startDate": "2019-10-01T19:00:00+00:00", "endDate": "2019-10-01T21:00:00+00:00"}
    tip = json.dumps({"eventId": "1660-2019-10-01", "title": "Economic Development Meeting",
                      "permalink": "https://nrc.org/event/econ/", "dateDisplay": "October 1 @ 7:00 pm - 9:00 pm"})
    body = f"<div class='tribe-events-month'><div data-tribejson='{tip}'>x</div></div>"
    (r,) = run(page(body, jsonld(ev)))
    assert (r["start"], r["end"]) == ("2019-10-01T19:00:00-05:00", "2019-10-01T21:00:00-05:00")


def test_tribe_list_without_structured_data():
    row = """<div class="type-tribe_events post-{n} tribe-clearfix">
      <h2 class="tribe-events-list-event-title"><a class="tribe-event-url" href="/event/{slug}/">{title}</a></h2>
      <div class="tribe-event-schedule-details"><span class="tribe-event-date-start">{when}</span>
      <span class="timezone"> CST </span></div>
      <div class="tribe-events-venue-details">{venue}</div></div>"""
    body = "".join(row.format(n=i, slug=s, title=t, when=w, venue=v) for i, (s, t, w, v) in enumerate([
        ("closed", "Office Closed for Labor Day", "September 4", ""),
        ("caps", "CAPS 1913", "September 5 @ 6:30 pm</span> - <span class='tribe-event-time'>7:30 pm",
         "Courtenay Language Arts Center, 4420 N Beacon St, Chicago, IL 60640, United States"),
    ]))
    recs = run(page(body), url="http://www.james46.org/events/", now=dt.datetime(2017, 8, 29, tzinfo=dt.UTC))
    assert [(r["title"], r["start"], r["end"]) for r in recs] == [
        ("Office Closed for Labor Day", "2017-09-04", None),
        ("CAPS 1913", "2017-09-05T18:30:00-05:00", "2017-09-05T19:30:00-05:00"),
    ]
    assert recs[1]["url"] == "http://www.james46.org/event/caps/"
    assert (recs[1]["venue"], recs[1]["city"], recs[1]["region"]) == ("Courtenay Language Arts Center", "Chicago", "IL")


def test_microdata_and_malformed_jsonld_merge():
    """EventON: malformed JSON-LD dates, readable microdata for the same event: one listing, good time."""
    body = """<div itemscope itemtype="http://schema.org/Event"><span itemprop="name">Land Committee</span>
      <meta itemprop="startDate" content="2019-9-18T10:00"><meta itemprop="endDate" content="2019-9-18T11:00">
      <script type="application/ld+json">{"@context": "http://schema.org", "@type": "Event",
        "name": "Land Committee", "startDate": "2019-9-18T10-10-00-00"}</script></div>"""
    (r,) = run(page(body))
    assert r["start"] == "2019-09-18T10:00:00-05:00" and r["end"] == "2019-09-18T11:00:00-05:00"


def test_hcalendar():
    body = """<div class="vevent"><h1 class="summary">Ignite Portland 4</h1>
      <abbr class="dtstart" title="20081113T190000">Thursday November 13, 2008</abbr> from 7:00pm -
      <abbr class="dtend" title="20081113T210000">9:00pm</abbr>
      <div class="location vcard"><span class="fn org">Bagdad Theater</span>
        <div class="adr"><span class="street-address">3702 SE Hawthorne</span>
        <span class="locality">Portland</span>, <span class="region">Oregon</span></div></div></div>"""
    (r,) = run(page(body), tz="America/Los_Angeles")
    assert (r["start"], r["end"]) == ("2008-11-13T19:00:00-08:00", "2008-11-13T21:00:00-08:00")
    assert (r["venue"], r["city"], r["region"], r["country"]) == ("Bagdad Theater", "Portland", "OR", "US")


def test_drupal_date_views_rows():
    row = """<tr><td><span class="date-display-start" property="dc:date" content="{s}">x</span>
      <span class="date-display-end" property="dc:date" content="{e}">y</span></td>
      <td class="views-field views-field-title"><div class="eventtitle">{t}</div>
      <div class="event_description"><a href="/agenda.pdf">Meeting Agenda</a></div></td></tr>"""
    body = '<div class="view-content"><table>' + "".join(row.format(s=s, e=e, t=t) for s, e, t in [
        ("2017-08-17T10:00:00-05:00", "2017-08-17T12:00:00-05:00", "Advisory Board Meeting"),
        ("2017-08-23T08:00:00-05:00", "2017-08-25T16:30:00-05:00", "Life Safety Code Seminar")]) + "</table></div>"
    recs = run(page(body))
    assert [(r["title"], r["end"]) for r in recs] == [("Advisory Board Meeting", "2017-08-17T12:00:00-05:00"),
                                                      ("Life Safety Code Seminar", "2017-08-25T16:30:00-05:00")]


def test_meetup_embedded_state():
    state = {"props": {"pageProps": {"__APOLLO_STATE__": {
        "Group:1": {"name": "ReactGirls", "timezone": "Europe/Prague"},
        "Venue:9": {"name": "Pipedrive", "address": "Pernerova 697/35", "city": "Praha-Praha 8", "country": "cz"},
        "Event:1": {"id": "1", "title": "ReactGirls & Jigx meetup", "eventUrl": "https://www.meetup.com/rg/events/1/",
                    "dateTime": "2023-09-07T18:00:00+02:00", "endTime": "2023-09-07T20:00:00+02:00",
                    "venue": {"__ref": "Venue:9"}, "group": {"__ref": "Group:1"}, "status": "ACTIVE"},
        "Event:2": {"id": "2", "title": "Old meetup", "dateTime": "2023-06-01T18:00:00+02:00", "status": "PAST"},
    }}}}
    body = f'<script id="__NEXT_DATA__" type="application/json">{json.dumps(state)}</script>'
    head = '<link rel="canonical" href="https://www.meetup.com/rg/events/series-id/">'
    (r,) = run(page(body, head), tz=None, now=dt.datetime(2023, 8, 31, tzinfo=dt.UTC))
    assert (r["title"], r["start"], r["timezone"]) == ("ReactGirls & Jigx meetup", "2023-09-07T18:00:00+02:00",
                                                       "Europe/Prague")
    assert (r["venue"], r["city"], r["country"], r["organizer"]) == ("Pipedrive", "Praha-Praha 8", "CZ", "ReactGirls")
    assert r["url"] == "https://www.meetup.com/rg/events/1/"  # the occurrence, not the series canonical


def test_volunteer_listing_page_and_its_negative():
    block = """<li class="result-block row"><header><h2><a href="/volunteering/{n}/{slug}">{t}</a></h2>
      <p class="byline"><em>for</em> <strong>{org}</strong></p></header><p>Help us.</p>
      <div class="snapshot"><i class="icon-location"></i>{where}<br></div></li>"""
    rows = [(1, "marketing", "Marketing Coordinator", "West Auckland Academic Mentoring", "Auckland"),
            (2, "raffle", "Raffle coordinator", "Head Injury Society", "Southland"),
            (3, "committee", "Committee Member", "Volunteering Bay of Plenty", "Bay Of Plenty")]
    body = "<ul>" + "".join(block.format(n=n, slug=s, t=t, org=o, where=w) for n, s, t, o, w in rows) + "</ul>"
    recs = run(page(body), tz="Pacific/Auckland", url="https://seekvolunteer.co.nz/volunteering")
    assert [(r["title"], r["organizer"], r["region"], r["country"]) for r in recs] == [
        (t, o, w, "NZ") for _, _, t, o, w in rows]
    assert recs[0]["url"] == "https://seekvolunteer.co.nz/volunteering/1/marketing"
    assert all(r["start"] is None and r["commitment"] == "ongoing" for r in recs)
    profile = page('<h2><a href="/organisations/9">Other org</a></h2><a href="/volunteering?org=9">2 opportunities</a>')
    assert run(profile, tz="Pacific/Auckland") == []


def test_bare_date_list_under_a_heading():
    body = """<article><p><strong><u>Commissioner Meeting Dates:</u></strong></p>
      <p>April 17, 2019</p><p>June 5, 2019</p><p>Apply to be a commissioner today.</p><p>July 1, 2019</p></article>"""
    recs = run(page(body))
    assert [(r["title"], r["start"]) for r in recs] == [("Commissioner Meeting", "2019-04-17"),
                                                        ("Commissioner Meeting", "2019-06-05")]


@pytest.mark.parametrize("body", [b"", b"\x00\x01binary", b"<html><body><p>No events here.</p></body></html>",
                                  b"<html><script type='application/ld+json'>{not json</script></html>"])
def test_pages_without_listings_yield_nothing(body):
    assert extract(body, "", "text/html", Context(now=NOW)) == []


@pytest.mark.parametrize(("lang", "org_label", "venue_label"), [
    ("en", "Organized by", "Venue:"), ("de", "Veranstalter:", "Ort:"), ("fr", "Organisateur :", "Lieu :"),
    ("es", "Organizado por", "Lugar:"), ("nl", "Organisator:", "Locatie:"),
])
def test_labelled_organizer_and_venue_in_five_languages_not_from_ads(lang: str, org_label: str, venue_label: str) -> None:
    """An event page whose data names neither: the labelled lines a person reads give them; a
    coupon box's or the footer's "Organizer" never does."""
    import json as _json

    event = {"@context": "https://schema.org", "@type": "Event", "name": "Wandertag",
             "startDate": "2026-05-02T09:00:00+02:00"}
    page = (f'<html lang="{lang}"><head><meta charset="utf-8"><script type="application/ld+json">{_json.dumps(event)}'
            f'</script></head><body><div class="coupon-box"><p>{org_label} Save 20% on boots, today only</p></div>'
            f'<main><h1>Wandertag</h1><p><span>{org_label}</span> Alpenverein Sektion Mitte, Hauptstr. 3</p>'
            f'<p>{venue_label} Berghütte am See, Seeweg 1</p></main>'
            f'<footer><p>{org_label} Example Ticketing GmbH</p></footer></body></html>').encode()
    (item,) = extract(page, "https://verein.example/wandertag", "text/html", Context(url="https://verein.example/wandertag"))
    assert item["organizer"] == "Alpenverein Sektion Mitte"
    assert item["venue"] == "Berghütte am See"
