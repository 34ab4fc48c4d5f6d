"""The Events Calendar (WordPress): its REST API first, then the iCal export, then its HTML list view.

REST `GET <root>/events?start_date=<today>&per_page=50` pages through `next_rest_url` (absent on the
last page). Old TEC versions answer an empty archive with 404 `event-archive-page-not-found`; a
locked or missing API (401/403/404 HTML) sends the spider to the site's own pages (docs/platforms.md).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlencode

import scrapy
from scrapy.http import Response

from crawlers.spiders.base import WidenSpider

API_PATH = "wp-json/tribe/events/v1/"
LIST_NEXT = ('//li[contains(@class, "tribe-events-c-nav__list-item--next")]//a/@href'
             ' | //a[contains(@class, "tribe-events-c-nav__next")]/@href'
             ' | //li[contains(@class, "tribe-events-nav-next")]/a/@href | //link[@rel="next"]/@href')
FALLBACK_STATUSES = [400, 401, 403, 404, 410, 500, 501, 503]


class TribeSpider(WidenSpider):
    """A WordPress site running The Events Calendar; `url` is the site (or its events page)."""

    name = "tribe"
    platform = "tribe"

    def api_url(self, root: str | None = None) -> str:
        root = root or self.opts.api_root or f"{self.origin}/{API_PATH}"
        params = {"start_date": self.today, "per_page": self.opts.per_page}
        if self.opts.categories:
            params["categories"] = self.opts.categories
        return f"{root.rstrip('/')}/events?{urlencode(params)}"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self.request(self.api_url(), self.parse_api, cb_kwargs={"page": 1},
                           meta={"handle_httpstatus_list": FALLBACK_STATUSES})

    def parse_api(self, response: Response, page: int, tried_root: bool = False) -> Iterator[Any]:
        doc = self.json(response, quiet=True)  # an absent API may answer with an HTML page
        if response.status == 200 and isinstance(doc, dict) and isinstance(doc.get("events"), list):
            yield from self.listings(response)
            nxt = doc.get("next_rest_url")
            if nxt and page < self.opts.max_pages:
                yield self.request(nxt, self.parse_api, cb_kwargs={"page": page + 1})
            return
        if isinstance(doc, dict) and doc.get("code") == "event-archive-page-not-found" or (
                response.status == 404 and b"event-archive-page-not-found" in response.body):
            self.logger.info("%s: the events archive is empty", self.source_slug)
            return
        if page > 1:
            self.errors.append(f"{response.url}: REST page {page} answered {response.status}")
            return
        self.logger.info("%s: REST API unavailable (%s), trying the site's pages", self.source_slug, response.status)
        yield self.request(self.source.url, self.parse_site, cb_kwargs={"tried_root": tried_root},
                           dont_filter=True)

    def parse_site(self, response: Response, tried_root: bool = False) -> Iterator[Any]:
        """The site's own page: an announced API root, else its iCal export, else the list view."""
        root = response.headers.get("X-TEC-API-ROOT") or response.headers.get("X-TEC-API-ORIGIN")
        root_s = root.decode("latin-1") if root else response.xpath('//meta[@name="tec-api-origin"]/@content').get()
        if root_s and not tried_root and self.api_url(root_s) != self.api_url():
            if "tribe/events" not in root_s:
                root_s = root_s.rstrip("/") + "/" + API_PATH
            yield self.request(self.api_url(root_s), self.parse_api, cb_kwargs={"page": 1, "tried_root": True},
                               meta={"handle_httpstatus_list": FALLBACK_STATUSES})
            return
        ical = response.xpath('//link[@rel="alternate"][contains(@type, "text/calendar")]/@href').get()
        if ical:
            yield self.request(response.urljoin(ical), self.parse_ical, cb_kwargs={"page_url": response.url})
            return
        if response.xpath('//*[contains(@class, "tribe-events")]'):
            yield from self.parse_list(response, page=1)
        else:
            yield self.request(f"{self.origin}/events/list/", self.parse_list, cb_kwargs={"page": 1})

    def parse_ical(self, response: Response, page_url: str) -> Iterator[Any]:
        found = list(self.listings(response))
        if found:
            yield from found
        else:
            yield self.request(page_url, self.parse_list, cb_kwargs={"page": 1}, dont_filter=True)

    def parse_list(self, response: Response, page: int) -> Iterator[Any]:
        """HTML list view (v2 or legacy v1): its JSON-LD/markup goes to the extractors; follow "next"."""
        yield from self.listings(response)
        nxt = response.xpath(LIST_NEXT).get()
        if nxt and page < self.opts.max_pages:
            yield self.request(response.urljoin(nxt), self.parse_list, cb_kwargs={"page": page + 1})
