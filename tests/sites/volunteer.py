"""Volunteer platforms (Galaxy, Volunteer Connector, Do-it, Reach, Mobilize, VolunteerMatch, Idealist)
and a nonprofit's board-vacancy page."""

from __future__ import annotations

import base64
from html import escape
from typing import Any

from conftest import Request, Site

from sites.common import FAST, PlatformSite, as_json, day, html, query, robots

TEST_KEY = "test-key-not-secret"  # the key the key-based test sites accept


def galaxy(site: Site) -> PlatformSite:
    """`/need/` and `/need/index/<offset>` (page size 3 here), the page after the last empty; detail pages."""
    needs = {1162522: ("Food Bank Sorting Shift", "Atlanta Community Food Bank"),
             1162523: ("Nonprofit Board Treasurer", "Westside Youth Alliance"),
             1162524: ("ESL Conversation Partner", "Refugee Welcome Center"),
             1162525: ("Park Cleanup Crew Lead", "Friends of the Parks"),
             1162526: ("Meal Delivery Driver", "Senior Meals Atlanta"),
             1162527: ("Homework Club Tutor", "Eastside Library Friends"),
             1162528: ("Staff-only Pilot Role", "Hands On Atlanta")}
    ids = list(needs)

    def listing(offset: int) -> str:
        rows = "".join(f"<div class='need-row'><h3><a href='/need/detail/?need_id={n}'>{escape(needs[n][0])}</a></h3>"
                       f"<small>{escape(needs[n][1])}</small><p>Ongoing</p></div>" for n in ids[offset:offset + 3])
        return html(f"<div id='needs'>{rows or '<p>No needs found.</p>'}</div>",
                    head="<meta name='generator' content='Galaxy Digital'>")

    def detail(req: Request) -> Any:
        n = int(query(req).get("need_id", 0))
        if n not in needs:
            return 404, {}, html("gone")
        title, agency = needs[n]
        return html(f"""<h1>{escape(title)}</h1><h3>Description</h3><p>{escape(title)} with {escape(agency)}.
          Help our neighbours every week.</p><h3>Details</h3><table><tr><td>Age</td><td>18+</td></tr></table>
          <p>Happens On {day(12):%B %-d, %Y} 9:30am - 1:30pm</p><h3>Location</h3>
          <table><tr><td>100 Peachtree St</td></tr><tr><td>Atlanta, GA 30303</td></tr></table>
          <h3>Organization</h3><a href='/agency/detail/?agency_id=7'>{escape(agency)}</a>""")

    site.routes.update({
        "/robots.txt": robots(f"/need/detail/?need_id={ids[6]}"),
        "/need/": listing(0), "/need/index/3": listing(3), "/need/index/6": listing(6), "/need/index/9": listing(9),
        "/need/detail/": detail,
    })
    return PlatformSite("galaxy", site, {"slug": "t-galaxy", "platform": "galaxy", "url": site.url("/need/"),
                                         "timezone": "America/New_York", "options": {**FAST, "page_size": 3}},
                        must_fetch=["/need/", "/need/index/3", "/need/index/6", "/need/index/9",
                                    f"/need/detail/?need_id={ids[0]}", f"/need/detail/?need_id={ids[5]}"],
                        never_fetch=f"/need/detail/?need_id={ids[6]}", items=6, detect_url=site.url("/need/"))


def vc_result(site: Site, i: int, title: str) -> dict[str, Any]:
    return {"id": 9000 + i, "title": title, "description": f"{title}.\r\nTraining provided.",
            "url": site.url(f"/opportunity/{9000 + i}/"), "remote_or_online": i == 1, "dates": "Ongoing",
            "duration": "2-4 hours/week",
            "organization": {"name": "Edmonton Food Bank", "logo": "//cdn.example.org/logo.png",
                             "url": site.url("/organization/efb/")},
            "audience": {"scope": "local", "regions": ["Edmonton"], "latitude": 53.5, "longitude": -113.5},
            "activities": [{"name": "Food Security", "category": "Community"}]}


