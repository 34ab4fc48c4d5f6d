"""Do-it (UK) opportunities API v1/v2: JSON only when asked (`Accept`), paged by `links.next.href`.

The API's default representation is XML, hence the explicit Accept header; `links.next.href` is
relative to the API host and absent on the last page (docs/platforms.md).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from crawlers.spiders.base import WidenSpider

JSON_HEADERS = {"Accept": "application/json", "Content-Type": "application/json"}


class DoitSpider(WidenSpider):
    """`url` is an opportunities URL (`/v2/opportunities?lat=…&lng=…&miles=…`, or an org's list)."""

    name = "doit"
    platform = "doit"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self.request(self.source.url, self.parse_page, cb_kwargs={"page": 1}, headers=JSON_HEADERS)

    def parse_page(self, response: Response, page: int) -> Iterator[Any]:
        doc = self.json(response)
        yield from self.listings(response, kind="volunteer_role")
        links = doc.get("links") if isinstance(doc, dict) else None
        nxt = links.get("next") if isinstance(links, dict) else None
        href = nxt.get("href") if isinstance(nxt, dict) else nxt
        if href and page < self.opts.max_pages:
            yield self.request(response.urljoin(href), self.parse_page, cb_kwargs={"page": page + 1},
                               headers=JSON_HEADERS)
