"""A loopback HTTP server that misbehaves on purpose, and a way to measure the crawl it faces.

conftest's `Site` answers politely (it always sends a correct Content-Length); the faults a
scraper meets on other people's servers need control of the socket itself: resets, bodies
shorter than announced, streams with no length, answers that never come. Each fault here is a
small function `(handler) -> None` that writes (or refuses to write) the response, so one
server on one port can host a whole zoo of faulty "sites" side by side, one per path prefix.

Everything listens on 127.0.0.1 only. Large bodies (the 50 MB page, the gzip bomb) are produced
chunk by chunk, never built in memory at once, so the test process itself stays small.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import os
import random
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent

Fault = Callable[[BaseHTTPRequestHandler], None]
CHUNK = 64 * 1024

# The crawl settings the fault tests run under (tests/fault_settings.py): DOWNLOAD_TIMEOUT is
# lowered so a server that never answers costs seconds, not the production 30 s x 3 attempts.
FAULT_SETTINGS_ENV = {"SCRAPY_SETTINGS_MODULE": "fault_settings",
                      "PYTHONPATH": os.pathsep.join([str(TESTS), str(ROOT), os.environ.get("PYTHONPATH", "")])}


# -- responses -------------------------------------------------------------------------------
def _send(h: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: bytes = b"",
          length: int | None = None) -> None:
    h.send_response(status)
    for k, v in headers.items():
        h.send_header(k, v)
    h.send_header("Content-Length", str(len(body) if length is None else length))
    h.end_headers()
    if h.command != "HEAD" and body:
        h.wfile.write(body)


def ok(body: bytes | str, content_type: str = "text/html; charset=utf-8") -> Fault:
    """A correct 200 (also how a wrong Content-Type or a badly encoded body is served)."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    return lambda h: _send(h, 200, {"Content-Type": content_type}, data)


def status(code: int, headers: dict[str, str] | None = None) -> Fault:
    """An error status (500, 503, 429 + Retry-After ...) with a short HTML body."""
    return lambda h: _send(h, code, {"Content-Type": "text/html", **(headers or {})},
                           f"<html><body>error {code}</body></html>".encode())


def redirect(to: str) -> Fault:
    """302 to another path: two of these pointing at each other make a redirect loop."""
    return lambda h: _send(h, 302, {"Location": to, "Content-Type": "text/html"})


def slow(seconds: float, then: Fault | None = None) -> Fault:
    """Answer nothing for `seconds` (beyond the client's timeout), then maybe respond."""

    def fault(h: BaseHTTPRequestHandler) -> None:
        h.server.stop.wait(seconds)  # type: ignore[attr-defined]  # ends early when the server stops
        if then is not None:
            with contextlib.suppress(OSError):
                then(h)

    return fault


def gate(event: threading.Event, then: Fault, limit: float = 60) -> Fault:
    """Hold the response until the test sets `event` (crash tests kill the crawl meanwhile)."""

    def fault(h: BaseHTTPRequestHandler) -> None:
        event.wait(limit)
        with contextlib.suppress(OSError):
            then(h)

    return fault


def reset(h: BaseHTTPRequestHandler) -> None:
    """Close the connection with a TCP RST (SO_LINGER 0) before any response byte."""
    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    h.connection.close()
    h.close_connection = True


def truncated(body: bytes, claimed: int) -> Fault:
    """Announce `claimed` bytes, send fewer, hang up."""

    def fault(h: BaseHTTPRequestHandler) -> None:
        _send(h, 200, {"Content-Type": "text/html; charset=utf-8"}, body, length=claimed)
        h.wfile.flush()
        h.connection.shutdown(socket.SHUT_WR)
        h.close_connection = True

    return fault


def _stream(h: BaseHTTPRequestHandler, chunks: Iterator[bytes]) -> None:
    with contextlib.suppress(OSError):  # the client hanging up early is the expected outcome
        for c in chunks:
            h.wfile.write(c)
    h.close_connection = True


