"""`widen serve`: Datasette with widen's metadata, plugins, templates and settings, read-only.

- Immutable (`-i`) with an inspect file written next to the database at start: Datasette then
  never locks or writes the file and its first page is fast (~70 ms instead of ~3 s). Restart
  after a crawl to see its rows (the WAL is checkpointed at start when the file is writable).
- Counts and facets are remembered per query while served (plugins/widen_summary.py).
- Arbitrary SQL (`?sql=`, `_where=`) off unless `--allow-sql`; canned queries work either way.
- CSV: `max_csv_mb 0` so a streamed export is never cut silently at 100 MB with HTTP 200.
- `config/datasette/metadata.yml` is keyed by the database name `widen` (widen.db). Datasette
  0.65 has no wildcard database key, so for any other file name the metadata is rendered for that
  name at start-up (`render_metadata`) and written next to the inspect file.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import yaml

from crawlers.cli.app import db_option, fail, main
from crawlers.config import config_dir
from crawlers.db import (
    SCHEMA_VERSION,
    SchemaError,
    beside,
    migratable,
    migrate,
    open_readonly,
    outdated,
    refusal,
)

METADATA_DB = "widen"  # the database key used in metadata.yml
CACHE_TTL_S = 300


def datasette_settings(allow_sql: bool = False) -> dict[str, Any]:
    """The Datasette settings widen serves with (also used by the tests' in-process app)."""
    return {
        "suggest_facets": False,  # ~0.85 s per page at 50k rows, and facets are configured anyway
        "facet_time_limit_ms": 1000,
        "sql_time_limit_ms": 3000,
        "max_csv_mb": 0,  # never truncate a streamed CSV silently
        "allow_csv_stream": True,
        "default_allow_sql": allow_sql,
        # The database is immutable while served (a crawl's rows appear after a restart), so a
        # browser or a reverse proxy may serve a repeat for 5 minutes instead of 5 seconds.
        "default_cache_ttl": CACHE_TTL_S,
    }


def render_metadata(db_name: str, path: Path | None = None) -> dict[str, Any]:
    """metadata.yml with its `widen` database block (and links to /widen/...) moved to `db_name`."""
    path = path or config_dir() / "datasette" / "metadata.yml"
    text = path.read_text(encoding="utf-8")
    meta = yaml.safe_load(text) or {}
    if db_name == METADATA_DB:
        return meta
    meta = yaml.safe_load(text.replace(f'"/{METADATA_DB}/', f'"/{db_name}/')) or {}
    dbs = meta.get("databases") or {}
    if METADATA_DB in dbs:
        dbs[db_name] = dbs.pop(METADATA_DB)
    return meta


def _migrate_if_needed(path: Path) -> None:
    """Serve only a database of this schema: migrate an earlier one where the file may be written,
    else refuse it with the command to run (the pages would fail on its missing columns)."""
    conn = open_readonly(path, check=False)
    try:
        why = outdated(conn)
        stamped = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError:
        return  # not a database: Datasette says so
    finally:
        conn.close()
    writable = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
    if why is None and (stamped >= SCHEMA_VERSION or not writable):
        return  # current, or readable as it is (an earlier stamp missing only indexes)
    if (why is None or migratable(why)) and writable:
        before, after, added = migrate(path)
        click.echo(f"{path}: migrated schema {before} -> {after} ({len(added)} additions)", err=True)
        return
    raise SchemaError(refusal(path, why, "served"))


def prepare(db: str) -> tuple[Path, Path]:
    """Checkpoint the WAL, write the inspect file and the metadata for this database name.

    Immutable serving ignores the WAL, so rows a crawl left there would be invisible; the
    checkpoint moves them into the main file (skipped when the file is read-only).
    """
    path = Path(db)
    _migrate_if_needed(path)
    try:
        conn = sqlite3.connect(path, timeout=5)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
    except sqlite3.Error:
        pass
    inspect_file = beside(path, ".inspect.json")
    subprocess.run([sys.executable, "-m", "datasette", "inspect", str(path), "--inspect-file", str(inspect_file)],
                   check=True, capture_output=True)
    meta_file = beside(path, ".metadata.json")
    ds_dir = config_dir() / "datasette"
    meta = render_metadata(path.stem) if (ds_dir / "metadata.yml").exists() else {}
    meta_file.write_text(json.dumps(meta, indent=1), encoding="utf-8")
    return inspect_file, meta_file


def datasette_args(
    db: str, *, port: int = 8001, host: str = "127.0.0.1", allow_sql: bool = False
) -> list[str]:
    """The `datasette serve` command line widen uses (metadata, plugins, templates, settings).

    Prepares the inspect and metadata files first (see `prepare`).
    """
    ds_dir = config_dir() / "datasette"
    inspect_file, meta_file = prepare(db)
    args = [sys.executable, "-m", "datasette", "serve", "-i", db, "--inspect-file", str(inspect_file),
            "--metadata", str(meta_file), "--host", host, "--port", str(port)]
    for key, value in datasette_settings(allow_sql).items():
        args += ["--setting", key, ("on" if value else "off") if isinstance(value, bool) else str(value)]
    if (ds_dir / "plugins").is_dir():
        args += ["--plugins-dir", str(ds_dir / "plugins")]
    if (ds_dir / "templates").is_dir():
        args += ["--template-dir", str(ds_dir / "templates")]
    return args


@main.command()
@db_option
@click.option("--port", default=8001, show_default=True, help="Port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--allow-sql", is_flag=True, help="Allow arbitrary SQL (?sql=); canned queries work either way."
)
def serve(db: str, port: int, host: str, allow_sql: bool) -> None:
    """Browse the database in Datasette (read-only) with widen's metadata, plugins and canned queries.

    Restart it after a crawl: the database is served immutable, so new rows appear on restart.
    Counts and facets are tallied once per start (the first views in the background, others
    when first asked): a large database's pages stay fast for many readers at once.
    """
    if not Path(db).exists():
        fail(f"{db}: no such database (run `widen crawl` or `widen demo --no-serve` first)")
    try:
        args = datasette_args(db, port=port, host=host, allow_sql=allow_sql)
    except subprocess.CalledProcessError as exc:
        fail(f"{db}: datasette inspect failed: {(exc.stderr or b'').decode(errors='replace')[-500:]}")
    click.echo(f"serving {db} on http://{host}:{port}/ (Ctrl-C to stop)", err=True)
    os.execv(sys.executable, args)
