"""End to end: the demo site crawled over loopback by Scrapy, stored, served, exported."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import ROOT, Site, rows, serve, widen, write_sources

TODAY = "2026-03-01"  # pinned so instants are exact; DST starts in Chicago on 2026-03-08
PINNED = {"WIDEN_DEMO_TODAY": TODAY, "WIDEN_NOW": TODAY + "T06:00:00+00:00"}


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    r = widen("demo", "--no-serve", "--db", str(db), env=PINNED)
    assert r.returncode == 0, r.stderr[-3000:]
    return db


def test_demo_builds_all_kinds_with_exact_instants(demo_db: Path) -> None:
    kinds = dict(rows(demo_db, "SELECT kind, count(*) FROM opportunities GROUP BY kind"))
    assert set(kinds) == {"networking_event", "networking_group", "board_seat", "volunteer_role"}
    assert sum(kinds.values()) >= 20
    got = dict(rows(demo_db, "SELECT title, start FROM opportunities WHERE start IS NOT NULL"))
    # Before DST: CST, -06:00 ...
    assert got["Women in Tech Chicago: Breakfast Roundtable"] == "2026-03-06T07:30:00-06:00"
    # ... after the 8 March change: CDT, -05:00 (offsets come from the zone, per date).
    assert got["Veterans in Business Lunch & Learn"] == "2026-03-13T12:00:00-05:00"
    assert got["Founders Coffee"] == "2026-03-03T08:00:00-06:00"
    kind_of = dict(rows(demo_db, "SELECT title, kind FROM opportunities"))
    assert kind_of["Board Treasurer"] == "board_seat"
    assert kind_of["Board Treasurer (Volunteer)"] == "board_seat"  # found inside a volunteer listing
    assert kind_of["Youth Coding Mentor"] == "volunteer_role"
    assert kind_of["Chicago Women in Data"] == "networking_group"
    assert kind_of["Latino Business Expo: Networking Night"] == "networking_event"
    # the robots.txt-disallowed page is never fetched
    assert "Private staff retreat" not in kind_of


def test_demo_normalizes_status_place_and_recurrence(demo_db: Path) -> None:
    (status, title), = rows(demo_db, "SELECT status, title FROM opportunities WHERE title LIKE '%Real Estate%'")
    assert status == "cancelled" and title == "Real Estate Investors Roundtable"
    (region, country), = rows(demo_db, "SELECT region, country FROM opportunities WHERE title LIKE 'Black Prof%'")
    assert (region, country) == ("IL", "US")  # "Illinois", "United States" in the page
    (att,), = rows(demo_db, "SELECT attendance FROM opportunities WHERE title LIKE 'Latino Business%'")
    assert att == "hybrid"
    (rule, nxt), = rows(demo_db, "SELECT recurrence, next_start FROM opportunities WHERE title = 'Founders Coffee'")
    assert rule.startswith("RRULE:FREQ=WEEKLY")
    occ = rows(demo_db, "SELECT o.start FROM occurrences o JOIN opportunities p ON p.id = o.opportunity_id "
                        "WHERE p.title = 'Founders Coffee' ORDER BY o.start")
    assert len(occ) >= 10 and occ[0][0] == nxt
    (url,), = rows(demo_db, "SELECT url FROM opportunities WHERE title LIKE 'Women in Tech Chicago:%'")
    assert "utm_source" not in url


def test_demo_records_one_run_per_source(demo_db: Path) -> None:
    runs = rows(demo_db, "SELECT source, finish_reason, errors, items, pages FROM crawl_runs")
    assert {r[0] for r in runs} == {"demo-events", "demo-meetups", "demo-volunteer", "demo-board", "demo-groups"}
    assert all(r[1] == "finished" and r[2] == 0 and r[3] > 0 and r[4] > 0 for r in runs)


def test_recrawl_adds_no_rows_and_moves_last_seen(demo_db: Path, tmp_path: Path) -> None:
    import shutil
    import time

    db = tmp_path / "again.db"
    shutil.copy(demo_db, db)
    before = dict(rows(db, "SELECT id, last_seen FROM opportunities"))
    time.sleep(1.1)
    r = widen("demo", "--no-serve", "--db", str(db), env=PINNED)
    assert r.returncode == 0, r.stderr[-2000:]
    after = dict(rows(db, "SELECT id, last_seen FROM opportunities"))
    assert set(after) == set(before)
    assert all(after[k] > before[k] for k in before)
    (new,), = rows(db, "SELECT sum(new) FROM crawl_runs WHERE id > (SELECT max(id) - 5 FROM crawl_runs)")
    assert new == 0


EVENT = """<html><head><script type="application/ld+json">
{{"@context":"https://schema.org","@type":"Event","name":"{title}","startDate":"2026-05-05T18:00:00-05:00",
 "url":"{base}/e/1","location":{{"@type":"Place","name":"Hall","address":"1 Main St, Springfield, IL 62701"}}}}
