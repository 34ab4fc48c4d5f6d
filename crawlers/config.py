"""Sources are data: `config/sources.yml`, validated on load with errors that name entry and field."""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from croniter import croniter
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from crawlers.schema import KINDS

PLATFORMS = (
    "ical", "tribe", "schemaorg", "growthzone", "meetup", "toastmasters", "mobilizon", "bevy",
    "galaxy", "volunteerconnector", "doit", "reach", "mobilize", "volunteermatch", "idealist", "boardpage",
)
DEFAULT_CONTACT = "https://github.com/widen-org/widen"
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's safe loader, ~10x faster when built in


class ConfigError(Exception):
    """A config file is missing or invalid; the message says which entry and field."""


def config_dir() -> Path:
    """`$WIDEN_CONFIG`, else ./config when it holds sources.yml, else the config beside the package."""
    env = os.environ.get("WIDEN_CONFIG")
    if env:
        return Path(env)
    here = Path.cwd() / "config"
    if (here / "sources.yml").exists():
        return here
    return Path(__file__).resolve().parent.parent / "config"


class Options(BaseModel):
    """Options every platform accepts: extra start URLs, paging cap, per-source politeness and
    monitor thresholds.

    `download_delay`/`autothrottle`/`concurrency` let one source (a fragile small site, or a
    loopback test site) differ from the project-wide settings without touching them.
    """

    model_config = ConfigDict(extra="forbid")

    urls: list[str] = []
    max_pages: int = Field(default=50, ge=1)
    download_delay: float | None = Field(default=None, ge=0)
    autothrottle: bool | None = None
    concurrency: int | None = Field(default=None, ge=1)  # CONCURRENT_REQUESTS_PER_DOMAIN (crawlers/runner.py)
    # Monitor thresholds (crawlers/monitors.py reads them; unset means its defaults).
    min_items: int | None = Field(default=None, ge=0)
    max_errors: int | None = Field(default=None, ge=0)
    max_dropped_ratio: float | None = Field(default=None, ge=0, le=1)
    coverage: dict[str, float] | None = None


class IcalOptions(Options):
    luma_discover: bool = False  # page URL is a Luma calendar: read its cal-id, fetch the public ICS
    luma_ics: str = "https://api2.luma.com/ics/get"


class TribeOptions(Options):
    api_root: str | None = None  # default: <origin>/wp-json/tribe/events/v1/
    per_page: int = Field(default=50, ge=1, le=50)
    categories: str | None = None


class SchemaorgOptions(Options):
    detail_pattern: str | None = None


class GrowthzoneOptions(Options):
    api: str | None = "/api/events"  # null: skip the XML API, walk calendar and detail pages
    details: bool = True  # follow /events/details/ pages when the API gives no listings


class MeetupOptions(Options):
    rss: bool = True  # fall back to /events/rss/ (robots.txt permitting) when the iCal feed is empty


class ToastmastersOptions(Options):
    district: int | None = None
    latitude: float | None = None
    longitude: float | None = None
    radius: float | None = None


class MobilizonOptions(Options):
    group: str | None = None  # preferredUsername: the group's events instead of a search
    term: str | None = None
    location: str | None = None  # geohash
    radius: float | None = None
    limit: int = Field(default=50, ge=1, le=100)


class BevyOptions(Options):
    chapter_id: int | None = None  # default: looked up in <origin>/api/chapter_region by the URL's path


class GalaxyOptions(Options):
    page_size: int = Field(default=12, ge=1)
    need_init_id: int | None = None


class MobilizeOptions(Options):
    organization_id: int | None = None  # default: looked up in /v1/organizations by the URL's slug
    api_base: str = "https://api.mobilize.us"
    per_page: int = Field(default=100, ge=1, le=100)


class KeyOptions(Options):
    api_key_env: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$")  # the env variable holding the key; never the key


class VolunteermatchOptions(KeyOptions):
    location: str | None = None
    radius: str | None = None
    virtual: bool | None = None
    keywords: str | None = None
    number_of_results: int = Field(default=100, ge=1, le=100)


class IdealistOptions(KeyOptions):
    listing_type: Literal["volops", "jobs", "internships"] = "volops"
    since: str | None = None  # ISO timestamp of the oldest update to list (default: everything)


OPTION_MODELS: dict[str, type[Options]] = {
    "ical": IcalOptions, "tribe": TribeOptions, "schemaorg": SchemaorgOptions,
    "growthzone": GrowthzoneOptions, "meetup": MeetupOptions, "toastmasters": ToastmastersOptions,
    "mobilizon": MobilizonOptions, "bevy": BevyOptions, "galaxy": GalaxyOptions,
    "mobilize": MobilizeOptions, "volunteermatch": VolunteermatchOptions, "idealist": IdealistOptions,
}


