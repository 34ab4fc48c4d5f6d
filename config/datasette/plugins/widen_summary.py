"""Counts and facets at a million listings: tallied once per served database, not per request.

`widen serve` serves the database immutable (a crawl's rows appear after a restart), yet Datasette
recounts the rows and re-runs every facet's GROUP BY over the filtered set on each page view: at
1M listings that is ~0.7 s for the default page, ~1 s for the reach page and ~4 s for a search
for a common word, per request (bench/serve_load.py). Because nothing changes while served:

- Every count and facet query of an immutable database is answered once and remembered, keyed
  by its exact SQL and parameters, so the numbers shown are the ones SQL gives (the tally is the
  per-crawl summary; a restart after a crawl starts a new one).
- At start-up the views people open first are tallied in the background: the default page, the
  reach page, each facet value's page (one filter) and the pickers' choices, one at a time.
- A results page (HTML) whose filter has not been tallied yet counts at most BOUND+1 rows and
  says "more than 10,000" when it reaches that; facets over more than BOUND rows are not run
  while the reader waits. Both are then tallied in the background, one query at a time, and the
  page says so ("reload in a moment"). JSON, CSV, iCalendar and Atom are always exact.
- The tallies are kept beside the database (`<name>.tally.json`, else in the temp dir) for the
  next start on the same file: a restart without a crawl does not tally again; a crawl changes
  the file's size and time, and its tallies start over.
- A search for a common word lists its page by walking the sort's index (see _SEARCH).
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import re
import sys
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from datasette import hookimpl
from datasette.database import QueryInterrupted, Results

from crawlers.db import beside
from crawlers.schema import ATTENDANCE, KINDS

TABLE = "opportunities"
BOUND = 10_000  # counted exactly up to here while the reader waits (metadata: widen-summary: bound)
MEMO_SIZE = 4096  # remembered answers per database (a facet's answer is a few dozen rows)
MEMO_ROWS = 1000  # answers longer than this (an ad-hoc ?sql= report) are not remembered
BACKLOG = 256  # queries waiting to be tallied; more are dropped (the page still renders)
# The pickers of the results view (templates/_widen_results.html): their pages are tallied at
# start-up like the facet links.
PICKS = {"_kind": KINDS, "_attendance": ATTENDANCE, "_when": ("week", "month")}  # reach_filters.WHEN_DAYS
_COUNT = re.compile(rf"\s*select count\(\*\) from {TABLE}\b", re.I)
_TALLIED = re.compile(r"\bcount\(\*\)", re.I)
# Datasette's `?_search=` clause. For a common word SQLite takes every match's row by rowid and
# sorts them all by id (1M rows, a word in half of them: 0.4-1.2 s); `+rowid` makes it walk the
# sort's index instead and test each row against the match list, stopping at the page's end
# (0.16 s). That walk is slow for a rare word (it may read the whole index), so the hint is given
# only when the word matches at least DENSE rows (counted up to DENSE: a few ms).
_SEARCH = re.compile(r"\browid in \((select rowid from (\w+) where \2 match (?:escape_fts\(:search\)|:search))\)")
DENSE = 2000
# A facet: a count grouped over the page's own query as a subquery.
_FACET = re.compile(r"\bcount\(\*\).*\bfrom\s*\(.*\bgroup by\b", re.I | re.S)


class PageState:
    """What the summaries did for one results page, for its template. (A plain class: Datasette
    loads plugins-dir modules outside sys.modules, where dataclasses cannot resolve annotations.)"""

    def __init__(self, budget: bool) -> None:
        self.budget = budget  # an HTML results page: bound what the reader waits for
        self.count: int | None = None  # the filtered count, once known (exact or bounded)
        self.estimated = False  # `count` is bound + 1, meaning "more than bound"
        self.tallying = False  # the exact count is being tallied in the background
        self.bound = BOUND
        self.deferred = False  # facets left to the background tally


_page: contextvars.ContextVar[PageState | None] = contextvars.ContextVar("widen_summary_page", default=None)


class _Row(tuple):
    """A kept row as Datasette reads a live one (sqlite3.Row): by position or by column name."""

    columns: tuple[str, ...] = ()

    def __getitem__(self, k: Any) -> Any:
        return super().__getitem__(self.columns.index(k) if isinstance(k, str) else k)

    def keys(self) -> list[str]:
        return list(self.columns)


def _kept_rows(rows: list[list[Any]], columns: list[str]) -> list[_Row]:
    kind = type("_KeptRow", (_Row,), {"columns": tuple(columns)})
    return [kind(r) for r in rows]


def _key(sql: str, params: Any) -> tuple[str, tuple[Any, ...]]:
    items = sorted(params.items()) if isinstance(params, dict) else list(params or ())
    return sql, tuple(items)


class Summaries:
    """Wraps one immutable database's `execute`: remembers counts and facets, bounds the rest."""

    def __init__(self, db: Any, bound: int = BOUND, dense: int = DENSE) -> None:
        self.bound = bound
        self.dense = dense
        self.path = Path(db.path)
        self.inner = db.execute
        self.memo: OrderedDict[tuple[str, tuple[Any, ...]], Results] = OrderedDict()
        self.queue: asyncio.Queue[tuple[str, Any]] | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.worker: asyncio.Task[None] | None = None  # held: the loop keeps only weak references
        self.pending: set[tuple[str, tuple[Any, ...]]] = set()
        self.given_up: set[tuple[str, tuple[Any, ...]]] = set()
        db.execute = self.execute

    def _remember(self, key: tuple[str, tuple[Any, ...]], results: Results) -> Results:
        if len(results.rows) > MEMO_ROWS:
            return results
        self.memo[key] = Results(list(results.rows), False, results.description)
        self.memo.move_to_end(key)
        while len(self.memo) > MEMO_SIZE:
            self.memo.popitem(last=False)
        return results

    async def execute(self, sql: str, params: Any = None, truncate: bool = False,
                      custom_time_limit: int | None = None, page_size: int | None = None,
                      log_sql_errors: bool = True) -> Results:
        if truncate and (search := _SEARCH.search(sql)):
            dense = await self.execute(f"select count(*) from ({search.group(1)} limit {self.dense})", params)
            if dense.rows[0][0] >= self.dense:
                sql = sql.replace(search.group(0), "+" + search.group(0), 1)
        if truncate or not _TALLIED.search(sql):
            return await self.inner(sql, params, truncate=truncate, custom_time_limit=custom_time_limit,
                                    page_size=page_size, log_sql_errors=log_sql_errors)
        key = _key(sql, params)
        page = _page.get()
        hit = self.memo.get(key)
        if hit is not None:
            self.memo.move_to_end(key)
            if page is not None and _COUNT.match(sql):
                page.count = hit.rows[0][0]
            return Results(hit.rows, False, hit.description)
        if page is not None and page.budget:
            if _COUNT.match(sql):
                return await self._bounded_count(sql, params, key, page)
            if _FACET.search(sql) and (page.count is None or page.count > self.bound):
                page.deferred |= self.later(sql, params)
                raise QueryInterrupted(None, sql, params)
        try:
            results = await self.inner(sql, params, truncate=truncate, custom_time_limit=custom_time_limit,
                                       page_size=page_size, log_sql_errors=log_sql_errors)
        except QueryInterrupted:  # over the facet time limit while others ran: tally it behind
            queued = self.later(sql, params)
            if page is not None:
                page.deferred |= queued
            raise
        return self._remember(key, results)

    async def _bounded_count(self, sql: str, params: Any, key: tuple[str, tuple[Any, ...]],
                             page: PageState) -> Results:
        rest = _COUNT.sub("", sql, count=1)
        bounded = await self.inner(f"select count(*) from (select 1 from {TABLE} {rest} limit {self.bound + 1})",
                                   params)
        n = bounded.rows[0][0]
        page.count = n
        if n <= self.bound:
            return self._remember(key, bounded)
        page.estimated, page.bound = True, self.bound
        page.tallying = self.later(sql, params)
        return bounded

    def later(self, sql: str, params: Any) -> bool:
        """Queue a query for the background tally, once. False when it will not be tallied: it
        failed before (over the time limit) or the backlog is full."""
        key = _key(sql, params)
        if key in self.pending or key in self.memo:
            return True
        if key in self.given_up:
            return False
        loop = asyncio.get_running_loop()
        if self.queue is None or self.loop is not loop:  # one worker per event loop (tests run several)
            self.queue, self.loop = asyncio.Queue(BACKLOG), loop
            self.pending.clear()
            self.worker = loop.create_task(self._work(self.queue))
        try:
            self.queue.put_nowait((sql, params))
        except asyncio.QueueFull:
            return False
        self.pending.add(key)
        return True

    async def _work(self, queue: asyncio.Queue[tuple[str, Any]]) -> None:
        """Tally queued queries one at a time, so readers keep most of the CPU."""
        while True:
            sql, params = await queue.get()
            key = _key(sql, params)
            try:
                self._remember(key, await self.inner(sql, params))
            except Exception:  # noqa: BLE001 - over the time limit or broken: the page says so anyway
                self.given_up.add(key)
            finally:
                self.pending.discard(key)
                queue.task_done()
            if queue.empty():
                self.save()

    def fingerprint(self) -> str:
        """Which crawl's file this is: its size and modification time (a crawl changes both)."""
        st = self.path.stat()
        return f"{st.st_size}:{st.st_mtime_ns}"

    def tally_file(self) -> Path:
        """Where the tallies are kept between starts: beside the database, else the temp dir (a
        file of another database of that name is told apart by its fingerprint)."""
        return beside(self.path, ".tally.json")

    def save(self) -> None:
        """Keep the tallies for the next start on the same file (a restart without a crawl)."""
        entries = [[sql, [list(p) for p in params], [d[0] for d in r.description], [list(row) for row in r.rows]]
                   for (sql, params), r in self.memo.items()
                   if all(not isinstance(v, bytes) for row in r.rows for v in row)]
        target = self.tally_file()
        tmp = target.with_name(target.name + ".tmp")
        try:
            tmp.write_text(json.dumps({"file": self.fingerprint(), "tallies": entries}), encoding="utf-8")
            tmp.replace(target)
        except OSError:
            pass  # a read-only place: the next start tallies again

    def load(self) -> int:
        """The tallies a previous start kept for this very file; how many were read."""
        try:
            kept = json.loads(self.tally_file().read_text(encoding="utf-8"))
            if kept.get("file") != self.fingerprint():
                return 0
            for sql, params, columns, rows in kept["tallies"]:
                key = (sql, tuple(tuple(p) if isinstance(p, list) else p for p in params))
                self.memo[key] = Results(_kept_rows(rows, columns), False, [(c,) + (None,) * 6 for c in columns])
        except (OSError, ValueError, KeyError, TypeError):
            self.memo.clear()
            return 0
        return len(self.memo)

    async def idle(self) -> None:
        """Wait until the queued queries are tallied (the tests use it)."""
        if self.queue is not None:
            await self.queue.join()


