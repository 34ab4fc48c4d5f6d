"""The database's home: where it is, its schema and indexes, migrations, and read-only opens.

Everything that creates or changes the shape of widen's SQLite file lives here, driven by
crawlers/schema.py: the store writes rows, reach scores them, monitors record crawl health,
the CLI and Datasette read them, and all of them open the file through this module. It imports
nothing of widen's but the schema, so no layer above it can form an import circle through it.

Versions: `PRAGMA user_version` holds SCHEMA_VERSION once `ensure_schema` has run. Databases of
earlier versions are migrated by any writer (a crawl, `widen migrate`, `widen serve` when the
file is writable); read-only users refuse an outdated file with the command that migrates it.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from crawlers.schema import (
    CRAWL_RUN_COLUMNS,
    FACET_FIELDS,
    FTS_FIELDS,
    OCCURRENCE_COLUMNS,
    OPPORTUNITY_AUDIENCE_COLUMNS,
    SOURCE_COLUMNS,
    column_types,
)

if TYPE_CHECKING:  # imported where used: every `widen` command loads this module, few need it
    import sqlite_utils

DEFAULT_DB = "widen.db"
# 1: the schema of crawlers/schema.py as of geo_precision, reach indexes and stale view.
# 2: facet columns indexed with id (SORTED_FACET_INDEXES). Bump it when `ensure_schema` learns a
# change an older file needs (it must stay additive; an index may replace a narrower one).
SCHEMA_VERSION = 2
STALE_AFTER_RUNS = 3
_FTS_COLS = ", ".join(f'"{c}"' for c in FTS_FIELDS)
# Indexes rows for search in one statement (the store adds a WHERE for the rows it wrote).
FTS_FILL = f"INSERT INTO opportunities_fts (rowid, {_FTS_COLS}) SELECT rowid, {_FTS_COLS} FROM opportunities"
LINK_COLUMNS = {"opportunity_id": str, "source": str, "url": str, "record_id": str}
# Facet columns of the opportunities page. Each gets a covering index (column, audiences,
# new_audiences): Datasette's count and facet queries under a reach filter then read one index,
# never the wide table rows (measured at 1M rows: ~0.4 s per facet instead of ~2 s).
REACH_FACETS = ("kind", "region", "attendance", "cost", "source")
REACH_INDEXES = {"idx_opportunities_reach": "audiences, new_audiences",
                 **{f"idx_opportunities_reach_{c}": f'"{c}", audiences, new_audiences' for c in REACH_FACETS}}
# The same facet columns, each indexed with the primary key: a facet click (`kind=board_seat`)
# lists its first page in id order straight from the index instead of sorting every matching row
# (1M rows: 0.55 s -> under 1 ms). They replace the single-column indexes of these facets.
SORTED_FACET_INDEXES = {f"idx_opportunities_{c}_id": f'"{c}", id' for c in REACH_FACETS}
# crawl_runs columns the monitors add when they first record a run's health.
HEALTH_COLUMNS = {"monitor_failures": str, "coverage": str}


NOT_WIDEN = "it is not a widen database (no opportunities table with id, title, kind and source)"
EARLIER = "it was made by an earlier widen"
NEWER = "it was made by a newer widen"


class SchemaError(Exception):
    """The database cannot be used as it is; the message says what to run."""


def default_db_path() -> str:
    return os.environ.get("WIDEN_DB") or DEFAULT_DB


def beside(db: Path, suffix: str) -> Path:
    """A file that belongs to the database (inspect data, metadata, tallies): next to it, or in
    the temp dir when its folder is not writable."""
    if os.access(db.parent, os.W_OK):
        return db.with_name(db.stem + suffix)
    return Path(tempfile.gettempdir()) / f"widen-{db.stem}{suffix}"


def _name(conn: sqlite3.Connection) -> str:
    row = conn.execute("PRAGMA database_list").fetchone()
    return (row[2] if row and row[2] else "the database")


def ensure_reach_indexes(conn: sqlite3.Connection) -> None:
    """Indexes the reach filters and audience facets rely on at 1M rows (idempotent)."""
    for name, cols in REACH_INDEXES.items():
        conn.execute(f"CREATE INDEX IF NOT EXISTS {name} ON opportunities({cols})")


def ensure_health_columns(conn: sqlite3.Connection) -> None:
    """Add the monitors' crawl_runs columns to databases created before them."""
    have = {r[1] for r in conn.execute("PRAGMA table_info(crawl_runs)")}
    for name in HEALTH_COLUMNS:
        if name not in have:
            conn.execute(f'ALTER TABLE crawl_runs ADD COLUMN "{name}" TEXT')


