"""How fast the store writes, against raw `sqlite3.executemany` of the same rows.

    python bench/store.py [-n 50000] [--batch 2000]

Generates N full records (every schema field, ~300-character descriptions, audiences and
occurrences for some) and times, each on a fresh file with WAL and synchronous=NORMAL:

- `Store.write` in batches of --batch (one transaction each, as the crawl writes), first crawl
  (all new) and a re-crawl of the same records (all unchanged: last_seen only);
- raw `executemany` of the same row tuples in one transaction into a table with the same
  columns and primary key but no indexes and no FTS triggers (a bare table: the ceiling);
- the same into the store's tables, same indexes, search index filled by one `INSERT … SELECT`
  after the rows (the fastest raw load of the same schema: the like-for-like baseline);
- the same with sqlite-utils' FTS table and per-row triggers (`enable_fts(create_triggers=True)`),
  i.e. what a plain load pays for search done the usual way.

The same schema is the fair baseline: a database without the facet indexes and full-text search
that Datasette needs at 1M rows is not what widen stores. Even loading a bare table and building
the same indexes and search index once afterwards reaches only ~33% of the bare rate here.

Both CPU and wall-clock rates are printed: on a shared machine wall time mostly measures the
neighbours, CPU time (`time.process_time`, SQLite runs in-process) the code.

The store's figure includes what raw `executemany` skips: hashing content, building rows,
looking up known ids, occurrences, audience and link rows, one commit per batch.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawlers.db import FTS_FILL, ensure_schema  # noqa: E402
from crawlers.schema import FIELD_NAMES, FTS_FIELDS, column_types, content_hash  # noqa: E402
from pipelines.store import BATCH_SIZE, CACHE_KIB, Store  # noqa: E402

WORDS = ("network breakfast founders women tech board trustee volunteer mentor chamber commerce "
         "community youth coding data health housing veterans latino black pride retired executives "
         "roundtable mixer meetup workshop session lunch learn nonprofit governance finance").split()
CITIES = ("Chicago", "Evanston", "Oak Park", "Harrow", "London", "Berlin", "Toronto", "Spokane")


def records(n: int, seed: int = 7) -> list[dict[str, Any]]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        day = 1 + i % 28
        dated = i % 4 != 0
        rec: dict[str, Any] = dict.fromkeys(FIELD_NAMES)
        rec.update({
            "id": f"bench:{i:08d}",
            "kind": ("networking_event" if dated else rnd.choice(["volunteer_role", "board_seat", "networking_group"])),
            "kind_reason": "dated listing",
            "title": " ".join(rnd.choice(WORDS) for _ in range(6)).title(),
            "description": " ".join(rnd.choice(WORDS) for _ in range(45)),
            "organizer": f"{rnd.choice(WORDS).title()} {rnd.choice(WORDS).title()} Association",
            "url": f"https://example.org/events/{i}",
            "source": f"src-{i % 20}",
            "platform": "schemaorg",
            "source_url": "https://example.org/events/",
            "start": f"2026-05-{day:02d}T18:00:00-05:00" if dated else None,
            "end": f"2026-05-{day:02d}T20:00:00-05:00" if dated else None,
            "all_day": False,
            "timezone": "America/Chicago",
            "venue": "Community Hall",
            "address": f"{i % 900} Main St",
            "city": rnd.choice(CITIES),
            "region": "IL",
            "country": "US",
            "postal_code": "60601",
            "lat": 41.8 + rnd.random() / 10,
            "lon": -87.6 - rnd.random() / 10,
            "attendance": "in_person",
            "online": False,
            "audiences": rnd.sample(["women", "tech", "founders", "veterans", "youth", "nonprofit"], 2),
            "audience_cues": ["women: women", "tech: tech"],
            "commitment": "one_off",
            "cost": "free",
            "status": "scheduled",
        })
        if i % 10 == 0 and dated:
            rec["recurrence"] = "RRULE:FREQ=WEEKLY;BYDAY=TU"
            rec["_occurrences"] = [(f"2026-05-{d:02d}T18:00:00-05:00", None) for d in (5, 12, 19, 26)]
        out.append(rec)
    return out


def _fresh(tmp: Path, name: str) -> Path:
    p = tmp / name
    for suffix in ("", "-wal", "-shm"):
        Path(str(p) + suffix).unlink(missing_ok=True)
    return p


class Timer:
    """Wall and CPU seconds of a block: on a shared machine the CPU figure is the steadier one."""

    def __enter__(self) -> Timer:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu


def time_store(recs: list[dict[str, Any]], path: Path, batch: int) -> tuple[Timer, Timer]:
    store = Store(path)
    with Timer() as first:
        for i in range(0, len(recs), batch):
            store.write(recs[i:i + batch])
    with Timer() as again:
        for i in range(0, len(recs), batch):
            store.write(recs[i:i + batch])
    store.db.conn.close()
    return first, again


def _best(timers: tuple[Timer, ...]) -> Timer:
    """The fastest of repeated runs (CPU and wall each): noise only ever adds time."""
    best = Timer()
    best.cpu, best.wall = min(t.cpu for t in timers), min(t.wall for t in timers)
    return best


def _raw_conn(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")  # the store's own cache: same footing
    return conn


def time_raw(rows: list[tuple[Any, ...]], path: Path, *, indexes: bool, fts: str = "none") -> Timer:
    """One transaction of executemany; `fts` is "none", "bulk" (one INSERT … SELECT) or "triggers"."""
    conn = _raw_conn(path)
    if indexes:
        import sqlite_utils

        db = sqlite_utils.Database(conn)
        ensure_schema(db)  # the store's schema: its FTS table has no per-row insert trigger
        if fts != "bulk":
            db["opportunities"].disable_fts()
        if fts == "triggers":  # sqlite-utils' own triggers, per-row insert trigger included
            db["opportunities"].enable_fts(list(FTS_FIELDS), create_triggers=True, tokenize="porter")
    else:
        affinity = {str: "TEXT", int: "INTEGER", float: "REAL"}
        cols = ", ".join(f'"{c}" {affinity[t]}' for c, t in column_types().items())
        conn.execute(f"CREATE TABLE opportunities ({cols}, PRIMARY KEY (id))")
    sql = (f"INSERT INTO opportunities ({', '.join(f'{chr(34)}{c}{chr(34)}' for c in FIELD_NAMES)}) "
           f"VALUES ({', '.join('?' for _ in FIELD_NAMES)})")
    with Timer() as took:
        conn.execute("BEGIN")
        conn.executemany(sql, rows)
        if fts == "bulk":
            conn.execute(FTS_FILL)  # the store's own statement, over every row
        conn.execute("COMMIT")
    conn.close()
    return took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, default=50_000)
    ap.add_argument("--batch", type=int, default=BATCH_SIZE, help="records per transaction (the store's own)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement; the fastest counts")
    args = ap.parse_args()
    recs = records(args.n)
    now = "2026-04-01T00:00:00+00:00"
    rows = [Store._row(r, content_hash(r), now) for r in recs]
    runs: list[tuple[Timer, ...]] = []
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for _ in range(args.repeat):  # interleaved, so a noisy spell hits every measurement alike
            runs.append((time_raw(rows, _fresh(tmp, "raw.db"), indexes=False),
                         time_raw(rows, _fresh(tmp, "raw_same.db"), indexes=True, fts="bulk"),
                         time_raw(rows, _fresh(tmp, "raw_trig.db"), indexes=True, fts="triggers"),
                         *time_store(recs, _fresh(tmp, "store.db"), args.batch)))
    raw_bare, raw_same, raw_trig, first, again = (_best(col) for col in zip(*runs, strict=True))
    n = args.n

    def rate(t: Timer) -> str:
        return f"{n / t.cpu:>9,.0f} rows/s CPU  {n / t.wall:>9,.0f} rows/s wall"

    print(f"N = {n:,} records, {len(FIELD_NAMES)} columns, store batches of {args.batch}, "
          f"best of {args.repeat}")
    print(f"raw executemany, bare table (no indexes, no FTS)     {rate(raw_bare)}")
    print(f"raw executemany, same schema, FTS in one statement   {rate(raw_same)}")
    print(f"raw executemany, same indexes, per-row FTS triggers  {rate(raw_trig)}")
    print(f"Store.write, first crawl (all new)                   {rate(first)}")
    print(f"Store.write, re-crawl (all unchanged)                {rate(again)}")
    for label, base in (("raw same schema", raw_same), ("raw bare table", raw_bare),
                        ("raw per-row triggers", raw_trig)):
        print(f"store / {label + ':':22s} {base.cpu / first.cpu:6.1%} CPU  {base.wall / first.wall:6.1%} wall")
    print("target: store >= 50% of raw executemany into the same schema (first line)")

if __name__ == "__main__":
    main()
