"""Which platform runs a website: a few polite requests, then a validated sources.yml entry.

`widen sources add URL` uses this. The probe obeys robots.txt, sends the project's honest
User-Agent and stops at the first conclusive signal; it makes at most `MAX_REQUESTS` requests.
Signals, most specific first (docs/platforms.md "Autodiscovery"):

1. hosts whose platform needs no request (meetup.com, mobilize.us, Luma, Tockify, VolunteerMatch,
   Idealist: the key-based APIs cannot be probed without a key anyway);
2. the body itself: an iCalendar feed (producer from PRODID), a known JSON API shape, the
   GrowthZone events XML;
3. response headers (`X-TEC-API-ROOT`) and page markup: TEC meta tags, GrowthZone/ChamberMaster
   links and classes, Galaxy need links, a Mobilizon group path confirmed by NodeInfo, Bevy, feed
   links (`<link rel="alternate" type="text/calendar">`, Luma, Tockify), JSON-LD Event types,
   board-vacancy wording, and finally whether widen's own extractors find listings on the page;
4. known paths: a group's `events/ical/` (Meetup PRODID), `/api/events` (GrowthZone XML), the TEC
   REST root, Bevy's chapter directory.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

from parsel import Selector
from protego import Protego

from crawlers.config import DEFAULT_CONTACT, Source

MAX_REQUESTS = 8
MAX_BYTES = 5 * 1024 * 1024
USER_AGENT = f"widen/0.1 (+{DEFAULT_CONTACT})"
BOARD_CUES = re.compile(r"join our board|board vacanc|trustee vacanc|recruiting (?:new )?trustees|seeking "
                        r"(?:new )?(?:board|trustee)|open (?:board )?seats|apply to serve|commissioner applications"
                        r"|board of directors.{0,40}(?:applications?|nominations?) (?:are )?(?:open|invited)",
                        re.IGNORECASE)
PER_EVENT_FEED = re.compile(r"[?&](?:eid|event_?id)=|/ical/[^/]*-\d+\.ics", re.IGNORECASE)
EVENT_TYPE = re.compile(r'"@type"\s*:\s*\[?\s*"(\w*Event)"')
KIND_BY_PLATFORM = {
    "toastmasters": "networking_group", "galaxy": "volunteer_role", "volunteerconnector": "volunteer_role",
    "doit": "volunteer_role", "reach": "volunteer_role", "mobilize": "volunteer_role",
    "volunteermatch": "volunteer_role", "idealist": "volunteer_role", "boardpage": "board_seat",
}


@dataclass
class Fetched:
    url: str
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        try:
            return json.loads(self.text.lstrip("\ufeff"))
        except ValueError:
            return None


@dataclass
class Detection:
    """What the probe concluded: a platform and entry, or what it saw and why it cannot crawl it."""

    url: str
    platform: str | None = None
    entry_url: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    name: str | None = None
    timezone: str | None = None
    evidence: list[str] = field(default_factory=list)
    reason: str | None = None
    requests: int = 0

    def entry(self, slug: str | None = None, **extra: Any) -> dict[str, Any]:
        """The sources.yml entry (validated by crawlers.config.Source) for a detected platform."""
        if not self.platform:
            raise ValueError(self.reason or "no platform detected")
        entry: dict[str, Any] = {
            "slug": slug or slugify(self.name or urlsplit(self.url).netloc),
            "name": self.name or urlsplit(self.url).netloc,
            "platform": self.platform,
            "url": self.entry_url or self.url,
        }
        if self.timezone:
            entry["timezone"] = self.timezone
        entry.update({k: v for k, v in extra.items() if v is not None and k != "audiences"})
        entry["kind"] = KIND_BY_PLATFORM.get(self.platform, "networking_event")
        if extra.get("audiences"):
            entry["audiences"] = extra["audiences"]
        entry["enabled"] = True
        if self.options:
            entry["options"] = dict(self.options)
        Source.model_validate(entry)
        return entry


def slugify(text: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return (s or "source")[:60].rstrip("-")


class Prober:
    """Polite HTTP for the probe: robots.txt per host, a request budget, no exceptions escaping."""

    def __init__(self, max_requests: int = MAX_REQUESTS, timeout: float = 15):
        self.max_requests = max_requests
        self.timeout = timeout
        self.count = 0
        self._robots: dict[str, Protego | None] = {}

    def allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            got = self._get(origin + "/robots.txt")
            self._robots[origin] = Protego.parse(got.text) if got and got.status == 200 else None
        rules = self._robots[origin]
        return rules is None or rules.can_fetch(url, USER_AGENT)

    def get(self, url: str, method: str = "GET", data: bytes | None = None,
            headers: dict[str, str] | None = None) -> Fetched | None:
        if self.count >= self.max_requests or not self.allowed(url):
            return None
        return self._get(url, method, data, headers)

    def _get(self, url: str, method: str = "GET", data: bytes | None = None,
             headers: dict[str, str] | None = None) -> Fetched | None:
        if self.count >= self.max_requests:
            return None
        self.count += 1
        hdrs = {"User-Agent": USER_AGENT,
                "Accept": "text/html,application/xhtml+xml,application/json;q=0.9,text/calendar;q=0.9,*/*;q=0.8",
                **(headers or {})}
        req = urllib.request.Request(url, data=data, headers=hdrs, method=method)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return Fetched(resp.geturl(), resp.status, {k.lower(): v for k, v in resp.headers.items()},
                               resp.read(MAX_BYTES))
        except urllib.error.HTTPError as exc:
            return Fetched(url, exc.code, {k.lower(): v for k, v in (exc.headers or {}).items()},
                           exc.read(MAX_BYTES) if exc.fp else b"")
        except (urllib.error.URLError, OSError, ValueError):
            return None


def detect(url: str, prober: Prober | None = None) -> Detection:
    """Probe `url` and name its platform (or say why it cannot be crawled)."""
    if not re.match(r"^https?://", url):
        url = "https://" + url
    d = Detection(url=url)
    p = prober or Prober()
    try:
        _detect(d, p)
    finally:
        d.requests = p.count
    return d


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _by_host(d: Detection) -> bool:
    parts = urlsplit(d.url)
    host, path = parts.netloc.lower(), parts.path
    first = path.strip("/").split("/")[0] if path.strip("/") else ""
    if host.endswith("meetup.com") and first and first not in ("find", "topics", "cities", "pro"):
        d.platform, d.entry_url, d.name = "meetup", f"https://www.meetup.com/{first}/", first
        d.evidence.append("meetup.com group URL: its /events/ical/ feed needs no key")
    elif host.endswith("mobilize.us") and not host.startswith("api.") and first:
        d.platform, d.entry_url, d.name = "mobilize", f"https://www.mobilize.us/{first}/", first
        d.evidence.append("mobilize.us organization page: public API, organization id resolved by slug")
    elif host in ("luma.com", "lu.ma", "www.luma.com") and first:
        d.platform, d.entry_url, d.name = "ical", f"https://luma.com/{first}", first
        d.options = {"luma_discover": True}
        d.evidence.append("Luma calendar page: its public ICS (api2.luma.com) is read, never the pages")
    elif host.endswith("tockify.com") and first and first not in ("api", "embed"):
        d.platform, d.entry_url, d.name = "ical", f"https://tockify.com/api/feeds/ics/{first}", first
        d.evidence.append("Tockify calendar: its ICS feed /api/feeds/ics/<name>")
    elif "volunteermatch.org" in host:
        d.platform, d.entry_url = "volunteermatch", "https://graphql.volunteermatch.org/graphql"
        d.options = {"api_key_env": "VOLUNTEERMATCH_API_KEY"}
        d.name = "VolunteerMatch"
        d.evidence.append("VolunteerMatch: GraphQL API with a partner key (set VOLUNTEERMATCH_API_KEY)")
    elif host.endswith("idealist.org"):
        d.platform, d.entry_url = "idealist", "https://www.idealist.org/api/v1/listings/volops"
        d.options = {"api_key_env": "IDEALIST_API_KEY", "listing_type": "volops"}
        d.name = "Idealist volunteer opportunities"
        d.evidence.append("Idealist: listings API with a key (set IDEALIST_API_KEY)")
    return d.platform is not None


def _ical_platform(body: bytes) -> str | None:
    m = re.search(rb"^PRODID:(.*)$", body[:4000], re.MULTILINE | re.IGNORECASE)
    return m.group(1).decode("utf-8", errors="replace").strip() if m else None


def _ical_tz(body: bytes) -> str | None:
    m = re.search(rb"^X-WR-TIMEZONE:(.*)$", body[:8000], re.MULTILINE) or re.search(
        rb"TZID[=:]([A-Za-z]+/[A-Za-z_/+-]+)", body[:20000])
    return m.group(1).decode().strip() if m else None


def _is_ical(f: Fetched) -> bool:
    return f.status == 200 and b"BEGIN:VCALENDAR" in f.body[:300].upper()


def _json_shape(d: Detection, f: Fetched) -> bool:
    """Known platform API shapes (docs/platforms.md)."""
    doc = f.json()
    if doc is None:
        return False
    origin = _origin(f.url)
    if isinstance(doc, dict):
        if isinstance(doc.get("Clubs"), list):
            d.platform, d.name = "toastmasters", "Toastmasters clubs"
            q = parse_qs(urlsplit(d.url).query)
            if q.get("district", [""])[0].isdigit():
                d.options = {"district": int(q["district"][0])}
            d.evidence.append('Find-a-Club JSON ("Clubs")')
        elif isinstance(doc.get("events"), list) and ("next_rest_url" in doc or "rest_url" in doc or "total" in doc):
            d.platform, d.entry_url = "tribe", origin + "/"
            d.evidence.append("The Events Calendar REST response (events, rest_url)")
        elif isinstance(doc.get("data"), dict) and isinstance(doc["data"].get("items"), list) and "links" in doc:
            d.platform, d.name = "doit", "Do-it opportunities"
            d.evidence.append("Do-it API envelope (data.items, links)")
        elif isinstance(doc.get("nodes"), list) and all(isinstance(n, dict) and "node" in n for n in doc["nodes"][:5]):
            d.platform, d.name = "reach", "Reach Volunteering feed"
            d.evidence.append('Reach partner feed ("nodes"/"node")')
        elif isinstance(doc.get("results"), list) and "next" in doc and any(
                isinstance(r, dict) and "organization" in r and ("audience" in r or "remote_or_online" in r)
                for r in doc["results"]):
            d.platform, d.name = "volunteerconnector", "Volunteer Connector search"
            d.evidence.append("Volunteer Connector search (results[].organization/audience, next)")
        elif isinstance(doc.get("data"), list) and "next" in doc and any(
                isinstance(r, dict) and ("timeslots" in r or "event_feed_url" in r) for r in doc["data"]):
            _mobilize_api(d, f, doc)
    elif isinstance(doc, list) and doc and all(isinstance(c, dict) for c in doc[:5]) and any(
            "relative_url" in c for c in doc[:5]):
        d.platform = "bevy"
        d.evidence.append("Bevy chapter directory (relative_url)")
    return d.platform is not None


def _mobilize_api(d: Detection, f: Fetched, doc: dict[str, Any]) -> None:
    path = urlsplit(f.url).path
    m = re.search(r"/v1/organizations/(\d+)", path)
    d.platform = "mobilize"
    d.options = {"api_base": _origin(f.url)}
    if m:
        d.options["organization_id"] = int(m.group(1))
    sponsor = next((r.get("sponsor") for r in doc["data"] if isinstance(r, dict) and r.get("sponsor")), None)
    if isinstance(sponsor, dict):
        d.name = sponsor.get("name")
        d.entry_url = f"https://www.mobilize.us/{sponsor.get('slug')}/" if sponsor.get("slug") else None
    d.evidence.append("Mobilize API envelope (data, next; events with timeslots)")


def _html(d: Detection, p: Prober, f: Fetched) -> bool:
    sel = Selector(text=f.text)
    d.name = d.name or (sel.xpath('//meta[@property="og:site_name"]/@content').get()
                        or (sel.xpath("//title/text()").get() or "").strip() or None)
    origin = _origin(f.url)
    generator = " ".join(sel.xpath('//meta[@name="generator"]/@content').getall()).lower()
    tec_root = f.headers.get("x-tec-api-root") or f.headers.get("x-tec-api-origin")
    if tec_root or sel.xpath('//meta[@name="tec-api-version" or @name="tec-api-origin"]'):
        d.platform, d.entry_url = "tribe", origin + "/"
        d.evidence.append(f"The Events Calendar: {'X-TEC-API-ROOT header ' + tec_root if tec_root else 'tec-api meta tag'}")
        if tec_root and urlsplit(tec_root).path.rstrip("/") != "/wp-json/tribe/events/v1":
            d.options = {"api_root": tec_root}
        return True
    if sel.xpath('//*[contains(@class, "tribe-events")]') or "the events calendar" in generator:
        d.platform, d.entry_url = "tribe", origin + "/"
        d.evidence.append("The Events Calendar markup (tribe-events classes); REST API checked at crawl time")
        return True
    if ("growthzone" in generator or "chambermaster" in generator
            or sel.xpath('//a[contains(@href, "/events/details/")] | //*[starts-with(@class, "mn-") '
                         'or contains(@class, " mn-") or starts-with(@class, "gz-")]')):
        d.platform, d.entry_url = "growthzone", origin + "/"
        d.evidence.append("GrowthZone/ChamberMaster markup (/events/details/ links, mn-/gz- classes)")
        return True
    if sel.xpath('//a[contains(@href, "/need/detail/") and contains(@href, "need_id=")]') or "galaxy digital" in generator:
        d.platform, d.entry_url = "galaxy", origin + "/need/"
        d.evidence.append("Galaxy Digital need links (/need/detail/?need_id=)")
        return True
    path = urlsplit(f.url).path
    if path.startswith("/@") and _nodeinfo(p, origin) == "mobilizon":
        d.platform, d.entry_url = "mobilizon", f.url
        d.options = {"group": path.strip("/")[1:].split("/")[0]}
        d.evidence.append("Mobilizon instance (NodeInfo software name) and a group path /@name")
        return True
    if "bevy" in generator or "bevy.com" in f.text:
        got = p.get(origin + "/api/chapter_region?chapters=true")
        if got and _json_shape(d, got) and d.platform == "bevy":
            d.entry_url = f.url
            return True
        d.platform = None
    feeds = [h for h in sel.xpath('//link[@rel="alternate"][contains(@type, "calendar")]/@href').getall()
             if not PER_EVENT_FEED.search(h)]  # one event's "add to calendar" is no feed of the site
    if feeds or re.search(rb"luma://calendar/cal-|tockify\.com/", f.body):
        d.platform, d.entry_url = "ical", f.url
        if re.search(rb"luma://calendar/cal-", f.body):
            d.options = {"luma_discover": True}
        d.evidence.append(f"calendar feed announced: {feeds[0] if feeds else 'Luma/Tockify embed'}")
        return True
    types = sorted(set(EVENT_TYPE.findall(" ".join(sel.xpath('//script[@type="application/ld+json"]/text()').getall()))))
    if types or sel.xpath('//*[@itemtype and contains(@itemtype, "schema.org/") and contains(@itemtype, "Event")]'):
        d.platform, d.entry_url = "schemaorg", f.url
        d.evidence.append(f"schema.org {', '.join(types) or 'Event microdata'} on the page")
        return True
    text = " ".join(sel.xpath("//body//text()").getall())
    cue = BOARD_CUES.search(text)
    if cue:
        d.platform, d.entry_url = "boardpage", f.url
        d.evidence.append(f"board vacancy wording: {cue.group(0)!r}")
        return True
    found = _listings(f)
    if found:
        d.platform, d.entry_url = "schemaorg", f.url
        d.evidence.append(f"widen's extractors find {found} listings on the page (list page without a feed)")
        return True
    return False


def _listings(f: Fetched) -> int:
    """How many listings the pure extractors find on a page: a list page widen can read as it is."""
    from crawlers.extract import extract

    try:
        return len(extract(f.body, f.url, f.headers.get("content-type")))
    except Exception:  # a page the extractors choke on is simply not a list page
        return 0


def _nodeinfo(p: Prober, origin: str) -> str | None:
    """The fediverse software name from /.well-known/nodeinfo (Mobilizon announces itself there)."""
    idx = p.get(origin + "/.well-known/nodeinfo")
    doc = idx.json() if idx and idx.status == 200 else None
    links = doc.get("links") if isinstance(doc, dict) else None
    href = next((x.get("href") for x in links or [] if isinstance(x, dict) and x.get("href")), None)
    info = p.get(urljoin(origin, href)) if href else None
    doc = info.json() if info and info.status == 200 else None
    software = doc.get("software") if isinstance(doc, dict) else None
    return str(software.get("name", "")).lower() if isinstance(software, dict) else None


def _known_paths(d: Detection, p: Prober, f: Fetched | None) -> bool:
    origin = _origin(d.url)
    path = urlsplit(d.url).path.strip("/")
    if path and "/" not in path:  # a group page: try the Meetup-style feed beside it
        got = p.get(f"{origin}/{path}/events/ical/")
        if got and _is_ical(got) and "meetup" in (_ical_platform(got.body) or "").lower():
            d.platform, d.entry_url, d.name = "meetup", f"{origin}/{path}/", d.name or path
            d.timezone = _ical_tz(got.body)
            d.evidence.append("events/ical/ feed with a Meetup PRODID")
            return True
    got = p.get(origin + "/api/events")
    if got and got.status == 200 and b"<EventDisplay" in got.body[:20000]:
        d.platform, d.entry_url = "growthzone", origin + "/"
        d.evidence.append("GrowthZone /api/events XML (EventDisplay)")
        return True
    got = p.get(origin + "/wp-json/tribe/events/v1/")
    if got and got.status == 200 and (got.headers.get("x-tec-api-root") or b"tribe" in got.body[:2000]):
        d.platform, d.entry_url = "tribe", origin + "/"
        d.evidence.append("The Events Calendar REST root answers")
        return True
    return False


def _detect(d: Detection, p: Prober) -> None:
    if _by_host(d):
        return
    if not p.allowed(d.url):
        d.reason = "robots.txt disallows this URL for widen's User-Agent; widen will not crawl it"
        return
    f = p.get(d.url)
    if f is None:
        d.reason = "could not fetch the URL (network error or timeout)"
        return
    if _is_ical(f):
        prodid = _ical_platform(f.body) or "unknown producer"
        d.platform, d.entry_url, d.timezone = "ical", f.url, _ical_tz(f.body)
        m = re.search(rb"^X-WR-CALNAME:(.*)$", f.body[:4000], re.MULTILINE)
        d.name = m.group(1).decode("utf-8", errors="replace").strip() if m else None
        d.evidence.append(f"iCalendar feed, PRODID {prodid}")
        return
    if f.status >= 400:
        d.reason = f"the URL answered HTTP {f.status}"
        if _known_paths(d, p, f):
            d.reason = None
        return
    if _json_shape(d, f):
        d.entry_url = d.entry_url or f.url
        return
    if f.body.lstrip()[:5] in (b"<?xml",) and b"<EventDisplay" in f.body[:20000]:
        d.platform, d.entry_url = "growthzone", _origin(f.url) + "/"
        d.evidence.append("GrowthZone /api/events XML (EventDisplay)")
        return
    ctype = f.headers.get("content-type", "")
    if "html" in ctype or f.body.lstrip()[:1] == b"<":
        if _html(d, p, f) or _known_paths(d, p, f):
            return
        sel = Selector(text=f.text)
        scripts = len(sel.xpath("//script"))
        words = len(" ".join(sel.xpath("//body//text()").getall()).split())
        d.reason = (f"an HTML page ({words} words, {scripts} scripts) with no calendar feed, no schema.org "
                    "events, no known platform markers and no known API paths"
                    + ("; it looks rendered by JavaScript, which widen does not run" if words < 50 and scripts else ""))
        return
    d.reason = f"a {ctype or 'non-HTML'} response that matches no known platform"
