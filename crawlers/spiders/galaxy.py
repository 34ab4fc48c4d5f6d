"""Galaxy Digital "Get Connected" volunteer centres: `/need/index/<offset>` lists, `/need/detail/` pages.

Lists page by an offset in steps of 12 (newest first with `s=1&dir=DESC&orderby=need_id`); the walk
stops at the first page without a new need id. List rows give title, agency and link; each need's
detail page adds the description, dates and place, so every new id is fetched once (the two land
on one record: same URL, same id).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import scrapy
from scrapy.http import Response

from crawlers.spiders.base import WidenSpider

NEED_LINKS = '//a[contains(@href, "/need/detail/") and contains(@href, "need_id=")]/@href'


class GalaxySpider(WidenSpider):
    """`url` is the centre's need list, e.g. `https://<org>.galaxydigital.com/need/`."""

    name = "galaxy"
    platform = "galaxy"

    def list_url(self, offset: int) -> str:
        params: dict[str, Any] = {"s": 1, "dir": "DESC", "orderby": "need_id"}
        if self.opts.need_init_id is not None:
            params["need_init_id"] = self.opts.need_init_id
        path = "/need/" if offset == 0 else f"/need/index/{offset}"
        return f"{self.origin}{path}?{urlencode(params)}"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.seen_needs: set[str] = set()
        yield self.request(self.list_url(0), self.parse_list, cb_kwargs={"offset": 0})

    def parse_list(self, response: Response, offset: int) -> Iterator[Any]:
        yield from self.listings(response, kind="volunteer_role")  # list rows: title, agency, link
        new = []
        for href in response.xpath(NEED_LINKS).getall():
            url = response.urljoin(href)
            need_id = (parse_qs(urlsplit(url).query).get("need_id") or [""])[0]
            if need_id and need_id not in self.seen_needs:
                self.seen_needs.add(need_id)
                new.append(url)
        for url in new:
            yield self.request(url, self.parse_detail)
        page = offset // self.opts.page_size + 1
        if new and page < self.opts.max_pages:
            nxt = offset + self.opts.page_size
            yield self.request(self.list_url(nxt), self.parse_list, cb_kwargs={"offset": nxt})

    def parse_detail(self, response: Response) -> Iterator[Any]:
        yield from self.listings(response, kind="volunteer_role")
