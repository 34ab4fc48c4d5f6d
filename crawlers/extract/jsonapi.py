"""JSON APIs: known platform shapes first (crawlers/extract/apis/), then a generic detector.

A JSON body is parsed leniently (byte-order mark, JSONP callbacks, anti-XSSI prefixes), offered
to each adapter in `apis.ADAPTERS` order, and the first whose `detect` claims it returns the
listings. Nothing claims it: the generic detector looks for the array of objects with a
title-like and a date-like key, wherever it sits. Unreadable or empty JSON gives `[]` and a
warning, never an exception: one bad response must not stop a crawl.
"""

from __future__ import annotations

import json
import logging
import re
from typing import TYPE_CHECKING, Any

from crawlers.extract.apis import ADAPTERS
from crawlers.extract.apis._common import as_bool, description, dicts, epoch, first, text, walk
from crawlers.zones import ABBREVIATIONS

if TYPE_CHECKING:
    from crawlers.extract import Context

log = logging.getLogger(__name__)

TITLE_KEYS = ("title", "name", "summary", "event_name", "eventTitle", "event_title", "subject", "headline")
START_KEYS = ("start_date", "startDate", "start", "start_time", "startTime", "starts_at", "startsAt", "begins",
              "beginsOn", "dtstart", "start_datetime", "date", "event_date", "local_date", "time")
END_KEYS = ("end_date", "endDate", "end", "end_time", "endTime", "ends_at", "endsAt", "endsOn", "dtend",
            "end_datetime")
URL_KEYS = ("url", "link", "permalink", "event_url", "eventUrl", "html_url", "htmlLink", "browser_url",
            "eventPath", "website")
DESC_KEYS = ("description", "description_text", "body", "content", "details", "summary", "excerpt")
ALL_DAY_KEYS = ("allDay", "all_day", "is_all_day", "isAllDay", "allday")
CANCEL_KEYS = ("isCancelled", "is_cancelled", "cancelled", "canceled", "is_canceled", "isCanceled",
               "canceledEvent")
PLACE_KEYS = ("location", "venue", "place", "address")
# Timestamps that say when a record was edited, never when anything happens.
BOOKKEEPING = re.compile(r"(created|updated|modified|published|deleted|edited)(_at|_on|_date|date|at)?$", re.I)


