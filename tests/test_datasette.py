"""Datasette as widen's face, through the app's own client: metadata, canned queries, settings,
the opportunity card, the chart, the map, robots.txt and the streamed CSV.

`make_db` and `app` are shared with test_ics.py and test_atom.py.
"""

from __future__ import annotations

import collections
import csv
import html
import io
import json
import random
import re
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT
from datasette.app import Datasette

from crawlers.cli.serve import datasette_args, datasette_settings, render_metadata
from crawlers.schema import FIELD_NAMES, make_id
from pipelines.store import Store

DS_DIR = ROOT / "config" / "datasette"
HOSTILE_HTML = ('<p>Hi <b>there</b><script>window.__pwned=1</script>'
                '<img src="x" onerror="window.__pwned=1"> <a href="javascript:window.__pwned=1">click</a></p>')


def rec(source: str, n: int | str, **fields: Any) -> dict[str, Any]:
    """A stored record with sensible defaults (the store fills lifecycle columns)."""
    r: dict[str, Any] = {"id": make_id(source, native_id=str(n)), "kind": "networking_event", "title": f"Event {n}",
                         "source": source, "status": "scheduled", "timezone": "America/Chicago"}
    r.update(fields)
    return r


def sample_records() -> list[dict[str, Any]]:
    """A small, varied set: zoned, floating, all-day, UTC-only, recurring, cancelled, no-date kinds."""
    return [
        rec("ev", 1, title="Women in Tech Breakfast", start="2026-03-06T07:30:00-06:00",
            end="2026-03-06T09:00:00-06:00", venue="Lakeview Library", address="644 W Belmont Ave",
            city="Chicago", region="IL", country="US", lat=41.9398, lon=-87.6455, attendance="in_person",
            url="https://example.org/e/1", description="Breakfast roundtable for women in technology.",
            description_html=HOSTILE_HTML, organizer="Women in Tech Chicago", organizer_url="javascript:alert(1)",
            audiences=["tech", "women"], new_audiences=["women"], reach_score=42.0, cost="free"),
        rec("ev", 2, title="Veterans Lunch", start="2026-03-13T12:00:00-05:00", end="2026-03-13T13:30:00-05:00",
            city="Chicago", region="IL", url="javascript:alert(2)", audiences=["veterans", "small_business"],
            new_audiences=["veterans", "small_business"], reach_score=80.0),
        rec("ev", 3, title="Floating Mixer", start="2026-03-10T18:00:00", end="2026-03-10T20:00:00",
            timezone=None, city="Toronto", region="ON", audiences=["finance"]),
        rec("ev", 4, title="All-day Expo", start="2026-03-21", end="2026-03-21", all_day=True,
            city="Chicago", region="IL", audiences=["latino", "founders"], new_audiences=["latino"]),
        rec("ev", 5, title="UTC Webinar", start="2026-03-11T17:00:00+00:00", timezone=None,
            attendance="online", online=True, audiences=["nonprofit_sector"]),
        rec("ev", 6, title="Cancelled Roundtable", start="2026-03-09T18:00:00-05:00", status="cancelled",
            city="Chicago", region="IL", audiences=["real_estate"]),
        rec("ev", 7, title="Founders Coffee", start="2026-03-03T08:00:00-06:00", end="2026-03-03T09:00:00-06:00",
            recurrence="RRULE:FREQ=WEEKLY;COUNT=4", city="Chicago", region="IL", audiences=["founders"],
            _occurrences=[("2026-03-03T08:00:00-06:00", "2026-03-03T09:00:00-06:00"),
                          ("2026-03-10T08:00:00-05:00", "2026-03-10T09:00:00-05:00")]),
        rec("grp", 1, kind="networking_group", title="Chicago Women in Data", city="Chicago", region="IL",
            audiences=["data", "women"], new_audiences=["data"]),
        rec("brd", 1, kind="board_seat", title="Board Treasurer", audiences=["finance", "accounting"],
            new_audiences=["accounting"], reach_score=30.0),
        rec("vol", 1, kind="volunteer_role", title="Youth Coding Mentor", city="Chicago", region="IL",
            description="Teach Python to teens.", skills=["python"], audiences=["youth", "tech"],
            new_audiences=["youth"]),
        rec("vol", 2, kind="volunteer_role", title="Food Pantry Shift Lead", audiences=["hunger"],
            causes=["hunger"]),
    ]


