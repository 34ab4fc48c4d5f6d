"""Plain-text group schedules ("2nd Tuesday of every month at 7:30 am") into RRULEs, and their dates.

Groups rarely publish an iCalendar RRULE; they write a sentence. `parse_schedule` turns the
sentences whose meaning is unambiguous into an RFC 5545 RRULE plus a wall-clock time, and
returns None for everything else: precision over recall, because a wrong schedule sends a
user to an empty room while a missing one only leaves `next_start` empty.

Deliberately refused (None):
- hedges and alternatives: "1st or 2nd Monday", "usually", "varies", "TBD", "check the website";
- "every second Tuesday" / "every third Tuesday" without "of the month": fortnightly in some
  places, the 2nd Tuesday of the month in others;
- "biweekly" / "bimonthly": dictionaries give both "twice a" and "every two";
- a singular weekday without a repetition cue ("Tuesday at 7pm" is one date, not a schedule),
  text holding a calendar date ("Tuesday, March 5"), and several different start times.

"Every other Wednesday" is FREQ=WEEKLY;INTERVAL=2: the rule alone cannot say *which*
Wednesdays, so `next_occurrences` needs an `anchor` (one known occurrence, such as the
listing's start) for any INTERVAL > 1 and returns [] without one.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_WD_WORDS = {
    "MO": r"mondays?|mon",
    "TU": r"tuesdays?|tues?",
    "WE": r"wednesdays?|weds?",
    "TH": r"thursdays?|thurs?|thu",
    "FR": r"fridays?|fri",
    "SA": r"saturdays?|sat",
    "SU": r"sundays?|sun",
}
WD = r"(?:" + "|".join(_WD_WORDS.values()) + r")\b\.?"
_WD_LOOKUP = [(code, re.compile(rf"^(?:{pat})\.?$")) for code, pat in _WD_WORDS.items()]

_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
             "fifth": 5, "5th": 5, "last": -1, "final": -1}
ORD = r"(?:first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last|final)"
_AMBIGUOUS_AFTER_EVERY = {2, 3, 4, 5}  # "every second Tuesday": fortnightly or 2nd of the month?

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|" \
        r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?"

_HEDGES = re.compile(
    r"\b(usually|typically|generally|sometimes|occasionally|varies|varying|various|tbd|tba|tbc|"
    r"check|see (the )?(website|calendar|page)|most|some|biweekly|bi-weekly|bimonthly|bi-monthly|"
    r"semi-?monthly|twice|quarterly|irregular|as needed|on demand|by appointment|alternating)\b")
_ALTERNATIVE = re.compile(rf"\b(?:{ORD}|{WD})\s+or\s+(?:{ORD}|{WD})")
_DATE_LIKE = re.compile(rf"\b{MONTH}\s*\d{{1,2}}\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTH}|"
                        r"\b\d{1,4}[/.]\d{1,2}[/.]\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b")

_MERIDIEM = r"(?P<{g}>[ap])\.?\s?m\b\.?"
_CLOCK = r"(?P<{h}>\d{{1,2}})(?:[:.](?P<{m}>\d{{2}}))?"
_RANGE = re.compile(
    _CLOCK.format(h="h1", m="m1") + r"\s*(?:" + _MERIDIEM.format(g="p1") + r")?\s*(?:-|–|—|to|until|till)\s*"
    + _CLOCK.format(h="h2", m="m2") + r"\s*(?:" + _MERIDIEM.format(g="p2") + r")?", re.I)
_TIME_12 = re.compile(_CLOCK.format(h="h", m="m") + r"\s*" + _MERIDIEM.format(g="p"), re.I)
_TIME_24 = re.compile(r"\b(?P<h>[01]?\d|2[0-3])[:h](?P<m>[0-5]\d)\b")
_NAMED_TIMES = {"noon": dt.time(12), "midday": dt.time(12), "midnight": dt.time(0)}


@dataclass(frozen=True)
class Schedule:
    """A recurring schedule: `rrule` ("RRULE:FREQ=MONTHLY;BYDAY=2TU"), local wall-clock times, source text."""

    rrule: str
    time: dt.time | None
    text: str
    end_time: dt.time | None = None

    @property
    def interval(self) -> int:
        m = re.search(r"INTERVAL=(\d+)", self.rrule)
        return int(m.group(1)) if m else 1

    @property
    def needs_anchor(self) -> bool:
        """True when the rule repeats every n > 1 periods: only a known occurrence says which ones."""
        return self.interval > 1


class _Ambiguous(Exception):
    """Raised inside the parser when the text could mean two different schedules."""


def _clock(h: str, m: str | None, p: str | None) -> dt.time | None:
    hour, minute = int(h), int(m or 0)
    if p:
        if not 1 <= hour <= 12:
            raise _Ambiguous(f"hour {hour} with am/pm")
        hour = hour % 12 + (12 if p.lower() == "p" else 0)
    elif hour > 23 or minute > 59:
        raise _Ambiguous("not a clock time")
    return dt.time(hour, minute)


def _times(s: str) -> tuple[dt.time | None, dt.time | None, str]:
    """Start and end wall-clock time, and the text with the times blanked out.

    A bare "7:00" (no am/pm, hour < 13, no leading zero) leaves the time unknown rather than guess.
    """
    found: list[tuple[dt.time | None, dt.time | None]] = []

    def blank(m: re.Match[str]) -> str:
        return " " * (m.end() - m.start())

    def on_range(m: re.Match[str]) -> str:
        p1, p2 = m.group("p1"), m.group("p2")
        if not (p1 or p2 or m.group("m1") or m.group("m2")):
            return m.group(0)  # "1-3" is not a time range
        if not p2 and not p1:
            start, end = _bare(m.group("h1"), m.group("m1")), _bare(m.group("h2"), m.group("m2"))
        else:
            end = _clock(m.group("h2"), m.group("m2"), p2 or p1)
            start = _clock(m.group("h1"), m.group("m1"), p1) if p1 else _infer_start(m.group("h1"), m.group("m1"),
                                                                                     end)
        found.append((start, end))
        return blank(m)

    s = _RANGE.sub(on_range, s)

    def on_single(m: re.Match[str]) -> str:
        found.append((_clock(m.group("h"), m.group("m"), m.group("p")), None))
        return blank(m)

    s = _TIME_12.sub(on_single, s)

    def on_24(m: re.Match[str]) -> str:
        found.append((_bare(m.group("h"), m.group("m")), None))
        return blank(m)

    s = _TIME_24.sub(on_24, s)
    for word, t in _NAMED_TIMES.items():
        if re.search(rf"\b{word}\b", s):
            found.append((t, None))
            s = re.sub(rf"\b{word}\b", " ", s)
    starts = {f[0] for f in found}
    if len(starts) > 1:
        raise _Ambiguous("several start times")
    if not found:
        return None, None, s
    return found[0][0], found[0][1], s


def _bare(h: str, m: str | None) -> dt.time | None:
    """A time without am/pm: trusted only when it can only be a 24-hour clock (13:00, 07:30)."""
    hour = int(h)
    if hour > 23 or int(m or 0) > 59:
        raise _Ambiguous("not a clock time")
    return dt.time(hour, int(m or 0)) if hour >= 13 or h.startswith("0") or hour == 0 else None


def _infer_start(h: str, m: str | None, end: dt.time | None) -> dt.time | None:
    """"6-8pm" and "11:30-1pm": the start takes the end's meridiem unless that would put it after the end."""
    if end is None:
        return None
    hour = int(h) % 12
    pm = end.hour >= 12
    cand = dt.time(hour + (12 if pm else 0), int(m or 0))
    if cand > end and pm:
        cand = dt.time(hour, int(m or 0))
    return cand


