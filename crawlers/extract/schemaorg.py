"""schema.org listings in HTML: JSON-LD first, microdata second.

Only the syntaxes we read are requested from extruct: all syntaxes cost ~170 ms on a
196 KB page, JSON-LD alone ~3 ms (FIELD-NOTES).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

import extruct
from lxml import etree
from lxml import html as lxml_html

if TYPE_CHECKING:
    from crawlers.extract import Context

EVENT_TYPES = {
    "Event", "BusinessEvent", "SocialEvent", "EducationEvent", "MusicEvent", "Festival",
    "ExhibitionEvent", "LiteraryEvent", "ChildrensEvent", "ComedyEvent", "CourseInstance",
    "DanceEvent", "DeliveryEvent", "FoodEvent", "Hackathon", "PublicationEvent", "SaleEvent",
    "ScreeningEvent", "SportsEvent", "TheaterEvent", "VisualArtsEvent", "EventSeries",
}
ROLE_TYPES = {"JobPosting", "VolunteerAction"}
ORG_TYPES = {"Organization", "NGO", "Corporation", "LocalBusiness"}
ORG_KIND_BY_CONTEXT = "networking_group"


def _types(node: dict[str, Any]) -> set[str]:
    t = node.get("@type") or node.get("type") or []
    if not isinstance(t, list):
        t = [t]
    return {str(x).rsplit("/", 1)[-1] for x in t}


def _first(v: Any) -> Any:
    if isinstance(v, list):
        return v[0] if v else None
    return v


def _text(v: Any) -> str | None:
    v = _first(v)
    if isinstance(v, dict):
        v = v.get("name") or v.get("@value") or v.get("value")
    if v is None:
        return None
    s = str(v).strip()
    return s or None


def _walk(node: Any):
    """Every dict inside a JSON-LD document (handles @graph, arrays and nesting)."""
    if isinstance(node, list):
        for x in node:
            yield from _walk(x)
    elif isinstance(node, dict):
        yield node
        for k in ("@graph", "itemListElement", "item", "mainEntity", "subEvent", "event", "events"):
            if k in node:
                yield from _walk(node[k])


def _lenient_json(text: str) -> Any:
    """Parse JSON-LD as browsers' consumers do: tolerate trailing commas, raw newlines, comments."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    cleaned = re.sub(r"^\s*<!--|-->\s*$", "", text.strip())
    cleaned = re.sub(r",\s*([}\]])", r"\1", cleaned)
    cleaned = cleaned.replace("\r", " ").replace("\n", " ").replace("\t", " ")
    try:
        return json.loads(cleaned, strict=False)
    except ValueError:
        return None


def _jsonld_docs(tree: Any) -> list[tuple[Any, Any]]:
    """Each JSON-LD document with the script element it came from."""
    docs = []
    for script in tree.iter("script"):  # iter() walks in C; an XPath with translate() costs ~1 ms
        if "ld+json" not in (script.get("type") or "").lower():
            continue
        doc = _lenient_json(script.text or "")
        if doc is not None:
            docs.append((doc, script))
    return docs


def _visible_title(script: Any) -> str | None:
    """The heading a person sees next to a JSON-LD block placed inside a list entry."""
    for depth, anc in enumerate(script.iterancestors()):
        if anc.tag in ("head", "body", "html", "main") or depth > 3:
            return None
        for el in anc.iterdescendants("strong", "h2", "h3", "h4"):  # document order, filtered in C
            t = " ".join(el.text_content().split())
            if t:
                return t
    return None


def _place(loc: Any, out: dict[str, Any]) -> None:
    loc = _first(loc)
    if isinstance(loc, str):
        out["location_text"] = loc
        return
    if not isinstance(loc, dict):
        return
    types = _types(loc)
    if "VirtualLocation" in types:
        out["online"] = True
        out.setdefault("meeting_url", _text(loc.get("url")))
        return
    out["venue"] = _text(loc.get("name"))
    addr = loc.get("address")
    addr = _first(addr)
    if isinstance(addr, str):
        out["address"] = addr
    elif isinstance(addr, dict):
        out["address"] = _text(addr.get("streetAddress"))
        out["city"] = _text(addr.get("addressLocality"))
        out["region"] = _text(addr.get("addressRegion"))
        out["postal_code"] = _text(addr.get("postalCode"))
        out["country"] = _text(addr.get("addressCountry"))
    geo = loc.get("geo")
    if isinstance(geo, dict):
        out["lat"], out["lon"] = geo.get("latitude"), geo.get("longitude")


