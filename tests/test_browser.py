"""widen in a real browser: Debian's headless Chromium driven by playwright against `widen serve`.

Builds the offline demo (dates pinned), plants one hostile listing written straight into the
store (so the page's own sanitizing is what is tested, not the pipeline's), serves it with
`widen serve` on a free loopback port, then: index, search, a facet, the reach filter, a card,
CSV and ICS downloads, a screenshot; and no script from scraped content ever runs.
"""

from __future__ import annotations

import csv
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT, free_port, widen
from icalendar import Calendar

from crawlers.schema import make_id
from pipelines.store import Store

CHROMIUM = Path("/usr/bin/chromium")
PINNED = {"WIDEN_DEMO_TODAY": "2026-03-01", "WIDEN_NOW": "2026-03-01T06:00:00+00:00"}
PWN = "window.__pwned=1"
HOSTILE = {
    "id": make_id("evil", native_id="1"), "kind": "networking_event", "source": "evil", "status": "scheduled",
    "title": f"Zebra Mixer <script>{PWN}</script>",
    "description": f"Plain text <script>{PWN}</script>",
    "description_html": (f'<p>Come along<script>{PWN}</script><img src="x" onerror="{PWN}">'
                         f'<a href="javascript:{PWN}">free drinks</a></p>'),
    "url": f"javascript:{PWN}", "organizer": "Zebra Club", "organizer_url": f"javascript:{PWN}",
    "start": "2026-03-12T18:00:00-05:00", "timezone": "America/Chicago", "city": "Chicago", "region": "IL",
    "audiences": ["women"],
}

pytestmark = pytest.mark.slow



def _wait(port: int, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"widen serve exited: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"widen serve did not listen on {port}")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (Debian package `chromium`; .ci/run installs it)")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
    db = tmp_path_factory.mktemp("browser") / "widen.db"
    r = widen("demo", "--no-serve", "--db", str(db), env=PINNED)
    assert r.returncode == 0, r.stderr[-3000:]
    store = Store(db)
    store.write([HOSTILE])
    store.close()
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "crawlers.cli", "serve", "--db", str(db), "--port", str(port)],
                            cwd=ROOT, env={**os.environ, "WIDEN_CONFIG": str(ROOT / "config"), **PINNED},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait(port, proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def assert_no_script_ran(page: object) -> None:
    assert page.evaluate("typeof window.__pwned") == "undefined"  # type: ignore[attr-defined]
    assert page.locator('a[href^="javascript:"]').count() == 0  # type: ignore[attr-defined]
    assert page.locator("[onerror]").count() == 0  # type: ignore[attr-defined]


def test_browse_filter_open_card_and_download(server: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run"])
        try:
            page = browser.new_page(accept_downloads=True)
            _offline(page)
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))

            # index -> the database's description and canned queries
            page.goto(server + "/")
            assert "widen" in page.title()
            page.goto(server + "/widen")
            assert page.locator("text=What you don't reach yet").count() >= 1

            # search, in Datasette's own table page (every column)
            page.goto(server + "/widen/opportunities?_size=10&_view=table")
            page.fill("input#_search", "breakfast")
            page.press("input#_search", "Enter")
            page.wait_for_url("**_search=breakfast**")
            assert "Women in Tech Chicago: Breakfast Roundtable" in page.inner_text("table.rows-and-columns")

            # a facet, beside the results view
            page.goto(server + "/widen/opportunities")
            page.locator("#facet-kind a", has_text="board_seat").first.click()
            page.wait_for_url("**kind=board_seat**")
            kinds = page.locator("li.widen-result .kind").all_inner_texts()
            assert kinds and set(kinds) == {"board seat"}

            # the reach filter
            page.goto(server + "/widen/opportunities?_exclude_audiences=women&_size=max")
            titles = page.locator("li.widen-result a.widen-title").all_inner_texts()
            assert titles and not any("Women" in t or "Zebra" in t for t in titles)
            assert "Chicago Women in Data" not in titles

            # hostile content on the results view, the table page and its own card
            page.goto(server + "/widen/opportunities?_search=zebra")
            assert "Zebra Mixer" in page.inner_text("ol.widen-results")
            assert_no_script_ran(page)
            page.goto(server + "/widen/opportunities?_search=zebra&_view=table")
            assert "Zebra Mixer" in page.inner_text("table.rows-and-columns")
            assert_no_script_ran(page)
            page.locator("table.rows-and-columns td.col-id a").first.click()
            page.wait_for_selector("article.widen-card")
            card = page.inner_text("article.widen-card")
            assert "Zebra Mixer <script>" in card  # shown as text, never run
            assert "free drinks" in card and "Come along" in card
            assert_no_script_ran(page)

            # a normal card: link out, reach section, "your time"
            page.goto(server + "/widen/opportunities?_search=breakfast")
            page.locator("li.widen-result a.widen-title").first.click()
            page.wait_for_selector("article.widen-card")
            out = page.locator("a", has_text="See the listing on its site")
            assert out.get_attribute("rel") == "noopener nofollow"
            assert page.locator("section.widen-reach h2").inner_text() == "Why this widens your reach"
            page.screenshot(path=str(tmp_path / "card.png"), full_page=True)

            # ICS download from the card
            with page.expect_download() as dl:
                page.locator("a", has_text="Add to calendar (.ics)").click()
            ics = tmp_path / "event.ics"
            dl.value.save_as(ics)
            cal = Calendar.from_ical(ics.read_text(encoding="utf-8"))
            assert [str(e["SUMMARY"]) for e in cal.walk("VEVENT")] == ["Women in Tech Chicago: Breakfast Roundtable"]
            assert not cal.get_missing_tzids()

            # CSV download, every row streamed, through the advanced export form
            page.goto(server + "/widen/opportunities?_size=10&_view=table")
            page.check("#export input[name=_dl]")
            page.check("#export input[name=_stream]")
            with page.expect_download() as dl:
                page.click("#export input[type=submit]")
            csv_file = tmp_path / "opportunities.csv"
            dl.value.save_as(csv_file)
            with csv_file.open(newline="", encoding="utf-8") as fh:
                rows = list(csv.DictReader(fh))
            ids = [r["id"] for r in rows]
            total = int(page.locator("h3").first.inner_text().split()[0].replace(",", ""))
            assert len(ids) == len(set(ids)) == total > 10  # more than the page of 10 on screen

            page.screenshot(path=str(tmp_path / "table.png"), full_page=True)
            assert (tmp_path / "card.png").stat().st_size > 10_000
            assert not [e for e in errors if "__pwned" in e]
        finally:
            browser.close()


