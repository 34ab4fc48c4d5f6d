"""Which audiences a listing reaches: the taxonomy in config/audiences.yml matched on words.

Explainable on purpose: every match stores the words that matched ("veterans: military spouse"),
so a user can see why a listing was put in front of them (or hidden).

The matching rules are the ones the taxonomy was curated against (its header says the same):
- text is NFKC-normalised and casefolded, curly apostrophes become ';
- an audience's terms are its `synonyms` + `keywords` (never its slug or label: a bare "data",
  "design" or "students" is too ambiguous to count on its own);
- a term's words are joined by `[\\s\\-]+` and wrapped in `(?<!\\w)…(?!\\w)`, so "non-profit" matches
  "non profit", "R-Ladies" contains "ladies", and "art" never matches "start"; no stemming;
- a term match that overlaps a match of one of the audience's own `exclude` phrases is discarded
  ("habitat for humanity" is not the environment); other matches still count;
- `companies` / `positions` are only for LinkedIn connections (`match_connection`), same word rule
  ("ey" matches EY but not Disney); excludes apply to job titles, which are free text like
  listings ("Property Developer" is not a software developer), never to employer names.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from crawlers.config import config_dir

_SPLIT = re.compile(r"[\s\-]+")
_WORD = re.compile(r"\w+")
_SEP = r"[\s\-]+"  # what joins a term's words in a pattern


def normalize_text(text: str | None) -> str:
    """NFKC + casefold + straight apostrophes: the form both terms and listings are compared in."""
    s = unicodedata.normalize("NFKC", text or "")
    return s.replace("\u2019", "'").replace("\u2018", "'").casefold()


def _parts(term: str) -> list[str]:
    """A term's words as compared: normalised, split at runs of spaces and hyphens."""
    return [p for p in _SPLIT.split(normalize_text(term).strip()) if p]


def _body(term: str) -> str:
    return _SEP.join(re.escape(p) for p in _parts(term))


def term_regex(term: str) -> str:
    """Regex source for one term: words joined by runs of spaces/hyphens, word boundaries around."""
    return r"(?<!\w)(?:" + _body(term) + r")(?!\w)"


def _trie(terms: Iterable[str]) -> dict[str, Any]:
    """Normalised terms as a character trie; a run of spaces/hyphens is one `_SEP` step and ""
    marks a term's end."""
    root: dict[str, Any] = {}
    for t in terms:
        parts = _parts(t)
        if not parts:
            continue
        node = root
        for i, part in enumerate(parts):
            if i:
                node = node.setdefault(_SEP, {})
            for ch in part:
                node = node.setdefault(ch, {})
        node[""] = {}
    return root


def _trie_source(node: dict[str, Any]) -> str:
    """Regex source for a trie: shared prefixes written once, each continuation tried before the
    term ends there (greedy), so at any start the longest term wins, as longest-first
    alternation does. The branches of a node start with different characters (a separator run
    never starts a part), so at most one can go on matching."""
    branches = [(tok if tok == _SEP else re.escape(tok)) + _trie_source(child)
                for tok, child in node.items() if tok]
    if not branches:
        return ""
    if len(branches) == 1 and "" not in node:
        return branches[0]
    return "(?:" + "|".join(branches) + ")" + ("?" if "" in node else "")


def _alternation(terms: Iterable[str]) -> re.Pattern[str] | None:
    """One pattern for many terms where a phrase wins over a word it starts with.

    The terms are compiled as a trie (Python's `re` tries every branch of a flat alternation at
    every position: ~5x slower for an audience of 100 terms). The boundaries sit outside it: the
    lookbehind rejects most positions (inside words) before any term is tried.
    """
    trie = _trie(t for t in terms if t and str(t).strip())
    if not trie:
        return None
    return re.compile(r"(?<!\w)" + _trie_source(trie) + r"(?!\w)")


@dataclass(frozen=True)
class Audience:
    """One compiled audience: `pattern` finds any of its terms, `terms` keeps them apart for the
    rare text where every `pattern` hit falls inside an exclude phrase (see `match`)."""

    slug: str
    group: str
    label: str
    description: str
    pattern: re.Pattern[str] | None
    terms: tuple[re.Pattern[str], ...]
    exclude: re.Pattern[str] | None
    companies: re.Pattern[str] | None = None
    positions: re.Pattern[str] | None = None
    needs: tuple[frozenset[str], ...] | None = None

    def match(self, norm: str) -> str | None:
        """The first surviving term match in already-normalised text, or None."""
        return _first_free(self.pattern, self.exclude, self.terms, norm)

    def match_position(self, norm: str) -> str | None:
        """A `positions` match in a normalised job title; excludes apply ("Property Developer")."""
        return _first_free(self.positions, self.exclude, (), norm)


def _first_free(pattern: re.Pattern[str] | None, exclude: re.Pattern[str] | None,
                terms: tuple[re.Pattern[str], ...], norm: str) -> str | None:
    """First match of `pattern` not overlapping an `exclude` match.

    The alternation consumes text left to right, so a term hidden under a longer excluded hit is
    only found by trying each of `terms` on its own (exact, and rare enough to be cheap).
    """
    if pattern is None:
        return None
    if exclude is None:
        first = pattern.search(norm)
        return first.group(0) if first else None
    spans: list[tuple[int, int]] | None = None  # the exclude matches, found at the first hit

    def free(m: re.Match[str]) -> bool:
        s, e = m.span()
        return not any(s < xe and xs < e for xs, xe in spans or ())

    for m in pattern.finditer(norm):
        if spans is None:
            spans = [x.span() for x in exclude.finditer(norm)]
        if free(m):
            return m.group(0)
    if spans is None:
        return None
    for p in terms:
        for m in p.finditer(norm):
            if free(m):
                return m.group(0)
    return None


