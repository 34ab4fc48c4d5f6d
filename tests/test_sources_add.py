"""`widen sources add URL`: platform detection against every platform's loopback site, and the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from conftest import Site, require_realworld, serve, widen, write_sources
from sites import BUILDERS, PlatformSite, serve_all

from crawlers.config import Source, load_sources
from crawlers.detect import MAX_REQUESTS, detect


@pytest.fixture(scope="module")
def sites() -> Iterator[dict[str, PlatformSite]]:
    with serve_all(BUILDERS) as built:
        yield built


@pytest.mark.parametrize("name", list(BUILDERS))
def test_detects_platform_from_its_site(sites: dict[str, PlatformSite], name: str) -> None:
    b = sites[name]
    if b.no_detect:
        pytest.skip(f"{name}: {b.no_detect}")
    before = len(b.site.hits)
    found = detect(b.detect_url)
    assert found.platform == b.platform, (found.reason, found.evidence, b.site.hits[before:])
    assert found.evidence and found.requests <= MAX_REQUESTS
    entry = found.entry(timezone="America/Chicago")
    Source.model_validate(entry)
    assert entry["url"].startswith(b.site.base) or b.platform == "mobilize"
    assert not any(h.startswith(b.never_fetch) for h in b.site.hits[before:]), "probe ignored robots.txt"


@pytest.mark.parametrize(("url", "platform", "option"), [
    ("https://www.meetup.com/rladies-seattle/events/", "meetup", None),
    ("https://www.mobilize.us/indivisiblesonomacounty/", "mobilize", None),
    ("https://www.volunteermatch.org/search/", "volunteermatch", "api_key_env"),
    ("https://www.idealist.org/en/volunteer", "idealist", "api_key_env"),
    ("https://luma.com/TechTO-Events", "ical", "luma_discover"),
    ("https://tockify.com/pdaevents/agenda", "ical", None),
])
def test_known_hosts_need_no_request(url: str, platform: str, option: str | None) -> None:
    found = detect(url)
    assert found.platform == platform and found.requests == 0
    entry = found.entry()
    assert Source.model_validate(entry).platform == platform
    if option == "api_key_env":
        assert entry["options"][option].endswith("_API_KEY")
    elif option:
        assert entry["options"][option] is True


def test_says_why_it_cannot_crawl(site: Site) -> None:
    site.routes.update({"/robots.txt": "User-agent: *\nDisallow: /members/\n",
                        "/app/": "<html><head><script src='/bundle.js'></script></head><body><div id='root'></div></body></html>",
                        "/members/": "<html><body>join our board</body></html>"})
    js = detect(site.url("/app/"))
    assert js.platform is None and "JavaScript" in (js.reason or "")
    blocked = detect(site.url("/members/"))
    assert blocked.platform is None and "robots.txt" in (blocked.reason or "")
    assert "/members/" not in site.hits
    gone = detect(site.url("/nothing-here/"))
    assert gone.platform is None and "404" in (gone.reason or "")


def test_cli_prints_and_writes_a_validated_entry(sites: dict[str, PlatformSite], tmp_path: Path) -> None:
    cfg = write_sources(tmp_path / "sources.yml", [{"slug": "existing", "platform": "ical",
                                                    "url": "https://example.org/cal.ics"}])
    url = sites["tribe"].detect_url
    shown = widen("sources", "add", url, "--slug", "lakeside", "--timezone", "America/Chicago", "--country", "us",
                  "--audience", "founders", "--config", str(cfg))
    assert shown.returncode == 0, shown.stderr
    printed = yaml.safe_load(shown.stdout)[0]
    assert printed["platform"] == "tribe" and printed["country"] == "US" and printed["audiences"] == ["founders"]
    assert "lakeside" not in cfg.read_text()
    written = widen("sources", "add", url, "--slug", "lakeside", "--timezone", "America/Chicago", "--write",
                    "--config", str(cfg))
    assert written.returncode == 0, written.stderr
    slugs = [s.slug for s in load_sources(cfg).sources]
    assert slugs == ["existing", "lakeside"]
    again = widen("sources", "add", url, "--write", "--slug", "lakeside", "--config", str(cfg))
    assert again.returncode != 0 and "exists already" in again.stderr


def test_cli_not_crawlable_exits_1(site: Site) -> None:
    site.routes["/"] = "<html><body><p>Welcome to our bakery.</p></body></html>"
    out = widen("sources", "add", site.url("/"))
    assert out.returncode == 1 and "no crawlable platform" in out.stderr and "found:" in out.stderr


# Saved real responses (docs/platforms.md cites each), served as their sites would serve them.
REAL = [
    ("volunteer/doit-api__v2-opps-harrow-3mi-page4-2018-03.json", "/v2/opportunities", "doit"),
    ("volunteer/doit-api__v1-opps-harrow-3mi-page10-2016-03.json", "/v1/opportunities", "doit"),
    ("volunteer/reach__harrow-opportunity-feed-2017-03.json", "/harrow-feed", "reach"),
    ("volunteer/mobilize-api__organizations-page2-2020-10.json", "/v1/organizations", "mobilize"),
    ("volunteer/bevy__gdg-chapters-2021-07.json", "/api/chapter_region", "bevy"),
    ("feeds/meetup__phoenix-drupal.ics", "/phoenix/events/ical/", "ical"),
    ("feeds/tribe-ecp__clihtf.ics", "/events/?ical=1", "ical"),
    ("html/tribe-events__james46-ward-upcoming.html", "/upcoming/", "tribe"),
    ("html/tribe-events__northrivercommission-month-oct-2019.html", "/events/month/", "tribe"),
    ("html/chambermaster__rpba-ssa19-commissioners-meeting.html", "/events/details/ssa-19-6350", "growthzone"),
    ("html/meetup__reactgirls-group-upcoming.html", "/reactgirls/", "schemaorg"),
    ("html/eventbrite__wanderdate-brockentour-de.html", "/e/brockentour-tickets-224906520457", "schemaorg"),
    ("html/seekvolunteer-nz__opportunities-search.html", "/opportunities", "schemaorg"),
]


@pytest.fixture(scope="module")
def real_site() -> Iterator[Site]:
    root = require_realworld()
    with serve(Site(routes={path: (root / name).read_bytes() for name, path, _ in REAL})) as s:
        yield s


@pytest.mark.parametrize(("name", "path", "platform"), REAL, ids=[r[0].split("/")[-1] for r in REAL])
def test_detects_real_saved_responses(real_site: Site, name: str, path: str, platform: str) -> None:
    found = detect(real_site.url(path))
    assert found.platform == platform, (found.reason, found.evidence)
    Source.model_validate(found.entry(slug="real", timezone="UTC"))


def test_append_into_an_empty_catalog(tmp_path: Path) -> None:
    from crawlers.cli.sources import _append

    cfg = write_sources(tmp_path / "sources.yml", [])
    assert "sources: []" in cfg.read_text()
    entry = {"slug": "new-one", "name": "New", "platform": "ical", "url": "https://example.org/cal.ics", "enabled": True}
    _append(cfg, entry, ["iCalendar feed"], yaml.safe_dump([entry], sort_keys=False))
    assert [s.slug for s in load_sources(cfg).sources] == ["new-one"]
    assert "# added by `widen sources add`: iCalendar feed" in cfg.read_text()
