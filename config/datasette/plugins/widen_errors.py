"""A read-only site answers write attempts and bad requests with 4xx, never 500.

- Every method but GET, HEAD and OPTIONS is refused with 405 before Datasette sees it. widen
  serves an immutable database with no writable canned queries, so nothing legitimate is posted;
  without this, Datasette 0.65 answers a POST to a table (`/db/table`, `/db/table/-/insert`, the
  1.0 write API's paths) with an AssertionError, i.e. a 500.
- Datasette's error handler prints each exception with rich; rich 14 and later refuse to print
  outside an `except` block, which Datasette's handler is, so every error raised inside a view
  (a `_sort` on a missing column, a bad path) turned from its 400/404 into a 500. The handler's
  rich printing is switched off; real 500s are still logged by its `traceback.print_exc()`.
- Datasette 0.65 raises its "Cannot sort table by …" errors without a status, so a `_sort` on a
  column that does not exist is a 500; it is the request that is wrong, so it becomes a 400.
"""

from __future__ import annotations

from typing import Any

from datasette import handle_exception as datasette_errors
from datasette import hookimpl
from datasette.views.base import DatasetteError

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
BAD_SORT = ("Cannot sort table by ", "Cannot use _sort and _sort_desc")


def _refuse_writes(app: Any) -> Any:
    async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope.get("type") == "http" and scope.get("method", "GET").upper() not in READ_METHODS:
            body = b'{"ok": false, "error": "widen serves a read-only database: only GET and HEAD", "status": 405}'
            await send({"type": "http.response.start", "status": 405,
                        "headers": [(b"content-type", b"application/json; charset=utf-8"),
                                    (b"allow", b"GET, HEAD, OPTIONS"), (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        await app(scope, receive, send)

    return wrapped


@hookimpl
def asgi_wrapper(datasette: Any) -> Any:
    return _refuse_writes


@hookimpl
def startup(datasette: Any) -> None:
    datasette_errors.rich = None


@hookimpl(tryfirst=True)
def handle_exception(datasette: Any, request: Any, exception: Exception) -> None:
    """Give a bad `_sort` its 400; Datasette's own handler then renders the page."""
    if isinstance(exception, DatasetteError) and exception.status == 500 and str(exception.message).startswith(BAD_SORT):
        exception.status = 400
