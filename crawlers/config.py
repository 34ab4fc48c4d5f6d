"""Sources are data: `config/sources.yml`, validated on load with errors that name entry and field."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml
from croniter import croniter
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from crawlers.schema import KINDS

PLATFORMS = (
    "ical", "tribe", "schemaorg", "growthzone", "meetup", "toastmasters", "mobilizon", "bevy",
    "galaxy", "volunteerconnector", "doit", "reach", "mobilize", "volunteermatch", "idealist", "boardpage",
)
DEFAULT_CONTACT = "https://github.com/widen-org/widen"


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
    options: dict[str, Any] = {}

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


def load_sources(path: str | Path | None = None) -> SourcesFile:
    """The validated catalog; raises ConfigError naming the bad entry and field."""
    p = Path(path) if path else config_dir() / "sources.yml"
    if not p.exists():
        raise ConfigError(f"{p}: no such file (set WIDEN_CONFIG or run from the project folder)")
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{p}: not valid YAML: {exc}") from exc
    try:
        cfg = SourcesFile.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{p}:\n{_describe(exc, raw)}") from None
    seen: set[str] = set()
    for s in cfg.sources:
        if s.slug in seen:
            raise ConfigError(f"{p}: duplicate slug {s.slug!r}")
        seen.add(s.slug)
        if s.schedule is None:
            s.schedule = cfg.defaults.schedule
    return cfg


def get_source(slug: str, path: str | Path | None = None) -> Source:
    for s in load_sources(path).sources:
        if s.slug == slug:
            return s
    raise ConfigError(f"no source {slug!r} in {path or config_dir() / 'sources.yml'}")
