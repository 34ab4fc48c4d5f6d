"""Places as sources print them -> venue/address/city/region/country (pipelines/place.py).

Rows come from the real pages and feeds in ../shared/realworld (tribe venue lines, Lanyrd
'City, Country', SEEK Volunteer regions, Eventbrite/Reservix addresses) and public listings.
"""

from __future__ import annotations

from pathlib import Path

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
    # Real school-board records: a dot after the state, a doubled comma, the city as its initials.
    ("Board of Education Building, 2901 Troost Ave,, Kansas City, MO. 64109", None,
     {"venue": "Board of Education Building", "address": "2901 Troost Ave", "city": "Kansas City", "region": "MO",
      "postal_code": "64109"}),
    ("Board of Education Office, Seven Oak Room, 2901 Troost Ave, KC, MO. 64109", None,
     {"address": "2901 Troost Ave", "city": "Kansas City", "region": "MO"}),
    ("Annex, 1 Main St, NYC, NY 10001", None, {"city": "NYC", "region": "NY"}),  # initials that do not match: kept
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


def _norm(raw: dict) -> dict:
    import datetime as dt

    from pipelines.normalize import SourceContext, normalize

    return normalize({"title": "x", "start": "2026-03-01", **raw},
                     SourceContext(now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), tz="America/Chicago"))


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    import math

    dy = (a[0] - b[0]) * 111.2
    dx = (a[1] - b[1]) * 111.2 * math.cos(math.radians(a[0]))
    return math.hypot(dx, dy)


@pytest.mark.parametrize(("location", "truth"), [
    ("Lakeview Library, 644 W Belmont Ave, Chicago, IL 60657", (41.9401, -87.6455)),
    ("Rush Innovation Hub, 1700 W Van Buren St, Chicago, IL 60612", (41.8762, -87.6692)),
    ("Bourgeois Pig Cafe, 738 W Fullerton Ave, Chicago, IL 60614", (41.9254, -87.6478)),
    ("Evanston Public Library, 1703 Orrington Ave, Evanston, IL 60201", (42.0479, -87.6815)),
])
def test_a_us_street_address_lands_near_its_point_not_the_city_centre(location: str, truth: tuple) -> None:
    rec = _norm({"location_text": location})
    assert rec["geo_precision"] == "postcode"
    assert _km((rec["lat"], rec["lon"]), truth) < 10


def test_source_coordinates_win_and_every_mapped_place_says_how_exact() -> None:
    own = _norm({"city": "Chicago", "region": "IL", "postal_code": "60657", "lat": 41.95, "lon": -87.66})
    assert (own["lat"], own["lon"], own["geo_precision"]) == (41.95, -87.66, "exact")
    city = _norm({"city": "Chicago", "region": "IL"})
    assert city["geo_precision"] == "city" and city["lat"] is not None
    nowhere = _norm({})
    assert nowhere["lat"] is None and nowhere["geo_precision"] is None
    abroad = _norm({"city": "Lyon", "country": "FR", "postal_code": "69002"})
    assert abroad["geo_precision"] == "city"  # only US postcodes are bundled


@pytest.mark.skipif(not (Path(__file__).resolve().parents[2] / "shared" / "realworld").is_dir(),
                    reason="../shared/realworld is not present on this machine")
def test_real_pages_keep_their_own_coordinates() -> None:
    """Listings whose saved page gives coordinates keep them exactly, marked exact."""
    import datetime as dt

    from crawlers.extract import Context, extract
    from pipelines.normalize import SourceContext, normalize

    root = Path(__file__).resolve().parents[2] / "shared" / "realworld"
    checked = 0
    for path in sorted((root / "html").glob("*.html")) + sorted((root / "volunteer").glob("*.json")):
        for raw in extract(path.read_bytes(), "", None, Context(url="https://example.org/")):
            if raw.get("lat") in (None, "") or raw.get("lon") in (None, ""):
                continue
            try:
                lat, lon = float(raw["lat"]), float(raw["lon"])
            except (TypeError, ValueError):
                continue
            rec = normalize(raw, SourceContext(now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)))
            assert (rec["lat"], rec["lon"], rec["geo_precision"]) == (lat, lon, "exact"), path.name
            checked += 1
    assert checked >= 3
