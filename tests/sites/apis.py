"""Group platforms with JSON/GraphQL APIs: Toastmasters Find-a-Club, Mobilizon, Bevy."""

from __future__ import annotations

from typing import Any

from conftest import Request, Site

from sites.common import FAST, PlatformSite, as_json, day, graphql_vars, html, query, robots

SEARCH = "/api/sitecore/FindAClub/Search"


def club(i: int, name: str, virtual: bool) -> dict[str, Any]:
    """A club as Find-a-Club returns it (fields read by two independent clients)."""
    return {
        "Identification": {"Id": {"Value": f"0000{1200 + i}", "Name": name, "DisplayFriendlyFormat": str(1200 + i)}},
        "Classification": {"District": {"Name": "101"}, "Division": {"Name": "A"}, "Area": {"Name": "12"}},
        "CharterDate": "/Date(1234567890000)/",
        "Address": {"Street": f"{10 + i} Market St", "City": "San Jose", "PostalCode": "95113",
                    "PrimaryRegion": {"Value": "CA"}, "Coordinates": {"Latitude": 37.33, "Longitude": -121.89}},
        "CountryName": "United States", "Location": "Library<br/>Room 2", "MeetingDay": "1st & 3rd Tuesday",
        "MeetingTime": "7:00 pm", "Website": f"https://club{i}.example.org/", "AllowsVirtualAttendance": virtual,
        "IsProspective": False, "Restriction": [], "Distance": 1.5 + i,
    }


def toastmasters(site: Site) -> PlatformSite:
    """A district search answering every club in one JSON document (no paging exists)."""
    clubs = [club(0, "Downtown Speakers", False), club(1, "Bilingual Voices", True), club(2, "Evening Orators", True)]

    def search(req: Request) -> Any:
        if query(req).get("district") != "101":
            return as_json({"Clubs": []})
        return as_json({"Clubs": clubs})

    site.routes.update({"/robots.txt": robots("/Find-a-Club/private/"), SEARCH: search,
                        "/find-a-club": html("<a href='/Find-a-Club/private/'>x</a>")})
    return PlatformSite("toastmasters", site, {"slug": "t-toastmasters", "platform": "toastmasters",
                                               "url": site.url(f"{SEARCH}?district=101&advanced=1&latitude=1&longitude=1"),
                                               "timezone": "America/Los_Angeles", "options": {**FAST, "district": 101}},
                        must_fetch=[SEARCH], never_fetch="/Find-a-Club/private/", items=3,
                        detect_url=site.url(f"{SEARCH}?district=101&advanced=1&latitude=1&longitude=1"))


def toastmasters_empty(site: Site) -> PlatformSite:
    """A district without clubs: `{"Clubs": []}` is an empty result, not an error."""
    site.routes.update({"/robots.txt": robots("/private/"), SEARCH: as_json({"Clubs": []})})
    return PlatformSite("toastmasters", site, {"slug": "t-toastmasters-empty", "platform": "toastmasters",
                                               "url": site.url("/"), "options": {**FAST, "district": 999}},
                        must_fetch=[SEARCH], never_fetch="/private/", items=0, no_detect="same platform and page as toastmasters (an empty district)")


def mobilizon_event(site: Site, i: int, title: str) -> dict[str, Any]:
    start = day(i + 9, 18)
    return {"id": str(500 + i), "uuid": f"a1b2c3d4-0000-4000-8000-00000000050{i}", "title": title,
            "url": site.url(f"/events/a1b2c3d4-0000-4000-8000-00000000050{i}"),
            "beginsOn": f"{start:%Y-%m-%dT%H:%M:%S}Z", "endsOn": f"{start.replace(hour=21):%Y-%m-%dT%H:%M:%S}Z",
            "status": "CONFIRMED", "description": f"<p>{title}</p>",
            "physicalAddress": {"description": "La Cantine", "street": "12 rue de la Paix", "locality": "Lille",
                                "postalCode": "59000", "region": "Hauts-de-France", "country": "France",
                                "geom": "3.06;50.63", "timezone": "Europe/Paris", "url": None},
            "organizerActor": {"name": "Ch'ti Devs", "preferredUsername": "chtidevs", "domain": None},
            "attributedTo": {"name": "Ch'ti Devs", "preferredUsername": "chtidevs", "domain": None},
            "options": {"isOnline": i == 1}, "tags": [{"slug": "rust", "title": "rust"}], "picture": None}


