"""The `widen` command group and the options every verb shares (DESIGN §3).

Each verb lives in its own module of this package and registers itself on `main`.
"""

from __future__ import annotations

import sys
from typing import Any, NoReturn

import click

DB_HELP = "SQLite database file (default: $WIDEN_DB or ./widen.db)."


def db_option(f: Any) -> Any:
    return click.option(
        "--db",
        "db",
        envvar="WIDEN_DB",
        default="widen.db",
        show_default=True,
        type=click.Path(dir_okay=False),
        help=DB_HELP,
    )(f)


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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option("0.1.0", prog_name="widen")
def main() -> None:
    """widen: find networking groups, board seats and volunteer roles that reach people outside
    your current circle.

    Typical use: `widen crawl` on a schedule, then `widen serve` to browse, `widen export --csv`
    to take a list away. `widen demo` shows the whole flow offline.
    """
