"""Bulk-load synthetic opportunities for the 1M-row benches (bench/datasette_1m.py, bench/export.py).

The store's batched upserts are what a crawl uses; a million rows for a benchmark go in faster
with plain executemany in one transaction, indexes built afterwards by the caller. Each bench
generates its own rows (what it measures differs); this module only owns the loading.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import sqlite_utils

from crawlers.schema import FIELD_NAMES, OPPORTUNITY_AUDIENCE_COLUMNS, column_types

BATCH = 50_000


def bulk_load(path: Path, rows: Iterable[tuple[dict[str, Any], list[tuple[str, int]]]], *,
              wal: bool = False) -> sqlite_utils.Database:
    """Create `opportunities` and `opportunity_audiences` at `path` and fill them in one transaction.

    `rows` yields (fields, links): the record's non-null fields, and (audience, new) pairs for
    the normalized audience table. Returns the open database for the caller's indexes.
    """
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    db = sqlite_utils.Database(conn)
    if wal:
        conn.execute("PRAGMA journal_mode=WAL")
    db["opportunities"].create(column_types(), pk="id", not_null={"title", "kind", "source"})
    db["opportunity_audiences"].create(OPPORTUNITY_AUDIENCE_COLUMNS, pk=("opportunity_id", "audience"))
    cols = ", ".join(f'"{c}"' for c in FIELD_NAMES)
    sql = f"INSERT INTO opportunities ({cols}) VALUES ({', '.join('?' * len(FIELD_NAMES))})"
    conn.execute("BEGIN")
    batch: list[tuple[Any, ...]] = []
    links: list[tuple[str, str, int]] = []
    for fields, auds in rows:
        batch.append(tuple(fields.get(c) for c in FIELD_NAMES))
        links.extend((fields["id"], a, new) for a, new in auds)
        if len(batch) >= BATCH:
            conn.executemany(sql, batch)
            conn.executemany("INSERT INTO opportunity_audiences VALUES (?, ?, ?)", links)
            batch, links = [], []
    conn.executemany(sql, batch)
    conn.executemany("INSERT INTO opportunity_audiences VALUES (?, ?, ?)", links)
    conn.execute("COMMIT")
    return db
