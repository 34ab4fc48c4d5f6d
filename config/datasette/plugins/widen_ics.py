"""`.ics`: any table, filtered table page or query whose columns follow the opportunity record
(`title` and `start`, optionally `id`/`uid`, `end`, `all_day`, `timezone`, `recurrence`, `venue`,
`address`, `city`, `region`, `url`, `description`, `status`, `organizer`, `lat`/`lon`, ...) becomes
an iCalendar feed a calendar client can subscribe to.

Why not datasette-ics: measured (FIELD-NOTES) to omit DTSTAMP, emit TZID without VTIMEZONE, mark
floating times as UTC and make random UIDs, so every refresh of a subscription duplicated events.
Here:
- UID is the record id (or a `uid` column, e.g. one per occurrence), so refreshes update in place.
- DTSTAMP is when the store last saw the listing (RFC 5545 for METHOD-less objects), else now.
- A start with a UTC offset is written in its IANA `timezone` with a VTIMEZONE for every TZID
  used (icalendar generates them from zoneinfo), or in UTC when the zone is unknown; a start
  without an offset stays floating; a bare date is an all-day VALUE=DATE event.
- ALL rows matching the page's filters are written (not one page), streamed row by row.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator, Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from datasette import hookimpl
from datasette.utils import path_with_removed_args, tilde_encode
from datasette.utils.asgi import Response
from icalendar import Calendar, Event, Timezone, vGeo, vRecur

from crawlers.export import http_url, renderer_query, stream_query, streaming_response

REQUIRED = {"title", "start"}
STATUS = {"cancelled": "CANCELLED", "postponed": "TENTATIVE", "scheduled": "CONFIRMED", "past": "CONFIRMED"}
PRODID = "-//widen//widen opportunities//EN"


def _zone(name: Any) -> ZoneInfo | None:
    if not name or not isinstance(name, str):
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def parse_when(value: Any, tzname: Any) -> dt.date | dt.datetime | None:
    """The iCalendar value for a record's start/end string (see the module docstring)."""
    if not value or not isinstance(value, str):
        return None
    s = value.strip().replace("Z", "+00:00")
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
            return dt.date.fromisoformat(s)
        when = dt.datetime.fromisoformat(s)
    except ValueError:
        return None
    if when.tzinfo is None:
        return when  # floating: the same wall-clock time wherever the calendar is
    zone = _zone(tzname)
    return when.astimezone(zone) if zone else when.astimezone(dt.UTC)


def _location(row: Mapping[str, Any]) -> str | None:
    parts = [row.get(k) for k in ("venue", "address", "city", "region", "postal_code", "country")]
    seen: list[str] = []
    for p in parts:
        if p and str(p) not in seen and not any(str(p) in s for s in seen):
            seen.append(str(p))
    if seen:
        return ", ".join(seen)
    if row.get("attendance") == "online" or row.get("online") in (1, True):
        return "Online"
    return None


