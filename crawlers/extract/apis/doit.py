"""Do-it (do-it.org, the UK national volunteering database) API v1 and v2.

`GET /v1|v2/opportunities` and `/v1/orgs/<id>/opportunities` answer
`{"data": {"items": [...]}, "links": {"next": ...}, "meta": {"tenant": ...}}`. An item is an
ongoing volunteer role: `specific_start_date`/`specific_end_date` are when the advert runs,
not when anyone volunteers, so they are not the role's dates. v1 keeps the address on the
item (`address_1`, `city`, `postcode`, or a named area in `location.name` when the city is
empty); v2 moves it into `locations[]`. `for_recruiter` is the organisation a volunteer
deals with. Organisations (a profile's `data.recruiter`, or `/v1/orgs` search items) are who
recruits, not roles, so they yield nothing: their roles come from their opportunities endpoint.
"""

from __future__ import annotations

from typing import Any

from crawlers.extract.apis._common import description, dicts, dig, joined, slugs, text

PUBLIC_PAGE = "https://do-it.org/opportunities/{}"


def detect(doc: Any) -> bool:
    """A Do-it envelope: `data` holding `items` (roles) or `recruiter`, with Do-it's `meta`."""
    data = dig(doc, "data")
    if not isinstance(data, dict) or not isinstance(dig(doc, "meta"), dict):
        return False
    if isinstance(data.get("recruiter"), dict):
        return True
    if not isinstance(data.get("items"), list):
        return False
    items = dicts(data["items"])
    if not items:
        return "tenant" in doc["meta"]  # an empty last page is still Do-it's
    return any("for_recruiter" in i or "specific_start_date" in i or _is_org(i) for i in items)


def _is_org(item: dict[str, Any]) -> bool:
    """An organisation record (`/v1/orgs` search results): who recruits, not a role."""
    return "active_opportunities_count" in item or "is_volunteer_center" in item


def _place(item: dict[str, Any]) -> dict[str, Any]:
    """Address fields of a v1 item or of a v2 item's first location."""
    loc = dicts(item.get("locations"))
    src = loc[0] if loc else item
    area = src.get("location") if isinstance(src.get("location"), dict) else {}
    city = text(src.get("city")) or text(area.get("name")) or text(src.get("location_name"))
    return {
        "address": joined(src.get("address_1"), src.get("address_2")),
        "city": city,
        "region": text(src.get("county")),
        "postal_code": text(src.get("postcode")),
        "lat": src.get("lat") if src.get("lat") is not None else area.get("lat"),
        "lon": src.get("lng") if src.get("lng") is not None else area.get("lng"),
        "online": bool(src.get("working_from_home") or item.get("working_from_home")),
    }


def listings(doc: dict[str, Any], ctx: Any = None) -> list[dict[str, Any]]:
    """One volunteer role per item."""
    out = []
    for item in dicts(dig(doc, "data", "items")):
        if _is_org(item):
            continue  # organisations list no roles themselves, like the profile page
        org = item.get("for_recruiter") if isinstance(item.get("for_recruiter"), dict) else {}
        owner = item.get("owner_recruiter") if isinstance(item.get("owner_recruiter"), dict) else {}
        org = org or owner
        native = text(item.get("id"))
        out.append({
            "native_id": native,
            "title": text(item.get("title")),
            **description(item.get("description")),
            "url": PUBLIC_PAGE.format(native) if native else None,
            "organizer": text(org.get("name")),
            "organizer_url": text(org.get("website")),
            **_place(item),
            "country": "GB",  # Do-it lists UK roles only
            "kind": "volunteer_role",
            "commitment": "ongoing",
            "causes": slugs(item.get("interests")),
            "platform": "doit",
        })
    return out
