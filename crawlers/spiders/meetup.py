"""Meetup groups without a key: the group's iCal feed, else its RSS feed and public pages.

`/<group>/events/ical/` lists future events with times; `/events/rss/` items carry no start time,
so each item's event page (JSON-LD) is fetched. meetup.com's robots.txt disallows the RSS path;
Scrapy's robots middleware enforces that, so the fallback only runs where it is allowed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response

from crawlers.spiders.base import WidenSpider


class MeetupSpider(WidenSpider):
    """`url` is the group page `https://www.meetup.com/<urlname>/`."""

    name = "meetup"
    platform = "meetup"

    @property
    def group_url(self) -> str:
        path = urlsplit(self.source.url).path.strip("/").split("/")[0]
        return f"{self.origin}/{path}/"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(self.group_url + "events/ical/", callback=self.parse_ical, errback=self.ical_failed)

    def parse_ical(self, response: Response) -> Iterator[Any]:
        found = list(self.listings(response))
        yield from found
        if not found:
            yield from self.fallback()

    def ical_failed(self, failure: Any) -> Iterator[Any]:
        self.on_error(failure)
        yield from self.fallback()

    def fallback(self) -> Iterator[Any]:
        """The group page (JSON-LD event list) and, when allowed, the RSS feed."""
        yield self.request(self.group_url, self.parse_page)
        if self.opts.rss:
            yield self.request(self.group_url + "events/rss/", self.parse_rss)

    def parse_page(self, response: Response) -> Iterator[Any]:
        yield from self.listings(response)

    def parse_rss(self, response: Response) -> Iterator[Any]:
        response.selector.remove_namespaces()
        for link in dict.fromkeys(response.xpath("//item/link/text()").getall()):
            yield self.request(response.urljoin(link.strip()), self.parse_page)
