"""Stage 1: raw listing -> record fields in their canonical form (time, place, text, links)."""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from dateutil.rrule import rrulestr

from crawlers.schema import FIELD_NAMES, make_id
from pipelines import Stage, place, text, when
from pipelines.recurrence import next_occurrences, parse_schedule

log = logging.getLogger(__name__)

MAX_OCCURRENCES = 1000  # per record and horizon; more means a sub-daily rule, not a listing's dates
# INTERVAL below 1: dateutil never finds a next occurrence and spins forever.
ENDLESS_RULE = re.compile(r"INTERVAL=(-|0+(;|$))", re.I)

STATUS_IN_TITLE = re.compile(r"^\s*[\(\[]?\s*(cancell?ed|postponed)\s*[\)\]]?\s*[:\-–—]?\s*|\s*[\(\[]\s*(cancell?ed|postponed)\s*[\)\]]\s*$", re.I)
ONLINE_CUES = re.compile(
    r"\b(zoom|microsoft teams|ms teams|teams meeting|google meet|hangouts?|webinar|webex|gotomeeting|gotowebinar|"
    r"live ?meeting|jitsi|mumble|skype|discord|bigbluebutton|virtual|online event|online-event|livestream|"
    r"live stream|online meeting|online only|meet\.google\.com|teams\.microsoft\.com)\b|zoom\.us/|"
    r"\b(?:via|by|on|using|through|over)\s+teams\b|"
    r"^\s*(online|virtual|internet|web)\s*$", re.I)


@dataclass
class SourceContext:
    """What a source's config tells normalization (zone, country, hints) plus the crawl time."""

    source: str = "cli"
    platform: str | None = None
    source_url: str | None = None
    tz: str | None = None
    country: str | None = None
    region: str | None = None
    kind: str | None = None
    audiences: list[str] = field(default_factory=list)
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    horizon_days: int = 90

    @property
    def date_order(self) -> str:
        """Numeric dates: month first in the US and a few others, day first elsewhere."""
        return date_order(self.country or place.country_of_zone(self.tz))


MONTH_FIRST = frozenset({"US", "CA", "PH", "FM", "MH", "PW", "GU", "AS", "MP", "PR", "VI", "UM"})
YEAR_FIRST = frozenset({"CN", "JP", "KR", "TW", "HU", "MN", "LT", "IR"})
# Languages to read dates in, by country, besides the page's own and English.
COUNTRY_LANGUAGES = {
    "DE": "de", "AT": "de", "CH": "de", "LI": "de", "CZ": "cs", "SK": "sk", "FR": "fr", "BE": "fr", "LU": "fr",
    "ES": "es", "MX": "es", "AR": "es", "CO": "es", "CL": "es", "PE": "es", "IT": "it", "NL": "nl", "PT": "pt",
    "BR": "pt", "PL": "pl", "SE": "sv", "NO": "nb", "DK": "da", "FI": "fi", "HU": "hu", "RO": "ro", "GR": "el",
    "TR": "tr", "RU": "ru", "UA": "uk", "JP": "ja", "CN": "zh", "KR": "ko",
}


def date_order(country: str | None) -> str:
    """DATE_ORDER for a country (dateparser's setting and the grammar in pipelines/when.py)."""
    if not country or country in MONTH_FIRST:
        return "MDY"
    return "YMD" if country in YEAR_FIRST else "DMY"


def languages(lang: str | None, country: str | None) -> tuple[str, ...]:
    """Languages to read printed dates in: the page's, the country's, then English."""
    out = [x for x in (lang, COUNTRY_LANGUAGES.get(country or "")) if x and re.fullmatch(r"[a-z]{2,3}", x)]
    return tuple(dict.fromkeys([*out, "en"]))


def _status(raw: dict[str, Any], title: str | None) -> tuple[str | None, str | None]:
    """Explicit status signals only (data or a status word in the title), and the cleaned title."""
    status = None
    es = str(raw.get("event_status") or "").lower()
    if "cancel" in es:
        status = "cancelled"
    elif "postpone" in es or "rescheduled" in es:
        status = "postponed"
    if title:
        m = STATUS_IN_TITLE.search(title)
        if m:
            word = (m.group(1) or m.group(2)).lower()
            status = status or ("postponed" if word.startswith("postpone") else "cancelled")
            title = STATUS_IN_TITLE.sub("", title).strip() or title
    return status, title


