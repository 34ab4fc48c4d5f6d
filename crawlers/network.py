"""Your own network: which audiences you already reach, from a LinkedIn export or config/network.yml.

A LinkedIn `Connections.csv` has no ties between your contacts, only each one's Company and
Position. Those map to audiences (the taxonomy's `companies` / `positions` lists, then its ordinary
terms); contacts are then grouped into one cluster per audience, and two clusters count as tied
as strongly as the people they share: per employer, the smaller of the two clusters' headcounts
there (a contact in both clusters shares with themselves). That stand-in for the missing ties is
what pipelines/reach.py feeds to Burt's constraint.

Nothing personal is kept: names, URLs, emails and dates are dropped while reading; the database
holds only per-audience counts, per-pair tie weights and a few totals.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import sqlite3
import zipfile
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

import yaml

from crawlers.config import ConfigError, config_dir
from crawlers.db import open_readonly
from pipelines.audiences import Audience, load_taxonomy, match_connection, normalize_text

HEADER = ("First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On")
_HEADER_LINE = re.compile(r"^\ufeff?\"?First Name\"?\s*,", re.M)
_LEGAL_SUFFIX = re.compile(r"[,.]?\s+(inc|llc|ltd|limited|plc|gmbh|corp|corporation|co|company)\.?$")


class NetworkError(ConfigError):
    """An export or profile file that cannot be read; the message says why."""


@dataclass(frozen=True)
class Connection:
    """The two columns widen needs from a connection; nothing else is kept."""

    company: str
    position: str


@dataclass
class Profile:
    """Audiences you reach (cluster weight ~ contacts), ties between clusters, and totals.

    `other` counts contacts in no known audience: they are part of your network, so the model keeps
    them as one more cluster rather than pretending you know only the classified ones.
    """

    weights: dict[str, float] = field(default_factory=dict)
    contacts: dict[str, int] = field(default_factory=dict)
    ties: dict[tuple[str, str], float] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)
    other: float = 0.0
    total: int = 0
    source: str = ""

    @property
    def audiences(self) -> set[str]:
        return {a for a, w in self.weights.items() if w > 0}

    def is_empty(self) -> bool:
        return not self.audiences and not self.other


# -- LinkedIn export -------------------------------------------------------------------------
def _csv_text(path: Path) -> tuple[str, str]:
    """(text, name) of Connections.csv, from the bare CSV or from LinkedIn's ZIP archive."""
    raw = path.read_bytes()
    name = path.name
    if zipfile.is_zipfile(io.BytesIO(raw)):
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            members = [m for m in zf.namelist() if Path(m).name.casefold() == "connections.csv"]
            if not members:
                raise NetworkError(f"{path}: no Connections.csv inside the archive")
            name = f"{path.name}:{members[0]}"
            raw = zf.read(min(members, key=len))
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(enc), name
        except UnicodeDecodeError:
            continue
    raise NetworkError(f"{path}: neither UTF-8 nor Windows-1252 text")  # pragma: no cover - cp1252 decodes all but 5 bytes


def read_connections(path: str | Path) -> list[Connection]:
    """Connections from a LinkedIn `Connections.csv` (or the export ZIP holding it).

    Tolerates what real exports do: note lines before the header, a BOM, quoted commas and line
    breaks inside fields, blank or all-comma rows, and older exports without the URL column.
    The header is found by its first column, so any column order works.
    """
    p = Path(path)
    text, name = _csv_text(p)
    m = _HEADER_LINE.search(text)
    if not m:
        raise NetworkError(f"{name}: no header line starting 'First Name,' (is this a LinkedIn Connections.csv?)")
    reader = csv.DictReader(io.StringIO(text[m.start():].lstrip("\ufeff"), newline=""))
    cols = {(c or "").strip().casefold(): c for c in reader.fieldnames or []}
    if "company" not in cols and "position" not in cols:
        raise NetworkError(f"{name}: header has neither Company nor Position")
    out = []
    for row in reader:
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue  # blank line or a row of empty fields
        out.append(Connection(company=(row.get(cols.get("company", ""), "") or "").strip(),
                              position=(row.get(cols.get("position", ""), "") or "").strip()))
    return out


