"""The `widen` command group and the options every verb shares (DESIGN §3).

Each verb lives in its own module of this package and registers itself on `main`.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from crawlers.db import SchemaError

DB_HELP = "SQLite database file (default: $WIDEN_DB or ./widen.db)."


SQLITE_HEADER = b"SQLite format 3\x00"


def _check_db(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """A --db path that can be a database: its folder exists, and an existing file is SQLite.

    A missing file is fine here (commands that write create it; those that read say so), but a
    missing folder or a file of something else would only surface later as a traceback."""
    p = Path(value)
    if p.is_dir():
        raise click.BadParameter(f"{value} is a directory; give a database file such as {p / 'widen.db'}")
    if not p.parent.is_dir():
        raise click.BadParameter(f"folder {p.parent} does not exist; create it or choose another path")
    if p.is_file() and p.stat().st_size:
        with p.open("rb") as fh:
            if fh.read(16) != SQLITE_HEADER:
                raise click.BadParameter(f"{value} is not a SQLite database (a widen database is made by `widen crawl`)")
    return value


def db_option(f: Any) -> Any:
    return click.option(
        "--db",
        "db",
        envvar="WIDEN_DB",
        default="widen.db",
        show_default=True,
        type=click.Path(),
        callback=_check_db,
        help=DB_HELP,
    )(f)


def iso_datetime(ctx: click.Context | None, param: click.Parameter | None, value: str | None) -> dt.datetime | None:
    """An ISO date or date-time option (a date is midnight); a clear usage error otherwise."""
    if value is None:
        return None
    try:
        return dt.datetime.fromisoformat(value.strip())
    except ValueError:
        name = param.opts[0] if param is not None and param.opts else "the value"
        raise click.BadParameter(f"{value!r} is not an ISO date or date-time (for {name}, e.g. 2026-03-01 or "
                                 "2026-03-01T18:00:00-05:00)") from None


def time_zone(ctx: click.Context | None, param: click.Parameter | None, value: str | None) -> str | None:
    """An IANA time zone name, checked against the zone database."""
    if value is None:
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(f"{value!r} is not an IANA time zone (e.g. America/Chicago, Europe/Berlin)") from None
    return value


def config_option(f: Any) -> Any:
    return click.option(
        "--config",
        "config",
        envvar="WIDEN_SOURCES",
        default=None,
        type=click.Path(dir_okay=False, exists=True),
        help="sources.yml to use (default: config/sources.yml).",
    )(f)


def fail(msg: str, code: int = 2) -> NoReturn:
    """Print a one-line error (no traceback) and exit."""
    click.echo(f"widen: {msg}", err=True)
    sys.exit(code)


class WidenGroup(click.Group):
    """Every verb's unexpected failure ends in one line on stderr and exit status 1, never a
    traceback; `widen --debug VERB …` shows the traceback for a bug report."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:  # a bad option value: one line naming it, exit 2
            fail(" ".join(exc.format_message().split()), code=2)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit, KeyboardInterrupt):
            raise
        except SchemaError as exc:  # an outdated or foreign database: what to run, exit 2
            if ctx.params.get("debug"):
                raise
            fail(str(exc), code=2)
        except Exception as exc:
            if ctx.params.get("debug"):
                raise
            fail(_one_line(exc), code=1)


def _one_line(exc: Exception) -> str:
    import sqlite3

    if isinstance(exc, sqlite3.DatabaseError):
        return f"the database cannot be used: {exc} (is --db a widen database? `widen crawl` makes one)"
    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.filename}: {exc.strerror or exc}"
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"{text} ({type(exc).__name__}; run `widen --debug …` again for the traceback)"


@click.group(cls=WidenGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option("0.1.0", prog_name="widen")
@click.option("--debug", is_flag=True, help="Show the traceback when a command fails (for bug reports).")
def main(debug: bool) -> None:
    """widen: find networking groups, board seats and volunteer roles that reach people outside
    your current circle.

    Typical use: `widen crawl` on a schedule, then `widen serve` to browse, `widen export --csv`
    to take a list away. `widen demo` shows the whole flow offline. Every command exits 0 on
    success and non-zero with a one-line message on stderr otherwise.
    """
