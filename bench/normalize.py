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


def bench_pipeline(n: int) -> None:
    rnd = random.Random(9)
    raws = raw_items(n, rnd)
    ctx = SourceContext(source="bench", tz="America/Chicago", now=dt.datetime(2026, 2, 1, tzinfo=dt.UTC))
    with tempfile.TemporaryDirectory() as tmp:
        warm = Store(Path(tmp) / "warm.db")  # load taxonomy, gazetteer and JSON Schema outside the timing
        warm.write([validate(classify(normalize(raw, ctx))) for raw in raw_items(5, rnd)])
        warm.close()
        store = Store(Path(tmp) / "p.db")
        buffer: list[dict[str, Any]] = []
        store.watch(buffer)  # as the store stage does: queued records are dedupe candidates too
        t, c = time.perf_counter(), time.process_time()
        recs = []
        stage = dict.fromkeys(("normalize", "classify", "validate", "dedupe"), 0.0)
        for raw in raws:
            c0 = time.process_time()
            rec = normalize(raw, ctx)
            c1 = time.process_time()
            rec = classify(rec)
            c2 = time.process_time()
            rec = validate(rec)
            c3 = time.process_time()
            stage["normalize"] += c1 - c0
            stage["classify"] += c2 - c1
            stage["validate"] += c3 - c2
            rec["duplicate_of"] = find_canonical(rec, store.candidates(rec))
            stage["dedupe"] += time.process_time() - c3
            buffer.append(rec)
            recs.append(rec)
            if len(buffer) >= BATCH_SIZE:
                store.write(list(buffer))
                buffer.clear()
        store.write(list(buffer))
        pipe_wall, pipe_cpu = time.perf_counter() - t, time.process_time() - c
        store.close()
        store2 = Store(Path(tmp) / "s.db")
        t, c = time.perf_counter(), time.process_time()
        for i in range(0, len(recs), BATCH_SIZE):
            store2.write(recs[i:i + BATCH_SIZE])
        store_wall, store_cpu = time.perf_counter() - t, time.process_time() - c
        store2.close()
        rows = [Store._row(r, content_hash(r), "2026-02-01T00:00:00+00:00") for r in recs]
        same = time_raw(rows, Path(tmp) / "raw_same.db", indexes=True, fts="bulk")
        bare = time_raw(rows, Path(tmp) / "raw_bare.db", indexes=False)
    print(f"pipeline ({n} items): normalize->classify->validate->dedupe->store {n / pipe_wall:8.0f} items/s wall "
          f"({n / pipe_cpu:8.0f}/s CPU)")
    print("  CPU µs per item by stage: " + ", ".join(f"{k} {v / n * 1e6:.0f}" for k, v in stage.items()))
    print(f"store alone (batches of {BATCH_SIZE}):                      {n / store_wall:8.0f} rows/s wall "
          f"({n / store_cpu:8.0f}/s CPU)")
    for label, raw in (("same schema", same), ("bare table", bare)):
        print(f"raw sqlite3.executemany, same rows, {label + ':':13s}   {n / raw.wall:8.0f} rows/s wall "
              f"({n / raw.cpu:8.0f}/s CPU); store keeps {raw.cpu / store_cpu:.0%} (CPU), "
              f"pipeline {raw.cpu / pipe_cpu:.1%}")
    print("target: store >= 50% of raw executemany into the same schema")

def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=2000, help="date strings (ISO set; mixed uses n/4) and items")
    a = ap.parse_args()
    bench_dates(a.n)
    bench_pipeline(a.n)


if __name__ == "__main__":
    main()
