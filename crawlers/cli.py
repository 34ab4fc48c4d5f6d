"""`widen`: the command line (DESIGN §3). Each verb's --help says what it does and its defaults."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import click

from crawlers.config import ConfigError, config_dir, load_sources
from crawlers.schema import EXTRACT_FIELDS

DB_HELP = "SQLite database file (default: $WIDEN_DB or ./widen.db)."


def db_option(f: Any) -> Any:
    return click.option("--db", "db", envvar="WIDEN_DB", default="widen.db", show_default=True,
                        type=click.Path(dir_okay=False), help=DB_HELP)(f)


def config_option(f: Any) -> Any:
    return click.option("--config", "config", envvar="WIDEN_SOURCES", default=None,
                        type=click.Path(dir_okay=False, exists=True),
                        help="sources.yml to use (default: config/sources.yml).")(f)


def _fail(msg: str) -> None:
    click.echo(f"widen: {msg}", err=True)
    sys.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option("0.1.0", prog_name="widen")
def main() -> None:
    """widen: find networking groups, board seats and volunteer roles that reach people outside
    your current circle.

    Typical use: `widen crawl` on a schedule, then `widen serve` to browse, `widen export --csv`
    to take a list away. `widen demo` shows the whole flow offline.
    """


# -- crawl ---------------------------------------------------------------------------------
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
        _fail(str(exc))
    by_slug = {s.slug: s for s in cfg.sources}
    unknown = [s for s in sources if s not in by_slug]
    if unknown:
        _fail(f"unknown source(s): {', '.join(unknown)} (see `widen sources list`)")
    chosen = [by_slug[s] for s in sources] if sources else [s for s in cfg.sources if s.enabled]
    if not chosen:
        _fail("no enabled sources to crawl")
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
        table.add_row(r["source"], str(r["pages"]), str(r["new"]), str(r["updated"]), str(r["unchanged"]),
                      str(r["dropped"]), str(r["errors"]), r["finish_reason"] or "?", str(r["duration_s"]))
        if r.get("error_messages"):
            for line in r["error_messages"].splitlines()[:3]:
                table.add_row("", "", "", "", "", "", "", f"[red]{line[:100]}[/red]", "")
    Console(stderr=True, width=120).print(table)
    return failed


# -- extract -------------------------------------------------------------------------------
def _parse_now(value: str | None) -> dt.datetime:
    if not value:
        return dt.datetime.now(dt.UTC)
    v = dt.datetime.fromisoformat(value)
    return v if v.tzinfo else v.replace(tzinfo=dt.UTC)


def _read(target: str) -> tuple[bytes, str, str | None]:
    if target.startswith(("http://", "https://")):
        req = urllib.request.Request(target, headers={"User-Agent": "widen/0.1 (extract)"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.read(), target, resp.headers.get("Content-Type")
    return Path(target).read_bytes(), "", None


@main.command()
@click.argument("targets", nargs=-1, required=True)
@click.option("--now", default=None, help="Reference time (ISO) for 'Tomorrow' or dates without a year; default: now.")
@click.option("--tz", default=None, help="The source's time zone (IANA), used only where the data gives none.")
@click.option("--occurrences", nargs=2, default=None, metavar="FROM TO",
              help="Print one line per occurrence between two ISO dates/times instead of one per listing.")
@click.option("--url", "base_url", default=None, help="URL the saved file was fetched from (resolves links).")
def extract(targets: tuple[str, ...], now: str | None, tz: str | None, occurrences: tuple[str, str] | None,
            base_url: str | None) -> None:
    """Run extraction + normalization on saved files or URLs; print one JSON object per line.

    Fields: title, start, end, all_day, timezone, venue, address, city, region, country, online,
    organizer, url, kind, recurrence, description, audiences (null when unknown). Problems are
    explained on stderr; the exit status stays 0 for unreadable input.
    """
    from crawlers.extract import Context
    from crawlers.extract import extract as run_extract
    from pipelines.classify import classify
    from pipelines.normalize import SourceContext, normalize

    ref = _parse_now(now)
    window = None
    if occurrences:
        lo, hi = (_parse_now(x) for x in occurrences)
        window = (lo, hi)
    for target in targets:
        try:
            body, url, ctype = _read(target)
        except (OSError, ValueError) as exc:
            click.echo(f"widen extract: {target}: cannot read: {exc}", err=True)
            continue
        url = base_url or url
        try:
            raws = run_extract(body, url, ctype, Context(url=url, now=ref, tz=tz, window=window))
        except Exception as exc:  # the promise: exit 0, explain on stderr
            click.echo(f"widen extract: {target}: extraction failed: {type(exc).__name__}: {exc}", err=True)
            continue
        if not raws:
            click.echo(f"widen extract: {target}: no listings found", err=True)
        for raw in raws:
            try:
                rec = classify(normalize(raw, SourceContext(source="extract", tz=tz, now=ref, source_url=url or None)))
            except Exception as exc:
                click.echo(f"widen extract: {target}: skipped a listing: {type(exc).__name__}: {exc}", err=True)
                continue
            out = {k: rec.get(k) for k in EXTRACT_FIELDS}
            if window is None:
                click.echo(json.dumps(out, ensure_ascii=False))
                continue
            for start, end in _occurrences_in(rec, window):
                click.echo(json.dumps({**out, "start": start, "end": end}, ensure_ascii=False))


def _occurrences_in(rec: dict[str, Any], window: tuple[dt.datetime, dt.datetime]) -> list[tuple[str, Any]]:
    """A record's occurrences inside the window (a one-off listing is its own single occurrence)."""
    from pipelines import when

    if rec.get("_occurrences") or rec.get("recurrence"):
        return list(rec.get("_occurrences") or [])
    start = when.parse(rec.get("start"))
    if start is None:
        return []
    v = start.value
    if not isinstance(v, dt.datetime):
        v = dt.datetime.combine(v, dt.time(), tzinfo=window[0].tzinfo)
    elif v.tzinfo is None:
        v = v.replace(tzinfo=when.zone(rec.get("timezone")) or window[0].tzinfo)
    return [(rec["start"], rec.get("end"))] if window[0] <= v < window[1] else []


