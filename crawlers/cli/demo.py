"""`widen demo`: serve the bundled site, crawl it, open Datasette on the result (offline)."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import click

from crawlers.cli.app import db_option, fail, main
from crawlers.cli.serve import datasette_args


@main.command()
@db_option
@click.option("--no-serve", is_flag=True, help="Only build the database; don't start Datasette.")
@click.option("--port", default=8001, show_default=True, help="Datasette port.")
def demo(db: str, no_serve: bool, port: int) -> None:
    """Serve the bundled sample site on 127.0.0.1, crawl it, then open Datasette on the result.

    Works offline. Running it again re-crawls into the same database (no duplicate rows). The
    sample site keeps serving while Datasette runs, so each listing's "See the listing" link
    opens its page. When --port is taken, a free port is used and its address printed.
    """
    from crawlers.demo import serve_site, write_demo_sources

    with serve_site() as base_url:
        sources_path = write_demo_sources(base_url, Path(db).resolve().parent)
        click.echo(f"demo site at {base_url}; crawling into {db}", err=True)
        rc = subprocess.call([sys.executable, "-m", "crawlers.cli", "crawl", "--db", db,
                              "--config", str(sources_path), "--quiet"])
        if rc != 0:  # every demo source is local: any failure is a broken install, not a flaky site
            fail(f"the demo crawl failed (exit {rc}); see the messages above")
        if no_serve:
            return
        free = port if _port_free(port) else _any_free_port()
        if free != port:
            click.echo(f"port {port} is in use; serving on {free} instead (choose one with --port)", err=True)
        click.echo(f"open http://127.0.0.1:{free}/ (the sample site stays at {base_url}; Ctrl-C stops both)",
                   err=True)
        proc = subprocess.Popen(datasette_args(db, port=free))
        try:
            proc.wait()
        except KeyboardInterrupt:
            proc.terminate()
            proc.wait(timeout=10)


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _any_free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
