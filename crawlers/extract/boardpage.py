"""Board-vacancy pages without structured data: one listing per role section.

Such pages are written for people, not machines: a heading names the role ("Treasurer",
"Trustee – Finance", "Board Member, Marketing") and the paragraphs below describe it. A
section counts only when its heading carries a board cue, so ordinary pages yield nothing.

BeautifulSoup reads them: these are small, hand-edited CMS pages (unclosed paragraphs, stray
tags), visited rarely, where its forgiving tree and sibling walk matter more than lxml's speed.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Tag

BOARD_HEADING = re.compile(
    r"\b(trustee|board|director|treasurer|secretary|chair|governor|committee|commissioner|advisory)\b", re.I)
NOT_A_ROLE = re.compile(r"\b(meeting|minutes|agenda|report|our board|meet the|current|past)\b", re.I)
HEADINGS = ("h1", "h2", "h3", "h4")


def _text(el: Tag) -> str:
    return re.sub(r"\s+", " ", el.get_text(" ")).strip()


def extract(body: bytes, url: str = "") -> list[dict[str, Any]]:
    """Role sections of a vacancy page, each with the heading as title and its text as description."""
    soup = BeautifulSoup(body, "lxml")
    for bad in soup.find_all(["script", "style", "nav", "footer"]):
        bad.decompose()
    meta = soup.find("meta", attrs={"property": "og:site_name"})
    org = (meta.get("content") or "").strip() or None if isinstance(meta, Tag) else None
    out = []
    for h in soup.find_all(HEADINGS):
        title = _text(h)
        if not title or len(title) > 120 or not BOARD_HEADING.search(title) or NOT_A_ROLE.search(title):
            continue
        parts = []
        for sib in h.find_next_siblings():
            if sib.name in HEADINGS:
                break
            parts.append(_text(sib))
        desc = "\n".join(p for p in parts if p)
        if not desc:
            continue  # a heading alone is a section title, not a vacancy
        anchor = h.get("id")
        out.append({
            "title": title,
            "description": desc,
            "organizer": org,
            "url": f"{url}#{anchor}" if anchor and url else url or None,
            "native_id": f"{urlsplit(url).path}#{title}",  # host-free: ids survive a domain move
            "kind": "board_seat",
            "kind_reason": f"vacancy page heading: {BOARD_HEADING.search(title).group(0).lower()}",
        })
    return out
