"""Extraction and normalization cost per HTML page vs a bare lxml parse of the same bytes.

Prints, in one run, CPU ms per page for the lxml parse, widen's extraction, and the
normalization of what it extracted; the three are timed in turn in each of N rounds
(interleaved, so a busy neighbour slows all alike) and each figure is the median with its
spread (min–max). Pages:
- a synthetic ~200 KB events list page (JSON-LD events + The Events Calendar list markup,
  padded with the navigation and scripts real pages carry), always;
- every real page of 150 KB or more in ../shared/realworld/html, when that folder exists.

Target: widen extraction <= 3x the bare lxml parse. Usage: python bench/extract.py [-n 15]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import time
from pathlib import Path

from lxml import html as lxml_html

from crawlers.extract import Context, extract
from pipelines.normalize import SourceContext, normalize

REALWORLD = Path(__file__).resolve().parents[2] / "shared" / "realworld" / "html"


def synthetic_page(target_kb: int = 200) -> bytes:
    """An events list page shaped like a WordPress calendar: 40 events, JSON-LD and visible rows."""
    events, rows = [], []
    for i in range(40):
        day = 1 + i % 28
        events.append({"@context": "https://schema.org", "@type": "Event", "name": f"Community meetup {i}",
                       "startDate": f"2026-03-{day:02d}T18:00:00-06:00", "endDate": f"2026-03-{day:02d}T20:00:00-06:00",
                       "url": f"https://example.org/event/meetup-{i}/", "description": "Networking. " * 20,
                       "location": {"@type": "Place", "name": f"Hall {i}", "address": {
                           "@type": "PostalAddress", "streetAddress": f"{100 + i} Main St",
                           "addressLocality": "Chicago", "addressRegion": "IL", "addressCountry": "US"}}})
        rows.append(f"""<div class="type-tribe_events post-{i} tribe-clearfix">
<h2 class="tribe-events-list-event-title"><a class="tribe-event-url" href="https://example.org/event/meetup-{i}/">
Community meetup {i}</a></h2><div class="tribe-event-schedule-details"><span class="tribe-event-date-start">
March {day} @ 6:00 pm</span> - <span class="tribe-event-time">8:00 pm</span></div>
<div class="tribe-events-venue-details">Hall {i}, {100 + i} Main St, Chicago, IL 60601, United States</div>
<div class="tribe-events-list-event-description"><p>{"Meet people from other fields. " * 12}</p></div></div>""")
    nav = "".join(f'<li class="menu-item"><a href="/page-{i}/">Page {i}</a></li>' for i in range(300))
    head = (f'<script type="application/ld+json">{json.dumps(events)}</script>'
            '<link rel="stylesheet" href="/style.css">')
    body = f"<header><nav><ul>{nav}</ul></nav></header><main>{''.join(rows)}</main>"
    page = f'<!doctype html><html lang="en"><head><title>Events</title>{head}</head><body>{body}'
    # Fill up with what real pages carry besides listings: sidebars, widgets, footer links.
    block = ('<div class="widget"><h3>Recent posts</h3><ul>' +
             "".join(f'<li><a href="/news/{i}/">News item {i}</a> <span class="date">Jan {i % 28 + 1}</span></li>'
                     for i in range(10)) + "</ul></div>")
    filler = block * max(0, (target_kb * 1024 - len(page.encode())) // len(block.encode()))
    return (page + f"<aside>{filler}</aside><footer>(c)</footer></body></html>").encode()


def cpu_ms(fn) -> float:
    t = time.process_time()
    fn()
    return (time.process_time() - t) * 1000


def _spread(v: list[float]) -> str:
    v = sorted(v)
    return f"{statistics.median(v):6.2f} ({v[0]:.2f}–{v[-1]:.2f})"


def measure(name: str, body: bytes, n: int) -> float:
    ctx = Context(now=dt.datetime(2026, 2, 1, tzinfo=dt.UTC), tz="America/Chicago")
    norm_ctx = SourceContext(source="bench", tz="America/Chicago", now=ctx.now)
    listings = extract(body, "", "text/html", ctx)  # warm caches and imports
    for raw in listings:
        normalize(raw, norm_ctx)
    times: dict[str, list[float]] = {"lxml": [], "extract": [], "normalize": []}
    for _ in range(n):
        times["lxml"].append(cpu_ms(lambda: lxml_html.fromstring(body)))
        times["extract"].append(cpu_ms(lambda: extract(body, "", "text/html", ctx)))
        times["normalize"].append(cpu_ms(lambda: [normalize(raw, norm_ctx) for raw in listings]))
    ratio = statistics.median(times["extract"]) / statistics.median(times["lxml"])
    print(f"{name[:44]:44} {len(body) // 1024:4d} KB  lxml {_spread(times['lxml'])}  extract "
          f"{_spread(times['extract'])} ms  ratio {ratio:4.1f}x  normalize {_spread(times['normalize'])} ms "
          f"({len(listings)} listings)")
    return ratio


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=15, help="interleaved rounds (>= 3)")
    a = ap.parse_args()
    a.n = max(3, a.n)
    print(f"CPU ms per page, median (min–max) of {a.n} interleaved rounds")
    ratios = [measure("synthetic events list (JSON-LD + tribe rows)", synthetic_page(), a.n)]
    if REALWORLD.is_dir():
        for path in sorted(REALWORLD.glob("*.html"), key=lambda p: -p.stat().st_size):
            if path.stat().st_size >= 150 * 1024:
                ratios.append(measure(path.name, path.read_bytes(), a.n))
    else:
        print(f"(no real pages: {REALWORLD} absent)")
    ratios.sort()
    print(f"synthetic page ratio {ratios[0] if len(ratios) == 1 else 0:.1f}x" if len(ratios) == 1 else
          f"median ratio over {len(ratios)} pages: {ratios[len(ratios) // 2]:.1f}x (target <= 3x)")


if __name__ == "__main__":
    main()
