"""Which audiences a listing reaches: the taxonomy in config/audiences.yml matched on words.

Explainable on purpose: every match stores the word that matched ("veterans: military spouse").
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from crawlers.config import config_dir


@dataclass(frozen=True)
class Audience:
    slug: str
    group: str
    label: str
    pattern: re.Pattern[str]
    exclude: re.Pattern[str] | None


def _phrase_pattern(phrases: list[str]) -> re.Pattern[str] | None:
    words = sorted({p.strip().lower() for p in phrases if p and p.strip()}, key=len, reverse=True)
    if not words:
        return None
    return re.compile(r"(?<![\w-])(" + "|".join(re.escape(w) for w in words) + r")(?![\w-])", re.I)


@functools.lru_cache(maxsize=8)
def load_taxonomy(path: str | None = None) -> tuple[Audience, ...]:
    """Audiences from config/audiences.yml, compiled once per process."""
    p = Path(path) if path else config_dir() / "audiences.yml"
    data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    out = []
    for a in data.get("audiences", []):
        pat = _phrase_pattern([a["slug"].replace("_", " "), a.get("label", ""), *(a.get("synonyms") or []),
                               *(a.get("keywords") or [])])
        if pat is None:
            continue
        out.append(Audience(a["slug"], a.get("group", ""), a.get("label", a["slug"]), pat,
                            _phrase_pattern(a.get("exclude") or [])))
    return tuple(out)


def classify_audiences(text: str, taxonomy: tuple[Audience, ...]) -> tuple[list[str], list[str]]:
    """Audience slugs whose words occur in the text, and 'slug: word' cues explaining each."""
    found, cues = [], []
    for a in taxonomy:
        t = a.exclude.sub(" ", text) if a.exclude else text
        m = a.pattern.search(t)
        if m:
            found.append(a.slug)
            cues.append(f"{a.slug}: {m.group(0).lower()}")
    return found, cues
