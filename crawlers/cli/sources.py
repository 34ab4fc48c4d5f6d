"""`widen sources`: what is configured and how healthy each source is."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import click

from crawlers.cli.app import config_option, db_option, fail, main
from crawlers.config import ConfigError, audience_slugs, config_dir, load_sources
from crawlers.db import open_readonly


@main.group()
def sources() -> None:
    """What is configured (config/sources.yml) and how healthy each source is."""


def sources_for(db: str, config: str | None) -> list[Any]:
    """The sources to report on: the given config; without --config, config/sources.yml plus the
    sources the database itself was crawled from (its `sources` table), so `--db demo.db` shows
    the demo's sources. A config that does not validate is a usage error."""
    from crawlers.config import Source

    try:
        cfg = load_sources(config)
    except ConfigError as exc:
        fail(str(exc))
    found = list(cfg.sources)
    if config is None and Path(db).is_file():
        import sqlite3

        known = {s.slug for s in found}
        conn = open_readonly(db, check=False)
        try:
            conn.row_factory = sqlite3.Row
            rows = conn.execute("SELECT slug, name, platform, url, timezone, country, region, kind, schedule, enabled "
                                "FROM sources ORDER BY slug").fetchall()
        except sqlite3.Error:
            rows = []
        finally:
            conn.close()
        for r in rows:
            if r["slug"] in known or not r["platform"] or not r["url"]:
                continue
            try:
                found.append(Source(**{k: r[k] for k in r.keys() if r[k] is not None and k != "enabled"},
                                    enabled=bool(r["enabled"]) if r["enabled"] is not None else True))
            except ValueError:  # a row an older widen wrote: not worth failing the report for
                continue
    return found


@sources.command("list")
@db_option
@config_option
def sources_list(db: str, config: str | None) -> None:
    """List configured sources with platform, schedule and last crawl status.

    Without --config, sources the database was crawled from but config/sources.yml lacks (the
    demo's, say) are listed too."""
    srcs = sources_for(db, config)
    health: dict[str, Any] = {}
    if Path(db).exists():
        import sqlite3

        conn = open_readonly(db, check=False)
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

    t = Table(title=f"{len(srcs)} sources ({sum(s.enabled for s in srcs)} enabled)")
    for col in ("slug", "platform", "kind", "country", "schedule", "enabled", "last run", "status", "items"):
        t.add_column(col)
    for s in srcs:
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


@sources.command("add")
@click.argument("url")
@click.option("--slug", default=None, help="Slug for the entry (default: from the site's name).")
@click.option("--timezone", "timezone", default=None, help="IANA zone used where the data gives none.")
@click.option("--country", default=None, help="ISO 3166-1 alpha-2 country code.")
@click.option("--region", default=None, help="Region/state code.")
@click.option("--audience", "audiences", multiple=True, help="Audience hint (repeatable; slugs of config/audiences.yml).")
@click.option("--write", is_flag=True, help="Append the entry to the sources file (validated first).")
@config_option
def sources_add(url: str, slug: str | None, timezone: str | None, country: str | None, region: str | None,
                audiences: tuple[str, ...], write: bool, config: str | None) -> None:
    """Detect the platform behind URL and print (with --write: append) a validated source entry.

    The probe is polite: robots.txt first, widen's User-Agent, a handful of requests at most.
    When no platform fits, it says what it found and why widen cannot crawl it (exit status 1).
    """
    import yaml

    from crawlers.detect import detect

    found = detect(url)
    if not found.platform:
        click.echo(f"widen: {url}: no crawlable platform detected ({found.requests} requests).", err=True)
        click.echo(f"  found: {found.reason}", err=True)
        for line in found.evidence:
            click.echo(f"  seen: {line}", err=True)
        sys.exit(1)
    unknown = sorted(set(audiences) - audience_slugs())
    if unknown:
        fail(f"unknown audience(s) {', '.join(unknown)} (see config/audiences.yml)")
    try:
        entry = found.entry(slug, timezone=timezone or found.timezone, country=country.upper() if country else None,
                            region=region, audiences=list(audiences) or None)
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        fail(f"detected {found.platform}, but the entry is invalid: {exc}")
    click.echo(f"# detected platform {found.platform} ({found.requests} requests): {'; '.join(found.evidence)}",
               err=True)
    block = yaml.safe_dump([entry], sort_keys=False, allow_unicode=True, width=120)
    click.echo(block, nl=False)
    if write:
        _append(Path(config) if config else config_dir() / "sources.yml", entry, found.evidence, block)


def _append(path: Path, entry: dict[str, Any], evidence: list[str], block: str) -> None:
    """Append the entry under `sources:`; the file is re-validated and restored if anything fails."""
    try:
        cfg = load_sources(path)
    except ConfigError as exc:
        fail(str(exc))
    if any(s.slug == entry["slug"] for s in cfg.sources):
        fail(f"{path}: slug {entry['slug']!r} exists already (choose one with --slug)")
    same = [s.slug for s in cfg.sources if s.url.rstrip("/") == entry["url"].rstrip("/")]
    if same:
        fail(f"{path}: {entry['url']} is already configured as {', '.join(same)}")
    before = path.read_text(encoding="utf-8")
    text = before if before.endswith("\n") else before + "\n"
    if not re.search(r"^sources:", text, re.MULTILINE) or re.search(r"^sources:\s*\[\s*\]", text, re.MULTILINE):
        text = re.sub(r"^sources:.*\n", "", text, flags=re.MULTILINE) + "sources:\n"
    item = re.search(r"^sources:\s*\n(?:\s*(?:#.*)?\n)*?( *)- ", text, re.MULTILINE)
    indent = item.group(1) if item else "  "  # match the file's list indentation
    note = f"{indent}# added by `widen sources add`: {'; '.join(evidence)}"[:200]
    lines = "".join(f"{indent}{line}\n" for line in block.splitlines())
    path.write_text(f"{text}\n{note}\n{lines}", encoding="utf-8")
    try:
        load_sources(path)
    except ConfigError as exc:
        path.write_text(before, encoding="utf-8")
        fail(f"not written, the file would not validate: {exc}")
    click.echo(f"added {entry['slug']} to {path}", err=True)