</script></head><body></body></html>"""


def test_changed_listing_updates_in_place(tmp_path: Path) -> None:
    state = {"title": "Spring Mixer"}
    site = Site()
    site.routes["/robots.txt"] = b""
    site.routes["/e/"] = lambda req: EVENT.format(title=state["title"], base=site.base)
    with serve(site):
        cfg = write_sources(tmp_path / "s.yml", [{"slug": "one", "platform": "schemaorg", "url": site.url("/e/")}])
        db = tmp_path / "w.db"
        assert widen("crawl", "--db", str(db), "--config", str(cfg)).returncode == 0
        (id1, h1, first1), = rows(db, "SELECT id, content_hash, first_seen FROM opportunities")
        assert widen("crawl", "--db", str(db), "--config", str(cfg)).returncode == 0
        assert rows(db, "SELECT new, updated, unchanged FROM crawl_runs ORDER BY id DESC LIMIT 1") == [(0, 0, 1)]
        assert rows(db, "SELECT content_hash FROM opportunities") == [(h1,)]
        state["title"] = "Spring Mixer (new venue)"
        assert widen("crawl", "--db", str(db), "--config", str(cfg)).returncode == 0
    (id2, h2, first2, title), = rows(db, "SELECT id, content_hash, first_seen, title FROM opportunities")
    assert id2 == id1 and h2 != h1 and first2 == first1 and title == "Spring Mixer (new venue)"
    (updated,), = rows(db, "SELECT updated FROM crawl_runs ORDER BY id DESC LIMIT 1")
    assert updated == 1


def test_bad_sources_are_recorded_and_others_stored(tmp_path: Path) -> None:
    site = Site()
    site.routes["/robots.txt"] = b""
    site.routes["/good/"] = lambda req: EVENT.format(title="Good Event", base=site.base)
    site.routes["/garbage/"] = b"\x00\xff<html><<<script>{{{ not json" * 100
    with serve(site):
        cfg = write_sources(tmp_path / "s.yml", [
            {"slug": "good", "platform": "schemaorg", "url": site.url("/good/")},
            {"slug": "garbage", "platform": "schemaorg", "url": site.url("/garbage/")},
            {"slug": "down", "platform": "ical", "url": "http://127.0.0.1:9/cal.ics"},
        ])
        db = tmp_path / "w.db"
        r = widen("crawl", "--db", str(db), "--config", str(cfg))
    assert r.returncode == 1  # a failing source makes the exit status non-zero ...
    assert [t for (t,) in rows(db, "SELECT title FROM opportunities")] == ["Good Event"]  # ... nothing lost
    runs = {s: (err, msg) for s, err, msg in rows(db, "SELECT source, errors, error_messages FROM crawl_runs")}
    assert runs["good"][0] == 0
    assert runs["down"][0] >= 1 and "127.0.0.1:9" in runs["down"][1]
    assert "garbage" in runs


def test_export_csv_equals_table(demo_db: Path) -> None:
    r = widen("export", "--csv", "--db", str(demo_db))
    assert r.returncode == 0, r.stderr
    out = list(csv.DictReader(io.StringIO(r.stdout)))
    ids = [row["id"] for row in out]
    table = [i for (i,) in rows(demo_db, "SELECT id FROM opportunities ORDER BY id")]
    assert ids == table and len(set(ids)) == len(ids)


def test_export_filters(demo_db: Path) -> None:
    r = widen("export", "--csv", "--db", str(demo_db), "--kind", "board_seat")
    out = list(csv.DictReader(io.StringIO(r.stdout)))
    assert out and {row["kind"] for row in out} == {"board_seat"}
    r = widen("export", "--csv", "--db", str(demo_db), "--kind", "x' OR 1=1 --")
    assert list(csv.DictReader(io.StringIO(r.stdout))) == []  # parameters are bound, never interpolated


async def test_datasette_facets_and_search(demo_db: Path) -> None:
    import yaml
    from datasette.app import Datasette

    meta = ROOT / "config" / "datasette" / "metadata.yml"
    ds = Datasette(files=[str(demo_db)], metadata=yaml.safe_load(meta.read_text()) if meta.exists() else None)
    await ds.invoke_startup()
    name = demo_db.stem
    r = await ds.client.get(f"/{name}/opportunities.json?_facet=kind&_shape=objects")
    assert r.status_code == 200
    facets = {f["value"]: f["count"] for f in r.json()["facet_results"]["kind"]["results"]}
    assert facets["board_seat"] >= 4 and facets["networking_group"] >= 5
    r = await ds.client.get(f"/{name}/opportunities.json?_search=veterans&_shape=objects")
    titles = {row["title"] for row in r.json()["rows"]}
    assert titles == {"Veterans in Business Lunch & Learn", "Lakeview Veterans Business Circle"}


def test_scrapy_list_names_platform_spiders() -> None:
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "scrapy", "list"], capture_output=True, text=True, cwd=ROOT)
    assert {"ical", "schemaorg", "boardpage"} <= set(r.stdout.split())


def test_schema_drives_validation_and_columns(demo_db: Path) -> None:
    from crawlers.schema import FIELD_NAMES, json_schema
    from pipelines.validate import InvalidRecord, validate

    cols = [c[1] for c in rows(demo_db, "PRAGMA table_info(opportunities)")]
    assert cols == list(FIELD_NAMES)
    assert set(json_schema()["properties"]) == set(FIELD_NAMES)
    good = dict.fromkeys(FIELD_NAMES)
    good.update(id="s:x", kind="networking_event", title="T", source="s", start="2026-01-01T10:00:00-06:00")
    validate(good)
    with pytest.raises(InvalidRecord) as e:
        validate({**good, "kind": "party"})
    assert e.value.field == "kind"
    with pytest.raises(InvalidRecord):
        validate({**good, "start": "next Tuesday"})


def test_cli_help_explains_every_verb() -> None:
    for verb in ("demo", "crawl", "extract", "serve", "export", "sources"):
        r = widen(verb, "--help")
        assert r.returncode == 0 and "--help" in r.stdout and len(r.stdout) > 200, verb


def test_unknown_source_is_a_clear_error(tmp_path: Path) -> None:
    r = widen("crawl", "nope", "--db", str(tmp_path / "x.db"))
    assert r.returncode == 2 and "unknown source" in r.stderr and "Traceback" not in r.stderr


def test_invalid_config_names_entry_and_field(tmp_path: Path) -> None:
    cfg = tmp_path / "s.yml"
    cfg.write_text(json.dumps({"sources": [{"slug": "ok", "name": "x", "platform": "ical", "url": "http://a/"},
                                           {"slug": "bad", "name": "y", "platform": "nosuch", "url": "http://a/"}]}))
    r = widen("sources", "list", "--config", str(cfg))
    assert r.returncode == 2 and "source #2 (bad), field platform" in r.stderr


def test_demo_serves_on_a_free_port_and_keeps_the_sample_site_up(tmp_path: Path) -> None:
    """With the asked port taken, `widen demo` says so and serves elsewhere; the listing links it
    shows open the sample pages while Datasette runs."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        proc = subprocess.Popen([sys.executable, "-m", "crawlers.cli", "demo", "--db", str(tmp_path / "d.db"),
                                 "--port", str(taken)], cwd=str(ROOT), stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True,
                                env={**os.environ, "WIDEN_CONFIG": str(ROOT / "config"), **PINNED})
        try:
            lines = []
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline:
                line = proc.stderr.readline()
                lines.append(line)
                m = re.search(r"open http://127\.0\.0\.1:(\d+)/", line)
                if m or proc.poll() is not None:
                    break
            assert m, "".join(lines)[-2000:]
            port = int(m.group(1))
            assert port != taken and any(f"port {taken} is in use" in x for x in lines)
            base = f"http://127.0.0.1:{port}"
            for _ in range(200):
                try:
                    with urllib.request.urlopen(f"{base}/d/opportunities.json?_shape=array&_col=url", timeout=5) as r:
                        rows = json.load(r)
                    break
                except OSError:
                    time.sleep(0.2)
            urls = [x["url"] for x in rows if (x.get("url") or "").startswith("http://127.0.0.1")]
            assert urls
            with urllib.request.urlopen(urls[0], timeout=5) as r:  # the sample site is still up
                assert r.status == 200
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def _not_sqlite(tmp: Path) -> Path:
    p = tmp / "notes.db"
    p.write_text("these are my notes, not a database\n")
    return p


