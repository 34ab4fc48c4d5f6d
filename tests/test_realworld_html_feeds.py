"""The extractors over the hand-labelled real pages and feeds in ../shared/realworld.

Runs in-process what `widen extract` runs (extract -> normalize -> classify) on every HTML and
iCalendar file of the html/ and feeds/ folders (the JSON files there belong to the JSON
adapters' tests), with the scorer's conventions: `--now` is the file's saved_on date, `--tz` the
zone when all labelled items share one. Labels follow what a person sees on the page.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import unicodedata
from pathlib import Path

import pytest

from tests.conftest import REALWORLD

FOLDERS = ("html", "feeds")


def _truth() -> list[tuple[str, dict]]:
    rows = []
    for folder in FOLDERS:
        path = REALWORLD / folder / "truth.jsonl"
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            t = json.loads(line)
            if not t["file"].endswith(".json"):
                rows.append((folder, t))
    return rows


TRUTH = _truth()


def _norm(s: object) -> str:
    s = unicodedata.normalize("NFKD", str(s or ""))
    return re.sub(r"\s+", " ", "".join(c for c in s if not unicodedata.combining(c))).strip().casefold()


def _title_key(s: object) -> str:
    return re.sub(r"[\(\[]?\b(cancell?ed|postponed)\b[\)\]]?\s*[:\-–]?", " ", _norm(s)).strip(" -–:")


def _instant(s: str | None, tz: str | None):
    if not s:
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
        return dt.date.fromisoformat(s)
    v = dt.datetime.fromisoformat(s)
    if v.tzinfo is None and tz:
        from zoneinfo import ZoneInfo

        v = v.replace(tzinfo=ZoneInfo(tz))
    return v


def _same_time(want: str | None, want_tz: str | None, got: str | None, got_tz: str | None, end: bool = False) -> bool:
    w, g = _instant(want, want_tz), _instant(got, got_tz)
    if g is None:
        return False
    if not isinstance(w, dt.datetime) and isinstance(g, dt.datetime):
        return g.date() == w  # a labelled day; the data may add the time
    if isinstance(w, dt.datetime) != isinstance(g, dt.datetime):
        return False
    if isinstance(w, dt.datetime) and (w.tzinfo is None) != (g.tzinfo is None):
        return w.replace(tzinfo=None) == g.replace(tzinfo=None)
    return w == g or (end and isinstance(w, dt.date) and not isinstance(w, dt.datetime) and g == w - dt.timedelta(days=1))


@functools.cache
def _run_cached(folder: str, line: str) -> list[dict]:
    return _run(folder, json.loads(line))


def run_file(folder: str, t: dict) -> list[dict]:
    """`widen extract` on one labelled file, in-process (cached: two tests read each file)."""
    return _run_cached(folder, json.dumps(t, sort_keys=True))


def _run(folder: str, t: dict) -> list[dict]:
    from crawlers.extract import Context, extract
    from crawlers.schema import EXTRACT_FIELDS
    from pipelines.classify import classify
    from pipelines.normalize import SourceContext, normalize

    zones = {i.get("timezone") for i in t.get("items") or []}
    tz = zones.pop() if len(zones) == 1 and None not in zones else None
    now = dt.datetime.fromisoformat(t["saved_on"]).replace(tzinfo=dt.UTC) if t.get("saved_on") else dt.datetime.now(dt.UTC)
    body = (REALWORLD / folder / t["file"]).read_bytes()
    out = []
    for raw in extract(body, "", None, Context(now=now, tz=tz)):
        rec = classify(normalize(raw, SourceContext(source="extract", tz=tz, now=now)))
        out.append({k: rec.get(k) for k in EXTRACT_FIELDS} | {"_occurrences": rec["_occurrences"]})
    return out


def _match(item: dict, got: list[dict], used: set[int]) -> int | None:
    best, score = None, 0.0
    for i, g in enumerate(got):
        if i in used:
            continue
        start_ok = bool(item.get("start")) and _same_time(item["start"], item.get("timezone"), g.get("start"),
                                                           g.get("timezone"))
        if item.get("title"):
            if _title_key(item["title"]) != _title_key(g.get("title")):
                continue
            s = 1.0
        elif start_ok:
            s = 1.0
        else:
            continue
        s += 1.0 if start_ok else 0.0
        if s > score:
            best, score = i, s
    return best


@pytest.fixture(scope="module")
def realworld() -> Path:
    if not TRUTH:
        pytest.skip(f"real-world data not present at {REALWORLD} (only in the team's workspace)")
    return REALWORLD


@pytest.mark.parametrize(("folder", "truth"), TRUTH, ids=[t["file"] for _, t in TRUTH])
def test_labelled_listings(realworld, folder, truth):
    got = run_file(folder, truth)
    exp = truth.get("expected_count")
    if exp is not None:
        assert abs(len(got) - exp) <= round(0.1 * exp) and (len(got) > 0) == (exp > 0), f"{len(got)} listings"
    used: set[int] = set()
    found = 0
    for item in truth.get("items") or []:
        k = _match(item, got, used)
        if k is None:
            continue
        used.add(k)
        found += 1
        g = got[k]
        if item.get("start"):
            assert _same_time(item["start"], item.get("timezone"), g["start"], g["timezone"]), (item["title"], g["start"])
        if item.get("end"):
            assert _same_time(item["end"], item.get("timezone"), g["end"], g["timezone"], end=True), (
                item["title"], g["end"])
        if item.get("country"):
            assert g["country"] == item["country"], item["title"]
        if isinstance(item.get("online"), bool):
            assert bool(g["online"]) == item["online"], item["title"]
    labelled = len(truth.get("items") or [])
    assert found >= labelled - 1 if labelled < 10 else found >= 0.9 * labelled, f"found {found}/{labelled}"


def test_place_fields_across_the_set(realworld):
    right = total = 0
    misses = []
    for folder, truth in TRUTH:
        got = run_file(folder, truth)
        used: set[int] = set()
        for item in truth.get("items") or []:
            k = _match(item, got, used)
            if k is None:
                continue
            used.add(k)
            for f in ("venue", "city", "region"):
                if item.get(f):
                    total += 1
                    hay = " | ".join(_norm(got[k].get(x)) for x in ("venue", "address", "city", "region") if got[k].get(x))
                    ok = _norm(item[f]) in hay
                    right += ok
                    if not ok:
                        misses.append((truth["file"], f, item[f]))
    assert total > 50 and right / total >= 0.9, misses[:10]


@pytest.mark.parametrize(("folder", "truth"), [(f, t) for f, t in TRUTH if t.get("expected_occurrences_in_window")],
                         ids=[t["file"] for _, t in TRUTH if t.get("expected_occurrences_in_window")])
def test_occurrences_in_window(realworld, folder, truth):
    from crawlers.cli.extract import _occurrences_in
    from crawlers.extract import Context, extract
    from pipelines.normalize import SourceContext, normalize

    w = truth["expected_occurrences_in_window"]
    lo, hi = (dt.datetime.fromisoformat(x) for x in w["window"])
    zones = {i.get("timezone") for i in truth.get("items") or []}
    tz = zones.pop() if len(zones) == 1 and None not in zones else None
    body = (REALWORLD / folder / truth["file"]).read_bytes()
    n = 0
    for raw in extract(body, "", None, Context(tz=tz, window=(lo, hi))):
        n += len(_occurrences_in(normalize(raw, SourceContext(tz=tz)), (lo, hi)))
    assert n == w["count"]