def _listing(node: dict[str, Any], kind: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "title": _text(node.get("name") or node.get("title")),
        "description_html": _text(node.get("description")),
        "url": _text(node.get("url") or node.get("@id")),
        "start": _text(node.get("startDate") or node.get("datePosted") if kind != "volunteer_role"
                       else node.get("startDate")),
        "end": _text(node.get("endDate")),
        "attendance_mode": _text(node.get("eventAttendanceMode")),
        "event_status": _text(node.get("eventStatus")),
        "native_id": _text(node.get("identifier")),
    }
    if out.get("end") and out["end"] == out.get("start"):
        del out["end"]  # pages fill endDate with the start when they have no end
    if kind:
        out["kind"] = kind
    _place(node.get("location") or node.get("jobLocation"), out)
    org = _first(node.get("organizer") or node.get("hiringOrganization") or node.get("agent"))
    if isinstance(org, dict):
        out["organizer"] = _text(org.get("name"))
        out["organizer_url"] = _text(org.get("url"))
    elif isinstance(org, str):
        out["organizer"] = org
    offers = _first(node.get("offers"))
    if isinstance(offers, dict):
        price = offers.get("price")
        if price not in (None, ""):
            out["cost"] = "free" if str(price) in ("0", "0.0", "0.00") else f"{price} {offers.get('priceCurrency') or ''}".strip()
    if node.get("isAccessibleForFree") in (True, "true", "True"):
        out["cost"] = "free"
    return {k: v for k, v in out.items() if v not in (None, "")}


def _role_kind(node: dict[str, Any]) -> str | None:
    types = _types(node)
    if "VolunteerAction" in types:
        return "volunteer_role"
    emp = " ".join(str(x) for x in (node.get("employmentType") or []) if x) if isinstance(
        node.get("employmentType"), list) else str(node.get("employmentType") or "")
    if "volunteer" in emp.lower() or "volunteer" in str(node.get("title") or "").lower():
        return "volunteer_role"
    return None


def _listed_orgs(docs: list[Any]) -> set[int]:
    """Organizations that a page lists (an ItemList of groups), as opposed to its own publisher."""
    listed: set[int] = set()
    for node in (n for d in docs for n in _walk(d)):
        if "ItemList" not in _types(node):
            continue
        for el in node.get("itemListElement") or []:
            item = el.get("item", el) if isinstance(el, dict) else None
            if isinstance(item, dict) and _types(item) & ORG_TYPES:
                listed.add(id(item))
    return listed


def _group(node: dict[str, Any]) -> dict[str, Any]:
    out = _listing(node, ORG_KIND_BY_CONTEXT)
    out["kind_reason"] = "listed organization (schema.org ItemList)"
    addr = _first(node.get("address"))
    if isinstance(addr, dict):
        out.update({k: v for k, v in {
            "city": _text(addr.get("addressLocality")), "region": _text(addr.get("addressRegion")),
            "country": _text(addr.get("addressCountry"))}.items() if v})
    out.pop("start", None)
    return out


def listings_from_nodes(nodes: list[dict[str, Any]], listed_orgs: set[int] | None = None) -> list[dict[str, Any]]:
    """schema.org nodes (any syntax, already flattened) to raw listings."""
    out = []
    for node in nodes:
        types = _types(node)
        if listed_orgs and id(node) in listed_orgs:
            out.append(_group(node))
        elif types & EVENT_TYPES:
            out.append(_listing(node, None))
        elif types & ROLE_TYPES:
            kind = _role_kind(node)
            if kind:
                out.append(_listing(node, kind))
    return [x for x in out if x.get("title")]


_URL_PROPS = {"a": "href", "area": "href", "link": "href", "img": "src", "audio": "src", "video": "src",
              "source": "src", "iframe": "src", "embed": "src", "object": "data"}


