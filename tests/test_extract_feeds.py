"""RSS/Atom extraction (crawlers/extract/feeds.py) on small feeds written here."""

from __future__ import annotations

import datetime as dt

from crawlers.extract import Context, extract, sniff
from pipelines.normalize import SourceContext, normalize

NOW = dt.datetime(2025, 12, 1, tzinfo=dt.UTC)

RSS = b"""<?xml version="1.0"?>
<rss version="2.0" xmlns:ev="http://purl.org/rss/1.0/modules/event/"><channel><title>Chamber</title>
<language>en-us</language>
<item><title>Founders Coffee</title><link>https://ex.org/e/1?utm_source=rss&amp;id=1</link>
<description>&lt;p&gt;When: Thursday, January 8th from 5:30-7:30pm&lt;br/&gt;Where: Cafe Ola, 12 Main St,
 Springfield, IL 62701&lt;/p&gt;</description><pubDate>Mon, 01 Dec 2025 10:00:00 GMT</pubDate></item>
<item><title>Board info night</title><link>https://ex.org/e/2</link>
<ev:startdate>2026-01-15T18:00:00-06:00</ev:startdate><ev:location>Zoom</ev:location></item>
<item><title>News: we moved</title><link>https://ex.org/news/3</link><pubDate>Tue, 02 Dec 2025 10:00:00 GMT</pubDate></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="de"><title>Termine</title>
<entry><title>Repair Caf\xc3\xa9</title><link href="https://ex.de/t/1"/><id>urn:1</id>
<updated>2025-11-20T10:00:00Z</updated>
<content type="html">&lt;p&gt;Datum: Sa, 6. Dezember 2025, 14:00 Uhr&lt;/p&gt;&lt;p&gt;Ort: FabLab, Cottbus&lt;/p&gt;</content></entry>
</feed>"""


def recs(body: bytes, tz: str) -> list[dict]:
    raws = extract(body, "https://ex.org/feed", None, Context(now=NOW, tz=tz))
    return [normalize(r, SourceContext(now=NOW, tz=tz)) for r in raws]


def test_sniffing_feeds():
    assert sniff(RSS) == "feed" and sniff(ATOM) == "feed"


def test_rss_event_dates_from_content_and_namespace_never_pubdate():
    coffee, board, news = recs(RSS, "America/Chicago")
    assert (coffee["start"], coffee["end"]) == ("2026-01-08T17:30:00-06:00", "2026-01-08T19:30:00-06:00")
    assert (coffee["venue"], coffee["city"], coffee["region"]) == ("Cafe Ola", "Springfield", "IL")
    assert coffee["url"] == "https://ex.org/e/1?id=1"
    assert board["start"] == "2026-01-15T18:00:00-06:00" and board["online"] is True
    assert news["start"] is None  # a post date is not an event date


def test_atom_in_german():
    (r,) = recs(ATOM, "Europe/Berlin")
    assert r["title"] == "Repair Café"
    assert r["start"] == "2025-12-06T14:00:00+01:00"
    assert (r["venue"], r["city"]) == ("FabLab", "Cottbus")


def test_broken_feed_yields_what_it_can():
    body = RSS.replace(b"</channel></rss>", b"<item><title>Half")
    titles = [r["title"] for r in recs(body, "America/Chicago")]
    assert "Founders Coffee" in titles
