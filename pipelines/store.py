"""Stage 5: the SQLite store (sqlite-utils owns the schema, batched upserts write the rows).

- Tables, column types, indexes and FTS come from crawlers/schema.py.
- Rows are written in batches, one transaction each, with `INSERT ... ON CONFLICT DO UPDATE`
  through `executemany` (row-by-row upserts run ~400 rows/s here, batches tens of thousands).
- A changed listing updates in place (new content_hash); an unchanged one only bumps last_seen;
  first_seen never moves.
- WAL mode: readers (Datasette) never block the crawl, and a killed crawl leaves a consistent file.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import sqlite_utils

from crawlers.schema import (
    CRAWL_RUN_COLUMNS,
    FACET_FIELDS,
    FIELD_NAMES,
    FTS_FIELDS,
    JSON_FIELDS,
    OCCURRENCE_COLUMNS,
    OPPORTUNITY_AUDIENCE_COLUMNS,
    SOURCE_COLUMNS,
    column_types,
    content_hash,
)
from pipelines import Stage

DEFAULT_DB = "widen.db"
BATCH_SIZE = 500
_UPDATABLE = [f for f in FIELD_NAMES if f not in ("id", "first_seen")]


def default_db_path() -> str:
    return os.environ.get("WIDEN_DB") or DEFAULT_DB


def utcnow() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Create every table, index, FTS table and trigger if missing (idempotent)."""
    db.conn.execute("PRAGMA journal_mode=WAL")
    db.conn.execute("PRAGMA synchronous=NORMAL")
    if "opportunities" not in db.table_names():
        db["opportunities"].create(column_types(), pk="id", not_null={"title", "kind", "source"})
    else:
        existing = db["opportunities"].columns_dict
        for name, typ in column_types().items():
            if name not in existing:
                db["opportunities"].add_column(name, typ)
    opp = db["opportunities"]
    for col in (*FACET_FIELDS, "start", "next_start", "last_seen", "duplicate_of", "reach_score"):
        if col not in ("audiences", "new_audiences"):
            opp.create_index([col], if_not_exists=True)
    if "opportunities_fts" not in db.table_names():
        opp.enable_fts(list(FTS_FIELDS), create_triggers=True, tokenize="porter")
    if "occurrences" not in db.table_names():
        db["occurrences"].create(OCCURRENCE_COLUMNS, pk=("opportunity_id", "start"))
        db["occurrences"].create_index(["start"], if_not_exists=True)
    if "opportunity_audiences" not in db.table_names():
        # Normalized (audience, opportunity) pairs: facets/filters over JSON arrays are too slow at 1M rows.
        db["opportunity_audiences"].create(OPPORTUNITY_AUDIENCE_COLUMNS, pk=("opportunity_id", "audience"))
        db["opportunity_audiences"].create_index(["audience", "opportunity_id"], if_not_exists=True)
    if "opportunity_links" not in db.table_names():
        db["opportunity_links"].create({"opportunity_id": str, "source": str, "url": str, "record_id": str},
                                       pk=("opportunity_id", "record_id"))
    if "crawl_runs" not in db.table_names():
        db["crawl_runs"].create(CRAWL_RUN_COLUMNS, pk="id")
        db["crawl_runs"].create_index(["source", "started"], if_not_exists=True)
    if "sources" not in db.table_names():
        db["sources"].create(SOURCE_COLUMNS, pk="slug")