def _json_path(url: str) -> str:
    """A facet toggle URL as the JSON path of the same filter, one row (the same count and facet
    queries as the HTML page; the rows are not needed)."""
    parts = urlsplit(url)
    query = "&".join(p for p in parts.query.split("&") if p and not p.startswith("_size="))
    path = parts.path if parts.path.endswith(".json") else parts.path + ".json"
    return f"{path}?_size=1" + (f"&{query}" if query else "")


async def tally(datasette: Any, database: str, log: Callable[[str], None] | None = None) -> int:
    """Tally the views people open first: default, reach, soonest, each facet value, each picker
    choice.

    Requests the JSON of each (exact, no budget), which runs and remembers the same count and
    facet queries the HTML pages run. Returns how many views were tallied.
    """
    base = datasette.urls.table(database, TABLE)
    started = time.monotonic()
    first = await datasette.client.get(f"{base}.json?_size=1")
    if first.status_code != 200:
        return 0
    paths = [f"{base}.json?_size=1&_reach=1", f"{base}.json?_size=1&next_start__notblank=1"]  # reach, soonest
    for facet in (first.json().get("facet_results") or {}).values():
        paths += [_json_path(r["toggle_url"]) for r in facet.get("results", []) if not r.get("selected")]
    paths += [f"{base}.json?_size=1&{urlencode({k: v})}" for k, values in PICKS.items() for v in values]
    done = 1
    for path in dict.fromkeys(paths):
        if (await datasette.client.get(path)).status_code == 200:
            done += 1
        elif log:
            log(f"widen: could not tally {path}")
        if log and (done % 20 == 0 or path == paths[-1]):
            log(f"widen: tallied {done} views of {database} in {time.monotonic() - started:.0f} s")
    return done