def make_db(path: Path, records: Iterable[dict[str, Any]] | None = None, *, now: str = "2026-03-01T12:00:00+00:00"
            ) -> Path:
    """A widen database written by the real store (schema, FTS, audience table, runs, sources)."""
    store = Store(path)
    store.write(list(records if records is not None else sample_records()), now=now)
    conn = store.db.conn
    conn.execute("INSERT INTO sources (slug, name, platform, enabled, last_run, last_status, last_items, "
                 "consecutive_failures) VALUES ('ev', 'Events', 'schemaorg', 1, ?, 'ok', 7, 0), "
                 "('brd', 'Board page', 'boardpage', 1, ?, 'failing', 0, 3)", (now, now))
    conn.execute("INSERT INTO crawl_runs (run_id, source, started, finished, finish_reason, errors, error_messages) "
                 "VALUES ('r1', 'brd', ?, ?, 'finished', 2, 'HTTP 500 at /board')", (now, now))
    store.close()
    return path


def app(db: Path, **settings: Any) -> Datasette:
    """The Datasette widen serves: its metadata (rendered for this file name), plugins, templates, settings."""
    return Datasette(files=[str(db)], metadata=render_metadata(db.stem),
                     settings={**datasette_settings(), **settings},
                     plugins_dir=str(DS_DIR / "plugins"), template_dir=str(DS_DIR / "templates"))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return make_db(tmp_path / "widen.db")


@pytest.fixture
async def ds(db: Path) -> Datasette:
    d = app(db)
    await d.invoke_startup()
    return d


def ids_of_csv(text: str) -> list[str]:
    rows = list(csv.reader(io.StringIO(text)))
    return [r[rows[0].index("id")] for r in rows[1:]]


# -- metadata ------------------------------------------------------------------------------------

def test_every_schema_field_has_a_column_description() -> None:
    meta = yaml.safe_load((DS_DIR / "metadata.yml").read_text(encoding="utf-8"))
    cols = meta["databases"]["widen"]["tables"]["opportunities"]["columns"]
    missing = [f for f in FIELD_NAMES if not (cols.get(f) or "").strip()]
    unknown = sorted(set(cols) - set(FIELD_NAMES))
    assert not missing, f"metadata.yml lacks column descriptions for {missing}"
    assert not unknown, f"metadata.yml describes columns the schema does not have: {unknown}"


def test_metadata_is_rendered_for_any_database_name(tmp_path: Path) -> None:
    meta = render_metadata("mycity")
    assert "mycity" in meta["databases"] and "widen" not in meta["databases"]
    assert "/mycity/not_reached" in meta["description_html"]
    assert render_metadata("widen")["databases"]["widen"]["tables"]["opportunities"]["label_column"] == "title"


async def test_every_link_on_the_index_page_works(ds: Datasette) -> None:
    html = (await ds.client.get("/")).text
    links = sorted(set(re.findall(r'href="(/widen/[^"]+)"', html)))
    assert len(links) >= 7
    for link in links:
        assert (await ds.client.get(link)).status_code == 200, link


async def test_table_page_uses_metadata_facets_sort_and_hidden_tables(ds: Datasette) -> None:
    r = await ds.client.get("/widen/opportunities.json?_shape=objects")
    assert r.status_code == 200
    data = r.json()
    facets = data["facet_results"]
    assert {"kind", "audiences", "new_audiences", "region", "attendance", "cost", "source"} <= set(facets)
    kinds = {f["value"]: f["count"] for f in facets["kind"]["results"]}
    assert kinds == {"networking_event": 7, "networking_group": 1, "board_seat": 1, "volunteer_role": 2}
    women = {f["value"]: f["count"] for f in facets["audiences"]["results"]}["women"]
    assert women == 2
    assert [r["id"] for r in data["rows"]] == sorted(r["id"] for r in data["rows"]) and len(data["rows"]) == 11
    for col in ("id", "reach_score", "start", "first_seen"):
        assert (await ds.client.get(f"/widen/opportunities.json?_sort={col}")).status_code == 200
    tables = {t["name"]: t for t in (await ds.client.get("/widen.json")).json()["tables"]}
    assert tables["opportunity_links"]["hidden"] and tables["opportunities_fts"]["hidden"]
    assert not tables["opportunities"]["hidden"]