def _weekday(word: str) -> str:
    for code, pat in _WD_LOOKUP:
        if pat.match(word):
            return code
    raise _Ambiguous(f"not a weekday: {word}")


def _month(word: str) -> int:
    return _MONTHS.index(word[:3]) + 1


def _months_clause(s: str) -> tuple[list[int] | None, str]:
    """"except July and August" / "September through May" -> BYMONTH list, and the text without it."""
    exc = re.search(rf"\b(?:except|excluding|not in|no meetings? in|\(?no meetings? in)\s+(?:in\s+)?"
                    rf"((?:{MONTH}(?:\s*(?:,|and|&|/)\s*)?)+)", s)
    if exc:
        names = re.findall(MONTH, exc.group(1))
        skip = {_month(n) for n in names}
        return [m for m in range(1, 13) if m not in skip], s[:exc.start()] + " " + s[exc.end():]
    span = re.search(rf"\b(?:from\s+)?({MONTH})\s*(?:-|–|to|through|thru)\s*({MONTH})", s)
    if span:
        a, b = _month(span.group(1)), _month(span.group(2))
        months = [(a - 1 + i) % 12 + 1 for i in range((b - a) % 12 + 1)]
        return months, s[:span.start()] + " " + s[span.end():]
    return None, s


def _days(s: str) -> str | None:
    """FREQ and BY-parts from the day words of a schedule; None when it names no days."""
    every_other = re.search(r"\b(?:every|each)\s+(?:other|alternate)\b(?!\s+months?\b)|\bfortnightly\b|"
                            r"\bevery\s+(?:2|two)\s+weeks\b|\balternate\s+(?=" + WD + ")", s)
    other_month = re.search(r"\bevery\s+(?:other|2|two|second)\s+months?\b|\balternate\s+months\b", s)
    month_ctx = re.search(r"\bof\s+(?:the|each|every|a|the\s+\w+)\s+month\b|\bmonthly\b|\beach month\b|"
                          r"\bevery month\b|\ba month\b|\bof\s+(?:every|each)\s+(?:other\s+)?months?\b|"
                          r"\bper month\b", s)
    ord_wd = list(re.finditer(rf"(?:\b(every|each)\s+)?\b({ORD}(?:\s*(?:,|and|&|/)\s*{ORD})*)\s+"
                              rf"({WD}(?:\s*(?:,|and|&|/)\s*{WD})*)", s))
    if ord_wd:
        parts = []
        for m in ord_wd:
            ords = [_ORDINALS[o] for o in re.findall(ORD, m.group(2))]
            if m.group(1) and not month_ctx and any(o in _AMBIGUOUS_AFTER_EVERY for o in ords):
                raise _Ambiguous("'every second <day>' without 'of the month'")
            days = [_weekday(w) for w in re.findall(WD, m.group(3))]
            parts += [f"{o}{d}" for o in ords for d in days]
        rest = s
        for m in reversed(ord_wd):
            rest = rest[:m.start()] + " " + rest[m.end():]
        if re.search(rf"\b{WD}", rest) or every_other:
            raise _Ambiguous("ordinal and plain weekdays mixed")
        interval = ";INTERVAL=2" if other_month else ""
        return f"FREQ=MONTHLY{interval};BYDAY={','.join(dict.fromkeys(parts))}"
    monthday = re.search(r"\b(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)\s+(?:day\s+)?of\s+(?:the|each|every)\s+month\b|"
                         r"\bmonthly\s+on\s+the\s+(\d{1,2})(?:st|nd|rd|th)\b|"
                         r"\b(last)\s+day\s+of\s+(?:the|each|every)\s+month\b", s)
    if monthday:
        n = -1 if monthday.group(3) else int(monthday.group(1) or monthday.group(2))
        if not (n == -1 or 1 <= n <= 31):
            raise _Ambiguous("no such day of the month")
        if re.search(rf"\b{WD}", s):
            raise _Ambiguous("day of month and weekday mixed")
        interval = ";INTERVAL=2" if other_month else ""
        return f"FREQ=MONTHLY{interval};BYMONTHDAY={n}"
    if month_ctx or other_month:
        # "monthly on Tuesdays", "every other month": which week is not said.
        raise _Ambiguous("monthly without a day")
    rng = re.search(rf"\b({WD})\s*(?:-|–|through|thru|to)\s*({WD})", s)
    if rng:
        a, b = _DAYS.index(_weekday(rng.group(1))), _DAYS.index(_weekday(rng.group(2)))
        days = [_DAYS[(a + i) % 7] for i in range((b - a) % 7 + 1)]
        return f"FREQ=WEEKLY{';INTERVAL=2' if every_other else ''};BYDAY={','.join(days)}"
    if re.search(r"\b(?:every|each)\s+week\s?days?\b|\bweekdays\b", s):
        return "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
    if re.search(r"\b(?:every|each)\s+weekend\b|\bweekends\b", s):
        return "FREQ=WEEKLY;BYDAY=SA,SU"
    words = re.findall(rf"\b{WD}", s)
    if words:
        plural = any(w.rstrip(".").endswith("days") for w in words)
        cue = re.search(r"\b(?:every|each|weekly|fortnightly|other|alternate)\b", s)
        if not (plural or cue):
            raise _Ambiguous("a single weekday is a date, not a schedule")
        if re.search(r"\bevery\s+(?:second|third|2nd|3rd)\b", s):
            raise _Ambiguous("'every second <day>' without 'of the month'")
        days = list(dict.fromkeys(_weekday(w) for w in words))
        return f"FREQ=WEEKLY{';INTERVAL=2' if every_other else ''};BYDAY={','.join(days)}"
    if every_other:
        raise _Ambiguous("every other ... of what")
    if re.search(r"\b(?:daily|every\s+day|each\s+day)\b", s):
        return "FREQ=DAILY"
    return None