def mobilizon(site: Site) -> PlatformSite:
    """GraphQL `group.organizedEvents` paged by `page`/`limit` (limit 2, 3 events, 2 pages)."""
    events = [mobilizon_event(site, i, t) for i, t in enumerate(["Rust meetup #12", "Apéro des devs", "Atelier Python"])]
    pages: list[int] = []

    def graphql(req: Request) -> Any:
        if req.method != "POST":
            return as_json({"errors": [{"message": "GET not supported"}]}, 400)
        v = graphql_vars(req)
        page, limit = int(v.get("eventPage") or 1), int(v.get("limit") or 10)
        pages.append(page)
        block = {"total": len(events), "elements": events[(page - 1) * limit:page * limit]}
        if v.get("name"):
            return as_json({"data": {"group": {"name": "Ch'ti Devs", "organizedEvents": block}}})
        return as_json({"data": {"searchEvents": block}})

    nodeinfo = {"links": [{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1",
                           "href": site.url("/.well-known/nodeinfo/2.1")}]}
    site.routes.update({"/robots.txt": robots("/@chtidevs/feed/"), "/api/graphql": graphql,
                        "/.well-known/nodeinfo": as_json(nodeinfo),
                        "/.well-known/nodeinfo/2.1": as_json({"version": "2.1", "software": {
                            "name": "Mobilizon", "version": "5.1.0"}, "protocols": ["activitypub"]}),
                        "/@chtidevs": html("<h1>Ch'ti Devs</h1>", head="<meta property='og:site_name' content='Mobilizon'>"
                                           "<link rel='alternate' type='text/calendar' href='/@chtidevs/feed/ics'>")})
    return PlatformSite("mobilizon", site, {"slug": "t-mobilizon", "platform": "mobilizon", "url": site.url("/@chtidevs"),
                                            "timezone": "Europe/Paris", "country": "FR",
                                            "options": {**FAST, "limit": 2}},
                        must_fetch=["/api/graphql"], never_fetch="/@chtidevs/feed/ics", items=3,
                        detect_url=site.url("/@chtidevs"), extra={"graphql_pages": pages})


def mobilizon_old(site: Site) -> PlatformSite:
    """An older instance rejecting the query's fields: the group's iCal feed is read instead."""
    from sites.calendars import ics, ics_response

    feed = ics("-//Mobilizon//EN", [{"uid": f"m{i}@mobilizon.test", "title": t, "start": day(i + 9, 19),
                                     "end": day(i + 9, 21), "url": site.url(f"/events/m{i}")}
                                    for i, t in enumerate(["Repair café", "Soirée jeux"])], tz="Europe/Paris")
    site.routes.update({
        "/robots.txt": robots("/@cafe/members"),
        "/api/graphql": as_json({"errors": [{"message": 'Unknown argument "afterDatetime" on field "organizedEvents"'}]}),
        "/@cafe/feed/ics": ics_response(feed),
        "/@cafe": html("<h1>Café</h1><a href='/@cafe/members'>members</a>"),
    })
    return PlatformSite("mobilizon", site, {"slug": "t-mobilizon-old", "platform": "mobilizon", "url": site.url("/@cafe"),
                                            "timezone": "Europe/Paris", "country": "FR", "options": FAST},
                        must_fetch=["/api/graphql", "/@cafe/feed/ics"], never_fetch="/@cafe/members", items=2,
                        no_detect="same platform as mobilizon (its fallback route)")


