"""`widen crawl`: run configured sources through Scrapy and print a per-source summary."""

from __future__ import annotations

import sys
from typing import Any

import click

from crawlers.cli.app import config_option, db_option, fail, main
from crawlers.config import ConfigError, load_sources


@main.command()
@click.argument("sources", nargs=-1)
@db_option
@config_option
@click.option("--quiet", is_flag=True, help="Only the summary, no Scrapy log.")
def crawl(sources: tuple[str, ...], db: str, config: str | None, quiet: bool) -> None:
    """Crawl configured SOURCES (slugs; default: every enabled source) into the database.

    Prints one summary line per source: pages fetched, items new/updated/unchanged, dropped
    items and errors. Exit status 1 when any source failed.
    """
    from crawlers.runner import run_crawl

    try:
        cfg = load_sources(config)
    except ConfigError as exc:
        fail(str(exc))
    by_slug = {s.slug: s for s in cfg.sources}
    unknown = [s for s in sources if s not in by_slug]
    if unknown:
        fail(f"unknown source(s): {', '.join(unknown)} (see `widen sources list`)")
    chosen = [by_slug[s] for s in sources] if sources else [s for s in cfg.sources if s.enabled]
    if not chosen:
        fail("no enabled sources to crawl")
    click.echo(f"crawling {len(chosen)} source(s) into {db}", err=True)
    overrides = {"LOG_LEVEL": "WARNING"} if quiet else {}
    summary = run_crawl(chosen, db, config_path=config, overrides=overrides)
    failed = _print_summary(summary)
    sys.exit(1 if failed else 0)


def _print_summary(rows: list[dict[str, Any]]) -> int:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="crawl summary")
    for col in ("source", "pages", "new", "updated", "unchanged", "dropped", "errors", "finish", "secs"):
        table.add_column(col, justify="left" if col in ("source", "finish") else "right")
    failed = 0
    for r in rows:
        bad = r["finish_reason"] != "finished" or r["errors"]
        failed += bool(bad)
        table.add_row(
            r["source"],
            str(r["pages"]),
            str(r["new"]),
            str(r["updated"]),
            str(r["unchanged"]),
            str(r["dropped"]),
            str(r["errors"]),
            r["finish_reason"] or "?",
            str(r["duration_s"]),
        )
        if r.get("error_messages"):
            for line in r["error_messages"].splitlines()[:3]:
                table.add_row("", "", "", "", "", "", "", f"[red]{line[:100]}[/red]", "")
    Console(stderr=True, width=120).print(table)
    return failed
