"""The real source catalog (config/sources.yml) and its validation: platforms, options, errors."""

from __future__ import annotations

import asyncio
import functools
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from conftest import ROOT, widen, write_sources
from scrapy.exceptions import CloseSpider
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.project import get_project_settings

from crawlers.config import PLATFORMS, ConfigError, Source, load_sources

CATALOG = load_sources(ROOT / "config" / "sources.yml")
ENABLED = [s for s in CATALOG.sources if s.enabled]


@functools.cache
def spider_classes() -> dict[str, type]:
    loader = SpiderLoader.from_settings(get_project_settings())
    return {name: loader.load(name) for name in loader.list()}


def test_catalog_size_and_spread() -> None:
    assert len(ENABLED) >= 40
    assert len({s.country for s in ENABLED}) >= 5
    assert {s.platform for s in CATALOG.sources} == set(PLATFORMS)
    kinds = {s.kind for s in ENABLED}
    assert {"networking_event", "networking_group", "volunteer_role", "board_seat"} <= kinds
    raw = yaml.safe_load((ROOT / "config" / "sources.yml").read_text(encoding="utf-8"))["sources"]
    assert all("schedule" in e and "enabled" in e for e in raw), "every entry states its schedule and enabled flag"


@pytest.mark.parametrize("src", ENABLED, ids=lambda s: s.slug)
def test_enabled_entry_is_complete(src: Source) -> None:
    assert src.timezone and src.country and src.schedule
    assert src.kind or src.audiences, "give the classifier a hint"
    assert urlsplit(src.url).scheme == "https" or src.url.startswith("http://")
    for key, value in src.options.items():
        assert "key" not in key or key == "api_key_env", f"{src.slug}: keys belong in the environment"
        assert not (key == "api_key_env" and not str(value).isupper())


def test_every_platform_has_its_spider() -> None:
    spiders = spider_classes()
    assert set(PLATFORMS) <= set(spiders)
    assert all(spiders[p].platform == p for p in PLATFORMS)


def test_scrapy_list_shows_platform_spiders() -> None:
    out = subprocess.run([sys.executable, "-m", "scrapy", "list"], capture_output=True, text=True, cwd=ROOT,
                         timeout=120)
    assert set(out.stdout.split()) >= set(PLATFORMS), out.stderr[-1000:]


def first_requests(src: Source) -> list[str]:
    """The URLs a spider would request first for a source (no network: the start generator only)."""
    spider = spider_classes()[src.platform](source=src.slug, config=str(ROOT / "config" / "sources.yml"))

    async def collect() -> list[str]:
        urls = []
        async for req in spider.start():
            urls.append(req.url)
        return urls

    try:
        return asyncio.run(collect())
    except CloseSpider as exc:  # a key-based API without its key
        assert exc.reason.startswith("skipped: set ")
        return []


@pytest.mark.parametrize("src", ENABLED, ids=lambda s: s.slug)
def test_spider_builds_its_start_requests(src: Source, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each catalog entry's options fit its spider, and the first request goes where docs/platforms.md says."""
    for var in ("VOLUNTEERMATCH_API_KEY", "IDEALIST_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    urls = first_requests(src)
    if src.platform in ("volunteermatch", "idealist"):
        assert urls == []
        return
    assert urls and all(u.startswith(("http://", "https://")) for u in urls)
    expected_path = {
        "tribe": "/wp-json/tribe/events/v1/events", "meetup": "/events/ical/", "toastmasters": "/FindAClub/Search",
        "mobilizon": "/api/graphql", "bevy": "/api/event_slim/for_chapter/", "galaxy": "/need/",
        "mobilize": "/v1/organizations", "growthzone": "/api/events",
    }.get(src.platform)
    if expected_path:
        assert expected_path in urls[0], urls
    if src.platform == "mobilize":
        assert urlsplit(urls[0]).netloc == "api.mobilize.us"
    elif src.platform not in ("ical",):
        assert urlsplit(urls[0]).netloc == urlsplit(src.url).netloc


@pytest.mark.parametrize(("entry", "field", "words"), [
    ({"platform": "bevy", "options": {"chapter_id": "gdg"}}, "options", "chapter_id"),
    ({"platform": "galaxy", "options": {"chapter_id": 3}}, "options", "chapter_id"),
    ({"platform": "volunteermatch", "options": {}}, "options", "api_key_env"),
    ({"platform": "idealist", "options": {"api_key_env": "IDEALIST_API_KEY", "listing_type": "gigs"}}, "options",
     "listing_type"),
    ({"platform": "tribe", "options": {"per_page": 500}}, "options", "per_page"),
    ({"platform": "nosuch"}, "platform", "unknown platform"),
    ({"platform": "ical", "schedule": "every day"}, "schedule", "cron"),
    ({"platform": "ical", "audiences": ["martians"]}, "audiences", "martians"),
])
def test_bad_entry_names_entry_and_field(tmp_path: Path, entry: dict, field: str, words: str) -> None:
    good = {"slug": "fine", "platform": "ical", "url": "https://example.org/cal.ics"}
    bad = {"slug": "broken", "url": "https://example.org/", **entry}
    cfg = write_sources(tmp_path / "sources.yml", [good, bad])
    with pytest.raises(ConfigError) as err:
        load_sources(cfg)
    msg = str(err.value)
    assert "source #2 (broken)" in msg and f"field {field}" in msg and words in msg, msg


def test_options_get_defaults_and_typed_access() -> None:
    src = Source(slug="x", name="x", platform="galaxy", url="https://v.example.org/need/", options={"page_size": 24})
    assert src.opts.page_size == 24 and src.opts.max_pages == 50 and src.opts.need_init_id is None
    assert Source(slug="y", name="y", platform="boardpage", url="https://example.org/").opts.download_delay is None


def test_sources_list_shows_the_catalog(tmp_path: Path) -> None:
    out = widen("sources", "list", "--db", str(tmp_path / "none.db"))
    assert out.returncode == 0, out.stderr
    assert f"({len(ENABLED)} enabled)" in out.stdout
    for s in ENABLED[:5]:
        assert s.slug in out.stdout


def test_spider_refuses_a_source_of_another_platform() -> None:
    meetup = next(s for s in CATALOG.sources if s.platform == "meetup")
    with pytest.raises(ValueError, match=f"scrapy crawl meetup -a source={meetup.slug}"):
        spider_classes()["doit"](source=meetup.slug, config=str(ROOT / "config" / "sources.yml"))
    with pytest.raises(ValueError, match="needs -a source="):
        spider_classes()["doit"]()
    with pytest.raises(ValueError, match="api_key_env"):  # key-based: options only a config entry can give
        spider_classes()["idealist"](url="https://www.idealist.org/api/v1/listings/volops")
    assert spider_classes()["ical"](url="https://example.org/cal.ics").source.slug == "adhoc"
