"""What the fields of an unknown JSON object mean: its title, start, end, link, by name and value.

APIs nobody wrote a mapper for spell the same idea many ways: `title`, `Name`, `MeetingName`,
`MM_MeetingTitle`, `displayName`; `startDate`, `StartDate`, `start_at`, `MeetingDateTime`,
`numberdate`, `{"date": …, "time": …}`, `/Date(1709071200000)/`. A key is compared in its folded
form (lower case, letters and digits only), first against exact spellings, then by what it ends
with or contains, and a value must look the part (a date parses, a title is short text), so a
`created` timestamp or a `LanguageName` is never taken for the event's.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from crawlers.extract.apis._common import epoch, text

TITLE_EXACT = ("title", "name", "summary", "subject", "headline", "displayname", "label", "cleanname",
               "eventname", "eventtitle", "meetingname", "meetingtitle", "eventbodyname", "bodyname")
# A key ending in "name"/"title" that names something other than the listing itself.
NOT_TITLE = re.compile(r"user|first|last|middle|full|file|venue|location|place|city|state|country|region|"
                       r"organi[sz]er|host|owner|type|status|category|language|class|screen|site|domain|"
                       r"template|author|contact|login|nick|image|photo|group|artist|street|room|building",
                       re.I)
START_EXACT = ("startdate", "start", "starttime", "startsat", "startat", "startdatetime", "startson", "begins",
               "beginson", "begin", "dtstart", "date", "eventdate", "localdate", "datetime", "meetingdate",
               "meetingdatetime", "when", "eventdatetime", "numberdate", "startdatelocal", "datestart")
END_EXACT = ("enddate", "end", "endtime", "endsat", "endat", "enddatetime", "endson", "ends", "dtend",
             "dateend", "enddatelocal")
# Timestamps of the record (edits, accounts, documents) or bounds of a whole list, never of the event.
NOT_WHEN = re.compile(r"creat|updat|modif|publish|delet|edit|rowversion|expir|birth|release|login|signup|"
                      r"joined|lastseen|registered|since|^min|^max|deadline|timestamp|timezone|zone|offset|"
                      r"duration|cuepoint|year$|month$|^day$", re.I)
URL_EXACT = ("url", "link", "permalink", "eventurl", "htmlurl", "htmllink", "browserurl", "weburl", "uri",
             "website", "eventpath", "insiteurl", "eventinsiteurl", "detailurl", "pageurl", "absoluteurl")
NOT_PAGE = re.compile(r"image|photo|logo|thumb|ical|ics|api|rest|feed|avatar|icon|banner|map|ticket|video|"
                      r"stream|embed|share|file|agenda|minutes|document|pdf|follow|gist|repos|subscri|org",
                      re.I)

_ISO = re.compile(r"\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?(\.\d+)?"
                  r"(Z|[+-]\d{2}:?\d{2})?)?\s*$")
_COMPACT = re.compile(r"\s*((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\s*$")
_EPOCH = re.compile(r"\s*-?\d{9,13}\s*$|/Date\(-?\d+[^)]*\)/")
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_WORDS = re.compile(rf"\b{_MONTH}\s+\d{{1,2}}(st|nd|rd|th)?,?\s+\d{{4}}\b|\b\d{{1,2}}\.?\s+{_MONTH},?\s+\d{{4}}\b", re.I)
_CLOCK = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?(?::\d{2})?\s*([ap])?\.?\s*m?\.?\s*$", re.I)
_TIME_IN_TEXT = re.compile(r"(?<![\d:])(\d{1,2})(?::(\d{2}))?\s*([ap])\.?\s?m\.?(?![a-z])", re.I)


def fold(key: str) -> str:
    """`MM_MeetingTitle` -> `mmmeetingtitle`: the form keys are compared in."""
    return re.sub(r"[^a-z0-9]", "", key.lower())


def _folded(o: dict[str, Any]) -> list[tuple[str, str]]:
    return [(fold(k), k) for k in o if isinstance(k, str)]


def title_key(o: dict[str, Any]) -> str | None:
    """The key holding the listing's title: exact spellings first, then `…title`, then `…name`."""
    keys = _folded(o)
    ok = {k for f, k in keys if _title_like(o[k])}
    by_fold = {f: k for f, k in keys if k in ok}
    for f in TITLE_EXACT:
        if f in by_fold:
            return by_fold[f]
    for suffix in ("title", "name", "subject", "headline"):
        for f, k in keys:
            if k in ok and f.endswith(suffix) and not NOT_TITLE.search(f[: -len(suffix)] or "-"):
                return k
    return None


def _title_like(v: Any) -> bool:
    s = text(v) if isinstance(v, (str, dict)) else None
    return bool(s) and 2 <= len(s) <= 300 and not s.startswith(("http://", "https://", "/")) and not s.isdigit()


