"""Shared fixtures: loopback HTTP sites, a sources.yml writer and a `widen` runner.

Nothing here reaches the internet: every site is served from 127.0.0.1 on a free port.
Crawls run `widen` in a subprocess because Twisted's reactor cannot restart in one process.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
REALWORLD = SHARED / "realworld"

Route = Callable[["Request"], "tuple[int, dict[str, str], bytes] | bytes | str"]


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Site:
    """A loopback web site: `routes` maps a path (with query) to bytes or a handler; `hits` logs requests."""

    routes: dict[str, Any] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)
    base: str = ""

    def url(self, path: str = "/") -> str:
        return self.base + path

    def count(self, path: str) -> int:
        return sum(1 for h in self.hits if h == path)


class _Handler(BaseHTTPRequestHandler):
    site: Site

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _serve(self) -> None:
        site = self.server.site  # type: ignore[attr-defined]
        site.hits.append(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        req = Request(self.command, self.path, dict(self.headers), self.rfile.read(length) if length else b"")
        route = site.routes.get(self.path)
        if route is None and "?" in self.path:
            route = site.routes.get(self.path.split("?", 1)[0])
        if route is None:
            status, headers, body = 404, {"Content-Type": "text/plain"}, b"not found"
        else:
            result = route(req) if callable(route) else route
            if isinstance(result, tuple):
                status, headers, body = result
            else:
                status, headers, body = 200, {}, result
        if isinstance(body, str):
            body = body.encode("utf-8")
        headers = {"Content-Type": _guess_type(self.path, body), **headers}
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_HEAD = _serve


def _guess_type(path: str, body: bytes) -> str:
    head = body[:100].lstrip().lower()
    if head.startswith(b"begin:vcalendar"):
        return "text/calendar; charset=utf-8"
    if head[:1] in (b"{", b"["):
        return "application/json"
    if head.startswith(b"<?xml") or path.endswith(".xml"):
        return "application/xml"
    if path.endswith("robots.txt"):
        return "text/plain"
    return "text/html; charset=utf-8"


@contextlib.contextmanager
def serve(site: Site) -> Iterator[Site]:
    """Serve a Site on 127.0.0.1 (free port) for the duration of the block."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.site = site  # type: ignore[attr-defined]
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()


def rows(db: Path, sql: str, *params: object) -> list[tuple[Any, ...]]:
    """A query's rows from a database file, on a connection closed at once."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def free_port() -> int:
    """A loopback TCP port nobody listens on now (for a server a test or bench starts)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def site() -> Iterator[Site]:
    """An empty loopback site; tests fill `site.routes`."""
    with serve(Site()) as s:
        yield s


def write_sources(path: Path, entries: list[dict[str, Any]]) -> Path:
    """A sources.yml with the given entries (timezone/country defaults for brevity)."""
    full = [{"name": e["slug"], "timezone": "America/Chicago", "country": "US", **e} for e in entries]
    path.write_text(yaml.safe_dump({"sources": full}, sort_keys=False), encoding="utf-8")
    return path


def widen(*args: str, env: dict[str, str] | None = None, timeout: int = 240,
          cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the `widen` CLI in a subprocess (fresh reactor each time)."""
    e = {**os.environ, "WIDEN_CONFIG": str(ROOT / "config"), **(env or {})}
    return subprocess.run([sys.executable, "-m", "crawlers.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env=e, cwd=str(cwd or ROOT))


@pytest.fixture
def run_widen() -> Callable[..., subprocess.CompletedProcess[str]]:
    return widen


def require_realworld() -> Path:
    """The shared real-world folder, or a skip saying why it is absent."""
    if not REALWORLD.is_dir():
        pytest.skip(f"real-world data not present at {REALWORLD} (only in the team's workspace)")
    return REALWORLD
