"""Stage 4: the same opportunity listed by several sources is linked by `duplicate_of`.

Precision over recall: a wrong merge hides a real event, a missed one only shows it twice.
Two records from different sources are the same opportunity when

- their starts agree: the same instant within `START_TOLERANCE` when both carry an offset; a
  floating time is compared with the other's local wall clock (its own `timezone`); a date-only
  listing with any time on that date. Undated records (roles, groups) need the same canonical URL
  or the same organizer and a near-identical title;
- their titles agree after dropping status prefixes ("Cancelled:"), leading tags ("[EN]") and
  punctuation: rapidfuzz `token_sort_ratio` >= `TITLE_THRESHOLD` (reordered words are fine), or
  one title's words all inside the other's when it has at least three words ("Dagger with
  Spokane Tech" inside "Spokane Python User Group: Dagger with Spokane Tech");
- numbers in both titles are the same ("Session 2" is not "Session 3", "Ignite 4" not "Ignite 5");
- nothing contradicts: kind, city (exact up to spelling), region, country, coordinates
  (< `MAX_KM`), organizer and venue (when both give one), and the URLs are not two different
  pages of one site (a site gives each of its listings its own page).

Sessions of one series have different starts, so they never merge, even when they share a title
and a series URL.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz

from pipelines import Stage

TITLE_THRESHOLD = 88
START_TOLERANCE = dt.timedelta(minutes=15)
MAX_KM = 25.0

_STATUS_PREFIX = re.compile(r"^\s*[\(\[]?\s*(cancell?ed|postponed|rescheduled|updated|new date|moved|sold out)"
                            r"\s*[\)\]]?\s*[:\-–—!]*\s*", re.I)
_LEADING_TAG = re.compile(r"^\s*\[[^\]]{1,20}\]\s*")
_NUMBER = re.compile(r"\d+")


def title_key(title: str | None) -> str:
    """The title as compared: no status prefix or leading tag, lower case, words only."""
    t = title or ""
    for _ in range(3):
        t2 = _LEADING_TAG.sub("", _STATUS_PREFIX.sub("", t))
        if t2 == t:
            break
        t = t2
    t = t.lower().replace("&", " and ")
    return " ".join(re.findall(r"\w+", t))


def _when(rec: dict[str, Any]) -> dt.datetime | dt.date | None:
    s = rec.get("start")
    if not s:
        return None
    try:
        return dt.date.fromisoformat(s) if len(s) == 10 else dt.datetime.fromisoformat(s)
    except ValueError:
        return None


def _wall(x: dt.datetime, rec: dict[str, Any]) -> dt.datetime:
    """Local wall-clock time of an aware start, in its record's zone when known."""
    try:
        z = ZoneInfo(rec["timezone"]) if rec.get("timezone") else None
    except (KeyError, ValueError):
        z = None
    return (x.astimezone(z) if z else x).replace(tzinfo=None)


