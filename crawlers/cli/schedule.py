"""`widen schedule`: crawl each source on its cron schedule (config/sources.yml `schedule`).

Runs in the foreground (under systemd, tmux or a container), or prints equivalent crontab lines.
Each batch of sources due at the same moment is crawled by one `widen crawl` subprocess: a crash
or leak in a crawl never takes the scheduler down, and Twisted's reactor (which cannot restart)
gets a fresh process each time.

Overlap protection, two layers: the scheduler never starts a source whose previous crawl (its own
child) is still running, and `widen crawl` itself holds a lock file per source, so runs started
by cron or by hand are covered too. Skips are logged.

Catch-up: a source is due when its latest scheduled time is later than its last crawl (or it was
never crawled), like systemd's `Persistent=true`: a machine that was off at 05:00 crawls on start.
Times are this machine's local time, as cron reads them.
"""

from __future__ import annotations

import datetime as dt
import os
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
from croniter import croniter

from crawlers.cli.app import config_option, db_option, fail, main
from crawlers.config import ConfigError, Source, load_sources
from crawlers.db import open_readonly


def now_local() -> dt.datetime:
    return dt.datetime.now().astimezone()


def last_runs(db: str) -> dict[str, dt.datetime]:
    """When each source's latest crawl started (from crawl_runs); empty for a new database."""
    if not Path(db).exists():
        return {}
    conn = open_readonly(db, check=False)
    try:
        rows = conn.execute("SELECT source, max(started) FROM crawl_runs GROUP BY source").fetchall()
    except sqlite3.Error:
        return {}
    finally:
        conn.close()
    out = {}
    for slug, started in rows:
        if started:
            t = dt.datetime.fromisoformat(started)
            out[slug] = t if t.tzinfo else t.replace(tzinfo=dt.UTC)
    return out


def is_due(schedule: str, last: dt.datetime | None, now: dt.datetime) -> bool:
    """Due when the latest scheduled time at or before `now` is after the last crawl (catch-up)."""
    if croniter.match(schedule, now):
        prev = now
    else:
        prev = croniter(schedule, now).get_prev(dt.datetime)
    return last is None or prev > last


def widen_exe() -> list[str]:
    """The installed `widen` script, else this interpreter running the package."""
    exe = shutil.which("widen")
    return [exe] if exe else [sys.executable, "-m", "crawlers.cli"]


def crawl_command(db: str, config: str | None, slugs: list[str], redis_url: str | None = None,
                  run_key: str | None = None) -> list[str]:
    """The `widen crawl` command line the scheduler (or cron) runs for a batch of sources."""
    cmd = widen_exe() + ["crawl", "--db", str(Path(db).resolve()), "--quiet", "--progress", "plain", "--progress-interval", "60"]
    if config:
        cmd += ["--config", str(Path(config).resolve())]
    if redis_url:
        cmd += ["--redis", redis_url] + (["--run-key", run_key] if run_key else [])
    return cmd + slugs


def crontab_lines(srcs: list[Source], db: str, config: str | None, log: str) -> list[str]:
    """Equivalent crontab: one line per distinct schedule, crawling the sources that share it."""
    by_expr: dict[str, list[str]] = {}
    lines = ["# widen crawls, from `widen schedule --print-crontab` (cron reads times in the machine's zone).",
             "# A source still crawling from its previous run is skipped (lock files beside the database)."]
    for s in srcs:
        assert s.schedule
        if len(s.schedule.split()) != 5:
            lines.append(f"# {s.slug}: {s.schedule!r} has a seconds field, which cron cannot express; "
                         "use `widen schedule`")
            continue
        by_expr.setdefault(s.schedule, []).append(s.slug)
    cwd = shlex.quote(str(Path.cwd()))
    for expr, slugs in by_expr.items():
        cmd = shlex.join(crawl_command(db, config, slugs))
        lines.append(f"{expr} cd {cwd} && {cmd} >> {shlex.quote(log)} 2>&1")
    check = [*widen_exe(), "sources", "check", "--db", str(Path(db).resolve())]
    if config:
        check += ["--config", str(Path(config).resolve())]
    lines.append(f"# health: cron mails the output when a source is failing (non-zero exit)\n"
                 f"30 7 * * * cd {cwd} && {shlex.join(check)} > /dev/null")
    return lines


def log(msg: str) -> None:
    click.echo(f"{now_local().isoformat(timespec='seconds')} {msg}", err=True)


