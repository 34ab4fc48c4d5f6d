"""Scrapy plug-ins for operating widen: Retry-After, cache revalidation and live crawl progress.

- `RetryAfterMiddleware`: a 429/503 with `Retry-After` means "come back in N seconds"; retrying
  at once (Scrapy's default) hammers a server that asked us to wait.
- `RevalidatingPolicy`: RFC 2616 caching without the Last-Modified heuristic, so every scheduled
  crawl revalidates listings (If-None-Match / If-Modified-Since → 304, no body) instead of
  trusting a guessed freshness of days.
- `ErrorStats`: per-crawler counts of HTTP error responses and pipeline exceptions, for the error monitor.
- `ProgressExtension` + `ProgressBoard`: per-source counts fed by signals into one board per
  process (all sources of a `widen crawl` share a CrawlerProcess), drawn with rich on a TTY and as
  plain periodic lines otherwise (cron mails, CI logs).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any, TextIO

from scrapy import signals
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.extensions.httpcache import RFC2616Policy
from scrapy.http import Request, Response
from scrapy.utils.response import response_status_message

RETRY_AFTER_STATUSES = (429, 503)


def retry_after_seconds(value: bytes | str | None, cap: float, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), capped; None if absent/bad."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        secs = float(text)
    else:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        secs = (when - (now or dt.datetime.now(dt.UTC))).total_seconds()
    return max(0.0, min(secs, cap))


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware, but a 429/503 retry waits for the server's Retry-After (capped by
    `RETRY_AFTER_MAX` seconds). The wait happens in this request's middleware chain only: other
    requests keep flowing, and the crawl is not considered idle while one is waiting."""

    def __init__(self, settings: Any):
        super().__init__(settings)
        self.cap = settings.getfloat("RETRY_AFTER_MAX", 120.0)

    async def process_response(self, request: Request, response: Response,  # type: ignore[override]
                               spider: Any = None) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        if response.status in RETRY_AFTER_STATUSES:
            delay = retry_after_seconds(response.headers.get(b"Retry-After"), self.cap)
            if delay:
                self.crawler.stats.inc_value("widen/retry_after_waits")
                await _sleep(delay)
        return self._retry(request, response_status_message(response.status)) or response


async def _sleep(seconds: float) -> None:
    from scrapy.utils.defer import maybe_deferred_to_future
    from twisted.internet import reactor
    from twisted.internet.task import deferLater

    await maybe_deferred_to_future(deferLater(reactor, seconds, lambda: None))  # type: ignore[arg-type]


class RevalidatingPolicy(RFC2616Policy):
    """Fresh only for as long as the server said (max-age / Expires); otherwise revalidate.

    Scrapy's RFC2616Policy guesses freshness as 10% of the Last-Modified age, so a page unchanged
    for a month would be served from cache for three days without asking: a scheduled crawl
    would miss a cancellation. Validators still make the re-crawl cheap (304, no body).
    """

    def _compute_freshness_lifetime(self, response: Response, request: Request, now: float) -> float:
        cc = self._parse_cachecontrol(response)
        if self._get_max_age(cc) is not None or b"Expires" in response.headers:
            return super()._compute_freshness_lifetime(response, request, now)
        if response.status in {300, 301, 308}:
            return self.MAXAGE
        return 0


class ErrorStats:
    """Per-crawler counts of what the error monitor adds up (crawlers.stats.run_errors):
    final HTTP error responses (≥ 400, after retries; robots.txt excluded) as `widen/http_errors`,
    and exceptions raised by a pipeline stage as `widen/item_errors` (Scrapy only logs those)."""

    def __init__(self, crawler: Any):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> ErrorStats:
        ext = cls(crawler)
        crawler.signals.connect(ext.response_received, signal=signals.response_received)
        crawler.signals.connect(ext.item_error, signal=signals.item_error)
        return ext

    def response_received(self, response: Response, request: Request, spider: Any) -> None:
        # A status the request says it handles (handle_httpstatus_list/_all) is navigation, e.g. probing
        # an API that may be absent; the spider records it in spider.errors when it is a real failure.
        handled = request.meta.get("handle_httpstatus_all") or response.status in request.meta.get(
            "handle_httpstatus_list", ())
        if response.status >= 400 and not handled and not request.url.endswith("/robots.txt"):
            self.crawler.stats.inc_value("widen/http_errors")

    def item_error(self, item: Any, response: Any, spider: Any, failure: Any) -> None:
        self.crawler.stats.inc_value("widen/item_errors")


# -- progress -------------------------------------------------------------------------------

@dataclass
class SourceProgress:
    source: str
    pages: int = 0
    items: int = 0
    dropped: int = 0
    errors: int = 0
    done: str | None = None  # finish reason once closed
    task: Any = None


