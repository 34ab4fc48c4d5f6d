"""CSV export: the UI's filters, streamed in primary-key order so every row comes out exactly once.

Keyset pagination on `id` (never OFFSET, never a sort on a column with ties) keeps memory
flat and the output complete at any size.
"""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

from crawlers.schema import FIELD_NAMES

PAGE = 5000


@dataclass
class ExportFilter:
    """Same filters as the Datasette UI; every value is bound as a parameter, never interpolated."""

    kinds: list[str] = field(default_factory=list)
    audiences: list[str] = field(default_factory=list)
    exclude_audiences: list[str] = field(default_factory=list)
    new_only: bool = False
    regions: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    since: str | None = None
    until: str | None = None
    canonical_only: bool = False  # hide records that duplicate another source's listing

    def where(self) -> tuple[str, list[object]]:
        clauses: list[str] = []
        params: list[object] = []

        def among(col: str, values: list[str]) -> None:
            clauses.append(f"{col} IN ({','.join('?' * len(values))})")
            params.extend(values)

        if self.kinds:
            among("kind", self.kinds)
        if self.regions:
            among("region", self.regions)
        if self.sources:
            among("source", self.sources)
        if self.audiences:
            clauses.append("id IN (SELECT opportunity_id FROM opportunity_audiences WHERE audience IN "
                           f"({','.join('?' * len(self.audiences))}))")
            params.extend(self.audiences)
        if self.exclude_audiences:
            clauses.append("id NOT IN (SELECT opportunity_id FROM opportunity_audiences WHERE audience IN "
                           f"({','.join('?' * len(self.exclude_audiences))}))")
            params.extend(self.exclude_audiences)
        if self.new_only:
            clauses.append("id IN (SELECT opportunity_id FROM opportunity_audiences WHERE new = 1)")
        if self.since:
            clauses.append("coalesce(next_start, start) >= ?")
            params.append(self.since)
        if self.until:
            clauses.append("coalesce(next_start, start) < ?")
            params.append(self.until)
        if self.canonical_only:
            clauses.append("duplicate_of IS NULL")
        return (" AND ".join(clauses) or "1"), params


def iter_rows(conn: sqlite3.Connection, flt: ExportFilter, columns: tuple[str, ...] = FIELD_NAMES
              ) -> Iterator[tuple[object, ...]]:
    """Matching rows in id order, fetched a page at a time (keyset pagination)."""
    where, params = flt.where()
    cols = ", ".join(f'"{c}"' for c in columns)
    id_pos = columns.index("id")
    last = ""
    while True:
        rows = conn.execute(f"SELECT {cols} FROM opportunities WHERE id > ? AND ({where}) ORDER BY id LIMIT {PAGE}",
                            [last, *params]).fetchall()
        if not rows:
            return
        yield from rows
        last = rows[-1][id_pos]


def write_csv(db_path: str, out: IO[str], flt: ExportFilter | None = None) -> int:
    """Write matching opportunities as CSV; returns the number of rows written."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        w = csv.writer(out)
        w.writerow(FIELD_NAMES)
        n = 0
        for row in iter_rows(conn, flt or ExportFilter()):
            w.writerow(row)
            n += 1
        return n
    finally:
        conn.close()
