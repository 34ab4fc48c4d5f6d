"""Small helpers shared by the HTML extractors (lxml trees in, plain strings out)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

from lxml import etree

_HIDDEN = ("script", "style")
# Compiled once, and plain strings: text_of runs a few times per listing.
_TEXTS = etree.XPath(".//text()", smart_strings=False)


def classes_xpath(name: str) -> str:
    """XPath test for an element carrying CSS class `name` (whole word, not a substring)."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def first(seq: Any) -> Any:
    """The first element of an XPath result, or None."""
    return seq[0] if seq else None


def text_of(el: Any) -> str:
    """Visible text of an element, whitespace collapsed (scripts and styles skipped)."""
    if el is None:
        return ""
    if isinstance(el, str):
        return " ".join(el.split())
    if isinstance(el.tag, str) and next(el.iter(*_HIDDEN), None) is None \
            and next(el.iterancestors(*_HIDDEN), None) is None:
        parts = _TEXTS(el)  # nothing hidden here: skip the ancestor test on every text node
    else:
        parts = el.xpath(".//text()[not(ancestor::script) and not(ancestor::style)]")
    return " ".join(" ".join(parts).split())  # str.split() splits on exactly what regex \s matches


def absolute(href: str | None, base: str) -> str | None:
    """A link resolved against the page URL (kept relative when the page URL is unknown)."""
    if not href:
        return None
    href = href.strip()
    if href.startswith(("javascript:", "mailto:", "#")) and not href.startswith("#") or not href:
        return None
    return urljoin(base, href) if base else href
