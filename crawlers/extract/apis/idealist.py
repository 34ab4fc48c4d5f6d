"""Idealist listings API, volunteer opportunities (`/api/v1/listings/volops[/<id>]`).

The list answers `{"volops": [{"id", "name", "url": {"en": ...}, "updated"}], "hasMore"}`;
the detail `{"volop": {...}}` adds `description`, `org{name, url}`, `address{full, city, state,
country, zipcode, latitude, longitude}`, `locationType` (ONSITE/REMOTE/HYBRID), `startDate`,
`endDate`, `timezone`, `areasOfFocus`, `isRecurring`. `url` is localised: the English page is
preferred. A listing marked `isPublished: false` has been withdrawn and is left out.
"""

from __future__ import annotations

from typing import Any

from crawlers.extract.apis._common import as_bool, description, dicts, first, slugs, text


def detect(doc: Any) -> bool:
    return isinstance(doc, dict) and (isinstance(doc.get("volops"), list) or isinstance(doc.get("volop"), dict))


def _url(value: Any) -> str | None:
    if isinstance(value, dict):
        return text(first(value, "en", *value.keys()))
    return text(value)


def _volop(v: dict[str, Any]) -> dict[str, Any]:
    addr = v.get("address") if isinstance(v.get("address"), dict) else {}
    org = v.get("org") if isinstance(v.get("org"), dict) else {}
    mode = str(v.get("locationType") or "").upper()
    start = text(v.get("startDate"))
    return {
        "native_id": text(v.get("id")),
        "title": text(v.get("name")),
        **description(v.get("description")),
        "url": _url(v.get("url")),
        "organizer": text(org.get("name")),
        "organizer_url": _url(org.get("url")),
        "start": start,
        "end": text(v.get("endDate")),
        "timezone": text(v.get("timezone")),
        "address": text(first(addr, "line1", "street")),
        "city": text(addr.get("city")),
        "region": text(first(addr, "stateCode", "state")),
        "postal_code": text(addr.get("zipcode")),
        "country": text(addr.get("country")),
        "location_text": text(addr.get("full")) if not addr.get("city") else None,
        "lat": addr.get("latitude"),
        "lon": addr.get("longitude"),
        "online": mode in ("REMOTE", "HYBRID") or None,
        "attendance_mode": {"REMOTE": "online", "HYBRID": "mixed", "ONSITE": "offline"}.get(mode),
        "causes": slugs(v.get("areasOfFocus")),
        "kind": "volunteer_role",
        "commitment": "recurring" if as_bool(v.get("isRecurring")) else (None if start else "ongoing"),
        "platform": "idealist",
    }


def listings(doc: dict[str, Any], ctx: Any = None) -> list[dict[str, Any]]:
    volops = [doc["volop"]] if isinstance(doc.get("volop"), dict) else dicts(doc.get("volops"))
    return [_volop(v) for v in volops if as_bool(v.get("isPublished")) is not False]  # withdrawn listings stay out
