"""Times as a person reads them, into ISO 8601.

Rules (DESIGN §2): an instant carries its UTC offset whenever a zone is known (from the data,
else the source's configured zone); a time with no zone stays floating; a date alone is an
all-day date.

Three layers, cheapest first, because listings repeat the same few shapes thousands of times:

1. ISO 8601 (and its sloppy cousins: no colon in the offset, `Z`) via `datetime.fromisoformat`.
2. A small grammar for the way event pages print times ("December 5 @ 6:00 pm - 8:00 pm",
   "Thursday, January 8th from 5:30-7:30pm", "Fr., 11.03.2022, 11:00 Uhr", "18 sep 10:00 am"),
   which also splits ranges, something dateparser cannot do (it returns None for them).
3. dateparser, always with explicit languages and settings, cached, for everything else.

A year missing from the text is taken from the reference time (the crawl time): the date
falls in the year that puts it after `now - 60 days` (listings show what is coming, and a
page saved a few weeks after an event still means that year). A weekday printed next to
the date must agree with it; if it does not, a neighbouring year that agrees is preferred.
Printed zone abbreviations ("CST", "CEST") are not trusted when the place's zone is known —
pages print "CST" all summer — and only name a zone when nothing else does.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dateparser

from crawlers.zones import ABBREVIATIONS, WINDOWS_ZONES


def zone(name: str | None) -> ZoneInfo | None:
    """An IANA zone from an IANA or Windows name; None when unknown."""
    if not name:
        return None
    name = str(name).strip().strip('"')
    iana = WINDOWS_ZONES.get(name.lower(), name)
    return _zone(iana)


@functools.lru_cache(maxsize=512)
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, IsADirectoryError):
        return None


def zone_name(name: str | None) -> str | None:
    """The IANA key for an IANA or Windows zone name; None when unknown."""
    z = zone(name)
    return z.key if z else None


@dataclass(frozen=True)
class When:
    """A parsed time: `value` is a datetime (aware or floating) or a date (all-day)."""

    value: dt.datetime | dt.date

    @property
    def all_day(self) -> bool:
        return not isinstance(self.value, dt.datetime)

    def iso(self) -> str:
        v = self.value
        if isinstance(v, dt.datetime):
            out = v.isoformat(timespec="seconds")
            off = v.utcoffset()
            if off is not None and off % _MINUTE:
                # Zones before ~1900 have local-mean-time offsets such as -05:50:36: ISO 8601 has minutes only.
                out = _OFFSET_SECONDS.sub(r"\1", out)
            return out
        return v.isoformat()


_MINUTE = dt.timedelta(minutes=1)
_OFFSET_SECONDS = re.compile(r"([+-]\d{2}:\d{2}):\d{2}(\.\d+)?$")
_OFFSET_NO_COLON = re.compile(r"\s*([+-]\d{2})(\d{2})$")


_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})?(Z)?)?$")


def localize(value: dt.datetime | dt.date, tz: str | None) -> dt.datetime | dt.date:
    """Attach the zone to a floating datetime (DST-correct via zoneinfo); aware ones convert to it."""
    if not isinstance(value, dt.datetime):
        return value
    z = zone(tz)
    if z is None:
        return value
    if value.tzinfo is None:
        return value.replace(tzinfo=z)
    try:
        return value.astimezone(z)
    except OverflowError:  # hours from year 1 or 9999: keep the data's own offset
        return value


def _iso_fast(s: str, tz: str | None) -> When | None:
    if _ISO.match(s):
        try:
            if len(s) == 10:
                return When(dt.date.fromisoformat(s))
            s = _OFFSET_NO_COLON.sub(r"\1:\2", s.replace("Z", "+00:00"))
            return When(localize(dt.datetime.fromisoformat(s), tz))
        except ValueError:
            return None
    m = _COMPACT.match(s)
    if m:  # iCalendar / hCalendar basic format: 20081113T190000
        y, mo, d, hh, mm, ss, z = m.groups()
        try:
            if hh is None:
                return When(dt.date(int(y), int(mo), int(d)))
            v = dt.datetime(int(y), int(mo), int(d), int(hh), int(mm), int(ss or 0), tzinfo=dt.UTC if z else None)
        except ValueError:
            return None
        return When(localize(v, tz))
    return None


def parse(value: object, *, tz: str | None = None, now: dt.datetime | None = None,
          date_order: str | None = None, languages: tuple[str, ...] | None = None) -> When | None:
    """One point in time from a datetime, date, ISO string or human text; None if unreadable."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return When(localize(value, tz))
    if isinstance(value, dt.date):
        return When(value)
    s = str(value).strip()
    fast = _iso_fast(s, tz)
    if fast is not None:
        return fast
    start, _end = parse_range(s, tz=tz, now=now, date_order=date_order, languages=languages)
    return start


