"""JSON APIs: known platform shapes first, then a generic detector for unknown ones."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crawlers.extract import Context

log = logging.getLogger(__name__)

TITLE_KEYS = ("title", "name", "summary", "event_name", "subject")
START_KEYS = ("start_date", "startDate", "start", "start_time", "starts_at", "begins", "date", "dtstart",
              "local_date", "time", "beginsOn", "startsAt")
END_KEYS = ("end_date", "endDate", "end", "end_time", "ends_at", "endsOn", "endsAt")
URL_KEYS = ("url", "link", "permalink", "event_url", "html_url", "browser_url")


def _first_key(obj: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for k in keys:
        v = obj.get(k)
        if v not in (None, "", [], {}):
            return v
    return None


def _tribe(doc: Any) -> list[dict[str, Any]] | None:
    """The Events Calendar REST API (/wp-json/tribe/events/v1/events)."""
    if not (isinstance(doc, dict) and isinstance(doc.get("events"), list)
            and any(isinstance(e, dict) and "start_date" in e and "all_day" in e for e in doc["events"])):
        return None
    out = []
    for e in doc["events"]:
        venue = e.get("venue") if isinstance(e.get("venue"), dict) else {}
        orgs = e.get("organizer") if isinstance(e.get("organizer"), list) else []
        out.append({
            "native_id": str(e.get("id") or "") or None,
            "title": e.get("title"),
            "description_html": e.get("description"),
            "url": e.get("url"),
            "start": e.get("start_date"),
            "end": e.get("end_date"),
            "all_day": bool(e.get("all_day")),
            "timezone": e.get("timezone"),
            "venue": venue.get("venue"),
            "address": venue.get("address"),
            "city": venue.get("city"),
            "region": venue.get("stateprovince") or venue.get("state") or venue.get("province"),
            "postal_code": venue.get("zip"),
            "country": venue.get("country"),
            "lat": venue.get("geo_lat"),
            "lon": venue.get("geo_lng"),
            "organizer": orgs[0].get("organizer") if orgs and isinstance(orgs[0], dict) else None,
            "cost": e.get("cost") or None,
            "platform": "tribe",
        })
    return out


def _generic(doc: Any) -> list[dict[str, Any]]:
    """Arrays of objects with a title-like and a date-like key, wherever they sit in the document."""
    best: list[dict[str, Any]] = []
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            objs = [x for x in node if isinstance(x, dict)]
            good = [o for o in objs if _first_key(o, TITLE_KEYS) and _first_key(o, START_KEYS)]
            if good and len(good) >= len(objs) / 2 and len(good) > len(best):
                best = good
            stack.extend(objs)
    out = []
    for o in best:
        title = _first_key(o, TITLE_KEYS)
        out.append({
            "title": title if isinstance(title, str) else str(title),
            "start": _first_key(o, START_KEYS),
            "end": _first_key(o, END_KEYS),
            "url": _first_key(o, URL_KEYS),
            "description_html": o.get("description") if isinstance(o.get("description"), str) else None,
            "native_id": str(o["id"]) if isinstance(o.get("id"), (str, int)) else None,
        })
    return out


ADAPTERS: list[Callable[[Any], list[dict[str, Any]] | None]] = [_tribe]


def extract(body: bytes, ctx: Context) -> list[dict[str, Any]]:
    """Listings from a JSON body: the first adapter that recognises the shape, else the generic one."""
    try:
        doc = json.loads(body.decode("utf-8", errors="replace").lstrip("\ufeff"))
    except ValueError as exc:
        log.warning("unreadable JSON at %s: %s", ctx.url or "<input>", exc)
        return []
    for adapter in ADAPTERS:
        found = adapter(doc)
        if found is not None:
            return [{k: v for k, v in x.items() if v not in (None, "")} for x in found]
    return [{k: v for k, v in x.items() if v not in (None, "")} for x in _generic(doc)]
