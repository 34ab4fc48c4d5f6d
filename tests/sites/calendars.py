"""Networking-event platforms: iCal producers, The Events Calendar, schema.org pages, GrowthZone, Meetup."""

from __future__ import annotations

import datetime as dt
import json
from html import escape
from typing import Any

from conftest import Request, Site

from sites.common import FAST, PlatformSite, as_json, day, html, query, robots


def ics(prodid: str, events: list[dict[str, Any]], tz: str = "America/Chicago", name: str = "") -> str:
    """A VCALENDAR as the producers write it: PRODID, X-WR-CALNAME, TZID-local times, CRLF lines."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{prodid}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
             f"X-WR-CALNAME:{name or 'Community calendar'}", f"X-WR-TIMEZONE:{tz}"]
    for e in events:
        lines += ["BEGIN:VEVENT", f"UID:{e['uid']}", "DTSTAMP:20261120T120000Z",
                  f"DTSTART;TZID={tz}:{e['start']:%Y%m%dT%H%M%S}", f"DTEND;TZID={tz}:{e['end']:%Y%m%dT%H%M%S}",
                  f"SUMMARY:{e['title']}", f"DESCRIPTION:{e.get('description', e['title'])}",
                  f"LOCATION:{e.get('location', '')}", f"URL:{e['url']}", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"


def ical(site: Site) -> PlatformSite:
    """A TEC site announcing its feed; a staff-only .ics link sits under a disallowed path."""
    feed = ics("-//Lakeside Chamber - ECPv6.4.0.1//NONSGML v1.0//EN", [
        {"uid": f"{i}-lakeside@{site.base[7:]}", "title": t, "start": day(i + 3), "end": day(i + 3, 20),
         "url": site.url(f"/event/{i}/"), "location": "Lakeside Hall\\, 10 Main St\\, Springfield\\, IL"}
        for i, t in enumerate(["Young Professionals Mixer", "Women in Business Lunch", "Veterans Networking Night"])
    ], name="Lakeside Chamber")
    site.routes.update({
        "/robots.txt": robots("/private/"),
        "/": html("<h1>Lakeside Chamber</h1><a href='/private/staff.ics'>staff calendar (.ics)</a>",
                  head=f"<link rel='alternate' type='text/calendar' title='Lakeside » iCal Feed' "
                       f"href='{site.url('/events/?ical=1')}'>"),
        "/events/?ical=1": ics_response(feed),
        "/private/staff.ics": ics_response(feed),
    })
    return PlatformSite("ical", site, {"slug": "t-ical", "platform": "ical", "url": site.url("/"), "options": FAST},
                        must_fetch=["/", "/events/?ical=1"], never_fetch="/private/staff.ics", items=3,
                        detect_url=site.url("/"))


def ical_probe(site: Site) -> PlatformSite:
    """A page announcing no feed: the known paths are probed; one is refused by robots.txt."""
    feed = ics("-//Google Inc//Google Calendar 70.9054//EN", [
        {"uid": f"g{i}@google.com", "title": t, "start": day(i + 4, 12), "end": day(i + 4, 13), "url": site.url("/")}
        for i, t in enumerate(["Latino Business Roundtable", "Seniors Tech Help Desk"])], name="Civic Calendar")
    site.routes.update({"/robots.txt": robots("/calendar.ics"), "/": html("<h1>Civic League</h1>"),
                        "/events/ical/": ics_response(feed), "/calendar.ics": ics_response(feed)})
    return PlatformSite("ical", site, {"slug": "t-ical-probe", "platform": "ical", "url": site.url("/"), "options": FAST},
                        must_fetch=["/", "/?ical=1", "/events/?ical=1", "/events/ical/", "/events.ics"],
                        never_fetch="/calendar.ics", items=2, no_detect="announces no feed: only the crawl-time probe of known paths finds it")


def ical_none(site: Site) -> PlatformSite:
    """No feed anywhere: every probe misses, and the source records why it found nothing."""
    site.routes.update({"/robots.txt": robots("/private/"), "/": html("<h1>Just a page</h1>")})
    return PlatformSite("ical", site, {"slug": "t-ical-none", "platform": "ical", "url": site.url("/"), "options": FAST},
                        must_fetch=["/", "/events/ical/"], never_fetch="/private/", items=0, no_detect="no feed at all: nothing to detect",
                        extra={"error": "no iCalendar feed announced or at the known paths"})


def ics_response(body: str) -> tuple[int, dict[str, str], bytes]:
    return 200, {"Content-Type": "text/calendar; charset=utf-8"}, body.encode()


CST = dt.timedelta(hours=6)  # America/Chicago in December: local + 6 h = UTC


def tec_event(site: Site, i: int, title: str) -> dict[str, Any]:
    """An event object as TEC's REST API returns it (Post_Repository::get_event_data)."""
    start, end = day(i + 2), day(i + 2, 20)
    return {
        "id": 6100 + i, "global_id": f"lakeside.example?id={6100 + i}", "status": "publish",
        "url": site.url(f"/event/e{i}/"), "rest_url": site.url(f"/wp-json/tribe/events/v1/events/{6100 + i}"),
        "title": title, "description": f"<p>{escape(title)} &#8211; meet local founders.</p>", "excerpt": "",
        "slug": f"e{i}", "image": False, "all_day": False,
        "start_date": f"{start:%Y-%m-%d %H:%M:%S}", "end_date": f"{end:%Y-%m-%d %H:%M:%S}",
        "utc_start_date": f"{start + CST:%Y-%m-%d %H:%M:%S}", "utc_end_date": f"{end + CST:%Y-%m-%d %H:%M:%S}",
        "timezone": "America/Chicago", "timezone_abbr": "CST", "cost": "Free",
        "categories": [{"name": "Networking", "slug": "networking", "id": 12, "taxonomy": "tribe_events_cat"}],
        "tags": [], "show_map": True, "hide_from_listings": False, "featured": False,
        "venue": {"id": 2093, "venue": "Lakeside Hall", "address": "10 Main St", "city": "Springfield",
                  "country": "United States", "state": "IL", "stateprovince": "IL", "zip": "62701",
                  "geo_lat": 39.8, "geo_lng": -89.6} if i % 2 == 0 else [],
        "organizer": [{"id": 2094, "organizer": "Lakeside Chamber", "url": site.url("/organizer/lakeside/")}],
    }