def _launch(p: object) -> object:
    return p.chromium.launch(executable_path=str(CHROMIUM), args=[  # type: ignore[attr-defined]
        "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run"])


def _offline(page: object) -> list[str]:
    """Tests never touch the internet: every request off the loopback is refused (and listed)."""
    refused: list[str] = []

    def route(r: object) -> None:
        url = r.request.url  # type: ignore[attr-defined]
        if url.startswith("http://127.0.0.1"):
            r.continue_()  # type: ignore[attr-defined]
        else:
            refused.append(url)
            r.abort()  # type: ignore[attr-defined]

    page.route("**/*", route)  # type: ignore[attr-defined]
    return refused


def _ids_on_page(page: object) -> list[str]:
    return page.locator("li.widen-result").evaluate_all("els => els.map(e => e.dataset.id)")  # type: ignore[attr-defined]


def _ids_of_json(page: object, server: str, query: str) -> list[str]:
    r = page.request.get(f"{server}/widen/opportunities.json?{query}&_shape=array&_size=max&_col=id")  # type: ignore[attr-defined]
    return [row["id"] for row in r.json()]


def test_results_view_reads_as_openings_with_controls(server: str) -> None:
    """What a newcomer sees at 1280x800: listings first, times and audiences in words, the
    profile in use, and controls that filter exactly as the JSON of the same URL does."""
    import re

    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = _launch(p)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})  # type: ignore[attr-defined]
            _offline(page)
            page.goto(server + "/widen/opportunities")
            first = page.locator("li.widen-result").first.bounding_box()
            assert first is not None and first["y"] + 40 < 800  # the first result is above the fold
            assert "sample profile" in page.inner_text(".widen-banner")
            assert "widen network import" in page.inner_text(".widen-banner")
            text = page.inner_text("ol.widen-results")
            assert re.search(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} [A-Z][a-z]{2} 2026, [\d:–]+ [AP]M C[SD]T", text), text[:500]
            chips = page.locator(".widen-chip").all_inner_texts()
            assert chips and not [c for c in chips if "_" in c]  # labels, not slugs
            assert "Small business owners" in chips
            assert re.search(r"reach \d{1,3}/100", text)
            assert page.locator(".widen-reach-score").first.get_attribute("title")  # the scale, explained
            toast = page.locator("li.widen-result", has_text="Toastmasters")
            assert "2nd and 4th Tuesday, monthly" in toast.inner_text()  # the rule in words
            assert toast.locator("time").inner_text().startswith("Tue ")  # and its next real date

            # the toggle and a kind, through the form as a person uses it
            page.check("input[name=_reach]")
            page.select_option("select[name=_kind]", "board_seat")
            page.click(".widen-controls button[type=submit]")
            page.wait_for_url("**_kind=board_seat**")
            assert "_reach=1" in page.url
            kinds = set(page.locator("li.widen-result .kind").all_inner_texts())
            assert kinds == {"board seat"}
            assert all(page.locator("li.widen-result").nth(i).locator(".widen-chip").count() > 0
                       for i in range(page.locator("li.widen-result").count()))
            assert _ids_on_page(page) == _ids_of_json(page, server, "_reach=1&_kind=board_seat")

            # audiences picked by label, to exclude
            page.goto(server + "/widen/opportunities")
            page.click(".widen-audiences summary")
            page.select_option("select[name=_exclude_audiences]", label="Women")
            page.click(".widen-controls button[type=submit]")
            page.wait_for_url("**_exclude_audiences=women**")
            shown = _ids_on_page(page)
            assert shown and shown == _ids_of_json(page, server, "_exclude_audiences=women")
            assert len(shown) < len(_ids_of_json(page, server, "_size=max"))

            # when and where
            page.goto(server + "/widen/opportunities?_when=week&_near=chicago")
            week = _ids_on_page(page)
            assert week and week == _ids_of_json(page, server, "_when=week&_near=chicago")
            for when in page.locator("li.widen-result time").evaluate_all("els => els.map(e => e.dateTime)"):
                assert "2026-03-01" <= when[:10] < "2026-03-08"
            assert all("Chicago" in w for w in page.locator("li.widen-result .widen-where").all_inner_texts())

            # an audience the taxonomy does not know is named, with the valid ones
            page.goto(server + "/widen/opportunities?_audiences=bogus")
            alert = page.text_content(".widen-message") or ""
            assert "Unknown audience" in alert and "bogus" in alert and "women" in alert
        finally:
            browser.close()  # type: ignore[attr-defined]


