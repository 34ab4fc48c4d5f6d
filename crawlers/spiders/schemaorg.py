"""Sites whose pages carry schema.org data: list pages, their detail pages, paging and sitemaps."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from scrapy.http import Response

from crawlers.spiders.base import WidenSpider

NEXT_XPATH = ('//link[@rel="next"]/@href | //a[@rel="next"]/@href | '
              '//a[contains(@class, "next")]/@href')


class SchemaorgSpider(WidenSpider):
    """Start at a list page (or a sitemap); follow detail links matching `options.detail_pattern`.

    Options: `detail_pattern` (regex on URLs to follow, default: links under the list page's
    path), `max_pages` (list pages to walk, default 50).
    """

    name = "schemaorg"
    platform = "schemaorg"

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        page = kwargs.get("page", 1)
        if response.url.endswith(".xml") or b"<urlset" in response.body[:500]:
            yield from self.parse_sitemap(response)
            return
        yield from self.listings(response)
        pattern = self.opts.detail_pattern
        base_path = urlsplit(self.source.url).path.rstrip("/") + "/"
        host = urlsplit(response.url).netloc
        for href in response.xpath("//a/@href").getall():
            url = response.urljoin(href)
            parts = urlsplit(url)
            if parts.netloc != host or url.split("#")[0].rstrip("/") == response.url.rstrip("/"):
                continue
            if pattern and re.search(pattern, url) or (not pattern and parts.path.startswith(base_path)
                                                       and parts.path.rstrip("/") != base_path.rstrip("/")
                                                       and not re.search(r"/page/\d+|[?&]page=", url)):
                yield self.request(url, self.parse_detail)
        nxt = response.xpath(NEXT_XPATH).get()
        if nxt and page < self.opts.max_pages:
            yield self.request(response.urljoin(nxt), self.parse, cb_kwargs={"page": page + 1})

    def parse_detail(self, response: Response) -> Iterator[Any]:
        yield from self.listings(response)

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        response.selector.remove_namespaces()
        pattern = self.opts.detail_pattern
        for loc in response.xpath("//url/loc/text()").getall():
            if not pattern or re.search(pattern, loc):
                yield self.request(loc.strip(), self.parse_detail)
        for loc in response.xpath("//sitemap/loc/text()").getall():
            yield self.request(loc.strip(), self.parse_sitemap)