def tribe(site: Site) -> PlatformSite:
    """TEC REST: 3 events over 2 pages (`next_rest_url` absent on the last); X-TEC headers on every page."""
    titles = ["Founders Breakfast", "LGBTQ+ Business Mixer", "Board Service 101"]
    api = "/wp-json/tribe/events/v1/events"
    tec_headers = {"X-TEC-API-VERSION": "v1", "X-TEC-API-ROOT": site.url("/wp-json/tribe/events/v1/")}

    def events(req: Request) -> Any:
        q = query(req)
        page, per = int(q.get("page", 1)), 2
        if "start_date" not in q:
            return as_json({"code": "missing-start-date"}, 400)
        chunk = [tec_event(site, i, t) for i, t in enumerate(titles)][(page - 1) * per:page * per]
        if not chunk:
            return as_json({"code": "event-archive-page-not-found", "message": "The requested page was not found."}, 404)
        doc: dict[str, Any] = {"events": chunk, "rest_url": site.url(req.path), "total": len(titles), "total_pages": 2}
        if page < 2:
            doc["next_rest_url"] = site.url(f"{api}?start_date={q['start_date']}&per_page={per}&page={page + 1}")
        return as_json(doc, **{"X-TEC-Total": str(len(titles)), "X-TEC-TotalPages": "2", **tec_headers})

    site.routes.update({
        "/robots.txt": robots("/private/"),
        "/": (200, tec_headers, html("<a href='/private/'>members</a>",
                                     head="<meta name='tec-api-version' content='v1'>")),
        api: events,
    })
    return PlatformSite("tribe", site, {"slug": "t-tribe", "platform": "tribe", "url": site.url("/"),
                                        "options": {**FAST, "per_page": 2}},
                        must_fetch=[api], never_fetch="/private/", items=3, detect_url=site.url("/"),
                        extra={"pages": 2})


