"""Volunteer Connector (Canada): JSON `/api/search/`, Django-REST paging through `next` until null."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from crawlers.spiders.base import WidenSpider


class VolunteerconnectorSpider(WidenSpider):
    """`url` is a search URL (filters such as `cc=64` for Canada, `ac=<area>` in its query)."""

    name = "volunteerconnector"
    platform = "volunteerconnector"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self.request(self.source.url, self.parse_page, cb_kwargs={"page": 1},
                           headers={"Accept": "application/json"})

    def parse_page(self, response: Response, page: int) -> Iterator[Any]:
        doc = self.json(response)
        yield from self.listings(response, kind="volunteer_role")
        nxt = doc.get("next") if isinstance(doc, dict) else None
        if nxt and page < self.opts.max_pages:
            yield self.request(response.urljoin(nxt), self.parse_page, cb_kwargs={"page": page + 1},
                               headers={"Accept": "application/json"})
