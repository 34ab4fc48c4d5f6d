"""Run configured sources through the real Scrapy machinery, then summarize them from crawl_runs.

One CrawlerProcess per OS process (Twisted's reactor cannot restart), one crawler per source,
all sharing one SQLite connection through the store pipeline.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Sequence
from typing import Any

from crawlers.config import Source, config_dir

os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawlers.settings")


def crawl_settings(db_path: str, run_id: str, overrides: dict[str, Any] | None = None) -> Any:
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    settings.set("WIDEN_DB", db_path, priority="cmdline")
    settings.set("WIDEN_RUN_ID", run_id, priority="cmdline")
    for k, v in (overrides or {}).items():
        settings.set(k, v, priority="cmdline")
    return settings


def run_crawl(sources: Sequence[Source], db_path: str, *, config_path: str | None = None,
              overrides: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Crawl the sources concurrently in this process; one summary dict per source."""
    from scrapy.crawler import CrawlerProcess

    run_id = uuid.uuid4().hex[:12]
    settings = crawl_settings(db_path, run_id, overrides)
    process = CrawlerProcess(settings)
    cfg = config_path or str(config_dir() / "sources.yml")
    for s in sources:
        process.crawl(s.platform, source=s.slug, config=cfg)
    process.start()
    return run_summary(db_path, run_id)


def run_summary(db_path: str, run_id: str) -> list[dict[str, Any]]:
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    try:
        rows = conn.execute("SELECT * FROM crawl_runs WHERE run_id = ? ORDER BY source", (run_id,)).fetchall()
        return [dict(r) for r in rows]
    finally:
        conn.close()
