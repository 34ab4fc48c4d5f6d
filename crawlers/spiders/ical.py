"""iCalendar feeds from any producer; a web page URL is searched for its feed first.

Discovery order on a page (docs/platforms.md "Autodiscovery"): `<link rel="alternate"
type="text/calendar">`, links to `.ics`/`?ical=1`/`webcal:`, a Luma calendar id (`luma://calendar/
cal-…`, read only to build Luma's public ICS URL), a Tockify embed; else the producers' known feed
paths are probed. The producer (Meetup, TEC, Google, Tockify, Luma, GrowthZone…) is recorded from
the feed's PRODID by the extractor.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import scrapy
from scrapy.http import Response

from crawlers.extract import sniff
from crawlers.spiders.base import WidenSpider
from pipelines.normalize import SourceContext

KNOWN_FEED_PATHS = ("?ical=1", "/events/?ical=1", "/events/list/?ical=1", "/events/ical/", "/calendar.ics",
                    "/events.ics")
LUMA_ID = re.compile(rb"luma://calendar/(cal-[A-Za-z0-9]+)")
TOCKIFY = re.compile(rb"tockify\.com/(?:embed/)?([A-Za-z0-9_-]+)/(?:agenda|pinboard|monthly)")


def is_ical(response: Response) -> bool:
    return response.status == 200 and sniff(
        response.body, response.headers.get("Content-Type", b"").decode("latin-1")) == "ical"


class IcalSpider(WidenSpider):
    """`url` is a feed, or a page whose `<link rel="alternate" type="text/calendar">` names one."""

    name = "ical"
    platform = "ical"

    def source_context(self) -> SourceContext:
        """No spider-level platform: each listing keeps the producer its feed's PRODID names
        (tribe, google_calendar, meetup, luma…), defaulting to "ical" (see `feed_listings`)."""
        ctx = super().source_context()
        ctx.platform = None
        return ctx

    def feed_listings(self, response: Response) -> Iterator[Any]:
        yield from self.listings(response, platform=self.platform)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        if is_ical(response):
            yield from self.feed_listings(response)
            return
        feeds = self.feed_links(response)
        if feeds:
            for href in feeds:
                yield self.request(response.urljoin(href), self.parse_feed)
            return
        self.probes_left = len(KNOWN_FEED_PATHS)
        for path in KNOWN_FEED_PATHS:
            url = response.url.split("?")[0] + path if path.startswith("?") else self.origin + path
            yield scrapy.Request(url, callback=self.parse_probe, errback=self.probe_failed,
                                 meta={"handle_httpstatus_all": True}, dont_filter=True)

    def feed_links(self, response: Response) -> list[str]:
        """Feed URLs a page announces, in the order of trust."""
        if not hasattr(response, "xpath"):
            return []
        feeds = response.xpath('//link[@rel="alternate"][contains(@type, "calendar")]/@href').getall()
        feeds += response.xpath('//a[contains(@href, ".ics") or contains(@href, "ical=1")'
                                ' or starts-with(@href, "webcal:")]/@href').getall()
        feeds = [re.sub(r"^webcal://", "https://", f) for f in feeds]
        luma = LUMA_ID.search(response.body)
        if self.opts.luma_discover and luma:
            feeds.append(f"{self.opts.luma_ics}?{urlencode({'entity': 'calendar', 'id': luma.group(1).decode()})}")
        tockify = TOCKIFY.search(response.body)
        if tockify:
            feeds.append(f"https://tockify.com/api/feeds/ics/{tockify.group(1).decode()}")
        return list(dict.fromkeys(feeds))

    def parse_probe(self, response: Response) -> Iterator[Any]:
        """A known feed path tried on a page without announced feeds: only a real feed counts."""
        if is_ical(response) and self.probes_left > 0:
            self.probes_left = 0  # found one: the other probes no longer matter
            yield from self.feed_listings(response)
        else:
            self.probe_missed()

    def probe_failed(self, failure: Any) -> None:
        """A probe that could not be fetched (refused by robots.txt, unreachable) is just a miss."""
        self.probe_missed()

    def probe_missed(self) -> None:
        if self.probes_left > 0:
            self.probes_left -= 1
            if self.probes_left == 0:
                self.errors.append(f"{self.source.url}: no iCalendar feed announced or at the known paths")

    def parse_feed(self, response: Response) -> Iterator[Any]:
        if not is_ical(response):
            self.errors.append(f"{response.url}: not an iCalendar feed")
            return
        yield from self.feed_listings(response)
