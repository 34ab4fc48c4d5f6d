"""Bevy community sites (gdg.community.dev and other chapter networks): chapter directory + events API.

`/api/chapter_region?chapters=true` lists chapters (a flat array, or regions nesting `chapters`);
`/api/event_slim/for_chapter/<id>/?page=N` lists a chapter's events, paged by `links.next`/`next`.
The chapter id comes from `options.chapter_id`, else from the directory by the URL's path.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response

from crawlers.spiders.base import WidenSpider


def _chapters(doc: Any) -> Iterator[dict[str, Any]]:
    """Chapters from the directory, whether flat or nested under regions."""
    items = doc if isinstance(doc, list) else (doc or {}).get("results") or []
    for c in items:
        if not isinstance(c, dict):
            continue
        if isinstance(c.get("chapters"), list):
            yield from _chapters(c["chapters"])
        elif c.get("relative_url") or c.get("url"):
            yield c


def next_link(doc: Any) -> str | None:
    """`links.next` (Bevy's newer envelope) or `next` (Django REST style)."""
    if not isinstance(doc, dict):
        return None
    links = doc.get("links")
    nxt = links.get("next") if isinstance(links, dict) else None
    return nxt or doc.get("next") or None


class BevySpider(WidenSpider):
    """`url` is a chapter page `https://<network>/<chapter>/`."""

    name = "bevy"
    platform = "bevy"

    def events_url(self, chapter_id: int) -> str:
        return (f"{self.origin}/api/event_slim/for_chapter/{chapter_id}/"
                "?page_size=100&status=Live&include_cohosted_events=true"
                "&visible_on_parent_chapter_only=true&order=start_date&page=1")

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if self.opts.chapter_id is not None:
            yield self.request(self.events_url(self.opts.chapter_id), self.parse_events, cb_kwargs={"page": 1})
        else:
            yield self.request(f"{self.origin}/api/chapter_region?chapters=true", self.parse_directory)

    def parse_directory(self, response: Response) -> Iterator[Any]:
        path = "/" + urlsplit(self.source.url).path.strip("/") + "/"
        for chapter in _chapters(self.json(response)):
            rel = chapter.get("relative_url") or urlsplit(chapter.get("url") or "").path
            if "/" + rel.strip("/") + "/" == path and chapter.get("id") is not None:
                yield self.request(self.events_url(int(chapter["id"])), self.parse_events, cb_kwargs={"page": 1})
                return
        self.errors.append(f"{response.url}: no chapter at {path} in the directory")

    def parse_events(self, response: Response, page: int) -> Iterator[Any]:
        doc = self.json(response)
        yield from self.listings(response, kind="networking_event")
        nxt = next_link(doc)
        if nxt and page < self.opts.max_pages:
            yield self.request(response.urljoin(nxt), self.parse_events, cb_kwargs={"page": page + 1})