def _stamp(row: Mapping[str, Any], now: dt.datetime) -> dt.datetime:
    for key in ("last_seen", "first_seen"):
        v = row.get(key)
        if isinstance(v, str):
            try:
                t = dt.datetime.fromisoformat(v.replace("Z", "+00:00"))
            except ValueError:
                continue
            return (t if t.tzinfo else t.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
    return now


def event_for(row: Mapping[str, Any], now: dt.datetime, base_url: str = "") -> Event | None:
    """One VEVENT for a row, or None when the row has no usable start (groups, roles)."""
    start = parse_when(row.get("start") or row.get("next_start"), row.get("timezone"))
    if start is None or not row.get("title"):
        return None
    all_day = not isinstance(start, dt.datetime)
    end = parse_when(row.get("end"), row.get("timezone"))
    if all_day:
        # A bare end date is exclusive in iCalendar: keep one that is after the start (as
        # iCalendar feeds give it), otherwise the event covers its start day.
        end_day = end.date() if isinstance(end, dt.datetime) else end
        end = end_day if end_day and end_day > start else start + dt.timedelta(days=1)
    elif end is not None and (not isinstance(end, dt.datetime) or (end.tzinfo is None) != (start.tzinfo is None)
                              or end <= start):
        end = None  # an end that cannot pair with the start would make the event invalid
    ev = Event()
    uid = row.get("uid") or row.get("id") or f"{row['title']}|{row.get('start')}"
    ev.add("uid", f"{uid}@widen")
    ev.add("dtstamp", _stamp(row, now))
    ev.add("summary", str(row["title"]))
    ev.add("dtstart", start)
    if end is not None:
        ev.add("dtend", end)
    rule = row.get("recurrence")
    if isinstance(rule, str) and rule.upper().startswith("RRULE:") and not row.get("uid"):
        try:
            ev.add("rrule", vRecur.from_ical(rule[len("RRULE:"):]))
        except ValueError:
            pass  # a rule icalendar cannot read is left out rather than breaking the feed
    where = _location(row)
    if where:
        ev.add("location", where)
    if row.get("lat") is not None and row.get("lon") is not None:
        try:
            ev.add("geo", vGeo((float(row["lat"]), float(row["lon"]))))
        except (TypeError, ValueError):
            pass
    link = http_url(row.get("url"))  # the one URL rule: a scraped javascript:/data: URL never leaves
    if link:
        ev.add("url", link)
    text = [str(row["description"]).strip()] if row.get("description") else []
    if row.get("organizer"):
        text.append(f"Organizer: {row['organizer']}")
    if link:
        text.append(link)
    if base_url and row.get("id"):
        text.append(f"In widen: {base_url}")
    if text:
        ev.add("description", "\n\n".join(text))
    status = STATUS.get(str(row.get("status") or "").lower())
    if status:
        ev.add("status", status)
    if row.get("kind"):
        ev.add("categories", [str(row["kind"])])
    return ev


def _timezones(rows: list[Mapping[str, Any]]) -> list[Timezone]:
    """A VTIMEZONE per IANA zone used, covering the feed's dates (plus recurrences' next year)."""
    out = []
    for r in rows:
        zone = _zone(r["timezone"])
        if zone is None:
            continue
        lo = parse_when(r["lo"], None)
        hi = parse_when(r["hi"], None)
        first = (lo.date() if isinstance(lo, dt.datetime) else lo) or dt.date.today()
        last = (hi.date() if isinstance(hi, dt.datetime) else hi) or first
        out.append(Timezone.from_tzinfo(zone, tzid=r["timezone"], first_date=first - dt.timedelta(days=366),
                                        last_date=last + dt.timedelta(days=2 * 366)))
    return out


def _can_render(columns: list[str], rows: list[Any] | None = None) -> bool:
    """Offer `.ics` only where a calendar has something in it: the columns a VEVENT needs, and a
    page with at least one dated row (undated board seats or roles would download an empty file)."""
    if not REQUIRED <= set(columns):
        return False
    if rows is None or not rows:
        return True  # no page to judge by (an empty page keeps its link: the filter may fill later)
    cols = [c for c in ("start", "next_start") if c in columns]
    return any(_get(r, c) for r in rows for c in cols)


def _get(row: Any, column: str) -> Any:
    try:
        return row[column]
    except (KeyError, IndexError, TypeError):
        return None


async def _render(datasette: Any, request: Any, database: str, table: str | None, sql: str | None,
                  query_name: str | None, data: dict[str, Any]) -> Response:
    if request.args.get("_next"):
        # A feed is the whole filter, never "page 2 onwards".
        return Response.redirect(path_with_removed_args(request, {"_next"}))
    full, params = renderer_query(sql, table, data)
    cols = set(await datasette.get_database(database).table_columns(table) if table else data.get("columns") or [])
    zones: list[Mapping[str, Any]] = []
    if {"timezone", "start"} <= cols:
        # First pass: which zones (and date span) the feed uses, so VTIMEZONEs come first.
        hi = 'coalesce("end", start)' if "end" in cols else "start"
        zsql = (f"select timezone, min(start) as lo, max({hi}) as hi from (\n{full}\n) "
                f"where timezone is not null and start is not null group by timezone")
        zones = [dict(r) async for r in stream_query(datasette, database, zsql, params)]
    name = query_name or table or database
    if query_name:
        title = (await datasette.get_canned_query(database, query_name, request.actor) or {}).get("title")
    else:
        title = datasette.metadata("title", database=database, table=table) if table else None
    title = title or name

    async def body() -> AsyncIterator[str]:
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        head = Calendar()
        head.add("prodid", PRODID)
        head.add("version", "2.0")
        head.add("calscale", "GREGORIAN")
        head.add("x-wr-calname", f"widen: {title}")
        for tz in _timezones(zones):
            head.add_component(tz)
        text = head.to_ical().decode("utf-8")
        yield text[: text.rindex("END:VCALENDAR")]
        async for row in stream_query(datasette, database, full, params):
            r = dict(row)
            link = ""
            if table and r.get("id") is not None:
                link = datasette.absolute_url(request, datasette.urls.row(database, table, tilde_encode(str(r["id"]))))
            ev = event_for(r, now, link)
            if ev is not None:
                yield ev.to_ical().decode("utf-8")
        yield "END:VCALENDAR\r\n"

    return streaming_response(
        body(), "text/calendar; charset=utf-8",
        {"content-disposition": f'attachment; filename="{re.sub(r"[^A-Za-z0-9_.-]", "_", name)}.ics"'},
    )


@hookimpl
def register_output_renderer(datasette: Any) -> dict[str, Any]:
    return {"extension": "ics", "render": _render, "can_render": _can_render}
