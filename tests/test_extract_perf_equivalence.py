"""The HTML extractors' fast lookups select exactly what their plain forms select.

bench/extract.py holds extraction to 3x a bare lxml parse, so several lookups take a faster
route than the obvious one (attribute-axis XPaths, a C-level element class lookup, a plain
text() scan, microdata properties found through their attributes). Output must not change
for speed: each fast route is compared here with the plain form it replaced, on small pages
written to hit the edge cases and on every real page in ../shared/realworld/html when present.
"""

from __future__ import annotations

from typing import Any

import pytest
from lxml import etree
from lxml import html as lxml_html

from crawlers.extract import html_microformats, html_page, html_tribe, schemaorg
from crawlers.extract.html_util import text_of
from tests.conftest import REALWORLD

EDGE_PAGES = [
    # tribe rows, a v4 month-view tooltip, an element with both markers, classes in odd cases
    b"""<html><body><div class="type-tribe_events"><h2><a href="/e">E</a></h2>
    <div class="tribe-event-schedule-details">May 1 <span class="recurringinfo">weekly</span></div></div>
    <div data-tribejson='{"eventId": 1, "title": "T"}' class="tribe-x"></div>
    <div DATA-TRIBEJSON='{"eventId": 2}'></div><p class="Tribe-events">no</p></body></html>""",
    # hCalendar and h-event roots, words separated by tabs and newlines, near misses
    b"""<html><body><div class="x\tvevent\ny"><span class="summary">A</span></div>
    <div class="h-event"><p class="p-name">B</p></div><div class="veventx">no</div>
    <div class="my-h-event">no</div></body></html>""",
    # microdata: nested items, a property on the item itself, several names in one itemprop
    b"""<html><body><div itemscope itemtype="http://schema.org/Event" itemprop="outer">
    <span itemprop="name">N</span><div itemprop="location" itemscope itemtype="http://schema.org/Place">
    <span itemprop="name">Hall</span><div itemprop="address" itemscope><span itemprop="x">1</span></div>
    </div><span itemprop="startDate description">2026-01-01</span><div itemscope><b itemprop="y">z</b></div>
    <i itemprop="">empty</i></div></body></html>""",
    # text inside and beside scripts, styles and comments; a script as the element itself
    b"""<html><head><style>p{}</style></head><body><div id="d">a<script>var s = 1;</script>b<!-- c -->
    d<style>.x{}</style><span>e<b>f</b></span>g</div><script>only()</script></body></html>""",
]


def _pages() -> list[tuple[str, bytes]]:
    pages = [(f"edge-{i}", body) for i, body in enumerate(EDGE_PAGES)]
    folder = REALWORLD / "html"
    if folder.is_dir():
        pages += [(p.name, p.read_bytes()) for p in sorted(folder.glob("*.html"))]
    return pages


PAGES = _pages()


def _plain_text(el: Any) -> str:
    """text_of as it was: every text node, with an ancestor test for script and style on each."""
    parts = el.xpath(".//text()[not(ancestor::script) and not(ancestor::style)]")
    return " ".join(" ".join(parts).split())


def _plain_props(scope: Any) -> list[Any]:
    """Microdata properties by the spec's walk: descendants, not entering nested items."""
    found: list[Any] = []

    def visit(el: Any) -> None:
        for child in el:
            if not isinstance(child.tag, str):
                continue
            if child.get("itemprop") is not None:
                found.append(child)
            if child.get("itemscope") is None:
                visit(child)

    visit(scope)
    return found


@pytest.mark.parametrize(("name", "body"), PAGES, ids=[n for n, _ in PAGES])
def test_fast_lookups_match_plain_forms(name: str, body: bytes) -> None:
    tree = html_page.parse(body)
    assert etree.tostring(tree) == etree.tostring(lxml_html.fromstring(body))
    assert all(isinstance(el, lxml_html.HtmlElement) for el in tree.iter(etree.Element))

    assert html_tribe.CANDIDATES(tree) == tree.xpath("//*[contains(@class, 'tribe') or @data-tribejson]")
    assert html_microformats.EVENT_ROOTS(tree) == tree.xpath(f"//*[{html_microformats._ROOT_TEST}]")
    assert schemaorg._TOP_ITEMS(tree) == [
        el for el in tree.xpath("//*[@itemscope][@itemtype]") if el.get("itemprop") is None]

    for el in tree.iter():
        assert text_of(el) == _plain_text(el)
        if isinstance(el.tag, str) and el.get("itemscope") is not None:
            assert [p for p in schemaorg._PROPS(el) if schemaorg._own(p, el)] == _plain_props(el)
