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
VENUE_NAME = ("//address//*[contains(@class,'name')] | //*[contains(@class,'venue') and contains(@class,'name')]"
              " | //address//a")


def facts(tree: Any) -> dict[str, str]:
    """Organizer and venue name as printed on the page (empty when it prints neither)."""
    out: dict[str, str] = {}
    for el in tree.xpath("//*[contains(@class,'organi')] | //dt | //strong | //b | //span | //p"):
        line = text_of(el)
        if not line or len(line) > 200:
            continue
        m = ORGANIZER_LABEL.match(line)
        if m and len(line) > m.end():
            name = line[m.end():].split(",")[0].strip()
            if 2 < len(name) < 100:
                out["organizer"] = name
                break
    venue = first([text_of(v) for v in tree.xpath(VENUE_NAME) if text_of(v)])
    if venue and len(venue) < 120:
        out["venue"] = venue
    return out


def apply(item: dict[str, Any], page: dict[str, str]) -> None:
    """Fill the listing's gaps from the page; a visible venue name that extends the data's wins."""
    if page.get("organizer") and not item.get("organizer"):
        item["organizer"] = page["organizer"]
    seen, data = page.get("venue"), item.get("venue")
    if seen and data and len(seen) > len(data) and seen.casefold().startswith(str(data).casefold()):
        item["venue"] = seen
