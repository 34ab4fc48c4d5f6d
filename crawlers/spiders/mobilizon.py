"""Mobilizon (any instance): GraphQL at `<instance>/api/graphql`, no key for reads.

A group source pages `group(preferredUsername).organizedEvents(page:)`; otherwise `searchEvents`
with `page`/`limit` pages until `page * limit >= total`. A server that rejects the query (older
versions know fewer fields) falls back to the group's iCal feed `<instance>/@<group>/feed/ics`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response

from crawlers.spiders.base import WidenSpider

EVENT_FIELDS = """id uuid title url beginsOn endsOn status description
  physicalAddress { description street locality postalCode region country geom timezone url }
  organizerActor { name preferredUsername domain } attributedTo { name preferredUsername domain }
  options { isOnline } tags { slug title } picture { url }"""

SEARCH = """query SearchEvents($term: String, $location: String, $radius: Float, $beginsOn: DateTime,
  $eventPage: Int, $limit: Int) {
  searchEvents(term: $term, location: $location, radius: $radius, beginsOn: $beginsOn,
    page: $eventPage, limit: $limit) { total elements { """ + EVENT_FIELDS + " } } }"

GROUP = """query GroupEvents($name: String!, $afterDatetime: DateTime, $eventPage: Int, $limit: Int) {
  group(preferredUsername: $name) { name
    organizedEvents(afterDatetime: $afterDatetime, page: $eventPage, limit: $limit) { total elements { """ + \
    EVENT_FIELDS + " } } } }"


class MobilizonSpider(WidenSpider):
    """`url` is the instance (search) or a group page `<instance>/@<group>` (`options.group`)."""

    name = "mobilizon"
    platform = "mobilizon"

    @property
    def group(self) -> str | None:
        if self.opts.group:
            return self.opts.group
        path = urlsplit(self.source.url).path.strip("/")
        return path[1:].split("@")[0] if path.startswith("@") else None

    def query(self, page: int) -> dict[str, Any]:
        since = self.crawl_started.isoformat()
        if self.group:
            return {"query": GROUP, "variables": {"name": self.group, "afterDatetime": since,
                                                  "eventPage": page, "limit": self.opts.limit}}
        variables = {"term": self.opts.term or "", "beginsOn": since, "eventPage": page, "limit": self.opts.limit}
        if self.opts.location:
            variables |= {"location": self.opts.location, "radius": self.opts.radius or 50}
        return {"query": SEARCH, "variables": variables}

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self.page_request(1)

    def page_request(self, page: int) -> scrapy.Request:
        return self.post_json(f"{self.origin}/api/graphql", self.query(page), self.parse_page,
                              cb_kwargs={"page": page})

    def parse_page(self, response: Response, page: int) -> Iterator[Any]:
        doc = self.json(response) or {}
        data = doc.get("data") or {}
        block = (data.get("group") or {}).get("organizedEvents") if self.group else data.get("searchEvents")
        if doc.get("errors") or not isinstance(block, dict):
            msg = "; ".join(str(e.get("message")) for e in doc.get("errors") or [] if isinstance(e, dict))
            if self.group and page == 1:
                self.logger.info("%s: GraphQL refused (%s); reading the group's iCal feed", self.source_slug, msg)
                yield self.request(f"{self.origin}/@{self.group}/feed/ics", self.parse_feed)
            else:
                self.errors.append(f"{response.url}: GraphQL page {page}: {msg or 'no data'}"[:500])
            return
        yield from self.listings(response)
        total = int(block.get("total") or 0)
        if block.get("elements") and page * self.opts.limit < total and page < self.opts.max_pages:
            yield self.page_request(page + 1)

    def parse_feed(self, response: Response) -> Iterator[Any]:
        yield from self.listings(response)
