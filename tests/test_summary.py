"""Counts and facets of the served (immutable) database: remembered, bounded while a reader waits,
and always equal to what SQL says (config/datasette/plugins/widen_summary.py).

The bound is set to 10 here so a 49-row database has filters on both sides of it.
"""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import rows
from datasette.app import Datasette
from test_datasette import DS_DIR, make_db, rec

from crawlers.cli.serve import datasette_settings, render_metadata

BOUND = 10
DENSE = 5  # a word in at least this many rows is "common"
spec = importlib.util.spec_from_file_location("widen_summary_for_tests", DS_DIR / "plugins" / "widen_summary.py")
assert spec and spec.loader
summary = importlib.util.module_from_spec(spec)
spec.loader.exec_module(summary)


def records() -> list[dict[str, Any]]:
    """40 events (above the bound), 6 board seats and 3 volunteer roles (below it)."""
    out = [rec("ev", i, region="IL", city="Chicago", start=f"2026-03-{i % 28 + 1:02d}T18:00:00-06:00",
               audiences=["tech"] if i % 2 else ["founders"]) for i in range(40)]
    out += [rec("brd", i, kind="board_seat", title=f"Board Treasurer {i}", region="NY", audiences=["finance"])
            for i in range(6)]
    out += [rec("vol", i, kind="volunteer_role", title=f"Pantry shift {i}", audiences=["youth"]) for i in range(3)]
    return out


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_db(tmp_path_factory.mktemp("summary") / "widen.db", records())


def served(db: Path, *, fresh: bool = True) -> Datasette:
    """The Datasette `widen serve` runs (immutable file), with the bound lowered to 10; `fresh`
    forgets the tallies an earlier test kept for the same file."""
    if fresh:
        db.with_name(f"{db.stem}.tally.json").unlink(missing_ok=True)
    meta = render_metadata(db.stem)
    meta.setdefault("plugins", {})["widen-summary"] = {"bound": BOUND, "dense": DENSE}
    return Datasette(immutables=[str(db)], metadata=meta, settings=datasette_settings(),
                     plugins_dir=str(DS_DIR / "plugins"), template_dir=str(DS_DIR / "templates"))


def shown_count(html: str) -> str:
    m = re.search(r'class="widen-count"><strong>([^<]*)</strong>', html)
    assert m, "no count line on the results page"
    return m.group(1)


def facet_counts(data: dict[str, Any], name: str) -> dict[str, int]:
    return {r["value"]: r["count"] for r in data["facet_results"][name]["results"]}


async def test_a_filter_under_the_bound_is_counted_exactly_at_once(db: Path) -> None:
    ds = served(db)
    html = (await ds.client.get("/widen/opportunities?kind=board_seat")).text
    (n,), = rows(db, "select count(*) from opportunities where kind = 'board_seat'")
    assert shown_count(html) == f"{n} listings" and n <= BOUND
    assert "being tallied" not in html


async def test_a_filter_over_the_bound_says_so_then_shows_the_exact_tally(db: Path) -> None:
    ds = served(db)
    html = (await ds.client.get("/widen/opportunities?kind=networking_event")).text
    assert shown_count(html) == f"More than {BOUND} listings"
    assert "exact count is being tallied" in html and "Counts by kind, place and audience" in html
    await ds._widen_summaries["widen"].idle()
    html = (await ds.client.get("/widen/opportunities?kind=networking_event")).text
    (n,), = rows(db, "select count(*) from opportunities where kind = 'networking_event'")
    assert shown_count(html) == f"{n} listings" and n > BOUND
    assert "being tallied" not in html


async def test_a_count_the_background_cannot_finish_is_not_promised_again(db: Path) -> None:
    ds = served(db)
    await ds.client.get("/widen/opportunities")
    memo = ds._widen_summaries["widen"]
    inner = memo.inner

    async def over_time(query: str, params: Any = None, **kw: Any) -> Any:
        if query.lower().startswith("select count(*) from opportunities"):  # the exact count, not the bounded one
            raise summary.QueryInterrupted(None, query, params)
        return await inner(query, params, **kw)

    memo.inner = over_time
    await ds.client.get("/widen/opportunities?kind=networking_event")
    await memo.idle()
    html = (await ds.client.get("/widen/opportunities?kind=networking_event")).text
    assert shown_count(html) == f"More than {BOUND} listings"
    assert "being tallied" not in html  # no "reload in a moment" that would never come true


async def test_json_csv_and_ics_are_exact_while_the_page_estimates(db: Path) -> None:
    ds = served(db)
    page = "/widen/opportunities{}?kind=networking_event"
    assert "More than" in shown_count((await ds.client.get(page.format(""))).text)
    data = (await ds.client.get(page.format(".json") + "&_size=1")).json()
    (n,), = rows(db, "select count(*) from opportunities where kind = 'networking_event'")
    assert data["filtered_table_rows_count"] == n
    assert facet_counts(data, "region") == dict(rows(db, "select region, count(*) from opportunities "
                                                        "where kind = 'networking_event' group by region"))
    csv = (await ds.client.get(page.format(".csv") + "&_stream=on")).text
    assert len(csv.strip().splitlines()) == n + 1  # header + every row
    ics = (await ds.client.get(page.format(".ics"))).text
    (dated,), = rows(db, "select count(*) from opportunities where kind = 'networking_event' and start is not null")
    assert ics.count("BEGIN:VEVENT") == dated


