"""GrowthZone / ChamberMaster chamber calendars: the public `/api/events` XML, else calendar pages.

The XML lists every upcoming event (`<EventDisplay>` with Name, StartDate local time, Slug) but no
place; detail pages `/events/details/<slug>-<id>` carry schema.org microdata. When the XML gives no
listings (absent, or a shape the extractors don't know) the spider walks the calendar page
(`?o=alpha` is the server-rendered list) and each detail page (docs/platforms.md).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from crawlers.spiders.base import WidenSpider

DETAIL_LINKS = '//a[contains(@href, "/events/details/")]/@href'


class GrowthzoneSpider(WidenSpider):
    """`url` is the chamber's GrowthZone host (or its /events/calendar page)."""

    name = "growthzone"
    platform = "growthzone"

    def calendar_url(self) -> str:
        url = self.source.url
        return url if "/events" in url else f"{self.origin}/events/calendar?o=alpha"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if self.opts.api:
            yield self.request(self.origin + self.opts.api, self.parse_api,
                               meta={"handle_httpstatus_list": [400, 401, 403, 404, 500]})
        else:
            yield self.request(self.calendar_url(), self.parse_calendar)

    def parse_api(self, response: Response) -> Iterator[Any]:
        # Some hosts answer an unknown path with their home page: only the events XML counts.
        is_xml = response.status == 200 and b"EventDisplay" in response.body[:50000]
        found = list(self.listings(response)) if is_xml else []
        yield from found
        slugs = response.xpath("//*[local-name()='Slug']/text()").getall() if is_xml else []
        if found or not self.opts.details:
            return
        if slugs:
            for slug in dict.fromkeys(s.strip() for s in slugs):
                yield self.request(f"{self.origin}/events/details/{slug}", self.parse_detail)
        else:
            self.logger.info("%s: %s gave no events (%s); walking the calendar", self.source_slug,
                             response.url, response.status)
            yield self.request(self.calendar_url(), self.parse_calendar)

    def parse_calendar(self, response: Response, page: int = 1) -> Iterator[Any]:
        links = response.xpath(DETAIL_LINKS).getall()
        if not links:
            yield from self.listings(response)
        for href in dict.fromkeys(links):
            yield self.request(response.urljoin(href), self.parse_detail)

    def parse_detail(self, response: Response) -> Iterator[Any]:
        yield from self.listings(response)
