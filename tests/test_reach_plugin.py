"""The reach filters plugin through Datasette's own client: rows, counts, facets, CSV, .ics."""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from datasette.app import Datasette

from crawlers.network import Profile
from pipelines.reach import recompute
from pipelines.store import Store

ROOT = Path(__file__).resolve().parent.parent
PLUGINS = ROOT / "config" / "datasette" / "plugins"
PROFILE = Profile(weights={"tech": 50, "software_development": 30}, ties={("software_development", "tech"): 25})
LISTINGS = {
    "python": ["tech", "software_development"],
    "women-in-tech": ["women", "tech"],
    "food-bank": ["hunger"],
    "board": ["nonprofit_sector", "accounting"],
    "veterans": ["veterans", "small_business"],
    "girls-code": ["women", "youth", "software_development"],
    "generic": None,
    "shelter": ["housing", "hunger", "faith"],
}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "w.db"
    store = Store(path)
    store.write([{"id": f"t:{slug}", "kind": "volunteer_role" if i % 2 else "networking_event",
                  "title": f"Listing {slug}", "source": "t", "start": f"2026-12-{i + 1:02d}T18:00:00-06:00",
                  "timezone": "America/Chicago", "region": "IL" if i % 3 else "ON", "audiences": auds}
                 for i, (slug, auds) in enumerate(LISTINGS.items())])
    store.close()
    recompute(path, PROFILE)
    return path


def _ds(db: Path, plugins_dir: Path) -> Datasette:
    return Datasette([str(db)], plugins_dir=str(plugins_dir), settings={"suggest_facets": False})


@pytest.fixture
async def ds(db: Path, tmp_path: Path) -> Datasette:
    only = tmp_path / "plugins"
    only.mkdir()
    shutil.copy(PLUGINS / "reach_filters.py", only / "reach_filters.py")  # this plugin alone
    d = _ds(db, only)
    await d.invoke_startup()
    return d


async def get(ds: Datasette, query: str, fmt: str = "json") -> dict:
    r = await ds.client.get(f"/w/opportunities.{fmt}?{query}")
    assert r.status_code == 200, r.text[:500]
    return r.json() if fmt == "json" else r


def expected(keep) -> set[str]:
    return {f"t:{s}" for s, auds in LISTINGS.items() if keep(set(auds or []))}


def facet(data: dict, name: str) -> dict[str, int]:
    return {v["value"]: v["count"] for v in data["facet_results"][name]["results"]}


async def test_exclude_audiences_leaks_into_nothing(ds):
    q = "_exclude_audiences=tech,women&_facet=kind&_facet_audience=audiences&_shape=objects&_size=max"
    data = await get(ds, q)
    want = expected(lambda a: not a & {"tech", "women"})
    assert {r["id"] for r in data["rows"]} == want
    assert data["filtered_table_rows_count"] == len(want)
    assert sum(facet(data, "kind").values()) == len(want)
    auds = facet(data, "audiences")
    assert not {"tech", "women"} & set(auds)
    assert auds == dict(Counter(a for s, x in LISTINGS.items() if f"t:{s}" in want for a in x or []))
    assert "reaching none of tech, women" in data["human_description_en"]


async def test_exclude_in_csv_including_stream(ds):
    for extra in ("", "&_stream=on"):
        r = await get(ds, f"_exclude_audiences=tech,women&_size=max{extra}", "csv")
        rows = list(csv.DictReader(io.StringIO(r.text)))
        assert {row["id"] for row in rows} == expected(lambda a: not a & {"tech", "women"})
        for row in rows:
            assert not {"tech", "women"} & set(json.loads(row["audiences"] or "[]"))


async def test_new_audiences_means_at_least_one_outside_the_list(ds):
    data = await get(ds, "_new_audiences=tech,software_development,women&_shape=objects&_size=max")
    assert {r["id"] for r in data["rows"]} == expected(lambda a: bool(a - {"tech", "software_development", "women"}))
    assert "t:python" not in {r["id"] for r in data["rows"]}
    assert "t:women-in-tech" not in {r["id"] for r in data["rows"]}


async def test_audiences_any_of_and_repeated_means_all(ds):
    data = await get(ds, "_audiences=hunger,veterans&_shape=objects&_size=max")
    assert {r["id"] for r in data["rows"]} == expected(lambda a: bool(a & {"hunger", "veterans"}))
    data = await get(ds, "_audiences=hunger&_audiences=faith&_shape=objects&_size=max")
    assert {r["id"] for r in data["rows"]} == {"t:shelter"}


async def test_reach_uses_the_profile_and_facets_new_audiences(ds):
    q = "_reach=1&_facet_audience=new_audiences&_facet=region&_sort_desc=reach_score&_shape=objects&_size=max"
    data = await get(ds, q)
    mine = PROFILE.audiences
    want = expected(lambda a: bool(a - mine))
    assert {r["id"] for r in data["rows"]} == want
    scores = [r["reach_score"] for r in data["rows"]]
    assert scores == sorted(scores, reverse=True) and all(s > 0 for s in scores)
    new = facet(data, "new_audiences")
    assert not mine & set(new)
    assert new == dict(Counter(a for x in LISTINGS.values() for a in x or [] if a not in mine))


async def test_audience_facet_counts_filtered_and_unfiltered(ds):
    data = await get(ds, "_facet_audience=audiences&_facet_audience=new_audiences")
    assert facet(data, "audiences") == dict(Counter(a for x in LISTINGS.values() for a in x or []))
    new = data["facet_results"]["new_audiences"]["results"]
    assert {v["value"] for v in new} == {a for x in LISTINGS.values() for a in x or []} - PROFILE.audiences
    item = next(v for v in data["facet_results"]["audiences"]["results"] if v["value"] == "hunger")
    assert item["label"] == "Hunger and food security" and "_audiences=hunger" in item["toggle_url"]
    data = await get(ds, "region=ON&_facet_audience=audiences&_facet_audience=new_audiences")
    on = [s for i, s in enumerate(LISTINGS) if i % 3 == 0]
    assert facet(data, "audiences") == dict(Counter(a for s in on for a in LISTINGS[s] or []))
    assert not PROFILE.audiences & set(facet(data, "new_audiences"))


async def test_other_tables_and_plain_pages_are_untouched(ds):
    r = await ds.client.get("/w/sources.json?_exclude_audiences=tech")
    assert r.status_code == 200
    data = await get(ds, "_shape=objects&_size=max")
    assert len(data["rows"]) == len(LISTINGS)


async def test_ics_uses_the_filtered_query(db):
    d = _ds(db, PLUGINS)
    await d.invoke_startup()
    r = await d.client.get("/w/opportunities.ics?_exclude_audiences=tech,women")
    assert r.status_code == 200, r.text[:300]
    titles = {line.split(":", 1)[1].strip() for line in r.text.splitlines() if line.startswith("SUMMARY")}
    assert titles == {f"Listing {s}" for s, a in LISTINGS.items() if not set(a or []) & {"tech", "women"}}
