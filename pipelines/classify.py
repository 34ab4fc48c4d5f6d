"""Stage 2: what kind of opportunity it is and which audiences it reaches, with the cues that decided.

Explainable on purpose: every decision stores the words that matched, so a user can see why
a listing is called a board seat or tagged `veterans`.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from crawlers.config import config_dir
from pipelines import Stage

BOARD_CUES = re.compile(
    r"\b(trustees?|board (member|seat|director|vacanc\w*|position|role|opening)s?|board of (directors|trustees|governors)|"
    r"join (our|the) board|non-?executive director|school governor|governors?\b(?! ball)|"
    r"committee member|commissioners?\b(?! meeting)|advisory (council|board|committee) member|"
    r"(charity |board )?treasurer|(board |group )?(chair(man|woman|person)?|secretary)\b(?= (for|of|role|vacancy|needed)))",
    re.I)
VOLUNTEER_CUES = re.compile(r"\b(volunteers?|volunteering|helpers?|mentors?|befriend\w*|steward|"
                            r"champion|companion|tutor|assistant|leader|driver|coach)\b", re.I)
GROUP_CUES = re.compile(r"\b(chapter|club|user group|meetup group|network|society|association|chamber|"
                        r"community|circle|guild|alliance|r-?ladies|gdg|toastmasters|collective)\b", re.I)


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


def classify_kind(rec: dict[str, Any]) -> tuple[str, str]:
    """The kind and the cue that decided it; a platform's or source's own kind is a hint, cues win."""
    title = rec.get("title") or ""
    desc = (rec.get("description") or "")[:600]
    hinted = rec.get("kind")
    m = BOARD_CUES.search(title)
    if m and not rec.get("start"):
        return "board_seat", f"title: {m.group(0).lower()}"
    if m and hinted in ("volunteer_role", "board_seat"):
        return "board_seat", f"title: {m.group(0).lower()}"
    if hinted in ("volunteer_role", "board_seat") and BOARD_CUES.search(desc) and not VOLUNTEER_CUES.search(title):
        m2 = BOARD_CUES.search(desc)
        return "board_seat", f"description: {m2.group(0).lower()}"
    if hinted:
        return hinted, rec.get("kind_reason") or f"hint: {hinted}"
    m = VOLUNTEER_CUES.search(title)
    if m and not rec.get("start"):
        return "volunteer_role", f"title: {m.group(0).lower()}"
    if not rec.get("start"):
        m = GROUP_CUES.search(title) or GROUP_CUES.search(desc)
        return "networking_group", (f"no date; {m.group(0).lower()}" if m else "no date")
    if m:
        return "volunteer_role", f"title: {m.group(0).lower()}"
    return "networking_event", "dated listing"


def classify(rec: dict[str, Any], taxonomy: tuple[Audience, ...] | None = None) -> dict[str, Any]:
    """Fill kind, kind_reason, audiences and audience_cues (source hints are kept)."""
    taxonomy = load_taxonomy() if taxonomy is None else taxonomy
    rec["kind"], rec["kind_reason"] = classify_kind(rec)
    text = " \n ".join(str(rec.get(k) or "") for k in ("title", "description", "organizer"))
    found, cues = classify_audiences(text, taxonomy)
    hinted = rec.get("audiences") or []
    rec["audiences"] = list(dict.fromkeys([*hinted, *found])) or None
    rec["audience_cues"] = ([f"{h}: source hint" for h in hinted if h not in found] + cues) or None
    return rec


class ClassifyPipeline(Stage):
    """Scrapy stage: kind and audiences."""

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        return classify(item)
