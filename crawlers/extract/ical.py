"""iCalendar feeds: one listing per event series, occurrences expanded within a window.

Real exports break the RFC in ways a calendar app shrugs off, so the text is repaired line
by line before icalendar sees it (`repair`), and each VEVENT is read on its own: one broken
event costs that event's broken field, never the whole feed.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import re
from typing import TYPE_CHECKING, Any

import icalendar
import recurring_ical_events
from dateutil.rrule import rrulestr

if TYPE_CHECKING:
    from crawlers.extract import Context

log = logging.getLogger(__name__)

MAX_OCCURRENCES = 1000  # per series and window: more is a sub-daily rule, not a calendar a person reads

# PRODID fragment -> platform name recorded on the listing.
PRODID_PLATFORMS = (
    ("meetup", "meetup"),
    ("the events calendar", "tribe"),
    ("tribe", "tribe"),
    ("ecpv", "tribe"),
    ("google", "google_calendar"),
    ("civicplus", "civicplus"),
    ("localist", "localist"),
    ("tockify", "tockify"),
    ("growthzone", "growthzone"),
    ("micronet", "growthzone"),
    ("chambermaster", "growthzone"),
    ("libcal", "libcal"),
    ("springshare", "libcal"),
    ("modern events calendar", "mec"),
    ("webnus", "mec"),
    ("luma", "luma"),
    ("microsoft", "outlook"),
)

# A content line starts with an upper-case property name; anything else after a line break
# is a continuation whose folding lost its leading space.
_CONTENT_LINE = re.compile(r"^(?:[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*|[Xx]-[A-Za-z0-9-]+)(?:;[^:\r\n]*)?:")
_MOJIBAKE = re.compile("[ÃÂâ][\u0080-\u00bf\u2018-\u203a\u20ac\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc]")
_TAG = re.compile(r"<[^>]*>")
# Control characters: a stray one is a copy-paste accident, many are bytes that were never text
# (a download that went wrong, a binary file behind a feed URL). Decoding holes (U+FFFD) are not
# counted: lossy UTF-8 still carries readable text that a person would want kept.
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def platform_from_prodid(prodid: str | None) -> str | None:
    """The calendar software named by a PRODID line (recorded as the listing's platform)."""
    p = (prodid or "").lower()
    for frag, name in PRODID_PLATFORMS:
        if frag in p:
            return name
    return None


def _decode_line(raw: bytes) -> str:
    """One line as text: UTF-8, else UTF-8 with holes (mostly-UTF-8 text that lost bytes), else cp1252."""
    try:
        s = raw.decode("utf-8")
    except UnicodeDecodeError:
        lenient = raw.decode("utf-8", errors="replace")
        high = sum(b >= 0x80 for b in raw)
        if lenient.count("\ufffd") * 3 > high:  # mostly not UTF-8 at all: a legacy single-byte charset
            return raw.decode("cp1252", errors="replace")
        return lenient
    if _MOJIBAKE.search(s):  # UTF-8 that was decoded as cp1252 and encoded again
        try:
            return s.encode("cp1252").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return s
    return s


def repair(body: bytes, problems: list[str] | None = None) -> str:
    """Text icalendar can read from what real exporters write.

    Handles: truncated downloads (open components closed), mixed or invalid encodings (per
    line), blank lines between components, folding
    with TAB or with no leading whitespace at all, two TZIDs inside one VTIMEZONE (split into
    two components), HTML inside UIDs, and TZID parameters on VALUE=DATE properties (a date
    has no zone; icalendar would otherwise turn it into midnight somewhere).

    Damage that loses data (a download cut short, lines of binary garbage) is noted in
    `problems`; quirks that lose nothing (odd folding, encodings) are not.
    """
    body = body.lstrip(b"\xef\xbb\xbf")
    lines: list[str] = []
    garbage = 0
    for raw in re.split(rb"\r\n|\r|\n", body):
        line = _decode_line(raw)
        if _is_garbage(line):
            garbage += 1
            continue
        if not line.strip():
            continue
        if line[0] in " \t":
            if lines:
                lines[-1] += line[1:]
            continue
        if not _CONTENT_LINE.match(line) and lines:
            lines[-1] += line
            continue
        lines.append(line)
    out: list[str] = []
    in_tz, tz_seen, depth = False, False, 0
    for line in lines:
        upper = line.upper()
        if upper.startswith("BEGIN:VTIMEZONE"):
            in_tz, tz_seen, depth = True, False, 0
        elif in_tz and upper.startswith("BEGIN:"):
            depth += 1
        elif in_tz and upper.startswith("END:VTIMEZONE"):
            in_tz = False
        elif in_tz and upper.startswith("END:"):
            depth -= 1
        elif in_tz and depth == 0 and upper.startswith("TZID"):
            if tz_seen:
                out += ["END:VTIMEZONE", "BEGIN:VTIMEZONE"]
            tz_seen = True
        elif upper.startswith("UID") and "<" in line:
            name, _, value = line.partition(":")
            line = f"{name}:{html.unescape(_TAG.sub('', value)).strip()}"
        elif upper.startswith(("RRULE", "EXRULE")) and ":" in line:
            name, _, value = line.partition(":")
            line = f"{name}:{_tidy_rule(value)}"
        if "VALUE=DATE" in upper and "VALUE=DATE-TIME" not in upper and ";TZID=" in upper:
            name, _, value = line.partition(":")
            name = re.sub(r";TZID=(\"[^\"]*\"|[^;:]*)", "", name, flags=re.I)
            line = f"{name}:{value}"
        out.append(line)
    closing = _unclosed(out)
    if problems is not None:
        if garbage:
            problems.append(f"{garbage} line(s) of binary garbage skipped")
        if closing:
            name = re.match(r"END:([A-Z0-9-]*)", closing[0])
            problems.append(f"the feed ends inside a {name.group(1) if name else 'component'}: "
                            "a truncated download; its readable events kept")
    out += closing
    return "\r\n".join(out) + "\r\n"


def _tidy_rule(value: str) -> str:
    """An RRULE as Exchange and older producers mistype it, made readable: spaces, a trailing comma
    or semicolon, lower case, weekdays split by ';' ("BYDAY=MO;TU;WE"). Without this icalendar
    rejects the rule and the series has no occurrences at all."""
    parts: list[str] = []
    for part in re.sub(r"\s+", "", value).upper().split(";"):
        part = part.strip(",")
        if not part:
            continue
        if "=" not in part and parts and parts[-1].startswith("BYDAY="):
            parts[-1] += "," + part  # a weekday that lost its comma
        else:
            parts.append(part)
    return ";".join(re.sub(r",{2,}", ",", p) for p in parts)


def _is_garbage(line: str) -> bool:
    """A line that is not text: at least 3 control characters, making 3% of the line or more
    (random bytes hold about 11%)."""
    bad = len(_NOT_TEXT.findall(line))
    return bad >= 3 and bad * 33 >= len(line)


def _unclosed(lines: list[str]) -> list[str]:
    """END lines for components a truncated download left open (innermost first)."""
    stack: list[str] = []
    for line in lines:
        upper = line.upper()
        if upper.startswith("BEGIN:"):
            stack.append(upper[6:].strip())
        elif upper.startswith("END:") and stack and stack[-1] == upper[4:].strip():
            stack.pop()
    return [f"END:{name}" for name in reversed(stack)]


def _value(prop: Any) -> Any:
    """A property's Python value; None when the exporter wrote something unreadable there."""
    if prop is None:
        return None
    try:
        v = getattr(prop, "dt", prop)
    except Exception:  # icalendar raises its own BrokenCalendarProperty (a ValueError subclass or not)
        return None
    params = getattr(prop, "params", None) or {}
    if isinstance(v, dt.datetime) and str(params.get("VALUE", "")).upper() == "DATE":
        return v.date()
    return v


def _is_date_valued(prop: Any) -> bool:
    """VALUE=DATE says all-day even when the value itself is unreadable."""
    params = getattr(prop, "params", None) or {}
    return str(params.get("VALUE", "")).upper() == "DATE"


def _tzid(prop: Any) -> str | None:
    if prop is None:
        return None
    params = getattr(prop, "params", {}) or {}
    tzid = params.get("TZID")
    if tzid:
        return str(tzid)
    d = _value(prop)
    if isinstance(d, dt.datetime) and d.tzinfo is not None:
        return getattr(d.tzinfo, "key", None) or getattr(d.tzinfo, "zone", None) or (
            "UTC" if d.utcoffset() == dt.timedelta(0) else None)
    return None


def _iso(d: Any) -> Any:
    return d.isoformat() if isinstance(d, dt.date) else d


def _str(v: Any) -> str | None:
    """A text property as a person reads it; escapes the RFC does not define (`\\"`) lose the backslash."""
    if v is None:
        return None
    if isinstance(v, list):
        v = v[0] if v else None
    s = re.sub(r"\\([\"'()\[\]])", r"\1", str(v or "")).strip()
    return s or None


def _listing(ev: Any, platform: str | None) -> dict[str, Any]:
    start_prop = ev.get("DTSTART")
    start = _value(start_prop)
    end = _value(ev.get("DTEND"))
    if end is None and start is not None:
        dur = _value(ev.get("DURATION"))
        if isinstance(dur, dt.timedelta):
            end = start + dur
    rrule = ev.get("RRULE")
    if isinstance(rrule, list):
        rrule = rrule[0] if rrule else None
    out: dict[str, Any] = {
        "title": _str(ev.get("SUMMARY")),
        "description": _str(ev.get("DESCRIPTION")),
        "location_text": _str(ev.get("LOCATION")),
        "url": _str(ev.get("URL")),
        "native_id": _str(ev.get("UID")),
        "start": start,
        "end": end,
        "all_day": (isinstance(start, dt.date) and not isinstance(start, dt.datetime)) or _is_date_valued(start_prop),
        "timezone": _tzid(start_prop),
        "recurrence": ("RRULE:" + rrule.to_ical().decode()) if rrule else None,
        "event_status": _str(ev.get("STATUS")),
        "organizer": _organizer(ev.get("ORGANIZER")),
    }
    geo = ev.get("GEO")
    if geo is not None:
        try:
            out["lat"], out["lon"] = geo.latitude, geo.longitude
        except AttributeError:
            pass
    if platform:
        out["platform"] = platform
    return {k: v for k, v in out.items() if v not in (None, "")}


def _organizer(prop: Any) -> str | None:
    if prop is None:
        return None
    if isinstance(prop, list):
        prop = prop[0] if prop else None
    cn = (getattr(prop, "params", {}) or {}).get("CN")
    if cn:
        return str(cn).strip('"')
    return re.sub(r"^mailto:", "", str(prop), flags=re.I) or None


def _is_sub_daily(ev: Any) -> bool:
    rule = ev.get("RRULE")
    rule = rule[0] if isinstance(rule, list) and rule else rule
    freq = (rule.get("FREQ") or [""])[0] if rule is not None and hasattr(rule, "get") else ""
    return str(freq).upper() in ("SECONDLY", "MINUTELY", "HOURLY")


def _out_of_sync(ev: Any) -> Any:
    """DTSTART when it is not an occurrence of the event's own RRULE, else None.

    RFC 5545 leaves such a recurrence set undefined; producers write it when DTSTART is the day
    the series was entered (a Thursday for a "2nd and 4th Tuesday" group). A person reads the
    rule, so that DTSTART is left out of the occurrences (recurring-ical-events keeps it).
    """
    rule, start = ev.get("RRULE"), _value(ev.get("DTSTART"))
    if isinstance(rule, list):
        rule = rule[0] if len(rule) == 1 else None
    if rule is None or not isinstance(start, dt.datetime) or ev.get("RECURRENCE-ID") is not None:
        return None
    try:
        first = rrulestr(rule.to_ical().decode(), dtstart=start)[0]
    except Exception:  # an unreadable or unbounded-in-the-past rule: keep the feed's own meaning
        return None
    return start if first != start else None


def _add(by_uid: dict[str, list[tuple[Any, Any]]], occ: Any, skip: dict[str, Any] | None = None) -> bool:
    """Record one occurrence under its series; False once the series has MAX_OCCURRENCES."""
    uid = str(occ.get("UID") or "")
    if skip and uid in skip and _value(occ.get("DTSTART")) == skip[uid]:
        return True  # the out-of-sync DTSTART of a rule (see _out_of_sync)
    got = by_uid.setdefault(uid, [])
    if len(got) >= MAX_OCCURRENCES:
        return False
    got.append((_iso(_value(occ.get("DTSTART"))), _iso(_value(occ.get("DTEND")))))
    return True


def _before(v: Any, bound: Any) -> bool:
    """v < bound across dates, floating and aware datetimes (floating = wall clock)."""
    if v is None:
        return True
    if not isinstance(v, dt.datetime):
        v = dt.datetime.combine(v, dt.time())
    if not isinstance(bound, dt.datetime):
        bound = dt.datetime.combine(bound, dt.time())
    if (v.tzinfo is None) != (bound.tzinfo is None):
        v, bound = v.replace(tzinfo=None), (bound.astimezone(v.tzinfo).replace(tzinfo=None) if v.tzinfo
                                            else bound.replace(tzinfo=None))
    return v < bound


_BLOCK = re.compile(r"^BEGIN:(VEVENT|VTIMEZONE)\r?$.*?^END:\1\r?$", re.M | re.S | re.I)


def _event_by_event(text: str) -> Any:
    """A calendar of every VEVENT that parses on its own (with the feed's readable VTIMEZONEs)."""
    zones, events = [], []
    for m in _BLOCK.finditer(text):
        (zones if m.group(1).upper() == "VTIMEZONE" else events).append(m.group(0))
    good_zones = []
    for z in zones:
        try:
            icalendar.Calendar.from_ical(f"BEGIN:VCALENDAR\r\n{z}\r\nEND:VCALENDAR\r\n")
            good_zones.append(z)
        except Exception:  # a zone nobody can read: events fall back to their TZID names
            continue
    cal = icalendar.Calendar()
    for ev in events:
        try:
            part = icalendar.Calendar.from_ical("\r\n".join(["BEGIN:VCALENDAR", *good_zones, ev, "END:VCALENDAR", ""]))
        except Exception:
            continue
        for comp in part.walk("VEVENT"):
            cal.add_component(comp)
    return cal if cal.subcomponents else None


def _expandable(ev: Any) -> bool:
    """recurring-ical-events stops at the first unreadable DTSTART; keep such events out of it."""
    return _value(ev.get("DTSTART")) is not None


def _drop_endless_rules(ev: Any) -> None:
    """Remove RRULEs with INTERVAL below 1: dateutil never finds their next occurrence and spins
    forever, so one such event would hang the whole crawl. The event stays, as a one-off."""
    rules = ev.get("RRULE")
    for rule in rules if isinstance(rules, list) else [rules]:
        try:
            interval = int((rule.get("INTERVAL") or [1])[0]) if hasattr(rule, "get") else 1
        except (TypeError, ValueError):
            interval = 0
        if interval < 1:
            log.warning("ignoring a recurrence with INTERVAL=%s in event %s", interval, ev.get("UID"))
            del ev["RRULE"]
            return


def _detach(cal: Any, ids: set[int]) -> None:
    """Take the components whose id() is in ids out of the calendar, in one pass.

    By identity, not equality: icalendar compares components property by property, so a
    membership test per event made a 30k-event feed quadratic (minutes instead of seconds).
    """
    if not ids:
        return
    for comp in cal.walk():
        if any(id(sub) in ids for sub in comp.subcomponents):
            comp.subcomponents[:] = [sub for sub in comp.subcomponents if id(sub) not in ids]


def extract(body: bytes, ctx: Context) -> list[dict[str, Any]]:
    """Every event series in a feed, each with its occurrences inside the context's window."""
    text = repair(body, ctx.problems)
    try:
        cal = icalendar.Calendar.from_ical(text)
    except Exception as exc:  # icalendar raises ValueError, but also AttributeError/KeyError on odd nesting
        log.warning("unreadable iCalendar at %s (%s); reading its events one by one", ctx.url or "<input>", exc)
        cal = _event_by_event(text)
        total = len(re.findall(r"^BEGIN:VEVENT", text, re.M | re.I))
        read = len(cal.subcomponents) if cal is not None else 0
        ctx.problems.append(f"unreadable as a whole ({exc}); {read} of {total} events read one by one"[:300])
        if cal is None:
            return []
    if isinstance(cal, list):
        cal = cal[0]
    platform = platform_from_prodid(_str(cal.get("PRODID")))
    events = list(cal.walk("VEVENT"))
    for ev in events:
        if ev.get("RRULE") is not None:
            _drop_endless_rules(ev)
    broken = {id(ev) for ev in events if not _expandable(ev)}
    sub_daily = [ev for ev in cal.subcomponents if id(ev) not in broken and ev.name == "VEVENT" and _is_sub_daily(ev)]
    _detach(cal, broken | {id(ev) for ev in sub_daily})
    lo, hi = ctx.occurrence_window()  # naive bounds: wall-clock time in each event's own zone
    by_uid: dict[str, list[tuple[Any, Any]]] = {}
    skip = {str(ev.get("UID") or ""): s for ev in events if ev.get("RRULE") is not None
            for s in [_out_of_sync(ev)] if s is not None}
    try:
        for occ in recurring_ical_events.of(cal).between(lo, hi):
            _add(by_uid, occ, skip)
    except Exception as exc:  # a broken RRULE must not cost the feed's other events
        log.warning("could not expand recurrences at %s: %s", ctx.url or "<input>", exc)
        ctx.problems.append(f"could not expand recurrences: {exc}"[:300])
    for ev in sub_daily:
        # A minutely/hourly rule would make one occurrence per minute of the window: expand
        # it lazily, in start order, up to MAX_OCCURRENCES.
        single = icalendar.Calendar()
        single.add_component(ev)
        try:
            for occ in recurring_ical_events.of(single).after(lo):
                if not _before(_value(occ.get("DTSTART")), hi) or not _add(by_uid, occ, skip):
                    break
        except Exception as exc:
            log.warning("could not expand a sub-daily series at %s: %s", ctx.url or "<input>", exc)
    out, unreadable = [], 0
    for ev in events:
        if ev.get("RECURRENCE-ID") is not None:
            continue  # an override of a series occurrence, counted with its series
        try:
            item = _listing(ev, platform)
        except Exception as exc:  # one unreadable event, not the feed
            log.warning("skipped an unreadable VEVENT at %s: %s", ctx.url or "<input>", exc)
            unreadable += 1
            continue
        if not item.get("title") and not item.get("start"):
            continue
        uid = item.get("native_id", "")
        if "recurrence" in item or ev.get("RDATE") is not None:
            item["occurrences"] = by_uid.get(uid, [])
        out.append(item)
    if unreadable:
        ctx.problems.append(f"{unreadable} unreadable event(s) skipped")
    return out
