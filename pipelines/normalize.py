"""Stage 1: raw listing -> record fields in their canonical form (time, place, text, links)."""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from dateutil.rrule import rrulestr

from crawlers.schema import FIELD_NAMES, make_id
from pipelines import Stage, place, text, when

log = logging.getLogger(__name__)

STATUS_IN_TITLE = re.compile(r"^\s*[\(\[]?\s*(cancell?ed|postponed)\s*[\)\]]?\s*[:\-–—]?\s*|\s*[\(\[]\s*(cancell?ed|postponed)\s*[\)\]]\s*$", re.I)
ONLINE_CUES = re.compile(r"\b(zoom|microsoft teams|google meet|webinar|virtual|online event|livestream|"
                         r"online meeting|meet\.google\.com|teams\.microsoft\.com)\b|zoom\.us/", re.I)


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
        return "MDY" if (self.country or "US") in ("US", "CA", "PH") else "DMY"


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
    if not rule or not start or not str(rule).upper().startswith(("RRULE:", "FREQ=")):
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
        for d in rs.between(lo, hi, inc=True):
            if first.tzinfo is not None:  # rrule steps wall-clock; re-attach the zone for DST
                d = d.replace(tzinfo=None).replace(tzinfo=first.tzinfo)
            v = d if isinstance(start.value, dt.datetime) else d.date()
            occ.append((when.When(v).iso(), when.When(v + length).iso() if length else None))
        return occ
    except (ValueError, TypeError) as exc:
        log.info("unreadable recurrence %r: %s", rule, exc)
        return []


def normalize(raw: dict[str, Any], ctx: SourceContext) -> dict[str, Any]:
    """A full record (every schema field, None where unknown) plus `_occurrences`."""
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

    # Place before time: the venue's zone is not known from text, so the data's or source's applies.
    loc = {}
    if raw.get("location_text") and not (raw.get("city") or raw.get("address")):
        loc = place.split_location(text.clean_title(raw["location_text"]) or "")
    for k in ("venue", "address", "city", "postal_code"):
        rec[k] = text.clean_title(raw.get(k) or loc.get(k))
    rec["country"] = place.country_code(raw.get("country") or loc.get("country")) or (
        ctx.country if (rec["city"] or rec["address"]) else None)
    rec["region"] = place.region_code(text.clean_title(raw.get("region") or loc.get("region")), rec["country"])
    for k in ("lat", "lon"):
        try:
            rec[k] = float(raw[k]) if raw.get(k) not in (None, "") else None
        except (TypeError, ValueError):
            rec[k] = None

    tz = when.zone_name(raw.get("timezone")) or when.zone_name(ctx.tz)
    rec["timezone"] = tz
    start = when.parse(raw.get("start"), tz=tz, now=ctx.now, date_order=ctx.date_order)
    end = when.parse(raw.get("end"), tz=tz, now=ctx.now, date_order=ctx.date_order)
    rec["start"] = start.iso() if start else None
    rec["end"] = end.iso() if end else None
    rec["all_day"] = bool(raw.get("all_day")) or bool(start and start.all_day)
    rec["recurrence"] = raw.get("recurrence")
    rec["attendance"], rec["online"] = _attendance(raw, rec)
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
    rec["commitment"] = raw.get("commitment") or ("recurring" if rec["recurrence"] else None)

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
