"""The Events Calendar (WordPress "tribe") views as a person sees them.

Sites on this plugin print times in the list/day/photo views, hide them in month-view tooltip
data (`data-tribejson` in v4, `<time datetime>` inside tooltips in v5), and often publish
JSON-LD whose offset is wrong (`+00:00` for Chicago wall-clock times, a misconfigured site
zone). So the visible text is read here and handed on as `when_text`; normalization lets it
win over the structured data it contradicts (see html_page.merge).
"""

from __future__ import annotations

import html
import json
from typing import Any

from lxml import etree

from crawlers.extract.html_util import absolute, first, text_of

# One event in each view: v4 list/day/photo/single rows, v5 list/day/month/photo articles.
ROW_CLASSES = frozenset({"type-tribe_events", "tribe-events-calendar-list__event", "tribe-events-calendar-day__event",
                         "tribe-events-pro-photo__event", "tribe-events-calendar-month__calendar-event"})
# One scan of the tree finds every candidate; classes are then checked in Python (five XPath
# scans with ancestor tests cost ~30 ms on a 200 KB page). The scan walks attribute nodes and
# steps up to their elements: testing `contains(@class, …)` on every element costs 2.5× as
# much (2.0 vs 0.8 ms on bench/extract.py's page), the same elements in the same order.
CANDIDATES = etree.XPath("//@class[contains(., 'tribe')]/.. | //@data-tribejson/..")
# Compiled once: per-row XPath strings would be re-parsed for every event.
TITLE_LINK = etree.XPath(".//a[@href][contains(@class,'tribe-event-url') or ancestor::*[contains(@class,"
                         "'event-title')] or ancestor::h1 or ancestor::h2 or ancestor::h3]")
WHEN = (  # most specific first: the meta block also holds the venue
    etree.XPath(".//*[contains(@class,'tribe-event-schedule-details') or contains(@class,'tribe-events-schedule')]"),
    etree.XPath(".//*[contains(@class,'event-datetime')]"),
)
VENUE = etree.XPath(".//*[contains(@class,'tribe-events-venue-details') or contains(@class,'event-venue')]")


def is_tribe(body: bytes) -> bool:
    """Cheap check before any tree walking: the plugin's class names are in every view."""
    return b"tribe-events" in body or b"tribe_events" in body


def _is_junk(cls: str) -> bool:
    """Parts of a row's date block that are not the date: the recurrence note and the price.

    Tested in Python over the block's few elements: an XPath call per row costs more.
    """
    return "recurringinfo" in cls or "tribe-events-cost" in cls


def _row(el: Any, base: str) -> dict[str, Any] | None:
    link = first(TITLE_LINK(el))
    title = text_of(link) if link is not None else text_of(first(el.xpath(
        ".//*[contains(@class,'event-title')] | .//h2 | .//h3")))
    if not title:
        return None
    out: dict[str, Any] = {"title": title, "url": absolute(link.get("href"), base) if link is not None else None}
    when = next((w for q in WHEN for w in q(el)), None)
    if when is not None:
        for junk in [d for d in when.iterdescendants(etree.Element) if _is_junk(d.get("class") or "")]:
            junk.drop_tree()
        out["when_text"] = text_of(when)
    if not out.get("when_text"):
        t = first(el.xpath(".//time[@datetime]"))
        if t is not None:
            out["start"] = t.get("datetime")
    venue = first(VENUE(el))
    if venue is not None:
        loc = text_of(venue).strip(" ,")
        if loc:
            out["location_text"] = loc
    if not out.get("when_text") and not out.get("start"):
        return None  # a bare link to an event (sidebar widgets, related events), not a listing
    return {k: v for k, v in out.items() if v}


def _tooltip(el: Any, base: str) -> dict[str, Any] | None:
    """v4 month view: the event is only a JSON blob in `data-tribejson` on its grid cell."""
    try:
        data = json.loads(html.unescape(el.get("data-tribejson") or ""))
    except ValueError:
        return None
    if not isinstance(data, dict) or not data.get("title"):
        return None
    when = data.get("dateDisplay") or " - ".join(x for x in (data.get("startTime"), data.get("endTime")) if x)
    return {k: v for k, v in {
        "title": html.unescape(str(data["title"])),
        "url": absolute(data.get("permalink"), base),
        "when_text": html.unescape(str(when or "")),
        "description_html": data.get("excerpt"),
        "native_id": f"tribe-{data.get('eventId')}" if data.get("eventId") else None,
    }.items() if v}


def extract(tree: Any, base: str) -> list[dict[str, Any]]:
    """Listings from every tribe view on the page (each event once, first view wins)."""
    out: list[dict[str, Any]] = []
    rows = []
    for el in CANDIDATES(tree):
        if el.get("data-tribejson") is not None:
            if "eventId" in el.get("data-tribejson"):
                item = _tooltip(el, base)
                if item:
                    out.append(item)
            continue
        if ROW_CLASSES.intersection((el.get("class") or "").split()):
            rows.append(el)
    row_set = set(rows)  # lxml keeps one proxy per live node: identity hashing is safe here
    for el in rows:
        if not any(a in row_set for a in el.iterancestors()):  # a row nested in a row is not an event
            item = _row(el, base)
            if item:
                out.append(item)
    for item in out:
        item["platform"] = "tribe"
    return out
