"""Places as sources print them -> venue/address/city/region/country (pipelines/place.py).

Rows come from the real pages and feeds in ../shared/realworld (tribe venue lines, Lanyrd
'City, Country', SEEK Volunteer regions, Eventbrite/Reservix addresses) and public listings.
"""

from __future__ import annotations

import pytest

from pipelines import place

COUNTRIES = [
    ("United States", "US"), ("USA", "US"), ("U.S.A.", "US"), ("us", "US"), ("Deutschland", "DE"),
    ("Germany", "DE"), ("UK", "GB"), ("England", "GB"), ("Scotland", "GB"), ("United Kingdom", "GB"),
    ("DE", "DE"), ("DEU", "DE"), ("Czech Republic", "CZ"), ("Česko", "CZ"), ("Switzerland", "CH"),
    ("Schweiz", "CH"), ("New Zealand", "NZ"), ("Sweden", "SE"), ("Brazil", "BR"), ("Poland", "PL"),
    ("Japan", "JP"), ("Nederland", "NL"), ("Österreich", "AT"), ("Canada", "CA"), ("Atlantis", None),
]


@pytest.mark.parametrize(("name", "code"), COUNTRIES)
def test_country_codes(name, code):
    assert place.country_code(name) == code


REGIONS = [
    ("Illinois", "US", "IL"), ("il", "US", "IL"), ("Il", "US", "IL"), ("Oregon", "US", "OR"),
    ("Ontario", "CA", "ON"), ("Québec", "CA", "QC"), ("New South Wales", "AU", "NSW"), ("Victoria", "AU", "VIC"),
    ("Bayern", "DE", "Bayern"), ("Auckland", "NZ", "Auckland"), ("Washington", None, "WA"),
]


@pytest.mark.parametrize(("name", "country", "code"), REGIONS)
def test_region_codes(name, country, code):
    assert place.region_code(name, country) == code


SPLITS = [
    ("Courtenay Language Arts Center, 4420 N Beacon St, Chicago, IL 60640, United States", None,
     {"venue": "Courtenay Language Arts Center", "address": "4420 N Beacon St", "city": "Chicago", "region": "IL",
      "postal_code": "60640", "country": "US"}),
    ("Ward Office, 4544 N. Broadway", None, {"venue": "Ward Office", "address": "4544 N. Broadway"}),
    ("Paddy's Bar & Grill @ 65 SW Yamhill St., Portland, OR 97204", None,
     {"city": "Portland", "region": "OR", "country": "US", "postal_code": "97204"}),
    ("Stockholm, Sweden", None, {"city": "Stockholm", "country": "SE"}),
    ("Brighton, United Kingdom", None, {"city": "Brighton", "country": "GB"}),
    ("Portland, United States", None, {"city": "Portland", "country": "US"}),
    ("Fortaleza, Brazil", None, {"city": "Fortaleza", "country": "BR"}),
    ("Warsaw, Poland", None, {"city": "Warsaw", "country": "PL"}),
    ("Auckland", "NZ", {"region": "Auckland"}),
    ("Bay Of Plenty", "NZ", {"region": "Bay Of Plenty"}),
    ("Southland", "NZ", {"region": "Southland"}),
    ("Goslar", "DE", {"city": "Goslar"}),
    ("Kulturkraftwerk HarzEnergie, Goslar", "DE", {"venue": "Kulturkraftwerk HarzEnergie", "city": "Goslar"}),
    ("FabLab Cottbus, Walther-Pauer-Straße 5, 03044 Cottbus, Deutschland", None,
     {"venue": "FabLab Cottbus", "address": "Walther-Pauer-Straße 5", "city": "Cottbus", "postal_code": "03044",
      "country": "DE"}),
    ("The Factory Theater", None, {"venue": "The Factory Theater"}),
    ("1623 W. Howard St.", None, {"address": "1623 W. Howard St."}),
    ("HACC Downtown, 175 W Jackson Blvd, Chicago, IL 60604", None,
     {"venue": "HACC Downtown", "address": "175 W Jackson Blvd", "city": "Chicago", "region": "IL"}),
]


@pytest.mark.parametrize(("text", "country", "want"), SPLITS, ids=[r[0][:40] for r in SPLITS])
def test_split_location(text, country, want):
    got = place.split_location(text, country)
    assert {k: got.get(k) for k in want} == want


def test_at_least_forty_labelled_places():
    assert len(COUNTRIES) + len(REGIONS) + len(SPLITS) >= 40


@pytest.mark.parametrize(("tz", "cc"), [("America/Chicago", "US"), ("Europe/Berlin", "DE"),
                                        ("Pacific/Auckland", "NZ"), ("UTC", None), (None, None)])
def test_country_of_zone(tz, cc):
    assert place.country_of_zone(tz) == cc


def test_gazetteer_is_offline_and_finds_cities():
    spokane = place.city_record("Spokane", "US", "WA")
    assert spokane is not None and abs(spokane["latitude"] - 47.66) < 0.1
    near = place.nearest_city(45.5191, -122.675)  # Jive Software, Portland (Upcoming hCard geo)
    assert near["name"] == "Portland" and near["admin1code"] == "OR"
    assert place.nearest_city(0.0, -30.0) is None  # mid-Atlantic: nothing within reach
