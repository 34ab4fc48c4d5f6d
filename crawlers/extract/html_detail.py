"""One listing from a detail page that has no structured data: a volunteer role's page, a
library's meeting page with its date in prose.

Used only when nothing else on the page was read. The page is one listing when it says so:
- a role: a call to act ("Volunteer now", "Sign up", "Apply", "Mitmachen", "Postuler",
  "Inscríbete", "Aanmelden") as a button or link, and role words (volunteer, board, trustee,
  mentor, Ehrenamt, bénévole, voluntario, vrijwilliger) in the main heading or the text before it;
- an event: an event word in the main heading (meeting, workshop, Sitzung, réunion…) and a date
  with a clock time in the text after it, not a publication date.
Anything else (an article, an advisory, an index) gives nothing. Title: the main heading; date
and time: the first after the heading; place and organiser: labelled lines (html_visible); the
description: the first paragraphs after the heading.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from crawlers.extract import html_visible
from crawlers.extract.html_blocks import EVENT_WORDS, NOT_EVENT, clock_times, first_date
from crawlers.extract.html_util import text_of

CALL_TO_ACT = re.compile(
    r"^\s*(volunteer now|volunteer|sign up( to volunteer| now)?|apply( now| today)?|i want to help|get involved|"
    r"join us|jetzt mitmachen|mitmachen|bewerben|jetzt bewerben|postuler|je m'engage|devenir bénévole|"
    r"inscr[ií]bete|quiero ayudar|aanmelden|meld je aan)\s*[!.»›→]*\s*$", re.I)
ROLE_WORDS = re.compile(
    r"\b(volunteers?|volunteering|board members?|trustees?|mentors?|tutors?|ehrenamt\w*|freiwillige\w*|"
    r"bénévol\w*|voluntari\w*|vrijwillig\w*)\b", re.I)
BOARD_WORDS = re.compile(r"\b(board|trustee|treasurer|director|vorstand|conseil d'administration|junta)\b", re.I)
ADDRESS = re.compile(r"\b\d{1,5}\s+[A-Z][\w.]*(?:\s+[A-Z][\w.]*)*,\s*[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*,?\s+[A-Z]{2}\s+\d{5}\b")


def _heading(tree: Any) -> Any:
    main = next(iter(tree.iter("main")), None)
    for scope in (main, tree):
        if scope is None:
            continue
        h1 = next((h for h in scope.iter("h1") if text_of(h)), None)
        if h1 is not None:
            return h1
    return None


def _after(h1: Any) -> list[Any]:
    """Block elements after the heading, in document order (its following content)."""
    return [el for el in h1.itersiblings() if isinstance(el.tag, str)] + \
        [el for p in h1.iterancestors() for el in p.itersiblings() if isinstance(el.tag, str)][:30]


def extract(tree: Any, base: str, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    body = tree.find("body")
    h1 = _heading(tree) if body is not None else None
    if h1 is None:
        return []
    title = text_of(h1)
    following = _after(h1)
    text = " ".join(text_of(el) for el in following)[:4000]
    acts = [el for el in body.iter("a", "button", "input")
            if CALL_TO_ACT.match(text_of(el) or el.get("value") or "")]
    role = bool(acts) and bool(ROLE_WORDS.search(title) or ROLE_WORDS.search(text[:1500]))
    today = (now or dt.datetime.now(dt.UTC)).date()
    when = None if NOT_EVENT.search(text[:300]) else first_date(text, today)
    times = clock_times(text) if when else []
    event = bool(EVENT_WORDS.search(title)) and when is not None and bool(times)
    if not role and not event:
        return []
    raw: dict[str, Any] = {"title": title, "url": base or None}  # the page is the listing: a list row linking here is it
    if event and when:
        raw["start"] = dt.datetime.combine(when, times[0]).isoformat()
        if len(times) > 1 and times[1] > times[0]:
            raw["end"] = dt.datetime.combine(when, times[1]).isoformat()
    if role and not event:
        raw["kind"] = "board_seat" if BOARD_WORDS.search(title) else "volunteer_role"
        raw["ongoing"] = True
    paragraphs = [text_of(el) for el in following if el.tag == "p" and len(text_of(el)) >= 60]
    if paragraphs:
        raw["description"] = "\n\n".join(paragraphs[:3])
    facts = html_visible.facts(tree, b"", want_organizer=True, want_venue=False)
    if facts.get("organizer"):
        raw["organizer"] = facts["organizer"]
    if facts.get("labelled_venue") and not facts["labelled_venue"][:1].isdigit():  # "12 Elm St" is an address
        raw["venue"] = facts["labelled_venue"]
    address = ADDRESS.search(text)
    if address:
        raw["location_text"] = ", ".join(x for x in (raw.get("venue"), address.group(0)) if x)
    return [raw]