def _attendance(raw: dict[str, Any], rec: dict[str, Any]) -> tuple[str, bool]:
    mode = str(raw.get("attendance_mode") or "").lower()
    if "mixed" in mode:
        return "hybrid", True
    if "online" in mode:
        return "online", True
    if "offline" in mode:
        return "in_person", False
    online = raw.get("online")
    has_place = bool(rec.get("address") or rec.get("city") or rec.get("venue"))
    if online is True:
        return ("hybrid" if has_place and rec.get("address") else "online"), True
    place_text = " ".join(str(rec.get(k) or "") for k in ("venue", "address"))
    if ONLINE_CUES.search(place_text) or (not has_place and ONLINE_CUES.search(
            f"{rec.get('title') or ''} {(rec.get('description') or '')[:400]}")):
        return ("hybrid" if rec.get("address") else "online"), True
    return "in_person", False


def _occurrences(raw: dict[str, Any], rec: dict[str, Any], ctx: SourceContext) -> list[tuple[str, str | None]]:
    """Occurrences inside [now, now + horizon]: pre-expanded by the extractor, else from the RRULE."""
    if "occurrences" in raw:
        out = []
        for s, e in raw["occurrences"]:
            ws, we = when.parse(s, tz=rec.get("timezone")), when.parse(e, tz=rec.get("timezone"))
            if ws:
                out.append((ws.iso(), we.iso() if we else None))
        return out
    rule = rec.get("recurrence")
    start = when.parse(rec.get("start"))
    if rule and not start:
        # A group's plain-text schedule and no dated listing: its next meetings from the schedule.
        sched = parse_schedule(str(raw.get("schedule_text") or raw.get("recurrence") or ""))
        if sched is None:
            return []
        return [(when.When(d).iso(), None)
                for d in next_occurrences(sched, ctx.now, rec.get("timezone"), ctx.horizon_days)]
    if not rule or not start or not str(rule).upper().startswith(("RRULE:", "FREQ=")):
        return []
    if ENDLESS_RULE.search(str(rule)):
        log.info("ignoring recurrence %r: its interval is below 1", rule)
        return []
    try:
        first = start.value if isinstance(start.value, dt.datetime) else dt.datetime.combine(start.value, dt.time())
        rs = rrulestr(str(rule), dtstart=first)
        lo = ctx.now if first.tzinfo else ctx.now.replace(tzinfo=None)
        if first.tzinfo is None and ctx.now.tzinfo is not None:
            lo = ctx.now.astimezone(when.zone(rec.get("timezone")) or dt.UTC).replace(tzinfo=None)
        hi = lo + dt.timedelta(days=ctx.horizon_days)
        end = when.parse(rec.get("end"))
        length = (end.value - start.value) if end and type(end.value) is type(start.value) else None
        occ = []
        # xafter is lazy: a minutely rule stops at MAX_OCCURRENCES instead of filling the horizon.
        for d in itertools.islice(rs.xafter(lo, inc=True), MAX_OCCURRENCES):
            if d > hi:
                break
            if first.tzinfo is not None:  # rrule steps wall-clock; re-attach the zone for DST
                d = d.replace(tzinfo=None).replace(tzinfo=first.tzinfo)
            v = d if isinstance(start.value, dt.datetime) else d.date()
            occ.append((when.When(v).iso(), when.When(v + length).iso() if length else None))
        return occ
    except (ValueError, TypeError) as exc:
        log.info("unreadable recurrence %r: %s", rule, exc)
        return []


