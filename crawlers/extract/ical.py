"""iCalendar feeds: one listing per event series, occurrences expanded within a window."""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import TYPE_CHECKING, Any

import icalendar
import recurring_ical_events

if TYPE_CHECKING:
    from crawlers.extract import Context

log = logging.getLogger(__name__)

# PRODID fragment -> platform name recorded on the listing.
PRODID_PLATFORMS = (
    ("meetup", "meetup"),
    ("the events calendar", "tribe"),
    ("tribe", "tribe"),
    ("google", "google_calendar"),
    ("civicplus", "civicplus"),
    ("localist", "localist"),
    ("tockify", "tockify"),
    ("growthzone", "growthzone"),
    ("micronet", "growthzone"),
    ("chambermaster", "growthzone"),
    ("libcal", "libcal"),
    ("springshare", "libcal"),
    ("modern events calendar", "mec"),
    ("webnus", "mec"),
    ("luma", "luma"),
    ("microsoft", "outlook"),
)


def platform_from_prodid(prodid: str | None) -> str | None:
    p = (prodid or "").lower()
    for frag, name in PRODID_PLATFORMS:
        if frag in p:
            return name
    return None


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="replace")


def _value(v: Any) -> Any:
    return getattr(v, "dt", v)


def _tzid(prop: Any) -> str | None:
    if prop is None:
        return None
    params = getattr(prop, "params", {}) or {}
    tzid = params.get("TZID")
    if tzid:
        return str(tzid)
    d = _value(prop)
    if isinstance(d, dt.datetime) and d.tzinfo is not None:
        key = getattr(d.tzinfo, "key", None) or getattr(d.tzinfo, "zone", None)
        return key
    return None


def _iso(d: Any) -> Any:
    return d.isoformat() if isinstance(d, dt.date) else d


def _listing(ev: Any, platform: str | None) -> dict[str, Any]:
    start_prop = ev.get("DTSTART")
    start = _value(start_prop)
    end = _value(ev.get("DTEND"))
    if end is None and ev.get("DURATION") is not None and start is not None:
        end = start + _value(ev.get("DURATION"))
    rrule = ev.get("RRULE")
    out: dict[str, Any] = {
        "title": str(ev.get("SUMMARY") or "").strip() or None,
        "description": str(ev.get("DESCRIPTION") or "").strip() or None,
        "location_text": str(ev.get("LOCATION") or "").strip() or None,
        "url": str(ev.get("URL") or "").strip() or None,
        "native_id": str(ev.get("UID") or "").strip() or None,
        "start": start,
        "end": end,
        "all_day": isinstance(start, dt.date) and not isinstance(start, dt.datetime),
        "timezone": _tzid(start_prop),
        "recurrence": ("RRULE:" + rrule.to_ical().decode()) if rrule else None,
        "event_status": str(ev.get("STATUS") or "") or None,
        "organizer": _organizer(ev.get("ORGANIZER")),
    }
    geo = ev.get("GEO")
    if geo is not None:
        out["lat"], out["lon"] = geo.latitude, geo.longitude
    if platform:
        out["platform"] = platform
    return {k: v for k, v in out.items() if v not in (None, "")}


def _organizer(prop: Any) -> str | None:
    if prop is None:
        return None
    cn = (getattr(prop, "params", {}) or {}).get("CN")
    if cn:
        return str(cn).strip('"')
    return re.sub(r"^mailto:", "", str(prop), flags=re.I) or None


def extract(body: bytes, ctx: Context) -> list[dict[str, Any]]:
    """Every event series in a feed, each with its occurrences inside the context's window."""
    text = _decode(body)
    try:
        cal = icalendar.Calendar.from_ical(text)
    except ValueError as exc:
        log.warning("unreadable iCalendar at %s: %s", ctx.url or "<input>", exc)
        return []
    platform = platform_from_prodid(str(cal.get("PRODID") or ""))
    lo, hi = ctx.occurrence_window()
    by_uid: dict[str, list[tuple[Any, Any]]] = {}
    try:
        for occ in recurring_ical_events.of(cal).between(lo, hi):
            uid = str(occ.get("UID") or "")
            by_uid.setdefault(uid, []).append((_iso(_value(occ.get("DTSTART"))), _iso(_value(occ.get("DTEND")))))
    except Exception as exc:  # a broken RRULE must not cost the feed's other events
        log.warning("could not expand recurrences at %s: %s", ctx.url or "<input>", exc)
    out = []
    for ev in cal.walk("VEVENT"):
        if ev.get("RECURRENCE-ID") is not None:
            continue  # an override of a series occurrence, counted with its series
        item = _listing(ev, platform)
        if not item.get("title") and not item.get("start"):
            continue
        uid = item.get("native_id", "")
        if "recurrence" in item or ev.get("RDATE") is not None:
            item["occurrences"] = by_uid.get(uid, [])
        out.append(item)
    return out
