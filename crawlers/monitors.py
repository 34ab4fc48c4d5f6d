"""Run monitors: notice a source that broke, the most common silent failure of scrapers.

The checks are pure functions over a run's numbers (`RunFacts`), so the same rules judge a local
run (Spidermon suite at spider close, fed by the crawler's stats) and a scaled-out run (merged
by `widen drain` from several workers, where no single crawler sees the whole run).

Thresholds per source come from `options` in config/sources.yml:
  min_items (default 1), max_errors (0), max_dropped_ratio (0.5),
  coverage: {field: ratio} (default {start: 0.8} for event sources: networking_event kind or ical).
Results go to crawl_runs.monitor_failures (JSON list of failed checks, `[]` when all passed, NULL
when no monitor judged the run) and the source's
health in `sources` (last_status, consecutive_failures), read by `widen sources check`;
`HealthRecorder` (an extension) writes them once the crawl's engine has stopped.
"""

from __future__ import annotations

import json
import sqlite3
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from spidermon import Monitor, MonitorSuite, monitors
from spidermon.core.actions import Action

from crawlers.db import default_db_path, ensure_health_columns
from crawlers.stats import run_errors

EVENT_PLATFORMS = ("ical",)

# Spidermon 1.27's runner still calls the deprecated Spider.log(); the warning would be logged
# once per source per run and says nothing about the crawl.
warnings.filterwarnings("ignore", message=r"Spider\.log\(\) is deprecated")


@dataclass
class RunFacts:
    """What the monitors look at for one source in one run."""

    source: str
    items: int
    pages: int = 0
    errors: int = 0
    dropped: int = 0
    finish_reason: str | None = "finished"
    coverage: dict[str, float] = field(default_factory=dict)  # field -> share of items with it
    kind: str | None = None
    platform: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


def _opt(options: Mapping[str, Any], name: str, default: float) -> float:
    """A threshold from the source's options; absent or null means the default."""
    value = options.get(name)
    return default if value is None else float(value)


def coverage_rules(kind: str | None, platform: str | None, options: Mapping[str, Any]) -> dict[str, float]:
    """Required field coverage: options.coverage, else start ≥ 80% for event sources."""
    if options.get("coverage") is not None:
        return {str(k): float(v) for k, v in options["coverage"].items()}
    if kind == "networking_event" or platform in EVENT_PLATFORMS:
        return {"start": 0.8}
    return {}


def check_items(f: RunFacts) -> str | None:
    need = int(_opt(f.options, "min_items", 1))
    return f"items: {f.items} < min_items {need}" if f.items < need else None


def check_errors(f: RunFacts) -> str | None:
    allowed = int(_opt(f.options, "max_errors", 0))
    return f"errors: {f.errors} > max_errors {allowed}" if f.errors > allowed else None


def check_finish(f: RunFacts) -> str | None:
    return None if f.finish_reason == "finished" else f"finish_reason: {f.finish_reason}"


def check_dropped(f: RunFacts) -> str | None:
    seen = f.items + f.dropped
    limit = _opt(f.options, "max_dropped_ratio", 0.5)
    if seen and f.dropped / seen > limit:
        return f"dropped: {f.dropped}/{seen} items failed validation (> {limit:.0%})"
    return None


def check_coverage(f: RunFacts) -> str | None:
    if not f.items:
        return None  # the item-count check already speaks for an empty run
    short = [f"{name} {f.coverage.get(name, 0.0):.0%} < {need:.0%}"
             for name, need in coverage_rules(f.kind, f.platform, f.options).items()
             if f.coverage.get(name, 0.0) < need]
    return "coverage: " + ", ".join(short) if short else None


CHECKS = (check_items, check_errors, check_finish, check_dropped, check_coverage)


def evaluate(f: RunFacts) -> list[str]:
    """Every failed check's message (empty list: the run is healthy). A source skipped on purpose
    (finish reason "skipped: set <KEY>": a key-based API without its key) made no request: not judged."""
    if (f.finish_reason or "").startswith("skipped"):
        return []
    return [msg for check in CHECKS if (msg := check(f))]


# -- Spidermon: the same checks at spider close, one monitor per concern ------------------------

