"""The `.atom` renderer: newest opportunities for any filter, as a feed a reader can alert on."""

from __future__ import annotations

from pathlib import Path

import feedparser
import pytest
from test_datasette import app, make_db, rec

from crawlers.schema import make_id
from pipelines.store import Store


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """Three crawls on three days: the newest listings must come first."""
    path = make_db(tmp_path / "widen.db", [rec("ev", 1, title="Oldest", audiences=["tech"])],
                   now="2026-03-01T06:00:00+00:00")
    store = Store(path)
    store.write([rec("ev", 2, title="Middle", kind="board_seat", description="Treasurer wanted. " * 80,
                     new_audiences=["accounting"], audiences=["accounting"], url="https://example.org/b/2")],
                now="2026-03-02T06:00:00+00:00")
    store.write([rec("ev", 3, title="Newest", city="Chicago", region="IL", audiences=["women"])],
                now="2026-03-03T06:00:00+00:00")
    # a re-crawl of the oldest listing must not turn it into "new" again
    store.write([rec("ev", 1, title="Oldest", audiences=["tech"])], now="2026-03-04T06:00:00+00:00")
    store.close()
    return path


async def parsed(db: Path, path: str) -> feedparser.FeedParserDict:
    r = await app(db).client.get(path)
    assert r.status_code == 200, r.text[:500]
    assert r.headers["content-type"].startswith("application/atom+xml")
    f = feedparser.parse(r.content)
    assert not f.bozo, f.bozo_exception
    return f


async def test_feed_is_valid_atom_newest_first(db: Path) -> None:
    f = await parsed(db, "/widen/opportunities.atom")
    assert f.version == "atom10"
    assert [e.title for e in f.entries] == ["Newest", "Middle", "Oldest"]
    assert [e.updated for e in f.entries] == ["2026-03-03T06:00:00+00:00", "2026-03-02T06:00:00+00:00",
                                              "2026-03-01T06:00:00+00:00"]
    assert f.feed.updated == "2026-03-03T06:00:00+00:00"
    assert all(e.id.startswith("urn:uuid:") for e in f.entries)


async def test_entries_carry_link_summary_and_stable_ids(db: Path) -> None:
    first = await parsed(db, "/widen/opportunities.atom")
    again = await parsed(db, "/widen/opportunities.atom?kind=board_seat")
    middle = next(e for e in first.entries if e.title == "Middle")
    assert [e.id for e in again.entries] == [middle.id]  # same listing, same id, any filter
    assert middle.link == "https://example.org/b/2"
    card = [link.href for link in middle.links if link.rel == "related"]
    assert card and card[0].endswith("/widen/opportunities/" + make_id("ev", native_id="2").replace(":", "~3A"))
    assert "Reaches people new to your network: accounting" in middle.summary
    assert middle.summary.endswith("…") and len(middle.summary) < 800
    assert [t.term for t in middle.tags][:2] == ["board_seat", "accounting"]


async def test_filters_and_size_apply(db: Path) -> None:
    f = await parsed(db, "/widen/opportunities.atom?region=IL")
    assert [e.title for e in f.entries] == ["Newest"]
    f = await parsed(db, "/widen/opportunities.atom?_size=2")
    assert [e.title for e in f.entries] == ["Newest", "Middle"]


async def test_reach_filter_applies_to_the_feed(db: Path) -> None:
    f = await parsed(db, "/widen/opportunities.atom?_exclude_audiences=tech,women")
    assert [e.title for e in f.entries] == ["Middle"]


async def test_canned_query_feed(db: Path) -> None:
    f = await parsed(db, "/widen/board_seats.atom")
    assert f.feed.title == "widen: Board seats"
    assert [e.title for e in f.entries] == ["Middle"]
