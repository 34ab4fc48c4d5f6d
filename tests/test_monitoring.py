"""Monitors per run: an empty source, a broken one and one missing start times are flagged in
crawl_runs and in source health; `widen sources check` exits non-zero for cron to mail."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from conftest import Site, serve, widen, write_sources
from opsites import event_site, event_source

from crawlers.monitors import RunFacts, evaluate

NOW = {"WIDEN_NOW": "2026-03-01T06:00:00+00:00"}


def test_checks_are_pure_and_read_thresholds_from_options() -> None:
    healthy = RunFacts("s", items=10, pages=11, coverage={"start": 1.0}, kind="networking_event")
    assert evaluate(healthy) == []
    assert evaluate(RunFacts("s", items=0)) == ["items: 0 < min_items 1"]
    assert evaluate(RunFacts("s", items=3, options={"min_items": 5}))[0].startswith("items: 3 < min_items 5")
    assert evaluate(RunFacts("s", items=3, errors=2, options={"max_errors": 2})) == []
    assert "finish_reason: shutdown" in evaluate(RunFacts("s", items=3, finish_reason="shutdown"))
    assert evaluate(RunFacts("s", items=2, dropped=8))[0].startswith("dropped: 8/10")
    low = RunFacts("s", items=10, coverage={"start": 0.5}, platform="ical")
    assert evaluate(low) == ["coverage: start 50% < 80%"]
    custom = RunFacts("s", items=10, coverage={"city": 0.9}, options={"coverage": {"city": 0.95}})
    assert evaluate(custom) == ["coverage: city 90% < 95%"]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str, str]:
    tmp = tmp_path_factory.mktemp("monitoring")
    routes = event_site(2, 4)
    routes.update(event_site(1, 3, prefix="/nostart/", with_start=False))
    routes["/empty/"] = "<html><body><p>We moved our calendar. Nothing here.</p></body></html>"
    routes["/broken/"] = lambda req: (500, {}, b"server error")
    with serve(Site(routes=routes)) as site:
        cfg = write_sources(tmp / "sources.yml", [
            event_source("healthy", site.url("/events/")),
            event_source("empty", site.url("/empty/")),
            event_source("broken", site.url("/broken/")),
            event_source("nostart", site.url("/nostart/")),
            event_source("thin", site.url("/events/"), options={"min_items": 20}),
            event_source("tolerant", site.url("/broken/"), options={"min_items": 0, "max_errors": 1}),
        ])
        db = tmp / "w.db"
        first = widen("crawl", "--db", str(db), "--config", str(cfg), "--quiet", env=NOW)
        again = widen("crawl", "broken", "--db", str(db), "--config", str(cfg), "--quiet", env=NOW)
    assert again.returncode == 1, again.stderr[-2000:]
    return db, cfg, first.stderr, str(first.returncode)


def _runs(db: Path) -> dict[str, dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    rows = {r["source"]: dict(r) for r in conn.execute("SELECT * FROM crawl_runs ORDER BY started, id")}
    conn.close()
    return rows


def test_monitor_results_are_recorded_per_run(crawled: tuple[Path, Path, str, str]) -> None:
    db, _, stderr, code = crawled
    assert code == "1", stderr[-2000:]  # a failing source fails the crawl command
    runs = _runs(db)
    assert runs["healthy"]["monitor_failures"] == "[]" and runs["healthy"]["items"] == 8
    assert json.loads(runs["healthy"]["coverage"])["start"] == 1.0
    assert json.loads(runs["empty"]["monitor_failures"]) == ["items: 0 < min_items 1"]
    broken = json.loads(runs["broken"]["monitor_failures"])
    assert any(m.startswith("errors:") for m in broken) and "items: 0 < min_items 1" in broken
    assert json.loads(runs["nostart"]["monitor_failures"]) == ["coverage: start 0% < 80%"]
    assert json.loads(runs["thin"]["monitor_failures"]) == ["items: 8 < min_items 20"]  # per-source threshold
    assert runs["tolerant"]["monitor_failures"] == "[]" and runs["tolerant"]["errors"] == 1  # within max_errors
    assert "items: 0 < min_items 1" in stderr  # shown in the summary table


def test_sources_table_marks_failing_sources_and_counts_streaks(crawled: tuple[Path, Path, str, str]) -> None:
    db = crawled[0]
    conn = sqlite3.connect(db)
    health = {r[0]: r[1:] for r in conn.execute("SELECT slug, last_status, consecutive_failures FROM sources")}
    conn.close()
    assert health["healthy"] == ("ok", 0)
    assert health["empty"] == ("failing", 1)
    assert health["broken"] == ("failing", 2)  # crawled twice, failed twice
    assert health["tolerant"] == ("ok", 0)


def test_sources_check_exits_nonzero_and_names_the_failing(crawled: tuple[Path, Path, str, str],
                                                          tmp_path: Path) -> None:
    db, cfg, _, _ = crawled
    r = widen("sources", "check", "--db", str(db), "--config", str(cfg))
    assert r.returncode == 1
    assert "4 enabled source(s) failing: empty, broken, nostart, thin" in r.stderr
    assert "items: 0 < min_items 1" in r.stdout
    # Only the healthy source enabled: exit 0.
    text = cfg.read_text()
    only = write_sources(tmp_path / "only.yml", [event_source("healthy", "http://127.0.0.1:9/events/")])
    ok = widen("sources", "check", "--db", str(db), "--config", str(only))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert text == cfg.read_text()


def test_errors_are_counted_per_crawler_without_double_counting() -> None:
    from types import SimpleNamespace

    from crawlers.stats import run_errors

    spider = SimpleNamespace(errors=["http://x/a: HttpError: Ignoring non-200 response", "http://x/b: TimeoutError: t"])
    stats = {"widen/http_errors": 1, "widen/item_errors": 2, "spider_exceptions/count": 1,
             "log_count/ERROR": 40}  # the shared log counter is ignored: it counts every crawler's lines
    assert run_errors(stats, spider) == 5
