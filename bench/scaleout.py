"""Scale-out: one scrapy-redis worker vs two, where extra workers pay off and where they cannot.

    python bench/scaleout.py [--lists 50 --pages-per-list 20] [--concurrency 8] [--rounds 3]

Two loopback sites of list pages linking to detail pages (one JSON-LD Event each):
  - latency-bound: every response waits 50–300 ms (fixed per URL) before it is sent, like a real
    site's, while serving costs nothing (a thread sleeps);
  - CPU-bound: answered at once, so parsing and the pipelines are the limit.
For each, `widen crawl --redis URL --workers N` (N = 1, 2) runs with `widen drain --follow`
alongside (the single SQLite writer, as deployed); the time is from start until the drain has
stored the last item, so it includes the drain's tail. Printed per case: pages/min (median of the
interleaved rounds with min–max), the 2/1 ratio, CPU seconds per worker process and of the
drain, pages fetched twice, items stored, and the drain's tail after the workers finished.
Goal: 2 workers >= 1.6x one in the latency-bound case with 0 pages fetched twice.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from conftest import Site, free_port, serve, write_sources  # noqa: E402
from opsites import event_site, event_source  # noqa: E402

ENV = {**os.environ, "WIDEN_CONFIG": str(ROOT / "config"), "WIDEN_NOW": "2026-03-01T06:00:00+00:00"}
WIDEN = [sys.executable, "-m", "crawlers.cli"]


def delayed(path: str, body: str) -> Any:
    """A route that answers after 50–300 ms, the same for a URL every time."""
    wait = (50 + zlib.crc32(path.encode()) % 251) / 1000

    def route(_request: Any) -> str:
        time.sleep(wait)
        return body

    return route


def site_routes(lists: int, per_list: int, latency: bool) -> dict[str, Any]:
    routes = event_site(lists, per_list)
    if latency:
        routes = {p: (delayed(p, b) if p != "/robots.txt" else b) for p, b in routes.items()}
    return routes


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime



def one_run(site: Any, cfg: Path, url: str, db: Path, workers: int, run_key: str, concurrency: int) -> dict[str, float]:
    site.hits.clear()
    t0 = time.perf_counter()
    drain = subprocess.Popen([*WIDEN, "drain", "--redis", url, "--db", str(db), "--config", str(cfg), "--follow"],
                             env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cpu0 = children_cpu()
    crawl = subprocess.run([*WIDEN, "crawl", "--redis", url, "--workers", str(workers), "--run-key", run_key,
                            "--config", str(cfg), "--quiet", "--progress", "off", "--set", "AUTOTHROTTLE_ENABLED=false",
                            "--set", f"CONCURRENT_REQUESTS_PER_DOMAIN={concurrency}", "--set", "LOG_LEVEL=ERROR"],
                           env=ENV, capture_output=True, text=True)
    if crawl.returncode not in (0, 1):
        sys.exit(f"workers failed:\n{crawl.stderr[-3000:]}")
    crawled = time.perf_counter()
    workers_cpu = children_cpu() - cpu0
    drain.send_signal(signal.SIGTERM)  # it stores what is left, then stops
    drain.wait(120)
    done = time.perf_counter()
    drain_cpu = children_cpu() - cpu0 - workers_cpu
    hits = Counter(site.hits)
    conn = sqlite3.connect(db)
    items = conn.execute("SELECT count(*) FROM opportunities").fetchone()[0]
    conn.close()
    return {"pages_min": sum(hits.values()) / (done - t0) * 60, "cpu_per_worker": workers_cpu / workers,
            "drain_cpu": drain_cpu, "twice": sum(1 for p, n in hits.items() if n > 1 and p != "/robots.txt"),
            "items": items, "tail": done - crawled, "secs": done - t0}


def _med(values: list[float], fmt: str = "{:.0f}") -> str:
    v = sorted(values)
    return f"{fmt.format(statistics.median(v))} ({fmt.format(v[0])}–{fmt.format(v[-1])})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lists", type=int, default=50)
    ap.add_argument("--pages-per-list", type=int, default=20)
    ap.add_argument("--concurrency", type=int, default=8, help="CONCURRENT_REQUESTS_PER_DOMAIN per worker")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds (>= 3)")
    a = ap.parse_args()
    redis_server = shutil.which("redis-server")
    if redis_server is None:
        sys.exit("redis-server not found (apt-get install redis-server)")
    rounds = max(3, a.rounds)
    got: dict[tuple[str, int], list[dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        port = free_port()
        redis = subprocess.Popen([redis_server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                  "--appendonly", "no", "--dir", str(tmp)], stdout=subprocess.DEVNULL)
        url = f"redis://127.0.0.1:{port}/0"
        try:
            time.sleep(0.5)
            sites = {case: site_routes(a.lists, a.pages_per_list, case == "latency") for case in ("latency", "cpu")}
            n_pages = len(sites["cpu"]) - 1
            print(f"{n_pages} pages per site; {os.cpu_count()} CPUs; per-domain concurrency {a.concurrency} per "
                  f"worker; {rounds} interleaved rounds; figures: median (min–max)")
            for r in range(rounds):
                for case, routes in sites.items():
                    with serve(Site(routes=routes)) as site:
                        cfg = write_sources(tmp / f"{case}.yml", [event_source(case, site.url("/events/"))])
                        for workers in (1, 2):
                            run = one_run(site, cfg, url, tmp / f"{case}-{workers}-{r}.db", workers,
                                          f"{case}-{workers}-{r}", a.concurrency)
                            got.setdefault((case, workers), []).append(run)
        finally:
            redis.terminate()
            redis.wait()
    for case, label in (("latency", "latency-bound (50–300 ms a response)"), ("cpu", "CPU-bound (no wait)")):
        one, two = got[(case, 1)], got[(case, 2)]
        ratio = statistics.median(x["pages_min"] for x in two) / statistics.median(x["pages_min"] for x in one)
        print(f"{label}: 2 workers / 1 worker = {ratio:.2f}" + (" (goal >= 1.6)" if case == "latency" else ""))
        for workers, runs in ((1, one), (2, two)):
            print(f"  {workers} worker{'s' if workers > 1 else ' '}: {_med([x['pages_min'] for x in runs])} pages/min "
                  f"incl. drain; CPU s per worker {_med([x['cpu_per_worker'] for x in runs], '{:.1f}')}, drain "
                  f"{_med([x['drain_cpu'] for x in runs], '{:.1f}')}; drain tail {_med([x['tail'] for x in runs], '{:.1f}')} s; "
                  f"fetched twice {max(x['twice'] for x in runs):.0f}; items {min(x['items'] for x in runs):.0f}")


if __name__ == "__main__":
    main()