# ---------------------------------------------------------------------------- the grammar
MONTHS = {
    # English, German, French, Spanish, Dutch, Czech (nominative and genitive) month names.
    **dict.fromkeys(["january", "jan", "januar", "jänner", "janvier", "janv", "enero", "ene", "januari",
                     "leden", "ledna"], 1),
    **dict.fromkeys(["february", "feb", "februar", "feber", "février", "fevrier", "févr", "febrero",
                     "februari", "únor", "unor", "února", "unora"], 2),
    **dict.fromkeys(["march", "mar", "märz", "maerz", "mrz", "mars", "marzo", "maart", "březen",
                     "brezen", "března", "brezna"], 3),
    **dict.fromkeys(["april", "apr", "avril", "avr", "abril", "abr", "duben", "dubna"], 4),
    **dict.fromkeys(["may", "mai", "mayo", "mei", "květen", "kveten", "května", "kvetna"], 5),
    **dict.fromkeys(["june", "jun", "juni", "juin", "junio", "červen", "cerven", "června", "cervna"], 6),
    **dict.fromkeys(["july", "jul", "juli", "juillet", "juil", "julio", "červenec", "cervenec",
                     "července", "cervence"], 7),
    **dict.fromkeys(["august", "aug", "août", "aout", "agosto", "ago", "augustus", "srpen", "srpna"], 8),
    **dict.fromkeys(["september", "sep", "sept", "septembre", "septiembre", "sep", "září", "zari"], 9),
    **dict.fromkeys(["october", "oct", "oktober", "okt", "octobre", "octubre", "říjen", "rijen",
                     "října", "rijna"], 10),
    **dict.fromkeys(["november", "nov", "novembre", "noviembre", "listopad", "listopadu"], 11),
    **dict.fromkeys(["december", "dec", "dezember", "dez", "décembre", "decembre", "déc", "diciembre",
                     "dic", "prosinec", "prosince"], 12),
}
WEEKDAYS = {
    **dict.fromkeys(["monday", "mon", "montag", "mo", "lundi", "lunes", "pondělí", "pondeli", "po"], 0),
    **dict.fromkeys(["tuesday", "tue", "tues", "dienstag", "di", "mardi", "martes", "úterý", "utery",
                     "út", "ut"], 1),
    **dict.fromkeys(["wednesday", "wed", "mittwoch", "mi", "mercredi", "miércoles", "středa", "streda",
                     "st"], 2),
    **dict.fromkeys(["thursday", "thu", "thur", "thurs", "donnerstag", "do", "jeudi", "jueves",
                     "čtvrtek", "ctvrtek", "čt", "ct"], 3),
    **dict.fromkeys(["friday", "fri", "freitag", "fr", "vendredi", "viernes", "pátek", "patek", "pá",
                     "pa"], 4),
    **dict.fromkeys(["saturday", "sat", "samstag", "sa", "sonnabend", "samedi", "sábado", "sabado",
                     "sobota", "so"], 5),
    **dict.fromkeys(["sunday", "sun", "sonntag", "dimanche", "domingo", "neděle", "nedele", "ne"], 6),
}
# Two-letter weekday abbreviations collide with words ("do", "so", "st"); only count them when
# they stand right before a date.
_SHORT_WEEKDAYS = {k for k in WEEKDAYS if len(k) <= 2}
RELATIVE = {"today": 0, "tonight": 0, "heute": 0, "dnes": 0, "tomorrow": 1, "morgen": 1, "zítra": 1,
            "zitra": 1, "yesterday": -1, "gestern": -1}

_MONTH_RE = "|".join(sorted((re.escape(m) for m in MONTHS), key=len, reverse=True))
_WORD = re.compile(r"[^\W\d_]+\.?", re.U)
_TIME = re.compile(
    r"(?<![\d.:])(?P<h>[01]?\d|2[0-3])(?:[:.h](?P<m>[0-5]\d))?(?::(?P<s>[0-5]\d))?\s*"
    r"(?P<ap>a\.?\s?m\.?|p\.?\s?m\.?|am|pm|a|p)?(?![\w])"
    r"|(?P<noon>noon|midday|mittag)|(?P<midnight>midnight|mitternacht)", re.I)
