"""Volunteer Connector (volunteerconnector.org, Canada): `/api/search/` pages.

`{"count", "next", "previous", "results": [...]}`; a result has `title`, `description`,
`url`, `organization{name, url}`, `activities[{name, category}]`, `dates` as display text
("Ongoing", "Jan 5, 2025 - Feb 10, 2025"), `duration`, `remote_or_online` and
`audience{scope: local|regional|national, regions[], latitude, longitude}`.
"""

from __future__ import annotations

import re
from typing import Any

from crawlers.extract.apis._common import as_bool, description, dicts, slugs, text

RANGE_SPLIT = re.compile(r"\s+(?:-|–|—|to|until)\s+", re.I)


def detect(doc: Any) -> bool:
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), list):
        return False
    items = dicts(doc["results"])
    return bool(items) and all("remote_or_online" in i or ("organization" in i and "activities" in i)
                               for i in items)


def _dates(value: Any) -> tuple[str | None, str | None]:
    s = text(value)
    if not s or re.search(r"ongoing|flexible|anytime", s, re.I):
        return None, None
    parts = RANGE_SPLIT.split(s, maxsplit=1)
    return parts[0], (parts[1] if len(parts) > 1 else None)


def _result(r: dict[str, Any]) -> dict[str, Any]:
    org = r.get("organization") if isinstance(r.get("organization"), dict) else {}
    aud = r.get("audience") if isinstance(r.get("audience"), dict) else {}
    regions = [x for x in aud.get("regions") if isinstance(x, str)] if isinstance(aud.get("regions"), list) else []
    start, end = _dates(r.get("dates"))
    online = as_bool(r.get("remote_or_online"))
    acts = dicts(r.get("activities"))
    return {
        "native_id": text(r.get("id")),
        "title": text(r.get("title")),
        **description(r.get("description")),
        "url": text(r.get("url")),
        "organizer": text(org.get("name")),
        "organizer_url": text(org.get("url")),
        "start": start,
        "end": end,
        "region": regions[0] if len(regions) == 1 else None,
        "country": "CA",  # Volunteer Connector lists Canadian opportunities
        "lat": aud.get("latitude") if aud.get("scope") == "local" else None,
        "lon": aud.get("longitude") if aud.get("scope") == "local" else None,
        "online": online,
        "attendance_mode": "online" if online else None,
        "skills": slugs([a.get("name") for a in acts]),
        "causes": slugs([a.get("category") for a in acts]),
        "kind": "volunteer_role",
        "commitment": None if start else "ongoing",
        "platform": "volunteerconnector",
    }


def listings(doc: dict[str, Any], ctx: Any = None) -> list[dict[str, Any]]:
    return [_result(r) for r in dicts(doc.get("results"))]
