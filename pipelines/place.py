"""Places: country codes, region codes, and splitting a one-line location."""

from __future__ import annotations

import functools
import re

import pycountry

COUNTRY_ALIASES = {
    "usa": "US", "u.s.a.": "US", "u.s.": "US", "us": "US", "united states of america": "US", "america": "US",
    "uk": "GB", "u.k.": "GB", "england": "GB", "scotland": "GB", "wales": "GB", "northern ireland": "GB",
    "great britain": "GB", "britain": "GB", "deutschland": "DE", "germany": "DE", "österreich": "AT",
    "schweiz": "CH", "suisse": "CH", "españa": "ES", "italia": "IT", "nederland": "NL", "česko": "CZ",
    "czech republic": "CZ", "czechia": "CZ", "россия": "RU", "south korea": "KR", "korea": "KR",
    "new zealand": "NZ", "aotearoa": "NZ", "россия федерация": "RU",
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
    v = str(value).strip()
    table = REGION_TABLES.get(country or "")
    if table is None:
        # Without a country, a US state name or code is the common case in our sources.
        if v.lower() in US_STATES:
            return US_STATES[v.lower()]
        return v
    if v.upper() in table.values():
        return v.upper()
    return table.get(v.lower(), v)


_US_TAIL = re.compile(r",\s*([A-Za-z .]+?),?\s+([A-Z]{2})\s*(\d{5}(?:-\d{4})?)?\s*(?:,\s*(USA|US|United States))?\s*$")


def split_location(text: str) -> dict[str, str]:
    """Best-effort split of 'Venue, 123 Main St, Springfield, IL 62701' into parts."""
    out: dict[str, str] = {}
    t = re.sub(r"\s+", " ", text).strip(" ,")
    m = _US_TAIL.search(t)
    if m and m.group(2) in US_STATES.values():
        out["city"], out["region"] = m.group(1).strip(), m.group(2)
        if m.group(3):
            out["postal_code"] = m.group(3)
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
    if parts:
        out["venue"] = parts[0]
        if len(parts) > 1:
            out["address"] = ", ".join(parts[1:])
            cc = country_code(parts[-1])
            if cc:
                out["country"] = cc
    return out
