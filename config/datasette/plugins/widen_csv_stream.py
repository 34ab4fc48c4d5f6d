"""The UI's CSV links give every row exactly once: streamed, in primary-key order.

- The plain "CSV" link on a table page asks for `.csv?_size=max`, which Datasette answers with
  at most `max_returned_rows` (1,000) rows and no sign that more exist. `_size=max` means "all
  you can", so such a request is streamed (`_stream=on`) instead.
- Datasette 0.65 pages a sorted table by (sort column, primary key) but leaves the tie-breaker
  off the FIRST page, so when the sort column has ties a stream duplicates some rows and loses
  others (measured: 17 duplicated and 6 lost at 1M rows; ~10% lost at 20k rows sorted on a
  4-value column). Paging on the primary key alone is exact, so streamed CSV requests lose their
  sort: every row once, in id order (the table's metadata `sort` is the primary key).
Pages, JSON and CSV of a given page size keep the sort the user chose.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl

SORT_ARGS = {"_sort", "_sort_desc", "_sort_by_desc"}


def _complete_csv(scope: dict[str, Any]) -> dict[str, Any]:
    if scope.get("type") != "http" or not scope.get("path", "").endswith(".csv"):
        return scope
    args = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    keys = {k for k, _ in args}
    stream = any(k == "_stream" and v not in ("", "0", "off") for k, v in args)
    if not stream and "_stream" not in keys and ("_size", "max") in args and "_next" not in keys:
        args.append(("_stream", "on"))
        stream = True
    if not stream:
        return scope
    kept = urlencode([(k, v) for k, v in args if k not in SORT_ARGS])
    return {**scope, "query_string": kept.encode("latin-1")}


def _as_text_csv(send: Any) -> Any:
    """Datasette labels a CSV it shows inline `text/plain`; it is `text/csv` (RFC 4180), which
    spreadsheets and scripts recognise. A download (`_dl`) already carries its own type."""

    async def wrapped(message: dict[str, Any]) -> None:
        if message.get("type") == "http.response.start":
            headers = [(k, b"text/csv; charset=utf-8" if k.lower() == b"content-type" and v.startswith(b"text/plain")
                        else v) for k, v in message.get("headers", [])]
            message = {**message, "headers": headers}
        await send(message)

    return wrapped


@hookimpl
def asgi_wrapper(datasette: Any) -> Any:
    def wrap(app: Any) -> Any:
        async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope.get("type") == "http" and scope.get("path", "").endswith(".csv"):
                send = _as_text_csv(send)
            await app(_complete_csv(scope), receive, send)

        return wrapped

    return wrap
