"""What every platform spider shares: its source, the extractor hand-off and error recording.

A platform spider only navigates (which URLs, which pages next); `listings()` hands each
response's bytes to the pure extractors and tags the raw dicts with where they came from.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from crawlers.config import ConfigError, Source, get_source
from crawlers.extract import Context, extract
from pipelines.normalize import SourceContext


class WidenSpider(scrapy.Spider):
    """Base of the platform spiders: `scrapy crawl <platform> -a source=<slug>` or `-a url=<url>`."""

    platform = "base"

    def __init__(self, source: str | None = None, url: str | None = None, config: str | None = None,
                 **kwargs: Any):
        super().__init__(**kwargs)
        if source:
            try:
                self.source = get_source(source, config)
            except ConfigError as exc:
                raise ValueError(str(exc)) from None
            if self.source.platform != self.platform:
                raise ValueError(f"source {source!r} is on platform {self.source.platform!r}, "
                                 f"not {self.platform!r}: run `scrapy crawl {self.source.platform} -a source={source}`")
        elif url:
            self.source = Source(slug="adhoc", name=url, platform=self.platform, url=url,
                                 timezone=kwargs.get("timezone"))
        else:
            raise ValueError(f"spider {self.name!r} needs -a source=<slug> (from config/sources.yml) or -a url=<url>")
        self.source_slug = self.source.slug
        self.errors: list[str] = []

    @functools.cached_property
    def crawl_started(self) -> dt.datetime:
        """The crawl's reference time: setting WIDEN_NOW (env var of that name) pins it, else now."""
        pinned = self.crawler.settings.get("WIDEN_NOW") if getattr(self, "crawler", None) else None
        if pinned:
            t = dt.datetime.fromisoformat(pinned)
            return t if t.tzinfo else t.replace(tzinfo=dt.UTC)
        return dt.datetime.now(dt.UTC)

    # -- what pipelines ask of the spider -------------------------------------------------
    def source_context(self) -> SourceContext:
        s = self.source
        return SourceContext(source=s.slug, platform=self.platform, source_url=s.url, tz=s.timezone,
                             country=s.country, region=s.region, kind=s.kind, audiences=list(s.audiences),
                             now=self.crawl_started)

    # -- navigation helpers ---------------------------------------------------------------
    def start_urls_for_source(self) -> list[str]:
        extra = self.source.options.get("urls") or []
        return [self.source.url, *extra]

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.start_urls_for_source():
            yield self.request(url, self.parse)

    def request(self, url: str, callback: Any, **kwargs: Any) -> scrapy.Request:
        return scrapy.Request(url, callback=callback, errback=self.on_error, **kwargs)

    def on_error(self, failure: Any) -> None:
        """Record a failed request against the source (it reaches crawl_runs.error_messages)."""
        req = getattr(failure, "request", None)
        url = req.url if req is not None else "?"
        msg = f"{url}: {failure.type.__name__}: {failure.getErrorMessage()}"[:500]
        self.errors.append(msg)
        self.crawler.stats.inc_value("widen/request_errors")
        self.logger.warning("request failed: %s", msg)

    # -- extraction hand-off --------------------------------------------------------------
    def listings(self, response: Response, **hints: Any) -> Iterator[dict[str, Any]]:
        """Raw listings from one response, tagged with the page they came from."""
        ctype = response.headers.get("Content-Type", b"").decode("latin-1")
        ctx = Context(url=response.url, now=self.crawl_started, tz=self.source.timezone, hints=hints)
        try:
            found = extract(response.body, response.url, ctype, ctx)
        except Exception as exc:  # a broken page costs that page only
            self.errors.append(f"{response.url}: extraction failed: {type(exc).__name__}: {exc}"[:500])
            self.logger.exception("extraction failed on %s", response.url)
            return
        if not found:
            self.crawler.stats.inc_value("widen/pages_without_listings")
        for raw in found:
            raw["source_url"] = response.url
            for k, v in hints.items():
                raw.setdefault(k, v)
            yield raw

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        yield from self.listings(response)
