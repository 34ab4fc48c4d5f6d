"""Toastmasters International Find-a-Club search (`/api/sitecore/FindAClub/Search`): `{"Clubs": [...]}`.

A club is a `networking_group` that meets on a schedule: `MeetingDay` + `MeetingTime` become
the plain-text `recurrence` ("Tuesdays 7:00 PM") a person reads on the club's card.
`Identification.Id` holds the club's name and number, `Address` the street, city, postal code
and `Coordinates`, `AllowsVirtualAttendance` whether one can join online, `Website` its page.
"""

from __future__ import annotations

import re
from typing import Any

from crawlers.extract.apis._common import as_bool, description, dicts, dig, first, text

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def detect(doc: Any) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get("Clubs"), list)


def _schedule(day: Any, time: Any) -> str | None:
    """'Tuesday' + '19:00' -> 'Tuesdays 7:00 PM'; text the API already phrased is kept."""
    d, t = text(day), text(time)
    if d and d.strip().lower() in DAYS:
        d = d.strip().capitalize() + "s"
    m = re.fullmatch(r"(\d{1,2}):(\d{2})(?::\d{2})?", t or "")
    if m:
        h, mi = int(m.group(1)), m.group(2)
        t = f"{(h % 12) or 12}:{mi} {'AM' if h < 12 else 'PM'}"
    return " ".join(x for x in (d, t) if x) or None


def _club(c: dict[str, Any]) -> dict[str, Any]:
    addr = c.get("Address") if isinstance(c.get("Address"), dict) else {}
    online = as_bool(first(c, "AllowsVirtualAttendance", "IsOnline", "Online"))
    street = text(addr.get("Street"))
    return {
        "native_id": text(dig(c, "Identification", "Id", "Value")) or text(c.get("Id")),
        "title": text(dig(c, "Identification", "Id", "Name")) or text(first(c, "Name", "ClubName")),
        **description(first(c, "Description", "MeetingDescription")),
        "url": text(first(c, "Website", "Url", "ClubUrl")),
        "organizer": "Toastmasters International",
        "recurrence": _schedule(c.get("MeetingDay"), c.get("MeetingTime")),
        "venue": text(c.get("Location")),
        "address": street,
        "city": text(addr.get("City")),
        "region": text(first(addr, "State", "Province", "StateProvince")) or text(dig(addr, "PrimaryRegion", "Value")),
        "postal_code": text(addr.get("PostalCode")),
        "country": text(first(c, "CountryName", "Country")) or text(addr.get("Country")),
        "lat": dig(addr, "Coordinates", "Latitude"),
        "lon": dig(addr, "Coordinates", "Longitude"),
        "online": online,
        "attendance_mode": ("mixed" if street or text(addr.get("City")) else "online") if online else None,
        "kind": "networking_group",
        "commitment": "recurring",
        "platform": "toastmasters",
    }


def listings(doc: dict[str, Any], ctx: Any = None) -> list[dict[str, Any]]:
    return [_club(c) for c in dicts(doc.get("Clubs"))]
