"""Meetup: REST v2/v3 (events, groups, /find/groups) and the GraphQL API (events and groups).

REST events give `time` (epoch ms) plus `utc_offset` (ms) and `duration` (ms), `venue`,
`link`/`event_url` and the group's IANA zone in `group.timezone`. REST groups give `link`,
`urlname`, `city`, `country`, `localized_location`, `timezone`. GraphQL answers wrap nodes in
`edges[].node` under `groupSearch`, `proNetwork.groupsSearch`, `keywordSearch`,
`group.upcomingEvents`...: events have `dateTime` (ISO with offset), `endTime` or `duration`,
`eventUrl`, `venue`, `isOnline`/`eventType`; groups have `urlname`, `city`, `state`, `country`,
`timezone` and no URL field, so the group page is built from `urlname`. Groups are
`networking_group` listings; events `networking_event`.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from crawlers.extract.apis._common import as_bool, description, dicts, dig, epoch, first, text, walk

GROUP_PAGE = "https://www.meetup.com/{}/"
# REST list envelopes: v2 `{"results": [...], "meta"}`, v3 `/find/upcoming_events` `{"events": [...], "city"}`.
ENVELOPES = ("results", "events")
_ISO_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")


def _is_rest_event(o: Any) -> bool:
    return isinstance(o, dict) and "time" in o and ("utc_offset" in o or "local_date" in o) and "name" in o


def _is_rest_group(o: Any) -> bool:
    return (isinstance(o, dict) and "urlname" in o and "name" in o and "time" not in o
            and ("members" in o or "who" in o or "localized_location" in o) and "link" in o)


def _is_gql_event(o: Any) -> bool:
    return isinstance(o, dict) and "dateTime" in o and "title" in o


def _is_gql_group(o: Any) -> bool:
    return isinstance(o, dict) and "urlname" in o and "name" in o and "dateTime" not in o


def detect(doc: Any) -> bool:
    if isinstance(doc, list):
        items = dicts(doc)
        return bool(items) and all(_is_rest_event(i) or _is_rest_group(i) for i in items)
    if not isinstance(doc, dict):
        return False
    if _is_rest_group(doc) or _is_rest_event(doc):
        return True
    if any(isinstance(doc.get(k), list) and doc[k] and all(_is_rest_event(i) or _is_rest_group(i) for i in doc[k])
           for k in ENVELOPES):
        return True
    data = doc.get("data")
    if not isinstance(data, dict):
        return False
    # Meetup's GraphQL names: groups have `urlname`, events `dateTime` + `eventUrl`/`group.urlname`.
    return any(_is_gql_group(n) or (_is_gql_event(n) and ("eventUrl" in n or isinstance(n.get("group"), dict)))
               for n in walk(data) if isinstance(n, dict))


def _duration(value: Any) -> dt.timedelta | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return dt.timedelta(milliseconds=value)
    m = _ISO_DURATION.match(str(value or ""))
    if not m or not any(m.groups()):
        return None
    d, h, mi, s = (int(x or 0) for x in m.groups())
    return dt.timedelta(days=d, hours=h, minutes=mi, seconds=s)


def _venue(v: Any) -> dict[str, Any]:
    if not isinstance(v, dict):
        return {}
    return {
        "venue": text(v.get("name")),
        "address": text(first(v, "address_1", "address")),
        "city": text(v.get("city")),
        "region": text(v.get("state")),
        "postal_code": text(first(v, "zip", "postalCode")),
        "country": text(v.get("country")),
        "lat": first(v, "lat"),
        "lon": first(v, "lon", "lng"),
    }


def _online_venue(place: dict[str, Any]) -> bool:
    return (place.get("venue") or "").strip().lower() in ("online event", "online")


def _rest_event(e: dict[str, Any]) -> dict[str, Any]:
    group = e.get("group") if isinstance(e.get("group"), dict) else {}
    start = epoch(e.get("time"), millis=True)
    offset = e.get("utc_offset")
    if start and isinstance(offset, (int, float)):
        start = start.astimezone(dt.timezone(dt.timedelta(milliseconds=offset)))
    dur = _duration(e.get("duration"))
    place = _venue(e.get("venue"))
    online = as_bool(first(e, "is_online_event", "online_event")) or _online_venue(place)
    if online and _online_venue(place):
        place = {}
    return {
        "native_id": text(e.get("id")),
        "title": text(e.get("name")),
        **description(e.get("description")),
        "url": text(first(e, "link", "event_url")),
        "organizer": text(group.get("name")),
        "start": start or text(e.get("local_date")),
        "end": start + dur if start and dur else None,
        "timezone": text(first(group, "timezone")) or text(e.get("timezone")),
        **place,
        "online": online,
        "event_status": text(e.get("status")) if e.get("status") in ("cancelled", "canceled") else None,
        "kind": "networking_event",
        "platform": "meetup",
    }


def _group(g: dict[str, Any]) -> dict[str, Any]:
    urlname = text(g.get("urlname"))
    pro = first(g, "pro_network", "proNetwork")
    return {
        "native_id": text(g.get("id")),
        "title": text(g.get("name")),
        **description(g.get("description")),
        "url": text(first(g, "link", "groupUrl", "url")) or (GROUP_PAGE.format(urlname) if urlname else None),
        "organizer": text(dig(pro, "name")) if isinstance(pro, dict) else None,
        "city": text(g.get("city")),
        "region": text(first(g, "state")),
        "country": text(g.get("country")),
        "lat": g.get("lat"),
        "lon": first(g, "lon", "lng"),
        "timezone": text(g.get("timezone")),
        # A group has no street address; the place its page shows is "City, Country".
        "address": text(g.get("localized_location")),
        "kind": "networking_group",
        "platform": "meetup",
    }


def _gql_event(e: dict[str, Any]) -> dict[str, Any]:
    group = e.get("group") if isinstance(e.get("group"), dict) else {}
    start = text(e.get("dateTime"))
    end = text(e.get("endTime"))
    if start and not end:
        dur = _duration(e.get("duration"))
        try:
            end = (dt.datetime.fromisoformat(start) + dur).isoformat() if dur else None
        except ValueError:
            end = None
    place = _venue(e.get("venue"))
    online = as_bool(e.get("isOnline")) or str(e.get("eventType") or "").upper() == "ONLINE" or _online_venue(place)
    if online and _online_venue(place):
        place = {}
    status = str(e.get("status") or "").lower()
    return {
        "native_id": text(e.get("id")),
        "title": text(e.get("title")),
        **description(e.get("description")),
        "url": text(first(e, "eventUrl", "link")),
        "organizer": text(group.get("name")),
        "start": start,
        "end": end,
        "timezone": text(first(e, "timezone")) or text(group.get("timezone")),
        **place,
        "online": online,
        "attendance_mode": "mixed" if str(e.get("eventType") or "").upper() == "HYBRID" else None,
        "event_status": "cancelled" if "cancel" in status else None,
        "kind": "networking_event",
        "platform": "meetup",
    }


def _gql_items(data: Any) -> list[dict[str, Any]]:
    """Events and groups anywhere under `data`, in document order, each once.

    Edges, `nodes` lists and single objects (`event(id:)`, `groupByUrlname`) all count. A group
    that carries its events (`upcomingEvents`) stands for the page of those events, not a listing
    itself, and the group inside an event is that event's organizer.
    """
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    stack: list[Any] = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(reversed(node))
            continue
        if not isinstance(node, dict):
            continue
        if isinstance(node.get("result"), dict) and set(node) <= {"id", "result", "__typename", "node"}:
            stack.append(node["result"])
            continue
        key = f"{node.get('__typename', '')}:{node.get('id')}"
        if _is_gql_event(node):
            if node.get("id") is None or key not in seen:
                seen.add(key)
                out.append(_gql_event(node))
            continue
        children = [v for v in node.values() if isinstance(v, (dict, list))]
        carries_events = any(_is_gql_event(x) for x in walk(children))
        if _is_gql_group(node) and not carries_events:
            if node.get("id") is None or key not in seen:
                seen.add(key)
                out.append(_group(node))
            continue
        stack.extend(reversed(children))
    return out


def listings(doc: Any, ctx: Any = None) -> list[dict[str, Any]]:
    if isinstance(doc, dict) and isinstance(doc.get("data"), dict):
        return _gql_items(doc["data"])
    if isinstance(doc, list):
        items = doc
    else:
        items = next((doc[k] for k in ENVELOPES if isinstance(doc.get(k), list)), [doc])
    return [_rest_event(i) if _is_rest_event(i) else _group(i) for i in dicts(items)
            if _is_rest_event(i) or _is_rest_group(i)]
