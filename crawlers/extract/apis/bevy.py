"""Bevy community platform (Google Developer Groups, many user-group networks).

Chapter directories (`/api/chapter_region?chapters=true`, `/api/search/chapter`) list chapters
with `title`, `city`, `state`, `country`, `url`/`relative_url`, `latitude`/`longitude`: each is a
`networking_group`. Event lists (`/api/chapter/<id>/event/`, `/api/event/`) give `title`,
`start_date`/`end_date` (ISO with offset), `url`, `chapter` and `venue_*` fields: each is a
`networking_event`. Chapters may sit directly in a list or inside regions' `chapters` arrays.
"""

from __future__ import annotations

from typing import Any

from crawlers.extract.apis._common import description, dicts, dig, first, joined, text, walk


def _is_chapter(o: Any) -> bool:
    return (isinstance(o, dict) and "title" in o and "relative_url" in o
            and ("city" in o or "country" in o) and "start_date" not in o)


def _is_event(o: Any) -> bool:
    return (isinstance(o, dict) and "title" in o and "start_date" in o
            and (isinstance(o.get("chapter"), dict) or "event_type_title" in o or "relative_url" in o))


def _items(doc: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for node in walk(doc):
        if isinstance(node, list):
            out.extend(o for o in dicts(node) if _is_chapter(o) or _is_event(o))
    return out


def detect(doc: Any) -> bool:
    if not isinstance(doc, (dict, list)):
        return False
    top = doc if isinstance(doc, list) else first(doc, "results", "regions", "chapters", "data") or []
    candidates = dicts(top)
    if candidates and all(_is_chapter(o) or _is_event(o) for o in candidates):
        return True
    return bool(candidates) and all(isinstance(o.get("chapters"), list) for o in candidates) and bool(_items(doc))


def _chapter(c: dict[str, Any], base: str) -> dict[str, Any]:
    url = text(c.get("url")) or (base.rstrip("/") + c["relative_url"] if base and text(c.get("relative_url"))
                                 else None)
    return {
        "native_id": text(c.get("id")),
        "title": text(c.get("title")),
        **description(first(c, "description", "description_short")),
        "url": url,
        "city": text(c.get("city")),
        "region": text(c.get("state")),
        "country": text(first(c, "country", "country_name")),
        "lat": c.get("latitude"),
        "lon": c.get("longitude"),
        "timezone": text(c.get("timezone")),
        "kind": "networking_group",
        "platform": "bevy",
    }


def _event(e: dict[str, Any], base: str) -> dict[str, Any]:
    chapter = e.get("chapter") if isinstance(e.get("chapter"), dict) else {}
    etype = str(first(e, "event_type_title", "event_type") or "")
    online = "virtual" in etype.lower() or "online" in etype.lower() or None
    status = str(e.get("status") or "").lower()
    return {
        "native_id": text(e.get("id")),
        "title": text(e.get("title")),
        **description(first(e, "description", "description_short")),
        "url": text(first(e, "url", "static_url")) or (
            base.rstrip("/") + e["relative_url"] if base and text(e.get("relative_url")) else None),
        "organizer": text(chapter.get("title")),
        "start": text(e.get("start_date")),
        "end": text(e.get("end_date")),
        "timezone": text(first(e, "timezone", "event_timezone")) or text(chapter.get("timezone")),
        "venue": text(e.get("venue_name")),
        "address": joined(e.get("venue_address")),
        "city": text(e.get("venue_city")) or text(chapter.get("city")),
        "postal_code": text(e.get("venue_zip_code")),
        "country": text(dig(chapter, "country")),
        "online": online,
        "event_status": "cancelled" if "cancel" in status else None,
        "kind": "networking_event",
        "platform": "bevy",
    }


def listings(doc: Any, ctx: Any = None) -> list[dict[str, Any]]:
    url = getattr(ctx, "url", "") or ""
    base = "/".join(url.split("/")[:3]) if url.startswith("http") else ""
    return [_event(o, base) if _is_event(o) else _chapter(o, base) for o in _items(doc)]
