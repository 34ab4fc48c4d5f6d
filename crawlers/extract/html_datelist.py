"""Bare date lists on plain pages: "Commissioner Meeting Dates:" followed by one date per line.

Small organisations publish a year's meetings as a heading and a column of dates in their
CMS's page body. Each date under a heading that names meetings or dates becomes a listing
titled after the heading; lines that hold anything besides a date end the list.
"""

from __future__ import annotations

import re
from typing import Any

from crawlers.extract.html_util import text_of

HEADING = re.compile(r"\b(meeting|session|event|hearing|class|workshop)s?\b.*\b(dates?|schedule|calendar)\b|"
                     r"\b(dates?|schedule)\b.*\b(meetings?|sessions?|events?)\b", re.I)
DATE_LINE = re.compile(
    r"^\s*(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"
    r"(?:[A-Z][a-z]+\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}|\d{1,2}(?:st|nd|rd|th)?\s+[A-Z][a-z]+\.?,?\s+\d{4}|"
    r"\d{1,2}[/.]\d{1,2}[/.]\d{2,4})"
    r"(?:\s*(?:@|at|,|-|–)?\s*\d{1,2}(?::\d{2})?\s*(?:a\.?m\.?|p\.?m\.?)?)?\s*$", re.I)
BLOCKS = ("p", "li", "div", "h2", "h3", "h4", "h5", "strong", "td")


def _title(heading: str) -> str:
    t = re.sub(r"\b(dates?|schedule|calendar)\b", "", heading, flags=re.I)
    return re.sub(r"\s+", " ", t).strip(" :-–") or heading.strip(" :")


def extract(tree: Any, base: str) -> list[dict[str, Any]]:
    """Listings from each date line that follows a meeting-dates heading."""
    out: list[dict[str, Any]] = []
    body = tree.find("body")
    if body is None:
        return out
    heading: str | None = None
    for el in body.iter(*BLOCKS):
        if len(el) and any(c.tag in BLOCKS for c in el if c.tag not in ("strong", "u", "em", "b")):
            continue  # containers: their lines are read one by one
        line = text_of(el)
        if not line:
            continue
        if len(line) < 80 and HEADING.search(line) and not DATE_LINE.match(line):
            heading = line
            continue
        if heading and DATE_LINE.match(line):
            out.append({"title": _title(heading), "when_text": line, "heading": heading,
                        "url": f"{base}#{re.sub(r'[^0-9a-z]+', '-', line.lower()).strip('-')}" if base else None})
            continue
        if heading and out and len(line) > 0:
            heading = None
    return [{k: v for k, v in it.items() if v} for it in out]