def tribe_subdir(site: Site) -> PlatformSite:
    """WordPress installed under /wp/: the default REST path 404s, the page's X-TEC-API-ROOT names the real root."""
    root = "/wp/wp-json/tribe/events/v1/"
    titles = ["Asian American Business Forum", "Accountants' Breakfast"]

    def events(req: Request) -> Any:
        return as_json({"events": [tec_event(site, i, t) for i, t in enumerate(titles)], "total": 2, "total_pages": 1,
                        "rest_url": site.url(req.path)})

    site.routes.update({
        "/robots.txt": robots("/wp/wp-admin/"),
        "/wp/": (200, {"X-TEC-API-VERSION": "v1", "X-TEC-API-ROOT": site.url(root)},
                 html("<a href='/wp/wp-admin/'>admin</a>")),
        root + "events": events,
    })
    return PlatformSite("tribe", site, {"slug": "t-tribe-subdir", "platform": "tribe", "url": site.url("/wp/"),
                                        "options": FAST},
                        must_fetch=["/wp-json/tribe/events/v1/events", "/wp/", root + "events"],
                        never_fetch="/wp/wp-admin/", items=2, detect_url=site.url("/wp/"))


def tribe_list_article(site: Site, i: int, title: str) -> str:
    start = day(i + 4)
    return f"""<article class="tribe-events-calendar-list__event tribe-common-g-row">
  <time class="tribe-events-calendar-list__event-datetime" datetime="{start:%Y-%m-%d}">
    <span class="tribe-event-date-start">{start:%B %-d} @ 6:00 pm</span> - <span class="tribe-event-time">8:00 pm</span></time>
  <h3 class="tribe-events-calendar-list__event-title"><a class="tribe-events-calendar-list__event-title-link
     tribe-common-anchor-thin" href="{site.url(f'/event/h{i}/')}">{escape(title)}</a></h3>
  <address class="tribe-events-calendar-list__event-venue"><span class="tribe-events-calendar-list__event-venue-title">Union Hall</span>
    <span class="tribe-events-calendar-list__event-venue-address">5 Elm St, Springfield</span></address>
  <div class="tribe-events-calendar-list__event-description"><p>{escape(title)} for the whole community.</p></div>
</article>"""


def tribe_html(site: Site) -> PlatformSite:
    """TEC with its REST API switched off (404 page): v2 list views, paged, the last one empty."""
    def jsonld(i: int, t: str) -> dict[str, Any]:
        return {"@context": "http://schema.org", "@type": "Event", "name": t, "url": site.url(f"/event/h{i}/"),
                "startDate": f"{day(i + 4):%Y-%m-%dT%H:%M:%S}-06:00", "endDate": f"{day(i + 4, 20):%Y-%m-%dT%H:%M:%S}-06:00",
                "location": {"@type": "Place", "name": "Union Hall", "address": "5 Elm St, Springfield"}}

    def page(items: list[tuple[int, str]], nxt: str | None) -> str:
        arts = "".join(tribe_list_article(site, i, t) for i, t in items)
        ld = f"<script type='application/ld+json'>{json.dumps([jsonld(i, t) for i, t in items])}</script>" if items else ""
        nav = (f"<li class='tribe-events-c-nav__list-item tribe-events-c-nav__list-item--next'>"
               f"<a href='{site.url(nxt)}' class='tribe-events-c-nav__next'>Next Events</a></li>") if nxt else ""
        empty = "" if items else ("<div class='tribe-events-c-messages__message tribe-events-c-messages__message--notice'>"
                                  "There are no upcoming events.</div>")
        return html(f"<div class='tribe-events tribe-events-view--list'>{arts}{empty}<ul>{nav}</ul>"
                    f"<a href='/private/drafts/'>drafts</a></div>", head=ld)

    site.routes.update({
        "/robots.txt": robots("/private/"),
        "/wp-json/tribe/events/v1/events": (404, {}, html("<h1>Not found</h1>")),
        "/": html("<h1>Union</h1><a href='/events/list/'>Events</a>"),
        "/events/list/": page([(0, "Black Professionals Network Social"), (1, "Immigrant Entrepreneurs Meetup")],
                              "/events/list/page/2/"),
        "/events/list/page/2/": page([(2, "Nonprofit Treasurer Training")], "/events/list/page/3/"),
        "/events/list/page/3/": page([], None),
    })
    return PlatformSite("tribe", site, {"slug": "t-tribe-html", "platform": "tribe", "url": site.url("/"),
                                        "options": FAST},
                        must_fetch=["/wp-json/tribe/events/v1/events", "/events/list/", "/events/list/page/2/",
                                    "/events/list/page/3/"],
                        never_fetch="/private/drafts/", items=3, detect_url=site.url("/events/list/"))


