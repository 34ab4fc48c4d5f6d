"""Lifecycle: absence never cancels; `stale_opportunities` shows listings unseen for 3 clean runs.

City Bureau's scrapers marked meetings cancelled when a selector broke and listings vanished;
widen keeps `status` for explicit signals and lets a view point at what may have gone.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from conftest import Site, serve, widen, write_sources

from crawlers.db import STALE_AFTER_RUNS
from crawlers.schema import FIELD_NAMES
from pipelines.store import Store

EVENT = """{{"@type":"Event","name":"{title}","startDate":"{start}","url":"{base}/e/{n}",
 "location":{{"@type":"Place","name":"Hall","address":"1 Main St, Springfield, IL 62701"}}}}"""
PAGE = """<html><head><script type="application/ld+json">[{events}]</script></head><body></body></html>"""


def q(db: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_missing_listing_stays_scheduled_and_turns_stale_after_three_runs(tmp_path: Path) -> None:
    listed = {"Spring Mixer": "2030-05-05T18:00:00-05:00", "Summer Mixer": "2030-06-05T18:00:00-05:00"}
    site = Site()
    site.routes["/robots.txt"] = b""
    site.routes["/events/"] = lambda req: PAGE.format(events=",".join(
        EVENT.format(title=t, start=s, base=site.base, n=i) for i, (t, s) in enumerate(sorted(listed.items()))))
    db = tmp_path / "w.db"
    stale: list[list[tuple[Any, ...]]] = []
    with serve(site):
        cfg = write_sources(tmp_path / "s.yml", [{"slug": "one", "platform": "schemaorg", "url": site.url("/events/")}])
        for run in range(1 + STALE_AFTER_RUNS):
            r = widen("crawl", "--db", str(db), "--config", str(cfg), env={"WIDEN_NOW": "2026-04-01T00:00:00+00:00"})
            assert r.returncode == 0, r.stderr[-3000:]
            stale.append(q(db, "SELECT title, runs_missed FROM stale_opportunities"))
            if run == 0:
                del listed["Summer Mixer"]  # the site stops listing it after the first crawl
    statuses = dict(q(db, "SELECT title, status FROM opportunities"))
    assert statuses == {"Spring Mixer": "scheduled", "Summer Mixer": "scheduled"}  # never inferred from absence
    assert stale[:STALE_AFTER_RUNS] == [[]] * STALE_AFTER_RUNS  # missed 0, 1, 2 runs: not yet
    assert stale[STALE_AFTER_RUNS] == [("Summer Mixer", STALE_AFTER_RUNS)]


def _rec(n: int, **kw: Any) -> dict[str, Any]:
    rec: dict[str, Any] = dict.fromkeys(FIELD_NAMES)
    rec.update(id=f"src:{n}", kind="networking_event", title=f"Event {n}", source="src", status="scheduled")
    return {**rec, **kw}


def _run(store: Store, started: str, **values: Any) -> None:
    pk = store.start_run("src", "schemaorg")
    store.db.conn.execute("UPDATE crawl_runs SET started = ? WHERE id = ?", (started, pk))
    store.finish_run(pk, source="src", **values)


def test_failed_runs_and_other_sources_do_not_count(tmp_path: Path) -> None:
    store = Store(tmp_path / "w.db")
    try:
        store.write([_rec(1)], now="2026-04-01T00:00:00+00:00")
        _run(store, "2026-04-02T00:00:00+00:00", finish_reason="finished", errors=0)
        _run(store, "2026-04-03T00:00:00+00:00", finish_reason="finished", errors=2)  # broken site: no evidence
        _run(store, "2026-04-04T00:00:00+00:00", finish_reason="shutdown", errors=0)
        pk = store.start_run("other", "ical")
        store.db.conn.execute("UPDATE crawl_runs SET started = '2026-04-05T00:00:00+00:00' WHERE id = ?", (pk,))
        store.finish_run(pk, source="other", finish_reason="finished", errors=0)
        _run(store, "2026-04-06T00:00:00+00:00", finish_reason="finished", errors=0)
        assert store.db.conn.execute("SELECT id FROM stale_opportunities").fetchall() == []
        _run(store, "2026-04-07T00:00:00+00:00", finish_reason="finished", errors=0)
        assert store.db.conn.execute("SELECT id, runs_missed FROM stale_opportunities").fetchall() == [("src:1", 3)]
        store.write([_rec(1)], now="2026-04-08T00:00:00+00:00")  # seen again: no longer stale
        assert store.db.conn.execute("SELECT id FROM stale_opportunities").fetchall() == []
        assert store.db.conn.execute("SELECT status FROM opportunities").fetchall() == [("scheduled",)]
    finally:
        store.db.conn.close()


def test_events_that_have_happened_are_not_stale(tmp_path: Path) -> None:
    """Calendars drop events once they are over; that absence is expected, not suspicious."""
    store = Store(tmp_path / "w.db")
    try:
        store.write([_rec(1, start="2020-05-05T18:00:00-05:00"),  # over
                     _rec(2, start="2020-05-05T18:00:00-05:00", recurrence="RRULE:FREQ=WEEKLY"),  # still meets
                     _rec(3, start="2099-05-05T18:00:00-05:00"),  # ahead
                     _rec(4, kind="board_seat")], now="2026-04-01T00:00:00+00:00")  # undated role
        for day in (2, 3, 4):
            _run(store, f"2026-04-0{day}T00:00:00+00:00", finish_reason="finished", errors=0)
        got = [r[0] for r in store.db.conn.execute("SELECT id FROM stale_opportunities ORDER BY id")]
        assert got == ["src:2", "src:3", "src:4"]
    finally:
        store.db.conn.close()


def test_the_number_of_runs_is_configurable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIDEN_STALE_AFTER_RUNS", "1")
    store = Store(tmp_path / "w.db")
    try:
        store.write([_rec(1)], now="2026-04-01T00:00:00+00:00")
        _run(store, "2026-04-02T00:00:00+00:00", finish_reason="finished", errors=0)
        assert store.db.conn.execute("SELECT id, runs_missed FROM stale_opportunities").fetchall() == [("src:1", 1)]
    finally:
        store.db.conn.close()
