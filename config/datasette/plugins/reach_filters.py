"""Reach filters and audience facets for the opportunities table, over `opportunity_audiences`.

URL parameters (each works with facets, counts, `.json`, `.csv` incl. `_stream=on`, `.ics`,
`.atom`, because they enter Datasette's own WHERE clause through `filters_from_request`):

- `?_exclude_audiences=a,b` none of these audiences ("hide what I already reach")
- `?_new_audiences=a,b`     at least one audience outside these ("reaches someone new")
- `?_reach=1`               the same, with your profile (`network_audiences`) as the list
- `?_audiences=a,b`         at least one of these (repeat the parameter to require several)

And a facet type, `audience`: `?_facet_audience=audiences` / `?_facet_audience=new_audiences`
(or `facets: [{audience: audiences}]` in metadata) counts from the normalized table.

Why not Datasette's built-ins: `_facet_array` and `__arraycontains` run `json_each` over every
row's JSON text, ~4.5 s per facet at 1M rows (timing out at the default limit) and HTTP 400 with
facets; every filter here is a subquery on the `(audience, opportunity_id)` index instead, and
`_reach=1` reads the `new_audiences` flag through the partial indexes pipelines/reach.py keeps.
"""

from __future__ import annotations

import json
from typing import Any

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.facets import Facet
from datasette.filters import FilterArguments
from datasette.utils import escape_sqlite, path_with_added_args, path_with_removed_args

TABLE = "opportunities"
LINKS = "opportunity_audiences"
FACET_COLUMNS = ("audiences", "new_audiences")
_TRUE = {"1", "on", "true", "yes"}
REACH_CLAUSE = "new_audiences is not null"


def _split(values: list[str]) -> list[str]:
    return list(dict.fromkeys(x.strip() for v in values for x in v.split(",") if x.strip()))


def _in_list(prefix: str, values: list[str], params: dict[str, Any]) -> str:
    """`:reach_<prefix>0, …` placeholders bound to values (never interpolated)."""
    names = []
    for i, v in enumerate(values):
        params[f"reach_{prefix}{i}"] = v
        names.append(f":reach_{prefix}{i}")
    return ", ".join(names)


def _clause(rows_op: str, audience_op: str, prefix: str, values: list[str], params: dict[str, Any]) -> str:
    """`rowid <rows_op> (rowids of opportunities with an audience <audience_op> (values))`.

    Rowids, not ids: every index on opportunities carries the rowid, so Datasette's count and
    column facets stay index-only scans instead of reading each (wide) row for its text id.
    """
    return (f"rowid {rows_op} (select o.rowid from {LINKS} oa join {TABLE} o on o.id = oa.opportunity_id "
            f"where oa.audience {audience_op} ({_in_list(prefix, values, params)}))")


@hookimpl
def filters_from_request(request: Any, database: str, table: str, datasette: Any) -> Any:
    if table != TABLE:
        return None
    where: list[str] = []
    params: dict[str, Any] = {}
    human: list[str] = []
    exclude = _split(request.args.getlist("_exclude_audiences"))
    if exclude:
        where.append(_clause("not in", "in", "x", exclude, params))
        human.append(f"reaching none of {', '.join(exclude)}")
    new = _split(request.args.getlist("_new_audiences"))
    if new:
        where.append(_clause("in", "not in", "n", new, params))
        human.append(f"reaching an audience other than {', '.join(new)}")
    for i, value in enumerate(request.args.getlist("_audiences")):
        wanted = _split([value])
        if wanted:
            where.append(_clause("in", "in", f"a{i}_", wanted, params))
            human.append(f"reaching {' or '.join(wanted)}")
    if (request.args.get("_reach") or "").lower() in _TRUE:
        # new_audiences is what the last recompute (or the crawl) derived from your profile; the
        # partial indexes pipelines.reach keeps on it make this page index-only at 1M rows.
        where.append(REACH_CLAUSE)
        human.append("reaching an audience your network doesn't")
    if not where:
        return None
    return FilterArguments(where, params, human)


class AudienceFacet(Facet):
    """Facet counts of audiences (`audiences`) or of new-to-you audiences (`new_audiences`).

    Without a filter (or, for `new_audiences`, with only `_reach=1`) the normalized link table is
    counted directly. With a filter, the filtered rows are grouped by their audience *set* (the
    JSON text, an index-only scan) and each distinct set is expanded once: tens of thousands of
    sets instead of a million rows or a join per link row.
    """

    type = "audience"

    async def suggest(self) -> list[dict[str, Any]]:
        return []

    def _where_tail(self) -> str | None:
        """The WHERE part of Datasette's table SQL ('' when unfiltered), None when unknown."""
        marker = f" from {escape_sqlite(TABLE)} "
        return self.sql.split(marker, 1)[1].strip() if marker in self.sql else None

    async def _counts(self, column: str) -> list[tuple[str, int]]:
        tail = self._where_tail()
        limit = self.ds.setting("facet_time_limit_ms")
        new_only = " where new = 1" if column == "new_audiences" else ""
        if tail == "" or (column == "new_audiences" and tail == f"where {REACH_CLAUSE}"):
            rows = await self.ds.execute(
                self.database, f"select audience, count(*) from {LINKS}{new_only} group by audience",
                truncate=False, custom_time_limit=limit)
            return [(r[0], r[1]) for r in rows.rows]
        col = escape_sqlite(column)
        rows = await self.ds.execute(
            self.database, f"select {col}, count(*) from ({self.sql}) where {col} is not null group by {col}",
            self.params, truncate=False, custom_time_limit=limit)
        counts: dict[str, int] = {}
        for text, n in rows.rows:
            try:
                values = json.loads(text)
            except (TypeError, ValueError):
                continue
            for v in set(values) if isinstance(values, list) else ():
                counts[str(v)] = counts.get(str(v), 0) + n
        return list(counts.items())

    async def facet_results(self) -> tuple[list[dict[str, Any]], list[str]]:
        results: list[dict[str, Any]] = []
        timed_out: list[str] = []
        if self.table != TABLE or not await self.ds.get_database(self.database).table_exists(LINKS):
            return results, timed_out
        size = self.get_facet_size()
        labels = _labels()
        chosen = set(_split(self.request.args.getlist("_audiences")))
        for cfg in self.get_configs():
            column = cfg["config"].get("column") or cfg["config"]["simple"]
            if column not in FACET_COLUMNS:
                continue
            try:
                counts = sorted(await self._counts(column), key=lambda vc: (-vc[1], vc[0]))
            except QueryInterrupted:
                timed_out.append(column)
                continue
            values = []
            for value, count in counts[:size]:
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
                "truncated": len(counts) > size,
            })
        return results, timed_out


def _labels() -> dict[str, str]:
    """Audience labels from the taxonomy, when widen is importable (it is under `widen serve`)."""
    try:
        from pipelines.audiences import load_taxonomy

        return {a.slug: a.label for a in load_taxonomy()}
    except Exception:  # noqa: BLE001 - a bare Datasette without widen still shows slugs
        return {}


@hookimpl
def register_facet_classes() -> list[type[Facet]]:
    return [AudienceFacet]