def install(datasette: Any) -> dict[str, Summaries]:
    """Wrap every immutable database (idempotent); only those holding the opportunities table
    are tallied at start."""
    found = getattr(datasette, "_widen_summaries", None)
    if found is None:
        found = {}
        for name, db in datasette.databases.items():
            if not db.is_mutable and not db.is_memory and name != "_internal":
                config = datasette.plugin_config("widen-summary", database=name) or {}
                found[name] = Summaries(db, int(config.get("bound", BOUND)), int(config.get("dense", DENSE)))
                found[name].load()
        datasette._widen_summaries = found
    return found


def _results_page(scope: dict[str, Any]) -> bool:
    path = scope.get("path") or ""
    return scope.get("method") == "GET" and path.rstrip("/").endswith(f"/{TABLE}")


@hookimpl
def asgi_wrapper(datasette: Any) -> Any:
    def wrap(app: Any) -> Any:
        async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope.get("type") == "lifespan":
                summaries = install(datasette)

                async def at_start() -> None:
                    for name, memo in summaries.items():
                        if memo.memo:
                            print(f"widen: {len(memo.memo)} tallies of {name} read from {memo.tally_file()}",
                                  file=sys.stderr)
                        elif await datasette.get_database(name).table_exists(TABLE):
                            await tally(datasette, name, log=lambda m: print(m, file=sys.stderr))
                            memo.save()

                datasette._widen_tally = asyncio.get_running_loop().create_task(at_start())  # held
            elif scope.get("type") == "http":
                install(datasette)
                _page.set(PageState(budget=_results_page(scope)))
            await app(scope, receive, send)

        return wrapped

    return wrap


@hookimpl
def extra_template_vars(table: str | None) -> dict[str, Any] | None:
    if table != TABLE:
        return None
    page = _page.get()
    return {"widen_tally": {"estimated": bool(page and page.estimated), "bound": page.bound if page else BOUND,
                            "tallying": bool(page and page.tallying),
                            "deferred": bool(page and page.deferred)}}
