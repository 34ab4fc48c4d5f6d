"""Reach: how far an opportunity takes you outside the audiences your network already reaches.

The model (docs/reach.md has the reasoning and a worked example):
- Your network is an ego graph: you, plus one node per audience cluster (weight = contacts in it,
  crawlers/network.py), plus one node for contacts in no known audience. Clusters are tied to each
  other as strongly as the people they share (same person, same employer).
- Joining an opportunity adds `NEW_CONTACTS` people spread evenly over its audiences: each audience
  gets an ego tie of NEW_CONTACTS/|S| (a new node when you don't reach it yet, a stronger tie when
  you do), and the opportunity's audiences get tied to each other by the same amount (the people
  you meet there know each other).
- reach_score = 100 * (C_before - C_after) / C_before, Burt's constraint C of the ego node
  (networkx.constraint): the percentage by which joining would loosen your network. Positive when
  it adds non-redundant contacts, negative when it only deepens a cluster you already lean on.
- new_audiences = its audiences minus yours.

Scores depend only on the opportunity's set of audiences, so they are computed once per distinct
set: recomputing a million rows costs one constraint per distinct set plus batched SQL updates.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from crawlers.db import REACH_INDEXES, default_db_path, ensure_reach_indexes
from crawlers.network import Profile, current_profile
from pipelines import Stage
from pipelines.audiences import load_taxonomy

log = logging.getLogger(__name__)

EGO = "\x00you"
OTHER = "\x00other"
NEW_CONTACTS = 6.0  # people you get to know by joining one opportunity (a handful, not the whole room)
HALF = 1.0  # the gain (non-redundant clusters) that scores about 50: one audience you don't reach
NEW_GROUP = 0.5  # extra gain for a kind of circle (a taxonomy group) you reach no audience of


def profile_graph(profile: Profile) -> nx.Graph:
    """The ego graph standing in for your network (see module doc)."""
    g = nx.Graph()
    g.add_node(EGO)
    for a, w in profile.weights.items():
        if w > 0:
            g.add_edge(EGO, a, weight=float(w))
    for (a, b), w in profile.ties.items():
        if w > 0 and g.has_node(a) and g.has_node(b):
            g.add_edge(a, b, weight=float(w))
    other = profile.other if (profile.other or profile.audiences) else 1.0  # no profile: one anonymous tie
    if other > 0:
        g.add_edge(EGO, OTHER, weight=float(other))
    return g


def _add(g: nx.Graph, u: str, v: str, w: float) -> None:
    if g.has_edge(u, v):
        g[u][v]["weight"] += w
    else:
        g.add_edge(u, v, weight=w)


def join(g: nx.Graph, audiences: Iterable[str], new_contacts: float = NEW_CONTACTS) -> nx.Graph:
    """The network after joining an opportunity reaching `audiences` (a new graph)."""
    aud = sorted(set(audiences))
    h = g.copy()
    if not aud:
        return h
    share = new_contacts / len(aud)
    for a in aud:
        _add(h, EGO, a, share)
    for a, b in combinations(aud, 2):
        _add(h, a, b, share)
    return h


def ego_constraint(g: nx.Graph) -> float:
    return float(nx.constraint(g, nodes=[EGO], weight="weight")[EGO])


def _matrix_constraint(w: np.ndarray) -> float:
    """Burt's constraint of node 0 from a symmetric weight matrix; equals networkx.constraint.

    p_ij = w_ij / sum_k w_ik; C_0 = sum over 0's neighbours j of (p_0j + sum_q p_0q p_qj)^2.
    One matrix-vector product instead of networkx's per-pair Python loops (~100x faster), which
    is what makes re-scoring every distinct audience set of a large database take seconds.
    """
    totals = w.sum(axis=1)
    p = np.divide(w, totals[:, None], out=np.zeros_like(w), where=totals[:, None] > 0)
    direct = p[0]
    indirect = direct @ p
    nbrs = direct > 0
    return float(((direct[nbrs] + indirect[nbrs]) ** 2).sum())


def ego_effective_size(g: nx.Graph) -> float:
    return float(nx.effective_size(g, nodes=[EGO], weight="weight")[EGO])


def _matrix_effective_size(w: np.ndarray) -> float:
    """Burt's effective size of node 0 from a symmetric weight matrix; equals networkx.effective_size.

    E_0 = sum over 0's neighbours v of (1 - sum_{q != 0} p_0q m_vq), with p_0q = w_0q / sum_k w_0k
    (your share of ties in q) and m_vq = w_vq / max_k w_vk (how strongly v's people know q's).
    """
    totals = w[0].sum()
    if totals <= 0:
        return 0.0
    p = w[0] / totals
    peak = w.max(axis=1)
    m = np.divide(w, peak[:, None], out=np.zeros_like(w), where=peak[:, None] > 0)
    p_others = p.copy()
    p_others[0] = 0.0
    nbrs = np.flatnonzero(w[0] > 0)
    return float((1.0 - m[nbrs] @ p_others).sum())


@dataclass
class Reach:
    """Scores opportunities against one profile; memoised per distinct audience set."""

    profile: Profile
    new_contacts: float = NEW_CONTACTS

    def __post_init__(self) -> None:
        self.graph = profile_graph(self.profile)
        self.mine = self.profile.audiences
        self.constraint = ego_constraint(self.graph)
        self.effective_size = ego_effective_size(self.graph)
        self._cache: dict[frozenset[str], float] = {}
        self._groups = {a.slug: a.group for a in load_taxonomy()}
        self._my_groups = {self._groups.get(a) for a in self.mine} - {None}
        # The same graph as a matrix (ego first), with room for every taxonomy audience.
        names = [EGO, *(n for n in self.graph if n != EGO)]
        names += [a.slug for a in load_taxonomy() if a.slug not in self.graph]
        self._index = {n: i for i, n in enumerate(names)}
        self._w = nx.to_numpy_array(self.graph, nodelist=names[:self.graph.number_of_nodes()], weight="weight")
        self._w = np.pad(self._w, (0, len(names) - len(self._w)))

    def _joined(self, audiences: Iterable[str]) -> np.ndarray | None:
        """The weight matrix after joining (see `join`); None for a slug outside the taxonomy."""
        aud = sorted(set(audiences))
        if any(a not in self._index for a in aud):
            return None
        w = self._w.copy()
        if aud:
            share = self.new_contacts / len(aud)
            idx = [self._index[a] for a in aud]
            w[0, idx] += share
            w[idx, 0] += share
            for i, j in combinations(idx, 2):
                w[i, j] += share
                w[j, i] += share
        return w

    def constraint_after(self, audiences: Iterable[str]) -> float:
        """Your constraint after joining an opportunity reaching `audiences` (see `join`)."""
        w = self._joined(audiences)
        return ego_constraint(join(self.graph, audiences, self.new_contacts)) if w is None else _matrix_constraint(w)

    def effective_size_after(self, audiences: Iterable[str]) -> float:
        """Your effective size (non-redundant clusters) after joining (see `join`)."""
        w = self._joined(audiences)
        return (ego_effective_size(join(self.graph, audiences, self.new_contacts)) if w is None
                else _matrix_effective_size(w))

    def score(self, audiences: Iterable[str] | None) -> float:
        """0–100: how far joining takes you outside the circles you reach (module doc, docs/reach.md).

        0 when it reaches no audience new to you. Otherwise 1 + 99·g/(g + HALF), where g is the
        gain in your effective size (Burt: non-redundant clusters) plus NEW_GROUP for each kind of
        circle (industry, role, career stage, community, cause) you reach none of yet. A pure
        single new audience scores about 50; more, and more distant, new circles approach 100.
        Memoised per audience set, and never lower than the same set minus one new audience.
        """
        key = frozenset(audiences or ())
        if key in self._cache:
            return self._cache[key]
        new = [a for a in key if a not in self.mine]
        if not new:
            value = 0.0
        else:
            gain = max(0.0, self.effective_size_after(key) - self.effective_size)
            gain += NEW_GROUP * len({self._groups.get(a) for a in new} - self._my_groups - {None})
            value = round(1.0 + 99.0 * gain / (gain + HALF), 1)
            if len(new) > 1:  # adding a new audience never lowers the score
                value = max([value, *(self.score(key - {a}) for a in new)])
        self._cache[key] = value
        return value

    def new_audiences(self, audiences: Iterable[str] | None) -> list[str]:
        return [a for a in dict.fromkeys(audiences or ()) if a not in self.mine]

    def apply(self, rec: dict[str, Any]) -> dict[str, Any]:
        """Fill `new_audiences` (None when there are none, like every other empty array) and `reach_score`."""
        rec["new_audiences"] = self.new_audiences(rec.get("audiences")) or None
        rec["reach_score"] = self.score(rec.get("audiences"))
        return rec


BULK = 20_000  # above this many changed rows, rebuilding the reach indexes beats updating them


def recompute(db_path: str | Path, profile: Profile | None = None, batch: int = 50_000) -> dict[str, float]:
    """Rewrite new_audiences, reach_score and opportunity_audiences.new for the whole database.

    Used when the profile changes: no re-crawl, one constraint per distinct audience set, then
    set-based SQL (an UPDATE … FROM a temp table keyed by the stored `audiences` JSON text).
    """
    t0 = time.perf_counter()
    prof = profile if profile is not None else current_profile(db_path)
    reach = Reach(prof)
    conn = sqlite3.connect(str(db_path), timeout=60, isolation_level=None)
    try:
        total = conn.execute("SELECT count(*) FROM opportunities").fetchone()[0]
        sets = [r[0] for r in conn.execute("SELECT DISTINCT audiences FROM opportunities")]
        rows = []
        for text in sets:
            auds = json.loads(text) if text else []
            new = reach.new_audiences(auds)
            rows.append((text, json.dumps(new, ensure_ascii=False) if new else None, reach.score(auds)))
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("CREATE TEMP TABLE IF NOT EXISTS reach_sets (aud TEXT PRIMARY KEY, new TEXT, score REAL)")
            conn.execute("DELETE FROM reach_sets")
            for i in range(0, len(rows), batch):
                conn.executemany("INSERT INTO reach_sets VALUES (?, ?, ?)", rows[i:i + batch])
            # Only rows whose values change are written; when most do (a new profile), the reach
            # indexes are dropped and rebuilt once afterwards instead of updated row by row.
            changing = conn.execute(
                "SELECT count(*) FROM opportunities o JOIN reach_sets s ON s.aud = o.audiences "
                "WHERE o.new_audiences IS NOT s.new OR o.reach_score IS NOT s.score").fetchone()[0]
            if changing > BULK:
                for name in REACH_INDEXES:
                    conn.execute(f"DROP INDEX IF EXISTS {name}")
            n = conn.execute("UPDATE opportunities SET new_audiences = s.new, reach_score = s.score FROM reach_sets s "
                             "WHERE s.aud = opportunities.audiences AND (opportunities.new_audiences IS NOT s.new "
                             "OR opportunities.reach_score IS NOT s.score)").rowcount
            empty = next((r for r in rows if r[0] is None), None)
            if empty is not None:
                n += conn.execute("UPDATE opportunities SET new_audiences = NULL, reach_score = ? WHERE audiences "
                                  "IS NULL AND (new_audiences IS NOT NULL OR reach_score IS NOT ?)",
                                  (empty[2], empty[2])).rowcount
            mine = sorted(reach.mine)
            marks = ",".join("?" * len(mine))
            flag = f"CASE WHEN audience IN ({marks}) THEN 0 ELSE 1 END" if mine else "1"
            conn.execute(f"UPDATE opportunity_audiences SET new = {flag} WHERE new IS NOT {flag}", mine + mine)
            conn.execute("CREATE TABLE IF NOT EXISTS widen_meta (key TEXT PRIMARY KEY, value TEXT)")
            conn.execute("INSERT OR REPLACE INTO widen_meta VALUES ('reach_model', ?)", (REACH_MODEL,))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        ensure_reach_indexes(conn)
    finally:
        conn.close()
    return {"changed": n, "opportunities": total, "audience_sets": len(rows), "seconds": round(time.perf_counter() - t0, 2),
            "constraint": reach.constraint, "effective_size": reach.effective_size}


# Which scoring model the stored reach_score values follow. Bumped when the score's meaning
# changes; a database scored under another model is re-scored once (see ensure_current_model).
REACH_MODEL = "effective-size-0-100"


def ensure_current_model(db_path: str | Path) -> bool:
    """Re-score a database whose reach scores follow an older model (once); True when it did.

    Cheap when current (one read of the `widen_meta` table); a missing database or one without
    opportunities is simply marked current."""
    if not Path(db_path).is_file():
        return False
    conn = sqlite3.connect(str(db_path), timeout=60)
    try:
        conn.execute("CREATE TABLE IF NOT EXISTS widen_meta (key TEXT PRIMARY KEY, value TEXT)")
        row = conn.execute("SELECT value FROM widen_meta WHERE key = 'reach_model'").fetchone()
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        conn.commit()
    finally:
        conn.close()
    if row and row[0] == REACH_MODEL:
        return False
    if "opportunities" in tables:
        recompute(db_path)  # marks the model in its own transaction
        return True
    conn = sqlite3.connect(str(db_path), timeout=60)
    try:
        with conn:
            conn.execute("INSERT OR REPLACE INTO widen_meta VALUES ('reach_model', ?)", (REACH_MODEL,))
    finally:
        conn.close()
    return False


class ReachPipeline(Stage):
    """Scrapy stage (between dedupe and store): new_audiences and reach_score from the current profile."""

    def open_spider(self) -> None:
        settings = getattr(self.crawler, "settings", None)
        db = (settings.get("WIDEN_DB") if settings else None) or default_db_path()
        if ensure_current_model(db):
            log.info("re-scored %s: its reach scores followed an older model", db)
        self.reach = Reach(current_profile(db))

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        return self.reach.apply(item)
