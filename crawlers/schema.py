"""The opportunity record: the one definition everything else derives from.

Extractors, pipelines, the SQLite store, the JSON Schema used for validation, the
Datasette metadata and `widen extract` all read `FIELDS` (and the related tables below)
instead of restating them, so adding a field is a one-line change here.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

KINDS = ("networking_event", "networking_group", "board_seat", "volunteer_role")
STATUSES = ("scheduled", "cancelled", "postponed", "past")
ATTENDANCE = ("in_person", "online", "hybrid")
COMMITMENTS = ("one_off", "recurring", "ongoing")

# SQLite affinity for each logical type; JSON arrays are stored as TEXT holding JSON.
_SQL_TYPES = {"text": str, "integer": int, "real": float, "boolean": int, "json": str, "datetime": str}
_JSON_TYPES = {
    "text": "string",
    "integer": "integer",
    "real": "number",
    "boolean": "boolean",
    "json": "array",
    "datetime": "string",
}

# start/end: ISO 8601 with offset, naive (floating) local time, or a bare date (all-day).
ISO_WHEN = r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$"


@dataclass(frozen=True)
class Field:
    """One column of the record; `facet` columns get an index, `fts` ones full-text search."""

    name: str
    type: str
    description: str
    required: bool = False
    enum: tuple[str, ...] | None = None
    pattern: str | None = None
    facet: bool = False
    fts: bool = False
    extract: bool = False  # printed by `widen extract`

    @property
    def sql_type(self) -> type:
        return _SQL_TYPES[self.type]


FIELDS: tuple[Field, ...] = (
    Field("id", "text", "Stable id: source slug + native id, else canonical URL, else title+start.", required=True),
    Field("kind", "text", "What it is.", required=True, enum=KINDS, facet=True, extract=True),
    Field("kind_reason", "text", "The cue that decided the kind (for explainability)."),
    Field("title", "text", "Clean plain-text title.", required=True, fts=True, extract=True),
    Field("description", "text", "Clean plain-text description.", fts=True, extract=True),
    Field("description_html", "text", "Description HTML sanitized with nh3 (never rendered raw)."),
    Field("organizer", "text", "Who runs it.", fts=True, facet=True, extract=True),
    Field("organizer_url", "text", "Organizer's link."),
    Field("url", "text", "Canonical link, tracking parameters removed.", extract=True),
    Field("source", "text", "Source slug from config/sources.yml.", required=True, facet=True),
    Field("platform", "text", "Platform the source runs on.", facet=True),
    Field("source_url", "text", "Page or feed it was found on."),
    Field("start", "datetime", "ISO 8601 with UTC offset when the zone is known; a date for all-day.",
          pattern=ISO_WHEN, extract=True),
    Field("end", "datetime", "ISO 8601 end, same conventions as start.", pattern=ISO_WHEN, extract=True),
    Field("all_day", "boolean", "True for date-only listings.", extract=True),
    Field("timezone", "text", "IANA zone (data, venue or the source's configured zone).", extract=True),
    Field("recurrence", "text", "RRULE, or plain text such as '2nd Tuesday monthly'.", extract=True),
    Field("next_start", "datetime", "Next occurrence after crawl time.", pattern=ISO_WHEN),
    Field("venue", "text", "Venue name.", extract=True),
    Field("address", "text", "Street address.", extract=True),
    Field("city", "text", "City.", facet=True, extract=True),
    Field("region", "text", "State/province (code for US, CA, AU).", facet=True, extract=True),
    Field("country", "text", "ISO 3166-1 alpha-2.", facet=True, pattern=r"^[A-Z]{2}$", extract=True),
    Field("postal_code", "text", "Postal code."),
    Field("lat", "real", "Latitude."),
    Field("lon", "real", "Longitude."),
    Field("geo_precision", "text", "How exact lat/lon are: exact (the source's own), postcode or city (a centroid).",
          enum=("exact", "postcode", "city")),
    Field("attendance", "text", "in_person, online or hybrid.", enum=ATTENDANCE, facet=True),
    Field("online", "boolean", "Can be joined remotely.", extract=True),
    Field("audiences", "json", "Audience slugs it reaches (config/audiences.yml).", facet=True, extract=True),
    Field("audience_cues", "json", "Why: 'slug: matched words' for each audience."),
    Field("causes", "json", "Cause slugs."),
    Field("skills", "json", "Skill slugs or words."),
    Field("commitment", "text", "one_off, recurring or ongoing.", enum=COMMITMENTS, facet=True),
    Field("cost", "text", "free, paid or the price text.", facet=True),
    Field("status", "text", "Only from explicit signals; never inferred from absence.", enum=STATUSES, facet=True),
    Field("first_seen", "datetime", "When widen first stored it (UTC)."),
    Field("last_seen", "datetime", "When a crawl last saw it (UTC)."),
    Field("content_hash", "text", "Hash of the content fields; a change updates the row."),
    Field("duplicate_of", "text", "id of the canonical record when several sources list it."),
    Field("new_audiences", "json", "Its audiences your network does not reach yet.", facet=True),
    Field("reach_score", "real", "How much joining would widen your network (see README, Reach)."),
)

FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in FIELDS)
FIELD_BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}
EXTRACT_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.extract)
FACET_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.facet)
FTS_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.fts)
JSON_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.type == "json")

# Fields set by the store or by the reach step; they do not make a listing "changed".
LIFECYCLE_FIELDS = frozenset({"first_seen", "last_seen", "content_hash", "duplicate_of", "new_audiences",
                              "reach_score", "next_start"})

# Related tables: name -> (columns with SQLite types, primary key).
OCCURRENCE_COLUMNS: dict[str, type] = {"opportunity_id": str, "start": str, "end": str}
OPPORTUNITY_AUDIENCE_COLUMNS: dict[str, type] = {"opportunity_id": str, "audience": str, "new": int}
CRAWL_RUN_COLUMNS: dict[str, type] = {
    "id": int, "run_id": str, "source": str, "platform": str, "started": str, "finished": str,
    "pages": int, "items": int, "new": int, "updated": int, "unchanged": int, "dropped": int,
    "errors": int, "finish_reason": str, "error_messages": str, "duration_s": float,
    # Monitor results (crawlers/monitors.py): failed checks as a JSON list, field coverage as JSON.
    "monitor_failures": str, "coverage": str,
}
SOURCE_COLUMNS: dict[str, type] = {
    "slug": str, "name": str, "platform": str, "url": str, "timezone": str, "country": str,
    "region": str, "kind": str, "audiences": str, "schedule": str, "enabled": int,
    "last_run": str, "last_status": str, "last_items": int, "consecutive_failures": int,
}


URL_FIELDS = ("url", "organizer_url", "source_url")


def http_url(value: Any) -> str | None:
    """The URL if it is http(s), else None: the one rule for every output (stored rows, card,
    table, .ics, .atom, CSV), so a scraped `javascript:` or `data:` URL never becomes a link."""
    s = str(value or "").strip()
    return s if s.lower().startswith(("http://", "https://")) else None


def column_types() -> dict[str, type]:
    """SQLite column types of the opportunities table, in schema order."""
    return {f.name: f.sql_type for f in FIELDS}


def json_schema() -> dict[str, Any]:
    """JSON Schema of a stored record, generated from FIELDS (used by the validate stage)."""
    props: dict[str, Any] = {}
    for f in FIELDS:
        p: dict[str, Any] = {"type": [_JSON_TYPES[f.type], "null"], "description": f.description}
        if f.type == "json":
            p["items"] = {"type": "string"}
        if f.enum:
            p["enum"] = [*f.enum, None]
        if f.pattern:
            p["pattern"] = f.pattern
        if f.required:
            p["type"] = _JSON_TYPES[f.type]
            if f.type == "text":
                p["minLength"] = 1
        props[f.name] = p
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "widen opportunity",
        "type": "object",
        "properties": props,
        "required": [f.name for f in FIELDS if f.required],
        "additionalProperties": False,
    }


def make_id(source: str, *, native_id: str | None = None, url: str | None = None,
            title: str | None = None, start: str | None = None) -> str:
    """Deterministic id: same listing, same id, crawl after crawl.

    Prefers the platform's own id, then the canonical URL, then title+start; the hash keeps
    ids short; no title slug in the id, so a retitled listing keeps its row. The URL counts without
    scheme and host (the source slug already scopes it), so a site moving to https or to a
    new domain keeps its ids.
    """
    if native_id:
        basis = f"n:{native_id}"
    elif url:
        basis = "u:" + re.sub(r"^[a-z]+://[^/]+", "", url)
    else:
        basis = f"t:{(title or '').strip().lower()}|{start or ''}"
    return f"{source}:{hashlib.sha1(basis.encode('utf-8')).hexdigest()[:16]}"


# The fields `content_hash` covers, in a fixed order, and one encoder for all (json.dumps with
# options builds a new encoder on every call).
_HASHED_FIELDS = tuple(k for k in FIELD_NAMES if k not in LIFECYCLE_FIELDS and k != "id")
_HASH_JSON = json.JSONEncoder(default=str, ensure_ascii=False).encode


def content_hash(record: dict[str, Any]) -> str:
    """Hash over the content fields only, so unchanged listings are detected across crawls.

    A JSON list in the schema's field order, not a key-sorted object: the same content, and
    half the time (10 vs 16 µs, a fifth of a first crawl's store time at 50k rows)."""
    return hashlib.sha1(_HASH_JSON(list(map(record.get, _HASHED_FIELDS))).encode("utf-8")).hexdigest()