def when_value(v: Any) -> Any:
    """A date value as normalize reads it (ISO text, an aware datetime for epochs, words kept as
    text), or None when it does not look like a date at all."""
    if isinstance(v, dict):
        date = next((v[k] for k in v if fold(k) in ("date", "localdate", "day")), None)
        full = next((v[k] for k in v if fold(k) in ("datetime", "utc", "local", "iso", "value")), None)
        if full is not None and when_value(full) is not None:
            return when_value(full)
        clock = next((v[k] for k in v if fold(k) in ("time", "localtime")), None)
        return with_time(when_value(date), clock) if date is not None else None
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (int, float)):
        return epoch(v) if 3e8 < abs(v) < 5e9 or 3e11 < abs(v) < 5e12 else None
    if not isinstance(v, str):
        return None
    if _EPOCH.match(v):
        return epoch(v.strip())
    m = _ISO.match(v)
    if m:
        y, mo, d, h, mi, s, frac, off = m.groups()
        try:
            dt.date(int(y), int(mo), int(d))
        except ValueError:
            return None
        day = f"{y}-{int(mo):02d}-{int(d):02d}"
        if h is None:
            return day
        return f"{day}T{int(h):02d}:{mi}:{s or '00'}{frac or ''}{off or ''}"
    m = _COMPACT.match(v)
    if m:
        return f"{m.group(1)}-{m.group(2)}-{m.group(3)}"
    return v.strip() if _WORDS.search(v) and len(v) <= 80 else None


def with_time(day: Any, clock: Any) -> Any:
    """A date-only value joined with a separate time field ("05:30 PM", "19:00:00")."""
    if not isinstance(day, str) or len(day) != 10 or not isinstance(clock, str):
        return day
    m = _CLOCK.match(clock)
    if not m:
        return day
    h, mi = int(m.group(1)), int(m.group(2) or 0)
    ampm = (m.group(3) or "").lower()
    if ampm == "p" and h < 12:
        h += 12
    elif ampm == "a" and h == 12:
        h = 0
    return f"{day}T{h:02d}:{mi:02d}:00" if h < 24 and mi < 60 else day


def time_in_text(day: Any, words: str | None) -> Any:
    """A date-only value with the clock time a title states ("Board Meeting @ 6:30 p.m.")."""
    if not isinstance(day, str) or len(day) != 10 or not words:
        return day
    m = _TIME_IN_TEXT.search(words)
    return with_time(day, f"{m.group(1)}:{m.group(2) or '00'} {m.group(3)}m") if m else day


def range_end(start: Any, words: str | None) -> Any:
    """The end a title states as a clock range after the start's time ("@ 9:30 a.m. - 12:00 p.m.")."""
    if not isinstance(start, str) or len(start) < 16 or not words:
        return None
    times = list(_TIME_IN_TEXT.finditer(words))
    if len(times) < 2 or not re.fullmatch(r"\s*(-|–|—|to|until)\s*", words[times[0].end():times[1].start()]):
        return None
    m = times[1]
    end = with_time(start[:10], f"{m.group(1)}:{m.group(2) or '00'} {m.group(3)}m")
    return end if len(end) > 10 and end > start[:19] else None


def _when_keys(o: dict[str, Any], exact: tuple[str, ...], word: str) -> list[tuple[int, str, Any]]:
    out = []
    for f, k in _folded(o):
        if NOT_WHEN.search(f):
            continue
        rank = 0 if f in exact else 1 if word in f else 2 if f.endswith(("date", "datetime")) else None
        if rank is None or (word == "start" and "end" in f.replace("weekend", "")):
            continue
        v = when_value(o[k])
        if v is not None:
            timed = not (isinstance(v, str) and (len(v) == 10 or not v[:4].isdigit()))
            words = isinstance(v, str) and not v[:4].isdigit()
            out.append((rank + (0 if timed else 3) + (3 if words else 0), k, v))
    return sorted(out, key=lambda x: x[0])


def start_of(o: dict[str, Any]) -> Any:
    """The listing's start: the best-named date field, with a separate time field (or a time the
    title states) joined to a date that has none."""
    found = _when_keys(o, START_EXACT, "start")
    if not found:
        return None
    v = found[0][2]
    # A date alone, or a midnight that .NET APIs write for "no time": a separate time field, else
    # a clock time the title states, gives the hour.
    if isinstance(v, str) and (len(v) == 10 or v.endswith("T00:00:00")):
        clock = next((o[k] for f, k in _folded(o) if f.endswith("time") and not NOT_WHEN.search(f)
                      and "end" not in f and isinstance(o[k], str) and _CLOCK.match(o[k])), None)
        tk = title_key(o)
        timed = time_in_text(with_time(v[:10], clock), text(o[tk]) if tk else None)
        v = timed if len(timed) > 10 else v
    return v


def end_of(o: dict[str, Any]) -> Any:
    found = [x for x in _when_keys(o, END_EXACT, "end") if "end" in fold(x[1])]
    return found[0][2] if found else None


def url_of(o: dict[str, Any]) -> str | None:
    """The listing's own page: a known link key whose value is an absolute http(s) URL that is
    not a picture, a feed, a document or an API call."""
    keys = _folded(o)
    ranked = [k for f in URL_EXACT for g, k in keys if g == f]
    ranked += [k for f, k in keys if f.endswith(("url", "link", "uri", "permalink")) and k not in ranked]
    for k in ranked:
        v = o.get(k)
        if isinstance(v, str) and v.startswith(("http://", "https://")) and not NOT_PAGE.search(fold(k).replace("url", "")):
            return v
    return None
