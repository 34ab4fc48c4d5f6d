"""A crawl killed with SIGKILL leaves a sound database, and the next crawl loses and doubles nothing.

SIGKILL skips every `finally`, atexit hook and flush, so only SQLite's own transactions protect
the file. The site is three list pages linked by `<link rel="next">` (100, 450 and 600
JSON-LD events); gates hold a page's response until the test has killed the crawl, which pins
the kill points relative to the store's batches (pinned to 500 records here):

- before the first batch commit: page 2 is held, only page 1's 100 records are queued;
- after a batch commit, mid-crawl: page 3 is held, 500 records are committed, 50 queued;
- during store writes: nothing is held; the kill lands right after the first commit, while
  page 3's records stream through the pipelines into the store (inside or between its
  transactions: the timing is not pinned finer than that, SQLite's atomic commit must hold
  at any instant).

After each kill: `PRAGMA integrity_check` and the FTS index check pass, the killed run is not
marked finished; then a normal crawl completes with exactly the clean crawl's ids and rows.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import write_sources
from faultserver import (
    FAULT_SETTINGS_ENV,
    FaultServer,
    event_page,
    gate,
    ok,
    run_measured,
    serve_faults,
    sigkill,
    start_widen,
)

PAGES = {1: 100, 2: 450, 3: 600}
TOTAL = sum(PAGES.values())
BATCH = 500  # records per store transaction in these crawls
ENV = {**FAULT_SETTINGS_ENV, "WIDEN_NOW": "2026-03-01T06:00:00+00:00"}
WAIT_S = 90  # how long a kill point may take to be reached (generous: CI machines are shared)


class CrashSite:
    """The three-page site; `hold(n)` makes page n wait until `release()`."""

    def __init__(self) -> None:
        self.fs = FaultServer()
        self.gates = {n: threading.Event() for n in PAGES}
        self.mark = 0  # hits before the current crawl started

    def start(self) -> None:
        b = self.fs.base
        self.fs.routes["/robots.txt"] = ok("", "text/plain")
        for n, count in PAGES.items():
            nxt = f"/p/{n + 1}/" if n + 1 in PAGES else None
            page = ok(event_page(b, f"/p/{n}/", count, next_href=nxt))
            self.fs.routes[f"/p/{n}/"] = gate(self.gates[n], page, limit=WAIT_S)
        self.release()

    def requested(self, n: int) -> bool:
        """Has the current crawl asked for page n?"""
        return self.fs.count(f"/p/{n}/", since=self.mark) > 0

    def hold(self, n: int) -> None:
        self.gates[n].clear()

    def release(self) -> None:
        for g in self.gates.values():
            g.set()


@pytest.fixture(scope="module")
def site() -> Iterator[CrashSite]:
    s = CrashSite()
    with serve_faults(s.fs):
        s.start()
        yield s


def _crawl_args(tmp: Path, site: CrashSite, db: Path) -> list[str]:
    cfg = write_sources(tmp / "sources.yml", [{"slug": "pages", "platform": "schemaorg", "url": site.fs.url("/p/1/")}])
    return ["crawl", "--db", str(db), "--config", str(cfg), "--set", f"WIDEN_STORE_BATCH={BATCH}"]


def _q(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _count(db: Path) -> int:
    try:
        return _q(db, "SELECT count(*) FROM opportunities")[0][0]
    except sqlite3.OperationalError:  # not created yet, or locked for a moment
        return -1


def _snapshot(db: Path) -> dict[str, object]:
    """What must equal a clean crawl's database after recovery."""
    return {
        "ids": sorted(i for (i,) in _q(db, "SELECT id FROM opportunities")),
        "rows": _q(db, "SELECT count(*), count(DISTINCT id), count(DISTINCT url) FROM opportunities")[0],
        "audience_rows": _q(db, "SELECT count(*) FROM opportunity_audiences")[0][0],
        "orphans": _q(db, "SELECT count(*) FROM opportunity_audiences WHERE opportunity_id NOT IN "
                          "(SELECT id FROM opportunities)")[0][0],
        "fts_rows": _q(db, "SELECT count(*) FROM opportunities_fts")[0][0],
    }


def _assert_sound(db: Path) -> None:
    assert _q(db, "PRAGMA integrity_check") == [("ok",)]
    assert _q(db, "PRAGMA foreign_key_check") == []
    conn = sqlite3.connect(db, timeout=30)
    try:  # raises SQLITE_CORRUPT_VTAB when the FTS index disagrees with its table
        conn.execute("INSERT INTO opportunities_fts(opportunities_fts) VALUES('integrity-check')")
    finally:
        conn.close()


