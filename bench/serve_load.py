"""`widen serve` under load at 1M listings: p50/p95 per page and requests/s at 1, 8 and 32 clients.

    python bench/serve_load.py [--db /tmp/widen-1m.db] [--rows 1000000] [--rounds 3] [--requests 64]

Builds the database with bench/datasette_1m.py's generator when the file is missing (reused
after), serves it with `widen serve` on a free loopback port, and for each page and each client
count sends a bounded number of requests (`--requests`, at least one per client; each times out
after 60 s) from that many threads at once. Pages: the results view, the exclusion (reach) view,
a search for a common word, and the baseline — the same table as JSON without facets or count,
which costs what reading 50 rows costs. Rounds are interleaved (every page and client count once
per round); each figure is the median of the rounds with its spread (min–max). The start is
cold (tallies a previous start kept are removed), so "first request" is what the first reader of
each page waits for while the start-up tally runs.
Goals: results page p50 <= 0.5 s at 1M rows; exclusion and search <= 1 s; 32 clients >= 10 req/s,
0 errors.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

from conftest import free_port  # noqa: E402

# Paths under the database's name (its file name without .db).
PAGES = {
    "baseline JSON (no facets, no count)": "/opportunities.json?_nofacet=1&_nocount=1&_size=50",
    "results view": "/opportunities",
    "exclusion view (_reach=1)": "/opportunities?_reach=1&_sort_desc=reach_score",
    "search (common word)": "/opportunities?_search=networking",
    "facet click (kind=board_seat)": "/opportunities?kind=board_seat",
}
CLIENTS = (1, 8, 32)
TIMEOUT = 60.0



def wait_for(port: int, proc: subprocess.Popen[bytes], seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit("widen serve exited early")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/-/versions.json", timeout=5):
                return
        except OSError:
            time.sleep(0.5)
    sys.exit("widen serve did not answer")


def one(url: str) -> float | None:
    """Seconds for one request, None for an error or a time-out."""
    t = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as r:
            r.read()
            if r.status != 200:
                return None
    except (urllib.error.URLError, OSError):
        return None
    return time.perf_counter() - t


def load(url: str, clients: int, n: int) -> tuple[list[float], int, float]:
    """(latencies, errors, requests/s) of n requests from `clients` threads."""
    t = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        got = list(pool.map(one, [url] * n))
    wall = time.perf_counter() - t
    ok = [x for x in got if x is not None]
    return ok, len(got) - len(ok), len(got) / wall


def pct(values: list[float], q: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, int(q * len(v)))] if v else float("nan")


def spread(values: list[float], fmt: str) -> str:
    v = sorted(values)
    return f"{fmt.format(statistics.median(v))} ({fmt.format(v[0])}–{fmt.format(v[-1])})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", default="/tmp/widen-1m.db")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--requests", type=int, default=64, help="requests per page and client count per round")
    a = ap.parse_args()
    db = Path(a.db)
    if not db.exists():
        from datasette_1m import build

        from pipelines.reach import recompute

        build(db, a.rows)
        recompute(db)
    db.with_name(f"{db.stem}.tally.json").unlink(missing_ok=True)  # a cold start: nothing tallied yet
    port = free_port()
    env = {**os.environ, "WIDEN_CONFIG": str(ROOT / "config")}
    proc = subprocess.Popen([sys.executable, "-m", "crawlers.cli", "serve", "--db", str(db), "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    results: dict[tuple[str, int], list[tuple[float, float, int, float]]] = {}
    try:
        wait_for(port, proc)
        base = f"http://127.0.0.1:{port}/{db.stem}"
        first: dict[str, float] = {}
        for name, url in PAGES.items():  # what the first reader of each page waits for
            took = one(base + url)
            if took is None:
                sys.exit(f"{name}: {base + url} failed; is {db} a widen database?")
            first[name] = took
        for _ in range(max(3, a.rounds)):
            for name, url in PAGES.items():
                for clients in CLIENTS:
                    ok, errors, rate = load(base + url, clients, max(clients, a.requests))
                    results.setdefault((name, clients), []).append((pct(ok, 0.5), pct(ok, 0.95), errors, rate))
    finally:
        proc.terminate()
        proc.wait(30)
    print(f"{db} · widen serve on loopback · {os.cpu_count()} CPUs · median (min–max) of {max(3, a.rounds)} rounds")
    for name in PAGES:
        print(f"{name}: first request {first[name]:.3f} s")
        for clients in CLIENTS:
            runs = results[(name, clients)]
            print(f"  {clients:2d} client{'s' if clients > 1 else ' '}: p50 {spread([r[0] for r in runs], '{:.3f}')} s, "
                  f"p95 {spread([r[1] for r in runs], '{:.3f}')} s, {spread([r[3] for r in runs], '{:.1f}')} req/s, "
                  f"errors {sum(r[2] for r in runs)}")


if __name__ == "__main__":
    main()
