"""Mobilize public API: an organization's events, paged by `next` (no key for public data).

`GET <api>/v1/organizations/<id>/events?timeslot_start=gte_now&per_page=N`. Without
`options.organization_id` the id is found in `/v1/organizations` (also paged by `next`) by the slug
in the source URL (`https://www.mobilize.us/<slug>/`, the organization's `event_feed_url`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlencode, urlsplit

import scrapy
from scrapy.http import Response

from crawlers.spiders.base import WidenSpider


class MobilizeSpider(WidenSpider):
    """`url` is the organization's Mobilize page."""

    name = "mobilize"
    platform = "mobilize"

    @property
    def api(self) -> str:
        return self.opts.api_base.rstrip("/") + "/v1"

    @property
    def org_slug(self) -> str:
        return urlsplit(self.source.url).path.strip("/").split("/")[0]

    def events_url(self, org_id: int) -> str:
        params = {"timeslot_start": "gte_now", "per_page": self.opts.per_page}
        return f"{self.api}/organizations/{org_id}/events?{urlencode(params)}"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if self.opts.organization_id is not None:
            yield self.request(self.events_url(self.opts.organization_id), self.parse_events, cb_kwargs={"page": 1})
        else:
            yield self.request(f"{self.api}/organizations?per_page=100", self.parse_orgs, cb_kwargs={"page": 1})

    def parse_orgs(self, response: Response, page: int) -> Iterator[Any]:
        doc = self.json(response) or {}
        for org in doc.get("data") or []:
            feed = urlsplit(str(org.get("event_feed_url") or "")).path.strip("/")
            if self.org_slug and self.org_slug in (org.get("slug"), feed):
                yield self.request(self.events_url(int(org["id"])), self.parse_events, cb_kwargs={"page": 1})
                return
        if doc.get("next") and page < self.opts.max_pages:
            yield self.request(doc["next"], self.parse_orgs, cb_kwargs={"page": page + 1})
        else:
            self.errors.append(f"{self.api}/organizations: no organization with slug {self.org_slug!r}")

    def parse_events(self, response: Response, page: int) -> Iterator[Any]:
        doc = self.json(response) or {}
        if doc.get("error"):
            self.errors.append(f"{response.url}: {doc['error']}"[:500])
            return
        yield from self.listings(response, kind="volunteer_role")
        if doc.get("next") and page < self.opts.max_pages:
            yield self.request(doc["next"], self.parse_events, cb_kwargs={"page": page + 1})