def volunteerconnector(site: Site) -> PlatformSite:
    """Django-REST paging: `next` to page 2, `next: null` on the last."""
    results = [vc_result(site, i, t) for i, t in enumerate(["Food Hamper Packer", "Online Tutor", "Board Secretary"])]

    def search(req: Request) -> Any:
        page = int(query(req).get("page", 1))
        nxt = site.url(f"/api/search/?cc=64&page={page + 1}") if page == 1 else None
        return as_json({"count": 3, "next": nxt, "previous": None, "results": results[(page - 1) * 2:page * 2]})

    site.routes.update({"/robots.txt": robots("/opportunity/"), "/api/search/": search})
    return PlatformSite("volunteerconnector", site, {"slug": "t-volunteerconnector", "platform": "volunteerconnector",
                                                     "url": site.url("/api/search/?cc=64"), "timezone": "America/Edmonton",
                                                     "country": "CA", "options": FAST},
                        must_fetch=["/api/search/?cc=64", "/api/search/?cc=64&page=2"], never_fetch="/opportunity/9000/",
                        items=3, detect_url=site.url("/api/search/?cc=64"))


def volunteerconnector_broken(site: Site) -> PlatformSite:
    """Paging that breaks: `next` leads to a 404, which the source must record as an error."""
    def search(req: Request) -> Any:
        if query(req).get("page"):
            return as_json({"detail": "Invalid page."}, 404)
        return as_json({"count": 4, "next": site.url("/api/search/?page=2"), "previous": None,
                        "results": [vc_result(site, 0, "Food Hamper Packer"), vc_result(site, 1, "Online Tutor")]})

    site.routes.update({"/robots.txt": robots("/opportunity/"), "/api/search/": search})
    return PlatformSite("volunteerconnector", site, {"slug": "t-volunteerconnector-broken",
                                                     "platform": "volunteerconnector", "url": site.url("/api/search/"),
                                                     "country": "CA", "options": FAST},
                        must_fetch=["/api/search/", "/api/search/?page=2"], never_fetch="/opportunity/", items=2,
                        no_detect="same platform as volunteerconnector", extra={"error": "HttpError"})


def doit_item(i: int, title: str) -> dict[str, Any]:
    """A Do-it v2 opportunity (realworld/volunteer/doit-api__v2-*.json shape)."""
    return {"id": f"87875689-0000-4000-8000-00000000000{i}", "title": title, "description": f"{title} in Harrow.",
            "status": "live", "created": "2026-11-01T10:00:00+00:00", "updated": "2026-11-20T10:00:00+00:00",
            "is_new": False, "is_updated": False, "specific_start_date": "2026-11-01T09:42:43.024000+00:00",
            "specific_end_date": None,
            "availability": {d: [False, i % 2 == 0, True] for d in ("monday", "wednesday", "saturday")},
            "interests": [{"name": "Heritage", "slug": "heritage", "parent_id": None}],
            "locations": [{"address_1": "Bentley Priory Museum", "address_2": "Stanmore", "city": "London",
                           "county": "Middlesex", "postcode": "HA7 3FB", "lat": 51.6265, "lng": -0.333472,
                           "places_available": 2, "working_from_home": False, "location_type": "SL",
                           "local_authority": {"name": "Harrow London Borough"}}],
            "for_recruiter": {"name": "Harrow Heritage Trust", "slug": "harrow-heritage", "website": None, "charity": True}}


def doit(site: Site) -> PlatformSite:
    """v2 JSON only with `Accept: application/json` (XML otherwise); relative `links.next.href`."""
    items = [doit_item(i, t) for i, t in enumerate(["Museum Cafe Volunteer", "Trustee - Scout Group Secretary",
                                                      "Befriender for older people"])]

    def opportunities(req: Request) -> Any:
        if "json" not in req.headers.get("Accept", ""):
            return 200, {"Content-Type": "application/xml"}, b"<?xml version='1.0'?><response/>"
        page = int(query(req).get("page", 1))
        links: dict[str, Any] = {"self": {"href": req.path}}
        if page == 1:
            links["next"] = {"href": "/v2/opportunities?lat=51.5978&lng=-0.3370&miles=3.0&page=2", "title": "Next page"}
        return as_json({"data": {"items": items[(page - 1) * 2:page * 2]}, "links": links,
                        "meta": {"code": 200, "current_page": page, "items_per_page": 2, "total_items": 3,
                                 "total_pages": 2, "tenant": "doittrust"}})

    site.routes.update({"/robots.txt": robots("/v1/orgs/"), "/v2/opportunities": opportunities})
    return PlatformSite("doit", site, {"slug": "t-doit", "platform": "doit",
                                       "url": site.url("/v2/opportunities?lat=51.5978&lng=-0.3370&miles=3.0"),
                                       "timezone": "Europe/London", "country": "GB", "options": FAST},
                        must_fetch=["/v2/opportunities?lat=51.5978&lng=-0.3370&miles=3.0",
                                    "/v2/opportunities?lat=51.5978&lng=-0.3370&miles=3.0&page=2"],
                        never_fetch="/v1/orgs/harrow-heritage", items=3,
                        detect_url=site.url("/v2/opportunities?lat=51.5978&lng=-0.3370&miles=3.0"))


