"""Stage 4: the same opportunity listed by several sources is linked by `duplicate_of`.

Precision over recall: a pair must share its start (within a tolerance), have near-identical
titles (rapidfuzz token_sort_ratio, which tolerates reordered words) and not contradict on
place or organizer. Sessions of one series have different starts, so they never merge.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from rapidfuzz import fuzz

from pipelines import Stage, when

TITLE_THRESHOLD = 88
START_TOLERANCE = dt.timedelta(minutes=15)


def _instant(rec: dict[str, Any]) -> dt.datetime | dt.date | None:
    w = when.parse(rec.get("start"))
    return w.value if w else None


def _same_start(a: dict[str, Any], b: dict[str, Any]) -> bool:
    x, y = _instant(a), _instant(b)
    if x is None or y is None:
        return False
    if isinstance(x, dt.datetime) and isinstance(y, dt.datetime):
        if (x.tzinfo is None) != (y.tzinfo is None):
            x, y = x.replace(tzinfo=None), y.replace(tzinfo=None)
        return abs(x - y) <= START_TOLERANCE
    xd = x.date() if isinstance(x, dt.datetime) else x
    yd = y.date() if isinstance(y, dt.datetime) else y
    return xd == yd and not (isinstance(x, dt.datetime) and isinstance(y, dt.datetime))


def _compatible(a: dict[str, Any], b: dict[str, Any], key: str, threshold: int = 70) -> bool:
    x, y = a.get(key), b.get(key)
    if not x or not y:
        return True
    return fuzz.token_set_ratio(str(x).lower(), str(y).lower()) >= threshold


def is_duplicate(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """True when two records from different sources describe the same opportunity."""
    if a.get("id") == b.get("id") or a.get("source") == b.get("source"):
        return False
    if a.get("kind") != b.get("kind") or not _same_start(a, b):
        return False
    if fuzz.token_sort_ratio((a.get("title") or "").lower(), (b.get("title") or "").lower()) < TITLE_THRESHOLD:
        return False
    return _compatible(a, b, "city", 80) and _compatible(a, b, "organizer") and _compatible(a, b, "venue", 60)


def find_canonical(rec: dict[str, Any], candidates: Iterable[dict[str, Any]]) -> str | None:
    """The id of the record this one duplicates (the canonical one, never itself a duplicate)."""
    for c in candidates:
        if is_duplicate(rec, c):
            return c.get("duplicate_of") or c["id"]
    return None


class DedupePipeline(Stage):
    """Scrapy stage: link cross-source duplicates using the store's candidates for the same day."""

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        lookup: Callable[[dict[str, Any]], list[dict[str, Any]]] | None = getattr(
            self.spider, "dedupe_candidates", None)
        if lookup and item.get("start"):
            item["duplicate_of"] = find_canonical(item, lookup(item))
        return item
