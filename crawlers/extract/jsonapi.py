"""JSON APIs: known platform shapes first (crawlers/extract/apis/), then a generic detector.

A JSON body is parsed leniently (byte-order mark, JSONP callbacks, anti-XSSI prefixes), offered
to each adapter in `apis.ADAPTERS` order, and the first whose `detect` claims it returns the
listings. Nothing claims it: the generic detector looks for the array of objects with a
title-like and a date-like key, wherever it sits. Unreadable or empty JSON gives `[]` and a
warning, never an exception: one bad response must not stop a crawl.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from crawlers.extract.apis import ADAPTERS
from crawlers.extract.apis._common import as_bool, description, dicts, epoch, first, text, walk
from crawlers.extract.jsonfields import end_of, fold, range_end, start_of, title_key, url_of
from crawlers.zones import ABBREVIATIONS

if TYPE_CHECKING:
    from crawlers.extract import Context

log = logging.getLogger(__name__)

URL_KEYS = ("url", "link", "permalink", "event_url", "eventUrl", "html_url", "htmlLink", "browser_url",
            "eventPath", "website")
DESC_KEYS = ("description", "description_text", "body", "content", "details", "summary", "excerpt")
ALL_DAY_KEYS = ("allDay", "all_day", "is_all_day", "isAllDay", "allday")
CANCEL_KEYS = ("isCancelled", "is_cancelled", "cancelled", "canceled", "is_canceled", "isCanceled",
               "canceledEvent")
# A venue object names the place; a location object may hold just its city line.
PLACE_KEYS = ("venue", "location", "place", "address")


def _first_key(obj: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for k in keys:
        v = obj.get(k)
        if v not in (None, "", [], {}):
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


_PLACE_KEY = re.compile(r"(venue|location|place|address|where)(line)?\d?$")
_NOT_PLACE = re.compile(r"email|url|link|ip|type|status|lat|lon|lng|geo|timezone|^is|^has|id$")


def _place(o: dict[str, Any]) -> dict[str, Any]:
    """Place fields from nested venue/location objects, else one place line from the string fields
    that hold it (`location`, `MeetingLocation`, `MM_Address1..3`), for normalize to split.

    Address lines go building first: a line without digits names a building or room, the lines
    with digits are the street and the city line.
    """
    for k in PLACE_KEYS:
        v = o.get(k)
        if isinstance(v, list):
            v = next(iter(dicts(v)), None)
        if isinstance(v, dict):
            return _place_object(v, o)
    lines = []
    for k, v in o.items():
        f = fold(k) if isinstance(k, str) else ""
        if _PLACE_KEY.search(f) and not _NOT_PLACE.search(f):
            s = text(v) if isinstance(v, (str, dict)) else None
            if s and not s.startswith(("http://", "https://")) and s not in lines:
                lines.append(s)
    if lines:
        lines.sort(key=lambda s: any(c.isdigit() for c in s))
        return {"location_text": ", ".join(lines)}
    name = text(first(o, "location_name", "venue_name", "place_name", "locationName"))
    return {"venue": name} if name else {}


def _place_object(v: dict[str, Any], o: dict[str, Any]) -> dict[str, Any]:
    """A nested venue/location object; a sibling `location` object may carry the city line."""
    addr = v.get("address") if isinstance(v.get("address"), dict) else {}
    src = {**v, **addr}
    city = text(first(src, "city", "locality", "addressLocality", "town"))
    other = o.get("location") if isinstance(o.get("location"), dict) and o.get("location") is not v else {}
    if not city and other:
        city = text(first(other, "city", "locality", "name"))
    venue = text(first(v, "name", "displayName", "venue", "title", "locationName"))
    if city and "," in city and not any(src.get(k) for k in ("region", "state", "country")):
        return {"location_text": ", ".join(x for x in (venue, city) if x)}  # "Lexington, KY, US"
    return {
        "venue": venue,
        "address": text(first(src, "street", "streetAddress", "address_1", "address1", "streetLineOne"))
        if not isinstance(v.get("address"), str) else v["address"],
        "city": city,
        "region": text(first(src, "region", "state", "province", "addressRegion")),
        "postal_code": text(first(src, "postal_code", "postalCode", "zip", "zipcode", "postcode")),
        "country": text(first(src, "country", "addressCountry", "country_code")),
    }


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
            s = start_of(inst)
            if s is not None:
                return s, end_of(inst)
    return None, None


# A candidate array is taken when this share of its objects has a title and a readable date: a
# list of users, products or settings has neither together, an events list has both on nearly all.
MIN_DATED_SHARE = 0.6


def _dated(o: dict[str, Any]) -> bool:
    return title_key(o) is not None and (start_of(o) is not None or _instance_dates(o)[0] is not None)


def _path(doc: Any, target: list[Any]) -> str:
    """A JSON path to an array, for log lines a person can follow."""
    stack: list[tuple[Any, str]] = [(doc, "$")]
    while stack:
        node, path = stack.pop()
        if node is target:
            return path
        if isinstance(node, dict):
            stack.extend((v, f"{path}.{k}") for k, v in node.items() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend((v, f"{path}[{i}]") for i, v in enumerate(node[:50]) if isinstance(v, (dict, list)))
    return "$…"


def _generic(doc: Any, where: str = "<input>") -> list[dict[str, Any]]:
    """Arrays of event-like objects wherever they sit, read by what their fields mean.

    Every array of objects is a candidate; one is taken when most of its objects
    (MIN_DATED_SHARE) have a title and a date (crawlers/extract/jsonfields.py), and the one with
    the most such objects wins (a page's listings outnumber its navigation or metadata). Each
    refusal is logged at INFO with the array's path and counts (`widen extract --explain`).
    """
    best: list[dict[str, Any]] = []
    considered = []
    for node in walk(doc):
        if not isinstance(node, list):
            continue
        objs = [_unwrap(o) for o in dicts(node)]
        if not objs:
            continue
        good = [o for o in objs if _dated(o)]
        considered.append((node, len(objs), len(good)))
        if good and len(good) >= len(objs) * MIN_DATED_SHARE and len(good) > len(best):
            best = good
    for node, n, g in considered if log.isEnabledFor(logging.INFO) else ():  # paths cost a walk each
        if best and g == len(best):
            log.info("JSON at %s: array %s of %d objects, %d with a title and a date: taken", where, _path(doc, node), n, g)
        else:
            why = "no object has both" if g == 0 else (
                f"under {MIN_DATED_SHARE:.0%}" if g < n * MIN_DATED_SHARE else "a larger array won")
            log.info("JSON at %s: array %s of %d objects, %d with a title and a date: not taken (%s)",
                     where, _path(doc, node), n, g, why)
    if best:
        return [_listing(o) for o in best]
    return _undated(doc, where)


# Undated arrays are listings only with strong signals in the array's key or the objects' field
# names: volunteer roles (an opening to fill) or groups (a circle to join). A list of users,
# products or repositories has titles and links too, so nothing undated is taken by default.
_ROLE_WORDS = re.compile(r"volunteer|opportunit|vacanc|position|roles?$|shifts?$|needs?$")
_GROUP_WORDS = re.compile(r"groups?$|chapters?$|clubs?$|brigades?$|meetups?$|communit|membercount|members$|urlname")


def _undated(doc: Any, where: str) -> list[dict[str, Any]]:
    """Volunteer roles or groups from an array under a telling key, or of objects whose fields say so."""
    found: list[dict[str, Any]] = []
    arrays = [("", doc)] if isinstance(doc, list) else []
    arrays += [(k, v) for node in walk(doc) if isinstance(node, dict) for k, v in node.items() if isinstance(v, list)]
    for key, node in arrays:
        objs = [_unwrap(o) for o in dicts(node)]
        if not objs:
            continue
        words = {fold(key)} | {fold(k) for o in objs[:20] for k in o if isinstance(k, str)}
        kind = ("volunteer_role" if any(_ROLE_WORDS.search(w) for w in words)
                else "networking_group" if any(_GROUP_WORDS.search(w) for w in words) else None)
        good = [o for o in objs if title_key(o) and (url_of(o) or _organizer(o) or _place(o))]
        if kind is None or len(good) < len(objs) * MIN_DATED_SHARE or len(good) <= len(found):
            continue
        log.info("JSON at %s: array under %r of %d undated objects taken as %s (field names say so)",
                 where, key or "$", len(objs), kind)
        found = [{**_listing(o), "kind": kind, **({"commitment": "ongoing"} if kind == "volunteer_role" else {})}
                 for o in good]
    return found


def _listing(o: dict[str, Any]) -> dict[str, Any]:
    """One event-like object as a raw listing."""
    tk = title_key(o)
    title = o[tk] if tk else None
    all_day = next((as_bool(o[k]) for k in ALL_DAY_KEYS if k in o), None)
    cancelled = next((as_bool(o[k]) for k in CANCEL_KEYS if k in o), None)
    raw_start, raw_end = start_of(o), end_of(o)
    if raw_start is None:
        raw_start, raw_end = _instance_dates(o)
    if raw_end is None:
        raw_end = range_end(raw_start, text(title))
    start, end = _when(raw_start), _when(raw_end)
    if all_day and isinstance(start, str) and len(start) > 10:
        start = start[:10]
        end = end[:10] if isinstance(end, str) else end
    desc_key = next((k for k in DESC_KEYS if isinstance(o.get(k), str) and o[k].strip() and o[k] != title
                     and k != tk), None)
    return {
        "title": text(title),
        "start": start,
        "end": end,
        "all_day": all_day,
        "url": url_of(o) or _page_url(o),
        **(description(o[desc_key]) if desc_key else {}),
        **_place(o),
        "timezone": _zone(first(o, "timezone", "timeZone", "tz", "time_zone")),
        "organizer": _organizer(o),
        "online": as_bool(first(o, "online", "is_online", "isOnline", "virtual", "is_virtual", "remote")),
        "event_status": "cancelled" if cancelled else None,
        "native_id": text(o["id"]) if isinstance(o.get("id"), (str, int)) else None,
    }


def _zone(value: Any) -> str | None:
    """An IANA name as given, or the zone a North American abbreviation ("CST") stands for."""
    s = text(value)
    return ABBREVIATIONS.get(s.lower(), s) if s else None


# Hours a listing is almost never held at, 00:00-06:59, and the share of a feed's timed starts
# there that gives an epoch away as local wall-clock time written as if UTC.
NIGHT = range(0, 7)
PSEUDO_UTC_NIGHT_SHARE = 0.05


def _aware(v: Any) -> bool:
    return isinstance(v, dt.datetime) and v.tzinfo is not None


def _pseudo_utc(listings: list[dict[str, Any]], tz: str) -> bool:
    """Whether a feed's epochs are the source's wall clock written as if UTC (City Council at 17:30
    stored as 17:30Z), judged by what a person would find odd: read in the source's zone, some
    meetings start in the night, while read as wall-clock time none does. Genuine UTC epochs of an
    American evening fall at night in UTC instead, so they never pass; an offset under 3 h cannot
    be told apart and is left alone. Needs 5 timed starts from epochs without their own zone."""
    try:
        zone = ZoneInfo(tz)
    except (ValueError, KeyError):
        return False
    starts = [x["start"] for x in listings if _aware(x.get("start")) and not x.get("timezone")]
    timed = [s for s in starts if (s.hour, s.minute) != (0, 0)]
    if len(timed) < 5 or abs((timed[0].astimezone(zone).utcoffset() or dt.timedelta()).total_seconds()) < 3 * 3600:
        return False
    local_night = sum(s.astimezone(zone).hour in NIGHT for s in timed)
    return local_night >= len(timed) * PSEUDO_UTC_NIGHT_SHARE and not any(s.hour in NIGHT for s in timed)


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
        found = _generic(doc, where)
        if ctx.tz and _pseudo_utc(found, ctx.tz):
            log.info("epochs at %s read as %s wall-clock time written as if UTC", where, ctx.tz)
            found = [{**x, **{k: x[k].replace(tzinfo=None) for k in ("start", "end") if _aware(x.get(k))}}
                     for x in found]
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
