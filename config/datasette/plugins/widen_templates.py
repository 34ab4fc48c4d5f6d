"""Jinja helpers for widen's templates: the opportunity card (templates/row.html) and the activity
chart (templates/query.html).

Scraped text reaches the page only through these helpers or Jinja's autoescaping:
- `widen_clean` runs nh3 again on `description_html` at render time. The pipeline already
  sanitized it, but a row written by anything else (an old crawl, a hand edit, a bug) must still
  never execute script in a reader's browser: defence in depth, and the only `|safe` input.
- `widen_http` lets only http(s) URLs become links (no `javascript:` or `data:`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import nh3
from datasette import hookimpl
from markupsafe import Markup, escape

from crawlers.export import http_url
from pipelines.recurrence import rule_in_words

LINK_REL = "noopener nofollow noreferrer"
# No images: a scraped <img> is at best decoration and at worst a tracking pixel.
TAGS = set(nh3.ALLOWED_TAGS) - {"img"}


def clean_html(value: Any) -> Markup:
    """Sanitized HTML safe to insert: no script, no event handlers, links rel=noopener nofollow."""
    if not value:
        return Markup("")
    return Markup(nh3.clean(str(value), tags=TAGS, link_rel=LINK_REL, url_schemes={"http", "https", "mailto"}))


def json_list(value: Any) -> list[str]:
    """A JSON-array column as a list (empty for null or malformed values)."""
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, str) and value.startswith("["):
        try:
            return [str(v) for v in json.loads(value)]
        except ValueError:
            return []
    return []


def _parse(value: Any) -> dt.date | dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        if len(value) == 10:
            return dt.date.fromisoformat(value)
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _clock(t: dt.datetime) -> str:
    return t.strftime("%I:%M %p").lstrip("0").replace(":00 ", " ")


def human_when(start: Any, end: Any = None, tzname: Any = None) -> str:
    """'Fri 6 Mar 2026, 7:30–9 AM CST' in the event's own zone; dates alone for all-day listings."""
    s, e = _parse(start), _parse(end)
    if s is None:
        return ""
    if not isinstance(s, dt.datetime):
        text = s.strftime("%a %-d %b %Y")
        if isinstance(e, dt.date) and not isinstance(e, dt.datetime) and e > s + dt.timedelta(days=1):
            text += " – " + (e - dt.timedelta(days=1)).strftime("%a %-d %b %Y")
        return text + " (all day)"
    zone = None
    if tzname:
        try:
            zone = ZoneInfo(str(tzname))
        except (ZoneInfoNotFoundError, ValueError):
            zone = None
    if zone and s.tzinfo:
        s = s.astimezone(zone)
        e = e.astimezone(zone) if isinstance(e, dt.datetime) and e.tzinfo else e
    same_day = isinstance(e, dt.datetime) and e.date() == s.date()
    first = _clock(s)
    if same_day and s.strftime("%p") == e.strftime("%p"):
        first = first.rsplit(" ", 1)[0]  # 7:30–9 AM
    text = f"{s.strftime('%a %-d %b %Y')}, {first}"
    if isinstance(e, dt.datetime):
        text += "–" + (_clock(e) if same_day else f"{e.strftime('%a %-d %b')}, {_clock(e)}")
    if s.tzinfo:
        text += f" {s.tzname()}"
    else:
        text += " (local time)"
    return text


def activity_chart(rows: list[Any], dimension: str = "kind", top: int = 8, width: int = 640) -> Markup:
    """A stacked bar chart (inline SVG, no script, works offline) of `n` by `month` and `label`."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    totals: dict[str, int] = defaultdict(int)
    for r in rows:
        if r["dimension"] != dimension or not r["month"]:
            continue
        counts[r["month"]][r["label"]] += int(r["n"])
        totals[r["label"]] += int(r["n"])
    if not counts:
        return Markup("")
    labels = sorted(totals, key=lambda k: (-totals[k], k))
    shown = labels[:top]
    months = sorted(counts)
    palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#bab0ac"]
    color = {lab: palette[i % len(palette)] for i, lab in enumerate([*shown, "other"])}
    peak = max(sum(m.values()) for m in counts.values())
    height, left, bottom = 180, 36, 22
    bar = max(6, min(48, (width - left) // max(1, len(months)) - 6))
    parts = [f'<svg class="widen-chart" role="img" width="{width}" height="{height + bottom + 14}" '
             f'viewBox="0 0 {width} {height + bottom + 14}" xmlns="http://www.w3.org/2000/svg">',
             f"<title>Opportunities by month and {escape(dimension)}</title>",
             f'<text x="0" y="12" font-size="11">{peak}</text>']
    for i, month in enumerate(months):
        x = left + i * (bar + 6)
        y = height + 14
        stack = [(lab, counts[month].get(lab, 0)) for lab in shown]
        stack.append(("other", sum(v for k, v in counts[month].items() if k not in shown)))
        for lab, n in stack:
            if not n:
                continue
            h = max(1, round(n / peak * height))
            y -= h
            parts.append(f'<rect x="{x}" y="{y}" width="{bar}" height="{h}" fill="{color[lab]}">'
                         f"<title>{escape(month)} · {escape(lab)}: {n}</title></rect>")
        parts.append(f'<text x="{x}" y="{height + bottom + 10}" font-size="10">{escape(month)}</text>')
    parts.append("</svg>")
    legend = "".join(f'<li><span style="background:{color[lab]}"></span>{escape(lab)} ({totals.get(lab, 0)})</li>'
                     for lab in shown)
    if len(labels) > len(shown):
        legend += f'<li><span style="background:{color["other"]}"></span>other</li>'
    return Markup("".join(parts) + f'<ul class="widen-legend">{legend}</ul>')


def audience_cue(cue: Any, labels: dict[str, str] | None = None) -> str:
    """'data: data scientists' -> 'Data and analytics ("data scientists")': the audience by its
    label, and the words that matched when they say more than the label does."""
    slug, _, words = str(cue).partition(": ")
    label = (labels or {}).get(slug, slug.replace("_", " "))
    if not words or words.lower() in (slug.lower(), label.lower()):
        return label
    return f"{label} (\u201c{words}\u201d)"


TIME_COLUMNS = {"start", "end", "next_start", "occurrence_start", "starts"}


@hookimpl
def render_cell(row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any) -> Any:
    """Times in canned-query results read as words in their own zone (`<time>` keeps the ISO
    value for machines); table pages keep Datasette's raw cells, the results view has its own."""
    if table is not None or column not in TIME_COLUMNS or not isinstance(value, str) or len(value) < 10:
        return None
    keys = row.keys() if hasattr(row, "keys") else []
    words = human_when(value, None, row["timezone"] if "timezone" in keys else None)
    return Markup(f'<time datetime="{escape(value)}">{escape(words)}</time>') if words else None


@hookimpl
def prepare_jinja2_environment(env: Any, datasette: Any) -> None:
    env.filters["widen_clean"] = clean_html
    env.filters["widen_http"] = http_url
    env.filters["widen_json_list"] = json_list
    env.globals["widen_when"] = human_when
    env.globals["widen_cue"] = audience_cue
    env.globals["widen_rule"] = rule_in_words
    env.globals["widen_activity_chart"] = activity_chart
