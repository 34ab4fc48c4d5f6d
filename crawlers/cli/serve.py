"""`widen serve`: Datasette with widen's metadata, plugins, templates and settings."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from crawlers.cli.app import db_option, fail, main
from crawlers.config import config_dir


def datasette_args(
    db: str, *, port: int = 8001, host: str = "127.0.0.1", allow_sql: bool = False
) -> list[str]:
    """The `datasette serve` command line widen uses (metadata, plugins, templates, settings)."""
    ds_dir = config_dir() / "datasette"
    args = [
        sys.executable,
        "-m",
        "datasette",
        "serve",
        db,
        "--host",
        host,
        "--port",
        str(port),
        "--setting",
        "suggest_facets",
        "off",
        "--setting",
        "facet_time_limit_ms",
        "1000",
        "--setting",
        "sql_time_limit_ms",
        "3000",
    ]
    if (ds_dir / "metadata.yml").exists():
        args += ["--metadata", str(ds_dir / "metadata.yml")]
    if (ds_dir / "plugins").is_dir():
        args += ["--plugins-dir", str(ds_dir / "plugins")]
    if (ds_dir / "templates").is_dir():
        args += ["--template-dir", str(ds_dir / "templates")]
    if not allow_sql:
        args += ["--setting", "default_allow_sql", "off"]
    return args


@main.command()
@db_option
@click.option("--port", default=8001, show_default=True, help="Port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--allow-sql", is_flag=True, help="Allow arbitrary SQL (?sql=); canned queries work either way."
)
def serve(db: str, port: int, host: str, allow_sql: bool) -> None:
    """Browse the database in Datasette with widen's metadata, plugins and canned queries."""
    if not Path(db).exists():
        fail(f"{db}: no such database (run `widen crawl` or `widen demo --no-serve` first)")
    args = datasette_args(db, port=port, host=host, allow_sql=allow_sql)
    click.echo(f"serving {db} on http://{host}:{port}/ (Ctrl-C to stop)", err=True)
    os.execv(sys.executable, args)
