"""What the results view (templates/_widen_results.html) needs beyond Datasette's table context:
the profile in use, audience labels for chips and pickers, and the audiences a URL names that the
taxonomy does not know (said on the page instead of silently matching nothing).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from datasette import hookimpl
from datasette.utils import tilde_encode

from pipelines.audiences import audience_labels

TABLE = "opportunities"
KINDS = (("networking_event", "Networking events"), ("networking_group", "Groups"),
         ("board_seat", "Board seats"), ("volunteer_role", "Volunteer roles"))
ATTENDANCE = (("in_person", "In person"), ("online", "Online"), ("hybrid", "Hybrid"))
WHEN = (("week", "Next 7 days"), ("month", "Next 30 days"))
# "Soonest" lists dated listings by their next start: SQLite sorts an empty date first, which put
# every undated board seat and group ahead of the next event. "Best reach" lists all again.
SOONEST = {"_sort": "next_start", "next_start__notblank": "1"}
BEST_REACH = {"_sort_desc": "reach_score", "next_start__notblank": None}


def profile_banner(db_path: str | None) -> dict[str, Any]:
    """Which profile reach is computed against, in words, and whether it is the shipped sample."""
    try:
        from crawlers.network import current_profile, default_profile_path

        prof = current_profile(db_path)
        sample = Path(prof.source).resolve() == default_profile_path().resolve() if prof.source else False
    except Exception:  # noqa: BLE001 - no profile machinery: say nothing rather than fail the page
        return {"kind": "unknown", "audiences": []}
    labels = audience_labels()
    mine = sorted(prof.audiences, key=lambda a: -prof.weights.get(a, 0))
    kind = "none" if prof.is_empty() else "sample" if sample else "own"
    return {"kind": kind, "source": Path(prof.source).name if prof.source else "",
            "audiences": [labels.get(a, a) for a in mine]}


def query_with(request: Any, **changes: str | None) -> str:
    """The page's query string with `changes` applied (None removes a parameter): a sort replaces
    the other sort, and paging starts over (a `_next` token belongs to the old order)."""
    pairs = [(k, v) for k in request.args for v in request.args.getlist(k)
             if k not in changes and k != "_next" and not (k in ("_sort", "_sort_desc") and
                                                          ({"_sort", "_sort_desc"} & set(changes)))]
    return urlencode(pairs + [(k, v) for k, v in changes.items() if v is not None])


def _asked(request: Any) -> list[str]:
    return [x.strip() for name in ("_audiences", "_exclude_audiences", "_new_audiences")
            for v in request.args.getlist(name) for x in v.split(",") if x.strip()]


def _drop_empty_search(app: Any) -> Any:
    """A submitted form sends `_search=` when its box is left empty; Datasette would run that as
    an FTS query and answer "fts5: syntax error". An empty search means no search: drop it."""

    async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        qs = scope.get("query_string") or b""
        if scope.get("type") == "http" and b"_search=" in qs:
            pairs = [p for p in qs.split(b"&") if p not in (b"_search=", b"_search")]
            scope = {**scope, "query_string": b"&".join(pairs)}
        await app(scope, receive, send)

    return wrapped


@hookimpl
def asgi_wrapper(datasette: Any) -> Any:
    return _drop_empty_search


@hookimpl
def extra_template_vars(template: str, database: str | None, table: str | None, datasette: Any,
                        request: Any) -> dict[str, Any] | None:
    if table != TABLE or request is None:
        return None
    labels = audience_labels()
    try:
        db_path = datasette.get_database(database).path
    except KeyError:
        db_path = None
    unknown = [a for a in dict.fromkeys(_asked(request)) if labels and a not in labels]
    return {
        "widen_labels": labels,
        "widen_unknown_audiences": unknown,
        "widen_profile": profile_banner(db_path),
        "widen_kinds": KINDS,
        "widen_attendance": ATTENDANCE,
        "widen_when_choices": WHEN,
        "widen_query": query_with,
        "widen_soonest": SOONEST,
        "widen_best_reach": BEST_REACH,
        # A calendar app subscribes to webcal:// (and refreshes it); the .ics link downloads once.
        "widen_webcal": lambda path: f"webcal://{request.host}{path}",
        "widen_row_path": lambda pk: datasette.urls.row(database, table, tilde_encode(str(pk))),
    }