def _wait(cond: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not cond():
        if time.monotonic() > deadline:
            pytest.fail(f"kill point not reached in {WAIT_S} s: {what}")
        time.sleep(0.02)


@pytest.fixture(scope="module")
def clean(site: CrashSite, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    tmp = tmp_path_factory.mktemp("clean")
    db = tmp / "clean.db"
    r = run_measured(*_crawl_args(tmp, site, db), env=ENV, timeout=240)
    assert r.returncode == 0, r.stderr[-2000:]
    snap = _snapshot(db)
    assert snap["rows"] == (TOTAL, TOTAL, TOTAL)  # the reference itself is complete
    return snap


def _before_first_commit(site: CrashSite, db: Path) -> None:
    site.hold(2)
    _wait(lambda: site.requested(2), "page 2 requested")
    time.sleep(0.5)  # page 1's records are through the pipelines and sit in the store's buffer


def _after_a_commit(site: CrashSite, db: Path) -> None:
    site.hold(3)
    _wait(lambda: site.requested(3) and _count(db) >= BATCH, "page 3 requested, a batch committed")


def _during_writes(site: CrashSite, db: Path) -> None:
    _wait(lambda: site.requested(3) and _count(db) >= BATCH, "page 3 streaming into the next batch")


KILL_POINTS = {
    "before-first-commit": (_before_first_commit, lambda n: n == 0),
    "after-a-commit": (_after_a_commit, lambda n: BATCH <= n < TOTAL),
    "during-writes": (_during_writes, lambda n: BATCH <= n < TOTAL),
}


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_sigkill_then_recrawl_loses_and_doubles_nothing(site: CrashSite, clean: dict[str, object],
                                                        tmp_path: Path, point: str) -> None:
    reach, expect_rows = KILL_POINTS[point]
    db = tmp_path / "killed.db"
    args = _crawl_args(tmp_path, site, db)
    site.mark = len(site.fs.hits)
    proc = start_widen(*args, env=ENV, log=tmp_path / "killed.log")
    try:
        reach(site, db)
        sigkill(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        site.release()
    assert proc.returncode == -9, "the crawl ended before the kill point; the test proves nothing"

    _assert_sound(db)
    n = _count(db)
    assert expect_rows(n), f"{point}: {n} rows after the kill"
    statuses = [s for (s,) in _q(db, "SELECT finish_reason FROM crawl_runs")]
    assert statuses == ["running"]  # a killed crawl never looks like a clean one

    # The health check sees that no process is crawling the source any more: interrupted, failing.
    check = run_measured("sources", "check", "--db", str(db), "--config", args[4], env=ENV, timeout=60)
    assert check.returncode == 1 and "failing" in check.stdout, check.stdout[-2000:]
    assert _q(db, "SELECT finish_reason FROM crawl_runs") == [("interrupted",)]
    assert _q(db, "SELECT last_status FROM sources WHERE slug = 'pages'") == [("failing",)]

    r = run_measured(*args, env=ENV, timeout=240)
    assert r.returncode == 0, r.stderr[-2000:]
    _assert_sound(db)
    assert _snapshot(db) == clean
    runs = _q(db, "SELECT finish_reason, items FROM crawl_runs ORDER BY id")
    assert runs[0][0] == "interrupted" and runs[-1] == ("finished", TOTAL), runs


def test_next_crawl_marks_a_run_left_running_as_interrupted(tmp_path: Path) -> None:
    """A crawl that starts while an old run of its source is still 'running' (its process killed)
    closes that run as interrupted; a run whose source another live crawl holds is left alone."""
    from crawlers.runner import SourceLocks, close_interrupted
    from pipelines.store import Store

    db = tmp_path / "w.db"
    store = Store(str(db))
    store.start_run("gone", "ical")
    store.start_run("busy", "ical")
    store.close()
    holder = SourceLocks(str(db))
    assert holder.acquire("busy")  # stands for another crawl process, alive
    try:
        assert close_interrupted(str(db), ["gone", "busy"]) == ["gone"]
    finally:
        holder.release()
    rows = dict(_q(db, "SELECT source, finish_reason FROM crawl_runs"))
    assert rows == {"gone": "interrupted", "busy": "running"}
    assert _q(db, "SELECT last_status, consecutive_failures FROM sources WHERE slug = 'gone'") == [("failing", 1)]