class Source(BaseModel):
    """One site on one platform."""

    model_config = ConfigDict(extra="forbid")

    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    platform: str
    url: str
    timezone: str | None = None
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    region: str | None = None
    kind: str | None = None
    audiences: list[str] = []
    schedule: str | None = None
    enabled: bool = True
    options: dict[str, Any] = Field(default={}, validate_default=True)

    @field_validator("platform")
    @classmethod
    def _platform(cls, v: str) -> str:
        if v not in PLATFORMS:
            raise ValueError(f"unknown platform {v!r}; known: {', '.join(PLATFORMS)}")
        return v

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        if not re.match(r"^https?://[^/\s]+", v):
            raise ValueError(f"not an http(s) URL: {v!r}")
        return v

    @field_validator("kind")
    @classmethod
    def _kind(cls, v: str | None) -> str | None:
        if v is not None and v not in KINDS:
            raise ValueError(f"unknown kind {v!r}; known: {', '.join(KINDS)}")
        return v

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str | None) -> str | None:
        if v is None:
            return v
        from zoneinfo import ZoneInfo

        try:
            ZoneInfo(v)
        except Exception as exc:
            raise ValueError(f"unknown IANA time zone {v!r}") from exc
        return v

    @field_validator("options")
    @classmethod
    def _options(cls, v: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        """Validate against the platform's option model; the error names the option."""
        model = OPTION_MODELS.get(info.data.get("platform") or "", Options)
        try:
            return model.model_validate(v or {}).model_dump(exclude_unset=True, exclude_none=True)
        except ValidationError as exc:
            msgs = [f"{'.'.join(str(x) for x in e['loc']) or '(options)'}: {e['msg']}" for e in exc.errors()]
            raise ValueError(f"{info.data.get('platform')} option " + "; ".join(msgs)) from None

    @property
    def opts(self) -> Any:
        """The options as the platform's typed model (defaults filled in)."""
        return OPTION_MODELS.get(self.platform, Options).model_validate(self.options)

    @field_validator("schedule")
    @classmethod
    def _cron(cls, v: str | None) -> str | None:
        if v is not None and not croniter.is_valid(v):
            raise ValueError(f"not a cron expression: {v!r}")
        return v


class Defaults(BaseModel):
    model_config = ConfigDict(extra="forbid")

    contact_url: str = DEFAULT_CONTACT
    schedule: str = "0 5 * * *"


class SourcesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    defaults: Defaults = Defaults()
    sources: list[Source] = []


def _describe(exc: ValidationError, raw: dict[str, Any]) -> str:
    lines = []
    for err in exc.errors():
        loc = list(err["loc"])
        where = ".".join(str(x) for x in loc)
        if len(loc) >= 2 and loc[0] == "sources" and isinstance(loc[1], int):
            entries = raw.get("sources") or []
            slug = entries[loc[1]].get("slug", "?") if loc[1] < len(entries) and isinstance(entries[loc[1]], dict) else "?"
            field = ".".join(str(x) for x in loc[2:]) or "(entry)"
            where = f"source #{loc[1] + 1} ({slug}), field {field}"
        lines.append(f"{where}: {err['msg']}")
    return "\n".join(lines)


def audience_slugs() -> set[str]:
    """Audience slugs of the taxonomy (config/audiences.yml); empty when there is none to check against."""
    for d in (config_dir(), Path(__file__).resolve().parent.parent / "config"):
        f = d / "audiences.yml"
        if f.exists():
            return _audience_slugs(str(f), f.stat().st_mtime_ns)
    return set()


@functools.lru_cache(maxsize=4)
def _audience_slugs(path: str, mtime_ns: int) -> frozenset[str]:
    """Parsed once per file version: the taxonomy is large and every spider loads the catalog."""
    doc = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=YAML_LOADER) or {}
    return frozenset(e["slug"] if isinstance(e, dict) else str(e) for e in doc.get("audiences") or [])


def load_sources(path: str | Path | None = None) -> SourcesFile:
    """The validated catalog; raises ConfigError naming the bad entry and field."""
    p = Path(path) if path else config_dir() / "sources.yml"
    if not p.exists():
        raise ConfigError(f"{p}: no such file (set WIDEN_CONFIG or run from the project folder)")
    try:
        raw = yaml.load(p.read_text(encoding="utf-8"), Loader=YAML_LOADER) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{p}: not valid YAML: {exc}") from exc
    try:
        cfg = SourcesFile.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{p}:\n{_describe(exc, raw)}") from None
    seen: set[str] = set()
    known = audience_slugs()
    for i, s in enumerate(cfg.sources):
        if s.slug in seen:
            raise ConfigError(f"{p}: duplicate slug {s.slug!r}")
        seen.add(s.slug)
        unknown = [a for a in s.audiences if known and a not in known]
        if unknown:
            raise ConfigError(f"{p}:\nsource #{i + 1} ({s.slug}), field audiences: unknown audience(s) "
                              f"{', '.join(unknown)} (see config/audiences.yml)")
        if s.schedule is None:
            s.schedule = cfg.defaults.schedule
    return cfg


def get_source(slug: str, path: str | Path | None = None) -> Source:
    for s in load_sources(path).sources:
        if s.slug == slug:
            return s
    raise ConfigError(f"no source {slug!r} in {path or config_dir() / 'sources.yml'}")
