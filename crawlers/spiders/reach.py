"""Reach Volunteering (UK skilled volunteering): a partner's JSON feed `{"nodes": [{"node": {…}}]}`.

The feed is one response without paging; many of its roles are trustee or treasurer seats, which
the classify stage turns into board seats from their titles.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from crawlers.spiders.base import WidenSpider


class ReachSpider(WidenSpider):
    """`url` is the partner feed URL."""

    name = "reach"
    platform = "reach"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.start_urls_for_source():
            yield self.request(url, self.parse_feed, headers={"Accept": "application/json"})

    def parse_feed(self, response: Response) -> Iterator[Any]:
        yield from self.listings(response, kind="volunteer_role")
