"""`widen crawl`: run configured sources through Scrapy, with live progress and a per-source summary."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
from typing import Any

import click

from crawlers.cli.app import config_option, db_option, fail, main
from crawlers.config import ConfigError, load_sources


@main.command()
@click.argument("sources", nargs=-1)
@db_option
@config_option
@click.option("--quiet", is_flag=True, help="Only progress and the summary, no Scrapy log.")
@click.option("--progress", type=click.Choice(["auto", "rich", "plain", "off"]), default="auto", show_default=True,
              help="Live progress on stderr: rich bars on a terminal, plain lines otherwise (auto).")
@click.option("--progress-interval", type=float, default=5.0, show_default=True,
              help="Seconds between plain progress lines.")
@click.option("--resume", "resume", type=click.Path(file_okay=False), default=None,
              help="Job directory (one JOBDIR per source): an interrupted crawl continues from it.")
@click.option("--no-cache", is_flag=True, help="Skip the HTTP cache (no conditional re-crawl).")
@click.option("--redis", "redis_url", default=None, metavar="URL",
              help="Run as scrapy-redis worker(s): shared queue/dupefilter, items to Redis for `widen drain`.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="With --redis: worker processes to start on this machine.")
@click.option("--run-key", default=None,
              help="With --redis: run name shared by all workers (default: the current UTC minute, so "
                   "machines started by the same cron line join one run).")
@click.option("--set", "settings", multiple=True, metavar="NAME=VALUE",
              help="Override a Scrapy setting (value parsed as JSON when it can be).")
def crawl(sources: tuple[str, ...], db: str, config: str | None, quiet: bool, progress: str,
          progress_interval: float, resume: str | None, no_cache: bool, redis_url: str | None, workers: int,
          run_key: str | None, settings: tuple[str, ...]) -> None:
    """Crawl configured SOURCES (slugs; default: every enabled source) into the database.

    Shows live progress per source, then one summary line per source: pages fetched, items
    new/updated/unchanged, dropped items, errors, failed monitors and duration. A source whose
    previous run still holds its lock is skipped. Exit status 1 when any source failed.
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
    if redis_url is None and (workers > 1 or run_key):
        fail("--workers and --run-key need --redis URL")
    if redis_url and resume:
        fail("--resume is for local crawls; with --redis the queue already lives in Redis")
    if redis_url:
        run_key = run_key or dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M")
        if workers > 1:
            sys.exit(_spawn_workers(workers, redis_url, run_key, sources, config, quiet, progress_interval,
                                    settings))
    if progress == "auto":
        progress = "rich" if sys.stderr.isatty() else "plain"
    overrides: dict[str, Any] = dict(_parse_set(s) for s in settings)
    if quiet or progress == "rich":
        overrides.setdefault("LOG_LEVEL", "WARNING")
    where = f"redis {redis_url} (run {run_key})" if redis_url else db
    click.echo(f"crawling {len(chosen)} source(s) into {where}", err=True)
    result = run_crawl(chosen, db, config_path=config, overrides=overrides, contact_url=cfg.defaults.contact_url,
                       resume_dir=resume, cache=not no_cache, progress=progress,
                       progress_interval=progress_interval, redis_url=redis_url, run_key=run_key)
    for slug in result.skipped:
        click.echo(f"skipped {slug}: its previous run is still going (lock held)", err=True)
    failed = _print_summary(result.rows) if result.rows else 0
    sys.exit(1 if failed else 0)


def _parse_set(pair: str) -> tuple[str, Any]:
    name, sep, value = pair.partition("=")
    if not sep or not name:
        fail(f"--set wants NAME=VALUE, got {pair!r}")
    try:
        return name, json.loads(value)
    except json.JSONDecodeError:
        return name, value


def _spawn_workers(n: int, redis_url: str, run_key: str, sources: tuple[str, ...], config: str | None,
                   quiet: bool, interval: float, settings: tuple[str, ...]) -> int:
    """Start N worker processes of one run and wait; SIGINT/SIGTERM are passed on to them."""
    base = [sys.executable, "-m", "crawlers.cli", "crawl", "--redis", redis_url, "--run-key", run_key,
            "--progress", "plain", "--progress-interval", str(interval)]
    if config:
        base += ["--config", config]
    if quiet:
        base.append("--quiet")
    for s in settings:
        base += ["--set", s]
    click.echo(f"starting {n} workers for run {run_key} on {redis_url}", err=True)
    procs = [subprocess.Popen([*base, *sources], env={**os.environ, "WIDEN_WORKER": str(i)})
             for i in range(n)]

    def forward(signum: int, _frame: Any) -> None:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signum)

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    codes = [p.wait() for p in procs]
    return max(codes)


def _print_summary(rows: list[dict[str, Any]]) -> int:
    from rich.console import Console
    from rich.table import Table

    from crawlers.monitors import run_failed

    table = Table(title="crawl summary")
    cols = ("source", "pages", "new", "updated", "unchanged", "dropped", "errors", "finish", "monitors", "secs")
    for col in cols:
        table.add_column(col, justify="left" if col in ("source", "finish", "monitors") else "right")
    failed = 0
    for r in rows:
        monitors = json.loads(r.get("monitor_failures") or "[]")
        bad = run_failed(r)
        failed += bool(bad)
        table.add_row(
            r["source"],
            str(r["pages"]),
            _n(r["new"]),
            _n(r["updated"]),
            _n(r["unchanged"]),
            str(r["dropped"]),
            str(r["errors"]),
            r["finish_reason"] or "?",
            "[red]" + "; ".join(monitors) + "[/red]" if monitors else "ok",
            _n(r["duration_s"]),
        )
        if r.get("error_messages"):
            for line in r["error_messages"].splitlines()[:3]:
                table.add_row("", "", "", "", "", "", "", f"[red]{line[:100]}[/red]", "", "")
    Console(stderr=True, width=140).print(table)
    return failed


def _n(v: Any) -> str:
    return "-" if v is None else str(v)
