"""`widen schedule`: cron parsing and catch-up, crontab output, overlap protection (a source never
runs twice at once, whether the second run comes from the loop or from another process), a
graceful stop on SIGTERM, and the scrapyd deployment path against a real scrapyd."""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, Request, Site, serve, widen, write_sources
from opsites import event_site, event_source

from crawlers.cli.schedule import is_due

UTC = dt.UTC
FAST = ("--set", "AUTOTHROTTLE_ENABLED=false")


def test_is_due_catches_up_on_missed_slots() -> None:
    now = dt.datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    assert is_due("0 5 * * *", None, now)  # never crawled
    assert not is_due("0 5 * * *", dt.datetime(2026, 3, 2, 5, 0, 7, tzinfo=UTC), now)  # today's slot done
    assert is_due("0 5 * * *", dt.datetime(2026, 3, 1, 5, 0, 7, tzinfo=UTC), now)  # today's slot missed
    assert is_due("30 9 * * *", dt.datetime(2026, 3, 2, 5, 0, tzinfo=UTC), now)  # the slot is this minute
    assert not is_due("0 6 * * 1", dt.datetime(2026, 3, 2, 6, 1, tzinfo=UTC), now)  # weekly, Monday done
    assert is_due("* * * * * */10", dt.datetime(2026, 3, 2, 9, 29, 45, tzinfo=UTC), now)  # seconds field


def test_print_crontab_groups_sources_by_schedule(tmp_path: Path) -> None:
    cfg = write_sources(tmp_path / "s.yml", [
        event_source("daily-a", "http://127.0.0.1:9/a/", schedule="0 5 * * *"),
        event_source("daily-b", "http://127.0.0.1:9/b/", schedule="0 5 * * *"),
        event_source("weekly", "http://127.0.0.1:9/c/", schedule="15 6 * * 1"),
        event_source("fast", "http://127.0.0.1:9/d/", schedule="* * * * * */30"),
        event_source("off", "http://127.0.0.1:9/e/", schedule="0 1 * * *", enabled=False),
    ])
    r = widen("schedule", "--print-crontab", "--db", str(tmp_path / "w.db"), "--config", str(cfg))
    assert r.returncode == 0, r.stderr
    lines = [x for x in r.stdout.splitlines() if x and not x.startswith("#")]
    daily = next(x for x in lines if x.startswith("0 5 * * * "))
    assert daily.rstrip().split(" crawl ")[1].split(" >> ")[0].endswith("daily-a daily-b")
    assert f"--db {tmp_path / 'w.db'}" in daily and f"--config {cfg}" in daily
    assert any(x.startswith("15 6 * * 1 ") and "weekly" in x for x in lines)
    assert "fast: '* * * * * */30' has a seconds field" in r.stdout
    assert "off" not in " ".join(lines) and any(" sources check " in x for x in lines)


def test_once_crawls_what_is_due_and_skips_a_source_still_running(tmp_path: Path) -> None:
    routes = event_site(1, 3)
    routes.update(event_site(1, 2, prefix="/busy/"))
    with serve(Site(routes=routes)) as site:
        cfg = write_sources(tmp_path / "s.yml", [
            event_source("free", site.url("/events/"), schedule="0 5 * * *"),
            event_source("busy", site.url("/busy/"), schedule="0 5 * * *"),
        ])
        db = tmp_path / "w.db"
        locks = tmp_path / "w.locks"
        locks.mkdir()
        with open(locks / "busy.lock", "w") as held:  # another process is crawling "busy"
            fcntl.flock(held, fcntl.LOCK_EX)
            first = widen("schedule", "--once", "--db", str(db), "--config", str(cfg))
        assert first.returncode == 0, first.stderr[-2000:]
        assert "skipped busy: its previous run is still going" in first.stderr
        assert not [h for h in site.hits if h.startswith("/busy/")]
        assert site.count("/events/e-0/") == 1
        before = len(site.hits)
        second = widen("schedule", "--once", "--db", str(db), "--config", str(cfg))
        assert second.returncode == 0, second.stderr[-2000:]
        assert "started crawl of busy (pid" in second.stderr  # now free, and never crawled: due
        assert "free" not in second.stderr.split("started crawl of")[1].split("\n")[0]  # free: done today
        assert len([h for h in site.hits[before:] if h.startswith("/busy/")]) == 3