_DMY_NUM = re.compile(r"(?<![\d.:/-])(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})(?![\d])")
_YMD_NUM = re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
_DM_DOT = re.compile(r"(?<![\d.:])(\d{1,2})\.(\d{1,2})\.(?!\d)")
_MONTH_DAY = re.compile(
    rf"(?<![^\W\d_])(?P<mon>{_MONTH_RE})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?!\d|:)(?:,?\s+(?P<year>\d{{4}}))?",
    re.I)
_DAY_MONTH = re.compile(
    rf"(?<!\d)(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\.?\s*(?:of\s+)?(?P<mon>{_MONTH_RE})(?![^\W\d_])\.?"
    rf"(?:,?\s+(?P<year>\d{{4}}))?",
    re.I)
# Range separators: words and dashes first; a plain hyphen only when those found nothing,
# because "August 23, 2017 - 8:00am to August 25, 2017 - 4:30pm" uses both.
_STRONG_SPLIT = re.compile(r"\s+(?:to|bis|until|till|through|thru|až)\s+|\s*[–—]\s*", re.I)
_WEAK_SPLIT = re.compile(r"\s+-\s*|(?<=[\dm.])-(?=\s*\d)|(?<=[a-z])\s*-\s*(?=\d)", re.I)
_CLOCK = re.compile(r"(?<![\d.:])\d{1,2}(?::\d{2})?\s*(?:a\.?m\.?|p\.?m\.?)(?!\w)|(?<![\d.:])\d{1,2}:\d{2}(?![\d:])",
                    re.I)
_ABBR = re.compile(r"(?<![\w])(" + "|".join(sorted(ABBREVIATIONS, key=len, reverse=True)) + r")(?![\w])", re.I)
_NOISE = re.compile(r"\b(uhr|h|hrs|hod\.?|o'clock)\b|[@|•·]|\bfrom\b|\bab\b|\bvon\b|\bat\b|\bum\b|\bod\b|\bv\b",
                    re.I)


@dataclass
class _Part:
    date: dt.date | None = None
    time: dt.time | None = None
    meridiem: str | None = None  # "a"/"p" when printed
    has_year: bool = True
    weekday: int | None = None


def _year_for(month: int, day: int, now: dt.datetime, weekday: int | None) -> dt.date | None:
    """The date a year-less 'month day' means, seen from `now` (module docstring)."""
    floor = now.date() - dt.timedelta(days=60)
    candidates = []
    for y in (now.year - 1, now.year, now.year + 1, now.year + 2):
        try:
            candidates.append(dt.date(y, month, day))
        except ValueError:
            continue
    if not candidates:
        return None
    if weekday is not None:
        matching = [c for c in candidates if c.weekday() == weekday and c >= floor - dt.timedelta(days=305)]
        if matching:
            after = [c for c in matching if c >= floor]
            return after[0] if after else matching[-1]
    after = [c for c in candidates if c >= floor]
    return after[0] if after else candidates[-1]


def _date_in(s: str, now: dt.datetime, order: str) -> tuple[dt.date | None, bool, str]:
    """The first date printed in `s`, whether it had a year, and `s` with the date removed."""
    m = _YMD_NUM.search(s)
    if m:
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3])), True, s[: m.start()] + " " + s[m.end():]
        except ValueError:
            pass
    m = _DMY_NUM.search(s)
    if m:
        a, b, y = int(m[1]), int(m[3]), int(m[4])
        y = y + 2000 if y < 100 else y
        dotted = m[2] == "."
        day, mon = (a, b) if (order == "DMY" or dotted or a > 12) and b <= 12 else (b, a)
        try:
            return dt.date(y, mon, day), True, s[: m.start()] + " " + s[m.end():]
        except ValueError:
            pass
    for rx in (_MONTH_DAY, _DAY_MONTH):
        m = rx.search(s)
        if m:
            mon = MONTHS[m["mon"].lower().rstrip(".")]
            day = int(m["day"])
            rest = s[: m.start()] + " " + s[m.end():]
            if m["year"]:
                try:
                    return dt.date(int(m["year"]), mon, day), True, rest
                except ValueError:
                    return None, False, rest
            return dt.date(now.year, mon, day) if _valid(now.year, mon, day) else None, False, rest
    m = _DM_DOT.search(s)  # "11.03." (German, year-less)
    if m and int(m[2]) <= 12:
        day, mon = int(m[1]), int(m[2])
        if _valid(now.year, mon, day):
            return dt.date(now.year, mon, day), False, s[: m.start()] + " " + s[m.end():]
    return None, False, s


