"""Times as a person reads them, into ISO 8601: fast path for ISO, dateparser for the rest.

Rules (DESIGN §2): an instant carries its UTC offset whenever a zone is known (from the
data, else the source's configured zone); a time with no zone stays floating; a date alone
is an all-day date.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dateparser

# Windows zone names found in Outlook/Exchange exports -> IANA.
WINDOWS_ZONES = {
    "eastern standard time": "America/New_York",
    "central standard time": "America/Chicago",
    "mountain standard time": "America/Denver",
    "us mountain standard time": "America/Phoenix",
    "pacific standard time": "America/Los_Angeles",
    "alaskan standard time": "America/Anchorage",
    "hawaiian standard time": "Pacific/Honolulu",
    "atlantic standard time": "America/Halifax",
    "gmt standard time": "Europe/London",
    "greenwich standard time": "Atlantic/Reykjavik",
    "w. europe standard time": "Europe/Berlin",
    "central europe standard time": "Europe/Budapest",
    "central european standard time": "Europe/Warsaw",
    "romance standard time": "Europe/Paris",
    "e. europe standard time": "Europe/Chisinau",
    "fle standard time": "Europe/Kiev",
    "gtb standard time": "Europe/Bucharest",
    "tokyo standard time": "Asia/Tokyo",
    "china standard time": "Asia/Shanghai",
    "india standard time": "Asia/Kolkata",
    "aus eastern standard time": "Australia/Sydney",
    "e. australia standard time": "Australia/Brisbane",
    "new zealand standard time": "Pacific/Auckland",
    "utc": "UTC",
}


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
            return v.isoformat(timespec="seconds")
        return v.isoformat()


_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$")


def localize(value: dt.datetime | dt.date, tz: str | None) -> dt.datetime | dt.date:
    """Attach the zone to a floating datetime (DST-correct via zoneinfo); aware ones convert to it."""
    if not isinstance(value, dt.datetime):
        return value
    z = zone(tz)
    if z is None:
        return value
    if value.tzinfo is None:
        return value.replace(tzinfo=z)
    return value.astimezone(z)


def parse(value: object, *, tz: str | None = None, now: dt.datetime | None = None,
          date_order: str | None = None) -> When | None:
    """One point in time from a datetime, date, ISO string or human text; None if unreadable."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return When(localize(value, tz))
    if isinstance(value, dt.date):
        return When(value)
    s = str(value).strip()
    if _ISO.match(s):
        try:
            if len(s) == 10:
                return When(dt.date.fromisoformat(s))
            return When(localize(dt.datetime.fromisoformat(s.replace("Z", "+00:00")), tz))
        except ValueError:
            pass
    parsed = _dateparse(s, (now or dt.datetime.now(dt.UTC)).replace(tzinfo=None, microsecond=0),
                        date_order or "MDY")
    if parsed is None:
        return None
    if not re.search(r"\d{1,2}(:\d{2})?\s*(am|pm|a\.m\.|p\.m\.)|\d{1,2}:\d{2}|noon|midnight", s, re.I):
        return When(parsed.date())
    return When(localize(parsed, tz))


@functools.lru_cache(maxsize=4096)
def _dateparse(s: str, relative_base: dt.datetime, date_order: str) -> dt.datetime | None:
    return dateparser.parse(
        s,
        languages=["en"],
        settings={
            "RELATIVE_BASE": relative_base,
            "DATE_ORDER": date_order,
            "PREFER_DATES_FROM": "future",
            "RETURN_AS_TIMEZONE_AWARE": False,
            "PREFER_DAY_OF_MONTH": "first",
        },
    )