def parse_schedule(text: str) -> Schedule | None:
    """A Schedule when `text` names one recurring schedule unambiguously, else None (see module doc)."""
    if not text or not text.strip():
        return None
    s = " " + re.sub(r"\s+", " ", text.lower().replace("\u2019", "'")) + " "
    s = s.replace("&", " and ").replace("\u2013", "-").replace("\u2014", "-")
    s = re.sub(r"\b12(?:[:.]00)?\s*(noon|midnight)\b", r"\1", s)  # "12:00 noon" is one time, not two
    if _HEDGES.search(s) or _ALTERNATIVE.search(s):
        return None
    try:
        months, s = _months_clause(s)
        if _DATE_LIKE.search(s) or re.search(rf"\b{MONTH}", s):
            return None  # a date, or months the rule would not capture ("every Monday in March")
        start, end, s = _times(s)
        found = _days(s)
    except _Ambiguous:
        return None
    if found is None:
        return None
    rule = found
    if months and len(months) < 12:
        rule += ";BYMONTH=" + ",".join(map(str, sorted(months)))
    return Schedule(rrule="RRULE:" + rule, time=start, text=text.strip(), end_time=end)


def next_occurrences(schedule: Schedule, after: dt.datetime, tz: str | None, horizon_days: int = 90,
                     anchor: dt.datetime | dt.date | None = None) -> list[dt.datetime]:
    """Occurrences strictly after `after` and within `horizon_days`, as datetimes.

    With `tz` they are aware and DST-correct: the rule steps in local wall-clock time and each
    date gets its own offset (7 pm stays 7 pm across a change). Without `tz` they are floating
    (naive). An unknown `time` gives local midnight of each date. INTERVAL > 1 needs `anchor`
    (a known occurrence); without it the result is [] rather than a guess.
    """
    zone = ZoneInfo(tz) if tz else None
    if after.tzinfo is not None and zone is not None:
        local_after = after.astimezone(zone).replace(tzinfo=None)
    else:
        local_after = after.replace(tzinfo=None)
    at = schedule.time or dt.time(0)
    if schedule.needs_anchor:
        if anchor is None:
            return []
        if isinstance(anchor, dt.datetime):
            day = (anchor.astimezone(zone) if zone and anchor.tzinfo else anchor).date()
        else:
            day = anchor
        dtstart = dt.datetime.combine(day, at)
    else:
        dtstart = dt.datetime.combine(local_after.date() - dt.timedelta(days=1), at)
    rule = rrulestr(schedule.rrule, dtstart=dtstart)
    hi = local_after + dt.timedelta(days=horizon_days)
    out = []
    for d in rule.between(dtstart, hi, inc=True):
        if zone is not None:
            # Wall clock -> instant; a time skipped by a spring-forward gap lands just after it.
            d = d.replace(tzinfo=zone).astimezone(dt.UTC).astimezone(zone)
            if d > (after if after.tzinfo else after.replace(tzinfo=zone)):
                out.append(d)
        elif d > local_after:
            out.append(d)
    return out


