"""`.atom`: an Atom feed of the newest opportunities for any filter, so a feed reader becomes an alert.

Works on any table page or query with `id` and `title` columns. Entries are ordered by
`first_seen` (newest first) whatever the page's sort, because "new since I last looked" is what
a reader shows; `updated` is `first_seen` too, so a listing merely re-seen by a later crawl never
comes back as unread. Entry ids are UUIDs derived from the record id: stable across crawls.
`?_size=N` sets how many entries (default 100, at most 1000).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any
from xml.etree import ElementTree as ET

from datasette import hookimpl
from datasette.utils import path_with_removed_args, tilde_encode
from datasette.utils.asgi import Response

from crawlers.export import http_url, renderer_query, stream_query

ATOM = "http://www.w3.org/2005/Atom"
DEFAULT_SIZE, MAX_SIZE = 100, 1000
SUMMARY_CHARS = 600


def _entry_id(record_id: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'widen:' + record_id)}"


def _rfc3339(value: Any, default: str) -> str:
    if isinstance(value, str) and value:
        try:
            t = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return default
        return (t if t.tzinfo else t.replace(tzinfo=dt.UTC)).isoformat()
    return default


def _list(value: Any) -> list[str]:
    if isinstance(value, str) and value.startswith("["):
        try:
            return [str(x) for x in json.loads(value)]
        except ValueError:
            return []
    return []


def _summary(row: dict[str, Any]) -> str:
    lines = []
    when = row.get("next_start") or row.get("start")
    where = ", ".join(str(row[k]) for k in ("venue", "city", "region") if row.get(k))
    if when or where:
        lines.append(" · ".join(x for x in (str(when or ""), where) if x))
    if row.get("organizer"):
        lines.append(f"Organizer: {row['organizer']}")
    new = _list(row.get("new_audiences"))
    if new:
        lines.append("Reaches people new to your network: " + ", ".join(new))
    desc = str(row.get("description") or "").strip()
    if desc:
        lines.append(desc if len(desc) <= SUMMARY_CHARS else desc[:SUMMARY_CHARS].rsplit(" ", 1)[0] + " …")
    return "\n".join(lines)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        el.text = text
    return el


def _can_render(columns: list[str]) -> bool:
    return {"id", "title"} <= set(columns)


async def _render(datasette: Any, request: Any, database: str, table: str | None, sql: str | None,
                  query_name: str | None, data: dict[str, Any]) -> Response:
    try:
        size = max(1, min(int(request.args.get("_size") or DEFAULT_SIZE), MAX_SIZE))
    except ValueError:
        size = DEFAULT_SIZE
    base, params = renderer_query(sql, table, data)
    if table:
        # Drop the page's keyset condition: a feed is the whole filter, newest first.
        if request.args.get("_next"):
            return Response.redirect(path_with_removed_args(request, {"_next"}))
        cols = set(await datasette.get_database(database).table_columns(table))
    else:
        cols = set(data.get("columns") or [])
    order = "order by first_seen desc, id" if "first_seen" in cols else ""
    feed_sql = f"select * from (\n{base}\n) {order} limit {size}"
    rows = [dict(r) async for r in stream_query(datasette, database, feed_sql, params)]

    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    name = query_name or table or database
    if query_name:
        title = (await datasette.get_canned_query(database, query_name, request.actor) or {}).get("title")
    else:
        title = datasette.metadata("title", database=database, table=table) if table else None
    self_url = datasette.absolute_url(request, request.full_path)
    html_url = datasette.absolute_url(request, request.full_path.replace(".atom", "", 1))

    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _sub(feed, "title", f"widen: {title or name}")
    _sub(feed, "id", f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'widen-feed:' + request.full_path)}")
    _sub(feed, "link", rel="self", href=self_url, type="application/atom+xml")
    _sub(feed, "link", rel="alternate", href=html_url, type="text/html")
    updated = max((_rfc3339(r.get("first_seen"), "") for r in rows), default="") or now
    _sub(feed, "updated", updated)
    author = _sub(feed, "author")
    _sub(author, "name", "widen")
    _sub(feed, "generator", "widen")
    for r in rows:
        entry = _sub(feed, "entry")
        _sub(entry, "id", _entry_id(str(r["id"])))
        _sub(entry, "title", str(r.get("title") or r["id"]))
        seen = _rfc3339(r.get("first_seen"), now)
        _sub(entry, "updated", seen)
        _sub(entry, "published", seen)
        link = http_url(r.get("url"))
        if link:
            _sub(entry, "link", rel="alternate", href=link, type="text/html")
        if table:
            card = datasette.urls.row(database, table, tilde_encode(str(r["id"])))
            _sub(entry, "link", rel="related", href=datasette.absolute_url(request, card), type="text/html")
        if r.get("organizer"):
            _sub(_sub(entry, "author"), "name", str(r["organizer"]))
        if r.get("kind"):
            _sub(entry, "category", term=str(r["kind"]))
        for a in _list(r.get("audiences")):
            _sub(entry, "category", term=a, scheme="urn:widen:audience")
        summary = _summary(r)
        if summary:
            _sub(entry, "summary", summary, type="text")
    body = ET.tostring(feed, encoding="unicode", xml_declaration=True)
    return Response(body, content_type="application/atom+xml; charset=utf-8")


@hookimpl
def register_output_renderer(datasette: Any) -> dict[str, Any]:
    return {"extension": "atom", "render": _render, "can_render": _can_render}
