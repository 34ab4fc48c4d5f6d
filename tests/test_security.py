"""Hostile pages, leaked keys, writes and injection: what widen lets through (nothing).

- Sanitizer: `pipelines.text.sanitize_html` on known XSS vectors (and random mixes of them)
  leaves no script-capable element, no `on*=` handler and no `javascript:`/`data:` URL.
- Served pages: a hostile page is crawled through the real spider and pipelines, then every
  Datasette page a person opens on it (table, search, row card, canned queries, Atom feed) is
  parsed like a browser would: no script from the data, no handler, no `javascript:` link.
  (The Datasette engineer's real-browser test checks execution; this checks the HTML itself.)
- Read-only: `widen serve`'s own command line refuses `?sql=` and `_where=`; no request changes
  the file; no canned query writes.
- API keys: a key-based source crawled with its key in the environment: the key reaches the API
  stub, and appears in no file the crawl wrote (database, WAL, HTTP cache), not in its logs and
  not in the CSV export; a key written into sources.yml is refused without being echoed.
- Injection: hostile `widen export` filters and Datasette filter values return nothing extra,
  raise no server error and change nothing.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import lxml.html
import pytest
from conftest import ROOT, Site, free_port, serve, widen, write_sources
from datasette.app import Datasette
from datasette.utils import tilde_encode
from hypothesis import given, settings
from hypothesis import strategies as st
from sites.volunteer import TEST_KEY, volunteermatch

from crawlers.cli.serve import datasette_settings, render_metadata
from pipelines.text import clean_text, sanitize_html

DS_DIR = ROOT / "config" / "datasette"
CANARY = "widenXSS"  # every hostile payload carries it, so a hit in the output is ours, not Datasette's
URL_ATTRS = ("href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "srcdoc")
DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "base", "meta", "link", "style", "form", "frame",
                  "frameset", "applet", "svg", "math", "template", "noscript"}

XSS_VECTORS = [
    f"<script>alert('{CANARY}')</script>",
    f"<SCRIPT SRC=//evil.example/{CANARY}.js></SCRIPT>",
    f"<img src=x onerror=\"alert('{CANARY}')\">",
    f"<img src=\"javascript:alert('{CANARY}')\">",
    f"<svg onload=alert('{CANARY}')>",
    f"<svg><script>alert('{CANARY}')</script></svg>",
    f"<a href=\"javascript:alert('{CANARY}')\">click</a>",
    f"<a href=\" JaVaScRiPt:alert('{CANARY}')\">click</a>",
    f"<a href=\"java&#x09;script:alert('{CANARY}')\">tab</a>",
    f"<a href=\"&#106;avascript:alert('{CANARY}')\">entity</a>",
    f"<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==#{CANARY}\">data</a>",
    f"<a href=\"vbscript:msgbox('{CANARY}')\">vb</a>",
    f"<iframe src=\"javascript:alert('{CANARY}')\"></iframe>",
    f"<iframe srcdoc=\"<script>alert('{CANARY}')</script>\"></iframe>",
    f"<body onload=alert('{CANARY}')>",
    f"<div style=\"background:url(javascript:alert('{CANARY}'))\">styled</div>",
    f"<p onmouseover=\"alert('{CANARY}')\">hover</p>",
    f"<form action=\"javascript:alert('{CANARY}')\"><button>go</button></form>",
    f"<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert('{CANARY}')\">",
    f"<object data=\"javascript:alert('{CANARY}')\"></object>",
    f"<math><mtext><table><mglyph><style><img src=x onerror=alert('{CANARY}')>",
    f"<noscript><p title=\"</noscript><img src=x onerror=alert('{CANARY}')>\">",
    f"<<script>script>alert('{CANARY}')<</script>/script>",
    f"<a href=\"https://ok.example/\" onclick=\"alert('{CANARY}')\">ok link, bad handler</a>",
    f"<details open ontoggle=alert('{CANARY}')>",
    f"<base href=\"javascript:alert('{CANARY}')//\">",
]


def _scheme(url: str) -> str:
    """The scheme a browser would see: entities decoded, control characters and spaces dropped."""
    u = re.sub(r"[\x00-\x20]", "", html.unescape(url)).lower()
    m = re.match(r"^([a-z][a-z0-9+.-]*):", u)
    return m.group(1) if m else ""


def executable_bits(markup: str, marker: str | None = CANARY) -> list[str]:
    """What in `markup` could run or navigate to script, parsed as a browser would.

    With `marker`, only findings carrying it count (a served page has Datasette's own scripts).
    """
    if not markup.strip():
        return []
    found = []
    for el in lxml.html.document_fromstring(markup).iter():
        tag = el.tag if isinstance(el.tag, str) else ""
        text = lxml.html.tostring(el, encoding="unicode")
        if marker is not None and marker not in text:
            continue
        if tag.lower() in DANGEROUS_TAGS:
            found.append(f"<{tag}>")
        for name, value in el.attrib.items():
            n = name.lower()
            if n.startswith("on"):
                found.append(f"{tag} {n}=")
            if (n in URL_ATTRS or n == "style") and _scheme(value.split("url(")[-1]) in ("javascript", "vbscript",
                                                                                          "data"):
                found.append(f"{tag} {n}={value[:40]!r}")
            if n == "srcdoc":
                found.append(f"{tag} srcdoc")
    return found


# -- the sanitizer ---------------------------------------------------------------------------
def test_checker_finds_what_it_must() -> None:
    """The checker itself: every vector is flagged before sanitizing (else the tests below prove nothing)."""
    missed = [v for v in XSS_VECTORS if not executable_bits(v, marker=None) and "<<script>" not in v]
    assert missed == []


@pytest.mark.parametrize("vector", XSS_VECTORS)
def test_sanitizer_neutralizes_vector(vector: str) -> None:
    out = sanitize_html(f"<p>Join us</p>{vector}<p>Bring friends</p>") or ""
    assert executable_bits(out, marker=None) == [], out
    assert "<script" not in out.lower()
    # Plain text is never markup: read as HTML it executes nothing, whether the vector came as
    # markup or escaped once more on its way into JSON-LD or a feed (clean_text unescapes that).
    for raw in (vector, html.escape(vector)):
        plain = clean_text(raw) or ""
        assert executable_bits(f"<div>{plain}</div>", marker=None) == [], (raw, plain)


@settings(max_examples=150, deadline=None, database=None)
@given(st.lists(st.sampled_from(XSS_VECTORS + ["<p>", "</p>", "<b>", "<a href='https://x.example/'>", "</a>",
                                                "<ul><li>", "&lt;", "\"", "'", ">", "<", "text"]), max_size=12))
def test_sanitizer_output_never_executes(parts: list[str]) -> None:
    out = sanitize_html("<p>" + "".join(parts)) or ""
    assert executable_bits(out, marker=None) == [], out
    again = sanitize_html(out) or ""
    assert executable_bits(again, marker=None) == []  # and stays safe when sanitized twice


# -- one crawl: a hostile page and a key-based API ----------------------------------------------
HOSTILE_EVENTS = [
    {"@context": "https://schema.org", "@type": "Event",
     "name": f"<script>alert('{CANARY}-title')</script>Founders Mixer",
     "startDate": "2026-12-05T18:00:00-06:00",
     "description": "<p>Meet founders.</p>" + "".join(XSS_VECTORS),
     "url": f"javascript:alert('{CANARY}-url')",
     "organizer": {"@type": "Organization", "name": f"<b onmouseover=alert('{CANARY}-org')>Org</b>",
                   "url": f"javascript:alert('{CANARY}-orgurl')"},
     "location": {"@type": "Place", "name": f"\"><svg/onload=alert('{CANARY}-venue')>",
                  "address": "1 Main St, Chicago, IL 60601"}},
    {"@context": "https://schema.org", "@type": "Event", "name": f"Board night \"><img src=x onerror=alert('{CANARY}')>",
     "startDate": "2026-12-06T18:00:00-06:00", "url": "https://ok.example/e/2?utm_source=x",
     "description": f"Plain text with a <a href='javascript:alert(\"{CANARY}\")'>link</a>",
     "location": {"@type": "Place", "name": "Hall", "address": "2 Main St, Chicago, IL 60601"}},
    # Entity-encoded markup survives cleaning as literal text: the pages must escape it.
    {"@context": "https://schema.org", "@type": "Event",
     "name": f"&lt;script&gt;alert('{CANARY}-entity')&lt;/script&gt; Networking Night",
     "startDate": "2026-12-07T18:00:00-06:00", "url": "https://ok.example/e/3",
     "description": f"&lt;img src=x onerror=alert('{CANARY}-desc')&gt; and a < b onclick=alert('{CANARY}') c",
     "organizer": {"@type": "Organization", "name": f"&lt;a href=javascript:alert('{CANARY}-org')&gt;Org&lt;/a&gt;"},
     "location": {"@type": "Place", "name": f"&lt;svg onload=alert('{CANARY}-venue')&gt;",
                  "address": "3 Main St, Chicago, IL 60601"}},
]
HOSTILE_PAGE = ('<html><head><title>Events</title><script type="application/ld+json">'
                + json.dumps(HOSTILE_EVENTS).replace("</", "<\\/") + "</script></head><body>"
                + f"<h1>Events</h1><p>{XSS_VECTORS[0]}</p></body></html>")


@dataclass
class Crawled:
    dir: Path
    db: Path
    stdout: str
    stderr: str
    keys_seen: list[str]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    tmp = tmp_path_factory.mktemp("security")
    site = Site()
    with serve(site):
        vm = volunteermatch(site)
        site.routes["/hostile/"] = HOSTILE_PAGE.encode()
        cfg = write_sources(tmp / "sources.yml", [
            {"slug": "hostile", "platform": "schemaorg", "url": site.url("/hostile/"),
             "options": {"download_delay": 0, "autothrottle": False}},
            vm.source,
        ])
        db = tmp / "widen.db"
        r = widen("crawl", "--db", str(db), "--config", str(cfg),
                  env={"WIDEN_TEST_VM_KEY": TEST_KEY, "WIDEN_NOW": "2026-12-01T12:00:00+00:00"})
        assert r.returncode == 0, r.stderr[-3000:]
        yield Crawled(tmp, db, r.stdout, r.stderr, list(vm.extra["keys"]))


def test_hostile_listings_are_stored_as_inert_text(crawled: Crawled) -> None:
    import sqlite3

    conn = sqlite3.connect(crawled.db)
    try:
        rows = conn.execute("SELECT title, url, organizer_url, description_html, description FROM opportunities "
                            "WHERE source = 'hostile' ORDER BY title").fetchall()
    finally:
        conn.close()
    assert len(rows) == 3
    # entity-encoded markup is kept as the text a person reads (the pages must escape it) ...
    assert any(f"<img src=x onerror=alert('{CANARY}-desc')>" in (d or "") for *_, d in rows)
    for title, url, org_url, desc_html, _ in rows:
        assert "<" not in title and "onerror" not in title.lower()  # ... while tags leave titles
        for u in (url, org_url):
            assert u is None or _scheme(u) in ("http", "https"), u
        assert executable_bits(desc_html or "", marker=None) == []


# -- API keys --------------------------------------------------------------------------------
def test_api_key_goes_to_the_api_only(crawled: Crawled) -> None:
    assert crawled.keys_seen and set(crawled.keys_seen) == {TEST_KEY}  # read from the environment, sent
    needle = TEST_KEY.encode()
    leaks = [str(p.relative_to(crawled.dir)) for p in crawled.dir.rglob("*")
             if p.is_file() and needle in p.read_bytes()]
    assert leaks == [], f"the key is written to {leaks}"
    assert TEST_KEY not in crawled.stdout and TEST_KEY not in crawled.stderr


def test_api_key_not_in_csv_export(crawled: Crawled) -> None:
    out = crawled.dir / "export.csv"
    r = widen("export", "--csv", "--db", str(crawled.db), "-o", str(out))
    assert r.returncode == 0, r.stderr
    text = out.read_text(encoding="utf-8")
    assert "volunteermatch" in text  # the key-based source's rows are in the export ...
    assert TEST_KEY not in text and TEST_KEY not in r.stderr  # ... its key is not


def test_literal_key_in_sources_yml_is_refused_without_echo(tmp_path: Path) -> None:
    secret = "sk-live-" + hashlib.sha1(b"widen").hexdigest()
    cfg = write_sources(tmp_path / "s.yml", [{"slug": "vm", "platform": "volunteermatch",
                                              "url": "https://www.volunteermatch.org/api/graphql",
                                              "options": {"api_key_env": "VM_KEY", "api_key": secret}}])
    r = widen("sources", "list", "--config", str(cfg))
    assert r.returncode == 2 and "api_key" in r.stderr
    assert secret not in r.stderr and secret not in r.stdout
    cfg = write_sources(tmp_path / "s2.yml", [{"slug": "vm", "platform": "volunteermatch",
                                               "url": "https://www.volunteermatch.org/api/graphql",
                                               "options": {"api_key_env": secret}}])
    r = widen("sources", "list", "--config", str(cfg))
    assert r.returncode == 2 and secret not in r.stderr + r.stdout  # a key pasted as the variable name


# -- Datasette pages -------------------------------------------------------------------------
def _app(db: Path) -> Datasette:
    """The Datasette `widen serve` runs: immutable file, its metadata, settings, plugins, templates."""
    return Datasette(immutables=[str(db)], metadata=render_metadata(db.stem), settings=datasette_settings(),
                     plugins_dir=str(DS_DIR / "plugins"), template_dir=str(DS_DIR / "templates"))


@pytest.fixture(scope="module")
def unsanitized(crawled: Crawled) -> Path:
    """The crawled database with the hostile rows rewritten raw, as a row written by anything but
    the pipeline (an old crawl, a hand edit, a bug) would hold them: markup never sanitized and
    `javascript:` URLs. The pages' own render-time guards are all that stand between these and a
    reader's browser, so the page tests below fail when those guards are turned off."""
    db = crawled.dir / "unsanitized" / crawled.db.name  # same name: pages keep their paths
    db.parent.mkdir(exist_ok=True)
    db.write_bytes(crawled.db.read_bytes())
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE opportunities SET description_html = ?, url = ?, organizer_url = ? WHERE source = 'hostile'",
                     ("<p>Meet founders.</p>" + "".join(XSS_VECTORS), f"javascript:alert('{CANARY}-url')",
                      f"javascript:alert('{CANARY}-orgurl')"))
    conn.close()
    return db