def facts_from_crawler(stats: Mapping[str, Any], spider: Any) -> RunFacts:
    """RunFacts from a crawler's stats (items that reached the end of the pipelines)."""
    source = getattr(spider, "source", None)
    scraped = int(stats.get("item_scraped_count", 0) or 0)
    return RunFacts(
        source=getattr(spider, "source_slug", spider.name), items=scraped,
        pages=int(stats.get("response_received_count", 0) or 0), errors=run_errors(stats, spider),
        dropped=int(stats.get("widen/dropped", 0) or 0), finish_reason=stats.get("finish_reason"),
        coverage=coverage_from_stats(stats), kind=getattr(source, "kind", None), platform=getattr(source, "platform", None),
        options=dict(getattr(source, "options", {}) or {}),
    )


class _WidenMonitor(Monitor):
    check: Any = None

    def _run_check(self) -> None:
        msg = type(self).check(facts_from_crawler(self.data.stats, self.data.spider))
        if msg:
            self.fail(msg)


@monitors.name("Item count")
class ItemCountMonitor(_WidenMonitor):
    check = staticmethod(check_items)

    @monitors.name("minimum items per source")
    def test_min_items(self) -> None:
        self._run_check()


@monitors.name("Errors")
class ErrorCountMonitor(_WidenMonitor):
    check = staticmethod(check_errors)

    @monitors.name("request and extraction errors")
    def test_errors(self) -> None:
        self._run_check()


@monitors.name("Finish reason")
class FinishReasonMonitor(_WidenMonitor):
    check = staticmethod(check_finish)

    @monitors.name("finished normally")
    def test_finish_reason(self) -> None:
        self._run_check()


@monitors.name("Validation")
class DroppedItemsMonitor(_WidenMonitor):
    check = staticmethod(check_dropped)

    @monitors.name("share of items failing validation")
    def test_dropped(self) -> None:
        self._run_check()


@monitors.name("Field coverage")
class FieldCoverageMonitor(_WidenMonitor):
    check = staticmethod(check_coverage)

    @monitors.name("required fields present")
    def test_coverage(self) -> None:
        self._run_check()


class RecordFailures(Action):
    """Put the failed monitors' messages into the crawler's stats (`widen/monitor_failures`),
    where the runner picks them up after the crawl to write crawl_runs and source health."""

    def run_action(self) -> None:
        failures = []
        for res in self.result.monitor_results:
            if res.status in ("FAIL", "ERROR"):
                failures.append(str(getattr(res, "reason", None) or res.error or res.item.name).strip())
        self.data.crawler.stats.set_value("widen/monitor_failures", failures)


class SpiderCloseSuite(MonitorSuite):
    """SPIDERMON_SPIDER_CLOSE_MONITORS for every widen spider."""

    monitors = [ItemCountMonitor, ErrorCountMonitor, FinishReasonMonitor, DroppedItemsMonitor,
                FieldCoverageMonitor]
    monitors_finished_actions = [RecordFailures]


# -- recording ------------------------------------------------------------------------------

def run_failed(row: Mapping[str, Any]) -> bool:
    """A crawl_runs row counts as failing: not finished, or a failed monitor. A run the monitors
    never judged (monitor_failures NULL, e.g. Spidermon disabled) fails on any error."""
    if str(row.get("finish_reason") or "").startswith("skipped"):
        return False
    if row.get("finish_reason") != "finished":
        return True
    if row.get("monitor_failures") is None:
        return bool(row.get("errors"))
    return bool(json.loads(row["monitor_failures"]))


def record_health(db_path: str, run_pk: int, failures: list[str], coverage: Mapping[str, float],
                  errors: int) -> None:
    """Write one run's monitor results into its crawl_runs row and re-derive its source's health.

    `errors` replaces the row's count (see `run_errors`). Consecutive failures are counted from
    the crawl_runs history, so the figure stays right whoever wrote the row.
    """
    conn = sqlite3.connect(db_path, timeout=60)
    try:
        ensure_health_columns(conn)
        with conn:
            conn.execute("UPDATE crawl_runs SET monitor_failures = ?, coverage = ?, errors = ? WHERE id = ?",
                         (json.dumps(failures),
                          json.dumps(dict(coverage), sort_keys=True) if coverage else None, int(errors), run_pk))
            (slug,), = conn.execute("SELECT source FROM crawl_runs WHERE id = ?", (run_pk,)).fetchall()
            refresh_sources(conn, [slug])
    finally:
        conn.close()


