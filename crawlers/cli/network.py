"""`widen network`: your profile (audiences you already reach) and the reach scores it drives."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import click

from crawlers.cli.app import db_option, fail, main


@main.group()
def network() -> None:
    """Your network: the audiences you already reach (LinkedIn export or config/network.yml)."""


@network.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@db_option
def network_import(file: str, db: str) -> None:
    """Build your profile from FILE and re-score every stored opportunity against it.

    FILE is LinkedIn's Connections.csv, the export ZIP that holds it, or a network.yml. Only
    per-audience counts are stored; names, emails and URLs are never written anywhere.
    """
    import sqlite_utils

    from crawlers.db import ensure_schema
    from crawlers.network import NetworkError, read_profile_file, save_profile
    from pipelines.reach import recompute

    try:
        profile = read_profile_file(file)
    except NetworkError as exc:
        fail(str(exc))
    conn = sqlite3.connect(db, timeout=60)
    try:
        ensure_schema(sqlite_utils.Database(conn))
        save_profile(conn, profile)
    finally:
        conn.close()
    mapped = len(profile.audiences)
    if profile.total:
        click.echo(f"{profile.total} connections, {profile.total - int(profile.other)} mapped to {mapped} audiences "
                   f"({int(profile.other)} unclassified)")
    else:
        click.echo(f"profile with {mapped} audiences from {file}")
    stats = recompute(db, profile)
    click.echo(f"re-scored {stats['opportunities']} opportunities ({stats['changed']} changed, "
               f"{stats['audience_sets']} audience sets) "
               f"in {stats['seconds']} s; constraint {stats['constraint']:.3f}, "
               f"effective size {stats['effective_size']:.1f}")


@network.command("recompute")
@db_option
def network_recompute(db: str) -> None:
    """Re-score every stored opportunity against the current profile (after editing network.yml)."""
    from pipelines.reach import recompute

    if not Path(db).exists():
        fail(f"{db}: no such database")
    stats = recompute(db)
    click.echo(f"re-scored {stats['opportunities']} opportunities ({stats['changed']} changed) in {stats['seconds']} s")


@network.command("show")
@db_option
def network_show(db: str) -> None:
    """Your audience mix, effective size and constraint, and the audiences you reach least."""
    from rich.console import Console
    from rich.table import Table

    from crawlers.network import NetworkError, audience_mix, current_profile
    from pipelines.audiences import audience_labels
    from pipelines.reach import Reach

    try:
        profile = current_profile(db)
    except NetworkError as exc:
        fail(str(exc))
    reach = Reach(profile)
    labels = audience_labels()
    con = Console(width=None if sys.stdout.isatty() else 160)  # piped output: don't cut slugs
    table = Table(title=f"Your network ({profile.source or 'no profile'})")
    for col, just in (("audience", "left"), ("label", "left"), ("contacts", "right"), ("share", "right"),
                      ("why", "left")):
        table.add_column(col, justify=just, no_wrap=col == "audience")  # type: ignore[arg-type]
    for slug, w, share in audience_mix(profile):
        n = profile.contacts.get(slug)
        table.add_row(slug, labels.get(slug, ""), f"{n if n is not None else w:g}", f"{share:.0%}",
                      "; ".join(profile.examples.get(slug, [])))
    con.print(table)
    if profile.total:
        con.print(f"connections: {profile.total}")
    con.print(f"effective size: {reach.effective_size:.2f} (non-redundant clusters you reach)")
    con.print(f"constraint: {reach.constraint:.3f} (Burt; 1.0 = everything through one group, lower = more open): "
              f"as open as about {1 / reach.constraint:.1f} equal, unconnected groups")
    missing = [slug for slug in labels if slug not in profile.audiences]
    best = sorted(missing, key=lambda s: (-reach.score([s]), reach.constraint_after([s]), s))[:8]
    lowers = Table(title="Audiences that would open your network most (one opportunity reaching each)")
    for col, just in (("audience", "left"), ("label", "left"), ("constraint after", "right"), ("lower by", "right"),
                      ("reach score", "right")):
        lowers.add_column(col, justify=just, no_wrap=col == "audience")  # type: ignore[arg-type]
    for slug in best:
        after = reach.constraint_after([slug])
        lowers.add_row(slug, labels.get(slug, ""), f"{after:.3f}", f"{(reach.constraint - after) / reach.constraint:.1%}",
                       f"{reach.score([slug]):.1f}")
    con.print(lowers)
    con.print(f"audiences you don't reach yet ({len(missing)}): {', '.join(missing)}")