class Store:
    """All writes to one database file. One instance per file per process (see `open_store`)."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        conn = sqlite3.connect(self.path, timeout=60, check_same_thread=False, isolation_level=None)
        self.db = sqlite_utils.Database(conn)
        ensure_schema(self.db)
        self._pending: list[dict[str, Any]] = []
        self._lock = threading.RLock()
        cols = ", ".join(f'"{c}"' for c in FIELD_NAMES)
        marks = ", ".join("?" for _ in FIELD_NAMES)
        sets = ", ".join(f'"{c}" = CASE WHEN opportunities.content_hash IS excluded.content_hash '
                         f'THEN opportunities."{c}" ELSE excluded."{c}" END' for c in _UPDATABLE
                         if c != "last_seen")
        self._upsert_sql = (f"INSERT INTO opportunities ({cols}) VALUES ({marks}) ON CONFLICT(id) DO UPDATE SET "
                            f"{sets}, last_seen = excluded.last_seen")

    # -- opportunities -------------------------------------------------------------------
    def add(self, rec: dict[str, Any]) -> None:
        """Queue a record; written with its batch."""
        with self._lock:
            self._pending.append(rec)
            if len(self._pending) >= BATCH_SIZE:
                self.flush()

    def flush(self) -> dict[str, int]:
        """Write queued records in one transaction; counts of new/updated/unchanged by source."""
        with self._lock:
            batch, self._pending = self._pending, []
            return self.write(batch)

    def write(self, records: list[dict[str, Any]], now: str | None = None) -> dict[str, int]:
        """Upsert records in one transaction. Returns counts keyed 'new'/'updated'/'unchanged'."""
        counts = {"new": 0, "updated": 0, "unchanged": 0}
        if not records:
            return counts
        now = now or utcnow()
        by_id: dict[str, dict[str, Any]] = {}
        for r in records:
            by_id[r["id"]] = r  # last one wins within a batch
        ids = list(by_id)
        known: dict[str, str | None] = {}
        for chunk in _chunks(ids, 900):
            q = f"SELECT id, content_hash FROM opportunities WHERE id IN ({','.join('?' * len(chunk))})"
            known.update(self.db.conn.execute(q, chunk).fetchall())
        rows, occ_rows, aud_rows, link_rows, changed_ids = [], [], [], [], []
        for rid, r in by_id.items():
            h = content_hash(r)
            if rid not in known:
                counts["new"] += 1
                changed_ids.append(rid)
            elif known[rid] != h:
                counts["updated"] += 1
                changed_ids.append(rid)
            else:
                counts["unchanged"] += 1
            rows.append(self._row(r, h, now))
            for s, e in r.get("_occurrences") or []:
                occ_rows.append((rid, s, e))
            new = set(r.get("new_audiences") or [])
            for a in r.get("audiences") or []:
                aud_rows.append((rid, a, int(a in new)))
            if r.get("duplicate_of"):
                link_rows.append((r["duplicate_of"], r.get("source"), r.get("url"), rid))
        conn = self.db.conn
        with self._lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany(self._upsert_sql, rows)
                if changed_ids:
                    for chunk in _chunks(changed_ids, 900):
                        marks = ",".join("?" * len(chunk))
                        conn.execute(f"DELETE FROM occurrences WHERE opportunity_id IN ({marks})", chunk)
                        conn.execute(f"DELETE FROM opportunity_audiences WHERE opportunity_id IN ({marks})", chunk)
                    changed = set(changed_ids)
                    conn.executemany("INSERT OR REPLACE INTO occurrences VALUES (?, ?, ?)",
                                     [o for o in occ_rows if o[0] in changed])
                    conn.executemany("INSERT OR REPLACE INTO opportunity_audiences VALUES (?, ?, ?)",
                                     [a for a in aud_rows if a[0] in changed])
                conn.executemany("INSERT OR REPLACE INTO opportunity_links VALUES (?, ?, ?, ?)", link_rows)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return counts

    @staticmethod
    def _row(r: dict[str, Any], h: str, now: str) -> tuple[Any, ...]:
        vals = []
        for f in FIELD_NAMES:
            v = r.get(f)
            if f == "content_hash":
                v = h
            elif f in ("first_seen", "last_seen"):
                v = now
            elif f in JSON_FIELDS and v is not None:
                v = json.dumps(v, ensure_ascii=False)
            elif isinstance(v, bool):
                v = int(v)
            vals.append(v)
        return tuple(vals)

    def candidates(self, rec: dict[str, Any]) -> list[dict[str, Any]]:
        """Records from other sources starting the same day (the dedupe stage's search space)."""
        day = (rec.get("start") or "")[:10]
        if not day:
            return []
        with self._lock:
            pending = [p for p in self._pending if (p.get("start") or "")[:10] == day]
            q = ("SELECT id, source, kind, title, start, city, venue, organizer, duplicate_of FROM opportunities "
                 "WHERE start >= ? AND start < ? AND source != ?")
            cur = self.db.conn.execute(q, (day, day + "\uffff", rec.get("source") or ""))
            cols = [c[0] for c in cur.description]
            rows = [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]
        return pending + rows

    # -- runs and sources ----------------------------------------------------------------
    def start_run(self, source: str, platform: str | None, run_id: str | None = None) -> int:
        """A crawl_runs row marked 'running' (a killed crawl leaves it so, visibly)."""
        with self._lock:
            cur = self.db.conn.execute(
                "INSERT INTO crawl_runs (run_id, source, platform, started, finish_reason, pages, items, new, "
                "updated, unchanged, dropped, errors) VALUES (?, ?, ?, ?, 'running', 0, 0, 0, 0, 0, 0, 0)",
                (run_id or uuid.uuid4().hex[:12], source, platform, utcnow()))
            return int(cur.lastrowid)

    def finish_run(self, run_pk: int, **values: Any) -> None:
        values["finished"] = utcnow()
        started = self.db.conn.execute("SELECT started FROM crawl_runs WHERE id = ?", (run_pk,)).fetchone()
        if started and started[0]:
            values["duration_s"] = round((dt.datetime.fromisoformat(values["finished"])
                                          - dt.datetime.fromisoformat(started[0])).total_seconds(), 1)
        with self._lock:
            self.db["crawl_runs"].update(run_pk, values)
            src = values.get("source") or self.db["crawl_runs"].get(run_pk)["source"]
            ok = values.get("finish_reason") == "finished" and not values.get("errors")
            prev = self.db.conn.execute("SELECT consecutive_failures FROM sources WHERE slug = ?", (src,)).fetchone()
            fails = 0 if ok else ((prev[0] or 0) + 1 if prev else 1)
            self.db["sources"].upsert({"slug": src, "last_run": values["finished"],
                                       "last_status": "ok" if ok else "failing",
                                       "last_items": values.get("items", 0),
                                       "consecutive_failures": fails}, pk="slug", alter=False)

    def sync_sources(self, sources: Iterable[Any]) -> None:
        """Mirror config/sources.yml into the `sources` table (health columns are kept)."""
        with self._lock:
            rows = [{"slug": s.slug, "name": s.name, "platform": s.platform, "url": s.url,
                     "timezone": s.timezone, "country": s.country, "region": s.region, "kind": s.kind,
                     "audiences": json.dumps(s.audiences), "schedule": s.schedule, "enabled": int(s.enabled)}
                    for s in sources]
            if rows:
                self.db["sources"].upsert_all(rows, pk="slug")

    def close(self) -> None:
        self.flush()
        _STORES.pop(self.path, None)
        self.db.conn.close()


def _chunks(seq: list[Any], n: int) -> Iterator[list[Any]]:
    for i in range(0, len(seq), n):
        yield seq[i:i + n]


_STORES: dict[str, Store] = {}


def open_store(path: str | Path) -> Store:
    """The process's Store for a file: pipelines of concurrent crawlers share one connection."""
    key = str(path)
    if key not in _STORES:
        _STORES[key] = Store(key)
    return _STORES[key]


class StorePipeline(Stage):
    """Scrapy stage: batch records into SQLite and write the source's crawl_runs row."""

    def __init__(self, crawler: Any):
        super().__init__(crawler)
        self.store: Store | None = None
        self.run_pk: int | None = None
        self.counts = {"new": 0, "updated": 0, "unchanged": 0}
        self.buffer: list[dict[str, Any]] = []

    @classmethod
    def from_crawler(cls, crawler: Any) -> StorePipeline:
        from scrapy import signals

        pipe = cls(crawler)
        # The finish reason is only known at spider_closed, which fires after close_spider.
        crawler.signals.connect(pipe.spider_closed, signal=signals.spider_closed)
        return pipe

    def open_spider(self) -> None:
        spider = self.spider
        self.store = open_store(self.crawler.settings.get("WIDEN_DB") or default_db_path())
        src = getattr(spider, "source", None)
        if src is not None:
            self.store.sync_sources([src])
        self.run_pk = self.store.start_run(getattr(spider, "source_slug", spider.name),
                                           getattr(spider, "platform", spider.name),
                                           self.crawler.settings.get("WIDEN_RUN_ID"))
        spider.dedupe_candidates = self.store.candidates

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        self.buffer.append(item)
        if len(self.buffer) >= BATCH_SIZE:
            self._flush()
        return item

    def _flush(self) -> None:
        assert self.store is not None
        batch, self.buffer = self.buffer, []
        for k, v in self.store.write(batch).items():
            self.counts[k] += v
            self.crawler.stats.inc_value(f"widen/items/{k}", v)

    def close_spider(self) -> None:
        self._flush()

    def spider_closed(self, spider: Any, reason: str) -> None:
        """Write this source's crawl_runs row: pages, items, drops, errors, finish reason."""
        stats = self.crawler.stats
        errors = list(getattr(spider, "errors", []))
        n_err = len(errors) + int(stats.get_value("log_count/ERROR", 0) or 0)
        assert self.store is not None and self.run_pk is not None
        self.store.finish_run(
            self.run_pk,
            source=getattr(spider, "source_slug", spider.name),
            pages=int(stats.get_value("response_received_count", 0) or 0),
            items=sum(self.counts.values()),
            dropped=int(stats.get_value("widen/dropped", 0) or 0),
            errors=n_err,
            error_messages="\n".join(errors[:50]) or None,
            finish_reason=reason,
            **self.counts,
        )
