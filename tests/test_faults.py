"""Faulty servers and hostile bodies: every crawl ends in bounded time and memory, the healthy
source's items are stored, and each failure is recorded against its own source in crawl_runs.

Two crawls run the whole zoo (one CrawlerProcess per crawl, as `widen crawl` does):
- "network": one source per transport fault (HTTP errors, timeouts, resets, truncation, size
  limits, gzip bomb, redirect loop, robots.txt) plus content faults that must *not* fail
  (wrong Content-Type, invalid encodings) and one healthy source;
- "volume": a 10,000-event page and an iCalendar series without end, plus a healthy source.
They are split because all sources of a crawl share one reactor: while the 10,000-event page is
extracted the other downloads stall, which would turn size-limit outcomes into timeouts.

The crawls run under tests/fault_settings.py (SCRAPY_SETTINGS_MODULE): DOWNLOAD_TIMEOUT 2 s
instead of 30 s, nothing else changed, so the limits under test are the production ones.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import require_realworld, write_sources
from faultserver import (
    FAULT_SETTINGS_ENV,
    FaultServer,
    Measured,
    event_page,
    garbled_ics,
    gzip_bomb,
    huge,
    ok,
    redirect,
    reset,
    run_measured,
    serve_faults,
    slow,
    status,
    truncated,
    unbounded_rrule_ics,
)

MB = 1024 * 1024
NOW = "2026-03-01T06:00:00+00:00"
ENV = {**FAULT_SETTINGS_ENV, "WIDEN_NOW": NOW}
# Bounds, measured 2026-11-28 on 2 shared cores (load ~5): network crawl 14 s / 170 MB peak RSS,
# volume crawl 38 s / 170 MB. Wall bounds leave room for a busier CI; the network RSS bound is
# what a 50 MB page held whole (bytes + decoded text) or the 200 MB inflated bomb would blow.
NETWORK_WALL_S, VOLUME_WALL_S = 120, 150
NETWORK_RSS_MB, VOLUME_RSS_MB = 260, 350


@dataclass
class Crawl:
    db: Path
    result: Measured
    server: FaultServer

    def runs(self) -> dict[str, dict[str, object]]:
        conn = sqlite3.connect(self.db)
        conn.row_factory = sqlite3.Row
        try:
            return {r["source"]: dict(r) for r in conn.execute("SELECT * FROM crawl_runs")}
        finally:
            conn.close()

    def query(self, sql: str, *params: object) -> list[tuple]:
        conn = sqlite3.connect(self.db)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()


def _crawl(tmp: Path, fs: FaultServer, sources: list[tuple[str, str, str]]) -> Crawl:
    cfg = write_sources(tmp / "sources.yml",
                        [{"slug": slug, "platform": platform, "url": fs.url(path)} for slug, platform, path in sources])
    db = tmp / "faults.db"
    result = run_measured("crawl", "--db", str(db), "--config", str(cfg), env=ENV, timeout=240)
    return Crawl(db, result, fs)


ROBOTS = "User-agent: *\nDisallow: /private/\n"
# Slow enough (1 s) that these clean sources are still open while the faulty ones log errors.
CLEAN_DELAY = 1.0

# slug -> (platform, path, fault factory(base) ) ; failures must be recorded against the slug.
FAILING = {
    "http500": ("schemaorg", "/e500/", lambda b: status(500)),
    "http503": ("schemaorg", "/e503/", lambda b: status(503)),
    "http429": ("schemaorg", "/e429/", lambda b: status(429, {"Retry-After": "3600"})),
    "timeout": ("schemaorg", "/slow/", lambda b: slow(30, ok(event_page(b, "/slow/", 1)))),
    "reset": ("schemaorg", "/reset/", lambda b: reset),
    "truncated": ("schemaorg", "/trunc/", lambda b: truncated(event_page(b, "/trunc/", 5), 100_000)),
    "big-announced": ("schemaorg", "/big/", lambda b: huge(50 * MB)),
    "big-streamed": ("schemaorg", "/bigstream/", lambda b: huge(50 * MB, announce=False)),
    "gzip-bomb": ("schemaorg", "/bomb/", lambda b: gzip_bomb(200 * MB)),
    "redirect-loop": ("schemaorg", "/loop/a", lambda b: redirect("/loop/b")),
    "robots-disallow": ("schemaorg", "/private/", lambda b: ok(event_page(b, "/private/", 2))),
}
BAD_ENCODING = event_page("http://x", "/badenc/", 2, title="Caf\u00e9").replace(b"Caf\\u00e9", b"Caf\xe9\xff\xfe")
# Content that looks wrong on the wire but is readable: these sources must yield their items.
READABLE = {
    "healthy": ("schemaorg", "/healthy/", lambda b: ok(event_page(b, "/healthy/", 3)), 3),
    "wrong-type-ics": ("ical", "/wrongtype.ics",
                       lambda b: ok(unbounded_rrule_ics("20260101T090000Z", "WEEKLY"), "image/png"), 1),
    "wrong-type-html": ("schemaorg", "/wronghtml/", lambda b: ok(event_page(b, "/wronghtml/", 2), "image/png"), 2),
    "invalid-utf8": ("schemaorg", "/badenc/", lambda b: ok(BAD_ENCODING, "text/html; charset=utf-8"), 2),
    "unknown-charset": ("schemaorg", "/charset/",
                        lambda b: ok(event_page(b, "/charset/", 2), "text/html; charset=x-no-such-charset"), 2),
}
# Which problem each failure's message must name (beyond its URL).
MESSAGE = {
    "timeout": "Timeout", "truncated": "DataLoss", "big-announced": "max size",
    "gzip-bomb": "DOWNLOAD_MAXSIZE", "redirect-loop": "redirect", "robots-disallow": "robots.txt",
    "http500": "", "http503": "", "http429": "", "reset": "", "big-streamed": "",
}



@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    fs = FaultServer()
    with serve_faults(fs):
        b = fs.base
        fs.routes["/robots.txt"] = ok(ROBOTS, "text/plain")
        fs.routes["/loop/b"] = redirect("/loop/a")
        for _slug, (_platform, path, make) in FAILING.items():
            fs.routes[path] = make(b)
        for _slug, (_platform, path, make, _n) in READABLE.items():
            fs.routes[path] = slow(CLEAN_DELAY, make(b))
        sources = [(s, p, path) for s, (p, path, _) in FAILING.items()]
        sources += [(s, p, path) for s, (p, path, _, _) in READABLE.items()]
        fs.routes["/garbled.ics"] = slow(CLEAN_DELAY, ok(garbled_ics(), "text/calendar"))
        sources.append(("garbled-ics", "ical", "/garbled.ics"))
        return _crawl(tmp_path_factory.mktemp("network"), fs, sources)


@pytest.fixture(scope="module")
def volume(tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    fs = FaultServer()
    with serve_faults(fs):
        b = fs.base
        fs.routes["/robots.txt"] = ok("", "text/plain")
        fs.routes["/healthy/"] = ok(event_page(b, "/healthy/", 3))
        fs.routes["/many/"] = ok(event_page(b, "/many/", 10_000))
        fs.routes["/forever.ics"] = ok(unbounded_rrule_ics("19900101T090000Z", "DAILY"))
        sources = [("healthy", "schemaorg", "/healthy/"), ("many-events", "schemaorg", "/many/"),
                   ("endless-rrule", "ical", "/forever.ics")]
        return _crawl(tmp_path_factory.mktemp("volume"), fs, sources)


# -- the network crawl -----------------------------------------------------------------------
def test_network_faults_crawl_is_bounded(network: Crawl) -> None:
    r = network.result
    assert r.wall_s < NETWORK_WALL_S, f"crawl took {r.wall_s:.1f} s"
    assert r.peak_rss_mb < NETWORK_RSS_MB, f"peak RSS {r.peak_rss_mb:.0f} MB"
    assert r.returncode == 1, r.stderr[-2000:]  # failing sources make the exit status non-zero
    assert "Traceback" not in r.stdout
    assert set(network.runs()) == set(FAILING) | set(READABLE) | {"garbled-ics"}  # every source got its run row


@pytest.mark.parametrize("slug", sorted(READABLE))
def test_readable_sources_store_their_items(network: Crawl, slug: str) -> None:
    expected = READABLE[slug][3]
    run = network.runs()[slug]
    assert run["finish_reason"] == "finished"
    assert run["error_messages"] is None, run["error_messages"]
    titles = [t for (t,) in network.query("SELECT title FROM opportunities WHERE source = ?", slug)]
    assert len(titles) == expected and run["items"] == expected
    for t in titles:
        t.encode("utf-8")  # stored text is valid Unicode even when the bytes were not


def test_invalid_bytes_become_replacement_characters(network: Crawl) -> None:
    titles = sorted(t for (t,) in network.query("SELECT title FROM opportunities WHERE source = 'invalid-utf8'"))
    assert titles and all(t.startswith("Caf") and t.endswith(("0", "1")) for t in titles)
    assert all("\ufffd" in t or "\u00e9" in t for t in titles), titles


def test_clean_sources_record_no_errors(network: Crawl) -> None:
    """Scrapy's log counter counts every crawler's ERROR lines in each crawler of a process: run
    errors must come from the source's own failures, not from its neighbours' (they are slow on
    purpose, CLEAN_DELAY, so they are still open while the faulty sources fail)."""
    runs = network.runs()
    assert {s: runs[s]["errors"] for s in READABLE} == dict.fromkeys(READABLE, 0)


@pytest.mark.parametrize("slug", sorted(FAILING))
def test_failure_is_recorded_against_its_source(network: Crawl, slug: str) -> None:
    path = FAILING[slug][1]
    run = network.runs()[slug]
    assert run["finish_reason"] == "finished"  # a bad source ends its crawl normally ...
    assert run["items"] == 0
    msgs = run["error_messages"] or ""
    assert path in msgs and run["errors"] >= 1, f"{slug}: {msgs!r}"  # ... with the failure on record
    assert MESSAGE[slug].lower() in msgs.lower(), msgs
    other = [s for s, r in network.runs().items() if s != slug and path in (r["error_messages"] or "")]
    assert other == []  # and against no other source
    (last_status,), = network.query("SELECT last_status FROM sources WHERE slug = ?", slug)
    assert last_status == "failing"


def test_partly_readable_feed_keeps_its_items_and_fails_its_source(network: Crawl) -> None:
    """A feed cut short and followed by garbage is not healthy: its readable events are stored,
    and the run carries the damage as an error, so `sources check` flags the source."""
    run = network.runs()["garbled-ics"]
    titles = sorted(t for (t,) in network.query("SELECT title FROM opportunities WHERE source = 'garbled-ics'"))
    assert titles == [f"Garbled feed event {i}" for i in range(5)]
    msgs = run["error_messages"] or ""
    assert run["errors"] >= 1 and "garbled.ics" in msgs and "truncated" in msgs and "garbage" in msgs, msgs
    (last_status,), = network.query("SELECT last_status FROM sources WHERE slug = 'garbled-ics'")
    assert last_status == "failing"


def test_healthy_items_survive_every_fault(network: Crawl) -> None:
    rows = network.query("SELECT url, start FROM opportunities WHERE source = 'healthy' ORDER BY url")
    assert [u for u, _ in rows] == [network.server.url(f"/healthy/e/{i}") for i in range(3)]
    assert all(s.endswith("-05:00") for _, s in rows)


def test_limits_hold_on_the_wire(network: Crawl) -> None:
    fs = network.server
    assert fs.count("/private/") == 0  # robots.txt obeyed: never fetched
    assert fs.count("/big/") == 1  # refused on its Content-Length, not retried
    # 429 + Retry-After: 3600 is retried a bounded number of times, never slept on for an hour
    assert 1 <= fs.count("/e429/") <= 3 and network.result.wall_s < NETWORK_WALL_S
    assert fs.count("/e500/") == 3  # RETRY_TIMES = 2
    assert fs.count("/loop/") <= 2 * 21  # REDIRECT_MAX_TIMES bounds a loop


# -- the volume crawl ------------------------------------------------------------------------
def test_volume_crawl_is_bounded(volume: Crawl) -> None:
    r = volume.result
    assert r.wall_s < VOLUME_WALL_S, f"crawl took {r.wall_s:.1f} s"
    assert r.peak_rss_mb < VOLUME_RSS_MB, f"peak RSS {r.peak_rss_mb:.0f} MB"
    assert r.returncode == 0, r.stderr[-2000:]


def test_ten_thousand_events_page_is_stored_whole(volume: Crawl) -> None:
    (n, distinct), = volume.query("SELECT count(*), count(DISTINCT id) FROM opportunities WHERE source = 'many-events'")
    assert n == distinct == 10_000
    assert volume.runs()["many-events"]["new"] == 10_000
    assert volume.query("SELECT count(*) FROM opportunities WHERE source = 'healthy'") == [(3,)]


def test_unbounded_rrule_is_cut_at_the_horizon(volume: Crawl) -> None:
    (oid, nxt, rule), = volume.query("SELECT id, next_start, recurrence FROM opportunities "
                                     "WHERE source = 'endless-rrule'")
    assert "FREQ=DAILY" in rule and "UNTIL" not in rule and "COUNT" not in rule
    starts = [s for (s,) in volume.query("SELECT start FROM occurrences WHERE opportunity_id = ? ORDER BY start", oid)]
    # a daily series since 1990, expanded only over the 90-day horizon from the pinned crawl time
    assert 89 <= len(starts) <= 91, len(starts)
    assert starts[0] >= NOW[:10] and starts[-1] < "2026-06-01"
    assert nxt == starts[0]


# -- sub-daily recurrences: the horizon bounds the dates, not the count --------------------
# A 90-day horizon still lets FREQ=MINUTELY make 129,600 occurrences (71 s of expansion here) and
# FREQ=SECONDLY 7.8 million (hours, with the reactor blocked for every other source); rrule also
# steps through every instant since DTSTART, so a minutely series begun in 2020 costs 20 s before
# the window even starts. Either cap a series (stopping the expansion, not trimming its result) or
# leave sub-daily rules unexpanded; both pass these tests.
MAX_OCCURRENCES = 1000


def test_ical_sub_daily_series_is_capped() -> None:
    from crawlers.extract import Context, extract

    now = dt.datetime.fromisoformat(NOW)
    ctx = Context(url="http://x/c.ics", now=now, window=(now, now + dt.timedelta(days=5)))
    (item,) = extract(unbounded_rrule_ics("20260228T090000Z", "MINUTELY"), "http://x/c.ics", "text/calendar", ctx)
    assert len(item.get("occurrences") or []) <= MAX_OCCURRENCES


def test_normalized_sub_daily_rule_is_capped() -> None:
    from pipelines.normalize import SourceContext, normalize

    ctx = SourceContext(now=dt.datetime.fromisoformat(NOW), horizon_days=5)
    rec = normalize({"title": "x", "start": "2026-02-28T09:00:00Z", "recurrence": "RRULE:FREQ=MINUTELY"}, ctx)
    assert len(rec["_occurrences"]) <= MAX_OCCURRENCES


# -- bad input straight from the wild --------------------------------------------------------
def _malformed_files() -> list[Path]:
    root = require_realworld()
    out = []
    for truth in sorted(root.glob("*/truth.jsonl")):
        for line in truth.read_text(encoding="utf-8").splitlines():
            if line.strip():
                entry = json.loads(line)  # flagged `"malformed": true`, or described so in a note
                if entry.get("malformed") is not False and "malformed" in line.lower():
                    out.append(truth.parent / entry["file"])
    return out


def test_malformed_realworld_files_extract_with_exit_0() -> None:
    """Each file through the `widen extract` command (click's runner, in-process: one Python
    start-up instead of eleven) exits 0 and prints only JSON lines."""
    from click.testing import CliRunner

    from crawlers.cli import main

    files = _malformed_files()
    assert files, "truth.jsonl lists no malformed files"
    failures: dict[str, str] = {}
    for path in files:
        r = CliRunner().invoke(main, ["extract", "--now", "2019-09-01T00:00:00+00:00", str(path)])
        if r.exit_code != 0 or r.exception is not None:
            failures[path.name] = f"exit {r.exit_code}: {r.exception!r} {r.output[-300:]}"
            continue
        for line in r.stdout.splitlines():
            json.loads(line)  # every output line is a JSON object
    assert failures == {}


def _refused_url() -> str:
    import socket

    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/feed.ics"


@pytest.mark.parametrize("case", ["empty-file", "directory", "random-bytes", "refused", "missing", "garbled-feed"])
def test_extract_exits_1_on_input_that_yields_an_error(tmp_path: Path, case: str) -> None:
    """Scripts tell a failed input from one that simply lists nothing: exit 1, one line on stderr
    naming the input, no traceback; the good input beside it is still printed."""
    from click.testing import CliRunner

    from crawlers.cli import main

    bad = {"empty-file": tmp_path / "empty.ics", "directory": tmp_path, "random-bytes": tmp_path / "random.bin",
           "missing": tmp_path / "nothing-here.ics", "garbled-feed": tmp_path / "garbled.ics"}.get(case)
    (tmp_path / "empty.ics").write_bytes(b"")
    (tmp_path / "random.bin").write_bytes(bytes((i * 97 + 13) % 256 for i in range(5000)))
    (tmp_path / "garbled.ics").write_bytes(garbled_ics())
    good = tmp_path / "good.ics"
    good.write_bytes(unbounded_rrule_ics("20260101T090000Z", "WEEKLY"))
    target = _refused_url() if case == "refused" else str(bad)
    r = CliRunner().invoke(main, ["extract", "--now", NOW, target, str(good)])
    assert r.exit_code == 1, (r.exit_code, r.output)
    assert "Traceback" not in r.output and r.exception is None or isinstance(r.exception, SystemExit)
    assert [ln for ln in r.stderr.splitlines() if target in ln], r.stderr
    assert any(json.loads(ln)["title"] == "Networking breakfast that never ends" for ln in r.stdout.splitlines())


def test_extract_exits_0_on_a_readable_page_without_listings(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from crawlers.cli import main

    page = tmp_path / "about.html"
    page.write_text("<html><body><h1>About us</h1><p>We are a club.</p></body></html>")
    r = CliRunner().invoke(main, ["extract", "--now", NOW, str(page)])
    assert r.exit_code == 0 and r.stdout == "" and "no listings found" in r.stderr
