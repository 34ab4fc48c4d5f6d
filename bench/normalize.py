"""Normalization cost: dates (widen's normalizer vs plain dateparser) and the whole pipeline.

    python bench/normalize.py [-n 2000]

1. µs per date string, same strings, same run:
   - ISO set (what JSON-LD and APIs send): `dateparser.parse(s)` vs `pipelines.when.parse(s)`;
   - mixed set (what pages print: "December 5, 2025 6:00 pm", "Thu, 8 Jan 2026 17:30", …):
     `dateparser.parse(s)` vs `when.parse(s)` with its cache cleared first (cold: every string
     parsed once, the honest figure) and warm (crawls repeat the same strings); results compared
     value by value (they must be identical).
   Targets (issue 5): ISO >= 20x faster, mixed >= 3x faster with identical results.
2. items/s of the whole pipeline (normalize -> classify -> validate -> dedupe -> store into a
   temporary SQLite, batched as the crawl's store stage batches) vs raw `sqlite3.executemany` of
   the same rows, and the store alone vs that raw rate (target: the store keeps >= 50%). Raw
   loads come from bench/store.py: into the same schema (the like-for-like baseline; its
   docstring says why) and into a bare table. CPU time (`time.process_time`) is reported next to
   wall time: on a shared machine wall time mostly measures the neighbours.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import dateparser  # noqa: E402
from store import time_raw  # noqa: E402  (bench/store.py)

from crawlers.schema import content_hash  # noqa: E402
from pipelines import when  # noqa: E402
from pipelines.classify import classify  # noqa: E402
from pipelines.dedupe import find_canonical  # noqa: E402
from pipelines.normalize import SourceContext, normalize  # noqa: E402
from pipelines.store import BATCH_SIZE, Store  # noqa: E402
from pipelines.validate import validate  # noqa: E402

TARGET_PER_CORE = 2000
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def iso_strings(n: int, rnd: random.Random) -> list[str]:
    out = []
    for i in range(n):
        d = dt.datetime(2026, 1, 1) + dt.timedelta(hours=rnd.randrange(24 * 365), minutes=15 * (i % 4))
        out.append(rnd.choice([d.isoformat(), d.isoformat() + "-06:00", d.isoformat() + "Z", d.date().isoformat()]))
    return out


def mixed_strings(n: int, rnd: random.Random) -> list[str]:
    """Shapes real listings print that plain dateparser also reads (so results can be compared)."""
    out = []
    for _ in range(n):
        d = dt.datetime(2026, 1, 1) + dt.timedelta(days=rnd.randrange(365), hours=rnd.randrange(7, 21))
        mon, h12, ap = MONTHS[d.month - 1], (d.hour - 1) % 12 + 1, "pm" if d.hour >= 12 else "am"
        out.append(rnd.choice([
            f"{mon} {d.day}, {d.year} {h12}:00 {ap}",
            f"{d:%a}, {d.day} {mon[:3]} {d.year} {d:%H:%M}",
            f"{d.day} {mon} {d.year}",
            f"{mon} {d.day}, {d.year}",
            f"{d:%A}, {mon} {d.day}, {d.year} at {h12}:30 {ap.upper()}",
            f"{mon[:3]} {d.day} {d.year} {h12}{ap}",
        ]))
    return out


def per_call_us(fn, items: list[str]) -> tuple[float, list[Any]]:
    t = time.process_time()
    res = [fn(s) for s in items]
    return (time.process_time() - t) / len(items) * 1e6, res


def _as_dt(v: Any) -> Any:
    if isinstance(v, dt.datetime):
        return v.replace(tzinfo=None) if v.tzinfo is None else v
    if isinstance(v, dt.date):
        return dt.datetime.combine(v, dt.time())
    return v


def bench_dates(n: int) -> None:
    rnd = random.Random(5)
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for name, items, target in (("ISO", iso_strings(n, rnd), 20), ("mixed", mixed_strings(n // 4, rnd), 3)):
        dp_us, dp = per_call_us(dateparser.parse, items)
        when._parse_cached.cache_clear()
        when._dateparse.cache_clear()
        cold_us, ours = per_call_us(lambda s: when.parse(s, now=now), items)
        warm_us, _ = per_call_us(lambda s: when.parse(s, now=now), items)
        same = sum(_as_dt(a) == _as_dt(b.value if b else None) for a, b in zip(dp, ours, strict=True))
        print(f"{name:5} dates ({len(items)}): dateparser.parse {dp_us:9.1f} µs  widen cold {cold_us:7.1f} µs "
              f"({dp_us / cold_us:6.0f}x)  warm {warm_us:5.1f} µs  identical {same}/{len(items)}  "
              f"(target >= {target}x)")


def raw_items(n: int, rnd: random.Random) -> list[dict[str, Any]]:
    """Raw listings as extractors hand them over (JSON-LD-like), ~1 in 10 repeated across sources."""
    out = []
    for i in range(n):
        k = i if i % 10 else i - 1
        d = dt.datetime(2026, 3, 1, 18) + dt.timedelta(days=k % 90)
        out.append({
            "title": f"Women in Tech Breakfast Roundtable {k}", "url": f"https://src{i % 3}.example.org/e/{k}?utm_x=1",
            "start": d.isoformat() + "-06:00", "end": (d + dt.timedelta(hours=2)).isoformat() + "-06:00",
            "description_html": "<p>Meet founders, engineers and nonprofit board members. " * 4 + "</p>",
            "venue": "Cafe Ola", "address": f"{100 + k % 50} Main St", "city": "Chicago", "region": "Illinois",
            "country": "USA", "organizer": "Chicago Founders Network", "native_id": f"n{i}",
        })
    return out


STAGES = ("normalize", "classify", "validate", "dedupe", "store")


def run_pipeline(raws: list[dict[str, Any]], ctx: SourceContext, db: Path) -> tuple[float, float, dict[str, float],
                                                                                   list[dict[str, Any]]]:
    """One pass of the crawl's item pipeline over `raws` into a fresh database, as the store stage
    batches: (wall s, CPU s, CPU s by stage, the records)."""
    store = Store(db)
    buffer: list[dict[str, Any]] = []
    store.watch(buffer)  # as the store stage does: queued records are dedupe candidates too
    stage = dict.fromkeys(STAGES, 0.0)
    recs = []
    t, c = time.perf_counter(), time.process_time()
    for raw in raws:
        c0 = time.process_time()
        rec = normalize(raw, ctx)
        c1 = time.process_time()
        rec = classify(rec)
        c2 = time.process_time()
        rec = validate(rec)
        c3 = time.process_time()
        rec["duplicate_of"] = find_canonical(rec, store.candidates(rec))
        c4 = time.process_time()
        stage["normalize"] += c1 - c0
        stage["classify"] += c2 - c1
        stage["validate"] += c3 - c2
        stage["dedupe"] += c4 - c3
        buffer.append(rec)
        recs.append(rec)
        if len(buffer) >= BATCH_SIZE:
            store.write(list(buffer))
            buffer.clear()
        stage["store"] += time.process_time() - c4
    c4 = time.process_time()
    store.write(list(buffer))
    stage["store"] += time.process_time() - c4
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    store.close()
    return wall, cpu, stage, recs


def run_store(recs: list[dict[str, Any]], db: Path) -> tuple[float, float]:
    store = Store(db)
    t, c = time.perf_counter(), time.process_time()
    for i in range(0, len(recs), BATCH_SIZE):
        store.write(recs[i:i + BATCH_SIZE])
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    store.close()
    return wall, cpu


def _rate(n: int, seconds: list[float]) -> str:
    """Median rate with its spread (min–max) over the rounds."""
    rates = sorted(n / s for s in seconds)
    return f"{statistics.median(rates):7.0f}/s ({rates[0]:.0f}–{rates[-1]:.0f})"


def bench_pipeline(n: int, rounds: int) -> None:
    rnd = random.Random(9)
    raws = raw_items(n, rnd)
    ctx = SourceContext(source="bench", tz="America/Chicago", now=dt.datetime(2026, 2, 1, tzinfo=dt.UTC))
    got: dict[str, list[float]] = {k: [] for k in ("pipe_wall", "pipe_cpu", "store_cpu", "same_cpu", "bare_cpu")}
    stages: dict[str, list[float]] = {k: [] for k in STAGES}
    with tempfile.TemporaryDirectory() as tmp:
        warm = Store(Path(tmp) / "warm.db")  # load taxonomy, gazetteer and JSON Schema outside the timing
        warm.write([validate(classify(normalize(raw, ctx))) for raw in raw_items(5, rnd)])
        warm.close()
        for r in range(rounds):  # interleaved: a busy neighbour slows every measure of a round alike
            wall, cpu, stage, recs = run_pipeline(raws, ctx, Path(tmp) / f"p{r}.db")
            got["pipe_wall"].append(wall)
            got["pipe_cpu"].append(cpu)
            for k, v in stage.items():
                stages[k].append(v)
            got["store_cpu"].append(run_store(recs, Path(tmp) / f"s{r}.db")[1])
            rows = [Store._row(x, content_hash(x), "2026-02-01T00:00:00+00:00") for x in recs]
            got["same_cpu"].append(time_raw(rows, Path(tmp) / f"same{r}.db", indexes=True, fts="bulk").cpu)
            got["bare_cpu"].append(time_raw(rows, Path(tmp) / f"bare{r}.db", indexes=False).cpu)
    med = {k: statistics.median(v) for k, v in got.items()}
    print(f"pipeline ({n} items, median of {rounds} interleaved rounds, spread min–max):")
    print(f"  normalize->classify->validate->dedupe->store  {_rate(n, got['pipe_cpu'])} CPU, "
          f"{_rate(n, got['pipe_wall'])} wall")
    print("  CPU µs per item by stage (median): " + ", ".join(
        f"{k} {statistics.median(v) / n * 1e6:.0f}" for k, v in stages.items()))
    print(f"  store alone (batches of {BATCH_SIZE}):              {_rate(n, got['store_cpu'])} CPU")
    print(f"  raw sqlite3.executemany, same schema:          {_rate(n, got['same_cpu'])} CPU; "
          f"store keeps {med['same_cpu'] / med['store_cpu']:.0%}")
    print(f"  raw sqlite3.executemany, bare table:           {_rate(n, got['bare_cpu'])} CPU")
    print(f"target: pipeline >= {TARGET_PER_CORE:,} items/s per core (CPU rate): "
          f"{'met' if n / med['pipe_cpu'] >= TARGET_PER_CORE else 'NOT met'}; "
          "store >= 50% of raw executemany into the same schema")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=2000, help="date strings (ISO set; mixed uses n/4) and items")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds of the pipeline measures (>= 3)")
    a = ap.parse_args()
    bench_dates(a.n)
    bench_pipeline(a.n, max(3, a.rounds))


if __name__ == "__main__":
    main()