def _first_key(obj: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for k in keys:
        v = obj.get(k)
        if v not in (None, "", [], {}):
            return v
    return None


def _date_like(v: Any) -> bool:
    """An ISO-ish date string, an epoch number in a plausible range, or {"dateTime"/"date": ...}."""
    if isinstance(v, dict):
        return _date_like(_first_key(v, ("dateTime", "date", "local", "utc")))
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return 3e8 < v < 5e9 or 3e11 < v < 5e12
    return isinstance(v, str) and bool(re.match(r"\s*\d{4}-\d{1,2}-\d{1,2}|\s*\d{9,13}\s*$", v))


def _start_of(o: dict[str, Any]) -> Any:
    for k in START_KEYS:
        v = o.get(k)
        if v not in (None, "") and _date_like(v) and not BOOKKEEPING.search(k):
            return v
    return None


def _when(v: Any) -> Any:
    """A start/end value as normalize reads it: epochs become aware datetimes."""
    if isinstance(v, dict):
        v = _first_key(v, ("dateTime", "date", "local", "utc"))
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return epoch(v)
    if isinstance(v, str) and re.fullmatch(r"\s*\d{9,13}\s*", v):
        return epoch(v)
    return v


def _place(o: dict[str, Any]) -> dict[str, Any]:
    """Place fields from a nested location object or a one-line location string."""
    for k in PLACE_KEYS:
        v = o.get(k)
        if isinstance(v, list):
            v = next(iter(dicts(v)), None)
        if isinstance(v, str) and v.strip():
            return {"location_text": v.strip()}
        if isinstance(v, dict):
            addr = v.get("address") if isinstance(v.get("address"), dict) else {}
            src = {**v, **addr}
            return {
                "venue": text(first(v, "name", "venue", "title", "locationName")),
                "address": text(first(src, "street", "streetAddress", "address_1", "address1", "streetLineOne"))
                if not isinstance(v.get("address"), str) else v["address"],
                "city": text(first(src, "city", "locality", "addressLocality", "town")),
                "region": text(first(src, "region", "state", "province", "addressRegion")),
                "postal_code": text(first(src, "postal_code", "postalCode", "zip", "zipcode", "postcode")),
                "country": text(first(src, "country", "addressCountry", "country_code")),
            }
    name = text(first(o, "location_name", "venue_name", "place_name", "locationName"))
    return {"venue": name} if name else {}


_OTHER_URL = re.compile(r"(^|_)(url|link|permalink)$", re.I)
_NOT_PAGE = re.compile(r"image|photo|logo|thumb|ical|ics|api|rest|feed|avatar|icon|banner|map|ticket|video|stream",
                       re.I)


def _page_url(o: dict[str, Any]) -> str | None:
    """The listing's page: a known URL key, else another `*_url` key that is not a picture or a feed."""
    v = text(_first_key(o, URL_KEYS))
    if v:
        return v
    for k, val in o.items():
        if _OTHER_URL.search(k) and not _NOT_PAGE.search(k) and isinstance(val, str) and val.startswith("http"):
            return val
    return None


def _unwrap(o: dict[str, Any]) -> dict[str, Any]:
    """`{"event": {...}}`, `{"node": {...}}`, JSON:API `attributes` wrappers -> the listing object itself."""
    if len(o) == 1:
        inner = next(iter(o.values()))
        if isinstance(inner, dict):
            return inner
    if isinstance(o.get("node"), dict) and set(o) <= {"node", "cursor"}:
        return o["node"]
    if isinstance(o.get("attributes"), dict):  # JSON:API (Drupal, Strapi v4): {"id", "type", "attributes"}
        return {"id": o.get("id"), **o["attributes"]}
    return o


def _organizer(o: dict[str, Any]) -> str | None:
    v = first(o, "organizer", "organiser", "organizer_name", "host", "owner", "organization", "organisation")
    if isinstance(v, list):
        v = next(iter(v), None)
    return text(v)


def _instance_dates(o: dict[str, Any]) -> tuple[Any, Any]:
    """The first dated instance of a listing whose dates sit in a nested list (instances, dates, timeslots)."""
    for k in ("event_instances", "instances", "dates", "occurrences", "timeslots", "sessions", "schedule"):
        for inst in (_unwrap(x) for x in dicts(o.get(k))):
            s = _start_of(inst)
            if s is not None:
                return s, _first_key(inst, END_KEYS)
    return None, None


def _generic(doc: Any) -> list[dict[str, Any]]:
    """Arrays of objects with a title-like and a date-like key, wherever they sit in the document.

    The largest such array wins (a page's listings outnumber its navigation or metadata), and
    each object is read for the fields record names and common API spellings agree on.
    """
    best: list[dict[str, Any]] = []
    for node in walk(doc):
        if not isinstance(node, list):
            continue
        objs = [_unwrap(o) for o in dicts(node)]
        good = [o for o in objs if text(_first_key(o, TITLE_KEYS))
                and (_start_of(o) is not None or _instance_dates(o)[0] is not None)]
        if good and len(good) >= len(objs) / 2 and len(good) > len(best):
            best = good
    out = []
    for o in best:
        title = _first_key(o, TITLE_KEYS)
        all_day = next((as_bool(o[k]) for k in ALL_DAY_KEYS if k in o), None)
        cancelled = next((as_bool(o[k]) for k in CANCEL_KEYS if k in o), None)
        raw_start, raw_end = _start_of(o), _first_key(o, END_KEYS)
        if raw_start is None:
            raw_start, raw_end = _instance_dates(o)
        start, end = _when(raw_start), _when(raw_end)
        if all_day and isinstance(start, str) and len(start) > 10:
            start = start[:10]
            end = end[:10] if isinstance(end, str) else end
        desc_key = next((k for k in DESC_KEYS if isinstance(o.get(k), str) and o[k].strip() and o[k] != title), None)
        out.append({
            "title": text(title),
            "start": start,
            "end": end,
            "all_day": all_day,
            "url": _page_url(o),
            **(description(o[desc_key]) if desc_key else {}),
            **_place(o),
            "timezone": _zone(first(o, "timezone", "timeZone", "tz", "time_zone")),
            "organizer": _organizer(o),
            "online": as_bool(first(o, "online", "is_online", "isOnline", "virtual", "is_virtual", "remote")),
            "event_status": "cancelled" if cancelled else None,
            "native_id": text(o["id"]) if isinstance(o.get("id"), (str, int)) else None,
        })
    return out


def _zone(value: Any) -> str | None:
    """An IANA name as given, or the zone a North American abbreviation ("CST") stands for."""
    s = text(value)
    return ABBREVIATIONS.get(s.lower(), s) if s else None


def parse(body: bytes, where: str = "<input>") -> Any:
    """The JSON document in a body, or None (logged) when there is none to read."""
    s = body.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    s = re.sub(r"^\)\]\}',?\s*", "", s)  # anti-XSSI prefix
    m = re.match(r"^[\w$.]+\s*\(\s*(.*?)\s*\)\s*;?\s*$", s, re.S)  # JSONP callback(...)
    if m:
        s = m.group(1)
    try:
        return json.loads(s)
    except ValueError as exc:
        log.warning("unreadable JSON at %s: %s", where, exc)
        return None


def _clean(raw: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in raw.items() if v not in (None, "", [], {})}


def extract(body: bytes, ctx: Context) -> list[dict[str, Any]]:
    """Listings from a JSON body: the first adapter that recognises the shape, else the generic one."""
    where = ctx.url or "<input>"
    if not body.strip():
        log.warning("empty body at %s", where)
        return []
    doc = parse(body, where)
    if doc in (None, {}, [], ""):
        log.warning("no listings in JSON at %s: %s", where, json.dumps(doc)[:40] if doc is not None else "unreadable")
        return []
    found: list[dict[str, Any]] | None = None
    for adapter in ADAPTERS:
        try:
            if adapter.detect(doc):
                found = adapter.listings(doc, ctx)
                break
        except Exception as exc:  # an adapter's bug must not cost the page: fall back to generic
            log.warning("%s adapter failed at %s: %s: %s", adapter.__name__, where, type(exc).__name__, exc)
    if found is None:
        found = _generic(doc)
    out, seen = [], set()
    untitled = repeated = 0
    for raw in (_clean(x) for x in found):
        if not raw.get("title"):
            untitled += 1
            continue
        key = (raw.get("platform"), raw["native_id"]) if raw.get("native_id") else (
            raw["title"], str(raw.get("start")), raw.get("url"), raw.get("venue"))
        if key in seen:  # the same listing twice in one response (overlapping pages, repeated edges)
            repeated += 1
            continue
        seen.add(key)
        out.append(raw)
    if untitled or repeated:
        log.warning("%d untitled and %d repeated listing(s) skipped at %s", untitled, repeated, where)
    return out


__all__ = ["extract", "parse"]