def schemaorg(site: Site) -> PlatformSite:
    """An organizer's list page (two pages, rel=next) linking event pages with one JSON-LD Event each."""
    titles = {"women-founders-circle": "Women Founders Circle", "disability-inclusion-forum": "Disability Inclusion Forum",
              "private-dinner": "Sponsors' Private Dinner", "youth-mentoring-evening": "Youth Mentoring Evening"}

    def event_page(slug: str, i: int) -> str:
        ld = {"@context": "https://schema.org", "@type": "BusinessEvent", "name": titles[slug],
              "url": site.url(f"/events/{slug}/"), "startDate": f"{day(i + 5):%Y-%m-%dT%H:%M:%S}-06:00",
              "endDate": f"{day(i + 5, 20):%Y-%m-%dT%H:%M:%S}-06:00",
              "eventStatus": "https://schema.org/EventScheduled",
              "location": {"@type": "Place", "name": "Civic Center",
                           "address": {"@type": "PostalAddress", "streetAddress": "1 Plaza", "addressLocality": "Springfield",
                                       "addressRegion": "IL", "addressCountry": "US"}},
              "organizer": {"@type": "Organization", "name": "Springfield Networks", "url": site.url("/")}}
        return html(f"<h1>{titles[slug]}</h1>", head=f"<script type='application/ld+json'>{json.dumps(ld)}</script>")

    links = "".join(f"<li><a href='/events/{s}/'>{t}</a></li>" for s, t in list(titles.items())[:3])
    site.routes.update({
        "/robots.txt": robots("/events/private-dinner/"),
        "/events/": html(f"<ul>{links}</ul><a rel='next' href='/events/?page=2'>Next</a>",
                         head="<link rel='next' href='/events/?page=2'>"),
        "/events/?page=2": html("<ul><li><a href='/events/youth-mentoring-evening/'>Youth Mentoring Evening</a></li></ul>"),
        **{f"/events/{s}/": event_page(s, i) for i, s in enumerate(titles)},
    })
    return PlatformSite("schemaorg", site, {"slug": "t-schemaorg", "platform": "schemaorg", "url": site.url("/events/"),
                                            "options": FAST},
                        must_fetch=["/events/", "/events/?page=2", "/events/women-founders-circle/",
                                    "/events/youth-mentoring-evening/"],
                        never_fetch="/events/private-dinner/", items=3,
                        detect_url=site.url("/events/women-founders-circle/"))