def reach(site: Site) -> PlatformSite:
    """A partner feed `{"nodes": [{"node": {…}}]}` (realworld/volunteer/reach__*.json shape); one response."""
    nodes = [{"node": {"title": t, "Organisation": o, "Description": f"{t}: two days a month.",
                       "Path": site.url(f"/opp/{t.lower().replace(' ', '-')}?referrer_id=Test"),
                       "Town": "Harrow", "Postcode": "HA1 3UJ", "Coordinates": "51° 34' 31.4652\" N, 0° 19' 19.3332\" W"}}
             for t, o in [("Charity Treasurer", "The Patients Association"), ("Trustee", "Harrow Carers"),
                          ("Marketing Adviser", "Harrow Foodbank")]]
    site.routes.update({"/robots.txt": robots("/org/"), "/harrow-community-network-opportunity-feed": as_json({"nodes": nodes})})
    return PlatformSite("reach", site, {"slug": "t-reach", "platform": "reach",
                                        "url": site.url("/harrow-community-network-opportunity-feed"),
                                        "timezone": "Europe/London", "country": "GB", "options": FAST},
                        must_fetch=["/harrow-community-network-opportunity-feed"], never_fetch="/org/",
                        items=3, detect_url=site.url("/harrow-community-network-opportunity-feed"))


def mobilize_event(site: Site, i: int, title: str) -> dict[str, Any]:
    start = int(day(i + 14, 23).timestamp())
    return {"id": 700 + i, "title": title, "summary": f"{title} near you", "description": f"<p>{title}</p>",
            "featured_image_url": None, "high_priority": False, "timezone": "America/Chicago",
            "event_type": "CANVASS" if i else "MEETING", "browser_url": site.url(f"/texas-test/event/{700 + i}/"),
            "created_date": 1764000000, "modified_date": 1764000000, "visibility": "PUBLIC",
            "address_visibility": "PUBLIC", "contact": None,
            "sponsor": {"id": 126, "name": "Texas Test Women", "slug": "texas-test"},
            "timeslots": [{"id": 9000 + i * 10 + k, "start_date": start + k * 604800, "end_date": start + k * 604800 + 7200,
                           "is_full": False} for k in range(2)],
            "location": {"venue": "Union Hall", "address_lines": ["5 Elm St", ""], "locality": "Austin", "region": "TX",
                         "country": "US", "postal_code": "78701",
                         "location": {"latitude": 30.27, "longitude": -97.74}} if i != 1 else None}