def _place(raw: dict[str, Any], rec: dict[str, Any], ctx: SourceContext) -> None:
    """Venue, address, city, region, country (ISO), coordinates; the gazetteer fills gaps."""
    hint = ctx.country or place.country_of_zone(when.zone_name(raw.get("timezone") or ctx.tz))
    loc: dict[str, str] = {}
    if raw.get("location_text") and not (raw.get("city") or raw.get("address")):
        loc = place.split_location(text.clean_title(raw["location_text"]) or "",
                                   place.country_code(raw.get("country")) or hint)
    for k in ("venue", "address", "city", "postal_code"):
        rec[k] = text.clean_title(raw.get(k) or loc.get(k))
    country = place.country_code(text.clean_title(raw.get("country")) or loc.get("country"))
    region_raw = text.clean_title(raw.get("region") or loc.get("region"))
    if country is None and region_raw and region_raw.lower() in place.US_STATES or (
            country is None and region_raw and region_raw.upper() in place.US_STATES.values()
            and (hint in (None, "US"))):
        country = "US"  # "Oregon", "IL": a US state names its country
    if country is None and (rec["city"] or rec["address"]) and ctx.country:
        country = ctx.country
    rec["country"] = country
    rec["region"] = place.region_code(region_raw, country)
    for k in ("lat", "lon"):
        try:
            rec[k] = float(raw[k]) if raw.get(k) not in (None, "") else None
        except (TypeError, ValueError):
            rec[k] = None
    # Coordinates, most exact first: the source's own, a postcode's centroid, a city's centroid.
    # `geo_precision` says which, so the map and the card can show approximate places as such.
    rec["geo_precision"] = None
    if rec["lat"] is not None and rec["lon"] is not None:
        rec["geo_precision"] = "exact"
        if not (rec["country"] and (rec["region"] or rec["city"])):
            near = place.nearest_city(rec["lat"], rec["lon"])
            if near is not None:
                rec["country"] = rec["country"] or near["countrycode"]
                if not rec["region"] and near["countrycode"] in ("US",):
                    rec["region"] = near["admin1code"]
        return
    rec["lat"] = rec["lon"] = None
    point = place.postcode_point(rec["postal_code"], rec["country"] or hint)
    if point is not None:
        rec["lat"], rec["lon"], rec["geo_precision"] = point[0], point[1], "postcode"
        rec["country"] = rec["country"] or "US"
    elif rec["city"]:
        hit = place.city_record(rec["city"], rec["country"] or hint, rec["region"])
        if hit is not None:
            rec["lat"], rec["lon"], rec["geo_precision"] = hit["latitude"], hit["longitude"], "city"
            rec["country"] = rec["country"] or hit["countrycode"]


def _place_from_description(rec: dict[str, Any], ctx: SourceContext) -> None:
    """A listing with no place fields: the address its description gives (one), or the state all agree on.

    Agency calendars put "Crowne Plaza, 3000 North Dirksen Parkway, Springfield, IL" or a list of
    videoconference sites in the body text only.
    """
    country = rec["country"] or ctx.country or place.country_of_zone(when.zone_name(ctx.tz))
    if country != "US":
        return
    found = place.addresses_in(rec.get("description"), country)
    if not found:
        return
    if len({(a.get("address"), a.get("city")) for a in found}) == 1:
        a = found[0]
        rec["venue"], rec["address"], rec["city"] = a.get("venue"), a.get("address"), a.get("city")
        rec["region"] = a.get("region") or place.common_region([a["city"]])
    else:
        rec["region"] = place.common_region([a["city"] for a in found])
    rec["country"] = rec["country"] or country


def _wall(w: when.When, tz: str | None) -> dt.datetime | dt.date:
    """What a clock on the wall shows for a parsed time (in the place's zone when known)."""
    v = w.value
    if isinstance(v, dt.datetime) and v.tzinfo is not None:
        z = when.zone(tz)
        v = v.astimezone(z) if z else v
        return v.replace(tzinfo=None)
    return v


def _prefer_visible(data: when.When | None, seen: when.When | None, tz: str | None) -> when.When | None:
    """The structured value unless the page shows something else (then the page wins).

    A date-only visible value confirms a structured datetime on the same day (the data adds
    the time); a visible time that differs from the structured wall clock replaces it — the
    classic case is WordPress publishing Chicago wall-clock times with a `+00:00` offset.
    """
    if seen is None:
        return data
    if data is None:
        return seen
    dw, sw = _wall(data, tz), _wall(seen, tz)
    if seen.all_day:
        day = dw.date() if isinstance(dw, dt.datetime) else dw
        return data if day == sw else seen
    return data if dw == sw else seen


def _times(raw: dict[str, Any], rec: dict[str, Any], ctx: SourceContext, tz: str | None
           ) -> tuple[when.When | None, when.When | None]:
    order = date_order(rec["country"] or place.country_of_zone(tz) or ctx.country)
    langs = languages(raw.get("lang"), rec["country"] or place.country_of_zone(tz))
    kw = {"tz": tz, "now": ctx.now, "date_order": order, "languages": langs}
    start = when.parse(raw.get("start"), **kw)
    end = when.parse(raw.get("end"), **kw)
    if raw.get("when_text"):
        seen_start, seen_end = when.parse_range(raw["when_text"], **kw)
        kept = _prefer_visible(start, seen_start, tz)
        if kept is not start:
            end = None  # the data's end belonged to the time the page contradicts
        start = kept
        end = _prefer_visible(end, seen_end, tz)
    return start, end


