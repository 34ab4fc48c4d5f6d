"""What every test-site builder shares: the pinned clock, the expectations record, small helpers."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from conftest import Request, Site, serve

# The crawl's pinned "now" (WIDEN_NOW) and the dates the sites' events fall on.
NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
FAST = {"download_delay": 0, "autothrottle": False}  # loopback: no politeness delays


def day(n: int, hour: int = 18) -> dt.datetime:
    """A date n days after NOW at a local hour (naive: most platforms print local times)."""
    return (NOW + dt.timedelta(days=n)).replace(hour=hour, minute=0, tzinfo=None)


@dataclass
class PlatformSite:
    """A served site and what a complete, polite crawl of it must do."""

    platform: str
    site: Site
    source: dict[str, Any]
    must_fetch: list[str]  # paths (with query) a complete crawl fetches, paging included
    never_fetch: str  # disallowed by robots.txt, reachable from the site
    items: int = 0  # exactly how many listings the crawl must store
    detect_url: str = ""  # what a user would paste into `widen sources add`
    no_detect: str = ""  # why `widen sources add` is not tested on this site (empty: it is)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return self.source["slug"]

    def fetched(self, path: str) -> bool:
        return any(h == path or h.split("?")[0] == path for h in self.site.hits)


def robots(*disallow: str) -> str:
    return "User-agent: *\n" + "".join(f"Disallow: {p}\n" for p in disallow)


def html(body: str, head: str = "") -> str:
    return f"<!doctype html><html><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>"


def query(req: Request) -> dict[str, str]:
    """A request's query string as single values."""
    return {k: v[0] for k, v in parse_qs(urlsplit(req.path).query).items()}


def as_json(doc: Any, status: int = 200, **headers: str) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json", **headers}, json.dumps(doc).encode()


def graphql_vars(req: Request) -> dict[str, Any]:
    return (json.loads(req.body or b"{}").get("variables") or {}) if req.body else {}


@contextlib.contextmanager
def serve_all(builders: dict[str, Callable[[Site], PlatformSite]]) -> Iterator[dict[str, PlatformSite]]:
    """Serve one site per builder; shut them down in parallel (each shutdown waits a poll interval)."""
    managers = [serve(Site()) for _ in builders]
    built = {name: build(cm.__enter__()) for (name, build), cm in zip(builders.items(), managers, strict=True)}
    try:
        yield built
    finally:
        threads = [threading.Thread(target=cm.__exit__, args=(None, None, None)) for cm in managers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