@pytest.fixture
async def ds(unsanitized: Path) -> Datasette:
    d = _app(unsanitized)
    await d.invoke_startup()  # widen_errors.py's startup also keeps 4xx pages from crashing
    return d


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def _pages(ds: Datasette, db: str) -> list[str]:
    """Every page a person browses to: index, tables, search, each hostile row, canned queries."""
    r = await ds.client.get(f"/{db}/opportunities.json?source=hostile&_shape=array&_col=id")
    ids = [row["id"] for row in r.json()]
    assert len(ids) == 3
    paths = ["/", f"/{db}", f"/{db}/opportunities", f"/{db}/opportunities?_search=mixer",
             f"/{db}/opportunities?source=hostile&_facet=organizer", f"/{db}/sources", f"/{db}/crawl_runs"]
    paths += [f"/{db}/opportunities/{tilde_encode(i)}" for i in ids]
    paths += [f"/{db}/{name}" for name in await ds.get_canned_queries(db, None)]
    return paths


async def test_served_pages_carry_no_executable_data(ds: Datasette, crawled: Crawled) -> None:
    db = crawled.db.stem
    checked = 0
    for path in await _pages(ds, db):
        r = await ds.client.get(path)
        assert r.status_code in (200, 400), (path, r.status_code)  # a canned query may need parameters
        body = r.text
        bits = executable_bits(body)
        assert bits == [], (path, bits)
        assert f"<script>alert('{CANARY}" not in body, path
        checked += CANARY in html.unescape(body)
    assert checked >= 3  # the hostile rows were on the pages (escaped), so the check had work to do