def outdated(conn: sqlite3.Connection) -> str | None:
    """Why this database needs `ensure_schema` before widen can read it, or None.

    A file stamped with this version is current; an unstamped or older one is current only when
    it already has every table and opportunities column (files made before versions existed)."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version == SCHEMA_VERSION:
        return None
    if version > SCHEMA_VERSION:
        return f"{NEWER} (schema {version}; this widen knows {SCHEMA_VERSION})"
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    columns = {r[1] for r in conn.execute("PRAGMA table_info(opportunities)")}
    if tables and not {"id", "title", "kind", "source"} <= columns:
        return NOT_WIDEN
    missing = [t for t in ("opportunities", "occurrences", "opportunity_audiences", "opportunity_links",
                           "crawl_runs", "sources", "opportunities_fts") if t not in tables]
    if "opportunities" in tables:
        missing += [f"opportunities.{c}" for c in column_types() if c not in columns]
    if missing:
        return f"{EARLIER} (missing {', '.join(missing[:6])}{'…' if len(missing) > 6 else ''})"
    return None


def migratable(why: str) -> bool:
    """Whether `ensure_schema` can bring a database `outdated` found wanting up to date."""
    return why.startswith(EARLIER)


def open_readonly(path: str | Path, *, check: bool = True) -> sqlite3.Connection:
    """A read-only connection (a URI built from the resolved path, so '?', '#' or '%' in a
    file name cannot turn into URI parameters). With `check`, an outdated file is refused with
    the command that migrates it."""
    p = Path(path)
    if not p.is_file():
        raise SchemaError(f"no database at {p} (run `widen crawl` or `widen demo` to make one)")
    conn = sqlite3.connect(p.resolve().as_uri() + "?mode=ro", uri=True)
    if check:
        try:
            why = outdated(conn)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise SchemaError(f"{p} is not a widen database ({exc})") from None
        if why:
            conn.close()
            raise SchemaError(refusal(p, why, "read"))
    return conn


def refusal(path: str | Path, why: str, action: str) -> str:
    """The one-line reason a database cannot be used as it is, with what to run."""
    if why == NOT_WIDEN:
        return f"{path} cannot be {action}: {why}; point --db at a file `widen crawl` made"
    fix = (f"run `widen migrate --db {path}` where the file can be written (a crawl migrates it too)"
           if migratable(why) else "upgrade widen (pip install -U widen)")
    return f"{path} cannot be {action}: {why}; {fix}"


def migrate(path: str | Path) -> tuple[int, int, list[str]]:
    """Bring the file at `path` up to this schema: (version before, after, what was added)."""
    import sqlite_utils

    conn = sqlite3.connect(str(path), timeout=60, isolation_level=None)
    try:
        before = conn.execute("PRAGMA user_version").fetchone()[0]
        shape = _shape(conn)
        ensure_schema(sqlite_utils.Database(conn))
        added = sorted(_shape(conn) - shape)
        return before, conn.execute("PRAGMA user_version").fetchone()[0], added
    finally:
        conn.close()


def _shape(conn: sqlite3.Connection) -> set[str]:
    """Tables, views, indexes, triggers and opportunities columns, by name."""
    out = {f"{t} {n}" for t, n in conn.execute("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")}
    if "table opportunities" in out:
        out |= {f"column opportunities.{r[1]}" for r in conn.execute("PRAGMA table_info(opportunities)")}
    return out


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Create every table, index, FTS table and trigger if missing, and bring a database made by
    an earlier widen up to this schema (idempotent: this is the migration too).

    Migrations are additive: new columns (NULL in old rows until a crawl fills them), tables,
    indexes, triggers and views. A database stamped by a newer widen is refused (SchemaError):
    this code would not know what its columns mean."""
    why = outdated(db.conn)
    if why and not migratable(why):  # a newer widen's file, or somebody else's: never write into it
        raise SchemaError(refusal(_name(db.conn), why, "used"))
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
        if col not in ("audiences", "new_audiences", *REACH_FACETS):
            opp.create_index([col], if_not_exists=True)
    for name, cols in SORTED_FACET_INDEXES.items():
        db.conn.execute(f"CREATE INDEX IF NOT EXISTS {name} ON opportunities({cols})")
    for col in REACH_FACETS:
        db.conn.execute(f"DROP INDEX IF EXISTS idx_opportunities_{col}")  # covered by (col, id)
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
        # Each duplicate's URL under its canonical record, plus the canonical's own: every source's link.
        db["opportunity_links"].create(LINK_COLUMNS, pk=("opportunity_id", "record_id"))
    db["opportunity_links"].create_index(["record_id"], if_not_exists=True)
    opp.create_index(["url"], if_not_exists=True)
    if "crawl_runs" not in db.table_names():
        db["crawl_runs"].create(CRAWL_RUN_COLUMNS, pk="id")
        db["crawl_runs"].create_index(["source", "started"], if_not_exists=True)
    if "sources" not in db.table_names():
        db["sources"].create(SOURCE_COLUMNS, pk="slug")
    _fts_triggers(db)
    _stale_view(db)
    ensure_reach_indexes(db.conn)  # reach pages stay index-only at 1M rows
    db.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    if db.conn.in_transaction:  # a connection in sqlite3's default mode opened one for the FTS catch-up
        db.conn.commit()