async def test_search_finds_by_words_and_survives_punctuation(ds: Datasette) -> None:
    r = await ds.client.get("/widen/opportunities.json?_search=breakfast&_shape=objects")
    assert [row["title"] for row in r.json()["rows"]] == ["Women in Tech Breakfast"]
    r = await ds.client.get("/widen/opportunities.json?_search=tech:%20breakfast%22")
    assert r.status_code == 200


async def test_arbitrary_sql_is_refused_by_default_but_canned_queries_work(db: Path, ds: Datasette) -> None:
    assert (await ds.client.get("/widen.json?sql=select+1")).status_code == 403
    assert (await ds.client.get("/widen/opportunities.json?_where=1")).status_code in (400, 403)
    assert (await ds.client.get("/widen/board_seats.json")).status_code == 200
    open_ds = app(db, default_allow_sql=True)
    assert (await open_ds.client.get("/widen.json?sql=select+1&_shape=array")).json() == [{"1": 1}]


def test_serve_command_line_is_read_only_with_inspect_file(tmp_path: Path) -> None:
    db = make_db(tmp_path / "city.db")
    args = datasette_args(str(db), port=8123)
    assert args[args.index("-i") + 1] == str(db)
    inspect_file = Path(args[args.index("--inspect-file") + 1])
    assert inspect_file.parent == tmp_path
    assert json.loads(inspect_file.read_text())["city"]["tables"]["opportunities"]["count"] == len(sample_records())
    meta = json.loads(Path(args[args.index("--metadata") + 1]).read_text())
    assert "city" in meta["databases"]
    settings = {args[i + 1]: args[i + 2] for i, a in enumerate(args) if a == "--setting"}
    assert settings["default_allow_sql"] == "off" and settings["max_csv_mb"] == "0"
    assert settings["suggest_facets"] == "off" and int(settings["facet_time_limit_ms"]) > 0
    assert datasette_settings(allow_sql=True)["default_allow_sql"] is True


async def test_robots_txt_blocks_crawlers(ds: Datasette) -> None:
    r = await ds.client.get("/robots.txt")
    assert r.status_code == 200 and "Disallow: /" in r.text.splitlines()


async def test_map_is_configured_on_lat_lon(ds: Datasette) -> None:
    html = (await ds.client.get("/widen/opportunities")).text
    assert "/-/widen-map/widen-map.js" in html and 'id="widen-map"' in html
    settings = json.loads(html.split("window.WIDEN_MAP = ", 1)[1].split(";</script>", 1)[0].split(";\n", 1)[0])
    assert settings["lat"] == "lat" and settings["lon"] == "lon" and "openstreetmap" in settings["tiles"]
    # no map script where there are no coordinates
    assert "widen-map.js" not in (await ds.client.get("/widen/crawl_runs")).text


async def test_map_serves_its_bundled_outline_and_nothing_else(ds: Datasette) -> None:
    r = await ds.client.get("/-/widen-map/states-10m.json")
    assert r.status_code == 200 and "states" in r.json()["objects"]
    assert "max-age" in r.headers["cache-control"]
    for bad in ("LICENSES.md", "nope.js"):
        assert (await ds.client.get(f"/-/widen-map/{bad}")).status_code == 404
    sneaky = await ds.client.get("/-/widen-map/..%2Fplugins%2Fwiden_map.py", follow_redirects=True)
    assert sneaky.status_code == 404 and "hookimpl" not in sneaky.text


# -- canned queries ------------------------------------------------------------------------------

async def canned(ds: Datasette, name: str, **params: str) -> list[dict[str, Any]]:
    r = await ds.client.get(f"/widen/{name}.json", params={**params, "_shape": "array"})
    assert r.status_code == 200, r.text[:500]
    return r.json()


