"""Eventbrite API v3: `/v3/events/<id>/`, `/v3/organizers/<id>/events/` (`{"events": [...]}`).

`name`/`description` are `{"text", "html"}`; `start`/`end` are `{"timezone", "local", "utc"}`
(local wall clock in the IANA zone); `venue` (when expanded) has `name` and `address{address_1,
address_2, city, region, postal_code, country, latitude, longitude}`; `online_event` flags
online events; `status` is live/started/ended/completed/canceled.
"""

from __future__ import annotations

from typing import Any

from crawlers.extract.apis._common import as_bool, description, dicts, first, joined, text


def _is_event(o: Any) -> bool:
    return (isinstance(o, dict) and isinstance(o.get("name"), dict) and isinstance(o.get("start"), dict)
            and ("local" in o["start"] or "utc" in o["start"]))


def detect(doc: Any) -> bool:
    if _is_event(doc):
        return True
    return isinstance(doc, dict) and isinstance(doc.get("events"), list) and any(_is_event(e) for e in doc["events"])


def _event(e: dict[str, Any]) -> dict[str, Any]:
    start, end = e["start"], e.get("end") if isinstance(e.get("end"), dict) else {}
    venue = e.get("venue") if isinstance(e.get("venue"), dict) else {}
    addr = venue.get("address") if isinstance(venue.get("address"), dict) else {}
    organizer = e.get("organizer") if isinstance(e.get("organizer"), dict) else {}
    online = as_bool(e.get("online_event"))
    tz = text(start.get("timezone"))
    return {
        "native_id": text(e.get("id")),
        "title": text(e.get("name")),
        **description(first(e.get("description") or {}, "html", "text") if isinstance(e.get("description"), dict)
                      else e.get("description")),
        "url": text(e.get("url")),
        "start": text(start.get("local")) if tz else text(start.get("utc")),
        "end": text(end.get("local")) if tz else text(end.get("utc")),
        "timezone": tz,
        "venue": text(venue.get("name")),
        "address": joined(addr.get("address_1"), addr.get("address_2")),
        "city": text(addr.get("city")),
        "region": text(addr.get("region")),
        "postal_code": text(addr.get("postal_code")),
        "country": text(addr.get("country")),
        "lat": first(addr, "latitude") or first(venue, "latitude"),
        "lon": first(addr, "longitude") or first(venue, "longitude"),
        "organizer": text(organizer.get("name")),
        "organizer_url": text(organizer.get("url")),
        "online": online,
        "attendance_mode": "online" if online else None,
        "cost": "free" if as_bool(e.get("is_free")) else None,
        "event_status": "cancelled" if str(e.get("status") or "").lower() in ("canceled", "cancelled") else None,
        "kind": "networking_event",
        "platform": "eventbrite",
    }


def listings(doc: Any, ctx: Any = None) -> list[dict[str, Any]]:
    return [_event(e) for e in ([doc] if _is_event(doc) else dicts(doc.get("events"))) if _is_event(e)]
