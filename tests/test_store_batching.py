"""When the crawl's store stage writes: at WIDEN_STORE_BATCH records or FLUSH_SECONDS after the
last write, whichever first, and at the end; records wait in memory no longer than that."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from scrapy import Spider
from scrapy.utils.test import get_crawler

from pipelines import store


def record(i: int) -> dict[str, Any]:
    return {"id": f"s:{i:04d}", "title": f"Mixer {i}", "kind": "networking_event", "source": "s",
            "url": f"https://example.org/e/{i}", "start": "2026-05-01T18:00:00-05:00"}


def stored(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT count(*) FROM opportunities").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [1000.0]
    monkeypatch.setattr(store.time, "monotonic", lambda: now[0])
    return now


def pipeline(db: Path, **settings: Any) -> store.StorePipeline:
    crawler = get_crawler(Spider, {"WIDEN_DB": str(db), **settings})
    crawler.spider = Spider(name="s")
    pipe = store.StorePipeline.from_crawler(crawler)
    pipe.open_spider()
    return pipe


def test_a_full_batch_is_written_at_once(tmp_path: Path, clock: list[float]) -> None:
    db = tmp_path / "w.db"
    pipe = pipeline(db, WIDEN_STORE_BATCH=3)
    for i in range(2):
        pipe.process_item(record(i))
    assert stored(db) == 0
    pipe.process_item(record(2))
    assert stored(db) == 3
    pipe.process_item(record(3))
    pipe.close_spider()
    assert stored(db) == 4
    store.open_store(db).close()


def test_slow_crawls_write_every_flush_seconds(tmp_path: Path, clock: list[float]) -> None:
    db = tmp_path / "w.db"
    pipe = pipeline(db)  # default batch: far more than this crawl yields
    pipe.process_item(record(0))
    clock[0] += store.FLUSH_SECONDS - 1
    pipe.process_item(record(1))
    assert stored(db) == 0  # still within the time limit
    clock[0] += 1
    pipe.process_item(record(2))
    assert stored(db) == 3  # the item that arrived after the limit wrote the whole buffer
    clock[0] += 1
    pipe.process_item(record(3))
    assert stored(db) == 3  # the clock restarted at that write
    assert pipe.batch == store.BATCH_SIZE
    store.open_store(db).close()