async def test_not_reached_uses_the_given_audiences_or_the_profile(ds: Datasette) -> None:
    rows = await canned(ds, "not_reached", you_reach="tech,women,finance,accounting", kind="")
    titles = {r["title"] for r in rows}
    assert "Women in Tech Breakfast" not in titles  # tech + women: nothing new
    assert "Board Treasurer" not in titles
    assert {"Veterans Lunch", "Youth Coding Mentor", "All-day Expo"} <= titles
    assert "Cancelled Roundtable" not in titles
    vets = next(r for r in rows if r["title"] == "Veterans Lunch")
    assert set(vets["new_to_you"].split(", ")) == {"veterans", "small_business"}
    assert rows[0]["title"] == "Veterans Lunch"  # best reach score first
    profile = await canned(ds, "not_reached", you_reach="", kind="board_seat")
    assert [(r["title"], r["new_to_you"]) for r in profile] == [("Board Treasurer", "accounting")]


async def test_networking_this_week_expands_occurrences_and_filters_place(ds: Datasette) -> None:
    rows = await canned(ds, "networking_this_week", near="Chicago", week_of="2026-03-07")
    got = [(r["title"], r["start"]) for r in rows]
    assert ("Founders Coffee", "2026-03-10T08:00:00-05:00") in got  # an occurrence, not the series start
    assert ("Cancelled Roundtable", "2026-03-09T18:00:00-05:00") in got  # shown; its status says so
    assert ("UTC Webinar", "2026-03-11T17:00:00+00:00") in got  # online: near everyone
    assert all(t != "Floating Mixer" for t, _ in got)  # Toronto
    assert all("2026-03-07" <= s[:10] < "2026-03-14" for _, s in got)
    assert len({r["uid"] for r in rows}) == len(rows)
    toronto = await canned(ds, "networking_this_week", near="ON", week_of="2026-03-07")
    assert "Floating Mixer" in {r["title"] for r in toronto}


async def test_board_volunteer_and_health_queries(ds: Datasette) -> None:
    assert [r["title"] for r in await canned(ds, "board_seats")] == ["Board Treasurer"]
    assert [r["title"] for r in await canned(ds, "volunteer_roles", skill="python", cause="")] == [
        "Youth Coding Mentor"]
    assert [r["title"] for r in await canned(ds, "volunteer_roles", skill="", cause="hunger")] == [
        "Food Pantry Shift Lead"]
    health = await canned(ds, "source_health", stale_days="100000")
    assert [(h["slug"], h["problem"], h["first_errors"]) for h in health] == [
        ("brd", "failing", "HTTP 500 at /board")]
    # crawled on 2026-03-01: older than the default 3 days by the time this runs
    assert {h["slug"]: h["problem"] for h in await canned(ds, "source_health", stale_days="")}["ev"] == "stale"


async def test_activity_chart_draws_counts(ds: Datasette) -> None:
    rows = await canned(ds, "activity")
    kinds = {r["label"]: r["n"] for r in rows if r["dimension"] == "kind" and r["month"] == "2026-03"}
    assert kinds["networking_event"] == 7
    html = (await ds.client.get("/widen/activity")).text
    assert html.count('<svg class="widen-chart"') == 2
    assert "2026-03 · networking_event: 7" in html


# -- the opportunity card ------------------------------------------------------------------------

async def test_card_shows_sanitized_description_and_reach(ds: Datasette) -> None:
    rid = make_id("ev", native_id="1").replace(":", "~3A")
    r = await ds.client.get(f"/widen/opportunities/{rid}")
    assert r.status_code == 200
    card = r.text[r.text.index('<article class="widen-card"'):r.text.index("</article>")]
    assert "<b>there</b>" in card  # sanitized HTML is rendered as HTML ...
    assert "<script" not in card and "onerror" not in card and "javascript:" not in card  # ... safely
    assert "__pwned" not in r.text.split("<details>")[0]
    assert 'href="https://example.org/e/1" rel="noopener nofollow"' in card
    assert "Women in Tech Chicago</dd>" in card  # javascript: organizer URL is not a link
    assert "Fri 6 Mar 2026, 7:30–9 AM CST" in card
    assert "Why this widens your reach" in card and "reach 42 of 100" in card and "?_audiences=women" in card
    assert "Add to calendar (.ics)" in card


