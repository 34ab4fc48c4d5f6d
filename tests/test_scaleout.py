"""Scale-out on scrapy-redis against a real redis-server (Debian's package, started here on a
free loopback port): two worker processes share one queue and dupefilter, `widen drain` is the
single writer into SQLite."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import Site, free_port, serve, widen, write_sources
from opsites import event_site, event_source

from crawlers import scaleout

NOW = {"WIDEN_NOW": "2026-03-01T06:00:00+00:00"}



@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.skip("redis-server not installed (Debian package redis-server; .ci/run installs it)")
    port = free_port()
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    client = scaleout.connect(url)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except Exception:
            if time.monotonic() > deadline:
                proc.kill()
                raise
            time.sleep(0.05)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def test_claim_clears_a_source_once_per_run(redis_url: str) -> None:
    r = scaleout.connect(redis_url)
    r.sadd(scaleout.key("s", "dupefilter"), "fp-from-last-run")
    r.zadd(scaleout.key("s", "requests"), {b"old-request": 0})
    assert scaleout.claim_run(r, ["s"], "run-1") == ["s"]  # first worker of run-1 clears
    assert not r.exists(scaleout.key("s", "dupefilter")) and not r.exists(scaleout.key("s", "requests"))
    r.sadd(scaleout.key("s", "dupefilter"), "fp-of-run-1")
    assert scaleout.claim_run(r, ["s"], "run-1") == []  # a second worker joins without clearing
    assert r.sismember(scaleout.key("s", "dupefilter"), "fp-of-run-1")
    assert scaleout.claim_run(r, ["s"], "run-2") == ["s"]  # the next scheduled run starts afresh


def slow(i: int, body: str) -> Any:
    def route(_request: Any) -> str:
        time.sleep(0.05)
        return body
    return route


@pytest.mark.slow
def test_two_workers_fetch_each_page_once_and_drain_stores_each_item_once(redis_url: str, tmp_path: Path) -> None:
    # 50 list pages + 1,000 detail pages, each detail answered after 50 ms like a real server: one
    # worker alone (8 requests in flight) cannot finish before the other has taken its share.
    routes = event_site(50, 20, detail=slow)
    pages = [p for p in routes if p != "/robots.txt"]
    assert len(pages) >= 1000
    with serve(Site(routes=routes)) as site:
        cfg = write_sources(tmp_path / "s.yml", [event_source("big", site.url("/events/"))])
        crawl = widen("crawl", "--redis", redis_url, "--workers", "2", "--run-key", "t1", "--config", str(cfg),
                      "--quiet", "--set", "AUTOTHROTTLE_ENABLED=false", "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=8",
                      "--set", "WIDEN_REDIS_IDLE_GRACE=3", env=NOW, cwd=tmp_path)
        assert crawl.returncode == 0, crawl.stderr[-3000:]
        hits = Counter(site.hits)
    assert {p: n for p, n in hits.items() if n != 1 and p != "/robots.txt"} == {}  # nothing fetched twice
    assert set(hits) - {"/robots.txt"} == set(pages)  # ... and nothing missed
    finals = [line for line in crawl.stderr.splitlines() if line.startswith("progress big:") and "finished" in line]
    per_worker = [int(line.split("pages=")[1].split()[0]) for line in finals]
    # Both workers shared the work: neither hoarded links it could not download yet.
    assert len(per_worker) == 2 and min(per_worker) > 0.25 * sum(per_worker), crawl.stderr[-3000:]

    db = tmp_path / "w.db"
    drained = widen("drain", "--redis", redis_url, "--db", str(db), "--config", str(cfg), env=NOW)
    assert drained.returncode == 0, drained.stderr[-3000:]
    assert "drained 1000 item(s) and 2 worker report(s)" in drained.stderr
    conn = sqlite3.connect(db)
    (count, distinct), = conn.execute("SELECT count(*), count(DISTINCT title) FROM opportunities").fetchall()
    runs = conn.execute("SELECT run_id, items, new, updated, unchanged, pages, finish_reason, monitor_failures "
                        "FROM crawl_runs").fetchall()
    status = conn.execute("SELECT last_status FROM sources WHERE slug = 'big'").fetchone()
    conn.close()
    assert count == distinct == 1000
    assert runs == [("t1", 1000, 1000, 0, 0, len(pages) + 2, "finished", "[]")]  # + robots.txt once per worker
    assert status == ("ok",)
    assert scaleout.connect(redis_url).llen(scaleout.ITEMS_KEY) == 0


@pytest.mark.slow
def test_a_worker_killed_mid_crawl_loses_no_page(redis_url: str, tmp_path: Path) -> None:
    """Worker A is killed (SIGKILL: no clean-up) while it holds requests; their leases expire and
    worker B fetches them, so every page is fetched and every item stored."""
    import os
    import signal
    import sys

    routes = event_site(20, 20, detail=slow)
    pages = {p for p in routes if p != "/robots.txt"}
    with serve(Site(routes=routes)) as site:
        cfg = write_sources(tmp_path / "s.yml", [event_source("kill", site.url("/events/"))])
        args = [sys.executable, "-m", "crawlers.cli", "crawl", "--redis", redis_url, "--run-key", "k1", "--config",
                str(cfg), "--quiet", "--progress", "off", "--set", "AUTOTHROTTLE_ENABLED=false",
                "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=8", "--set", "WIDEN_REDIS_IDLE_GRACE=2",
                "--set", "WIDEN_REDIS_LEASE_SECONDS=2"]
        env = {**os.environ, **NOW, "WIDEN_CONFIG": str(Path(__file__).resolve().parent.parent / "config")}
        a = subprocess.Popen(args, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        b = subprocess.Popen(args, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 60
            while len(site.hits) < 120 and time.monotonic() < deadline:
                time.sleep(0.05)
            leases = scaleout.connect(redis_url).zcard(scaleout.key("kill", "leases"))
            a.send_signal(signal.SIGKILL)
            a.wait(10)
            _, err = b.communicate(timeout=120)
        finally:
            for p in (a, b):
                if p.poll() is None:
                    p.kill()
        assert b.returncode == 0, err.decode()[-3000:]
        hits = Counter(site.hits)
    assert set(hits) - {"/robots.txt"} == pages  # nothing lost
    assert leases > 0  # A was killed holding work
    db = tmp_path / "w.db"
    drained = widen("drain", "--redis", redis_url, "--db", str(db), "--config", str(cfg), env=NOW)
    assert drained.returncode == 0, drained.stderr[-3000:]
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(DISTINCT id) FROM opportunities").fetchone() == (400,)
    conn.close()
    assert scaleout.connect(redis_url).zcard(scaleout.key("kill", "leases")) == 0
