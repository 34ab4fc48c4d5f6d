"""`widen sources`: what is configured and how healthy each source is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crawlers.cli.app import config_option, db_option, fail, main
from crawlers.config import ConfigError, load_sources


@main.group()
def sources() -> None:
    """What is configured (config/sources.yml) and how healthy each source is."""


@sources.command("list")
@db_option
@config_option
def sources_list(db: str, config: str | None) -> None:
    """List configured sources with platform, schedule and last crawl status."""
    try:
        cfg = load_sources(config)
    except ConfigError as exc:
        fail(str(exc))
    health: dict[str, Any] = {}
    if Path(db).exists():
        import sqlite3

        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            health = {
                r[0]: r[1:]
                for r in conn.execute("SELECT slug, last_run, last_status, last_items FROM sources")
            }
        except sqlite3.Error:
            health = {}
        conn.close()
    from rich.console import Console
    from rich.table import Table

    t = Table(title=f"{len(cfg.sources)} sources ({sum(s.enabled for s in cfg.sources)} enabled)")
    for col in ("slug", "platform", "kind", "country", "schedule", "enabled", "last run", "status", "items"):
        t.add_column(col)
    for s in cfg.sources:
        last_run, status, items = health.get(s.slug, (None, None, None))
        t.add_row(
            s.slug,
            s.platform,
            s.kind or "",
            s.country or "",
            s.schedule or "",
            "yes" if s.enabled else "no",
            last_run or "never",
            status or "",
            "" if items is None else str(items),
        )
    Console(width=160).print(t)