def gz_detail(site: Site, slug: str, title: str, i: int) -> str:
    """A ChamberMaster detail page: schema.org Event microdata inside `mn-` sections."""
    start = day(i + 6, 8)
    return html(f"""<div id="mn-events" class="mn-module-content category-7">
 <div itemscope="itemscope" itemtype="http://schema.org/Event" id="mn-events-details">
  <meta itemprop="eventStatus" content="EventScheduled"><link itemprop="url" href="{site.url('/events/details/' + slug)}">
  <div class="mn-event-section mn-event-name"><span class="mn-event-head">Name:</span>
    <span class="mn-event-content" itemprop="name">{escape(title)}</span></div>
  <div class="mn-event-section mn-event-date"><span class="mn-event-head">Date:</span>
    <span itemprop="startDate" content="{start:%Y-%m-%dT%H:%M}" class="mn-event-day">{start:%B %-d, %Y}</span>
    <meta itemprop="endDate" content="{start.replace(hour=10):%Y-%m-%dT%H:%M}" /></div>
  <div class="mn-event-section mn-event-time"><span class="mn-event-time">8:00 AM</span> - <span class="mn-event-time">10:00 AM CST</span></div>
  <div itemprop="description" class="mn-raw mn-print-url">{escape(title)}: members and guests welcome.</div>
  <div class="mn-event-section mn-event-location" itemprop="location" itemscope itemtype="http://schema.org/Place">
     <div class="mn-raw mn-print-url" itemprop="name">Chamber Office<br />100 Commerce Dr.</div></div>
  <ul><li class="mn-shareoutlook"><a href="{site.url('/events/ical/' + slug + '.ics')}">Add to Outlook</a></li></ul>
 </div></div>""", head="<meta name='generator' content='GrowthZone'>")


GZ_EVENTS = [("business-after-hours-12-07-2026-7001", "Business After Hours"),
             ("young-professionals-lunch-12-09-2026-7002", "Young Professionals Lunch"),
             ("ambassadors-only-12-11-2026-7003", "Ambassadors Committee (members only)")]


def growthzone(site: Site) -> PlatformSite:
    """The public `/api/events` XML (EventDisplay rows, members-only events left out); detail pages
    behind the slugs. Two events either way: from the XML, or (while no extractor reads it) their pages."""
    rows = "".join(f"""<EventDisplay><Name>{escape(t)}</Name><StartDate>{day(i + 6, 8):%Y-%m-%dT%H:%M:%S}</StartDate>
  <EndDate>{day(i + 6, 10):%Y-%m-%dT%H:%M:%S}</EndDate><Description>&lt;p&gt;{escape(t)} for members.&lt;/p&gt;</Description>
  <Slug>{s}</Slug><IsAllDayEvent>false</IsAllDayEvent></EventDisplay>""" for i, (s, t) in enumerate(GZ_EVENTS[:2]))
    xml = ('<?xml version="1.0" encoding="utf-8"?><ArrayOfEventDisplay xmlns:i="http://www.w3.org/2001/XMLSchema-instance" '
           f'xmlns="http://schemas.datacontract.org/2004/07/GZ.Web.Api.Models">{rows}</ArrayOfEventDisplay>')
    site.routes.update({
        "/robots.txt": robots(f"/events/details/{GZ_EVENTS[2][0]}"),
        "/api/events": (200, {"Content-Type": "application/xml; charset=utf-8"}, xml.encode()),
        "/events/calendar": html("".join(f"<a href='/events/details/{s}'>{t}</a>" for s, t in GZ_EVENTS),
                                 head="<meta name='generator' content='GrowthZone'>"),
        **{f"/events/details/{s}": gz_detail(site, s, t, i) for i, (s, t) in enumerate(GZ_EVENTS)},
    })
    return PlatformSite("growthzone", site, {"slug": "t-growthzone", "platform": "growthzone", "url": site.url("/"),
                                             "options": FAST},
                        must_fetch=["/api/events"], never_fetch=f"/events/details/{GZ_EVENTS[2][0]}", items=2,
                        detect_url=site.url("/events/calendar"))


def growthzone_html(site: Site) -> PlatformSite:
    """A chamber without the XML API: the server-rendered `?o=alpha` calendar, then detail pages."""
    site.routes.update({
        "/robots.txt": robots(f"/events/details/{GZ_EVENTS[2][0]}"),
        "/events/calendar?o=alpha": html("<div class='gz-cal-events'>" + "".join(
            f"<div class='gz-cal-event'><a href='/events/details/{s}'>{t}</a></div>" for s, t in GZ_EVENTS) + "</div>"),
        **{f"/events/details/{s}": gz_detail(site, s, t, i) for i, (s, t) in enumerate(GZ_EVENTS)},
    })
    return PlatformSite("growthzone", site, {"slug": "t-growthzone-html", "platform": "growthzone",
                                             "url": site.url("/"), "options": FAST},
                        must_fetch=["/api/events", "/events/calendar?o=alpha", f"/events/details/{GZ_EVENTS[0][0]}",
                                    f"/events/details/{GZ_EVENTS[1][0]}"],
                        never_fetch=f"/events/details/{GZ_EVENTS[2][0]}", items=2,
                        detect_url=site.url(f"/events/details/{GZ_EVENTS[0][0]}"))