def employer_key(company: str) -> str:
    """One key per employer: casefolded, legal suffixes dropped ("Acme, Inc." == "ACME")."""
    k = normalize_text(company).strip()
    return _LEGAL_SUFFIX.sub("", k).strip()


def profile_from_connections(conns: Sequence[Connection], taxonomy: Sequence[Audience] | None = None,
                             source: str = "") -> Profile:
    """Aggregate connections into audience clusters and shared-employer ties (see module doc)."""
    tax = load_taxonomy() if taxonomy is None else taxonomy
    contacts: Counter[str] = Counter()
    cues: dict[str, Counter[str]] = defaultdict(Counter)
    by_employer: dict[str, Counter[str]] = defaultdict(Counter)
    other = 0
    for i, c in enumerate(conns):
        found = match_connection(c.company, c.position, tax)
        if not found:
            other += 1
            continue
        employer = employer_key(c.company) or f"#{i}"  # no employer: shares only with themselves
        for slug, cue in found.items():
            contacts[slug] += 1
            cues[slug][cue] += 1
            by_employer[employer][slug] += 1
    ties: Counter[tuple[str, str]] = Counter()
    for counts in by_employer.values():
        for a, b in combinations(sorted(counts), 2):
            ties[(a, b)] += min(counts[a], counts[b])
    return Profile(
        weights={a: float(n) for a, n in contacts.items()},
        contacts=dict(contacts),
        ties={k: float(v) for k, v in ties.items()},
        examples={a: [f"{cue} ({n})" for cue, n in cnt.most_common(3)] for a, cnt in cues.items()},
        other=float(other),
        total=len(conns),
        source=source,
    )


# -- config/network.yml ----------------------------------------------------------------------
def default_profile_path() -> Path:
    return config_dir() / "network.yml"


def profile_from_yaml(path: str | Path, taxonomy: Sequence[Audience] | None = None) -> Profile:
    """A hand-written profile: `audiences: {slug: weight}`, optional `ties: [[a, b, weight]]`, `other`."""
    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise NetworkError(f"{p}: {exc}") from exc
    known = {a.slug for a in (load_taxonomy() if taxonomy is None else taxonomy)}
    raw = data.get("audiences") or {}
    if isinstance(raw, list):  # a plain list: every audience weighs the same
        raw = dict.fromkeys(raw, 1)
    if not isinstance(raw, dict):
        raise NetworkError(f"{p}: `audiences` must map audience slugs to weights")
    unknown = sorted(set(raw) - known)
    if unknown:
        raise NetworkError(f"{p}: unknown audience(s) {', '.join(unknown)} (see config/audiences.yml)")
    weights = {str(a): float(w) for a, w in raw.items()}
    if any(w < 0 for w in weights.values()):
        raise NetworkError(f"{p}: weights must be >= 0")
    ties: dict[tuple[str, str], float] = {}
    for t in data.get("ties") or []:
        if not (isinstance(t, list) and len(t) == 3 and t[0] in weights and t[1] in weights and t[0] != t[1]):
            raise NetworkError(f"{p}: each tie is [audience, other audience, weight] over listed audiences: {t!r}")
        key = (min(t[0], t[1]), max(t[0], t[1]))
        ties[key] = ties.get(key, 0.0) + float(t[2])
    return Profile(weights=weights, contacts={}, ties=ties, other=float(data.get("other") or 0),
                   total=int(data.get("contacts") or 0), source=str(p))


