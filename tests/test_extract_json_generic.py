"""The generic JSON mapper: listings from APIs nobody wrote an adapter for, read by what their
fields mean (crawlers/extract/jsonfields.py), and refusals of arrays that are not listings."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawlers.extract import Context, jsonapi
from pipelines.normalize import SourceContext, normalize

NOW = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
UNMAPPED = Path(__file__).resolve().parents[2] / "shared" / "realworld" / "unmapped" / "feeds"


def run(doc: Any) -> list[dict[str, Any]]:
    return jsonapi.extract(json.dumps(doc).encode(), Context(url="https://api.example/x", now=NOW))


def records(doc: Any, tz: str = "America/Chicago") -> list[dict[str, Any]]:
    return [normalize(r, SourceContext(now=NOW, tz=tz)) for r in run(doc)]


def test_pascal_case_meetings_nested_under_odata_value() -> None:
    doc = {"@odata.context": "https://city.example/odata/$metadata#Meetings", "value": [
        {"MeetingID": 7, "MeetingName": "Planning Commission", "StartDate": "2026/03/17 18:30:00",
         "EndDate": "2026/03/17 20:00:00", "MeetingLocation": "Council Chambers, 100 Main St, Springfield, IL 62701",
         "Url": "https://city.example/meetings/7", "ShareUrl": "https://city.example/share?id=7",
         "LastModified": "2026-02-01T10:00:00"},
        {"MeetingID": 8, "MeetingName": "Library Board", "StartDate": "2026/03/19 17:00:00",
         "MeetingLocation": "Main Library, 200 Oak St, Springfield, IL 62701", "Url": "https://city.example/meetings/8"},
    ]}
    first, second = records(doc)
    assert (first["title"], first["start"], first["end"]) == (
        "Planning Commission", "2026-03-17T18:30:00-05:00", "2026-03-17T20:00:00-05:00")
    assert first["url"] == "https://city.example/meetings/7" and first["city"] == "Springfield"
    assert second["venue"] == "Main Library" and second["region"] == "IL"


def test_graphql_edges_with_a_nested_venue_and_city_line() -> None:
    doc = {"data": {"search": {"edges": [
        {"cursor": "a", "node": {"displayName": "Makers Meetup", "start": {"date": "2026-04-02", "time": "19:00:00"},
                                 "uri": "https://tickets.example/e/1", "venue": {"displayName": "Hall 5"},
                                 "location": {"city": "Lexington, KY, US"}}},
        {"cursor": "b", "node": {"displayName": "Open Data Day", "start": {"date": "2026-04-05", "time": None},
                                 "uri": "https://tickets.example/e/2", "venue": {"displayName": "City Library"},
                                 "location": {"city": "Louisville, KY, US"}}},
    ]}}}
    makers, data_day = records(doc, tz="America/New_York")
    assert makers["start"] == "2026-04-02T19:00:00-04:00" and makers["venue"] == "Hall 5"
    assert (makers["city"], makers["region"], makers["country"]) == ("Lexington", "KY", "US")
    assert data_day["start"] == "2026-04-05" and data_day["all_day"] is True


@pytest.mark.parametrize(("value", "expected"), [
    (1775167200, "2026-04-02T22:00:00+00:00"),
    (1775167200000, "2026-04-02T22:00:00+00:00"),
    ("/Date(1775167200000)/", "2026-04-02T22:00:00+00:00"),
    ("/Date(1775167200000-0500)/", "2026-04-02T22:00:00+00:00"),
    ("20260402", "2026-04-02"),
    ("2026/4/2 17:00", "2026-04-02T17:00:00-05:00"),
])
def test_epoch_dotnet_compact_and_slashed_dates(value: Any, expected: str) -> None:
    (rec,) = records({"items": [{"Subject": "Budget hearing", "When": value}]})
    got = dt.datetime.fromisoformat(rec["start"]) if "T" in expected else rec["start"]
    assert got == (dt.datetime.fromisoformat(expected) if "T" in expected else expected)


def test_split_date_and_time_fields_and_a_time_in_the_title() -> None:
    doc = [
        {"EventBodyName": "City Council", "EventDate": "2026-03-10T00:00:00", "EventTime": "6:00 PM",
         "EventInSiteURL": "https://city.example/MeetingDetail.aspx?ID=1", "EventAgendaFile": "https://city.example/a.pdf",
         "EventLastModifiedUtc": "2026-03-01T00:00:00"},
        {"name": "Board Retreat @ 9:30 a.m. - 12:00 p.m.", "numberdate": "20260312"},
        {"Name": "Regular Meeting", "MeetingDate": "2026-03-16", "MeetingTime": "05:30 PM"},
    ]
    council, retreat, regular = records(doc)
    assert council["start"] == "2026-03-10T18:00:00-05:00"
    assert council["url"] == "https://city.example/MeetingDetail.aspx?ID=1"
    assert (retreat["start"], retreat["end"]) == ("2026-03-12T09:30:00-05:00", "2026-03-12T12:00:00-05:00")
    assert regular["start"] == "2026-03-16T17:30:00-05:00"


PRODUCTS = {"products": [{"id": i, "name": f"Widget {i}", "price": 9.99, "sku": f"W-{i}",
                          "created_at": "2025-01-01T00:00:00Z", "updated_at": "2025-02-01T00:00:00Z"} for i in range(20)]}
USERS = [{"login": f"user{i}", "name": f"User {i}", "url": f"https://api.example/users/{i}",
          "html_url": f"https://example.com/user{i}", "created_at": "2011-01-26T19:01:12Z",
          "birthday": "1990-05-01", "last_login": "2026-01-01T00:00:00Z"} for i in range(30)]
SETTINGS = {"version": 3, "theme": {"name": "dark", "updated": "2026-01-01"},
            "plugins": [{"name": "search", "enabled": True, "installed": "2025-06-01"},
                        {"name": "maps", "enabled": False}],
            "schedule": {"name": "nightly", "cron": "0 5 * * *"}}


@pytest.mark.parametrize("doc", [PRODUCTS, USERS, SETTINGS], ids=["products", "users", "settings"])
def test_lists_that_are_not_listings_give_nothing_and_say_why(doc: Any, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="crawlers.extract.jsonapi"):
        assert run(doc) == []
    assert "not taken" in caplog.text and "$" in caplog.text


def test_a_minority_of_dated_objects_is_refused() -> None:
    """Two dated rows among ten people are not an events list (the share is under the threshold)."""
    people = [{"name": f"Person {i}", "role": "member"} for i in range(8)]
    people += [{"name": "Anniversary", "date": "2026-05-01"}, {"name": "Party", "date": "2026-06-01"}]
    assert run({"members": people}) == []


@pytest.mark.skipif(not UNMAPPED.is_dir(), reason="../shared/realworld/unmapped is not present on this machine")
def test_real_responses_of_producers_without_a_mapper() -> None:
    """Each saved response gives the listings a person sees (count, titles), and the ones labelled
    with none give none."""
    for line in (UNMAPPED / "truth.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        truth = json.loads(line)
        got = jsonapi.extract((UNMAPPED / truth["file"]).read_bytes(), Context(url=truth["file"], now=NOW))
        assert len(got) == truth["expected_count"], truth["file"]
        titles = {g["title"].strip() for g in got}
        assert {i["title"].strip() for i in truth["items"]} <= titles, truth["file"]


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
                    lambda inner: st.lists(inner, max_size=5)
                    | st.dictionaries(st.sampled_from(["title", "Name", "start", "StartDate", "date", "time", "when",
                                                       "location", "venue", "url", "Url", "end", "id", "x"]) | st.text(max_size=8),
                                      inner, max_size=6), max_leaves=40)


@settings(max_examples=300, deadline=None, database=None)
@given(JSON)
def test_random_json_never_crashes(doc: Any) -> None:
    for raw in run(doc):
        assert isinstance(raw.get("title"), str) and raw["title"]


def test_undated_volunteer_roles_and_groups_need_telling_names() -> None:
    roles = {"opportunities": [
        {"title": "Food bank shift lead", "organization": {"name": "Eastside Food Bank"},
         "url": "https://volunteer.example/o/1", "location": "12 Elm St, Springfield, IL 62701"},
        {"title": "Board treasurer", "organization": {"name": "Youth Arts Council"}, "url": "https://volunteer.example/o/2"},
    ]}
    shift, treasurer = records(roles)
    assert shift["kind"] == "volunteer_role" and shift["organizer"] == "Eastside Food Bank"
    assert shift["commitment"] == "ongoing" and shift["city"] == "Springfield"
    assert treasurer["title"] == "Board treasurer"
    brigades = {"brigades": [{"name": "Open Austin", "website": "https://open.example/austin", "city": "Austin, TX"},
                             {"name": "Code for Tulsa", "website": "https://open.example/tulsa", "city": "Tulsa, OK"}]}
    assert {r["kind"] for r in run(brigades)} == {"networking_group"}
    same_without_signal = {"entries": brigades["brigades"]}
    assert run(same_without_signal) == []  # titles and links alone are not a listing


def _epoch_feed(wall_times: list[str], as_utc: bool) -> dict[str, Any]:
    """Council meetings at these Pacific wall-clock times, as epochs: either the wall clock written
    as if UTC (the pseudo-UTC trap) or the true instants."""
    zone = dt.UTC if as_utc else ZoneInfo("America/Los_Angeles")
    return {"results": [{"title": f"City Council {w}", "date": str(int(dt.datetime.fromisoformat(w).replace(
        tzinfo=zone).timestamp()))} for w in wall_times]}


MEETINGS = ["2026-01-12T17:30", "2026-01-26T17:30", "2026-02-09T19:00", "2026-02-23T17:30", "2026-03-06T08:30",
            "2026-03-09T17:30", "2026-03-23T20:00", "2026-04-13T17:30"]


@pytest.mark.parametrize("as_utc", [True, False])
def test_epochs_written_as_if_utc_are_read_as_the_sources_wall_clock(as_utc: bool) -> None:
    """Pseudo-UTC epochs (17:30 stored as 17:30Z) would put a morning meeting at 00:30 Pacific; read
    as wall-clock time they are all at plausible hours, so they are. True instants stay as they are."""
    got = jsonapi.extract(json.dumps(_epoch_feed(MEETINGS, as_utc)).encode(),
                          Context(url="https://api.example/x", now=NOW, tz="America/Los_Angeles"))
    starts = [normalize(r, SourceContext(now=NOW, tz="America/Los_Angeles"))["start"][:16] for r in got]
    assert starts == MEETINGS
    alone = jsonapi.extract(json.dumps(_epoch_feed(MEETINGS, as_utc)).encode(), Context(url="x", now=NOW))
    assert all(r["start"].tzinfo is not None for r in alone)  # no zone given: nothing to judge by


@pytest.mark.skipif(not UNMAPPED.is_dir(), reason="../shared/realworld/unmapped is not present on this machine")
def test_a_real_feed_of_pseudo_utc_epochs() -> None:
    truth = next(json.loads(line) for line in (UNMAPPED / "truth.jsonl").read_text(encoding="utf-8").splitlines()
                 if "ompnetwork" in line)
    ctx = Context(url=truth["file"], now=NOW, tz="America/Los_Angeles")
    got = {r["title"]: r for r in jsonapi.extract((UNMAPPED / truth["file"]).read_bytes(), ctx)}
    for item in truth["items"]:
        rec = normalize(got[item["title"]], SourceContext(now=NOW, tz="America/Los_Angeles"))
        assert rec["start"][:19] == item["start"], item["title"]