def _valid(y: int, m: int, d: int) -> bool:
    try:
        dt.date(y, m, d)
    except ValueError:
        return False
    return True


def _part(s: str, now: dt.datetime, order: str) -> _Part | None:
    """A date and/or time from one side of a range; None when the side holds neither."""
    p = _Part()
    low = s.lower()
    for word, shift in RELATIVE.items():
        if re.search(rf"(?<![^\W\d_]){word}(?![^\W\d_])", low):
            p.date = (now + dt.timedelta(days=shift)).date()
            low = re.sub(rf"(?<![^\W\d_]){word}(?![^\W\d_])", " ", low)
            break
    if p.date is None:
        p.date, p.has_year, low = _date_in(low, now, order)
    words = [w.rstrip(".") for w in _WORD.findall(low)]
    for w in words:
        if w in WEEKDAYS and (w not in _SHORT_WEEKDAYS or p.date is not None):
            p.weekday = WEEKDAYS[w]
            break
    low = _ABBR.sub(" ", low)
    low = _NOISE.sub(" ", low)
    m = _TIME.search(low)
    if m:
        if m["noon"]:
            p.time = dt.time(12, 0)
        elif m["midnight"]:
            p.time = dt.time(0, 0)
        else:
            ap = (m["ap"] or "").lower().replace(".", "").replace(" ", "")
            if not ap and m["m"] is None:
                # a bare number is a time only as one end of a range ("6-8pm"); decided by caller
                p.time = dt.time(int(m["h"]), 0)
                p.meridiem = "?"
            else:
                p.time = dt.time(int(m["h"]), int(m["m"] or 0), int(m["s"] or 0))
                p.meridiem = ap[:1] or None
    if p.date is None and p.time is None:
        return None
    if p.date is None and p.weekday is not None and p.time is None:
        return None
    return p


def _to_24h(t: dt.time, meridiem: str | None) -> dt.time:
    if meridiem == "p" and t.hour < 12:
        return t.replace(hour=t.hour + 12)
    if meridiem == "a" and t.hour == 12:
        return t.replace(hour=0)
    return t


def _resolve_date(p: _Part, now: dt.datetime) -> dt.date | None:
    if p.date is None:
        return None
    if not p.has_year:
        return _year_for(p.date.month, p.date.day, now, p.weekday)
    return p.date


def _grammar(s: str, now: dt.datetime, order: str) -> tuple[_Part, _Part | None] | None:
    sides = [x for x in _STRONG_SPLIT.split(s) if x and x.strip()]
    if len(sides) == 1:
        sides = [x for x in _WEAK_SPLIT.split(s) if x and x.strip()]
    if len(sides) == 1:  # "18 sep 10:00 am 11:00 am": two clock times, no separator
        clocks = [m for m in _CLOCK.finditer(sides[0])]
        if len(clocks) == 2:
            sides = [sides[0][: clocks[1].start()], sides[0][clocks[1].start():]]
    if not sides or len(sides) > 2:
        return None
    first = _part(sides[0], now, order)
    if first is None:
        return None
    second = _part(sides[1], now, order) if len(sides) == 2 else None
    if len(sides) == 2 and second is None:
        return None
    return first, second


def _abbr_zone(s: str) -> str | None:
    m = _ABBR.search(s)
    if not m or len(m[1]) < 3:
        return None
    return ABBREVIATIONS[m[1].lower()]


def parse_range(text: object, *, tz: str | None = None, now: dt.datetime | None = None,
                date_order: str | None = None, languages: tuple[str, ...] | None = None,
                ) -> tuple[When | None, When | None]:
    """Start and end from one printed string ("December 5 @ 6:00 pm - 8:00 pm", "6-8pm").

    `tz` is the place's zone (applies to every wall-clock time found); without it a printed
    abbreviation names the zone, else times stay floating. `languages` guide the dateparser
    fallback (the page's language, else English).
    """
    if text is None:
        return None, None
    s = re.sub(r"\s+", " ", str(text)).strip()
    if not s:
        return None, None
    fast = _iso_fast(s, tz)
    if fast is not None:
        return fast, None
    ref = (now or dt.datetime.now(dt.UTC))
    ref_naive = ref.astimezone(zone(tz)).replace(tzinfo=None) if (ref.tzinfo and zone(tz)) else ref.replace(
        tzinfo=None)
    zone_used = tz or _abbr_zone(s)
    got = _parse_cached(s, ref_naive.replace(microsecond=0, second=0), date_order or "MDY",
                        tuple(languages or ("en",)))
    if got is None:
        return None, None
    a, b = got
    return (When(localize(a, zone_used)) if a is not None else None,
            When(localize(b, zone_used)) if b is not None else None)


