"""The SQLite store (pipelines/store.py): upserts, related rows, atomic batches, search index, candidates."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from crawlers.db import ensure_schema
from crawlers.schema import FIELD_NAMES
from pipelines.store import Store


def record(n: int = 1, **kw: Any) -> dict[str, Any]:
    rec: dict[str, Any] = dict.fromkeys(FIELD_NAMES)
    rec.update(id=f"src:{n}", kind="networking_event", title=f"Founders Breakfast {n}", source="src",
               description="Coffee and introductions for first-time founders.", organizer="Lakeview Chamber",
               url=f"https://example.org/e/{n}", start="2026-05-05T07:30:00-05:00", timezone="America/Chicago",
               city="Chicago", status="scheduled", online=False, all_day=False,
               audiences=["founders", "women_in_tech"], new_audiences=["founders"],
               _occurrences=[("2026-05-05T07:30:00-05:00", None), ("2026-05-12T07:30:00-05:00", None)])
    rec.update(kw)
    return rec


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "w.db")
    yield s
    s.db.conn.close()


def one(store: Store, sql: str, *params: Any) -> Any:
    return store.db.conn.execute(sql, params).fetchone()


def row(store: Store, rid: str) -> dict[str, Any]:
    cur = store.db.conn.execute("SELECT rowid AS _rowid, * FROM opportunities WHERE id = ?", (rid,))
    return dict(zip([c[0] for c in cur.description], cur.fetchone(), strict=True))


def search(store: Store, q: str) -> list[str]:
    return [r[0] for r in store.db.conn.execute(
        "SELECT o.id FROM opportunities_fts f JOIN opportunities o ON o.rowid = f.rowid "
        "WHERE opportunities_fts MATCH ? ORDER BY o.id", (q,))]


def fts_ok(store: Store) -> None:
    """Raises when the external-content FTS index disagrees with the table."""
    store.db.conn.execute("INSERT INTO opportunities_fts(opportunities_fts) VALUES('integrity-check')")


def test_unchanged_listing_bumps_only_last_seen(store: Store) -> None:
    assert store.write([record()], now="2026-04-01T00:00:00+00:00") == {"new": 1, "updated": 0, "unchanged": 0}
    before = row(store, "src:1")
    assert store.write([record()], now="2026-04-02T00:00:00+00:00") == {"new": 0, "updated": 0, "unchanged": 1}
    after = row(store, "src:1")
    assert after["last_seen"] == "2026-04-02T00:00:00+00:00"
    assert {k: v for k, v in after.items() if k != "last_seen"} == {k: v for k, v in before.items()
                                                                     if k != "last_seen"}


def test_changed_listing_updates_in_place(store: Store) -> None:
    store.write([record()], now="2026-04-01T00:00:00+00:00")
    before = row(store, "src:1")
    changed = record(title="Founders Breakfast (moved to Evanston)", city="Evanston", audiences=["founders"],
                     _occurrences=[("2026-05-19T07:30:00-05:00", None)])
    assert store.write([changed], now="2026-04-02T00:00:00+00:00") == {"new": 0, "updated": 1, "unchanged": 0}
    after = row(store, "src:1")
    assert after["_rowid"] == before["_rowid"]  # in place, not deleted and re-inserted
    assert after["content_hash"] != before["content_hash"]
    assert after["first_seen"] == before["first_seen"] == "2026-04-01T00:00:00+00:00"
    assert (after["title"], after["city"]) == ("Founders Breakfast (moved to Evanston)", "Evanston")
    assert one(store, "SELECT count(*) FROM opportunities")[0] == 1
    # related rows are rewritten, not appended to
    occ = store.db.conn.execute("SELECT start FROM occurrences WHERE opportunity_id = 'src:1'").fetchall()
    assert occ == [("2026-05-19T07:30:00-05:00",)]
    aud = store.db.conn.execute("SELECT audience, new FROM opportunity_audiences WHERE opportunity_id = 'src:1'"
                                ).fetchall()
    assert aud == [("founders", 1)]
    # and so is the search index
    assert search(store, "evanston") == ["src:1"]
    fts_ok(store)


def test_unchanged_recrawl_keeps_related_rows(store: Store) -> None:
    store.write([record(1), record(2)])
    store.write([record(1), record(2)])
    assert one(store, "SELECT count(*) FROM occurrences")[0] == 4
    assert one(store, "SELECT count(*) FROM opportunity_audiences")[0] == 4
    assert search(store, "founders") == ["src:1", "src:2"]
    fts_ok(store)


def test_crawl_sets_next_start_and_duplicate_of_even_when_content_is_unchanged(store: Store) -> None:
    store.write([record(next_start="2026-05-05T07:30:00-05:00", reach_score=0.7)])
    store.write([record(next_start="2026-05-12T07:30:00-05:00", duplicate_of="other:9")])
    r = row(store, "src:1")
    assert (r["next_start"], r["duplicate_of"]) == ("2026-05-12T07:30:00-05:00", "other:9")
    assert r["reach_score"] == 0.7  # set by the reach step; a crawl without it keeps it


class Unbindable:
    """A value sqlite3 cannot bind: writing it fails inside the transaction, after earlier rows went in."""


def test_a_failing_batch_stores_nothing(store: Store) -> None:
    store.write([record(1)], now="2026-04-01T00:00:00+00:00")
    batch = [record(2), record(1, title="Changed title"), record(3, _occurrences=[(Unbindable(), None)]), record(4)]
    with pytest.raises(sqlite3.Error):
        store.write(batch, now="2026-04-02T00:00:00+00:00")
    assert [r[0] for r in store.db.conn.execute("SELECT id FROM opportunities")] == ["src:1"]
    assert row(store, "src:1")["title"] == "Founders Breakfast 1"
    assert row(store, "src:1")["last_seen"] == "2026-04-01T00:00:00+00:00"
    assert one(store, "SELECT count(*) FROM occurrences")[0] == 2
    assert search(store, "changed") == []
    assert one(store, "PRAGMA integrity_check") == ("ok",)
    fts_ok(store)
    # the store is usable afterwards
    assert store.write([record(2)])["new"] == 1


def test_last_record_wins_within_a_batch(store: Store) -> None:
    assert store.write([record(1, title="First"), record(1, title="Second")])["new"] == 1
    assert row(store, "src:1")["title"] == "Second"


def test_rows_inserted_around_the_store_are_indexed_when_a_store_opens(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    Store(path).db.conn.close()
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("INSERT INTO opportunities (id, kind, title, source) VALUES ('x:1', 'networking_event', "
                     "'Quokka appreciation night', 'x')")
    conn.close()
    s = Store(path)
    try:
        assert search(s, "quokka") == ["x:1"]
        fts_ok(s)
    finally:
        s.db.conn.close()


def test_ensure_schema_is_idempotent_and_upgrades_the_search_triggers(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "old.db")
    db = sqlite_utils.Database(conn)
    db["opportunities"].create({"id": str, "kind": str, "title": str, "source": str, "description": str,
                                "organizer": str}, pk="id")
    db["opportunities"].enable_fts(["title", "description", "organizer"], create_triggers=True, tokenize="porter")
    db["opportunities"].insert({"id": "a:1", "kind": "networking_event", "title": "Old row", "source": "a"})
    ensure_schema(db)
    ensure_schema(db)
    triggers = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall())
    assert "opportunities_ai" not in triggers
    assert 'UPDATE OF "title"' in triggers["opportunities_au"]
    assert set(FIELD_NAMES) <= set(db["opportunities"].columns_dict)
    assert "stale_opportunities" in db.view_names()
    conn.execute("INSERT INTO opportunities_fts(opportunities_fts) VALUES('integrity-check')")
    conn.close()


# -- candidates for the dedupe stage -------------------------------------------------------------

def test_candidates_cross_utc_midnight_and_skip_the_same_source(store: Store) -> None:
    store.write([record(1, source="feed", id="feed:1", start="2026-05-06T01:00:00+00:00"),
                 record(2, source="src", id="src:2", start="2026-05-05T20:00:00-05:00"),
                 record(3, source="feed", id="feed:3", start="2026-05-09T20:00:00-05:00")])
    got = {c["id"] for c in store.candidates(record(9, start="2026-05-05T20:00:00-05:00"))}
    assert got == {"feed:1"}


def test_candidates_see_queued_records(store: Store) -> None:
    queued: list[dict[str, Any]] = [record(5, source="feed", id="feed:5")]
    store.watch(queued)
    assert [c["id"] for c in store.candidates(record(1))] == ["feed:5"]
    queued.clear()
    assert store.candidates(record(1)) == []
    # flushed and refilled to the same length: the new record is seen, the old one is not
    queued.append(record(6, source="feed", id="feed:6"))
    assert [c["id"] for c in store.candidates(record(1))] == ["feed:6"]
    queued.clear()
    queued.append(record(7, source="feed", id="feed:7"))
    assert [c["id"] for c in store.candidates(record(1))] == ["feed:7"]
    # undated: by URL or organizer, each queued record once
    queued.append(record(8, source="feed", id="feed:8", start=None, url="https://x.org/r", organizer="Age UK"))
    both = record(2, start=None, url="https://x.org/r", organizer="Age UK")
    assert [c["id"] for c in store.candidates(both)] == ["feed:8"]


def test_undated_candidates_by_url_or_organizer(store: Store) -> None:
    store.write([record(1, source="a", id="a:1", start=None, url="https://x.org/role", organizer="Age UK"),
                 record(2, source="a", id="a:2", start=None, url="https://x.org/other", organizer="Scouts"),
                 record(3, source="a", id="a:3", start="2026-05-05", url="https://x.org/role", organizer="Age UK")])
    got = {c["id"] for c in store.candidates(record(9, start=None, url="https://x.org/role", organizer="Oxfam"))}
    assert got == {"a:1"}
    got = {c["id"] for c in store.candidates(record(9, start=None, url=None, organizer="Scouts"))}
    assert got == {"a:2"}


def test_links_list_every_source_url_of_a_canonical(store: Store) -> None:
    canonical = record(1, source="chamber", id="chamber:1", url="https://chamber.org/e/1")
    dupe = record(1, source="feed", id="feed:1", url="https://feed.org/e/1", duplicate_of="chamber:1")
    store.write([dupe])  # the duplicate may be written before its canonical
    store.write([canonical])
    links = store.db.conn.execute("SELECT opportunity_id, source, url FROM opportunity_links ORDER BY source"
                                  ).fetchall()
    assert links == [("chamber:1", "chamber", "https://chamber.org/e/1"), ("chamber:1", "feed", "https://feed.org/e/1")]
    store.write([{**dupe, "duplicate_of": None}])  # no longer a duplicate: its link goes
    assert store.db.conn.execute("SELECT record_id FROM opportunity_links WHERE record_id = 'feed:1'").fetchall() == []


def test_candidates_see_every_write_to_the_database(store: Store) -> None:
    """Stored candidates are read once per day and kept: a write through this store, or another
    connection's commit, must still show in the next lookup."""
    probe = record(9, source="src", start="2026-05-05T20:00:00-05:00")
    assert store.candidates(probe) == []
    store.write([record(1, source="feed", id="feed:1", start="2026-05-05T19:00:00-05:00")])
    assert [c["id"] for c in store.candidates(probe)] == ["feed:1"]
    other = Store(store.path)
    try:
        other.write([record(2, source="cal", id="cal:2", start="2026-05-06T09:00:00-05:00")])
    finally:
        other.close()
    assert sorted(c["id"] for c in store.candidates(probe)) == ["cal:2", "feed:1"]