async def test_card_never_links_a_javascript_url(ds: Datasette) -> None:
    rid = make_id("ev", native_id="2").replace(":", "~3A")
    html = (await ds.client.get(f"/widen/opportunities/{rid}")).text
    card = html[html.index('<article class="widen-card"'):html.index("</article>")]
    assert "javascript:" not in card and "See the listing" not in card


async def test_other_tables_keep_datasettes_row_page(ds: Datasette) -> None:
    r = await ds.client.get("/widen/sources/ev")
    assert r.status_code == 200 and "widen-card" not in r.text


# -- CSV -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tied_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """20,000 rows whose city and start columns have only a few values (ties everywhere)."""
    rnd = random.Random(7)
    numbers = list(range(20_000))
    rnd.shuffle(numbers)  # rowid order != id order, as after real crawls
    path = make_db(tmp_path_factory.mktemp("ties") / "widen.db", [])
    conn = sqlite3.connect(path)  # plain executemany: the store's per-record work is not under test
    with conn:
        conn.executemany("INSERT INTO opportunities (id, kind, title, source, city, start) VALUES (?, ?, ?, ?, ?, ?)",
                         [(f"bulk:{n:06d}", "networking_event", f"Event {n}", "bulk",
                           rnd.choice(["Chicago", "Toronto", "Austin", None]), f"2026-03-0{rnd.randint(1, 3)}")
                          for n in numbers])
    conn.close()
    return path


@pytest.mark.parametrize("sort", ["", "&_sort=city", "&_sort_desc=city", "&_sort=start", "&_sort_desc=start"])
async def test_streamed_csv_returns_every_id_exactly_once(tied_db: Path, sort: str) -> None:
    ds = app(tied_db)
    r = await ds.client.get(f"/widen/opportunities.csv?_stream=on&_size=max{sort}")
    assert r.status_code == 200
    ids = ids_of_csv(r.text)
    dupes = [i for i, n in collections.Counter(ids).items() if n > 1]
    assert not dupes and len(ids) == 20_000
    assert ids == sorted(ids)


async def test_the_pages_plain_csv_link_gives_every_row(tied_db: Path) -> None:
    ds = app(tied_db)
    html = (await ds.client.get("/widen/opportunities?_sort=city")).text
    link = html.split('<p class="export-links">')[1].split('">CSV</a>')[0].rsplit('href="', 1)[1]
    assert "_size=max" in link
    r = await ds.client.get(link.replace("&amp;", "&"))
    ids = ids_of_csv(r.text)
    assert len(ids) == len(set(ids)) == 20_000  # not the first 1,000 (max_returned_rows)


async def test_streamed_csv_is_not_truncated_at_max_csv_mb(tied_db: Path) -> None:
    # Datasette's default silently cuts a stream at max_csv_mb with HTTP 200; widen serves with 0.
    cut = await app(tied_db, max_csv_mb=1).client.get("/widen/opportunities.csv?_stream=on")
    full = await app(tied_db).client.get("/widen/opportunities.csv?_stream=on")
    assert len(full.content) > 1024 * 1024
    assert len(ids_of_csv(full.text)) == 20_000
    assert len(cut.content) <= 1024 * 1024 + 65536 < len(full.content)


async def test_ui_csv_keeps_filters(ds: Datasette) -> None:
    r = await ds.client.get("/widen/opportunities.csv?_stream=on&kind=networking_event&region=IL&_sort=start")
    conn = sqlite3.connect(ds.databases["widen"].path)
    want = [i for (i,) in conn.execute("select id from opportunities where kind='networking_event' "
                                       "and region='IL' order by id")]
    conn.close()
    assert ids_of_csv(r.text) == want


async def test_canned_query_pages_lead_with_their_title_and_fold_the_sql(db: Path) -> None:
    ds = app(db)
    for name, query in (await ds.get_canned_queries("widen", None)).items():
        r = await ds.client.get(f"/widen/{name}")
        assert r.status_code in (200, 400), name
        title = r.text.split("<title>")[1].split("</title>")[0]
        assert "select" not in title.lower() and query["title"].split(" ")[0] in title.replace("&#39;", "'"), title
        assert query["sql"].split("\n")[0] not in r.text.split("</textarea>")[-1], name  # SQL folded


