"""Idealist Listings API (HTTP Basic: the key as user, empty password; key from the environment).

`GET <api>/listings/<type>?since=<ISO>` returns `{"<type>": [{id, updated, isPublished…}],
"hasMore": bool}`; paging is by time: the next request asks `since=<updated of the last item>`.
Each published listing's detail `GET <api>/listings/<type>/<id>` carries the description, place and
dates, so it is fetched once per listing.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlencode

import scrapy
from scrapy.http import Response

from crawlers.spiders.base import WidenSpider

SINGULAR = {"volops": "volop", "jobs": "job", "internships": "internship"}


class IdealistSpider(WidenSpider):
    """`url` is the list endpoint `https://www.idealist.org/api/v1/listings/<type>`."""

    name = "idealist"
    platform = "idealist"

    def list_url(self, since: str | None) -> str:
        base = self.source.url.split("?")[0].rstrip("/")
        return f"{base}?{urlencode({'since': since})}" if since else base

    async def start(self) -> AsyncIterator[scrapy.Request]:
        token = base64.b64encode(f"{self.api_key()}:".encode()).decode()
        self.headers = {"Authorization": f"Basic {token}", "Accept": "application/json"}
        yield self.request(self.list_url(self.opts.since), self.parse_list, cb_kwargs={"page": 1},
                           headers=self.headers)

    def parse_list(self, response: Response, page: int) -> Iterator[Any]:
        doc = self.json(response) or {}
        items = doc.get(self.opts.listing_type) or []
        base = self.source.url.split("?")[0].rstrip("/")
        for item in items:
            if isinstance(item, dict) and item.get("id") is not None and item.get("isPublished", True):
                yield self.request(f"{base}/{item['id']}", self.parse_detail, headers=self.headers)
        last = items[-1].get("updated") if items and isinstance(items[-1], dict) else None
        if doc.get("hasMore") and last and page < self.opts.max_pages:
            yield self.request(self.list_url(last), self.parse_list, cb_kwargs={"page": page + 1},
                               headers=self.headers)

    def parse_detail(self, response: Response) -> Iterator[Any]:
        yield from self.listings(response, kind="volunteer_role")
