"""`widen extract`: extraction + normalization on saved files or URLs, one JSON line per listing."""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
import urllib.request
from pathlib import Path
from typing import Any

import click

from crawlers.cli.app import iso_datetime, main, time_zone
from crawlers.schema import EXTRACT_FIELDS


def _parse_now(value: dt.datetime | None) -> dt.datetime:
    if value is None:
        return dt.datetime.now(dt.UTC)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


# Bytes no text format uses (C0 controls other than tab, newlines and form feed, and DEL).
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def unreadable_reason(body: bytes) -> str | None:
    """Why these bytes cannot be a page, feed or API response at all, or None when they may be.

    Empty input and binary data (more than 1% control bytes in the first 64 KB; text formats
    have next to none) are errors of the input, unlike a readable page that lists nothing.
    """
    if not body.strip():
        return "empty input (0 bytes)" if not body else "blank input (whitespace only)"
    head = body[:65536]
    if len(_CONTROL.findall(head)) * 100 > len(head):
        return "binary data, not a web page, feed or JSON response"
    return None


def _read(target: str) -> tuple[bytes, str, str | None]:
    if target.startswith(("http://", "https://")):
        req = urllib.request.Request(target, headers={"User-Agent": "widen/0.1 (extract)"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.read(), target, resp.headers.get("Content-Type")
    return Path(target).read_bytes(), "", None


@main.command()
@click.argument("targets", nargs=-1, required=True)
@click.option(
    "--now", default=None, callback=iso_datetime,
    help="Reference time (ISO) for 'Tomorrow' or dates without a year; default: now."
)
@click.option(
    "--tz", default=None, callback=time_zone,
    help="The source's time zone (IANA), used only where the data gives none."
)
@click.option(
    "--occurrences",
    nargs=2,
    default=None,
    callback=lambda ctx, param, v: tuple(iso_datetime(ctx, param, x) for x in v) if v else None,
    metavar="FROM TO",
    help="Print one line per occurrence between two ISO dates/times instead of one per listing.",
)
@click.option("--url", "base_url", default=None, help="URL the saved file was fetched from (resolves links).")
@click.option("--explain", is_flag=True,
              help="Say on stderr how each input was read: for JSON from an unknown API, which arrays "
                   "were considered as listings and why each was or was not taken.")
def extract(
    targets: tuple[str, ...],
    now: dt.datetime | None,
    tz: str | None,
    occurrences: tuple[dt.datetime, dt.datetime] | None,
    base_url: str | None,
    explain: bool,
) -> None:
    """Run extraction + normalization on saved files or URLs; print one JSON object per line.

    Fields: title, start, end, all_day, timezone, venue, address, city, region, country, online,
    organizer, url, kind, recurrence, description, audiences (null when unknown), plus `location`:
    the place on one line as the source printed it.

    Problems are explained on stderr, one line each, and the other inputs are still read. Exit
    status: 0 when every input was read (including inputs that simply list nothing); 1 when any
    input could not be read (missing file, directory, refused connection, HTTP error), was empty
    or binary, failed extraction, or was only partly readable (a truncated feed, say).
    """
    from crawlers.extract import Context
    from crawlers.extract import extract as run_extract
    from pipelines.classify import classify
    from pipelines.normalize import SourceContext, normalize

    if explain:
        import logging

        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("widen extract: %(message)s"))
        log = logging.getLogger("crawlers.extract")
        log.addHandler(handler)
        log.setLevel(logging.INFO)
    ref = _parse_now(now)
    window = None
    if occurrences:
        # Without an offset the window is wall-clock time wherever each event happens, which
        # is how a person reads "events between 1 and 14 March".
        window = (occurrences[0], occurrences[1])
    failed = 0
    for target in targets:
        try:
            body, url, ctype = _read(target)
        except (OSError, ValueError) as exc:
            click.echo(f"widen extract: {target}: cannot read: {exc}", err=True)
            failed += 1
            continue
        reason = unreadable_reason(body)
        if reason:
            click.echo(f"widen extract: {target}: {reason}", err=True)
            failed += 1
            continue
        url = base_url or url
        ctx = Context(url=url, now=ref, tz=tz, window=window)
        try:
            raws = run_extract(body, url, ctype, ctx)
        except Exception as exc:  # one input's failure: explained, counted, the others still read
            click.echo(f"widen extract: {target}: extraction failed: {type(exc).__name__}: {exc}", err=True)
            failed += 1
            continue
        for problem in ctx.problems:
            click.echo(f"widen extract: {target}: partly unreadable: {problem}", err=True)
        failed += bool(ctx.problems)
        if not raws:
            click.echo(f"widen extract: {target}: no listings found", err=True)
        for raw in raws:
            try:
                rec = classify(
                    normalize(raw, SourceContext(source="extract", tz=tz, now=ref, source_url=url or None))
                )
            except Exception as exc:
                click.echo(
                    f"widen extract: {target}: skipped a listing: {type(exc).__name__}: {exc}", err=True
                )
                failed += 1
                continue
            out = {k: rec.get(k) for k in EXTRACT_FIELDS}
            out["location"] = rec.get("_location")  # the place on one line, as printed
            if window is None:
                click.echo(json.dumps(out, ensure_ascii=False))
                continue
            for start, end in _occurrences_in(rec, window):
                click.echo(json.dumps({**out, "start": start, "end": end}, ensure_ascii=False))
    if failed:
        sys.exit(1)


def _occurrences_in(rec: dict[str, Any], window: tuple[dt.datetime, dt.datetime]) -> list[tuple[str, Any]]:
    """A record's occurrences inside the window (a one-off listing is its own single occurrence)."""
    from pipelines import when

    if rec.get("_occurrences") or rec.get("recurrence"):
        return list(rec.get("_occurrences") or [])
    start = when.parse(rec.get("start"))
    if start is None:
        return []
    v = start.value
    lo, hi = window
    if not isinstance(v, dt.datetime):
        v = dt.datetime.combine(v, dt.time())
    if lo.tzinfo is None:  # a wall-clock window: compare the listing's own wall clock
        v = v.replace(tzinfo=None)
    elif v.tzinfo is None:
        v = v.replace(tzinfo=when.zone(rec.get("timezone")) or lo.tzinfo)
    if hi.tzinfo is None and lo.tzinfo is not None:
        hi = hi.replace(tzinfo=lo.tzinfo)
    return [(rec["start"], rec.get("end"))] if lo <= v < hi else []
