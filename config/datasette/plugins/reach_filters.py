"""Reach filters and audience facets for the opportunities table.

URL parameters (each works with facets, counts, `.json`, `.csv` incl. `_stream=on`, `.ics`,
`.atom`, because they enter Datasette's own WHERE clause through `filters_from_request`):

- `?_exclude_audiences=a,b` none of these audiences ("hide what I already reach")
- `?_new_audiences=a,b`     at least one audience outside these ("reaches someone new")
- `?_reach=1`               at least one audience outside your profile (the `new_audiences` the
                            crawl / `widen network import` derived from it)
- `?_audiences=a,b`         at least one of these (repeat the parameter to require several)
- `?_when=week|month`       next or only start within 7 / 30 days from today (WIDEN_NOW pins it)
- `?_near=place`            city, region code or postal code equal to it (any case)
- `?_kind=k` / `?_attendance=a`  the results view's pickers: like `kind=` / `attendance=`, but
                            an empty choice ("any") means no filter instead of "equals ''"

And a facet type, `audience`: `?_facet_audience=audiences` / `?_facet_audience=new_audiences`
(or `facets: [{audience: audiences}]` in metadata).

How, and why (measured at 1M rows on 2 cores, bench/datasette_1m.py):
- Datasette's `_facet_array` / `__arraycontains` run `json_each` over every row: ~4.5 s a facet.
- `id NOT IN (SELECT opportunity_id FROM opportunity_audiences WHERE audience IN …)` costs ~2 µs
  a row for the membership probe: 1.9 s for the count alone, again for every facet (rowids via
  a join: 2.8 s). Too slow for an unselective exclusion.
- So the exclusion-type filters test the row's own `audiences` JSON text for `"slug"` (exact:
  slugs are quoted inside the array) and the covering indexes pipelines/reach.py keeps,
  (facet column, audiences, new_audiences), make every count and facet one index scan (~0.4 s).
  The selective `_audiences` filter does use the `(audience, opportunity_id)` index.
- The audience facet groups the filtered rows by their audience *set* (index-only) and expands
  each distinct set once (json_each in the same query), instead of joining a link row per audience.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections import Counter
from typing import Any

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.facets import Facet
from datasette.filters import FilterArguments
from datasette.utils import path_with_added_args, path_with_removed_args

TABLE = "opportunities"
LINKS = "opportunity_audiences"
FACET_COLUMNS = ("audiences", "new_audiences")
_TRUE = {"1", "on", "true", "yes"}
REACH_CLAUSE = "new_audiences is not null"
WHEN_DAYS = {"week": 7, "month": 30}


def _today() -> dt.date:
    """Today in UTC, or the day WIDEN_NOW pins (tests and the demo pin it, like the crawl does)."""
    pinned = os.environ.get("WIDEN_NOW")
    if pinned:
        try:
            return dt.datetime.fromisoformat(pinned).date()
        except ValueError:
            pass
    return dt.datetime.now(dt.UTC).date()


def _split(values: list[str]) -> list[str]:
    return list(dict.fromkeys(x.strip() for v in values for x in v.split(",") if x.strip()))


def _quoted(prefix: str, values: list[str], params: dict[str, Any]) -> list[str]:
    """Placeholders bound to each slug as it appears inside the JSON array text: `"slug"`."""
    names = []
    for i, v in enumerate(values):
        params[f"reach_{prefix}{i}"] = json.dumps(v, ensure_ascii=False)
        names.append(f":reach_{prefix}{i}")
    return names


def _has(name: str) -> str:
    return f"coalesce(instr(audiences, {name}), 0) > 0"


@hookimpl
def filters_from_request(request: Any, database: str, table: str, datasette: Any) -> Any:
    if table != TABLE:
        return None
    where: list[str] = []
    params: dict[str, Any] = {}
    human: list[str] = []
    exclude = _split(request.args.getlist("_exclude_audiences"))
    if exclude:
        where.append(" and ".join(f"not {_has(n)}" for n in _quoted("x", exclude, params)))
        human.append(f"reaching none of {', '.join(exclude)}")
    new = _split(request.args.getlist("_new_audiences"))
    if new:
        # Arrays hold each slug once, so "some audience outside the list" is: more elements than
        # listed slugs found in it.
        found = " + ".join(f"({_has(n)})" for n in _quoted("n", new, params))
        where.append(f"coalesce(json_array_length(audiences), 0) > {found}")
        human.append(f"reaching an audience other than {', '.join(new)}")
    for i, value in enumerate(request.args.getlist("_audiences")):
        wanted = _split([value])
        if wanted:
            names = [f":reach_a{i}_{j}" for j in range(len(wanted))]
            params.update({n[1:]: v for n, v in zip(names, wanted, strict=True)})
            where.append(f"rowid in (select o.rowid from {LINKS} oa join {TABLE} o on o.id = oa.opportunity_id "
                         f"where oa.audience in ({', '.join(names)}))")
            human.append(f"reaching {' or '.join(wanted)}")
    if (request.args.get("_reach") or "").lower() in _TRUE:
        where.append(REACH_CLAUSE)
        human.append("reaching an audience your network doesn't reach yet")
    days = WHEN_DAYS.get((request.args.get("_when") or "").lower())
    if days:
        today = _today()
        params["reach_from"], params["reach_to"] = today.isoformat(), (today + dt.timedelta(days=days)).isoformat()
        where.append("coalesce(next_start, start) >= :reach_from and coalesce(next_start, start) < :reach_to")
        human.append(f"starting in the next {days} days")
    for column in ("kind", "attendance"):
        value = (request.args.get(f"_{column}") or "").strip()
        if value:
            params[f"reach_{column}"] = value
            where.append(f"{column} = :reach_{column}")
            human.append(f"{column} is {value}")
    near = (request.args.get("_near") or "").strip()
    if near:
        params["reach_near"] = near
        where.append("(city = :reach_near collate nocase or region = :reach_near collate nocase "
                     "or postal_code = :reach_near collate nocase)")
        human.append(f"in {near}")
    if not where:
        return None
    return FilterArguments([f"({w})" for w in where], params, human)


class AudienceFacet(Facet):
    """Facet counts of audiences (`audiences`) or of new-to-you audiences (`new_audiences`):
    the filtered rows grouped by their JSON sets (one index-only scan serves both columns), each
    distinct set expanded once."""

    type = "audience"

    async def suggest(self) -> list[dict[str, Any]]:
        return []

    async def _counts(self) -> dict[str, Counter[str]]:
        """Both columns' counts from one scan: the filtered rows grouped by their (audiences,
        new_audiences) pair, each distinct set then expanded once in SQL. The answer is one row
        per audience and column (a few dozen), small enough for widen_summary to remember; the
        sets themselves number 67,000 at 1M rows."""
        rows = await self.ds.execute(self.database, _AUDIENCE_COUNTS.format(sql=self.sql), self.params,
                                     truncate=False, custom_time_limit=self.ds.setting("facet_time_limit_ms"))
        counts: dict[str, Counter[str]] = {c: Counter() for c in FACET_COLUMNS}
        for column, value, n in rows.rows:
            counts[column][str(value)] += n
        return counts

    async def facet_results(self) -> tuple[list[dict[str, Any]], list[str]]:
        results: list[dict[str, Any]] = []
        timed_out: list[str] = []
        configs = [(c, c["config"].get("column") or c["config"]["simple"]) for c in self.get_configs()]
        configs = [(c, col) for c, col in configs if col in FACET_COLUMNS]
        if self.table != TABLE or not configs:
            return results, timed_out
        try:
            counts = await self._counts()
        except QueryInterrupted:
            return results, [col for _, col in configs]
        size = self.get_facet_size()
        labels = _labels()
        chosen = set(_split(self.request.args.getlist("_audiences")))
        for cfg, column in configs:
            ranked = sorted(counts[column].items(), key=lambda vc: (-vc[1], vc[0]))
            values = []
            for value, count in ranked[:size]:
                selected = value in chosen
                path = (path_with_removed_args(self.request, {"_audiences": value}) if selected
                        else path_with_added_args(self.request, {"_audiences": value}))
                values.append({"value": value, "label": labels.get(value, value), "count": count,
                               "toggle_url": self.ds.absolute_url(self.request, self.ds.urls.path(path)),
                               "selected": selected})
            results.append({
                "name": column, "type": self.type, "results": values,
                "hideable": cfg["source"] != "metadata",
                "toggle_url": self.ds.urls.path(path_with_removed_args(self.request, {"_facet_audience": column})),
                "truncated": len(ranked) > size,
            })
        return results, timed_out


def _expanded(column: str) -> str:
    """Each set's slugs in `column` with the set's row count (the pipeline stores an audience once
    per array; a malformed or non-array value counts as empty, as it reads on the page)."""
    arr = f"case when json_valid(sets.{column}) and json_type(sets.{column}) = 'array' then sets.{column} else '[]' end"
    return f"select '{column}', j.value, sum(sets.n) from sets, json_each({arr}) j group by j.value"


_AUDIENCE_COUNTS = ("with sets as materialized (select audiences, new_audiences, count(*) as n from ({sql}) "
                    "where audiences is not null group by audiences, new_audiences) "
                    + " union all ".join(_expanded(c) for c in FACET_COLUMNS))


def _labels() -> dict[str, str]:
    """Audience labels from the taxonomy, when widen is importable (it is under `widen serve`)."""
    try:
        from pipelines.audiences import audience_labels
    except ImportError:  # a bare Datasette without widen still shows slugs
        return {}
    return audience_labels()


@hookimpl
def register_facet_classes() -> list[type[Facet]]:
    return [AudienceFacet]
