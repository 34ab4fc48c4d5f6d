"""A database made by an earlier widen is migrated by whoever may write it, refused with the
command to run by whoever only reads it, and never crashes anything; one made by a newer widen
is refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import widen

from crawlers.cli import serve as serve_cli
from crawlers.db import SCHEMA_VERSION, SchemaError, open_readonly, outdated
from crawlers.schema import CRAWL_RUN_COLUMNS, SOURCE_COLUMNS, column_types
from pipelines.store import Store

# Columns added to opportunities after the first widen databases were made.
LATER = ("geo_precision", "new_audiences", "reach_score")
SQL_TYPES = {str: "TEXT", int: "INTEGER", float: "FLOAT", bool: "INTEGER"}


def _cols(columns: dict) -> str:
    return ", ".join(f'"{c}" {SQL_TYPES.get(t, "TEXT")}' for c, t in columns.items())


def old_db(path: Path) -> Path:
    """The shape of an early widen database: fewer opportunities columns, no search index, no
    audience/link tables, no reach indexes, no schema version; one listing in it."""
    cols = {c: t for c, t in column_types().items() if c not in LATER}
    conn = sqlite3.connect(path)
    conn.execute(f"CREATE TABLE opportunities ({_cols(cols)}, PRIMARY KEY (id))")
    conn.execute(f"CREATE TABLE crawl_runs ({_cols(CRAWL_RUN_COLUMNS)})")
    conn.execute(f"CREATE TABLE sources ({_cols(SOURCE_COLUMNS)})")
    conn.execute("INSERT INTO opportunities (id, kind, title, source, start, city) VALUES "
                 "('old:1', 'networking_event', 'Founders Breakfast', 'old', '2026-03-12T08:00:00-06:00', 'Chicago')")
    conn.commit()
    conn.close()
    return path


def test_readers_refuse_an_old_database_with_the_command_to_run(tmp_path: Path) -> None:
    db = old_db(tmp_path / "old.db")
    r = widen("export", "--db", str(db))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert f"widen migrate --db {db}" in r.stderr and "earlier widen" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert "geo_precision" in outdated(sqlite3.connect(db))


def test_migrate_adds_what_is_missing_and_keeps_every_row(tmp_path: Path) -> None:
    db = old_db(tmp_path / "old.db")
    r = widen("migrate", "--db", str(db))
    assert r.returncode == 0, r.stderr
    assert f"schema 0 -> {SCHEMA_VERSION}" in r.stdout and "column opportunities.geo_precision" in r.stdout
    conn = open_readonly(db)  # current now
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("SELECT title FROM opportunities_fts WHERE opportunities_fts MATCH 'founders'").fetchall() \
        == [("Founders Breakfast",)]
    conn.close()
    again = widen("migrate", "--db", str(db))
    assert again.returncode == 0 and "up to date" in again.stdout
    out = widen("export", "--db", str(db))
    assert out.returncode == 0 and "Founders Breakfast" in out.stdout


def test_a_crawl_migrates_as_it_opens(tmp_path: Path) -> None:
    db = old_db(tmp_path / "old.db")
    store = Store(db)
    store.write([{"id": "new:1", "kind": "volunteer_role", "title": "Tutor", "source": "new",
                  "geo_precision": "city", "reach_score": 50.0, "audiences": ["education"]}])
    store.close()
    conn = open_readonly(db)
    assert sorted(r[0] for r in conn.execute("SELECT id FROM opportunities")) == ["new:1", "old:1"]
    assert conn.execute("SELECT audience FROM opportunity_audiences").fetchall() == [("education",)]


def test_serve_migrates_a_writable_file_and_refuses_a_read_only_one(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    db = old_db(tmp_path / "old.db")
    monkeypatch.setattr(serve_cli.os, "access", lambda *_: False)  # as a read-only file would
    with pytest.raises(SchemaError, match="cannot be served.*widen migrate --db"):
        serve_cli._migrate_if_needed(db)
    monkeypatch.undo()
    serve_cli._migrate_if_needed(db)
    assert outdated(sqlite3.connect(db)) is None


def test_a_database_of_a_newer_widen_is_refused_everywhere(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    Store(db).close()
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(SchemaError, match="newer widen"):
        Store(db)
    r = widen("export", "--db", str(db))
    assert r.returncode == 2 and "newer widen" in r.stderr and "Traceback" not in r.stderr
    with pytest.raises(SchemaError, match="newer widen"):
        serve_cli._migrate_if_needed(db)


def test_read_only_open_survives_uri_characters_in_the_path(tmp_path: Path) -> None:
    folder = tmp_path / "a?b#c%20d"
    folder.mkdir()
    Store(folder / "w.db").close()
    conn = open_readonly(folder / "w.db")
    assert conn.execute("SELECT count(*) FROM opportunities").fetchone() == (0,)


def test_a_foreign_sqlite_file_is_named_so_and_never_migrated(tmp_path: Path) -> None:
    db = tmp_path / "other.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE opportunities (x)")
    conn.commit()
    conn.close()
    for verb in ("export", "migrate"):
        r = widen(verb, "--db", str(db))
        assert r.returncode == 2 and "not a widen database" in r.stderr and "Traceback" not in r.stderr, r.stderr
    tables = {t for (t,) in sqlite3.connect(db).execute("SELECT name FROM sqlite_master")}
    assert tables == {"opportunities"}
    with pytest.raises(SchemaError, match="not a widen database"):
        Store(db)  # a crawl pointed at it does not write into it either


def test_a_schema_1_database_gets_the_facet_indexes_a_page_lists_from(tmp_path: Path) -> None:
    """Schema 1 had single-column facet indexes: a facet click sorted every matching row by id.
    Serving a writable schema-1 file migrates it to (column, id) indexes that list in id order."""
    db = tmp_path / "v1.db"
    Store(db).close()
    conn = sqlite3.connect(db)
    for col in ("kind", "region"):
        conn.execute(f"DROP INDEX idx_opportunities_{col}_id")
        conn.execute(f"CREATE INDEX idx_opportunities_{col} ON opportunities({col})")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    assert outdated(sqlite3.connect(db)) is None  # readable as it is
    serve_cli._migrate_if_needed(db)
    conn = open_readonly(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    for col in ("kind", "region"):
        plan = " ".join(r[3] for r in conn.execute(
            f"EXPLAIN QUERY PLAN SELECT * FROM opportunities WHERE {col} = 'x' ORDER BY id LIMIT 51"))
        assert f"idx_opportunities_{col}_id" in plan and "TEMP B-TREE" not in plan, plan
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "idx_opportunities_kind" not in names  # replaced, not kept beside
    conn.close()
