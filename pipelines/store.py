"""Stage 5: the SQLite store (sqlite-utils owns the schema, batched upserts write the rows).

- Tables, column types, indexes and FTS come from crawlers/schema.py through crawlers/db.py,
  which owns the file's shape and its migrations.
- Rows are written in batches, one transaction each, with `INSERT ... ON CONFLICT DO UPDATE`
  through `executemany` (row-by-row upserts run ~400 rows/s here, batches tens of thousands).
- A changed listing updates in place (new content_hash); an unchanged one only bumps last_seen;
  first_seen never moves.
- Rows are split before writing: new ones are plain INSERTs (indexed for search in one statement
  per batch), changed ones UPDATE every content column, unchanged ones touch only
  last_seen/next_start/duplicate_of (see `_fts_triggers` for why the search triggers differ
  from sqlite-utils' defaults).
- WAL mode: readers (Datasette) never block the crawl, and a killed crawl leaves a consistent file.
- Lifecycle: nothing is ever marked cancelled for being absent; the `stale_opportunities` view
  lists records that N clean runs of their source have not seen (`stale_after_runs`).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import sqlite_utils

from crawlers.db import FTS_FILL, default_db_path, ensure_schema
from crawlers.schema import (
    FIELD_NAMES,
    JSON_FIELDS,
    URL_FIELDS,
    content_hash,
    http_url,
)
from crawlers.stats import run_errors
from pipelines import Stage

# Records per transaction, and the longest a crawl's records wait in memory. Random keys (ids,
# URLs, organizers) dirty about one index page per row, and every commit writes its dirty pages
# to the WAL again: 2,000 a batch stores a first crawl 19% faster than 500 (bench/store.py),
# while the time limit keeps what a killed crawl loses, and the wait to see rows, to 30 s.
BATCH_SIZE = 2000
FLUSH_SECONDS = 30.0
CACHE_KIB = 65536
_JSON = json.JSONEncoder(ensure_ascii=False).encode  # one encoder: json.dumps(…, ensure_ascii=False) builds one a call
# Set by the crawl every time, whether or not the content changed.
_TOUCHED = ("last_seen", "next_start", "duplicate_of")
# Set by the reach step, which may run apart from crawls: a crawl without them keeps the old values.
_KEPT_WHEN_NULL = ("new_audiences", "reach_score")
_UPDATABLE = [f for f in FIELD_NAMES if f not in ("id", "first_seen")]
_JSON_IDX = tuple(FIELD_NAMES.index(f) for f in JSON_FIELDS)
_URL_IDX = tuple(FIELD_NAMES.index(f) for f in URL_FIELDS)
_HASH_IDX, _FIRST_IDX, _LAST_IDX = (FIELD_NAMES.index(f) for f in ("content_hash", "first_seen", "last_seen"))
_CANDIDATE_COLUMNS = ("id", "source", "kind", "title", "start", "timezone", "url", "city", "region", "country",
                      "lat", "lon", "venue", "organizer", "duplicate_of")


def utcnow() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


class _Queued:
    """One pipeline's buffer of records not yet written, indexed as records arrive by start date,
    URL and organizer: a dedupe lookup then probes a dict instead of scanning the batch (a scan
    made each batch quadratic: ~200 µs per record at 2,000 a batch).

    Buffers are appended to and cleared, never edited in place (StorePipeline): a shorter buffer,
    or a different first record, means it was flushed and the index starts over.
    """

    def __init__(self, buffer: list[dict[str, Any]]):
        self.buffer = buffer
        self._reset()

    def _reset(self) -> None:
        self.seen = 0
        self.first: dict[str, Any] | None = None
        self.by_day: dict[str, list[dict[str, Any]]] = {}
        self.by_url: dict[str, list[dict[str, Any]]] = {}
        self.by_org: dict[str, list[dict[str, Any]]] = {}

    def _sync(self) -> None:
        buf = self.buffer
        if len(buf) < self.seen or (buf and buf[0] is not self.first):
            self._reset()
        for p in buf[self.seen:]:
            start = p.get("start") or ""
            if start:
                self.by_day.setdefault(start[:10], []).append(p)
            else:
                for key, index in ((p.get("url"), self.by_url), (p.get("organizer"), self.by_org)):
                    if key:
                        index.setdefault(key, []).append(p)
        self.seen = len(buf)
        self.first = buf[0] if buf else None

    def on_days(self, days: tuple[str, ...]) -> list[dict[str, Any]]:
        """Queued records starting on one of `days` (YYYY-MM-DD)."""
        self._sync()
        return [p for d in days for p in self.by_day.get(d, ())]

    def undated(self, url: str, org: str) -> list[dict[str, Any]]:
        """Queued undated records with this URL or this organizer, each once."""
        self._sync()
        found = [*(self.by_url.get(url, ()) if url else ()), *(self.by_org.get(org, ()) if org else ())]
        return list({id(p): p for p in found}.values())


class Store:
    """All writes to one database file. One instance per file per process (see `open_store`)."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        conn = sqlite3.connect(self.path, timeout=60, check_same_thread=False, isolation_level=None)
        # 64 MB page cache (default 2 MB): the facet indexes outgrow the default at ~20k rows and
        # every batch re-reads their pages; measured +12% writes at 50k rows (bench/store.py).
        conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        self.db = sqlite_utils.Database(conn)
        ensure_schema(self.db)
        self._queued: list[_Queued] = []
        self._stored_days: dict[str, list[dict[str, Any]]] = {}
        self._data_version: int | None = None
        self._lock = threading.RLock()
        cols = ", ".join(f'"{c}"' for c in FIELD_NAMES)
        marks = ", ".join("?" for _ in FIELD_NAMES)
        self._insert_sql = f"INSERT INTO opportunities ({cols}) VALUES ({marks})"
        self._index_sql = f"{FTS_FILL} WHERE rowid > ?"
        sets = ", ".join(f'"{c}" = coalesce(excluded."{c}", opportunities."{c}")' if c in _KEPT_WHEN_NULL
                         else f'"{c}" = excluded."{c}"' for c in _UPDATABLE)
        self._update_sql = f"{self._insert_sql} ON CONFLICT(id) DO UPDATE SET {sets}"
        self._self_link_sql = (
            "INSERT OR REPLACE INTO opportunity_links SELECT id, source, url, id FROM opportunities o "
            "WHERE id IN ({marks}) AND EXISTS (SELECT 1 FROM opportunity_links l "
            "WHERE l.opportunity_id = o.id AND l.record_id != o.id)")
        self._touch_sql = ("UPDATE opportunities SET " + ", ".join(f'"{c}" = ?' for c in _TOUCHED)
                           + " WHERE id = ?")
        self._touch_idx = [FIELD_NAMES.index(c) for c in _TOUCHED]

    # -- opportunities -------------------------------------------------------------------
    def write(self, records: list[dict[str, Any]], now: str | None = None) -> dict[str, int]:
        """Upsert records in one transaction (all or nothing). Counts keyed 'new'/'updated'/'unchanged'.

        Occurrences and audience rows of new and changed records are rewritten. A duplicate's
        link row (its source and URL under its canonical id) is rewritten when it is new, changed
        or linked to another canonical than before; a canonical with duplicates gets its own row
        too, so `opportunity_links` lists every source's URL for it.
        """
        counts = {"new": 0, "updated": 0, "unchanged": 0}
        if not records:
            return counts
        now = now or utcnow()
        by_id: dict[str, dict[str, Any]] = {}
        for r in records:
            by_id[r["id"]] = r  # last one wins within a batch
        hashes = {rid: content_hash(r) for rid, r in by_id.items()}
        conn = self.db.conn
        with self._lock:
            self._stored_days.clear()
            conn.execute("BEGIN IMMEDIATE")
            try:
                known: dict[str, tuple[str | None, str | None]] = {}
                ids = list(by_id)
                for chunk in _chunks(ids, 900):
                    q = (f"SELECT id, content_hash, duplicate_of FROM opportunities "
                         f"WHERE id IN ({','.join('?' * len(chunk))})")
                    known.update((i, (h, d)) for i, h, d in conn.execute(q, chunk))
                new_rows, changed_rows, touch_rows, changed_ids, relinked = [], [], [], [], []
                for rid, r in by_id.items():
                    row = self._row(r, hashes[rid], now)
                    old = known.get(rid)
                    if old is None:
                        new_rows.append(row)
                    elif old[0] != hashes[rid]:
                        changed_rows.append(row)
                        changed_ids.append(rid)
                    else:
                        touch_rows.append((*(row[i] for i in self._touch_idx), rid))
                        if old[1] != r.get("duplicate_of"):
                            relinked.append(rid)
                counts["new"], counts["updated"] = len(new_rows), len(changed_rows)
                counts["unchanged"] = len(touch_rows)
                if new_rows:
                    top = conn.execute("SELECT coalesce(max(rowid), 0) FROM opportunities").fetchone()[0]
                    conn.executemany(self._insert_sql, new_rows)
                    conn.execute(self._index_sql, (top,))  # new rows take rowids above the old maximum
                conn.executemany(self._update_sql, changed_rows)
                conn.executemany(self._touch_sql, touch_rows)
                for chunk in _chunks(changed_ids, 900):
                    marks = ",".join("?" * len(chunk))
                    conn.execute(f"DELETE FROM occurrences WHERE opportunity_id IN ({marks})", chunk)
                    conn.execute(f"DELETE FROM opportunity_audiences WHERE opportunity_id IN ({marks})", chunk)
                for chunk in _chunks(changed_ids + relinked, 900):
                    conn.execute(f"DELETE FROM opportunity_links WHERE record_id IN ({','.join('?' * len(chunk))})",
                                 chunk)
                new_ids = [rid for rid in by_id if known.get(rid) is None]
                rewritten = new_ids + changed_ids
                conn.executemany("INSERT OR REPLACE INTO occurrences VALUES (?, ?, ?)",
                                 [(rid, s, e) for rid in rewritten for s, e in by_id[rid].get("_occurrences") or []])
                audience_rows = []
                for rid in rewritten:
                    new = set(by_id[rid].get("new_audiences") or ())
                    audience_rows += [(rid, a, int(a in new)) for a in by_id[rid].get("audiences") or ()]
                conn.executemany("INSERT OR REPLACE INTO opportunity_audiences VALUES (?, ?, ?)", audience_rows)
                dupes = [rid for rid in rewritten + relinked if by_id[rid].get("duplicate_of")]
                conn.executemany("INSERT OR REPLACE INTO opportunity_links VALUES (?, ?, ?, ?)",
                                 [(by_id[rid]["duplicate_of"], by_id[rid].get("source"), by_id[rid].get("url"), rid)
                                  for rid in dupes])
                # A canonical's own link, once it has duplicates (it may be written before or after them).
                canon = list(dict.fromkeys([by_id[rid]["duplicate_of"] for rid in dupes] + rewritten))
                for chunk in _chunks(canon, 900):
                    conn.execute(self._self_link_sql.format(marks=",".join("?" * len(chunk))), chunk)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return counts

    @staticmethod
    def _row(r: dict[str, Any], h: str, now: str) -> tuple[Any, ...]:
        """The record as a row in FIELD_NAMES order (bools bind as 0/1 natively; JSON arrays as text)."""
        vals = [r.get(f) for f in FIELD_NAMES]
        for i in _JSON_IDX:
            if vals[i] is not None:
                vals[i] = _JSON(vals[i])
        for i in _URL_IDX:  # whoever wrote the record, only http(s) links are stored
            if vals[i] is not None:
                vals[i] = http_url(vals[i])
        vals[_HASH_IDX] = h
        vals[_FIRST_IDX] = vals[_LAST_IDX] = now
        return tuple(vals)

    def candidates(self, rec: dict[str, Any]) -> list[dict[str, Any]]:
        """Records from other sources that could be `rec` (the dedupe stage's search space).

        Dated: starting within a day either side (a UTC listing can fall on the next date).
        Undated: the same URL or the same organizer. Queued, not yet written records count too.
        """
        day = (rec.get("start") or "")[:10]
        src = rec.get("source") or ""
        cols = ", ".join(_CANDIDATE_COLUMNS)
        if day:
            try:
                d = dt.date.fromisoformat(day)
            except ValueError:
                return []
            # A day either side: the dates before, of and after its start (queued records are indexed by date).
            days = (str(d - dt.timedelta(days=1)), day, str(d + dt.timedelta(days=1)))
            with self._lock:
                pending = [p for queue in self._queued for p in queue.on_days(days) if p.get("source") != src]
                self._check_stored_days()
                stored = [r for one in days for r in self._stored_on(one, cols) if r.get("source") != src]
            return pending + stored
        url, org = rec.get("url") or "", rec.get("organizer") or ""
        if not (url or org):
            return []
        q = (f"SELECT {cols} FROM opportunities WHERE start IS NULL AND source != ? "
             f"AND (url = ? OR organizer = ?)")
        with self._lock:
            pending = [p for queue in self._queued for p in queue.undated(url, org) if p.get("source") != src]
            cur = self.db.conn.execute(q, (src, url, org))
            names = [c[0] for c in cur.description]
            rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
        return pending + rows

    def _check_stored_days(self) -> None:
        """Empty the per-day cache when another connection has committed since it was filled."""
        version = self.db.conn.execute("PRAGMA data_version").fetchone()[0]
        if version != self._data_version or len(self._stored_days) > 1000:
            self._stored_days.clear()
            self._data_version = version

    def _stored_on(self, day: str, cols: str) -> list[dict[str, Any]]:
        """Stored records starting on `day` (YYYY-MM-DD), read once per day until the database
        changes: listings of one source crowd onto few dates, so most dedupe lookups are a dict
        probe. Another connection's commit changes `PRAGMA data_version` and empties the cache;
        our own writes empty it in `write`. The rows are shared: callers must not change them."""
        rows = self._stored_days.get(day)
        if rows is None:
            nxt = str(dt.date.fromisoformat(day) + dt.timedelta(days=1))
            cur = self.db.conn.execute(f"SELECT {cols} FROM opportunities WHERE start >= ? AND start < ?", (day, nxt))
            names = [c[0] for c in cur.description]
            rows = self._stored_days[day] = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
        return rows

    def watch(self, buffer: list[dict[str, Any]]) -> None:
        """Let `candidates` see records queued in a pipeline's own buffer before they are written."""
        with self._lock:
            if not any(q.buffer is buffer for q in self._queued):
                self._queued.append(_Queued(buffer))

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
            skipped = str(values.get("finish_reason") or "").startswith("skipped")
            ok = skipped or (values.get("finish_reason") == "finished" and not values.get("errors"))
            prev = self.db.conn.execute("SELECT consecutive_failures FROM sources WHERE slug = ?", (src,)).fetchone()
            fails = 0 if ok else ((prev[0] or 0) + 1 if prev else 1)
            self.db["sources"].upsert({"slug": src, "last_run": values["finished"],
                                       "last_status": "skipped" if skipped else "ok" if ok else "failing",
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
    """Scrapy stage: batch records into SQLite and write the source's crawl_runs row.

    A batch is written at `WIDEN_STORE_BATCH` records (default BATCH_SIZE), by the first record
    that arrives FLUSH_SECONDS or more after the last write, and at the end of the crawl."""

    def __init__(self, crawler: Any):
        super().__init__(crawler)
        self.store: Store | None = None
        self.run_pk: int | None = None
        self.counts = {"new": 0, "updated": 0, "unchanged": 0}
        self.buffer: list[dict[str, Any]] = []
        self.batch = crawler.settings.getint("WIDEN_STORE_BATCH", BATCH_SIZE)
        self.flushed_at = time.monotonic()

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
        self.store.watch(self.buffer)
        spider.dedupe_candidates = self.store.candidates

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        self.buffer.append(item)
        if len(self.buffer) >= self.batch or time.monotonic() - self.flushed_at >= FLUSH_SECONDS:
            self._flush()
        return item

    def _flush(self) -> None:
        assert self.store is not None
        batch = list(self.buffer)  # the list object stays: the store watches it for dedupe candidates
        counts = self.store.write(batch)
        self.buffer.clear()
        self.flushed_at = time.monotonic()
        for k, v in counts.items():
            self.counts[k] += v
            self.crawler.stats.inc_value(f"widen/items/{k}", v)

    def close_spider(self) -> None:
        self._flush()

    def spider_closed(self, spider: Any, reason: str) -> None:
        """Write this source's crawl_runs row: pages, items, drops, errors, finish reason."""
        stats = self.crawler.stats
        errors = list(getattr(spider, "errors", []))
        n_err = run_errors(stats.get_stats(), spider)
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
