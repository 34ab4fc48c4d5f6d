"""Mobilize (mobilize.us) public API v1: `/v1/events` and `/v1/organizations`.

Both answer `{"count", "next", "previous", "data": [...]}`. An event carries `timeslots`
(`start_date`/`end_date` in Unix seconds) and its own IANA `timezone`; each timeslot is an
occurrence of one volunteer event, so the listing keeps them all and starts at the first one
not yet over. An organization (`org_type`, `event_feed_url`) is a group that hosts volunteer
events: a `networking_group` whose page is its event feed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from crawlers.extract.apis._common import as_bool, description, dicts, dig, epoch, first, joined, text


def _items(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The page's objects: `data` is a list on list endpoints, one object on `/events/<id>`."""
    return dicts(doc.get("data"))


def detect(doc: Any) -> bool:
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), (list, dict)):
        return False
    if isinstance(doc["data"], dict):
        return "timeslots" in doc["data"] and "browser_url" in doc["data"]
    if "count" not in doc:
        return False
    items = dicts(doc["data"])
    return bool(items) and all("timeslots" in i or "org_type" in i or "event_feed_url" in i for i in items)


def _organization(o: dict[str, Any]) -> dict[str, Any]:
    return {
        "native_id": text(o.get("id")),
        "title": text(o.get("name")),
        "url": text(o.get("event_feed_url")) or (
            f"https://www.mobilize.us/{o['slug']}/" if text(o.get("slug")) else None),
        "region": text(o.get("state")),
        "country": "US",  # Mobilize serves US campaigns and groups
        "kind": "networking_group",
        "platform": "mobilize",
    }


def _event(e: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    slots = []
    for ts in dicts(e.get("timeslots")):
        s, t = epoch(ts.get("start_date"), millis=False), epoch(ts.get("end_date"), millis=False)
        if s:
            slots.append((s, t))
    slots.sort(key=lambda x: x[0])
    upcoming = [x for x in slots if (x[1] or x[0]) >= now] or slots
    start, end = upcoming[0] if upcoming else (None, None)
    loc = e.get("location") if isinstance(e.get("location"), dict) else {}
    lines = loc.get("address_lines") if isinstance(loc.get("address_lines"), list) else []
    virtual = as_bool(e.get("is_virtual"))
    sponsor = e.get("sponsor") if isinstance(e.get("sponsor"), dict) else {}
    return {
        "native_id": text(e.get("id")),
        "title": text(e.get("title")),
        **description(first(e, "description", "summary")),
        "url": text(e.get("browser_url")),
        "organizer": text(sponsor.get("name")),
        "organizer_url": text(sponsor.get("event_feed_url")),
        "start": start,
        "end": end,
        "occurrences": slots if len(slots) > 1 else None,
        "timezone": text(e.get("timezone")),
        "venue": text(loc.get("venue")),
        "address": joined(*lines),
        "city": text(loc.get("locality")),
        "region": text(loc.get("region")),
        "postal_code": text(loc.get("postal_code")),
        "country": text(loc.get("country")) or "US",
        "lat": dig(loc, "location", "latitude"),
        "lon": dig(loc, "location", "longitude"),
        "online": virtual,
        "attendance_mode": "online" if virtual else None,
        "kind": "volunteer_role",
        "commitment": "recurring" if len(slots) > 1 else "one_off",
        "platform": "mobilize",
    }


def listings(doc: dict[str, Any], ctx: Any = None) -> list[dict[str, Any]]:
    now = getattr(ctx, "now", None) or dt.datetime.now(dt.UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    return [_event(i, now) if "timeslots" in i else _organization(i) for i in _items(doc)]