MEETUP_ROBOTS = robots("/*/events/rss/", "/find/?source=")  # as meetup.com's: no RSS, no search URLs


def meetup(site: Site) -> PlatformSite:
    """A group's `/events/ical/` feed (PRODID Meetup, future events only)."""
    feed = ics("-//Meetup//RemoteApi//EN", [
        {"uid": f"event_{300 + i}@meetup.com", "title": t, "start": day(i + 7, 19), "end": day(i + 7, 21),
         "url": site.url(f"/rladies-test/events/{300 + i}/"),
         "description": f"R-Ladies Test\\nDetails: {site.url(f'/rladies-test/events/{300 + i}/')}"}
        for i, t in enumerate(["R Workshop: tidy data", "Lightning talks night"])], tz="America/New_York",
        name="R-Ladies Test Events")
    site.routes.update({
        "/robots.txt": MEETUP_ROBOTS,
        "/rladies-test/events/ical/": ics_response(feed),
        "/rladies-test/": html("<h1>R-Ladies Test</h1>"),
    })
    return PlatformSite("meetup", site, {"slug": "t-meetup", "platform": "meetup", "url": site.url("/rladies-test/"),
                                         "timezone": "America/New_York", "options": FAST},
                        must_fetch=["/rladies-test/events/ical/"], never_fetch="/rladies-test/events/rss/",
                        items=2, detect_url=site.url("/rladies-test/"))


def meetup_fallback(site: Site) -> PlatformSite:
    """An empty iCal feed: the group page's JSON-LD Event list is read; RSS stays off-limits."""
    events = [{"@context": "https://schema.org", "@type": "Event", "name": t,
               "url": site.url(f"/vets-in-tech/events/{400 + i}/"),
               "startDate": f"{day(i + 8, 18):%Y-%m-%dT%H:%M:%S}-05:00", "endDate": f"{day(i + 8, 20):%Y-%m-%dT%H:%M:%S}-05:00",
               "eventAttendanceMode": "https://schema.org/OnlineEventAttendanceMode",
               "location": {"@type": "VirtualLocation", "url": site.url(f"/vets-in-tech/events/{400 + i}/")},
               "organizer": {"@type": "Organization", "name": "Vets in Tech", "url": site.url("/vets-in-tech/")}}
              for i, t in enumerate(["Veterans career panel", "Resume review night"])]
    site.routes.update({
        "/robots.txt": MEETUP_ROBOTS,
        "/vets-in-tech/events/ical/": ics_response(ics("-//Meetup//RemoteApi//EN", [], tz="America/New_York")),
        "/vets-in-tech/": html("<h1>Vets in Tech</h1>",
                               head=f"<script type='application/ld+json'>{json.dumps(events)}</script>"),
        "/vets-in-tech/events/rss/": "<rss version='2.0'><channel><title>x</title></channel></rss>",
    })
    return PlatformSite("meetup", site, {"slug": "t-meetup-fallback", "platform": "meetup",
                                         "url": site.url("/vets-in-tech/"), "timezone": "America/New_York",
                                         "options": FAST},
                        must_fetch=["/vets-in-tech/events/ical/", "/vets-in-tech/"],
                        never_fetch="/vets-in-tech/events/rss/", items=2, no_detect="same platform as meetup (its fallback route)")


