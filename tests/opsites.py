"""Generated loopback sites for the operations tests and bench/crawl.py: list pages that link to
detail pages carrying one schema.org Event each (JSON-LD), paged with rel=next."""

from __future__ import annotations

import json
from typing import Any


def event_page(i: int, base: str = "", with_start: bool = True) -> str:
    ev: dict[str, Any] = {"@context": "https://schema.org", "@type": "Event", "name": f"Founders networking night {i}",
                          "description": f"Meet founders and investors, evening {i}.",
                          "location": {"@type": "Place", "name": "Lakeview Hall",
                                       "address": {"@type": "PostalAddress", "streetAddress": f"{i} Main St",
                                                   "addressLocality": "Chicago", "addressRegion": "IL",
                                                   "addressCountry": "US"}}}
    if with_start:
        ev["startDate"] = f"2026-04-{1 + i % 28:02d}T18:{i % 60:02d}:00-05:00"
    return (f"<html><head><title>Event {i}</title><script type=\"application/ld+json\">{json.dumps(ev)}"
            f"</script></head><body><h1>Event {i}</h1></body></html>")


def list_page(page: int, ids: range, last: bool, prefix: str) -> str:
    links = "".join(f'<li><a href="{prefix}e-{i}/">Event {i}</a></li>' for i in ids)
    nxt = "" if last else f'<a rel="next" href="{prefix}page/{page + 1}/">next</a>'
    return f"<html><body><ul>{links}</ul>{nxt}</body></html>"


def event_site(pages: int, per_page: int, prefix: str = "/events/", with_start: bool = True,
               detail: Any = None) -> dict[str, Any]:
    """Routes of a site with `pages` list pages of `per_page` events each (pages × (per_page + 1) URLs).

    `detail(i, body)` may wrap each detail route (e.g. to add ETags or delays)."""
    routes: dict[str, Any] = {"/robots.txt": "User-agent: *\nAllow: /\n"}
    for p in range(1, pages + 1):
        ids = range((p - 1) * per_page, p * per_page)
        path = prefix if p == 1 else f"{prefix}page/{p}/"
        routes[path] = list_page(p, ids, p == pages, prefix)
        for i in ids:
            body = event_page(i, with_start=with_start)
            routes[f"{prefix}e-{i}/"] = detail(i, body) if detail else body
    return routes


def event_source(slug: str, url: str, **extra: Any) -> dict[str, Any]:
    """A sources.yml entry for a generated site (schemaorg platform, listing pages unlimited)."""
    return {"slug": slug, "platform": "schemaorg", "url": url, "kind": "networking_event",
            "options": {"max_pages": 100000, **extra.pop("options", {})}, **extra}