async def test_atom_feed_content_is_sanitized(ds: Datasette, crawled: Crawled) -> None:
    from xml.etree import ElementTree as ET

    r = await ds.client.get(f"/{crawled.db.stem}/opportunities.atom?source=hostile")
    assert r.status_code == 200, r.text[:500]
    root = ET.fromstring(r.content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = root.findall("a:entry", ns)
    assert len(entries) == 3
    for e in entries:
        for node in e.iter():
            if node.get("type") in ("html", "xhtml") and node.text:
                assert executable_bits(node.text) == [], node.text  # feed readers render html content
            for attr in ("href", "src"):
                if node.get(attr):
                    assert _scheme(node.get(attr)) in ("http", "https"), node.get(attr)


# -- read-only -------------------------------------------------------------------------------
async def test_datasette_refuses_sql_and_writes(ds: Datasette, crawled: Crawled, unsanitized: Path) -> None:
    db = crawled.db.stem
    before = _digest(unsanitized)
    for path in (f"/{db}.json?sql=select+1", f"/{db}?sql=" + quote("DELETE FROM opportunities"),
                 f"/{db}/opportunities.json?_where=" + quote("1=1) OR (1=1"),
                 f"/{db}.json?sql=" + quote("UPDATE opportunities SET title='x'")):
        r = await ds.client.get(path)
        assert r.status_code in (400, 403), (path, r.status_code)
    # Every write method on every write path of Datasette's API is refused with 405 (it was a 500).
    row = f"/{db}/opportunities/{tilde_encode(_first_id(unsanitized))}"
    for path in (f"/{db}/opportunities/-/insert", f"/{db}/opportunities/-/upsert", f"/{db}/-/create",
                 f"/{db}/opportunities/-/drop", f"/{db}/opportunities", row, f"{row}/-/update", f"{row}/-/delete"):
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            r = await ds.client.request(method, path, json={"row": {"id": "x", "title": "x"}})
            assert r.status_code == 405, (method, path, r.status_code)
    queries = await ds.get_canned_queries(db, None)
    assert queries and [q for q, v in queries.items() if v.get("write")] == []
    assert _digest(unsanitized) == before


def _first_id(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT id FROM opportunities ORDER BY id LIMIT 1").fetchone()[0]
    finally:
        conn.close()



def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_widen_serve_defaults_refuse_sql(crawled: Crawled) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    db = crawled.dir / "served.db"
    db.write_bytes(crawled.db.read_bytes())
    env = {**os.environ, "WIDEN_CONFIG": str(ROOT / "config")}
    proc = subprocess.Popen([sys.executable, "-m", "crawlers.cli", "serve", "--db", str(db), "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=str(ROOT))
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _get(f"{base}/-/versions.json") == 200:
                    break
            except OSError:
                pass
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:] if proc.stderr else ""
            assert time.monotonic() < deadline, "widen serve did not start in 60 s"
            time.sleep(0.2)
        name = db.stem
        assert _get(f"{base}/{name}/opportunities.json") == 200
        assert _get(f"{base}/{name}.json?sql=select+1") == 403
        assert _get(f"{base}/{name}/opportunities.json?_where=1%3D1") == 403
    finally:
        proc.terminate()
        proc.wait(timeout=20)


# -- injection -------------------------------------------------------------------------------
HOSTILE_VALUES = ["x' OR '1'='1", "x\" OR \"1\"=\"1", "'; DROP TABLE opportunities; --", "') OR 1=1 --",
                  "%", "*", "x') UNION SELECT * FROM sources --", "\\", "\x00", "🙂' OR 1=1 --", "a" * 5000]


@pytest.mark.parametrize("option", ["--kind", "--region", "--source", "--audience"])
def test_export_filters_bind_hostile_values(crawled: Crawled, option: str) -> None:
    before = _digest(crawled.db)
    args = [a for v in HOSTILE_VALUES if "\x00" not in v for a in (option, v)]
    r = widen("export", "--csv", "--db", str(crawled.db), *args)
    if r.returncode == 2:  # refused up front (e.g. --kind knows its values): a clean message, no rows
        assert r.stdout == "" and "Traceback" not in r.stderr and r.stderr.startswith("widen:")
    else:
        assert r.returncode == 0, r.stderr[-1000:]
        assert list(csv.reader(io.StringIO(r.stdout)))[1:] == []  # nothing matches a hostile value
    assert _digest(crawled.db) == before


def test_export_dates_and_exclusions_bind_hostile_values(crawled: Crawled) -> None:
    every = list(csv.DictReader(io.StringIO(widen("export", "--csv", "--db", str(crawled.db)).stdout)))
    assert len(every) >= 5
    r = widen("export", "--csv", "--db", str(crawled.db), "--since", "2999-01-01' OR '1'='1")
    assert list(csv.DictReader(io.StringIO(r.stdout))) == [] and "Traceback" not in r.stderr
    assert r.returncode in (0, 2)  # 2: refused as not a date; 0: bound as a string later than every date
    r = widen("export", "--csv", "--db", str(crawled.db), "--exclude-audience", "x') OR 1=1 --")
    assert r.returncode == 0 and len(list(csv.DictReader(io.StringIO(r.stdout)))) == len(every)
    # ... while a real audience is excluded: else the line above passes with exclusion doing nothing.
    audience, reached = _an_audience([json.loads(row["audiences"] or "[]") for row in every])
    r = widen("export", "--csv", "--db", str(crawled.db), "--exclude-audience", audience)
    kept = list(csv.DictReader(io.StringIO(r.stdout)))
    assert r.returncode == 0 and len(kept) == len(every) - reached
    assert all(audience not in json.loads(row["audiences"] or "[]") for row in kept)


def _an_audience(audience_lists: list[list[str]]) -> tuple[str, int]:
    """The audience most rows reach, and how many rows reach it (some, not all)."""
    counts: dict[str, int] = {}
    for auds in audience_lists:
        for a in set(auds):
            counts[a] = counts.get(a, 0) + 1
    some = {a: n for a, n in counts.items() if n < len(audience_lists)}
    assert some, "no audience that only some rows reach: the exclusion checks would prove nothing"
    return max(some.items(), key=lambda kv: kv[1])


async def test_datasette_filters_bind_hostile_values(ds: Datasette, crawled: Crawled) -> None:
    db = crawled.db.stem
    r = await ds.client.get(f"/{db}/opportunities.json?_shape=array&_size=max")
    total = len(r.json())
    assert total >= 5
    for v in HOSTILE_VALUES:
        q = quote(v, safe="")
        for param in ("kind", "region", "source__contains", "title__startswith", "kind__in", "_audiences",
                      "_new_audiences"):
            r = await ds.client.get(f"/{db}/opportunities.json?_shape=array&{param}={q}")
            assert r.status_code in (200, 400), (param, v[:30], r.status_code)
            if r.status_code == 200 and param not in ("title__startswith", "_new_audiences") and v not in ("%", "*", "\x00"):
                assert r.json() == [], (param, v[:30])
        r = await ds.client.get(f"/{db}/opportunities.json?_shape=array&_size=max&_exclude_audiences={q}")
        assert r.status_code == 200 and len(r.json()) == total, v[:30]
        r = await ds.client.get(f"/{db}/opportunities.json?_shape=array&_search={q}")
        assert r.status_code in (200, 400), ("_search", v[:30], r.status_code)
        r = await ds.client.get(f"/{db}/opportunities.json?_sort={q}")
        assert r.status_code in (200, 400), ("_sort", v[:30], r.status_code)
    r = await ds.client.get(f"/{db}/opportunities.json?_shape=array&_size=max")
    assert len(r.json()) == total  # nothing dropped, nothing changed
    audience, reached = _an_audience([json.loads(row["audiences"] or "[]") for row in r.json()])
    r = await ds.client.get(f"/{db}/opportunities.json?_shape=array&_size=max&_exclude_audiences={quote(audience)}")
    kept = r.json()
    assert len(kept) == total - reached  # a real exclusion works, so the hostile ones above were bound
    assert all(audience not in json.loads(row["audiences"] or "[]") for row in kept)


BAD_SCHEMES = ("javascript:", "data:", "vbscript:")


async def test_no_output_carries_a_non_http_url(ds: Datasette, crawled: Crawled, unsanitized: Path) -> None:
    """One URL rule for every output: rows holding javascript:/data: URLs (written raw, bypassing
    the pipeline) give .ics, .atom and `widen export` CSV without them; Datasette's own CSV/JSON
    serve stored values, and the store keeps only http(s) links whoever writes the record."""
    db = crawled.db.stem
    for path in (f"/{db}/opportunities.ics?source=hostile", f"/{db}/opportunities.atom?source=hostile"):
        r = await ds.client.get(path)
        assert r.status_code == 200, path
        body = html.unescape(r.text).lower().replace("\r\n ", "")
        assert not [s for s in BAD_SCHEMES if s in body], (path, body[:300])
    r = widen("export", "--csv", "--db", str(unsanitized), "--source", "hostile")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert r.returncode == 0 and len(rows) == 3
    assert all(not (row[c] or "").lower().startswith(BAD_SCHEMES) for row in rows for c in ("url", "organizer_url"))
    r = await ds.client.get(f"/{db}/opportunities.csv?source=hostile")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")


def test_the_store_keeps_only_http_links(tmp_path: Path) -> None:
    from pipelines.store import Store

    db = tmp_path / "w.db"
    store = Store(db)
    store.write([{"id": "x:1", "kind": "networking_event", "title": "Mixer", "source": "x",
                  "url": "javascript:alert(1)", "organizer_url": "data:text/html,hi", "source_url": "https://ok.example/"}])
    store.close()
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT url, organizer_url, source_url FROM opportunities").fetchone() == (
        None, None, "https://ok.example/")
    conn.close()
