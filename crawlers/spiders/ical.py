"""iCalendar feeds from any producer; a web page URL is searched for its feed first."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy.http import Response

from crawlers.extract import sniff
from crawlers.spiders.base import WidenSpider

KNOWN_FEED_PATHS = ("?ical=1", "events/ical", "calendar.ics", "events.ics")


class IcalSpider(WidenSpider):
    """`url` is a feed, or a page whose `<link rel="alternate" type="text/calendar">` names one."""

    name = "ical"
    platform = "ical"

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        if sniff(response.body, response.headers.get("Content-Type", b"").decode("latin-1")) == "ical":
            yield from self.listings(response)
            return
        feeds = response.xpath('//link[@rel="alternate"][contains(@type, "calendar")]/@href').getall()
        feeds += response.xpath('//a[contains(@href, ".ics") or contains(@href, "ical=1")]/@href').getall()
        if not feeds:
            self.errors.append(f"{response.url}: no iCalendar feed found on the page")
            return
        for href in dict.fromkeys(feeds):
            yield self.request(response.urljoin(href), self.parse_feed)

    def parse_feed(self, response: Response) -> Iterator[Any]:
        yield from self.listings(response)
