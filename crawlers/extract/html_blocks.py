"""Listings from pages without structured data that repeat one block per event.

A council's meeting list, a club's "Termine" page or a magazine's tour dates are a run of
sibling blocks of one shape (the same tag and class), each with a title (a heading or its first
link) and a date in words or numbers, often a time. Such a run is taken when at least three
blocks have both and they make most of the run; an article that mentions a date, or a news index
whose posts carry publication dates, is not an event list, so the run must also look like events:
clock times in most blocks, or event words in most titles.

Dates: "4/8/2026", "2026-04-08", "April 8, 2026", "8. April 2026", "8 avril 2026", or a day and
month without a year (the year is the crawl's, or the next one when that date is long past).
Times: "12:00 p.m. - 1:30 p.m.", "19:30", "19 Uhr", "7pm". The start is the wall clock of the
source (normalize gives it the source's zone).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from typing import Any

from crawlers.extract.html_util import absolute, text_of

MONTHS = {
    # en, de, fr, es, nl (first letters suffice for most; full names keep "mar" apart)
    "jan": 1, "january": 1, "januar": 1, "janvier": 1, "enero": 1, "januari": 1, "jän": 1, "jänner": 1,
    "feb": 2, "february": 2, "februar": 2, "février": 2, "fevrier": 2, "febrero": 2, "februari": 2,
    "mar": 3, "march": 3, "märz": 3, "maerz": 3, "mars": 3, "marzo": 3, "maart": 3, "mär": 3,
    "apr": 4, "april": 4, "avril": 4, "abril": 4,
    "may": 5, "mai": 5, "mayo": 5, "mei": 5,
    "jun": 6, "june": 6, "juni": 6, "juin": 6, "junio": 6,
    "jul": 7, "july": 7, "juli": 7, "juillet": 7, "julio": 7,
    "aug": 8, "august": 8, "août": 8, "aout": 8, "agosto": 8, "augustus": 8,
    "sep": 9, "sept": 9, "september": 9, "septembre": 9, "septiembre": 9,
    "oct": 10, "october": 10, "okt": 10, "oktober": 10, "octobre": 10, "octubre": 10,
    "nov": 11, "november": 11, "novembre": 11, "noviembre": 11,
    "dec": 12, "december": 12, "dez": 12, "dezember": 12, "décembre": 12, "decembre": 12, "diciembre": 12,
}
_MONTH = "(" + "|".join(sorted(map(re.escape, MONTHS), key=len, reverse=True)) + r")\.?"
_NUMERIC = re.compile(r"(?<![\d/.])(\d{1,2})[/.](\d{1,2})[/.](\d{4}|\d{2})(?![\d/])")
_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_MONTH_DAY = re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?\b,?(?:\s+(\d{{4}}))?", re.I)
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})(?:\.|er|st|nd|rd|th)?\s+(?:de\s+)?{_MONTH}(?:\s+(?:de\s+)?(\d{{4}}))?\b", re.I)
_CLOCK = re.compile(r"(?<![\d:])(\d{1,2})(?:[:.h](\d{2}))?\s*(a\.?\s?m\.?|p\.?\s?m\.?|uhr|h\b)?", re.I)
EVENT_WORDS = re.compile(
    r"\b(meeting|session|hearing|workshop|event|meetup|conference|webinar|training|class|course|mixer|"
    r"networking|breakfast|lunch|luncheon|dinner|gala|concert|tour|festival|fair|expo|forum|summit|"
    r"seminar|talk|lecture|open house|volunteer|clean-?up|committee|council|board|assembly|"
    r"treffen|sitzung|versammlung|stammtisch|vortrag|konzert|termin|réunion|atelier|conférence|"
    r"reunión|taller|evento|bijeenkomst|vergadering|lezing)\b", re.I)
# A publication date: the marker right before a date ("Posted March 3, 2026", "Veröffentlicht am
# 3. März"), not the word anywhere ("the agenda is posted a week before").
NOT_EVENT = re.compile(r"\b(posted|published|updated|veröffentlicht|publié|publicado|gepubliceerd)\b"
                       rf"(?:\s+(?:on|am|le|el|op))?\s*:?\s*(?:[^\W\d]+,?\s+)?(?:\d|{_MONTH}(?!\w))", re.I)
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
MIN_BLOCKS = 3


def first_date(text: str, today: dt.date) -> dt.date | None:
    """The first date in a text (a day and month without a year take the coming one)."""
    for rx, order in ((_ISO, "ymd"), (_NUMERIC, "mdy"), (_MONTH_DAY, "Mdy"), (_DAY_MONTH, "dMy")):
        m = rx.search(text)
        if not m:
            continue
        g = m.groups()
        try:
            if order == "ymd":
                return dt.date(int(g[0]), int(g[1]), int(g[2]))
            if order == "mdy":
                year = int(g[2]) + (2000 if len(g[2]) == 2 else 0)
                month, day = int(g[0]), int(g[1])
                if month > 12:  # 25/12/2026: day first
                    month, day = day, month
                return dt.date(year, month, day)
            month = MONTHS[(g[0] if order == "Mdy" else g[1]).lower().rstrip(".")]
            day = int(g[1] if order == "Mdy" else g[0])
            year = g[2]
            if year:
                return dt.date(int(year), month, day)
            guess = dt.date(today.year, month, day)
            if guess < today - dt.timedelta(days=60):  # "Dec 3" read in February is next December's
                guess = dt.date(today.year + 1, month, day)
            return guess
        except (ValueError, KeyError):
            continue
    return None


def clock_times(text: str) -> list[dt.time]:
    """Clock times in a text: with am/pm, "Uhr"/"h", or as HH:MM."""
    out = []
    for m in _CLOCK.finditer(text):
        h, mi, suffix = int(m.group(1)), int(m.group(2) or 0), (m.group(3) or "").lower().replace(".", "").replace(" ", "")
        if not suffix and m.group(2) is None:
            continue  # a bare number is a day or a count, not a time
        if suffix.startswith("p") and h < 12:
            h += 12
        elif suffix.startswith("a") and h == 12:
            h = 0
        if h < 24 and mi < 60:
            out.append(dt.time(h, mi))
    return out


def _title_el(block: Any) -> Any:
    for el in block.iter(*HEADINGS):
        if text_of(el):
            return el
    for a in block.iter("a"):
        if len(text_of(a).split()) >= 2:
            return a
    return None


def _read(block: Any, base: str, today: dt.date) -> dict[str, Any] | None:
    title_el = _title_el(block)
    text = text_of(block)
    if title_el is None or not text or NOT_EVENT.search(text):
        return None
    title = text_of(title_el)
    day = first_date(text, today)  # the first date in the block's text, title included
    if day is None:
        return None
    rest = text.replace(title, " ")
    times = clock_times(rest) or clock_times(title)
    link = title_el if title_el.tag == "a" else next(title_el.iter("a"), None)
    raw: dict[str, Any] = {"title": title, "start": day.isoformat(),
                           "url": absolute(link.get("href"), base) if link is not None else None}
    if times:
        raw["start"] = dt.datetime.combine(day, times[0]).isoformat()
        if len(times) > 1 and times[1] > times[0]:
            raw["end"] = dt.datetime.combine(day, times[1]).isoformat()
    return raw


def extract(tree: Any, base: str, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Listings from the largest run of same-shaped sibling blocks that read as events."""
    body = tree.find("body")
    if body is None:
        return []
    today = (now or dt.datetime.now(dt.UTC)).date()
    best: list[dict[str, Any]] = []
    for parent in body.iter():
        if not isinstance(parent.tag, str) or len(parent) < MIN_BLOCKS:
            continue
        groups: dict[tuple[str, str], list[Any]] = defaultdict(list)
        for child in parent:
            if isinstance(child.tag, str) and child.tag not in ("script", "style", "br", "hr"):
                groups[(child.tag, child.get("class") or "")].append(child)
        for blocks in groups.values():
            if len(blocks) < MIN_BLOCKS or len(blocks) <= len(best):
                continue
            read = [r for r in (_read(b, base, today) for b in blocks) if r]
            if len(read) < MIN_BLOCKS or len(read) < 0.8 * len(blocks):
                continue
            timed = sum("T" in r["start"] for r in read)
            eventy = sum(bool(EVENT_WORDS.search(r["title"])) for r in read)
            if max(timed, eventy) < 0.5 * len(read) or len(read) <= len(best):
                continue
            best = read
    return best
