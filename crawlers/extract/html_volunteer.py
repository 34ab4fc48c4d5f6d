"""Volunteer listing pages without structured data: one listing per repeated result block.

Volunteer centres' search pages (SEEK Volunteer, Galaxy Digital, Volunteer Connector, many
CMS-built sites) print each role as a block: a heading linking to the role's page, the
organisation ("for West Auckland Academic Mentoring"), a location line and a snippet. A page
counts only when at least three such blocks repeat under one parent and their links share a
role-like path (`/volunteering/…`, `/opportunity/…`, `/need/…`), so organisation profiles
and ordinary pages with a few headings yield nothing.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any
from urllib.parse import urlsplit

from crawlers.extract.html_util import absolute, first, text_of

ROLE_PATH = re.compile(r"/(volunteer\w*|opportunit\w*|needs?|roles?|positions?|vacanc\w*|jobs?|gigs?)/", re.I)
MIN_BLOCKS = 3
_BY = re.compile(r"^\s*(for|by|with|posted by|organi[sz]ation:?)\s+", re.I)


def _block(link: Any) -> Any:
    """The repeated container of a heading link: the nearest ancestor with same-class siblings."""
    for anc in link.iterancestors():
        parent = anc.getparent()
        if parent is None:
            return None
        cls = anc.get("class")
        same = [s for s in parent if s.tag == anc.tag and s.get("class") == cls]
        if len(same) >= 2 and anc.tag not in ("h1", "h2", "h3", "h4", "header", "a"):
            return anc
    return None


def _organizer(block: Any, title: str) -> str | None:
    by = first(block.xpath(".//*[contains(@class,'byline') or contains(@class,'organi') or contains(@class,'org-name')]"))
    if by is not None:
        strong = first(by.xpath(".//strong | .//b | .//a"))
        name = text_of(strong) if strong is not None else _BY.sub("", text_of(by))
        return name if name and name != title else None
    return None


def _location(block: Any) -> str | None:
    icon = first(block.xpath(".//i[contains(@class,'location') or contains(@class,'map') or contains(@class,'pin')]"))
    if icon is not None and icon.tail and icon.tail.strip():
        return icon.tail.strip()
    el = first(block.xpath(".//*[contains(@class,'location')][normalize-space()]"))
    return text_of(el) if el is not None else None


def extract(tree: Any, base: str) -> list[dict[str, Any]]:
    """Role listings from repeated result blocks (module docstring)."""
    groups: dict[Any, list[tuple[Any, Any]]] = defaultdict(list)
    for link in tree.xpath("//h2//a[@href] | //h3//a[@href] | //h4//a[@href]"):
        href = link.get("href") or ""
        if not ROLE_PATH.search(urlsplit(href).path + "/"):
            continue
        block = _block(link)
        if block is not None:
            parent = block.getparent()
            groups[(parent.getroottree().getpath(parent), block.tag, block.get("class"))].append((block, link))
    out: list[dict[str, Any]] = []
    for rows in groups.values():
        if len(rows) < MIN_BLOCKS:
            continue
        seen = set()
        for block, link in rows:
            title = text_of(link)
            url = absolute(link.get("href"), base)
            if not title or url in seen:
                continue
            seen.add(url)
            snippet = first([p for p in block.xpath(".//p") if "byline" not in (p.get("class") or "")])
            item = {
                "title": title,
                "url": url,
                "organizer": _organizer(block, title),
                "location_text": _location(block),
                "description": text_of(snippet) if snippet is not None else None,
                "kind": "volunteer_role",
                "kind_reason": "volunteer listing page",
                "ongoing": True,
            }
            out.append({k: v for k, v in item.items() if v not in (None, "")})
    return out
