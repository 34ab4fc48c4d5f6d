"""Precision/recall of the real audience classifier on the hand-labelled set.

    python bench/audiences.py [-v] [--per-audience] [--hard]

Runs each listing through `pipelines.classify.classify` (the same call the crawl makes), scores
every (listing, audience) pair against tests/data/audience_eval.jsonl and micro-averages. `-v`
prints each disagreement with the cue that fired, `--hard` scores only the rows marked `blind`
(labelled before the classifier ran on them, see tests/data/README.md): the fairer estimate of
how it does on listings it has never seen.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipelines.audiences import load_taxonomy  # noqa: E402
from pipelines.classify import classify  # noqa: E402

EVAL = ROOT / "tests" / "data" / "audience_eval.jsonl"


@dataclass
class Scores:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    per: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0]))
    misses: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0


def load_rows(path: Path = EVAL) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def evaluate(rows: list[dict], taxonomy_path: str | None = None) -> Scores:
    """Score the classify stage on labelled rows (pairs micro-averaged)."""
    tax = load_taxonomy(taxonomy_path)
    known = {a.slug for a in tax}
    sc = Scores()
    for r in rows:
        unknown = set(r["audiences"]) - known
        if unknown:
            raise ValueError(f"{r['id']}: labels not in the taxonomy: {sorted(unknown)}")
        rec = classify({"title": r["title"], "description": r.get("description"),
                        "organizer": r.get("organizer")}, tax)
        pred, gold = set(rec["audiences"] or []), set(r["audiences"])
        for s in pred & gold:
            sc.tp += 1
            sc.per[s][0] += 1
        for s in pred - gold:
            sc.fp += 1
            sc.per[s][1] += 1
        for s in gold - pred:
            sc.fn += 1
            sc.per[s][2] += 1
        if pred != gold:
            why = [c for c in rec["audience_cues"] or [] if c.split(":")[0] in pred - gold]
            sc.misses.append(f"{r['id']} {r['title'][:50]!r} false={why} missed={sorted(gold - pred)}")
    return sc


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-v", "--verbose", action="store_true", help="print every disagreement")
    ap.add_argument("--per-audience", action="store_true", help="tp/fp/fn per audience")
    ap.add_argument("--hard", action="store_true", help="only the rows labelled blind")
    ap.add_argument("--taxonomy", default=None, help="audiences.yml to score (default: config/)")
    args = ap.parse_args()
    rows = load_rows()
    if args.hard:
        rows = [r for r in rows if r.get("blind")]
    t0 = time.perf_counter()
    sc = evaluate(rows, args.taxonomy)
    ms = (time.perf_counter() - t0) * 1000 / max(len(rows), 1)
    if args.verbose:
        print("\n".join(sc.misses))
    if args.per_audience:
        for slug, (tp, fp, fn) in sorted(sc.per.items()):
            if fp or fn:
                print(f"  {slug:26s} tp={tp:3d} fp={fp:2d} fn={fn:2d}")
    n_aud = len(load_taxonomy(args.taxonomy))
    print(f"rows={len(rows)} audiences={n_aud} tp={sc.tp} fp={sc.fp} fn={sc.fn} "
          f"precision={sc.precision:.3f} recall={sc.recall:.3f} ({ms:.2f} ms/listing)")


if __name__ == "__main__":
    main()
