"""Kind rules (pipelines/kinds.py) on real listings' titles, with the hint their source would give.

Rows are public listing texts from ../shared/realworld (do-it.org and Reach volunteer feeds,
SeekVolunteer NZ, Meetup/Bevy/Mobilize group lists, chamber and agency calendars) and from
the bundled demo; labels follow the truth files, and the brief for public meetings.
"""

from __future__ import annotations

import json

import pytest
from conftest import require_realworld

from pipelines.kinds import classify_kind

D = "2019-11-20T08:30:00-06:00"  # any start: the row is a dated listing
V, G, E, B = "volunteer_role", "networking_group", "networking_event", "board_seat"

# title, start, hint (the source's or platform's kind), description, expected kind, word in the reason
ROWS: list[tuple[str, str | None, str | None, str, str, str]] = [
    # board seats inside volunteer listings (do-it.org, Reach, SeekVolunteer)
    ("Age Uk Harrow - Trustee", None, V, "", B, "trustee"),
    ("Charity Treasurer", None, V, "The duties of a Trustee treasurer include...", B, "treasurer"),
    ("School Governor (Harrow)", None, V, "", B, "governor"),
    ("Trustee with business development expertise", None, V, "", B, "trustee"),
    ("Trustee", None, V, "", B, "trustee"),
    ("1st/6th Edgware Beaver Group Scout-Committe member", None, V, "", B, "committe member"),
    ("Trustee Group Chairman for new Group - Bexley Business Academy", None, V, "", B, "trustee"),
    ("Trustee Scout Group Secretary for Bexley Business Academy", None, V, "", B, "trustee"),
    ("Trustee Treasurer for new Scout Group at the Bexley Business Academy", None, V, "", B, "trustee"),
    ("Committee Member", None, V, "committee members (secretary and general) with governance experience", B,
     "committee member"),
    ("Board Treasurer (Volunteer)", None, V, "", B, "treasurer"),
    ("Advisory Council Member, Housing & Homelessness", None, None, "", B, "advisory council member"),
    ("Finance lead", None, V, "We are looking for someone to join our board of trustees as treasurer.", B,
     "join our board"),
    # volunteer roles
    ("Scout Leader (volunteering with 10-14 year olds) 27th Harrow", None, V, "", V, "volunteering"),
    ("1st/6th Edgware Beaver Group Scout-Leader", None, V, "", V, "leader"),
    ("Stock Room Volunteer", None, None, "", V, "volunteer"),
    ("Charity shop- piece hospice-South Oxhey-retail helper", None, None, "", V, "helper"),
    ("Sangam Association of Asian Women-Admin volunteer", None, None, "", V, "volunteer"),
    ("Falls Support Volunteers for Age UK", None, None, "", V, "volunteers"),
    ("Harrow Community Radio- Co-presenter Volunteer", None, None, "", V, "volunteer"),
    ("Volunteer Group Scout Leader/Manager - Harrow and Wealdstone", None, None, "", V, "volunteer"),
    ("Beaver Scout Helper", None, None, "", V, "helper"),
    ("Denny Abbey Volunteer Steward", None, None, "", V, "volunteer"),
    ("Lunch Club / Kitchen Skills Volunteer", None, None, "", V, "volunteer"),
    ("People Engagement Assistant", None, None, "", V, "assistant"),
    ("Garden Club Volunteer", None, None, "", V, "volunteer"),
    ("Patient Companion", None, None, "", V, "companion"),
    ("Technology Champion", None, None, "", V, "champion"),
    ("Marketing Coordinator", None, None, "Cause 'Education', duration 'Long Term'.", V, "coordinator"),
    ("Raffle coordinator", None, V, "", V, "coordinator"),
    ("Crew for House of Horrors Youth event", None, V, "", V, "crew"),
    ("Volunteer Tree Planting at Brookby Equestrian River Habitat", None, None, "", V, "volunteer"),
    ("Youth Coding Mentor", None, V, "", V, "mentor"),
    # groups: no date, ongoing
    ("R-Ladies Barcelona", None, None, "", G, "r-ladies"),
    ("R Ladies La Paz Mexico", None, None, "", G, "r ladies"),
    ("GDG Ann Arbor", None, None, "", G, "gdg"),
    ("Women Techmakers Tokyo", None, None, "", G, "women techmakers"),
    ("ladies dinner bunco club", None, None, "", G, "club"),
    ("Network NoVA", None, None, "", G, "network"),
    ("HumanTalks Paris", None, "group", "", G, "group"),
    ("Together We Will", None, None, "", G, "no date"),
    ("Women Leaders Network", None, None, "", G, "network"),  # a role noun inside a group's name
    # public meetings of boards and commissions are events, not seats
    ("Howard Street SSA #19 Commissioners Meeting", D, None, "", E, "commissioners"),
    ("Devon Avenues SSA #43 Commissioners Meeting", D, E, "", E, "public meeting"),
    ("CCLBA Board of Directors Meeting", D, None, "", E, "board of directors"),
    ("EMSC Advisory Board Meeting", D, None, "", E, "meeting"),
    ("Housing Authority of Cook County Board Meeting", D, E, "", E, "meeting"),
    ("CCLBA Finance Committee Meeting", D, None, "", E, "public meeting"),
    ("So You Want to Serve on a Nonprofit Board? Info Session", D, E,
     "Learn how to join a board of directors.", E, "session"),
    # events
    ("Dagger with Spokane Tech 🚀", D, None, "", E, "dated"),
    ("ReactGirls & Mews meetup", D, "networking_group", "", G, "hint"),  # the hint stands when no cue
    ("SEMpdx Networking Event", D, None, "", E, "dated"),
    ("Volunteer Appreciation Night", D, None, "", E, "dated"),  # about volunteering, not a role
    ("Startup Leaders Summit", D, E, "", E, "hint"),
    ("Governor’s Ball", D, None, "", E, "dated"),  # a governor's party, not a governor's seat
    ("Entrepreneurship Boot Camp Session 2, Marketing Plan", D, E, "", E, "hint"),
]


