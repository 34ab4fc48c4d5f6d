"""Crawl throughput: one local worker vs `scrapy bench`, in one run (scale-out: bench/scaleout.py).

    python bench/crawl.py [--pages-per-list 20 --lists 100] [--concurrency 16] [--rounds 3]

Serves a generated loopback site (list pages linking to detail pages with one JSON-LD Event each;
default 100 × 20 = 2,100 pages), then measures pages/min of:
  1. `widen crawl` (one process, full pipelines into SQLite),
  2. `scrapy bench` (Scrapy's own ceiling on this machine: no parsing, no pipelines), with its
     defaults and with CONCURRENT_ITEMS=1 as widen sets it.
Every figure is a whole-run average: pages fetched / wall-clock seconds of the process, start-up
included (~2 s; a scheduled run pays it too); for `scrapy bench` its final
`response_received_count` over its wall-clock time (not the peak rate its log shows). Rounds are
interleaved (widen, bench, widen, bench, …) so a busy neighbour slows all alike; each figure is
the median of the rounds with its spread (min–max).
"""

from __future__ import annotations

import argparse
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
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


def scrapy_bench(seconds: int, *settings: str) -> float:
    """Whole-run pages/min of `scrapy bench` (run outside the project, so Scrapy's defaults)."""
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    sets = [a for kv in settings for a in ("-s", kv)]
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        r = subprocess.run([sys.executable, "-m", "scrapy", "bench", "-s", f"CLOSESPIDER_TIMEOUT={seconds}", *sets],
                           capture_output=True, text=True, cwd=tmp, env=env)
        secs = time.perf_counter() - t
    got = re.findall(r"'response_received_count': (\d+)", r.stderr)
    if not got:
        sys.exit(f"scrapy bench printed no stats:\n{r.stderr[-2000:]}")
    return int(got[-1]) / secs * 60


def _med(values: list[float]) -> str:
    v = sorted(values)
    return f"{statistics.median(v):7.0f} ({v[0]:.0f}–{v[-1]:.0f})"


def _count(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT count(*) FROM opportunities").fetchone()[0])
    finally:
        conn.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lists", type=int, default=100)
    ap.add_argument("--pages-per-list", type=int, default=20)
    ap.add_argument("--concurrency", type=int, default=16, help="CONCURRENT_REQUESTS_PER_DOMAIN")
    ap.add_argument("--bench-seconds", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds (>= 3)")
    a = ap.parse_args()
    routes = event_site(a.lists, a.pages_per_list)
    n_pages = len(routes) - 1  # robots.txt aside
    knobs = ["--quiet", "--progress", "off", "--set", "AUTOTHROTTLE_ENABLED=false",
             "--set", f"CONCURRENT_REQUESTS_PER_DOMAIN={a.concurrency}", "--set", "LOG_LEVEL=ERROR"]
    print(f"site: {n_pages} pages ({a.lists} list pages, {n_pages - a.lists} detail pages); "
          f"{os.cpu_count()} CPUs; per-domain concurrency {a.concurrency}; {max(3, a.rounds)} interleaved rounds")
    one: list[float] = []
    bench: list[float] = []
    bench1: list[float] = []
    items = 0
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        with serve(Site(routes=routes)) as site:
            cfg = write_sources(tmp / "s.yml", [event_source("bench", site.url("/events/"))])
            for r in range(max(3, a.rounds)):
                site.hits.clear()
                secs, _ = widen("crawl", "--db", str(tmp / f"one{r}.db"), "--config", str(cfg), *knobs, cwd=tmp)
                one.append(len(site.hits) / secs * 60)
                items = _count(tmp / f"one{r}.db")
                bench.append(scrapy_bench(a.bench_seconds))
                bench1.append(scrapy_bench(a.bench_seconds, "CONCURRENT_ITEMS=1"))
    m1, mb, mb1 = (statistics.median(x) for x in (one, bench, bench1))
    print("pages/min, median (min–max) of whole runs:")
    print(f"  1 worker (widen crawl):            {_med(one)}; {items} items stored")
    print(f"  scrapy bench (defaults):           {_med(bench)}")
    print(f"  scrapy bench (CONCURRENT_ITEMS=1): {_med(bench1)}")
    print(f"ratios: 1 worker / scrapy bench = {m1 / mb:.2f} (goal >= 0.7); 1 worker / scrapy bench with "
          f"CONCURRENT_ITEMS=1 = {m1 / mb1:.2f}")


if __name__ == "__main__":
    main()