class HealthRecorder:
    """Records the Spidermon results of a local run once its engine has stopped.

    At engine_stopped every spider_closed handler has run, so the store has written the run's
    crawl_runs row (the store only learns the finish reason at spider_closed, the same moment the
    monitors run). Works the same under `widen crawl`, `scrapy crawl` and scrapyd. Redis workers
    have no store row; `widen drain` judges their merged run.
    """

    def __init__(self, crawler: Any):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> HealthRecorder:
        from scrapy import signals

        ext = cls(crawler)
        crawler.signals.connect(ext.engine_stopped, signal=signals.engine_stopped)
        return ext

    def engine_stopped(self) -> None:
        from pipelines.store import StorePipeline

        stats = self.crawler.stats.get_stats()
        failures = stats.get("widen/monitor_failures")
        store = self.crawler.get_item_pipeline(StorePipeline)
        if failures is None or store is None or store.run_pk is None:
            return
        db = self.crawler.settings.get("WIDEN_DB") or default_db_path()
        record_health(db, store.run_pk, list(failures), coverage_from_stats(stats),
                      run_errors(stats, self.crawler.spider))


def coverage_from_stats(stats: Mapping[str, Any]) -> dict[str, float]:
    """Field coverage Spidermon computed: share of scraped items having each top-level field."""
    prefix = "spidermon_field_coverage/dict/"
    return {k[len(prefix):]: round(float(v), 4) for k, v in stats.items()
            if k.startswith(prefix) and "/" not in k[len(prefix):]}


INTERRUPTED = "interrupted"


def close_interrupted_runs(conn: sqlite3.Connection, slugs: Iterable[str], now: str) -> list[str]:
    """Mark the runs still 'running' for these sources as interrupted and re-derive their health.

    The caller holds each source's crawl lock (crawlers/runner.py SourceLocks), so no live process
    is crawling them: such a row is what a killed crawl (kill -9, a power cut) leaves behind. It
    counts as a failed run, so `sources check` flags the source. Returns the sources marked.
    """
    slugs = list(slugs)
    if not slugs:
        return []
    marks = ",".join("?" * len(slugs))
    found = [s for (s,) in conn.execute(
        f"SELECT DISTINCT source FROM crawl_runs WHERE finish_reason = 'running' AND source IN ({marks})", slugs)]
    if found:
        with conn:
            conn.execute(
                f"UPDATE crawl_runs SET finish_reason = ?, finished = ?, errors = coalesce(errors, 0) + 1, "
                "error_messages = trim(coalesce(error_messages, '') || char(10) || "
                "'the crawl process ended before this run finished (killed or crashed)') "
                f"WHERE finish_reason = 'running' AND source IN ({marks})", [INTERRUPTED, now, *slugs])
            refresh_sources(conn, found)
    return found


def refresh_sources(conn: sqlite3.Connection, slugs: Iterable[str]) -> None:
    """Set sources.last_status / consecutive_failures / last_items from each source's runs."""
    for slug in slugs:
        cur = conn.execute("SELECT * FROM crawl_runs WHERE source = ? AND finish_reason != 'running' "
                           "ORDER BY started DESC, id DESC", (slug,))
        cols = [c[0] for c in cur.description]
        runs = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
        if not runs:
            continue
        streak = 0
        for r in runs:
            if not run_failed(r):
                break
            streak += 1
        last = runs[0]
        conn.execute("INSERT INTO sources (slug, last_run, last_status, last_items, consecutive_failures) "
                     "VALUES (?, ?, ?, ?, ?) ON CONFLICT(slug) DO UPDATE SET last_run = excluded.last_run, "
                     "last_status = excluded.last_status, last_items = excluded.last_items, "
                     "consecutive_failures = excluded.consecutive_failures",
                     (slug, last.get("finished") or last.get("started"), "failing" if streak else "ok",
                      last.get("items"), streak))
