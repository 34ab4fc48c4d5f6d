"""Exports: the UI's filters, streamed in primary-key order so every row comes out exactly once.

`widen export --csv` reads the database directly (`iter_rows`); Datasette's `.ics`/`.atom`
renderers re-run the page's query without its page limit (`renderer_query`, `stream_query`).
Never OFFSET, never a sort on a column with ties: memory stays flat and the output complete at
any size (bench/export.py: 1M rows).
"""

from __future__ import annotations

import csv
import re
import sqlite3
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from crawlers.db import open_readonly
from crawlers.schema import FIELD_NAMES, URL_FIELDS, http_url

__all__ = ["http_url"]  # the URL rule, re-exported for the Datasette plugins


PAGE = 5000


@dataclass
class ExportFilter:
    """Same filters as the Datasette UI; every value is bound as a parameter, never interpolated."""

    kinds: list[str] = field(default_factory=list)
    audiences: list[str] = field(default_factory=list)
    exclude_audiences: list[str] = field(default_factory=list)
    outside_audiences: list[str] = field(default_factory=list)  # the UI's ?_new_audiences=a,b
    new_only: bool = False  # the UI's ?_reach=1
    regions: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    since: str | None = None
    until: str | None = None
    canonical_only: bool = False  # hide records that duplicate another source's listing

    def where(self, has_profile: bool = False) -> tuple[str, list[object]]:
        """SQL condition and parameters; `has_profile`: a `network_audiences` table with rows exists."""
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
        if self.outside_audiences:
            clauses.append("id IN (SELECT opportunity_id FROM opportunity_audiences WHERE audience NOT IN "
                           f"({','.join('?' * len(self.outside_audiences))}))")
            params.extend(self.outside_audiences)
        if self.new_only and has_profile:  # as the reach plugin's _reach=1: the imported profile ...
            clauses.append("id IN (SELECT opportunity_id FROM opportunity_audiences WHERE audience NOT IN "
                           "(SELECT audience FROM network_audiences WHERE weight > 0))")
        elif self.new_only:  # ... else the `new` flags the last reach recompute wrote
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
    """Matching rows in id order from ONE query, fetched `PAGE` rows at a time.

    One statement is one read snapshot, and the order is the primary key, so each row comes out
    exactly once even while a crawl writes (WAL). SQLite streams the rows (unfiltered: a walk of
    the primary-key index) or sorts the matches once, spilling to a temporary file, so memory
    stays flat. Keyset pages (`id > last ... LIMIT n`) were exact too but re-sorted every
    remaining match per page when a filter used another index: 30 s instead of 8 s for 250k of
    1M rows.
    """
    has_profile = bool(conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'network_audiences'").fetchone())
    if has_profile:
        has_profile = bool(conn.execute("SELECT 1 FROM network_audiences WHERE weight > 0 LIMIT 1").fetchone())
    where, params = flt.where(has_profile)
    cols = ", ".join(f'"{c}"' for c in columns)
    cur = conn.execute(f"SELECT {cols} FROM opportunities WHERE {where} ORDER BY id", params)
    while True:
        rows = cur.fetchmany(PAGE)
        if not rows:
            return
        yield from rows
        del rows  # so the next batch never coexists with this one


def write_csv(db_path: str, out: IO[str], flt: ExportFilter | None = None) -> int:
    """Write matching opportunities as CSV; returns the number of rows written."""
    conn = open_readonly(db_path)  # an outdated file is refused with the command that migrates it
    try:
        w = csv.writer(out)
        w.writerow(FIELD_NAMES)
        links = [i for i, name in enumerate(FIELD_NAMES) if name in URL_FIELDS]
        n = 0
        for row in iter_rows(conn, flt or ExportFilter()):
            if any(row[i] for i in links):
                row = list(row)
                for i in links:
                    row[i] = http_url(row[i]) if row[i] else row[i]
            w.writerow(row)
            n += 1
        return n
    finally:
        conn.close()


# -- Datasette side: the same "every row, streamed" rule for the .ics/.atom renderers -------------

_LIMIT_TAIL = re.compile(r"\s+limit\s+\d+(\s+offset\s+\d+)?\s*$", re.IGNORECASE)


def unpaged_sql(sql: str, table: str | None) -> str:
    """The query behind a Datasette page, without its page limit (and, for tables, with every column).

    Datasette builds a table page as `select <cols> from <table> <where> <order> limit N`; the
    renderers need all matching rows and all columns whatever `_col`/`_size` the page used, with
    the page's filters (including plugin filters such as the reach ones) and order kept. Canned
    and arbitrary queries are returned unchanged: their own text is the whole result.
    """
    if not table:
        return sql
    from datasette.utils import escape_sqlite

    at = sql.find(f" from {escape_sqlite(table)}")
    if at < 0:
        return sql
    return "select *" + _LIMIT_TAIL.sub("", sql[at:])


def renderer_query(sql: str | None, table: str | None, data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The full query (and its parameters) behind any page an output renderer is asked for, to wrap.

    Table pages and queries: `unpaged_sql`. A row page has no SQL in its data, so it is rebuilt
    from the row's primary key.
    """
    if sql is None and table and data.get("primary_keys"):
        from datasette.utils import escape_sqlite

        pks = data["primary_keys"]
        where = " and ".join(f"{escape_sqlite(pk)} = :pk{i}" for i, pk in enumerate(pks))
        params = {f"pk{i}": v for i, v in enumerate(data.get("primary_key_values") or [])}
        return f"select * from {escape_sqlite(table)} where {where}", params
    # Callers wrap it as a subquery: no trailing `;`, and they put it on its own lines so a
    # trailing `-- comment` cannot swallow their closing parenthesis.
    return unpaged_sql(sql or "", table).rstrip().rstrip(";"), (data.get("query") or {}).get("params") or {}


async def stream_query(datasette: Any, database: str, sql: str, params: dict[str, Any] | None,
                       batch: int = 1000) -> AsyncIterator[sqlite3.Row]:
    """Every row of a read-only query, fetched `batch` rows at a time off the event loop.

    A connection of its own (read-only, or immutable like Datasette's) so neither the
    `max_returned_rows` cap nor the page size applies; memory stays at one batch whatever the
    result size. Plugins' `prepare_connection` hooks run on it so canned queries see the same
    SQL functions as in Datasette.
    """
    import asyncio

    from datasette.plugins import pm

    db = datasette.get_database(database)
    mode = "mode=ro" if db.is_mutable else "immutable=1"
    conn = sqlite3.connect(f"file:{db.path}?{mode}", uri=True, check_same_thread=False)
    try:
        conn.row_factory = sqlite3.Row
        pm.hook.prepare_connection(conn=conn, database=database, datasette=datasette)
        cur = await asyncio.to_thread(conn.execute, sql, params or {})
        while rows := await asyncio.to_thread(cur.fetchmany, batch):
            for row in rows:
                yield row
    finally:
        conn.close()


def streaming_response(chunks: AsyncIterator[str], content_type: str, headers: dict[str, str] | None = None
                       ) -> Any:
    """A Datasette `Response` whose body is sent chunk by chunk as `chunks` yields.

    Output renderers must return a `Response`; this subclass keeps that contract (Datasette
    still adds its cache and referrer headers) while never holding the whole body in memory.
    """
    from datasette.utils.asgi import Response

    class _Streaming(Response):
        async def asgi_send(self, send: Any) -> None:
            raw = {**self.headers, "content-type": self.content_type}
            await send({"type": "http.response.start", "status": self.status,
                        "headers": [[k.encode("latin-1"), v.encode("latin-1")] for k, v in raw.items()]})
            buf: list[str] = []
            size = 0
            async for chunk in chunks:
                buf.append(chunk)
                size += len(chunk)
                if size >= 64 * 1024:
                    await send({"type": "http.response.body", "body": "".join(buf).encode("utf-8"),
                                "more_body": True})
                    buf, size = [], 0
            await send({"type": "http.response.body", "body": "".join(buf).encode("utf-8")})

    return _Streaming(body=b"", status=200, headers=headers or {}, content_type=content_type)