@pytest.mark.parametrize(("title", "start", "hint", "desc", "kind", "cue"), ROWS, ids=[r[0][:40] for r in ROWS])
def test_kind(title: str, start: str | None, hint: str | None, desc: str, kind: str, cue: str) -> None:
    got, reason = classify_kind({"title": title, "start": start, "kind": hint, "description": desc})
    assert got == kind, reason
    assert cue in reason.lower()


def test_a_group_with_a_schedule_is_a_group() -> None:
    """A schedule parsed from text gives next_start, but the listing is the group, not one meeting."""
    rec = {"title": "Lakeview Toastmasters", "description": "Meets Tuesdays 7:00 PM",
           "recurrence": "RRULE:FREQ=WEEKLY;BYDAY=TU", "next_start": "2026-03-03T19:00:00-06:00"}
    assert classify_kind(rec) == (G, "no date, ongoing group: toastmasters")


def test_source_reason_is_kept_when_the_hint_decides() -> None:
    rec = {"title": "Chicago Women in Data", "kind": G, "kind_reason": "listed organization (schema.org ItemList)"}
    assert classify_kind(rec) == (G, "listed organization (schema.org ItemList)")


def test_realworld_truth_kinds_without_hints() -> None:
    """Every item labelled with a kind in the shared truth files, classified from its title alone."""
    root = require_realworld()
    labelled = []
    for path in sorted(root.glob("*/truth.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                for item in json.loads(line).get("items") or []:
                    if item.get("kind") in (V, G, E, B):
                        labelled.append(item)
    assert len(labelled) >= 40
    wrong = [(i["title"], i["kind"], classify_kind({"title": i["title"], "start": i.get("start")}))
             for i in labelled
             if classify_kind({"title": i["title"], "start": i.get("start")})[0] != i["kind"]]
    assert wrong == []
