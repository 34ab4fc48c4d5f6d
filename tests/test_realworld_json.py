"""The JSON adapters on real API responses (../shared/realworld), checked against the hand labels.

Each labelled JSON file runs through extract -> normalize -> classify in process, with the crawl
time (`saved_on`) and source zone the scorer would pass. Per file: the listing count is right
(within the scorer's 10%), every labelled title is found, and its start, end and kind agree
exactly. The other labelled fields (place, organizer, url, online...) must agree at 98% or more
per folder: a few depend on normalization rules outside the extractors. Skipped, with the reason,
where the shared folder is absent.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import json
import re
import unicodedata
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from conftest import REALWORLD, require_realworld

from crawlers.extract import Context, extract
from crawlers.schema import KINDS
from pipelines.classify import classify
from pipelines.normalize import SourceContext, normalize

FOLDERS = ("volunteer", "feeds", "html")
TEXT_FIELDS = {"venue": ("venue", "address"), "location": ("venue", "address", "city"), "city": ("city", "address"),
               "region": ("region", "address"), "organizer": ("organizer",)}


def _labels() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for folder in FOLDERS:
        truth = REALWORLD / folder / "truth.jsonl"
        if truth.exists():
            out += [(folder, t) for t in map(json.loads, truth.read_text().splitlines()) if t["file"].endswith(".json")]
    return out


def _norm(s: Any) -> str:
    s = unicodedata.normalize("NFKD", str(s or ""))
    return re.sub(r"\s+", " ", "".join(c for c in s if not unicodedata.combining(c))).strip().casefold()


def _contains(want: Any, *got: Any) -> bool:
    w, hay = _norm(want), " | ".join(_norm(g) for g in got if g)
    if w in hay and hay:
        return True
    words = set(re.findall(r"\w+", w))
    return bool(words) and len(words & set(re.findall(r"\w+", hay))) / len(words) >= 0.8


def _instant(value: Any, tz: str | None) -> Any:
    if not value:
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return dt.date.fromisoformat(value)
    v = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return v.replace(tzinfo=ZoneInfo(tz)) if v.tzinfo is None and tz else v


def _same_time(want: Any, want_tz: str | None, got: Any, got_tz: str | None, *, end: bool = False) -> bool:
    w, g = _instant(want, want_tz), _instant(got, got_tz)
    if isinstance(w, dt.date) and not isinstance(w, dt.datetime):
        gd = g.date() if isinstance(g, dt.datetime) else g
        return gd == w or (end and gd == w - dt.timedelta(days=1))
    if not isinstance(g, dt.datetime):
        return False
    if (w.tzinfo is None) != (g.tzinfo is None):
        return w.replace(tzinfo=None) == g.replace(tzinfo=None)
    return abs((w - g).total_seconds()) < 60


def _run(folder: str, label: dict[str, Any]) -> list[dict[str, Any]]:
    return _cached_run(folder, label["file"])


@functools.cache
def _cached_run(folder: str, file: str) -> list[dict[str, Any]]:
    """Records of one file, computed once per session (two tests read each file)."""
    label = next(t for f, t in LABELS if f == folder and t["file"] == file)
    zones = {i.get("timezone") for i in label.get("items") or []}
    tz = zones.pop() if len(zones) == 1 and None not in zones else None
    now = dt.datetime.fromisoformat(label["saved_on"]).replace(tzinfo=dt.UTC) if label.get("saved_on") else (
        dt.datetime.now(dt.UTC))
    body = (REALWORLD / folder / label["file"]).read_bytes()
    raws = extract(body, "", None, Context(now=now, tz=tz))
    return [classify(normalize(r, SourceContext(source="t", tz=tz, now=now))) for r in raws]


def _match(item: dict[str, Any], got: list[dict[str, Any]], used: set[int]) -> int | None:
    best, score = None, 0.0
    for i, g in enumerate(got):
        if i in used:
            continue
        s = difflib.SequenceMatcher(None, _norm(item["title"]), _norm(g.get("title"))).ratio()
        if s < 0.85:
            continue
        if item.get("start") and _same_time(item["start"], item.get("timezone"), g.get("start"), g.get("timezone")):
            s += 1
        s += 0.1 * sum(bool(item.get(f) and _contains(item[f], g.get(f))) for f in ("venue", "city", "organizer"))
        if s > score:
            best, score = i, s
    return best


def _field_checks(item: dict[str, Any], g: dict[str, Any]) -> dict[str, bool]:
    checks = {f: _contains(item[f], *(g.get(k) for k in keys)) for f, keys in TEXT_FIELDS.items() if item.get(f)}
    if item.get("country"):
        checks["country"] = item["country"] == g.get("country")
    if isinstance(item.get("online"), bool):
        checks["online"] = bool(g.get("online")) == item["online"]
    if isinstance(item.get("all_day"), bool):
        checks["all_day"] = bool(g.get("all_day")) == item["all_day"]
    if item.get("url"):
        strip = lambda u: re.sub(r"^https?://(www\.)?", "", _norm(u)).rstrip("/")  # noqa: E731
        checks["url"] = strip(item["url"]) == strip(g.get("url"))
    return checks


LABELS = _labels()


@pytest.mark.parametrize(("folder", "label"), LABELS, ids=[f"{f}/{t['file']}" for f, t in LABELS] or None)
def test_counts_titles_times_and_kinds(folder: str, label: dict[str, Any]) -> None:
    require_realworld()
    got = _run(folder, label)
    exp = label.get("expected_count")
    if exp is not None:
        assert abs(len(got) - exp) <= round(0.1 * exp) and (len(got) > 0) == (exp > 0), (len(got), exp)
    used: set[int] = set()
    for item in label.get("items") or []:
        k = _match(item, got, used)
        assert k is not None, f"not found: {item['title']!r}"
        used.add(k)
        g = got[k]
        if item.get("start"):
            assert _same_time(item["start"], item.get("timezone"), g["start"], g["timezone"]), (item["title"], g["start"])
        else:
            assert g["start"] is None, (item["title"], g["start"])  # ongoing roles and groups have no date
        if item.get("end"):
            assert _same_time(item["end"], item.get("timezone"), g["end"], g["timezone"], end=True), (item["title"], g["end"])
        if item.get("kind") in KINDS:  # feeds/ labels a few groups "group", outside the record's vocabulary
            assert g["kind"] == item["kind"], (item["title"], g["kind"], g.get("kind_reason"))


@pytest.mark.parametrize("folder", FOLDERS)
def test_labelled_fields_agree(folder: str) -> None:
    require_realworld()
    labels = [t for f, t in LABELS if f == folder]
    if not labels:
        pytest.skip(f"no labelled JSON files in {folder}/")
    ok = total = 0
    wrong = []
    for label in labels:
        got, used = _run(folder, label), set()
        for item in label.get("items") or []:
            k = _match(item, got, used)
            if k is None:
                continue
            used.add(k)
            for field, good in _field_checks(item, got[k]).items():
                total += 1
                ok += good
                if not good:
                    wrong.append(f"{label['file']}: {field} want {item.get(field)!r} in {item['title']!r}")
    assert total and ok / total >= 0.98, wrong
