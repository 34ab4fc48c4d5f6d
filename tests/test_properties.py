"""Properties that must hold for any input, checked with hypothesis.

- `crawlers.extract.extract()` never raises, whatever the bytes: random bytes, and inputs shaped
  to reach every sniffed format (iCalendar, JSON, feeds, HTML with JSON-LD/microdata) deeply
  enough to exercise their parsers rather than being rejected at the door.
- `pipelines.normalize.normalize()` never raises on raw dicts that follow the extractor
  conventions (any text, any date-ish value); its start/end/next_start are real ISO 8601 that the
  schema's own patterns accept, carry an offset whenever a zone is known, and the record passes
  `pipelines.validate.validate` once the fields only a classifier supplies are filled.
- `crawlers.schema.make_id` is a pure function of its inputs, and distinct native ids (or
  sources) give distinct ids.

Examples are capped (max_examples) so the module runs in seconds; no example database is
written into the repository.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawlers.extract import Context, extract
from crawlers.schema import FIELD_BY_NAME, KINDS, make_id
from pipelines.normalize import SourceContext, normalize
from pipelines.validate import validate

SETTINGS = settings(max_examples=200, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# Parsers of whole documents and dateparser on random text cost ~50-200 ms an example here.
HEAVY = settings(SETTINGS, max_examples=100)
NOW = dt.datetime(2026, 3, 1, 6, tzinfo=dt.UTC)
# Occurrences are expanded over a short window: the property is "never raises", and a 90-day
# window multiplies the cost of every generated RRULE (sub-daily rules are tested in test_faults).
WINDOW = (NOW, NOW + dt.timedelta(days=3))
ZONES = ["America/Chicago", "Europe/London", "Asia/Kolkata", "Pacific/Chatham", "UTC", "Not/AZone", "",
         "Eastern Standard Time"]
CONTENT_TYPES = [None, "", "text/html", "text/html; charset=utf-8", "text/calendar", "application/json",
                 "application/ld+json", "application/rss+xml", "application/atom+xml", "text/plain",
                 "application/octet-stream", "text/html; charset=x-bogus", "image/png"]

text = st.text(max_size=60)
# Instants from 1900 on: earlier ones (local mean time offsets) and the edges of year 1 / 9999 have
# their own tests below, so a known bug there does not hide what these find.
LO, HI = dt.datetime(1900, 1, 1), dt.datetime(9000, 1, 1)
date_text = st.one_of(
    st.dates(min_value=dt.date(1, 1, 1)).map(lambda d: d.isoformat()),
    st.datetimes(min_value=LO, max_value=HI).map(lambda d: d.isoformat()),
    st.datetimes(timezones=st.sampled_from([dt.UTC, ZoneInfo("America/Chicago"), ZoneInfo("Asia/Kathmandu")]),
                 min_value=LO, max_value=HI).map(lambda d: d.isoformat()),
    st.from_regex(r"\A(19|20)\d{2}-\d{1,2}-\d{1,2}(T\d{1,2}[-:]\d{2}([-:]\d{2})?(Z|[+-]\d{2}:?\d{2})?)?\Z"),
    st.sampled_from(["Tomorrow", "next Tuesday 6pm", "December 5 @ 6:00 pm - 8:00 pm", "5/12/2026", "12/5",
                     "noon", "TBA", "2019-9-13T10-10-00-00", "0000-00-00", "9999-12-31T23:59:59+14:00",
                     "Thursday, January 8th from 5:30-7:30pm", "1/1/1", "24:00", "2026-02-30"]),
    text,
)
when_value = st.one_of(st.none(), date_text, st.datetimes(min_value=LO, max_value=HI),
                       st.datetimes(timezones=st.timezones(), min_value=LO, max_value=HI), st.dates())
rrule = st.one_of(
    st.builds(lambda f, extra: f"RRULE:FREQ={f}{extra}", st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]),
              st.sampled_from(["", ";COUNT=3", ";INTERVAL=2", ";BYDAY=TU", ";BYDAY=2TU", ";UNTIL=20200101T000000Z",
                               ";BYMONTHDAY=31", ";BYDAY=XX", ";COUNT=-1", ";INTERVAL=0"])),
    st.sampled_from(["2nd Tuesday monthly", "Every other Thursday", "weekly", "FREQ=", "RRULE:"]),
    text,
)


# -- extract: never raises --------------------------------------------------------------------
def _ctx() -> Context:
    return Context(url="https://example.org/events/", now=NOW, tz="America/Chicago", window=WINDOW)


def _run_extract(body: bytes, content_type: str | None) -> None:
    out = extract(body, "https://example.org/events/", content_type, _ctx())
    assert isinstance(out, list) and all(isinstance(r, dict) for r in out)


@SETTINGS
@given(st.binary(max_size=4000), st.sampled_from(CONTENT_TYPES))
def test_extract_survives_any_bytes(body: bytes, content_type: str | None) -> None:
    _run_extract(body, content_type)


ICS_PROPS = ["DTSTART", "DTSTART;VALUE=DATE", "DTSTART;TZID=America/Chicago", "DTSTART;TZID=Nowhere/Land",
             "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "RECURRENCE-ID", "SUMMARY", "DESCRIPTION",
             "LOCATION", "URL", "UID", "GEO", "ORGANIZER;CN=\"x\"", "STATUS", "CATEGORIES", "X-WR-TIMEZONE"]
ics_value = st.one_of(st.from_regex(r"\A\d{8}(T\d{6}Z?)?\Z"), st.sampled_from(["P1D", "PT1H", "-PT1H", "1.5;2.5",
                                                                             "FREQ=WEEKLY;COUNT=2", "mailto:a@b"]),
                      st.text(max_size=40).map(lambda s: s.replace("\r", "").replace("\n", "")))
ics_line = st.one_of(st.builds(lambda k, v: f"{k}:{v}", st.sampled_from(ICS_PROPS), ics_value),
                     st.sampled_from(["BEGIN:VEVENT", "END:VEVENT", "BEGIN:VTIMEZONE", "END:VTIMEZONE",
                                      "TZID:America/Chicago", "BEGIN:STANDARD", "END:STANDARD", " folded", ""]),
                     st.text(max_size=30))


@st.composite
def ics_bodies(draw: st.DrawFn) -> bytes:
    """A calendar with plausible and broken events: enough structure to reach the RRULE expander."""
    events = draw(st.lists(st.lists(ics_line, max_size=10), max_size=4))
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", draw(st.sampled_from(["PRODID:-//Meetup//EN", "PRODID:x", ""]))]
    for ev in events:
        lines += ["BEGIN:VEVENT", "UID:" + draw(st.text(max_size=8)), "DTSTART:20260302T180000Z",
                  *ev, "END:VEVENT"]
    if draw(st.booleans()):
        lines.append("END:VCALENDAR")
    encoding = draw(st.sampled_from(["utf-8", "utf-16", "latin-1"]))
    return "\r\n".join(lines).encode(encoding, errors="replace")


@HEAVY
@given(ics_bodies(), st.sampled_from([None, "text/calendar", "text/plain", "text/html"]))
def test_extract_survives_ics_like_input(body: bytes, content_type: str | None) -> None:
    _run_extract(body, content_type)


json_leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), text, date_text)
json_value = st.recursive(json_leaf, lambda c: st.one_of(st.lists(c, max_size=4),
                                                         st.dictionaries(text, c, max_size=4)), max_leaves=12)
# A non-string, non-list @type (e.g. 5) has its own test below.
SCHEMA_TYPES = ["Event", "BusinessEvent", "SocialEvent", "VolunteerAction", "Organization", "Place", "EventSeries",
                "JobPosting", ["Event", "Thing"], None, "https://schema.org/Event", ""]
SCHEMA_KEYS = ["name", "startDate", "endDate", "location", "address", "url", "description", "organizer",
               "eventStatus", "eventAttendanceMode", "eventSchedule", "subEvent", "@graph", "@id", "offers",
               "geo", "image", "doorTime", "duration", "superEvent", "performer", "identifier", "byDay"]


@st.composite
def schema_things(draw: st.DrawFn, depth: int = 2) -> dict[str, Any]:
    thing: dict[str, Any] = {"@context": "https://schema.org", "@type": draw(st.sampled_from(SCHEMA_TYPES))}
    for key in draw(st.lists(st.sampled_from(SCHEMA_KEYS), max_size=8, unique=True)):
        if depth and draw(st.booleans()):
            thing[key] = draw(st.one_of(schema_things(depth - 1), st.lists(schema_things(depth - 1), max_size=2)))
        else:
            thing[key] = draw(st.one_of(date_text, json_value))
    return thing


json_docs = st.one_of(json_value, schema_things(), st.lists(schema_things(), max_size=3),
                      st.fixed_dictionaries({"events": st.lists(st.dictionaries(
                          st.sampled_from(["id", "title", "start_date", "end_date", "venue", "url", "utc_start_date",
                                           "all_day", "timezone", "cost", "description", "organizer"]),
                          json_value), max_size=3)}),
                      st.fixed_dictionaries({"data": json_value, "items": st.lists(json_value, max_size=3)}))


@HEAVY
@given(json_docs, st.sampled_from([None, "application/json", "text/html"]), st.booleans())
def test_extract_survives_json_like_input(doc: Any, content_type: str | None, truncate: bool) -> None:
    body = json.dumps(doc, allow_nan=True).encode()
    _run_extract(body[: len(body) // 2] if truncate else body, content_type)


html_fragment = st.one_of(
    st.builds(lambda d: f'<script type="application/ld+json">{json.dumps(d, allow_nan=True)}</script>', json_docs),
    st.builds(lambda t, s: f'<div itemscope itemtype="https://schema.org/Event"><span itemprop="name">{t}</span>'
                           f'<time itemprop="startDate" datetime="{s}">{s}</time></div>', text, date_text),
    st.builds(lambda t, s: f'<div class="vevent"><span class="summary">{t}</span><abbr class="dtstart" '
                           f'title="{s}">{s}</abbr></div>', text, date_text),
    st.builds(lambda h: f'<a href="{h}">link</a>', st.sampled_from(["javascript:alert(1)", "//x", "http://[::1",
                                                                     "mailto:", "#", "%zz"])),
    st.sampled_from(['<script type="application/ld+json">{"@type": "Event", "name": "x",}</script>',
                     "<![CDATA[", "<!--", "<html", "</body></html></html>", "<meta charset=x-bogus>",
                     '<link rel="alternate" type="text/calendar" href="x.ics">', "<h2>Board vacancies</h2>"]),
    text,
)


@HEAVY
@given(st.lists(html_fragment, max_size=6), st.sampled_from([None, "text/html", "text/html; charset=utf-8"]))
def test_extract_survives_html_like_input(fragments: list[str], content_type: str | None) -> None:
    body = ("<html><head><title>t</title></head><body>" + "".join(fragments) + "</body></html>")
    _run_extract(body.encode("utf-8", errors="surrogatepass"), content_type)


@st.composite
def feed_bodies(draw: st.DrawFn) -> bytes:
    items = draw(st.lists(st.tuples(text, date_text, text), max_size=4))
    if draw(st.booleans()):
        inner = "".join(f"<item><title>{t}</title><pubDate>{d}</pubDate><link>{u}</link></item>" for t, d, u in items)
        doc = f'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>{inner}</channel></rss>'
    else:
        inner = "".join(f"<entry><title>{t}</title><updated>{d}</updated><link href=\"{u}\"/></entry>"
                        for t, d, u in items)
        doc = f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">{inner}</feed>'
    return doc.encode("utf-8", errors="surrogatepass")


@HEAVY
@given(feed_bodies(), st.sampled_from([None, "application/rss+xml", "application/atom+xml", "text/xml"]))
def test_extract_survives_feed_like_input(body: bytes, content_type: str | None) -> None:
    _run_extract(body, content_type)


# -- normalize: never raises, times are ISO 8601 ---------------------------------------------
PATTERN = {f: re.compile(FIELD_BY_NAME[f].pattern or "") for f in ("start", "end", "next_start")}


@st.composite
def raw_listings(draw: st.DrawFn) -> dict[str, Any]:
    """A raw dict as an extractor produces it (see crawlers/extract/__init__.py), any content."""
    raw: dict[str, Any] = {}
    for key in ("title", "description", "description_html", "organizer", "organizer_url", "url", "venue",
                "address", "city", "region", "country", "postal_code", "location_text", "native_id",
                "event_status", "attendance_mode", "cost", "platform"):
        if draw(st.booleans()):
            raw[key] = draw(st.one_of(text, st.sampled_from(
                ["<script>alert(1)</script>x", "javascript:alert(1)", "Cancelled: Mixer", "Online", "Zoom",
                 "United States", "Illinois", "https://example.org/e/1?utm_source=x", "EventCancelled", ""])))
    for key in ("start", "end"):
        if draw(st.booleans()):
            raw[key] = draw(when_value)
    if draw(st.booleans()):
        raw["timezone"] = draw(st.sampled_from(ZONES))
    if draw(st.booleans()):
        raw["recurrence"] = draw(rrule)
    if draw(st.booleans()):
        raw["occurrences"] = draw(st.lists(st.tuples(when_value, when_value), max_size=3))
    for key in ("lat", "lon"):
        if draw(st.booleans()):
            raw[key] = draw(st.one_of(st.floats(allow_nan=True), text, st.none()))
    for key in ("online", "all_day"):
        if draw(st.booleans()):
            raw[key] = draw(st.one_of(st.booleans(), st.none(), text))
    if draw(st.booleans()):
        raw["kind"] = draw(st.sampled_from(KINDS))
    if draw(st.booleans()):
        raw["audiences"] = draw(st.lists(st.from_regex(r"\A[a-z][a-z-]{0,15}\Z"), max_size=3))
    return raw


source_contexts = st.builds(
    lambda tz, country, now: SourceContext(source="prop", source_url="https://example.org/events/", tz=tz,
                                           country=country, now=now),
    st.sampled_from([None, *ZONES]), st.sampled_from([None, "US", "GB", "DE", "IN", "NZ"]),
    st.datetimes(timezones=st.just(dt.UTC), min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2040, 1, 1)))


def _is_iso(value: str) -> bool:
    try:
        (dt.date.fromisoformat if len(value) == 10 else dt.datetime.fromisoformat)(value)
    except ValueError:
        return False
    return True


@HEAVY
@given(raw_listings(), source_contexts)
def test_normalize_never_raises_and_times_are_iso(raw: dict[str, Any], ctx: SourceContext) -> None:
    ctx.horizon_days = 3  # see WINDOW
    rec = normalize(raw, ctx)
    for f, pattern in PATTERN.items():
        v = rec.get(f)
        if v is None:
            continue
        assert isinstance(v, str) and pattern.match(v) and _is_iso(v), (f, v)
        if rec.get("timezone") and "T" in v:
            assert re.search(r"(Z|[+-]\d{2}:\d{2})$", v), f"{f}={v!r} lacks the offset of {rec['timezone']}"
    for s, e in rec.get("_occurrences") or []:
        assert PATTERN["start"].match(s) and _is_iso(s), s
        assert e is None or (PATTERN["end"].match(e) and _is_iso(e)), e
    # What normalization cannot know (kind, a title) is the classifier's or the page's; with those
    # filled, the record passes the schema: patterns, enums, types.
    filled = {**rec, "kind": rec["kind"] or "networking_event", "title": rec["title"] or "t"}
    validate(filled)
    assert rec["id"] == normalize(raw, ctx)["id"]  # normalization is deterministic


# -- make_id: stable and distinct ------------------------------------------------------------
slugs = st.from_regex(r"\A[a-z0-9][a-z0-9-]{0,20}\Z")
ids = st.text(min_size=1, max_size=40)
urls = st.one_of(st.none(), st.builds(lambda p: "https://example.org/" + p, st.text(max_size=20)))


@SETTINGS
@given(slugs, ids, urls, st.one_of(st.none(), text), st.one_of(st.none(), date_text))
def test_make_id_is_stable(source: str, native: str, url: str | None, title: str | None, start: str | None) -> None:
    a = make_id(source, native_id=native, url=url, title=title, start=start)
    b = make_id(str(source), native_id=str(native), url=url and str(url), title=title, start=start)
    assert a == b and a.startswith(source + ":")
    # the platform's id decides: URL, title and start changes do not move the record
    assert make_id(source, native_id=native, url="https://example.org/moved", title="Renamed", start=None) == a


@SETTINGS
@given(slugs, st.lists(ids, min_size=2, max_size=20, unique=True))
def test_make_id_distinct_for_distinct_native_ids(source: str, natives: list[str]) -> None:
    made = [make_id(source, native_id=n) for n in natives]
    assert len(set(made)) == len(natives)


@SETTINGS
@given(st.lists(slugs, min_size=2, max_size=5, unique=True), ids)
def test_make_id_distinct_across_sources(sources: list[str], native: str) -> None:
    assert len({make_id(s, native_id=native) for s in sources}) == len(sources)


# -- edges the generators above stay clear of ------------------------------------------------
def _norm(start: str) -> dict[str, Any]:
    return normalize({"title": "x", "start": start}, SourceContext(now=NOW, tz="America/Chicago"))


def test_local_mean_time_offsets_print_as_iso_8601() -> None:
    start = _norm("1850-06-01T12:00:00")["start"]
    assert PATTERN["start"].match(start) and _is_iso(start), start


@pytest.mark.parametrize("start", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00"])
def test_extreme_years_do_not_raise(start: str) -> None:
    out = _norm(start)["start"]
    assert out is None or (PATTERN["start"].match(out) and _is_iso(out))


def test_non_string_schema_type_does_not_raise() -> None:
    body = (b'<html><head><script type="application/ld+json">[{"@type": 5}, {"@context": "https://schema.org", '
            b'"@type": "Event", "name": "Kept", "startDate": "2026-05-05T18:00:00-05:00"}]</script></head></html>')
    assert [r.get("title") for r in extract(body, "https://example.org/", "text/html", _ctx())] == ["Kept"]


# -- validate: the compiled fast check and jsonschema agree on every record -------------------
_VALID = {"id": "s:1", "kind": "networking_event", "title": "Mixer", "source": "s", "audiences": ["women"],
          "start": "2026-03-12T18:00:00-05:00", "lat": 41.9, "lon": -87.6, "all_day": False, "online": True}
_ODD = st.one_of(st.none(), st.booleans(), st.integers(-2, 2), st.floats(allow_nan=False), st.sampled_from(
    ["", "x", "networking_event", "2026-03-12", "2026-03-12T18:00:00-05:00", "exact", "in_person", "US"]),
    st.lists(st.sampled_from(["women", "", 3, None]), max_size=2), st.just({"a": 1}))


@SETTINGS
@given(st.dictionaries(st.sampled_from(sorted(FIELD_BY_NAME)), _ODD, max_size=4))
def test_fast_validation_agrees_with_jsonschema(changes: dict[str, Any]) -> None:
    """validate() trusts fastjsonschema's verdict on a record it accepts: it must never accept
    what jsonschema (the schema's reference reading) refuses, nor refuse what it accepts."""
    from pipelines.validate import _fast, _validator

    row = {k: {**_VALID, **changes}.get(k) for k in FIELD_BY_NAME}
    if not changes:
        assert _validator().is_valid(row)  # the base record is valid: changes make the invalid ones
    try:
        _fast()(row)
        fast = True
    except Exception:  # noqa: BLE001 - fastjsonschema's refusal
        fast = False
    assert fast == _validator().is_valid(row), row
