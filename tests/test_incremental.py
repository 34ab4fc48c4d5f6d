"""Incremental and resumable crawls, and politeness on the wire:
- a re-crawl revalidates with ETag (If-None-Match) and the server's 304s carry no body;
- an interrupted crawl (one SIGINT, Scrapy's graceful stop) resumes from its JOBDIR without
  refetching the pages it already had;
- Retry-After on 429/503 delays the retry (capped)."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from conftest import ROOT, Request, Site, serve, widen, write_sources
from opsites import event_site, event_source

from crawlers.extensions import retry_after_seconds

NOW = {"WIDEN_NOW": "2026-03-01T06:00:00+00:00"}
FAST = ("--set", "AUTOTHROTTLE_ENABLED=false")


def with_etag(log: list[tuple[str, int, str | None]]) -> Any:
    """Wrap a body as a route that honours If-None-Match and logs (path, status, If-None-Match)."""

    def wrap(_i: int, body: str) -> Any:
        tag = '"' + hashlib.sha1(body.encode()).hexdigest()[:16] + '"'

        def route(req: Request) -> tuple[int, dict[str, str], bytes]:
            sent = req.headers.get("If-None-Match")
            status = 304 if sent == tag else 200
            log.append((req.path, status, sent))
            return status, {"ETag": tag}, b"" if status == 304 else body.encode()

        return route

    return wrap


def test_recrawl_revalidates_with_etag_and_fetches_no_body(tmp_path: Path) -> None:
    log: list[tuple[str, int, str | None]] = []
    wrap = with_etag(log)
    routes = event_site(2, 5, detail=wrap)
    for path in ("/events/", "/events/page/2/"):
        routes[path] = wrap(0, routes[path])
    with serve(Site(routes=routes)) as site:
        cfg = write_sources(tmp_path / "s.yml", [event_source("etags", site.url("/events/"))])
        db = tmp_path / "w.db"
        first = widen("crawl", "--db", str(db), "--config", str(cfg), "--quiet", *FAST, env=NOW)
        assert first.returncode == 0, first.stderr[-2000:]
        n_first = len(log)
        second = widen("crawl", "--db", str(db), "--config", str(cfg), "--quiet", *FAST, env=NOW)
        assert second.returncode == 0, second.stderr[-2000:]
    assert n_first == 12 and all(status == 200 for _, status, _ in log[:n_first])
    again = log[n_first:]
    assert len(again) == 12  # every page asked again ...
    assert all(sent is not None for _, _, sent in again)  # ... conditionally (If-None-Match) ...
    assert all(status == 304 for _, status, _ in again)  # ... and answered without a body
    conn = sqlite3.connect(db)
    runs = conn.execute("SELECT new, updated, unchanged, items FROM crawl_runs ORDER BY id").fetchall()
    (count,), = conn.execute("SELECT count(*) FROM opportunities").fetchall()
    conn.close()
    assert runs == [(10, 0, 0, 10), (0, 0, 10, 10)]  # the store saw the same 10 listings, unchanged
    assert count == 10
    assert (tmp_path / "w.httpcache").is_dir()


def test_interrupted_crawl_resumes_without_refetching(tmp_path: Path) -> None:
    hits: list[str] = []
    lock = threading.Lock()

    def slow(_i: int, body: str) -> Any:
        def route(req: Request) -> str:
            with lock:
                hits.append(req.path)
            time.sleep(0.25)
            return body

        return route

    routes = event_site(3, 10, detail=slow)
    details = [p for p in routes if "/e-" in p]
    with serve(Site(routes=routes)) as site:
        cfg = write_sources(tmp_path / "s.yml", [event_source("slow", site.url("/events/"))])
        db, job = tmp_path / "w.db", tmp_path / "job"
        args = [sys.executable, "-m", "crawlers.cli", "crawl", "--db", str(db), "--config", str(cfg), "--quiet",
                "--resume", str(job), *FAST, "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=2"]
        env = {**os.environ, **NOW}
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while len(hits) < 6 and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        done_first = len(hits)
        assert 6 <= done_first < len(details), err[-2000:]
        second = widen("crawl", "--db", str(db), "--config", str(cfg), "--quiet", "--resume", str(job), *FAST,
                       env=NOW)
        assert second.returncode == 0, second.stderr[-2000:]
    assert sorted(hits) == sorted(details)  # every detail page fetched exactly once over both runs
    conn = sqlite3.connect(db)
    reasons = [r[0] for r in conn.execute("SELECT finish_reason FROM crawl_runs ORDER BY id")]
    (count,), = conn.execute("SELECT count(*) FROM opportunities").fetchall()
    conn.close()
    assert reasons == ["shutdown", "finished"]
    assert count == len(details)
    assert (job / "slow" / "requests.seen").exists()


def test_retry_after_delays_the_retry_and_is_capped(tmp_path: Path) -> None:
    times: dict[str, list[float]] = {"/a/": [], "/b/": []}
    later = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 3600))

    def limited(path: str, status: int, header: str) -> Any:
        def route(req: Request) -> tuple[int, dict[str, str], bytes]:
            times[path].append(time.monotonic())
            if len(times[path]) == 1:
                return status, {"Retry-After": header}, b"slow down"
            return 200, {}, b"<html><body>ok</body></html>"

        return route

    routes = {"/robots.txt": "User-agent: *\nAllow: /\n", "/a/": limited("/a/", 429, "2"),
              "/b/": limited("/b/", 503, later)}
    with serve(Site(routes=routes)) as site:
        cfg = write_sources(tmp_path / "s.yml", [
            event_source("a", site.url("/a/")), event_source("b", site.url("/b/"))])
        r = widen("crawl", "--db", str(tmp_path / "w.db"), "--config", str(cfg), "--quiet", *FAST,
                  "--set", "RETRY_AFTER_MAX=3", env=NOW)
    assert r.returncode in (0, 1) and "crawl summary" in r.stderr, r.stderr[-2000:]  # 1: the pages hold no events
    a, b = times["/a/"], times["/b/"]
    assert len(a) == 2 and 1.9 <= a[1] - a[0] < 4.0  # waited the 2 s asked (slack for a loaded CI machine)
    assert len(b) == 2 and 2.9 <= b[1] - b[0] < 6.0  # an hour asked, capped at 3 s


def test_retry_after_parsing() -> None:
    assert retry_after_seconds(b"7", cap=60) == 7
    assert retry_after_seconds("120", cap=60) == 60
    assert retry_after_seconds(None, cap=60) is None and retry_after_seconds("soon", cap=60) is None
    import datetime as dt

    now = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
    assert retry_after_seconds("Sun, 01 Mar 2026 12:00:30 GMT", cap=60, now=now) == 30
    assert retry_after_seconds("Sun, 01 Mar 2026 11:00:00 GMT", cap=60, now=now) == 0


def test_item_concurrency_changes_speed_not_what_is_stored(tmp_path: Path) -> None:
    """widen runs its (synchronous) pipelines with CONCURRENT_ITEMS = 1 for speed; a crawl at
    Scrapy's default of 100 stores exactly the same rows."""
    from crawlers.settings import CONCURRENT_ITEMS

    assert CONCURRENT_ITEMS == 1
    rows = {}
    with serve(Site(routes=event_site(3, 8))) as site:
        cfg = write_sources(tmp_path / "s.yml", [event_source("items", site.url("/events/"))])
        for n in (1, 100):
            db = tmp_path / f"w{n}.db"
            r = widen("crawl", "--db", str(db), "--config", str(cfg), "--quiet", *FAST,
                      "--set", f"CONCURRENT_ITEMS={n}", env=NOW)
            assert r.returncode == 0, r.stderr[-2000:]
            conn = sqlite3.connect(db)
            rows[n] = sorted(conn.execute("SELECT id, content_hash, title, start FROM opportunities"))
            conn.close()
    assert len(rows[1]) == 24 and rows[1] == rows[100]
