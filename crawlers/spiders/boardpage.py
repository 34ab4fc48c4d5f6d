"""Nonprofits' own "join our board" / "board vacancies" pages (no open feed exists for board seats)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy.http import Response

from crawlers.extract import boardpage
from crawlers.spiders.base import WidenSpider


class BoardpageSpider(WidenSpider):
    """Each configured URL is a vacancy page; structured data wins, else the page's role sections."""

    name = "boardpage"
    platform = "boardpage"

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        found = list(self.listings(response))
        if not found:
            for raw in boardpage.extract(response.body, response.url):
                raw["source_url"] = response.url
                found.append(raw)
        if not found:
            self.crawler.stats.inc_value("widen/pages_without_listings")
        yield from found
