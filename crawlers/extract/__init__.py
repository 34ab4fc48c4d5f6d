"""Pure extractors: bytes in, plain dicts ("raw listings") out. Never imports Scrapy.

A raw listing uses the record's field names where it knows them (title, start, end,
venue, city, url, organizer, ...) and may add:

- ``native_id``: the platform's own id (makes the stable id),
- ``location_text``: a place the page shows as one string,
- ``attendance_mode`` / ``event_status``: schema.org values or platform flags,
- ``occurrences``: ``[(start, end), ...]`` already expanded (iCalendar),
- ``platform``: the producer detected from the data (e.g. iCalendar PRODID),
- ``when_text``: the date/time as the page prints it ("September 5 @ 6:30 pm - 7:30 pm");
  it wins over ``start``/``end`` where they contradict it (visible text wins),
- ``lang``: the page's language (guides reading dates written in words),
- ``ongoing``: an undated role that stays open (volunteer listings).

``start``/``end`` may be ISO strings, ``datetime``/``date`` objects or the text a person
reads on the page; pipelines/normalize.py turns all of them into the record's form.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from crawlers.extract import feeds, html_page, ical, jsonapi

__all__ = ["Context", "extract", "sniff"]


@dataclass
class Context:
    """What an extractor may know beyond the bytes: where they came from and when."""

    url: str = ""
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    tz: str | None = None
    window: tuple[dt.datetime, dt.datetime] | None = None  # occurrences to expand (iCalendar)
    hints: dict[str, Any] = field(default_factory=dict)
    # Damage the extractor read around (a truncated feed, binary garbage, unreadable events): the
    # readable listings are still returned, and the caller records these against the source, so a
    # partial parse is never reported as a healthy run.
    problems: list[str] = field(default_factory=list)

    def occurrence_window(self) -> tuple[dt.datetime, dt.datetime]:
        """The explicit window, else 90 days from now (the occurrences table's horizon)."""
        if self.window:
            return self.window
        start = self.now if self.now.tzinfo else self.now.replace(tzinfo=dt.UTC)
        return start, start + dt.timedelta(days=90)


def sniff(body: bytes, content_type: str | None = None, url: str = "") -> str:
    """Name the format of a body: 'ical', 'json', 'feed' or 'html'.

    Content sniffing wins over Content-Type because real servers label ICS as text/plain and
    JSON as text/html often enough.
    """
    head = body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    ctype = (content_type or "").lower()
    if head.startswith(b"begin:vcalendar") or b"begin:vcalendar" in head[:200]:
        return "ical"
    if head[:1] in (b"{", b"["):
        return "json"
    if head.startswith(b"<?xml") or head.startswith(b"<rss") or head.startswith(b"<feed"):
        if b"<html" not in head:
            return "feed"
    if "calendar" in ctype:
        return "ical"
    if "json" in ctype:
        return "json"
    if any(t in ctype for t in ("rss", "atom")):
        return "feed"
    return "html"


def extract(body: bytes, url: str = "", content_type: str | None = None,
            ctx: Context | None = None) -> list[dict[str, Any]]:
    """Every listing found in one response body, as raw dicts."""
    ctx = ctx or Context(url=url)
    if url and not ctx.url:
        ctx.url = url
    kind = sniff(body, content_type, url)
    if kind == "ical":
        return ical.extract(body, ctx)
    if kind == "json":
        return jsonapi.extract(body, ctx)
    if kind == "feed":
        return feeds.extract(body, ctx)
    return html_page.extract(body, ctx)