def same_start(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Both dated and at the same time (see the module docstring for floating and all-day times)."""
    x, y = _when(a), _when(b)
    if x is None or y is None:
        return False
    if isinstance(x, dt.datetime) and isinstance(y, dt.datetime):
        if x.tzinfo is not None and y.tzinfo is not None:
            return abs(x - y) <= START_TOLERANCE
        if x.tzinfo is not None:
            x = _wall(x, a)
        if y.tzinfo is not None:
            y = _wall(y, b)
        return abs(x - y) <= START_TOLERANCE
    xd = _wall(x, a).date() if isinstance(x, dt.datetime) and x.tzinfo else (
        x.date() if isinstance(x, dt.datetime) else x)
    yd = _wall(y, b).date() if isinstance(y, dt.datetime) and y.tzinfo else (
        y.date() if isinstance(y, dt.datetime) else y)
    return xd == yd


def title_score(a: str | None, b: str | None) -> float:
    """0-100 similarity of two titles; 0 when their numbers differ."""
    ka, kb = title_key(a), title_key(b)
    if not ka or not kb:
        return 0.0
    na, nb = set(_NUMBER.findall(ka)), set(_NUMBER.findall(kb))
    if na and nb and na != nb:
        return 0.0
    score = fuzz.token_sort_ratio(ka, kb)
    short = min(len(ka.split()), len(kb.split()))
    if short >= 3 and fuzz.token_set_ratio(ka, kb) == 100:
        score = max(score, 95.0)
    return score


def _norm(v: Any) -> str:
    return " ".join(re.findall(r"\w+", str(v or "").casefold()))


def _km(a: dict[str, Any], b: dict[str, Any]) -> float | None:
    try:
        lat1, lon1, lat2, lon2 = (float(a["lat"]), float(a["lon"]), float(b["lat"]), float(b["lon"]))
    except (KeyError, TypeError, ValueError):
        return None
    if (lat1, lon1) == (0.0, 0.0) or (lat2, lon2) == (0.0, 0.0):
        return None  # "0,0" is a placeholder in real feeds, not the Gulf of Guinea
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(h))


def conflict(a: dict[str, Any], b: dict[str, Any]) -> str | None:
    """The first field on which the two records contradict each other, or None."""
    if a.get("kind") and b.get("kind") and a["kind"] != b["kind"]:
        return "kind"
    for key in ("country", "region"):
        if a.get(key) and b.get(key) and _norm(a[key]) != _norm(b[key]):
            return key
    ca, cb = _norm(a.get("city")), _norm(b.get("city"))
    if ca and cb and fuzz.ratio(ca, cb) < 90:
        return "city"
    km = _km(a, b)
    if km is not None and km > MAX_KM:
        return "coordinates"
    oa, ob = _norm(a.get("organizer")), _norm(b.get("organizer"))
    if oa and ob and fuzz.token_set_ratio(oa, ob) < 70:
        return "organizer"
    va, vb = _norm(a.get("venue")), _norm(b.get("venue"))
    if va and vb and fuzz.token_set_ratio(va, vb) < 60:
        return "venue"
    ua, ub = a.get("url"), b.get("url")
    if ua and ub and ua != ub and urlsplit(ua).netloc.lower() == urlsplit(ub).netloc.lower():
        return "url"  # one site, two pages: two listings (two openings at one shop, two sessions)
    return None


def is_duplicate(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """True when two records from different sources describe the same opportunity."""
    if a.get("id") == b.get("id") or a.get("source") == b.get("source"):
        return False
    if conflict(a, b):
        return False
    dated_a, dated_b = _when(a) is not None, _when(b) is not None
    if dated_a != dated_b:
        return False
    if dated_a and not same_start(a, b):
        return False
    same_url = bool(a.get("url")) and a.get("url") == b.get("url")
    score = title_score(a.get("title"), b.get("title"))
    if not dated_a:
        same_org = bool(_norm(a.get("organizer"))) and _norm(a.get("organizer")) == _norm(b.get("organizer"))
        return (same_url and score >= 60) or (same_org and score >= 95)
    return score >= TITLE_THRESHOLD or (same_url and score >= 60)


def find_canonical(rec: dict[str, Any], candidates: Iterable[dict[str, Any]]) -> str | None:
    """The id of the record this one duplicates (a canonical one, never `rec` itself), best title first."""
    best: tuple[float, str] | None = None
    for c in candidates:
        canonical = c.get("duplicate_of") or c.get("id")
        if not canonical or canonical == rec.get("id") or not is_duplicate(rec, c):
            continue
        score = title_score(rec.get("title"), c.get("title"))
        if best is None or score > best[0]:
            best = (score, canonical)
    return best[1] if best else None


class DedupePipeline(Stage):
    """Scrapy stage: link cross-source duplicates using the store's candidates (see Store.candidates)."""

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        lookup: Callable[[dict[str, Any]], list[dict[str, Any]]] | None = getattr(
            self.spider, "dedupe_candidates", None)
        if lookup:
            item["duplicate_of"] = find_canonical(item, lookup(item))
        return item
