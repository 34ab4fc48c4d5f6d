"""`widen migrate`: bring a database made by an earlier widen up to this version's schema."""

from __future__ import annotations

from pathlib import Path

import click

from crawlers.cli.app import db_option, fail, main


@main.command()
@db_option
def migrate(db: str) -> None:
    """Add what this widen's schema has and the database lacks (columns, tables, indexes, search
    index, views). Additive: no row is changed or lost. A crawl does the same before writing;
    this verb is for a database you only read (`widen serve` of a read-only file, `widen export`)."""
    from crawlers.db import migrate as run

    if not Path(db).is_file():
        fail(f"{db}: no such database (run `widen crawl` or `widen demo --no-serve` first)")
    before, after, added = run(db)
    if not added and before == after:
        click.echo(f"{db}: schema {after}, up to date")
        return
    click.echo(f"{db}: schema {before} -> {after}" + (f"; added {len(added)}: " + ", ".join(added) if added else ""))
