"""What every platform spider shares: its source, the extractor hand-off and error recording.

A platform spider only navigates (which URLs, which pages next); `listings()` hands each
response's bytes to the pure extractors and tags the raw dicts with where they came from.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import CloseSpider, IgnoreRequest
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
            try:
                self.source = Source(slug="adhoc", name=url, platform=self.platform, url=url,
                                     timezone=kwargs.get("timezone"))
            except ValueError as exc:  # e.g. a key-based platform: its required options need a config entry
                raise ValueError(f"-a url= on platform {self.platform!r}: {exc}; configure it in "
                                 "sources.yml and use -a source=<slug>") from None
        else:
            raise ValueError(f"spider {self.name!r} needs -a source=<slug> (from config/sources.yml) or -a url=<url>")
        self.source_slug = self.source.slug
        self.opts = self.source.opts
        self.errors: list[str] = []

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> WidenSpider:
        """Apply the source's politeness options; settings are still mutable while the spider is built."""
        spider = super().from_crawler(crawler, *args, **kwargs)
        if not crawler.settings.frozen:
            if spider.opts.download_delay is not None:
                crawler.settings.set("DOWNLOAD_DELAY", spider.opts.download_delay, priority="spider")
            if spider.opts.autothrottle is not None:
                crawler.settings.set("AUTOTHROTTLE_ENABLED", spider.opts.autothrottle, priority="spider")
        return spider

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
        return [self.source.url, *self.opts.urls]

    @property
    def origin(self) -> str:
        """scheme://host of the source URL: where a platform's API paths hang from."""
        parts = urlsplit(self.source.url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def today(self) -> str:
        """The crawl's date in the source's zone (APIs filter "from today" by local date)."""
        from zoneinfo import ZoneInfo

        tz = ZoneInfo(self.source.timezone) if self.source.timezone else dt.UTC
        return self.crawl_started.astimezone(tz).date().isoformat()

    def api_key(self) -> str:
        """The key named by `options.api_key_env`; without it the source is skipped, in one log line.

        The key is read from the environment only, and never logged or stored.
        """
        name = self.opts.api_key_env
        key = os.environ.get(name, "").strip()
        if not key:
            self.logger.warning("%s: skipped: set %s", self.source_slug, name)
            raise CloseSpider(f"skipped: set {name}")
        return key

    def json(self, response: Response, quiet: bool = False) -> Any:
        """The response's JSON, or None when it is not JSON (recorded as an error unless `quiet`:
        a probe that may legitimately hit an HTML page)."""
        try:
            return json.loads(response.body.decode(response.encoding or "utf-8", errors="replace").lstrip("\ufeff"))
        except ValueError as exc:
            if not quiet:
                self.errors.append(f"{response.url}: not JSON: {exc}"[:500])
            return None

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.start_urls_for_source():
            # dont_filter as Scrapy's own start(): a redirect loop back to it ends in an error, not
            # silence. `widen_start` lets the shared Redis dupefilter still admit it once per run.
            yield self.request(url, self.parse, dont_filter=True, meta={"widen_start": True})

    def request(self, url: str, callback: Any, **kwargs: Any) -> scrapy.Request:
        return scrapy.Request(url, callback=callback, errback=self.on_error, **kwargs)

    def post_json(self, url: str, payload: dict[str, Any], callback: Any, **kwargs: Any) -> scrapy.Request:
        """A JSON POST (GraphQL); `dont_filter` because every page shares one URL."""
        headers = {"Content-Type": "application/json", "Accept": "application/json", **kwargs.pop("headers", {})}
        return scrapy.Request(url, method="POST", body=json.dumps(payload), headers=headers, callback=callback,
                              errback=self.on_error, dont_filter=True, **kwargs)

    def on_error(self, failure: Any) -> None:
        """Record a failed request against the source (it reaches crawl_runs.error_messages).

        A page refused by robots.txt is the politeness rule working, not a failure: counted only,
        unless it is one of the source's own URLs (then the source cannot be crawled at all).
        Other IgnoreRequests are failures: HTTP errors, redirect loops, bodies over DOWNLOAD_MAXSIZE.
        """
        req = getattr(failure, "request", None)
        url = req.url if req is not None else "?"
        robots = failure.check(IgnoreRequest) and "robots.txt" in failure.getErrorMessage()
        if robots and url not in self.start_urls_for_source():
            self.crawler.stats.inc_value("widen/requests_ignored")
            self.logger.info("not fetched (robots.txt or filters): %s", url)
            return
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
        for problem in ctx.problems:  # a partial parse: the readable listings still go on
            self.errors.append(f"{response.url}: partly unreadable: {problem}"[:500])
            self.logger.warning("partly unreadable: %s: %s", response.url, problem)
        if not found:
            self.crawler.stats.inc_value("widen/pages_without_listings")
        for raw in found:
            raw["source_url"] = response.url
            for k, v in hints.items():
                raw.setdefault(k, v)
            yield raw

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        yield from self.listings(response)