def mobilize(site: Site) -> PlatformSite:
    """`/v1/organizations` (paged by `next`) resolves the slug; the org's events pages by `next`."""
    orgs1 = [{"id": 125, "name": "Other Org", "slug": "other-org", "event_feed_url": site.url("/other-org/")}]
    orgs2 = [{"id": 126, "name": "Texas Test Women", "slug": "texas-test", "org_type": "C4",
              "event_feed_url": site.url("/texas-test/")}]
    events = [mobilize_event(site, i, t) for i, t in enumerate(["Volunteer orientation", "Phone bank for voters",
                                                               "Neighbourhood canvass"])]

    def organizations(req: Request) -> Any:
        page = int(query(req).get("page", 1))
        nxt = site.url("/v1/organizations?per_page=100&page=2") if page == 1 else None
        return as_json({"count": 2, "next": nxt, "previous": None, "data": orgs1 if page == 1 else orgs2})

    def org_events(req: Request) -> Any:
        q = query(req)
        page = int(q.get("page", 1))
        nxt = site.url(f"/v1/organizations/126/events?timeslot_start={q.get('timeslot_start')}&per_page=2&page=2") \
            if page == 1 else None
        return as_json({"count": 3, "next": nxt, "previous": None, "data": events[(page - 1) * 2:page * 2],
                        "metadata": {"url_for_next_page": nxt}})

    site.routes.update({"/robots.txt": robots("/v1/events/deleted"), "/v1/organizations": organizations,
                        "/v1/organizations/126/events": org_events})
    return PlatformSite("mobilize", site, {"slug": "t-mobilize", "platform": "mobilize", "url": site.url("/texas-test/"),
                                           "options": {**FAST, "api_base": site.base, "per_page": 2}},
                        must_fetch=["/v1/organizations?per_page=100", "/v1/organizations?per_page=100&page=2",
                                    "/v1/organizations/126/events?timeslot_start=gte_now&per_page=2",
                                    "/v1/organizations/126/events?timeslot_start=gte_now&per_page=2&page=2"],
                        never_fetch="/v1/events/deleted", items=3,
                        detect_url=site.url("/v1/organizations/126/events?timeslot_start=gte_now&per_page=2"))


def vm_opportunity(i: int, title: str) -> dict[str, Any]:
    return {"id": 3300 + i, "title": title, "description": f"{title} for a Chicago nonprofit.", "container": "tier0ca",
            "categories": ["children"], "greatFor": [], "skillsNeeded": "", "volunteersNeeded": 2,
            "url": f"https://www.volunteermatch.org/search/opp{3300 + i}.jsp",
            "dateRange": {"startDate": None, "startTime": None, "endDate": None, "endTime": None, "ongoing": True,
                          "singleDayOpps": False},
            "parentOrg": {"id": 77, "name": "Chicago Youth Mentors", "url": "https://cym.example.org",
                          "location": {"city": "Chicago", "region": "IL", "country": "US", "postalCode": "60601",
                                       "street1": "1 Wacker Dr", "street2": None, "virtual": False}},
            "location": {"city": "Chicago", "region": "IL", "country": "US", "postalCode": "60601", "street1": "1 Wacker Dr",
                         "street2": None, "virtual": i == 2, "geoLocation": {"latitude": 41.88, "longitude": -87.63}}}


def volunteermatch(site: Site) -> PlatformSite:
    """GraphQL `searchOpportunities` behind `X-api-key`; pages while currentPage*numberOfResults < resultsSize."""
    opps = [vm_opportunity(i, t) for i, t in enumerate(["Youth Mentor", "Board Member - Finance Committee", "Virtual Tutor"])]
    keys: list[str] = []

    def graphql(req: Request) -> Any:
        keys.append(req.headers.get("X-api-key") or req.headers.get("X-Api-Key") or "")
        if keys[-1] != TEST_KEY:
            return as_json({"errors": [{"message": "Unauthorized"}]}, 401)
        body = req.body.decode()
        page = 2 if "pageNumber: 2" in body else 1
        return as_json({"data": {"searchOpportunities": {"resultsSize": 3, "currentPage": page, "numberOfResults": 2,
                                                          "opportunities": opps[(page - 1) * 2:page * 2]}}})

    site.routes.update({"/robots.txt": robots("/private/"), "/graphql": graphql})
    return PlatformSite("volunteermatch", site, {"slug": "t-volunteermatch", "platform": "volunteermatch",
                                                 "url": site.url("/graphql"),
                                                 "options": {**FAST, "api_key_env": "WIDEN_TEST_VM_KEY",
                                                             "location": "Chicago, IL", "radius": "20",
                                                             "number_of_results": 2}},
                        must_fetch=["/graphql"], never_fetch="/private/", items=3, no_detect="key-based API: detected by its host, see test_known_hosts_need_no_request",
                        extra={"keys": keys, "posts": 2})