def test_map_offline_draws_an_outline_and_tells_approximate_places(server: str, tmp_path: Path) -> None:
    """With no internet, the map still has a drawn background (the bundled outline), every
    listing with a place is counted on it once, and approximate places look different."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = _launch(p)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})  # type: ignore[attr-defined]
            refused = _offline(page)
            page.goto(server + "/widen/opportunities")
            page.wait_for_selector("#widen-map[data-markers]", timeout=20000)
            page.wait_for_function("document.querySelector('.leaflet-control-attribution').textContent.includes('Offline')",
                                   timeout=20000)
            assert any("tile.openstreetmap.org" in u for u in refused)  # it tried online tiles first
            assert page.locator("#widen-map img.leaflet-tile").count() == 0  # and dropped them
            assert page.locator("#widen-map .leaflet-overlay-pane path").count() >= 2  # land and states drawn
            placed = page.request.get(server + "/widen/opportunities.json?lat__notblank=1&_size=max&_shape=objects").json()
            rows = placed["rows"]
            pins = page.locator("#widen-map .leaflet-marker-pane .widen-pin")
            shown = sum(int(t) if t.strip() else 1 for t in pins.all_inner_texts())
            assert rows and shown == len(rows)  # clusters and shared points add up to every listing
            approximate = [r for r in rows if r["geo_precision"] != "exact"]
            assert page.locator("#widen-map .widen-pin.approximate").count() >= (1 if approximate else 0)
            assert f"{len(approximate)} placed approximately" in page.inner_text("#widen-map-summary")
            assert "approximate" in page.inner_text(".widen-map-legend")
            page.locator("#widen-map-box").screenshot(path=str(tmp_path / "map.png"))
        finally:
            browser.close()  # type: ignore[attr-defined]