@dataclass
class CronLoop:
    """The foreground scheduler: due sources → one `widen crawl` child per batch, no overlap."""

    sources: list[Source]
    db: str
    config: str | None
    redis_url: str | None = None
    grace: float = 60.0
    running: dict[int, tuple[subprocess.Popen[bytes], list[str]]] = field(default_factory=dict)
    next_fire: dict[str, dt.datetime] = field(default_factory=dict)
    stopping: bool = False

    def busy(self) -> set[str]:
        return {slug for _, slugs in self.running.values() for slug in slugs}

    def launch(self, slugs: list[str], slot: dt.datetime) -> None:
        busy = self.busy()
        for slug in [s for s in slugs if s in busy]:
            log(f"skipped {slug}: its previous run is still going")
        todo = [s for s in slugs if s not in busy]
        if not todo:
            return
        run_key = slot.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S") if self.redis_url else None
        cmd = crawl_command(self.db, self.config, todo, self.redis_url, run_key)
        proc = subprocess.Popen(cmd, start_new_session=True)  # our signals reach it only through us
        self.running[proc.pid] = (proc, todo)
        log(f"started crawl of {', '.join(todo)} (pid {proc.pid})")

    def reap(self) -> None:
        for pid, (proc, slugs) in list(self.running.items()):
            code = proc.poll()
            if code is not None:
                del self.running[pid]
                log(f"crawl of {', '.join(slugs)} (pid {pid}) exited with {code}")

    def due_now(self, now: dt.datetime) -> list[str]:
        last = last_runs(self.db)
        return [s.slug for s in self.sources if is_due(s.schedule or "", last.get(s.slug), now)]

    def run(self, once: bool = False) -> int:
        start = now_local()
        due = self.due_now(start)
        if due:
            self.launch(due, start)
        if once:
            while self.running and not self.stopping:
                self.reap()
                time.sleep(0.2)
            self.shutdown()
            return 0
        for s in self.sources:
            self.next_fire[s.slug] = croniter(s.schedule, start).get_next(dt.datetime)
        while not self.stopping:
            self.reap()
            now = now_local()
            fired = [slug for slug, t in self.next_fire.items() if t <= now]
            for slug in fired:
                src = next(s for s in self.sources if s.slug == slug)
                self.next_fire[slug] = croniter(src.schedule, now).get_next(dt.datetime)
            if fired:
                self.launch(fired, now)
            wake = min(self.next_fire.values(), default=now + dt.timedelta(seconds=60))
            time.sleep(max(0.05, min(1.0, (wake - now_local()).total_seconds())))
        self.shutdown()
        return 0

    def shutdown(self) -> None:
        """Ask running crawls to finish (SIGINT: Scrapy's graceful stop), then terminate them."""
        for proc, _ in self.running.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        deadline = time.monotonic() + self.grace
        while self.running and time.monotonic() < deadline:
            self.reap()
            time.sleep(0.1)
        for pid, (proc, slugs) in list(self.running.items()):
            log(f"crawl of {', '.join(slugs)} (pid {pid}) did not stop within {self.grace:g}s; terminating")
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.reap()


@main.command()
@db_option
@config_option
@click.option("--print-crontab", is_flag=True, help="Print equivalent crontab lines and exit.")
@click.option("--once", is_flag=True, help="Crawl what is due now (catch-up included), wait, and exit.")
@click.option("--redis", "redis_url", default=None, metavar="URL",
              help="Crawl as scrapy-redis workers; each scheduled slot is one run (queue cleared once).")
@click.option("--grace", type=float, default=60.0, show_default=True,
              help="On SIGINT/SIGTERM, seconds running crawls get to finish before being terminated.")
@click.option("--log", "log_path", default="widen-crawl.log", show_default=True,
              help="With --print-crontab: file the cron lines append their output to.")
def schedule(db: str, config: str | None, print_crontab: bool, once: bool, redis_url: str | None,
             grace: float, log_path: str) -> None:
    """Run crawls on the cron schedules of config/sources.yml, in the foreground.

    Each due batch is crawled by a `widen crawl` subprocess; a source is never crawled twice at
    once (a due source still running is skipped and logged). SIGINT/SIGTERM stop the loop, let
    running crawls finish for --grace seconds, then terminate them.
    """
    try:
        cfg = load_sources(config)
    except ConfigError as exc:
        fail(str(exc))
    srcs = [s for s in cfg.sources if s.enabled and s.schedule]
    if not srcs:
        fail("no enabled sources with a schedule")
    if print_crontab:
        click.echo("\n".join(crontab_lines(srcs, db, config, str(Path(log_path).resolve()))))
        return
    loop = CronLoop(srcs, db, config, redis_url=redis_url, grace=grace)

    def stop(signum: int, _frame: Any) -> None:
        log(f"received {signal.Signals(signum).name}: stopping after running crawls")
        loop.stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    log(f"scheduling {len(srcs)} source(s) into {db} (pid {os.getpid()})")
    sys.exit(loop.run(once=once))