async def test_query_times_read_as_words_and_cues_as_labels() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("widen_templates_under_test",
                                                  ROOT / "config" / "datasette" / "plugins" / "widen_templates.py")
    assert spec and spec.loader
    plugin = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(plugin)
    audience_cue, render_cell = plugin.audience_cue, plugin.render_cell
    row = {"start": "2026-03-10T18:00:00-05:00", "timezone": "America/Chicago"}
    cell = str(render_cell(row, row["start"], "start", None, "widen", None))
    assert 'datetime="2026-03-10T18:00:00-05:00"' in cell and "Tue 10 Mar 2026, 6 PM CDT" in cell
    assert render_cell(row, row["start"], "start", "opportunities", "widen", None) is None  # table pages keep raw
    assert audience_cue("data: data scientists", {"data": "Data and analytics"}) == "Data and analytics (\u201cdata scientists\u201d)"
    assert audience_cue("housing: housing", {"housing": "Housing and homelessness"}) == "Housing and homelessness"


async def test_ics_offered_only_for_dated_views_with_a_webcal_link(db: Path) -> None:
    ds = app(db)
    dated = (await ds.client.get("/widen/opportunities?_kind=networking_event")).text
    assert ".ics?_kind=networking_event" in dated and "webcal://" in dated
    undated = (await ds.client.get("/widen/opportunities?_kind=board_seat&start__isnull=1")).text
    assert "widen-result" in undated and ".ics" not in undated and "webcal://" not in undated
    r = await ds.client.get("/widen/opportunities.csv?_size=10")
    assert r.headers["content-type"].startswith("text/csv")


async def test_served_pages_may_be_cached_for_five_minutes(db: Path) -> None:
    """The served database is immutable until `widen serve` restarts: repeats can come from a
    browser's or a reverse proxy's cache (README: Browse, subscribe, export)."""
    from crawlers.cli.serve import CACHE_TTL_S

    ds = app(db)
    for path in ("/widen/opportunities", "/widen/opportunities.json", "/widen/not_reached"):
        r = await ds.client.get(path)
        assert r.headers.get("cache-control") == f"max-age={CACHE_TTL_S}", path


async def test_soonest_lists_dated_listings_next_first_and_best_reach_lists_all_again(tmp_path: Path) -> None:
    """An empty date sorts first in SQLite: "soonest" once opened on undated board seats."""
    db = make_db(tmp_path / "widen.db", [
        rec("ev", 1, start="2026-03-20T18:00:00-05:00", next_start="2026-03-20T18:00:00-05:00"),
        rec("ev", 2, start="2026-03-06T07:30:00-06:00", next_start="2026-03-06T07:30:00-06:00"),
        rec("ev", 3, start="2026-03-10T12:00:00-05:00", next_start="2026-03-10T12:00:00-05:00"),
        rec("brd", 1, kind="board_seat", title="Board Treasurer"),
        rec("grp", 1, kind="networking_group", title="Chicago Women in Data")])
    ds = app(db)
    def link(page: str, label: str) -> str:
        m = re.search(rf'<a href="([^"]+)"[^>]*>{label}</a>', page)
        assert m, label
        return html.unescape(m.group(1))

    def ids(page: str) -> list[str]:
        return re.findall(r'class="widen-result" data-id="([^"]+)"', page)

    start = (await ds.client.get("/widen/opportunities")).text
    soonest = (await ds.client.get(link(start, "soonest"))).text
    conn = sqlite3.connect(db)
    dated = [r[0] for r in conn.execute("SELECT id FROM opportunities WHERE next_start IS NOT NULL "
                                        "ORDER BY next_start, id")]
    total = conn.execute("SELECT count(*) FROM opportunities").fetchone()[0]
    conn.close()
    assert dated and len(dated) < total  # the sample has undated listings
    assert ids(soonest) == dated
    back = (await ds.client.get(link(soonest, "best reach"))).text
    assert len(ids(back)) == total