def read_profile_file(path: str | Path, taxonomy: Sequence[Audience] | None = None) -> Profile:
    """A profile from any file `widen network import` accepts: network.yml, Connections.csv or the ZIP."""
    p = Path(path)
    if not p.is_file():
        raise NetworkError(f"{p}: no such file")
    if p.suffix.casefold() in (".yml", ".yaml"):
        return profile_from_yaml(p, taxonomy)
    return profile_from_connections(read_connections(p), taxonomy, source=p.name)


# -- the database ----------------------------------------------------------------------------
PROFILE_TABLES = ("network_audiences", "network_ties", "network_summary")


def ensure_network_tables(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TABLE IF NOT EXISTS network_audiences (audience TEXT PRIMARY KEY, weight REAL, "
                 "contacts INTEGER, examples TEXT)")
    conn.execute("CREATE TABLE IF NOT EXISTS network_ties (a TEXT, b TEXT, weight REAL, PRIMARY KEY (a, b))")
    conn.execute("CREATE TABLE IF NOT EXISTS network_summary (key TEXT PRIMARY KEY, value TEXT)")


def save_profile(conn: sqlite3.Connection, profile: Profile) -> None:
    """Replace the stored profile in one transaction (aggregates only, no personal data)."""
    ensure_network_tables(conn)
    with conn:
        for t in PROFILE_TABLES:
            conn.execute(f"DELETE FROM {t}")
        conn.executemany("INSERT INTO network_audiences VALUES (?, ?, ?, ?)",
                         [(a, w, profile.contacts.get(a), "; ".join(profile.examples.get(a, [])) or None)
                          for a, w in sorted(profile.weights.items())])
        conn.executemany("INSERT INTO network_ties VALUES (?, ?, ?)",
                         [(a, b, w) for (a, b), w in sorted(profile.ties.items())])
        conn.executemany("INSERT INTO network_summary VALUES (?, ?)", [
            ("source", profile.source), ("imported", dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()),
            ("contacts", str(profile.total)), ("other", str(profile.other)),
        ])


def load_profile_db(conn: sqlite3.Connection) -> Profile | None:
    """The profile stored by `widen network import`, or None when there is none."""
    try:
        rows = conn.execute("SELECT audience, weight, contacts, examples FROM network_audiences").fetchall()
        ties = conn.execute("SELECT a, b, weight FROM network_ties").fetchall()
        summary = dict(conn.execute("SELECT key, value FROM network_summary").fetchall())
    except sqlite3.OperationalError:
        return None
    if not rows and not summary:
        return None
    return Profile(
        weights={a: float(w or 0) for a, w, _, _ in rows},
        contacts={a: int(n) for a, _, n, _ in rows if n is not None},
        ties={(a, b): float(w) for a, b, w in ties},
        examples={a: ex.split("; ") for a, _, _, ex in rows if ex},
        other=float(summary.get("other") or 0),
        total=int(summary.get("contacts") or 0),
        source=summary.get("source", ""),
    )


def current_profile(db_path: str | Path | None = None, taxonomy: Sequence[Audience] | None = None) -> Profile:
    """The profile reach is computed against: the database's imported one, else config/network.yml,
    else empty (then every audience counts as new)."""
    if db_path and Path(db_path).exists():
        conn = open_readonly(db_path, check=False)
        try:
            prof = load_profile_db(conn)
        finally:
            conn.close()
        if prof is not None:
            return prof
    path = default_profile_path()
    if path.exists():
        return profile_from_yaml(path, taxonomy)
    return Profile(source="(none)")


def audience_mix(profile: Profile) -> list[tuple[str, float, float]]:
    """(audience, weight, share of all clusters' weight), largest first; `other` included last."""
    total = sum(profile.weights.values()) + profile.other
    rows = sorted(((a, w) for a, w in profile.weights.items() if w > 0), key=lambda x: (-x[1], x[0]))
    out = [(a, w, w / total if total else 0.0) for a, w in rows]
    if profile.other:
        out.append(("(unclassified)", profile.other, profile.other / total))
    return out

