"""Drupal Views JSON feeds (views_datasource): `{"nodes": [{"node": {...}}, ...]}`.

The Reach skilled-volunteering feed (reachskills.org.uk / reachvolunteering.org.uk) is one:
`title`, `Organisation`, `Description`, `Path` (with the partner's referral tags appended),
`Town`, `Postcode`, `Coordinates` as degrees-minutes-seconds text. Field labels are whatever the
site's view names them, so keys are matched case-insensitively by meaning. A node without dates
is an ongoing role; one with dates is an event.
"""

from __future__ import annotations

from typing import Any

from crawlers.extract.apis._common import country_from, description, dicts, dms, strip_referral, text

KEYS = {
    "title": ("title", "name", "role", "opportunity"),
    "organizer": ("organisation", "organization", "organiser", "organizer", "charity", "org"),
    "description": ("description", "body", "summary", "details"),
    "url": ("path", "url", "link", "view_node"),
    "city": ("town", "city", "locality", "location"),
    "region": ("county", "region", "state"),
    "postal_code": ("postcode", "postal_code", "zip", "post_code"),
    "coordinates": ("coordinates", "geo", "latlon"),
    "start": ("start", "start_date", "date", "event_date", "starts"),
    "end": ("end", "end_date", "ends"),
}


def detect(doc: Any) -> bool:
    nodes = doc.get("nodes") if isinstance(doc, dict) else None
    return isinstance(nodes, list) and bool(nodes) and all(
        isinstance(n, dict) and isinstance(n.get("node"), dict) for n in nodes)


def _get(node: dict[str, Any], field: str) -> Any:
    low = {k.lower(): v for k, v in node.items()}
    for k in KEYS[field]:
        v = low.get(k)
        if v not in (None, "", []):
            return v
    return None


def listings(doc: dict[str, Any], ctx: Any = None) -> list[dict[str, Any]]:
    out = []
    for wrapper in dicts(doc.get("nodes")):
        node = wrapper["node"]
        url = strip_referral(_get(node, "url"))
        postcode = text(_get(node, "postal_code"))
        where = dms(_get(node, "coordinates"))
        start = _get(node, "start")
        city = text(_get(node, "city"))
        out.append({
            "title": text(_get(node, "title")),
            **description(_get(node, "description")),
            "url": url,
            "organizer": text(_get(node, "organizer")),
            "city": city,
            "region": text(_get(node, "region")),
            "postal_code": postcode,
            "lat": where[0] if where else None,
            "lon": where[1] if where else None,
            "country": country_from(url, postcode) if (city or postcode) else None,
            "start": text(start),
            "end": text(_get(node, "end")),
            "kind": None if start else "volunteer_role",
            "commitment": None if start else "ongoing",
            "platform": "drupal-views",
        })
    return out