BAD_INPUTS = {
    "db-folder-missing": lambda tmp: ["network", "show", "--db", str(tmp / "no" / "such" / "w.db")],
    "db-not-sqlite-network-show": lambda tmp: ["network", "show", "--db", str(_not_sqlite(tmp))],
    "db-not-sqlite-network-import": lambda tmp: ["network", "import", str(ROOT / "config" / "network.yml"),
                                                 "--db", str(_not_sqlite(tmp))],
    "db-not-sqlite-export": lambda tmp: ["export", "--csv", "--db", str(_not_sqlite(tmp))],
    "db-is-a-folder-export": lambda tmp: ["export", "--csv", "--db", str(tmp)],
    "db-not-sqlite-sources-check": lambda tmp: ["sources", "check", "--db", str(_not_sqlite(tmp))],
    "db-missing-sources-check": lambda tmp: ["sources", "check", "--db", str(tmp / "never-crawled.db")],
    "extract-now-not-a-date": lambda tmp: ["extract", "--now", "yesterday-ish", str(ROOT / "pyproject.toml")],
    "extract-occurrences-garbage": lambda tmp: ["extract", "--occurrences", "2019-10-01", "garbage",
                                                str(ROOT / "pyproject.toml")],
    "extract-tz-unknown": lambda tmp: ["extract", "--tz", "Not/AZone", str(ROOT / "pyproject.toml")],
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_gives_one_line_and_a_non_zero_exit(tmp_path: Path, case: str) -> None:
    r = widen(*BAD_INPUTS[case](tmp_path))
    assert r.returncode != 0, (case, r.stdout[-500:])
    assert "Traceback" not in r.stderr + r.stdout
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("widen: "), r.stderr


def test_debug_shows_the_traceback_of_an_unexpected_failure(tmp_path: Path) -> None:
    """An unexpected error is one line; `widen --debug` shows where it came from."""
    db = tmp_path / "w.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE opportunities (x)")  # a SQLite file, but not widen's schema
    conn.commit()
    conn.close()
    r = widen("export", "--csv", "--db", str(db))
    assert r.returncode == 2 and "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "not a widen database" in r.stderr
    r = widen("--debug", "export", "--csv", "--db", str(db))
    assert r.returncode != 0 and "Traceback" in r.stderr


def test_demo_places_say_how_exact_and_do_not_stack(demo_db: Path) -> None:
    """Every mapped demo row says how exact its point is, and different street addresses do not
    share one point (they once all sat on Chicago's centre)."""
    mapped = rows(demo_db, "SELECT address, lat, lon, geo_precision FROM opportunities WHERE lat IS NOT NULL")
    assert mapped and all(p in ("exact", "postcode", "city") for *_, p in mapped)
    by_point: dict[tuple, set] = {}
    exact_points = set()
    for address, lat, lon, precision in mapped:
        if address:
            by_point.setdefault((lat, lon), set()).add(address)
        if precision == "exact":
            exact_points.add((lat, lon))
    addresses = {a for a, *_ in mapped if a}
    assert len(by_point) >= len(addresses) / 2, by_point  # spread over the city, not one point
    shared = [p for p, a in by_point.items() if len(a) > 1]
    assert not set(shared) & exact_points  # only approximate (ZIP) points are shared, and say so
