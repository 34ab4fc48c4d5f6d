"""Fediverse events: ActivityPub/ActivityStreams `Event` objects, Mobilizon GraphQL, Gancio.

- ActivityPub (Mobilizon, Gancio, Friendica, Pixelfed...): `{"type": "Event", "name",
  "startTime", "endTime", "location": {"type": "Place", "name", "address": {PostalAddress}},
  "url", "content"}`, alone, inside `Create`/`Announce` activities, or in an (Ordered)Collection's
  `orderedItems`/`items`. Mobilizon adds `isOnline`, `timezone` and `ical:status`.
- Mobilizon GraphQL (`searchEvents`, `events`, `group.organizedEvents`): `elements[]` with
  `title`, `beginsOn`, `endsOn`, `url`, `status`, `physicalAddress{description, street,
  locality, region, country, postalCode}`, `options.isOnline`, `attributedTo`/`organizerActor`;
  `searchGroups` elements are groups (`preferredUsername`, `summary`).
- Gancio `/api/events`: a list of `{title, slug, start_datetime, end_datetime}` (Unix seconds)
  with `place{name, address}`; the event page is `<instance>/event/<slug>`.
"""

from __future__ import annotations

from typing import Any

from crawlers.extract.apis._common import as_bool, description, dicts, dig, epoch, first, text, walk

AP_CONTAINERS = ("orderedItems", "items", "first")


def _type_is(o: Any, name: str) -> bool:
    t = o.get("type") if isinstance(o, dict) else None
    return t == name or (isinstance(t, list) and name in t)