def huge(size: int, announce: bool = True) -> Fault:
    """An HTML page of `size` bytes streamed in 64 KB chunks.

    With `announce` the Content-Length says how big (the client can refuse up front); without
    it the body is close-delimited, so only counting while receiving can stop it.
    """

    def chunks() -> Iterator[bytes]:
        yield b"<html><body>"
        filler = b"<p>" + b"x" * (CHUNK - 8) + b"</p>\n"
        sent = 12
        while sent < size:
            piece = filler[: size - sent]
            sent += len(piece)
            yield piece

    def fault(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        if announce:
            h.send_header("Content-Length", str(size))
        h.send_header("Connection", "close")
        h.end_headers()
        _stream(h, chunks())

    return fault


@functools.lru_cache(maxsize=4)
def gzip_bomb_bytes(size: int) -> bytes:
    """`size` bytes of zeros gzipped (~1000:1), compressed 1 MB at a time, cached per size."""
    out = io.BytesIO()
    z = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # gzip container
    zeros = bytes(1024 * 1024)
    for _ in range(size // len(zeros)):
        out.write(z.compress(zeros))
    out.write(z.flush())
    return out.getvalue()


def gzip_bomb(size: int) -> Fault:
    """A small gzip body that inflates to `size` bytes, labelled `Content-Encoding: gzip`."""

    def fault(h: BaseHTTPRequestHandler) -> None:
        body = gzip_bomb_bytes(size)
        _send(h, 200, {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"}, body)

    return fault


# -- pages -----------------------------------------------------------------------------------
def event_page(base: str, prefix: str, n: int, start_day: str = "2026-05-05", title: str = "Event",
               next_href: str | None = None) -> bytes:
    """An HTML page whose one JSON-LD block lists `n` schema.org Events with distinct URLs.

    The days cycle over a month so the dedupe stage sees realistic same-day neighbours;
    `next_href` adds a `<link rel="next">` so list-page spiders walk on to another page.
    """
    y, m, _ = start_day.split("-")
    events = [{"@context": "https://schema.org", "@type": "Event", "name": f"{title} {prefix}{i}",
               "startDate": f"{y}-{m}-{i % 28 + 1:02d}T18:00:00-05:00",
               "url": f"{base}{prefix}e/{i}",
               "location": {"@type": "Place", "name": "Hall", "address": "1 Main St, Springfield, IL 62701"}}
              for i in range(n)]
    nxt = f'<link rel="next" href="{next_href}">'.encode() if next_href else b""
    return (b'<html><head>' + nxt + b'<script type="application/ld+json">' + json.dumps(events).encode()
            + b"</script></head><body><h1>Events</h1></body></html>")


def unbounded_rrule_ics(dtstart: str = "19900101T090000Z", freq: str = "DAILY") -> bytes:
    """An iCalendar feed whose one series never ends (no COUNT, no UNTIL), starting long ago."""
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//faultserver//EN\r\n"
            "BEGIN:VEVENT\r\nUID:forever@faultserver\r\nDTSTAMP:20260101T000000Z\r\n"
            f"DTSTART:{dtstart}\r\nDTEND:{dtstart[:9]}100000Z\r\nRRULE:FREQ={freq}\r\n"
            "SUMMARY:Networking breakfast that never ends\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n").encode()


def garbled_ics(events: int = 8, keep: int = 5) -> bytes:
    """A feed of `events` dated events cut inside event `keep` and followed by binary garbage,
    as a download that went wrong leaves it; the first `keep` events are readable."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//faultserver//EN"]
    for i in range(events):
        lines += ["BEGIN:VEVENT", f"UID:garbled-{i}@faultserver", "DTSTAMP:20260101T000000Z",
                  f"DTSTART:202603{10 + i:02d}T180000Z", f"SUMMARY:Garbled feed event {i}", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    body = ("\r\n".join(lines) + "\r\n").encode()
    cut = body[: body.index(f"UID:garbled-{keep}@".encode())]
    rng = random.Random(15)
    return cut + bytes(rng.randrange(256) for _ in range(4000))


# -- the server ------------------------------------------------------------------------------
@dataclass
class FaultServer:
    """Paths (longest prefix wins) mapped to faults; `hits` logs every request path in order."""

    routes: dict[str, Fault] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)
    base: str = ""

    def url(self, path: str = "/") -> str:
        return self.base + path

    def count(self, prefix: str, since: int = 0) -> int:
        """Requests for paths under `prefix`, from the `since`-th hit on."""
        return sum(1 for p in self.hits[since:] if p.startswith(prefix))

    def route_for(self, path: str) -> Fault | None:
        if path in self.routes:
            return self.routes[path]
        best = max((p for p in self.routes if path.startswith(p)), key=len, default=None)
        return self.routes[best] if best else None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _serve(self) -> None:
        fs: FaultServer = self.server.faults  # type: ignore[attr-defined]
        fs.hits.append(self.path)
        fault = fs.route_for(self.path)
        if fault is None:
            _send(self, 404, {"Content-Type": "text/plain"}, b"not found")
            return
        try:
            fault(self)
        except OSError:  # the client gave up first (timeouts, size limits): not the server's error
            self.close_connection = True

    do_GET = do_HEAD = do_POST = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False


@contextlib.contextmanager
def serve_faults(fs: FaultServer) -> Iterator[FaultServer]:
    """Serve `fs` on 127.0.0.1 (free port) for the duration of the block."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.faults = fs  # type: ignore[attr-defined]
    server.stop = threading.Event()  # type: ignore[attr-defined]
    fs.base = f"http://127.0.0.1:{server.server_address[1]}"
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        yield fs
    finally:
        server.stop.set()  # type: ignore[attr-defined]
        server.shutdown()
        server.server_close()


# -- running the CLI under measurement -------------------------------------------------------
@dataclass
class Measured:
    returncode: int
    stdout: str
    stderr: str
    wall_s: float
    peak_rss_mb: float


def widen_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "crawlers.cli", *args]


def _env(env: dict[str, str] | None) -> dict[str, str]:
    return {**os.environ, "WIDEN_CONFIG": str(ROOT / "config"), **(env or {})}


# A small parent for the measured crawl. Linux carries a parent's RSS into its child's ru_maxrss at
# fork (exec folds the old image's high-water mark into the process's maximum), so a child forked
# by a grown pytest process reports pytest's size. Forked from this ~10 MB wrapper instead, the
# child's maximum is its own peak; the wrapper reports it through a file.
_MEASURE = """
import resource, subprocess, sys
proc = subprocess.run(sys.argv[2:])
with open(sys.argv[1], "w") as fh:  # RUSAGE_CHILDREN: this wrapper's only child, the crawl
    fh.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(proc.returncode)
"""


def run_measured(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> Measured:
    """Run `widen ARGS` and report its wall time and the peak RSS of that one crawl process.

    The crawl runs under a small wrapper whose only child it is (see `_MEASURE`): measuring it
    from pytest directly would report pytest's own size once the session has grown.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        t0 = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-c", _MEASURE, rss.name, *widen_cmd(*args)],
                                stdout=out, stderr=err, env=_env(env), cwd=str(ROOT), start_new_session=True)
        killer = threading.Timer(timeout, lambda: os.killpg(proc.pid, signal.SIGKILL))
        killer.start()
        try:
            proc.wait()
        finally:
            killer.cancel()
        wall = time.monotonic() - t0
        out.seek(0)
        err.seek(0)
        peak_kib = int(rss.read() or 0)
        return Measured(proc.returncode, out.read().decode("utf-8", "replace"),
                        err.read().decode("utf-8", "replace"), wall, peak_kib / 1024)  # Linux reports KiB


def start_widen(*args: str, env: dict[str, str] | None = None, log: Path | None = None) -> subprocess.Popen[bytes]:
    """Start `widen ARGS` in the background (crash tests SIGKILL it at a chosen moment)."""
    sink = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 - closed with the process
    return subprocess.Popen(widen_cmd(*args), stdout=sink, stderr=sink, env=_env(env), cwd=str(ROOT))


def sigkill(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL: no atexit, no finally, no flush — the harshest way a crawl can end."""
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