def idealist(site: Site) -> PlatformSite:
    """Listings by time (`since` = last `updated`, while `hasMore`), HTTP Basic key; detail per listing."""
    volops = [{"id": f"vo{i}", "firstPublished": f"2026-11-0{i + 1}T10:00:00Z", "updated": f"2026-11-1{i}T10:00:00Z",
               "name": t, "url": {"en": site.url(f"/en/volunteer-opportunity/vo{i}")}, "isPublished": i != 3}
              for i, t in enumerate(["Grant Writer", "Board Member", "Food Pantry Helper", "Withdrawn Role"])]
    auths: list[str] = []
    good = "Basic " + base64.b64encode(f"{TEST_KEY}:".encode()).decode()

    def listings(req: Request) -> Any:
        auths.append(req.headers.get("Authorization", ""))
        if auths[-1] != good:
            return as_json({"error": "unauthorized"}, 401)
        since = query(req).get("since")
        rest = [v for v in volops if not since or v["updated"] > since]
        return as_json({"volops": rest[:2], "hasMore": len(rest) > 2})

    def detail(req: Request) -> Any:
        vid = req.path.rstrip("/").rsplit("/", 1)[-1]
        v = next((x for x in volops if x["id"] == vid), None)
        if v is None:
            return as_json({"error": "not found"}, 404)
        return as_json({"volop": {"id": vid, "name": v["name"], "description": f"<p>{v['name']} wanted.</p>",
                                  "url": v["url"], "org": {"id": "o1", "name": "Neighbors United", "is501c3": True},
                                  "address": {"city": "Brooklyn", "state": "New York", "stateCode": "NY",
                                              "country": "US", "zipcode": "11201"},
                                  "locationType": "ONSITE", "startDate": None, "isRecurring": True,
                                  "areasOfFocus": ["COMMUNITY_DEVELOPMENT"], "updated": v["updated"]}})

    base = "/api/v1/listings/volops"
    site.routes.update({"/robots.txt": robots(f"{base}/vo3"), base: listings,
                        **{f"{base}/{v['id']}": detail for v in volops}})
    return PlatformSite("idealist", site, {"slug": "t-idealist", "platform": "idealist", "url": site.url(base),
                                           "timezone": "America/New_York",
                                           "options": {**FAST, "api_key_env": "WIDEN_TEST_IDEALIST_KEY"}},
                        must_fetch=[base, f"{base}?since=2026-11-11T10%3A00%3A00Z", f"{base}/vo0", f"{base}/vo2"],
                        never_fetch=f"{base}/vo3", items=3, no_detect="key-based API: detected by its host, see test_known_hosts_need_no_request", extra={"auths": auths})


def boardpage(site: Site) -> PlatformSite:
    """A nonprofit's "join our board" page: role, skills, commitment, closing date, how to apply."""
    page = html(f"""<main><h1>Join our Board of Trustees</h1>
      <section><h2>Trustee vacancies</h2><p>We are recruiting trustees with finance, legal or HR experience.
      Trustees serve a three year term and attend five Board meetings per year. The role is unpaid; expenses are paid.</p>
      <p>Applications close on {day(30):%B %-d, %Y}. Email board@example.org with your CV.</p></section>
      <p><a href='/private/board-minutes/'>Board minutes (members)</a></p></main>""")
    site.routes.update({"/robots.txt": robots("/private/"), "/about/join-our-board/": page})
    return PlatformSite("boardpage", site, {"slug": "t-boardpage", "platform": "boardpage",
                                            "url": site.url("/about/join-our-board/"), "timezone": "Europe/London",
                                            "country": "GB", "kind": "board_seat", "options": FAST},
                        must_fetch=["/about/join-our-board/"], never_fetch="/private/board-minutes/", items=1,
                        detect_url=site.url("/about/join-our-board/"))


UNSET_KEY = "WIDEN_TEST_UNSET_KEY"  # never set: its sources must be skipped without a request


def volunteermatch_nokey(site: Site) -> PlatformSite:
    """VolunteerMatch configured, its key variable unset."""
    b = volunteermatch(site)
    b.source = {**b.source, "slug": "t-volunteermatch-nokey", "options": {**b.source["options"], "api_key_env": UNSET_KEY}}
    b.must_fetch, b.extra = [], {"skipped": f"skipped: set {UNSET_KEY}"}
    return b


def idealist_nokey(site: Site) -> PlatformSite:
    """Idealist configured, its key variable unset."""
    b = idealist(site)
    b.source = {**b.source, "slug": "t-idealist-nokey", "options": {**b.source["options"], "api_key_env": UNSET_KEY}}
    b.must_fetch, b.extra = [], {"skipped": f"skipped: set {UNSET_KEY}"}
    return b