# -- export --------------------------------------------------------------------------------
def _split(values: tuple[str, ...]) -> list[str]:
    return [x.strip() for v in values for x in v.split(",") if x.strip()]


@main.command()
@db_option
@click.option("--csv", "as_csv", is_flag=True, default=True, help="CSV output (the only format for now).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default="-", help="File to write (default: stdout).")
@click.option("--kind", multiple=True, help="Only these kinds (repeat or comma-separate).")
@click.option("--audience", multiple=True, help="Only opportunities reaching one of these audiences.")
@click.option("--exclude-audience", multiple=True, help="Hide opportunities reaching any of these audiences.")
@click.option("--new-only", is_flag=True, help="Only opportunities reaching an audience your network doesn't.")
@click.option("--region", multiple=True, help="Only these regions (e.g. IL, ON).")
@click.option("--source", multiple=True, help="Only these source slugs.")
@click.option("--since", default=None, help="Starting on/after this ISO date.")
@click.option("--until", default=None, help="Starting before this ISO date.")
@click.option("--canonical-only", is_flag=True, help="Leave out records that duplicate another source's listing.")
def export(db: str, as_csv: bool, output: str, kind: tuple[str, ...], audience: tuple[str, ...],
           exclude_audience: tuple[str, ...], new_only: bool, region: tuple[str, ...], source: tuple[str, ...],
           since: str | None, until: str | None, canonical_only: bool) -> None:
    """Export opportunities as CSV (every matching row exactly once, ordered by id, streamed)."""
    from crawlers.export import ExportFilter, write_csv

    if not Path(db).exists():
        _fail(f"{db}: no such database (run `widen crawl` or `widen demo --no-serve` first)")
    flt = ExportFilter(kinds=_split(kind), audiences=_split(audience), exclude_audiences=_split(exclude_audience),
                       new_only=new_only, regions=_split(region), sources=_split(source), since=since,
                       until=until, canonical_only=canonical_only)
    if output == "-":
        n = write_csv(db, sys.stdout, flt)
    else:
        with open(output, "w", newline="", encoding="utf-8") as fh:
            n = write_csv(db, fh, flt)
    click.echo(f"exported {n} opportunities", err=True)


# -- serve ---------------------------------------------------------------------------------
def datasette_args(db: str, *, port: int = 8001, host: str = "127.0.0.1", allow_sql: bool = False) -> list[str]:
    """The `datasette serve` command line widen uses (metadata, plugins, templates, settings)."""
    ds_dir = config_dir() / "datasette"
    args = [sys.executable, "-m", "datasette", "serve", db, "--host", host, "--port", str(port),
            "--setting", "suggest_facets", "off", "--setting", "facet_time_limit_ms", "1000",
            "--setting", "sql_time_limit_ms", "3000"]
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
@click.option("--allow-sql", is_flag=True, help="Allow arbitrary SQL (?sql=); canned queries work either way.")
def serve(db: str, port: int, host: str, allow_sql: bool) -> None:
    """Browse the database in Datasette with widen's metadata, plugins and canned queries."""
    if not Path(db).exists():
        _fail(f"{db}: no such database (run `widen crawl` or `widen demo --no-serve` first)")
    args = datasette_args(db, port=port, host=host, allow_sql=allow_sql)
    click.echo(f"serving {db} on http://{host}:{port}/ (Ctrl-C to stop)", err=True)
    os.execv(sys.executable, args)


# -- demo ----------------------------------------------------------------------------------
@main.command()
@db_option
@click.option("--no-serve", is_flag=True, help="Only build the database; don't start Datasette.")
@click.option("--port", default=8001, show_default=True, help="Datasette port.")
def demo(db: str, no_serve: bool, port: int) -> None:
    """Serve the bundled sample site on 127.0.0.1, crawl it, then open Datasette on the result.

    Works offline. Running it again re-crawls into the same database (no duplicate rows).
    """
    from crawlers.demo import serve_site, write_demo_sources

    with serve_site() as base_url:
        sources_path = write_demo_sources(base_url, Path(db).resolve().parent)
        click.echo(f"demo site at {base_url}; crawling into {db}", err=True)
        rc = subprocess.call([sys.executable, "-m", "crawlers.cli", "crawl", "--db", db,
                              "--config", str(sources_path), "--quiet"])
    if rc not in (0, 1):
        _fail(f"demo crawl failed (exit {rc})")
    if no_serve:
        return
    args = datasette_args(db, port=port)
    click.echo(f"open http://127.0.0.1:{port}/ (Ctrl-C to stop)", err=True)
    os.execv(sys.executable, args)


# -- sources -------------------------------------------------------------------------------
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
        _fail(str(exc))
    health: dict[str, Any] = {}
    if Path(db).exists():
        import sqlite3

        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            health = {r[0]: r[1:] for r in conn.execute(
                "SELECT slug, last_run, last_status, last_items FROM sources")}
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
        t.add_row(s.slug, s.platform, s.kind or "", s.country or "", s.schedule or "", "yes" if s.enabled else "no",
                  last_run or "never", status or "", "" if items is None else str(items))
    Console(width=160).print(t)


if __name__ == "__main__":
    main()
