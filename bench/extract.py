"""Extraction cost per HTML page: widen's extractor vs a bare lxml parse of the same bytes.

Prints, in one run, CPU ms per page (best of N, so neighbours on a shared machine do not count) for:
- a synthetic ~200 KB events list page (JSON-LD events + The Events Calendar list markup,
  padded with the navigation and scripts real pages carry), always;
- every real page of 150 KB or more in ../shared/realworld/html, when that folder exists.

Target (issue 3): widen extraction <= 3x the bare lxml parse. Usage: python bench/extract.py [-n 15]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from pathlib import Path

from lxml import html as lxml_html

from crawlers.extract import Context, extract

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


def best_ms(fn, n: int) -> float:
    """Best CPU time of n runs: on a shared machine wall time mostly measures the neighbours."""
    best = float("inf")
    for _ in range(n):
        t = time.process_time()
        fn()
        best = min(best, time.process_time() - t)
    return best * 1000


def measure(name: str, body: bytes, n: int) -> float:
    ctx = Context(now=dt.datetime(2026, 2, 1, tzinfo=dt.UTC), tz="America/Chicago")
    listings = extract(body, "", "text/html", ctx)  # warm caches and imports
    lxml_ms = best_ms(lambda: lxml_html.fromstring(body), n)
    widen_ms = best_ms(lambda: extract(body, "", "text/html", ctx), n)
    ratio = widen_ms / lxml_ms
    print(f"{name[:48]:48} {len(body) // 1024:4d} KB  lxml {lxml_ms:6.2f} ms  widen {widen_ms:6.2f} ms  "
          f"ratio {ratio:4.1f}x  ({len(listings)} listings)")
    return ratio


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=15, help="repetitions (best of n)")
    a = ap.parse_args()
    print("widen extraction vs bare lxml parse, best of", a.n)
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