def _ap_events(doc: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    stack = [doc]
    while stack:
        o = stack.pop()
        if isinstance(o, list):
            stack.extend(reversed(o))
        elif isinstance(o, dict):
            if _type_is(o, "Event") and "startTime" in o:
                out.append(o)
            elif isinstance(o.get("object"), dict):
                stack.append(o["object"])
            else:
                stack.extend(reversed([o[k] for k in AP_CONTAINERS if isinstance(o.get(k), (list, dict))]))
    return out


def _is_mobilizon_event(o: Any) -> bool:
    return isinstance(o, dict) and "beginsOn" in o and "title" in o


def _is_mobilizon_group(o: Any) -> bool:
    return isinstance(o, dict) and "preferredUsername" in o and "name" in o and (
        o.get("__typename") == "Group" or o.get("type") == "GROUP" or "physicalAddress" in o)


def _is_gancio(o: Any) -> bool:
    return isinstance(o, dict) and "start_datetime" in o and "title" in o and ("slug" in o or "place" in o)


def _mobilizon_elements(doc: Any) -> list[dict[str, Any]]:
    out = []
    for node in walk(dig(doc, "data")):
        if isinstance(node, dict) and isinstance(node.get("elements"), list):
            out.extend(o for o in dicts(node["elements"]) if _is_mobilizon_event(o) or _is_mobilizon_group(o))
    return out


def detect(doc: Any) -> bool:
    if isinstance(doc, list):
        items = dicts(doc)
        return bool(items) and all(_is_gancio(o) for o in items)
    if not isinstance(doc, dict):
        return False
    if isinstance(doc.get("data"), dict):
        return bool(_mobilizon_elements(doc))
    return bool(_ap_events(doc)) and ("@context" in doc or "type" in doc)


def _address(a: Any) -> dict[str, Any]:
    if isinstance(a, str):
        return {"location_text": a}
    if not isinstance(a, dict):
        return {}
    return {
        "address": text(first(a, "streetAddress", "street")),
        "city": text(first(a, "addressLocality", "locality")),
        "region": text(first(a, "addressRegion", "region")),
        "postal_code": text(first(a, "postalCode")),
        "country": text(first(a, "addressCountry", "country")),
    }


def _status(value: Any) -> str | None:
    s = str(value or "").lower()
    return "cancelled" if "cancel" in s else None


def _ap(e: dict[str, Any]) -> dict[str, Any]:
    loc = next(iter(dicts(e.get("location"))), {})
    actor = e.get("attributedTo")
    online = as_bool(e.get("isOnline"))
    return {
        "native_id": text(e.get("id")),
        "title": text(e.get("name")),
        **description(first(e, "content", "summary")),
        "url": text(e["url"] if isinstance(e.get("url"), str) else dig(e, "url", "href")) or text(e.get("id")),
        "start": text(e.get("startTime")),
        "end": text(e.get("endTime")),
        "timezone": text(e.get("timezone")),
        "venue": text(loc.get("name")),
        **_address(loc.get("address")),
        "lat": loc.get("latitude"),
        "lon": loc.get("longitude"),
        "organizer": text(dig(actor, "name")) if isinstance(actor, dict) else None,
        "online": online,
        "event_status": _status(first(e, "ical:status", "status")),
        "kind": "networking_event",
        "platform": "activitypub",
    }


def _mobilizon(o: dict[str, Any]) -> dict[str, Any]:
    addr = o.get("physicalAddress") if isinstance(o.get("physicalAddress"), dict) else {}
    geom = str(addr.get("geom") or "")
    lon, _, lat = geom.partition(";")
    place = {
        "venue": text(addr.get("description")),
        "address": text(addr.get("street")),
        "city": text(addr.get("locality")),
        "region": text(addr.get("region")),
        "postal_code": text(addr.get("postalCode")),
        "country": text(addr.get("country")),
        "lat": lat or None,
        "lon": lon if lat else None,
    }
    if _is_mobilizon_group(o) and not _is_mobilizon_event(o):
        return {"native_id": text(first(o, "id", "url")), "title": text(o.get("name")),
                **description(o.get("summary")), "url": text(o.get("url")), **place,
                "kind": "networking_group", "platform": "mobilizon"}
    org = first(o, "attributedTo", "organizerActor")
    online = as_bool(dig(o, "options", "isOnline")) or bool(o.get("onlineAddress")) or None
    return {
        "native_id": text(first(o, "uuid", "id")),
        "title": text(o.get("title")),
        **description(o.get("description")),
        "url": text(o.get("url")),
        "start": text(o.get("beginsOn")),
        "end": text(o.get("endsOn")),
        "timezone": text(first(o, "timezone")) or text(dig(o, "options", "timezone")),
        **place,
        "organizer": text(dig(org, "name")) if isinstance(org, dict) else None,
        "online": online,
        "event_status": _status(o.get("status")),
        "kind": "networking_event",
        "platform": "mobilizon",
    }


def _gancio(o: dict[str, Any], base: str) -> dict[str, Any]:
    place = o.get("place") if isinstance(o.get("place"), dict) else {}
    slug = text(o.get("slug"))
    online = bool(o.get("online_locations")) or place.get("name") == "online" or None
    return {
        "native_id": text(o.get("id")),
        "title": text(o.get("title")),
        **description(o.get("description")),
        "url": f"{base}/event/{slug}" if base and slug else None,
        "start": epoch(o.get("start_datetime"), millis=False),
        "end": epoch(o.get("end_datetime"), millis=False),
        "venue": None if online and place.get("name") == "online" else text(place.get("name")),
        "location_text": text(place.get("address")) if place.get("name") != "online" else None,
        "lat": place.get("latitude"),
        "lon": place.get("longitude"),
        "online": online,
        "kind": "networking_event",
        "platform": "gancio",
    }


def listings(doc: Any, ctx: Any = None) -> list[dict[str, Any]]:
    if isinstance(doc, list):
        url = getattr(ctx, "url", "") or ""
        base = "/".join(url.split("/")[:3]) if url.startswith("http") else ""
        return [_gancio(o, base) for o in dicts(doc)]
    if isinstance(doc.get("data"), dict):
        return [_mobilizon(o) for o in _mobilizon_elements(doc)]
    return [_ap(e) for e in _ap_events(doc)]