def test_loop_never_overlaps_a_source_and_stops_gracefully(tmp_path: Path) -> None:
    active = {"now": 0, "max": 0}
    lock = threading.Lock()

    def slow(req: Request) -> Any:
        with lock:
            active["now"] += 1
            active["max"] = max(active["max"], active["now"])
        time.sleep(4)
        with lock:
            active["now"] -= 1
        return "<html><body>nothing yet</body></html>"

    routes = {"/robots.txt": "User-agent: *\nAllow: /\n", "/slow/": slow}
    with serve(Site(routes=routes)) as site:
        cfg = write_sources(tmp_path / "s.yml", [event_source("slow", site.url("/slow/"), schedule="* * * * * */2")])
        args = [sys.executable, "-m", "crawlers.cli", "schedule", "--db", str(tmp_path / "w.db"), "--config",
                str(cfg), "--grace", "30"]
        proc = subprocess.Popen(args, cwd=ROOT, env={**os.environ, "WIDEN_CONFIG": str(ROOT / "config")},
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while site.count("/slow/") < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(2.5)  # at least one more 2-second slot passes while the crawl is still running
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=90)
    assert proc.returncode == 0, err[-3000:]
    assert err.count("started crawl of slow") == 1, err[-3000:]
    assert "skipped slow: its previous run is still going" in err
    assert "received SIGTERM: stopping after running crawls" in err
    assert "crawl of slow" in err.split("received SIGTERM")[1]  # the child was reaped, not orphaned
    assert active["max"] == 1 and site.count("/slow/") == 1


@pytest.fixture
def scrapyd_url(tmp_path: Path) -> Iterator[str]:
    """A real scrapyd on a free loopback port, its state under tmp_path."""
    exe = shutil.which("scrapyd")
    if exe is None or shutil.which("scrapyd-deploy") is None:
        pytest.skip("scrapyd / scrapyd-client not installed (pip install scrapyd scrapyd-client; see docs/operations.md)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    home = tmp_path / "scrapyd"
    home.mkdir()
    (home / "scrapyd.conf").write_text(
        f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {port}\neggs_dir = {home}/eggs\nlogs_dir = {home}/logs\n"
        f"items_dir =\ndbs_dir = {home}/dbs\npoll_interval = 0.5\n")
    # Jobs inherit scrapyd's environment: WIDEN_CONFIG points them at the taxonomy and sources.
    proc = subprocess.Popen([exe], cwd=home, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "WIDEN_CONFIG": str(ROOT / "config")})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/daemonstatus.json", timeout=2).read()
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail("scrapyd did not start")
            time.sleep(0.2)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def _api(url: str, data: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    return json.loads(urllib.request.urlopen(url, data=body, timeout=30).read())


@pytest.mark.slow
def test_scrapyd_deploy_and_scheduled_job(scrapyd_url: str, tmp_path: Path) -> None:
    """The documented path: scrapyd-deploy builds an egg from scrapy.cfg, schedule.json runs a source."""
    project = tmp_path / "project"
    project.mkdir()
    for pkg in ("crawlers", "pipelines"):
        (project / pkg).symlink_to(ROOT / pkg)
    (project / "scrapy.cfg").write_text("[settings]\ndefault = crawlers.settings\n\n"
                                        f"[deploy:local]\nurl = {scrapyd_url}\nproject = widen\n")
    dep = subprocess.run(["scrapyd-deploy", "local", "-p", "widen"], cwd=project, capture_output=True, text=True,
                         timeout=180)
    assert '"status": "ok"' in dep.stdout + dep.stderr, dep.stdout + dep.stderr
    with serve(Site(routes=event_site(1, 4))) as site:
        cfg = write_sources(tmp_path / "s.yml", [event_source("evs", site.url("/events/"))])
        db = tmp_path / "w.db"
        job = _api(scrapyd_url + "/schedule.json", [
            ("project", "widen"), ("spider", "schemaorg"), ("source", "evs"), ("config", str(cfg)),
            ("setting", f"WIDEN_DB={db}"), ("setting", "AUTOTHROTTLE_ENABLED=False")])
        assert job["status"] == "ok", job
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            jobs = _api(scrapyd_url + "/listjobs.json?project=widen")
            if any(j["id"] == job["jobid"] for j in jobs["finished"]):
                break
            time.sleep(0.5)
        else:
            pytest.fail(f"scrapyd job did not finish: {jobs}")
    conn = sqlite3.connect(db)
    (count,), = conn.execute("SELECT count(*) FROM opportunities WHERE source = 'evs'").fetchall()
    run = conn.execute("SELECT finish_reason, items, monitor_failures FROM crawl_runs").fetchall()
    status = conn.execute("SELECT last_status FROM sources WHERE slug = 'evs'").fetchone()
    conn.close()
    assert count == 4 and run == [("finished", 4, "[]")] and status == ("ok",)
