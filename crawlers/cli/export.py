"""`widen export`: filtered CSV, streamed in id order."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from crawlers.cli.app import db_option, fail, main
from crawlers.schema import KINDS


def _split(values: tuple[str, ...]) -> list[str]:
    return [x.strip() for v in values for x in v.split(",") if x.strip()]


@main.command()
@db_option
@click.option("--csv", "as_csv", is_flag=True, default=True, help="CSV output (the only format for now).")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), default="-", help="File to write (default: stdout)."
)
@click.option("--kind", multiple=True, help="Only these kinds (repeat or comma-separate).")
@click.option("--audience", multiple=True, help="Only opportunities reaching one of these audiences.")
@click.option("--exclude-audience", multiple=True, help="Hide opportunities reaching any of these audiences.")
@click.option("--new-audiences", "outside", multiple=True,
              help="Only opportunities reaching at least one audience outside these (the UI's ?_new_audiences=).")
@click.option(
    "--new-only", is_flag=True,
    help="Only opportunities reaching an audience your network doesn't (your profile; the UI's ?_reach=1).",
)
@click.option("--region", multiple=True, help="Only these regions (e.g. IL, ON).")
@click.option("--source", multiple=True, help="Only these source slugs.")
@click.option("--since", default=None, help="Starting on/after this ISO date.")
@click.option("--until", default=None, help="Starting before this ISO date.")
@click.option(
    "--canonical-only", is_flag=True, help="Leave out records that duplicate another source's listing."
)
def export(
    db: str,
    as_csv: bool,
    output: str,
    kind: tuple[str, ...],
    audience: tuple[str, ...],
    exclude_audience: tuple[str, ...],
    outside: tuple[str, ...],
    new_only: bool,
    region: tuple[str, ...],
    source: tuple[str, ...],
    since: str | None,
    until: str | None,
    canonical_only: bool,
) -> None:
    """Export opportunities as CSV (every matching row exactly once, ordered by id, streamed)."""
    from crawlers.export import ExportFilter, write_csv

    if not Path(db).exists():
        fail(f"{db}: no such database (run `widen crawl` or `widen demo --no-serve` first)")
    unknown = sorted(set(_split(kind)) - set(KINDS))
    if unknown:
        fail(f"unknown kind {', '.join(unknown)}; known: {', '.join(KINDS)}")
    for name, value in (("--since", since), ("--until", until)):
        if value is not None:
            try:
                dt.datetime.fromisoformat(value)
            except ValueError:
                fail(f"{name} {value!r} is not an ISO date (YYYY-MM-DD or YYYY-MM-DDTHH:MM)")
    flt = ExportFilter(
        kinds=_split(kind),
        audiences=_split(audience),
        exclude_audiences=_split(exclude_audience),
        outside_audiences=_split(outside),
        new_only=new_only,
        regions=_split(region),
        sources=_split(source),
        since=since,
        until=until,
        canonical_only=canonical_only,
    )
    if output == "-":
        n = write_csv(db, sys.stdout, flt)
    else:
        with open(output, "w", newline="", encoding="utf-8") as fh:
            n = write_csv(db, fh, flt)
    click.echo(f"exported {n} opportunities", err=True)
