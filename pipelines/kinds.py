"""Which kind an opportunity is (networking event or group, board seat, volunteer role), and why.

Rules over the title (and a few strong description phrases), stored with the cue that decided,
so a user can see why a listing is called a board seat. Order matters, and each step has a
reason seen in real listings (../shared/realworld):

1. A board/committee word *plus* a meeting word is a public meeting, not a seat: "Howard Street
   SSA #19 Commissioners Meeting", "CCLBA Board of Directors Meeting", "Serve on a Nonprofit
   Board? Info Session" are events anyone can attend.
2. A governance role in the title is a board seat, whatever the platform calls it: volunteer
   centres list "Age UK Harrow - Trustee", "Charity Treasurer", "School Governor" and
   "Scout-Committe member" (sic) as volunteering.
3. "Volunteer" in the title ("Stock Room Volunteer") is a volunteer role, unless the title is an
   event about volunteering ("Volunteer Fair", "Volunteer Appreciation Night"). A role noun
   ("Scout Leader", "Technology Champion", "Patient Companion") counts too, except where the
   source lists events or groups or the title names a group ("Women Leaders Network").
4. Otherwise the platform's or source's own kind (a hint) stands.
5. Without a hint: a listing with no date is an ongoing group (R-Ladies, GDG chapters, clubs),
   a dated one an event.
"""

from __future__ import annotations

import re
from typing import Any

from crawlers.schema import KINDS

# Words platforms use for their own kinds, mapped onto ours.
KIND_SYNONYMS = {
    "group": "networking_group", "groups": "networking_group", "organization": "networking_group",
    "event": "networking_event", "events": "networking_event", "meetup": "networking_event",
    "volunteer": "volunteer_role", "volunteering": "volunteer_role", "opportunity": "volunteer_role",
    "board": "board_seat", "trustee": "board_seat", "governance": "board_seat",
}

BOARD_CUES = re.compile(
    r"\b(trustees?|(?:charity |board |group )?treasurer|school governors?|governors?(?!['’]s)(?! ball)\b|"
    r"board (?:members?|seats?|directors?|vacanc\w*|positions?|roles?|openings?|trustees?)|"
    r"board of (?:directors|trustees|governors)|join (?:our|the) board|non-?executive director|"
    r"committee? members?|management committee|commissioners?|"
    r"advisory (?:council|board|committee) members?|"
    r"(?:board|committee) (?:chair(?:man|woman|person)?|secretary|vice[- ]chair))\b",
    re.I)
# Governing bodies: with a meeting word they name a public meeting ("Board Meeting", "Task Force").
BODY_CUES = re.compile(
    r"\b(boards?|(?:sub)?committees?|(?:sub)?commissions?|commissioners?|councils?|trustees?|governors?|"
    r"task force|authority)\b", re.I)
MEETING_CUES = re.compile(
    r"\b(meetings?|hearings?|sessions?|forums?|workshops?|webinars?|trainings?|orientations?|"
    r"open house|conferences?|seminars?|mixers?|receptions?|luncheons?|breakfasts?|briefings?|"
    r"info(?:rmation)? (?:night|evening|event)|agm|annual general meeting|town hall)\b",
    re.I)
VOLUNTEER_CUES = re.compile(r"\b(volunteers?|volunteering)\b", re.I)
# Role nouns: a volunteer role on their own ("Patient Companion", "Technology Champion"), but also
# in group and event names ("Women Leaders Network", "Startup Leaders Summit"), so weaker.
ROLE_CUES = re.compile(
    r"\b(helpers?|leaders?|stewards?|champions?|companions?|mentors?|befrienders?|tutors?|drivers?|coach|"
    r"coordinator|co-?ordinator|assistants?|crew|(?:co-)?presenters?|marshals?|ambassadors?|docents?|"
    r"ushers?|greeters?|buddy|walkers?|shift lead|fundraisers?)\b",
    re.I)
# Event words that make a volunteer-word title an event *about* volunteering.
VOLUNTEER_EVENT_CUES = re.compile(
    r"\b(fair|appreciation|awards?|mixer|networking|info(?:rmation)? session|open house|social|"
    r"happy hour|reception|gala|celebration|meetup)\b", re.I)
# Description phrases strong enough to call an un-cued title a board seat.
BOARD_DESCRIPTION_CUES = re.compile(
    r"\b(join (?:our|the) board(?: of (?:directors|trustees))?|serve on (?:our|the) board|"
    r"become a (?:trustee|governor|board member)|as a (?:trustee|governor|board member)|"
    r"(?:trustee|governor|board member) role|duties of a trustee|charity trustees?)\b",
    re.I)
GROUP_CUES = re.compile(
    r"\b(chapters?|club|user group|meetup group|network|society|association|chamber|community|circle|guild|"
    r"alliance|r[- ]?ladies|gdg|women techmakers|toastmasters|collective|forum|council)\b",
    re.I)


def _hint(rec: dict[str, Any]) -> str | None:
    raw = str(rec.get("kind") or "").strip().lower()
    if raw in KINDS:
        return raw
    return KIND_SYNONYMS.get(raw)


def _cue(m: re.Match[str]) -> str:
    return re.sub(r"\s+", " ", m.group(0).lower())


def classify_kind(rec: dict[str, Any]) -> tuple[str, str]:
    """(kind, reason): the rules in the module docstring, first match wins."""
    title = rec.get("title") or ""
    desc = (rec.get("description") or "")[:800]
    hint = _hint(rec)
    dated = bool(rec.get("start"))  # a group's schedule gives next_start, not a dated listing

    board = BOARD_CUES.search(title)
    meeting = MEETING_CUES.search(title)
    body = board or BODY_CUES.search(title)
    if body and meeting:
        return "networking_event", f"title: {_cue(meeting)} of a board/committee ({_cue(body)}): a public meeting"
    if board:
        return "board_seat", f"title: {_cue(board)}"
    about_volunteering = VOLUNTEER_EVENT_CUES.search(title) or meeting
    vol = VOLUNTEER_CUES.search(title)
    if vol and not about_volunteering:
        return "volunteer_role", f"title: {_cue(vol)}"
    role = ROLE_CUES.search(title)
    if (role and not about_volunteering and hint not in ("networking_event", "networking_group")
            and not GROUP_CUES.search(title)):
        return "volunteer_role", f"title: {_cue(role)}"
    if hint in ("volunteer_role", "board_seat", None) and not dated and not meeting:
        m = BOARD_DESCRIPTION_CUES.search(desc)
        if m:
            return "board_seat", f"description: {_cue(m)}"
    if hint:
        reason = rec.get("kind_reason")
        return hint, str(reason) if reason else f"hint: {hint}"
    if not dated:
        m = GROUP_CUES.search(title) or GROUP_CUES.search(desc)
        return "networking_group", f"no date, ongoing group: {_cue(m)}" if m else "no date: ongoing group"
    return "networking_event", "dated listing"