def _word_sets(terms: Iterable[str]) -> tuple[frozenset[str], ...] | None:
    """Each term's word runs, normalised; None when a term has none (it must always be tried)."""
    out = []
    for t in terms:
        words = frozenset(_WORD.findall(normalize_text(t)))
        if not words:
            return None
        out.append(words)
    return tuple(out)


def _compile(a: dict) -> Audience:
    terms = [str(t) for t in [*(a.get("synonyms") or []), *(a.get("keywords") or [])]]
    exclude = _alternation(str(t) for t in a.get("exclude") or [])
    return Audience(
        slug=a["slug"],
        group=a.get("group", ""),
        label=a.get("label", a["slug"]),
        description=a.get("description", ""),
        pattern=_alternation(terms),
        terms=tuple(re.compile(term_regex(t)) for t in terms) if exclude else (),
        exclude=exclude,
        companies=_alternation(str(t) for t in a.get("companies") or []),
        positions=_alternation(str(t) for t in a.get("positions") or []),
        needs=_word_sets(t for t in terms if t.strip()),
    )


@functools.lru_cache(maxsize=8)
def load_taxonomy(path: str | None = None) -> tuple[Audience, ...]:
    """Audiences from config/audiences.yml (or `path`), compiled once per process."""
    p = Path(path) if path else config_dir() / "audiences.yml"
    data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    return tuple(_compile(a) for a in data.get("audiences", []))


def audience_labels() -> dict[str, str]:
    """slug -> label, in the taxonomy's order: the names pages and reports show instead of slugs."""
    return {a.slug: a.label for a in load_taxonomy()}


_INDEXES: dict[int, tuple[tuple[Audience, ...], dict[str, list[tuple[int, frozenset[str]]]], frozenset[int]]] = {}


def _word_index(taxonomy: tuple[Audience, ...]) -> tuple[dict[str, list[tuple[int, frozenset[str]]]], frozenset[int]]:
    """word -> (audience position, one term's word runs) for each term, filed under its
    alphabetically first word, and the audiences with a term without words (always scanned).
    Kept per taxonomy object (by identity: hashing 60 compiled audiences costs more than the
    lookups save)."""
    kept = _INDEXES.get(id(taxonomy))
    if kept is not None and kept[0] is taxonomy:
        return kept[1], kept[2]
    index: dict[str, list[tuple[int, frozenset[str]]]] = {}
    always = set()
    for i, a in enumerate(taxonomy):
        if a.needs is None:
            always.add(i)
            continue
        for need in a.needs:
            index.setdefault(min(need), []).append((i, need))
    if len(_INDEXES) > 8:
        _INDEXES.clear()
    _INDEXES[id(taxonomy)] = (taxonomy, index, frozenset(always))
    return index, frozenset(always)


def candidates(norm: str, taxonomy: tuple[Audience, ...]) -> set[int]:
    """Positions of the audiences that can match normalised text, found without a regex scan.

    A term matches only where each of its word runs stands whole in the text: its pattern puts
    word boundaries at both ends and joins its parts by spaces or hyphens, which no word run
    crosses. So an audience none of whose terms has all its words among the text's words cannot
    match, and ~50 of 60 audiences are ruled out per listing by set lookups.
    """
    index, always = _word_index(taxonomy)
    words = set(_WORD.findall(norm))
    out = set(always)
    for w in words:
        for i, need in index.get(w, ()):
            if i not in out and need <= words:
                out.add(i)
    return out


def classify_audiences(text: str, taxonomy: Sequence[Audience]) -> tuple[list[str], list[str]]:
    """Audience slugs whose terms occur in the text, and 'slug: matched words' cues explaining each."""
    norm = normalize_text(text)
    taxonomy = taxonomy if isinstance(taxonomy, tuple) else tuple(taxonomy)
    maybe = candidates(norm, taxonomy)
    found, cues = [], []
    for i, a in enumerate(taxonomy):
        if i not in maybe:
            continue
        hit = a.match(norm)
        if hit is not None:
            found.append(a.slug)
            cues.append(f"{a.slug}: {' '.join(hit.split())}")
    return found, cues


def match_connection(company: str | None, position: str | None,
                     taxonomy: Sequence[Audience]) -> dict[str, str]:
    """Audiences of one LinkedIn connection: slug -> the cue ('company: X' / 'position: Y').

    Employer names map through `companies`, job titles through `positions`; failing both, the
    audience's ordinary listing terms are tried on title and employer (a "Volunteer Coordinator"
    at "Lakeview Food Pantry" is hunger too).
    """
    comp, pos = normalize_text(company), normalize_text(position)
    both = f"{pos}\n{comp}".strip()
    out: dict[str, str] = {}
    for a in taxonomy:
        m = a.companies.search(comp) if a.companies is not None and comp else None
        if m:
            out[a.slug] = f"company: {m.group(0)}"
            continue
        hit = a.match_position(pos) if pos else None
        if hit is not None:
            out[a.slug] = f"position: {hit}"
            continue
        hit = a.match(both) if both else None
        if hit is not None:
            out[a.slug] = f"{'position' if hit in pos else 'company'}: {hit}"
    return out