def bevy_event(site: Site, i: int, title: str) -> dict[str, Any]:
    start = day(i + 10, 18)
    return {"id": 80000 + i, "title": title, "start_date": f"{start:%Y-%m-%dT%H:%M:%S}-06:00",
            "end_date": f"{start.replace(hour=20):%Y-%m-%dT%H:%M:%S}-06:00", "event_timezone": "America/Chicago",
            "timezone_abbreviation": "CST", "event_type_title": "Meetup" if i else "Workshop",
            "url": site.url(f"/events/details/gdg-test-presents-{80000 + i}/"),
            "static_url": site.url(f"/e/{80000 + i}/"), "description_short": f"{title} with the local developer community.",
            "venue_name": "Tech Hub", "venue_city": "Chicago", "chapter": {"id": 935, "title": "GDG Test"}}


def bevy(site: Site) -> PlatformSite:
    """Chapter directory (flat array, as saved in 2021) → the chapter's events, 2 pages by `links.next`."""
    directory = [
        {"id": 934, "title": "GDG Elsewhere", "city": "Elsewhere", "country": "US", "active": True,
         "relative_url": "/gdg-elsewhere/", "url": site.url("/gdg-elsewhere/"), "picture": {}, "logo": {}},
        {"id": 935, "title": "GDG Test", "city": "Chicago", "state": "IL", "country": "US", "latitude": 41.88,
         "longitude": -87.63, "active": True, "relative_url": "/gdg-test/", "url": site.url("/gdg-test/"),
         "picture": {}, "logo": {}},
    ]
    events = [bevy_event(site, i, t) for i, t in enumerate(["Build with Gemini", "DevFest afterparty", "Flutter study jam"])]
    base = "/api/event_slim/for_chapter/935/"

    def chapter_events(req: Request) -> Any:
        page = int(query(req).get("page", 1))
        chunk = events[(page - 1) * 2:page * 2]
        nxt = site.url(f"{base}?page_size=100&status=Live&page={page + 1}") if page * 2 < len(events) else None
        return as_json({"links": {"next": nxt, "previous": None}, "count": len(events), "results": chunk})

    site.routes.update({"/robots.txt": robots("/gdg-test/private/"), "/api/chapter_region": as_json(directory),
                        base: chapter_events,
                        "/gdg-test/": html("<h1>GDG Test</h1><a href='/gdg-test/private/'>organizers</a>",
                                           head="<link rel='preconnect' href='https://static.bevy.com'>"
                                                "<meta name='generator' content='Bevy'>")})
    return PlatformSite("bevy", site, {"slug": "t-bevy", "platform": "bevy", "url": site.url("/gdg-test/"),
                                       "options": FAST},
                        must_fetch=["/api/chapter_region", base], never_fetch="/gdg-test/private/", items=3,
                        detect_url=site.url("/gdg-test/"), extra={"pages": 2, "pages_path": base})


def bevy_nested(site: Site) -> PlatformSite:
    """A directory nesting chapters under regions (the live endpoint's newer shape); one events page."""
    directory = [{"id": 1, "title": "North America", "chapters": [
        {"id": 935, "title": "GDG Test", "relative_url": "/gdg-test/", "url": site.url("/gdg-test/")}]},
        {"id": 2, "title": "Europe", "chapters": [
            {"id": 995, "title": "GDG Other", "relative_url": "/gdg-other/", "url": site.url("/gdg-other/")}]}]
    base = "/api/event_slim/for_chapter/995/"
    site.routes.update({"/robots.txt": robots("/gdg-other/private/"), "/api/chapter_region": as_json(directory),
                        base: as_json({"links": {"next": None}, "results": [bevy_event(site, 5, "I/O Extended")]})})
    return PlatformSite("bevy", site, {"slug": "t-bevy-nested", "platform": "bevy", "url": site.url("/gdg-other/"),
                                       "options": FAST},
                        must_fetch=["/api/chapter_region", base], never_fetch="/gdg-other/private/", items=1,
                        no_detect="same platform as bevy")
