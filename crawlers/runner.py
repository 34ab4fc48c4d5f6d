"""Run configured sources through the real Scrapy machinery, then summarize them from crawl_runs.

One CrawlerProcess per OS process (Twisted's reactor cannot restart), one crawler per source,
all sharing one SQLite connection through the store pipeline. Around the crawl this module adds
what operating widen on a schedule needs:

- per-source lock files beside the database: a source never runs twice at once, whether the
  second run comes from `widen schedule`, cron or a person (the later one skips it, logged);
- the HTTP cache beside the database (conditional re-crawls) and the contact User-Agent;
- `JOBDIR` per source under `--resume DIR`, so an interrupted crawl continues where it stopped;
- the scrapy-redis worker mode (crawlers/scaleout.py), where items go to Redis, not SQLite.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from crawlers.config import DEFAULT_CONTACT, Source, config_dir

os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawlers.settings")


@dataclass
class CrawlResult:
    """What `widen crawl` prints: one row per source crawled, and the sources skipped."""

    run_id: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def crawl_settings(db_path: str, run_id: str, overrides: dict[str, Any] | None = None) -> Any:
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    settings.set("WIDEN_DB", db_path, priority="cmdline")
    settings.set("WIDEN_RUN_ID", run_id, priority="cmdline")
    for k, v in (overrides or {}).items():
        settings.set(k, v, priority="cmdline")
    return settings


def user_agent(contact_url: str | None) -> str:
    """An honest User-Agent naming where to reach whoever runs this crawl."""
    return f"widen/0.1 (+{contact_url or DEFAULT_CONTACT})"


def cache_dir_for(db_path: str) -> str:
    """The HTTP cache lives beside its database: `widen.db` → `widen.httpcache/`."""
    p = Path(db_path).resolve()
    return str(p.with_name(p.stem + ".httpcache"))


def source_settings(s: Source) -> dict[str, Any]:
    """Per-source concurrency from `options.concurrency` (download_delay/autothrottle are applied by
    the spider base class itself)."""
    if s.options.get("concurrency"):
        return {"CONCURRENT_REQUESTS_PER_DOMAIN": int(s.options["concurrency"])}
    return {}


class SourceLocks:
    """Non-blocking flock per source in `<db>.locks/`; held until this process exits."""

    def __init__(self, db_path: str):
        p = Path(db_path).resolve()
        self.dir = p.with_name(p.stem + ".locks")
        self.held: dict[str, IO[str]] = {}

    def path(self, slug: str) -> Path:
        return self.dir / f"{slug}.lock"

    def acquire(self, slug: str) -> bool:
        self.dir.mkdir(parents=True, exist_ok=True)
        fh = open(self.path(slug), "a+")  # noqa: SIM115  (held for the crawl's lifetime)
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            return False
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        self.held[slug] = fh
        return True

    def release(self) -> None:
        for fh in self.held.values():
            fh.close()
        self.held.clear()


def close_interrupted(db_path: str, slugs: Sequence[str], locks: SourceLocks | None = None) -> list[str]:
    """Mark as interrupted the 'running' runs of these sources that no live process is crawling.

    With `locks` the caller already holds the sources' locks (a crawl about to start); without,
    each lock is taken just for the check (`sources check`), so a crawl running now is left alone.
    A database that cannot be written is left as it is. Returns the sources marked.
    """
    import datetime as dt

    from crawlers.monitors import close_interrupted_runs

    if not Path(db_path).is_file():
        return []
    own = locks is None
    locks = locks or SourceLocks(db_path)
    try:
        free = [s for s in slugs if s in locks.held or (own and locks.acquire(s))]
        conn = sqlite3.connect(db_path, timeout=30)
        try:
            return close_interrupted_runs(conn, free, dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
        except sqlite3.Error:
            return []
        finally:
            conn.close()
    finally:
        if own:
            locks.release()


def run_crawl(sources: Sequence[Source], db_path: str, *, config_path: str | None = None,
              overrides: dict[str, Any] | None = None, contact_url: str | None = None,
              resume_dir: str | None = None, cache: bool = True, progress: str = "off",
              progress_interval: float = 5.0, redis_url: str | None = None,
              run_key: str | None = None) -> CrawlResult:
    """Crawl the sources concurrently in this process.

    Local mode stores into `db_path` and returns the crawl_runs rows; redis mode (`redis_url`)
    pushes items to Redis for `widen drain` and returns rows built from the crawlers' stats.
    """
    from scrapy.crawler import Crawler, CrawlerProcess

    from crawlers.extensions import progress_board

    run_id = run_key or uuid.uuid4().hex[:12]
    result = CrawlResult(run_id)
    locks = None
    if redis_url is None:
        locks = SourceLocks(db_path)
        free = [s for s in sources if locks.acquire(s.slug)]
        result.skipped = [s.slug for s in sources if s.slug not in locks.held]
        sources = free
        close_interrupted(db_path, [s.slug for s in sources], locks)
    if not sources:
        return result
    opts: dict[str, Any] = {"USER_AGENT": user_agent(contact_url), "WIDEN_PROGRESS": progress,
                            "WIDEN_PROGRESS_INTERVAL": progress_interval}
    if not cache:
        opts["HTTPCACHE_ENABLED"] = False
    if redis_url is not None:
        from crawlers import scaleout

        opts.update(scaleout.worker_settings(redis_url, run_id))
        opts["HTTPCACHE_DIR"] = str(Path.cwd() / ".widen-httpcache")
        scaleout.claim_run(scaleout.connect(redis_url), [s.slug for s in sources], run_id)
    else:
        opts["HTTPCACHE_DIR"] = cache_dir_for(db_path)
    opts.update(overrides or {})
    settings = crawl_settings(db_path, run_id, opts)
    board = progress_board(progress, progress_interval)
    process = CrawlerProcess(settings)
    cfg = config_path or str(config_dir() / "sources.yml")
    crawlers: list[tuple[Source, Any]] = []
    for s in sources:
        per = settings.copy()
        for k, v in source_settings(s).items():
            per.set(k, v, priority="spider")
        if resume_dir:
            per.set("JOBDIR", str(Path(resume_dir) / s.slug), priority="cmdline")
        # The first crawler installs the reactor (what CrawlerProcess does for the crawlers it makes).
        crawler = Crawler(process.spider_loader.load(s.platform), per, init_reactor=not crawlers)
        crawlers.append((s, crawler))
        process.crawl(crawler, source=s.slug, config=cfg)
    try:
        process.start()
    finally:
        board.stop()
        if locks is not None:
            locks.release()
    if redis_url is not None:
        result.rows = [stats_row(s, c) for s, c in crawlers]
        return result
    result.rows = run_summary(db_path, run_id)
    return result


def stats_row(s: Source, crawler: Any) -> dict[str, Any]:
    """A summary row from a crawler's stats (redis workers: items are counted by `widen drain`)."""
    from crawlers.stats import run_errors

    st = crawler.stats
    spider = crawler.spider
    errors = list(getattr(spider, "errors", []) or [])
    start, end = st.get_value("start_time"), st.get_value("finish_time")
    return {
        "source": s.slug, "pages": int(st.get_value("response_received_count", 0) or 0),
        "items": int(st.get_value("item_scraped_count", 0) or 0), "new": None, "updated": None,
        "unchanged": None, "dropped": int(st.get_value("widen/dropped", 0) or 0),
        "errors": run_errors(st.get_stats(), spider),
        "finish_reason": st.get_value("finish_reason"), "error_messages": "\n".join(errors[:50]) or None,
        "duration_s": round((end - start).total_seconds(), 1) if start and end else None,
        "monitor_failures": None,
    }


def run_summary(db_path: str, run_id: str) -> list[dict[str, Any]]:
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    try:
        rows = conn.execute("SELECT * FROM crawl_runs WHERE run_id = ? ORDER BY source", (run_id,)).fetchall()
        return [dict(r) for r in rows]
    finally:
        conn.close()