@functools.lru_cache(maxsize=8192)
def _parse_cached(s: str, now: dt.datetime, order: str, languages: tuple[str, ...]
                  ) -> tuple[dt.datetime | dt.date | None, dt.datetime | dt.date | None] | None:
    parts = _grammar(s, now, order)
    if parts is not None:
        out = _combine(parts[0], parts[1], now)
        if out is not None:
            return out
    if not re.search(r"[^\W\d_]", s):
        return None  # digits and dashes the grammar could not read ("3 - 5") are not a date
    v = _dateparse(s, now, order, languages)
    if v is None:
        return None
    if not re.search(r"\d{1,2}(:\d{2})?\s*(am|pm|a\.m\.|p\.m\.)|\d{1,2}[:.]\d{2}|noon|midnight", s, re.I):
        return v.date(), None
    return v, None


def _clock(a: _Part, b: _Part | None) -> tuple[dt.time | None, dt.time | None] | None:
    """24-hour start/end times; "6-8pm" and "5:30-7:30pm" borrow the end's am/pm."""
    am = a.meridiem
    if b is None or b.time is None:
        if am == "?":
            return None, None  # a lone bare number next to a date is not a time
        return (_to_24h(a.time, am) if a.time else None), None
    bm = b.meridiem
    if bm == "?" and am in ("a", "p"):
        bm = am
    if bm == "?":
        return None  # "3 - 5" with no clock anywhere: not a time range
    end = _to_24h(b.time, bm)
    if a.time is None:
        return None, end
    if am in (None, "?") and bm in ("a", "p") and a.time.hour <= 12:
        start = _to_24h(a.time, bm)
        if start > end:
            start = _to_24h(a.time, "a" if bm == "p" else "p")  # "11-1pm" starts in the morning
        return start, end
    if am == "?":
        return None
    return _to_24h(a.time, am), end


def _combine(a: _Part, b: _Part | None, now: dt.datetime
             ) -> tuple[dt.datetime | dt.date | None, dt.datetime | dt.date | None] | None:
    if b is not None and b.date is None and b.meridiem == "?" and a.date is not None and a.time is None:
        # "December 5 - 7": the bare number after a date is the last day
        try:
            b = _Part(date=a.date.replace(day=b.time.hour or 0), has_year=a.has_year)
        except ValueError:
            return None
    clock = _clock(a, b)
    if clock is None:
        return None
    a_time, b_time = clock
    start_date = _resolve_date(a, now)
    if start_date is None and b is not None:
        start_date = _resolve_date(b, now)
    if start_date is None:
        if a_time is None:
            return None
        start_date = now.date()  # a time alone ("7pm", "6-8pm") is on the reference day
    start: dt.datetime | dt.date = dt.datetime.combine(start_date, a_time) if a_time else start_date
    if b is None:
        return start, None
    end_date = start_date
    if b.date is not None:
        end_date = _resolve_date(b, now) or start_date
        if not b.has_year:  # the end follows its start ("Dec 30 - Jan 2")
            end_date = end_date.replace(year=start_date.year) if _valid(
                start_date.year, end_date.month, end_date.day) else end_date
            if end_date < start_date:
                end_date = end_date.replace(year=start_date.year + 1)
    end: dt.datetime | dt.date | None
    if b_time is not None:
        end = dt.datetime.combine(end_date, b_time)
        if isinstance(start, dt.datetime) and end <= start and b.date is None:
            end += dt.timedelta(days=1)  # "9pm - 1am" runs past midnight
    else:
        end = end_date if b.date is not None else None
    if not isinstance(start, dt.datetime) and isinstance(end, dt.datetime):
        start = dt.datetime.combine(start, dt.time())
    return start, end


@functools.lru_cache(maxsize=4096)
def _dateparse(s: str, relative_base: dt.datetime, date_order: str, languages: tuple[str, ...]
               ) -> dt.datetime | None:
    try:
        return dateparser.parse(
            s,
            languages=list(languages),
            settings={
                "RELATIVE_BASE": relative_base,
                "DATE_ORDER": date_order,
                "PREFER_DATES_FROM": "future",
                "RETURN_AS_TIMEZONE_AWARE": False,
                "PREFER_DAY_OF_MONTH": "first",
                "STRICT_PARSING": False,
            },
        )
    except (ValueError, OverflowError):
        return None
