"""`widen sources check`: each source's health; exit status 1 when an enabled source is failing.

Meant for cron (`widen sources check || mail ...`, or cron's own mail of a non-zero job): the
silent failure of scrapers is a source that quietly yields nothing after a site redesign.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

import click
from croniter import croniter

from crawlers.cli.app import config_option, db_option, fail
from crawlers.cli.sources import sources
from crawlers.config import Source
from crawlers.db import open_readonly
from crawlers.monitors import run_failed


def source_health(db: str, srcs: list[Source], now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """One dict per source: last run, items, errors, failing monitors, streak and a status word.

    status: ok | failing (last run failed: not finished, errors or monitors) | stale (missed more
    than one scheduled run) | never (no run yet) | running.
    """
    now = now or dt.datetime.now(dt.UTC)
    last: dict[str, dict[str, Any]] = {}
    streaks: dict[str, int] = {}
    if Path(db).exists():
        conn = open_readonly(db, check=False)
        conn.row_factory = sqlite3.Row
        try:
            for r in conn.execute("SELECT * FROM crawl_runs ORDER BY started, id"):
                last[r["source"]] = dict(r)
            streaks = {r["slug"]: r["consecutive_failures"] or 0
                       for r in conn.execute("SELECT slug, consecutive_failures FROM sources")}
        except sqlite3.Error:
            pass
        finally:
            conn.close()
    out = []
    for s in srcs:
        run = last.get(s.slug)
        row: dict[str, Any] = {"slug": s.slug, "enabled": s.enabled, "last_run": None, "items": None,
                               "errors": None, "monitors": [], "consecutive_failures": streaks.get(s.slug, 0)}
        if run is None:
            row["status"] = "never"
        else:
            row.update(last_run=run.get("finished") or run.get("started"), items=run.get("items"),
                       errors=run.get("errors"), monitors=json.loads(run.get("monitor_failures") or "[]"))
            if run.get("finish_reason") == "running":
                row["status"] = "running"
            elif run_failed(run):
                row["status"] = "failing"
            elif _stale(s.schedule, row["last_run"], now):
                row["status"] = "stale"
            else:
                row["status"] = "ok"
        out.append(row)
    return out


def _stale(schedule: str | None, last_run: str | None, now: dt.datetime) -> bool:
    """Missed more than one scheduled run: the last run is older than the slot before the last."""
    if not schedule or not last_run:
        return False
    it = croniter(schedule, now)
    it.get_prev(dt.datetime)
    before_last = it.get_prev(dt.datetime)
    ran = dt.datetime.fromisoformat(last_run)
    return (ran if ran.tzinfo else ran.replace(tzinfo=dt.UTC)) < before_last


@sources.command("check")
@db_option
@config_option
def sources_check(db: str, config: str | None) -> None:
    """Validate config/sources.yml and print each source's health.

    Exit status 1 when any enabled source is failing (its last run did not finish, had errors or
    failed a monitor such as "0 items") or stale (missed more than one scheduled run). A run left
    'running' by a crawl that was killed is marked interrupted first, and counts as failing.
    """
    from crawlers.cli.sources import sources_for
    from crawlers.runner import close_interrupted

    srcs = sources_for(db, config)
    if not Path(db).is_file():
        fail(f"{db}: no such database, so no source has a health record (the sources file is valid); "
             "run `widen crawl` first or point --db at the database your crawls write", code=1)
    close_interrupted(db, [s.slug for s in srcs])  # runs a killed crawl left 'running'
    rows = source_health(db, srcs)
    from rich.console import Console
    from rich.table import Table

    t = Table(title=f"source health ({db})")
    for col in ("slug", "enabled", "status", "last run", "items", "errors", "failing monitors", "consecutive failures"):
        t.add_column(col)
    bad = [r for r in rows if r["enabled"] and r["status"] in ("failing", "stale")]
    for r in rows:
        colour = {"failing": "red", "stale": "yellow", "ok": "green"}.get(r["status"], "")
        t.add_row(r["slug"], "yes" if r["enabled"] else "no",
                  f"[{colour}]{r['status']}[/{colour}]" if colour else r["status"],
                  r["last_run"] or "never", _n(r["items"]), _n(r["errors"]), "; ".join(r["monitors"]),
                  str(r["consecutive_failures"]))
    Console(width=200).print(t)
    if bad:
        click.echo(f"{len(bad)} enabled source(s) failing: {', '.join(r['slug'] for r in bad)}", err=True)
        sys.exit(1)


def _n(v: Any) -> str:
    return "" if v is None else str(v)
