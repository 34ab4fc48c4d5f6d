"""RSS and Atom feeds (feedparser): one listing per entry.

An entry's `published` date is when it was posted, not when the event happens, so it is never
used as the start. Event dates come from event namespaces (xCal, RSS `ev:`, Google Calendar's
`gd:when`) or, failing those, from labelled lines in the entry's content ("When: Thursday,
January 8th from 5:30-7:30pm", "Where: …"), which calendar plugins and Meetup's RSS print.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import feedparser
from lxml import html as lxml_html

if TYPE_CHECKING:
    from crawlers.extract import Context

WHEN_LINE = re.compile(r"^\s*(?:when|date(?:\s*/\s*time)?|time|datum|termin|wann|kdy|quand|fecha)\s*:\s*(.+)$",
                       re.I | re.M)
WHERE_LINE = re.compile(r"^\s*(?:where|location|venue|place|ort|wo|kde|lieu|lugar)\s*:\s*(.+)$", re.I | re.M)


def _plain(fragment: str | None) -> str:
    """An entry's HTML as lines of text (block elements and <br> end a line)."""
    if not fragment:
        return ""
    if "<" not in fragment:
        return fragment
    try:
        tree = lxml_html.fromstring(f"<div>{fragment}</div>")
    except (ValueError, lxml_html.etree.ParserError):
        return fragment
    for el in tree.iter():  # source line breaks are spaces; only block ends break a line
        if isinstance(el.tag, str):
            el.text = re.sub(r"\s+", " ", el.text) if el.text else el.text
            el.tail = re.sub(r"\s+", " ", el.tail) if el.tail else el.tail
    for br in tree.iter("br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4"):
        br.tail = "\n" + (br.tail or "")
    return tree.text_content()


def _gd_when(e: Any) -> tuple[str | None, str | None]:
    w = e.get("gd_when")
    if isinstance(w, dict):
        return w.get("starttime") or w.get("startTime"), w.get("endtime") or w.get("endTime")
    return None, None


def _gd_where(e: Any) -> str | None:
    w = e.get("gd_where")
    return w.get("valuestring") or w.get("valueString") if isinstance(w, dict) else None


def extract(body: bytes, ctx: Context) -> list[dict[str, Any]]:
    """Entries as listings; their dates are event dates only where the feed says so."""
    parsed = feedparser.parse(body)
    lang = (parsed.feed.get("language") or "").split("-")[0].lower() or None
    out = []
    for e in parsed.entries:
        content = e.get("summary") or (e.get("content") or [{}])[0].get("value")
        gd_start, gd_end = _gd_when(e)
        item: dict[str, Any] = {
            "title": e.get("title"),
            "description_html": content,
            "url": e.get("link"),
            "native_id": e.get("id"),
            "start": e.get("ev_startdate") or e.get("xcal_dtstart") or gd_start,
            "end": e.get("ev_enddate") or e.get("xcal_dtend") or gd_end,
            "location_text": e.get("ev_location") or e.get("xcal_location") or _gd_where(e),
            "organizer": e.get("author"),
            "lang": lang,
        }
        text = _plain(content)
        if not item["start"]:
            m = WHEN_LINE.search(text)
            if m:
                item["when_text"] = m.group(1).strip()
        if not item["location_text"]:
            m = WHERE_LINE.search(text)
            if m:
                item["location_text"] = m.group(1).strip()
        out.append({k: v for k, v in item.items() if v not in (None, "")})
    return [x for x in out if x.get("title")]
