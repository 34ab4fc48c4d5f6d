"""Facts a single-event page prints for people that its structured data leaves out.

Applied only to pages holding exactly one listing (an event's own page), where "the
organiser" and "the venue" shown on the page can only mean that listing's:

- a labelled organiser line ("Veranstalter: Förderkreis …, Straße 21, Goslar", "Organized by
  …", "Hosted by …"): the name up to the first comma;
- the venue name shown in an `<address>` block or a `…venue…name…` element, used when it
  extends the structured name ("Kulturkraftwerk" in JSON-LD, "Kulturkraftwerk HarzEnergie"
  on the page).
"""

from __future__ import annotations

import re
from typing import Any

from crawlers.extract.html_util import first, text_of

ORGANIZER_LABEL = re.compile(
    r"^\s*(veranstalter(?:in)?|organi[sz]ers?|organi[sz]ed by|hosted by|presented by|host|pořadatel|"
    r"organisateur|organizador)\s*:?\s*", re.I)


_LABELS = ("Veranstalter", "Organizer", "Organiser", "Organized by", "Organised by", "Hosted by", "Presented by",
           "Pořadatel", "Organisateur", "Organizador")


def facts(tree: Any, body: bytes = b"", want_organizer: bool = True, want_venue: bool = True) -> dict[str, str]:
    """Organizer and venue name as printed on the page (empty when it prints neither).

    The labels are looked for in the bytes first: an XPath over every text node costs more
    than the rest of the page's extraction.
    """
    out: dict[str, str] = {}
    if want_organizer:
        out.update(_organizer(tree, body))
    if want_venue and (not body or b"<address" in body):
        venue = first([text_of(v) for a in tree.iter("address") for v in a.xpath(".//*[contains(@class,'name')] | .//a")
                       if text_of(v)])
        if venue and len(venue) < 120:
            out["venue"] = venue
    return out


def _organizer(tree: Any, body: bytes) -> dict[str, str]:
    labels = [lb for lb in _LABELS if not body or lb.encode() in body]
    if not labels:
        return {}
    test = " or ".join(f"contains(., '{lb}')" for lb in labels)
    for node in tree.xpath(f"//body//text()[{test}]"):
        el = node.getparent()
        if el is None or el.tag in ("script", "style"):
            continue
        for scope in (el, el.getparent()):  # "<span>Veranstalter:</span> Name, Street" reads in the parent
            line = text_of(scope) if scope is not None else ""
            m = ORGANIZER_LABEL.match(line)
            if not m or len(line) > 200:
                continue
            name = line[m.end():].split(",")[0].strip()
            if 2 < len(name) < 100:
                return {"organizer": name}
    return {}


def apply(item: dict[str, Any], page: dict[str, str]) -> None:
    """Fill the listing's gaps from the page; a visible venue name that extends the data's wins."""
    if page.get("organizer") and not item.get("organizer"):
        item["organizer"] = page["organizer"]
    seen, data = page.get("venue"), item.get("venue")
    if seen and data and len(seen) > len(data) and seen.casefold().startswith(str(data).casefold()):
        item["venue"] = seen
