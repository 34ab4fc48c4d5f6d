"""Drupal Views listings that use the Date module (many government and agency sites).

Each row prints its dates for people and carries machine values in RDFa
(`<span class="date-display-start" property="dc:date" content="2017-08-17T10:00:00-05:00">`),
so the row's title plus those values is the listing. Offsets in `content` are the site's
own rendering of the visible times, so they are trusted.
"""

from __future__ import annotations

from typing import Any

from lxml import html as lxml_html

from crawlers.extract.html_util import absolute, first, text_of

# The dated elements are found in one scan; each one's row is its nearest row-like ancestor.
DATES = "//*[@content][contains(@class,'date-display')]"


def has_date_fields(body: bytes) -> bool:
    """Cheap check: the Date module's class names and a Views wrapper."""
    return b"date-display-" in body and b"view-content" in body


def _row_of(el: Any) -> Any:
    """The outermost row (table row, views-row, article) holding `el` inside a Views listing."""
    row = None
    for anc in el.iterancestors():
        cls = f" {anc.get('class') or ''} "
        if anc.tag in ("tr", "article") or " views-row " in cls:
            row = anc
        if " view-content " in cls:
            return row
    return None


def _title(row: Any, base: str) -> tuple[str, str | None]:
    field = first(row.xpath(".//*[contains(@class,'title')][not(contains(@class,'date'))]"))
    if field is None:
        field = first(row.xpath(".//h2 | .//h3 | .//h4"))
    if field is None:
        return "", None
    # The title is the field's first line; a link counts only when it *is* that line (a title
    # field often also holds "Meeting Agenda" links to PDFs).
    block = first([c for c in field if text_of(c)]) if len(field) else None
    block = block if block is not None else field
    link = block if block.tag == "a" else first(block.xpath(".//a[@href]"))
    url = absolute(link.get("href"), base) if link is not None and text_of(link) == text_of(block) else None
    return text_of(block), url


def extract(tree: Any, base: str) -> list[dict[str, Any]]:
    """One listing per Views row that has a title and a machine-readable date."""
    out = []
    rows: list[Any] = []
    seen: set[Any] = set()
    for date in tree.xpath(DATES):
        row = _row_of(date)
        if row is not None and row not in seen:
            seen.add(row)
            rows.append(row)
    for row in rows:
        title, url = _title(row, base)
        if not title:
            continue
        start = first(row.xpath(".//*[contains(@class,'date-display-start')][@content]/@content")) or first(
            row.xpath(".//*[contains(@class,'date-display-single')][@content]/@content"))
        end = first(row.xpath(".//*[contains(@class,'date-display-end')][@content]/@content"))
        desc = first(row.xpath(".//*[contains(@class,'description') or contains(@class,'body')]"))
        out.append({k: v for k, v in {
            "title": title, "url": url, "start": start, "end": end,
            "description_html": lxml_html.tostring(desc, encoding="unicode") if desc is not None else None,
        }.items() if v})
    return out
