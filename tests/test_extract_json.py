"""JSON API shapes: one small document per API family, mirroring the real responses' structure.

Each test feeds bytes to the public entry point (`crawlers.extract.extract`) and checks the raw
listing fields the adapter is responsible for; a few run the listing through normalize+classify
where the contract is about the finished record (times with offsets, board seats). A parametrized
test checks that every document is claimed by the adapter meant for it and by no earlier one.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
from typing import Any

import pytest

from crawlers.extract import Context, extract
from crawlers.extract.apis import ADAPTERS
from pipelines.classify import classify
from pipelines.normalize import SourceContext, normalize

NOW = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)


def run(doc: Any, url: str = "", now: dt.datetime = NOW) -> list[dict[str, Any]]:
    body = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    return extract(body, url, "application/json", Context(url=url, now=now))


def record(raw: dict[str, Any], tz: str | None = None) -> dict[str, Any]:
    return classify(normalize(raw, SourceContext(source="t", tz=tz, now=NOW)))


def claimed_by(doc: Any) -> str:
    for adapter in ADAPTERS:
        if adapter.detect(doc):
            return adapter.__name__.rsplit(".", 1)[-1]
    return "generic"


# --- documents ----------------------------------------------------------------------------------

TRIBE = {
    "events": [
        {"id": 11, "title": "Chamber Mixer", "description": "<p>Meet members</p>", "url": "https://c.org/event/mixer/",
         "start_date": "2025-04-02 17:30:00", "end_date": "2025-04-02 19:00:00",
         "utc_start_date": "2025-04-02 22:30:00", "utc_end_date": "2025-04-03 00:00:00", "all_day": False,
         "timezone": "America/Chicago", "cost": "Free",
         "venue": {"venue": "Hall A", "address": "1 Main St", "city": "Springfield", "stateprovince": "IL",
                   "zip": "62701", "country": "United States", "geo_lat": 39.8, "geo_lng": -89.6},
         "organizer": [{"organizer": "Springfield Chamber", "website": "https://c.org"}]},
        {"id": 12, "title": "Annual Gala", "start_date": "2025-05-10 00:00:00", "end_date": "2025-05-10 23:59:59",
         "utc_start_date": "2025-05-10 05:00:00", "all_day": True, "timezone": "America/Chicago",
         "venue": [], "organizer": []},
        {"id": 13, "title": "Zoneless", "start_date": "2025-06-01 09:00:00", "utc_start_date": "2025-06-01 14:00:00",
         "utc_end_date": "2025-06-01 15:00:00", "all_day": False, "venue": []},
    ],
    "rest_url": "https://c.org/wp-json/tribe/events/v1/events/?page=1", "total": 3,
}

GCAL = {
    "kind": "calendar#events", "summary": "PDX User Groups", "timeZone": "America/Los_Angeles",
    "items": [
        {"kind": "calendar#event", "id": "a1", "status": "confirmed", "summary": "Python User Group",
         "htmlLink": "https://www.google.com/calendar/event?eid=a1", "location": "Puppet, 308 SW 2nd Ave, Portland",
         "start": {"dateTime": "2025-04-09T18:30:00-07:00"}, "end": {"dateTime": "2025-04-09T20:30:00-07:00"},
         "recurrence": ["RRULE:FREQ=MONTHLY;BYDAY=2WE"], "iCalUID": "a1@google.com"},
        {"kind": "calendar#event", "id": "a2", "status": "cancelled", "summary": "Hack night",
         "start": {"date": "2025-04-12"}, "end": {"date": "2025-04-13"},
         "hangoutLink": "https://meet.google.com/x"},
    ],
}

MEETUP_REST_EVENTS = [
    {"id": "262035915", "name": "HumanTalks Juin", "status": "past", "time": 1560272400000,
     "utc_offset": 7200000, "duration": 7200000, "local_date": "2019-06-11", "local_time": "19:00",
     "venue": {"name": "Deezer", "address_1": "12 rue d'Athènes", "city": "Paris", "country": "fr",
               "lat": 48.87, "lon": 2.32},
     "group": {"name": "HumanTalks Paris", "urlname": "HumanTalks-Paris", "timezone": "Europe/Paris"},
     "link": "https://www.meetup.com/HumanTalks-Paris/events/262035915/", "description": "<p>Talks</p>"},
]

MEETUP_V2 = {"results": [
    {"id": "qq1", "name": "Online Drupal Night", "time": 1743634800000, "utc_offset": -25200000,
     "event_url": "https://www.meetup.com/phx-drupal/events/qq1/", "status": "upcoming",
     "venue": {"name": "Online event"}, "group": {"name": "Phoenix Drupal", "urlname": "phx-drupal"}},
], "meta": {"count": 1}}

MEETUP_GROUPS = [
    {"id": 20851840, "name": "R-Ladies Barcelona", "status": "active", "link": "https://www.meetup.com/rladies-barcelona/",
     "urlname": "rladies-barcelona", "city": "Barcelona", "country": "ES", "localized_location": "Barcelona, Spain",
     "state": "", "lat": 41.4, "lon": 2.17, "members": 592, "timezone": "Europe/Madrid",
     "pro_network": {"name": "R-Ladies", "urlname": "rladies"}},
]

MEETUP_GQL_GROUPS = {"data": {"proNetwork": {"groupsSearch": {
    "totalCount": 2, "pageInfo": {"hasNextPage": False},
    "edges": [
        {"node": {"id": "1", "name": "R-Ladies Cincinnati", "urlname": "rladies-cincinnati-oh", "city": "Cincinnati",
                  "state": "OH", "country": "us", "lat": 39.1, "lon": -84.5, "timezone": "America/New_York"}},
        {"node": {"id": "2", "name": "R-Ladies Kyiv", "urlname": "rladies-kyiv", "city": "Kyiv", "state": "",
                  "country": "ua", "timezone": "Europe/Kiev"}},
    ]}}}}

MEETUP_GQL_EVENTS = {"data": {"groupByUrlname": {"name": "PyData", "upcomingEvents": {"edges": [
    {"node": {"id": "e1", "title": "PyData Night", "eventUrl": "https://www.meetup.com/pydata/events/e1/",
              "dateTime": "2025-04-10T18:00-04:00", "duration": "PT2H30M", "isOnline": False,
              "venue": {"name": "Civic Hall", "address": "124 E 14th St", "city": "New York", "state": "NY",
                        "country": "us"},
              "group": {"name": "PyData NYC", "urlname": "pydata", "timezone": "America/New_York"}}},
    {"node": {"id": "e2", "title": "Remote Lightning Talks", "eventUrl": "https://www.meetup.com/pydata/events/e2/",
              "dateTime": "2025-04-20T12:00-04:00", "endTime": "2025-04-20T13:00-04:00", "eventType": "ONLINE",
              "status": "CANCELLED", "group": {"name": "PyData NYC", "urlname": "pydata"}}},
]}}}}

EVENTBRITE = {"pagination": {"page_number": 1}, "events": [
    {"id": "77", "name": {"text": "Founders Breakfast", "html": "Founders Breakfast"},
     "description": {"text": "Coffee and intros", "html": "<p>Coffee and intros</p>"},
     "url": "https://www.eventbrite.com/e/founders-breakfast-77", "status": "canceled", "online_event": False,
     "is_free": True,
     "start": {"timezone": "Europe/Berlin", "local": "2025-04-03T08:00:00", "utc": "2025-04-03T06:00:00Z"},
     "end": {"timezone": "Europe/Berlin", "local": "2025-04-03T09:30:00", "utc": "2025-04-03T07:30:00Z"},
     "venue": {"name": "Factory", "address": {"address_1": "Rheinsberger Str. 76", "city": "Berlin",
                                              "region": "BE", "postal_code": "10115", "country": "DE",
                                              "latitude": "52.53", "longitude": "13.39"}},
     "organizer": {"name": "Berlin Founders", "url": "https://www.eventbrite.com/o/berlin-founders-1"}},
]}

FACEBOOK_LEGACY = {
    "id": "247619485255249", "owner": {"name": "Open Source Bridge", "id": "2288"}, "name": "Open Source Bridge 2012",
    "description": "Conference", "start_time": "2012-06-26T09:00:00", "end_time": "2012-06-29T21:00:00",
    "location": "Eliot Center", "privacy": "OPEN",
    "venue": {"street": "1226 SW Salmon Street", "city": "Portland", "state": "Oregon", "country": "United States",
              "latitude": 45.52, "longitude": -122.67},
}

FACEBOOK_LIST = {"data": [
    {"id": "9", "name": "Women in Tech Meetup", "start_time": "2019-05-04T19:00:00-0700", "is_online": True,
     "is_canceled": True, "place": {"name": "Online"}, "updated_time": "2019-04-01T00:00:00+0000"},
], "paging": {}}

ACTIVITYPUB = {
    "@context": ["https://www.w3.org/ns/activitystreams"], "type": "OrderedCollection", "totalItems": 1,
    "orderedItems": [{"type": "Create", "object": {
        "type": "Event", "id": "https://mobilizon.fr/events/u1", "url": "https://mobilizon.fr/events/u1",
        "name": "Apéro des assos", "content": "<p>Rencontre</p>", "startTime": "2025-04-05T18:00:00+02:00",
        "endTime": "2025-04-05T21:00:00+02:00", "timezone": "Europe/Paris", "isOnline": False,
        "ical:status": "CONFIRMED", "attributedTo": {"type": "Group", "name": "Collectif Lyon"},
        "location": {"type": "Place", "name": "La Commune",
                     "address": {"type": "PostalAddress", "streetAddress": "3 rue Pré-Gaudry",
                                 "addressLocality": "Lyon", "postalCode": "69007", "addressCountry": "France"}}}}],
}

MOBILIZON_GQL = {"data": {"searchEvents": {"total": 1, "elements": [
    {"uuid": "u2", "title": "Atelier bénévoles", "url": "https://mobilizon.fr/events/u2",
     "beginsOn": "2025-04-08T17:00:00Z", "endsOn": "2025-04-08T19:00:00Z", "status": "CANCELLED",
     "physicalAddress": {"description": "Maison des assos", "street": "1 rue X", "locality": "Nantes",
                         "country": "France", "postalCode": "44000", "geom": "-1.55;47.21"},
     "options": {"isOnline": False}, "organizerActor": {"name": "Asso Nantes"}},
]}, "searchGroups": {"total": 1, "elements": [
    {"__typename": "Group", "id": "g1", "name": "Linux Nantes", "preferredUsername": "linuxnantes",
     "url": "https://mobilizon.fr/@linuxnantes", "summary": "Groupe d'utilisateurs",
     "physicalAddress": {"locality": "Nantes", "country": "France"}},
]}}}

GANCIO = [
    {"id": 5, "title": "Repair Café", "slug": "repair-cafe", "start_datetime": 1743854400, "end_datetime": 1743865200,
     "multidate": False, "place": {"name": "Kulturhaus", "address": "Hauptstr. 1, Bonn"}, "tags": ["repair"]},
]

EVENT_ORGANISER = [
    {"title": "Board Meeting", "url": "http://pbc.example/events/event/board/", "allDay": False,
     "start": "2018-12-11T14:30:00", "end": "2018-12-11T15:30:00", "className": ["eo-event", "eo-past-event"]},
    {"title": "Thanksgiving Day", "url": "http://pbc.example/events/event/thanksgiving/", "allDay": True,
     "start": "2018-11-22T00:00:00", "end": "2018-11-23T00:00:00", "className": ["eo-event", "eo-all-day"]},
]

EVENTON = {
    "status": "GOOD", "total_events": 1,
    "eventList": [{"event_id": 4969, "event_start_unix": "1568368800", "event_end_unix": "1568376000",
                   "event_title": "Land Transactions Committee"}],
    "content": "<div id='event_4969' class='eventon_list_event'><a itemprop='url' href='http://lb.example/events/ltc/'>"
               "</a><span class='evcal_event_title'>Land Transactions Committee</span>"
               "<p class='evo_location_name'>County Building, Room C</p>"
               "<div class='eventon_desc_in'><p>Agenda</p></div></div>",
}

AEM = {"eventFeedItemList": [
    {"eventTitle": "Full Committee Meeting", "start": "2024-03-14T10:00:00.000", "end": "2024-03-14T12:00:00.000",
     "startEventTimeZone": "CDT", "eventPath": "https://agency.illinois.gov/meetings/20240314.html",
     "canceledEvent": "false",
     "physicalList": [{"locationName": "State Office Building", "streetLineOne": "555 W. Monroe",
                       "streetLineTwo": "Illinois Room", "city": "Chicago", "state": "IL", "zipcode": ""}],
     "virtualList": [{"locationName": "Virtual: WebEx", "link": "https://illinois.webex.com/j"}]},
]}

DOIT_V1 = {
    "data": {"items": [
        {"id": "13e5922a", "title": "Age UK Harrow - Trustee", "description": "Join our board of trustees.",
         "address_1": None, "city": None, "postcode": "HA3 7FD", "location_type": "RL",
         "location": {"name": "Wealdstone", "lat": 51.59, "lng": -0.33}, "location_name": "Wealdstone",
         "lat": None, "lng": None, "working_from_home": False,
         "specific_start_date": "2015-10-06T11:59:17+00:00", "specific_end_date": "2017-01-18T14:34:52+00:00",
         "for_recruiter": {"name": "Harrow Volunteer Centre"}, "owner_recruiter": {"name": "Harrow Volunteer Centre"},
         "interests": [{"name": "Older People", "slug": "older-people"}]},
        {"id": "79ae1022", "title": "Scout Leader 27th Harrow", "description": "Run weekly activities.",
         "address_1": "43 Claremont Road,", "city": "Wealdstone", "postcode": "HA3 7AU", "lat": 51.598,
         "lng": -0.336, "location": None, "working_from_home": False,
         "specific_start_date": "2016-01-29T16:05:04+00:00", "specific_end_date": None,
         "for_recruiter": {"name": "Scouts - Greater London"}, "owner_recruiter": {"name": "Scouts - Greater London"}},
    ]},
    "links": {"self": {"href": "/v1/opportunities"}}, "meta": {"tenant": "doittrust", "total_items": 2},
}

DOIT_V2 = {
    "data": {"items": [
        {"id": "87875689", "title": "Museum Cafe Volunteer", "description": "Serve tea.",
         "specific_start_date": "2017-05-24T09:42:43+00:00", "specific_end_date": "2018-05-10T19:23:47+00:00",
         "for_recruiter": {"name": "Bentley Priory Museum", "website": "http://bentleypriorymuseum.org.uk/"},
         "owner_recruiter": {"name": "Bentley Priory Museum"},
         "locations": [{"address_1": "Bentley Priory Museum", "address_2": "Stanmore", "city": "London",
                        "county": "Middlesex", "postcode": "HA7 3FB", "lat": 51.62, "lng": -0.33,
                        "working_from_home": True}]},
    ]},
    "links": {"prev": {"href": "/v2/opportunities?page=3"}}, "meta": {"tenant": "doittrust", "current_page": 4},
}

DOIT_ORG = {"data": {"recruiter": {"name": "Scouts - Greater London", "city": "Chingford"}},
            "links": {"self": {"href": "/v1/orgs/x"}}, "meta": {"tenant": "doittrust"}}

REACH = {"nodes": [
    {"node": {"title": "Charity Treasurer", "Organisation": "The Patients Association",
              "Description": "The duties of a Trustee treasurer are to oversee budgets.",
              "Path": "https://reachskills.org.uk/opp/charity-treasurer-10?referrer_id=Harrow Network&?utm_source=HCN",
              "Town": "Harrow", "Postcode": "HA1 3UJ   ",
              "Coordinates": "51\u00b0 34' 31.4652\" N, 0\u00b0 19' 19.3332\" W"}},
    {"node": {"title": "School Governor (Harrow)", "Organisation": "Governors for Schools", "Description": "x",
              "Path": "https://reachskills.org.uk/opp/school-governor-harrow", "Town": "Harrow", "Postcode": "HA",
              "Coordinates": "0\u00b0 0' 0\" N, 0\u00b0 0' 0\" E"}},
]}

MOBILIZE_EVENTS = {"count": 1, "next": None, "previous": None, "data": [
    {"id": 501, "title": "Weekend Canvass", "description": "Knock doors", "timezone": "America/New_York",
     "browser_url": "https://www.mobilize.us/org/event/501/", "is_virtual": False,
     "sponsor": {"name": "Neighbors United", "event_feed_url": "https://www.mobilize.us/neighbors/"},
     "location": {"venue": "Field Office", "address_lines": ["100 Main St", "Suite 2"], "locality": "Richmond",
                  "region": "VA", "country": "US", "postal_code": "23220",
                  "location": {"latitude": 37.54, "longitude": -77.43}},
     "timeslots": [{"id": 1, "start_date": 1740000000, "end_date": 1740007200},   # 2025-02-19, before NOW
                   {"id": 2, "start_date": 1741435200, "end_date": 1741442400},   # 2025-03-08
                   {"id": 3, "start_date": 1742040000, "end_date": 1742047200}]},
]}

MOBILIZE_ORGS = {"count": 3989, "next": "https://api.mobilize.us/v1/organizations?page=3", "previous": None, "data": [
    {"id": 168, "slug": "action-together-network", "name": "Action Together Network", "state": "",
     "org_type": "INDEPENDENT", "event_feed_url": "https://www.mobilize.us/action-together-network/"},
]}

VOLUNTEER_CONNECTOR = {"count": 2, "next": None, "previous": None, "results": [
    {"id": 1, "title": "Board Director", "description": "Join our board.", "url": "https://www.volunteerconnector.org/opportunity/1",
     "remote_or_online": False, "organization": {"name": "Food Bank", "url": "https://fb.ca"},
     "activities": [{"name": "Governance", "category": "Leadership"}], "dates": "Ongoing", "duration": None,
     "audience": {"scope": "local", "regions": ["Ontario"], "latitude": 43.65, "longitude": -79.38}},
    {"id": 2, "title": "Festival Helper", "description": "Help at gates", "url": "https://www.volunteerconnector.org/opportunity/2",
     "remote_or_online": True, "organization": {"name": "City Fest"}, "activities": [],
     "dates": "Jul 5, 2025 - Jul 7, 2025", "audience": {"scope": "national"}},
]}

TOASTMASTERS = {"Clubs": [
    {"Identification": {"Id": {"Name": "Downtown Speakers", "Value": "00001234"}},
     "Classification": {"District": {"Name": "District 30"}}, "CharterDate": "/Date(946684800000)/",
     "Address": {"Street": "100 W Randolph St", "City": "Chicago", "PostalCode": "60601", "PrimaryRegion": {"Value": "IL"},
                 "Coordinates": {"Latitude": 41.88, "Longitude": -87.63}},
     "CountryName": "United States", "Location": "Thompson Center, Room 9", "MeetingDay": "Tuesday",
     "MeetingTime": "19:00", "Website": "https://downtown.toastmastersclubs.org", "AllowsVirtualAttendance": True},
]}

BEVY_REGIONS = {"results": [
    {"id": 3, "title": "Europe", "chapters": [
        {"id": 759, "title": "GDG Fribourg", "city": "Fribourg", "country": "CH", "state": "",
         "url": "https://gdg.community.dev/gdg-fribourg/", "relative_url": "/gdg-fribourg/",
         "latitude": 46.8, "longitude": 7.15, "active": True},
        {"id": 760, "title": "GDG Bern", "city": "Bern", "country": "CH", "relative_url": "/gdg-bern/"},
    ]},
]}

BEVY_EVENTS = {"count": 1, "results": [
    {"id": 91, "title": "DevFest Bern", "start_date": "2025-11-08T09:00:00+01:00", "end_date": "2025-11-08T17:00:00+01:00",
     "url": "https://gdg.community.dev/events/details/devfest-bern/", "event_type_title": "Conference",
     "chapter": {"title": "GDG Bern", "city": "Bern", "country": "CH", "timezone": "Europe/Zurich"},
     "venue_name": "Kursaal", "venue_address": "Kornhausstrasse 3", "venue_city": "Bern"},
]}

VOLUNTEERMATCH = {"data": {"searchOpportunities": {"resultsSize": 2, "opportunities": [
    {"id": 10, "title": "Nonprofit Board Treasurer", "description": "Serve on our board", "url": "https://www.volunteermatch.org/o10",
     "parentOrg": {"name": "Shelter SF", "url": "https://shelter.example"},
     "location": {"city": "San Francisco", "region": "CA", "postalCode": "94103", "country": "US", "virtual": False},
     "dateRange": {"ongoing": True}, "skillsNeeded": "Accounting, Budgeting", "categories": ["Homeless & Housing"]},
    {"id": 11, "title": "Beach Cleanup", "description": "One day", "url": "https://www.volunteermatch.org/o11",
     "parentOrg": {"name": "Surfrider"}, "location": {"city": "Santa Cruz", "region": "CA", "country": "US"},
     "dateRange": {"ongoing": False, "startDate": "2025-04-19", "startTime": "09:00:00", "endDate": "2025-04-19",
                   "endTime": "12:00:00"}},
]}}}

IDEALIST = {"volop": {"id": "abc", "name": "Mentor Youth", "description": "<p>Weekly mentoring</p>",
                      "url": {"en": "https://www.idealist.org/en/volunteer-opportunity/abc", "es": "https://x/es"},
                      "org": {"name": "Big Siblings", "url": {"en": "https://www.idealist.org/en/nonprofit/bs"}},
                      "address": {"city": "Boston", "state": "Massachusetts", "stateCode": "MA", "country": "US",
                                  "zipcode": "02110"},
                      "locationType": "HYBRID", "areasOfFocus": ["EDUCATION"]}}

GENERIC = {"status": "ok", "payload": {"calendar": {"entries": [
    {"headline": "Civic Tech Night", "startsAt": 1743804000, "endsAt": 1743811200, "link": "https://civic.example/e/1",
     "location": {"name": "Library", "address": {"street": "1 Book Ln", "city": "Austin", "state": "TX"}},
     "organizer": {"name": "Open Austin"}, "created_at": "2024-01-01T00:00:00Z", "timezone": "CST"},
    {"headline": "Data Jam", "startsAt": "2025-04-12T10:00:00-05:00", "link": "https://civic.example/e/2",
     "location": "Capital Factory, Austin, TX 78701", "is_online": False},
]}, "nav": [{"title": "Home", "url": "/"}]}}

LOCALIST_LIKE = {"events": [{"event": {
    "id": 1, "title": "Alumni Networking Night", "localist_url": "https://calendar.uni.edu/event/alumni",
    "location_name": "Student Union", "description_text": "Meet alumni",
    "event_instances": [{"event_instance": {"id": 9, "start": "2025-04-15T18:00:00-04:00",
                                            "end": "2025-04-15T20:00:00-04:00", "all_day": False}}]}}],
    "page": {"current": 1, "total": 1}}

JSONLD = {"@context": "https://schema.org", "@graph": [
    {"@type": "BusinessEvent", "name": "Chamber Breakfast", "startDate": "2025-04-17T07:30:00-05:00",
     "url": "https://chamber.example/events/breakfast",
     "location": {"@type": "Place", "name": "Hotel Ballroom",
                  "address": {"@type": "PostalAddress", "addressLocality": "Tulsa", "addressRegion": "OK"}}},
    {"@type": "Organization", "name": "Tulsa Chamber"},
]}

CASES = [
    ("tribe", TRIBE), ("gcal", GCAL), ("meetup", MEETUP_REST_EVENTS), ("meetup", MEETUP_V2),
    ("meetup", MEETUP_GROUPS), ("meetup", MEETUP_GQL_GROUPS), ("meetup", MEETUP_GQL_EVENTS),
    ("eventbrite", EVENTBRITE), ("facebook", FACEBOOK_LEGACY), ("facebook", FACEBOOK_LIST),
    ("fediverse", ACTIVITYPUB), ("fediverse", MOBILIZON_GQL), ("fediverse", GANCIO),
    ("wordpress", EVENT_ORGANISER), ("wordpress", EVENTON), ("aem", AEM), ("doit", DOIT_V1), ("doit", DOIT_V2),
    ("doit", DOIT_ORG), ("drupalviews", REACH), ("mobilize", MOBILIZE_EVENTS), ("mobilize", MOBILIZE_ORGS),
    ("volunteerconnector", VOLUNTEER_CONNECTOR), ("toastmasters", TOASTMASTERS), ("bevy", BEVY_REGIONS),
    ("bevy", BEVY_EVENTS), ("volunteermatch", VOLUNTEERMATCH), ("idealist", IDEALIST), ("jsonld", JSONLD), ("generic", GENERIC),
    ("generic", LOCALIST_LIKE),
]


@pytest.mark.parametrize(("adapter", "doc"), CASES, ids=[f"{a}-{i}" for i, (a, _) in enumerate(CASES)])
def test_each_shape_is_claimed_by_its_adapter(adapter: str, doc: Any) -> None:
    assert claimed_by(doc) == adapter


@pytest.mark.parametrize(("adapter", "doc"), CASES, ids=[f"{a}-{i}" for i, (a, _) in enumerate(CASES)])
def test_every_listing_normalizes_and_validates(adapter: str, doc: Any) -> None:
    """Whatever an adapter returns must survive the real pipeline stages without errors."""
    import jsonschema

    from crawlers.schema import json_schema

    schema = json_schema()
    for raw in run(doc, url="https://example.org/api"):
        rec = record(raw)
        jsonschema.validate({k: v for k, v in rec.items() if not k.startswith("_")}, schema)


# --- per-shape fields ----------------------------------------------------------------------------

def test_tribe_venue_list_timezone_and_utc_fallback() -> None:
    mixer, gala, zoneless = run(TRIBE)
    assert mixer["start"] == "2025-04-02 17:30:00" and mixer["timezone"] == "America/Chicago"
    assert (mixer["venue"], mixer["city"], mixer["region"], mixer["postal_code"]) == ("Hall A", "Springfield", "IL", "62701")
    assert mixer["organizer"] == "Springfield Chamber" and mixer["native_id"] == "11"
    assert "venue" not in gala and gala["all_day"] is True and gala["start"] == "2025-05-10"
    assert zoneless["start"] == "2025-06-01 14:00:00+00:00"  # only the UTC instant is trustworthy
    assert record(mixer)["start"] == "2025-04-02T17:30:00-05:00"


def test_google_calendar_times_rules_and_cancellations() -> None:
    pug, hack = run(GCAL)
    assert pug["start"] == "2025-04-09T18:30:00-07:00" and pug["timezone"] == "America/Los_Angeles"
    assert pug["recurrence"] == "RRULE:FREQ=MONTHLY;BYDAY=2WE" and pug["location_text"].startswith("Puppet")
    assert hack["all_day"] is True and hack["start"] == "2025-04-12" and hack["event_status"] == "cancelled"
    assert hack["online"] is True
    assert record(hack)["status"] == "cancelled"


def test_meetup_rest_event_time_plus_offset_and_duration() -> None:
    (e,) = run(MEETUP_REST_EVENTS)
    rec = record(e)
    assert rec["start"] == "2019-06-11T19:00:00+02:00" and rec["end"] == "2019-06-11T21:00:00+02:00"
    assert (e["venue"], e["city"], e["timezone"], e["kind"]) == ("Deezer", "Paris", "Europe/Paris", "networking_event")
    assert e["url"].endswith("/events/262035915/") and e["organizer"] == "HumanTalks Paris"


def test_meetup_v2_online_event_has_no_fake_venue() -> None:
    assert claimed_by({"events": MEETUP_REST_EVENTS, "city": {"city": "Paris"}}) == "meetup"
    (e,) = run(MEETUP_V2)
    assert e["online"] is True and "venue" not in e
    assert record(e)["start"] == "2025-04-02T16:00:00-07:00"


def test_meetup_groups_rest_and_graphql_are_networking_groups() -> None:
    (bcn,) = run(MEETUP_GROUPS)
    assert (bcn["kind"], bcn["city"], bcn["country"], bcn["url"]) == (
        "networking_group", "Barcelona", "ES", "https://www.meetup.com/rladies-barcelona/")
    assert bcn["organizer"] == "R-Ladies" and bcn["timezone"] == "Europe/Madrid"
    cin, kyiv = run(MEETUP_GQL_GROUPS)
    assert cin["url"] == "https://www.meetup.com/rladies-cincinnati-oh/" and cin["region"] == "OH"
    assert record(cin)["country"] == "US" and record(kyiv)["timezone"] == "Europe/Kiev"
    assert {cin["kind"], kyiv["kind"]} == {"networking_group"}


def test_meetup_graphql_events_duration_online_and_status() -> None:
    night, remote = run(MEETUP_GQL_EVENTS)
    assert night["end"] == "2025-04-10T20:30:00-04:00" and night["venue"] == "Civic Hall"
    assert remote["online"] is True and remote["event_status"] == "cancelled"
    assert remote["end"] == "2025-04-20T13:00-04:00"


def test_meetup_graphql_single_event_and_bare_group() -> None:
    event = {"data": {"event": {"id": "e9", "title": "Founders Coffee", "dateTime": "2025-05-01T08:00+01:00",
                                "eventUrl": "https://www.meetup.com/f/events/e9/", "group": {"urlname": "f", "name": "F"}}}}
    (e,) = run(event)
    assert (e["title"], e["organizer"], e["kind"]) == ("Founders Coffee", "F", "networking_event")
    group = {"data": {"groupByUrlname": {"id": "7", "name": "Women Who Code", "urlname": "wwcode", "city": "Oslo",
                                         "country": "no", "upcomingEvents": {"edges": []}}}}
    (g,) = run(group)
    assert g["kind"] == "networking_group" and g["url"] == "https://www.meetup.com/wwcode/"


def test_mobilize_single_event_and_doit_organisation_search() -> None:
    single = {"data": MOBILIZE_EVENTS["data"][0]}
    assert [x["title"] for x in run(single)] == ["Weekend Canvass"]
    orgs = {"data": {"items": [{"id": "o1", "name": "Age UK Harrow", "active_opportunities_count": 4,
                                "created": "2014-10-27T09:50:29+00:00"}]},
            "links": {}, "meta": {"tenant": "doittrust"}}
    assert claimed_by(orgs) == "doit" and run(orgs) == []


def test_eventbrite_local_time_in_zone_venue_and_status() -> None:
    (e,) = run(EVENTBRITE)
    assert (e["start"], e["timezone"]) == ("2025-04-03T08:00:00", "Europe/Berlin")
    assert e["description_html"] == "<p>Coffee and intros</p>" and e["cost"] == "free"
    assert (e["venue"], e["address"], e["postal_code"], e["country"]) == ("Factory", "Rheinsberger Str. 76", "10115", "DE")
    rec = record(e)
    assert rec["start"] == "2025-04-03T08:00:00+02:00" and rec["status"] == "cancelled"


def test_facebook_legacy_and_current_objects() -> None:
    (osb,) = run(FACEBOOK_LEGACY)
    assert (osb["venue"], osb["city"], osb["organizer"]) == ("Eliot Center", "Portland", "Open Source Bridge")
    assert osb["url"] == "https://www.facebook.com/events/247619485255249/"
    rec = record(osb, tz="America/Los_Angeles")
    assert (rec["region"], rec["country"], rec["start"]) == ("OR", "US", "2012-06-26T09:00:00-07:00")
    (wit,) = run(FACEBOOK_LIST)
    assert wit["online"] is True and wit["event_status"] == "cancelled"
    assert record(wit)["start"] == "2019-05-04T19:00:00-07:00"


def test_activitypub_mobilizon_and_gancio() -> None:
    (apero,) = run(ACTIVITYPUB)
    assert (apero["title"], apero["venue"], apero["city"], apero["organizer"]) == (
        "Apéro des assos", "La Commune", "Lyon", "Collectif Lyon")
    assert apero["start"] == "2025-04-05T18:00:00+02:00" and "event_status" not in apero
    atelier, group = run(MOBILIZON_GQL)
    assert atelier["event_status"] == "cancelled" and (atelier["lat"], atelier["lon"]) == ("47.21", "-1.55")
    assert atelier["venue"] == "Maison des assos" and atelier["organizer"] == "Asso Nantes"
    assert group["kind"] == "networking_group" and group["city"] == "Nantes"
    (repair,) = run(GANCIO, url="https://gancio.example/api/events")
    assert repair["url"] == "https://gancio.example/event/repair-cafe"
    assert repair["start"] == dt.datetime(2025, 4, 5, 12, 0, tzinfo=dt.UTC)
    assert repair["venue"] == "Kulturhaus"


def test_event_organiser_all_day_is_a_date_and_eventon_epoch_is_wall_clock() -> None:
    board, thanks = run(EVENT_ORGANISER)
    assert board["start"] == "2018-12-11T14:30:00" and board.get("all_day") is False
    assert (thanks["start"], thanks["end"], thanks["all_day"]) == ("2018-11-22", "2018-11-23", True)
    (ltc,) = run(EVENTON)
    assert ltc["start"] == dt.datetime(2019, 9, 13, 10, 0)  # floating: EventON writes local time as UTC
    assert ltc["location_text"] == "County Building, Room C" and ltc["url"] == "http://lb.example/events/ltc/"
    assert record(ltc, tz="America/Chicago")["start"] == "2019-09-13T10:00:00-05:00"


def test_aem_hybrid_meeting_with_zone_abbreviation() -> None:
    (m,) = run(AEM)
    rec = record(m)
    assert rec["start"] == "2024-03-14T10:00:00-05:00" and rec["timezone"] == "America/Chicago"
    assert rec["attendance"] == "hybrid" and rec["online"] is True
    assert m["venue"] == "State Office Building" and m["address"] == "555 W. Monroe, Illinois Room"


def test_doit_v1_roles_are_ongoing_with_area_as_city_and_trustee_is_a_board_seat() -> None:
    trustee, scout = run(DOIT_V1)
    assert "start" not in trustee and "end" not in trustee and trustee["commitment"] == "ongoing"
    assert (trustee["city"], trustee["lat"], trustee["country"]) == ("Wealdstone", 51.59, "GB")
    assert trustee["organizer"] == "Harrow Volunteer Centre" and trustee["causes"] == ["older-people"]
    assert trustee["url"] == "https://do-it.org/opportunities/13e5922a"
    assert (scout["address"], scout["city"], scout["online"]) == ("43 Claremont Road,", "Wealdstone", False)
    assert record(trustee)["kind"] == "board_seat"
    assert record(scout)["kind"] == "volunteer_role" and record(scout)["start"] is None


def test_doit_v2_locations_and_org_profile() -> None:
    (cafe,) = run(DOIT_V2)
    assert (cafe["address"], cafe["city"], cafe["region"], cafe["postal_code"]) == (
        "Bentley Priory Museum, Stanmore", "London", "Middlesex", "HA7 3FB")
    assert cafe["online"] is True and cafe["organizer_url"] == "http://bentleypriorymuseum.org.uk/"
    assert run(DOIT_ORG) == []


def test_reach_feed_drops_referral_tags_and_null_island() -> None:
    treasurer, governor = run(REACH)
    assert treasurer["url"] == "https://reachskills.org.uk/opp/charity-treasurer-10"
    assert treasurer["postal_code"] == "HA1 3UJ" and treasurer["country"] == "GB"
    assert abs(treasurer["lat"] - 51.5754) < 1e-3 and abs(treasurer["lon"] + 0.3220) < 1e-3
    assert "lat" not in governor and governor["country"] == "GB"
    assert record(treasurer)["kind"] == "board_seat" and record(governor)["kind"] == "board_seat"


def test_mobilize_event_timeslots_and_organizations() -> None:
    (e,) = run(MOBILIZE_EVENTS)
    assert e["start"] == dt.datetime(2025, 3, 8, 12, 0, tzinfo=dt.UTC)  # first slot not over at NOW
    assert len(e["occurrences"]) == 3 and e["address"] == "100 Main St, Suite 2"
    assert (e["venue"], e["city"], e["region"], e["organizer"]) == ("Field Office", "Richmond", "VA", "Neighbors United")
    assert record(e)["start"] == "2025-03-08T07:00:00-05:00"
    (org,) = run(MOBILIZE_ORGS)
    assert org["kind"] == "networking_group" and org["url"] == "https://www.mobilize.us/action-together-network/"
    assert "region" not in org and org["country"] == "US"


def test_volunteer_connector_ongoing_and_dated_roles() -> None:
    board, fest = run(VOLUNTEER_CONNECTOR)
    assert board["commitment"] == "ongoing" and "start" not in board and board["region"] == "Ontario"
    assert board["skills"] == ["governance"] and board["causes"] == ["leadership"]
    assert (fest["start"], fest["end"], fest["online"]) == ("Jul 5, 2025", "Jul 7, 2025", True)
    assert record(board)["kind"] == "board_seat"


def test_toastmasters_club_is_a_group_with_meeting_text() -> None:
    (club,) = run(TOASTMASTERS)
    assert (club["title"], club["native_id"], club["kind"]) == ("Downtown Speakers", "00001234", "networking_group")
    assert club["recurrence"] == "Tuesdays 7:00 PM" and club["online"] is True
    assert (club["venue"], club["city"], club["region"], club["lat"]) == ("Thompson Center, Room 9", "Chicago", "IL", 41.88)
    rec = record(club)
    assert rec["kind"] == "networking_group" and rec["recurrence"]  # normalize may turn the text into an RRULE


def test_bevy_chapters_inside_regions_and_events() -> None:
    fribourg, bern = run(BEVY_REGIONS, url="https://gdg.community.dev/api/chapter_region?chapters=true")
    assert fribourg["url"] == "https://gdg.community.dev/gdg-fribourg/" and fribourg["kind"] == "networking_group"
    assert bern["url"] == "https://gdg.community.dev/gdg-bern/"
    (devfest,) = run(BEVY_EVENTS)
    assert (devfest["organizer"], devfest["venue"], devfest["timezone"]) == ("GDG Bern", "Kursaal", "Europe/Zurich")
    assert devfest["kind"] == "networking_event" and devfest["start"] == "2025-11-08T09:00:00+01:00"


def test_volunteermatch_ongoing_and_dated() -> None:
    treasurer, cleanup = run(VOLUNTEERMATCH)
    assert treasurer["commitment"] == "ongoing" and "start" not in treasurer
    assert treasurer["skills"] == ["accounting", "budgeting"] and treasurer["organizer"] == "Shelter SF"
    assert cleanup["start"] == "2025-04-19T09:00:00" and cleanup["end"] == "2025-04-19T12:00:00"
    assert record(treasurer)["kind"] == "board_seat"


def test_idealist_volop_detail_and_withdrawn_listings() -> None:
    listing = {"volops": [{"id": "a", "name": "Grant Writer", "isPublished": True, "url": {"en": "https://i.org/a"}},
                          {"id": "b", "name": "Withdrawn Role", "isPublished": False}], "hasMore": False}
    assert [x["title"] for x in run(listing)] == ["Grant Writer"]
    (v,) = run(IDEALIST)
    assert v["url"] == "https://www.idealist.org/en/volunteer-opportunity/abc"
    assert (v["region"], v["online"], v["attendance_mode"]) == ("MA", True, "mixed")
    assert v["organizer_url"] == "https://www.idealist.org/en/nonprofit/bs"


def test_schema_org_json_ld_document_uses_the_schema_org_reader() -> None:
    (e,) = run(JSONLD)
    assert (e["title"], e["venue"], e["city"]) == ("Chamber Breakfast", "Hotel Ballroom", "Tulsa")
    assert e["start"] == "2025-04-17T07:30:00-05:00"


def test_generic_detector_finds_the_listing_array_anywhere() -> None:
    jam_first = sorted(run(GENERIC), key=lambda x: x["title"])
    civic, jam = jam_first
    assert civic["title"] == "Civic Tech Night" and civic["start"] == dt.datetime(2025, 4, 4, 22, 0, tzinfo=dt.UTC)
    assert (civic["venue"], civic["city"], civic["organizer"]) == ("Library", "Austin", "Open Austin")
    assert civic["timezone"] == "America/Chicago" and civic["url"] == "https://civic.example/e/1"
    assert jam["location_text"].startswith("Capital Factory") and jam["online"] is False
    strapi_v4 = {"data": [{"id": 4, "attributes": {"title": "Commission Meeting", "start": "2024-07-25T16:30:00.000Z",
                                                  "isCancelled": True, "summary": "Via WebEx"}}],
                 "meta": {"pagination": {"page": 1}}}
    (meeting,) = run(strapi_v4)
    assert (meeting["native_id"], meeting["event_status"], meeting["start"]) == ("4", "cancelled", "2024-07-25T16:30:00.000Z")
    (alumni,) = run(LOCALIST_LIKE)
    assert alumni["start"] == "2025-04-15T18:00:00-04:00" and alumni["url"] == "https://calendar.uni.edu/event/alumni"
    assert alumni["venue"] == "Student Union" and alumni["description"] == "Meet alumni"


# --- malformed input ------------------------------------------------------------------------------

@pytest.mark.parametrize("body", [b"", b"   ", b"{not json", b"null", b"{}", b"[]", b'"text"', b"42",
                                  b'{"events": "nope"}', b'[1, 2, {"title": null}]'])
def test_malformed_or_empty_json_gives_nothing_and_a_warning(body: bytes, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        out = extract(body, "", "application/json", Context(now=NOW))
    assert out == []
    if body.strip() in (b"", b"{not json", b"null", b"{}", b"[]"):
        assert any(r.levelno == logging.WARNING for r in caplog.records)


def test_jsonp_and_bom_are_read() -> None:
    body = b"\xef\xbb\xbfcb(" + json.dumps(TOASTMASTERS).encode() + b");"
    assert [x["title"] for x in run(body)] == ["Downtown Speakers"]


def test_an_adapter_crash_falls_back_to_generic(monkeypatch: pytest.MonkeyPatch,
                                                caplog: pytest.LogCaptureFixture) -> None:
    from crawlers.extract.apis import tribe

    def boom(doc: Any, ctx: Any = None) -> list[dict[str, Any]]:
        raise KeyError("surprise")

    monkeypatch.setattr(tribe, "listings", boom)
    with caplog.at_level(logging.WARNING):
        out = run(TRIBE)
    assert {x["title"] for x in out} == {"Chamber Mixer", "Annual Gala", "Zoneless"}
    assert any("tribe adapter failed" in r.getMessage() for r in caplog.records)


def test_a_listing_repeated_in_one_response_counts_once() -> None:
    doc = json.loads(json.dumps(MEETUP_GROUPS))
    doc.append(dict(doc[0]))
    assert len(run(doc)) == 1
    generic = {"items": [{"title": "Open Data Day", "date": "2025-03-01"}] * 2}
    assert len(run(generic)) == 1


ODD_VALUES = (None, "", "x", 0, 1.5, True, [], {}, [1], {"a": 1}, "2025-01-01", 1700000000)


def _mutate(doc: Any, rnd: random.Random) -> Any:
    """The document with ~15% of its values swapped for values of the wrong type."""
    if isinstance(doc, dict):
        return {k: rnd.choice(ODD_VALUES) if rnd.random() < 0.15 else _mutate(v, rnd) for k, v in doc.items()}
    if isinstance(doc, list):
        return [rnd.choice(ODD_VALUES) if rnd.random() < 0.15 else _mutate(v, rnd) for v in doc]
    return doc


@pytest.mark.parametrize(("adapter", "doc"), CASES, ids=[f"{a}-{i}" for i, (a, _) in enumerate(CASES)])
def test_wrong_types_anywhere_never_raise(adapter: str, doc: Any, caplog: pytest.LogCaptureFixture) -> None:
    """Servers send null, numbers or lists where the docs promise objects: adapters must shrug, not
    crash into the generic fallback, and what they return must normalize."""
    with caplog.at_level(logging.WARNING):
        for seed in range(40):
            for raw in run(_mutate(doc, random.Random(seed))):
                assert isinstance(raw["title"], str)
                record(raw)
    assert not [r.getMessage() for r in caplog.records if "adapter failed" in r.getMessage()]


def test_odd_records_inside_a_good_page_do_not_cost_the_page() -> None:
    doc = json.loads(json.dumps(DOIT_V1))
    doc["data"]["items"].insert(1, {"id": "x", "title": None, "for_recruiter": None, "locations": "??"})
    doc["data"]["items"].append("garbage")
    assert [x["title"] for x in run(doc)] == ["Age UK Harrow - Trustee", "Scout Leader 27th Harrow"]