def _recurrence(raw: dict[str, Any]) -> str | None:
    """An RRULE as given; a plain-text schedule turned into one when it is unambiguous."""
    rule = raw.get("recurrence")
    if rule and str(rule).upper().startswith(("RRULE:", "FREQ=")):
        return str(rule)
    sched_text = raw.get("schedule_text") or rule
    if not sched_text:
        return None
    sched = parse_schedule(str(sched_text))
    return sched.rrule if sched is not None else (str(rule) if rule else None)


def normalize(raw: dict[str, Any], ctx: SourceContext) -> dict[str, Any]:
    """A full record (every schema field, None where unknown) plus `_occurrences` and `_location`.

    `_location` is the place on one line as the source printed it (`widen extract` shows it).
    """
    rec: dict[str, Any] = dict.fromkeys(FIELD_NAMES)
    status, title = _status(raw, text.clean_title(raw.get("title")))
    rec["title"] = title
    desc_html = raw.get("description_html")
    rec["description"] = text.clean_text(raw.get("description") or desc_html)
    rec["description_html"] = text.sanitize_html(desc_html)
    rec["organizer"] = text.clean_title(raw.get("organizer"))
    rec["organizer_url"] = text.canonical_url(raw.get("organizer_url"), ctx.source_url)
    rec["url"] = text.canonical_url(raw.get("url"), ctx.source_url) or None
    rec["source"] = ctx.source
    rec["platform"] = ctx.platform or raw.get("platform")
    rec["source_url"] = ctx.source_url

    # Place before time: the country decides how numeric dates read.
    _place(raw, rec, ctx)

    tz = when.zone_name(raw.get("timezone")) or when.zone_name(ctx.tz)
    rec["timezone"] = tz
    start, end = _times(raw, rec, ctx, tz)
    rec["start"] = start.iso() if start else None
    rec["end"] = end.iso() if end else None
    rec["all_day"] = bool(raw.get("all_day")) or bool(start and start.all_day)
    rec["recurrence"] = _recurrence(raw)
    rec["attendance"], rec["online"] = _attendance(raw, rec)
    if rec["country"] is None and not rec["online"]:
        # An in-person listing with no stated country is in the source's country.
        rec["country"] = ctx.country or place.country_of_zone(when.zone_name(ctx.tz))
    if status is None and end is not None and isinstance(end.value, dt.datetime) and end.value.tzinfo:
        if end.value < ctx.now and not rec["recurrence"]:
            status = "past"
    rec["status"] = status or "scheduled"
    rec["cost"] = text.clean_title(raw.get("cost"))
    rec["kind"] = raw.get("kind") or ctx.kind
    rec["kind_reason"] = raw.get("kind_reason") or (f"platform: {raw['kind']}" if raw.get("kind") else
                                                    (f"source hint: {ctx.kind}" if ctx.kind else None))
    rec["audiences"] = list(dict.fromkeys([*(raw.get("audiences") or []), *ctx.audiences])) or None
    rec["skills"] = raw.get("skills")
    rec["causes"] = raw.get("causes")
    rec["commitment"] = raw.get("commitment") or ("recurring" if rec["recurrence"] else (
        "ongoing" if raw.get("ongoing") and not rec["start"] else None))

    if not any(rec[k] for k in ("venue", "address", "city", "region")) and not rec["online"]:
        _place_from_description(rec, ctx)
    rec["_location"] = text.clean_title(raw.get("location_text")) or ", ".join(
        str(rec[k]) for k in ("venue", "address", "city") if rec.get(k)) or None
    occ = _occurrences(raw, rec, ctx)
    rec["_occurrences"] = occ
    if occ:
        rec["next_start"] = occ[0][0]
    elif start and not rec["recurrence"]:
        rec["next_start"] = rec["start"]
    rec["id"] = make_id(ctx.source, native_id=raw.get("native_id"), url=rec["url"], title=rec["title"],
                        start=rec["start"])
    return rec


class NormalizePipeline(Stage):
    """Scrapy stage: the spider's raw dict -> a normalized record."""

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        spider = self.spider
        ctx = spider.source_context() if hasattr(spider, "source_context") else SourceContext()
        if item.get("source_url"):
            ctx.source_url = item["source_url"]
        return normalize(item, ctx)
