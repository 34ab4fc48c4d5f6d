"""Small helpers the API adapters share: safe digging, epoch times, referral-free links, countries.

Adapters read documents that other people's servers wrote; every helper here tolerates a
missing key, a wrong type or an empty string instead of raising, so one odd record never costs
the rest of the page.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that only say who referred the visitor (a partner feed's own tags);
# dropping them makes the same listing one URL whichever feed it came through.
REFERRAL_PARAM = re.compile(r"^\??(utm_|referrer|ref_id$|ref$|source$|campaign$|medium$)", re.I)

# Country-code top-level domains that really name a country (not .io/.co/.me/.tv style vanity use).
CCTLD_COUNTRY = {
    "uk": "GB", "ie": "IE", "de": "DE", "fr": "FR", "nl": "NL", "be": "BE", "at": "AT", "ch": "CH",
    "es": "ES", "it": "IT", "pt": "PT", "se": "SE", "no": "NO", "dk": "DK", "fi": "FI", "pl": "PL",
    "cz": "CZ", "ca": "CA", "au": "AU", "nz": "NZ", "za": "ZA", "jp": "JP", "in": "IN", "br": "BR",
    "mx": "MX", "ar": "AR",
}
UK_POSTCODE = re.compile(r"^\s*[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\s*$", re.I)


def dig(obj: Any, *path: str | int) -> Any:
    """`obj[a][b]...` or None when any step is missing or of the wrong type."""
    for step in path:
        if isinstance(step, int):
            if not isinstance(obj, list) or not -len(obj) <= step < len(obj):
                return None
            obj = obj[step]
        elif isinstance(obj, dict):
            obj = obj.get(step)
        else:
            return None
    return obj


def first(obj: Any, *keys: str) -> Any:
    """The first present, non-empty value among `keys` of a dict."""
    if not isinstance(obj, dict):
        return None
    for k in keys:
        v = obj.get(k)
        if v not in (None, "", [], {}):
            return v
    return None


def text(value: Any) -> str | None:
    """A display string from a plain value or a wrapped one ({"text": ...}, {"en": ...}, {"name": ...})."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, dict):
        return text(first(value, "text", "html", "name", "en", "value", "title"))
    s = str(value).strip()
    return s or None


def description(value: Any) -> dict[str, str]:
    """`description_html` when the text carries markup, else plain `description`."""
    s = text(value)
    if not s:
        return {}
    return {"description_html": s} if re.search(r"<[a-zA-Z/][^>]*>", s) else {"description": s}


def epoch(value: Any, *, millis: bool | None = None) -> dt.datetime | None:
    """An aware UTC datetime from Unix seconds or milliseconds (guessed by size when not told)."""
    if value in (None, "") or isinstance(value, bool):
        return None
    try:
        n = float(value)
    except (TypeError, ValueError):
        m = re.fullmatch(r"/Date\((-?\d+)[^)]*\)/", str(value))  # .NET JSON dates, in milliseconds
        if not m:
            return None
        n, millis = float(m.group(1)), True
    if millis is None:
        millis = abs(n) > 1e11
    try:
        return dt.datetime.fromtimestamp(n / 1000 if millis else n, dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None


def as_bool(value: Any) -> bool | None:
    """True/False from booleans and the strings APIs use for them ("true", "1", "yes")."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "1", "yes", "y"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("false", "0", "no", "n"):
        return False
    return None


def strip_referral(url: Any) -> str | None:
    """The URL without referral/campaign parameters a partner feed appends."""
    s = text(url)
    if not s:
        return None
    parts = urlsplit(s)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not REFERRAL_PARAM.match(k)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def country_from(url: Any = None, postcode: Any = None) -> str | None:
    """A country a person would infer from a national postcode or the listing's country domain."""
    if isinstance(postcode, str) and UK_POSTCODE.match(postcode):
        return "GB"
    host = urlsplit(text(url) or "").hostname or ""
    tld = host.rsplit(".", 1)[-1] if "." in host else ""
    return CCTLD_COUNTRY.get(tld)


def dms(value: Any) -> tuple[float, float] | None:
    """(lat, lon) from degrees-minutes-seconds text like `51° 34' 31.4" N, 0° 19' 19.3" W`; None at 0,0."""
    s = text(value)
    if not s:
        return None
    parts = re.findall(r"(-?\d+(?:\.\d+)?)°\s*(?:(\d+(?:\.\d+)?)'\s*)?(?:(\d+(?:\.\d+)?)\"\s*)?([NSEW])?", s)
    if len(parts) != 2:
        return None
    out = []
    for deg, mins, secs, hemi in parts:
        v = float(deg) + float(mins or 0) / 60 + float(secs or 0) / 3600
        out.append(-v if hemi in ("S", "W") else v)
    if out[0] == 0 and out[1] == 0:
        return None
    return out[0], out[1]


def walk(doc: Any) -> Iterator[Any]:
    """Every dict and list inside a document, depth first (iterative: real documents nest deeply)."""
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            yield node
            stack.extend(reversed(list(node.values())))
        elif isinstance(node, list):
            yield node
            stack.extend(reversed(node))


def dicts(value: Any) -> list[dict[str, Any]]:
    """The dict members of a list (or a lone dict as a one-item list)."""
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [x for x in value if isinstance(x, dict)]
    return []


def joined(*parts: Any, sep: str = ", ") -> str | None:
    """Non-empty parts joined (address lines)."""
    vals = [str(p).strip() for p in parts if p not in (None, "") and str(p).strip()]
    return sep.join(vals) or None


def slugs(values: Any) -> list[str] | None:
    """Lower-case slugs from names or {"slug"/"name": ...} objects (interests, causes, skills)."""
    out: list[str] = []
    for v in values if isinstance(values, list) else []:
        name = first(v, "slug", "name", "title") if isinstance(v, dict) else v
        if isinstance(name, str) and name.strip():
            out.append(re.sub(r"[^a-z0-9]+", "-", name.strip().lower()).strip("-"))
    return list(dict.fromkeys(s for s in out if s)) or None
