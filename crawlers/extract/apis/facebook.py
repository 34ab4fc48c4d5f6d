"""Facebook Graph API events: one event object, or `{"data": [events], "paging": ...}`.

Current objects: `name`, `start_time`/`end_time` (ISO with an offset such as `-0700`), `place`
(`name`, `location{street, city, state, country, zip, latitude, longitude}`), `is_online`,
`is_canceled`, `event_times` for series. Legacy (2011–2013) objects: `location` as the venue
name, `venue{street, city, state, country}`, floating `start_time`, `owner{name}`. The event's
page is `https://www.facebook.com/events/<id>/`.
"""

from __future__ import annotations

from typing import Any

from crawlers.extract.apis._common import as_bool, description, dicts, first, text

EVENT_PAGE = "https://www.facebook.com/events/{}/"
MARKERS = ("owner", "place", "venue", "privacy", "is_online", "event_times", "attending_count", "updated_time")


def _is_event(o: Any) -> bool:
    return isinstance(o, dict) and "start_time" in o and "name" in o and any(k in o for k in MARKERS)


def detect(doc: Any) -> bool:
    if _is_event(doc):
        return True
    return isinstance(doc, dict) and isinstance(doc.get("data"), list) and bool(doc["data"]) and all(
        _is_event(o) for o in doc["data"])


def _event(e: dict[str, Any]) -> dict[str, Any]:
    place = e.get("place") if isinstance(e.get("place"), dict) else {}
    loc = place.get("location") if isinstance(place.get("location"), dict) else (
        e.get("venue") if isinstance(e.get("venue"), dict) else {})
    venue = text(place.get("name")) or (text(e.get("location")) if isinstance(e.get("location"), str) else None)
    owner = e.get("owner") if isinstance(e.get("owner"), dict) else {}
    online = as_bool(e.get("is_online"))
    eid = text(e.get("id"))
    times = [(t.get("start_time"), t.get("end_time")) for t in dicts(e.get("event_times")) if t.get("start_time")]
    return {
        "native_id": eid,
        "title": text(e.get("name")),
        **description(e.get("description")),
        "url": EVENT_PAGE.format(eid) if eid else None,
        "organizer": text(owner.get("name")),
        "start": text(e.get("start_time")),
        "end": text(e.get("end_time")),
        "timezone": text(e.get("timezone")),
        "occurrences": times if len(times) > 1 else None,
        "venue": venue,
        "address": text(loc.get("street")),
        "city": text(loc.get("city")),
        "region": text(first(loc, "state", "region")),
        "postal_code": text(loc.get("zip")),
        "country": text(loc.get("country")),
        "lat": loc.get("latitude"),
        "lon": loc.get("longitude"),
        "online": online,
        "event_status": "cancelled" if as_bool(e.get("is_canceled")) else None,
        "kind": "networking_event",
        "platform": "facebook",
    }


def listings(doc: Any, ctx: Any = None) -> list[dict[str, Any]]:
    return [_event(e) for e in ([doc] if _is_event(doc) else dicts(doc.get("data")))]
