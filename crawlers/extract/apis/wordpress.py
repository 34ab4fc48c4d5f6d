"""WordPress calendar plugins' AJAX JSON: Event Organiser (FullCalendar feed) and EventON.

Event Organiser's `admin-ajax.php?action=eventorganiser-fullcal` answers a list of FullCalendar
objects (`title`, `url`, `start`, `end` as floating local time, `allDay`, `className` with
`eo-event…` classes). An all-day event's `end` is exclusive midnight: it is kept as a date.

EventON's month AJAX answers `{"eventList": [...], "content": "<html>"}`. `event_start_unix`
is the site's wall-clock time written as if it were UTC (a known EventON behaviour), so it is
read back as a floating local time. Title, link, place and description come from the rendered
HTML a visitor sees, keyed by `event_<id>`.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from parsel import Selector

from crawlers.extract.apis._common import as_bool, description, dicts, epoch, joined, text

log = logging.getLogger(__name__)


def _is_eo(o: Any) -> bool:
    classes = o.get("className") if isinstance(o, dict) else None
    classes = classes if isinstance(classes, list) else [classes] if isinstance(classes, str) else []
    return "start" in o and "title" in o and any(str(c).startswith("eo-") for c in classes)


def detect(doc: Any) -> bool:
    if isinstance(doc, dict) and isinstance(doc.get("eventList"), list) and (
            "content" in doc or any("event_start_unix" in e for e in dicts(doc["eventList"]))):
        return True
    items = dicts(doc) if isinstance(doc, list) else []
    return bool(items) and sum(_is_eo(o) for o in items) >= len(items) / 2


def _floating(value: Any) -> dt.datetime | None:
    """EventON's pseudo-UTC epoch as the wall-clock time it really is."""
    v = epoch(value, millis=False)
    return v.replace(tzinfo=None) if v else None


def _eventon(doc: dict[str, Any]) -> list[dict[str, Any]]:
    html = doc.get("content") if isinstance(doc.get("content"), str) else ""
    page = Selector(text=html) if html.strip() else None
    out = []
    for e in dicts(doc.get("eventList")):
        eid = text(e.get("event_id"))
        card = page.xpath("//*[@id=$id]", id=f"event_{eid}") if page is not None and eid else None
        place = desc = url = title = None
        if card:
            title = card.css(".evcal_event_title::text, [itemprop=name]::text").get()
            url = card.css("[itemprop=url]::attr(href), a.evcal_list_a::attr(href)").get()
            place = joined(card.css(".evo_location_name::text").get(), card.css(".evo_location_address::text").get())
            desc = card.css(".eventon_desc_in").get()
        out.append({
            "native_id": eid,
            "title": text(title) or text(e.get("event_title")),
            **description(desc),
            "url": text(url),
            "start": _floating(e.get("event_start_unix")),
            "end": _floating(e.get("event_end_unix")),
            "location_text": place,
            "kind": "networking_event",
            "platform": "eventon",
        })
    return out


def _event_organiser(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for o in items:
        all_day = bool(as_bool(o.get("allDay")))
        start, end = text(o.get("start")), text(o.get("end"))
        if all_day:
            start, end = (start or "")[:10] or None, (end or "")[:10] or None
        out.append({
            "native_id": text(o.get("id")),
            "title": text(o.get("title")),
            **description(o.get("description")),
            "url": text(o.get("url")),
            "start": start,
            "end": end,
            "all_day": all_day,
            "kind": "networking_event",
            "platform": "event-organiser",
        })
    return out


def listings(doc: Any, ctx: Any = None) -> list[dict[str, Any]]:
    if isinstance(doc, dict):
        return _eventon(doc)
    return _event_organiser([o for o in dicts(doc) if "start" in o and "title" in o])
