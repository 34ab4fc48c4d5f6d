"""Adobe Experience Manager event feeds (`eventFeedItemList`), used by US state agencies.

Each item has `eventTitle`, `start`/`end` as floating local strings, the zone only as an
abbreviation (`startEventTimeZone`: "CST", "CDT"...), `eventPath` (the page), a
`physicalList` of places and a `virtualList` of online links: both present means hybrid.
"""

from __future__ import annotations

from typing import Any

from crawlers.extract.apis._common import as_bool, description, dicts, dig, first, joined, text
from crawlers.zones import ABBREVIATIONS


def detect(doc: Any) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get("eventFeedItemList"), list)


def _item(e: dict[str, Any]) -> dict[str, Any]:
    physical = dicts(e.get("physicalList"))
    virtual = [v for v in dicts(e.get("virtualList")) if first(v, "link", "locationName")]
    p = physical[0] if physical else {}
    abbr = str(e.get("startEventTimeZone") or "").strip().upper()
    return {
        "title": text(e.get("eventTitle")),
        **description(first(e, "description") or dig(e, "extendedProps", "content")),
        "url": text(e.get("eventPath")),
        "start": text(e.get("start")),
        "end": text(e.get("end")),
        "timezone": ABBREVIATIONS.get((abbr or "").lower()),
        "venue": text(p.get("locationName")),
        "address": joined(p.get("streetLineOne"), p.get("streetLineTwo")),
        "city": text(p.get("city")),
        "region": text(p.get("state")),
        "postal_code": text(p.get("zipcode")),
        "lat": p.get("latitude") or None,
        "lon": p.get("longitude") or None,
        "online": bool(virtual) or None,
        "attendance_mode": ("mixed" if physical else "online") if virtual else None,
        "event_status": "cancelled" if as_bool(e.get("canceledEvent")) else None,
        "kind": "networking_event",
        "platform": "aem",
    }


def listings(doc: dict[str, Any], ctx: Any = None) -> list[dict[str, Any]]:
    return [_item(e) for e in dicts(doc.get("eventFeedItemList"))]
