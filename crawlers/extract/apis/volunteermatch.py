"""VolunteerMatch GraphQL `searchOpportunities` (`{"data": {"searchOpportunities": {...}}}`).

`opportunities[]` carry `id`, `title`, `description`/`plaintextDescription`, `url`,
`parentOrg{name, url}`, `location{street1, city, region, postalCode, country, virtual,
geoLocation{lat, lon}}`, `dateRange{ongoing, startDate, endDate, startTime, endTime}`,
`skillsNeeded`, `categories`, `virtual`. A role without dates (or `ongoing`) is ongoing.
"""

from __future__ import annotations

from typing import Any

from crawlers.extract.apis._common import as_bool, description, dicts, dig, first, joined, slugs, text


def detect(doc: Any) -> bool:
    return isinstance(dig(doc, "data", "searchOpportunities"), dict)


def _when(date: Any, time: Any) -> str | None:
    d, t = text(date), text(time)
    return f"{d}T{t}" if d and t and len(d) == 10 else d


def _opp(o: dict[str, Any]) -> dict[str, Any]:
    loc = o.get("location") if isinstance(o.get("location"), dict) else {}
    rng = o.get("dateRange") if isinstance(o.get("dateRange"), dict) else {}
    org = o.get("parentOrg") if isinstance(o.get("parentOrg"), dict) else {}
    ongoing = as_bool(rng.get("ongoing"))
    start = None if ongoing else _when(rng.get("startDate"), rng.get("startTime"))
    online = as_bool(first(o, "virtual")) or as_bool(loc.get("virtual"))
    skills = o.get("skillsNeeded")
    return {
        "native_id": text(o.get("id")),
        "title": text(o.get("title")),
        **description(first(o, "description", "plaintextDescription")),
        "url": text(o.get("url")),
        "organizer": text(org.get("name")),
        "organizer_url": text(org.get("url")),
        "start": start,
        "end": None if ongoing else _when(rng.get("endDate"), rng.get("endTime")),
        "address": joined(loc.get("street1"), loc.get("street2")),
        "city": text(loc.get("city")),
        "region": text(loc.get("region")),
        "postal_code": text(loc.get("postalCode")),
        "country": text(loc.get("country")),
        "lat": dig(loc, "geoLocation", "lat"),
        "lon": dig(loc, "geoLocation", "lon"),
        "online": online,
        "attendance_mode": "online" if online else None,
        "skills": slugs(skills if isinstance(skills, list) else [s.strip() for s in str(skills or "").split(",")]),
        "causes": slugs(o.get("categories")),
        "kind": "volunteer_role",
        "commitment": "ongoing" if not start else None,
        "platform": "volunteermatch",
    }


def listings(doc: dict[str, Any], ctx: Any = None) -> list[dict[str, Any]]:
    return [_opp(o) for o in dicts(dig(doc, "data", "searchOpportunities", "opportunities"))]