@dataclass
class ProgressBoard:
    """Counts per source for one process; `mode` is 'rich' (live bars), 'plain' (lines) or 'off'."""

    mode: str = "plain"
    interval: float = 5.0
    stream: TextIO = field(default_factory=lambda: sys.stderr)
    width: int | None = None  # None: the terminal's
    rows: dict[str, SourceProgress] = field(default_factory=dict)
    _last: float = field(default_factory=time.monotonic)
    _progress: Any = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        if self.mode == "rich" and self._progress is None:
            from rich.console import Console
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self._progress = Progress(
                SpinnerColumn(), TextColumn("[bold]{task.fields[source]:<20}"),
                TextColumn("pages {task.fields[pages]:<5} items {task.fields[items]:<5} "
                           "dropped {task.fields[dropped]} errors {task.fields[errors]} {task.fields[state]}"),
                TimeElapsedColumn(), console=Console(file=self.stream, width=self.width), transient=False)
            self._progress.start()

    def row(self, source: str) -> SourceProgress:
        with self._lock:
            if source not in self.rows:
                self.rows[source] = SourceProgress(source)
                if self._progress is not None:
                    self.rows[source].task = self._progress.add_task(
                        source, total=None, source=source, pages=0, items=0, dropped=0, errors=0, state="")
            return self.rows[source]

    def update(self, source: str, *, force: bool = False, **inc: int) -> None:
        r = self.row(source)
        for k, v in inc.items():
            setattr(r, k, getattr(r, k) + v)
        if self._progress is not None and r.task is not None:
            self._progress.update(r.task, pages=r.pages, items=r.items, dropped=r.dropped, errors=r.errors,
                                  state=r.done or "")
        elif self.mode == "plain":
            now = time.monotonic()
            if force or now - self._last >= self.interval:
                self._last = now
                self._print_lines()

    def finish(self, source: str, reason: str) -> None:
        r = self.row(source)
        r.done = reason
        if self._progress is not None and r.task is not None:
            self._progress.update(r.task, state=reason, total=1, completed=1)
        elif self.mode == "plain":
            self._line(r)

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def _print_lines(self) -> None:
        for r in self.rows.values():
            if not r.done:
                self._line(r)

    def _line(self, r: SourceProgress) -> None:
        state = f" {r.done}" if r.done else ""
        print(f"progress {r.source}: pages={r.pages} items={r.items} dropped={r.dropped} errors={r.errors}{state}",
              file=self.stream, flush=True)


_BOARD: ProgressBoard | None = None


def progress_board(mode: str = "plain", interval: float = 5.0) -> ProgressBoard:
    """The process's board (created on first use; the runner creates it with the chosen mode)."""
    global _BOARD
    if _BOARD is None:
        _BOARD = ProgressBoard(mode=mode, interval=interval)
    return _BOARD


class ProgressExtension:
    """Feeds the process's ProgressBoard from one crawler's signals (pages, items, drops, errors).

    Handlers are bound methods of this long-lived extension (Scrapy keeps weak references)."""

    def __init__(self, crawler: Any):
        self.crawler = crawler
        mode = crawler.settings.get("WIDEN_PROGRESS", "off")
        self.board = progress_board(mode, crawler.settings.getfloat("WIDEN_PROGRESS_INTERVAL", 5.0))
        self.errors_seen = 0

    @classmethod
    def from_crawler(cls, crawler: Any) -> ProgressExtension:
        from scrapy.exceptions import NotConfigured

        if crawler.settings.get("WIDEN_PROGRESS", "off") == "off":
            raise NotConfigured
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.response_received, signal=signals.response_received)
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def _source(self) -> str:
        spider = self.crawler.spider
        return getattr(spider, "source_slug", None) or getattr(spider, "name", "?")

    def _new_errors(self) -> int:
        n = len(getattr(self.crawler.spider, "errors", []) or [])
        new, self.errors_seen = n - self.errors_seen, n
        return new

    def spider_opened(self, spider: Any) -> None:
        self.board.start()
        self.board.row(self._source())

    def response_received(self, response: Any, request: Any, spider: Any) -> None:
        self.board.update(self._source(), pages=1, errors=self._new_errors())

    def item_scraped(self, item: Any, response: Any, spider: Any) -> None:
        self.board.update(self._source(), items=1)

    def item_dropped(self, item: Any, response: Any, exception: Any, spider: Any) -> None:
        self.board.update(self._source(), dropped=1)

    def spider_closed(self, spider: Any, reason: str) -> None:
        self.board.update(self._source(), errors=self._new_errors())
        self.board.finish(self._source(), reason)
