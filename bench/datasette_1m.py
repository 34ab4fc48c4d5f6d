"""1M synthetic opportunities in Datasette: is the faceted reach page fast enough?

    python bench/datasette_1m.py [--rows 1000000] [--db /tmp/widen-1m.db] [--runs 5] [--rebuild]

Builds (once; reused when the file exists) a database with the store's schema: opportunities,
opportunity_audiences, indexes, FTS; scores it with pipelines.reach.recompute against
config/network.yml; then serves it through Datasette in process (the settings `widen serve` uses,
the project's plugins dir) and prints p50/max ms for:
  1. the faceted table page (kind, region, audiences via the `audience` facet),
  2. the same with `_exclude_audiences` (the reach page) and with `_reach=1`,
  3. a rare-term full-text search,
  4. the CSV check: a streamed `.csv?_stream=on` of a filtered slice has exactly as many rows as
     SQL says.
Target: faceted reach page <= 1.5 s p50 with no facet timeouts.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import random
import sqlite3
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from synthetic import bulk_load  # noqa: E402

from crawlers.db import ensure_schema  # noqa: E402
from crawlers.schema import KINDS  # noqa: E402
from pipelines.audiences import load_taxonomy  # noqa: E402
from pipelines.reach import recompute  # noqa: E402

REGIONS = ["IL", "CA", "NY", "TX", "WA", "OR", "MA", "ON", "BC", "QC", "FL", "GA", "CO", "MN", "PA", "OH", "MI",
           "NC", "VA", "AZ", "England", "Scotland", "Wales", "Auckland", "Berlin", "Bayern", "NSW", "VIC"]
WORDS = ("networking mixer breakfast meetup volunteer board trustee mentor club chapter workshop lunch "
         "social night forum summit circle roundtable coffee walk cleanup tutoring pantry shelter gala "
         "hackathon panel talk training orientation committee council").split()
EXCLUDE = "tech,software_development"
RARE = "zyzzyvaquokka"  # planted in a handful of titles


def build(path: Path, n: int, seed: int = 1) -> None:
    """Write n synthetic rows fast (bench/synthetic.py), then indexes, FTS and statistics."""
    rnd = random.Random(seed)
    slugs = [a.slug for a in load_taxonomy()]
    weights = [1 / (i + 1) ** 0.8 for i in range(len(slugs))]  # a few audiences are common, most rare

    def rows():
        for i in range(n):
            k = rnd.choices((0, 1, 2, 3, 4), (10, 35, 30, 17, 8))[0]
            auds = sorted(set(rnd.choices(slugs, weights, k=k)))
            title = " ".join(rnd.choices(WORDS, k=4)).capitalize()
            if i % 200_000 == 7:
                title += f" {RARE}"
            region = rnd.choice(REGIONS)
            fields = dict(id=f"s{i % 40}:{i:08x}", kind=rnd.choice(KINDS), title=title,
                          description=" ".join(rnd.choices(WORDS, k=20)), organizer=f"Org {i % 5000}",
                          source=f"s{i % 40}", platform="ical", region=region, city=f"City {i % 300}",
                          country="US", start=f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}T18:00:00-05:00",
                          attendance=rnd.choice(("in_person", "online", "hybrid")),
                          audiences=json.dumps(auds) if auds else None, first_seen="2026-11-28T00:00:00+00:00",
                          last_seen="2026-11-28T00:00:00+00:00")
            yield fields, [(a, 1) for a in auds]

    db = bulk_load(path, rows(), wal=True)
    ensure_schema(db)  # indexes on faceted columns and FTS, built once over the loaded rows
    db["opportunity_audiences"].create_index(["audience", "opportunity_id"], if_not_exists=True)
    db.conn.execute("ANALYZE")
    db.conn.close()


async def measure(db_path: Path, runs: int) -> dict[str, list[float]]:
    from datasette.app import Datasette

    ds_dir = ROOT / "config" / "datasette"
    ds = Datasette([str(db_path)], plugins_dir=str(ds_dir / "plugins"), settings={
        "suggest_facets": False, "facet_time_limit_ms": 1000, "sql_time_limit_ms": 3000,
        "max_csv_mb": 0, "num_sql_threads": 3})
    await ds.invoke_startup()
    name = db_path.stem
    facets = "_facet=kind&_facet=region&_facet_audience=audiences&_facet_audience=new_audiences"
    pages = {
        "faceted table page": f"/{name}/opportunities.json?{facets}",
        "faceted + _exclude_audiences": f"/{name}/opportunities.json?{facets}&_exclude_audiences={EXCLUDE}",
        "faceted + _reach=1, sort reach_score": f"/{name}/opportunities.json?{facets}&_reach=1&_sort_desc=reach_score",
        "FTS search (rare term)": f"/{name}/opportunities.json?_search={RARE}",
    }
    times: dict[str, list[float]] = {k: [] for k in pages}
    for label, url in pages.items():
        for i in range(runs + 1):
            t0 = time.perf_counter()
            r = await ds.client.get(url)
            ms = (time.perf_counter() - t0) * 1000
            assert r.status_code == 200, (url, r.status_code, r.text[:300])
            data = r.json()
            if data.get("facets_timed_out"):
                raise SystemExit(f"facet timeout on {label}: {data['facets_timed_out']}")
            if i:  # the first request warms caches
                times[label].append(ms)
        print(f"  {label:40s} rows={data.get('filtered_table_rows_count')} p50={statistics.median(times[label]):.0f} ms "
              f"max={max(times[label]):.0f} ms", flush=True)
    # CSV: a streamed, filtered slice must have exactly the SQL count, excluded audiences absent
    slice_q = f"kind=board_seat&region=IL&_exclude_audiences={EXCLUDE}"
    conn = sqlite3.connect(db_path)
    expected = conn.execute(
        "select count(*) from opportunities where kind='board_seat' and region='IL' and id not in "
        "(select opportunity_id from opportunity_audiences where audience in ('tech','software_development'))"
    ).fetchone()[0]
    conn.close()
    t0 = time.perf_counter()
    r = await ds.client.get(f"/{name}/opportunities.csv?{slice_q}&_stream=on&_size=max")
    ms = (time.perf_counter() - t0) * 1000
    rows = list(csv.DictReader(io.StringIO(r.text)))
    got = len(rows)
    leaks = sum(1 for row in rows if {"tech", "software_development"} & set(json.loads(row["audiences"] or "[]")))
    print(f"  {'CSV _stream=on row count check':40s} rows={got} expected={expected} leaks={leaks} {ms:.0f} ms")
    if got != expected or leaks:
        raise SystemExit("CSV check failed")
    times["csv"] = [ms]
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--db", default="/tmp/widen-1m.db")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--rebuild", action="store_true")
    args = ap.parse_args()
    path = Path(args.db)
    if args.rebuild or not path.exists():
        t0 = time.perf_counter()
        build(path, args.rows)
        print(f"built {args.rows} rows in {time.perf_counter() - t0:.1f} s ({path})", flush=True)
        stats = recompute(path)
        print(f"reach recompute: {stats['opportunities']} rows, {stats['audience_sets']} audience sets, "
              f"{stats['seconds']} s", flush=True)
    asyncio.run(measure(path, args.runs))


if __name__ == "__main__":
    main()
