"""Which kind an opportunity is (networking event or group, board seat, volunteer role), and why.

Rules over title and description, stored with the cue that decided, so a user can see why a
listing is called a board seat. A platform's or source's own kind is a hint the cues may override.
"""

from __future__ import annotations

import re
from typing import Any

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
