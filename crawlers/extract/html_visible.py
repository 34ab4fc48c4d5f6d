"""Facts a single-event page prints for people that its structured data leaves out.

Applied only to pages holding exactly one listing (an event's own page), where "the
organiser" and "the venue" shown on the page can only mean that listing's:

- a labelled organiser line ("Veranstalter: Förderkreis …, Straße 21, Goslar", "Organized by
  …", "Hosted by …"): the name up to the first comma;
- the venue name shown in an `<address>` block or a `…venue…name…` element, used when it
  extends the structured name ("Kulturkraftwerk" in JSON-LD, "Kulturkraftwerk HarzEnergie"
  on the page), else a labelled venue line ("Ort:", "Lieu :", "Lugar:", "Locatie:", "Venue:")
  when the listing has no place at all.

Labels are read in en, de, fr, es and nl; never inside navigation, ads, coupons or footers, and
never from a link's text (a coupon's "Organizer: Save 20%" is not the organiser).
"""

from __future__ import annotations

import re
from typing import Any

from crawlers.extract.html_util import first, text_of

# Labels a page prints before the organiser or the venue, in en, de, fr, es, nl (and cs).
ORGANIZER_LABEL = re.compile(
    r"^\s*(?:(veranstalter(?:in)?|veranstaltet von|organi[sz]ers?|organi[sz]ed by|hosted by|presented by|host|"
    r"pořadatel|organisateur|organisé par|organizador|organizado por|organiza|organisator|georganiseerd door)\b"
    r"|organi[sz]ations?(?=\s*:))\s*:?\s*", re.I)
VENUE_LABEL = re.compile(
    r"^\s*(venue|location|where|veranstaltungsort|ort|lieu|lugar|locatie|plaats)\s*:\s*", re.I)
# Text in these never names an organiser or a venue: navigation, ads, coupons, sponsors, footers.
NOT_CONTENT = re.compile(r"\b(nav|menu|footer|sidebar|ad|ads|advert|banner|promo|coupon|sponsor|"
                         r"gutschein|newsletter|cookie)\b", re.I)


_LABELS = ("Veranstalter", "eranstaltet von", "rganization", "rganisation", "rganizer", "rganiser", "rganized by",
           "rganised by", "osted by", "resented by", "Pořadatel", "rganisateur", "rganisé par", "rganizador", "rganizado por", "rganiza",
           "rganisator", "eorganiseerd door")
_VENUE_LABELS = ("Venue", "Location", "Where", "Ort", "Lieu", "Lugar", "Locatie", "Plaats")


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
    if "venue" not in out:
        labelled = _labelled(tree, body, _VENUE_LABELS, VENUE_LABEL)
        if labelled and labelled != out.get("organizer"):
            out["labelled_venue"] = labelled
    return out


def _in_content(el: Any) -> bool:
    """Not inside navigation, an ad, a coupon or a footer (by tag or class/id words)."""
    for node in (el, *el.iterancestors()):
        if node.tag in ("nav", "footer", "aside", "header"):
            return False
        if NOT_CONTENT.search(f"{node.get('class') or ''} {node.get('id') or ''}".replace("-", " ").replace("_", " ")):
            return False
    return True


def _labelled(tree: Any, body: bytes, labels: tuple[str, ...], label: re.Pattern[str]) -> str | None:
    """The name after a label ("Ort: Gasthaus Krone, Marktplatz 3"): up to the first comma."""
    present = [lb for lb in labels if not body or lb.encode() in body]
    if not present:
        return None
    test = " or ".join(f"contains(., '{lb}')" for lb in present)
    for node in tree.xpath(f"//body//text()[{test}]"):
        el = node.getparent()
        if el is None or el.tag in ("script", "style", "a", "option", "button") or not _in_content(el):
            continue
        for scope in (el, el.getparent()):  # "<span>Ort:</span> Name, Street" reads in the parent
            line = text_of(scope) if scope is not None else ""
            m = label.match(line)
            if not m or len(line) > 200:
                continue
            name = line[m.end():].split(",")[0].strip()
            if 2 < len(name) < 100:
                return name
    return None


def _organizer(tree: Any, body: bytes) -> dict[str, str]:
    name = _labelled(tree, body, _LABELS, ORGANIZER_LABEL)
    return {"organizer": name} if name else {}


def apply(item: dict[str, Any], page: dict[str, str]) -> None:
    """Fill the listing's gaps from the page; a visible venue name that extends the data's wins."""
    if page.get("organizer") and not item.get("organizer"):
        item["organizer"] = page["organizer"]
    if page.get("labelled_venue") and not item.get("venue") and not item.get("location_text"):
        item["venue"] = page["labelled_venue"]
    seen, data = page.get("venue"), item.get("venue")
    if seen and data and len(seen) > len(data) and seen.casefold().startswith(str(data).casefold()):
        item["venue"] = seen
