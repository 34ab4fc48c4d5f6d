"""Crawl throughput: one local worker vs two scrapy-redis workers vs `scrapy bench`, in one run.

    python bench/crawl.py [--pages-per-list 20 --lists 100] [--concurrency 16]

Serves a generated loopback site (list pages linking to detail pages with one JSON-LD Event each;
default 100 × 20 = 2,100 pages), then measures wall-clock pages/min of:
  1. `widen crawl` (one process, full pipelines into SQLite),
  2. `widen crawl --redis URL --workers 2` (two processes sharing a redis-server started here on a
     free loopback port; items go to Redis) followed by `widen drain` (timed separately),
  3. `scrapy bench` (Scrapy's own ceiling on this machine: no parsing, no pipelines).
Wall-clock includes process start-up (~2 s each), as a scheduled run pays it too.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from conftest import Site, serve, write_sources  # noqa: E402
from opsites import event_site, event_source  # noqa: E402

ENV = {**os.environ, "WIDEN_CONFIG": str(ROOT / "config"), "WIDEN_NOW": "2026-03-01T06:00:00+00:00"}


def widen(*args: str, cwd: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "crawlers.cli", *args], capture_output=True, text=True, env=ENV,
                       cwd=cwd)
    if r.returncode not in (0, 1):
        sys.exit(f"widen {' '.join(args)} failed:\n{r.stderr[-3000:]}")
    return time.perf_counter() - t, r


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scrapy_bench(seconds: int) -> float:
    """Peak pages/min `scrapy bench` reports (default settings: run outside the project)."""
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    with tempfile.TemporaryDirectory() as tmp:
        r = subprocess.run([sys.executable, "-m", "scrapy", "bench", "-s", f"CLOSESPIDER_TIMEOUT={seconds}",
                            "-s", "LOGSTATS_INTERVAL=2"], capture_output=True, text=True, cwd=tmp, env=env)
    rates = [int(x) for x in re.findall(r"at (\d+) pages/min", r.stderr)]
    if not rates:
        sys.exit(f"scrapy bench printed no rate:\n{r.stderr[-2000:]}")
    return float(max(rates))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lists", type=int, default=100)
    ap.add_argument("--pages-per-list", type=int, default=20)
    ap.add_argument("--concurrency", type=int, default=16, help="CONCURRENT_REQUESTS_PER_DOMAIN per worker")
    ap.add_argument("--bench-seconds", type=int, default=20)
    a = ap.parse_args()
    redis_server = shutil.which("redis-server")
    if redis_server is None:
        sys.exit("redis-server not found (apt-get install redis-server)")
    routes = event_site(a.lists, a.pages_per_list)
    n_pages = len(routes) - 1  # robots.txt aside
    knobs = ["--quiet", "--progress", "off", "--set", "AUTOTHROTTLE_ENABLED=false",
             "--set", f"CONCURRENT_REQUESTS_PER_DOMAIN={a.concurrency}", "--set", "LOG_LEVEL=ERROR"]
    print(f"site: {n_pages} pages ({a.lists} list pages, {n_pages - a.lists} detail pages); "
          f"{os.cpu_count()} CPUs; per-domain concurrency {a.concurrency}")
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        port = free_port()
        redis = subprocess.Popen([redis_server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                  "--appendonly", "no", "--dir", str(tmp)], stdout=subprocess.DEVNULL)
        url = f"redis://127.0.0.1:{port}/0"
        try:
            time.sleep(0.5)
            with serve(Site(routes=routes)) as site:
                cfg = write_sources(tmp / "s.yml", [event_source("bench", site.url("/events/"))])
                secs1, r1 = widen("crawl", "--db", str(tmp / "one.db"), "--config", str(cfg), *knobs, cwd=tmp)
                conn = sqlite3.connect(tmp / "one.db")
                (items1,), = conn.execute("SELECT count(*) FROM opportunities").fetchall()
                conn.close()
                hits1 = len(site.hits)
                site.hits.clear()
                secs2, r2 = widen("crawl", "--redis", url, "--workers", "2", "--run-key", "bench", "--config",
                                  str(cfg), *knobs, cwd=tmp)
                hits2 = Counter(site.hits)
            secs_drain, rd = widen("drain", "--redis", url, "--db", str(tmp / "two.db"), "--config", str(cfg),
                                   cwd=tmp)
            conn = sqlite3.connect(tmp / "two.db")
            (items2,), = conn.execute("SELECT count(*) FROM opportunities").fetchall()
            conn.close()
        finally:
            redis.terminate()
            redis.wait()
    pages2 = sum(hits2.values())
    twice = sum(1 for p, n in hits2.items() if n > 1 and p != "/robots.txt")
    bench = scrapy_bench(a.bench_seconds)
    one, two = hits1 / secs1 * 60, pages2 / secs2 * 60
    print(f"1 worker (widen crawl):        {hits1:5d} pages in {secs1:6.1f} s = {one:7.0f} pages/min; "
          f"{items1} items stored")
    print(f"2 redis workers:               {pages2:5d} pages in {secs2:6.1f} s = {two:7.0f} pages/min; "
          f"pages fetched twice: {twice}")
    print(f"  + widen drain:               {items2:5d} items in {secs_drain:6.1f} s = "
          f"{items2 / secs_drain * 60:7.0f} items/min into SQLite")
    print(f"scrapy bench (ceiling):        {bench:7.0f} pages/min")
    print(f"ratios: 2 workers / 1 worker = {two / one:.2f}; 1 worker / scrapy bench = {one / bench:.2f}; "
          f"2 workers / scrapy bench = {two / bench:.2f}")


if __name__ == "__main__":
    main()
