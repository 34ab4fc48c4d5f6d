"""`widen drain`: the single writer of a scaled-out crawl, from Redis into SQLite."""

from __future__ import annotations

import signal
from typing import Any

import click

from crawlers.cli.app import config_option, db_option, main


@main.command()
@click.option("--redis", "redis_url", required=True, metavar="URL", help="Redis the workers push to.")
@db_option
@config_option
@click.option("--follow", is_flag=True, help="Keep draining while workers run (stop with Ctrl-C / SIGTERM).")
@click.option("--batch", type=click.IntRange(1, 10000), default=None,
              help="Items per SQLite transaction [default: the store's, as in a local crawl].")
def drain(redis_url: str, db: str, config: str | None, follow: bool, batch: int | None) -> None:
    """Store the items and run reports that `widen crawl --redis URL` workers pushed.

    Items are upserted in batches (one transaction each, same Store as a local crawl); each
    worker's report is merged into the run's crawl_runs row, the run's monitors are evaluated on
    the merged numbers, and source health is updated. Without --follow it stops when Redis has
    nothing left; run it after the workers, or alongside them with --follow.
    """
    from crawlers.scaleout import Drainer, connect

    stopping = {"now": False}

    def stop(_signum: int, _frame: Any) -> None:
        stopping["now"] = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    drainer = Drainer(connect(redis_url), db, batch=batch, config_path=config)
    total = drainer.run(follow=follow, stop=lambda: stopping["now"])
    click.echo(f"drained {total['items']} item(s) and {total['reports']} worker report(s) into {db}", err=True)
