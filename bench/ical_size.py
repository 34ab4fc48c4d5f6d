"""iCalendar extraction cost against feed size: seconds per 1,000 events should stay flat.

Builds synthetic feeds shaped like a busy community calendar (a VTIMEZONE, one-off events, weekly
series, a few overrides and a few events with an unreadable DTSTART, which take the slow path that
was once quadratic) and extracts each size in turn. Sizes are interleaved across rounds so a busy
neighbour on a shared machine touches every size alike; each figure is the median of the rounds
with its spread (min–max). Peak memory is tracemalloc's peak for one extraction of that size.

Baseline in the same run: icalendar's own parse of the same bytes (what any reader must pay), so
the ratio shows widen's extra cost. Goal (issue 15): a 30k-event feed in under 30 s on one core.

Usage: python bench/ical_size.py [--sizes 1000 10000 30000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
import tracemalloc

import icalendar

from crawlers.extract import Context
from crawlers.extract.ical import extract

_ZONE = """BEGIN:VTIMEZONE
TZID:America/Chicago
BEGIN:DAYLIGHT
TZOFFSETFROM:-0600
TZOFFSETTO:-0500
DTSTART:19700308T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
TZNAME:CDT
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:-0500
TZOFFSETTO:-0600
DTSTART:19701101T020000
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
TZNAME:CST
END:STANDARD
END:VTIMEZONE"""


def feed(n: int) -> bytes:
    """n VEVENTs: 1 in 10 a weekly series, 1 in 100 an override, 1 in 200 with a broken DTSTART."""
    base = dt.datetime(2026, 12, 8, 18, 0)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//widen bench//EN", _ZONE]
    for i in range(n):
        start = base + dt.timedelta(hours=7 * i)
        stamp = start.strftime("%Y%m%dT%H%M%S")
        lines += ["BEGIN:VEVENT", f"UID:ev-{i}@bench.example", "DTSTAMP:20261201T000000Z",
                  f"SUMMARY:Community meetup number {i}", f"DESCRIPTION:Meet people from other fields, round {i}.",
                  f"LOCATION:Hall {i % 50}\\, {100 + i % 900} Main St\\, Chicago\\, IL 60601",
                  f"URL:https://bench.example/events/{i}"]
        if i % 200 == 199:
            lines.append("DTSTART;TZID=America/Chicago:not-a-date")
        else:
            lines.append(f"DTSTART;TZID=America/Chicago:{stamp}")
            lines.append(f"DTEND;TZID=America/Chicago:{(start + dt.timedelta(hours=2)).strftime('%Y%m%dT%H%M%S')}")
        if i % 10 == 0:
            lines.append("RRULE:FREQ=WEEKLY;COUNT=8")
        if i % 100 == 50:
            lines += ["END:VEVENT", "BEGIN:VEVENT", f"UID:ev-{i - 50}@bench.example",
                      "DTSTAMP:20261201T000000Z", "SUMMARY:Moved meetup",
                      f"RECURRENCE-ID;TZID=America/Chicago:{(base + dt.timedelta(hours=7 * (i - 50), weeks=1)).strftime('%Y%m%dT%H%M%S')}",
                      f"DTSTART;TZID=America/Chicago:{stamp}"]
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


def _cpu(fn) -> float:
    t = time.process_time()
    fn()
    return time.process_time() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 30000])
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    ctx = Context(url="https://bench.example/feed.ics", tz="America/Chicago",
                  now=dt.datetime(2026, 12, 7, tzinfo=dt.UTC))
    bodies = {n: feed(n) for n in args.sizes}
    widen: dict[int, list[float]] = {n: [] for n in args.sizes}
    base: dict[int, list[float]] = {n: [] for n in args.sizes}
    items: dict[int, int] = {}
    for _ in range(args.rounds):
        for n in args.sizes:
            body = bodies[n]
            base[n].append(_cpu(lambda body=body: icalendar.Calendar.from_ical(body)))
            widen[n].append(_cpu(lambda body=body, n=n: items.__setitem__(n, len(extract(body, ctx)))))
    print(f"{'events':>7} {'MB':>5} {'items':>6} {'widen s':>8} {'s/1k ev (spread)':>22} "
          f"{'icalendar s/1k':>15} {'ratio':>6} {'peak MB':>8}")
    for n in args.sizes:
        tracemalloc.start()
        extract(bodies[n], ctx)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        w, b = statistics.median(widen[n]), statistics.median(base[n])
        spread = f"{min(widen[n]) / n * 1000:.3f}–{max(widen[n]) / n * 1000:.3f}"
        print(f"{n:>7} {len(bodies[n]) / 2**20:>5.1f} {items[n]:>6} {w:>8.2f} "
              f"{w / n * 1000:>7.3f} ({spread:>13}) {b / n * 1000:>15.3f} {w / b:>6.1f} {peak:>8.0f}")


if __name__ == "__main__":
    main()