async def test_remembered_answers_equal_sql_and_are_not_recomputed(db: Path) -> None:
    ds = served(db)
    views = await summary.tally(ds, "widen")
    assert views >= 3 + 3 + 2 + 9  # default, reach, soonest; 3 kinds; 2 regions; the pickers' 9 choices
    memo = ds._widen_summaries["widen"]
    await memo.idle()
    ran: list[str] = []
    inner = memo.inner

    async def counting(query: str, params: Any = None, **kw: Any) -> Any:
        ran.append(query)
        return await inner(query, params, **kw)

    memo.inner = counting
    for path in ("/widen/opportunities", "/widen/opportunities?kind=networking_event",
                 "/widen/opportunities?region=NY", "/widen/opportunities?_reach=1"):
        assert "being tallied" not in (await ds.client.get(path)).text, path
    assert not [q for q in ran if "count(*)" in q.lower()], "a tallied view recounted"
    data = (await ds.client.get("/widen/opportunities.json?_size=1")).json()
    assert data["filtered_table_rows_count"] == rows(db, "select count(*) from opportunities")[0][0]
    assert facet_counts(data, "kind") == dict(rows(db, "select kind, count(*) from opportunities group by kind"))


async def test_a_database_that_can_change_is_not_remembered(db: Path, tmp_path: Path) -> None:
    ds = Datasette(files=[str(db)], metadata=render_metadata(db.stem), settings=datasette_settings(),
                   plugins_dir=str(DS_DIR / "plugins"), template_dir=str(DS_DIR / "templates"))
    html = (await ds.client.get("/widen/opportunities")).text
    assert shown_count(html) == f"{rows(db, 'select count(*) from opportunities')[0][0]} listings"
    assert ds._widen_summaries == {}


@pytest.mark.parametrize("word", ["event", "treasurer", "pantry"])
async def test_a_search_lists_the_same_rows_with_or_without_the_index_walk(db: Path, word: str) -> None:
    """A common word's page is read by walking the id index (`+rowid in (...)`), a rare one's by
    the match list; either way the rows and their order are SQL's, page after page."""
    ds = served(db)
    await ds.client.get("/widen/opportunities")
    memo = ds._widen_summaries["widen"]
    inner, ran = memo.inner, []

    async def recording(query: str, params: Any = None, **kw: Any) -> Any:
        ran.append(query)
        return await inner(query, params, **kw)

    memo.inner = recording
    expected = [r[0] for r in rows(db, "select id from opportunities where rowid in (select rowid from "
                                      "opportunities_fts where opportunities_fts match ?) order by id", word)]
    assert expected
    got: list[str] = []
    path = f"/widen/opportunities.json?_search={word}&_size=7&_shape=objects"
    while path:
        data = (await ds.client.get(path)).json()
        got += [r["id"] for r in data["rows"]]
        path = data["next_url"] and data["next_url"].replace("http://localhost", "")
    assert got == expected
    walked = any("+rowid in (select rowid from opportunities_fts" in q for q in ran)
    assert walked == (len(expected) >= DENSE), (word, len(expected))


async def test_tallies_are_kept_for_a_restart_on_the_same_file_and_dropped_after_a_crawl(db: Path) -> None:
    ds = served(db)
    await summary.tally(ds, "widen")
    ds._widen_summaries["widen"].save()
    again = served(db, fresh=False)  # a restart without a crawl
    await again.client.get("/widen/opportunities.json?_size=1")
    memo = again._widen_summaries["widen"]
    assert len(memo.memo) > 10
    inner, ran = memo.inner, []

    async def recording(query: str, params: Any = None, **kw: Any) -> Any:
        ran.append(query)
        return await inner(query, params, **kw)

    memo.inner = recording
    page = (await again.client.get("/widen/opportunities?kind=networking_event")).text
    assert not [q for q in ran if "count(*)" in q.lower()], "a kept tally was recounted"
    n = rows(db, "select count(*) from opportunities where kind = 'networking_event'")[0][0]
    assert shown_count(page) == f"{n} listings"
    data = (await again.client.get("/widen/opportunities.json?_size=1&kind=networking_event")).json()
    assert facet_counts(data, "region") == dict(rows(db, "select region, count(*) from opportunities "
                                                        "where kind = 'networking_event' group by region"))
    os.utime(db, ns=(db.stat().st_atime_ns, db.stat().st_mtime_ns + 1_000_000_000))  # a crawl wrote the file
    after = served(db, fresh=False)
    await after.client.get("/widen/opportunities.json?_size=1")
    assert after._widen_summaries["widen"].load() == 0


async def test_a_facet_over_its_time_limit_is_tallied_behind_the_page(db: Path) -> None:
    """A facet that runs out of Datasette's facet time (other queries share the CPU) is tallied in
    the background without that limit, and the page says so until it is."""
    ds = served(db)
    await ds.client.get("/widen/opportunities.json?_size=1&_nofacet=1")
    memo = ds._widen_summaries["widen"]
    inner = memo.inner

    async def slow_facets(query: str, params: Any = None, **kw: Any) -> Any:
        if kw.get("custom_time_limit") and "group by" in query.lower():
            raise summary.QueryInterrupted(None, query, params)
        return await inner(query, params, **kw)

    memo.inner = slow_facets
    page = (await ds.client.get("/widen/opportunities?kind=board_seat")).text
    assert "Counts by kind, place and audience" in page and 'id="facet-region"' not in page
    await memo.idle()
    page = (await ds.client.get("/widen/opportunities?kind=board_seat")).text
    assert "being tallied" not in page and 'id="facet-region"' in page