def schemaorg_sitemap(site: Site) -> PlatformSite:
    """A sitemap index → a sitemap of event pages (`detail_pattern` keeps only /event/ URLs)."""
    pages = {"/event/hr-leaders-lunch/": "HR Leaders Lunch", "/event/members-only-gala/": "Members-only Gala",
             "/event/design-crit-night/": "Design Crit Night"}

    def page(path: str, i: int) -> str:
        ld = {"@context": "https://schema.org", "@type": "Event", "name": pages[path], "url": site.url(path),
              "startDate": f"{day(i + 20):%Y-%m-%dT%H:%M:%S}+00:00", "location": {"@type": "Place", "name": "Hub",
                                                                              "address": "2 Quay St, Manchester"}}
        return html(f"<h1>{pages[path]}</h1>", head=f"<script type='application/ld+json'>{json.dumps(ld)}</script>")

    urls = "".join(f"<url><loc>{site.url(p)}</loc></url>" for p in [*pages, "/about/"])
    site.routes.update({
        "/robots.txt": robots("/event/members-only-gala/"),
        "/sitemap_index.xml": ('<?xml version="1.0" encoding="UTF-8"?><sitemapindex '
                               'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>'
                               f'{site.url("/event-sitemap.xml")}</loc></sitemap></sitemapindex>'),
        "/event-sitemap.xml": ('<?xml version="1.0" encoding="UTF-8"?><urlset '
                               f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'),
        "/about/": html("<h1>About</h1>"),
        **{p: page(p, i) for i, p in enumerate(pages)},
    })
    return PlatformSite("schemaorg", site, {"slug": "t-schemaorg-sitemap", "platform": "schemaorg",
                                            "url": site.url("/sitemap_index.xml"), "timezone": "Europe/London",
                                            "country": "GB", "options": {**FAST, "detail_pattern": "/event/"}},
                        must_fetch=["/sitemap_index.xml", "/event-sitemap.xml", "/event/hr-leaders-lunch/",
                                    "/event/design-crit-night/"],
                        never_fetch="/about/", items=2, no_detect="a sitemap is configured, not detected")


def meetup_rss(site: Site) -> PlatformSite:
    """Empty iCal, no JSON-LD on the group page, RSS allowed: RSS items lead to event pages (JSON-LD)."""
    ids = [501, 502]

    def event_page(i: int, eid: int) -> str:
        ld = {"@context": "https://schema.org", "@type": "Event", "name": f"Parents in Tech coffee #{i + 1}",
              "url": site.url(f"/parents-tech/events/{eid}/"), "startDate": f"{day(i + 11, 9):%Y-%m-%dT%H:%M:%S}-05:00"}
        return html("<h1>event</h1>", head=f"<script type='application/ld+json'>{json.dumps(ld)}</script>")

    items = "".join(f"<item><title>Parents in Tech coffee #{i + 1}</title><link>{site.url(f'/parents-tech/events/{e}/')}"
                    f"</link><guid>{site.url(f'/parents-tech/events/{e}/')}</guid><description>&lt;p&gt;coffee&lt;/p&gt;"
                    f"</description><pubDate>Mon, 23 Nov 2026 10:00:00 +0000</pubDate></item>" for i, e in enumerate(ids))
    site.routes.update({
        "/robots.txt": robots("/parents-tech/members/"),
        "/parents-tech/events/ical/": ics_response(ics("-//Meetup//RemoteApi//EN", [], tz="America/New_York")),
        "/parents-tech/": html("<h1>Parents in Tech</h1><a href='/parents-tech/members/'>members</a>"),
        "/parents-tech/events/rss/": (200, {"Content-Type": "application/rss+xml"},
                                      f"<?xml version='1.0'?><rss version='2.0'><channel><title>Parents in Tech"
                                      f"</title><link>{site.url('/parents-tech/')}</link>{items}</channel></rss>".encode()),
        **{f"/parents-tech/events/{e}/": event_page(i, e) for i, e in enumerate(ids)},
    })
    return PlatformSite("meetup", site, {"slug": "t-meetup-rss", "platform": "meetup", "url": site.url("/parents-tech/"),
                                         "timezone": "America/New_York", "options": FAST},
                        must_fetch=["/parents-tech/events/ical/", "/parents-tech/", "/parents-tech/events/rss/",
                                    "/parents-tech/events/501/", "/parents-tech/events/502/"],
                        never_fetch="/parents-tech/members/", items=2, no_detect="same platform as meetup (RSS route)")
