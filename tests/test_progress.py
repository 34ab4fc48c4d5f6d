"""`widen crawl` progress: per-source counts while crawling (rich on a terminal, plain lines
otherwise) and the summary table at the end; the User-Agent carries the configured contact URL."""

from __future__ import annotations

import io
import re
from pathlib import Path

import yaml
from conftest import Request, Site, serve, widen, write_sources
from opsites import event_site, event_source

from crawlers.extensions import ProgressBoard


def test_plain_board_prints_periodic_lines_and_a_final_one() -> None:
    out = io.StringIO()
    board = ProgressBoard(mode="plain", interval=0, stream=out)
    board.update("a", pages=1)
    board.update("a", items=2)
    board.update("b", pages=1, errors=1)
    board.finish("a", "finished")
    lines = out.getvalue().splitlines()
    assert lines[0] == "progress a: pages=1 items=0 dropped=0 errors=0"
    assert "progress a: pages=1 items=2 dropped=0 errors=0" in lines
    assert "progress b: pages=1 items=0 dropped=0 errors=1" in lines
    assert lines[-1] == "progress a: pages=1 items=2 dropped=0 errors=0 finished"


def test_plain_board_waits_for_its_interval() -> None:
    out = io.StringIO()
    board = ProgressBoard(mode="plain", interval=3600, stream=out)
    for _ in range(50):
        board.update("a", pages=1)
    assert out.getvalue() == ""  # nothing until the interval has passed ...
    board.finish("a", "finished")
    assert out.getvalue() == "progress a: pages=50 items=0 dropped=0 errors=0 finished\n"  # ... but the end


def test_rich_board_draws_one_row_per_source() -> None:
    out = io.StringIO()
    board = ProgressBoard(mode="rich", stream=out, width=160)
    board.start()
    board.update("alpha", pages=3, items=7)
    board.update("beta", pages=1)
    board.finish("alpha", "finished")
    board.stop()
    text = out.getvalue()
    assert re.search(r"alpha\s+pages\s+3\s+items\s+7", text) and "finished" in text
    assert re.search(r"beta\s+pages\s+1\s+items\s+0", text)


def test_crawl_reports_progress_and_summary(tmp_path: Path) -> None:
    routes = event_site(2, 3)
    agents: list[str | None] = []
    first = routes["/events/"]

    def list_page(req: Request) -> str:
        agents.append(req.headers.get("User-Agent"))
        return first

    routes["/events/"] = list_page
    with serve(Site(routes=routes)) as site:
        cfg = write_sources(tmp_path / "s.yml", [event_source("small", site.url("/events/"))])
        data = yaml.safe_load(cfg.read_text())
        cfg.write_text(yaml.safe_dump({"defaults": {"contact_url": "https://example.org/widen-ops"}, **data}))
        r = widen("crawl", "--db", str(tmp_path / "w.db"), "--config", str(cfg), "--quiet", "--progress", "plain",
                  "--progress-interval", "0", "--set", "AUTOTHROTTLE_ENABLED=false",
                  env={"WIDEN_NOW": "2026-03-01T06:00:00+00:00"})
    assert r.returncode == 0, r.stderr[-2000:]
    counts = [tuple(map(int, m)) for m in re.findall(r"progress small: pages=(\d+) items=(\d+)", r.stderr)]
    assert len(counts) >= 5 and counts == sorted(counts)  # counts only grow
    assert counts[-1] == (9, 6)  # robots.txt + 2 list pages + 6 detail pages; 6 events
    assert "progress small: pages=9 items=6 dropped=0 errors=0 finished" in r.stderr
    table = r.stderr[r.stderr.index("crawl summary"):]
    for col in ("pages", "new", "updated", "unchanged", "dropped", "errors", "secs"):
        assert col in table
    assert re.search(r"small\s+│\s+9\s+│\s+6\s+│\s+0\s+│\s+0\s+│\s+0\s+│\s+0\s+│\s+finished", table)
    assert agents == ["widen/0.1 (+https://example.org/widen-ops)"]  # the contact URL from config