# -- a rule in words -------------------------------------------------------------------------------
_DAY_NAMES = dict(zip(_DAYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
                      strict=True))
_ORDINAL_WORDS = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 5: "5th", -1: "last", -2: "second to last"}
_EVERY = {"DAILY": ("day", "daily"), "WEEKLY": ("week", "weekly"), "MONTHLY": ("month", "monthly"),
          "YEARLY": ("year", "yearly")}


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def rule_in_words(rule: str | None) -> str | None:
    """An RRULE as a person says it: 'FREQ=MONTHLY;BYDAY=2TU,4TU' -> '2nd and 4th Tuesday, monthly',
    'FREQ=WEEKLY;INTERVAL=2;BYDAY=WE' -> 'every other Wednesday'. Text that is not an RRULE (a
    schedule as the page wrote it) is returned as it is; a rule with parts this cannot say (BYSETPOS,
    hourly) falls back to its own text rather than to words that would be wrong."""
    if not rule:
        return None
    text = rule.strip()
    body = text.split(":", 1)[1] if text.upper().startswith("RRULE:") else text
    if "FREQ=" not in body.upper():
        return text
    parts = dict(p.split("=", 1) for p in body.upper().split(";") if "=" in p)
    freq = parts.get("FREQ", "")
    if freq not in _EVERY or set(parts) - {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "COUNT", "UNTIL", "WKST"}:
        return text
    unit, adverb = _EVERY[freq]
    try:
        interval = int(parts.get("INTERVAL", "1"))
        days = [(int(m.group(1) or 0), m.group(2)) for d in parts.get("BYDAY", "").split(",") if d
                for m in [re.fullmatch(r"([+-]?\d)?(MO|TU|WE|TH|FR|SA|SU)", d)] if m]
        monthdays = [int(x) for x in parts.get("BYMONTHDAY", "").split(",") if x]
    except ValueError:
        return text
    every = adverb if interval == 1 else "every other " + unit if interval == 2 else f"every {interval} {unit}s"
    if days and all(n == 0 for n, _ in days):
        names = _and([_DAY_NAMES[d] for _, d in days])
        if freq == "WEEKLY":
            words = f"every {names}" if interval == 1 else f"every other {names}" if interval == 2 \
                else f"every {interval} weeks on {names}"
        else:
            words = f"every {names}, {every}"
    elif days and all(n in _ORDINAL_WORDS for n, _ in days) and len({d for _, d in days}) == 1:
        words = f"{_and([_ORDINAL_WORDS[n] for n, _ in days])} {_DAY_NAMES[days[0][1]]}, {every}"
    elif days:
        words = f"{_and([f'{_ORDINAL_WORDS.get(n, n)} {_DAY_NAMES[d]}' for n, d in days])}, {every}"
    elif monthdays:
        words = f"{every} on the {_and([_ORDINAL_WORDS.get(n, f'{n}th') if n < 0 else _nth(n) for n in monthdays])}"
    else:
        words = every
    if parts.get("COUNT"):
        words += f", {parts['COUNT']} times"
    if parts.get("UNTIL"):
        m = re.match(r"(\d{4})(\d{2})(\d{2})", parts["UNTIL"])
        if m:
            words += ", until " + dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))).strftime("%-d %b %Y")
    return words


def _nth(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"
