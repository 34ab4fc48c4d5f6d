"""Pipelines: normalize -> classify -> validate -> dedupe -> store, one job per module.

Each module holds pure functions (used by `widen extract`, tests and benchmarks) and a thin
Scrapy stage class built on `Stage`.
"""

from __future__ import annotations

from typing import Any


class Stage:
    """Scrapy glue shared by the stages: the crawler, and through it the spider and stats.

    Scrapy 2.13+ no longer passes `spider` to pipeline methods; stages read it from the crawler.
    """

    def __init__(self, crawler: Any = None):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> Any:
        return cls(crawler)

    @property
    def spider(self) -> Any:
        return getattr(self.crawler, "spider", None)

    @property
    def stats(self) -> Any:
        return getattr(self.crawler, "stats", None)
