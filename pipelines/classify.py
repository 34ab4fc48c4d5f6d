"""Stage 2: what kind of opportunity it is and which audiences it reaches, with the cues that decided.

The rules live in pipelines/kinds.py and pipelines/audiences.py; this stage applies both.
"""

from __future__ import annotations

from typing import Any

from pipelines import Stage
from pipelines.audiences import Audience, classify_audiences, load_taxonomy
from pipelines.kinds import classify_kind


def classify(rec: dict[str, Any], taxonomy: tuple[Audience, ...] | None = None) -> dict[str, Any]:
    """Fill kind, kind_reason, audiences and audience_cues (source hints are kept)."""
    taxonomy = load_taxonomy() if taxonomy is None else taxonomy
    rec["kind"], rec["kind_reason"] = classify_kind(rec)
    text = " \n ".join(str(rec.get(k) or "") for k in ("title", "description", "organizer"))
    found, cues = classify_audiences(text, taxonomy)
    hinted = rec.get("audiences") or []
    rec["audiences"] = list(dict.fromkeys([*hinted, *found])) or None
    rec["audience_cues"] = ([f"{h}: source hint" for h in hinted if h not in found] + cues) or None
    return rec


class ClassifyPipeline(Stage):
    """Scrapy stage: kind and audiences."""

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        return classify(item)
