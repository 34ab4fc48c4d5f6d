"""An HTML page, read the way a person reads it: structured data first, visible text wins.

The page is parsed once (lxml). Structured data (JSON-LD, microdata, RDFa, hCalendar) gives
most listings; platform views (The Events Calendar, Drupal date views, Meetup's embedded
state, volunteer listing pages, bare date lists) give what a person sees. The two are merged
by listing URL or title + day: a visible time (`when_text`) then wins over a structured one
that contradicts it, and visible fields fill what the structured data lacks.

Each platform module is asked only when a cheap byte check says its markup is there, so a
plain page costs one lxml parse plus an XPath for JSON-LD (bench/extract.py).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from lxml import etree
from lxml import html as lxml_html

from crawlers.extract import (
    html_blocks,
    html_datelist,
    html_detail,
    html_drupal,
    html_meetup,
    html_microformats,
    html_tribe,
    html_visible,
    html_volunteer,
    schemaorg,
)

if TYPE_CHECKING:
    from crawlers.extract import Context

_ISO_OK = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?$")
_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_NON_WORD = re.compile(r"\W+")
_TRACKING = re.compile(r"(utm_\w+|fbclid|gclid|aff|ref|mc_[ce]id|_ga|igshid)(=|$)", re.I)


# lxml.html's own parser picks each element's Python class in a Python callback (form
# controls get their own classes), which runs for every element a walk or XPath hands to
# Python. No extractor uses the form classes, so this parser makes every element an
# HtmlElement in C: the same tree and methods, a third of the cost per element touched.
_PARSER = etree.HTMLParser()
_PARSER.set_element_class_lookup(etree.ElementDefaultClassLookup(
    element=lxml_html.HtmlElement, comment=lxml_html.HtmlComment, pi=lxml_html.HtmlProcessingInstruction,
    entity=lxml_html.HtmlEntity))


def parse(body: bytes) -> Any:
    """The page's lxml tree; None for bodies that are not HTML at all."""
    try:
        return lxml_html.fromstring(body, parser=_PARSER)
    except (ValueError, etree.ParserError):
        return None


def page_url(tree: Any, given: str) -> str:
    """The URL links resolve against: the one it was fetched from, else what the page says it is."""
    if given:
        return given
    head = tree.find("head")
    for q in ('link[@rel="canonical"]/@href', 'meta[@property="og:url"]/@content', "base/@href"):
        v = head.xpath(q) if head is not None else []
        if v and v[0].strip().startswith("http"):
            return v[0].strip()
    return ""


def _canonical(tree: Any) -> str | None:
    head = tree.find("head")
    if head is None:
        return None
    v = head.xpath('link[@rel="canonical"]/@href') or head.xpath('meta[@property="og:url"]/@content')
    return v[0].strip() if v and v[0].strip().startswith("http") else None


def url_key(u: str | None) -> str | None:
    """A URL reduced to what identifies a listing (scheme, www, tracking and trailing slash dropped)."""
    if not u:
        return None
    p = urlsplit(u.strip())
    host = p.netloc.lower().removeprefix("www.")
    query = "&".join(sorted(q for q in p.query.split("&") if q and not _TRACKING.match(q)))
    return f"{host}{p.path.rstrip('/')}" + (f"?{query}" if query else "") + (f"#{p.fragment}" if p.fragment else "")


def day_key(v: Any) -> tuple[int, int, int] | None:
    """The calendar day of a structured date value, however sloppily it is written."""
    m = _DAY.match(str(v or ""))
    return (int(m[1]), int(m[2]), int(m[3])) if m else None


def _title_key(t: Any) -> str:
    return _NON_WORD.sub(" ", str(t or "")).strip().casefold()


def _better_when(a: Any, b: Any) -> Any:
    """Of two structured values for the same date field, the one that is readable."""
    if a and _ISO_OK.match(str(a).strip()):
        return a
    if b and _ISO_OK.match(str(b).strip()):
        return b
    return a or b


