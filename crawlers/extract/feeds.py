"""RSS and Atom feeds (feedparser): one listing per entry."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import feedparser

if TYPE_CHECKING:
    from crawlers.extract import Context


def extract(body: bytes, ctx: Context) -> list[dict[str, Any]]:
    """Entries as listings; their dates are event dates only where the feed says so."""
    parsed = feedparser.parse(body)
    out = []
    for e in parsed.entries:
        item = {
            "title": e.get("title"),
            "description_html": e.get("summary") or (e.get("content") or [{}])[0].get("value"),
            "url": e.get("link"),
            "native_id": e.get("id"),
            "start": e.get("ev_startdate") or e.get("xcal_dtstart"),
            "end": e.get("ev_enddate") or e.get("xcal_dtend"),
            "location_text": e.get("ev_location") or e.get("xcal_location"),
            "organizer": e.get("author"),
        }
        out.append({k: v for k, v in item.items() if v not in (None, "")})
    return [x for x in out if x.get("title")]
