"""Google Calendar API v3 events list (`calendar#events`) or a single `calendar#event`.

`start`/`end` are `{"dateTime": ISO with offset, "timeZone": IANA}` or `{"date": ...}` for
all-day events (end exclusive). `summary` is the title, `location` one line of text,
`htmlLink` the public page, `recurrence` a list of RRULE/EXDATE lines (kept as the rule),
`status: "cancelled"` marks cancelled instances; a calendar-wide `timeZone` applies to events
without their own. `hangoutLink`/`conferenceData` mean it can be joined online.
"""

from __future__ import annotations

from typing import Any

from crawlers.extract.apis._common import description, dicts, first, text


def detect(doc: Any) -> bool:
    if not isinstance(doc, dict):
        return False
    if doc.get("kind") in ("calendar#events", "calendar#event"):
        return True
    return isinstance(doc.get("items"), list) and any(
        isinstance(i, dict) and i.get("kind") == "calendar#event" for i in doc["items"])


def _event(e: dict[str, Any], cal_tz: str | None) -> dict[str, Any]:
    start = e.get("start") if isinstance(e.get("start"), dict) else {}
    end = e.get("end") if isinstance(e.get("end"), dict) else {}
    lines = e.get("recurrence") if isinstance(e.get("recurrence"), list) else []
    rules = [r for r in lines if isinstance(r, str) and r.upper().startswith("RRULE:")]
    organizer = e.get("organizer") if isinstance(e.get("organizer"), dict) else {}
    online = bool(e.get("hangoutLink") or e.get("conferenceData")) or None
    return {
        "native_id": text(first(e, "iCalUID", "id")) if not e.get("recurringEventId") else text(e.get("id")),
        "title": text(e.get("summary")),
        **description(e.get("description")),
        "url": text(e.get("htmlLink")),
        "start": text(first(start, "dateTime", "date")),
        "end": text(first(end, "dateTime", "date")),
        "all_day": "date" in start and "dateTime" not in start,
        "timezone": text(start.get("timeZone")) or cal_tz,
        "recurrence": rules[0] if rules else None,
        "location_text": text(e.get("location")),
        "organizer": text(organizer.get("displayName")),
        "online": online,
        "event_status": "cancelled" if e.get("status") == "cancelled" else None,
        "kind": "networking_event",
        "platform": "google-calendar",
    }


def listings(doc: dict[str, Any], ctx: Any = None) -> list[dict[str, Any]]:
    if doc.get("kind") == "calendar#event":
        return [_event(doc, None)]
    cal_tz = text(doc.get("timeZone"))
    return [_event(e, cal_tz) for e in dicts(doc.get("items")) if e.get("summary") or e.get("status") != "cancelled"]
