"""The Events Calendar (WordPress) REST API: `/wp-json/tribe/events/v1/events[/<id>]`.

A list answers `{"events": [...], "next_rest_url": ...}`; a single event is the object itself.
`start_date`/`end_date` are the site's wall-clock time in the event's `timezone`;
`utc_start_date` is the same instant in UTC, used only when the zone is missing. `venue` is an
object, or `[]` when the event has none; `organizer` is a list. Newer versions flag virtual
events (`is_virtual`, `virtual_url`) and hybrid ones (`virtual_event_type`).
"""

from __future__ import annotations

from typing import Any

from crawlers.extract.apis._common import as_bool, description, dicts, first, text


def _is_event(e: Any) -> bool:
    return isinstance(e, dict) and "start_date" in e and ("all_day" in e or "utc_start_date" in e)


def detect(doc: Any) -> bool:
    if _is_event(doc):
        return True
    return isinstance(doc, dict) and isinstance(doc.get("events"), list) and (
        any(_is_event(e) for e in doc["events"]) or (doc["events"] == [] and "rest_url" in doc))


def _event(e: dict[str, Any]) -> dict[str, Any]:
    venue = e.get("venue") if isinstance(e.get("venue"), dict) else {}
    orgs = dicts(e.get("organizer"))
    tz = text(e.get("timezone"))
    start, end = text(e.get("start_date")), text(e.get("end_date"))
    if not tz and text(e.get("utc_start_date")):
        start = text(e.get("utc_start_date")) + "+00:00"
        end = text(e.get("utc_end_date")) + "+00:00" if text(e.get("utc_end_date")) else end
    all_day = bool(as_bool(e.get("all_day")))
    if all_day:
        start, end = (start or "")[:10] or None, (end or "")[:10] or None
    virtual = as_bool(e.get("is_virtual"))
    hybrid = str(e.get("virtual_event_type") or "").lower() == "hybrid"
    return {
        "native_id": text(e.get("id")),
        "title": text(e.get("title")),
        **description(e.get("description")),
        "url": text(e.get("url")),
        "start": start,
        "end": end,
        "all_day": all_day,
        "timezone": tz,
        "venue": text(venue.get("venue")),
        "address": text(venue.get("address")),
        "city": text(venue.get("city")),
        "region": text(first(venue, "stateprovince", "state", "province")),
        "postal_code": text(venue.get("zip")),
        "country": text(venue.get("country")),
        "lat": venue.get("geo_lat"),
        "lon": venue.get("geo_lng"),
        "organizer": text(orgs[0].get("organizer")) if orgs else None,
        "organizer_url": text(first(orgs[0], "website", "url")) if orgs else None,
        "cost": text(e.get("cost")),
        "online": virtual,
        "attendance_mode": "mixed" if virtual and hybrid else ("online" if virtual and not venue else None),
        "kind": "networking_event",
        "platform": "tribe",
    }


def listings(doc: Any, ctx: Any = None) -> list[dict[str, Any]]:
    events = [doc] if _is_event(doc) else dicts(doc.get("events"))
    return [_event(e) for e in events]
