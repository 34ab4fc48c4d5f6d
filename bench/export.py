"""`widen export --csv` at 1M rows: every id exactly once, memory flat.

    python bench/export.py [--rows 1000000] [--db /tmp/widen-export-1m.db] [--rebuild]

Builds (once; reused when the file exists) a database with the store's opportunity columns and
the `opportunity_audiences` table: ids inserted in shuffled order so rowid order is not id
order (as after many crawls), fast executemany in one transaction, no FTS (not under test).
Then runs the real CLI in a subprocess, twice (everything; a filtered slice), and prints rows/s,
the number of distinct ids and the export process's peak RSS. The ids are checked to be strictly
increasing, which proves them distinct without holding a million of them in memory.
Target: exactly N distinct ids for the full export, peak RSS < 150 MB.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from synthetic import bulk_load  # noqa: E402

from crawlers.schema import KINDS  # noqa: E402

AUDIENCES = ["tech", "finance", "women", "veterans", "founders", "youth", "housing", "health", "arts_culture",
             "immigrants", "lgbtq", "seniors", "education", "environment", "black", "latino"]
REGIONS = ["IL", "CA", "NY", "TX", "ON", "BC", "WA", "MA"]
CSV_FIELD_LIMIT = 1 << 24


def build(path: Path, n: int, seed: int = 1) -> None:
    """n synthetic rows (bench/synthetic.py), ids inserted in shuffled order, then the facet indexes."""
    rnd = random.Random(seed)
    order = list(range(n))
    rnd.shuffle(order)

    def rows():
        for i in order:
            auds = sorted(set(rnd.choices(AUDIENCES, k=rnd.randint(0, 3))))
            fields = dict(id=f"s{i % 40}:{i:08d}", kind=rnd.choice(KINDS), title=f"Opportunity number {i}, with a comma",
                          description=f"Line one of {i}.\nLine \"two\".", source=f"s{i % 40}",
                          region=rnd.choice(REGIONS), city="Chicago",
                          start=f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}T18:00:00-05:00",
                          audiences=json.dumps(auds) if auds else None,
                          new_audiences=json.dumps(auds[:1]) if auds else None,
                          first_seen="2026-11-28T00:00:00+00:00", last_seen="2026-11-28T00:00:00+00:00")
            yield fields, [(a, int(j == 0)) for j, a in enumerate(auds)]

    db = bulk_load(path, rows())
    for col in ("kind", "region", "source", "start"):
        db["opportunities"].create_index([col], if_not_exists=True)
    db["opportunity_audiences"].create_index(["audience", "opportunity_id"], if_not_exists=True)
    db.conn.close()


def export(db: Path, out: Path, *filters: str) -> tuple[float, int]:
    """Run `widen export --csv` in a subprocess; (seconds, peak RSS in MB of that process).

    The peak is the child's VmHWM polled from /proc: getrusage(RUSAGE_CHILDREN) would report
    the forked child's size BEFORE exec (this parent's, after building a million rows).
    """
    cmd = [sys.executable, "-m", "crawlers.cli", "export", "--csv", "--db", str(db), "-o", str(out), *filters]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, "WIDEN_CONFIG": str(ROOT / "config")})
    peak_kb = 0
    status = Path(f"/proc/{proc.pid}/status")
    while proc.poll() is None:
        try:
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak_kb = max(peak_kb, int(line.split()[1]))
        except (OSError, ValueError):
            pass
        time.sleep(0.02)
    if proc.returncode:
        raise SystemExit(f"export failed with exit code {proc.returncode}")
    return time.perf_counter() - t, peak_kb // 1024


def check(out: Path) -> tuple[int, bool]:
    """(rows, ids strictly increasing) read back with the csv module, one row at a time."""
    csv.field_size_limit(CSV_FIELD_LIMIT)
    n, last, increasing = 0, "", True
    with out.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        pos = header.index("id")
        for row in reader:
            if row[pos] <= last:
                increasing = False
            last = row[pos]
            n += 1
    return n, increasing


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--db", type=Path, default=Path(tempfile.gettempdir()) / "widen-export-1m.db")
    ap.add_argument("--rebuild", action="store_true")
    args = ap.parse_args()
    if args.rebuild or not args.db.exists():
        t = time.perf_counter()
        build(args.db, args.rows)
        print(f"built {args.rows:,} rows in {time.perf_counter() - t:.1f} s at {args.db}")
    conn = sqlite3.connect(args.db)
    total = conn.execute("select count(*) from opportunities").fetchone()[0]
    sliced = conn.execute(
        "select count(*) from opportunities where kind = 'board_seat' and region in ('IL', 'ON') and id not in "
        "(select opportunity_id from opportunity_audiences where audience = 'tech')").fetchone()[0]
    conn.close()
    out = args.db.with_suffix(".csv")
    ok = True
    for label, filters, want in (
        ("full export", (), total),
        ("filtered (kind, region, exclude audience)",
         ("--kind", "board_seat", "--region", "IL,ON", "--exclude-audience", "tech"), sliced),
    ):
        seconds, peak_mb = export(args.db, out, *filters)
        rows, increasing = check(out)
        distinct = rows if increasing else -1
        good = rows == want and increasing and peak_mb < 150
        ok &= good
        print(f"{label}: {rows:,} rows (SQL says {want:,}) in {seconds:.1f} s = {rows / seconds:,.0f} rows/s; "
              f"distinct ids {distinct:,}{'' if increasing else ' (NOT strictly increasing)'}; "
              f"peak RSS {peak_mb} MB; file {out.stat().st_size / 1e6:.0f} MB -> {'OK' if good else 'FAIL'}")
    out.unlink(missing_ok=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