def stale_after_runs() -> int:
    """N of "not seen for N clean runs of its source": env WIDEN_STALE_AFTER_RUNS, default 3."""
    try:
        return max(1, int(os.environ.get("WIDEN_STALE_AFTER_RUNS") or STALE_AFTER_RUNS))
    except ValueError:
        return STALE_AFTER_RUNS


def _stale_view(db: sqlite_utils.Database) -> None:
    """`stale_opportunities`: listings their source stopped showing, for a person to check.

    Counted are clean runs (finished, no errors) of the record's own source that started after
    it was last seen: a broken or failing crawl is no evidence. Dated one-off listings whose
    time has passed are left out (events drop off calendars once they happen); recurring and
    undated ones (groups, roles) stay in. Nothing here changes `status`.
    """
    sql = f"""CREATE VIEW stale_opportunities AS
        SELECT o.id, o.title, o.kind, o.source, o.status, o.start, o.url, o.last_seen,
               (SELECT count(*) FROM crawl_runs r
                 WHERE r.source = o.source AND r.finish_reason = 'finished' AND coalesce(r.errors, 0) = 0
                   AND r.started > o.last_seen) AS runs_missed
          FROM opportunities o
         WHERE runs_missed >= {stale_after_runs()}
           AND (o.recurrence IS NOT NULL OR coalesce(o."end", o.start) IS NULL
                OR julianday(coalesce(o."end", o.start)) >= julianday('now'))"""
    row = db.conn.execute("SELECT sql FROM sqlite_master WHERE type = 'view' AND name = 'stale_opportunities'"
                          ).fetchone()
    if row and row[0] == sql:
        return
    db.conn.execute("DROP VIEW IF EXISTS stale_opportunities")
    db.conn.execute(sql)


def _fts_triggers(db: sqlite_utils.Database) -> None:
    """Keep the search index in step with fewer, cheaper triggers than sqlite-utils creates.

    - No per-row AFTER INSERT trigger: firing it costs ~50 µs a row here (3.5x the whole insert),
      while one `INSERT ... SELECT` per batch indexes the same rows almost for free, so
      `Store.write` indexes its new rows itself, inside the batch's transaction. Rows inserted
      by other means are indexed here, the next time a store opens the file.
    - The update trigger fires only when title/description/organizer are written: a re-crawl
      that bumps last_seen leaves the index alone.
    - The delete trigger stays as sqlite-utils made it.
    """
    conn = db.conn
    row = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'opportunities_au'"
                       ).fetchone()
    if row and " UPDATE OF " not in row[0]:
        body = row[0][row[0].index(" BEGIN"):]
        conn.execute("DROP TRIGGER opportunities_au")
        conn.execute(f'CREATE TRIGGER "opportunities_au" AFTER UPDATE OF {_FTS_COLS} ON "opportunities"{body}')
    conn.execute("DROP TRIGGER IF EXISTS opportunities_ai")
    conn.execute(f"{FTS_FILL} WHERE rowid NOT IN (SELECT id FROM opportunities_fts_docsize)")