def merge_structured(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One listing per event when JSON-LD and microdata (or two JSON-LD blocks) describe it twice."""
    out: list[dict[str, Any]] = []
    index: dict[Any, dict[str, Any]] = {}
    for it in items:
        keys = []
        if it.get("url"):
            keys.append(("u", url_key(it["url"]), day_key(it.get("start"))))
        keys.append(("t", _title_key(it.get("title")), day_key(it.get("start"))))
        hit = next((index[k] for k in keys if k in index), None)
        if hit is None:
            out.append(it)
            for k in keys:
                index[k] = it
            continue
        for f in ("start", "end"):
            hit[f] = _better_when(hit.get(f), it.get(f))
        for k, v in it.items():
            if hit.get(k) in (None, "") and v not in (None, ""):
                hit[k] = v
    return out


def merge_visible(structured: list[dict[str, Any]], visible: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Structured listings corrected by what the page shows; visible-only listings added."""
    if not visible:
        return list(structured)  # nothing to match: the indexes below would cost ~3 µs a listing
    by_url = {url_key(s.get("url")): s for s in structured if s.get("url")}
    by_title: dict[str, list[dict[str, Any]]] = {}
    for s in structured:
        by_title.setdefault(_title_key(s.get("title")), []).append(s)
    out = list(structured)
    seen_visible: dict[Any, dict[str, Any]] = {}
    for v in visible:
        target = by_url.get(url_key(v.get("url"))) if v.get("url") else None
        if target is None:
            same = by_title.get(_title_key(v.get("title"))) or []
            target = same[0] if len(same) == 1 else None
        if target is None:
            key = (url_key(v.get("url")) or _title_key(v.get("title")), v.get("when_text") or v.get("start"))
            if key in seen_visible:  # the same event in two views of one page (list + month grid)
                _fill(seen_visible[key], v)
                continue
            seen_visible[key] = v
            out.append(v)
            continue
        _fill(target, v, visible_wins=True)
    return out


def _fill(target: dict[str, Any], v: dict[str, Any], visible_wins: bool = False) -> None:
    for k, val in v.items():
        if val in (None, ""):
            continue
        if k == "when_text" and visible_wins:
            target["when_text"] = val
        elif k == "title" and visible_wins and _title_key(val).startswith(_title_key(target.get("title"))):
            target["title"] = val  # the page shows more than the data ("Band and Support Act")
        elif target.get(k) in (None, ""):
            target[k] = val


def page_context(tree: Any) -> dict[str, Any]:
    """Page-level facts normalization needs: the language (for dates in words)."""
    lang = (tree.get("lang") or tree.get("xml:lang") or "").strip()
    if not lang:
        meta = tree.xpath('//meta[@http-equiv="content-language" or @name="language"]/@content')
        lang = meta[0].strip() if meta else ""
    return {"lang": lang.split("-")[0].split("_")[0].lower()} if lang else {}


_TITLE_SEP = re.compile(r"\s+[|\u2013\u2014\u00b7:-]+\s+")


def site_name(tree: Any) -> str | None:
    """The site's own name: og:site_name, else the last part of the <title> ("Upcoming Meetings –
    Columbia River Gorge Commission")."""
    meta = tree.xpath('//meta[@property="og:site_name"]/@content')
    if meta and meta[0].strip():
        return meta[0].strip()
    title = tree.xpath("string(//head/title)").strip()
    parts = _TITLE_SEP.split(title)
    return parts[-1].strip() if len(parts) > 1 and parts[-1].strip() else None


def _calls_itself(title: str, name: str, initials: str) -> bool:
    t = title.casefold()
    return name.casefold() in t or (len(initials) >= 3 and re.search(rf"\b{initials}\b", title) is not None)


def own_listings_organizer(tree: Any, found: list[dict[str, Any]]) -> None:
    """An organisation's page of its own meetings names itself in its listings' titles ("Columbia
    River Gorge Commission Executive Committee Meeting", "Monthly CRGC Meeting") but gives no
    organizer: when at least half of the listings without one carry the site's name or its
    initials, the site is their organizer. A calendar of other people's events (a chamber's, a
    venue's) does not name itself in their titles, so it is left alone."""
    open_ = [it for it in found if not it.get("organizer") and it.get("title")]
    name = site_name(tree) if open_ else None
    if not name or len(name) > 80:
        return
    initials = "".join(w[0] for w in re.findall(r"\b[A-Z][\w'&]*", name))
    if sum(_calls_itself(it["title"], name, initials) for it in open_) * 2 >= len(open_):
        for it in open_:
            it["organizer"] = name


def extract(body: bytes, ctx: Context) -> list[dict[str, Any]]:
    """Every listing on an HTML page (module docstring)."""
    tree = parse(body)
    if tree is None:
        return []
    base = page_url(tree, ctx.url)
    structured = schemaorg.extract_tree(tree, body, base)
    if html_microformats.has_microformats(body):
        structured += html_microformats.extract(tree, base)
    structured = merge_structured(structured)
    visible: list[dict[str, Any]] = []
    if html_tribe.is_tribe(body):
        visible += html_tribe.extract(tree, base)
    if html_drupal.has_date_fields(body):
        visible += html_drupal.extract(tree, base)
    if html_meetup.is_meetup(body):
        visible += html_meetup.extract(tree, base, structured)
    if not structured and not visible:
        visible += html_volunteer.extract(tree, base)
    if not structured and not visible:
        visible += html_datelist.extract(tree, base)
    if not structured and not visible:
        visible += html_blocks.extract(tree, base, ctx.now)
    if not structured and not visible:
        visible += html_detail.extract(tree, base, ctx.now)
    found = merge_visible(structured, visible)
    canonical = _canonical(tree)
    if len(found) == 1:
        if canonical and not found[0].get("url_from_platform"):
            found[0]["url"] = canonical  # a single-listing page is the listing: its canonical URL names it
        html_visible.apply(found[0], html_visible.facts(
            tree, body, want_organizer=not found[0].get("organizer"), want_venue=bool(found[0].get("venue"))))
    if len(found) > 1:
        own_listings_organizer(tree, found)
    page = page_context(tree)
    for it in found:
        it.pop("url_from_platform", None)
        for k, v in page.items():
            it.setdefault(k, v)
        if not it.get("title") and it.get("heading"):
            it["title"] = it["heading"]
    return [it for it in found if it.get("title") or it.get("start") or it.get("when_text")]


__all__ = ["extract", "merge_structured", "merge_visible", "parse", "url_key"]
