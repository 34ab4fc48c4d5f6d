"""Every platform spider crawls its loopback test site through the real CLI and Scrapy.

One `widen crawl` run covers all the sites at once (one CrawlerProcess, one crawler per source, as
in production), so the whole module costs one subprocess; each test then checks one platform:
pages fetched (paging completed), items stored, robots.txt obeyed, errors recorded.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, widen, write_sources
from sites import BUILDERS, FAST, NOW, PlatformSite, serve_all
from sites.volunteer import TEST_KEY, UNSET_KEY

from crawlers.detect import detect

DETECTED = "galaxy"  # crawled a second time from the entry `widen sources add` makes for it


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("crawl")
    with serve_all({**BUILDERS, "detected": BUILDERS[DETECTED]}) as built:
        detected = built["detected"]
        entry = detect(detected.detect_url).entry(slug="t-detected", timezone="America/New_York")
        detected.source = {**entry, "options": {**entry.get("options", {}), **FAST, "page_size": 3}}
        cfg = write_sources(tmp / "sources.yml", [b.source for b in built.values()])
        db = tmp / "widen.db"
        env = {k: v for k, v in os.environ.items() if k != UNSET_KEY}
        proc = widen("crawl", "--config", str(cfg), "--db", str(db),
                     env={**env, "WIDEN_NOW": NOW.isoformat(), "WIDEN_TEST_VM_KEY": TEST_KEY,
                          "WIDEN_TEST_IDEALIST_KEY": TEST_KEY})
        conn = sqlite3.connect(db)
        conn.row_factory = sqlite3.Row
        runs = {r["source"]: dict(r) for r in conn.execute("SELECT * FROM crawl_runs")}
        stored = {slug: n for slug, n in conn.execute("SELECT source, count(*) FROM opportunities GROUP BY source")}
        yield {"built": built, "proc": proc, "runs": runs, "stored": stored, "conn": conn}
        conn.close()


def test_every_source_ran(crawled: dict[str, Any]) -> None:
    built, runs = crawled["built"], crawled["runs"]
    assert set(runs) == {b.slug for b in built.values()}, crawled["proc"].stderr[-3000:]
    assert "Unhandled error" not in crawled["proc"].stderr, crawled["proc"].stderr[-3000:]
    # A callback that raised shows in the stats dump as spider_exceptions/<type>.
    assert "spider_exceptions/" not in crawled["proc"].stderr, crawled["proc"].stderr[-3000:]


@pytest.mark.parametrize("name", [*BUILDERS, "detected"])
def test_platform_crawl(crawled: dict[str, Any], name: str) -> None:
    b: PlatformSite = crawled["built"][name]
    run = crawled["runs"].get(b.slug)
    assert run, f"no crawl_runs row for {b.slug}: {crawled['proc'].stderr[-2000:]}"
    if "skipped" in b.extra:  # a key-based source without its key: one line, recorded, no request
        assert run["finish_reason"] == b.extra["skipped"] and b.site.hits == []
        assert crawled["proc"].stderr.count(f"{b.slug}: {b.extra['skipped']}") == 1
        return
    assert run["finish_reason"] == "finished", run
    # The spider's own error list (request failures, bad pages). crawl_runs.errors also adds the
    # process-wide log_count/ERROR, which other sources' monitor failures inflate in a shared run.
    if "error" in b.extra:  # a source that cannot work says why
        assert b.extra["error"] in (run["error_messages"] or ""), run["error_messages"]
    else:
        assert run["error_messages"] is None, run["error_messages"]
    missing = [p for p in b.must_fetch if p not in b.site.hits and not b.fetched(p)]
    assert not missing, f"{name}: never fetched {missing}; hits: {b.site.hits}"
    assert not any(h.startswith(b.never_fetch) for h in b.site.hits), f"{name}: fetched disallowed {b.never_fetch}"
    assert run["pages"] >= len(b.must_fetch)
    stored = crawled["stored"].get(b.slug, 0)
    assert stored == b.items, f"{name}: {stored} items stored, expected {b.items}"


def test_paging_stops_at_the_end(crawled: dict[str, Any]) -> None:
    """Cursor paging fetches each page once and nothing past the last one."""
    built = crawled["built"]
    tribe_api = [h for h in built["tribe"].site.hits if h.startswith("/wp-json/")]
    assert len(tribe_api) == built["tribe"].extra["pages"], tribe_api
    assert sorted(built["mobilizon"].extra["graphql_pages"]) == [1, 2]
    bevy = built["bevy"]
    assert len([h for h in bevy.site.hits if h.startswith(bevy.extra["pages_path"])]) == bevy.extra["pages"]
    galaxy = built["galaxy"].site.hits
    assert not any(h.startswith("/need/index/12") for h in galaxy), "the walk stops at the first page without needs"
    assert len(built["volunteermatch"].extra["keys"]) == built["volunteermatch"].extra["posts"]


def test_keys_sent_but_never_stored_or_logged(crawled: dict[str, Any]) -> None:
    built = crawled["built"]
    assert set(built["volunteermatch"].extra["keys"]) == {TEST_KEY}
    assert all(a.startswith("Basic ") for a in built["idealist"].extra["auths"])
    assert TEST_KEY not in crawled["proc"].stderr + crawled["proc"].stdout
    dump = "\n".join(crawled["conn"].iterdump())
    assert TEST_KEY not in dump


def test_items_carry_source_and_platform(crawled: dict[str, Any]) -> None:
    rows = crawled["conn"].execute("SELECT source, platform, url FROM opportunities").fetchall()
    assert rows
    for r in rows:
        assert r["source"].startswith("t-") and r["platform"]




def test_native_scrapy_crawl(tmp_path: Path) -> None:
    """`scrapy crawl <platform> -a source=<slug>` runs a configured source without the widen CLI."""
    with serve_all({"reach": BUILDERS["reach"]}) as built:
        b = built["reach"]
        cfg = write_sources(tmp_path / "sources.yml", [b.source])
        db = tmp_path / "native.db"
        proc = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "reach", "-a", f"source={b.slug}",
                               "-a", f"config={cfg}", "-s", f"WIDEN_DB={db}", "-s", "LOG_LEVEL=WARNING"],
                              capture_output=True, text=True, cwd=ROOT, timeout=120,
                              env={**os.environ, "WIDEN_CONFIG": str(ROOT / "config"), "WIDEN_NOW": NOW.isoformat()})
    assert proc.returncode == 0, proc.stderr[-2000:]
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM opportunities WHERE source = ?", (b.slug,)).fetchone()[0] == b.items
    conn.close()


def test_ical_records_the_producer_from_prodid(crawled: dict[str, Any]) -> None:
    """The generic iCal spider stores each feed's producer (PRODID) as the platform."""
    rows = dict(crawled["conn"].execute(
        "SELECT source, group_concat(DISTINCT platform) FROM opportunities WHERE source LIKE 't-ical%' GROUP BY source"))
    assert rows == {"t-ical": "tribe", "t-ical-probe": "google_calendar"}
