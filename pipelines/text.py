"""Text cleaning: scraped HTML to plain text, sanitized HTML, canonical URLs."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import nh3
from lxml import etree

TRACKING_PARAMS = re.compile(r"^(utm_|fbclid$|gclid$|mc_cid$|mc_eid$|_hs|ref$|ref_src$|aff$|_ga$|igshid$)")
ALLOWED_TAGS = {"p", "br", "ul", "ol", "li", "strong", "em", "b", "i", "a", "h3", "h4", "blockquote"}


_MOJIBAKE = re.compile("[ÃÂâ][\u0080-\u00bf\u2018-\u203a\u20ac\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192]")


def fix_mojibake(s: str) -> str:
    """UTF-8 text that was once decoded as Latin-1/cp1252 ("SchÃ¼Ã¼r") back to what was meant."""
    if not _MOJIBAKE.search(s):
        return s
    for enc in ("cp1252", "latin-1"):
        try:
            return s.encode(enc).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
    return s


def clean_text(value: object) -> str | None:
    """Plain text a person would read: tags dropped, entities decoded, whitespace collapsed.

    Block elements and <br> end a line. lxml does the HTML (BeautifulSoup cost ~0.15 ms per
    description, the most expensive step of normalization).
    """
    if value is None:
        return None
    s = fix_mojibake(str(value))
    if "&lt;" in s and "<" not in s:
        s = html.unescape(s)  # HTML that was escaped once more on its way into JSON-LD or a feed
    if "<" in s and ">" in s:
        s = _html_to_text(s)
    elif "&" in s:
        s = html.unescape(s)
    s = s.replace("\\n", "\n").replace("\xa0", " ")
    if "\n" not in s and "  " not in s and "\t" not in s and "\r" not in s:
        return s.strip() or None
    s = _SPACES.sub(" ", s)
    s = _NEWLINES.sub("\n", s).strip()
    return s or None


_SPACES = re.compile(r"[ \t\r\f\v]+")
_NEWLINES = re.compile(r"\s*\n\s*")
_BLOCKS = ("br", "p", "li", "div", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table")


def _html_to_text(s: str) -> str:
    """The text of an HTML fragment, a line break after each block (blank lines are collapsed by
    the caller). Plain lxml.etree with the thread's default HTML parser: lxml.html's fragment
    parsing and element classes cost twice as much for the same text."""
    try:
        doc = etree.HTML("<div>" + s + "</div>")
    except (ValueError, etree.ParserError):
        return s
    body = doc.find("body") if doc is not None else None
    if body is None:
        return s
    etree.strip_elements(body, "script", "style", with_tail=False)
    for el in body.iter(*_BLOCKS):
        el.tail = "\n" + (el.tail or "")
    return etree.tostring(body, method="text", encoding="unicode")


def clean_title(value: object) -> str | None:
    """clean_text on one line: every run of whitespace one space."""
    t = clean_text(value)
    # clean_text strips; str.split() and `\s` agree on what whitespace is (str.isspace)
    return " ".join(t.split()) if t else None


def sanitize_html(value: object) -> str | None:
    """HTML safe to show: no scripts, no event handlers, no javascript: links (nh3)."""
    if not value or "<" not in str(value):
        return None
    return nh3.clean(str(value), tags=ALLOWED_TAGS, attributes={"a": {"href"}},
                     url_schemes={"http", "https", "mailto"}, link_rel="nofollow noopener") or None


def canonical_url(url: object, base: str | None = None) -> str | None:
    """Absolute http(s) URL without tracking parameters; None for anything else.

    The fragment stays: list pages name each listing by an anchor (`/groups/#women-in-tech`).
    """
    if not url:
        return None
    u = str(url).strip()
    if base:
        u = urljoin(base, u)
    parts = urlsplit(u)
    if not base and not parts.scheme and not parts.netloc and u.startswith("/"):
        return u  # a site-relative link with no page URL to resolve it against: keep it as printed
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not TRACKING_PARAMS.match(k)]
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path or "/", urlencode(query), parts.fragment))