def _md_value(el: Any, base: str) -> Any:
    """A microdata property value per the WHATWG rules (content, URL attributes, datetime, text)."""
    if el.get("itemscope") is not None:
        return _md_item(el, base)
    if el.get("content") is not None:
        return el.get("content")
    attr = _URL_PROPS.get(el.tag)
    if attr and el.get(attr):
        return urljoin(base, el.get(attr)) if base else el.get(attr)
    if el.tag in ("time", "data", "meter") and (el.get("datetime") or el.get("value")):
        return el.get("datetime") or el.get("value")
    return " ".join(el.text_content().split())  # whitespace collapsed (str.split: what \s matches)


# Found through the attribute axis, in C: walking every element of a 100-element event block in
# Python, or testing [@itemprop] on each, costs 3x as much (bench/extract.py's microdata pages).
_PROPS = etree.XPath("descendant::*/@itemprop/..")
_TOP_ITEMS = etree.XPath("//@itemscope/parent::*[@itemtype][not(@itemprop)]")


def _own(el: Any, scope: Any) -> bool:
    """Whether a property element belongs to `scope` rather than to an item nested inside it."""
    for anc in el.iterancestors():
        if anc is scope:
            return True
        if anc.get("itemscope") is not None:
            return False
    return False


def _md_item(scope: Any, base: str) -> dict[str, Any]:
    item: dict[str, Any] = {"@type": [t.rsplit("/", 1)[-1] for t in (scope.get("itemtype") or "").split()]}
    for el in _PROPS(scope):  # document order, as the spec reads them
        if not _own(el, scope):
            continue
        for prop in (el.get("itemprop") or "").split():
            item.setdefault(prop, []).append(_md_value(el, base))
    return {k: (v[0] if isinstance(v, list) and len(v) == 1 else v) for k, v in item.items()}


def _microdata_nodes(tree: Any, url: str) -> list[dict[str, Any]]:
    """Top-level microdata items of the already parsed page.

    Read from the lxml tree rather than with extruct, which parses the page a second time and
    renders every text with html-text (~20 ms on a 170 KB calendar page, FIELD-NOTES).
    """
    return [n for top in _TOP_ITEMS(tree) for n in _walk(_md_item(top, url))]


def _rdfa_nodes(body: bytes, url: str) -> list[dict[str, Any]]:
    """schema.org in RDFa (extruct's RDFa reader is the slow one: asked only when the page uses it)."""
    data = extruct.extract(body, base_url=url or None, syntaxes=["rdfa"], uniform=True, errors="ignore")
    nodes = []
    for n in _walk(data.get("rdfa", [])):
        if not isinstance(n, dict):
            continue
        flat: dict[str, Any] = {"@type": n.get("@type")}
        for k, v in n.items():
            if k.startswith("http://schema.org/") or k.startswith("https://schema.org/"):
                vals = [x.get("@value", x.get("@id")) if isinstance(x, dict) else x for x in v]
                flat[k.rsplit("/", 1)[-1]] = vals[0] if len(vals) == 1 else vals
        nodes.append(flat)
    return nodes


_RDFA_SCHEMA = re.compile(rb"vocab=[\"']https?://schema\.org|typeof=[\"'](?:schema:)?[A-Za-z]*Event[\"']")


def extract_tree(tree: Any, body: bytes, url: str) -> list[dict[str, Any]]:
    """Listings from a parsed page's JSON-LD, microdata and (when present) schema.org RDFa."""
    docs = _jsonld_docs(tree)
    listed = _listed_orgs([d for d, _ in docs])
    found: list[dict[str, Any]] = []
    for doc, script in docs:
        items = listings_from_nodes(list(_walk(doc)), listed)
        if len(items) == 1:
            seen = _visible_title(script)
            title = items[0].get("title") or ""
            if seen and len(seen) > len(title) and seen.casefold().startswith(title.casefold()):
                items[0]["title"] = seen
        found += items
    if b"itemtype" in body and b"schema.org" in body:
        found += listings_from_nodes(_microdata_nodes(tree, url))
    if (b"typeof=" in body or b"vocab=" in body) and _RDFA_SCHEMA.search(body):
        found += listings_from_nodes(_rdfa_nodes(body, url))
    return found


def extract(body: bytes, ctx: Context) -> list[dict[str, Any]]:
    """Listings from a page's structured data alone (html_page adds what the page shows)."""
    try:
        tree = lxml_html.fromstring(body)
    except (ValueError, lxml_html.etree.ParserError):
        return []
    return extract_tree(tree, body, ctx.url)
